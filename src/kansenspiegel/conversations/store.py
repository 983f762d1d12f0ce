"""The rounds database: staff personal data, in a file of its own (never in the figures').

Why SQLite and not DuckDB: this file holds names and e-mail addresses of municipal staff,
which must be deletable per person *without a trace*. SQLite's ``secure_delete`` overwrites
deleted content with zeros, and a ``VACUUM`` after every deletion rebuilds the file without
free pages; DuckDB gives no such promise for deleted rows. The rollback journal
(``journal_mode=DELETE``) is removed after each transaction; no WAL file keeps old pages.

Access: every round has facilitators (user names of the server's accounts). A round is read
or changed only for one of its facilitators; ``user=None`` is the one local person (a server
without accounts, or the command line on this computer), who may do everything. A round that
is not yours is answered as a round that does not exist.

Nothing here logs; nothing here sends e-mail.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kansenspiegel.conversations._planner import Plan
from kansenspiegel.errors import UserError, not_found

SCHEMA = """
CREATE TABLE IF NOT EXISTS rounds (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, year INTEGER NOT NULL, dataset TEXT NOT NULL,
    min_size INTEGER NOT NULL, max_size INTEGER NOT NULL, lang TEXT NOT NULL, seed INTEGER NOT NULL,
    dashboard TEXT NOT NULL, share_stories INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slots (
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE, number INTEGER NOT NULL, label TEXT NOT NULL,
    PRIMARY KEY (round_id, number));
CREATE TABLE IF NOT EXISTS facilitators (
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE, user TEXT NOT NULL, PRIMARY KEY (round_id, user));
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, municipality TEXT NOT NULL, registered_at TEXT NOT NULL,
    UNIQUE (round_id, email));
