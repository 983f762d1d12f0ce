"""Parameter types shared by the views (the same checks on the API, the pages, the CLI)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kansenspiegel.codes import CHARACTERISTIC_NAMES, MOMENTS, SEP
from kansenspiegel.errors import not_found

GEO_PATTERN = r"^(NL|AM\d{2}|GM\d{4})$"
Year = Annotated[int, Field(ge=2000, le=2100, description="Reference year, e.g. 2018")]
Geo = Annotated[str, Field(pattern=GEO_PATTERN, description="NL, an AMR code (AM05) or a municipality code (GM0363)")]
Moment = Literal[
    "provision",
    "employed",
    "sustained",
    "employed_given_provision",
    "sustained_given_employed",
    "ladder_up",
    "ladder_4plus",
    "provision_jobcoach",
    "provision_work_placement",
    "provision_wage_cost_subsidy",
    "provision_workplace_adaptation",
    "provision_training",
    "provision_other",
    "provision_typed",
]
Language = Annotated[Literal["nl", "en"], Field(description="Language of labels")]
assert set(Moment.__args__) == set(MOMENTS)  # type: ignore[attr-defined]


def characteristic_list(spec: str | None, *, separators: str = ",+") -> tuple[str, ...]:
    """Characteristics named in a parameter (``gender,age_band`` or ``gender+age_band``), checked."""
    if not spec:
        return ()
    for sep in separators:
        spec = spec.replace(sep, ",")
    chars = tuple(c.strip() for c in spec.split(",") if c.strip())
    for c in chars:
        if c not in CHARACTERISTIC_NAMES:
            raise not_found("error.unknown_characteristic", name=c, choices=", ".join(CHARACTERISTIC_NAMES))
    return chars


def grouping_of(chars: tuple[str, ...]) -> str:
    return SEP.join(c for c in CHARACTERISTIC_NAMES if c in chars)
