"""Data quality: unknown values per characteristic, and how many cells are suppressed."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, NATIONAL_CODE, UNKNOWN
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published, records
from kansenspiegel.views._registry import Params, View, columns, register


class QualityParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    lang: Language = "nl"


def compute(pub: Published, p: QualityParams) -> pd.DataFrame:
    """One row per characteristic: people with an unknown value (None when that group is
    suppressed), or the group unknown values are counted under (household type: CBS's 'other')."""
    g = pub.groups(p.year, p.geography)
    base = g[g.moment == "provision"]
    total = base.loc[base.grouping == ALL, "population"].iloc[0]
    rows = []
    for name in CHARACTERISTIC_NAMES:
        spec = CHARACTERISTICS[name]
        unknown = base[(base.grouping == name) & (base.group == UNKNOWN)]
        folded = None if spec.has_unknown else spec.group_label("other", p.lang)
        rows.append(
            {
                "characteristic": name,
                "label": spec.label(p.lang),
                "unknown": None if folded else (unknown["population"].iloc[0] if len(unknown) else 0),
                "folded_into": folded,
                "population": total,
                "cells": len(g),
                "suppressed_cells": int(g.suppressed.sum()),
            }
        )
    return pd.DataFrame(rows, columns=[c.name for c in VIEW.columns])


class UnknownRow(BaseModel):
    characteristic: str
    label: str
    unknown: int | None
    folded_into: str | None
    population: int | None


class Quality(BaseModel):
    unknown: list[UnknownRow]
    cells: int
    suppressed_cells: int
    threshold: int
    rounding: int


def as_object(rows: pd.DataFrame, pub: Published, p: QualityParams) -> dict[str, Any]:
    first = rows.iloc[0]
    return {
        "unknown": records(rows[["characteristic", "label", "unknown", "folded_into", "population"]]),
        "cells": int(first.cells),
        "suppressed_cells": int(first.suppressed_cells),
        "threshold": pub.policy.threshold,
        "rounding": pub.policy.rounding_base,
    }


VIEW = register(
    View(
        name="quality",
        summary="Data quality: unknown values per characteristic, suppressed cells",
        params=QualityParams,
        columns=columns("characteristic:code", "label:text", "unknown", "folded_into:text", "population", "cells", "suppressed_cells"),
        compute=compute,
        page="method",
        shape="object",
        as_object=as_object,
        object_model=Quality,
    )
)
