"""The Table 2.1 view: per characteristic and group, shares, gaps, chance with its interval, the
test against everyone else in the area, and the same group in a comparison area."""

from __future__ import annotations

import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, group_label
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register

#: display order of every (characteristic, group)
ORDER = {(n, c): i for i, (n, c) in enumerate((n, c) for n in CHARACTERISTIC_NAMES for c in CHARACTERISTICS[n].codes)}


#: A group's shares, gap and chance against everyone else (the columns of a Table 2.1 row).
GROUP_COLUMNS = (
    "population",
    "share_of_denominator:rate",
    "count",
    "share_of_moment:rate",
    "representation_gap_pp:pp",
    "rate:rate",
    "rate_ci_low:rate",
    "rate_ci_high:rate",
    "rest_rate:rate",
    "rate_difference:pp",
)


class CharacteristicsParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    comparison: Geo = NATIONAL_CODE
    lang: Language = "nl"


def compute(pub: Published, p: CharacteristicsParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    pub.check(geography=p.comparison)
    here = pub.groups(p.year, p.geography)
    there = pub.groups(p.year, p.comparison)
    single = here[here.grouping.isin(CHARACTERISTIC_NAMES)]
    cmp = there[there.grouping.isin(CHARACTERISTIC_NAMES)][["grouping", "group", "moment", "rate", "rate_ci_low", "rate_ci_high"]]
    merged = single.merge(cmp, on=["grouping", "group", "moment"], how="left", suffixes=("", "_comparison"))
    merged["order"] = [ORDER.get((g, k), 999) for g, k in zip(merged.grouping, merged.group)]
    merged["label"] = [group_label(g, k, p.lang) for g, k in zip(merged.grouping, merged.group)]
    merged["characteristic_label"] = [CHARACTERISTICS[g].label(p.lang) for g in merged.grouping]
    merged["difference_vs_comparison_pp"] = 100 * (merged.rate - merged.rate_comparison)
    # a test exists against the rest of the country (the engine's region-vs-national test)
    merged["significant_vs_comparison"] = (p.comparison == NATIONAL_CODE) & merged.significant_vs_national
    merged["moment_order"] = merged.moment.map({m: i for i, m in enumerate(MOMENTS)})
    return merged.sort_values(["order", "moment_order"])[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="characteristics",
        summary="The Table 2.1 view: shares, gaps and chances per group, with a comparison area",
        params=CharacteristicsParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "moment:moment",
            *GROUP_COLUMNS,
            "p_value:p",
            "q_value:p",
            "significant:flag",
            "rate_comparison:rate",
            "rate_ci_low_comparison:rate",
            "rate_ci_high_comparison:rate",
            "difference_vs_comparison_pp:pp",
            "q_value_vs_national:p",
            "significant_vs_comparison:flag",
            "suppressed:flag",
            "order:count",
        ),
        compute=compute,
        page="characteristics",
    )
)
