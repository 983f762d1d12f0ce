"""Vectorised statistics on counts: Wilson intervals, two-proportion tests, Benjamini–Hochberg."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

ALPHA = 0.05


def _float(a: object) -> np.ndarray:
    """Any array-like (nullable integers included) as float64, missing values as NaN."""
    if isinstance(a, pd.Series):
        return a.to_numpy(dtype="float64", na_value=np.nan)
    return np.atleast_1d(np.asarray(a, dtype="float64"))


def wilson_interval(count: object, n: object, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``count / n`` (NaN where ``n`` is 0 or missing)."""
    x, n = _float(count), _float(n)
    z = ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    bad = ~(n > 0)
    low, high = centre - half, centre + half
    low[x == 0] = 0.0  # exact bounds where rounding error would leave 1e-17
    high[x == n] = 1.0
    low[bad] = np.nan
    high[bad] = np.nan
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def two_proportion_test(x1: object, n1: object, x2: object, n2: object) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-sided z-test of ``x1/n1 == x2/n2``; returns ``(z, p_value)``.

    Same statistic as statsmodels' ``proportions_ztest``. Where both groups are all 0 or all 1
    the difference is exactly 0 and there is no evidence at all: ``z = 0, p = 1``.
    NaN where either group is empty."""
    x1, n1, x2, n2 = _float(x1), _float(n1), _float(x2), _float(n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        diff = x1 / n1 - x2 / n2
        z = diff / se
    degenerate = (se == 0) & (diff == 0)
    z[degenerate] = 0.0
    p = 2 * ndtr(-np.abs(z))
    empty = ~((n1 > 0) & (n2 > 0))
    z[empty] = np.nan
    p[empty] = np.nan
    return z, p


def benjamini_hochberg(p_values: object, families: object | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), within each family; NaN p stays NaN.

    ``families`` is an array of family labels (one per p-value); ``None`` means one family."""
    p = _float(p_values)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if not ok.any():
        return q
    if families is None:
        fam = np.zeros(len(p), dtype=np.int64)
    else:
        fam = np.asarray(families)
        fam = fam - fam.min() if fam.dtype.kind in "iu" else pd.factorize(fam)[0]
    pv, fv, idx = p[ok], fam[ok], np.flatnonzero(ok)
    # Sort by family, then by p descending: a running minimum then gives the step-up adjustment.
    order = np.argsort(-pv)  # ties in p get the same q whatever their order
    order = order[np.argsort(fv[order], kind="stable")]  # integer keys: a fast radix sort
    pv, fv, idx = pv[order], fv[order], idx[order]
    size = np.bincount(fv)
    m = size[fv]  # family size per entry
    start = np.cumsum(size) - size  # first position of each family in the sorted order
    rank = m - (np.arange(len(pv)) - start[fv])  # rank of p ascending, 1 = smallest
    # never below p itself: p * m / m can round one unit below p
    raw = np.minimum(np.maximum(pv * m / rank, pv), 1.0)
    # the step-up adjustment is a running minimum within each family (grouped cummin: exact,
    # independent of the other families and of the input order)
    q[idx] = pd.Series(raw).groupby(fv, sort=False).cummin().to_numpy()
    return q
