"""Who is asking, and which door and own datasets they get (the rules are in `kansenspiegel.access`).

Two modes, fixed when the app is made:

- **local** (no users file): one person on this computer (the server listens on 127.0.0.1);
  no login, own data and ``--internal`` as they always were;
- **accounts** (`create_app(users=...)`): published pages stay open to everyone; own data
  (upload, check, load, view, delete; its API) needs a login and shows a user only the datasets
  of their areas; on an ``--internal`` server only analysts get exact counts, everyone else the
  published figures.

The session cookie is HttpOnly, SameSite=Lax, Secure when the request came over HTTPS (behind a
proxy: uvicorn's ``--proxy-headers``), and holds a token signed by the users file's key."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from kansenspiegel.access import Throttle, User, Users
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.views import OwnData, Published
from kansenspiegel.web.cache import SESSION_COOKIE

_UNKNOWN = object()


class LoginNeeded(UserError):
    """Own data on a server with accounts, asked for without a login: a page goes to the login
    form (and back afterwards), the API answers 401."""

    def __init__(self, target: str) -> None:
        super().__init__("error.login_needed", 401)
        self.target = target


def users(request: Request) -> Users | None:
    return getattr(request.app.state, "users", None)


def current_user(request: Request) -> User | None:
    """The logged-in user of this request (None without a valid session, and in local mode)."""
    if getattr(request.state, "user", _UNKNOWN) is _UNKNOWN:
        accounts = users(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        revoked = request.app.state.revoked
        request.state.user = accounts.session(token, revoked) if (accounts is not None and token) else None
    return request.state.user  # type: ignore[no-any-return]


def door(request: Request) -> Published:
    """The published figures this request may see: exact counts (an ``--internal`` server) only
    for the one local person or an analyst; the published figures for everyone else."""
    internal: Published = request.app.state.dashboard
    if not internal.policy.exact or users(request) is None:
        return internal
    user = current_user(request)
    return internal if (user is not None and user.analyst) else request.app.state.public  # type: ignore[no-any-return]


def require_user(request: Request) -> User | None:
    """Own data: the user (accounts) or None (local mode, where the one person may do it all)."""
    if users(request) is None:
        return None
    user = current_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginNeeded(target)
    return user


def own_data(request: Request) -> OwnData:
    own: OwnData | None = request.app.state.own
    if own is None:
        raise not_found("error.no_own_db")
    return own


def own_datasets(request: Request) -> list[dict[str, Any]]:
    """The own datasets this request may see."""
    user = require_user(request)
    own = own_data(request)
    return [d for d in own.datasets() if user is None or user.may_see(d["areas"])]


def own_board(request: Request, name: str) -> Published:
    """One own dataset, when this request may see it; else the same 404 as a dataset that does
    not exist (nobody learns which names other municipalities use)."""
    user = require_user(request)
    own = own_data(request)
    board = own.board(name)
    if user is not None and not user.may_see(own.areas(name)):
        raise not_found("error.no_own_dataset", name=name)
    return board


def check_may_load(request: Request, areas: list[str]) -> None:
    """A file may be loaded only by a user whose areas hold every area in it."""
    user = require_user(request)
    if user is not None and not user.may_see(areas):
        outside = [a for a in areas if not user.may_see([a])]
        raise UserError("error.own_not_yours", 403, codes=", ".join(outside), areas=", ".join(user.areas))


def throttles() -> tuple[Throttle, Throttle]:
    """Failed logins allowed per 15 minutes: 5 per address and name, 20 per address."""
    return Throttle(limit=5), Throttle(limit=20)


def log_in(request: Request, name: str, password: str) -> User:
    """Check a login; failures are counted per address and name, and per address (`throttles`)."""
    accounts = users(request)
    if accounts is None:
        raise not_found("error.no_accounts")
    address = request.client.host if request.client else "-"
    per_name, per_address = request.app.state.login_throttles
    wait = max(per_name.wait(f"{address}|{name}"), per_address.wait(address))
    if wait > 0:
        raise UserError("error.login_throttled", 429, minutes=max(1, round(wait / 60)))
    user = accounts.authenticate(name, password)
    if user is None:
        per_name.fail(f"{address}|{name}")
        per_address.fail(address)
        raise UserError("error.login_failed", 401)
    per_name.clear(f"{address}|{name}")
    return user


def set_session(request: Request, response: Response, user: User) -> None:
    accounts = users(request)
    assert accounts is not None
    response.set_cookie(SESSION_COOKIE, accounts.issue(user), httponly=True, samesite="lax", secure=request.url.scheme == "https", max_age=8 * 3600)


def log_out(request: Request, response: Response) -> None:
    """Ends this session on the server too (its token is refused from now on), not only in the browser."""
    token = request.cookies.get(SESSION_COOKIE, "")
    parts = token.split(":")
    if len(parts) == 4 and parts[1].isdigit():
        revoked: dict[str, int] = request.app.state.revoked
        now = time.time()
        for nonce in [n for n, until in revoked.items() if until < now]:
            revoked.pop(nonce, None)
        revoked[parts[2]] = int(parts[1])
    response.delete_cookie(SESSION_COOKIE)


def safe_next(target: str) -> str:
    """Only a path on this site (never ``//evil.example`` or ``https://…``)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def login_url(request: Request, exc: LoginNeeded) -> str | None:
    """Where a page that needs a login goes (the form, then back); None for the API and forms."""
    wants_page = not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")
    if not wants_page or request.method != "GET":
        return None
    lang = "en" if request.query_params.get("lang") == "en" else "nl"
    return f"/login?lang={lang}&next={quote(exc.target, safe='')}"
