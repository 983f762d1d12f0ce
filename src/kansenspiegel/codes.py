"""Code lists: characteristics, their groups, moments and provision types, with their labels (keys of the message catalogue).

This is the one place where categories are listed. Everything else imports from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from kansenspiegel.messages import Msg

Lang = Literal["nl", "en"]

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Fixed:
    """A label in the user's own words (an own characteristic's name or value), the same in
    every language: ``Fixed("Statushouder")("en") == "Statushouder"``."""

    text: str

    def __call__(self, lang: Lang = "nl", /, **params: object) -> str:
        return self.text

    @property
    def nl(self) -> str:
        return self.text

    @property
    def en(self) -> str:
        return self.text


@dataclass(frozen=True)
class Filled:
    """A catalogue message with its placeholders filled in: ``Filled("codes.unknown.own", (("characteristic", "Statushouder"),))``."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def __call__(self, lang: Lang = "nl", /, **params: object) -> str:
        return Msg(self.key)(lang, **dict(self.params), **params)

    @property
    def nl(self) -> str:
        return self("nl")

    @property
    def en(self) -> str:
        return self("en")


#: A label is a message of the catalogue (`kansenspiegel.messages`): ``Msg("codes.men")("en")``,
#: or, for an own characteristic, the user's own words (`Fixed`).
Label = Msg | Fixed | Filled


@dataclass(frozen=True)
class Characteristic:
    """A personal characteristic that must not matter for the labour market."""

    name: str
    label: Label
    groups: dict[str, Label]
    total_label: Label
    #: Input values (lower-cased) accepted for each group code, besides the code itself.
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Whether ``unknown`` is a group of its own (True) or folded into a known group.
    has_unknown: bool = True
    #: The name of the ``unknown`` group (default: that of the standard characteristic).
    unknown_label: Label | None = None
    #: An own characteristic of one dataset (not in the national data).
    own: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        """Group codes in display order, ``unknown`` last when the characteristic has one."""
        return tuple(self.groups) + ((UNKNOWN,) if self.has_unknown else ())

    @property
    def known_codes(self) -> tuple[str, ...]:
        return tuple(self.groups)

    def group_label(self, code: str, lang: Lang = "nl") -> str:
        if code == UNKNOWN and self.has_unknown:
            return (self.unknown_label or UNKNOWN_LABELS[self.name])(lang)
        return self.groups[code](lang)


GENDER = Characteristic(
    name="gender",
    label=Msg("codes.gender"),
    groups={"female": Msg("codes.women"), "male": Msg("codes.men")},
    total_label=Msg("codes.total_gender_known"),
    aliases={
        "female": ("v", "vrouw", "vrouwen", "f", "woman", "women", "2"),
        "male": ("m", "man", "mannen", "men", "1"),
    },
)

AGE_BAND = Characteristic(
    name="age_band",
    label=Msg("codes.age"),
    groups={
        "up_to_26": Msg("codes.26_or_younger"),
        "27_to_44": Msg("codes.27_up_to_45"),
        "45_to_aow": Msg("codes.45_to_state_pension_age"),
    },
    total_label=Msg("codes.total_age_known"),
    aliases={
        "up_to_26": ("<=26", "≤26", "26 jaar of jonger", "tot 27", "18-26"),
        "27_to_44": ("27-45", "27–45", "27 tot 45 jaar", "27-44"),
        "45_to_aow": ("45-aow", "45–aow", "45 tot aow-leeftijd", "45+"),
    },
)

MIGRATION_BACKGROUND = Characteristic(
    name="migration_background",
    label=Msg("codes.migration_background"),
    groups={
        "non_western": Msg("codes.non_western_migration_background"),
        "western": Msg("codes.western_migration_background"),
        "dutch": Msg("codes.dutch_background"),
    },
    total_label=Msg("codes.total_background_known"),
    aliases={
        "non_western": ("niet-westers", "niet westers", "non-western", "nietwesters"),
        "western": ("westers", "west"),
        "dutch": ("nederlands", "nl", "autochtoon", "nederlandse achtergrond"),
    },
)

