"""The conversation kit around one round: the plan from the registrations and the figures, the
notes in plain words, every participant's pack, the facilitator sheets, what was said, and the
overview for the feedback session.

Figures come only from the published-views door (`Published`) the caller gives — the packs
and sheets hold published figures and the findings engine's sentences, nothing else.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kansenspiegel.codes import MOMENTS, NATIONAL_CODE
from kansenspiegel.conversations._codes import KINDS, QUESTIONS, ROLES, TABLE_ROLES, THEMES, ground_rules, kind_label, question, role_label, theme_label
from kansenspiegel.conversations._planner import Note, Person, Plan, Settings, move, plan
from kansenspiegel.conversations.store import Record, Registration, Round, Rounds
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.findings import Finding
from kansenspiegel.geography import geography_names, municipalities
from kansenspiegel.messages import Lang, catalogue, t, tn
from kansenspiegel.render.documents import page, write_document, write_workbook
from kansenspiegel.render.table import moment_name
from kansenspiegel.views import Published
from kansenspiegel.views.findings import ranked

#: deviations per area in a pack (the study inventoried "the largest" per region)
TOP = 5
MAX_RECORD = 2_000


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Municipality → its AMR (read once: every pack and sheet asks)."""
    frame = municipalities()
    return dict(zip(frame.gm_code, frame.amr_code))


def finding_key(f: Finding) -> str:
    return f"{f.year}|{f.geography}|{f.grouping}|{f.group}|{f.moment}"


def deviations(pub: Published, year: int, geography: str, lang: Lang, top: int = TOP) -> list[Finding]:
    """An area's largest deviations from the same group in the rest of the country, from the
    findings engine, in its order (published figures only)."""
    try:
        found = ranked(pub, year, geography, lang)
    except UserError:  # an area or year this dataset does not have: nothing to show
        return []
    return [f for f in found if "vs_national" in f.comparisons and f.difference_vs_national_pp is not None][:top]


def finding_url(rnd: Round, f: Finding, lang: Lang) -> str:
    """The dashboard view that shows a finding."""
    view, params = f.view()
    return f"{rnd.dashboard}/{view}?" + urlencode({**params, "lang": lang})


# --- the plan ---------------------------------------------------------------------------------


def planner_people(pub: Published, rnd: Round, regs: list[Registration], lang: Lang = "nl") -> list[Person]:
    """The registrations as the planner sees them: id, role, municipality, its AMR, the slots,
    and the profile of the AMR (the characteristic of its largest deviation from the country)."""
    region_of = _regions()
    profiles: dict[str, str] = {}
    for amr in sorted({region_of.get(r.municipality, "") for r in regs} - {""}):
        found = deviations(pub, rnd.year, amr, lang, top=1)
        profiles[amr] = found[0].grouping if found else ""
    return [Person(r.id, r.role, r.municipality, region_of.get(r.municipality, ""), r.slots, profiles.get(region_of.get(r.municipality, ""), "")) for r in regs]


def settings(rnd: Round) -> Settings:
    return Settings(min_size=rnd.min_size, max_size=rnd.max_size, seed=rnd.seed)


def make_plan(rounds: Rounds, pub: Published, round_id: int, user: str | None, *, method: str = "solver") -> Plan:
    """Plan the round's groups (CP-SAT; ``method='greedy'`` for the baseline) and store the plan."""
    rnd = rounds.get(round_id, user)
    regs = rounds.people(round_id, user)
    made = plan(planner_people(pub, rnd, regs), sorted(rnd.slots), settings(rnd), method=method)
    rounds.save_plan(round_id, user, made)
    return made


def move_person(rounds: Rounds, pub: Published, round_id: int, user: str | None, person: int, group: int | None) -> Plan:
    """A facilitator's move by hand; the plan is re-checked and stored with what the move breaks."""
    rnd = rounds.get(round_id, user)
    current = rounds.plan(round_id, user)
    if current is None:
        raise not_found("rounds.error.no_plan")
    people = planner_people(pub, rnd, rounds.people(round_id, user))
    try:
        moved = move(current, people, sorted(rnd.slots), settings(rnd), person, group)
    except KeyError as exc:
        raise UserError("rounds.error.move_unknown", 400) from exc
    rounds.save_plan(round_id, user, moved)
    return moved


def _roles_text(roles: dict[str, int], lang: Lang) -> str:
    parts = [f"{n} {role_label(r, lang, n).lower()}" for r, n in sorted(roles.items(), key=lambda kv: (-kv[1], kv[0]))]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + t("rounds.and", lang) + parts[-1]


