"""The main-effects expectation of a combination: against statsmodels' GLM on the same table,
batched over tables, and leave-one-out."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from kansenspiegel.stats import main_effects_fit


def _table(rng: np.random.Generator, a_levels: int, b_levels: int, interaction: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a = np.repeat(np.arange(a_levels), b_levels)
    b = np.tile(np.arange(b_levels), a_levels)
    n = rng.integers(80, 900, len(a)).astype(float)
    logit = -1 + 0.5 * a - 0.3 * b + interaction * ((a == a_levels - 1) & (b == b_levels - 1))
    x = rng.binomial(n.astype(int), 1 / (1 + np.exp(-logit)))
    return a, b, n, x


def _glm(a: np.ndarray, b: np.ndarray, n: np.ndarray, x: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.column_stack([np.ones(len(a))] + [(a == k).astype(float) for k in range(1, a.max() + 1)] + [(b == k).astype(float) for k in range(1, b.max() + 1)])
    fit = sm.GLM(np.column_stack([x, n - x])[keep], X[keep], family=sm.families.Binomial()).fit()
    eta = X @ fit.params
    return 1 / (1 + np.exp(-eta)), np.einsum("jk,kl,jl->j", X, fit.cov_params(), X)


def test_main_effects_fit_equals_statsmodels_on_many_tables_at_once() -> None:
    rng = np.random.default_rng(4)
    tables = [_table(rng, 2, 3), _table(rng, 3, 4, interaction=0.8), _table(rng, 4, 2)]
    table = np.concatenate([np.full(len(t[0]), i) for i, t in enumerate(tables)])
    levels = np.concatenate([np.column_stack([t[0], t[1], np.full(len(t[0]), -1)]) for t in tables])
    n = np.concatenate([t[2] for t in tables])
    rate = np.concatenate([t[3] / t[2] for t in tables])
    fitted, var = main_effects_fit(table, levels, n, rate)
    start = 0
    for a, b, nn, x in tables:
        ref_fit, ref_var = _glm(a, b, nn, x, np.ones(len(a), dtype=bool))
        part = slice(start, start + len(a))
        assert fitted[part] == pytest.approx(ref_fit, abs=1e-5)
        assert var[part] == pytest.approx(ref_var, rel=1e-3)
        start += len(a)


def test_leave_one_out_is_the_fit_without_the_cell() -> None:
    rng = np.random.default_rng(9)
    a, b, n, x = _table(rng, 3, 3, interaction=-1.0)
    levels = np.column_stack([a, b])
    fitted, _ = main_effects_fit(np.zeros(len(a), dtype=int), levels, n, x / n, leave_one_out=True)
    for j in range(len(a)):
        keep = np.arange(len(a)) != j
        ref, _ = _glm(a, b, n, x, keep)
        assert fitted[j] == pytest.approx(ref[j], abs=1e-5)
    # the planted cell (last) lies far below its leave-one-out expectation
    assert x[-1] / n[-1] < fitted[-1] - 0.05
