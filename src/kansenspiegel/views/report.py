"""Everything a report for the council shows, gathered once from the published views."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kansenspiegel.codes import BASE_MOMENTS, CHARACTERISTIC_NAMES, CHARACTERISTICS, CHOSEN_MOMENTS, MOMENTS, Lang, group_label
from kansenspiegel.disclosure import Policy
from kansenspiegel.findings import Finding, trend_sentence, unknown_shares
from kansenspiegel.geography import geo_level_of, geography_names
from kansenspiegel.views._published import Published, area_chain
from kansenspiegel.views.adjusted import caveat as adjusted_caveat
from kansenspiegel.views.characteristics import ORDER
from kansenspiegel.views.findings import ranked
from kansenspiegel.views.trends import area_trends


@dataclass
class ReportData:
    geography: str
    name: str
    year: int
    lang: Lang
    synthetic: bool
    chain: list[tuple[str, str]]  # (code, name): the area, its AMR, the country
    funnel: pd.DataFrame  # the funnel view
    groups: pd.DataFrame  # per characteristic group and base moment: the area beside the country
    top: list[Finding]
    combinations: list[Finding]
    similar: pd.DataFrame  # areas of the same level with the most similar size
    quality: dict[str, Any]
    policy: Policy
    #: the gaps that clearly became smaller or larger over the years: group, moment, sentence
    trends: list[dict[str, Any]]
    #: raw and adjusted gaps of the groups at the first decision moment with work (empty without covariates)
    adjusted: pd.DataFrame
    adjusted_caveat: str
    #: findings on the participation ladder and on which provisions a group gets
    ladder: list[Finding]
    provision_types: list[Finding]


def report_data(pub: Published, *, geography: str, year: int, lang: Lang = "nl", top: int = 8) -> ReportData:
    """Everything a report shows, published under the door's policy."""
    names = geography_names(lang)
    pub.check(year=year, geography=geography)
    chain = area_chain(geography)
    funnel = pub.run("funnel", year=year, geography=geography, lang=lang)
    here = pub.groups(year, geography)
    single = here[here.grouping.isin(CHARACTERISTIC_NAMES) & here.moment.isin(BASE_MOMENTS)]
    groups = pub.with_national(single, year)
    groups["order"] = [ORDER.get((g, k), 999) for g, k in zip(groups.grouping, groups.group)]
    groups["characteristic"] = [CHARACTERISTICS[g].label(lang) for g in groups.grouping]
    groups["label"] = [CHARACTERISTICS[g].group_label(k, lang) for g, k in zip(groups.grouping, groups.group)]
    groups["difference_vs_national_pp"] = 100 * (groups.rate - groups.national_rate)
    groups = groups.sort_values(["order", "moment"], key=lambda s: s.map({m: i for i, m in enumerate(BASE_MOMENTS)}) if s.name == "moment" else s)
    found = [_with_adjusted(pub, f, year, geography, lang) for f in ranked(pub, year, geography, lang)]
    combos = [f for f in found if "+" in f.grouping][:5]
    # areas of the same level with the most similar number of people on benefit
    similar = pd.DataFrame()
    level = geo_level_of(geography)
    if level in ("amr", "municipality"):
        same = pub.run("compare", year=year, level=level, moment="employed", lang=lang)
        same = same[~same.suppressed.astype(bool)].copy()
        size = float(same.loc[same.geography == geography, "population"].iloc[0]) if (same.geography == geography).any() else np.nan
        same["distance"] = (same.population.astype("float64") - size).abs()
        similar = same.sort_values("distance").head(6)[["geography", "name", "population", "rate", "rate_ci_low", "rate_ci_high"]].copy()
    # household type has no unknown group of its own (CBS counts it under 'other'): say so, not 0 %
    unknown = {CHARACTERISTICS[c].label(lang): (share if CHARACTERISTICS[c].has_unknown else None) for c, share in unknown_shares(here).items()}
    quality = {"unknown": unknown, "cells": len(here), "suppressed": int(here.suppressed.sum())}
    return ReportData(
        geography=geography,
        name=names[geography],
        year=year,
        lang=lang,
        synthetic=pub.mirror.synthetic,
        chain=[(c, names[c]) for c in chain],
        funnel=funnel,
        groups=groups,
        top=found[:top],
        combinations=combos,
        similar=similar,
        quality=quality,
        policy=pub.policy,
        trends=clear_trends(pub, geography, lang),
        adjusted=pub.run("adjusted", year=year, geography=geography, moment="employed", lang=lang),
        adjusted_caveat=adjusted_caveat(lang),
        ladder=[f for f in found if MOMENTS[f.moment].family == "ladder"][:5],
        provision_types=[f for f in found if MOMENTS[f.moment].family == "provision_type"][:5],
    )


def _with_adjusted(pub: Published, f: Finding, year: int, geography: str, lang: Lang) -> Finding:
    """A finding of one characteristic with its gap after adjustment beside it, where shown."""
    if "+" in f.grouping or MOMENTS[f.moment].family not in ("funnel", "ladder"):
        return f
    view = pub.run("adjusted", year=year, geography=geography, moment=f.moment, lang=lang)
    row = view[(view.grouping == f.grouping) & (view.group == f.group) & ~view.hidden.astype(bool)]
    return f if row.empty else replace(f, adjusted=str(row.iloc[0].text))


def clear_trends(pub: Published, geography: str, lang: Lang, top: int = 12) -> list[dict[str, Any]]:
    """The gaps of an area that clearly changed over the years (decision moments and the ladder;
    of two complementary groups the first), largest change first."""
    if len(pub.years) < 2:
        return []
    tests = area_trends(pub, geography)[1]
    if tests.empty:
        return []
    binary = {n: CHARACTERISTICS[n].known_codes[0] for n in CHARACTERISTIC_NAMES if len(CHARACTERISTICS[n].known_codes) == 2}
    clear = tests[tests.significant.astype(bool) & tests.moment.isin(CHOSEN_MOMENTS)]
    clear = clear.loc[np.array([binary.get(g, k) == k for g, k in zip(clear.grouping, clear.group)], dtype=bool)]
    clear = clear.assign(size=clear.slope_pp.abs()).sort_values("size", ascending=False).head(top)
    return [
        {
            "grouping": r.grouping,
            "group": r.group,
            "moment": r.moment,
            "label": group_label(r.grouping, r.group, lang),
            "moment_label": MOMENTS[r.moment].label(lang),
            "direction": r.direction,
            "slope_pp": float(r.slope_pp),
            "first_year": int(r.first_year),
            "last_year": int(r.last_year),
            "text": trend_sentence(
                lang=lang, direction=r.direction, first_year=int(r.first_year), start_pp=r.fitted_first_pp, end_pp=r.fitted_last_pp, slope_pp=r.slope_pp
            ),
        }
        for r in clear.itertuples()
    ]
