"""Registrations and answers from a file (CSV or XLSX), validated like all input: every problem
with its row, column and value, in Dutch (or English), and nothing stored when there is one.

A registrations file has one row per person, headed (Dutch or English, any case):

=================  =============  ========================================================
``naam``           ``name``       the person's name
``e-mail``         ``email``      their e-mail address (one registration per address)
``rol``            ``role``       consulent, leidinggevende, beleidsmedewerker, ESF-coördinator, anders
``gemeente``       ``municipality``  a 2020 municipality: code (GM0363) or name (Amsterdam)
``tijdstippen``    ``slots``      the round's time slots they can attend: numbers (1, 3) or
                                  names, separated by commas or semicolons
=================  =============  ========================================================

An answers file has ``e-mail`` and ``vraag 1`` … ``vraag 4`` (``question 1`` …).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from kansenspiegel.conversations._codes import QUESTIONS, ROLE_WORDS, ROLES, role_label
from kansenspiegel.geography import municipalities, resolve
from kansenspiegel.ingest import IngestError, Limits, Problem, problem, read_table

#: A registrations file is small: a round of the study had 77 people.
LIMITS = Limits(max_rows=5_000, max_columns=30, max_cell_chars=2_000, max_unpacked_bytes=20 * 1024 * 1024)
MAX_NAME = 100
MAX_ANSWER = 2_000
#: a plain e-mail address: something@domain.tld, no spaces or angle brackets
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")

COLUMNS = {
    "name": ("naam", "name", "voornaam en achternaam"),
    "email": ("e-mail", "email", "e-mailadres", "emailadres", "mail"),
    "role": ("rol", "role", "functie"),
    "municipality": ("gemeente", "municipality"),
    "slots": ("tijdstippen", "slots", "beschikbaar", "available"),
}
HEADERS = {"nl": ("naam", "e-mail", "rol", "gemeente", "tijdstippen"), "en": ("name", "email", "role", "municipality", "slots")}


def _header_map(path: Path, frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, str]:
    """Our field → the file's column; every missing or doubled column is a problem."""
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for column in frame.columns:
        key = " ".join(str(column).strip().lower().replace("_", " ").split())
        field = next((f for f, names in wanted.items() if key in names), None)
        if field is None:
            continue
        if field in found:
            problems.append(problem("each_column_once", "duplicate_column", row=1, column=str(column), target=str(column)))
        found[field] = str(column)
    for field in required:
        if field not in found:
            problems.append(problem("column_in_header", "missing_column", row=1, column=wanted[field][0]))
    if problems:
        raise IngestError(path.name, problems)
    return found


def _municipality(text: str) -> str | None:
    codes = set(municipalities().gm_code)
    code = text.strip().upper()
    if code in codes:
        return code
    found = resolve(text, levels=("municipality",))
    return found if found in codes else None


def _slot_numbers(text: str, slots: dict[int, str]) -> list[int] | None:
    """The slots a cell names (numbers or names); None when one of them is not a slot of the round."""
    by_label = {" ".join(label.lower().split()): n for n, label in slots.items()}
    out: list[int] = []
    for part in re.split(r"[;,\n]", text):
        part = " ".join(part.strip().lower().split())
        if not part:
            continue
        if part.isdigit() and int(part) in slots:
            out.append(int(part))
        elif part in by_label:
            out.append(by_label[part])
        else:
            return None
    return sorted(set(out))


