"""Downloads of the current view as CSV or XLSX (the same published numbers as the page)."""

from __future__ import annotations

import io
import re

import pandas as pd
from fastapi.responses import Response

from kansenspiegel.codes import ALL, NATIONAL_CODE, SEP
from kansenspiegel.web.views import Dashboard, NotFound

_GEO = re.compile(r"^(NL|AM\d{2}|GM\d{4})$")


def _geo(params: dict[str, str], key: str = "geo", default: str = NATIONAL_CODE) -> str:
    value = params.get(key, default)
    if not _GEO.match(value):
        raise NotFound(f"invalid geography code {value!r}")
    return value


def _year(board: Dashboard, params: dict[str, str]) -> int:
    try:
        year = int(params.get("year", board.default_year))
    except ValueError as exc:
        raise NotFound(f"invalid year {params.get('year')!r}") from exc
    board.check(year=year)
    return year


def view_table(board: Dashboard, view: str, params: dict[str, str]) -> tuple[pd.DataFrame, str]:
    """The table of a view, and a file name describing it."""
    lang = "en" if params.get("lang") == "en" else "nl"
    year = _year(board, params)
    moment = params.get("moment", "employed")
    if view == "overview":
        geo = _geo(params)
        return board.funnel(year, geo), f"funnel_{geo}_{year}"
    if view == "characteristics":
        geo, cmp = _geo(params), _geo(params, "cmp")
        frame = board.characteristics(year, geo, cmp, lang).drop(columns=["order"])
        return frame, f"characteristics_{geo}_vs_{cmp}_{year}"
    if view == "municipality":
        geo = _geo(params, default="GM0363")
        return board.characteristics(year, geo, NATIONAL_CODE, lang).drop(columns=["order"]), f"municipality_{geo}_{year}"
    if view == "combinations":
        geo = _geo(params)
        chars = tuple(params.get("chars", "gender+age_band+household_type").split(SEP))
        return board.combinations(year, geo, chars, moment, lang), f"combinations_{geo}_{year}"
    if view == "compare":
        grouping, _, group = params.get("group", "gender:female").partition(":")
        level = params.get("level", "amr")
        frame = board.across(year, level, grouping, ALL if grouping == ALL else group, moment)
        return frame, f"compare_{level}_{grouping}_{group}_{moment}_{year}"
    raise NotFound(f"unknown view {view!r}")


def download(board: Dashboard, view: str, fmt: str, params: dict[str, str]) -> Response:
    frame, name = view_table(board, view, params)
    note = "SYNTHETIC demo data — not real figures. " if board.mirror.synthetic else ""
    if board.policy.exact:
        policy = "INTERNAL export: exact counts, nothing suppressed - not for publication"
        name = "INTERNAL_" + name
    else:
        policy = f"public: counts rounded to {board.policy.rounding_base}, cells below {board.policy.threshold} suppressed (empty)"
    note += f"Disclosure policy: {policy}."
    frame = frame.assign(disclosure=policy)
    if fmt == "csv":
        body = frame.to_csv(index=False).encode("utf-8-sig")  # BOM: Dutch Excel opens UTF-8 correctly
        media = "text/csv; charset=utf-8"
    else:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="data", index=False)
            pd.DataFrame({"note": [note]}).to_excel(writer, sheet_name="about", index=False)
            writer.sheets["data"].freeze_panes = "A2"
        body = buffer.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "X-Kansenspiegel-Note": note.encode("ascii", "replace").decode()})
