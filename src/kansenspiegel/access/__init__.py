"""Who may see what: local accounts for a shared server.

A server that other computers can reach and that holds municipalities' own client files (or
shows exact counts, ``--internal``) needs to know who is asking. This package keeps the
accounts of one server in a users file (JSON, mode 0600, beside the database):

- each user has a password, stored only as a scrypt hash (`hashlib.scrypt`, memory-hard,
  parameters stored with the hash so they can be raised later);
- each user is bound to **areas**: municipalities (``GM0363``), labour-market regions (``AM08``,
  meaning every municipality in it) or ``NL`` (every municipality). A user sees, loads and
  deletes only own datasets whose every municipality lies in their areas;
- an **analyst** may see exact counts when the server runs with ``--internal``; everyone else
  sees the published (rounded, suppressed) figures there too.

A session is a signed token (HMAC-SHA256 with the file's own session key) naming the user and
when it ends; it also signs the user's password hash, so a new password (or removing the user)
ends every session of that user at once. Failed logins are throttled (`Throttle`).

Nothing here reads a request: the web layer (``web/accounts.py``) decides with these parts.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kansenspiegel.errors import UserError
from kansenspiegel.geography import municipalities

#: What a user may be called: lower-case letters, digits and ``. _ @ -`` (an e-mail address fits).
USER_NAME = r"^[a-z0-9][a-z0-9._@-]{1,63}$"
#: Shortest password accepted (NIST SP 800-63B: at least 8; we ask for a passphrase).
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: scrypt cost: N=2^14, r=8, p=5 (one of OWASP's equivalent settings; 16 MiB, about 0.2 s here).
SCRYPT = {"n": 2**14, "r": 8, "p": 5}
#: How long a login lasts (a working day).
SESSION_SECONDS = 8 * 3600
FORMAT = 1
#: A session token, ASCII only: name, expiry (Unix seconds), nonce, HMAC-SHA256 in hex.
TOKEN = re.compile(r"\A([a-z0-9][a-z0-9._@-]{1,63}):([0-9]{1,12}):([A-Za-z0-9_-]{16}):([0-9a-f]{64})\Z")


def same(a: str, b: str) -> bool:
    """Constant-time equality of two texts, whatever characters they hold (`hmac.compare_digest`
    refuses non-ASCII text)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class User:
    name: str
    areas: tuple[str, ...]
    analyst: bool = False
    #: the stored password hash: signed into every session, so a new password ends them
    secret: str = ""

    def municipalities(self) -> frozenset[str]:
        return allowed_municipalities(self.areas)

    def may_see(self, codes: Iterable[str]) -> bool:
        """True when every area in ``codes`` (GM, AM or NL) lies within this user's areas."""
        allowed = self.municipalities()
        for code in codes:
            inside = _municipalities_of(code)
            if not inside or not inside <= allowed:
                return False
        return True


def _municipalities_of(code: str) -> frozenset[str]:
    gm = municipalities()
    if code == "NL":
        return frozenset(gm.gm_code)
    if code.startswith("AM"):
        return frozenset(gm.loc[gm.amr_code == code, "gm_code"])
    return frozenset([code]) if code in set(gm.gm_code) else frozenset()


def allowed_municipalities(areas: Iterable[str]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for area in areas:
        out |= _municipalities_of(area)
    return out


def check_areas(areas: Iterable[str]) -> tuple[str, ...]:
    """The areas as given, each checked to be a 2020 municipality, region or NL."""
    out = []
    for area in areas:
        code = area.strip().upper()
        if not _municipalities_of(code):
            raise UserError("error.unknown_area_code", 400, code=area)
        out.append(code)
    if not out:
        raise UserError("error.user_needs_area", 400)
    return tuple(dict.fromkeys(out))


def hash_password(password: str, cost: dict[str, int] | None = None) -> str:
    cost = cost or SCRYPT
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, cost)
    return f"scrypt${cost['n']}${cost['r']}${cost['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        cost = {"n": int(n), "r": int(r), "p": int(p)}
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(_scrypt(password, _unb64(salt), cost), _unb64(digest))


