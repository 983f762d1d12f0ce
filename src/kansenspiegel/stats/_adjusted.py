"""What lies behind a gap: the raw gap and the gap after adjustment for labour-market-relevant
covariates, side by side, from covariate-stratified counts.

For a group g (say women) against everyone else in the area, at one outcome, a logistic model

    logit P(y = 1) = a + d * [in g] + covariates (education, Dutch language level, months on
                     benefit in bands, recent work experience: each a set of categories)

is fitted on the counts per covariate cell (the same fit as a logistic regression on the person
rows, since every covariate is a category; tested against statsmodels), many fits at once. Then, with F the
logistic function and the averages over the group's own people:

- raw gap        = chance of g - chance of everyone else (a model with an intercept and the
                   group term reproduces both chances exactly);
- adjusted gap   = mean over g of F(eta) - F(eta - d): the average marginal effect of being in
                   g, for the people of g (what is left of the gap among people with the same
                   covariates), with a delta-method interval;
- linked part    = raw gap - adjusted gap = mean over g of F(eta - d) - chance of everyone
                   else: the part that goes with g's different covariates (an Oaxaca–Blinder /
                   Fairlie-style decomposition; the two parts add up to the raw gap exactly).

The linked part does not "explain away" a gap: a covariate can itself be the result of unequal
treatment (months on benefit), and is not always relevant for the work (education, language).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from kansenspiegel.stats._core import ALPHA

#: the covariate columns of `cube.covariate_counts`
COVARIATE_CELLS = ("education_level", "dutch_language_level", "months_band", "recent_work_experience")


def covariate_matrix(cells: pd.DataFrame) -> np.ndarray:
    """One row per covariate cell: an indicator per category of each covariate beyond its most
    common one (a covariate with one category adds nothing)."""
    columns = []
    for name in COVARIATE_CELLS:
        if name not in cells:
            continue
        values = cells[name].astype(str).to_numpy()
        for level in pd.Series(values).value_counts(sort=True).index.tolist()[1:]:
            columns.append((values == level).astype("float64"))
    return np.column_stack(columns) if columns else np.zeros((len(cells), 0))


def fit_adjusted(
    Z: np.ndarray, n_group: np.ndarray, x_group: np.ndarray, n_rest: np.ndarray, x_rest: np.ndarray, alpha: float = ALPHA, *, over: str = "group"
) -> dict[str, np.ndarray]:
    """Many models at once, one per row of the count arrays (shape (fits, cells)): for each fit,
    the group's and the rest's people and outcomes per covariate cell, ``Z`` (cells x k) the
    covariates of each cell. Newton's method on the binomial likelihood, all fits in one array
    (no loop over groups or areas); a category absent from one fit gets a tiny ridge, which
    changes nothing that fit can see. Returns per fit ``raw``, ``adjusted``, ``se``,
    ``adjusted_low``/``adjusted_high``, ``linked`` and ``p`` (see the module docstring); NaN
    where there is no group or rest, no outcome or no non-outcome on a side, or no convergence."""
    cells = Z.shape[0]
    X = np.vstack([np.column_stack([np.ones(cells), np.ones(cells), Z]), np.column_stack([np.ones(cells), np.zeros(cells), Z])])
    N = np.hstack([n_group, n_rest]).astype("float64")
    Y = np.hstack([x_group, x_rest]).astype("float64")
    fits, params = N.shape[0], X.shape[1]
    ng, nr = n_group.sum(axis=1), n_rest.sum(axis=1)
    xg, xr = x_group.sum(axis=1), x_rest.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = xg / ng - xr / nr
        overall = np.clip((xg + xr) / (ng + nr), 1e-6, 1 - 1e-6)
    beta = np.zeros((fits, params))
    beta[:, 0] = np.log(overall / (1 - overall))
    ridge = 1e-9 * np.eye(params)
    converged = np.zeros(fits, dtype=bool)
    for _ in range(60):
        mu = expit(beta @ X.T)
        W = N * mu * (1 - mu)
        H = np.einsum("fr,rp,rq->fpq", W, X, X) + ridge
        grad = (Y - N * mu) @ X
        step = np.linalg.solve(H, grad[:, :, None])[:, :, 0]
        step[converged] = 0.0
        beta += step
        converged |= np.abs(step).max(axis=1) < 1e-10
        if converged.all():
            break
    mu = expit(beta @ X.T)
    H = np.einsum("fr,rp,rq->fpq", N * mu * (1 - mu), X, X) + ridge
    cov = np.linalg.inv(H)
    rows = np.arange(cells) if over == "group" else np.arange(2 * cells)
    total = N[:, rows].sum(axis=1, keepdims=True)
    weights = N[:, rows] / np.where(total > 0, total, 1.0)
    with_term, without = X[rows].copy(), X[rows].copy()
    with_term[:, 1], without[:, 1] = 1.0, 0.0
    p1, p0 = expit(beta @ with_term.T), expit(beta @ without.T)
    adjusted = (weights * (p1 - p0)).sum(axis=1)
    gradient = (weights * p1 * (1 - p1)) @ with_term - (weights * p0 * (1 - p0)) @ without
    se = np.sqrt(np.maximum(np.einsum("fp,fpq,fq->f", gradient, cov, gradient), 0.0))
    z = ndtri(1 - alpha / 2)
    bad = ~converged | (np.abs(beta[:, 1]) > 15) | ~(ng > 0) | ~(nr > 0) | (xg == 0) | (xg == ng) | (xr == 0) | (xr == nr) | ~np.isfinite(se)
    with np.errstate(invalid="ignore"):
        p = np.where(se > 0, 2 * ndtr(-np.abs(adjusted) / se), np.nan)
    out = {"raw": raw, "adjusted": adjusted, "se": se, "adjusted_low": adjusted - z * se, "adjusted_high": adjusted + z * se, "linked": raw - adjusted, "p": p}
    for name, values in out.items():
        if name != "raw":
            values[bad] = np.nan
    out["raw"] = np.where(~(ng > 0) | ~(nr > 0), np.nan, raw)
    return out


def adjusted_gap(cells: pd.DataFrame, in_group: np.ndarray, count: str, base: str, alpha: float = ALPHA, *, over: str = "group") -> dict[str, float]:
    """`fit_adjusted` for one group against everyone else, from rows of counts per covariate
    cell (``cells[base]`` people of whom ``cells[count]`` reached the outcome; ``in_group``
    marks the group's rows). ``over="everyone"`` averages the effect over everyone instead
    (statsmodels' overall average marginal effect of a dummy; then the parts need not add up)."""
    frame = cells.assign(_in=np.asarray(in_group, dtype=bool))
    keys = [c for c in COVARIATE_CELLS if c in frame]
    wide = frame.pivot_table(index=keys, columns="_in", values=[base, count], aggfunc="sum", fill_value=0) if keys else None
    if wide is None:
        return {k: float("nan") for k in ("raw", "adjusted", "se", "adjusted_low", "adjusted_high", "linked", "p")}
    grid = wide.index.to_frame(index=False)

    def part(column: str, member: bool) -> np.ndarray:
        return wide[(column, member)].to_numpy(dtype="float64")[None, :] if (column, member) in wide.columns else np.zeros((1, len(grid)))

    fit = fit_adjusted(covariate_matrix(grid), part(base, True), part(count, True), part(base, False), part(count, False), alpha, over=over)
    return {name: float(values[0]) for name, values in fit.items()}
