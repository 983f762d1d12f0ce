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
  all tests of one kind of outcome (`Moment.family`) for one dataset, year and geography (what one page shows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, COUNT_COLUMNS, MOMENTS, grouping_sizes, has_unknown_part
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


def _family_ids(cube: pd.DataFrame, fdr_family: Sequence[str], k: int, selected: list[np.ndarray]) -> np.ndarray:
    """Family label of every metric row (the cube rows of each moment, moment after moment)."""
    by = [c for c in fdr_family if c != "moment"]
    per_cell = cube.groupby(by, sort=False).ngroup().to_numpy() if by else np.zeros(len(cube), dtype=np.int64)
    if "moment" in fdr_family:
        return np.concatenate([per_cell[rows] * k + i for i, rows in enumerate(selected)])
    # one family per kind of outcome (the funnel, the ladder, the provision types)
    kinds = {f: i for i, f in enumerate(dict.fromkeys(m.family for m in MOMENTS.values()))}
    return np.concatenate([per_cell[rows] * len(kinds) + kinds[m.family] for m, rows in zip(MOMENTS.values(), selected)])


def complete_counts(cube: pd.DataFrame) -> pd.DataFrame:
    """The cube with every count column: one it lacks (a table of counts without the ladder, say)
    is missing, never 0, so its outcomes are simply not there."""
    missing = [c for c in COUNT_COLUMNS if c not in cube.columns]
    if not missing:
        return cube
    return cube.assign(**{c: pd.Series(pd.NA, index=cube.index, dtype="Int64") for c in missing})


def compute_metrics(cube: pd.DataFrame, *, fdr_family: Sequence[str] = DEFAULT_FAMILY) -> pd.DataFrame:
    """The long metric table of a cube (see the module docstring)."""
    cube = complete_counts(cube.reset_index(drop=True))
    counts = {c: _f(cube[c]) for c in COUNT_COLUMNS}

    known = ~has_unknown_part(cube["group"])  # also for a dataset's own characteristics
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

    columns: dict[str, list[np.ndarray]] = {}

    def put(name: str, values: np.ndarray, rows: np.ndarray) -> None:
        columns.setdefault(name, []).append(np.asarray(values, dtype="float64")[rows])

    # each outcome over the cells of groupings it is published for (`Moment.depth`)
    depth = grouping_sizes(cube["grouping"])
    selected = [np.flatnonzero(depth <= moment.depth) for moment in MOMENTS.values()]
    for moment, rows in zip(MOMENTS.values(), selected):
        x, n = counts[moment.count], counts[moment.base]
        put("population", counts["population"], rows)
        put("denominator", n, rows)
        put("count", x, rows)
        share_d = np.where(known, _div(n, known_total[moment.base]), np.nan)
        share_m = np.where(known, _div(x, known_total[moment.count]), np.nan)
        put("share_of_denominator", share_d, rows)
        put("share_of_moment", share_m, rows)
        put("representation_gap_pp", 100 * (share_m - share_d), rows)
        rate = _div(x, n)
        put("rate", rate, rows)
        low, high = wilson_interval(x, n)
        put("rate_ci_low", low, rows)
        put("rate_ci_high", high, rows)
        rest_n = np.where(is_all, np.nan, total_of[moment.base] - n)
        rest_x = np.where(is_all, np.nan, total_of[moment.count] - x)
        rest_rate = _div(rest_x, rest_n)
        put("rest_denominator", rest_n, rows)
        put("rest_count", rest_x, rows)
        put("rest_rate", rest_rate, rows)
        put("rate_difference", rate - rest_rate, rows)
        put("rate_ratio", _div(rate, rest_rate), rows)
        put("p_value", two_proportion_test(x, n, rest_x, rest_n)[1], rows)
        nat_n, nat_x = nat_of[moment.base], nat_of[moment.count]
        put("national_rate", _div(nat_x, nat_n), rows)
        low, high = wilson_interval(nat_x, nat_n)
        put("national_ci_low", low, rows)
        put("national_ci_high", high, rows)
        other_n = np.where(is_national, np.nan, nat_n - n)
        other_x = np.where(is_national, np.nan, nat_x - x)
        put("p_value_vs_national", two_proportion_test(x, n, other_x, other_n)[1], rows)

    k = len(MOMENTS)
    every = np.concatenate(selected)
    out: dict[str, object] = {c: cube[c].iloc[every].reset_index(drop=True) for c in (*CELL, *CHARACTERISTIC_NAMES)}
    out["moment"] = np.repeat(np.array(list(MOMENTS), dtype=object), [len(r) for r in selected])
    family = _family_ids(cube, fdr_family, k, selected)
    for name, parts in columns.items():
        values = np.concatenate(parts)
        if name in ("population", "denominator", "count", "rest_denominator", "rest_count"):
            out[name] = pd.array(values, dtype="Float64").astype("Int64")  # counts: whole numbers, missing stays missing
        else:
            out[name] = values
        if name == "p_value":
            out["q_value"] = benjamini_hochberg(values, family)
        elif name == "p_value_vs_national":
            out["q_value_vs_national"] = benjamini_hochberg(values, family)
    return pd.DataFrame({c: out[c] for c in METRIC_COLUMNS}, copy=False)