def note_text(note: Note, rnd: Round, names: dict[int, str], lang: Lang = "nl") -> str:
    """A note of the plan in plain words."""
    p = dict(note.params)
    geo = geography_names(lang)
    if "slot" in p:
        p["slot"] = rnd.slots.get(int(p["slot"]), str(p["slot"]))
    if "roles" in p:
        p["roles"] = _roles_text(p["roles"], lang)
    if "role" in p:
        p["role"] = role_label(str(p["role"]), lang, 2).lower()
    if "region" in p:
        p["region"] = geo.get(str(p["region"]), str(p["region"]))
    if "municipality" in p:
        p["municipality"] = geo.get(str(p["municipality"]), str(p["municipality"]))
    if "person" in p:
        p["person"] = names.get(int(p["person"]), "?")
    key = f"rounds.{note.id}"
    if "people" in p and f"{key}.one" in catalogue(lang):
        return tn(key, int(p["people"]), lang, **p)
    return t(key, lang, **p)


def reason_text(reason: str, lang: Lang = "nl") -> str:
    return t(f"rounds.{reason}", lang)


@dataclass
class PlanView:
    """A stored plan with names, slots and words, for the pages and the CLI."""

    round: Round
    plan: Plan
    groups: list[dict[str, Any]]
    unplaced: list[dict[str, Any]]
    notes: list[dict[str, Any]]


def plan_view(rounds: Rounds, round_id: int, user: str | None, lang: Lang = "nl", *, named: bool = True) -> PlanView | None:
    """The plan in words; ``named=False`` (the API) says person numbers where the notes would name someone."""
    rnd = rounds.get(round_id, user)
    made = rounds.plan(round_id, user)
    if made is None:
        return None
    regs = {r.id: r for r in rounds.people(round_id, user)}
    geo = geography_names(lang)
    region_of = _regions()
    names = {i: (r.name if named else f"#{i}") for i, r in regs.items()}

    def member(pid: int) -> dict[str, Any]:
        r = regs[pid]
        region = region_of.get(r.municipality, "")
        return {
            "id": pid,
            "name": r.name,
            "role": role_label(r.role, lang),
            "municipality": geo.get(r.municipality, r.municipality),
            "region": geo.get(region, region),
        }

    groups = []
    for g in made.groups:
        members = [member(m) for m in g.members if m in regs]
        roles = Counter(regs[m].role for m in g.members if m in regs)
        groups.append(
            {"number": g.number, "slot": rnd.slots.get(g.slot, str(g.slot)), "slot_number": g.slot, "members": members, "roles": _roles_text(dict(roles), lang)}
        )
    unplaced = [{**member(pid), "reason": reason_text(reason, lang)} for pid, reason in made.unplaced.items() if pid in regs]
    notes = [{"text": note_text(n, rnd, names, lang), "breaks": n.breaks, "id": n.id} for n in made.notes]
    return PlanView(rnd, made, groups, unplaced, notes)


# --- preparation --------------------------------------------------------------------------------


def _finding_entry(rnd: Round, f: Finding, lang: Lang) -> dict[str, Any]:
    return {
        "key": finding_key(f),
        "text": f.text,
        "caveats": list(f.caveats),
        "group": f.group_label,
        "moment": MOMENTS[f.moment].label(lang),
        "rate": f.rate,
        "low": f.rate_ci_low,
        "high": f.rate_ci_high,
        "elsewhere": f.rest_of_country_rate,
        "difference": f.difference_vs_national_pp,
        "people": f.denominator,
        "url": finding_url(rnd, f, lang),
        "f": f,
    }


def _areas(pub: Published, rnd: Round, municipality: str, lang: Lang) -> list[dict[str, Any]]:
    """The municipality and its AMR, each with its largest deviations from the country."""
    geo = geography_names(lang)
    region = _regions().get(municipality, "")
    out = []
    for code in (municipality, region):
        if not code:
            continue
        level = "municipality" if code.startswith("GM") else "amr"
        found = deviations(pub, rnd.year, code, lang)
        funnel = pub.run("funnel", year=rnd.year, geography=code, lang=lang)
        out.append(
            {
                "code": code,
                "name": geo.get(code, code),
                "level": t(f"codes.level.{level}", lang),
                "deviations": [_finding_entry(rnd, f, lang) for f in found],
                "funnel": funnel[funnel.geography == code].to_dict(orient="records"),
                "national": funnel[funnel.geography == NATIONAL_CODE].to_dict(orient="records"),
                "url": f"{rnd.dashboard}/?" + urlencode({"year": rnd.year, "geo": code, "lang": lang}),
            }
        )
    return out


