"""Stage 3: statistics on counts — intervals, tests, false-discovery control, the metric table."""

from kansenspiegel.stats._core import benjamini_hochberg, two_proportion_test, wilson_interval
from kansenspiegel.stats._metrics import DEFAULT_FAMILY, METRIC_COLUMNS, compute_metrics

__all__ = [
    "DEFAULT_FAMILY",
    "METRIC_COLUMNS",
    "benjamini_hochberg",
    "compute_metrics",
    "two_proportion_test",
    "wilson_interval",
]
