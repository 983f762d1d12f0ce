"""Reports for the council — one area and year as HTML, PDF (WeasyPrint) or XLSX.

Everything in a report comes from `views.report_data` (published figures and the findings
engine, which reads the same figures); this module only lays it out."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kansenspiegel import __version__
from kansenspiegel.codes import BASE_MOMENTS, DIFFERENCES, MOMENTS, Lang
from kansenspiegel.findings._text import EXPLAIN, SIGNAL
from kansenspiegel.formatting import fmt_int, fmt_pct, fmt_pp
from kansenspiegel.messages import t
from kansenspiegel.render.table import comparison_name, moment_name
from kansenspiegel.views import ReportData
from kansenspiegel.views.findings import VIEW as FINDINGS
from kansenspiegel.views.funnel import VIEW as FUNNEL


def _env() -> Environment:
    folder = resources.files("kansenspiegel.render") / "templates"
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts, no scripts)."""
    lang = data.lang
    funnel = {(r["geography"], r["moment"]): r for r in data.funnel.to_dict(orient="records")}
    return (
        _env()
        .get_template("report.html")
        .render(
            d=data,
            lang=lang,
            t=lambda key, **params: t(key, lang, **params),
            version=__version__,
            today=date.today().isoformat(),
            moments=BASE_MOMENTS,
            moment_label=lambda m: moment_name(m, lang),
            glossary=glossary(lang),
            policy_text=data.policy.describe(lang),
            cell=lambda code, m: funnel[(code, m)],
            group_rows=lambda m: data.groups[data.groups.moment == m].to_dict(orient="records"),
            fmt_int=lambda v: fmt_int(None if pd.isna(v) else v, lang),
            fmt_pct=lambda v: fmt_pct(None if pd.isna(v) else v, lang),
            fmt_pp=lambda v: fmt_pp(None if pd.isna(v) else v, lang),
            fmt_pp0=lambda v: fmt_pp(None if pd.isna(v) else v, lang, digits=0),
            nl=lang == "nl",
            signal=SIGNAL[lang],
            explain=EXPLAIN[lang],
            difference_vs_nl=DIFFERENCES["difference_vs_comparison_pp"].label(lang, area=t("ui.the_country_in_a_sentence", lang)),
        )
    )


def write_html(data: ReportData, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(data), encoding="utf-8")
    return path


def write_pdf(data: ReportData, path: str | Path) -> Path:
    """The HTML report printed to PDF by WeasyPrint (needs Debian's pango and a font)."""
    from weasyprint import HTML

    path = Path(path)
    HTML(string=render_html(data)).write_pdf(path)
    return path


