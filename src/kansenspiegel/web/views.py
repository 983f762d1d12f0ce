"""The data behind every page and API endpoint, published through the disclosure policy.

Pages, the JSON API and the downloads all call these functions, so they always show the same
numbers. Results are cached: the engine computed everything at ingest, and a view only filters.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, BASE_MOMENTS, CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, POPULATION_LABEL, SEP, UNKNOWN, Lang
from kansenspiegel.disclosure import PUBLIC, Policy
from kansenspiegel.geography import geo_level_of, geography_names, municipalities
from kansenspiegel.findings import Finding, findings_in
from kansenspiegel.mirror import Mirror



class NotFound(LookupError):
    """A code (geography, group, year) that does not exist: a 404 with this message."""


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN/NA become None, numpy scalars plain Python."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                clean[k] = None
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            elif isinstance(v, np.floating):
                clean[k] = None if math.isnan(v) else float(v)
            elif isinstance(v, np.bool_):
                clean[k] = bool(v)
            else:
                clean[k] = v
        out.append(clean)
    return out


def group_label(grouping: str, group: str, lang: Lang) -> str:
    if grouping == ALL:
        return "Iedereen" if lang == "nl" else "Everyone"
    names = grouping.split(SEP)
    codes = group.split(SEP)
    return " · ".join(CHARACTERISTICS[n].group_label(c, lang) for n, c in zip(names, codes))


class Dashboard:
    """Published views of one `Mirror` (thread-safe; DuckDB access is serialised)."""

    def __init__(self, mirror: Mirror, policy: Policy = PUBLIC) -> None:
        self.mirror = mirror
        self.policy = policy
        self._lock = threading.Lock()
        self.funnel = lru_cache(maxsize=1024)(self._funnel)
        self.groups = lru_cache(maxsize=1024)(self._groups)
        self.across = lru_cache(maxsize=1024)(self._across)
        self.table = lru_cache(maxsize=256)(self._table)
        self.findings = lru_cache(maxsize=512)(self._findings)

    # -- validation ---------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        return self.mirror.years

    @property
    def default_year(self) -> int:
        return 2018 if 2018 in self.years else self.years[-1]

    def check(self, *, year: int | None = None, geography: str | None = None) -> None:
        if year is not None and year not in self.years:
            raise NotFound(f"no data for year {year}; available: {', '.join(map(str, self.years))}")
        if geography is not None and geography not in geography_names():
            raise NotFound(f"unknown geography code {geography!r}: use NL, an AMR code such as AM05 or a municipality code such as GM0363")

    def geographies(self) -> list[dict[str, str]]:
        gm = municipalities()
        rows = [{"code": NATIONAL_CODE, "name": "Nederland", "level": "national", "amr": ""}]
        amrs = gm[["amr_code", "amr_name"]].drop_duplicates().sort_values("amr_code")
        rows += [{"code": r.amr_code, "name": r.amr_name, "level": "amr", "amr": r.amr_code} for r in amrs.itertuples()]
        rows += [{"code": r.gm_code, "name": r.gm_name, "level": "municipality", "amr": r.amr_code} for r in gm.sort_values("gm_name").itertuples()]
        return rows

    # -- views --------------------------------------------------------------------------------
    def _groups(self, year: int, geography: str) -> pd.DataFrame:
        """Every group's published metrics (all groupings, all moments) in one geography."""
        self.check(year=year, geography=geography)
        with self._lock:
            return self.mirror.published(year=year, geography=geography, policy=self.policy)

    def _funnel(self, year: int, geography: str) -> pd.DataFrame:
        """Counts and chances at each moment for a geography, its AMR and the country."""
        self.check(year=year, geography=geography)
        chain = [geography]
        if geo_level_of(geography) == "municipality":
            chain.append(municipalities().set_index("gm_code").loc[geography, "amr_code"])
        if geography != NATIONAL_CODE:
            chain.append(NATIONAL_CODE)
        rows = []
        for code in chain:
            g = self.groups(year, code)
            everyone = g[g.grouping == ALL].set_index("moment")
            first = everyone.loc["provision"]
            rows.append({"geography": code, "name": geography_names()[code], "moment": "population", "count": first.population, "rate": 1.0 if not first.suppressed else None, "rate_ci_low": None, "rate_ci_high": None})
            for m in BASE_MOMENTS:
                r = everyone.loc[m]
                rows.append({"geography": code, "name": geography_names()[code], "moment": m, "count": r["count"], "rate": r.rate, "rate_ci_low": r.rate_ci_low, "rate_ci_high": r.rate_ci_high})
        return pd.DataFrame(rows)

    def characteristics(self, year: int, geography: str, comparison: str = NATIONAL_CODE, lang: Lang = "nl") -> pd.DataFrame:
        """The Table 2.1 view: per characteristic and group, shares, gap, chance + interval,
        the test against everyone else in the area, and the comparison area's chance."""
        self.check(year=year, geography=geography)
        self.check(geography=comparison)
        here = self.groups(year, geography)
        there = self.groups(year, comparison)
        single = here[here.grouping.isin(CHARACTERISTIC_NAMES)]
        cmp = there[there.grouping.isin(CHARACTERISTIC_NAMES)][["grouping", "group", "moment", "rate", "rate_ci_low", "rate_ci_high"]]
        merged = single.merge(cmp, on=["grouping", "group", "moment"], how="left", suffixes=("", "_comparison"))
        order = {(n, c): i for i, (n, c) in enumerate((n, c) for n in CHARACTERISTIC_NAMES for c in CHARACTERISTICS[n].codes)}
        merged["order"] = [order.get((g, k), 999) for g, k in zip(merged.grouping, merged.group)]
        merged["label"] = [group_label(g, k, lang) for g, k in zip(merged.grouping, merged.group)]
        merged["characteristic_label"] = [CHARACTERISTICS[g].label(lang) for g in merged.grouping]
        merged["difference_vs_comparison_pp"] = 100 * (merged.rate - merged.rate_comparison)
        # a test exists against the rest of the country (the engine's region-vs-national test)
        merged["significant_vs_comparison"] = (comparison == NATIONAL_CODE) & merged.significant_vs_national
        cols = ["grouping", "characteristic_label", "group", "label", "moment", "population", "share_of_denominator", "count", "share_of_moment",
                "representation_gap_pp", "rate", "rate_ci_low", "rate_ci_high", "rest_rate", "rate_difference", "p_value", "q_value", "significant",
                "rate_comparison", "rate_ci_low_comparison", "rate_ci_high_comparison", "difference_vs_comparison_pp", "q_value_vs_national",
                "significant_vs_comparison", "suppressed", "order"]
        merged["moment_order"] = merged.moment.map({m: i for i, m in enumerate(MOMENTS)})
        return merged.sort_values(["order", "moment_order"])[cols].reset_index(drop=True)

    def combinations(self, year: int, geography: str, characteristics: tuple[str, ...], moment: str, lang: Lang = "nl") -> pd.DataFrame:
        """Chances per combined group (2 or 3 characteristics) at one moment."""
        self.check(year=year, geography=geography)
        if not 2 <= len(characteristics) <= 3 or len(set(characteristics)) != len(characteristics):
            raise NotFound("choose 2 or 3 different characteristics")
        for c in characteristics:
            if c not in CHARACTERISTICS:
                raise NotFound(f"unknown characteristic {c!r}")
        if moment not in MOMENTS:
            raise NotFound(f"unknown moment {moment!r}")
        grouping = SEP.join(c for c in CHARACTERISTIC_NAMES if c in characteristics)
        g = self.groups(year, geography)
        rows = g[(g.grouping == grouping) & (g.moment == moment)].copy()
        rows["label"] = [group_label(grouping, k, lang) for k in rows.group]
        rows = self._with_national(rows, year)
        return rows[["grouping", "group", "label", *[c for c in CHARACTERISTIC_NAMES if c in characteristics], "population", "denominator", "count",
                     "rate", "rate_ci_low", "rate_ci_high", "rest_rate", "rate_difference", "q_value", "national_rate", "q_value_vs_national",
                     "significant", "significant_vs_national", "suppressed"]].reset_index(drop=True)

    def _with_national(self, rows: pd.DataFrame, year: int) -> pd.DataFrame:
        """Add the published national chance of each row's group (from the national row)."""
        nl = self.groups(year, NATIONAL_CODE)[["grouping", "group", "moment", "rate", "rate_ci_low", "rate_ci_high"]]
        nl = nl.rename(columns={"rate": "national_rate", "rate_ci_low": "national_ci_low", "rate_ci_high": "national_ci_high"})
        return rows.drop(columns=["national_rate", "national_ci_low", "national_ci_high"]).merge(nl, on=["grouping", "group", "moment"], how="left")

    def _across(self, year: int, level: str, grouping: str, group: str, moment: str) -> pd.DataFrame:
        self.check(year=year)
        if level not in ("amr", "municipality"):
            raise NotFound(f"unknown level {level!r}: use amr or municipality")
        if moment not in MOMENTS:
            raise NotFound(f"unknown moment {moment!r}")
        chars = [] if grouping == ALL else grouping.split(SEP)
        for c in chars:
            if c not in CHARACTERISTICS:
                raise NotFound(f"unknown characteristic {c!r}")
        codes = group.split(SEP) if chars else [ALL]
        if chars and (len(codes) != len(chars) or any(code not in CHARACTERISTICS[c].codes for c, code in zip(chars, codes))):
            raise NotFound(f"unknown group {group!r} for {grouping}")
        with self._lock:
            frame = self.mirror.published(year=year, policy=self.policy, level=level, grouping=grouping, group=group, moment=moment)
        pub = self._with_national(frame, year)
        pub["name"] = pub.geography.map(geography_names())
        pub["difference_vs_national_pp"] = 100 * (pub.rate - pub.national_rate)
        return pub[["geography", "name", "population", "denominator", "count", "rate", "rate_ci_low", "rate_ci_high", "national_rate",
                    "difference_vs_national_pp", "rate_difference", "q_value", "q_value_vs_national", "significant_vs_national", "suppressed"]]

    def _table(self, year: int, geography: str, characteristics: tuple[str, ...], lang: Lang) -> pd.DataFrame:
        """The report's Table 2.1 layout (published)."""
        self.check(year=year, geography=geography)
        with self._lock:
            return self.mirror.table(year=year, geography=geography, characteristics=characteristics, lang=lang, policy=self.policy)

    def quality(self, year: int, geography: str, lang: Lang = "nl") -> dict[str, Any]:
        """Unknown values per characteristic and how many cells are suppressed."""
        g = self.groups(year, geography)
        base = g[g.moment == "provision"]
        total = records(base[base.grouping == ALL][["population"]])[0]["population"]
        unknown = []
        for name in CHARACTERISTIC_NAMES:
            row = records(base[(base.grouping == name) & (base.group == UNKNOWN)][["population", "suppressed"]])
            # no unknown group: 0; a suppressed one: None (fewer than the threshold, not shown)
            spec = CHARACTERISTICS[name]
            folded = None if spec.has_unknown else spec.group_label("other", lang)  # CBS counts unknown household types under 'other'
            unknown.append({"characteristic": name, "label": spec.label(lang), "unknown": None if folded else (row[0]["population"] if row else 0),
                            "folded_into": folded, "population": total})
        return {
            "unknown": unknown,
            "cells": int(len(g)),
            "suppressed_cells": int(g.suppressed.sum()),
            "threshold": self.policy.threshold,
            "rounding": self.policy.rounding_base,
        }

    def _findings(self, year: int, geography: str, lang: Lang = "nl") -> tuple[Finding, ...]:
        """The ranked findings of one area (from the same published rows as every page)."""
        area = self.groups(year, geography)
        nl = self.groups(year, NATIONAL_CODE)
        return tuple(findings_in(area, nl, year=year, geography=geography, lang=lang, policy=self.policy))

    def group_options(self, lang: Lang) -> list[dict[str, str]]:
        """Single-characteristic groups to choose from (plus everyone)."""
        out = [{"grouping": ALL, "group": ALL, "label": group_label(ALL, ALL, lang)}]
        for name in CHARACTERISTIC_NAMES:
            for code in CHARACTERISTICS[name].known_codes:
                out.append({"grouping": name, "group": code, "label": f"{CHARACTERISTICS[name].label(lang)}: {CHARACTERISTICS[name].group_label(code, lang)}"})
        return out


def combination_choices() -> list[tuple[str, ...]]:
    return [c for k in (2, 3) for c in combinations(CHARACTERISTIC_NAMES, k)]


def moment_label(moment: str, lang: Lang) -> str:
    return POPULATION_LABEL(lang) if moment == "population" else MOMENTS[moment].label(lang)
