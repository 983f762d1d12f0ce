"""The metric table on a small hand-made counts table, every number checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from kansenspiegel import Mirror

# (geography, gender, population, provision, employed, sustained, provision_employed)
ROWS = [
    ("GM0363", "female", 100, 50, 20, 10, 15),
    ("GM0363", "male", 80, 40, 30, 20, 25),
    ("GM0362", "female", 50, 20, 10, 5, 8),
    ("GM0362", "male", 50, 25, 20, 10, 12),
    ("GM0599", "female", 200, 100, 40, 30, 30),
    ("GM0599", "unknown", 10, 5, 2, 1, 1),
    ("GM0599", "male", 100, 50, 40, 30, 30),
]


@pytest.fixture(scope="module")
def mirror() -> Mirror:
    cols = ["geography", "gender", "population", "provision", "employed", "sustained", "provision_employed"]
    frame = pd.DataFrame(ROWS, columns=cols).assign(year=2018)
    return Mirror.from_counts(frame)


def one(m: Mirror, geography: str, group: str, moment: str) -> pd.Series:
    t = m.by_group(year=2018, geography=geography, characteristics="gender", moment=moment)
    rows = t[t.group == group]
    assert len(rows) == 1
    return rows.iloc[0]


def test_rate_and_rest_in_region(mirror: Mirror) -> None:
    # AM18 = GM0363 + GM0362: women 150 of whom 30 employed; everyone else (men) 130, 50 employed
    r = one(mirror, "AM18", "female", "employed")
    assert (r.denominator, r["count"]) == (150, 30)
    assert r.rate == pytest.approx(0.2)
    assert (r.rest_denominator, r.rest_count) == (130, 50)
    assert r.rest_rate == pytest.approx(50 / 130)
    assert r.rate_difference == pytest.approx(0.2 - 50 / 130)
    assert r.rate_ratio == pytest.approx(0.2 / (50 / 130))
    low, high = proportion_confint(30, 150, method="wilson")
    assert (r.rate_ci_low, r.rate_ci_high) == (pytest.approx(low), pytest.approx(high))
    assert r.p_value == pytest.approx(proportions_ztest([30, 50], [150, 130])[1])


def test_shares_and_gap_exclude_unknown(mirror: Mirror) -> None:
    # national: women 350 of 580 with known gender; employed women 70 of 160 employed with known gender
    r = one(mirror, "NL", "female", "employed")
    assert r.share_of_denominator == pytest.approx(350 / 580)
    assert r.share_of_moment == pytest.approx(70 / 160)
    assert r.representation_gap_pp == pytest.approx(100 * (70 / 160 - 350 / 580))
    # everyone else includes the people whose gender is unknown: 590 - 350 people, 162 - 70 employed
    assert (r.rest_denominator, r.rest_count) == (240, 92)
    unknown = one(mirror, "NL", "unknown", "employed")
    assert math.isnan(unknown.share_of_denominator) and unknown["count"] == 2


def test_conditional_steps(mirror: Mirror) -> None:
    r = one(mirror, "AM18", "female", "employed_given_provision")
    assert (r.denominator, r["count"], r.rate) == (70, 23, pytest.approx(23 / 70))
    assert r.population == 150
    s = one(mirror, "AM18", "female", "sustained_given_employed")
    assert (s.denominator, s["count"], s.rate) == (30, 15, pytest.approx(0.5))


def test_region_against_rest_of_country(mirror: Mirror) -> None:
    # women in AM18: 30/150 employed; women elsewhere (GM0599): 40/200
    r = one(mirror, "AM18", "female", "employed")
    assert r.national_rate == pytest.approx(70 / 350)
    assert r.p_value_vs_national == pytest.approx(proportions_ztest([30, 40], [150, 200])[1])
    n = one(mirror, "NL", "female", "employed")
    assert math.isnan(n.p_value_vs_national)


def test_q_values_are_benjamini_hochberg_per_geography(mirror: Mirror) -> None:
    from statsmodels.stats.multitest import multipletests

    t = mirror.by_group(year=2018, geography="AM18")
    tested = t.dropna(subset=["p_value"])
    assert tested.q_value.to_numpy() == pytest.approx(multipletests(tested.p_value, method="fdr_bh")[1])


def test_funnel_overall(mirror: Mirror) -> None:
    f = mirror.overall(year=2018, geography="NL").set_index("moment")
    assert f.loc["provision", "denominator"] == 590
    assert f.loc["provision", "count"] == 50 + 40 + 20 + 25 + 100 + 5 + 50
    assert f.loc["sustained", "rate"] == pytest.approx(106 / 590)


def test_q_values_do_not_depend_on_other_years_or_row_order() -> None:
    """A year's q-values are the same bit for bit computed alone, beside another year, or from
    the cube's rows in another order (each test's family lies within one year)."""
    import numpy as np

    from kansenspiegel.stats import compute_metrics
    from tests.conftest import make_persons

    cube = Mirror.from_microdata(make_persons(900, seed=5)).cube
    keys = ["year", "geography", "grouping", "group", "moment"]
    both = compute_metrics(cube).set_index(keys).sort_index()
    shuffled = compute_metrics(cube.sample(frac=1, random_state=3)).set_index(keys).sort_index()
    alone = compute_metrics(cube[cube.year == 2018]).set_index(keys).sort_index()
    for column in ("q_value", "q_value_vs_national"):
        assert np.array_equal(both[column].to_numpy(), shuffled[column].to_numpy(), equal_nan=True)
        assert np.array_equal(both.loc[2018, column].to_numpy(), alone.loc[2018, column].to_numpy(), equal_nan=True)
    assert both.q_value.notna().sum() > 100
