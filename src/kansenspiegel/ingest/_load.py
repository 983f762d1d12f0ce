"""Load a validated dataset into the database, with its cube and metrics, in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict, Unpack

import ibis
import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, OWN_SLOTS, Characteristic
from kansenspiegel.cube import fine_counts, rollup
from kansenspiegel.disclosure import PUBLIC, mask_table, publish_metrics, suppression_mask
from kansenspiegel.geography import municipalities
from kansenspiegel.ingest._contract import AGGREGATED_COLUMNS, COUNTS_SCHEMA, MICRODATA_COLUMNS, PERSONS_SCHEMA, ColumnSpec
from kansenspiegel.ingest._errors import IngestError, problem
from kansenspiegel.ingest._read import open_rows
from kansenspiegel.ingest._validate import Rows, group_word, validate_aggregated, validate_microdata
from kansenspiegel.stats import compute_metrics
from kansenspiegel.store import DERIVED_TABLES, Store

Kind = Literal["auto", "microdata", "aggregated"]
Progress = Callable[[str], None]

#: The own characteristics of each dataset: one row per group (``code`` NULL: the
#: characteristic itself), with the words the file used.
CHARACTERISTICS_SCHEMA = ibis.schema(
    {"dataset": "string", "position": "int32", "name": "string", "label": "string", "code": "string", "code_label": "string", "code_order": "int32"}
)


@dataclass(frozen=True)
class IngestResult:
    dataset: str
    kind: str
    rows: int
    years: tuple[int, ...]
    cube_rows: int
    metric_rows: int


def _quiet(_: str) -> None:
    pass


def detect_kind(header: tuple[str, ...] | list[str]) -> str:
    """A table of counts has a population column and no person key, under any accepted name
    (``bijstandspopulatie``, ``persoonsnummer`` …)."""

    def names(specs: tuple[ColumnSpec, ...], column: str) -> set[str]:
        spec = next(s for s in specs if s.name == column)
        return {spec.name, *spec.aliases}

    cols = {str(c).strip().lower().replace(" ", "_") for c in header}
    counts = bool(cols & names(AGGREGATED_COLUMNS, "population"))
    persons = bool(cols & names(MICRODATA_COLUMNS, "person_key"))
    return "aggregated" if counts and not persons else "microdata"


class LoadOptions(TypedDict, total=False):
    """How a dataset is loaded (`ingest_rows`' keyword arguments)."""

    kind: Kind
    replace: bool
    synthetic: bool
    #: columns to use as own characteristics besides those headed ``kenmerk:``
    characteristics: tuple[str, ...]
    progress: Progress


def ingest_file(store: Store, path: str | Path, *, dataset: str | None = None, **options: Unpack[LoadOptions]) -> IngestResult:
    """Read, validate and load a file (or a folder of Parquet files). On any problem nothing is
    stored and `IngestError` says why. ``dataset`` defaults to the file's name."""
    path = Path(path)
    options.get("progress", _quiet)(f"reading {path.name}")
    name = dataset or (re.sub(r"[^\w .-]", "_", path.stem).lstrip(" ._-")[:64] or "data")
    with open_rows(path, store.con) as rows:
        return ingest_rows(store, rows, source=str(path), dataset=name, **options)


#: What a dataset may be called: letters (also ë, é), digits, space, '.', '_' and '-', starting
#: with a letter or digit (so never with '=', '+', '-' or '@', which Excel would run as a formula).
DATASET_NAME = r"[^\W_][\w .-]{0,63}"


def ingest_frame(store: Store, frame: pd.DataFrame, *, source: str, dataset: str, first_row: int = 1, **options: Unpack[LoadOptions]) -> IngestResult:
    """Validate and load a DataFrame (microdata or aggregated counts) as ``dataset`` (its rows
    numbered from ``first_row`` in the problems found)."""
    return ingest_rows(store, Rows.from_frame(frame, first_row, store.con), source=source, dataset=dataset, **options)


def ingest_rows(
    store: Store,
    rows: Rows,
    *,
    source: str,
    dataset: str,
    kind: Kind = "auto",
    replace: bool = False,
    synthetic: bool = False,
    characteristics: tuple[str, ...] = (),
    progress: Progress = _quiet,
) -> IngestResult:
    """Validate and load rows (microdata or aggregated counts) as ``dataset``: the rows go from
    the file to the database inside the engine, checked on the way (`validate_microdata`)."""
    if not re.fullmatch(DATASET_NAME, dataset):
        # a name is shown in lists and written into CSV: no leading '=', '+', '-', '@' (a formula in Excel)
        raise IngestError(source, [problem("dataset_name", "bad_dataset_name", value=dataset[:100])])
    kind_used = detect_kind(rows.header) if kind == "auto" else kind
    if rows.con is None:  # rows in memory: staged in this database
        rows = dataclasses.replace(rows, con=store.con)
    progress("validating")
    if kind_used == "microdata":  # the rows are staged with their keys already hashed
        clean = validate_microdata(rows, source, characteristics, pseudonym=store.pseudonym)
    else:
        clean = validate_aggregated(rows, source, characteristics)
    try:
        exists = dataset in store.dataset_names()
        if exists and not replace:
            raise IngestError(source, [problem("new_dataset", "dataset_exists", value=dataset)])
        with store.transaction():
            if exists:
                store.delete_dataset(dataset)
            for table, schema in (("persons", PERSONS_SCHEMA), ("counts", COUNTS_SCHEMA)):
                store.add_missing_columns(table, schema)  # a database made before own characteristics
            if clean.own:
                store.append("characteristics", ibis.memtable(characteristic_rows(dataset, clean.own), schema=CHARACTERISTICS_SCHEMA))
            valid = clean.table.mutate(dataset=ibis.literal(dataset))
            if kind_used == "microdata":
                progress("storing persons (keys hashed)")
                if not store.has("persons"):
                    store.con.create_table("persons", schema=PERSONS_SCHEMA)
                store.con.insert("persons", valid.select(*PERSONS_SCHEMA.names))
                progress("counting")
                counts_expr = fine_counts(store.table("persons").filter(ibis._.dataset == dataset))
            else:
                counts_expr = valid
            if not store.has("counts"):
                store.con.create_table("counts", schema=COUNTS_SCHEMA)
            store.con.insert("counts", counts_expr.select(*COUNTS_SCHEMA.names).cast(COUNTS_SCHEMA))
            clean.release()
            years = tuple(
                int(y)
                for y in store.table("counts")
                .filter(ibis._.dataset == dataset)
                .select("year")
                .distinct()
                .order_by("year")
                .to_pyarrow()
                .column("year")
                .to_pylist()
            )
            cube_rows, metric_rows = build(store, dataset, progress=progress)
            store.append(
                "datasets",
                pd.DataFrame(
                    {
                        "name": [dataset],
                        "kind": [kind_used],
                        "source": [Path(source).name],
                        "synthetic": [synthetic],
                        "years": [",".join(map(str, years))],
                        "rows": [clean.rows],
                        "loaded_at": [dt.datetime.now().replace(microsecond=0)],
                    }
                ),
            )
    finally:
        clean.release()
    return IngestResult(dataset, kind_used, clean.rows, years, cube_rows, metric_rows)


def characteristic_rows(dataset: str, own: list[Characteristic]) -> pd.DataFrame:
    rows: list[tuple[str, int, str, str, str | None, str | None, int]] = []
    for position, spec in enumerate(own, start=1):
        rows.append((dataset, position, spec.name, spec.label("nl"), None, None, 0))
        for i, code in enumerate(spec.known_codes, start=1):
            rows.append((dataset, position, spec.name, spec.label("nl"), code, group_word(spec, code), i))
    return pd.DataFrame(rows, columns=CHARACTERISTICS_SCHEMA.names)


def stored_characteristics(store: Store, dataset: str) -> list[Characteristic]:
    """The own characteristics of a stored dataset, in the order of its ``own_1`` … columns."""
    from kansenspiegel.codes import own_characteristic

    if not store.has("characteristics"):
        return []
    rows = store.table("characteristics").filter(ibis._.dataset == dataset).order_by(["position", "code_order"]).to_pandas()
    out = []
    for _, part in rows.groupby("position", sort=True):
        groups = part[part.code.notna()]
        out.append(own_characteristic(str(part.name.iloc[0]), str(part.label.iloc[0]), dict(zip(groups.code.astype(str), groups.code_label.astype(str)))))
    return out


def build(store: Store, dataset: str, *, progress: Progress = _quiet) -> tuple[int, int]:
    """(Re)compute the cube and the metric table of one dataset from its stored counts."""
    progress("building the cube")
    counts = store.table("counts").filter(ibis._.dataset == dataset)
    own = stored_characteristics(store, dataset)
    if own:  # the own characteristics under their names, after the standard ones
        counts = counts.mutate(**{spec.name: counts[slot] for slot, spec in zip(OWN_SLOTS, own)})
    names = (*CHARACTERISTIC_NAMES, *(spec.name for spec in own))
    cube_expr = rollup(counts, ibis.memtable(municipalities()[["gm_code", "amr_code"]]), characteristics=names)
    for name in DERIVED_TABLES:
        if store.has(name):
            store.delete_rows(name, dataset)
    # stored in (year, geography) order: DuckDB's zone maps then skip most of the table when a
    # page asks for one area
    store.append("cube", cube_expr, order_by=("year", "geography", "grouping", "group"))
    cube_rows = metric_rows = 0
    # Everything after the cube works on one year at a time (each test's family, the national
    # rows and the secondary suppression are within a year), written as it comes: memory is one
    # year's, whatever the number of years. What the public sees is computed here, once, so no
    # request has to: the year's suppression mask and every metric row under the public policy.
    years = store.table("cube").filter(ibis._.dataset == dataset).select("year").distinct().order_by("year").to_pandas()["year"]
    for year in (int(y) for y in years):
        progress(f"computing metrics, publishing {year}")
        cube = store.table("cube").filter((ibis._.dataset == dataset) & (ibis._.year == year)).to_pandas()
        metrics = compute_metrics(cube)
        store.append("metrics", metrics, order_by=("geography",))
        mask = suppression_mask(cube, PUBLIC)
        published = publish_metrics(metrics, PUBLIC, mask=mask)
        store.append("suppression", mask_table(mask, dataset, year))
        store.append("published", published.reset_index(drop=True), order_by=("geography",))
        cube_rows += len(cube)
        metric_rows += len(metrics)
        del cube, metrics, mask, published
    return cube_rows, metric_rows
