"""Which groups get which provisions: per characteristic and group, the chance of each provision
type, its gap against everyone else in the area and against the same group in the rest of the
country, and the group's share among those who got the type against its share of everyone
(report 4.2.2 and 5.2.2: special provisions go to selected groups only)."""

from __future__ import annotations

import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, PROVISION_MOMENTS, group_label
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register
from kansenspiegel.views.characteristics import GROUP_COLUMNS, ORDER


class ProvisionsParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    lang: Language = "nl"


def compute(pub: Published, p: ProvisionsParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    here = pub.groups(p.year, p.geography)
    rows = pub.with_national(here[here.moment.isin(PROVISION_MOMENTS) & here.grouping.isin([ALL, *CHARACTERISTIC_NAMES])], p.year)
    rows["provision_type"] = rows.moment.str.removeprefix("provision_")
    rows["provision_label"] = [MOMENTS[m].label(p.lang) for m in rows.moment]
    rows["order"] = [-1 if g == ALL else ORDER.get((g, k), 999) for g, k in zip(rows.grouping, rows.group)]
    rows["label"] = [group_label(g, k, p.lang) for g, k in zip(rows.grouping, rows.group)]
    rows["characteristic_label"] = [CHARACTERISTICS[g].label(p.lang) if g != ALL else "" for g in rows.grouping]
    rows["difference_vs_national_pp"] = 100 * (rows.rate - rows.national_rate)
    rows["type_order"] = rows.moment.map({m: i for i, m in enumerate(PROVISION_MOMENTS)})
    return rows.sort_values(["order", "type_order"])[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="provisions",
        summary="Which groups get which provision types: chances, gaps and shares per group",
        params=ProvisionsParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "provision_type:code",
            "provision_label:text",
            *GROUP_COLUMNS,
            "q_value:p",
            "significant:flag",
            "national_rate:rate",
            "difference_vs_national_pp:pp",
            "q_value_vs_national:p",
            "significant_vs_national:flag",
            "suppressed:flag",
            "order:count",
        ),
        compute=compute,
        page="provisions",
    )
)
