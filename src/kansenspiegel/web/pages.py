"""The dashboard pages (Dutch by default, ?lang=en for English). Every view's state is in its URL."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import hmac
import secrets
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, COVARIATE_LABELS, MOMENTS, NATIONAL_CODE, POPULATION_DEFINITION, SEP, TABLE_2_1_CHARACTERISTICS
from kansenspiegel.geography import geo_level_of, geography_names, municipalities
from kansenspiegel.web import downloads
from kansenspiegel.web.api import GEO_PATTERN, Moment
from kansenspiegel.web.i18n import READ_HELP, T, fmt_int, fmt_pct, fmt_pp
from kansenspiegel.web.uploads import check_upload
from kansenspiegel.web.views import BASE_MOMENTS, Dashboard, NotFound, combination_choices, moment_label, records

router = APIRouter(include_in_schema=False)

YearQ = Annotated[int | None, Query(ge=2000, le=2100)]
GeoQ = Annotated[str, Query(pattern=GEO_PATTERN)]
LangQ = Annotated[Literal["nl", "en"], Query()]

PAGES = ("overview", "characteristics", "compare", "combinations", "municipality", "method", "upload")
PATHS = {"overview": "/", "characteristics": "/characteristics", "compare": "/compare", "combinations": "/combinations", "municipality": "/municipality", "method": "/method", "upload": "/upload"}
CSRF_COOKIE = "ks_csrf"


def _board(request: Request) -> Dashboard:
    return request.app.state.dashboard


def _render(request: Request, page: str, lang: str, state: dict[str, Any], **context: Any) -> HTMLResponse:
    board = _board(request)

    def url(target: str, **changes: Any) -> str:
        params = {**state, "lang": lang, **changes}
        params = {k: v for k, v in params.items() if v is not None and v != ""}
        return PATHS.get(target, target) + ("?" + urlencode(params) if params else "")

    geos = board.geographies()
    return request.app.state.templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "page": page,
            "pages": PAGES,
            "lang": lang,
            "other_lang": "en" if lang == "nl" else "nl",
            "T": {k: v(lang) for k, v in T.items()},
            "help": READ_HELP[page](lang) if page in READ_HELP else "",
            "state": state,
            "url": url,
            "download": lambda fmt: f"/download/{page}.{fmt}?" + urlencode({**{k: v for k, v in state.items() if v is not None}, "lang": lang}),
            "synthetic": board.mirror.synthetic,
            "internal": board.policy.exact,
            "years": board.years,
            "geos": geos,
            "names": geography_names(),
            "moments": [(m, moment_label(m, lang)) for m in BASE_MOMENTS],
            "all_moments": [(m, moment_label(m, lang)) for m in MOMENTS],
            "fmt_int": lambda v: fmt_int(v, lang),
            "fmt_pct": lambda v: fmt_pct(v, lang),
            "fmt_pp": lambda v: fmt_pp(v, lang),
            "moment_label": lambda m: moment_label(m, lang),
            **context,
        },
    )


def _year(board: Dashboard, year: int | None) -> int:
    y = board.default_year if year is None else year
    board.check(year=y)
    return y


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, year: YearQ = None, geo: GeoQ = NATIONAL_CODE, lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    rows = records(board.funnel(y, geo))
    api = "/api/v1/funnel?" + urlencode({"year": y, "geography": geo})
    return _render(request, "overview", lang, {"year": y, "geo": geo}, rows=rows, api=api)


@router.get("/characteristics", response_class=HTMLResponse)
def characteristics(
    request: Request, year: YearQ = None, geo: GeoQ = NATIONAL_CODE, cmp: GeoQ = NATIONAL_CODE, moment: Moment = "employed", lang: LangQ = "nl"
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    board.check(geography=cmp)
    frame = board.characteristics(y, geo, cmp, lang)
    blocks = []
    for name in CHARACTERISTIC_NAMES:
        rows = records(frame[(frame.grouping == name) & (frame.moment == (moment if moment in BASE_MOMENTS else "employed"))])
        if rows:
            blocks.append({"name": name, "label": CHARACTERISTICS[name].label(lang), "rows": rows})
    api = "/api/v1/characteristics?" + urlencode({"year": y, "geography": geo, "comparison": cmp, "lang": lang})
    m = moment if moment in BASE_MOMENTS else "employed"
    return _render(request, "characteristics", lang, {"year": y, "geo": geo, "cmp": cmp, "moment": m}, blocks=blocks, api=api)


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
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    grouping, _, code = group.partition(":")
    if grouping == ALL:
        code = ALL
    frame = board.across(y, level, grouping, code or ALL, moment)
    frame = frame.assign(value=frame.difference_vs_national_pp if metric == "difference" else 100 * frame.rate)
    frame = frame.sort_values("value" if sort == "value" else "name", na_position="last")
    api = "/api/v1/compare?" + urlencode({"year": y, "level": level, "grouping": grouping, "group": code or ALL, "moment": moment})
    options = [(f"{o['grouping']}:{o['group']}" if o["grouping"] != ALL else "all:all", o["label"]) for o in board.group_options(lang)]
    state = {"year": y, "level": level, "group": group, "moment": moment, "metric": metric, "sort": sort}
    return _render(request, "compare", lang, state, rows=records(frame), api=api, group_options=options, metric=metric)


@router.get("/combinations", response_class=HTMLResponse)
def combinations(
    request: Request,
    year: YearQ = None,
    geo: GeoQ = NATIONAL_CODE,
    chars: Annotated[str, Query(max_length=120)] = "gender+age_band+household_type",
    moment: Moment = "employed",
    lang: LangQ = "nl",
) -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    wanted = tuple(chars.split(SEP))
    frame = board.combinations(y, geo, wanted, moment, lang)
    api = "/api/v1/combinations?" + urlencode({"year": y, "geography": geo, "characteristics": ",".join(wanted), "moment": moment, "lang": lang})
    choices = [(SEP.join(c), " × ".join(CHARACTERISTICS[n].label(lang) for n in c)) for c in combination_choices()]
    return _render(request, "combinations", lang, {"year": y, "geo": geo, "chars": SEP.join(c for c in CHARACTERISTIC_NAMES if c in wanted), "moment": moment}, rows=records(frame), api=api, choices=choices)


@router.get("/municipality", response_class=HTMLResponse)
def municipality(request: Request, year: YearQ = None, geo: GeoQ = "GM0363", moment: Moment = "employed", lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    if geo_level_of(geo) != "municipality":
        raise NotFound(f"{geo} is not a municipality code (GMxxxx)")
    amr = municipalities().set_index("gm_code").loc[geo, "amr_code"]
    funnel = records(board.funnel(y, geo))
    m = moment if moment in BASE_MOMENTS else "employed"
    here = board.characteristics(y, geo, amr, lang)
    national = board.characteristics(y, geo, NATIONAL_CODE, lang)
    here = here.assign(rate_national=national.rate_comparison.to_numpy())
    blocks = []
    for name in TABLE_2_1_CHARACTERISTICS + ("target_group_register",):
        rows = records(here[(here.grouping == name) & (here.moment == m)])
        if rows:
            blocks.append({"name": name, "label": CHARACTERISTICS[name].label(lang), "rows": rows})
    api = "/api/v1/funnel?" + urlencode({"year": y, "geography": geo})
    gms = [g for g in board.geographies() if g["level"] == "municipality"]
    return _render(request, "municipality", lang, {"year": y, "geo": geo, "moment": m}, funnel=funnel, blocks=blocks, amr=amr, api=api, municipalities=gms)


@router.get("/method", response_class=HTMLResponse)
def method(request: Request, year: YearQ = None, geo: GeoQ = NATIONAL_CODE, lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    y = _year(board, year)
    board.check(geography=geo)
    quality = board.quality(y, geo)
    definitions = [(moment_label("population", lang), POPULATION_DEFINITION(lang))] + [(mm.label(lang), mm.definition(lang)) for mm in MOMENTS.values()]
    characteristics = [(c.label(lang), [c.group_label(code, lang) for code in c.codes]) for c in CHARACTERISTICS.values()]
    covariates = [label(lang) for label in COVARIATE_LABELS.values()]
    return _render(request, "method", lang, {"year": y, "geo": geo}, quality=quality, definitions=definitions, characteristics=characteristics, covariates=covariates)


@router.get("/download/{view}.{fmt}")
def download(request: Request, view: Literal["overview", "characteristics", "compare", "combinations", "municipality"], fmt: Literal["csv", "xlsx"]) -> Response:
    params = dict(request.query_params)
    board = _board(request)
    internal_export = board.policy.exact and params.get("export") == "internal"
    return downloads.download(board if internal_export else request.app.state.public, view, fmt, params)


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, lang: LangQ = "nl") -> HTMLResponse:
    board = _board(request)
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _render(request, "upload", lang, {"year": board.default_year}, token=token, report=None)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/upload", response_class=HTMLResponse)
async def upload_check(
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
    lang: Annotated[Literal["nl", "en"], Form()] = "nl",
) -> HTMLResponse:
    """Check an uploaded client file and show the validation report; nothing is stored."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise HTTPException(403, "the form has expired or did not come from this site: reload the page and try again")
    board = _board(request)
    report = await check_upload(request, file)
    return _render(request, "upload", lang, {"year": board.default_year}, token=cookie, report=report)


@router.get("/template.{fmt}")
def template(fmt: Literal["csv", "xlsx"]) -> Response:
    """The fill-in template for an own client file."""
    from kansenspiegel.ingest import write_template

    with tempfile.TemporaryDirectory(prefix="kansenspiegel-") as tmp:
        body = write_template(Path(tmp) / f"clients.{fmt}").read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="kansenspiegel-template.{fmt}"'})
