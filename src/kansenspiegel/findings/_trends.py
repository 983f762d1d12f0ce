"""Gaps over the years: per group, area and moment, the gap per year with its interval and a
test for a trend in it (`stats.gap_trend`), from published rows only.

Each year's gap is known within the range its rounded counts allow; the trend test bounds its
p-value over those ranges, and Benjamini–Hochberg runs over every trend of one kind of outcome
(the funnel, the ladder, the provision types) in the area, as the yearly tests do. A trend is
told as "kleiner" or "groter" only when that test says so. A year whose registration of a
characteristic differs (more unknown values than the other years) is flagged, so a change in
registration is not read as a change in chances."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, MOMENTS, UNKNOWN
from kansenspiegel.disclosure import Policy, significant_digits
from kansenspiegel.stats import benjamini_hochberg, gap_trend, largest_variance, rate_range
from kansenspiegel.stats._core import ALPHA

Z = 1.96
KEY = ["geography", "grouping", "group", "moment"]
#: a year's share of unknown values this much (a fraction) above the lowest year's is flagged
REGISTRATION_STEP = 0.001


#: the columns of a trend test (besides its key)
TEST_COLUMNS = (
    "slope_pp",
    "slope_low_pp",
    "slope_high_pp",
    "fitted_first_pp",
    "fitted_last_pp",
    "p_value",
    "years_used",
    "first_year",
    "last_year",
    "q_value",
    "significant",
    "direction",
    "registration_years",
)


def _f(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def yearly_gaps(rows: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Published rows (any years) with each gap's range, its interval and its largest variance."""
    x, n = policy.bounds(_f(rows["count"])), policy.bounds(_f(rows["denominator"]))
    rx, rn = policy.bounds(_f(rows["rest_count"])), policy.bounds(_f(rows["rest_denominator"]))
    a_lo, a_hi = rate_range(*x, *n)
    b_lo, b_hi = rate_range(*rx, *rn)
    low, high = a_lo - b_hi, a_hi - b_lo
    variance = largest_variance(a_lo, a_hi, n[0]) + largest_variance(b_lo, b_hi, rn[0])
    hidden = rows["suppressed"].astype(bool).to_numpy() | np.isnan(_f(rows["rate_difference"]))
    for a in (low, high, variance):
        a[hidden] = np.nan
    se = np.sqrt(variance)
    return rows.assign(
        gap_low=low,
        gap_high=high,
        gap_variance=variance,
        gap_pp=100 * (low + high) / 2,
        gap_ci_low_pp=100 * (low - Z * se),
        gap_ci_high_pp=100 * (high + Z * se),
    )


def unknown_by_year(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area, characteristic and year: the published share of people whose value is unknown,
    and whether that year's registration stands out (`REGISTRATION_STEP` above the lowest year)."""
    first = next(iter(MOMENTS))
    people = rows[rows.moment == first]
    total = people[people.grouping == ALL].set_index(["geography", "year"])["population"].astype("float64")
    unknown = people[people.grouping.isin(CHARACTERISTIC_NAMES) & (people.group == UNKNOWN)]
    areas_years = total.index.to_frame(index=False)
    frame = areas_years.merge(pd.DataFrame({"grouping": list(CHARACTERISTIC_NAMES)}), how="cross")
    per = unknown.set_index(["geography", "grouping", "year"])["population"].astype("float64")
    values = per.reindex(pd.MultiIndex.from_frame(frame[["geography", "grouping", "year"]])).to_numpy()
    frame["unknown_share"] = np.nan_to_num(values) / total.reindex(pd.MultiIndex.from_frame(frame[["geography", "year"]])).to_numpy()
    lowest = frame.groupby(["geography", "grouping"])["unknown_share"].transform("min")
    frame["registration_changed"] = (frame.unknown_share - lowest) >= REGISTRATION_STEP
    return frame[["geography", "grouping", "year", "unknown_share", "registration_changed"]]


def trends_in(area_years: pd.DataFrame, policy: Policy, alpha: float = ALPHA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(yearly, tests)`` of published rows over all years, of one area or many (each area its
    own series and its own test family).

    ``yearly``: one row per single-characteristic group, moment and year with the gap in
    percentage points and its interval, and the year's registration flag. ``tests``: one row per
    group and moment with the trend (``slope_pp`` per year, its interval, ``p_value``,
    ``q_value``, ``significant``), the line's gap in the first and last year used, and
    ``direction``: ``smaller``, ``larger``, ``reversed`` (the gap changed sign) or ``none``."""
    rows = area_years[area_years.grouping.isin(CHARACTERISTIC_NAMES) & (area_years.group != UNKNOWN)]
    yearly = yearly_gaps(rows.reset_index(drop=True), policy)
    registration = unknown_by_year(area_years)
    yearly = yearly.merge(registration, on=["geography", "grouping", "year"], how="left")
    years = np.array(sorted(yearly.year.unique()), dtype="float64")
    wide = yearly.set_index([*KEY, "year"])[["gap_low", "gap_high", "gap_variance"]].unstack("year")
    keys = wide.index.to_frame(index=False)
    if keys.empty:
        return yearly, pd.DataFrame(columns=[*KEY, *TEST_COLUMNS])

    def block(name: str) -> np.ndarray:
        return wide[name].reindex(columns=years).to_numpy(dtype="float64")

    fit = gap_trend(years, block("gap_low"), block("gap_high"), block("gap_variance"), alpha)
    tests = keys.copy()
    for name in ("slope", "slope_low", "slope_high", "fitted_first", "fitted_last"):
        tests[f"{name}_pp"] = 100 * fit[name]
    tests["p_value"] = fit["p_value"]
    tests["years_used"] = fit["years"].astype(int)
    tests["first_year"] = pd.array(np.where(np.isfinite(fit["first"]), fit["first"], np.nan), dtype="Float64").astype("Int64")
    tests["last_year"] = pd.array(np.where(np.isfinite(fit["last"]), fit["last"], np.nan), dtype="Float64").astype("Int64")
    family = tests["geography"].astype(str) + "|" + tests["moment"].map({m.name: m.family for m in MOMENTS.values()})
    tests["q_value"] = benjamini_hochberg(tests["p_value"], pd.factorize(family)[0])
    tests["significant"] = np.nan_to_num(_f(tests["q_value"]), nan=1.0) < alpha
    # printed as every published test is: two significant digits, never below 0.0001
    tests["p_value"], tests["q_value"] = significant_digits(_f(tests["p_value"])), significant_digits(_f(tests["q_value"]))
    first, last = _f(tests["fitted_first_pp"]), _f(tests["fitted_last_pp"])
    direction = np.where(np.sign(first) * np.sign(last) < 0, "reversed", np.where(np.abs(last) < np.abs(first), "smaller", "larger"))
    tests["direction"] = np.where(tests["significant"].to_numpy(), direction, "none")
    # the registration of a characteristic changed in some year of the series
    changed = registration[registration.registration_changed].groupby(["geography", "grouping"])["year"].agg(lambda y: tuple(sorted(int(v) for v in y)))
    found = changed.reindex(pd.MultiIndex.from_frame(tests[["geography", "grouping"]])).to_numpy()
    tests["registration_years"] = [v if isinstance(v, tuple) else () for v in found]
    return yearly, tests[[*KEY, *TEST_COLUMNS]]
