"""The dashboard pages (Dutch by default, ?lang=en for English). Every view's state is in its URL."""

from __future__ import annotations

import hmac
import itertools
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kansenspiegel.access import same
from kansenspiegel.codes import (
    ALL,
    BASE_MOMENTS,
    CHARACTERISTIC_NAMES,
    CHARACTERISTICS,
    CHOSEN_MOMENTS,
    COVARIATE_LABELS,
    DIFFERENCES,
    MOMENTS,
    NATIONAL_CODE,
    POPULATION_DEFINITION,
    PROVISION_TYPE_CODES,
    PROVISION_TYPES,
    SEP,
    TABLE_2_1_CHARACTERISTICS,
)
from kansenspiegel.conversations import finding_key, stories
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.formatting import fmt_int, fmt_pct, fmt_pp
from kansenspiegel.geography import ALIASES, geo_level_of, geography_names, municipalities, resolve, search
from kansenspiegel.messages import Lang, t, tn
from kansenspiegel.render import glossary
from kansenspiegel.render.table import moment_name as moment_label
from kansenspiegel.views import GEO_PATTERN, NAME_PATTERN, VIEWS, Finding, Moment, OwnData, Published, characteristic_list, municipalities_of, ranked, records
from kansenspiegel.views import own as own_view
from kansenspiegel.views import quality as quality_view
from kansenspiegel.views.adjusted import caveat as adjusted_caveat
from kansenspiegel.views.compare import combination_choices, group_options
from kansenspiegel.views.own import OwnParams
from kansenspiegel.views.own_combinations import OwnCombinationsParams
from kansenspiegel.web import accounts, downloads
from kansenspiegel.web.charts import trend_blocks
from kansenspiegel.web.i18n import READ_HELP, T
from kansenspiegel.web.uploads import check_upload

router = APIRouter(include_in_schema=False)

YearQ = Annotated[int | None, Query(ge=2000, le=2100)]
GeoQ = Annotated[str, Query(pattern=GEO_PATTERN)]
LangQ = Annotated[Literal["nl", "en"], Query()]


class AreaRedirect(Exception):
    """What a user typed names one area: go to the same page with its code in the address."""

    def __init__(self, url: str) -> None:
        self.url = url


class AreaChoice(Exception):
    """What a user typed names several areas, or none: the page asks which one."""

    def __init__(self, param: str, text: str, codes: list[str]) -> None:
        self.param, self.text, self.codes = param, text, codes


class Area:
    """A page's area parameter. A code (``GM0344``) is used as it is; anything else is what a
    user typed in the search field (``Den Haag``, ``Utrecht (GM0344)``, ``utre``): one area →
    the same address with its code (bookmarkable); several or none → a page to choose from."""

    def __init__(self, param: str = "geo", default: str = NATIONAL_CODE, levels: tuple[str, ...] | None = None) -> None:
        self.param, self.default, self.levels = param, default, levels

    def __call__(self, request: Request) -> str:
        raw = request.query_params.get(self.param, "").strip()[:100]
        if not raw:
            return self.default
        if re.fullmatch(GEO_PATTERN, raw):
            return raw
        code = resolve(raw, self.levels)
        if code is not None:
            raise AreaRedirect(_same_page(request, **{self.param: code}))
        raise AreaChoice(self.param, raw, search(raw, limit=20, levels=self.levels))


def _same_page(request: Request, **changes: str) -> str:
    """This page's address (relative: right behind any proxy) with some parameters changed."""
    return request.url.path + "?" + urlencode({**request.query_params, **changes})


GeoArea = Annotated[str, Depends(Area("geo"))]
CmpArea = Annotated[str, Depends(Area("cmp"))]
MineArea = Annotated[str, Depends(Area("mine", default=""))]


def area_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AreaRedirect)
    return RedirectResponse(exc.url, status_code=303)


