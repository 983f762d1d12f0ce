"""Outcomes beyond outflow: which provision types a group gets, and the participation ladder.

Checked against independent pandas computations on the microdata, and for the decisions that
shape them: provision types only per single characteristic, one test family per kind of
outcome, and missing outcomes missing (never 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kansenspiegel import Mirror
from kansenspiegel.codes import ALL, LADDER_MOMENTS, MOMENTS, PROVISION_MOMENTS, PROVISION_TYPE_CODES
from kansenspiegel.disclosure import suppression_mask
from kansenspiegel.ingest import IngestError
from kansenspiegel.stats import compute_metrics
from kansenspiegel.store import Store
from tests.conftest import make_persons

FUNNEL = [m for m in MOMENTS if MOMENTS[m].family == "funnel"]


@pytest.fixture(scope="module")
def persons() -> pd.DataFrame:
    return make_persons(4000, seed=3)


@pytest.fixture(scope="module")
def mirror(persons: pd.DataFrame) -> Mirror:
    return Mirror.from_microdata(persons)


def test_ladder_chances_equal_a_direct_count_on_the_microdata(persons: pd.DataFrame, mirror: Mirror) -> None:
    known = persons.ladder_start.notna() & persons.ladder_end.notna()
    p = persons[known & (persons.year == 2018)]
    metrics = mirror.metrics
    for gm in p.municipality.unique():
        for sex in ("female", "male"):
            cell = p[(p.municipality == gm) & (p.gender == sex)]
            row = metrics[(metrics.year == 2018) & (metrics.geography == gm) & (metrics.grouping == "gender") & (metrics.group == sex)].set_index("moment")
            assert row.loc["ladder_up", "denominator"] == len(cell)
            assert row.loc["ladder_up", "rate"] == pytest.approx((cell.ladder_end > cell.ladder_start).mean())
            assert row.loc["ladder_4plus", "rate"] == pytest.approx((cell.ladder_end >= 4).mean())


def test_provision_type_chances_are_of_everyone_and_only_per_single_characteristic(persons: pd.DataFrame, mirror: Mirror) -> None:
    metrics = mirror.metrics
    types = metrics[metrics.moment.isin(PROVISION_MOMENTS)]
    assert set(types.grouping) <= {ALL, "gender", "age_band", "migration_background", "household_type", "target_group_register"}
    assert metrics[metrics.moment.isin(LADDER_MOMENTS)].grouping.str.contains("+", regex=False).any()  # the ladder has combinations too
    p = persons[(persons.year == 2019) & (persons.municipality == "GM0363")]
    row = metrics[(metrics.year == 2019) & (metrics.geography == "GM0363") & (metrics.grouping == "household_type") & (metrics.group == "single_person")]
    cell = p[p.household_type == "single_person"]
    for code in PROVISION_TYPE_CODES:
        got = row[row.moment == f"provision_{code}"].iloc[0]
        assert got["denominator"] == len(cell) and got["count"] == cell[f"provision_{code}"].fillna(False).sum()
    typed = metrics[(metrics.moment == "provision_typed")]
    assert set(typed.grouping) == {ALL}


def test_adding_outcomes_of_another_kind_leaves_the_funnels_tests_as_they_were(mirror: Mirror) -> None:
    """One Benjamini–Hochberg family per kind of outcome: a cube without the ladder and the
    provision types gives the funnel exactly the same q-values."""
    cube = mirror.cube
    full = compute_metrics(cube)
    funnel_only = compute_metrics(cube.drop(columns=[c for c in cube.columns if c.startswith(("ladder_", "provision_")) and c != "provision_employed"]))
    key = ["year", "geography", "grouping", "group", "moment"]
    a = full[full.moment.isin(FUNNEL)].set_index(key).sort_index()
    b = funnel_only[funnel_only.moment.isin(FUNNEL)].set_index(key).sort_index()
    assert len(a) == len(b) > 0
    np.testing.assert_allclose(a.q_value.to_numpy(), b.q_value.to_numpy(), equal_nan=True)
    np.testing.assert_allclose(a.q_value_vs_national.to_numpy(), b.q_value_vs_national.to_numpy(), equal_nan=True)
    # and the outcomes the cube lacks are missing, never a chance of 0
    absent = funnel_only[funnel_only.moment.isin(LADDER_MOMENTS + PROVISION_MOMENTS)]
    assert absent.rate.isna().all() and absent["count"].isna().all()


def test_a_provision_types_counts_are_protected_among_the_cells_they_are_published_for(mirror: Mirror) -> None:
    cube = mirror.cube[mirror.cube.year == 2018]
    mask = suppression_mask(cube)
    deep = mask.index.get_level_values("grouping").str.contains(r"\+", regex=True)
    for code in PROVISION_TYPE_CODES:
        assert mask.loc[deep, f"provision_{code}"].all()  # never published for combinations
        single = mask.loc[~deep, f"provision_{code}"]
        assert 0 < single.sum() < len(single)
    # every line of single groups to everyone has either no hidden cell or at least two
    flat = mask.loc[~deep, "provision_jobcoach"].reset_index()
    for (geo, grouping), line in flat[flat.grouping != ALL].groupby(["geography", "grouping"]):
        total_hidden = bool(flat[(flat.geography == geo) & (flat.grouping == ALL)].provision_jobcoach.iloc[0])
        assert line.provision_jobcoach.sum() + total_hidden != 1, (geo, grouping)


def test_a_ladder_step_outside_one_to_six_is_a_clear_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = make_persons(50, seed=4)
    frame.loc[3, "ladder_end"] = 7
    with Store(tmp_path / "x.duckdb") as store, pytest.raises(IngestError) as err:
        from kansenspiegel.ingest import ingest_frame

        ingest_frame(store, frame, source="k.csv", dataset="k")
    problem = err.value.problems[0]
    assert problem.column == "ladder_end" and problem.row == 3 + 1 and "1" in problem.expected_text("nl") and "6" in problem.expected_text("nl")
    assert "participatieladder" in problem.expected_text("nl")


def test_a_table_of_counts_carries_the_ladder_when_it_has_it() -> None:
    table = pd.DataFrame(
        {
            "year": [2018, 2018],
            "geography": ["GM0363", "GM0344"],
            "population": [1000, 800],
            "provision": [400, 300],
            "employed": [200, 150],
            "sustained": [100, 80],
            "ladder_known": [900, 700],
            "ladder_up": [300, 140],
        }
    )
    m = Mirror.from_counts(table)
    rows = m.metrics[(m.metrics.grouping == ALL) & (m.metrics.geo_level == "municipality")].set_index(["geography", "moment"])
    assert rows.loc[("GM0363", "ladder_up"), "rate"] == pytest.approx(300 / 900)
    assert np.isnan(rows.loc[("GM0363", "ladder_4plus"), "rate"])  # not in the table: missing, not 0
    assert np.isnan(rows.loc[("GM0344", "provision_jobcoach"), "rate"])
