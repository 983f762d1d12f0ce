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

import ipaddress
import threading
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from starlette.requests import cookie_parser

from kansenspiegel.access import SESSION_SECONDS, Throttle, User, Users
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.views import OwnData, Published

SESSION_COOKIE = "ks_session"
_UNKNOWN = object()
#: Password checks running at once (scrypt: 16 MiB and ~0.2 s each); one more is told to wait.
MAX_CONCURRENT_CHECKS = 4
#: Seconds a login waits for a free check before it is told to try again.
CHECK_WAIT = 15.0


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
        request.state.user = accounts.session(token) if (accounts is not None and token) else None
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


def throttles() -> dict[str, Throttle]:
    """Failed logins allowed per 15 minutes: 5 per address and name, 20 per address (an IPv6
    address counts per /64), 100 per name from anywhere (NIST SP 800-63B: at most 100)."""
    return {"address+name": Throttle(limit=5), "address": Throttle(limit=20), "name": Throttle(limit=100)}


def _address(request: Request) -> str:
    host = request.client.host if request.client else "-"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def log_in(request: Request, name: str, password: str) -> User:
    """Check a login. Each attempt is counted before the password is checked (`Throttle.try_`),
    so attempts at the same moment cannot slip past the limits; a right password takes its
    count back. At most `MAX_CONCURRENT_CHECKS` checks run at once; others wait up to
    `CHECK_WAIT` seconds."""
    accounts = users(request)
    if accounts is None:
        raise not_found("error.no_accounts")
    address = _address(request)
    limits: dict[str, Throttle] = request.app.state.login_throttles
    keys = {"address+name": f"{address}|{name}", "address": address, "name": name}
    counted: list[str] = []
    for kind, key in keys.items():
        wait = limits[kind].try_(key)
        if wait > 0:
            for done in counted:
                limits[done].succeeded(keys[done])
            raise UserError("error.login_throttled", 429, minutes=max(1, round(wait / 60)))
        counted.append(kind)
    checks: threading.BoundedSemaphore = request.app.state.login_checks
    if not checks.acquire(timeout=CHECK_WAIT):  # a short queue (an office logging in at nine), then 429
        for kind in counted:
            limits[kind].succeeded(keys[kind])
        raise UserError("error.login_busy", 429)
    try:
        user = accounts.authenticate(name, password)
    finally:
        checks.release()
    if user is None:
        raise UserError("error.login_failed", 401)
    for kind in counted:
        limits[kind].succeeded(keys[kind])
    return user


def set_session(request: Request, response: Response, user: User) -> None:
    accounts = users(request)
    assert accounts is not None
    response.set_cookie(SESSION_COOKIE, accounts.issue(user), httponly=True, samesite="lax", secure=request.url.scheme == "https", max_age=SESSION_SECONDS)


def log_out(request: Request, response: Response) -> None:
    """Ends this session on the server too (its token is refused from now on, also after a
    restart), not only in the browser."""
    accounts = users(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if accounts is not None and token:
        accounts.end(token)
    response.delete_cookie(SESSION_COOKIE)


def has_session(app: Any, cookie_header: str) -> bool:
    """Whether a request's ``Cookie`` header holds a valid session of ``app`` (for the answer
    cache, which sees only the raw request: a junk cookie does not bypass it)."""
    accounts = getattr(app.state, "users", None) if app is not None else None
    if accounts is None or SESSION_COOKIE not in cookie_header:
        return False
    token = cookie_parser(cookie_header).get(SESSION_COOKIE, "")
    return bool(token) and accounts.session(token) is not None


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
