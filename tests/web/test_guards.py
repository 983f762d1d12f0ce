"""Small protocol guards found by an adversarial test (issue 11 §5): HEAD, relative redirects,
security headers on a server error, no-store on private answers, an answer cache that junk
parameters cannot grow, and the municipality download that agrees with its page."""

from __future__ import annotations

import asyncio
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

    asyncio.run(many())
    assert 9_000 <= cache.size <= 10_000


def test_the_municipality_download_agrees_with_its_page(client: TestClient) -> None:
    assert client.get("/municipality", params={"geo": "NL", "year": 2018}).status_code == 404
    assert client.get("/download/municipality.csv", params={"geo": "NL", "year": 2018}).status_code == 404
    assert client.get("/download/municipality.csv", params={"geo": "GM0363", "year": 2018}).status_code == 200
