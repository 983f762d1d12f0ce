"""Stage 3: statistics on counts — intervals, tests, false-discovery control, the metric table."""

from kansenspiegel.stats._adjusted import COVARIATE_CELLS, adjusted_gap, covariate_matrix, fit_adjusted
from kansenspiegel.stats._bounds import clopper_pearson, rate_interval, rate_range, two_proportion_bound
from kansenspiegel.stats._core import benjamini_hochberg, two_proportion_test, wilson_interval
from kansenspiegel.stats._interaction import main_effects_fit
from kansenspiegel.stats._metrics import DEFAULT_FAMILY, METRIC_COLUMNS, complete_counts, compute_metrics
from kansenspiegel.stats._trend import MIN_YEARS, gap_trend, largest_variance

__all__ = [
    "COVARIATE_CELLS",
    "DEFAULT_FAMILY",
    "METRIC_COLUMNS",
    "MIN_YEARS",
    "adjusted_gap",
    "benjamini_hochberg",
    "clopper_pearson",
    "complete_counts",
    "compute_metrics",
    "covariate_matrix",
    "fit_adjusted",
    "gap_trend",
    "largest_variance",
    "main_effects_fit",
    "rate_interval",
    "rate_range",
    "two_proportion_bound",
    "two_proportion_test",
    "wilson_interval",
]