HOUSEHOLD_TYPE = Characteristic(
    name="household_type",
    label=Msg("codes.household_type"),
    groups={
        "single_parent": Msg("codes.single_parent"),
        "single_person": Msg("codes.single_person"),
        "couple": Msg("codes.couple_with_or_without_children"),
        "other": Msg("codes.other_institutional_or_unknown"),
    },
    total_label=Msg("codes.total_household_type_known"),
    aliases={
        "single_parent": ("eenouder", "eenouderhuishouden", "alleenstaande ouder"),
        "single_person": ("alleenstaand", "eenpersoonshuishouden", "single"),
        "couple": ("paar", "gehuwd", "samenwonend", "(on)gehuwd paar", "(on)gehuwde paren"),
        # CBS puts unknown household types in this group, so "unknown" is folded into it.
        "other": ("overig", "institutioneel", "onbekend", "unknown", "institutional"),
    },
    has_unknown=False,
)

TARGET_GROUP_REGISTER = Characteristic(
    name="target_group_register",
    label=Msg("codes.target_group_register"),
    groups={
        "yes": Msg("codes.in_target_group_register"),
        "no": Msg("codes.not_in_target_group_register"),
    },
    total_label=Msg("codes.total_register_status_known"),
    aliases={
        "yes": ("ja", "j", "true", "1", "y", "waar"),
        "no": ("nee", "n", "false", "0", "onwaar"),
    },
)

#: The personal characteristics, in canonical order (grouping names follow this order).
CHARACTERISTICS: dict[str, Characteristic] = {c.name: c for c in (GENDER, AGE_BAND, MIGRATION_BACKGROUND, HOUSEHOLD_TYPE, TARGET_GROUP_REGISTER)}
CHARACTERISTIC_NAMES: tuple[str, ...] = tuple(CHARACTERISTICS)
#: The characteristics of the report's Table 2.1 (the register is a separate category there).
TABLE_2_1_CHARACTERISTICS: tuple[str, ...] = ("gender", "age_band", "migration_background", "household_type")

UNKNOWN_LABELS: dict[str, Label] = {
    "gender": Msg("codes.unknown.gender"),
    "age_band": Msg("codes.unknown.age_band"),
    "migration_background": Msg("codes.unknown.migration_background"),
    "household_type": Msg("codes.unknown.household_type"),
    "target_group_register": Msg("codes.unknown.target_group_register"),
}

#: Separator in grouping names (``gender+age_band``) and group keys (``female+45_to_aow``).
SEP = "+"
#: Grouping name and group key of "everyone" (no characteristic).
ALL = "all"


@dataclass(frozen=True)
class Moment:
    """An outcome whose chance the mirror shows: ``count`` of ``base`` (two count columns of the cube).

    ``family``: ``funnel`` (the report's decision moments), ``ladder`` (the participation ladder)
    or ``provision_type`` (which provisions a group gets). ``depth``: the most characteristics a
    grouping may have for this outcome to be computed and published (provision types per single
    characteristic; every other outcome also for combinations of two and three)."""

    name: str
    label: Label
    definition: Label
    #: Count column of the numerator and of the denominator in the cube.
    count: str
    base: str
    family: str = "funnel"
    depth: int = 3


#: The three moments of the funnel (the conditional steps follow from them).
BASE_MOMENTS: tuple[str, ...] = ("provision", "employed", "sustained")

#: Steps of the participation ladder (participatieladder), 1 = isolated … 6 = paid work.
LADDER_STEPS: dict[int, Label] = {i: Msg(f"codes.ladder.step_{i}") for i in range(1, 7)}

PROVISION_TYPE_CODES = ("jobcoach", "work_placement", "wage_cost_subsidy", "workplace_adaptation", "training", "other")

#: Counts in the cube: the funnel's, then the participation ladder's (people whose step is
#: known at the start and the end; of them, a higher step at the end; a step of 4 or more at the
#: end), then each provision type and the provisions with a registered type.
COUNT_COLUMNS: tuple[str, ...] = (
    "population",
    "provision",
    "employed",
    "sustained",
    "provision_employed",
    "ladder_known",
    "ladder_up",
    "ladder_4plus",
    *(f"provision_{c}" for c in PROVISION_TYPE_CODES),
    "provision_typed",
)

