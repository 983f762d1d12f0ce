"""The counting stage on its own: person rows → validated → fine counts, on DuckDB or on Spark.

Where the microdata may not leave a secure environment (the statistics office's), this is the
only stage that runs there: it reads the person rows where they are (a Parquet file or folder,
or a table of the Spark catalogue), checks them against the data contract with the same rules as
`ingest` (`validate_microdata`, Ibis expressions that run on Spark as on DuckDB), and writes the
fine counts — one row per year × municipality × combination of characteristics, ~200,000 rows
for seven national years — as one Parquet file. ``kansenspiegel ingest counts.parquet`` then
builds the cube, the metrics and the disclosure control from those counts (docs/scale.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from kansenspiegel.codes import CHARACTERISTIC_NAMES, COUNT_COLUMNS, OWN_SLOTS, Characteristic
from kansenspiegel.cube import fine_counts
from kansenspiegel.ingest._errors import IngestError, problem
from kansenspiegel.ingest._read import open_rows
from kansenspiegel.ingest._validate import ROW, Rows, group_word, validate_microdata

Engine = Literal["duckdb", "spark"]
#: Spark settings a `count` on Spark starts its session with unless they are given
#: (``--conf key=value`` on the command line, or ``spark-submit``'s own).
SPARK_DEFAULTS = {
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}


@dataclass(frozen=True)
class CountResult:
    rows: int
    counts: int
    years: tuple[int, ...]
    output: Path
    own: tuple[Characteristic, ...]


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """The active Spark session (under ``spark-submit`` or in a notebook), else a new one on
    ``master`` (``$SPARK_MASTER``, else ``local[*]``) with `SPARK_DEFAULTS` and ``conf``."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder.appName("kansenspiegel count").master(master or os.environ.get("SPARK_MASTER", "local[*]"))
    for key, value in {**SPARK_DEFAULTS, **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_rows(session: Any, source: str) -> Rows:
    """Rows of a Parquet file or folder, or of a table of the Spark catalogue (``db.table``), as
    a table of Ibis' Spark backend. A row's number is Spark's row id (unique, increasing within a
    part of the data, not the line of a file): on a cluster there is no "line 12"; the person key
    and the value in each problem say which row it is."""
    from pyspark.sql import functions as F

    con = ibis.pyspark.connect(session)
    path = Path(source)
    if path.exists():
        frame = session.read.parquet(str(path))
    elif "/" not in source and session.catalog.tableExists(source):
        frame = session.table(source)
    else:
        raise IngestError(source, [problem("existing_file", "file_not_found")])
    header = tuple(frame.columns)
    numbered = frame.select(*(F.col(f"`{name}`").alias(f"c{i}") for i, name in enumerate(header)), (F.monotonically_increasing_id() + 2).alias(ROW))
    view = f"kansenspiegel_rows_{os.getpid()}"
    numbered.createOrReplaceTempView(view)
    return Rows(header, con.table(view), con)


def count_rows(rows: Rows, source: str, *, characteristics: tuple[str, ...] = (), dataset: str = "counts") -> tuple[pa.Table, int, list[Characteristic]]:
    """Validate person rows and count them at the finest grain, in the rows' own engine. Returns
    the counts in the layout of a table of counts (own characteristics headed ``kenmerk:<label>``
    with their groups' words, so ingesting the file gives them back), the person rows, and the
    own characteristics."""
    clean = validate_microdata(rows, source, characteristics)
    counts = fine_counts(clean.table.mutate(dataset=ibis.literal(dataset)))
    own = clean.own
    columns: dict[str, Any] = {
        "year": counts.year,
        "geography": counts.geography,
        **{c: counts[c] for c in CHARACTERISTIC_NAMES},
        **{c: counts[c] for c in COUNT_COLUMNS},
    }
    for slot, spec in zip(OWN_SLOTS, own):
        words = {code: group_word(spec, code) for code in spec.known_codes}
        columns[f"kenmerk:{spec.label('nl')}"] = counts[slot].cases(*words.items(), else_=counts[slot])
    keys = [c for c in columns if c not in COUNT_COLUMNS]
    try:
        table = counts.select(**columns).order_by(keys).to_pyarrow()
    finally:
        clean.release()
    return table, clean.rows, own


def count_file(
    source: str | Path,
    output: str | Path,
    *,
    engine: Engine = "duckdb",
    characteristics: tuple[str, ...] = (),
    session: Any = None,
    master: str | None = None,
    conf: dict[str, str] | None = None,
) -> CountResult:
    """`count_rows` of a file (or, on Spark, a folder or catalogue table), written to ``output``
    as one Parquet file: what ``kansenspiegel count`` does."""
    output = Path(output)
    if engine == "spark":
        session = session or spark_session(master, conf)
        rows = spark_rows(session, str(source))
        table, n, own = count_rows(rows, str(source), characteristics=characteristics)
    else:
        con = ibis.duckdb.connect()
        try:
            with open_rows(Path(source), con) as rows:
                table, n, own = count_rows(rows, str(source), characteristics=characteristics)
        finally:
            con.disconnect()
    output.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, output)
    years = tuple(sorted({int(y) for y in table.column("year").to_pylist()}))
    return CountResult(rows=n, counts=table.num_rows, years=years, output=output, own=tuple(own))
