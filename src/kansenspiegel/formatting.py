"""Numbers as people read them: Dutch format by default (1.234, 12,5%), English on request;
'.' for a missing (suppressed) value. Shared by the dashboard and the reports."""

from __future__ import annotations

import math
from typing import Any

from kansenspiegel.codes import Lang


def fmt_int(value: Any, lang: Lang = "nl") -> str:
    """1.234 (nl) or 1,234 (en); '.' for a missing (suppressed) value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "."
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "nl" else text


def fmt_pct(value: Any, lang: Lang = "nl", digits: int = 1) -> str:
    """A fraction as a percentage: 12,5% (nl) or 12.5% (en); '.' when missing. A chance strictly
    between 0 and 1 is never printed as 0% or 100%: it reads "<0,1%" or ">99,9%"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "."
    v = float(value)
    step = 10.0**-digits
    prefix = ""
    if 0 < v < 1:
        if round(100 * v, digits) <= 0:
            v, prefix = step / 100, "<"
        elif round(100 * v, digits) >= 100:
            v, prefix = 1 - step / 100, ">"
    text = f"{100 * v:.{digits}f}"
    return prefix + (text.replace(".", ",") if lang == "nl" else text) + "%"


def fmt_pp(value: Any, lang: Lang = "nl", digits: int = 1) -> str:
    """Percentage points with a sign: +3,2 / −1,0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "."
    text = f"{float(value):+.{digits}f}".replace("-", "−")
    return text.replace(".", ",") if lang == "nl" else text


def fmt_number(value: float, lang: Lang = "nl", digits: int = 1) -> str:
    """A decimal number: 3,2 (nl) or 3.2 (en)."""
    text = f"{float(value):.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text
