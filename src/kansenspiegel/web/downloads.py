"""Downloads of the current page's view as CSV or XLSX: the page's parameters mapped onto its
published view, rendered by `kansenspiegel.render` (the same numbers as the page)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from kansenspiegel.codes import ALL, NATIONAL_CODE
from kansenspiegel.errors import UserError
from kansenspiegel.geography import municipalities
from kansenspiegel.messages import Lang
from kansenspiegel.render import MEDIA, RENDERERS
from kansenspiegel.views import VIEWS, Published

#: which view a page's download holds, and how the page's parameters name the view's
PAGE_VIEWS: dict[str, str] = {
    "overview": "funnel",
    "characteristics": "characteristics",
    "provisions": "provisions",
    "municipality": "characteristics",
    "combinations": "combinations",
    "compare": "compare",
    "findings": "findings",
}

#: The combination the combinations page opens on (two characteristics).
DEFAULT_COMBINATION = "gender+migration_background"


def view_params(page: str, params: dict[str, str], lang: Lang) -> tuple[str, dict[str, Any], str]:
    """(view name, its parameters, a file name) for a page's query parameters."""
    year = params.get("year")
    base: dict[str, Any] = {} if year is None else {"year": year}
    if page == "overview":
        geo = params.get("geo", NATIONAL_CODE)
        return "funnel", {**base, "geography": geo, "lang": lang}, f"funnel_{geo}"
    if page == "characteristics":
        geo, cmp = params.get("geo", NATIONAL_CODE), params.get("cmp", NATIONAL_CODE)
        return "characteristics", {**base, "geography": geo, "comparison": cmp, "lang": lang}, f"characteristics_{geo}_vs_{cmp}"
    if page == "provisions":
        geo = params.get("geo", NATIONAL_CODE)
        return "provisions", {**base, "geography": geo, "lang": lang}, f"provisions_{geo}"
    if page == "municipality":
        geo = params.get("geo", "GM0363")
        if geo not in municipalities().gm_code.to_numpy():  # as the page: a municipality or nothing
            raise UserError("error.not_municipality", 404, code=str(geo)[:20])
        return "characteristics", {**base, "geography": geo, "comparison": NATIONAL_CODE, "lang": lang}, f"municipality_{geo}"
    if page == "combinations":
        geo = params.get("geo", NATIONAL_CODE)
        return (
            "combinations",
            {**base, "geography": geo, "characteristics": params.get("chars", DEFAULT_COMBINATION), "moment": params.get("moment", "employed"), "lang": lang},
            f"combinations_{geo}",
        )
    if page == "compare":
        grouping, _, group = params.get("group", "gender:female").partition(":")
        level, moment = params.get("level", "amr"), params.get("moment", "employed")
        return (
            "compare",
            {**base, "level": level, "grouping": grouping, "group": ALL if grouping == ALL else group, "moment": moment, "lang": lang},
            f"compare_{level}_{grouping}_{group}_{moment}",
        )
    if page == "findings":
        geo = params.get("geo", NATIONAL_CODE)
        return "findings", {**base, "geography": geo, "lang": lang}, f"findings_{geo}"
    raise UserError("error.unknown_view", 404, view=page)


def download(board: Published, page: str, fmt: str, params: dict[str, str]) -> Response:
    """The download of a page: its view under the page's parameters."""
    lang: Lang = "en" if params.get("lang") == "en" else "nl"
    name, values, filename = view_params(page, params, lang)
    return render_view(board, name, fmt, values, lang, filename)


def render_view(board: Published, name: str, fmt: str, values: dict[str, Any], lang: Lang, filename: str | None = None) -> Response:
    """A registered view as a CSV or XLSX response."""
    if name not in VIEWS:
        raise UserError("error.unknown_view", 404, view=name)
    values = {**values}
    if "year" in VIEWS[name].params.model_fields:  # a view over all years (trends) has none
        values.setdefault("year", board.default_year)
    frame = board.run(name, **values)
    filename = filename or "_".join([name, *(str(v) for k, v in values.items() if k not in ("year", "lang"))])
    body = RENDERERS[fmt](frame, VIEWS[name], lang, board.policy, board.mirror.synthetic)
    years = str(values["year"]) if "year" in values else f"{board.years[0]}-{board.years[-1]}"
    filename = ("INTERNAL_" if board.policy.exact else "") + f"{filename}_{years}"
    note = board.policy.describe("en", short=True)
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"', "X-Kansenspiegel-Note": note.encode("ascii", "replace").decode()},
    )