def _num(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def write_xlsx(data: ReportData, path: str | Path) -> Path:
    """One sheet per table with real numbers (not text), labelled headers and moments, frozen
    headers, and a definitions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang = data.lang
    label = lambda name: t(f"column.{name}", lang)  # noqa: E731
    wb = Workbook()
    sheets: list[tuple[str, list[str], list[list[Any]], dict[int, str]]] = []
    funnel_cols = [c.name for c in FUNNEL.columns if c.name != "geography"]
    funnel_rows = [[moment_name(r[c], lang) if c == "moment" else _num(r[c]) for c in funnel_cols] for _, r in data.funnel.iterrows()]
    sheets.append((t("report.sheet_funnel", lang), [label(c) for c in funnel_cols], funnel_rows, {3: "0.0%", 4: "0.0%", 5: "0.0%"}))
    vs_nl = DIFFERENCES["difference_vs_comparison_pp"].label(lang, area=t("ui.the_country_in_a_sentence", lang))
    group_cols = [
        "characteristic",
        "label",
        "moment",
        "population",
        "count",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "national_rate",
        "difference_vs_national_pp",
        "q_value",
        "significant",
    ]
    headers = [label("characteristic_label"), label("label"), *[label(c) for c in group_cols[2:9]], vs_nl, label("q_value"), label("significant")]
    group_rows = [[moment_name(r[c], lang) if c == "moment" else _num(r[c]) for c in group_cols] for _, r in data.groups.iterrows()]
    sheets.append((t("report.sheet_characteristics", lang), headers, group_rows, {5: "0.0%", 6: "0.0%", 7: "0.0%", 8: "0.0%", 9: "0.0", 10: "0.0000"}))
    find_cols = [
        "kind",
        "group_label",
        "moment",
        "denominator",
        "count",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "rest_rate",
        "difference_vs_rest_pp",
        "rest_of_country_rate",
        "difference_vs_national_pp",
        "q_value",
        "certain_pp",
        "people",
        "score",
        "text",
    ]
    vs_elsewhere = DIFFERENCES["difference_vs_comparison_pp"].label(lang, area=t("report.rest_of_country", lang))
    find_headers = ["#", *[vs_elsewhere if c == "difference_vs_national_pp" else label(c) for c in find_cols]]
    find_rows = []
    for i, f in enumerate(data.top):
        entry = f.to_dict()
        find_rows.append(
            [i + 1, *[comparison_name(entry[c], lang) if c == "kind" else moment_name(entry[c], lang) if c == "moment" else _num(entry[c]) for c in find_cols]]
        )
    sheets.append(
        (
            t("report.sheet_findings", lang),
            find_headers,
            find_rows,
            {6: "0.0%", 7: "0.0%", 8: "0.0%", 9: "0.0%", 10: "0.0", 11: "0.0%", 12: "0.0", 13: "0.0000", 14: "0.0", 16: "0.0"},
        )
    )
    assert {c.name for c in FINDINGS.columns} >= set(find_cols)
    if len(data.adjusted):
        shown = data.adjusted[~data.adjusted.hidden.astype(bool)]
        adj_cols = ["model_raw_gap_pp", "linked_part_pp", "adjusted_gap_pp", "adjusted_low_pp", "adjusted_high_pp"]
        adj_rows = [[f"{r.characteristic_label}: {r.label}", *[_num(getattr(r, c)) for c in adj_cols]] for r in shown.itertuples()]
        adj_rows.append([data.adjusted_caveat, *[None] * len(adj_cols)])
        sheets.append((t("report.sheet_adjusted", lang), [t("report.group", lang), *[label(c) for c in adj_cols]], adj_rows, {i: "0" for i in range(1, 6)}))
    if data.trends:
        trend_rows = [[r["label"], MOMENTS[r["moment"]].label(lang), r["first_year"], r["last_year"], _num(r["slope_pp"]), r["text"]] for r in data.trends]
        trend_headers = [
            t("report.group", lang),
            label("moment"),
            t("report.trend_from", lang),
            t("report.trend_to", lang),
            label("slope_pp"),
            label("trend_text"),
        ]
        sheets.append((t("report.sheet_trends", lang), trend_headers, trend_rows, {5: "0.0"}))
    definitions = [[MOMENTS[m].label(lang), MOMENTS[m].definition(lang)] for m in MOMENTS]
    definitions += [[k, v] for k, v in glossary(lang).items()]
    definitions.append([t("report.privacy", lang), data.policy.describe(lang)])
    sheets.append((t("report.sheet_definitions", lang), [t("report.term", lang), t("report.meaning", lang)], definitions, {}))
    wb.remove(wb.active)
    for title, header, rows, formats in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for col, fmt in formats.items():
            for cell in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
                cell[0].number_format = fmt
        ws.freeze_panes = "A2"
        for i, _ in enumerate(header):
            ws.column_dimensions[chr(65 + i)].width = 16 if i != len(header) - 1 else 60
    path = Path(path)
    wb.save(path)
    return path


def glossary(lang: Lang) -> dict[str, str]:
    """The glossary of reports and the dashboard's method page (plain language)."""
    out = {t(f"glossary.{k}", lang): t(f"glossary.{k}_definition", lang) for k in ("moment", "share", "chance")}
    for term in DIFFERENCES.values():
        out[term.label(lang, area=t("ui.the_country_in_a_sentence", lang))] = term.definition(lang)
    out.update({t(f"glossary.{k}", lang): t(f"glossary.{k}_definition", lang) for k in ("interval", "clear")})
    return out


__all__ = ["glossary", "render_html", "write_html", "write_pdf", "write_xlsx"]