def area_choice(request: Request, exc: Exception) -> Response:
    """Which area did you mean? Links to the same page with each candidate's code."""
    assert isinstance(exc, AreaChoice)
    lang: Lang = "en" if request.query_params.get("lang") == "en" else "nl"
    page = next((name for name, path in PATHS.items() if path == request.url.path), "overview")
    names = geography_names(lang)
    options = [(names[c], c, _same_page(request, **{exc.param: c})) for c in exc.codes]
    board = _board(request)
    year = request.query_params.get("year", "")
    try:
        shown = board.year(int(year)) if year.isascii() and year.isdigit() else board.default_year
    except UserError:  # a year without data: the choice is about the area, the page says so later
        shown = board.default_year
    switch = _same_page(request, lang="nl" if lang == "en" else "en")
    return _render(
        request, "choose", lang, {"year": shown}, title_page=page, text=exc.text, options=options, lang_switch=switch, status=404 if not options else 200
    )


PAGES = ("overview", "findings", "characteristics", "provisions", "compare", "combinations", "municipality", "method", "upload", "rounds")
PATHS = {
    "overview": "/",
    "findings": "/findings",
    "characteristics": "/characteristics",
    "provisions": "/provisions",
    "compare": "/compare",
    "combinations": "/combinations",
    "municipality": "/municipality",
    "method": "/method",
    "upload": "/upload",
    "rounds": "/rounds",
}
#: How many findings the "Wat valt op" panel shows.
PANEL = 5
CSRF_COOKIE = "ks_csrf"


#: The common names shown beside an area in the suggestions ("Den Haag" beside 's-Gravenhage).
SHOWN_ALIASES: dict[str, list[str]] = {}
for _alias, _code in ALIASES.items():
    if " " in _alias and not _alias.startswith(("s ", "the ", "heel ")) and _code != NATIONAL_CODE:
        SHOWN_ALIASES.setdefault(_code, []).append(_alias.title())


def _board(request: Request) -> Published:
    return accounts.door(request)


