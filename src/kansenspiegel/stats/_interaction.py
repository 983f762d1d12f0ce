"""What a combination's chance would be if its characteristics only added up.

For a combination of characteristics (say older women), the chance "expected from age and
gender" is the fit of a logistic model with main effects only (no interaction) on the cross
table of that combination in one area: log-odds = intercept + age effect + gender effect,
weighted by the group sizes. A combination whose chance lies clearly away from that expectation
deviates beyond what its single characteristics already say (an interaction).

The fit is iteratively reweighted least squares, batched over many tables at once (numpy,
no loop over tables or cells).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

#: Small ridge on the normal equations: keeps tables with empty levels solvable.
RIDGE = 1e-6
ITERATIONS = 30


def main_effects_fit(table: np.ndarray, levels: np.ndarray, n: np.ndarray, rate: np.ndarray, *, leave_one_out: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Fitted chance of each cell under main effects only, and the variance of its fitted
    log-odds.

    ``table``: table id per cell (0..T-1); ``levels``: per cell and characteristic the level
    code (0.. for the characteristics of the table's combination, -1 for the others);
    ``n``: the cell's group size (weight); ``rate``: its chance. Cells with ``n <= 0`` or a
    missing rate are left out of the fit (their fit is still returned).

    ``leave_one_out``: each cell's expectation comes from the fit of its table *without* that
    cell (a deleted residual), so a deviating cell cannot pull its own expectation towards it;
    the cell and its expectation are then independent."""
    if leave_one_out:
        return _leave_one_out(
            np.asarray(table, dtype=np.int64), np.asarray(levels, dtype=np.int64), np.asarray(n, dtype="float64"), np.asarray(rate, dtype="float64")
        )
    table = np.asarray(table, dtype=np.int64)
    levels = np.asarray(levels, dtype=np.int64)
    n = np.asarray(n, dtype="float64")
    rate = np.asarray(rate, dtype="float64")
    cells = len(table)
    if cells == 0:
        return np.zeros(0), np.zeros(0)
    # design: an intercept and one dummy per level beyond the first of every characteristic
    sizes = np.maximum(levels.max(axis=0) + 1, 1)
    offsets = np.concatenate([[1], 1 + np.cumsum(np.maximum(sizes - 1, 0))])
    k = int(offsets[-1])
    x = np.zeros((cells, k))
    x[:, 0] = 1.0
    for c in range(levels.shape[1]):
        level = levels[:, c]
        on = level > 0
        x[np.flatnonzero(on), offsets[c] + level[on] - 1] = 1.0
    # pad cells into (tables, positions)
    order = np.argsort(table, kind="stable")
    t_sorted = table[order]
    counts = np.bincount(t_sorted)
    start = np.cumsum(counts) - counts
    position = np.arange(cells) - start[t_sorted]
    tables, width = len(counts), int(counts.max())
    X = np.zeros((tables, width, k))
    X[t_sorted, position] = x[order]
    ok = (n > 0) & ~np.isnan(rate)
    w_n = np.zeros((tables, width))
    w_n[t_sorted, position] = np.where(ok, n, 0.0)[order]
    y = np.zeros((tables, width))
    y[t_sorted, position] = np.clip(np.nan_to_num(rate), 0.0, 1.0)[order]
    # start at each table's overall chance
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w_n * y).sum(axis=1) / w_n.sum(axis=1)
    beta = np.zeros((tables, k))
    beta[:, 0] = logit(np.clip(np.nan_to_num(mean, nan=0.5), 1e-4, 1 - 1e-4))
    eye = np.eye(k) * RIDGE
    for _ in range(ITERATIONS):
        eta = np.einsum("tjk,tk->tj", X, beta)
        mu = np.clip(expit(eta), 1e-9, 1 - 1e-9)
        var = mu * (1 - mu)
        w = w_n * var
        z = eta + (y - mu) / var
        xtwx = np.einsum("tjk,tj,tjl->tkl", X, w, X) + eye * (1 + np.einsum("tjk,tj,tjk->t", X, w, X)[:, None, None])
        xtwz = np.einsum("tjk,tj,tj->tk", X, w, z)
        beta = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
    eta = np.einsum("tjk,tk->tj", X, beta)
    w = w_n * np.clip(expit(eta), 1e-9, 1 - 1e-9) * (1 - np.clip(expit(eta), 1e-9, 1 - 1e-9))
    xtwx = np.einsum("tjk,tj,tjl->tkl", X, w, X) + eye * (1 + np.einsum("tjk,tj,tjk->t", X, w, X)[:, None, None])
    cov = np.linalg.inv(xtwx)
    var_eta = np.einsum("tjk,tkl,tjl->tj", X, cov, X)
    fitted = np.empty(cells)
    variance = np.empty(cells)
    fitted[order] = expit(eta[t_sorted, position])
    variance[order] = var_eta[t_sorted, position]
    return fitted, variance


def _leave_one_out(table: np.ndarray, levels: np.ndarray, n: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One copy of each table per cell, with that cell's weight set to 0; fitted together."""
    order = np.argsort(table, kind="stable")
    counts = np.bincount(table)
    start = np.cumsum(counts) - counts
    # copy k (one per cell, in table order) holds every cell of that cell's table and leaves
    # out cell order[k]
    size = counts[table[order]]
    copy = np.repeat(np.arange(len(table)), size)
    offset = np.arange(len(copy)) - np.repeat(np.cumsum(size) - size, size)
    member = order[np.repeat(start[table[order]], size) + offset]
    left_out = order
    weight = n[member].copy()
    weight[member == left_out[copy]] = 0.0
    fitted, variance = main_effects_fit(copy, levels[member], weight, rate[member])
    pick = member == left_out[copy]
    out_fit, out_var = np.empty(len(table)), np.empty(len(table))
    out_fit[member[pick]] = fitted[pick]
    out_var[member[pick]] = variance[pick]
    return out_fit, out_var
