"""One group at one moment in every AMR or municipality: the data of a map and a ranking."""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, SEP, Lang, group_label
from kansenspiegel.errors import not_found
from kansenspiegel.geography import geography_names
from kansenspiegel.views._params import Language, Moment, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register


class CompareParams(Params):
    year: Year
    level: Literal["amr", "municipality"] = "amr"
    grouping: Annotated[str, Field(max_length=80, description="e.g. gender, or gender+age_band; 'all' = everyone")] = ALL
    group: Annotated[str, Field(max_length=80, description="e.g. female, or female+45_to_aow; 'all' = everyone")] = ALL
    moment: Moment = "employed"
    lang: Language = "nl"


def compute(pub: Published, p: CompareParams) -> pd.DataFrame:
    pub.check(year=p.year)
    chars = [] if p.grouping == ALL else p.grouping.split(SEP)
    for c in chars:
        if c not in CHARACTERISTICS:
            raise not_found("error.unknown_characteristic", name=c, choices=", ".join(CHARACTERISTICS))
    codes = p.group.split(SEP) if chars else [ALL]
    if chars and (len(codes) != len(chars) or any(code not in CHARACTERISTICS[c].codes for c, code in zip(chars, codes))):
        raise not_found("error.unknown_group", group=p.group, grouping=p.grouping)
    frame = pub.across(year=p.year, level=p.level, grouping=p.grouping, group=p.group if chars else ALL, moment=p.moment)
    out = pub.with_national(frame, p.year)
    out["name"] = out.geography.map(geography_names(p.lang))
    out["difference_vs_national_pp"] = 100 * (out.rate - out.national_rate)
    return out[[c.name for c in VIEW.columns]]


VIEW = register(
    View(
        name="compare",
        summary="One group at one moment in every AMR or municipality (map and ranking)",
        params=CompareParams,
        columns=columns(
            "geography:code",
            "name:text",
            "population",
            "denominator",
            "count",
            "rate:rate",
            "rate_ci_low:rate",
            "rate_ci_high:rate",
            "national_rate:rate",
            "difference_vs_national_pp:pp",
            "rate_difference:pp",
            "q_value:p",
            "q_value_vs_national:p",
            "significant_vs_national:flag",
            "suppressed:flag",
        ),
        compute=compute,
        page="compare",
    )
)


def group_options(lang: Lang) -> list[dict[str, str]]:
    """The groups a map can show: everyone, and every known group of one characteristic."""
    out = [{"grouping": ALL, "group": ALL, "label": group_label(ALL, ALL, lang)}]
    for name in CHARACTERISTIC_NAMES:
        for code in CHARACTERISTICS[name].known_codes:
            out.append({"grouping": name, "group": code, "label": f"{CHARACTERISTICS[name].label(lang)}: {CHARACTERISTICS[name].group_label(code, lang)}"})
    return out


def combination_choices() -> list[tuple[str, ...]]:
    """Every combination of 2 or 3 characteristics (in canonical order)."""
    return [c for k in (2, 3) for c in combinations(CHARACTERISTIC_NAMES, k)]
