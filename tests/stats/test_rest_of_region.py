"""A municipality against the rest of its AMR, and region against region (report 2.2: large
central municipalities overshadow the others in their AMR). Checked against direct counts on the
microdata and statsmodels' two-proportion test; with rounded counts the test may only say less."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportions_ztest

from kansenspiegel import Mirror
from kansenspiegel.disclosure import INTERNAL, PUBLIC
from kansenspiegel.views import Published
from tests.conftest import make_persons

# GM0363 Amsterdam and GM0362 Amstelveen lie in AM18 Groot Amsterdam; GM0599 Rotterdam in AM22
ROWS = ["grouping", "group", "moment"]


@pytest.fixture(scope="module")
def persons() -> pd.DataFrame:
    frame = make_persons(6000, seed=11)
    # women in Amsterdam find work less often than women in the rest of the AMR
    amsterdam_women = (frame.municipality == "GM0363") & (frame.gender == "female")
    frame.loc[amsterdam_women, "employed_1m"] = frame.loc[amsterdam_women, "employed_1m"] & (np.random.default_rng(1).random(amsterdam_women.sum()) < 0.5)
    frame["employed_6m"] &= frame["employed_1m"]
    return frame


@pytest.fixture(scope="module")
def mirror(persons: pd.DataFrame) -> Mirror:
    return Mirror.from_microdata(persons)


def _row(view: pd.DataFrame, group: str, moment: str = "employed") -> pd.Series:
    return view[(view.group == group) & (view.moment == moment)].iloc[0]


def test_a_municipality_against_the_rest_of_its_amr_is_the_exact_test_on_the_microdata(persons: pd.DataFrame, mirror: Mirror) -> None:
    view = Published(mirror, INTERNAL).run("characteristics", year=2018, geography="GM0363", comparison="AM18")
    p = persons[persons.year == 2018]
    here = p[(p.municipality == "GM0363") & (p.gender == "female")]
    rest = p[(p.municipality == "GM0362") & (p.gender == "female")]  # the rest of AM18 in this data
    row = _row(view, "female")
    assert row.comparison_is_rest
    assert row.rate_rest_of_comparison == pytest.approx(rest.employed_1m.mean())
    assert row.difference_vs_rest_of_comparison_pp == pytest.approx(100 * (here.employed_1m.mean() - rest.employed_1m.mean()))
    _, ref = proportions_ztest([here.employed_1m.sum(), rest.employed_1m.sum()], [len(here), len(rest)])
    # the view's q over its page: at least the p-value, and the planted gap is clear
    assert row.q_value_vs_comparison >= ref - 1e-12 and row.significant_vs_comparison
    # against the whole AMR the chance is the AMR's own (Amsterdam included)
    amr = p[p.municipality.isin(["GM0363", "GM0362"]) & (p.gender == "female")]
    assert row.rate_comparison == pytest.approx(amr.employed_1m.mean())


def test_region_against_region_is_tested_as_two_separate_areas(persons: pd.DataFrame, mirror: Mirror) -> None:
    view = Published(mirror, INTERNAL).run("characteristics", year=2019, geography="AM18", comparison="AM22")
    p = persons[persons.year == 2019]
    a = p[p.municipality.isin(["GM0363", "GM0362"]) & (p.age_band == "45_to_aow")]
    b = p[(p.municipality == "GM0599") & (p.age_band == "45_to_aow")]
    row = _row(view, "45_to_aow", "provision")
    assert not row.comparison_is_rest and np.isnan(row.rate_rest_of_comparison)
    _, ref = proportions_ztest([a.provision.sum(), b.provision.sum()], [len(a), len(b)])
    tested = view[view.q_value_vs_comparison.notna()]
    assert row.q_value_vs_comparison >= ref - 1e-12
    assert row.q_value_vs_comparison <= min(1.0, ref * len(tested))  # Benjamini–Hochberg over the page


def test_published_the_test_only_says_less_and_the_rest_interval_holds_the_exact_chance(mirror: Mirror) -> None:
    exact = Published(mirror, INTERNAL).run("characteristics", year=2018, geography="GM0363", comparison="AM18").set_index(ROWS)
    shown = Published(mirror, PUBLIC).run("characteristics", year=2018, geography="GM0363", comparison="AM18").set_index(ROWS)
    both = shown.join(exact, rsuffix="_exact")
    both = both[both.rate_rest_of_comparison.notna()]
    assert len(both) > 50
    assert (both.rest_of_comparison_ci_low <= both.rate_rest_of_comparison_exact + 1e-12).all()
    assert (both.rate_rest_of_comparison_exact <= both.rest_of_comparison_ci_high + 1e-12).all()
    assert (both.significant_vs_comparison <= both.significant_vs_comparison_exact).all()  # clear when published: clear exactly


def test_the_same_area_as_comparison_has_no_test(mirror: Mirror) -> None:
    view = Published(mirror).run("characteristics", year=2018, geography="AM18", comparison="AM18")
    assert not view.significant_vs_comparison.any() and view.q_value_vs_comparison.isna().all()
