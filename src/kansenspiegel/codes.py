"""Code lists: characteristics, their groups, moments and provision types, with Dutch and English labels.

This is the one place where categories are listed. Everything else imports from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Lang = Literal["nl", "en"]

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Label:
    nl: str
    en: str

    def __call__(self, lang: Lang = "nl") -> str:
        return self.nl if lang == "nl" else self.en


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

    @property
    def codes(self) -> tuple[str, ...]:
        """Group codes in display order, ``unknown`` last when the characteristic has one."""
        return tuple(self.groups) + ((UNKNOWN,) if self.has_unknown else ())

    @property
    def known_codes(self) -> tuple[str, ...]:
        return tuple(self.groups)

    def group_label(self, code: str, lang: Lang = "nl") -> str:
        if code == UNKNOWN and self.has_unknown:
            return UNKNOWN_LABELS[self.name](lang)
        return self.groups[code](lang)


GENDER = Characteristic(
    name="gender",
    label=Label("Geslacht", "Gender"),
    groups={"female": Label("Vrouwen", "Women"), "male": Label("Mannen", "Men")},
    total_label=Label("Totaal geslacht bekend", "Total, gender known"),
    aliases={
        "female": ("v", "vrouw", "vrouwen", "f", "woman", "women", "2"),
        "male": ("m", "man", "mannen", "men", "1"),
    },
)

AGE_BAND = Characteristic(
    name="age_band",
    label=Label("Leeftijd", "Age"),
    groups={
        "up_to_26": Label("26 jaar of jonger", "26 or younger"),
        "27_to_44": Label("27 tot 45 jaar", "27 up to 45"),
        "45_to_aow": Label("45 tot AOW-leeftijd", "45 to state pension age"),
    },
    total_label=Label("Totaal leeftijd bekend", "Total, age known"),
    aliases={
        "up_to_26": ("<=26", "≤26", "26 jaar of jonger", "tot 27", "18-26"),
        "27_to_44": ("27-45", "27–45", "27 tot 45 jaar", "27-44"),
        "45_to_aow": ("45-aow", "45–aow", "45 tot aow-leeftijd", "45+"),
    },
)

MIGRATION_BACKGROUND = Characteristic(
    name="migration_background",
    label=Label("Migratieachtergrond", "Migration background"),
    groups={
        "non_western": Label("Niet-westerse migratieachtergrond", "Non-western migration background"),
        "western": Label("Westerse migratieachtergrond", "Western migration background"),
        "dutch": Label("Nederlandse achtergrond", "Dutch background"),
    },
    total_label=Label("Totaal achtergrond bekend", "Total, background known"),
    aliases={
        "non_western": ("niet-westers", "niet westers", "non-western", "nietwesters"),
        "western": ("westers", "west"),
        "dutch": ("nederlands", "nl", "autochtoon", "nederlandse achtergrond"),
    },
)

HOUSEHOLD_TYPE = Characteristic(
    name="household_type",
    label=Label("Huishoudtype", "Household type"),
    groups={
        "single_parent": Label("Eenouderhuishouden", "Single parent"),
        "single_person": Label("Eenpersoonshuishouden", "Single person"),
        "couple": Label("(On)gehuwde paren (met en zonder kinderen)", "Couple (with or without children)"),
        "other": Label("Overig, institutioneel of onbekend", "Other, institutional or unknown"),
    },
    total_label=Label("Totaal burgerlijke staat bekend", "Total, household type known"),
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
    label=Label("Doelgroepregister", "Target-group register"),
    groups={
        "yes": Label("In doelgroepregister", "In target-group register"),
        "no": Label("Niet in doelgroepregister", "Not in target-group register"),
    },
    total_label=Label("Totaal doelgroepregister bekend", "Total, register status known"),
    aliases={
        "yes": ("ja", "j", "true", "1", "y", "waar"),
        "no": ("nee", "n", "false", "0", "onwaar"),
    },
)

#: The personal characteristics, in canonical order (grouping names follow this order).
CHARACTERISTICS: dict[str, Characteristic] = {
    c.name: c for c in (GENDER, AGE_BAND, MIGRATION_BACKGROUND, HOUSEHOLD_TYPE, TARGET_GROUP_REGISTER)
}
CHARACTERISTIC_NAMES: tuple[str, ...] = tuple(CHARACTERISTICS)
#: The characteristics of the report's Table 2.1 (the register is a separate category there).
TABLE_2_1_CHARACTERISTICS: tuple[str, ...] = ("gender", "age_band", "migration_background", "household_type")

UNKNOWN_LABELS: dict[str, Label] = {
    "gender": Label("Geslacht onbekend", "Gender unknown"),
    "age_band": Label("Leeftijd onbekend", "Age unknown"),
    "migration_background": Label("Achtergrond onbekend", "Background unknown"),
    "household_type": Label("Huishoudtype onbekend", "Household type unknown"),
    "target_group_register": Label("Doelgroepregister onbekend", "Register status unknown"),
}

#: Separator in grouping names (``gender+age_band``) and group keys (``female+45_to_aow``).
SEP = "+"
#: Grouping name and group key of "everyone" (no characteristic).
ALL = "all"


@dataclass(frozen=True)
class Moment:
    name: str
    label: Label
    definition: Label
    #: Count column of the numerator and of the denominator in the cube.
    count: str
    base: str


#: The three moments of the funnel (the conditional steps follow from them).
BASE_MOMENTS: tuple[str, ...] = ("provision", "employed", "sustained")

#: Base moments: counts in the cube, in funnel order.
COUNT_COLUMNS: tuple[str, ...] = ("population", "provision", "employed", "sustained", "provision_employed")

MOMENTS: dict[str, Moment] = {
    m.name: m
    for m in (
        Moment(
            "provision",
            Label("Met voorziening", "With a provision"),
            Label(
                "Kreeg in het peiljaar of het jaar erna minstens één re-integratievoorziening uit de "
                "SRG (Statistiek Re-integratie door Gemeenten), tijdens of na de bijstandsuitkering.",
                "Received at least one reintegration provision registered in the SRG (statistics of "
                "municipal reintegration) in the reference year or the next, during or after the benefit.",
            ),
            "provision",
            "population",
        ),
        Moment(
            "employed",
            Label("Werkzaam (≥ 1 maand)", "Employed (≥ 1 month)"),
            Label(
                "Werkte in het peiljaar en/of het jaar erna minstens één maand bij dezelfde werkgever, "
                "tijdens of na de bijstandsuitkering.",
                "Worked at least one month for the same employer in the reference year and/or the "
                "next, during or after the benefit.",
            ),
            "employed",
            "population",
        ),
        Moment(
            "sustained",
            Label("Duurzaam werkzaam (≥ 6 maanden)", "Sustained work (≥ 6 months)"),
            Label(
                "Werkte in het peiljaar en/of het jaar erna minstens zes maanden bij dezelfde "
                "werkgever, tijdens of na de bijstandsuitkering.",
                "Worked at least six months for the same employer in the reference year and/or the "
                "next, during or after the benefit.",
            ),
            "sustained",
            "population",
        ),
        Moment(
            "employed_given_provision",
            Label("Werkzaam na voorziening", "Employed, given a provision"),
            Label(
                "Van wie een voorziening kreeg: het deel dat minstens één maand werkte.",
                "Of those with a provision: the share that worked at least one month.",
            ),
            "provision_employed",
            "provision",
        ),
        Moment(
            "sustained_given_employed",
            Label("Duurzaam, gegeven werk", "Sustained, given work"),
            Label(
                "Van wie minstens één maand werkte: het deel dat minstens zes maanden bleef.",
                "Of those who worked at least one month: the share that stayed at least six months.",
            ),
            "sustained",
            "employed",
        ),
    )
}
POPULATION_LABEL = Label("Bijstandspopulatie", "People on social assistance")
POPULATION_DEFINITION = Label(
    "Iedereen die in het peiljaar een bijstandsuitkering (Participatiewet) ontving.",
    "Everyone who received social assistance (Participatiewet) in the reference year.",
)

PROVISION_TYPES: dict[str, Label] = {
    "jobcoach": Label("Jobcoach of begeleiding", "Job coach or guidance"),
    "work_placement": Label("Proefplaatsing of werkstage", "Work placement"),
    "wage_cost_subsidy": Label("Loonkostensubsidie", "Wage-cost subsidy"),
    "workplace_adaptation": Label("Werkplekaanpassing", "Workplace adaptation"),
    "training": Label("Scholing of opleiding", "Training or education"),
    "other": Label("Overige voorziening", "Other provision"),
}

#: Labour-market-relevant covariates (optional). Categorical ones list their codes.
COVARIATES: dict[str, tuple[str, ...] | None] = {
    "education_level": ("low", "medium", "high", UNKNOWN),
    "dutch_language_level": ("below_b1", "b1_or_above", UNKNOWN),
    "months_on_benefit": None,
    "recent_work_experience": None,
}
COVARIATE_LABELS: dict[str, Label] = {
    "education_level": Label("Opleidingsniveau", "Education level"),
    "dutch_language_level": Label("Taalniveau Nederlands", "Dutch language level"),
    "months_on_benefit": Label("Maanden in de uitkering", "Months on benefit"),
    "recent_work_experience": Label("Recente werkervaring", "Recent work experience"),
}

@dataclass(frozen=True)
class Term:
    """A word the figures use, with its definition (the same on every page, report and file)."""

    label: Label
    definition: Label


#: The three differences the mirror shows, each with its own name. ``{area}`` is the area compared with.
DIFFERENCES: dict[str, Term] = {
    "representation_gap_pp": Term(
        Label("Verschil in aandeel (procentpunt)", "Difference in share (percentage points)"),
        Label("Het aandeel van een groep onder wie een beslismoment bereikte, min haar aandeel in de bijstand. "
              "Vrouwen zijn 55% van de bijstand maar 43% van wie werk vond: −12 procentpunt.",
              "A group's share among those who reached a decision moment minus its share of everyone on benefit. "
              "Women are 55% of people on benefit but 43% of those who found work: −12 percentage points."),
    ),
    "rate_difference": Term(
        Label("Verschil met de anderen (procentpunt)", "Difference from everyone else (percentage points)"),
        Label("De kans van een groep min de kans van alle anderen in hetzelfde gebied: 30% tegen 25% is +5 procentpunt.",
              "A group's chance minus the chance of everyone else in the same area: 30% against 25% is +5 percentage points."),
    ),
    "difference_vs_comparison_pp": Term(
        Label("Verschil met {area} (procentpunt)", "Difference from {area} (percentage points)"),
        Label("De kans van een groep min de kans van dezelfde groep in het gebied waarmee u vergelijkt (meestal heel Nederland).",
              "A group's chance minus the chance of the same group in the area you compare with (usually the whole country)."),
    ),
}

GEO_LEVELS: dict[str, Label] = {
    "national": Label("Nederland", "The Netherlands"),
    "amr": Label("Arbeidsmarktregio", "Labour-market region"),
    "municipality": Label("Gemeente", "Municipality"),
}
NATIONAL_CODE = "NL"


def grouping_name(characteristics: tuple[str, ...] | list[str]) -> str:
    """Canonical name of a grouping: characteristics in canonical order joined by ``+``."""
    if not characteristics:
        return ALL
    unknown = set(characteristics) - set(CHARACTERISTIC_NAMES)
    if unknown:
        raise ValueError(f"unknown characteristic(s): {', '.join(sorted(unknown))}")
    return SEP.join(c for c in CHARACTERISTIC_NAMES if c in characteristics)


def age_bands(ages: np.ndarray) -> np.ndarray:
    """The age band of each age in whole years (≤ 26, 27 up to 45, 45 up to the state pension
    age); NaN ages become ``unknown``. Validation rejects ages outside the possible range."""
    a = np.asarray(ages, dtype="float64")
    return np.select([a <= 26, a < 45, a >= 45], ["up_to_26", "27_to_44", "45_to_aow"], UNKNOWN)
