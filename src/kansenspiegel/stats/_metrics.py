"""The metric table: every statistic of every cube cell, vectorised over the whole cube.

One row per dataset x year x geography x grouping x group x moment. Definitions are in
docs/metrics.md; in short, for a group g in geography r at moment m with denominator d
(the population, or for a conditional step the people who reached the step before):

- ``denominator`` / ``count``: people of g in d / of them reaching m;
- ``share_of_denominator`` / ``share_of_moment``: g's share of d / of those reaching m, among
  people whose value is known (Table 2.1's reading); ``representation_gap_pp`` is their
  difference in percentage points;
- ``rate`` (g's chance) with a Wilson 95 % interval; ``rest_rate``: the chance of everyone else
  in r; ``rate_difference``, ``rate_ratio``, and ``p_value`` of a pooled two-proportion z-test;
- ``national_rate`` and ``p_value_vs_national``: g's chance in r against g in the rest of the
  country (r excluded, so the two samples are independent);
- ``q_value`` / ``q_value_vs_national``: Benjamini–Hochberg over the family of tests, by default
  all tests of one kind for one dataset, year and geography (what one page shows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, COUNT_COLUMNS, MOMENTS, UNKNOWN
from kansenspiegel.stats._core import benjamini_hochberg, two_proportion_test, wilson_interval

CELL = ["dataset", "year", "geo_level", "geography", "grouping", "group"]
DEFAULT_FAMILY = ("dataset", "year", "geography")

METRIC_COLUMNS = (
    *CELL,
    *CHARACTERISTIC_NAMES,
    "moment",
    "population",
    "denominator",
    "count",
    "share_of_denominator",
    "share_of_moment",
    "representation_gap_pp",
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "rest_denominator",
    "rest_count",
    "rest_rate",
    "rate_difference",
    "rate_ratio",
    "p_value",
    "q_value",
    "national_rate",
    "national_ci_low",
    "national_ci_high",
    "p_value_vs_national",
    "q_value_vs_national",
)


def _f(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b
    out[~(b > 0)] = np.nan
    return out


def compute_metrics(cube: pd.DataFrame, *, fdr_family: Sequence[str] = DEFAULT_FAMILY) -> pd.DataFrame:
    """The long metric table of a cube (see the module docstring)."""
    cube = cube.reset_index(drop=True)
    counts = {c: _f(cube[c]) for c in COUNT_COLUMNS}

    known = ~(cube[list(CHARACTERISTIC_NAMES)] == UNKNOWN).fillna(False).to_numpy().any(axis=1)
    family_id = cube.groupby(["dataset", "year", "geography", "grouping"], sort=False).ngroup().to_numpy()
    known_total = {c: np.bincount(family_id, weights=np.where(known, np.nan_to_num(v), 0.0))[family_id] for c, v in counts.items()}

    geo_keys = ["dataset", "year", "geography"]
    everyone = cube.loc[cube.grouping == ALL, [*geo_keys, *COUNT_COLUMNS]]
    total = cube[geo_keys].merge(everyone, on=geo_keys, how="left", validate="many_to_one")
    total_of = {c: _f(total[c]) for c in COUNT_COLUMNS}

    nat_keys = ["dataset", "year", "grouping", "group"]
    national = cube.loc[cube.geo_level == "national", [*nat_keys, *COUNT_COLUMNS]]
    nat = cube[nat_keys].merge(national, on=nat_keys, how="left", validate="many_to_one")
    nat_of = {c: _f(nat[c]) for c in COUNT_COLUMNS}
    is_national = (cube.geo_level == "national").to_numpy()
    is_all = (cube.grouping == ALL).to_numpy()

    frames = []
    for moment in MOMENTS.values():
        x, n = counts[moment.count], counts[moment.base]
        out = cube[[*CELL, *CHARACTERISTIC_NAMES]].copy()
        out["moment"] = moment.name
        out["population"] = counts["population"]
        out["denominator"] = n
        out["count"] = x
        share_d = np.where(known, _div(n, known_total[moment.base]), np.nan)
        share_m = np.where(known, _div(x, known_total[moment.count]), np.nan)
        out["share_of_denominator"] = share_d
        out["share_of_moment"] = share_m
        out["representation_gap_pp"] = 100 * (share_m - share_d)
        out["rate"] = _div(x, n)
        out["rate_ci_low"], out["rate_ci_high"] = wilson_interval(x, n)
        rest_n = np.where(is_all, np.nan, total_of[moment.base] - n)
        rest_x = np.where(is_all, np.nan, total_of[moment.count] - x)
        out["rest_denominator"], out["rest_count"] = rest_n, rest_x
        out["rest_rate"] = _div(rest_x, rest_n)
        out["rate_difference"] = out["rate"] - out["rest_rate"]
        out["rate_ratio"] = _div(out["rate"].to_numpy(), out["rest_rate"].to_numpy())
        _, out["p_value"] = two_proportion_test(x, n, rest_x, rest_n)
        nat_n, nat_x = nat_of[moment.base], nat_of[moment.count]
        out["national_rate"] = _div(nat_x, nat_n)
        out["national_ci_low"], out["national_ci_high"] = wilson_interval(nat_x, nat_n)
        other_n = np.where(is_national, np.nan, nat_n - n)
        other_x = np.where(is_national, np.nan, nat_x - x)
        _, out["p_value_vs_national"] = two_proportion_test(x, n, other_x, other_n)
        frames.append(out)
    metrics = pd.concat(frames, ignore_index=True)
    family = metrics.groupby([*fdr_family, "moment"] if "moment" in fdr_family else list(fdr_family), sort=False).ngroup().to_numpy()
    metrics["q_value"] = benjamini_hochberg(metrics["p_value"].to_numpy(), family)
    metrics["q_value_vs_national"] = benjamini_hochberg(metrics["p_value_vs_national"].to_numpy(), family)
    for c in ("population", "denominator", "count", "rest_denominator", "rest_count"):
        metrics[c] = pd.array(np.where(np.isnan(metrics[c]), np.nan, metrics[c]), dtype="Float64").astype("Int64")
    return metrics[list(METRIC_COLUMNS)]