def read_registrations(path: str | Path, slots: dict[int, str], *, limits: Limits = LIMITS) -> list[dict[str, Any]]:
    """The registrations in a file, validated; raises `IngestError` naming every problem."""
    path = Path(path)
    frame, first = read_table(path, limits)
    cols = _header_map(path, frame, COLUMNS, tuple(COLUMNS))
    if frame.empty:
        raise IngestError(path.name, [problem("data_row", "no_data_rows")])
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    role_codes = ", ".join(role_label(r, "nl") for r in ROLES)
    slot_list = ", ".join(f"{n} ({label})" for n, label in slots.items())
    for i, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row))
        line = first + i
        cell = {f: ("" if pd.isna(values[c]) else str(values[c]).strip()) for f, c in cols.items()}
        if not any(cell.values()):
            continue  # an empty line in a spreadsheet
        name = " ".join(cell["name"].split())
        if not name or len(name) > MAX_NAME:
            problems.append(problem("person_name", None, row=line, column=cols["name"], value=cell["name"][:80], limit=MAX_NAME))
        email = cell["email"].lower()
        if not EMAIL.match(email):
            problems.append(problem("email_address", None, row=line, column=cols["email"], value=cell["email"][:80]))
        elif email in seen:
            problems.append(problem("one_registration_per_email", "duplicate_email", row=line, column=cols["email"], value=cell["email"], first=seen[email]))
        else:
            seen[email] = line
        word = cell["role"].lower()
        role = word if word in ROLES else ROLE_WORDS.get(word) or next((r for r in ROLES if role_label(r, "en").lower() == word), None)
        if role is None:
            problems.append(problem("one_of", None, row=line, column=cols["role"], value=cell["role"][:80], codes=role_codes))
        muni = _municipality(cell["municipality"]) if cell["municipality"] else None
        if muni is None:
            problems.append(problem("municipality_code_or_name", None, row=line, column=cols["municipality"], value=cell["municipality"][:80]))
        numbers = _slot_numbers(cell["slots"], slots)
        if numbers is None:
            problems.append(problem("round_slots", None, row=line, column=cols["slots"], value=cell["slots"][:80], slots=slot_list))
        out.append({"name": name, "email": email, "role": role, "municipality": muni, "slots": numbers or []})
    if problems:
        raise IngestError(path.name, problems)
    if not out:
        raise IngestError(path.name, [problem("data_row", "no_data_rows")])
    return out


def read_answers(path: str | Path, emails: dict[str, int], *, limits: Limits = LIMITS) -> dict[int, dict[int, str]]:
    """Answers to the preparation questions per person (by e-mail address of a registration)."""
    path = Path(path)
    frame, first = read_table(path, limits)
    wanted: dict[str, tuple[str, ...]] = {"email": COLUMNS["email"]}
    for q in QUESTIONS:
        wanted[f"q{q}"] = (f"vraag {q}", f"question {q}", f"antwoord {q}", f"answer {q}")
    cols = _header_map(path, frame, wanted, ("email",))
    problems: list[Problem] = []
    out: dict[int, dict[int, str]] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row))
        line = first + i
        email = ("" if pd.isna(values[cols["email"]]) else str(values[cols["email"]])).strip().lower()
        if not email:
            continue
        if email not in emails:
            problems.append(problem("registered_email", None, row=line, column=cols["email"], value=email[:80]))
            continue
        for q in QUESTIONS:
            column = cols.get(f"q{q}")
            if column is None or pd.isna(values[column]):
                continue
            text = str(values[column]).strip()
            if len(text) > MAX_ANSWER:
                problems.append(problem("answer_length", None, row=line, column=column, value=text[:40] + "…", limit=MAX_ANSWER))
            elif text:
                out.setdefault(emails[email], {})[q] = text
    if problems:
        raise IngestError(path.name, problems)
    return out


def write_registration_template(path: str | Path, slots: dict[int, str], lang: str = "nl") -> Path:
    """A fill-in registrations file for a round: the headers and two example rows."""
    path = Path(path)
    headers = HEADERS["en" if lang == "en" else "nl"]
    first = list(slots)[:2] or [1]
    rows = [
        ["Voorbeeld Eén", "voorbeeld.een@gemeente.example", role_label("consultant", "nl"), "Amsterdam", ", ".join(str(s) for s in first)],
        ["Voorbeeld Twee", "voorbeeld.twee@gemeente.example", role_label("policy_officer", "nl"), "GM0599", str(first[-1])],
    ]
    frame = pd.DataFrame(rows, columns=list(headers))
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, sep=";", encoding="utf-8")
    return path
