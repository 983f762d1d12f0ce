"""Web fixtures: an in-process client, a real server on 127.0.0.1, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from kansenspiegel.web import create_app
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def client(demo_2018_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_2018_db)) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything the live server writes (stdout and stderr)."""
    return tmp_path_factory.mktemp("server") / "server.log"


@contextmanager
def serving(args: list[str], log_path: Path) -> Iterator[str]:
    """`kansenspiegel serve ARGS` on a free port of 127.0.0.1 (its output in ``log_path``) until
    it answers; its address while the block runs, then stopped by PID."""
    port = _free_port()
    exe = Path(sys.executable).parent / "kansenspiegel"
    log = log_path.open("wb")
    proc = subprocess.Popen([str(exe), "serve", *args, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/api/v1/meta", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
            if proc.poll() is not None:
                raise RuntimeError(log_path.read_text())
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def live_server(demo_2018_db: Path, live_log: Path) -> Iterator[str]:
    """`kansenspiegel serve` as a user starts it, on a free port; stopped by PID afterwards."""
    with serving(["--db", str(demo_2018_db)], live_log) as base:
        yield base


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: the test command installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


class Visit:
    """A page with its console errors and every request that tried to leave 127.0.0.1."""

    def __init__(self, browser, base: str, width: int = 1280) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.base = base
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def guard(route, request) -> None:  # type: ignore[no-untyped-def]
            host = urlparse(request.url).hostname
            if request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                self.outside.append(request.url)
                route.abort()

        self.context.route("**/*", guard)

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")
        for chart in self.page.query_selector_all(".chart[data-kind]"):
            self.page.wait_for_function("el => el.dataset.ready", arg=chart, timeout=20_000)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, live_server):  # type: ignore[no-untyped-def]
    v = Visit(browser, live_server)
    yield v
    v.close()


@pytest.fixture
def visit_at(browser, live_server):  # type: ignore[no-untyped-def]
    """``visit_at(390)``: a visit with a screen of that width (closed afterwards)."""
    made: list[Visit] = []

    def make(width: int) -> Visit:
        made.append(Visit(browser, live_server, width))
        return made[-1]

    yield make
    for v in made:
        v.close()
