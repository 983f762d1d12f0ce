"""Hostile uploads against a real server: each attack file is generated here (none is stored),
sent to a fresh `kansenspiegel serve` on 127.0.0.1, and measured end to end: the answer, the
seconds until it came, the bytes of the answer and how much the server's memory grew (peak RSS,
VmHWM, minus its RSS before the upload). Budget (issue 11): every upload up to the limits is
answered within 60 s and adds less than 1 GiB. Writes its section of results.md."""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_section  # noqa: E402

WORK = HERE / "_work"
EXE = Path(sys.executable).parent / "kansenspiegel"
MiB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Server:
    def __init__(self, db: Path) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [str(EXE), "serve", "--db", str(db), "--port", str(self.port), "--no-own"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        self.base_rss = _kib(self.proc.pid, "VmRSS")

    def added_mib(self) -> float:
        return (_kib(self.proc.pid, "VmHWM") - self.base_rss) / 1024

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(port: int, name: str, content: bytes) -> tuple[int, int]:
    body, kind = _multipart(name, content)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", "/api/v1/validate", body=body, headers={"Content-Type": kind})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, len(data)


# -- the attack files ---------------------------------------------------------------------------
def _rows(n: int, seed: int = 1) -> pd.DataFrame:
    from tests.conftest import make_persons

    return make_persons(n, seed=seed)


def xlsx_giant_cell() -> tuple[str, bytes]:
    """About 100 kB that unpacks to one cell of 100 MiB."""
    buffer = io.BytesIO()
    frame = _rows(3)
    frame.loc[0, "municipality"] = "BIGCELL"
    frame.to_excel(buffer, index=False)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info).replace(b"BIGCELL", b"G" * (100 * MiB)))
    return "clients.xlsx", out.getvalue()


def parquet_50m_rows() -> tuple[str, bytes]:
    """A couple of MB of Parquet that holds 50 million rows."""
    n = 50_000_000
    table = pa.table({"person_key": pa.array(np.zeros(n, dtype=np.int32)), "year": pa.array(np.full(n, 2019, dtype=np.int16))})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return "clients.parquet", buffer.getvalue()


