"""Small protocol guards (pure ASGI middleware).

- `HeadAsGet`: a HEAD request is answered as its GET would be, without the body (health checks
  and link checkers use HEAD; FastAPI routes only declare GET).
- `NoTrailingSlash`: ``/findings/`` → ``/findings`` with a *relative* redirect, so a forged
  ``Host`` header is never echoed into a ``Location``.
"""

from __future__ import annotations

from kansenspiegel.web.cache import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class NoTrailingSlash:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/") and not path.startswith(("/static/", "/vendor/")):
            target = "/" + path.strip("/")
            query = scope.get("query_string", b"")
            location = (target + ("?" + query.decode("latin-1") if query else "")).encode("latin-1")
            await send({"type": "http.response.start", "status": 307, "headers": [(b"location", location), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)
