"""The funnel: counts and chances at each decision moment of an area, its AMR and the country."""

from __future__ import annotations

import pandas as pd

from kansenspiegel.codes import ALL, BASE_MOMENTS, NATIONAL_CODE
from kansenspiegel.geography import geography_names
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published, area_chain
from kansenspiegel.views._registry import Params, View, columns, register


class FunnelParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    lang: Language = "nl"


def compute(pub: Published, p: FunnelParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    rows = []
    for code in area_chain(p.geography):
        g = pub.groups(p.year, code)
        everyone = g[g.grouping == ALL].set_index("moment")
        first = everyone.loc["provision"]
        name = geography_names(p.lang)[code]
        # the population is everyone on benefit: 100 % of itself (hidden with its count)
        rows.append(
            {
                "geography": code,
                "name": name,
                "moment": "population",
                "count": first.population,
                "rate": None if first.suppressed or pd.isna(first.population) else 1.0,
                "rate_ci_low": None,
                "rate_ci_high": None,
            }
        )
        for m in BASE_MOMENTS:
            r = everyone.loc[m]
            rows.append(
                {
                    "geography": code,
                    "name": name,
                    "moment": m,
                    "count": r["count"],
                    "rate": r.rate,
                    "rate_ci_low": r.rate_ci_low,
                    "rate_ci_high": r.rate_ci_high,
                }
            )
    return pd.DataFrame(rows, columns=[c.name for c in VIEW.columns])


VIEW = register(
    View(
        name="funnel",
        summary="Counts and chances at each decision moment, with the AMR and the national figure",
        params=FunnelParams,
        columns=columns("geography:code", "name:text", "moment:moment", "count", "rate:rate", "rate_ci_low:rate", "rate_ci_high:rate"),
        compute=compute,
        page="overview",
    )
)
