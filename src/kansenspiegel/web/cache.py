"""A response cache for the read-only dashboard (pure ASGI middleware).

The database is opened read-only and never changes while the server runs, so a page or API
answer for the same URL is always the same: it is rendered once and then served from memory.
Only successful GET answers of pages and the API are kept (bounded LRU); errors, downloads and
static files are not.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from threading import Lock
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: never cached: files, forms, and own data (it changes while the server runs)
UNCACHED_PREFIXES = ("/static", "/vendor", "/download", "/docs", "/openapi.json", "/upload", "/own", "/api/v1/own", "/report")


class ResponseCache:
    def __init__(self, app: ASGIApp, max_entries: int = 4096) -> None:
        self.app = app
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, bytes], tuple[Message, bytes]] = OrderedDict()
        self._lock = Lock()
        self.hits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(UNCACHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
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
        if start is not None and start["status"] == 200 and captured["complete"]:
            with self._lock:
                self._entries[key] = (start, b"".join(captured["body"]))
                if len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
