"""The counting stage on its own (`kansenspiegel count`, DuckDB) and large synthetic data
(`demo-data --scale`): the counts give the mirror the person rows give; nothing is written for
a bad file; scaled data is written in parts, each a new draw with its own keys."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from typer.testing import CliRunner

from kansenspiegel.cli import app
from kansenspiegel.demo import generate, write_scaled
from kansenspiegel.store import Store
from tests.conftest import make_persons

runner = CliRunner()


def test_count_then_ingest_gives_the_mirror_of_the_person_rows(tmp_path: Path) -> None:
    frame = make_persons(700, seed=21)
    people = tmp_path / "people.csv"
    frame.to_csv(people, sep=";", index=False)  # CSV: read in chunks on DuckDB
    counts = tmp_path / "out" / "counts.parquet"
    done = runner.invoke(app, ["count", "--input", str(people), "--output", str(counts)])
    assert done.exit_code == 0, done.output
    assert "700" in done.output and "kansenspiegel ingest" in done.output
    table = pq.read_table(counts)
    assert "person_key" not in table.column_names and sum(table.column("population").to_pylist()) == 700
    for name, source in (("counted", counts), ("direct", people)):
        loaded = runner.invoke(app, ["ingest", str(source), "--db", str(tmp_path / f"{name}.duckdb"), "--dataset", "d"])
        assert loaded.exit_code == 0, loaded.output
    with Store(tmp_path / "counted.duckdb", read_only=True) as a, Store(tmp_path / "direct.duckdb", read_only=True) as b:
        keys = ["year", "geography", "grouping", "group", "moment"]
        left = a.table("published").to_pandas().sort_values(keys).reset_index(drop=True)
        right = b.table("published").to_pandas().sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_exact=True)
        assert a.datasets().kind.tolist() == ["aggregated"] and b.datasets().kind.tolist() == ["microdata"]


def test_count_of_a_bad_file_writes_nothing_and_says_why(tmp_path: Path) -> None:
    frame = make_persons(40).astype({"employed_1m": object})
    frame.loc[2, "employed_1m"] = "misschien"
    people = tmp_path / "people.parquet"
    frame.astype({"employed_1m": str}).to_parquet(people, index=False)
    out = tmp_path / "counts.parquet"
    done = runner.invoke(app, ["count", "--input", str(people), "--output", str(out)], env={"KANSENSPIEGEL_LANG": "nl"})
    assert done.exit_code != 0 and not out.exists()
    assert "rij 4, kolom 'employed_1m': waarde 'misschien'" in done.output, done.output


def test_scaled_demo_data_is_written_in_parts_with_new_draws(tmp_path: Path) -> None:
    rows = write_scaled(tmp_path / "x2", years=[2016], scale=2)
    parts = sorted((tmp_path / "x2").rglob("*.parquet"))
    assert [p.relative_to(tmp_path / "x2").as_posix() for p in parts] == ["year=2016/part-001.parquet", "year=2016/part-002.parquet"]
    first, second = (pd.read_parquet(p) for p in parts)
    assert rows == len(first) + len(second)
    pd.testing.assert_frame_equal(first, generate(years=[2016]))  # the first copy is the demo itself
    assert not set(first.person_key) & set(second.person_key)
    assert abs(len(second) - len(first)) < 0.01 * len(first) and not first.employed_1m.equals(second.employed_1m)