def xlsx_max_rows() -> tuple[str, bytes]:
    """A sheet of 1,048,575 rows (Excel's maximum), written as XML straight into the zip."""
    rows = 1_048_575
    header = ["person_key", "year", "municipality"]

    def row(i: int, values: list[str]) -> str:
        cells = "".join(f'<c r="{"ABC"[j]}{i}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(values))
        return f'<row r="{i}">{cells}</row>'

    parts = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>', row(1, header)]
    parts += [row(i, [f"p{i}", "2019", "GM0363"]) for i in range(2, rows + 1)]
    parts.append("</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="clients" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return "clients.xlsx", out.getvalue()


def csv_100k_columns() -> tuple[str, bytes]:
    header = ";".join(f"c{i}" for i in range(100_000))
    return "clients.csv", (header + "\n" + ";" * 99_999 + "\n").encode()


def csv_all_wrong() -> tuple[str, bytes]:
    """Just under 50 MiB where every value of six columns is wrong: problems without end."""
    frame = _rows(640_000).astype(str)
    for column in ("gender", "municipality", "year", "provision", "employed_1m", "household_type"):
        frame[column] = "?x"
    return "clients.csv", frame.to_csv(index=False, sep=";").encode()


def csv_valid_49() -> tuple[str, bytes]:
    """A valid client file of about 49.5 MiB (the largest a user may upload)."""
    frame = _rows(700_000, seed=3)
    body = frame.to_csv(index=False, sep=";").encode()
    while len(body) > 49.5 * MiB:
        frame = frame.iloc[: int(len(frame) * 0.97)]
        body = frame.to_csv(index=False, sep=";").encode()
    return "clients.csv", body


def csv_utf16() -> tuple[str, bytes]:
    return "clients.txt", _rows(100_000).to_csv(index=False, sep="\t").encode("utf-16")


# -- the attacks ----------------------------------------------------------------------------------
def one_file(make: Callable[[], tuple[str, bytes]]) -> Callable[[int], tuple[str, int]]:
    name, content = make()

    def run(port: int) -> tuple[str, int]:
        status, size = _post(port, name, content)
        return f"{status}", size

    run.size = len(content)  # type: ignore[attr-defined]
    return run


def body_400mb(port: int) -> tuple[str, int]:
    """Chunked, no Content-Length: the client would send 400 MiB."""
    chunk = b"x" * MiB
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /api/v1/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
        first = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        s.sendall(f"{len(first):x}\r\n".encode() + first + b"\r\n")
        s.settimeout(5)
        try:
            for _ in range(400):
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            pass
        s.settimeout(30)
        answer = b""
        try:
            while part := s.recv(65536):
                answer += part
        except OSError:
            pass
    return answer[9:12].decode() or "-", len(answer)


def eight_at_once(port: int) -> tuple[str, int]:
    name, content = csv_valid_49()
    statuses: list[int] = []
    sizes: list[int] = []

    def one() -> None:
        status, size = _post(port, name, content)
        statuses.append(status)
        sizes.append(size)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    return " ".join(f"{n}×{s}" for s, n in counts.items()), max(sizes)


ATTACKS: list[tuple[str, Callable[[], Callable[[int], tuple[str, int]]]]] = [
    ("XLSX of 100 kB with one 100 MiB cell", lambda: one_file(xlsx_giant_cell)),
    ("Parquet of 50 million rows", lambda: one_file(parquet_50m_rows)),
    ("XLSX of 1,048,575 rows", lambda: one_file(xlsx_max_rows)),
    ("CSV with 100,000 columns", lambda: one_file(csv_100k_columns)),
    ("CSV of 640,000 rows, every value of six columns wrong", lambda: one_file(csv_all_wrong)),
    ("valid CSV of 700,000 rows, just under 50 MiB", lambda: one_file(csv_valid_49)),
    ("UTF-16 CSV (Excel 'Unicode-tekst'), 100,000 rows", lambda: one_file(csv_utf16)),
    ("400 MiB body, chunked", lambda: body_400mb),
    ("8 valid CSVs of just under 50 MiB at once", lambda: eight_at_once),
]


def main() -> None:
    WORK.mkdir(exist_ok=True)
    db = WORK / "hostile.duckdb"
    if not db.exists():
        subprocess.run([str(EXE), "demo-data", "--db", str(db), "--years", "2018"], check=True, stderr=subprocess.DEVNULL)
    rows = []
    for label, make in ATTACKS:
        attack = make()
        size = getattr(attack, "size", None)
        server = Server(db)
        try:
            started = time.perf_counter()
            status, answer = attack(server.port)
            seconds = time.perf_counter() - started
            added = server.added_mib()
        finally:
            server.stop()
        rows.append((label, size, status, seconds, answer, added))
        print(f"{label}: {status} in {seconds:.1f} s, answer {answer:,} B, +{added:.0f} MiB", flush=True)
    worst_s, worst_mib = max(r[3] for r in rows), max(r[5] for r in rows)
    section = "\n".join(
        [
            "## Hostile uploads (issue 11: < 60 s and < 1 GiB added per upload)",
            "",
            "Each file generated by `bench_hostile.py`, posted to `/api/v1/validate` of a fresh `kansenspiegel serve` (2018 demo database) on 127.0.0.1. "
            "Seconds from the first byte sent to the last byte of the answer; memory is the server's peak RSS (VmHWM) minus its RSS before the upload. "
            f"Worst: **{worst_s:.1f} s**, **+{worst_mib:.0f} MiB**.",
            "",
            "| upload | file size | answer | seconds | answer bytes | server memory added |",
            "|---|---:|---|---:|---:|---:|",
            *[
                f"| {label} | {'' if size is None else f'{size / MiB:,.1f} MiB'} | {status} | {sec:.1f} | {ans:,} | {mib:,.0f} MiB |"
                for label, size, status, sec, ans, mib in rows
            ],
            "",
        ]
    )
    write_section(section)


if __name__ == "__main__":
    main()
