"""Ingest: every class of bad input gets a clear error naming file, row and column, and the
database is left exactly as it was; good files in the formats Dutch municipalities use load."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd
import pytest

from kansenspiegel import Mirror
from kansenspiegel.ingest import IngestError, ingest_file, ingest_frame
from kansenspiegel.store import Store
from tests.conftest import make_persons


def fingerprint(store: Store) -> dict[str, int]:
    """Rows and a content hash of every table: equal fingerprints = an unchanged database."""
    out = {}
    for name in sorted(store.con.list_tables()):
        frame = store.table(name).to_pandas()
        frame = frame.sort_values(list(frame.columns)).reset_index(drop=True) if len(frame) else frame
        out[name] = (len(frame), int(pd.util.hash_pandas_object(frame.drop(columns=["loaded_at"], errors="ignore"), index=False).sum()) if len(frame) else 0)
    return out


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """A database that already holds one good dataset."""
    good = tmp_path / "good.csv"
    make_persons(200).to_csv(good, index=False)
    ingest_file(store, good, dataset="existing")
    return store


def write_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "client.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def reject(store: Store, path: Path, *fragments: str, **kwargs: object) -> IngestError:
    before = fingerprint(store)
    with pytest.raises(IngestError) as info:
        ingest_file(store, path, dataset=kwargs.pop("dataset", "new"), **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert path.name in message and "nothing was loaded" in message
    for fragment in fragments:
        assert fragment in message, message
    assert fingerprint(store) == before
    return info.value


def test_missing_column(loaded: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, make_persons(20).drop(columns=["employed_1m"]))
    reject(loaded, path, "row 1", "column 'employed_1m'", "missing column")


def test_unknown_municipality_code(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20)
    frame.loc[1, "municipality"] = "GM9999"
    err = reject(loaded, write_csv(tmp_path, frame), "row 3", "column 'municipality'", "'GM9999'", "municipality code")
    assert err.total == 1


def test_unknown_category(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20)
    frame.loc[4, "gender"] = "X"
    frame.loc[7, "migration_background"] = "Mars"
    reject(loaded, write_csv(tmp_path, frame), "row 6, column 'gender': value 'X'", "row 9, column 'migration_background': value 'Mars'")


def test_duplicate_person_year(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20)
    frame.loc[5, ["person_key", "year"]] = frame.loc[2, ["person_key", "year"]].to_numpy()
    reject(loaded, write_csv(tmp_path, frame), "row 7", "column 'person_key'", "duplicate person-year")


def test_employed_6m_without_employed_1m(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20)
    frame.loc[3, ["employed_1m", "employed_6m"]] = [False, True]
    reject(loaded, write_csv(tmp_path, frame), "row 5", "column 'employed_6m'", "employed 6 months without employed 1 month")


@pytest.mark.parametrize("age", ["12", "80"])
def test_impossible_age(loaded: Store, tmp_path: Path, age: str) -> None:
    frame = make_persons(20).drop(columns=["age_band"]).assign(age="30")
    frame.loc[0, "age"] = age
    reject(loaded, write_csv(tmp_path, frame), "row 2", "column 'age'", "impossible value", f"'{age}'")


def test_impossible_birth_date(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20).drop(columns=["age_band"]).assign(birth_date="1980-05-01")
    frame.loc[2, "birth_date"] = "2015-01-01"
    frame.loc[3, "birth_date"] = "31-02-1980"
    reject(loaded, write_csv(tmp_path, frame), "row 4, column 'birth_date'", "impossible age", "row 5, column 'birth_date': value '31-02-1980'")


def test_empty_file(loaded: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    reject(loaded, empty, "the file is empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(make_persons(1).columns) + "\n")
    reject(loaded, header_only, "no data rows")


def test_wrong_types(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(20).astype({"year": str, "provision": str})
    frame.loc[0, "year"] = "twintig"
    frame.loc[1, "provision"] = "misschien"
    frame["months_on_benefit"] = "12"
    frame.loc[2, "months_on_benefit"] = "1,5"
    reject(
        loaded,
        write_csv(tmp_path, frame),
        "row 2, column 'year': value 'twintig' — expected a whole number",
        "row 3, column 'provision': value 'misschien' — expected true/false",
        "row 4, column 'months_on_benefit'",
    )


def test_unsupported_file_type(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "client.json"
    path.write_text("{}")
    reject(loaded, path, "unsupported file type", ".csv, .xlsx or .parquet")


def test_file_not_found(loaded: Store, tmp_path: Path) -> None:
    reject(loaded, tmp_path / "nope.csv", "file not found")


def test_duplicate_column_through_alias(loaded: Store, tmp_path: Path) -> None:
    frame = make_persons(5).assign(geslacht="V")
    reject(loaded, write_csv(tmp_path, frame), "column 'geslacht'", "duplicates column 'gender'")


def test_existing_dataset_needs_replace(loaded: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path, make_persons(30, seed=5))
    reject(loaded, path, "dataset already exists", "--replace", dataset="existing")
    ingest_file(loaded, path, dataset="existing", replace=True)
    assert Mirror(store=loaded, dataset="existing").cube.query("grouping == 'all' and geo_level == 'national'").population.sum() == 30


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"employed": 500}, ("column 'employed'", "employed larger than population")),
        ({"geography": "AM05"}, ("column 'geography'", "mixed levels")),
        ({"population": -3}, ("column 'population'", "impossible value")),
        ({"geography": "GM0363", "gender": "Vrouwen"}, ("duplicate row",)),
    ],
)
def test_bad_aggregated_input(loaded: Store, tmp_path: Path, change: dict, fragments: tuple[str, ...]) -> None:
    frame = pd.DataFrame(
        {
            "year": 2018,
            "geography": ["GM0363", "GM0599"],
            "gender": ["Vrouwen", "Mannen"],
            "population": [100, 80],
            "provision": [50, 40],
            "employed": [20, 30],
            "sustained": [10, 20],
        }
    )
    for column, value in change.items():
        frame.loc[1, column] = value
    reject(loaded, write_csv(tmp_path, frame), "row 3", *fragments)


def test_crash_mid_load_leaves_database_unchanged(loaded: Store, tmp_path: Path) -> None:
    """An interruption while the cube is being built (after persons were written) rolls back."""
    before = fingerprint(loaded)

    def interrupt(message: str) -> None:
        if message == "building the cube":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(loaded, write_csv(tmp_path, make_persons(50)), dataset="new", progress=interrupt)
    assert fingerprint(loaded) == before


def test_dutch_excel_csv_with_labels_and_aliases(store: Store, tmp_path: Path) -> None:
    """Semicolons, Windows-1252, Dutch column names and labels, birth dates instead of age bands."""
    text = (
        "klantnummer;jaar;gemeente;geslacht;geboortedatum;migratieachtergrond;huishoudtype;doelgroepregister;"
        "voorziening;werkzaam;duurzaam_werkzaam;opleidingsniveau\r\n"
        "a1;2018;gm0363;Vrouwen;12-03-1995;Niet-westerse migratieachtergrond;Eenouderhuishouden;nee;ja;ja;nee;low\r\n"
        "a2;2018;GM0363;M;1970-01-31;Nederlands;alleenstaand;ja;nee;nee;nee;\r\n"
        "a3;2018;GM0363;onbekend;1960-07-04;westers;onbekend;Nee;1;1;1;high\r\n"
        "a4;2018;GM0599;Man;2000-01-01;Westerse migratieachtergrond;paar;NEE;0;1;0;medium\r\n"
    )
    path = tmp_path / "Cliëntenbestand.csv"
    path.write_bytes(text.encode("cp1252"))
    result = ingest_file(store, path)
    assert (result.rows, result.dataset, result.years) == (4, "Cliëntenbestand", (2018,))
    key = store.pseudonym_key()
    order = {hmac.new(key, k.encode(), hashlib.sha256).hexdigest(): i for i, k in enumerate(["a1", "a2", "a3", "a4"])}
    persons = store.table("persons").to_pandas()
    persons = persons.assign(row=persons.person_key.map(order)).sort_values("row")
    assert list(persons.row) == [0, 1, 2, 3]  # keys are the HMACs of the file's keys
    assert list(persons.gender) == ["female", "male", "unknown", "male"]
    assert list(persons.age_band) == ["up_to_26", "45_to_aow", "45_to_aow", "up_to_26"]
    assert list(persons.household_type) == ["single_parent", "single_person", "other", "couple"]
    assert list(persons.education_level) == ["low", "unknown", "high", "medium"]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_xlsx_and_parquet(store: Store, tmp_path: Path, suffix: str) -> None:
    frame = make_persons(40)
    path = tmp_path / f"client{suffix}"
    frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path)
    result = ingest_file(store, path)
    assert result.rows == 40
    nl = Mirror(store=store).counts(year=2018, characteristics=[])
    assert int(nl.population.sum()) == int((frame.year == 2018).sum())


def test_typed_parquet_gets_the_problems_of_its_csv(loaded: Store, tmp_path: Path) -> None:
    """Parquet's true/false and whole-number columns are checked as typed, CSV's as text: the
    same rows break the same rules with the same values shown."""
    frame = make_persons(30)
    frame["provision"] = frame["provision"].astype("boolean")
    frame["year"] = frame["year"].astype("Int64")
    frame.loc[3, "provision"] = pd.NA  # a required true/false left empty
    frame.loc[5, "year"] = 1990  # outside the years a file may hold
    frame.loc[6, "year"] = pd.NA  # a required year left empty
    frame.loc[8, "ladder_start"] = 9  # a step the ladder does not have
    frame.loc[12, ["person_key", "year"]] = frame.loc[10, ["person_key", "year"]].to_numpy()  # a person twice in a year
    parquet = tmp_path / "client.parquet"
    frame.to_parquet(parquet)
    typed = reject(loaded, parquet)
    text = reject(loaded, write_csv(tmp_path, frame))
    # (a true/false typed by Parquet is shown as 'true', the CSV pandas wrote says 'True')
    found = lambda err: sorted((p.row or 0, p.column, (p.value or "").lower(), p.expected_id, p.message_id or "") for p in err.problems)  # noqa: E731
    assert found(typed) == found(text)
    assert {(p.row, p.column) for p in typed.problems} >= {(5, "provision"), (7, "year"), (8, "year"), (10, "ladder_start"), (14, "person_key")}


def test_xlsx_error_names_spreadsheet_row(store: Store, tmp_path: Path) -> None:
    frame = make_persons(10)
    frame.loc[8, "municipality"] = "Amsterdam"
    path = tmp_path / "client.xlsx"
    frame.to_excel(path, index=False)
    reject(store, path, "row 10, column 'municipality': value 'AMSTERDAM'")


def test_pseudonyms_cannot_be_recovered_from_the_database_alone(tmp_path: Path) -> None:
    """Before: the salt sat in the same file as the salted SHA-256 keys, and 1,000 of 1,000
    nine-digit keys came back by brute force in 0.7 s. Now the HMAC key is in a 0600 file beside
    the database (or $KANSENSPIEGEL_KEY), never in it."""
    import os
    import stat

    from kansenspiegel.store import Store
    from tests.conftest import make_persons

    path = tmp_path / "db.duckdb"
    frame = make_persons(50)
    frame["person_key"] = [f"{123456000 + i:09d}" for i in range(50)]  # nine-digit keys, as a BSN
    with Store(path) as store:
        ingest_frame(store, frame, source="t", dataset="clients", kind="microdata")
        key = store.pseudonym_key()
        stored = set(store.table("persons").to_pandas().person_key)
        assert "key_salt" not in store.con.list_tables()
    key_file = tmp_path / "db.duckdb.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and bytes.fromhex(key_file.read_text().strip()) == key
    raw = path.read_bytes()
    assert key not in raw and key.hex().encode() not in raw  # the key is not in the database
    assert stored == {hmac.new(key, k.encode(), hashlib.sha256).hexdigest() for k in frame.person_key}
    assert not any(k.encode() in raw for k in frame.person_key[:10])  # nor are the raw keys
    # what an attacker with the file alone can try: plain and any-salt-in-the-file hashes
    assert not stored & {hashlib.sha256(k.encode()).hexdigest() for k in frame.person_key}
    os.environ["KANSENSPIEGEL_KEY"] = "ab" * 32
    try:
        with Store(tmp_path / "other.duckdb") as other:
            assert other.pseudonym_key() == bytes.fromhex("ab" * 32) and not (tmp_path / "other.duckdb.key").exists()
    finally:
        del os.environ["KANSENSPIEGEL_KEY"]


def test_a_table_of_counts_with_dutch_column_names_is_recognised(tmp_path: Path) -> None:
    """A municipality names its columns in Dutch: 'bijstandspopulatie' is the population, so the
    file is a table of counts, not microdata with seven missing columns."""
    from kansenspiegel.ingest import validate_file

    path = tmp_path / "tabel.csv"
    path.write_text("jaar;gebied;bijstandspopulatie;met_voorziening;werkzaam;duurzaam_werkzaam\n2018;AM08;5000;2000;1500;800\n", encoding="utf-8")
    report = validate_file(path)
    assert report.ok and report.kind == "aggregated" and report.areas == ["AM08"], report.problems[:3]


def test_values_too_large_for_their_type_are_problems_not_engine_errors() -> None:
    """The canonical rows are computed for every row, also refused ones: a year or a count that
    does not fit its type is reported, never an engine error."""
    from kansenspiegel.ingest import Rows, validate_aggregated

    frame = pd.DataFrame(
        {"year": ["99999999999"], "geography": ["GM0363"], "gender": [""], "population": ["1e30"], "provision": ["1"], "employed": ["1"], "sustained": ["inf"]}
    )
    with pytest.raises(IngestError) as info:
        validate_aggregated(Rows.from_frame(frame), "frame")
    assert {p.column for p in info.value.problems} >= {"year", "population", "sustained"}