MOMENTS: dict[str, Moment] = {
    m.name: m
    for m in (
        Moment(
            "provision",
            Msg("codes.with_a_provision"),
            Msg("codes.received_at_least_one_reintegration"),
            "provision",
            "population",
        ),
        Moment(
            "employed",
            Msg("codes.employed_ge_1_month"),
            Msg("codes.worked_at_least_one_month"),
            "employed",
            "population",
        ),
        Moment(
            "sustained",
            Msg("codes.sustained_work_ge_6_months"),
            Msg("codes.worked_at_least_six_months"),
            "sustained",
            "population",
        ),
        Moment(
            "employed_given_provision",
            Msg("codes.employed_given_a_provision"),
            Msg("codes.of_those_with_a_provision"),
            "provision_employed",
            "provision",
        ),
        Moment(
            "sustained_given_employed",
            Msg("codes.sustained_given_work"),
            Msg("codes.of_those_who_worked_at"),
            "sustained",
            "employed",
        ),
        Moment(
            "ladder_up",
            Msg("codes.ladder_up"),
            Msg("codes.ladder_up_definition"),
            "ladder_up",
            "ladder_known",
            family="ladder",
        ),
        Moment(
            "ladder_4plus",
            Msg("codes.ladder_4plus"),
            Msg("codes.ladder_4plus_definition"),
            "ladder_4plus",
            "ladder_known",
            family="ladder",
        ),
        *(
            Moment(
                f"provision_{c}",
                Msg(f"codes.provision.{c}"),
                Msg(f"codes.provision_definition.{c}"),
                f"provision_{c}",
                "population",
                family="provision_type",
                depth=1,
            )
            for c in PROVISION_TYPE_CODES
        ),
        Moment(
            "provision_typed",
            Msg("codes.provision_typed"),
            Msg("codes.provision_typed_definition"),
            "provision_typed",
            "provision",
            family="registration",
            depth=0,
        ),
    )
}
#: The outcomes a page lets you choose: the funnel and the participation ladder.
CHOSEN_MOMENTS: tuple[str, ...] = tuple(m.name for m in MOMENTS.values() if m.family in ("funnel", "ladder"))
PROVISION_MOMENTS: tuple[str, ...] = tuple(m.name for m in MOMENTS.values() if m.family == "provision_type")
LADDER_MOMENTS: tuple[str, ...] = tuple(m.name for m in MOMENTS.values() if m.family == "ladder")
POPULATION_LABEL = Msg("codes.people_on_social_assistance")
POPULATION_DEFINITION = Msg("codes.everyone_who_received_social_assistance")

PROVISION_TYPES: dict[str, Label] = {c: Msg(f"codes.provision.{c}") for c in PROVISION_TYPE_CODES}

#: Labour-market-relevant covariates (optional). Categorical ones list their codes.
COVARIATES: dict[str, tuple[str, ...] | None] = {
    "education_level": ("low", "medium", "high", UNKNOWN),
    "dutch_language_level": ("below_b1", "b1_or_above", UNKNOWN),
    "months_on_benefit": None,
    "recent_work_experience": None,
}
COVARIATE_LABELS: dict[str, Label] = {
    "education_level": Msg("codes.covariate.education_level"),
    "dutch_language_level": Msg("codes.covariate.dutch_language_level"),
    "months_on_benefit": Msg("codes.covariate.months_on_benefit"),
    "recent_work_experience": Msg("codes.covariate.recent_work_experience"),
}


@dataclass(frozen=True)
class Term:
    """A word the figures use, with its definition (the same on every page, report and file)."""

    label: Label
    definition: Label


#: The three differences the mirror shows, each with its own name. ``{area}`` is the area compared with.
DIFFERENCES: dict[str, Term] = {
    "representation_gap_pp": Term(
        Msg("codes.difference_in_share_percentage_points"),
        Msg("codes.a_group_s_share_among"),
    ),
    "rate_difference": Term(
        Msg("codes.difference_from_everyone_else_percentage"),
        Msg("codes.a_group_s_chance_minus"),
    ),
    "difference_vs_comparison_pp": Term(
        Msg("codes.difference_from_area_percentage_points"),
        Msg("codes.a_group_s_chance_minus_2"),
    ),
}

GEO_LEVELS: dict[str, Label] = {
    "national": Msg("codes.level.national"),
    "amr": Msg("codes.level.amr"),
    "municipality": Msg("codes.level.municipality"),
}
NATIONAL_CODE = "NL"


def group_label(grouping: str, group: str, lang: Lang = "nl", characteristics: dict[str, Characteristic] | None = None) -> str:
    """A group's name: "Vrouwen", "Vrouwen · 45 tot AOW-leeftijd", or everyone ("Iedereen");
    ``characteristics``: those of the dataset (with its own ones), default the standard ones."""
    if grouping == ALL:
        return Msg("ui.everyone")(lang)
    known = CHARACTERISTICS if characteristics is None else characteristics
    return " · ".join(known[n].group_label(c, lang) for n, c in zip(grouping.split(SEP), group.split(SEP), strict=True))


