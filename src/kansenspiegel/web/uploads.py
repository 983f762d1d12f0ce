"""Receiving a client file for a check: size limit, allowed names, content sniffing; nothing kept."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from kansenspiegel.errors import UserError
from kansenspiegel.ingest import CONTENT_PROBLEMS, LIMIT_PROBLEMS, Limits, ValidationReport, validate_file

#: Largest upload accepted (bytes); a whole country's file belongs on the command line.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Most data rows accepted in an upload.
MAX_UPLOAD_ROWS = 1_000_000
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
#: Checks that run at once; one more is told to come back (429) instead of queueing memory.
MAX_CONCURRENT_CHECKS = 2


def _slots(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "check_slots", None) is None:
        state.check_slots = asyncio.Semaphore(getattr(state, "max_concurrent_checks", MAX_CONCURRENT_CHECKS))
    return state.check_slots  # type: ignore[no-any-return]


async def check_upload(request: Request, file: UploadFile, then: Callable[[Path, ValidationReport], None] | None = None) -> ValidationReport:
    """Validate an uploaded file in a temporary folder (deleted afterwards) and report; when it
    is valid, ``then(path, report)`` runs while the file still exists (to load it).

    The uploaded name is only shown, never used as a path; too big (bytes or rows) → 413; a name
    or content that is not a supported table → 415."""
    limit = getattr(request.app.state, "max_upload_bytes", MAX_UPLOAD_BYTES)
    max_rows = getattr(request.app.state, "max_upload_rows", MAX_UPLOAD_ROWS)
    name = PurePath((file.filename or "upload").replace("\\", "/")).name[:200] or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UserError("error.upload_type", 415, file=name, suffix=suffix or "-")
    slots = _slots(request)
    if slots.locked():
        raise UserError("error.busy", 429)
    async with slots:
        return await _check(request, file, name, suffix, limit, Limits(max_rows=max_rows), then)


def upload_dir() -> Path:
    """The server's private folder for uploads being checked (0700, this user's only). Files in it
    live only while their check runs; `clean_upload_dir` empties it when the server starts, so
    not even a crash (kill -9) in the middle of a check leaves a client file behind."""
    folder = Path(tempfile.gettempdir()) / f"kansenspiegel-uploads-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        raise RuntimeError(f"{folder} is not this user's own folder")
    folder.chmod(0o700)
    return folder


def clean_upload_dir() -> int:
    """Remove what a crashed check left behind; returns how many files were removed."""
    removed = 0
    for leftover in upload_dir().iterdir():
        if leftover.is_dir() and not leftover.is_symlink():
            removed += sum(1 for _ in leftover.rglob("*"))
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


async def _check(
    request: Request, file: UploadFile, name: str, suffix: str, limit: int, limits: Limits, then: Callable[[Path, ValidationReport], None] | None
) -> ValidationReport:
    with tempfile.TemporaryDirectory(prefix="check-", dir=upload_dir()) as tmp:
        target = Path(tmp) / f"upload{suffix}"
        size = 0
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise UserError("error.upload_too_big", 413, file=name, mib=limit // (1024 * 1024))
                out.write(chunk)
        report = await run_in_threadpool(validate_file, target, name=name, limits=limits)
        if not report.ok and report.problems and report.problems[0].message_id in LIMIT_PROBLEMS:
            raise UserError("error.upload_limit", 413, file=name, problem=report.problems[0].message_text)
        if report.ok and then is not None:
            await run_in_threadpool(then, target, report)
    if not report.ok and report.problems and report.problems[0].message_id in CONTENT_PROBLEMS:
        raise UserError("error.upload_not_a_table", 415, file=name, problem=report.problems[0].message_text)
    return report
