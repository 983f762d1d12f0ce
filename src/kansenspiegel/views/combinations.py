"""Chances per combined group of 2 or 3 characteristics at one moment."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import Field

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, NATIONAL_CODE, SEP, group_label
from kansenspiegel.errors import not_found
from kansenspiegel.views._params import Geo, Language, Moment, Year, characteristic_list, grouping_of
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Column, Params, View, columns, register


class CombinationsParams(Params):
    year: Year
    characteristics: Annotated[str, Field(max_length=120, description="2 or 3 comma-separated characteristics")]
    geography: Geo = NATIONAL_CODE
    moment: Moment = "employed"
    lang: Language = "nl"


def compute(pub: Published, p: CombinationsParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    chars = characteristic_list(p.characteristics)
    if not 2 <= len(chars) <= 3 or len(set(chars)) != len(chars):
        raise not_found("error.choose_combination")
    grouping = grouping_of(chars)
    g = pub.groups(p.year, p.geography)
    rows = g[(g.grouping == grouping) & (g.moment == p.moment)].copy()
    rows["label"] = [group_label(grouping, k, p.lang) for k in rows.group]
    rows = pub.with_national(rows, p.year)
    for c in CHARACTERISTIC_NAMES:
        if c not in chars:
            rows[c] = None  # the columns are the same for every combination
    # in display order: each characteristic's groups as the code list has them (≤ 26, 27–45, 45+)
    position = {c: {code: i for i, code in enumerate(CHARACTERISTICS[c].codes)} for c in chars}
    key = pd.DataFrame({c: rows[c].map(position[c]).fillna(999) for c in grouping.split(SEP)}, index=rows.index)
    rows = rows.loc[key.sort_values(list(key.columns), kind="stable").index]
    return rows[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="combinations",
        summary="Chances per combined group of 2 or 3 characteristics",
        params=CombinationsParams,
        columns=(
            *columns("grouping:code", "group:code", "label:text"),
            *(Column(c, "code") for c in CHARACTERISTIC_NAMES),
            *columns(
                "population",
                "denominator",
                "count",
                "rate:rate",
                "rate_ci_low:rate",
                "rate_ci_high:rate",
                "rest_rate:rate",
                "rate_difference:pp",
                "q_value:p",
                "national_rate:rate",
                "q_value_vs_national:p",
                "significant:flag",
                "significant_vs_national:flag",
                "suppressed:flag",
            ),
        ),
        compute=compute,
        page="combinations",
    )
)
