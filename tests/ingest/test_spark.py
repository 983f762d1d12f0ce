"""Spark and DuckDB give the same numbers: fine counts, the cube (one GROUPING SETS pass on
Spark) and, through ``ingest`` of the counts, every metric including the q-values; bad rows get
the same problems. Local Spark on small data (the suite's Spark part stays well under 5 minutes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from kansenspiegel.cube import CUBE_COLUMNS, fine_counts, rollup, rollup_union
from kansenspiegel.geography import municipalities
from kansenspiegel.ingest import IngestError, count_file, ingest_file, ingest_frame, spark_rows, spark_session, stored_characteristics, validate_microdata
from kansenspiegel.store import Store
from tests.conftest import make_persons

pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two years of person rows of six municipalities in three AMRs, with an own characteristic."""
    frame = make_persons(1200, seed=11, municipalities=("GM0363", "GM0362", "GM0599", "GM0088", "GM0014", "GM0034"))
    frame["kenmerk:Statushouder"] = np.where(np.arange(len(frame)) % 5 == 0, "Ja", "nee")
    path = tmp_path_factory.mktemp("spark") / "people.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_fine_counts_on_spark_equal_duckdb(spark: Any, people: Path, tmp_path: Path) -> None:
    on_duckdb = count_file(people, tmp_path / "duckdb.parquet")
    on_spark = count_file(people, tmp_path / "spark.parquet", engine="spark", session=spark)
    a, b = pq.read_table(on_duckdb.output), pq.read_table(on_spark.output)
    assert a.schema == b.schema and a.equals(b)
    assert on_spark.rows == on_duckdb.rows == 1200 and on_spark.years == (2018, 2019)
    assert "kenmerk:Statushouder" in a.column_names and a.num_rows == on_duckdb.counts > 100


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["dataset", "year", "geo_level", "geography", "grouping", "group"]
    return frame.sort_values(keys).reset_index(drop=True)[list(CUBE_COLUMNS)]


def test_cube_on_spark_is_one_grouping_sets_pass_with_the_same_cells(spark: Any, people: Path) -> None:
    rows = spark_rows(spark, str(people))
    counts = fine_counts(validate_microdata(rows, str(people)).table.mutate(dataset=ibis.literal("d")))
    gms = ibis.memtable(municipalities()[["gm_code", "amr_code"]])
    cube = rollup(counts, gms, fine=True)
    assert "GROUPING SETS" in ibis.to_sql(cube).upper()  # Spark's own grouping, not 26 unions
    duck = ibis.duckdb.connect()
    local = duck.create_table("persons", pd.read_parquet(people).assign(dataset="d").drop(columns="kenmerk:Statushouder"))
    expected = duck.to_pandas(rollup_union(fine_counts(local), gms))
    got = cube.to_pandas()
    pd.testing.assert_frame_equal(_sorted(got), _sorted(expected), check_dtype=False)
    assert len(got) > 1000


def test_counts_from_spark_give_the_same_metrics_and_q_values(spark: Any, people: Path, tmp_path: Path) -> None:
    """Microdata ingested directly, and the same rows counted on Spark and the counts ingested:
    the same cube and, bit for bit, the same metric table (chances, intervals, p- and q-values)."""
    counts = count_file(people, tmp_path / "counts.parquet", engine="spark", session=spark).output
    with Store(tmp_path / "direct.duckdb") as direct, Store(tmp_path / "counted.duckdb") as counted:
        ingest_frame(direct, pd.read_parquet(people), source="people.parquet", dataset="d", kind="microdata")
        ingest_file(counted, counts, dataset="d")
        keys = ["year", "geography", "grouping", "group", "moment"]
        for table in ("cube", "metrics", "published"):
            a = direct.table(table).to_pandas().drop(columns="dataset")
            b = counted.table(table).to_pandas().drop(columns="dataset")
            order = keys if "moment" in a.columns else keys[:-1]
            a, b = a.sort_values(order).reset_index(drop=True), b.sort_values(order).reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        q = counted.table("metrics").to_pandas().q_value
        assert q.notna().sum() > 500 and (q.dropna() > 0).all()
        assert [c.name for c in stored_characteristics(counted, "d")] == [c.name for c in stored_characteristics(direct, "d")] == ["statushouder"]


def test_bad_rows_get_the_same_problems_on_spark(spark: Any, tmp_path: Path) -> None:
    frame = make_persons(300, seed=2)
    frame.loc[[4, 90], "municipality"] = "GM9999"
    frame.loc[7, "year"] = 1890
    frame.loc[12, "gender"] = "robot"
    frame.loc[20, "person_key"] = frame.loc[21, "person_key"]
    frame.loc[21, "year"] = frame.loc[20, "year"]
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)

    def problems(engine: str) -> list[tuple[object, ...]]:
        with pytest.raises(IngestError) as caught:
            count_file(path, tmp_path / f"{engine}.parquet", engine=engine, session=spark)  # type: ignore[arg-type]
        assert not (tmp_path / f"{engine}.parquet").exists()  # nothing written
        return sorted((p.column, p.value, p.expected_id, p.message_id, tuple(sorted(p.params.items()))) for p in caught.value.problems)

    on_duckdb = problems("duckdb")
    assert on_duckdb == problems("spark")
    assert len(on_duckdb) == 5 and {p[2] for p in on_duckdb} >= {"municipality_code", "between", "one_of_labels", "one_row_per_person"}
