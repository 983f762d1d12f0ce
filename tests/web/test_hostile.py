"""Hostile uploads: every limit holds while the file is read, not after.

Each test sends what an attacker (or an unlucky export) would: a body far beyond the limit, a
small XLSX that unpacks to a giant cell, a small Parquet of millions of rows, a header of
100,000 columns, endless problems, many checks at once. The answer is a clear refusal, fast,
and the report never echoes a value back whole. Smaller limits are set on the app where a
test would otherwise need hundreds of megabytes.
"""

from __future__ import annotations

import asyncio
import io
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kansenspiegel.ingest import MAX_REPORTED, Limits, validate_file
from kansenspiegel.web import create_app
from kansenspiegel.web.uploads import upload_dir
from tests.conftest import make_persons


def _post(client: TestClient, name: str, content: bytes, path: str = "/api/v1/validate"):  # type: ignore[no-untyped-def]
    return client.post(path, files={"file": (name, content, "application/octet-stream")})


@pytest.fixture(scope="module")
def small_app(demo_2018_db: Path) -> Iterator[TestClient]:
    """A server whose uploads may hold 1 MiB and 1,000 rows."""
    app = create_app(demo_2018_db)
    app.state.max_upload_bytes = 1024 * 1024
    app.state.max_upload_rows = 1_000
    with TestClient(app) as c:
        yield c


def _answer(s: socket.socket) -> str:
    """Everything the server sends until it closes the connection (or 10 s pass)."""
    chunks = []
    s.settimeout(10)
    try:
        while chunk := s.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks).decode("latin-1")


def _multipart_head(boundary: str) -> bytes:
    return f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'.encode()


def test_a_huge_body_is_refused_before_it_is_received(live_server: str) -> None:
    """A request that announces 400 MB gets its 413 after the first bytes, not after 400 MB."""
    url = urlparse(live_server)
    head = (
        f"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {400 * 1024 * 1024}\r\n\r\n"
    ).encode() + _multipart_head("xyz")
    started = time.perf_counter()
    with socket.create_connection((url.hostname, url.port), timeout=15) as s:
        s.sendall(head + b"x" * (256 * 1024))
        answer = _answer(s)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "larger than 50 MiB" in answer and time.perf_counter() - started < 10


def test_a_streamed_body_is_cut_off_at_the_limit(live_server: str) -> None:
    """Without a Content-Length (chunked) the bytes are counted as they arrive: the answer (413)
    comes soon after the limit of 50 MiB, while the client would go on sending up to 400 MiB."""
    url = urlparse(live_server)
    head = (
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * (1024 * 1024)
    sent = 0
    with socket.create_connection((url.hostname, url.port), timeout=15) as s:
        s.sendall(head)
        first = _multipart_head("xyz")
        s.sendall(f"{len(first):x}\r\n".encode() + first + b"\r\n")
        s.settimeout(5)
        try:
            for _ in range(400):
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading
        answer = _answer(s)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "groter dan 50 MiB" in answer  # the page's language: Dutch
    assert sent < 60 * 1024 * 1024, f"{sent / 2**20:.0f} MiB were accepted for a 50 MiB limit"


def _xlsx_with_cell(text_length: int) -> bytes:
    """An XLSX with one cell of ``text_length`` characters (beyond what Excel itself writes)."""
    frame = make_persons(3)
    frame.loc[0, "municipality"] = "BIGCELL"
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info).replace(b"BIGCELL", b"G" * text_length))
    return out.getvalue()


def test_a_small_xlsx_that_unpacks_to_a_giant_cell_is_refused_unread(small_app: TestClient) -> None:
    body = _xlsx_with_cell(20_000_000)  # about 20 kB on the wire, 20 MB unpacked
    assert len(body) < 100_000
    started = time.perf_counter()
    response = _post(small_app, "clients.xlsx", body)
    assert response.status_code == 413 and "unpacks to more than" in response.json()["detail"]
    assert time.perf_counter() - started < 5 and len(response.content) < 2_000  # nothing echoed back


def test_a_long_cell_is_refused_and_a_long_value_is_cut_short_in_the_report() -> None:
    long = make_persons(5)
    long.loc[2, "gender"] = "x" * 5_000
    path = Path(upload_dir()) / "long-test.csv"
    try:
        long.to_csv(path, index=False)
        report = validate_file(path, limits=Limits())
        assert not report.ok and report.problems[0].message_id == "cell_too_long" and report.problems[0].row == 4
        long.loc[2, "gender"] = "x" * 500  # within the cell limit, but still not a gender
        long.to_csv(path, index=False)
        report = validate_file(path, limits=Limits())
        shown = next(p for p in report.problems if p.column == "gender")
        assert shown.value is not None and len(shown.value) == 101 and shown.value.endswith("…")
    finally:
        path.unlink(missing_ok=True)


