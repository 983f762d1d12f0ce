"""A municipality's own client file: the template, hashed person keys, deleting a dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.ingest import ingest_file, template_frame
from kansenspiegel.ingest._contract import MICRODATA_COLUMNS
from kansenspiegel.store import Store
from tests.conftest import make_persons

runner = CliRunner()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_filled_in_loads(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"clients{suffix}"
    result = runner.invoke(app, ["template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b";" in path.read_bytes().splitlines()[0]
    else:
        codes = pd.read_excel(path, sheet_name="codes")
        assert "Vrouwen" in set(codes.label_nl)
    db = tmp_path / "own.duckdb"
    loaded = runner.invoke(app, ["ingest", str(path), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    nl = Mirror.open(db).counts(year=2019, geography="GM0363", characteristics="gender").set_index("gender")
    assert (nl.loc["female", "population"], nl.loc["male", "population"]) == (1, 1)


def test_template_has_every_contract_column() -> None:
    columns = set(template_frame().columns)
    assert {s.name for s in MICRODATA_COLUMNS} - columns == {"birth_date"}


def test_person_keys_are_stored_only_as_salted_hashes(tmp_path: Path) -> None:
    frame = make_persons(50)
    frame["person_key"] = [f"BSN-LIKE-{i:09d}" for i in range(50)]
    source = tmp_path / "clients.csv"
    frame.to_csv(source, index=False)
    db_a, db_b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    keys = {}
    for db in (db_a, db_b):
        with Store(db) as store:
            ingest_file(store, source)
            keys[db] = store.table("persons").order_by("person_key").to_pandas().person_key
            store.checkpoint()
    for db in (db_a, db_b):
        assert keys[db].str.fullmatch(r"[0-9a-f]{64}").all()
        assert b"BSN-LIKE-000000007" not in db.read_bytes()  # the raw key never reaches the file
    assert set(keys[db_a]).isdisjoint(set(keys[db_b]))  # other database, other salt: not linkable
    with Store(db_a) as store:  # the same person gets the same pseudonym again in the same database
        ingest_file(store, source, dataset="again")
        persons = store.table("persons").to_pandas()
        assert set(persons[persons.dataset == "again"].person_key) == set(keys[db_a])


def test_delete_removes_every_trace_of_the_dataset(tmp_path: Path) -> None:
    db = tmp_path / "own.duckdb"
    source = tmp_path / "clients.csv"
    make_persons(80).to_csv(source, index=False)
    assert runner.invoke(app, ["ingest", str(source), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["delete", "clients", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert store.dataset_names() == []
        for table in ("persons", "counts", "cube", "metrics"):
            assert store.table(table).count().execute() == 0
    again = runner.invoke(app, ["delete", "clients", "--db", str(db)])
    assert again.exit_code == 2 and "no dataset 'clients'" in again.stderr
