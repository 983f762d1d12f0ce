"""Check a file against the data contract without loading it: the validation report."""

from __future__ import annotations

from pathlib import Path

import ibis
from pydantic import BaseModel

from kansenspiegel.ingest._errors import IngestError, Problem, problem
from kansenspiegel.ingest._load import detect_kind
from kansenspiegel.ingest._read import Limits, open_rows
from kansenspiegel.ingest._validate import validate_aggregated, validate_microdata

#: Magic bytes of the binary formats (a CSV is anything else that decodes as text).
SIGNATURES = {".xlsx": b"PK\x03\x04", ".parquet": b"PAR1"}


class ValidationReport(BaseModel):
    file: str
    ok: bool
    kind: str | None = None
    rows: int = 0
    years: list[int] = []
    #: the municipalities (microdata) or areas (a table of counts) the file holds
    areas: list[str] = []
    total_problems: int = 0
    problems: list[Problem] = []
    #: the file's own characteristics (``kenmerk:statushouder``): name, label and groups
    own_characteristics: list[dict[str, object]] = []


#: Problems with the content itself (the file is not the table its name says): message ids.
CONTENT_PROBLEMS = ("not_this_type", "binary_not_csv")
#: A file beyond the limits of what may be uploaded: message ids.
LIMIT_PROBLEMS = ("too_many_rows", "too_many_columns", "cell_too_long", "unpacks_too_big")
#: Problems listed in a report at most; ``total_problems`` counts them all.
MAX_REPORTED = 1_000


def sniff(head: bytes, suffix: str) -> Problem | None:
    """The problem with a file's content given its name, or None when the two agree."""
    suffix = suffix.lower()
    if suffix in SIGNATURES:
        return None if head.startswith(SIGNATURES[suffix]) else problem("matching_content", "not_this_type", suffix=suffix)
    if suffix in (".csv", ".txt"):
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))  # Excel's "Unicode-tekst" export
        if any(head.startswith(sig) for sig in SIGNATURES.values()) or (b"\x00" in head and not utf16):
            return problem("matching_content", "binary_not_csv")
        return None
    return problem("file_type", "unsupported_type", value=suffix or "-")


def validate_file(path: str | Path, *, name: str | None = None, limits: Limits | None = None) -> ValidationReport:
    """Read and validate ``path``; nothing is stored. ``name`` is the file name to report;
    ``limits`` (uploads) hold while the file is read."""
    path = Path(path)
    shown = name or path.name
    try:
        found = None
        if path.exists():
            with path.open("rb") as fh:
                found = sniff(fh.read(512), path.suffix)
        if found:
            raise IngestError(shown, [found])
        con = ibis.duckdb.connect()  # in memory: nothing of the file is stored
        with open_rows(path, con, limits) as rows:
            kind = detect_kind(rows.header)
            clean = (validate_microdata if kind == "microdata" else validate_aggregated)(rows, shown)
            where = "municipality" if kind == "microdata" else "geography"
            found = clean.table.select("year", area=clean.table[where]).distinct().to_pandas()
        con.disconnect()
    except IngestError as exc:
        return ValidationReport(file=shown, ok=False, total_problems=exc.total, problems=exc.problems[:MAX_REPORTED])
    own: list[dict[str, object]] = [{"name": c.name, "label": c.label("nl"), "groups": [c.groups[g]("nl") for g in c.known_codes]} for c in clean.own]
    return ValidationReport(
        file=shown,
        ok=True,
        kind=kind,
        rows=clean.rows,
        years=sorted({int(y) for y in found["year"]}),
        areas=sorted({str(a) for a in found["area"]}),
        own_characteristics=own,
    )
