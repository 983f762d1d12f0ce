"""Kansenspiegel: the equal-opportunities mirror."""
__version__ = "0.1.0"
