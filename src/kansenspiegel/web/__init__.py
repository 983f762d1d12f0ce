"""The web layer: the dashboard pages and the JSON API (thin: it formats published views)."""

from kansenspiegel.web.app import create_app

__all__ = ["create_app"]
