"""The cube: consistent across geography levels and groupings, equal to a plain pandas count."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kansenspiegel import Mirror
from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, COUNT_COLUMNS, PROVISION_TYPE_CODES
from kansenspiegel.cube import CUBE_COLUMNS, fine_counts, groupings, is_fine, rollup_grouping_sets, rollup_union
from kansenspiegel.geography import municipalities
from tests.conftest import make_persons

GM_TO_AMR = dict(zip(municipalities().gm_code, municipalities().amr_code))


def test_groupings_are_every_combination_up_to_three() -> None:
    g = groupings(3)
    assert g[0] == () and len(g) == 1 + 5 + 10 + 10
    assert len(set(g)) == len(g)


def test_cube_equals_pandas_groupby(persons: pd.DataFrame) -> None:
    """An independent count with pandas for a few groupings and all geography levels."""
    cube = Mirror.from_microdata(persons).cube
    known = persons.ladder_start.notna() & persons.ladder_end.notna()
    types = [f"provision_{c}" for c in PROVISION_TYPE_CODES]
    p = persons.assign(
        amr=persons.municipality.map(GM_TO_AMR),
        nl="NL",
        provision_employed=persons.provision & persons.employed_1m,
        ladder_known=known,
        ladder_up=known & (persons.ladder_end.fillna(0) > persons.ladder_start.fillna(0)),
        ladder_4plus=known & (persons.ladder_end.fillna(0) >= 4),
        provision_typed=persons.provision & persons[types].fillna(False).any(axis=1),
        **{t: persons[t].fillna(False) for t in types},
    )
    for chars in [("gender",), ("age_band", "household_type"), ("gender", "migration_background", "target_group_register")]:
        for geo_col, level in (("municipality", "municipality"), ("amr", "amr"), ("nl", "national")):
            expected = (
                p.groupby(["year", geo_col, *chars])
                .agg(
                    population=("person_key", "size"),
                    provision=("provision", "sum"),
                    employed=("employed_1m", "sum"),
                    sustained=("employed_6m", "sum"),
                    provision_employed=("provision_employed", "sum"),
                    ladder_known=("ladder_known", "sum"),
                    ladder_up=("ladder_up", "sum"),
                    ladder_4plus=("ladder_4plus", "sum"),
                    **{t: (t, "sum") for t in types},
                    provision_typed=("provision_typed", "sum"),
                )
                .reset_index()
                .rename(columns={geo_col: "geography"})
            )
            grouping = "+".join(chars)
            got = cube[(cube.grouping == grouping) & (cube.geo_level == level)][["year", "geography", *chars, *COUNT_COLUMNS]]
            merged = expected.merge(got, on=["year", "geography", *chars], how="outer", suffixes=("", "_cube"), indicator=True)
            assert (merged["_merge"] == "both").all()
            for c in COUNT_COLUMNS:
                assert (merged[c] == merged[f"{c}_cube"]).all(), (grouping, geo_col, c)


small_frames = st.builds(
    make_persons,
    n=st.integers(1, 300),
    seed=st.integers(0, 10_000),
    municipalities=st.lists(st.sampled_from(sorted(GM_TO_AMR)), min_size=1, max_size=6, unique=True).map(tuple),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_frames)
def test_cube_properties(frame: pd.DataFrame) -> None:
    cube = Mirror.from_microdata(frame).cube
    key = ["year", "geo_level", "geography"]
    everyone = cube[cube.grouping == ALL].set_index(key)[list(COUNT_COLUMNS)]
    # 1. in every grouping, the groups sum to everyone
    sums = cube.groupby([*key, "grouping"])[list(COUNT_COLUMNS)].sum().reset_index()
    joined = sums.merge(everyone.reset_index(), on=key, suffixes=("", "_all"))
    for c in COUNT_COLUMNS:
        assert (joined[c] == joined[f"{c}_all"]).all()
    # 2. nesting of the moments
    assert (cube.sustained <= cube.employed).all() and (cube.employed <= cube.population).all()
    assert (cube.provision_employed <= np.minimum(cube.provision, cube.employed)).all()
    # 3. municipalities sum to their AMR, AMRs to the country
    gm = cube[cube.geo_level == "municipality"].assign(amr=lambda d: d.geography.map(GM_TO_AMR))
    amr = cube[cube.geo_level == "amr"].set_index(["year", "grouping", "group", "geography"])[list(COUNT_COLUMNS)]
    gm_sum = gm.groupby(["year", "grouping", "group", "amr"])[list(COUNT_COLUMNS)].sum()
    gm_sum.index = gm_sum.index.set_names("geography", level="amr")
    pd.testing.assert_frame_equal(gm_sum.sort_index(), amr.sort_index(), check_dtype=False)
    nl = cube[cube.geo_level == "national"].set_index(["year", "grouping", "group"])[list(COUNT_COLUMNS)]
    amr_sum = cube[cube.geo_level == "amr"].groupby(["year", "grouping", "group"])[list(COUNT_COLUMNS)].sum()
    pd.testing.assert_frame_equal(amr_sum.sort_index(), nl.sort_index(), check_dtype=False)
    # 4. group keys match the characteristic columns
    for row in cube.sample(min(len(cube), 30), random_state=0).itertuples():
        values = [getattr(row, c) for c in CHARACTERISTIC_NAMES if isinstance(getattr(row, c), str)]
        assert row.group == ("+".join(values) if values else ALL)


def test_aggregated_marginal_table_uses_each_published_figure() -> None:
    """A CBS-style table of marginals (one characteristic per row) gives exactly its figures,
    and no combination is invented from it."""
    rows = pd.DataFrame(
        {
            "year": 2018,
            "geography": "NL",
            "gender": ["Vrouwen", "Mannen", "", ""],
            "age_band": ["", "", "26 jaar of jonger", "27 tot 45 jaar"],
            "population": [60, 40, 30, 70],
            "provision": [30, 20, 20, 30],
            "employed": [10, 20, 15, 15],
            "sustained": [5, 15, 10, 10],
        }
    )
    cube = Mirror.from_counts(rows).cube
    assert set(cube.grouping) == {"gender", "age_band", ALL}
    g = cube[cube.grouping == "gender"].set_index("gender")
    assert g.loc["female", "population"] == 60 and g.loc["male", "employed"] == 20
    everyone = cube[cube.grouping == ALL].iloc[0]
    assert everyone.population == 100  # from one characteristic only: not counted twice


def test_published_level_preferred_over_a_sum_of_finer_rows() -> None:
    """If a file has AMR rows, the national figure is their sum; AMR rows are used as given."""
    rows = pd.DataFrame({"year": 2018, "geography": ["AM05", "AM18"], "population": [100, 50], "provision": [10, 5], "employed": [5, 5], "sustained": [1, 1]})
    cube = Mirror.from_counts(rows).cube
    nl = cube[(cube.geo_level == "national")].iloc[0]
    assert (nl.population, nl.employed) == (150, 10)
    assert set(cube.geo_level) == {"amr", "national"}


@pytest.mark.parametrize("chars", [["gender"], ["gender", "age_band", "household_type"]])
def test_mirror_rejects_unknown_or_too_many_characteristics(persons: pd.DataFrame, chars: list[str]) -> None:
    m = Mirror.from_microdata(persons)
    assert len(m.by_group(year=2018, geography="NL", characteristics=chars)) > 0
    with pytest.raises(ValueError, match="at most three"):
        m.by_group(year=2018, characteristics=[*CHARACTERISTIC_NAMES])
    with pytest.raises(ValueError, match="unknown characteristic"):
        m.by_group(year=2018, characteristics="shoe_size")
    with pytest.raises(ValueError, match="unknown geography"):
        m.by_group(year=2018, geography="GM9999")


def _sorted_cube(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["dataset", "year", "geo_level", "geography", "grouping", "group"]
    return frame.sort_values(keys).reset_index(drop=True)[list(CUBE_COLUMNS)]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_frames, st.integers(1, 3), st.booleans())
def test_grouping_sets_equal_the_portable_union(frame: pd.DataFrame, depth: int, own: bool) -> None:
    """The one-query GROUPING SETS spelling and the portable Ibis union give the same cube, cell
    for cell and type for type, also with an own characteristic and fewer characteristics."""
    con = ibis.duckdb.connect()
    persons = frame.assign(dataset="d", own_1=np.where(frame.index % 3 == 0, "a", "b") if own else "x")
    counts = con.create_table("counts", fine_counts(ibis.memtable(persons)))
    names = (*CHARACTERISTIC_NAMES, "status") if own else CHARACTERISTIC_NAMES
    if own:
        counts = counts.mutate(status=counts.own_1)
    gms = ibis.memtable(municipalities()[["gm_code", "amr_code"]])
    assert is_fine(counts, names)
    fast = con.to_pandas(rollup_grouping_sets(counts, gms, depth, names))
    portable = con.to_pandas(rollup_union(counts, gms, depth, names))
    pd.testing.assert_frame_equal(_sorted_cube(fast), _sorted_cube(portable))
    assert len(fast) == len(portable) > 0


def test_rollup_takes_the_portable_union_for_a_table_of_marginals() -> None:
    """Rows with a characteristic missing (a total over it) or at another level are not fine
    counts: the union, which takes each cell from its closest source, handles them."""
    con = ibis.duckdb.connect()
    rows = pd.DataFrame({"geo_level": ["municipality", "municipality"], "gender": ["female", None]})
    assert not is_fine(con.create_table("t", rows), ("gender",))
    assert is_fine(con.create_table("u", rows.iloc[:1]), ("gender",))
    assert not is_fine(con.create_table("v", rows.iloc[:1].assign(geo_level="amr")), ("gender",))
