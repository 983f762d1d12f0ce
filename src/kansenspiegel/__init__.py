"""Kansenspiegel: where do people on social assistance get unequal chances on their way to work?

The public API is `Mirror`; see docs/ for the data contract and the metrics.
"""

from kansenspiegel.mirror import Mirror

__version__ = "0.1.0"
__all__ = ["Mirror", "__version__"]
