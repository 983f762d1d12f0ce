"""Statistics that stay honest when the counts are known only within bounds.

A published count rounded to tens stands for every exact count that rounds to it (e.g. 100 for
95..104). A chance, an interval or a test computed from the rounded counts as if they were exact
can be far from the truth for small groups (96 of 102 people = 94 % is published as 100 of 100).
The functions here take, for every count, the interval of exact values consistent with what is
published, and return numbers that hold for *every* exact count in that box — in particular for
the true one:

- `rate_range`: the smallest and largest chance any consistent pair of counts gives;
- `clopper_pearson`: the exact binomial interval (coverage >= 95 % for every n and p, unlike
  Wilson's, which dips below it for small groups);
- `rate_interval`: the union of the Clopper–Pearson intervals of every consistent pair, so it
  contains the exact pair's interval (and the exact chance) whatever the rounding hid;
- `two_proportion_bound`: an upper bound of the pooled two-proportion z-test's p-value over
  the box; Benjamini–Hochberg on such bounds only rejects what it would reject on the exact
  p-values (the procedure is monotone), so a flagged difference is a difference of the exact data.

All vectorised; NaN where a bound is missing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv, ndtr

from kansenspiegel.stats._core import ALPHA, _float


def clopper_pearson(count: object, n: object, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson ("exact") interval of ``count / n``: NaN where ``n`` is 0 or missing."""
    x, n = _float(count), _float(n)
    ok = (n > 0) & (x >= 0) & (x <= n)
    low, high = np.full_like(x, np.nan), np.full_like(x, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x[ok] > 0, betaincinv(np.maximum(x[ok], 1e-300), n[ok] - x[ok] + 1, alpha / 2), 0.0)
        hi = np.where(x[ok] < n[ok], betaincinv(x[ok] + 1, np.maximum(n[ok] - x[ok], 1e-300), 1 - alpha / 2), 1.0)
    low[ok], high[ok] = lo, hi
    return low, high


def rate_range(x_low: object, x_high: object, n_low: object, n_high: object) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``x / n`` over ``x_low <= x <= x_high``, ``n_low <= n <= n_high``,
    ``x <= n`` (a count never exceeds its denominator)."""
    xl, xh, nl, nh = _float(x_low), _float(x_high), _float(n_low), _float(n_high)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = xl / nh
        high = np.where(xh >= nl, 1.0, xh / nl)
    bad = ~(nl > 0) | np.isnan(xl) | np.isnan(xh) | np.isnan(nh)
    low[bad] = np.nan
    high[bad] = np.nan
    return low, high


def rate_interval(x_low: object, x_high: object, n_low: object, n_high: object, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """The union of the Clopper–Pearson intervals of every consistent ``(x, n)``.

    The lower bound grows with x and falls with n, so its minimum is at ``(x_low, n_high)``; the
    upper bound's maximum is at ``(min(x_high, n_low), n_low)`` (1 when x may equal n)."""
    xl, xh, nl, nh = _float(x_low), _float(x_high), _float(n_low), _float(n_high)
    low, _ = clopper_pearson(xl, nh, alpha)
    _, high = clopper_pearson(np.minimum(xh, nl), nl, alpha)
    return low, high


def two_proportion_bound(x1: tuple[object, object], n1: tuple[object, object], x2: tuple[object, object], n2: tuple[object, object]) -> np.ndarray:
    """An upper bound, over every count in the box, of the two-sided p-value of the pooled
    two-proportion z-test of ``x1/n1 == x2/n2``. Each argument is a ``(low, high)`` pair.

    For any point of the box, ``|r1 - r2|`` is at least the gap between the two rate ranges and
    the pooled standard error at most ``sqrt(max P(1-P) * (1/n1_low + 1/n2_low))``; their ratio
    bounds ``|z|`` from below, hence p from above. 1 where the rate ranges overlap (the box holds
    no difference at all), NaN where a group is empty or unknown."""
    a_lo, a_hi = rate_range(x1[0], x1[1], n1[0], n1[1])
    b_lo, b_hi = rate_range(x2[0], x2[1], n2[0], n2[1])
    gap = np.maximum(0.0, np.maximum(a_lo - b_hi, b_lo - a_hi))
    x_lo, x_hi = _float(x1[0]) + _float(x2[0]), _float(x1[1]) + _float(x2[1])
    n_lo, n_hi = _float(n1[0]) + _float(n2[0]), _float(n1[1]) + _float(n2[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled_lo, pooled_hi = x_lo / n_hi, np.minimum(1.0, x_hi / n_lo)
        nearest_half = np.clip(0.5, pooled_lo, pooled_hi)
        variance = nearest_half * (1 - nearest_half) * (1 / _float(n1[0]) + 1 / _float(n2[0]))
        z = gap / np.sqrt(variance)
    p = np.where(gap > 0, 2 * ndtr(-z), 1.0)
    missing = np.isnan(a_lo) | np.isnan(b_lo) | ~(_float(n1[0]) > 0) | ~(_float(n2[0]) > 0)
    p[missing] = np.nan
    return p
