"""Stage 6: reports for the council — one area and year as HTML, PDF (WeasyPrint) or XLSX.

Everything in a report comes from published figures (`Mirror.published`: rounded, small and
recoverable cells suppressed) and from the findings engine, which reads the same figures.
`report_data` gathers them once; `render_html`, `write_pdf` and `write_xlsx` lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kansenspiegel import __version__
from kansenspiegel.codes import ALL, BASE_MOMENTS, CHARACTERISTIC_NAMES, CHARACTERISTICS, DIFFERENCES, MOMENTS, NATIONAL_CODE, POPULATION_LABEL, Lang
from kansenspiegel.disclosure import PUBLIC, Policy
from kansenspiegel.findings import Finding, findings_in, unknown_shares
from kansenspiegel.findings._text import EXPLAIN, SIGNAL
from kansenspiegel.geography import geo_level_of, geography_names, municipalities
from kansenspiegel.mirror import Mirror
from kansenspiegel.formatting import fmt_int, fmt_pct, fmt_pp
from kansenspiegel.messages import t



@dataclass
class ReportData:
    geography: str
    name: str
    year: int
    lang: Lang
    synthetic: bool
    chain: list[tuple[str, str]]  # (code, name): the area, its AMR, the country
    funnel: pd.DataFrame  # geography, moment, count, rate, rate_ci_low, rate_ci_high
    groups: pd.DataFrame  # per characteristic group and base moment: the area beside the country
    top: list[Finding]
    combinations: list[Finding]
    similar: pd.DataFrame  # areas of the same level with the most similar size
    quality: dict[str, Any]
    policy: Policy


def _everyone(pub: pd.DataFrame) -> pd.DataFrame:
    return pub[pub.grouping == ALL].set_index("moment")


def report_data(mirror: Mirror, *, geography: str, year: int, lang: Lang = "nl", policy: Policy = PUBLIC, top: int = 8) -> ReportData:
    """Everything a report shows, published under ``policy``."""
    names = geography_names()
    if geography not in names:
        raise ValueError(f"unknown geography code {geography!r}: use NL, an AMR code such as AM05 or a municipality code such as GM0363")
    chain = [geography]
    if geo_level_of(geography) == "municipality":
        chain.append(municipalities().set_index("gm_code").loc[geography, "amr_code"])
    if geography != NATIONAL_CODE:
        chain.append(NATIONAL_CODE)
    published = {code: mirror.published(year=year, geography=code, policy=policy) for code in chain}
    funnel = []
    for code in chain:
        every = _everyone(published[code])
        funnel.append({"geography": code, "name": names[code], "moment": "population", "count": every.loc["provision", "population"], "rate": np.nan, "rate_ci_low": np.nan, "rate_ci_high": np.nan})
        for m in BASE_MOMENTS:
            r = every.loc[m]
            funnel.append({"geography": code, "name": names[code], "moment": m, "count": r["count"], "rate": r.rate, "rate_ci_low": r.rate_ci_low, "rate_ci_high": r.rate_ci_high})
    here, nl = published[geography], published[NATIONAL_CODE]
    single = here[here.grouping.isin(CHARACTERISTIC_NAMES) & here.moment.isin(BASE_MOMENTS)]
    nat = nl[["grouping", "group", "moment", "rate"]].rename(columns={"rate": "national_rate"})
    groups = single.drop(columns=["national_rate"]).merge(nat, on=["grouping", "group", "moment"], how="left")
    order = {(n, c): i for i, (n, c) in enumerate((n, c) for n in CHARACTERISTIC_NAMES for c in CHARACTERISTICS[n].codes)}
    groups["order"] = [order.get((g, k), 999) for g, k in zip(groups.grouping, groups.group)]
    groups["characteristic"] = [CHARACTERISTICS[g].label(lang) for g in groups.grouping]
    groups["label"] = [CHARACTERISTICS[g].group_label(k, lang) for g, k in zip(groups.grouping, groups.group)]
    groups["difference_vs_national_pp"] = 100 * (groups.rate - groups.national_rate)
    groups = groups.sort_values(["order", "moment"], key=lambda s: s.map({m: i for i, m in enumerate(BASE_MOMENTS)}) if s.name == "moment" else s)
    found = findings_in(here, nl, year=year, geography=geography, lang=lang, policy=policy)
    combos = [f for f in found if "+" in f.grouping][:5]
    # areas of the same level with the most similar number of people on benefit
    similar = pd.DataFrame()
    level = geo_level_of(geography)
    if level in ("amr", "municipality"):
        pub = mirror.published(year=year, policy=policy, level=level, grouping=ALL, group=ALL, moment="employed")
        pub = pub[~pub.suppressed.astype(bool)].copy()
        size = float(pub.loc[pub.geography == geography, "population"].iloc[0]) if (pub.geography == geography).any() else np.nan
        pub["distance"] = (pub.population.astype("float64") - size).abs()
        similar = pub.sort_values("distance").head(6)[["geography", "population", "rate", "rate_ci_low", "rate_ci_high"]].copy()
        similar["name"] = similar.geography.map(names)
    # household type has no unknown group of its own (CBS counts it under 'other'): say so, not 0 %
    unknown = {CHARACTERISTICS[c].label(lang): (share if CHARACTERISTICS[c].has_unknown else None) for c, share in unknown_shares(here).items()}
    quality = {"unknown": unknown, "cells": int(len(here)), "suppressed": int(here.suppressed.sum())}
    return ReportData(geography=geography, name=names[geography], year=year, lang=lang, synthetic=mirror.synthetic, chain=[(c, names[c]) for c in chain],
                      funnel=pd.DataFrame(funnel), groups=groups, top=found[:top], combinations=combos, similar=similar, quality=quality, policy=policy)


def _env() -> Environment:
    folder = resources.files("kansenspiegel.reports") / "templates"
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))
    return env


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts, no scripts)."""
    lang = data.lang
    funnel = {(r["geography"], r["moment"]): r for r in data.funnel.to_dict(orient="records")}
    return _env().get_template("report.html").render(
        d=data, lang=lang, t=lambda key, **params: t(key, lang, **params), version=__version__, today=date.today().isoformat(), moments=BASE_MOMENTS,
        moment_label=lambda m: MOMENTS[m].label(lang) if m in MOMENTS else POPULATION_LABEL(lang), glossary=glossary(lang), policy_text=_policy_text(data),
        cell=lambda code, m: funnel[(code, m)], group_rows=lambda m: data.groups[data.groups.moment == m].to_dict(orient="records"),
        fmt_int=lambda v: fmt_int(None if pd.isna(v) else v, lang), fmt_pct=lambda v: fmt_pct(None if pd.isna(v) else v, lang),
        fmt_pp=lambda v: fmt_pp(None if pd.isna(v) else v, lang), nl=lang == "nl", signal=SIGNAL[lang], explain=EXPLAIN[lang],
        difference_vs_nl=DIFFERENCES["difference_vs_comparison_pp"].label(lang).format(area="Nederland" if lang == "nl" else "the Netherlands"),
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


def write_xlsx(data: ReportData, path: str | Path) -> Path:
    """One sheet per table with real numbers (not text), frozen headers, and a definitions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    nl = data.lang == "nl"
    wb = Workbook()
    sheets: list[tuple[str, list[str], list[list[Any]], dict[int, str]]] = []

    def num(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (np.floating, float)):
            return float(v)
        return v

    funnel_rows = [[r["name"], r.moment, num(r["count"]), num(r.rate), num(r.rate_ci_low), num(r.rate_ci_high)] for _, r in data.funnel.iterrows()]
    sheets.append(("Trechter" if nl else "Funnel", ["Gebied" if nl else "Area", "Moment", "Aantal" if nl else "Count", "Kans" if nl else "Chance",
                                                  "Interval laag" if nl else "Interval low", "Interval hoog" if nl else "Interval high"], funnel_rows, {3: "0.0%", 4: "0.0%", 5: "0.0%"}))
    group_rows = [[r.characteristic, r.label, r.moment, num(r.population), num(r["count"]), num(r.rate), num(r.rate_ci_low), num(r.rate_ci_high), num(r.national_rate),
                   num(r.difference_vs_national_pp), num(r.q_value), bool(r.significant)] for _, r in data.groups.iterrows()]
    sheets.append(("Kenmerken" if nl else "Characteristics",
                   ["Kenmerk" if nl else "Characteristic", "Groep" if nl else "Group", "Moment", "Aantal in bijstand" if nl else "On benefit", "Aantal" if nl else "Count",
                    "Kans" if nl else "Chance", "Interval laag" if nl else "Interval low", "Interval hoog" if nl else "Interval high", "Kans Nederland" if nl else "Chance NL",
                    DIFFERENCES["difference_vs_comparison_pp"].label(data.lang).format(area="Nederland" if nl else "the Netherlands"), "q", "Duidelijk verschil" if nl else "Clear difference"],
                   group_rows, {5: "0.0%", 6: "0.0%", 7: "0.0%", 8: "0.0%", 9: "0.0", 10: "0.0000"}))
    vs_rest = DIFFERENCES["rate_difference"].label(data.lang)
    vs_elsewhere = DIFFERENCES["difference_vs_comparison_pp"].label(data.lang).format(area="de rest van Nederland" if nl else "the rest of the country")
    find_rows = [[i + 1, f.kind, f.group_label, f.moment, f.denominator, f.count, f.rate, f.rate_ci_low, f.rate_ci_high, f.rest_rate, f.difference_vs_rest_pp,
                  f.rest_of_country_rate, f.difference_vs_national_pp, f.q_value, f.certain_pp, f.people, f.score, f.text] for i, f in enumerate(data.top)]
    sheets.append(("Bevindingen" if nl else "Findings", ["#", "Soort" if nl else "Kind", "Groep" if nl else "Group", "Moment", "Aantal" if nl else "Base", "Bereikt" if nl else "Reached",
                                                        "Kans" if nl else "Chance", "Interval laag" if nl else "Interval low", "Interval hoog" if nl else "Interval high",
                                                        "Kans van de anderen" if nl else "Chance of everyone else", vs_rest,
                                                        "Kans elders in Nederland" if nl else "Chance elsewhere in the country", vs_elsewhere, "q",
                                                        "Zeker verschil (procentpunt)" if nl else "Certain difference (percentage points)", "Mensen" if nl else "People", "Score",
                                                        "Tekst" if nl else "Text"],
                   find_rows, {6: "0.0%", 7: "0.0%", 8: "0.0%", 9: "0.0%", 10: "0.0", 11: "0.0%", 12: "0.0", 13: "0.0000", 14: "0.0", 16: "0.0"}))
    definitions = [[MOMENTS[m].label(data.lang), MOMENTS[m].definition(data.lang)] for m in MOMENTS]
    definitions += [[k, v] for k, v in glossary(data.lang).items()]
    definitions.append(["Privacy" if nl else "Disclosure", _policy_text(data)])
    sheets.append(("Definities" if nl else "Definitions", ["Begrip" if nl else "Term", "Betekenis" if nl else "Meaning"], definitions, {}))
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
    nl = lang == "nl"
    out = {
        ("Beslismoment" if nl else "Decision moment"): (
            "Een stap op weg naar werk: een voorziening krijgen, minstens een maand werken, minstens zes maanden werken (bij dezelfde werkgever, in het peiljaar en/of het jaar erna)."
            if nl else "A step on the way to work: getting a provision, working at least a month, working at least six months (for the same employer, in the reference year and/or the next)."),
        ("Aandeel" if nl else "Share"): (
            "Welk deel van alle mensen in de bijstand (of van wie het moment bereikte) tot een groep hoort." if nl
            else "Which part of everyone on benefit (or of those who reached a moment) belongs to a group."),
        ("Kans" if nl else "Chance"): ("Het deel van een groep dat een moment bereikte, bijvoorbeeld 25% = 1 op de 4." if nl
                                       else "The part of a group that reached a moment, e.g. 25% = 1 in 4."),
    }
    for term in DIFFERENCES.values():
        out[term.label(lang).format(area="Nederland" if nl else "the Netherlands")] = term.definition(lang)
    out["Interval" if nl else "Interval"] = (
        "De marge waarbinnen de echte kans vrijwel zeker (95%) ligt. Bij kleine groepen is de marge groot: door toeval, en omdat aantallen afgerond zijn." if nl
        else "The margin in which the true chance almost certainly (95%) lies. Small groups have wide margins: from chance, and because counts are rounded.")
    out["Duidelijk verschil" if nl else "Clear difference"] = (
        "Een verschil dat heel waarschijnlijk geen toeval is, ook al zijn er veel vergelijkingen gemaakt (q kleiner dan 0,05)." if nl
        else "A difference that is very likely not chance, even though many comparisons were made (q below 0.05).")
    return out


def _policy_text(data: ReportData) -> str:
    return policy_text(data.policy, data.lang)


def policy_text(p: Policy, lang: Lang) -> str:
    """What the disclosure policy does, in plain words (reports, downloads, method page)."""
    if p.exact:
        return "Exacte aantallen (intern, niet voor publicatie)." if lang == "nl" else "Exact counts (internal, not for publication)."
    if lang == "nl":
        return (f"Aantallen zijn afgerond op {p.rounding_base}-tallen. Groepen met minder dan {p.threshold} mensen, en cellen waaruit die terug te rekenen zouden zijn, "
                "worden niet getoond (.). Een afgerond aantal kan een paar mensen afwijken van het echte aantal; kansen, intervallen en toetsen houden daar rekening mee: "
                "het interval bevat de kans bij elk echt aantal dat bij de afgeronde aantallen past.")
    return (f"Counts are rounded to multiples of {p.rounding_base}. Groups of fewer than {p.threshold} people, and cells from which they could be calculated, "
            "are not shown (.). A rounded count can be a few people off the exact one; chances, intervals and tests allow for that: "
            "the interval holds the chance for every exact count that fits the rounded ones.")


__all__ = ["ReportData", "glossary", "policy_text", "render_html", "report_data", "write_html", "write_pdf", "write_xlsx"]
