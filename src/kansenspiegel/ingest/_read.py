"""Readers: CSV (``;`` or ``,``; UTF-8, UTF-16 or Windows-1252), XLSX and Parquet into a pandas
DataFrame of text.

With `Limits` (uploads from the web), every limit holds *while reading*: a file that breaks one
stops being read at that point, so a small file that unpacks to gigabytes, a sheet of a million
rows or a header of 100,000 columns costs no more than the limit allows. Without limits (the
command line, a trusted analyst's own files) the readers read everything.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pandas as pd

from kansenspiegel.ingest._errors import IngestError, problem

SUPPORTED = (".csv", ".txt", ".xlsx", ".parquet")


@dataclass(frozen=True)
class Limits:
    """What one file may hold. The contract has 25 columns; a real client file a few hundred
    thousand rows; no cell needs more than a few hundred characters."""

    max_rows: int = 1_000_000
    max_columns: int = 100
    max_cell_chars: int = 1_000
    #: bytes an XLSX may unpack to, and how many times its own size
    max_unpacked_bytes: int = 400 * 1024 * 1024
    max_ratio: int = 200


def read_table(path: Path, limits: Limits | None = None) -> tuple[pd.DataFrame, int]:
    """Read a file; return the frame and the row number of its first data row (header = row 1)."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, [problem("existing_file", "file_not_found")])
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(path, [problem("file_type", "unsupported_type", value=suffix or "-")])
    try:
        if suffix == ".parquet":
            frame = _read_parquet(path, limits)
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, limits)
        else:
            frame = _read_csv(path, limits)
    except IngestError:
        raise
    except Exception as exc:  # a reader's own error: report it (without our paths), never a traceback
        raise IngestError(path, [problem("readable", "cannot_read", error=str(exc).replace(str(path), path.name)[:300])]) from exc
    if limits is not None:
        _check_cells(path, frame, limits)
    return frame, 2  # numbered like a spreadsheet: the first record is row 2


def _too_many(path: Path, what: str, limit: int) -> IngestError:
    return IngestError(path, [problem("within_limit", "too_many_" + what, limit=f"{limit:,}".replace(",", "."))])


def _unpacks_too_big(path: Path, limits: Limits) -> IngestError:
    return IngestError(path, [problem("within_limit", "unpacks_too_big", limit=f"{limits.max_unpacked_bytes // (1024 * 1024)} MiB")])


def _check_columns(path: Path, n: int, limits: Limits | None) -> None:
    if limits is not None and n > limits.max_columns:
        raise _too_many(path, "columns", limits.max_columns)


def _check_cells(path: Path, frame: pd.DataFrame, limits: Limits) -> None:
    """No cell longer than the limit (vectorised per column; the rows are already bounded)."""
    for column in frame.columns:
        if len(str(column)) > limits.max_cell_chars:
            raise IngestError(path, [problem("within_limit", "cell_too_long", row=1, limit=limits.max_cell_chars)])
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            lengths = values.astype("string").str.len()
            long = lengths > limits.max_cell_chars
            if long.any():
                row = int(long.to_numpy().nonzero()[0][0]) + 2
                raise IngestError(path, [problem("within_limit", "cell_too_long", row=row, column=str(column)[:100], limit=limits.max_cell_chars)])


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode-tekst" export
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # Dutch Excel writes Windows-1252


def _read_csv(path: Path, limits: Limits | None) -> pd.DataFrame:
    raw = path.read_bytes()  # an upload's size is bounded before it reaches here
    if not raw.strip():
        raise IngestError(path, [problem("header_and_rows", "empty_file")])
    text = _decode(raw)
    del raw
    header = text[: text.find("\n") if "\n" in text else len(text)]
    if limits is not None and len(header) > limits.max_columns * (limits.max_cell_chars + 1):
        raise _too_many(path, "columns", limits.max_columns)
    try:
        sep = csv.Sniffer().sniff(header[:10_000], delimiters=";,\t").delimiter
    except csv.Error:
        sep = ","
    _check_columns(path, header.count(sep) + 1, limits)
    nrows = None if limits is None else limits.max_rows + 1
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True, nrows=nrows)
    if limits is not None and len(frame) > limits.max_rows:
        raise _too_many(path, "rows", limits.max_rows)
    return frame


def _read_xlsx(path: Path, limits: Limits | None) -> pd.DataFrame:
    """The first sheet, read row by row (openpyxl's streaming mode), after checking what the
    zip would unpack to: a bomb is refused before a byte of it is unpacked."""
    from openpyxl import load_workbook

    if limits is not None:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_unpacked_bytes or unpacked > limits.max_ratio * max(path.stat().st_size, 1):
            raise _unpacks_too_big(path, limits)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        declared = sheet.max_row if limits is not None else None  # from the sheet's <dimension>, when it has one
        if limits is not None and declared is not None and declared > limits.max_rows + 1:
            raise _too_many(path, "rows", limits.max_rows)
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return pd.DataFrame()
        _check_columns(path, len(header), limits)
        width = len(header)
        take = None if limits is None else limits.max_rows + 1
        body = [[("" if v is None else _cell_text(v)) for v in row[:width]] for row in islice(rows, take)]
    finally:
        book.close()
    if limits is not None and len(body) > limits.max_rows:
        raise _too_many(path, "rows", limits.max_rows)
    names = [("" if h is None else str(h)) for h in header]
    frame = pd.DataFrame(body, columns=names, dtype=object) if body else pd.DataFrame(columns=names)
    # a sheet often ends with rows that were once filled: they are not data
    if len(frame):
        frame = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    return frame


def _cell_text(value: object) -> str:
    """A cell as the text a person typed: whole numbers without '.0', dates as YYYY-MM-DD."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()  # type: ignore[union-attr]
    return str(value)


def _read_parquet(path: Path, limits: Limits | None) -> pd.DataFrame:
    """Parquet says in its footer how many rows and columns it holds: checked before reading."""
    import pyarrow.parquet as pq

    if limits is not None:
        meta = pq.ParquetFile(path).metadata
        _check_columns(path, meta.num_columns, limits)
        if meta.num_rows > limits.max_rows:
            raise _too_many(path, "rows", limits.max_rows)
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if unpacked > limits.max_unpacked_bytes:
            raise _unpacks_too_big(path, limits)
    return pd.read_parquet(path)
