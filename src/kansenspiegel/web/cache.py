"""A response cache for the read-only dashboard (pure ASGI middleware).

The database is opened read-only and never changes while the server runs, so a page or API
answer for the same URL is always the same: it is rendered once and then served from memory.
Only successful GET answers of pages and the API are kept (an LRU bounded in bytes); errors,
downloads and static files are not. The key is the path with the *known* query parameters only,
sorted: a parameter no route reads does not change the answer, so junk parameters
(``?x=1``, ``?x=2``, …) cannot fill the cache with copies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from threading import Lock
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: never cached: files, forms, and own data (it changes while the server runs)
UNCACHED_PREFIXES = (
    "/static",
    "/vendor",
    "/download",
    "/docs",
    "/openapi.json",
    "/upload",
    "/own",
    "/api/v1/own",
    "/report",
    "/login",
    "/logout",
    "/rounds",
    "/api/v1/rounds",
)
#: A request with a valid login is answered fresh (its page names the user, and on an internal
#: server an analyst's answers hold exact counts); an answer marked private or no-store, or that
#: sets a cookie, is never kept.


#: Bytes of answers kept at most (bodies; a page is some tens of kB, an API answer up to a few MB).
MAX_BYTES = 64 * 1024 * 1024


class ResponseCache:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BYTES, known: Iterable[str] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.known = None if known is None else frozenset(known)
        self._entries: OrderedDict[tuple[str, str], tuple[Message, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()
        self.hits = 0
        #: the app's ``cache_generation`` the entries belong to: what pages show beside the
        #: figures (colleagues' stories from the rounds) changes it, and the entries are dropped
        self._generation = 0

    def key(self, scope: Scope) -> tuple[str, str]:
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        known = self.known if self.known is not None else getattr(getattr(scope.get("app"), "state", None), "query_names", None)
        if known is not None:
            pairs = [(k, v) for k, v in pairs if k in known]
        return scope["path"], urlencode(sorted(pairs))

    @property
    def size(self) -> int:
        """Bytes of answers held."""
        return self._bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(UNCACHED_PREFIXES) or _logged_in(scope):
            await self.app(scope, receive, send)
            return
        generation = getattr(getattr(scope.get("app"), "state", None), "cache_generation", 0)
        if generation != self._generation:
            with self._lock:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation
        key = self.key(scope)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is not None:
            start, body = entry
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        captured: dict[str, Any] = {"start": None, "body": [], "complete": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    captured["complete"] = True
            await send(message)

        await self.app(scope, receive, capture)
        start = captured["start"]
        if start is not None and start["status"] == 200 and captured["complete"] and _keepable(start):
            body = b"".join(captured["body"])
            if len(body) > self.max_bytes // 8:
                return  # one answer never takes more than an eighth of the cache
            with self._lock:
                old = self._entries.pop(key, None)
                if old is not None:
                    self._bytes -= len(old[1])
                self._entries[key] = (start, body)
                self._bytes += len(body)
                while self._bytes > self.max_bytes and self._entries:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= len(dropped)


def _logged_in(scope: Scope) -> bool:
    from kansenspiegel.web.accounts import has_session

    header = b"; ".join(v for k, v in scope.get("headers", ()) if k == b"cookie").decode("latin-1")
    return bool(header) and has_session(scope.get("app"), header)


def _keepable(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        name = name.lower()
        if name == b"set-cookie" or (name == b"cache-control" and (b"private" in value or b"no-store" in value)):
            return False
    return True
