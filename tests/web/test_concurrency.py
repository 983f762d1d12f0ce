"""Many users at once: 20 concurrent clients over own-data, internal and public routes of one
real server (127.0.0.1) never get a server error."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import httpx2 as httpx

from tests.web.conftest import serving
from tests.web.test_own_data import filled_template


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_twenty_clients_at_once_get_no_server_error(demo_2018_db: Path, tmp_path: Path) -> None:
    args = ["--db", str(demo_2018_db), "--internal", "--own-db", str(tmp_path / "own.duckdb")]
    with serving(args, tmp_path / "server.log") as base:
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


def test_twenty_logged_in_clients_at_once_on_a_shared_server(demo_2018_db: Path, tmp_path: Path) -> None:
    """A shared internal server with accounts: 20 clients log in at the same time (scrypt under
    load), then ask own-data, internal and public routes at once: no server error, each sees its
    own area's dataset and never the other's, exact counts only for the analyst."""
    exe = Path(sys.executable).parent / "kansenspiegel"
    users = tmp_path / "users.json"
    password = "een zin van vier woorden"
    accounts = (
        ("nijmegen", "GM0268", []),
        ("nijmegen-2", "GM0268", []),
        ("amsterdam", "GM0363", []),
        ("amsterdam-2", "GM0363", []),
        ("analist", "NL", ["--analyst"]),
    )
    for name, area, extra in accounts:
        made = subprocess.run(
            [str(exe), "users", "add", name, "--area", area, *extra, "--users", str(users), "--password-stdin"], input=password + "\n", text=True
        )
        assert made.returncode == 0
    args = ["--db", str(demo_2018_db), "--internal", "--own-db", str(tmp_path / "own.duckdb"), "--users", str(users)]

    def logged_in(name: str) -> httpx.Client:
        c = httpx.Client(base_url=base, timeout=120)
        c.get("/login")
        answer = c.post("/login", data={"csrf": c.cookies.get("ks_csrf"), "name": name, "password": password, "next": "/upload"})
        assert answer.status_code == 303, answer.text[:300]
        return c

    with serving(args, tmp_path / "server.log") as base:
        c = logged_in("nijmegen")
        try:
            form = {"csrf": c.cookies.get("ks_csrf"), "action": "load", "name": "nijmegen-test", "lang": "nl"}
            assert c.post("/upload", files={"file": ("klanten.csv", filled_template(), "text/csv")}, data=form).status_code == 303
        finally:
            c.close()
        names = [name for name, _, _ in accounts] * 4  # colleagues at one address, each logging in at once
        with cf.ThreadPoolExecutor(20) as pool:
            clients = list(pool.map(logged_in, names))
        paths = [
            "/api/v1/own",
            "/own/nijmegen-test",
            "/api/v1/own/nijmegen-test/compare?year=2018&geography=GM0268",
            "/api/v1/groups?year=2018&geography=GM0268&characteristics=gender",
            "/characteristics?geo=GM0268",
            "/download/overview.csv?geo=GM0268",
        ]

        def ask(job: tuple[str, httpx.Client]) -> tuple[str, str, int, str]:
            name, c = job
            return [(name, p, (r := c.get(p)).status_code, r.text) for p in paths]  # type: ignore[return-value]

        with cf.ThreadPoolExecutor(20) as pool:
            answers = [a for batch in pool.map(ask, zip(names, clients)) for a in batch]
        for c in clients:
            c.close()
        assert not [a[:3] for a in answers if a[2] >= 500]
        for name, path, status, text in answers:
            if "nijmegen-test" in path:
                assert status == (404 if name.startswith("amsterdam") else 200), (name, path, status)
            if path == "/api/v1/own":
                assert ("nijmegen-test" in text) == (not name.startswith("amsterdam"))
            if path.startswith("/api/v1/groups"):
                populations = [int(p) for p in re.findall(r'"population":(\d+)', text)]
                assert populations and (any(p % 10 for p in populations) == (name == "analist")), name
