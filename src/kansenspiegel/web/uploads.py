"""Receiving a client file for a check: size limit, allowed names, content sniffing; nothing kept."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from kansenspiegel.formatting import fmt_int
from kansenspiegel.ingest import ValidationReport, validate_file
from kansenspiegel.web.i18n import UserError, problem_text

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
        raise UserError(415, f"{name}: unsupported file type {suffix or '(none)'}; send a .csv, .xlsx or .parquet file",
                        f"{name}: bestandstype {suffix or '(geen)'} wordt niet ondersteund; stuur een .csv-, .xlsx- of .parquet-bestand")
    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        target = Path(tmp) / f"upload{suffix}"
        size = 0
        with target.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise UserError(413, f"{name}: larger than {limit // (1024 * 1024)} MiB; load big files with 'kansenspiegel ingest'",
                                    f"{name}: groter dan {limit // (1024 * 1024)} MiB; lees grote bestanden in met 'kansenspiegel ingest'")
                out.write(chunk)
        report = await run_in_threadpool(validate_file, target, name=name)
        max_rows = getattr(request.app.state, "max_upload_rows", MAX_UPLOAD_ROWS)
        if report.rows > max_rows:
            raise UserError(413, f"{name}: {report.rows:,} rows, more than {max_rows:,}; load big files with 'kansenspiegel ingest'",
                            f"{name}: {fmt_int(report.rows)} rijen, meer dan {fmt_int(max_rows)}; lees grote bestanden in met 'kansenspiegel ingest'")
        if report.ok and then is not None:
            await run_in_threadpool(then, target, report)
    if not report.ok and report.problems and report.problems[0].message.startswith("the content is"):
        raise UserError(415, f"{name}: {report.problems[0].message}", f"{name}: {problem_text(report.problems[0].message, 'nl')}")
    return report
