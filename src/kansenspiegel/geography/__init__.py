"""Reference geography of 2020: 355 municipalities, 35 labour-market regions (+ AM99), 12 provinces.

Bundled in the package (see ``data/SOURCES.md`` for origin and licence: CBS / PDOK via
cartomap/nl, CC BY 4.0).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from kansenspiegel.codes import NATIONAL_CODE
from kansenspiegel.messages import Lang, t

__all__ = [
    "ALIASES",
    "REFERENCE_YEAR",
    "UNASSIGNED_AMR",
    "UNASSIGNED_NAME",
    "boundaries",
    "geo_level_of",
    "geography_names",
    "geojson",
    "municipalities",
    "regions",
    "resolve",
    "search",
]

REFERENCE_YEAR = 2020
_DATA = resources.files("kansenspiegel.geography") / "data"


@lru_cache(maxsize=1)
def municipalities() -> pd.DataFrame:
    """One row per municipality: ``gm_code, gm_name, amr_code, amr_name, province_code, province_name``."""
    with (_DATA / "gemeente_2020.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str)
    frame.loc[frame.amr_code == UNASSIGNED_AMR, "amr_name"] = UNASSIGNED_NAME
    return frame


#: CBS code of the area not assigned to a labour-market region in 2020 (Vijfheerenlanden).
UNASSIGNED_AMR = "AM99"
#: How the product names it: the area, not a 36th region called "Niet in te delen" (CBS' label).
UNASSIGNED_NAME = "Vijfheerenlanden (niet ingedeeld in 2020)"


@lru_cache(maxsize=1)
def regions() -> pd.DataFrame:
    """One row per labour-market region (the 35 AMRs, then AM99, the area not assigned in
    2020): ``amr_code, amr_name, assigned``."""
    with (_DATA / "arbeidsmarktregio_2020_codes.csv").open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str)[["amr_code", "amr_name"]]
    frame["assigned"] = frame.amr_code != UNASSIGNED_AMR
    frame.loc[~frame.assigned, "amr_name"] = UNASSIGNED_NAME
    return frame


@cache
def geography_names(lang: Lang = "nl") -> dict[str, str]:
    """Name of every geography code: ``NL``, ``AMxx`` and ``GMxxxx``. Municipalities and regions
    keep their official (Dutch) names; the country and the unassigned area are named in ``lang``."""
    names = {NATIONAL_CODE: t("geo.national", lang)}
    names.update(dict(zip(regions().amr_code, regions().amr_name)))
    names.update(dict(zip(municipalities().gm_code, municipalities().gm_name)))
    names[UNASSIGNED_AMR] = t("geo.unassigned", lang)
    return names


#: Names people use that are not the official CBS name (matched after normalising: case,
#: accents, apostrophes and hyphens do not matter).
ALIASES: dict[str, str] = {
    "den haag": "GM0518",
    "the hague": "GM0518",
    "s gravenhage": "GM0518",
    "den bosch": "GM0796",
    "s hertogenbosch": "GM0796",
    "netherlands": NATIONAL_CODE,
    "the netherlands": NATIONAL_CODE,
    "nederland": NATIONAL_CODE,
    "heel nederland": NATIONAL_CODE,
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[str, str], ...]:
    """(normalised name or alias, code) for every area, official names first."""
    entries = [(_norm(name), code) for code, name in geography_names("nl").items()]
    entries += [(_norm(name), code) for code, name in geography_names("en").items() if code in (NATIONAL_CODE, UNASSIGNED_AMR)]
    entries += [(_norm(code), code) for code in geography_names("nl")]
    entries += [(alias, code) for alias, code in ALIASES.items()]
    return tuple(entries)


def _ranked(text: str) -> dict[str, int]:
    wanted = _norm(text)
    ranked: dict[str, int] = {}
    if not wanted:
        return ranked
    for name, c in _index():
        rank = 0 if name == wanted else 1 if name.startswith(wanted) else 2 if wanted in name else None
        if rank is not None and rank < ranked.get(c, 9):
            ranked[c] = rank
    return ranked


def resolve(text: str, levels: tuple[str, ...] | None = None) -> str | None:
    """The one area ``text`` means, or None when it names none or several: a code, a
    suggestion (``Utrecht (GM0344)``), a single exact name or common name, or the only match.
    ``levels`` (``national``, ``amr``, ``municipality``) limits the areas considered."""
    found = search(text, limit=2, levels=levels)
    if len(found) == 1:
        return found[0]
    exact = [c for c, rank in _ranked(text).items() if rank == 0 and (levels is None or geo_level_of(c) in levels)]
    return exact[0] if len(exact) == 1 else None


def search(text: str, limit: int = 10, levels: tuple[str, ...] | None = None) -> list[str]:
    """Area codes that match what a user typed, best first: a code (``GM0344``), a name as shown
    in the suggestions (``Utrecht (GM0344)``), a name or a common name (``Den Haag``), or the
    start or any part of a name (``Utre``). Exact matches come first, then names that start
    with the text, then names that contain it; each group in the order of the area list."""
    # a code on its own, or at the end in brackets as the suggestions show it: "Utrecht (GM0344)"
    code = re.fullmatch(r"(?:.*\(\s*)?(NL|AM\d{2}|GM\d{4})\s*\)?", text.strip().upper())
    if code and code.group(1) in geography_names() and (levels is None or geo_level_of(code.group(1)) in levels):
        return [code.group(1)]
    ranked = {c: r for c, r in _ranked(text).items() if levels is None or geo_level_of(c) in levels}
    order = {c: i for i, c in enumerate(geography_names())}
    return sorted(ranked, key=lambda c: (ranked[c], order[c]))[:limit]


def geo_level_of(code: str) -> str:
    """``national``, ``amr`` or ``municipality`` for a known geography code; ``KeyError`` otherwise."""
    if code not in geography_names():
        raise KeyError(code)
    return "national" if code == NATIONAL_CODE else ("amr" if code.startswith("AM") else "municipality")


def boundaries(level: str) -> dict[str, Any]:
    """TopoJSON boundaries (WGS84) for ``amr``, ``municipality`` or ``province``."""
    files = {
        "amr": "arbeidsmarktregio_2020_wgs84.topojson",
        "municipality": "gemeente_2020_wgs84.topojson",
        "province": "provincie_2020_wgs84.topojson",
    }
    with (_DATA / files[level]).open("r", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=3)
def geojson(level: str) -> dict[str, Any]:
    """The boundaries of ``amr``, ``municipality`` or ``province`` as a GeoJSON FeatureCollection
    (decoded from the bundled quantised TopoJSON; ``feature.id`` is the CBS code)."""
    topo = boundaries(level)
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:  # delta-encoded, quantised positions
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append([round(x * scale[0] + translate[0], 6), round(y * scale[1] + translate[1], 6)])
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(points if not coords else points[1:])
        return coords

    features = []
    obj = next(iter(topo["objects"].values()))
    for geom in obj["geometries"]:
        if geom["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [ring(r) for r in geom["arcs"]]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geom["arcs"]]}
        props = dict(geom.get("properties", {}))
        if props.get("statcode") == UNASSIGNED_AMR:
            props["statnaam"] = UNASSIGNED_NAME
        features.append(
            {"type": "Feature", "id": props.get("statcode"), "properties": {"code": props.get("statcode"), "name": props.get("statnaam")}, "geometry": geometry}
        )
    return {"type": "FeatureCollection", "features": features}