def _render(request: Request, page: str, lang: Lang, state: dict[str, Any], *, path: str | None = None, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; ``path`` is its own address when it is not one of `PATHS` (an own dataset)."""
    board = _board(request)
    names = geography_names(lang)

    def url(target: str, **changes: Any) -> str:
        params = {**state, "lang": lang, **changes}
        params = {k: v for k, v in params.items() if v is not None and v != ""}
        where = path if (path is not None and target == page) else PATHS.get(target, target)
        return where + ("?" + urlencode(params) if params else "")

    geos = board.geographies()
    user = accounts.current_user(request)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "page": context.pop("title_page", page),
            "pages": [p for p in PAGES if p != "rounds" or getattr(request.app.state, "rounds", None) is not None],
            "lang": lang,
            "other_lang": "en" if lang == "nl" else "nl",
            "T": {k: v(lang) for k, v in T.items()},
            "t": lambda key, **params: t(key, lang, **params),
            "tn": lambda key, n, **params: tn(key, n, lang, **params),
            "help": READ_HELP[page](lang) if page in READ_HELP else "",
            "state": state,
            "url": url,
            "download": lambda fmt: f"/download/{page}.{fmt}?" + urlencode({**{k: v for k, v in state.items() if v is not None}, "lang": lang}),
            "report_link": lambda fmt: (
                f"/report.{fmt}?" + urlencode({k: v for k, v in {"year": state.get("year"), "geo": state.get("geo"), "lang": lang}.items() if v is not None})
            ),
            "synthetic": board.mirror.synthetic,
            "internal": board.policy.exact,
            "years": board.years,
            "geos": geos,
            "names": names,
            "aliases": SHOWN_ALIASES,
            "moments": [(m, moment_label(m, lang)) for m in BASE_MOMENTS],
            "all_moments": [(m, moment_label(m, lang)) for m in CHOSEN_MOMENTS],
            "fmt_int": lambda v: fmt_int(v, lang),
            "fmt_pct": lambda v: fmt_pct(v, lang),
            "fmt_pp": lambda v: fmt_pp(v, lang),
            "fmt_pp0": lambda v: fmt_pp(v, lang, digits=0),
            "glossary": glossary(lang),  # type: ignore[arg-type]
            "signal": t("finding.signal", lang),
            "explain": t("finding.explain", lang),
            "differences": {k: t.label(lang) for k, t in DIFFERENCES.items()},
            "moment_label": lambda m: moment_label(m, lang),
            "accounts_on": accounts.users(request) is not None,
            "user": user,
            "form_token": lambda: _form_token(request),
            **context,
        },
        status_code=status,
    )
    if user is not None and "token" not in context and request.cookies.get(CSRF_COOKIE) != _form_token(request):
        response.set_cookie(CSRF_COOKIE, _form_token(request), httponly=True, samesite="strict")  # for the logout button
    return response


def _year(board: Published, year: int | None) -> int:
    return board.year(year)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, geo: GeoArea, year: YearQ = None, lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    rows = records(board.run("funnel", year=y, geography=geo, lang=lang))
    api = "/api/v1/funnel?" + urlencode({"year": y, "geography": geo, "lang": lang})
    return _render(
        request, "overview", lang, {"year": y, "geo": geo}, rows=rows, api=api, panel=_panel(board, y, geo, lang, said(request, board, y, geo, lang))
    )


@router.get("/characteristics", response_class=HTMLResponse)
def characteristics(request: Request, geo: GeoArea, cmp: CmpArea, year: YearQ = None, moment: Moment = "employed", lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    board.check(geography=cmp)
    frame = board.run("characteristics", year=y, geography=geo, comparison=cmp, lang=lang)
    blocks = []
    for name in CHARACTERISTIC_NAMES:
        rows = records(frame[(frame.grouping == name) & (frame.moment == moment)])
        if rows:
            blocks.append({"name": name, "label": CHARACTERISTICS[name].label(lang), "rows": rows})
    api = "/api/v1/characteristics?" + urlencode({"year": y, "geography": geo, "comparison": cmp, "lang": lang})
    return _render(
        request,
        "characteristics",
        lang,
        {"year": y, "geo": geo, "cmp": cmp, "moment": moment},
        blocks=blocks,
        api=api,
        no_outcome=_no_outcome(board, y, geo, moment, lang),
        trends=_trends(board, geo, moment, lang),
        adjusted=_adjusted(board, y, geo, moment, lang),
    )


def _adjusted(board: Published, year: int, geo: str, moment: str, lang: Lang) -> dict[str, Any]:
    """Raw and adjusted gaps side by side (always with the caveat), or a note without covariates."""
    return {"rows": records(board.run("adjusted", year=year, geography=geo, moment=moment, lang=lang)), "caveat": adjusted_caveat(lang)}


def _trends(board: Published, geo: str, moment: str, lang: Lang) -> list[dict[str, Any]]:
    """The "gap over the years" charts of an area and moment (nothing with a single year)."""
    if len(board.years) < 2:
        return []
    return trend_blocks(records(board.run("trends", geography=geo, moment=moment, lang=lang)), lang)


def _no_outcome(board: Published, year: int, geo: str, moment: str, lang: Lang) -> str | None:
    """A sentence when an area has no (or too few) figures for an outcome at all, so that an
    empty table is never read as 0 % (a dataset or municipality without the participation ladder)."""
    g = board.groups(year, geo)
    everyone = g[(g.grouping == ALL) & (g.moment == moment)]
    if not everyone.empty and everyone["denominator"].notna().any():
        return None
    return t("page.no_outcome", lang, area=geography_names(lang)[geo], outcome=moment_label(moment, lang).lower())


ProvisionType = Literal["jobcoach", "work_placement", "wage_cost_subsidy", "workplace_adaptation", "training", "other"]


@router.get("/provisions", response_class=HTMLResponse)
def provisions(request: Request, geo: GeoArea, year: YearQ = None, type: ProvisionType = "jobcoach", lang: LangQ = "nl") -> HTMLResponse:
    """Which groups get which provisions: a chance per group and type, then one type in detail."""
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    frame = board.run("provisions", year=y, geography=geo, lang=lang)
    rows = records(frame)
    matrix = []
    for key in dict.fromkeys((r["grouping"], r["group"]) for r in rows):
        cells = {r["provision_type"]: r for r in rows if (r["grouping"], r["group"]) == key}
        first = cells[next(iter(cells))]
        matrix.append(
            {
                "group": key[1],
                "label": first["label"],
                "characteristic": first["characteristic_label"],
                "cells": [cells.get(c, {}) for c in PROVISION_TYPE_CODES],
            }
        )
    for prev, cur in zip([None, *matrix], matrix):
        cur["first"] = prev is not None and prev["characteristic"] != cur["characteristic"]
    blocks = []
    for name in CHARACTERISTIC_NAMES:
        chosen = [r for r in rows if r["grouping"] == name and r["provision_type"] == type]
        if chosen:
            blocks.append({"name": name, "label": CHARACTERISTICS[name].label(lang), "rows": chosen})
    everyone = board.groups(y, geo)
    typed = everyone.loc[(everyone.grouping == ALL) & (everyone.moment == "provision_typed"), ["rate", "rate_ci_low", "rate_ci_high"]].dropna()
    moment = MOMENTS[f"provision_{type}"]
    return _render(
        request,
        "provisions",
        lang,
        {"year": y, "geo": geo, "type": type},
        types=[(c, PROVISION_TYPES[c](lang)) for c in PROVISION_TYPE_CODES],
        matrix=matrix,
        blocks=blocks,
        typed=None if typed.empty else typed.iloc[0].to_dict(),  # with its interval: a small area's share is uncertain too
        type_label=moment.label(lang),
        type_definition=moment.definition(lang),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    year: YearQ = None,
    level: Literal["amr", "municipality"] = "amr",
    group: Annotated[str, Query(max_length=80)] = "gender:female",
    moment: Moment = "employed",
    metric: Literal["rate", "difference"] = "difference",
    sort: Literal["name", "value"] = "value",
    lang: LangQ = "nl",
    mine: MineArea = "",
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    if mine:
        board.check(geography=mine)
    grouping, _, code = group.partition(":")
    if grouping == ALL:
        code = ALL
    frame = board.run("compare", year=y, level=level, grouping=grouping, group=code or ALL, moment=moment, lang=lang)
    frame = frame.assign(value=frame.difference_vs_national_pp if metric == "difference" else 100 * frame.rate)
    frame = frame.sort_values("value" if sort == "value" else "name", na_position="last")
    api = "/api/v1/compare?" + urlencode({"year": y, "level": level, "grouping": grouping, "group": code or ALL, "moment": moment})
    options = [(f"{o['grouping']}:{o['group']}" if o["grouping"] != ALL else "all:all", o["label"]) for o in group_options(lang)]
    state = {"year": y, "level": level, "group": group, "moment": moment, "metric": metric, "sort": sort, "mine": mine or None}
    # your own area in this list: a municipality on the region map is its region
    marked = mine if not mine or geo_level_of(mine) == level else (_amr_of(mine) if level == "amr" and geo_level_of(mine) == "municipality" else "")
    return _render(request, "compare", lang, state, rows=records(frame), api=api, group_options=options, metric=metric, marked=marked)


def _amr_of(gm: str) -> str:
    return str(municipalities().set_index("gm_code").loc[gm, "amr_code"])


@router.get("/combinations", response_class=HTMLResponse)
def combinations(
    request: Request,
    geo: GeoArea,
    year: YearQ = None,
    chars: Annotated[str, Query(max_length=120)] = downloads.DEFAULT_COMBINATION,
    moment: Moment = "employed",
    lang: LangQ = "nl",
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    wanted = characteristic_list(chars)  # "gender+age_band" or, typed by hand, "gender,age_band"
    ordered = [c for c in CHARACTERISTIC_NAMES if c in wanted]
    frame = board.run("combinations", year=y, geography=geo, characteristics=",".join(wanted), moment=moment, lang=lang)
    api = "/api/v1/combinations?" + urlencode({"year": y, "geography": geo, "characteristics": ",".join(wanted), "moment": moment, "lang": lang})
    choices = [(SEP.join(c), " × ".join(CHARACTERISTICS[n].label(lang) for n in c)) for c in combination_choices()]
    return _render(
        request,
        "combinations",
        lang,
        {"year": y, "geo": geo, "chars": SEP.join(c for c in CHARACTERISTIC_NAMES if c in wanted), "moment": moment},
        rows=records(frame),
        api=api,
        choices=choices,
        axes={"x": CHARACTERISTICS[ordered[-1]].label(lang), "y": " · ".join(CHARACTERISTICS[n].label(lang) for n in ordered[:-1])},
    )


@router.get("/municipality", response_class=HTMLResponse)
def municipality(
    request: Request,
    geo: Annotated[str, Depends(Area("geo", default="GM0363", levels=("municipality",)))],
    year: YearQ = None,
    moment: Moment = "employed",
    lang: LangQ = "nl",
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    if geo_level_of(geo) != "municipality":
        raise not_found("error.not_municipality", code=geo)
    amr = municipalities().set_index("gm_code").loc[geo, "amr_code"]
    funnel = records(board.run("funnel", year=y, geography=geo, lang=lang))
    m = moment if moment in BASE_MOMENTS else "employed"
    here = board.run("characteristics", year=y, geography=geo, comparison=amr, lang=lang)
    national = board.run("characteristics", year=y, geography=geo, comparison=NATIONAL_CODE, lang=lang)
    here = here.assign(rate_national=national.rate_comparison.to_numpy())
    blocks = []
    for name in (*TABLE_2_1_CHARACTERISTICS, "target_group_register"):
        rows = records(here[(here.grouping == name) & (here.moment == m)])
        if rows:
            blocks.append({"name": name, "label": CHARACTERISTICS[name].label(lang), "rows": rows})
    api = "/api/v1/funnel?" + urlencode({"year": y, "geography": geo, "lang": lang})
    gms = [g for g in board.geographies() if g["level"] == "municipality"]
    return _render(
        request,
        "municipality",
        lang,
        {"year": y, "geo": geo, "moment": m},
        funnel=funnel,
        blocks=blocks,
        amr=amr,
        api=api,
        municipalities=gms,
        panel=_panel(board, y, geo, lang, said(request, board, y, geo, lang)),
        trends=_trends(board, geo, m, lang),
        adjusted=_adjusted(board, y, geo, m, lang),
    )


def finding_link(f: Finding, lang: str) -> str:
    """The dashboard address of the view that shows a finding."""
    page, params = f.view()
    return PATHS[page] + "?" + urlencode({**params, "lang": lang})


def said(request: Request, board: Published, year: int, geo: str, lang: str) -> dict[str, list[dict[str, str]]]:
    """What colleagues said about the findings of an area in the conversation kit's rounds (only
    what a facilitator marked shareable, in a round whose facilitators consented; no names)."""
    return stories(getattr(request.app.state, "rounds", None), board.mirror.dataset, {geo}, year, lang)  # type: ignore[arg-type]


def _panel(board: Published, year: int, geo: str, lang: str, colleagues: dict[str, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """The "Wat valt op" panel: the top findings of an area, each with its link (and what
    colleagues said about it)."""
    found = ranked(board, year, geo, lang)  # type: ignore[arg-type]
    colleagues = colleagues or {}
    return {
        "entries": [{"f": f, "href": finding_link(f, lang), "said": colleagues.get(finding_key(f), [])} for f in found[:PANEL]],
        "total": len(found),
        "all": PATHS["findings"] + "?" + urlencode({"year": year, "geo": geo, "lang": lang}),
    }


@router.get("/findings", response_class=HTMLResponse)
def findings_page(
    request: Request,
    geo: GeoArea,
    year: YearQ = None,
    moment: Annotated[Literal["all", "provision", "employed", "sustained", "employed_given_provision", "sustained_given_employed"], Query()] = "all",
    characteristic: Annotated[
        Literal["all", "gender", "age_band", "migration_background", "household_type", "target_group_register", "combinations"], Query()
    ] = "all",
    comparison: Annotated[Literal["all", "vs_rest", "vs_national"], Query()] = "all",
    lang: LangQ = "nl",
) -> HTMLResponse:
    """Every finding of an area, with filters (moment, characteristic, comparison)."""
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    found = ranked(board, y, geo, lang)  # type: ignore[arg-type]
    shown = [f for f in found if finding_matches(f, moment, characteristic, comparison)]
    colleagues = said(request, board, y, geo, lang)
    state = {"year": y, "geo": geo, "moment": moment, "characteristic": characteristic, "comparison": comparison}
    characteristics = [("all", t("ui.all_characteristics", lang))] + [(n, CHARACTERISTICS[n].label(lang)) for n in CHARACTERISTIC_NAMES]
    characteristics.append(("combinations", t("ui.combinations_only", lang)))
    comparisons = [("all", t("ui.both", lang)), ("vs_rest", T["vs_rest"](lang)), ("vs_national", T["vs_national"](lang))]
    moments = [("all", t("ui.all_moments", lang))] + [(m, moment_label(m, lang)) for m in MOMENTS]
    api = "/api/v1/findings?" + urlencode({"year": y, "geography": geo, "lang": lang})
    return _render(
        request,
        "findings",
        lang,
        state,
        items=[{"f": f, "href": finding_link(f, lang), "rank": found.index(f) + 1, "said": colleagues.get(finding_key(f), [])} for f in shown],
        total=len(found),
        filters={"moment": moments, "characteristic": characteristics, "comparison": comparisons},
        api=api,
    )


def finding_matches(f: Finding, moment: str, characteristic: str, comparison: str) -> bool:
    """Whether a finding passes the filters of the findings page (``all`` passes everything)."""
    chars = f.grouping.split(SEP)
    return (
        (moment == "all" or f.moment == moment)
        and (characteristic == "all" or (characteristic == "combinations" and len(chars) > 1) or characteristic in chars)
        and (comparison == "all" or comparison in f.comparisons)
    )


@router.get("/method", response_class=HTMLResponse)
def method(request: Request, geo: GeoArea, year: YearQ = None, lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    params = quality_view.QualityParams(year=y, geography=geo, lang=lang)
    quality = quality_view.as_object(board.view("quality", params), board, params)
    definitions = [(moment_label("population", lang), POPULATION_DEFINITION(lang))] + [(mm.label(lang), mm.definition(lang)) for mm in MOMENTS.values()]
    characteristics = [(c.label(lang), [c.group_label(code, lang) for code in c.codes]) for c in CHARACTERISTICS.values()]
    covariates = [label(lang) for label in COVARIATE_LABELS.values()]
    return _render(
        request, "method", lang, {"year": y, "geo": geo}, quality=quality, definitions=definitions, characteristics=characteristics, covariates=covariates
    )


@router.get("/report.{fmt}")
def report(request: Request, fmt: Literal["pdf", "html", "xlsx"], year: YearQ = None, geo: GeoQ = NATIONAL_CODE, lang: LangQ = "nl") -> Response:
    """The report for the council of one area and year, always under the public policy."""
    from kansenspiegel.render import write_html, write_pdf, write_xlsx
    from kansenspiegel.views import report_data

    board = request.app.state.public
    year = _year(board, year)
    board.check(geography=geo)
    data = report_data(board, geography=geo, year=year, lang=lang)
    writer = {"pdf": write_pdf, "html": write_html, "xlsx": write_xlsx}[fmt]
    media = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[fmt]
    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        body = writer(data, Path(tmp) / f"report.{fmt}").read_bytes()
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(body, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="kansenspiegel-{geo}-{year}.{fmt}"'})


@router.get("/download/view/{name}.{fmt}")
def download_view(request: Request, name: str, fmt: Literal["csv", "xlsx"]) -> Response:
    """Any registered published view as a file, its parameters in the query string (public
    policy, as every download unless an internal server is asked for an internal export)."""
    params = dict(request.query_params)
    lang = "en" if params.pop("lang", "nl") == "en" else "nl"
    internal_export = params.pop("export", "") == "internal"
    if name not in VIEWS:
        raise not_found("error.unknown_view", view=name)
    board = _board(request)
    board = board if (board.policy.exact and internal_export) else request.app.state.public
    if "lang" in VIEWS[name].params.model_fields:
        params["lang"] = lang
    own_data = "own data" in VIEWS[name].tags
    if own_data:
        accounts.own_board(request, params.get("name", ""))  # the same rule as its page
    response = downloads.render_view(board, name, fmt, params, lang)  # type: ignore[arg-type]
    if own_data:
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/download/{view}.{fmt}")
def download(
    request: Request,
    view: Literal["overview", "characteristics", "provisions", "compare", "combinations", "municipality", "findings"],
    fmt: Literal["csv", "xlsx"],
) -> Response:
    params = dict(request.query_params)
    board = _board(request)
    internal_export = board.policy.exact and params.get("export") == "internal"
    return downloads.download(board if internal_export else request.app.state.public, view, fmt, params)


def _csrf_key(request: Request) -> bytes:
    """The server's secret for form tokens (new at every start: a form from before a restart
    has to be reloaded, which the error says)."""
    state = request.app.state
    if getattr(state, "csrf_key", None) is None:
        state.csrf_key = secrets.token_bytes(32)
    return state.csrf_key  # type: ignore[no-any-return]


def _signature(request: Request, nonce: str) -> str:
    return hmac.new(_csrf_key(request), nonce.encode(), "sha256").hexdigest()[:32]


def _form_token(request: Request) -> str:
    """The form token for this browser: its cookie when that is one this server signed, else a
    new one. A token is ``nonce.signature``: nobody without the server's secret can make one."""
    made = getattr(request.state, "form_token", None)
    if made is not None:
        return made  # type: ignore[no-any-return]
    cookie = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, signature = cookie.partition(".")
    if nonce and same(signature, _signature(request, nonce)):
        request.state.form_token = cookie
    else:
        nonce = secrets.token_urlsafe(24)
        request.state.form_token = f"{nonce}.{_signature(request, nonce)}"
    return request.state.form_token  # type: ignore[no-any-return]


