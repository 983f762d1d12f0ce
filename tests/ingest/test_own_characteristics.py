"""Own characteristics of a client file (``kenmerk:statushouder``): counted in every grouping
and combination of that dataset, with the same disclosure and FDR rules as the standard ones,
and refused with a clear Dutch error when they cannot be groups."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from kansenspiegel import Mirror
from kansenspiegel.codes import CHARACTERISTIC_NAMES, MOMENTS, SEP
from kansenspiegel.disclosure import INTERNAL, PUBLIC, publish_metrics
from kansenspiegel.disclosure._audit import differencing_attack, linear_attack
from kansenspiegel.ingest import IngestError, ingest_frame
from kansenspiegel.store import Store
from tests.conftest import make_persons

GM = "GM0268"


def with_own(n: int = 1500, seed: int = 3, municipalities: tuple[str, ...] = (GM,)) -> pd.DataFrame:
    """Clients with two own characteristics: refugee status (the first value written 'Ja',
    later 'ja'; some empty) and an education level in Dutch words."""
    persons = make_persons(n, seed=seed, municipalities=municipalities).assign(year=2018)
    rng = np.random.default_rng([seed, 1])  # not make_persons' own draws
    status = np.where(rng.random(n) < 0.2, "ja", np.where(rng.random(n) < 0.06, "", "nee"))
    status[np.flatnonzero(status == "ja")[0]] = "Ja"
    persons["kenmerk:Statushouder"] = status
    persons["kenmerk:opleidingsniveau"] = rng.choice(["laag", "Middelbaar", "hoog", ""], n)
    return persons


@pytest.fixture(scope="module")
def own() -> tuple[pd.DataFrame, Mirror]:
    frame = with_own()
    return frame, Mirror.from_microdata(frame, dataset="own")


def test_every_grouping_with_an_own_characteristic_counts_what_a_direct_count_gives(own: tuple[pd.DataFrame, Mirror]) -> None:
    frame, mirror = own
    names = (*CHARACTERISTIC_NAMES, "statushouder", "education_level")
    assert mirror.characteristic_names == names
    cube = mirror.counts(year=2018, geography=GM)
    # every combination of up to three of the seven characteristics, and everyone
    assert cube.grouping.nunique() == 1 + 7 + 21 + 35
    direct = frame.assign(
        statushouder=frame["kenmerk:Statushouder"].str.lower().replace("", "unknown"),
        education_level=frame["kenmerk:opleidingsniveau"].str.lower().map({"laag": "low", "middelbaar": "medium", "hoog": "high", "": "unknown"}),
    )
    for chars in [
        ("statushouder",),
        ("education_level",),
        ("gender", "statushouder"),
        ("statushouder", "education_level"),
        ("age_band", "household_type", "statushouder"),
    ]:
        grouping = SEP.join(chars)
        expected = direct.groupby(list(chars)).agg(population=("person_key", "size"), employed=("employed_1m", "sum"), provision=("provision", "sum"))
        expected.index = [SEP.join(k) if isinstance(k, tuple) else k for k in expected.index]
        got = cube[cube.grouping == grouping].set_index("group")[["population", "employed", "provision"]]
        pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index().astype(got.dtypes.to_dict()), check_names=False)


def test_an_own_characteristic_is_named_as_the_file_most_often_writes_it(own: tuple[pd.DataFrame, Mirror]) -> None:
    _, mirror = own
    status = mirror.characteristics["statushouder"]
    assert status.own and status.label("nl") == "Statushouder"
    # 'Ja' once, 'ja' many times: one group, named 'ja'
    assert [status.group_label(c, "nl") for c in status.codes] == ["Statushouder: ja", "Statushouder: nee", "Statushouder: onbekend"]
    assert status.group_label("unknown", "en") == "Statushouder: unknown"
    education = mirror.characteristics["education_level"]  # a covariate of the contract: its codes and words
    assert education.codes == ("low", "medium", "high", "unknown") and education.group_label("low", "nl") == "Laag opgeleid"


def test_q_values_are_benjamini_hochberg_over_the_standard_and_own_tests_together(own: tuple[pd.DataFrame, Mirror]) -> None:
    _, mirror = own
    metrics = mirror.select(year=2018, geography=GM)
    funnel = [m.name for m in MOMENTS.values() if m.family == "funnel"]
    family = metrics[metrics.moment.isin(funnel)]
    tested = family.p_value.notna().to_numpy()
    assert family.grouping[tested].str.contains("statushouder").any() and family.grouping[tested].isin(CHARACTERISTIC_NAMES).any()
    expected = multipletests(family.p_value[tested], method="fdr_bh")[1]
    np.testing.assert_allclose(family.q_value[tested], expected, rtol=1e-9, atol=1e-12)


def test_a_table_of_counts_may_carry_an_own_characteristic_too(own: tuple[pd.DataFrame, Mirror]) -> None:
    """The same clients as counts by gender × refugee status (CBS-style: 'Totaal' rows for the
    marginals): the same cube as from the person rows."""
    frame, mirror = own
    cells = frame.assign(status=frame["kenmerk:Statushouder"].str.lower().replace("", "onbekend"))
    counts = (
        cells.groupby(["gender", "status"])
        .agg(population=("person_key", "size"), provision=("provision", "sum"), employed=("employed_1m", "sum"), sustained=("employed_6m", "sum"))
        .reset_index()
    )
    table = counts.rename(columns={"status": "kenmerk:Statushouder"}).assign(year=2018, geography=GM)
    from_counts = Mirror.from_counts(table, dataset="counts")
    assert from_counts.characteristic_names[-1] == "statushouder"
    got = from_counts.counts(year=2018, geography=GM)
    want = mirror.counts(year=2018, geography=GM)
    for grouping in ("all", "gender", "statushouder", "gender+statushouder"):
        a = got[got.grouping == grouping].set_index("group")[["population", "provision", "employed", "sustained"]].sort_index()
        b = want[want.grouping == grouping].set_index("group")[["population", "provision", "employed", "sustained"]].sort_index()
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_small_own_groups_are_hidden_and_no_attack_recovers_them() -> None:
    persons = with_own(300, seed=8).drop(columns=["kenmerk:opleidingsniveau"])
    mirror = Mirror.from_microdata(persons, dataset="small")
    published = mirror.published(year=2018)
    own_rows = published[published.grouping.str.contains("statushouder")]
    assert own_rows.suppressed.any() and (own_rows.population.dropna() % 10 == 0).all()
    exact = mirror.counts(year=2018)
    small = exact[exact.grouping.str.contains("statushouder") & (exact.population < 10) & (exact.population > 0)]
    assert len(small) > 0
    shown = published.drop_duplicates(["geography", "grouping", "group"]).set_index(["geography", "grouping", "group"]).population
    assert shown.reindex(pd.MultiIndex.from_frame(small[["geography", "grouping", "group"]])).isna().all()
    assert differencing_attack(published, PUBLIC).recovered.empty
    # linear programming on a few hidden cells (each costs seconds on the 42 groupings)
    attack = linear_attack(published, PUBLIC, sample=4, seed=8)
    assert attack.hidden == 4 and attack.recovered.empty, attack.recovered.to_string()


def refused(frame: pd.DataFrame, tmp_path, **kwargs: object) -> str:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "own.duckdb")
    try:
        with pytest.raises(IngestError) as caught:
            ingest_frame(store, frame, source="klanten.csv", dataset="klanten", kind="microdata", **kwargs)  # type: ignore[arg-type]
        assert "klanten" not in store.dataset_names()  # nothing loaded
        return caught.value.text("nl")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: f.assign(**{f"kenmerk:extra{i}": "a" for i in range(2)}), "hoogstens 3 eigen kenmerken"),
        (lambda f: f.assign(**{"kenmerk:wijk": [f"wijk {i % 11}" for i in range(len(f))]}), "deze kolom heeft 11 verschillende waarden"),
        (lambda f: f.assign(**{"kenmerk:Geslacht": "x"}), "is al een kolom van het gegevensformaat"),
        (lambda f: f.assign(**{"kenmerk:": "x"}), "deze naam voor een eigen kenmerk mag niet"),
        (lambda f: f.assign(**{"kenmerk:buurt": ["—" if i == 5 else "noord" for i in range(len(f))]}), "rij 6"),  # a frame: its first row is row 1
        (lambda f: f.assign(**{"kenmerk:opleidingsniveau": ["universitair" if i == 2 else "laag" for i in range(len(f))]}), "universitair"),
        (lambda f: f.assign(**{"kenmerk:@cmd": "x"}), "deze naam voor een eigen kenmerk mag niet"),
        (lambda f: f.assign(**{"kenmerk:buurt": ["x" * 61 if i == 0 else "noord" for i in range(len(f))]}), "hoogstens 60 tekens"),
        # names of the tables' own columns would overwrite them in the rollup
        (lambda f: f.assign(**{"kenmerk:population": "x"}), "'population' is al een kolom"),
        (lambda f: f.assign(**{"kenmerk:geo_level": "x"}), "'geo_level' is al een kolom"),
        (lambda f: f.assign(**{"kenmerk:sig": "x"}), "'sig' is al een kolom"),
        # different values must not merge into one group, nor into the unknown one
        (lambda f: f.assign(**{"kenmerk:leeftijd_eigen": ["<25" if i % 2 else ">25" for i in range(len(f))]}), "deze waarden worden één groep: <25 / >25"),
        (lambda f: f.assign(**{"kenmerk:buurt": ["Unknown!" if i == 3 else "noord" for i in range(len(f))]}), "Unknown!"),
    ],
    ids=[
        "four-own",
        "eleven-values",
        "name-taken",
        "no-name",
        "value-without-letters",
        "education-not-a-level",
        "formula-name",
        "long-value",
        "count-name",
        "level-name",
        "rollup-name",
        "values-merge",
        "value-is-unknown",
    ],
)
def test_own_columns_that_cannot_be_groups_are_refused_in_dutch(change, words: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = refused(change(with_own(60)), tmp_path)
    assert words in text and "er is niets ingelezen" in text, text


def test_a_column_declared_by_name_is_an_own_characteristic_and_a_missing_one_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = with_own(200).rename(columns={"kenmerk:Statushouder": "statushouder"})
    store = Store(tmp_path / "named.duckdb")
    ingest_frame(store, frame, source="k.csv", dataset="named", kind="microdata", characteristics=("statushouder",))
    assert Mirror(store=store, dataset="named").characteristic_names[-2:] == ("statushouder", "education_level")  # in the order of the columns
    store.close()
    text = refused(with_own(50), tmp_path, characteristics=("wijk",))
    assert "kolom 'wijk'" in text and "ontbrekende kolom" in text
    both = Store(tmp_path / "both.duckdb")  # declared by name and by its header: one characteristic
    ingest_frame(both, with_own(100), source="k.csv", dataset="both", kind="microdata", characteristics=("statushouder",))
    assert Mirror(store=both, dataset="both").characteristic_names.count("statushouder") == 1
    both.close()


def test_a_database_made_before_own_characteristics_takes_a_file_with_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "old.duckdb")
    ingest_frame(store, make_persons(100, seed=2, municipalities=(GM,)), source="a.csv", dataset="old", kind="microdata")
    for table in ("persons", "counts"):
        for slot in ("own_1", "own_2", "own_3"):
            store.con.con.execute(f"ALTER TABLE {table} DROP COLUMN {slot}")  # as an earlier version made them
    ingest_frame(store, with_own(200), source="b.csv", dataset="new", kind="microdata")
    assert Mirror(store=store, dataset="new").characteristic_names[-1] == "education_level"
    assert Mirror(store=store, dataset="old").characteristic_names == CHARACTERISTIC_NAMES
    old = Mirror(store=store, dataset="old").counts(year=2018, geography=GM)
    assert set(old.grouping) == {SEP.join(c) if c else "all" for k in range(4) for c in combinations(CHARACTERISTIC_NAMES, k)}
    store.close()


def test_the_table_2_1_layout_takes_an_own_characteristic(own: tuple[pd.DataFrame, Mirror]) -> None:
    frame, mirror = own
    table = mirror.table(year=2018, geography=GM, characteristics=["statushouder"])
    assert list(table.group) == ["Statushouder: ja", "Statushouder: nee", "Totaal bekend", "Statushouder: onbekend"]
    yes = int((frame["kenmerk:Statushouder"].str.lower() == "ja").sum())
    assert int(table.population.iloc[0]) == int(np.floor(yes / 10 + 0.5) * 10)  # rounded to tens
    with pytest.raises(Exception, match="wijk"):
        mirror.table(year=2018, geography=GM, characteristics=["wijk"])


def lonely_hidden(published: pd.DataFrame) -> tuple[int, int]:
    """(sums checked, sums whose one hidden part can be read back): every sum along one
    characteristic of a grouping with the own characteristic, built here from the group keys
    and the published rows alone (not from the suppression's own lines)."""
    from kansenspiegel.disclosure._audit import attacker_view

    view = attacker_view(published)
    view = view[view.geography == GM]
    checked = lonely = 0
    for column in ("population", "employed", "provision"):
        shown = view.set_index(["grouping", "group"])[column]
        for grouping in [g for g in view.grouping.unique() if "statushouder" in g.split(SEP)]:
            chars = grouping.split(SEP)
            cells = view[view.grouping == grouping]
            parts = cells.group.str.split(SEP, expand=True)
            for j in range(len(chars)):
                rest = [i for i in range(len(chars)) if i != j]
                parent_grouping = SEP.join(chars[i] for i in rest) if rest else "all"
                key = parts[rest].agg(SEP.join, axis=1) if rest else pd.Series("all", index=cells.index)
                for parent, members in cells.groupby(key.to_numpy()):
                    checked += 1
                    lonely += int(members[column].isna().sum() == 1 and not np.isnan(shown.get((parent_grouping, parent), np.nan)))
    return checked, lonely


def test_no_hidden_own_count_is_the_only_hidden_one_of_a_published_sum() -> None:
    """Secondary suppression, checked independently: along every characteristic of a grouping
    with an own one, a hidden count is never the one unknown of a sum whose total and other
    parts are published. The negative control (small cells hidden, nothing more) fails it."""
    persons = with_own(400, seed=9).drop(columns=["kenmerk:opleidingsniveau"])
    mirror = Mirror.from_microdata(persons, dataset="small")
    checked, lonely = lonely_hidden(mirror.published(year=2018))
    assert checked > 100 and lonely == 0
    naive = publish_metrics(mirror.select(year=2018), INTERNAL)
    small = (naive.population < 10).to_numpy()
    for c in ("denominator", "count"):
        naive.loc[small | (naive[c] < 10).to_numpy(), c] = pd.NA
    naive.loc[small, "population"] = pd.NA
    assert lonely_hidden(naive)[1] > 0


def test_an_own_characteristic_nested_in_a_standard_one_does_not_hide_the_standard_groups() -> None:
    """Status holders are migrants: nobody of Dutch background is one, so 'Dutch background ×
    status holder: no' is all people of Dutch background. Hiding that cell would hide the Dutch
    background figure itself; the suppression chooses other cells, and every single-characteristic
    figure stays published, as in the same file without the own characteristic (the example
    client file, Nijmegen's demo clients)."""
    from kansenspiegel.demo import example_client_file

    persons = example_client_file(GM)
    mirror = Mirror.from_microdata(persons, dataset="nested")
    cube = mirror.counts(year=2018, geography=GM).set_index(["grouping", "group"])
    assert ("migration_background+statushouder", "dutch+ja") not in cube.index
    moments = ["employed", "provision", "sustained"]
    published = mirror.published(year=2018, geography=GM)
    single = published[published.grouping.isin(CHARACTERISTIC_NAMES) & published.moment.isin(moments)]
    plain = Mirror.from_microdata(persons.drop(columns=["kenmerk:statushouder"]), dataset="plain").published(year=2018, geography=GM)
    plain = plain[plain.grouping.isin(CHARACTERISTIC_NAMES) & plain.moment.isin(moments)]
    assert single["count"].isna().sum() <= plain["count"].isna().sum()
    assert single[single.grouping == "migration_background"]["count"].notna().all()
    assert lonely_hidden(mirror.published(year=2018))[1] == 0
    # and the file's planted gap is there: status holders work less often than the rest
    yes = published[(published.grouping == "statushouder") & (published.group == "ja") & (published.moment == "employed")].iloc[0]
    assert yes.significant and yes.rate_difference < -0.05