def _common(pub: Published, rnd: Round, lang: Lang) -> dict[str, Any]:
    return {
        "round": rnd,
        "questions": [question(q, lang) for q in QUESTIONS],
        "rules": ground_rules(lang),
        "synthetic": pub.mirror.synthetic,
        "policy": pub.policy.describe(lang),
        "signal": t("finding.signal", lang),
        "explain": t("finding.explain", lang),
        "moment_label": lambda m: moment_name(m, lang),
        "dashboard": rnd.dashboard,
    }


def pack_html(rounds: Rounds, pub: Published, round_id: int, user: str | None, person_id: int, lang: Lang | None = None) -> str:
    """One participant's preparation: their municipality's and region's largest deviations from
    the country in words (consultants: words first; policy officers, ESF coordinators and
    managers: the tables too), how to read them, and the preparation questions."""
    rnd = rounds.get(round_id, user)
    lang = lang or rnd.lang  # type: ignore[assignment]
    assert lang is not None
    person = rounds.person(round_id, user, person_id)
    made = rounds.plan(round_id, user)
    group = made.group_of(person_id) if made is not None else None
    return page(
        "pack.html",
        lang,
        person=person,
        role=role_label(person.role, lang),
        tables=person.role in TABLE_ROLES,
        group=group,
        slot=rnd.slots.get(group.slot, "") if group else "",
        areas=_areas(pub, rnd, person.municipality, lang),
        **_common(pub, rnd, lang),
    )


def sheet_html(rounds: Rounds, pub: Published, round_id: int, user: str | None, group_number: int, lang: Lang | None = None) -> str:
    """A group's facilitator sheet: every participant's region side by side, the deviations they
    share and those that differ, opening questions, the ground rules, and the answers given."""
    rnd = rounds.get(round_id, user)
    lang = lang or rnd.lang  # type: ignore[assignment]
    assert lang is not None
    view = plan_view(rounds, round_id, user, lang)
    if view is None:
        raise not_found("rounds.error.no_plan")
    group = next((g for g in view.groups if g["number"] == group_number), None)
    if group is None:
        raise not_found("rounds.error.no_group", number=group_number)
    regs = {r.id: r for r in rounds.people(round_id, user)}
    answers = rounds.answers(round_id, user)
    region_of = _regions()
    geo = geography_names(lang)
    regions = sorted({region_of.get(regs[m["id"]].municipality, "") for m in group["members"]} - {""})
    by_region = {code: deviations(pub, rnd.year, code, lang) for code in regions}
    # one row per deviation (group and moment), a column per region
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for code, found in by_region.items():
        for f in found:
            key = (f.grouping, f.group, f.moment)
            row = rows.setdefault(key, {"group": f.group_label, "moment": MOMENTS[f.moment].label(lang), "cells": {}, "texts": {}})
            row["cells"][code] = f.difference_vs_national_pp
            row["texts"][code] = f.text
    shared = [r for r in rows.values() if len(r["cells"]) > 1]
    differing = [r for r in rows.values() if len(r["cells"]) == 1]
    openers = [
        t("rounds.opener_shared", lang, group=r["group"].lower(), moment=r["moment"].lower(), regions=t("rounds.and", lang).join(geo[c] for c in r["cells"]))
        for r in shared[:3]
    ]
    openers += [t("rounds.opener_one", lang, group=r["group"].lower(), moment=r["moment"].lower(), region=geo[next(iter(r["cells"]))]) for r in differing[:2]]
    members = [
        {**m, "answers": [(question(q, lang), answers.get(m["id"], {}).get(q, "")) for q in QUESTIONS], "answered": bool(answers.get(m["id"]))}
        for m in group["members"]
    ]
    return page(
        "sheet.html",
        lang,
        group=group,
        members=members,
        regions=[(c, geo.get(c, c)) for c in regions],
        shared=shared,
        differing=differing,
        openers=openers,
        **_common(pub, rnd, lang),
    )


