"""Is a gap closing? A weighted linear trend in a gap over years, honest for rounded counts.

For one series (a group, an area, a moment) with a gap ``d_t`` (the group's chance minus
everyone else's) in years ``t``, the trend is the slope of a weighted least-squares line through
the yearly gaps, each year weighted by the inverse of its sampling variance (a fixed-effect
meta-regression: the variance is known, not estimated from the residuals). With exact counts it
is exactly statsmodels' ``WLS(gap, [1, year], weights=1 / variance).fit(cov_type="fixed scale")``.

The slope is linear in the gaps, ``b = sum_t c_t d_t``, so when each gap is known only within a
range (rounded counts: ``d_low <= d_t <= d_high``) the slope's range follows exactly, and its
standard error is largest at each year's largest variance. The test takes the smallest slope
the range allows against that largest error: its p-value is an upper bound of the exact data's
p-value (with the same weights), so a trend called clear is a trend of the exact data too.
The weights are a function of the published numbers (each year's largest variance), so anyone
can recompute them.

All vectorised over series: arrays of shape (series, years) with NaN for a missing year.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from kansenspiegel.stats._core import ALPHA

#: fewer years than this with a gap: no trend is estimated
MIN_YEARS = 3


def largest_variance(low: np.ndarray, high: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The largest binomial variance ``p (1 - p) / n`` of a chance known to lie in
    ``[low, high]`` with at least ``n`` people (``p`` nearest to one half)."""
    p = np.clip(0.5, low, high)
    with np.errstate(divide="ignore", invalid="ignore"):
        return p * (1 - p) / n


def gap_trend(years: np.ndarray, gap_low: np.ndarray, gap_high: np.ndarray, variance: np.ndarray, alpha: float = ALPHA) -> dict[str, np.ndarray]:
    """The weighted trend of each series of gaps (rows) over ``years`` (columns).

    ``gap_low``/``gap_high``: each year's gap range (equal for exact counts), ``variance``: its
    largest sampling variance (NaN where the year has no gap). Returns per series ``slope`` (per
    year, the middle of its range), ``slope_low``/``slope_high`` (a 1 - alpha interval holding
    the interval of every exact gap in the ranges), ``p_value`` (upper bound), ``years`` (how many
    were used), ``first``/``last`` (the first and last year used) and ``fitted_first``/
    ``fitted_last`` (the line's gap in those years). NaN where fewer than `MIN_YEARS` years."""
    t = np.broadcast_to(np.asarray(years, dtype="float64"), gap_low.shape)
    lo, hi, v = (np.asarray(a, dtype="float64") for a in (gap_low, gap_high, variance))
    ok = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(v)) & (v > 0)
    w = np.where(ok, 1.0 / np.where(ok, v, 1.0), 0.0)
    used = ok.sum(axis=1)
    sw = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_bar = (w * np.where(ok, t, 0.0)).sum(axis=1) / sw
        dev = np.where(ok, t - t_bar[:, None], 0.0)
        sxx = (w * dev**2).sum(axis=1)
        c = w * dev / sxx[:, None]
    lo0, hi0, v0 = np.where(ok, lo, 0.0), np.where(ok, hi, 0.0), np.where(ok, v, 0.0)
    b_low = (c * np.where(c > 0, lo0, hi0)).sum(axis=1)
    b_high = (c * np.where(c > 0, hi0, lo0)).sum(axis=1)
    se = np.sqrt((c**2 * v0).sum(axis=1))
    slope = (b_low + b_high) / 2
    smallest = np.maximum(0.0, np.maximum(b_low, -b_high))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(smallest > 0, 2 * ndtr(-smallest / se), 1.0)
    z = ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = (w * (lo0 + hi0) / 2).sum(axis=1) / sw  # the weighted mean gap, at t_bar
    first = np.where(ok, t, np.inf).min(axis=1)
    last = np.where(ok, t, -np.inf).max(axis=1)
    out = {
        "slope": slope,
        "slope_low": b_low - z * se,
        "slope_high": b_high + z * se,
        "se": se,
        "p_value": p,
        "years": used.astype("float64"),
        "first": first,
        "last": last,
        "fitted_first": level + slope * (first - t_bar),
        "fitted_last": level + slope * (last - t_bar),
    }
    few = (used < MIN_YEARS) | ~(sxx > 0)
    for name, values in out.items():
        if name != "years":
            values[few] = np.nan
    return out
