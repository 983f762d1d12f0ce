"""Server-drawn SVG charts (no script needed): the gap of each group with everyone else over the
years, with its interval as a band. Only geometry lives here; the words come from the view."""

from __future__ import annotations

import math
from typing import Any

from kansenspiegel.codes import CHARACTERISTICS, Lang
from kansenspiegel.formatting import fmt_number

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 12, 28


def _nice_step(span: float) -> float:
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= raw)


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def trend_blocks(rows: list[dict[str, Any]], lang: Lang) -> list[dict[str, Any]]:
    """Per characteristic (in the view's order): its groups' gap per year as SVG geometry, and
    each group's trend sentence. Of a characteristic with two groups only the first is drawn
    (the other's gap is the same one seen from the other side)."""
    out = []
    for name in dict.fromkeys(r["grouping"] for r in rows):
        block = _block(name, [r for r in rows if r["grouping"] == name], lang)
        if block is not None:
            out.append(block)
    return out


def _block(name: str, mine: list[dict[str, Any]], lang: Lang) -> dict[str, Any] | None:
    """One characteristic's chart (None when it has nothing to draw)."""
    groups = list(dict.fromkeys(r["group"] for r in mine))
    if len(CHARACTERISTICS[name].known_codes) == 2:
        groups = groups[:1]
    years = sorted({int(r["year"]) for r in mine})
    values = [v for r in mine if r["group"] in groups for v in (_num(r["gap_ci_low_pp"]), _num(r["gap_ci_high_pp"])) if v is not None]
    if not values or len(years) < 2:
        return None
    low, high = min(0.0, *values), max(0.0, *values)
    step = _nice_step(high - low or 1.0)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step

    def x(year: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (years.index(year) / (len(years) - 1))

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (high - v) / (high - low)

    series = []
    for i, group in enumerate(groups):
        points = [r for r in mine if r["group"] == group]
        segments: list[list[dict[str, Any]]] = [[]]
        for r in points:
            if _num(r["gap_pp"]) is None:
                segments.append([])
            else:
                segments[-1].append(r)
        lines, bands, dots = [], [], []
        for seg in (s for s in segments if s):
            lines.append(" ".join(f"{x(int(r['year'])):.1f},{y(r['gap_pp']):.1f}" for r in seg))
            top = [f"{x(int(r['year'])):.1f},{y(r['gap_ci_high_pp']):.1f}" for r in seg]
            bottom = [f"{x(int(r['year'])):.1f},{y(r['gap_ci_low_pp']):.1f}" for r in reversed(seg)]
            bands.append(" ".join(top + bottom))
            dots += [{"x": round(x(int(r["year"])), 1), "y": round(y(r["gap_pp"]), 1), "year": int(r["year"]), "gap": r["gap_pp"]} for r in seg]
        first = points[0]
        series.append({"group": group, "label": first["label"], "index": i, "lines": lines, "bands": bands, "dots": dots})
    ticks = []
    v = low
    while v <= high + 1e-9:
        ticks.append({"y": round(y(v), 1), "label": fmt_number(v, lang, digits=0 if step >= 1 else 1)})
        v += step
    texts = [
        {"label": r["label"], "text": r["trend_text"], "significant": bool(r["trend_significant"])}
        for r in {r["group"]: r for r in mine}.values()
        if r["group"] in groups
    ]
    return {
        "name": name,
        "label": CHARACTERISTICS[name].label(lang),
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "zero": round(y(0.0), 1),
        "bottom": HEIGHT - BOTTOM,
        "years": [{"x": round(x(yr), 1), "label": str(yr)} for yr in years],
        "ticks": ticks,
        "series": series,
        "texts": texts,
        "rows": [r for r in mine if r["group"] in groups],
        "registration": mine[0]["registration_note"],
    }