def has_unknown_part(groups: object) -> np.ndarray:
    """Whether each group key has ``unknown`` for one of its characteristics (``female+unknown``)."""
    import pandas as pd

    index, distinct = pd.factorize(np.asarray(groups, dtype=object))  # few distinct keys, many rows
    keys = np.char.add(np.char.add(SEP, np.asarray(distinct, dtype=str)), SEP)
    return (np.char.find(keys, SEP + UNKNOWN + SEP) >= 0)[index]


def grouping_sizes(groupings: object) -> np.ndarray:
    """How many characteristics each grouping name combines (``all``: 0, ``gender+age_band``: 2)."""
    names = np.asarray(groupings, dtype=str)
    return np.where(names == ALL, 0, np.char.count(names, SEP) + 1)


def grouping_name(characteristics: tuple[str, ...] | list[str], order: tuple[str, ...] = CHARACTERISTIC_NAMES) -> str:
    """Canonical name of a grouping: characteristics in canonical order joined by ``+``
    (``order``: the dataset's characteristics, its own ones after the standard ones)."""
    if not characteristics:
        return ALL
    unknown = set(characteristics) - set(order)
    if unknown:
        raise ValueError(f"unknown characteristic(s): {', '.join(sorted(unknown))}")
    return SEP.join(c for c in order if c in characteristics)


# -- own characteristics ----------------------------------------------------------------------

#: A column whose name starts with one of these declares an own characteristic of a client
#: file (``kenmerk:statushouder``); a column can also be declared by name (``--characteristic``).
OWN_PREFIXES = ("kenmerk:", "characteristic:")
#: At most this many own characteristics per dataset (the cube holds every combination of up
#: to three characteristics, so each one adds many groups) …
MAX_OWN_CHARACTERISTICS = 3
#: … each with at most this many known values (it is a category, not a free text).
MAX_OWN_GROUPS = 10
#: The column of the i-th own characteristic in the stored persons and counts (i = 1, 2, 3).
OWN_SLOTS = tuple(f"own_{i}" for i in range(1, MAX_OWN_CHARACTERISTICS + 1))
#: An own characteristic's name: letters, digits and '_' (it is part of grouping names).
OWN_NAME = r"[a-z][a-z0-9_]{0,59}"

#: Covariates of the data contract that an own client file may also use as characteristics
#: (``kenmerk:opleidingsniveau``): their codes and labels are those of the contract.
COVARIATE_CHARACTERISTICS: dict[str, Characteristic] = {
    "education_level": Characteristic(
        name="education_level",
        label=Msg("codes.covariate.education_level"),
        groups={c: Msg(f"codes.covariate_value.education_{c}") for c in ("low", "medium", "high")},
        total_label=Msg("codes.total_known"),
        aliases={"low": ("laag", "laagopgeleid"), "medium": ("middelbaar", "midden", "mbo"), "high": ("hoog", "hoogopgeleid", "hbo", "wo")},
        unknown_label=Msg("codes.unknown.education_level"),
        own=True,
    ),
    "dutch_language_level": Characteristic(
        name="dutch_language_level",
        label=Msg("codes.covariate.dutch_language_level"),
        groups={c: Msg(f"codes.covariate_value.language_{c}") for c in ("below_b1", "b1_or_above")},
        total_label=Msg("codes.total_known"),
        aliases={"below_b1": ("onder b1", "lager dan b1", "< b1"), "b1_or_above": ("b1 of hoger", "b1+", ">= b1")},
        unknown_label=Msg("codes.unknown.dutch_language_level"),
        own=True,
    ),
}


def own_characteristic(name: str, label: str, groups: dict[str, str]) -> Characteristic:
    """An own characteristic of one dataset: its name, label and groups in the user's words
    (a group is named with its characteristic, "Statushouder: ja", so that it reads in a
    combination too)."""
    if name in COVARIATE_CHARACTERISTICS:
        return COVARIATE_CHARACTERISTICS[name]
    return Characteristic(
        name=name,
        label=Fixed(label),
        groups={code: Filled("codes.own_group", (("characteristic", label), ("value", text))) for code, text in groups.items()},
        total_label=Msg("codes.total_known"),
        unknown_label=Filled("codes.unknown.own", (("characteristic", label),)),
        own=True,
    )


def age_bands(ages: np.ndarray) -> np.ndarray:
    """The age band of each age in whole years (≤ 26, 27 up to 45, 45 up to the state pension
    age); NaN ages become ``unknown``. Validation rejects ages outside the possible range."""
    a = np.asarray(ages, dtype="float64")
    return np.select([a <= 26, a < 45, a >= 45], ["up_to_26", "27_to_44", "45_to_aow"], UNKNOWN)
