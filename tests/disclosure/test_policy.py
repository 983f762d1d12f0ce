"""The disclosure policy: rounding (deterministic and random), suppression, internal mode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from kansenspiegel import Mirror
from kansenspiegel.disclosure import INTERNAL, PUBLIC, Policy, publish_metrics
from tests.conftest import make_persons


def test_deterministic_rounding_half_up() -> None:
    assert list(PUBLIC.round([0, 4, 5, 14, 15, 96])) == [0, 0, 10, 10, 20, 100]
    assert list(Policy(rounding_base=5).round([2, 3, 7, 8])) == [0, 5, 5, 10]


def test_random_rounding_is_unbiased_and_stable() -> None:
    policy = Policy(rounding="random", seed=42)
    keys = np.array([f"cell-{i}" for i in range(20_000)], dtype=object)
    values = np.full(len(keys), 33.0)
    rounded = policy.round(values, keys)
    assert set(rounded) == {30.0, 40.0}
    ups = int((rounded == 40).sum())
    assert binomtest(ups, len(keys), 0.3).pvalue > 0.001  # up with probability 3/10
    assert (policy.round(values, keys) == rounded).all()  # asked again: the same answer
    other_seed = Policy(rounding="random", seed=7).round(values, keys)
    assert (other_seed != rounded).any()
    with pytest.raises(ValueError, match="needs a key"):
        policy.round(values)


def test_policy_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError):
        Policy(rounding_base=7)
    with pytest.raises(ValueError):
        Policy(threshold=-1)


@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    return Mirror.from_microdata(make_persons(3000, seed=3)).metrics


@pytest.mark.parametrize("policy", [PUBLIC, Policy(rounding_base=5, threshold=5), Policy(rounding="random", seed=1)])
def test_published_counts_are_rounded_and_small_cells_hidden(metrics: pd.DataFrame, policy: Policy) -> None:
    pub = publish_metrics(metrics, policy)
    small = (metrics.population < policy.threshold) | (metrics["count"] < policy.threshold) | (metrics.denominator < policy.threshold)
    assert (pub.suppressed == small.to_numpy()).all()
    hidden = pub[pub.suppressed]
    assert hidden[["count", "rate", "rate_ci_low", "share_of_moment", "q_value"]].isna().all().all()
    # each count is hidden on its own: a row's population stays when only its moment is small
    assert (pub.population.isna() == (metrics.population < policy.threshold).to_numpy()).all()
    shown = pub[~pub.suppressed]
    assert (shown["count"] % policy.rounding_base == 0).all()
    assert ((shown["count"] - metrics.loc[~pub.suppressed.to_numpy(), "count"]).abs() < policy.rounding_base).all()


def test_random_rounding_is_consistent_across_rows(metrics: pd.DataFrame) -> None:
    """The same count (a cell's population) appears in every moment's row: it must round the
    same way everywhere, or averaging the rows would reveal it."""
    pub = publish_metrics(metrics, Policy(rounding="random", seed=5, threshold=0))
    spread = pub.groupby(["year", "geography", "group"]).population.nunique()
    assert (spread == 1).all()
    employed = pub[pub.moment == "employed"].set_index(["year", "geography", "group"])["count"]
    conditional = pub[pub.moment == "sustained_given_employed"].set_index(["year", "geography", "group"])["denominator"]
    pd.testing.assert_series_equal(employed.sort_index(), conditional.sort_index(), check_names=False)


def test_internal_mode_is_exact(metrics: pd.DataFrame) -> None:
    pub = publish_metrics(metrics, INTERNAL)
    assert not pub.suppressed.any()
    assert (pub["count"].to_numpy() == metrics["count"].to_numpy()).all()


def test_table_2_1_with_another_policy() -> None:
    m = Mirror.from_microdata(make_persons(2000, seed=9))
    table = m.table(year=2018, geography="NL", characteristics=["gender"], policy=Policy(rounding_base=5, threshold=5))
    counts = table[table.population != "."].population.astype(int)
    assert (counts % 5 == 0).all()


def test_published_statistics_reveal_nothing_beyond_the_rounded_counts(metrics: pd.DataFrame) -> None:
    """A rate of exact counts printed precisely enough gives the exact counts back (x/n with n
    known to within 10 has usually one solution). Published chances, intervals and tests are
    therefore functions of the published counts (tests/disclosure/test_honest.py checks them
    against an enumeration of every consistent count), and tests are printed with two digits."""
    pub = publish_metrics(metrics)
    shown = pub[~pub.suppressed]
    exact_rate = metrics.loc[~pub.suppressed.to_numpy(), "rate"].to_numpy()
    assert (np.abs(shown.rate.to_numpy() - exact_rate) > 1e-12).any()  # not the exact rate
    p = shown.p_value.dropna().to_numpy()
    assert (p >= 1e-4).all()
    digits = np.char.lstrip(np.char.replace(np.char.mod("%.10e", p), ".", ""), "0")
    assert all(len(d.split("e")[0].rstrip("0")) <= 2 for d in digits)
    assert pub.national_rate.isna().all()  # national figures come from the national rows
    # a difference flagged as clear is one of the exact data too (never the other way round)
    assert not (pub.significant & ~(metrics.q_value < 0.05).to_numpy()).any()
    assert not (pub.significant_vs_national & ~(metrics.q_value_vs_national < 0.05).to_numpy()).any()
