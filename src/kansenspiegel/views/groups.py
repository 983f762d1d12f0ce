"""Every published metric row of one area (all groupings and moments), or one grouping/moment."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import Field

from kansenspiegel.codes import NATIONAL_CODE
from kansenspiegel.errors import not_found
from kansenspiegel.stats import METRIC_COLUMNS
from kansenspiegel.views._params import Geo, Moment, Year, characteristic_list, grouping_of
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Column, Params, View, register

KINDS = {
    "dataset": "code",
    "year": "count",
    "geo_level": "code",
    "geography": "code",
    "grouping": "code",
    "group": "code",
    "moment": "moment",
    "significant": "flag",
    "significant_vs_national": "flag",
    "suppressed": "flag",
    "p_value": "p",
    "q_value": "p",
    "p_value_vs_national": "p",
    "q_value_vs_national": "p",
    "representation_gap_pp": "pp",
    "rate_difference": "pp",
    "rate_ratio": "number",
}


def _kind(name: str) -> str:
    if name in KINDS:
        return KINDS[name]
    if "rate" in name or "share" in name:
        return "rate"
    return "count" if name in ("population", "denominator", "count", "rest_denominator", "rest_count") else "code"


class GroupsParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    characteristics: Annotated[str | None, Field(max_length=120, description="Comma-separated characteristics (1–3); empty = every grouping")] = None
    moment: Moment | None = None


def compute(pub: Published, p: GroupsParams) -> pd.DataFrame:
    frame = pub.groups(p.year, p.geography)
    chars = characteristic_list(p.characteristics, separators=",")
    if chars:
        if len(chars) > 3:
            raise not_found("error.too_many_characteristics")
        frame = frame[frame.grouping == grouping_of(chars)]
    if p.moment:
        frame = frame[frame.moment == p.moment]
    return frame[[c.name for c in VIEW.columns]].reset_index(drop=True)


_NAMES = [c for c in METRIC_COLUMNS if c not in ("national_rate", "national_ci_low", "national_ci_high")] + [
    "suppressed",
    "significant",
    "significant_vs_national",
]
VIEW = register(
    View(
        name="groups",
        summary="Published metrics of every group (all groupings and moments) in one geography",
        params=GroupsParams,
        columns=tuple(Column(n, _kind(n)) for n in dict.fromkeys(_NAMES)),  # type: ignore[arg-type]
        compute=compute,
    )
)
