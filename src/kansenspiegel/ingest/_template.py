"""A fill-in template for a municipality's own client file, following the data contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kansenspiegel.codes import CHARACTERISTICS, MAX_OWN_CHARACTERISTICS, MAX_OWN_GROUPS
from kansenspiegel.ingest._contract import MICRODATA_COLUMNS

EXAMPLE_ROWS = [
    {
        "person_key": "voorbeeld-001",
        "year": 2019,
        "municipality": "GM0363",
        "gender": "Vrouwen",
        "age_band": "",
        "age": 38,
        "migration_background": "Niet-westerse migratieachtergrond",
        "household_type": "Eenouderhuishouden",
        "target_group_register": "nee",
        "provision": "ja",
        "provision_jobcoach": "ja",
        "employed_1m": "ja",
        "employed_6m": "nee",
        "education_level": "medium",
        "dutch_language_level": "b1_or_above",
        "months_on_benefit": 30,
        "recent_work_experience": "nee",
        "kenmerk:statushouder": "ja",
    },
    {
        "person_key": "voorbeeld-002",
        "year": 2019,
        "municipality": "GM0363",
        "gender": "Mannen",
        "age_band": "45 tot AOW-leeftijd",
        "migration_background": "Nederlandse achtergrond",
        "household_type": "Eenpersoonshuishouden",
        "target_group_register": "ja",
        "provision": "nee",
        "employed_1m": "nee",
        "employed_6m": "nee",
        "kenmerk:statushouder": "nee",
    },
]
#: An example own characteristic (any column headed ``kenmerk:<name>``; delete it if unused).
OWN_EXAMPLE = "kenmerk:statushouder"


def template_frame() -> pd.DataFrame:
    """Every contract column (birth_date left out: give age_band or age), with two example rows."""
    columns = [*(s.name for s in MICRODATA_COLUMNS if s.name != "birth_date"), OWN_EXAMPLE]
    # built cell by cell as objects: a whole number stays a whole number (38, not 38.0) and an
    # empty cell stays empty, in the CSV and as a number in the XLSX
    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in EXAMPLE_ROWS], columns=columns, dtype=object)


def code_lists() -> pd.DataFrame:
    rows = []
    for c in CHARACTERISTICS.values():
        for code in c.codes:
            rows.append({"column": c.name, "code": code, "label_nl": c.group_label(code, "nl"), "label_en": c.group_label(code, "en")})
    for spec in MICRODATA_COLUMNS:
        if spec.name not in CHARACTERISTICS:
            rows.append({"column": spec.name, "code": ", ".join(spec.codes) or spec.kind, "label_nl": "", "label_en": spec.description})
    rows.append(
        {
            "column": "kenmerk:<naam>",
            "code": f"eigen waarden (hoogstens {MAX_OWN_GROUPS}; leeg = onbekend)",
            "label_nl": f"Een eigen kenmerk, zoals statushouder: zet 'kenmerk:' voor de kolomnaam (hoogstens {MAX_OWN_CHARACTERISTICS} kolommen). Niet in de landelijke cijfers.",
            "label_en": f"An own characteristic, such as refugee status holder: put 'kenmerk:' before the column name (at most {MAX_OWN_CHARACTERISTICS} columns). Not in the national figures.",
        }
    )
    return pd.DataFrame(rows)


def write_template(path: str | Path) -> Path:
    """Write the template as .csv (semicolons, UTF-8 with BOM, as Dutch Excel opens it) or .xlsx."""
    path = Path(path)
    frame = template_frame()
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="clients", index=False)
            code_lists().to_excel(writer, sheet_name="codes", index=False)
            writer.sheets["clients"].freeze_panes = "A2"
    else:
        frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return path