CREATE TABLE IF NOT EXISTS availability (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE, slot INTEGER NOT NULL, PRIMARY KEY (person_id, slot));
CREATE TABLE IF NOT EXISTS answers (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE, question INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (person_id, question));
CREATE TABLE IF NOT EXISTS plans (
    round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE, plan TEXT NOT NULL, made_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    group_number INTEGER NOT NULL, theme TEXT NOT NULL, role TEXT NOT NULL, kind TEXT NOT NULL, finding TEXT NOT NULL,
    text TEXT NOT NULL, story INTEGER NOT NULL, share INTEGER NOT NULL, recorded_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Round:
    id: int
    name: str
    year: int
    dataset: str
    min_size: int
    max_size: int
    lang: str
    seed: int
    dashboard: str
    share_stories: bool
    created_at: str
    slots: dict[int, str] = field(default_factory=dict)
    facilitators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registration:
    id: int
    round_id: int
    name: str
    email: str
    role: str
    municipality: str
    slots: frozenset[int]
    registered_at: str


@dataclass(frozen=True)
class Record:
    id: int
    round_id: int
    group: int
    theme: str
    role: str
    kind: str
    #: the finding it explains: ``year|geography|grouping|group|moment`` ('' none)
    finding: str
    text: str
    story: bool
    share: bool
    recorded_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Rounds:
    """The rounds database file (created on first use, mode 0600)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._con: sqlite3.Connection | None = None

    # -- the connection -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._con is None:
            new = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if new:  # made private before anything is written into it
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA secure_delete = ON")
            con.execute("PRAGMA journal_mode = DELETE")
            con.executescript(SCHEMA)
            self._con = con
        return self._con

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction: everything or nothing."""
        with self._lock:
            con = self._connect()
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._con is None and not self.path.exists():
                return []
            return self._connect().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def _wipe(self, con: sqlite3.Connection) -> None:
        """After a deletion: nothing of it left in the file (free pages too)."""
        con.execute("VACUUM")

    # -- rounds --------------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        year: int,
        dataset: str,
        slots: list[str],
        min_size: int = 4,
        max_size: int = 5,
        lang: str = "nl",
        seed: int = 0,
        dashboard: str = "http://127.0.0.1:8000",
        facilitators: tuple[str, ...] = (),
    ) -> Round:
        name = " ".join(name.split())
        labels = [" ".join(s.split()) for s in slots]
        if not name or len(name) > 80:
            raise UserError("rounds.error.round_name", 400)
        if not labels or len(labels) > 40 or any(not s or len(s) > 60 for s in labels) or len(set(labels)) != len(labels):
            raise UserError("rounds.error.round_slots", 400)
        if not (2 <= min_size <= max_size <= 12):
            raise UserError("rounds.error.round_sizes", 400)
        if lang not in ("nl", "en"):
            raise UserError("rounds.error.round_lang", 400)
        with self._tx() as con:
            cur = con.execute(
                "INSERT INTO rounds (name, year, dataset, min_size, max_size, lang, seed, dashboard, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (name, year, dataset, min_size, max_size, lang, seed, dashboard.rstrip("/"), _now()),
            )
            rid = int(cur.lastrowid or 0)
            con.executemany("INSERT INTO slots VALUES (?,?,?)", [(rid, i + 1, s) for i, s in enumerate(labels)])
            con.executemany("INSERT INTO facilitators VALUES (?,?)", [(rid, f) for f in sorted(set(facilitators))])
        return self.get(rid, None)

    def all(self, user: str | None) -> list[Round]:
        ids = [r[0] for r in self._read("SELECT id FROM rounds ORDER BY id")]
        rounds = [self.get(i, None) for i in ids]
        return [r for r in rounds if user is None or user in r.facilitators]

    def get(self, round_id: int, user: str | None) -> Round:
        rows = self._read(
            "SELECT id, name, year, dataset, min_size, max_size, lang, seed, dashboard, share_stories, created_at FROM rounds WHERE id = ?", (round_id,)
        )
        if not rows:
            raise not_found("rounds.error.no_round", id=round_id)
        r = rows[0]
        slots = {int(n): str(label) for n, label in self._read("SELECT number, label FROM slots WHERE round_id = ? ORDER BY number", (round_id,))}
        facs = tuple(str(f[0]) for f in self._read("SELECT user FROM facilitators WHERE round_id = ? ORDER BY user", (round_id,)))
        found = Round(int(r[0]), r[1], int(r[2]), r[3], int(r[4]), int(r[5]), r[6], int(r[7]), r[8], bool(r[9]), r[10], slots, facs)
        if user is not None and user not in found.facilitators:
            raise not_found("rounds.error.no_round", id=round_id)
        return found

    def set_sharing(self, round_id: int, user: str | None, share: bool) -> None:
        """The facilitator's consent to show the round's shareable stories on the dashboard."""
        self.get(round_id, user)
        with self._tx() as con:
            con.execute("UPDATE rounds SET share_stories = ? WHERE id = ?", (int(share), round_id))

    def add_facilitator(self, round_id: int, user: str | None, name: str) -> None:
        self.get(round_id, user)
        with self._tx() as con:
            con.execute("INSERT OR IGNORE INTO facilitators VALUES (?,?)", (round_id, name))

    def delete(self, round_id: int, user: str | None) -> None:
        """The round and everything in it: registrations, answers, plan, records."""
        self.get(round_id, user)
        with self._tx() as con:
            con.execute("DELETE FROM rounds WHERE id = ?", (round_id,))
        with self._lock:
            self._wipe(self._connect())

    # -- registrations -------------------------------------------------------------------

    def register(self, round_id: int, user: str | None, people: list[dict[str, Any]], *, replace: bool = False) -> int:
        """Add registrations (already validated: name, email, role, municipality, slots) in one
        transaction; an e-mail address already in the round is an error, unless ``replace``
        (its registration is then updated). Returns how many were added or updated."""
        rnd = self.get(round_id, user)
        with self._tx() as con:
            for p in people:
                if any(s not in rnd.slots for s in p["slots"]):
                    raise UserError("rounds.error.round_unknown_slot", 400)
                existing = con.execute("SELECT id FROM people WHERE round_id = ? AND email = ?", (round_id, p["email"])).fetchone()
                if existing is not None and not replace:
                    raise UserError("rounds.error.round_registered", 400, email=p["email"])
                if existing is not None:
                    pid = int(existing[0])
                    con.execute("UPDATE people SET name = ?, role = ?, municipality = ? WHERE id = ?", (p["name"], p["role"], p["municipality"], pid))
                    con.execute("DELETE FROM availability WHERE person_id = ?", (pid,))
                else:
                    cur = con.execute(
                        "INSERT INTO people (round_id, name, email, role, municipality, registered_at) VALUES (?,?,?,?,?,?)",
                        (round_id, p["name"], p["email"], p["role"], p["municipality"], _now()),
                    )
                    pid = int(cur.lastrowid or 0)
                con.executemany("INSERT INTO availability VALUES (?,?)", [(pid, s) for s in sorted(set(p["slots"]))])
        return len(people)

    def people(self, round_id: int, user: str | None) -> list[Registration]:
        self.get(round_id, user)
        rows = self._read("SELECT id, round_id, name, email, role, municipality, registered_at FROM people WHERE round_id = ? ORDER BY id", (round_id,))
        slots: dict[int, set[int]] = {}
        for pid, s in self._read("SELECT a.person_id, a.slot FROM availability a JOIN people p ON p.id = a.person_id WHERE p.round_id = ?", (round_id,)):
            slots.setdefault(int(pid), set()).add(int(s))
        return [Registration(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], frozenset(slots.get(int(r[0]), set())), r[6]) for r in rows]

    def person(self, round_id: int, user: str | None, person_id: int) -> Registration:
        found = [p for p in self.people(round_id, user) if p.id == person_id]
        if not found:
            raise not_found("rounds.error.no_person", id=person_id)
        return found[0]

    def delete_person(self, round_id: int, user: str | None, person_id: int) -> None:
        """One person and every trace of them: registration, availability, answers, their place
        in the plan (the plan is kept, marked as changed)."""
        self.person(round_id, user, person_id)
        plan = self.plan(round_id, user)
        with self._tx() as con:
            con.execute("DELETE FROM people WHERE id = ?", (person_id,))
            if plan is not None:
                data = plan.as_dict()
                for g in data["groups"]:
                    g["members"] = [m for m in g["members"] if m != person_id]
                data["groups"] = [g for g in data["groups"] if g["members"]]
                data["unplaced"].pop(str(person_id), None)
                data["notes"] = [n for n in data["notes"] if n["params"].get("person") != person_id]
                data["method"] = "manual"
                con.execute("UPDATE plans SET plan = ? WHERE round_id = ?", (json.dumps(data), round_id))
        with self._lock:
            self._wipe(self._connect())

    def export_person(self, round_id: int, user: str | None, person_id: int) -> dict[str, Any]:
        """Everything this file holds about one person (AVG article 15): their registration, the
        time slots, their answers and their group. Records of the conversations name no one."""
        rnd = self.get(round_id, user)
        p = self.person(round_id, user, person_id)
        plan = self.plan(round_id, user)
        group = plan.group_of(person_id) if plan is not None else None
        return {
            "round": rnd.name,
            "name": p.name,
            "email": p.email,
            "role": p.role,
            "municipality": p.municipality,
            "registered_at": p.registered_at,
            "available": [rnd.slots[s] for s in sorted(p.slots)],
            "answers": {str(q): text for q, text in sorted(self.answers(round_id, user).get(person_id, {}).items())},
            "group": None if group is None else {"number": group.number, "slot": rnd.slots.get(group.slot, "")},
        }

    # -- answers to the preparation questions --------------------------------------------

    def set_answers(self, round_id: int, user: str | None, answers: dict[int, dict[int, str]]) -> None:
        """Answers per person and question (an empty text removes an answer), in one transaction."""
        known = {p.id for p in self.people(round_id, user)}
        with self._tx() as con:
            for pid, by_question in answers.items():
                if pid not in known:
                    raise not_found("rounds.error.no_person", id=pid)
                for q, text in by_question.items():
                    con.execute("DELETE FROM answers WHERE person_id = ? AND question = ?", (pid, q))
                    if text.strip():
                        con.execute("INSERT INTO answers VALUES (?,?,?)", (pid, q, text.strip()))

    def answers(self, round_id: int, user: str | None) -> dict[int, dict[int, str]]:
        self.get(round_id, user)
        out: dict[int, dict[int, str]] = {}
        rows = self._read("SELECT a.person_id, a.question, a.text FROM answers a JOIN people p ON p.id = a.person_id WHERE p.round_id = ?", (round_id,))
        for pid, q, text in rows:
            out.setdefault(int(pid), {})[int(q)] = str(text)
        return out

    # -- the plan ------------------------------------------------------------------------

    def save_plan(self, round_id: int, user: str | None, plan: Plan) -> None:
        self.get(round_id, user)
        with self._tx() as con:
            con.execute("INSERT OR REPLACE INTO plans VALUES (?,?,?)", (round_id, json.dumps(plan.as_dict()), _now()))

    def plan(self, round_id: int, user: str | None) -> Plan | None:
        self.get(round_id, user)
        rows = self._read("SELECT plan FROM plans WHERE round_id = ?", (round_id,))
        return Plan.from_dict(json.loads(rows[0][0])) if rows else None

    # -- what was said ---------------------------------------------------------------------

    def record(
        self, round_id: int, user: str | None, *, group: int, theme: str, role: str, kind: str, finding: str, text: str, story: bool, share: bool
    ) -> int:
        self.get(round_id, user)
        with self._tx() as con:
            cur = con.execute(
                "INSERT INTO records (round_id, group_number, theme, role, kind, finding, text, story, share, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (round_id, group, theme, role, kind, finding, text, int(story), int(share), _now()),
            )
            return int(cur.lastrowid or 0)

    def records(self, round_id: int, user: str | None) -> list[Record]:
        self.get(round_id, user)
        rows = self._read(
            "SELECT id, round_id, group_number, theme, role, kind, finding, text, story, share, recorded_at FROM records WHERE round_id = ? ORDER BY id",
            (round_id,),
        )
        return [Record(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]), r[10]) for r in rows]

    def delete_record(self, round_id: int, user: str | None, record_id: int) -> None:
        self.get(round_id, user)
        with self._tx() as con:
            con.execute("DELETE FROM records WHERE id = ? AND round_id = ?", (record_id, round_id))
        with self._lock:
            self._wipe(self._connect())

    def shared_stories(self, dataset: str, geographies: set[str], year: int | None = None) -> list[Record]:
        """What may be shown on the dashboard: records marked shareable, of rounds whose
        facilitators consented, about a finding in one of ``geographies``."""
        rows = self._read(
            "SELECT r.id, r.round_id, r.group_number, r.theme, r.role, r.kind, r.finding, r.text, r.story, r.share, r.recorded_at "
            "FROM records r JOIN rounds o ON o.id = r.round_id WHERE o.share_stories = 1 AND r.share = 1 AND r.finding <> '' AND o.dataset = ? ORDER BY r.id",
            (dataset,),
        )
        out = []
        for r in rows:
            parts = str(r[6]).split("|")
            if len(parts) == 5 and parts[1] in geographies and (year is None or parts[0] == str(year)):
                out.append(Record(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]), r[10]))
        return out
