"""The deviations that matter in one area, ranked, with their sentences and caveats."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from kansenspiegel.codes import NATIONAL_CODE, Lang
from kansenspiegel.findings import Finding, findings_in, with_trends
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Column, Params, View, register
from kansenspiegel.views.trends import area_trends


class FindingsParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    lang: Language = "nl"


def ranked(pub: Published, year: int, geography: str, lang: Lang = "nl") -> tuple[Finding, ...]:
    """The ranked findings of one area, from the same published rows as every page."""
    pub.check(year=year, geography=geography)

    def make() -> tuple[Finding, ...]:
        area, nl = pub.groups(year, geography), pub.groups(year, NATIONAL_CODE)
        found = findings_in(area, nl, year=year, geography=geography, lang=lang, policy=pub.policy)
        if len(pub.years) > 1:  # what the gap did over the years
            found = with_trends(found, area_trends(pub, geography)[1], lang)
        return tuple(found)

    return pub.memo(("findings", year, geography, lang), make)  # type: ignore[no-any-return]


def compute(pub: Published, p: FindingsParams) -> pd.DataFrame:
    rows = [f.to_dict() for f in ranked(pub, p.year, p.geography, p.lang)]
    return pd.DataFrame(rows, columns=[c.name for c in VIEW.columns])


_KIND = {
    "geography": "code",
    "year": "count",
    "kind": "comparison",
    "comparisons": "list",
    "grouping": "code",
    "group": "code",
    "moment": "moment",
    "group_label": "text",
    "denominator": "count",
    "count": "count",
    "q_value": "p",
    "people": "count",
    "score": "number",
    "text": "text",
    "caveats": "list",
    "trend": "text",
    "adjusted": "text",
}


def _column(name: str) -> Column:
    kind = _KIND.get(name) or ("pp" if name.endswith("_pp") else "rate")
    return Column(name, kind)  # type: ignore[arg-type]


VIEW = register(
    View(
        name="findings",
        summary="The deviations that matter in one area, ranked, with sentences and caveats",
        params=FindingsParams,
        columns=tuple(_column(f.name) for f in fields(Finding)),
        compute=compute,
        page="findings",
    )
)
