"""Stage 4: disclosure control — what may be published from counts.

This first version rounds counts and suppresses small cells (primary suppression). Secondary
suppression (so that a suppressed cell cannot be recovered by subtraction) is still to come
(issue "Privacy and own data"); until then the rounded totals are what limits recovery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SUPPRESSED = "."
#: Count columns of the metric table (rounded when published).
COUNT_COLUMNS = ("population", "denominator", "count", "rest_denominator", "rest_count")
#: Columns derived from a cell's own counts (hidden with the cell).
CELL_DERIVED = ("share_of_denominator", "share_of_moment", "representation_gap_pp", "rate", "rate_ci_low", "rate_ci_high",
                "rest_rate", "rate_difference", "rate_ratio", "p_value", "q_value", "p_value_vs_national", "q_value_vs_national")


@dataclass(frozen=True)
class Policy:
    """How counts are published: rounded to ``rounding_base``; cells below ``threshold`` suppressed."""

    rounding_base: int = 10
    threshold: int = 10

    def round(self, values: object) -> np.ndarray:
        """Round half up to the base (CBS style: 5 -> 10, 14 -> 10, 15 -> 20)."""
        v = np.asarray(values, dtype="float64")
        return np.floor((v + self.rounding_base / 2) / self.rounding_base) * self.rounding_base

    def suppressed(self, values: object) -> np.ndarray:
        """True where a count is too small to publish."""
        return np.asarray(values, dtype="float64") < self.threshold


PUBLIC = Policy()


def publish_metrics(metrics: pd.DataFrame, policy: Policy = PUBLIC) -> pd.DataFrame:
    """The metric rows as they may be published: counts rounded; a cell whose population,
    denominator or count is below the threshold is marked ``suppressed`` and every number
    derived from it is removed (never shown as 0 % or 100 %). A comparison with everyone else
    is removed too when that rest is below the threshold."""
    out = metrics.copy()
    exact = {c: out[c].to_numpy(dtype="float64", na_value=np.nan) for c in COUNT_COLUMNS}
    hidden = policy.suppressed(exact["population"]) | policy.suppressed(exact["denominator"]) | policy.suppressed(exact["count"])
    rest_hidden = policy.suppressed(np.nan_to_num(exact["rest_denominator"], nan=np.inf)) | policy.suppressed(np.nan_to_num(exact["rest_count"], nan=np.inf))
    for c in COUNT_COLUMNS:
        rounded = policy.round(exact[c])
        if c in ("population", "denominator", "count"):
            rounded[hidden] = np.nan
        else:
            rounded[hidden | rest_hidden] = np.nan
        out[c] = pd.array(rounded, dtype="Float64").astype("Int64")
    for c in CELL_DERIVED:
        values = out[c].to_numpy(dtype="float64", na_value=np.nan).copy()
        values[hidden] = np.nan
        if c in ("rest_rate", "rate_difference", "rate_ratio", "p_value", "q_value"):
            values[rest_hidden] = np.nan
        out[c] = values
    out["suppressed"] = hidden
    return out


__all__ = ["CELL_DERIVED", "COUNT_COLUMNS", "PUBLIC", "SUPPRESSED", "Policy", "publish_metrics"]
