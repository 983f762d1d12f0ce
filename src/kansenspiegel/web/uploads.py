"""Receiving a client file for a check: size limit, allowed names, content sniffing; nothing kept."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from kansenspiegel.errors import UserError
from kansenspiegel.formatting import fmt_int
from kansenspiegel.ingest import CONTENT_PROBLEMS, ValidationReport, validate_file

#: Largest upload accepted (bytes); a whole country's file belongs on the command line.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Most data rows accepted in an upload.
MAX_UPLOAD_ROWS = 1_000_000
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")


async def check_upload(request: Request, file: UploadFile, then: Callable[[Path, ValidationReport], None] | None = None) -> ValidationReport:
    """Validate an uploaded file in a temporary folder (deleted afterwards) and report; when it
    is valid, ``then(path, report)`` runs while the file still exists (to load it).

    The uploaded name is only shown, never used as a path; too big (bytes or rows) → 413; a name
    or content that is not a supported table → 415."""
    limit = getattr(request.app.state, "max_upload_bytes", MAX_UPLOAD_BYTES)
    name = PurePath((file.filename or "upload").replace("\\", "/")).name or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UserError("error.upload_type", 415, file=name, suffix=suffix or "-")
    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        target = Path(tmp) / f"upload{suffix}"
        size = 0
        with target.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise UserError("error.upload_too_big", 413, file=name, mib=limit // (1024 * 1024))
                out.write(chunk)
        report = await run_in_threadpool(validate_file, target, name=name)
        max_rows = getattr(request.app.state, "max_upload_rows", MAX_UPLOAD_ROWS)
        if report.rows > max_rows:
            raise UserError("error.upload_rows", 413, file=name, rows=fmt_int(report.rows), limit=fmt_int(max_rows))
        if report.ok and then is not None:
            await run_in_threadpool(then, target, report)
    if not report.ok and report.problems and report.problems[0].message_id in CONTENT_PROBLEMS:
        raise UserError("error.upload_not_a_table", 415, file=name, problem=report.problems[0].message_text)
    return report
