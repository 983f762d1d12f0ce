"""Readers: CSV (``;`` or ``,``; UTF-8, UTF-16 or Windows-1252), XLSX and Parquet.

`open_rows` gives a file's rows as a table of the engine (`Rows`) without holding the file in
memory: DuckDB reads Parquet itself; CSV and XLSX are read in chunks of `CHUNK_ROWS` rows and
written as they come to a private temporary Parquet file (removed afterwards). `read_table`
gives a small file (a list of registrations, say) as one pandas DataFrame of text.

With `Limits` (uploads from the web), every limit holds *while reading*: a file that breaks one
stops being read at that point, so a small file that unpacks to gigabytes, a sheet of a million
rows or a header of 100,000 columns costs no more than the limit allows. Without limits (the
command line, a trusted analyst's own files) the readers read everything.
"""

from __future__ import annotations

import codecs
import csv
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pandas as pd
from ibis.backends import BaseBackend

from kansenspiegel.ingest._errors import IngestError, problem
from kansenspiegel.ingest._validate import ROW, Rows

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


#: Rows per chunk when a CSV or XLSX file is read for the engine.
CHUNK_ROWS = 200_000


def _check_file(path: Path) -> str:
    if not path.exists():
        raise IngestError(path, [problem("existing_file", "file_not_found")])
    if path.is_dir():  # a folder of Parquet files (``year=2018/part-001.parquet`` …): one table
        if not _parts(path):
            raise IngestError(path, [problem("file_type", "unsupported_type", value="-")])
        return ".parquet"
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(path, [problem("file_type", "unsupported_type", value=suffix or "-")])
    return suffix


@contextmanager
def _reader_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except IngestError:
        raise
    except Exception as exc:  # a reader's own error: report it (without our paths), never a traceback
        raise IngestError(path, [problem("readable", "cannot_read", error=str(exc).replace(str(path), path.name)[:300])]) from exc


def read_table(path: Path, limits: Limits | None = None) -> tuple[pd.DataFrame, int]:
    """Read a file; return the frame and the row number of its first data row (header = row 1)."""
    path = Path(path)
    suffix = _check_file(path)
    with _reader_errors(path):
        if suffix == ".parquet":
            frame = _read_parquet(path, limits)
        else:
            chunks = list(_chunks(path, suffix, limits))
            frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    return frame, 2  # numbered like a spreadsheet: the first record is row 2


