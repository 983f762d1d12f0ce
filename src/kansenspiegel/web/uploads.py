"""Receiving a client file for a check: size limit, allowed names, content sniffing; nothing kept."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from fastapi import HTTPException, Request, UploadFile

from kansenspiegel.ingest import ValidationReport, validate_file

#: Largest upload accepted (bytes); a whole country's file belongs on the command line.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")


async def check_upload(request: Request, file: UploadFile) -> ValidationReport:
    """Validate an uploaded file in a temporary folder (deleted afterwards) and report.

    The uploaded name is only shown, never used as a path; too big → 413; a name or content
    that is not a supported table → 415."""
    limit = getattr(request.app.state, "max_upload_bytes", MAX_UPLOAD_BYTES)
    name = PurePath((file.filename or "upload").replace("\\", "/")).name or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise HTTPException(415, f"{name}: unsupported file type {suffix or '(none)'}; send a .csv, .xlsx or .parquet file")
    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        target = Path(tmp) / f"upload{suffix}"
        size = 0
        with target.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"{name}: larger than {limit // (1024 * 1024)} MiB; load big files with 'kansenspiegel ingest'")
                out.write(chunk)
        report = validate_file(target, name=name)
    if not report.ok and report.problems and report.problems[0].message.startswith("the content is"):
        raise HTTPException(415, f"{name}: {report.problems[0].message}")
    return report