def write_packs(
    rounds: Rounds, pub: Published, round_id: int, user: str | None, folder: str | Path, *, formats: tuple[str, ...] = ("pdf", "html")
) -> list[Path]:
    """Every participant's pack and every group's facilitator sheet into ``folder``; also a
    text file with the invitation each participant can be sent (the product sends no e-mail)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rnd = rounds.get(round_id, user)
    made = rounds.plan(round_id, user)
    written: list[Path] = []
    for person in rounds.people(round_id, user):
        html = pack_html(rounds, pub, round_id, user, person.id)
        stem = f"pakket-{person.id:03d}-{_slug(person.name)}" if rnd.lang == "nl" else f"pack-{person.id:03d}-{_slug(person.name)}"
        for fmt in formats:
            written.append(write_document(html, folder / f"{stem}.{fmt}"))
    if made is not None:
        for g in made.groups:
            html = sheet_html(rounds, pub, round_id, user, g.number)
            stem = f"gespreksleider-groep-{g.number:02d}" if rnd.lang == "nl" else f"facilitator-group-{g.number:02d}"
            for fmt in formats:
                written.append(write_document(html, folder / f"{stem}.{fmt}"))
        written.append(write_invitations(rounds, round_id, user, folder / ("uitnodigingen.txt" if rnd.lang == "nl" else "invitations.txt")))
    return written


def write_invitations(rounds: Rounds, round_id: int, user: str | None, path: Path) -> Path:
    """The texts to send: per participant their group, time slot and what to prepare."""
    rnd = rounds.get(round_id, user)
    view = plan_view(rounds, round_id, user, rnd.lang)  # type: ignore[arg-type]
    lang: Lang = "en" if rnd.lang == "en" else "nl"
    lines = []
    people = {p.id: p for p in rounds.people(round_id, user)}
    if view is not None:
        for g in view.groups:
            for m in g["members"]:
                person = people[m["id"]]
                lines.append(f"{t('rounds.to', lang)}: {person.name} <{person.email}>")
                lines.append(t("rounds.invitation", lang, name=person.name, round=rnd.name, slot=g["slot"], group=g["number"]))
                lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "x"


# --- afterwards: what was said ---------------------------------------------------------------


def record(
    rounds: Rounds,
    pub: Published,
    round_id: int,
    user: str | None,
    *,
    group: int,
    theme: str,
    role: str,
    kind: str,
    text: str,
    finding: str = "",
    story: bool = False,
    share: bool = False,
) -> int:
    """One theme raised in a session (or a good example, ``story``), validated: a theme, role and
    kind from the lists, a finding of one of the group's areas (or none), a text of at most 2,000
    characters; what may be shared on the dashboard names nobody of the round."""
    made = rounds.plan(round_id, user)
    if made is None or group not in {g.number for g in made.groups}:
        raise UserError("rounds.error.no_group", 400, number=group)
    if theme not in THEMES:
        raise UserError("rounds.error.record_theme", 400)
    if role not in ROLES:
        raise UserError("rounds.error.record_role", 400)
    if kind not in KINDS:
        raise UserError("rounds.error.record_kind", 400)
    text = text.strip()
    if not text or len(text) > MAX_RECORD:
        raise UserError("rounds.error.record_text", 400, limit=MAX_RECORD)
    if finding and finding not in group_findings(rounds, pub, round_id, user, group):
        raise UserError("rounds.error.record_finding", 400)
    if share:
        regs = rounds.people(round_id, user)
        if _names_in(text, regs):
            raise UserError("rounds.error.record_names", 400)
    return rounds.record(round_id, user, group=group, theme=theme, role=role, kind=kind, finding=finding, text=text, story=story, share=share and bool(finding))


def _names_in(text: str, regs: list[Registration]) -> bool:
    """Whether a text names someone of the round (full name, a name part of 4+ letters, an
    e-mail address) or holds any e-mail address."""
    low = text.lower()
    if re.search(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", low):
        return True
    words = set(re.findall(r"\w+", low))
    for r in regs:
        if r.name.lower() in low or r.email in low:
            return True
        if any(len(part) >= 4 and part in words for part in re.findall(r"\w+", r.name.lower())):
            return True
    return False


def group_findings(rounds: Rounds, pub: Published, round_id: int, user: str | None, group: int, lang: Lang = "nl") -> dict[str, str]:
    """The findings a record of a group may explain: its members' municipalities' and regions'
    largest deviations (key → sentence)."""
    rnd = rounds.get(round_id, user)
    made = rounds.plan(round_id, user)
    regs = {r.id: r for r in rounds.people(round_id, user)}
    region_of = _regions()
    grp = next((g for g in made.groups if g.number == group), None) if made else None
    if grp is None:
        return {}
    areas = sorted(
        {regs[m].municipality for m in grp.members if m in regs} | {region_of.get(regs[m].municipality, "") for m in grp.members if m in regs} - {""}
    )
    out: dict[str, str] = {}
    for code in areas:
        for f in deviations(pub, rnd.year, code, lang):
            out[finding_key(f)] = f"{geography_names(lang).get(code, code)}: {f.text}"
    return out


def _record_entry(r: Record, lang: Lang, findings: dict[str, str]) -> dict[str, Any]:
    return {
        "id": r.id,
        "group": r.group,
        "theme": theme_label(r.theme, lang),
        "role": role_label(r.role, lang),
        "kind": kind_label(r.kind, lang),
        "finding": findings.get(r.finding, ""),
        "text": r.text,
        "story": r.story,
        "share": r.share,
    }


def record_entries(records: list[Record], lang: Lang = "nl", findings: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Records in words (theme, role, kind labels), for the pages."""
    return [_record_entry(r, lang, findings or {}) for r in records]


