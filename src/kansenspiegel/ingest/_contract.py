"""The data contract: which columns a file must or may have, and what their values may be.

`docs/data-contract.md` is written from these definitions (a test checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, COUNT_COLUMNS, COVARIATES, OWN_SLOTS, PROVISION_TYPES

MIN_YEAR, MAX_YEAR = 2000, 2100
#: Bijstand (Participatiewet) starts at 18; a few 15–17 year olds appear in registers as
#: partners or through late registration, and nobody past the state pension age (at most 67).
MIN_AGE, MAX_AGE = 15, 67


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # "key", "year", "municipality", "geography", "category", "bool", "count", "int", "date"
    required: bool
    description: str
    codes: tuple[str, ...] = ()
    #: Other column names accepted for this column (lower-case).
    aliases: tuple[str, ...] = ()


def _characteristic_columns(required: bool, empty_means_total: bool) -> list[ColumnSpec]:
    specs = []
    for name in CHARACTERISTIC_NAMES:
        c = CHARACTERISTICS[name]
        note = "Empty or `Totaal` means: not broken down by this characteristic." if empty_means_total else "Empty means unknown."
        if not c.has_unknown:
            note += " Unknown values belong to `other` (as CBS does)."
        specs.append(
            ColumnSpec(
                name,
                "category",
                required and name != "age_band",
                f"{c.label('en')}. {note}",
                c.codes,
                aliases={
                    "gender": ("geslacht", "sex"),
                    "age_band": ("leeftijdsklasse", "leeftijdsgroep"),
                    "migration_background": ("migratieachtergrond", "herkomst"),
                    "household_type": ("huishoudtype", "huishouden", "burgerlijke_staat"),
                    "target_group_register": ("doelgroepregister", "banenafspraak"),
                }[name],
            )
        )
    return specs


MICRODATA_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "person_key",
        "key",
        True,
        "Pseudonymous person key (any text). One row per person per year.",
        aliases=("persoonsnummer", "klantnummer", "bsn_pseudo", "person_id", "id"),
    ),
    ColumnSpec("year", "year", True, "Reference year (the bijstand year).", aliases=("jaar", "peiljaar")),
    ColumnSpec(
        "municipality",
        "municipality",
        True,
        "CBS municipality code of 2020, `GM` + 4 digits (e.g. GM0363).",
        aliases=("gemeente", "gemeentecode", "gm_code"),
    ),
    *_characteristic_columns(required=True, empty_means_total=False),
    ColumnSpec(
        "age",
        "int",
        False,
        f"Age in whole years on 31 December of the reference year ({MIN_AGE}–{MAX_AGE}). Used to derive `age_band` when that column is absent.",
        aliases=("leeftijd",),
    ),
    ColumnSpec(
        "birth_date",
        "date",
        False,
        "Birth date (YYYY-MM-DD or DD-MM-YYYY). Used to derive `age_band` when `age_band` and `age` are absent.",
        aliases=("geboortedatum",),
    ),
    ColumnSpec(
        "provision",
        "bool",
        True,
        "Received ≥ 1 SRG reintegration provision in the reference year and/or the next, during or after the benefit.",
        aliases=("voorziening",),
    ),
    *(
        ColumnSpec(
            f"provision_{code}",
            "bool",
            False,
            f"Provision type: {label('en')} ({label('nl')}).",
            aliases=(f"voorziening_{code}",),
        )
        for code, label in PROVISION_TYPES.items()
    ),
    ColumnSpec(
        "employed_1m",
        "bool",
        True,
        "Worked ≥ 1 month for the same employer in the reference year and/or the next.",
        aliases=("werkzaam", "werk_1m"),
    ),
    ColumnSpec(
        "employed_6m",
        "bool",
        True,
        "Worked ≥ 6 months for the same employer in those years (implies `employed_1m`).",
        aliases=("duurzaam_werkzaam", "werk_6m"),
    ),
    ColumnSpec(
        "ladder_start",
        "int",
        False,
        "Step on the participation ladder (participatieladder) at the start of the period: 1 isolated, 2 social contacts outside the home, 3 taking part in organised activities, 4 unpaid work, 5 paid work with support, 6 paid work. Empty = not registered.",
        aliases=("trede_begin", "participatieladder_begin", "ladder_begin"),
    ),
    ColumnSpec(
        "ladder_end",
        "int",
        False,
        "Step on the participation ladder at the end of the period (1–6, as `ladder_start`). Empty = not registered.",
        aliases=("trede_eind", "participatieladder_eind", "ladder_eind"),
    ),
    ColumnSpec(
        "education_level",
        "category",
        False,
        "Labour-market-relevant covariate: education level.",
        COVARIATES["education_level"] or (),
        aliases=("opleidingsniveau",),
    ),
    ColumnSpec(
        "dutch_language_level",
        "category",
        False,
        "Labour-market-relevant covariate: Dutch language level (B1 threshold).",
        COVARIATES["dutch_language_level"] or (),
        aliases=("taalniveau",),
    ),
    ColumnSpec(
        "months_on_benefit",
        "int",
        False,
        "Labour-market-relevant covariate: months on benefit at the start of the year (0–600).",
        aliases=("uitkeringsduur_maanden",),
    ),
    ColumnSpec(
        "recent_work_experience",
        "bool",
        False,
        "Labour-market-relevant covariate: paid work in the two years before the benefit.",
        aliases=("recente_werkervaring",),
    ),
)

AGGREGATED_COUNT_COLUMNS = COUNT_COLUMNS

AGGREGATED_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("year", "year", True, "Reference year.", aliases=("jaar", "peiljaar")),
    ColumnSpec(
        "geography",
        "geography",
        True,
        "`NL`, an AMR code (`AMxx`) or a municipality code (`GMxxxx`) of 2020; one level per file.",
        aliases=("municipality", "gemeente", "regio", "gebied"),
    ),
    *_characteristic_columns(required=False, empty_means_total=True),
    ColumnSpec("population", "count", True, "Number of people on bijstand in the cell.", aliases=("bijstandspopulatie",)),
    ColumnSpec("provision", "count", True, "Of them: with a provision.", aliases=("met_voorziening",)),
    ColumnSpec("employed", "count", True, "Of them: employed ≥ 1 month.", aliases=("werkzaam",)),
    ColumnSpec("sustained", "count", True, "Of them: employed ≥ 6 months.", aliases=("duurzaam_werkzaam",)),
    ColumnSpec(
        "provision_employed",
        "count",
        False,
        "Of them: with a provision and employed ≥ 1 month (needed for 'employed given a provision').",
        aliases=("voorziening_en_werkzaam",),
    ),
    ColumnSpec(
        "ladder_known",
        "count",
        False,
        "Of them: with a known step on the participation ladder at the start and at the end (needed for the ladder outcomes).",
        aliases=("trede_bekend",),
    ),
    ColumnSpec("ladder_up", "count", False, "Of those with a known step: on a higher step at the end.", aliases=("stijgt_op_ladder",)),
    ColumnSpec("ladder_4plus", "count", False, "Of those with a known step: on step 4 or higher at the end.", aliases=("trede_4_of_hoger",)),
    *(
        ColumnSpec(f"provision_{code}", "count", False, f"Of them: with a provision of type {label('en')} ({label('nl')}).", aliases=(f"voorziening_{code}",))
        for code, label in PROVISION_TYPES.items()
    ),
    ColumnSpec("provision_typed", "count", False, "Of those with a provision: with a registered type of provision.", aliases=("voorziening_soort_bekend",)),
)


def contract_markdown() -> str:
    """The column tables of the data contract, as Markdown (embedded in docs/data-contract.md)."""

    def table(specs: tuple[ColumnSpec, ...]) -> str:
        rows = ["| column | required | values | meaning | also accepted as |", "|---|---|---|---|---|"]
        for s in specs:
            values = ", ".join(f"`{c}`" for c in s.codes) if s.codes else s.kind
            aliases = ", ".join(f"`{a}`" for a in s.aliases)
            rows.append(f"| `{s.name}` | {'yes' if s.required else 'no'} | {values} | {s.description} | {aliases} |")
        return "\n".join(rows)

    return "### Microdata columns\n\n" + table(MICRODATA_COLUMNS) + "\n\n### Aggregated (counts) columns\n\n" + table(AGGREGATED_COLUMNS) + "\n"


#: The canonical forms the validation gives and the database stores.
PERSONS_SCHEMA = ibis.schema(
    {
        "dataset": "string",
        "person_key": "string",
        "year": "int32",
        "municipality": "string",
        **{c: "string" for c in CHARACTERISTIC_NAMES},
        "age": "int64",
        "provision": "boolean",
        **{f"provision_{c}": "boolean" for c in PROVISION_TYPES},
        "employed_1m": "boolean",
        "employed_6m": "boolean",
        "education_level": "string",
        "dutch_language_level": "string",
        "months_on_benefit": "int64",
        "recent_work_experience": "boolean",
        "ladder_start": "int64",
        "ladder_end": "int64",
        **{c: "string" for c in OWN_SLOTS},
    }
)
COUNTS_SCHEMA = ibis.schema(
    {
        "dataset": "string",
        "year": "int32",
        "geo_level": "string",
        "geography": "string",
        **{c: "string" for c in CHARACTERISTIC_NAMES},
        **{c: "int64" for c in COUNT_COLUMNS},
        **{c: "string" for c in OWN_SLOTS},
    }
)
