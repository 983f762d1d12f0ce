"""Limits that hold while a request is read, before anything is spooled or parsed.

`BodyLimit` (pure ASGI middleware) refuses a request body larger than the upload limit: at once
when its Content-Length says so, and otherwise as soon as the bytes received pass the limit, so
a 400 MB body is never received whole. It answers HTTP 413 itself (a page in the page's
language, JSON for the API), tells the app the client went away, and drops whatever the app
would still send.
"""

from __future__ import annotations

import html
import json

from kansenspiegel.messages import Lang, t
from kansenspiegel.web.cache import ASGIApp, Message, Receive, Scope, Send

#: Largest request body accepted (bytes): an upload of 50 MiB plus its form fields.
MAX_BODY_BYTES = 50 * 1024 * 1024 + 64 * 1024
#: Largest registrations or answers file of the conversation kit (bytes).
ROUNDS_MAX_BYTES = 5 * 1024 * 1024
#: Room for the form's other fields beside the file.
FORM_OVERHEAD = 64 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        upload = getattr(getattr(scope.get("app"), "state", None), "max_upload_bytes", None)  # a server with a smaller limit
        limit = upload + FORM_OVERHEAD if upload else self.max_bytes
        if scope["path"].startswith("/rounds"):  # registrations and answers: small files
            limit = min(limit, ROUNDS_MAX_BYTES + FORM_OVERHEAD)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        received = 0
        refused = False

        async def refuse() -> None:
            nonlocal refused
            refused = True
            query = scope.get("query_string", b"").decode("latin-1")
            lang: Lang = "en" if (scope["path"].startswith("/api/") or "lang=en" in query) else "nl"
            text = t("error.body_too_big", lang, mib=max(1, (limit - FORM_OVERHEAD) // (1024 * 1024)))
            if b"text/html" in headers.get(b"accept", b"") and not scope["path"].startswith("/api/"):
                body = f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>413</title></head><body><main><h1>413</h1><p>{html.escape(text)}</p><p><a href='/upload?lang={lang}'>Kansenspiegel</a></p></main></body></html>".encode()
                kind = b"text/html; charset=utf-8"
            else:
                body, kind = json.dumps({"detail": text}).encode(), b"application/json"
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": body})

        async def bounded() -> Message:
            nonlocal received
            if refused:
                return {"type": "http.disconnect"}
            if declared.isdigit() and int(declared) > limit:
                await refuse()
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    await refuse()
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, bounded, guarded)
