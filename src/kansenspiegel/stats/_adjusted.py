"""What lies behind a gap: the raw gap and the gap after adjustment for labour-market-relevant
covariates, side by side, from covariate-stratified counts.

For a group g (say women) against everyone else in the area, at one outcome, a logistic model

    logit P(y = 1) = a + d * [in g] + covariates (education, Dutch language level, months on
                     benefit in bands, recent work experience: each a set of categories)

is fitted on the counts per covariate cell (a binomial GLM, statsmodels; the same fit as a
logistic regression on the person rows, since every covariate is a category). Then, with F the
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

import warnings

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from kansenspiegel.stats._core import ALPHA

#: the covariate columns of `cube.covariate_counts`
COVARIATE_CELLS = ("education_level", "dutch_language_level", "months_band", "recent_work_experience")


def design(cells: pd.DataFrame, in_group: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The model's design matrix over covariate cells: intercept, the group term, and one
    indicator per category of each covariate beyond its most common one (categories that never
    occur are left out, so the matrix has full rank wherever the data allow)."""
    columns = [np.ones(len(cells)), in_group.astype("float64")]
    names = ["const", "group"]
    for name in COVARIATE_CELLS:
        if name not in cells:
            continue
        values = cells[name].astype(str).to_numpy()
        levels = pd.Series(values).value_counts(sort=True).index.tolist()
        for level in levels[1:]:
            columns.append((values == level).astype("float64"))
            names.append(f"{name}={level}")
    return np.column_stack(columns), names


def adjusted_gap(cells: pd.DataFrame, in_group: np.ndarray, count: str, base: str, alpha: float = ALPHA, *, over: str = "group") -> dict[str, float]:
    """Raw gap, adjusted gap (with its interval) and the linked part of one group against
    everyone else (fractions), from counts per covariate cell: ``cells[base]`` people, of whom
    ``cells[count]`` reached the outcome; ``in_group`` marks the cells of the group. NaN where
    the model cannot be fitted (too few people, a group without any outcome, separation).
    ``over="everyone"`` averages the effect over everyone instead (statsmodels' overall
    average marginal effect of a dummy; then the parts need not add up)."""
    import statsmodels.api as sm

    n = cells[base].to_numpy(dtype="float64", na_value=0.0)
    x = cells[count].to_numpy(dtype="float64", na_value=0.0)
    use = n > 0
    nan = {"raw": np.nan, "adjusted": np.nan, "se": np.nan, "adjusted_low": np.nan, "adjusted_high": np.nan, "linked": np.nan, "p": np.nan}
    g = np.asarray(in_group, dtype=bool)[use]
    n, x = n[use], x[use]
    if not g.any() or g.all():
        return nan
    raw = x[g].sum() / n[g].sum() - x[~g].sum() / n[~g].sum()
    out = {**nan, "raw": float(raw)}
    X, _ = design(cells[use].reset_index(drop=True), g)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(np.column_stack([x, n - x]), X, family=sm.families.Binomial()).fit()
        beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    except Exception:
        return out
    if not (np.isfinite(beta).all() and np.isfinite(cov).all()) or abs(beta[1]) > 15:
        return out
    rows = g if over == "group" else np.ones(len(g), dtype=bool)
    with_term, without = X[rows].copy(), X[rows].copy()
    with_term[:, 1], without[:, 1] = 1.0, 0.0
    w = n[rows] / n[rows].sum()
    p1, p0 = expit(with_term @ beta), expit(without @ beta)
    adjusted = float(w @ (p1 - p0))
    gradient = (w * p1 * (1 - p1)) @ with_term - (w * p0 * (1 - p0)) @ without
    se = float(np.sqrt(gradient @ cov @ gradient))
    z = ndtri(1 - alpha / 2)
    return {
        "raw": float(raw),
        "adjusted": adjusted,
        "se": se,
        "adjusted_low": adjusted - z * se,
        "adjusted_high": adjusted + z * se,
        "linked": float(raw - adjusted),
        "p": float(2 * ndtr(-abs(adjusted) / se)) if se > 0 else np.nan,
    }
