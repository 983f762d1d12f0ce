"""An own dataset's chances per combined group of 2 or 3 characteristics, its own ones too
("laagopgeleide statushouders"): the combinations of the client file."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from kansenspiegel.codes import SEP, group_label, grouping_name
from kansenspiegel.errors import not_found
from kansenspiegel.views._params import Language, Moment, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register
from kansenspiegel.views.own import NAME_PATTERN, display_order, in_reference, own_board


class OwnCombinationsParams(Params):
    name: Annotated[str, Field(pattern=NAME_PATTERN, description="Name of the own dataset")]
    year: Year
    geography: Annotated[str, Field(pattern=r"^GM\d{4}$", description="A municipality in the own dataset")]
    characteristics: Annotated[
        str, Field(max_length=200, description="2 or 3 comma-separated characteristics of the dataset (its own ones too, e.g. gender,statushouder)")
    ]
    moment: Moment = "employed"
    lang: Language = "nl"


def combination_names(characteristics: str, names: tuple[str, ...]) -> list[str]:
    """The characteristics of a combination (``gender,statushouder``), checked against a dataset's."""
    chars = [c.strip() for c in characteristics.replace(SEP, ",").split(",") if c.strip()]
    for c in chars:
        if c not in names:
            raise not_found("error.unknown_characteristic", name=c, choices=", ".join(names))
    if not 2 <= len(chars) <= 3 or len(set(chars)) != len(chars):
        raise not_found("error.choose_combination")
    return chars


def compute(reference: Published, p: OwnCombinationsParams) -> pd.DataFrame:
    """An own dataset's chances per combined group of 2 or 3 characteristics (its own ones too:
    "laagopgeleide statushouders"), each against everyone else in the own file (the engine's
    test, Benjamini–Hochberg over every test of the municipality as on every page), with the
    national chance of the same group where the reference data has the characteristics."""
    own = own_board(reference, p.name, p.year, p.geography, p.moment)
    chars = own.mirror.characteristics
    grouping = grouping_name(combination_names(p.characteristics, tuple(chars)), tuple(chars))
    g = own.groups(p.year, p.geography)
    rows = g[(g.grouping == grouping) & (g.moment == p.moment)].drop(columns=["national_rate", "national_ci_low", "national_ci_high"])
    if p.year in reference.years and in_reference(pd.Series([grouping]))[0]:
        rows = reference.with_national(rows, p.year)
    else:
        for c in ("national_rate", "national_ci_low", "national_ci_high"):
            rows[c] = np.nan
    rows["in_reference"] = in_reference(rows.grouping)
    rows["label"] = [group_label(grouping, k, p.lang, chars) for k in rows.group]
    rows = rows.iloc[display_order(chars, rows)]
    return rows[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="own_combinations",
        summary="An own dataset's chances per combined group of 2 or 3 characteristics (its own ones too)",
        params=OwnCombinationsParams,
        columns=columns(
            "grouping:code",
            "group:code",
            "label:text",
            "population",
            "denominator",
            "count",
            "rate:rate",
            "rate_ci_low:rate",
            "rate_ci_high:rate",
            "rest_rate:rate",
            "rate_difference:pp",
            "q_value:p",
            "significant:flag",
            "national_rate:rate",
            "national_ci_low:rate",
            "national_ci_high:rate",
            "in_reference:flag",
            "suppressed:flag",
        ),
        compute=compute,
        page="own",
        tags=("own data",),
        cache=False,
    )
)
