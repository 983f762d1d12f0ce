"""Reference geography of 2020: 355 municipalities, 35 labour-market regions (+ AM99), 12 provinces.

Bundled in the package (see ``data/SOURCES.md`` for origin and licence: CBS / PDOK via
cartomap/nl, CC BY 4.0).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from kansenspiegel.codes import NATIONAL_CODE

__all__ = ["REFERENCE_YEAR", "UNASSIGNED_AMR", "UNASSIGNED_NAME", "boundaries", "geo_level_of", "geography_names", "geojson", "municipalities", "regions"]

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


@lru_cache(maxsize=1)
def geography_names() -> dict[str, str]:
    """Name of every geography code: ``NL``, ``AMxx`` and ``GMxxxx``."""
    names = {NATIONAL_CODE: "Nederland"}
    names.update(dict(zip(regions().amr_code, regions().amr_name)))
    names.update(dict(zip(municipalities().gm_code, municipalities().gm_name)))
    return names


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