def _chunks(path: Path, suffix: str, limits: Limits | None, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A CSV or XLSX file's rows in chunks of text (the first chunk also when there are no rows)."""
    first = 2
    for chunk in _xlsx_chunks(path, limits, size) if suffix == ".xlsx" else _csv_chunks(path, limits, size):
        if limits is not None:
            _check_cells(path, chunk, limits, first)
        first += len(chunk)
        yield chunk


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet") if p.is_file())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def open_rows(path: Path, con: BaseBackend, limits: Limits | None = None) -> Iterator[Rows]:
    """A file's rows as a table of ``con`` (DuckDB), numbered as in a spreadsheet; a CSV or XLSX
    file goes through a temporary Parquet file (mode 0600 in a private folder, removed when the
    block ends), so no more than one chunk of it is ever in memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    suffix = _check_file(path)
    folder = None
    try:
        with _reader_errors(path):
            if suffix == ".parquet":
                parts = _parts(path) if path.is_dir() else [path]
                if limits is not None:
                    for part in parts:
                        _check_parquet(part, limits)
                source, header = path, tuple(pq.ParquetFile(parts[0]).schema_arrow.names)
                # rows numbered on through the parts, in the order of their names
                firsts, first = [], 2
                for part in parts:
                    firsts.append(f"({_literal(str(part))}, {first})")
                    first += pq.ParquetFile(part).metadata.num_rows
                staged = False
            else:
                folder = Path(tempfile.mkdtemp(prefix="kansenspiegel-"))  # 0700: only we can read it
                source = folder / "rows.parquet"
                writer = None
                row = 2
                for chunk in _chunks(path, suffix, limits):
                    if writer is None:
                        header = tuple(str(c) for c in chunk.columns)
                        schema = pa.schema([*(pa.field(f"c{i}", pa.string()) for i in range(len(header))), pa.field(ROW, pa.int64())])
                        sink = os.fdopen(os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
                        writer = pq.ParquetWriter(sink, schema)
                    arrays = [pa.array(chunk.iloc[:, i].to_numpy(dtype=object), type=pa.string(), from_pandas=True) for i in range(len(header))]
                    writer.write_table(pa.Table.from_arrays([*arrays, pa.array(range(row, row + len(chunk)), pa.int64())], schema=schema))
                    row += len(chunk)
                assert writer is not None
                writer.close()
                sink.close()
                staged = True
            if staged:
                table = con.sql(f"SELECT * FROM read_parquet({_literal(str(source))})")
            else:
                columns = "".join(f'p."{name.replace(chr(34), chr(34) * 2)}" AS c{i}, ' for i, name in enumerate(header))
                files = ", ".join(_literal(str(part)) for part in parts)
                table = con.sql(
                    f"SELECT {columns}p.file_row_number + f.first AS {ROW} "
                    f"FROM read_parquet([{files}], file_row_number = true, filename = true, hive_partitioning = false) AS p "
                    f"JOIN (VALUES {', '.join(firsts)}) AS f(name, first) ON p.filename = f.name"
                )
        yield Rows(header, table, con)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _too_many(path: Path, what: str, limit: int) -> IngestError:
    return IngestError(path, [problem("within_limit", "too_many_" + what, limit=f"{limit:,}".replace(",", "."))])


def _unpacks_too_big(path: Path, limits: Limits) -> IngestError:
    return IngestError(path, [problem("within_limit", "unpacks_too_big", limit=f"{limits.max_unpacked_bytes // (1024 * 1024)} MiB")])


def _check_columns(path: Path, n: int, limits: Limits | None) -> None:
    if limits is not None and n > limits.max_columns:
        raise _too_many(path, "columns", limits.max_columns)


def _check_cells(path: Path, frame: pd.DataFrame, limits: Limits, first: int = 2) -> None:
    """No cell longer than the limit (vectorised per column; the rows are already bounded)."""
    for column in frame.columns:
        if first == 2 and len(str(column)) > limits.max_cell_chars:
            raise IngestError(path, [problem("within_limit", "cell_too_long", row=1, limit=limits.max_cell_chars)])
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            lengths = values.astype("string").str.len()
            long = lengths > limits.max_cell_chars
            if long.any():
                row = int(long.to_numpy().nonzero()[0][0]) + first
                raise IngestError(path, [problem("within_limit", "cell_too_long", row=row, column=str(column)[:100], limit=limits.max_cell_chars)])


def _encoding(path: Path) -> str:
    """UTF-16 (Excel's "Unicode-tekst" export), else UTF-8 when the whole file decodes as UTF-8
    (checked as a stream), else Windows-1252 (what Dutch Excel writes)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _blank(path: Path) -> bool:
    """True when a file holds nothing but white space (read in blocks, stops at the first sign)."""
    with path.open("rb") as fh:
        while block := fh.read(1 << 16):
            if block.strip():
                return False
    return True


def _csv_chunks(path: Path, limits: Limits | None, size: int) -> Iterator[pd.DataFrame]:
    if _blank(path):
        raise IngestError(path, [problem("header_and_rows", "empty_file")])
    encoding = _encoding(path)
    errors = "replace" if encoding == "cp1252" else "strict"
    cap = -1 if limits is None else limits.max_columns * (limits.max_cell_chars + 1)
    with path.open(encoding=encoding, errors=errors, newline="") as fh:
        header = fh.readline(cap + 1 if cap >= 0 else -1).rstrip("\r\n")
    if cap >= 0 and len(header) > cap:
        raise _too_many(path, "columns", limits.max_columns if limits else 0)
    try:
        sep = csv.Sniffer().sniff(header[:10_000], delimiters=";,\t").delimiter
    except csv.Error:
        sep = ","
    _check_columns(path, header.count(sep) + 1, limits)
    nrows = None if limits is None else limits.max_rows + 1
    options = dict(sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True, nrows=nrows, encoding=encoding, encoding_errors=errors)
    seen = 0
    with pd.read_csv(path, chunksize=size, **options) as reader:  # type: ignore[call-overload]
        for chunk in reader:
            seen += len(chunk)
            if limits is not None and seen > limits.max_rows:
                raise _too_many(path, "rows", limits.max_rows)
            chunk.index = range(seen - len(chunk), seen)
            yield chunk
    if seen == 0:
        yield pd.read_csv(path, **options)


def _xlsx_chunks(path: Path, limits: Limits | None, size: int) -> Iterator[pd.DataFrame]:
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
            yield pd.DataFrame()
            return
        _check_columns(path, len(header), limits)
        width = len(header)
        names = [("" if h is None else str(h)) for h in header]
        take = None if limits is None else limits.max_rows + 1
        body = islice(rows, take)
        read = kept = 0
        while True:
            part = [[("" if v is None else _cell_text(v)) for v in row[:width]] for row in islice(body, size)]
            read += len(part)
            if limits is not None and read > limits.max_rows:
                raise _too_many(path, "rows", limits.max_rows)
            frame = pd.DataFrame(part, columns=names, dtype=object) if part else pd.DataFrame(columns=names)
            # a sheet often ends with rows that were once filled: they are not data
            if len(frame):
                frame = frame[(frame != "").any(axis=1)]
            frame.index = range(kept, kept + len(frame))
            if len(frame) or (kept == 0 and len(part) < size):  # rows, or the header of a sheet without any
                yield frame
            kept += len(frame)
            if len(part) < size:
                return
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A cell as the text a person typed: whole numbers without '.0', dates as YYYY-MM-DD."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()  # type: ignore[union-attr]
    return str(value)


def _check_parquet(path: Path, limits: Limits) -> None:
    """Parquet says in its footer how many rows and columns it holds: checked before reading."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    _check_columns(path, meta.num_columns, limits)
    if meta.num_rows > limits.max_rows:
        raise _too_many(path, "rows", limits.max_rows)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > limits.max_unpacked_bytes:
        raise _unpacks_too_big(path, limits)


def _read_parquet(path: Path, limits: Limits | None) -> pd.DataFrame:
    if limits is not None:
        _check_parquet(path, limits)
    return pd.read_parquet(path)
