"""Small protocol guards found by an adversarial test (issue 11 §5): HEAD, relative redirects,
security headers on a server error, no-store on private answers, an answer cache that junk
parameters cannot grow, and the municipality download that agrees with its page."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from fastapi.testclient import TestClient

from kansenspiegel.web import create_app
from kansenspiegel.web.cache import ResponseCache


def _cache_of(app) -> ResponseCache:  # type: ignore[no-untyped-def]
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, ResponseCache):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ResponseCache)
    return layer


def test_head_is_answered_as_get_without_a_body(client: TestClient) -> None:
    head, get = client.head("/", params={"year": 2018}), client.get("/", params={"year": 2018})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/api/v1/meta").status_code == 200


def test_a_trailing_slash_redirects_relatively_whatever_the_host(client: TestClient) -> None:
    moved = client.get("/findings/", params={"year": 2018}, headers={"host": "evil.example"}, follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/findings?year=2018"


def test_a_server_error_has_the_security_headers_and_no_details(demo_2018_db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel.views import Published

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals /srv/data")

    monkeypatch.setattr(Published, "run", broken)
    with TestClient(create_app(demo_2018_db), raise_server_exceptions=False) as c:
        response = c.get("/", params={"year": 2018}, headers={"accept": "text/html"})
    assert response.status_code == 500 and "er ging iets mis op de server" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"] and response.headers["x-frame-options"] == "DENY"


def test_private_answers_are_never_stored(client: TestClient) -> None:
    assert client.get("/upload").headers["cache-control"] == "no-store"
    report = client.post("/api/v1/validate", files={"file": ("a.csv", b"a;b\n1;2\n", "text/csv")})
    assert report.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/", params={"year": 2018}).headers.get("cache-control", "")


def test_junk_parameters_do_not_grow_the_answer_cache(demo_2018_db: Path) -> None:
    app = create_app(demo_2018_db)
    with TestClient(app) as c:
        c.get("/api/v1/funnel", params={"year": 2018, "geography": "AM05"})
        cache = _cache_of(app)
        held, hits = cache.size, cache.hits
        for i in range(30):
            assert c.get("/api/v1/funnel", params={"geography": "AM05", "year": 2018, f"junk{i}": "x" * 500}).status_code == 200
        assert cache.size == held and cache.hits == hits + 30  # the same answer, served from the cache


def test_the_answer_cache_is_capped_in_bytes() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 1000})

    cache = ResponseCache(app, max_bytes=10_000, known=())

    async def get(path: str) -> None:
        async def receive():  # type: ignore[no-untyped-def]
            return {"type": "http.request", "body": b""}

        async def send(message):  # type: ignore[no-untyped-def]
            pass

        await cache({"type": "http", "method": "GET", "path": path, "query_string": b""}, receive, send)

    async def many() -> None:
        for i in range(100):
            await get(f"/api/v1/page{i}")

    worker = threading.Thread(target=lambda: asyncio.run(many()))  # its own loop: the browser tests keep one running here
    worker.start()
    worker.join()
    assert 9_000 <= cache.size <= 10_000


def test_the_municipality_download_agrees_with_its_page(client: TestClient) -> None:
    assert client.get("/municipality", params={"geo": "NL", "year": 2018}).status_code == 404
    assert client.get("/download/municipality.csv", params={"geo": "NL", "year": 2018}).status_code == 404
    assert client.get("/download/municipality.csv", params={"geo": "GM0363", "year": 2018}).status_code == 200


def test_forms_need_a_signed_token_and_this_sites_own_origin(demo_2018_db: Path) -> None:
    """Before: a cookie and form field of the same made-up value ('x') loaded or deleted
    anything, and a page on another port of the same host could send the form."""
    files = {"file": ("a.csv", b"a;b\n1;2\n", "text/csv")}
    with TestClient(create_app(demo_2018_db)) as c:
        c.cookies.set("ks_csrf", "x")
        forged = c.post("/upload", files=files, data={"csrf": "x"}, headers={"accept": "text/html"})
        assert forged.status_code == 403
        c.cookies.clear()
        c.get("/upload")
        token = c.cookies.get("ks_csrf")
        assert token and token.count(".") == 1  # nonce.signature
        elsewhere = c.post("/upload", files=files, data={"csrf": token}, headers={"accept": "text/html", "origin": "http://testserver:9999"})
        assert elsewhere.status_code == 403 and "kwam van een andere website" in elsewhere.text
        same_site = c.post("/upload", files=files, data={"csrf": token}, headers={"accept": "text/html", "sec-fetch-site": "same-site"})
        assert same_site.status_code == 403
        ok = c.post(
            "/upload", files=files, data={"csrf": token}, headers={"accept": "text/html", "origin": "http://testserver", "sec-fetch-site": "same-origin"}
        )
        assert ok.status_code == 200 and 'id="problems-table"' in ok.text
    with TestClient(create_app(demo_2018_db)) as other:  # another server (or a restart) does not accept it
        other.cookies.set("ks_csrf", token)
        assert other.post("/upload", files=files, data={"csrf": token}, headers={"accept": "text/html"}).status_code == 403


def test_the_server_says_its_mode_at_start(live_server: str, live_log: Path) -> None:
    said = " ".join(live_log.read_text().split())
    assert "mode: for one person on this computer (127.0.0.1, no login)" in said and "loaded into" in said
