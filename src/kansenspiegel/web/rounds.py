"""The conversation kit's pages: rounds, registrations, the plan, packs, what was said, overview.

Staff personal data: every page and file here is for a round's facilitators only (on a server
with accounts: a login, and the round lists the user; without accounts: the one person on this
computer). Every form carries the CSRF token (`pages._csrf`); nothing here is cached or logged;
a person is named in URLs by number, never by name or e-mail address. Figures come from the
public door (`app.state.public`): packs and sheets hold published figures only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal
from zipfile import ZIP_DEFLATED, ZipFile

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from kansenspiegel import conversations as kit
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.ingest import IngestError
from kansenspiegel.messages import Lang, t
from kansenspiegel.render.documents import pdf_bytes
from kansenspiegel.views import Published
from kansenspiegel.web import accounts
from kansenspiegel.web.limits import ROUNDS_MAX_BYTES
from kansenspiegel.web.pages import CSRF_COOKIE, LangQ, _csrf, _form_token, _render
from kansenspiegel.web.uploads import upload_dir

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/rounds", tags=["rounds"])

#: A registrations or answers file is small (the study: 77 people); `BodyLimit` holds it while the body is read.
MAX_FILE_BYTES = ROUNDS_MAX_BYTES
TABS = ("registrations", "plan", "packs", "record", "overview")
RoundId = Annotated[int, FastPath(ge=1, le=10**9)]
PersonId = Annotated[int, FastPath(ge=1, le=10**12)]


def store(request: Request) -> kit.Rounds:
    rounds: kit.Rounds | None = getattr(request.app.state, "rounds", None)
    if rounds is None:
        raise not_found("rounds.error.rounds_off")
    return rounds


def who(request: Request) -> str | None:
    """The facilitator asking: a user name on a server with accounts, None for the local person."""
    user = accounts.require_user(request)
    return None if user is None else user.name


def _round(request: Request, round_id: int) -> tuple[kit.Rounds, str | None, kit.Round]:
    """The rounds file, the facilitator asking, and their round (404 when it is not theirs)."""
    rounds = store(request)
    user = who(request)
    return rounds, user, rounds.get(round_id, user)


def figures(request: Request, rnd: kit.Round) -> Published:
    """The published figures a round starts from (the dashboard's dataset, public policy)."""
    pub: Published = request.app.state.public
    if rnd.dataset != pub.mirror.dataset:
        raise UserError("rounds.error.other_dataset", 409, dataset=rnd.dataset, here=pub.mirror.dataset)
    return pub


@contextlib.contextmanager
def heavy(request: Request) -> Iterator[None]:
    """Planning a round or printing every pack takes a core for some tens of seconds: one at a
    time on this server; another one meanwhile is told to try again shortly (429), not queued."""
    lock: threading.Lock = request.app.state.planning
    if not lock.acquire(blocking=False):
        raise UserError("rounds.error.busy", 429)
    try:
        yield
    finally:
        lock.release()


def _stories_changed(request: Request) -> None:
    """Published pages show shared stories: a change drops the answer cache."""
    request.app.state.cache_generation = getattr(request.app.state, "cache_generation", 0) + 1


def _page(request: Request, lang: Lang, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    token = _form_token(request)
    response = _render(request, template, lang, {}, title_page="rounds", token=token, status=status, path=request.url.path, **context)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


def _tab(request: Request, rnd: kit.Round, tab: str, lang: Lang, **context: Any) -> HTMLResponse:
    rounds = store(request)
    user = who(request)
    people = rounds.people(rnd.id, user)
    made = rounds.plan(rnd.id, user)
    return _page(
        request,
        lang,
        "round",
        round=rnd,
        tab=tab,
        tabs=TABS,
        people=people,
        has_plan=made is not None,
        roles=[(r, kit.role_label(r, lang)) for r in kit.ROLES],
        role_label=lambda r: kit.role_label(r, lang),
        **context,
    )


def _back(rnd_id: int, tab: str, lang: str, **extra: str) -> RedirectResponse:
    query = "&".join(f"{k}={v}" for k, v in {"lang": lang, **extra}.items())
    where = f"/rounds/{rnd_id}" if tab == "registrations" else f"/rounds/{rnd_id}/{tab}"
    return RedirectResponse(f"{where}?{query}", status_code=303)


# --- the list of rounds -------------------------------------------------------------------------


@router.get("/rounds", response_class=HTMLResponse)
def rounds_page(request: Request, lang: LangQ = "nl") -> HTMLResponse:
    rounds = store(request)
    user = who(request)
    listed = [{"round": r, "people": len(rounds.people(r.id, user)), "plan": rounds.plan(r.id, user)} for r in rounds.all(user)]
    pub: Published = request.app.state.public
    return _page(request, lang, "rounds", listed=listed, years=pub.years, default_year=pub.default_year)


@router.post("/rounds")
def round_create(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    name: Annotated[str, Form(max_length=200)] = "",
    year: Annotated[int, Form()] = 0,
    slots: Annotated[str, Form(max_length=4000)] = "",
    min_size: Annotated[int, Form()] = 4,
    max_size: Annotated[int, Form()] = 5,
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    round_lang: Annotated[Literal["nl", "en"], Form()] = "nl",
) -> Response:
    _csrf(request, csrf)
    rounds = store(request)
    user = who(request)
    pub: Published = request.app.state.public
    try:
        if year not in pub.years:
            raise UserError("rounds.error.round_year", 400, year=year, years=", ".join(map(str, pub.years)))
        base = f"{request.url.scheme}://{request.url.netloc}"
        rnd = rounds.create(
            name=name,
            year=year,
            dataset=pub.mirror.dataset,
            slots=[s for s in slots.splitlines() if s.strip()],
            min_size=min_size,
            max_size=max_size,
            seed=seed,
            lang=round_lang,
            dashboard=base,
            facilitators=() if user is None else (user,),
        )
    except UserError as exc:
        listed = [{"round": r, "people": len(rounds.people(r.id, user)), "plan": rounds.plan(r.id, user)} for r in rounds.all(user)]
        return _page(request, lang, "rounds", status=exc.status, error=exc.text(lang), listed=listed, years=pub.years, default_year=pub.default_year)
    return RedirectResponse(f"/rounds/{rnd.id}?lang={lang}", status_code=303)


# --- registrations ----------------------------------------------------------------------------


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: RoundId, lang: LangQ = "nl") -> HTMLResponse:
    rnd = store(request).get(round_id, who(request))
    return _tab(request, rnd, "registrations", lang)


async def _saved_upload(file: UploadFile) -> Path:
    """The upload in the server's private upload folder (deleted by the caller); at most 5 MiB,
    counted while it is read."""
    name = PurePath((file.filename or "upload").replace("\\", "/")).name[:200] or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise UserError("error.upload_type", 415, file=name, suffix=suffix or "-")
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=upload_dir())
    size = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := await file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                out.close()
                Path(tmp).unlink(missing_ok=True)
                raise UserError("rounds.error.file_too_big", 413, mib=MAX_FILE_BYTES // (1024 * 1024))
            out.write(chunk)
    return Path(tmp)  # the uploaded name is shown, never used as a path


@router.post("/rounds/{round_id}/import", response_class=HTMLResponse)
async def round_import(
    request: Request,
    round_id: RoundId,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    what: Annotated[Literal["registrations", "answers"], Form()] = "registrations",
    replace: Annotated[bool, Form()] = False,
) -> Response:
    """Registrations (or answers) from a file: all or nothing, every problem by row and column."""
    _csrf(request, csrf)
    rounds, user, rnd = _round(request, round_id)
    shown = PurePath((file.filename or "upload").replace("\\", "/")).name[:200]
    tab = "registrations" if what == "registrations" else "packs"
    try:
        path = await _saved_upload(file)
        try:
            if what == "registrations":
                people = kit.read_registrations(path, rnd.slots)
                rounds.register(round_id, user, people, replace=replace)
                n = len(people)
            else:
                found = kit.read_answers(path, {p.email: p.id for p in rounds.people(round_id, user)})
                rounds.set_answers(round_id, user, found)
                n = len(found)
        finally:
            path.unlink(missing_ok=True)
    except IngestError as exc:
        exc.file = shown
        return _tab(request, rnd, tab, lang, problems=exc.problems, problems_total=exc.total, problem_file=shown)
    except UserError as exc:
        return _tab(request, rnd, tab, lang, error=exc.text(lang))
    return _back(round_id, tab, lang, imported=str(n))


@router.post("/rounds/{round_id}/register", response_class=HTMLResponse)
async def round_register(request: Request, round_id: RoundId) -> Response:
    """One registration from the web form (the same checks as a file row)."""
    form = await request.form()
    _csrf(request, str(form.get("csrf", "")))
    lang: Lang = "en" if form.get("lang") == "en" else "nl"
    rounds, user, rnd = _round(request, round_id)
    slots = ", ".join(str(v) for v in form.getlist("slot"))
    row = {k: str(form.get(k, ""))[:300] for k in ("name", "email", "role", "municipality")}
    with tempfile.NamedTemporaryFile("w", suffix=".csv", dir=upload_dir(), delete=True, encoding="utf-8") as tmp:
        tmp.write(
            "naam;e-mail;rol;gemeente;tijdstippen\n" + ";".join(_cell(row[k]) for k in ("name", "email", "role", "municipality")) + ";" + _cell(slots) + "\n"
        )
        tmp.flush()
        try:
            people = kit.read_registrations(Path(tmp.name), rnd.slots)
            rounds.register(round_id, user, people)
        except IngestError as exc:
            return _tab(request, rnd, "registrations", lang, problems=exc.problems, problems_total=exc.total, problem_file=t("rounds.web_form", lang), form=row)
        except UserError as exc:
            return _tab(request, rnd, "registrations", lang, error=exc.text(lang), form=row)
    return _back(round_id, "registrations", lang, imported="1")


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""').replace("\n", " ") + '"'


@router.get("/rounds/{round_id}/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, round_id: RoundId, person_id: PersonId, lang: LangQ = "nl") -> HTMLResponse:
    rounds, user, rnd = _round(request, round_id)
    person = rounds.person(round_id, user, person_id)
    answers = rounds.answers(round_id, user).get(person_id, {})
    return _tab(request, rnd, "packs", lang, person=person, answers=[(q, kit.question(q, lang), answers.get(q, "")) for q in kit.QUESTIONS])


@router.post("/rounds/{round_id}/people/{person_id}/answers")
async def person_answers(request: Request, round_id: RoundId, person_id: PersonId) -> Response:
    form = await request.form()
    _csrf(request, str(form.get("csrf", "")))
    lang = "en" if form.get("lang") == "en" else "nl"
    rounds = store(request)
    user = who(request)
    texts = {q: str(form.get(f"q{q}", ""))[: kit.MAX_ANSWER] for q in kit.QUESTIONS}
    rounds.set_answers(round_id, user, {person_id: texts})
    return RedirectResponse(f"/rounds/{round_id}/people/{person_id}?lang={lang}&saved=1", status_code=303)


@router.post("/rounds/{round_id}/people/{person_id}/delete")
def person_delete(
    request: Request, round_id: RoundId, person_id: PersonId, csrf: Annotated[str, Form()] = "", lang: Annotated[Literal["nl", "en"], Form()] = "nl"
) -> Response:
    """One person and every trace of them (AVG: right to erasure)."""
    _csrf(request, csrf)
    store(request).delete_person(round_id, who(request), person_id)
    return _back(round_id, "registrations", lang, deleted="1")


@router.get("/rounds/{round_id}/people/{person_id}/export.json")
def person_export(request: Request, round_id: RoundId, person_id: PersonId) -> Response:
    """Everything held about one person (AVG: right of access)."""
    data = store(request).export_person(round_id, who(request), person_id)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, media_type="application/json", headers={"Content-Disposition": f'attachment; filename="persoon-{person_id}.json"'})


@router.get("/rounds/{round_id}/template.{fmt}")
def round_template(request: Request, round_id: RoundId, fmt: Literal["csv", "xlsx"]) -> Response:
    rnd = store(request).get(round_id, who(request))
    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        body = kit.write_registration_template(Path(tmp) / f"aanmeldingen.{fmt}", rnd.slots, rnd.lang).read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="aanmeldingen.{fmt}"'})


# --- the plan -----------------------------------------------------------------------------------


@router.get("/rounds/{round_id}/plan", response_class=HTMLResponse)
def plan_page(request: Request, round_id: RoundId, lang: LangQ = "nl") -> HTMLResponse:
    rounds, user, rnd = _round(request, round_id)
    return _tab(request, rnd, "plan", lang, view=kit.plan_view(rounds, round_id, user, lang))


@router.post("/rounds/{round_id}/plan")
def plan_make(
    request: Request,
    round_id: RoundId,
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    method: Annotated[Literal["solver", "greedy"], Form()] = "solver",
) -> Response:
    _csrf(request, csrf)
    rounds, user, rnd = _round(request, round_id)
    with heavy(request):  # one solver at a time: it takes a core for some seconds
        kit.make_plan(rounds, figures(request, rnd), round_id, user, method=method)
    return _back(round_id, "plan", lang)


@router.post("/rounds/{round_id}/move")
def plan_move(
    request: Request,
    round_id: RoundId,
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    person: Annotated[int, Form()] = 0,
    group: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """A move by hand; the plan page then shows what it breaks."""
    _csrf(request, csrf)
    rounds, user, rnd = _round(request, round_id)
    target = None if group in ("", "none") else int(group) if group.isdigit() else -1
    kit.move_person(rounds, figures(request, rnd), round_id, user, person, target)
    return _back(round_id, "plan", lang, moved=str(person))


# --- packs and sheets ---------------------------------------------------------------------------


@router.get("/rounds/{round_id}/packs", response_class=HTMLResponse)
def packs_page(request: Request, round_id: RoundId, lang: LangQ = "nl") -> HTMLResponse:
    rounds, user, rnd = _round(request, round_id)
    answered = set(rounds.answers(round_id, user))
    return _tab(request, rnd, "packs", lang, view=kit.plan_view(rounds, round_id, user, lang), answered=answered)


def _document(html: str, fmt: str, filename: str) -> Response:
    if fmt == "pdf":
        return Response(pdf_bytes(html), media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'})
    return HTMLResponse(html)


@router.get("/rounds/{round_id}/packs/{person_id}.{fmt}")
def pack_file(request: Request, round_id: RoundId, person_id: PersonId, fmt: Literal["html", "pdf"]) -> Response:
    rounds, user, rnd = _round(request, round_id)
    html = kit.pack_html(rounds, figures(request, rnd), round_id, user, person_id)
    return _document(html, fmt, f"pakket-{person_id}")


@router.get("/rounds/{round_id}/sheets/{number}.{fmt}")
def sheet_file(request: Request, round_id: RoundId, number: Annotated[int, FastPath(ge=1, le=10_000)], fmt: Literal["html", "pdf"]) -> Response:
    rounds, user, rnd = _round(request, round_id)
    html = kit.sheet_html(rounds, figures(request, rnd), round_id, user, number)
    return _document(html, fmt, f"gespreksleider-groep-{number}")


@router.get("/rounds/{round_id}/packs.zip")
def packs_zip(request: Request, round_id: RoundId) -> Response:
    """Every pack and sheet (PDF) and the invitation texts in one zip file."""
    rounds, user, rnd = _round(request, round_id)
    with heavy(request), tempfile.TemporaryDirectory(prefix="kansenspiegel-", dir=upload_dir()) as tmp:
        files = kit.write_packs(rounds, figures(request, rnd), round_id, user, tmp, formats=("pdf",))
        buffer = io.BytesIO()
        with ZipFile(buffer, "w", ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
    return Response(buffer.getvalue(), media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="ronde-{round_id}.zip"'})


# --- what was said ----------------------------------------------------------------------------


@router.get("/rounds/{round_id}/record", response_class=HTMLResponse)
def record_page(request: Request, round_id: RoundId, lang: LangQ = "nl", group: int | None = None) -> HTMLResponse:
    return _record_tab(request, _round(request, round_id)[2], lang, group)


def _record_tab(request: Request, rnd: kit.Round, lang: Lang, group: int | None, **context: Any) -> HTMLResponse:
    rounds = store(request)
    user = who(request)
    view = kit.plan_view(rounds, rnd.id, user, lang)
    numbers = [g["number"] for g in view.groups] if view else []
    chosen = group if group in numbers else (numbers[0] if numbers else None)
    findings = kit.group_findings(rounds, figures(request, rnd), rnd.id, user, chosen, lang) if chosen else {}
    records = kit.record_entries(rounds.records(rnd.id, user), lang)
    return _tab(
        request,
        rnd,
        "record",
        lang,
        view=view,
        chosen=chosen,
        findings=findings,
        records=records,
        themes=[(k, kit.theme_label(k, lang)) for k in kit.THEMES],
        kinds=[(k, kit.kind_label(k, lang)) for k in kit.KINDS],
        **context,
    )


@router.post("/rounds/{round_id}/record", response_class=HTMLResponse)
def record_add(
    request: Request,
    round_id: RoundId,
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    group: Annotated[int, Form()] = 0,
    theme: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    finding: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=10_000)] = "",
    story: Annotated[bool, Form()] = False,
    share: Annotated[bool, Form()] = False,
) -> Response:
    _csrf(request, csrf)
    rounds, user, rnd = _round(request, round_id)
    try:
        kit.record(
            rounds, figures(request, rnd), round_id, user, group=group, theme=theme, role=role, kind=kind, text=text, finding=finding, story=story, share=share
        )
    except UserError as exc:
        form = {"theme": theme, "role": role, "kind": kind, "finding": finding, "text": text[:2000], "story": story, "share": share}
        response = _record_tab(request, rnd, lang, group, error=exc.text(lang), form=form)
        response.status_code = exc.status
        return response
    if share:
        _stories_changed(request)
    return _back(round_id, "record", lang, group=str(group), recorded="1")


@router.post("/rounds/{round_id}/records/{record_id}/delete")
def record_delete(
    request: Request, round_id: RoundId, record_id: PersonId, csrf: Annotated[str, Form()] = "", lang: Annotated[Literal["nl", "en"], Form()] = "nl"
) -> Response:
    _csrf(request, csrf)
    store(request).delete_record(round_id, who(request), record_id)
    _stories_changed(request)
    return _back(round_id, "record", lang)


# --- the overview -------------------------------------------------------------------------------


@router.get("/rounds/{round_id}/overview", response_class=HTMLResponse)
def overview_page(request: Request, round_id: RoundId, lang: LangQ = "nl") -> HTMLResponse:
    rounds, user, rnd = _round(request, round_id)
    return _tab(request, rnd, "overview", lang, d=kit.overview_data(rounds, figures(request, rnd), round_id, user, lang))


@router.get("/rounds/{round_id}/overview.{fmt}")
def overview_file(request: Request, round_id: RoundId, fmt: Literal["html", "pdf", "xlsx"], lang: LangQ = "nl") -> Response:
    rounds, user, rnd = _round(request, round_id)
    pub = figures(request, rnd)
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory(prefix="kansenspiegel-", dir=upload_dir()) as tmp:
            body = kit.write_overview(rounds, pub, round_id, user, Path(tmp) / "overzicht.xlsx", lang).read_bytes()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="overzicht-ronde-{round_id}.xlsx"'})
    return _document(kit.overview_html(rounds, pub, round_id, user, lang), fmt, f"overzicht-ronde-{round_id}")


@router.post("/rounds/{round_id}/share")
def round_share(
    request: Request,
    round_id: RoundId,
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    on: Annotated[bool, Form()] = False,
) -> Response:
    """The facilitator's consent: the round's shareable stories beside their findings on the dashboard."""
    _csrf(request, csrf)
    store(request).set_sharing(round_id, who(request), on)
    _stories_changed(request)
    return _back(round_id, "overview", lang)


@router.post("/rounds/{round_id}/delete")
def round_delete(request: Request, round_id: RoundId, csrf: Annotated[str, Form()] = "", lang: Annotated[Literal["nl", "en"], Form()] = "nl") -> Response:
    """The round with everything in it: registrations, answers, plan, records."""
    _csrf(request, csrf)
    store(request).delete(round_id, who(request))
    _stories_changed(request)
    return RedirectResponse(f"/rounds?lang={lang}&deleted={round_id}", status_code=303)


# --- the API (read only: changes go through the pages' forms, with their CSRF token) ------------


class RoundOut(BaseModel):
    id: int
    name: str
    year: int
    dataset: str
    slots: dict[int, str]
    min_size: int
    max_size: int
    registrations: int
    groups: int
    share_stories: bool


class GroupOut(BaseModel):
    number: int
    slot: str
    roles: str
    members: list[int]


class PlanOut(BaseModel):
    round: int
    method: str
    status: str
    quality: dict[str, float]
    groups: list[GroupOut]
    unplaced: dict[int, str]
    notes: list[str]


def _round_out(rounds: kit.Rounds, rnd: kit.Round, user: str | None) -> RoundOut:
    made = rounds.plan(rnd.id, user)
    return RoundOut(
        id=rnd.id,
        name=rnd.name,
        year=rnd.year,
        dataset=rnd.dataset,
        slots=rnd.slots,
        min_size=rnd.min_size,
        max_size=rnd.max_size,
        registrations=len(rounds.people(rnd.id, user)),
        groups=len(made.groups) if made else 0,
        share_stories=rnd.share_stories,
    )


@api_router.get("", response_model=list[RoundOut])
def api_rounds(request: Request) -> list[RoundOut]:
    """The rounds this facilitator runs (no personal data: names and e-mail addresses are only on the pages)."""
    rounds = store(request)
    user = who(request)
    return [_round_out(rounds, r, user) for r in rounds.all(user)]


@api_router.get("/{round_id}", response_model=RoundOut)
def api_round(request: Request, round_id: RoundId) -> RoundOut:
    rounds = store(request)
    user = who(request)
    return _round_out(rounds, rounds.get(round_id, user), user)


@api_router.get("/{round_id}/plan", response_model=PlanOut)
def api_plan(request: Request, round_id: RoundId, lang: LangQ = "en") -> PlanOut:
    """The plan: groups by person number, the quality, who fits no group and why, every compromise in words."""
    rounds = store(request)
    user = who(request)
    view = kit.plan_view(rounds, round_id, user, lang, named=False)
    if view is None:
        raise not_found("rounds.error.no_plan")
    return PlanOut(
        round=round_id,
        method=view.plan.method,
        status=view.plan.status,
        quality={k: float(v) for k, v in view.plan.quality.as_dict().items()},
        groups=[GroupOut(number=g["number"], slot=g["slot"], roles=g["roles"], members=[m["id"] for m in g["members"]]) for g in view.groups],
        unplaced={m["id"]: m["reason"] for m in view.unplaced},
        notes=[n["text"] for n in view.notes],
    )


@api_router.get("/{round_id}/overview")
def api_overview(request: Request, round_id: RoundId, lang: LangQ = "en") -> JSONResponse:
    """What was said, by theme and role (no names)."""
    rounds, user, rnd = _round(request, round_id)
    d = kit.overview_data(rounds, figures(request, rnd), round_id, user, lang)
    keep = ("group", "theme", "role", "kind", "finding", "text", "story", "share")
    return JSONResponse(
        {
            "round": round_id,
            "sessions": d["sessions"],
            "groups": d["groups"],
            "themes_by_role": {"roles": d["roles"], "rows": d["table"]},
            "records": [{k: r[k] for k in keep} for r in d["records"]],
        }
    )
