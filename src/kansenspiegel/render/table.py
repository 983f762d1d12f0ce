"""A view's rows as a file or as JSON: one renderer per format, for the downloads and the CLI.

Labelled output (CSV, XLSX) speaks the reader's language: headers from the catalogue
(``column.*``), moments by their names, counts as whole numbers, chances at the precision the
pages show. Dutch CSV is what Dutch Excel opens directly: ``;`` between fields, a decimal
comma, UTF-8 with a byte-order mark. Every file says which disclosure policy its numbers passed
(`Policy.describe`) and whether the data is synthetic."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from kansenspiegel.codes import CHARACTERISTICS, MOMENTS, POPULATION_LABEL
from kansenspiegel.disclosure import Policy
from kansenspiegel.messages import Lang, t
from kansenspiegel.views import View, records

#: decimals of each kind in labelled output (chances in percent)
DECIMALS = {"rate": 1, "pp": 1, "number": 3}
XLSX_FORMATS = {"rate": "0.0%", "pp": "0.0", "p": "0.0000", "number": "0.000", "count": "0"}


def moment_name(code: Any, lang: Lang) -> Any:
    if code == "population":
        return POPULATION_LABEL(lang)
    return MOMENTS[code].label(lang) if code in MOMENTS else code


def comparison_name(code: Any, lang: Lang) -> Any:
    """A comparison (``vs_rest``, ``vs_national``) by its name; anything else as it is."""
    return t(f"ui.{code}", lang) if code in ("vs_rest", "vs_national") else code


def _labelled(frame: pd.DataFrame, view: View, lang: Lang, *, percent: bool) -> pd.DataFrame:
    """The rows with labelled headers and values at their published precision."""
    out = {}
    for column in view.columns:
        values = frame[column.name]
        header = column.label(lang)
        if column.kind == "moment":
            values = values.map(lambda v: moment_name(v, lang))
        elif column.kind == "comparison":
            values = values.map(lambda v: comparison_name(v, lang))
        elif column.kind == "code" and column.name in CHARACTERISTICS:  # a characteristic's group: its label
            spec = CHARACTERISTICS[column.name]
            values = values.map(lambda v, spec=spec: spec.group_label(v, lang) if isinstance(v, str) and v in spec.codes else v)
        elif column.kind == "list":
            values = values.map(lambda v: " | ".join(comparison_name(x, lang) for x in v) if isinstance(v, (list, tuple)) else v)
        elif column.kind == "count":
            values = pd.Series(pd.array(pd.to_numeric(values, errors="coerce"), dtype="Float64").round(0).astype("Int64"), index=values.index)
        elif column.kind in DECIMALS:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            if column.kind == "rate" and percent:
                numbers, header = 100 * numbers, f"{header} (%)"
            values = numbers.round(DECIMALS[column.kind] + (0 if percent or column.kind != "rate" else 2))
        elif column.kind == "flag":
            values = values.map(
                lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else (t("ui.yes", lang) if bool(v) else t("ui.no", lang))
            )
        out[header] = values.reset_index(drop=True)
    return pd.DataFrame(out)


def about(policy: Policy, synthetic: bool, lang: Lang) -> str:
    """The note every file carries: synthetic or not, and the disclosure policy."""
    return (t("policy.synthetic", lang) + " " if synthetic else "") + policy.describe(lang)


def to_csv(frame: pd.DataFrame, view: View, lang: Lang, policy: Policy, synthetic: bool = False) -> bytes:
    """CSV for Excel: Dutch (``;``, decimal comma) or English (``,``, decimal point)."""
    table = _labelled(frame, view, lang, percent=True)
    table[t("column.disclosure", lang)] = policy.describe(lang, short=True)
    dutch = lang == "nl"
    text = table.to_csv(index=False, sep=";" if dutch else ",", decimal="," if dutch else ".")
    return text.encode("utf-8-sig")  # BOM: Excel opens UTF-8 correctly


def to_xlsx(frame: pd.DataFrame, view: View, lang: Lang, policy: Policy, synthetic: bool = False) -> bytes:
    """XLSX: labelled headers, real numbers with number formats (chances as percentages), a
    frozen header row, and a sheet saying what the numbers are."""
    table = _labelled(frame, view, lang, percent=False)
    table[t("column.disclosure", lang)] = policy.describe(lang, short=True)
    buffer = io.BytesIO()
    data_sheet, about_sheet = t("ui.sheet_data", lang), t("ui.sheet_about", lang)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=data_sheet, index=False)
        pd.DataFrame({t("ui.sheet_about", lang): [about(policy, synthetic, lang)]}).to_excel(writer, sheet_name=about_sheet, index=False)
        ws = writer.sheets[data_sheet]
        ws.freeze_panes = "A2"
        for i, column in enumerate(view.columns, start=1):
            fmt = XLSX_FORMATS.get(column.kind)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = fmt
    return buffer.getvalue()


def to_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return records(frame)


RENDERERS = {"csv": to_csv, "xlsx": to_xlsx}
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
