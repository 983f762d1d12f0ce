"""Fuzz the readers and the validator: any file gives a result or a clear IngestError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import ibis
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kansenspiegel.ingest import IngestError, Rows, detect_kind, open_rows, read_table, validate_aggregated, validate_microdata
from tests.conftest import make_persons

HEADER = ",".join(make_persons(1).columns)


def _load(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            read_table(path)  # the small-file reader agrees with the engine's
        except IngestError as exc:
            assert str(path) in str(exc)
        con = ibis.duckdb.connect()
        try:
            with open_rows(path, con) as rows:
                validate = validate_microdata if detect_kind(rows.header) == "microdata" else validate_aggregated
                validate(rows, str(path)).table.to_pyarrow()  # valid rows also come out clean, without an engine error
        except IngestError as exc:
            assert str(path) in str(exc)
        finally:
            con.disconnect()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    _load(data, suffix)


cell = st.one_of(st.text(max_size=12), st.integers(-5, 3000).map(str), st.sampled_from(["", "ja", "nee", "GM0363", "Vrouwen", "2018", "1,5", "NaN", ";", '"']))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=11, max_size=11), max_size=6), st.sampled_from([",", ";"]))
def test_random_rows_under_a_real_header(rows: list[list[str]], sep: str) -> None:
    text = HEADER.replace(",", sep) + "\n" + "\n".join(sep.join(r) for r in rows)
    _load(text.encode("utf-8", errors="replace"), ".csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=8, max_size=8), min_size=1, max_size=5))
def test_random_aggregated_rows(rows: list[list[str]]) -> None:
    frame = pd.DataFrame(rows, columns=["year", "geography", "gender", "age_band", "population", "provision", "employed", "sustained"])
    try:
        validate_aggregated(Rows.from_frame(frame), "frame").table.to_pyarrow()
    except IngestError:
        pass