def _csrf(request: Request, token: str) -> str:
    """A form that changes something (load, delete) must come from this site's own page: the
    browser's ``Origin`` and ``Sec-Fetch-Site`` say so (a page on another port of the same
    host is another origin), and its token must be one this server signed, sent both as cookie
    and as form field."""
    origin = request.headers.get("origin")
    own_origin = f"{request.url.scheme}://{request.url.netloc}"
    site = request.headers.get("sec-fetch-site")
    if (origin is not None and origin != own_origin) or (site is not None and site not in ("same-origin", "none")):
        raise UserError("error.form_elsewhere", 403)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, signature = cookie.partition(".")
    if not nonce or not same(cookie, token) or not same(signature, _signature(request, nonce)):
        raise UserError("error.form_expired", 403)
    return cookie


def _own(request: Request) -> OwnData | None:
    return request.app.state.own  # type: ignore[no-any-return]


def _upload_page(request: Request, lang: Lang, token: str, report: Any = None, error: str | None = None, status: int = 200) -> HTMLResponse:
    board = _board(request)
    own = _own(request)
    response = _render(
        request,
        "upload",
        lang,
        {"year": board.default_year},
        token=token,
        report=report,
        error=error,
        own_enabled=own is not None,
        own_datasets=accounts.own_datasets(request) if own is not None else [],
    )
    response.status_code = status
    return response


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, lang: LangQ = "nl") -> HTMLResponse:
    accounts.require_user(request)
    token = _form_token(request)
    response = _upload_page(request, lang, token)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/upload", response_class=HTMLResponse)
