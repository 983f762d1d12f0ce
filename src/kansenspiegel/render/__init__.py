"""Stage 8: renderers by format — CSV, XLSX and JSON of any published view (`render.table`),
and the council report as HTML, PDF and XLSX (`render.report`). Used by the downloads, the CLI
and the reports alike; every file states its disclosure policy (`Policy.describe`)."""

from __future__ import annotations

from kansenspiegel.render.report import glossary, render_html, write_html, write_pdf, write_xlsx
from kansenspiegel.render.table import MEDIA, RENDERERS, about, to_csv, to_json, to_xlsx

__all__ = ["MEDIA", "RENDERERS", "about", "glossary", "render_html", "to_csv", "to_json", "to_xlsx", "write_html", "write_pdf", "write_xlsx"]