def overview_data(rounds: Rounds, pub: Published, round_id: int, user: str | None, lang: Lang = "nl") -> dict[str, Any]:
    """What was said across the round's sessions, by theme and role, for the feedback session."""
    rnd = rounds.get(round_id, user)
    recs = rounds.records(round_id, user)
    made = rounds.plan(round_id, user)
    findings: dict[str, str] = {}
    for g in made.groups if made else ():
        findings.update(group_findings(rounds, pub, round_id, user, g.number, lang))
    counts = Counter((r.theme, r.role) for r in recs)
    roles_present = [r for r in ROLES if any(k[1] == r for k in counts)]
    table = [
        {"theme": theme_label(th, lang), "cells": [counts.get((th, ro), 0) for ro in roles_present], "total": sum(counts.get((th, ro), 0) for ro in ROLES)}
        for th in THEMES
        if any(counts.get((th, ro), 0) for ro in ROLES)
    ]
    by_theme = []
    for th in THEMES:
        mine = [r for r in recs if r.theme == th and not r.story]
        if mine:
            by_theme.append(
                {
                    "theme": theme_label(th, lang),
                    "kinds": [
                        (kind_label(k, lang), [_record_entry(r, lang, findings) for r in mine if r.kind == k]) for k in KINDS if any(r.kind == k for r in mine)
                    ],
                }
            )
    sessions = len({r.group for r in recs})
    return {
        "round": rnd,
        "roles": [role_label(r, lang, 2) for r in roles_present],
        "table": table,
        "by_theme": by_theme,
        "stories": [_record_entry(r, lang, findings) for r in recs if r.story],
        "records": [_record_entry(r, lang, findings) for r in recs],
        "sessions": sessions,
        "groups": len(made.groups) if made else 0,
        "count": len(recs),
    }


def overview_html(rounds: Rounds, pub: Published, round_id: int, user: str | None, lang: Lang = "nl") -> str:
    data = overview_data(rounds, pub, round_id, user, lang)
    return page("conversations.html", lang, d=data, synthetic=pub.mirror.synthetic)


def write_overview(rounds: Rounds, pub: Published, round_id: int, user: str | None, path: str | Path, lang: Lang = "nl") -> Path:
    """The overview as PDF, HTML or XLSX (by the file's suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        d = overview_data(rounds, pub, round_id, user, lang)
        head = [t("rounds.col_group", lang), t("rounds.col_theme", lang), t("rounds.col_role", lang), t("rounds.col_kind", lang), t("rounds.col_finding", lang)]
        head += [t("rounds.col_story", lang), t("rounds.col_text", lang)]
        rows = [[r["group"], r["theme"], r["role"], r["kind"], r["finding"], t("ui.yes", lang) if r["story"] else "", r["text"]] for r in d["records"]]
        counts = [[row["theme"], *row["cells"], row["total"]] for row in d["table"]]
        return write_workbook(
            [
                (t("rounds.sheet_counts", lang), [t("rounds.col_theme", lang), *d["roles"], t("rounds.col_total", lang)], counts),
                (t("rounds.sheet_records", lang), head, rows),
            ],
            path,
        )
    return write_document(overview_html(rounds, pub, round_id, user, lang), path)


def stories(rounds: Rounds | None, dataset: str, geographies: set[str], year: int, lang: Lang = "nl") -> dict[str, list[dict[str, str]]]:
    """What colleagues said about a finding ("wat collega's hierover zeiden"): per finding key the
    records a facilitator marked shareable, of rounds whose facilitators consented; no names."""
    if rounds is None:
        return {}
    out: dict[str, list[dict[str, str]]] = {}
    for r in rounds.shared_stories(dataset, geographies, year):
        out.setdefault(r.finding, []).append(
            {"theme": theme_label(r.theme, lang), "role": role_label(r.role, lang), "kind": kind_label(r.kind, lang), "text": r.text}
        )
    return out
