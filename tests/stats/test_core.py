"""Wilson intervals, two-proportion tests and Benjamini–Hochberg: by hand and against statsmodels."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from kansenspiegel.stats import benjamini_hochberg, two_proportion_test, wilson_interval


def test_wilson_by_hand() -> None:
    # 0 of 10: the upper bound is z^2 / (n + z^2) = 3.8415 / 13.8415
    low, high = wilson_interval([0, 10, 10], [10, 10, 50])
    assert low[0] == 0.0 and high[0] == pytest.approx(3.841459 / 13.841459, abs=1e-6)
    assert high[1] == 1.0 and low[1] == pytest.approx(10 / 13.841459, abs=1e-6)
    # 10 of 50: centre (0.2 + 1.92/50) / 1.0768 = 0.2214, half-width 1.96*sqrt(0.0032+0.000384)/1.0768 = 0.1090
    assert (low[2], high[2]) == (pytest.approx(0.11243, abs=1e-5), pytest.approx(0.33037, abs=1e-5))


def test_wilson_empty_cell_is_missing_not_zero() -> None:
    low, high = wilson_interval([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_equals_statsmodels(cell: tuple[int, int]) -> None:
    x, n = cell
    low, high = wilson_interval([x], [n])
    ref_low, ref_high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(ref_low, abs=1e-9)
    assert high[0] == pytest.approx(ref_high, abs=1e-9)
    assert low[0] <= x / n <= high[0]


def test_two_proportion_by_hand() -> None:
    # 30/100 vs 20/100: pooled 0.25, se = sqrt(0.25*0.75*0.02) = 0.0612372, z = 1.632993
    z, p = two_proportion_test([30], [100], [20], [100])
    assert z[0] == pytest.approx(1.632993, abs=1e-6)
    assert p[0] == pytest.approx(0.102470, abs=1e-6)


def test_two_proportion_degenerate_and_empty() -> None:
    z, p = two_proportion_test([0, 5, 3], [10, 5, 0], [0, 7, 1], [20, 7, 4])
    assert (z[0], p[0]) == (0.0, 1.0)  # both all-zero: no evidence of a difference
    assert (z[1], p[1]) == (0.0, 1.0)  # both all-one
    assert np.isnan(p[2])  # an empty group has no test


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 50_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(2, 50_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_two_proportion_equals_statsmodels(a: tuple[int, int], b: tuple[int, int]) -> None:
    (x1, n1), (x2, n2) = a, b
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return  # statsmodels divides by zero here; covered by the degenerate test
    z, p = two_proportion_test([x1], [n1], [x2], [n2])
    ref_z, ref_p = proportions_ztest([x1, x2], [n1, n2])
    assert z[0] == pytest.approx(ref_z, rel=1e-9, abs=1e-9)
    assert p[0] == pytest.approx(ref_p, rel=1e-7, abs=1e-12)


def test_benjamini_hochberg_by_hand() -> None:
    # sorted: 0.005, 0.01, 0.03, 0.04 -> p*m/rank: 0.02, 0.02, 0.04, 0.04 (already monotone)
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_benjamini_hochberg_keeps_families_apart_and_nan() -> None:
    q = benjamini_hochberg([0.01, 0.04, np.nan, 0.01, 0.04], ["a", "a", "a", "b", "b"])
    assert q[:2] == pytest.approx([0.02, 0.04])
    assert np.isnan(q[2])
    assert q[3:] == pytest.approx([0.02, 0.04])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.integers(0, 3), min_size=60, max_size=60),
)
def test_benjamini_hochberg_equals_statsmodels(p: list[float], family: list[int]) -> None:
    fam = np.array(family[: len(p)])
    q = benjamini_hochberg(p, fam)
    for f in np.unique(fam):
        sel = fam == f
        expected = multipletests(np.array(p)[sel], method="fdr_bh")[1]
        assert q[sel] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(1e-300, 1, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.integers(0, 5), min_size=60, max_size=60),
    st.randoms(use_true_random=False),
)
def test_benjamini_hochberg_is_exact_per_family(p: list[float], family: list[int], rnd: random.Random) -> None:
    """q depends only on the p-values of its own family: bit for bit the same in any row order
    and whatever other families sit beside it; never 0 where p > 0, never below p."""
    fam = np.array(family[: len(p)])
    pv = np.array(p)
    q = benjamini_hochberg(pv, fam)
    assert (q >= pv).all() and (q > 0).all()
    order = np.array(rnd.sample(range(len(pv)), len(pv)))
    shuffled = np.empty_like(q)
    shuffled[order] = benjamini_hochberg(pv[order], fam[order])
    assert np.array_equal(shuffled, q)
    for f in np.unique(fam):
        sel = fam == f
        assert np.array_equal(benjamini_hochberg(pv[sel]), q[sel])
    # far-apart family labels (a dataset's families are numbered across years) change nothing
    assert np.array_equal(benjamini_hochberg(pv, fam * 1_000_003 + 7), q)