def test_a_small_parquet_of_millions_of_rows_is_refused_from_its_footer(small_app: TestClient) -> None:
    frame = pd.DataFrame({"person_key": ["same"] * 2_000_000, "year": [2019] * 2_000_000})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)  # dictionary- and run-length-encoded: a few kB
    assert len(buffer.getvalue()) < 200_000
    started = time.perf_counter()
    response = _post(small_app, "clients.parquet", buffer.getvalue())
    assert response.status_code == 413 and "more than 1.000 rows" in response.json()["detail"]
    assert time.perf_counter() - started < 5


def test_too_many_rows_stop_the_reading_of_csv_and_xlsx(small_app: TestClient) -> None:
    many = make_persons(3_000)
    response = _post(small_app, "clients.csv", many.to_csv(index=False).encode())
    assert response.status_code == 413 and "more than 1.000 rows" in response.json()["detail"]
    buffer = io.BytesIO()
    many.to_excel(buffer, index=False)
    response = _post(small_app, "clients.xlsx", buffer.getvalue())
    assert response.status_code == 413 and "more than 1.000 rows" in response.json()["detail"]


def test_a_header_of_100000_columns_is_refused_at_once(small_app: TestClient) -> None:
    header = ";".join(f"c{i}" for i in range(100_000)).encode()
    started = time.perf_counter()
    response = _post(small_app, "clients.csv", header + b"\n" + b";" * 99_999 + b"\n")
    assert response.status_code == 413 and "more than 100 columns" in response.json()["detail"]
    assert time.perf_counter() - started < 5


def test_a_report_lists_at_most_a_thousand_problems_and_counts_them_all(tmp_path: Path) -> None:
    bad = make_persons(2_000).astype(str)
    for column in ("gender", "municipality", "year", "provision", "employed_1m", "household_type"):
        bad[column] = "?x"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    report = validate_file(tmp_path / "bad.csv", limits=Limits())
    assert report.total_problems >= 6 * 2_000 and len(report.problems) == MAX_REPORTED  # listed: 1,000; counted: all


def test_more_checks_at_once_than_slots_get_a_dutch_429(demo_2018_db: Path) -> None:
    app = create_app(demo_2018_db)
    with TestClient(app) as c:
        app.state.check_slots = asyncio.Semaphore(0)  # every slot taken
        c.get("/upload")
        page = c.post("/upload", files={"file": ("a.csv", b"a;b\n1;2\n", "text/csv")}, data={"csrf": c.cookies.get("ks_csrf")}, headers={"accept": "text/html"})
        assert page.status_code == 429 and "probeer het over een minuut opnieuw" in page.text
        assert _post(c, "a.csv", b"a;b\n1;2\n").status_code == 429


def test_excel_unicode_text_utf16_is_accepted(client: TestClient) -> None:
    """Excel's "Unicode-tekst" export is UTF-16 with tabs: a text file, not binary."""
    body = make_persons(20).to_csv(index=False, sep="\t").encode("utf-16")
    report = _post(client, "clients.txt", body).json()
    assert report["ok"] is True and report["rows"] == 20


def test_uploads_live_in_a_private_folder_that_a_restart_empties(demo_2018_db: Path, client: TestClient) -> None:
    folder = upload_dir()
    assert folder.stat().st_mode & 0o777 == 0o700
    _post(client, "clients.csv", make_persons(10).to_csv(index=False).encode())
    assert not any(folder.rglob("upload*"))  # nothing left after a check
    leftover = folder / "check-crashed"
    leftover.mkdir()
    (leftover / "upload.csv").write_text("person_key\n123456789\n")  # what a kill -9 would leave
    create_app(demo_2018_db)
    assert not leftover.exists()


def test_a_broken_parquet_does_not_reveal_the_servers_paths(client: TestClient) -> None:
    report = _post(client, "clients.parquet", b"PAR1" + b"\x00" * 200 + b"PAR1").json()
    assert report["ok"] is False
    text = str(report)
    assert str(upload_dir()) not in text and "/tmp" not in text and "check-" not in text


def test_zip_entries_are_sized_from_the_directory_not_unpacked() -> None:
    """The bomb check reads the zip directory only (a zip's declared sizes)."""
    body = _xlsx_with_cell(5_000_000)
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert sum(i.file_size for i in z.infolist()) > 5_000_000 > 50 * len(body)