async def upload_check(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    action: Annotated[Literal["check", "load"], Form()] = "check",
    name: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check an uploaded client file and show the validation report; with ``action=load`` a
    valid file is then loaded into the own-data database as dataset ``name``."""
    cookie = _csrf(request, csrf)
    accounts.require_user(request)
    own = _own(request)
    if action == "load" and own is None:
        raise not_found("error.no_own_db")
    loaded: list[str] = []

    def load(path: Path, report: Any) -> None:
        assert own is not None
        if any(not a.startswith("GM") for a in report.areas):  # the own page shows a municipality beside its region and the country
            raise UserError("error.own_needs_municipalities", 400, codes=", ".join(a for a in report.areas if not a.startswith("GM")))
        accounts.check_may_load(request, report.areas)
        own.load(path, name.strip().lower(), source=report.file)
        loaded.append(name.strip().lower())

    try:
        report = await check_upload(request, file, then=load if action == "load" else None)
    except UserError as exc:
        return _upload_page(request, lang, cookie, error=exc.text(lang), status=exc.status)  # type: ignore[arg-type]
    if loaded:
        return RedirectResponse(f"/own/{loaded[0]}?lang={lang}", status_code=303)
    return _upload_page(request, lang, cookie, report=report)


@router.get("/own/{name}", response_class=HTMLResponse)
def own_page(
    request: Request,
    name: Annotated[str, FastPath(pattern=NAME_PATTERN)],
    year: YearQ = None,
    geo: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    moment: Moment = "employed",
    chars: Annotated[str | None, Query(max_length=200)] = None,
    lang: LangQ = "nl",
) -> HTMLResponse:
    """An own dataset: the municipality beside the reference AMR and country, and its
    combinations of characteristics (its own ones too)."""
    ob = accounts.own_board(request, name)
    gms = municipalities_of(ob)
    if not gms:  # a table of counts by region, loaded before such tables were refused
        raise not_found("error.own_needs_municipalities", codes=", ".join(accounts.own_data(request).areas(name)))
    year = ob.default_year if year is None else year
    geo = geo or gms[0]
    params = OwnParams(name=name, year=year, geography=geo, moment=moment, lang=lang)
    result = own_view.as_object(_board(request).view("own", params), _board(request), params)
    rows = result["rows"]
    known = ob.mirror.characteristics
    own_names = [c.name for c in ob.mirror.own_characteristics]
    blocks = [
        {"name": n, "label": known[n].label(lang), "own": n in own_names, "rows": [r for r in rows if r["grouping"] == n]}
        for n in ob.mirror.characteristic_names
    ]
    # combinations: those with an own characteristic first (what the file adds to the mirror)
    combos = [c for k in (2, 3) for c in itertools.combinations(ob.mirror.characteristic_names, k)]
    combos.sort(key=lambda c: not any(n in own_names for n in c))
    choices = [(SEP.join(c), " × ".join(known[n].label(lang) for n in c)) for c in combos]
    chars = chars if chars in {k for k, _ in choices} else choices[0][0]
    combination = _board(request).view(
        "own_combinations", OwnCombinationsParams(name=name, year=year, geography=geo, characteristics=chars.replace(SEP, ","), moment=moment, lang=lang)
    )
    everyone = next((r for r in rows if r["grouping"] == ALL), None)
    token = _form_token(request)
    response = _render(
        request,
        "own",
        lang,
        {"year": year, "geo": geo, "moment": moment},
        path=f"/own/{name}",
        dataset=name,
        own_years=ob.years,
        own_gms=gms,
        result=result,
        blocks=[b for b in blocks if b["rows"]],
        everyone=everyone,
        token=token,
        all_moments=[(m, moment_label(m, lang)) for m in MOMENTS],
        combination_choices=choices,
        chars=chars,
        combination=records(combination),
        combination_in_reference=bool(len(combination) and combination["in_reference"].all()),
    )
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/own/{name}/delete")
def own_delete(
    request: Request,
    name: Annotated[str, FastPath(pattern=NAME_PATTERN)],
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
) -> RedirectResponse:
    """Delete an own dataset (and the own-data file when it was the last one)."""
    _csrf(request, csrf)
    user = accounts.require_user(request)
    accounts.own_data(request).delete(name, may=None if user is None else user.may_see)  # checked and deleted under one lock
    return RedirectResponse(f"/upload?lang={lang}&deleted={name}", status_code=303)


@router.get("/template.{fmt}")
def template(fmt: Literal["csv", "xlsx"]) -> Response:
    """The fill-in template for an own client file."""
    from kansenspiegel.ingest import write_template

    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        body = write_template(Path(tmp) / f"clients.{fmt}").read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="kansenspiegel-template.{fmt}"'})


def _login_page(request: Request, lang: Lang, next_url: str, *, error: str | None = None, name: str = "", status: int = 200) -> HTMLResponse:
    if accounts.users(request) is None:
        raise not_found("error.no_accounts")
    token = _form_token(request)
    response = _render(request, "login", lang, {}, token=token, next_url=accounts.safe_next(next_url), error=error, name=name, status=status)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, lang: LangQ = "nl", next: Annotated[str, Query(max_length=2000)] = "/") -> HTMLResponse:
    """The login form of a server with accounts."""
    return _login_page(request, lang, next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Log in: a session cookie, then back to the page that asked for it."""
    _csrf(request, csrf)
    try:
        user = accounts.log_in(request, name.strip().lower(), password)
    except UserError as exc:
        return _login_page(request, lang, next, error=exc.text(lang), name=name[:64], status=exc.status)
    response = RedirectResponse(accounts.safe_next(next), status_code=303)
    accounts.set_session(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "", lang: Annotated[Literal["nl", "en"], Form()] = "nl") -> RedirectResponse:
    """Log out: the session ends on the server too."""
    _csrf(request, csrf)
    response = RedirectResponse(f"/?lang={lang}", status_code=303)
    accounts.log_out(request, response)
    return response
