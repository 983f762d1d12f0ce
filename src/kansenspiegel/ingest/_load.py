"""Load a validated dataset into the database, with its cube and metrics, in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ibis
import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, COUNT_COLUMNS, OWN_SLOTS, PROVISION_TYPES, Characteristic, Filled
from kansenspiegel.cube import fine_counts, rollup
from kansenspiegel.disclosure import PUBLIC, mask_table, publish_metrics, suppression_mask
from kansenspiegel.geography import municipalities
from kansenspiegel.ingest._contract import AGGREGATED_COLUMNS, MICRODATA_COLUMNS, ColumnSpec
from kansenspiegel.ingest._errors import IngestError, problem
from kansenspiegel.ingest._read import read_table
from kansenspiegel.ingest._validate import own_characteristics, validate_aggregated, validate_microdata
from kansenspiegel.stats import compute_metrics
from kansenspiegel.store import DERIVED_TABLES, Store

Kind = Literal["auto", "microdata", "aggregated"]
Progress = Callable[[str], None]

PERSONS_SCHEMA = ibis.schema(
    {
        "dataset": "string",
        "person_key": "string",
        "year": "int32",
        "municipality": "string",
        **{c: "string" for c in CHARACTERISTIC_NAMES},
        "age": "int64",
        "provision": "boolean",
        **{f"provision_{c}": "boolean" for c in PROVISION_TYPES},
        "employed_1m": "boolean",
        "employed_6m": "boolean",
        "education_level": "string",
        "dutch_language_level": "string",
        "months_on_benefit": "int64",
        "recent_work_experience": "boolean",
        "ladder_start": "int64",
        "ladder_end": "int64",
        **{c: "string" for c in OWN_SLOTS},
    }
)
COUNTS_SCHEMA = ibis.schema(
    {
        "dataset": "string",
        "year": "int32",
        "geo_level": "string",
        "geography": "string",
        **{c: "string" for c in CHARACTERISTIC_NAMES},
        **{c: "int64" for c in COUNT_COLUMNS},
        **{c: "string" for c in OWN_SLOTS},
    }
)
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


def detect_kind(frame: pd.DataFrame) -> str:
    """A table of counts has a population column and no person key, under any accepted name
    (``bijstandspopulatie``, ``persoonsnummer`` …)."""

    def names(specs: tuple[ColumnSpec, ...], column: str) -> set[str]:
        spec = next(s for s in specs if s.name == column)
        return {spec.name, *spec.aliases}

    cols = {str(c).strip().lower().replace(" ", "_") for c in frame.columns}
    counts = bool(cols & names(AGGREGATED_COLUMNS, "population"))
    persons = bool(cols & names(MICRODATA_COLUMNS, "person_key"))
    return "aggregated" if counts and not persons else "microdata"


def ingest_file(
    store: Store,
    path: str | Path,
    *,
    dataset: str | None = None,
    kind: Kind = "auto",
    replace: bool = False,
    synthetic: bool = False,
    characteristics: tuple[str, ...] = (),
    progress: Progress = _quiet,
) -> IngestResult:
    """Read, validate and load a file. On any problem nothing is stored and `IngestError` says why.
    ``characteristics``: columns to use as own characteristics besides those headed ``kenmerk:``."""
    path = Path(path)
    progress(f"reading {path.name}")
    frame, first_row = read_table(path)
    return ingest_frame(
        store,
        frame,
        source=str(path),
        first_row=first_row,
        dataset=dataset or (re.sub(r"[^\w .-]", "_", path.stem).lstrip(" ._-")[:64] or "data"),
        kind=kind,
        replace=replace,
        synthetic=synthetic,
        characteristics=characteristics,
        progress=progress,
    )


#: What a dataset may be called: letters (also ë, é), digits, space, '.', '_' and '-', starting
#: with a letter or digit (so never with '=', '+', '-' or '@', which Excel would run as a formula).
DATASET_NAME = r"[^\W_][\w .-]{0,63}"


def ingest_frame(
    store: Store,
    frame: pd.DataFrame,
    *,
    source: str,
    dataset: str,
    first_row: int = 1,
    kind: Kind = "auto",
    replace: bool = False,
    synthetic: bool = False,
    characteristics: tuple[str, ...] = (),
    progress: Progress = _quiet,
) -> IngestResult:
    """Validate and load a DataFrame (microdata or aggregated counts) as ``dataset``."""
    if not re.fullmatch(DATASET_NAME, dataset):
        # a name is shown in lists and written into CSV: no leading '=', '+', '-', '@' (a formula in Excel)
        raise IngestError(source, [problem("dataset_name", "bad_dataset_name", value=dataset[:100])])
    kind_used = detect_kind(frame) if kind == "auto" else kind
    progress("validating")
    if kind_used == "microdata":
        clean = validate_microdata(frame, source, first_row, characteristics)
    else:
        clean = validate_aggregated(frame, source, first_row, characteristics)
    own = own_characteristics(clean)
    years = tuple(sorted(int(y) for y in clean["year"].unique()))
    exists = dataset in store.dataset_names()
    if exists and not replace:
        raise IngestError(source, [problem("new_dataset", "dataset_exists", value=dataset)])
    with store.transaction():
        if exists:
            store.delete_dataset(dataset)
        for table, schema in (("persons", PERSONS_SCHEMA), ("counts", COUNTS_SCHEMA)):
            store.add_missing_columns(table, schema)  # a database made before own characteristics
        if own:
            store.append("characteristics", ibis.memtable(characteristic_rows(dataset, own), schema=CHARACTERISTICS_SCHEMA))
        if kind_used == "microdata":
            progress("storing persons (keys hashed)")
            persons = ibis.memtable(_conform(clean.assign(dataset=dataset), PERSONS_SCHEMA), schema=PERSONS_SCHEMA)
            salted = store.pseudonym(persons.person_key)  # HMAC with a key kept outside the database
            if not store.has("persons"):
                store.con.create_table("persons", schema=PERSONS_SCHEMA)
            store.con.insert("persons", persons.mutate(person_key=salted).select(*PERSONS_SCHEMA.names))
            progress("counting")
            counts_expr = fine_counts(store.table("persons").filter(ibis._.dataset == dataset))
        else:
            counts_expr = ibis.memtable(_conform(clean.assign(dataset=dataset), COUNTS_SCHEMA), schema=COUNTS_SCHEMA)
        if not store.has("counts"):
            store.con.create_table("counts", schema=COUNTS_SCHEMA)
        store.con.insert("counts", counts_expr.select(*COUNTS_SCHEMA.names).cast(COUNTS_SCHEMA))
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
                    "rows": [len(clean)],
                    "loaded_at": [dt.datetime.now().replace(microsecond=0)],
                }
            ),
        )
    return IngestResult(dataset, kind_used, len(clean), years, cube_rows, metric_rows)


def characteristic_rows(dataset: str, own: list[Characteristic]) -> pd.DataFrame:
    rows: list[tuple[str, int, str, str, str | None, str | None, int]] = []
    for position, spec in enumerate(own, start=1):
        rows.append((dataset, position, spec.name, spec.label("nl"), None, None, 0))
        for i, code in enumerate(spec.known_codes, start=1):
            label = spec.groups[code]
            value = dict(label.params)["value"] if isinstance(label, Filled) else label("nl")  # the file's own word
            rows.append((dataset, position, spec.name, spec.label("nl"), code, value, i))
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
    store.append("cube", cube_expr.order_by(["year", "geography", "grouping", "group"]))
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
        store.append("metrics", ibis.memtable(metrics).order_by(["geography"]))
        mask = suppression_mask(cube, PUBLIC)
        published = publish_metrics(metrics, PUBLIC, mask=mask)
        store.append("suppression", ibis.memtable(mask_table(mask, dataset, year)))
        store.append("published", ibis.memtable(published.reset_index(drop=True)).order_by(["geography"]))
        cube_rows += len(cube)
        metric_rows += len(metrics)
        del cube, metrics, mask, published
    return cube_rows, metric_rows


def _conform(frame: pd.DataFrame, schema: ibis.Schema) -> pd.DataFrame:
    """Frame with exactly the schema's columns (absent optional ones as missing values)."""
    out = pd.DataFrame(index=frame.index)
    for name, dtype in schema.items():
        if name in frame.columns:
            out[name] = frame[name]
        else:
            out[name] = pd.Series(pd.NA, index=frame.index, dtype="string" if dtype.is_string() else ("boolean" if dtype.is_boolean() else "Int64"))
    return out
