"""Many users at once: 20 concurrent clients over own-data, internal and public routes of one
real server (127.0.0.1) never get a server error."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx2 as httpx

from tests.web.conftest import _free_port
from tests.web.test_own_data import filled_template


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_twenty_clients_at_once_get_no_server_error(demo_2018_db: Path, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).parent / "kansenspiegel"
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "serve", "--db", str(demo_2018_db), "--port", str(port), "--internal", "--own-db", str(tmp_path / "own.duckdb")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if _get(base + "/api/v1/meta") == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=120) as c:
            c.get("/upload")
            form = {"csrf": c.cookies.get("ks_csrf"), "action": "load", "name": "load-test", "lang": "nl"}
            loaded = c.post("/upload", files={"file": ("klanten.csv", filled_template(), "text/csv")}, data=form)
            assert loaded.status_code == 303, loaded.text[:300]
        paths = [
            "/api/v1/own",
            "/own/load-test",
            "/upload",
            "/api/v1/own/load-test/compare?year=2018&geography=GM0268",  # own data
            "/api/v1/groups?year=2018&geography=AM08",
            "/characteristics?geo=GM0268",
            "/findings?geo=AM08",  # internal (exact) views
            "/download/overview.csv?geo=GM0268",
            "/download/characteristics.xlsx?geo=AM08",
            "/report.pdf?geo=GM0268",  # public exports
            "/api/v1/compare?year=2018&level=municipality",
        ]
        with cf.ThreadPoolExecutor(20) as pool:
            statuses = collections.Counter(pool.map(lambda p: _get(base + p), paths * 10))
        assert statuses == {200: len(paths) * 10}, statuses
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
