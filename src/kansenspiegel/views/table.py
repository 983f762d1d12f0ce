"""The report's Table 2.1 layout: counts rounded, shares in whole percent, small cells '.'."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import Field

from kansenspiegel.codes import NATIONAL_CODE, TABLE_2_1_CHARACTERISTICS
from kansenspiegel.tables import TABLE_2_1_COLUMNS
from kansenspiegel.views._params import Geo, Language, Year, characteristic_list
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Column, Params, View, register


class TableParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    characteristic: Annotated[str | None, Field(max_length=120, description="One characteristic; empty = those of Table 2.1")] = None
    lang: Language = "nl"


def compute(pub: Published, p: TableParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    chars = characteristic_list(p.characteristic, separators=",") or TABLE_2_1_CHARACTERISTICS
    with pub.locked():
        return pub.mirror.table(year=p.year, geography=p.geography, characteristics=chars, lang=p.lang, policy=pub.policy)


VIEW = register(
    View(
        name="table",
        summary="The report's Table 2.1 layout (published: rounded, small cells '.')",
        params=TableParams,
        # the cells are text as in the report ('.' for a hidden one)
        columns=tuple(Column(c, "text") for c in TABLE_2_1_COLUMNS),
        compute=compute,
    )
)