def _scrypt(password: str, salt: bytes, cost: dict[str, int]) -> bytes:
    data = password.encode("utf-8")[:MAX_PASSWORD]
    return hashlib.scrypt(data, salt=salt, n=cost["n"], r=cost["r"], p=cost["p"], maxmem=256 * 1024 * 1024, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _dummy() -> str:
    """A hash to check a password against when the name is unknown, so both take the same time."""
    return hash_password(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError("error.password_short", 400, n=MIN_PASSWORD)
    if len(password.encode("utf-8")) > MAX_PASSWORD:
        raise UserError("error.password_long", 400, n=MAX_PASSWORD)


class Users:
    """The users file of one server. Reads are cheap (the file is re-read only when it changed,
    so ``kansenspiegel users remove`` takes effect on a running server at once); writes take a
    lock, write a new file (0600) and swap it in atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._data: dict[str, Any] = {"format": FORMAT, "session_key": "", "users": {}}

    # --- reading
    def _current(self) -> dict[str, Any]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {"format": FORMAT, "session_key": "", "users": {}}
        stamp = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("users"), dict):
                        raise ValueError("not a users file")
                except (OSError, ValueError) as exc:
                    raise UserError("error.users_file_damaged", 500, path=str(self.path)) from exc
                self._data, self._stamp = data, stamp
            return self._data

    def __len__(self) -> int:
        return len(self._current()["users"])

    def names(self) -> list[str]:
        return sorted(self._current()["users"])

    def get(self, name: str) -> User | None:
        entry = self._current()["users"].get(name)
        if entry is None:
            return None
        return User(name=name, areas=tuple(entry["areas"]), analyst=bool(entry.get("analyst")), secret=entry["password"])

    def describe(self) -> list[dict[str, Any]]:
        """Every user without the password hash (for listing)."""
        users = self._current()["users"]
        return [
            {"name": n, "areas": list(users[n]["areas"]), "analyst": bool(users[n].get("analyst")), "created": users[n].get("created", "")}
            for n in sorted(users)
        ]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; the same work is done for an unknown name."""
        user = self.get(name)
        ok = verify_password(password, user.secret if user is not None else _dummy())
        return user if ok and user is not None else None

    # --- writing
    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600), "r+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._stamp = None
            data = json.loads(json.dumps(self._current()))
            if not data.get("session_key"):
                data["session_key"] = secrets.token_hex(32)
            yield data
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)  # 0600, a new name
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            self.path.chmod(0o600)
            self._stamp = None

    def add(self, name: str, password: str, areas: Iterable[str], *, analyst: bool = False) -> User:
        if not re.match(USER_NAME, name):
            raise UserError("error.user_name_invalid", 400, name=name)
        check_password_rules(password)
        codes = check_areas(areas)
        with self._editing() as data:
            if name in data["users"]:
                raise UserError("error.user_exists", 409, name=name)
            data["users"][name] = {
                "password": hash_password(password),
                "areas": list(codes),
                "analyst": analyst,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        user = self.get(name)
        assert user is not None
        return user

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the user ends."""
        check_password_rules(password)
        with self._editing() as data:
            if name not in data["users"]:
                raise UserError("error.no_user", 404, name=name)
            data["users"][name]["password"] = hash_password(password)

    def remove(self, name: str) -> None:
        with self._editing() as data:
            if data["users"].pop(name, None) is None:
                raise UserError("error.no_user", 404, name=name)

    # --- sessions
    def _session_key(self) -> bytes:
        key = self._current().get("session_key")
        return bytes.fromhex(key) if key else b""

    def issue(self, user: User, now: float | None = None) -> str:
        """A session token for ``user``: ``name:expires:nonce:signature``."""
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        nonce = secrets.token_urlsafe(12)
        return f"{user.name}:{expires}:{nonce}:{self._sign(user, expires, nonce)}"

    def _sign(self, user: User, expires: int, nonce: str) -> str:
        message = f"{user.name}:{expires}:{nonce}:{user.secret}".encode()
        return hmac.new(self._session_key(), message, "sha256").hexdigest()

    def session(self, token: str, now: float | None = None) -> User | None:
        """The user a token belongs to, or None when it is malformed, forged, expired, ended by
        logging out, or its user was removed or has a new password."""
        match = TOKEN.match(token)
        if match is None or not self._session_key():
            return None
        name, expires, nonce, signature = match.groups()
        now = time.time() if now is None else now
        if not now <= int(expires) <= now + SESSION_SECONDS + 60 or nonce in self._current().get("revoked", {}):
            return None
        user = self.get(name)
        if user is None or not same(signature, self._sign(user, int(expires), nonce)):
            return None
        return user

    def end(self, token: str) -> bool:
        """Log out: a valid token is refused from now on, by every server process on this file and
        after a restart too (its nonce is kept in the file until the token would have expired)."""
        if self.session(token) is None:
            return False
        _, expires, nonce, _ = TOKEN.match(token).groups()  # type: ignore[union-attr]
        with self._editing() as data:
            now = time.time()
            revoked = {n: until for n, until in data.get("revoked", {}).items() if until >= now}
            revoked[nonce] = int(expires)
            data["revoked"] = revoked
        return True


class Throttle:
    """Failed logins per key in a sliding window. `try_` counts an attempt *before* the password
    is checked (under one lock, so attempts at the same moment cannot all slip under the
    limit); `succeeded` takes it back. Beyond ``limit`` attempts in ``window`` seconds further
    ones are refused until the oldest ages out."""

    def __init__(self, limit: int = 5, window: float = 15 * 60, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._tries: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def try_(self, key: str, now: float | None = None) -> float:
        """Seconds to wait (> 0: refused, nothing counted) or 0 (allowed, counted as a failure
        until `succeeded`)."""
        now = time.time() if now is None else now
        with self._lock:
            recent = [t for t in self._tries.get(key, []) if t > now - self.window]
            if len(recent) >= self.limit:
                self._tries[key] = recent
                return recent[0] + self.window - now
            recent.append(now)
            self._tries[key] = recent
            if len(self._tries) > self.max_keys:
                self._forget_oldest(now)
            return 0.0

    def succeeded(self, key: str) -> None:
        with self._lock:
            recent = self._tries.get(key)
            if recent:
                recent.pop()
                if not recent:
                    del self._tries[key]

    def _forget_oldest(self, now: float) -> None:
        """Under a flood of keys: drop the aged-out ones, then the quarter that tried longest ago
        (never everyone's counts at once)."""
        self._tries = {k: v for k, v in self._tries.items() if v and v[-1] > now - self.window}
        if len(self._tries) > self.max_keys:
            keep = sorted(self._tries, key=lambda k: self._tries[k][-1])[len(self._tries) // 4 :]
            self._tries = {k: self._tries[k] for k in keep}
