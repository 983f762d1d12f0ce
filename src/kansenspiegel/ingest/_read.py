"""Readers: CSV (``;`` or ``,``; UTF-8 or Windows-1252), XLSX and Parquet into a pandas DataFrame."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from kansenspiegel.ingest._errors import IngestError, problem

SUPPORTED = (".csv", ".txt", ".xlsx", ".parquet")


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Read a file; return the frame and the row number of its first data row (header = row 1)."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, [problem("existing_file", "file_not_found")])
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(path, [problem("file_type", "unsupported_type", value=suffix or "-")])
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path), 2  # numbered like a spreadsheet too: first record = row 2
        if suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
            return frame, 2
        return _read_csv(path), 2
    except IngestError:
        raise
    except Exception as exc:  # a reader's own error: report it, never a traceback
        raise IngestError(path, [problem("readable", "cannot_read", error=str(exc))]) from exc


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(path, [problem("header_and_rows", "empty_file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Dutch Excel writes Windows-1252
    header = text.splitlines()[0]
    try:
        sep = csv.Sniffer().sniff(header, delimiters=";,\t").delimiter
    except csv.Error:
        sep = ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True)
