"""Stage 5: findings — the deviations that matter in one area, ranked as a council reads them.

A finding is a group (one characteristic, or a combination of 2–3) at one moment whose chance
differs clearly, after false-discovery control, from

- everyone else in the same area (``vs_rest``), and/or
- the same group in the rest of the country (``vs_national``).

One finding per group and moment: when both comparisons hold they are told in one sentence. Of
two complementary groups (women/men, in/not in the register) the difference with everyone else
is the same gap seen from two sides: it is told once, for the group with the lower chance.

A **combination** is a finding only when its chance also lies clearly away from what its single
characteristics lead to expect (`stats.main_effects_fit`: a logistic model with main effects
only, on the area's cross table; its own test, with Benjamini–Hochberg over the combinations),
and its sentence says so.

**Score** (see docs/findings.md): the gap in percentage points we are 95 % sure of (rounding of
the published counts and chance both taken off), times the square root of the number of people
that certain gap amounts to. A gap affecting thousands ranks above one affecting ten unless the
small one is far larger (about six times as large for a group 200 times smaller). For a region
or municipality, the gap with everyone else counts only beyond the national gap of the same
group (that young people find work more often is the national pattern, not a finding of the
area), and the gap with the same group elsewhere only beyond the area's general level (when
everyone in Amsterdam keeps work more often, that is not a finding about one group). The list
shows each group's strongest finding before any group's second one.

Findings read only published figures (rounded counts; a hidden cell never gives a finding), so
the numbers in a sentence are the numbers on the dashboard.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, SEP, UNKNOWN, Lang
from kansenspiegel.disclosure import PUBLIC, Policy
from kansenspiegel.findings._text import caveats_for, registration_note, sentence, trend_sentence
from kansenspiegel.findings._trends import trends_in, yearly_gaps
from kansenspiegel.geography import geography_names
from kansenspiegel.mirror import Mirror
from kansenspiegel.stats import benjamini_hochberg, main_effects_fit, rate_range

Z = 1.96
SMALL = 50  # fewer people than this in the group: the margin is wide, say so
#: A finding's gap must be at least this many percentage points for sure (smaller ones are
#: real but too small to act on).
MIN_CERTAIN_PP = 1.0
#: Characteristics with two known groups: their difference with everyone else is one gap.
BINARY = tuple(n for n in CHARACTERISTIC_NAMES if len(CHARACTERISTICS[n].known_codes) == 2)
COMPARISONS = ("vs_rest", "vs_national")


@dataclass(frozen=True)
class Finding:
    """One deviation that matters (structured; ``text`` and ``caveats`` in the chosen language).

    ``kind`` is the comparison the score comes from; ``comparisons`` every one that holds.
    ``comparison_rate``/``difference_pp`` belong to ``kind``; ``people`` is about how many people
    that gap amounts to (the difference times the group size)."""

    geography: str
    year: int
    kind: str
    comparisons: tuple[str, ...]
    grouping: str
    group: str
    moment: str
    group_label: str
    denominator: int
    count: int
    rate: float
    rate_ci_low: float
    rate_ci_high: float
    comparison_rate: float
    difference_pp: float
    rest_rate: float | None
    difference_vs_rest_pp: float | None
    rest_of_country_rate: float | None
    difference_vs_national_pp: float | None
    national_difference_pp: float | None
    expected_rate: float | None
    q_value: float
    certain_pp: float
    people: int
    score: float
    text: str
    caveats: list[str] = field(default_factory=list)
    #: what happened to the gap with everyone else over the years (single characteristics)
    trend: str = ""
    #: the gap beside the gap after adjustment for covariates (set by the report)
    adjusted: str = ""

    @property
    def score_pp(self) -> float:
        """The certain part of the gap (kept for readers of the earlier field name)."""
        return self.certain_pp

    def view(self) -> tuple[str, dict[str, str]]:
        """The dashboard page that shows this finding, and its parameters."""
        chars = self.grouping.split(SEP)
        params = {"year": str(self.year), "geo": self.geography, "moment": self.moment}
        if len(chars) == 1:
            return "characteristics", {**params, "cmp": NATIONAL_CODE}
        return "combinations", {**params, "chars": self.grouping}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["comparisons"] = list(self.comparisons)
        return out


def _f(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan)


def unknown_shares(area: pd.DataFrame) -> dict[str, float]:
    """Share of people with an unknown value, per characteristic, in one area's published rows
    (household type has no unknown group: CBS counts it under 'other')."""
    population = area[area.moment == "provision"]
    total = population.loc[population.grouping == ALL, "population"].astype("float64").sum()
    unknown = population[population.grouping.isin(CHARACTERISTIC_NAMES) & (population.group == UNKNOWN)]
    per = unknown.groupby("grouping")["population"].sum().astype("float64")
    return {c: float(per.get(c, 0.0)) / total if total > 0 else 0.0 for c in CHARACTERISTIC_NAMES}


def findings(
    mirror: Mirror, *, year: int, geography: str = NATIONAL_CODE, lang: Lang = "nl", alpha: float = 0.05, policy: Policy = PUBLIC, top: int | None = None
) -> list[Finding]:
    """The ranked findings of one area and year (see the module docstring)."""
    area = mirror.published(year=year, geography=geography, policy=policy)
    nl = mirror.published(year=year, geography=NATIONAL_CODE, policy=policy) if geography != NATIONAL_CODE else area
    return findings_in(area, nl, year=year, geography=geography, lang=lang, alpha=alpha, top=top, policy=policy)


def _certain(diff: np.ndarray, reference: np.ndarray, slack: np.ndarray, se: np.ndarray) -> np.ndarray:
    """The part of ``|diff - reference|`` (fractions) we are 95 % sure of, in percentage points:
    the rounding slack and 1.96 standard errors taken off, never below 0."""
    return 100 * np.maximum(0.0, np.abs(diff - reference) - slack - Z * se)


def _interactions(
    rows: pd.DataFrame, rate_low: np.ndarray, rate_high: np.ndarray, n_low: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every combination row: the chance expected from its single characteristics, whether
    it lies clearly away from it (BH over the combinations at q < alpha), and the certain part
    of that deviation (pp). NaN / False / 0 for single characteristics."""
    n_rows = len(rows)
    expected, clear, certain = np.full(n_rows, np.nan), np.zeros(n_rows, dtype=bool), np.zeros(n_rows)
    grouping = rows["grouping"].astype(str).to_numpy()
    combo = np.char.find(grouping.astype(str), SEP) >= 0
    known = ~np.array([UNKNOWN in g.split(SEP) for g in rows["group"].astype(str)], dtype=bool) if n_rows else np.zeros(0, dtype=bool)
    use = np.flatnonzero(combo & known & ~np.isnan(_f(rows["rate"])))
    if not len(use):
        return expected, clear, certain
    sub = rows.iloc[use]
    table = sub.groupby(["grouping", "moment"], sort=False).ngroup().to_numpy()
    levels = np.full((len(sub), len(CHARACTERISTIC_NAMES)), -1, dtype=np.int64)
    for j, name in enumerate(CHARACTERISTIC_NAMES):
        codes = {c: i for i, c in enumerate(CHARACTERISTICS[name].known_codes)}
        levels[:, j] = sub[name].astype(object).map(codes).fillna(-1).to_numpy(dtype=np.int64)
    fitted, var_eta = main_effects_fit(table, levels, _f(sub["denominator"]), _f(sub["rate"]), leave_one_out=True)
    lo, hi = rate_low[use], rate_high[use]
    distance = np.maximum(0.0, np.maximum(lo - fitted, fitted - hi))
    var = fitted * (1 - fitted)
    se = np.sqrt(var / n_low[use] + var**2 * var_eta)
    p = np.where(distance > 0, 2 * ndtr(-distance / se), 1.0)
    q = benjamini_hochberg(p)
    expected[use] = fitted
    clear[use] = q < alpha
    certain[use] = 100 * np.maximum(0.0, distance - Z * se)
    return expected, clear, certain


def findings_in(
    area: pd.DataFrame, nl: pd.DataFrame, *, year: int, geography: str, lang: Lang = "nl", alpha: float = 0.05, top: int | None = None, policy: Policy = PUBLIC
) -> list[Finding]:
    """`findings` on published rows already at hand: ``area``'s and the country's (published
    under ``policy``, whose rounding says how far each count may be from the exact one)."""
    name = geography_names(lang).get(geography, geography)
    is_national = geography == NATIONAL_CODE
    rows = area[~area.suppressed.astype(bool) & (area.grouping != ALL)].reset_index(drop=True)
    if rows.empty:
        return []
    nat = nl.set_index(["grouping", "group", "moment"])
    key = pd.MultiIndex.from_frame(rows[["grouping", "group", "moment"]])

    def box(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return policy.bounds(values)

    x, n = box(_f(rows["count"])), box(_f(rows["denominator"]))
    rate, r_lo_hi = _f(rows["rate"]), rate_range(*x, *n)
    rest_x, rest_n = box(_f(rows["rest_count"])), box(_f(rows["rest_denominator"]))
    rest_rate, rest_lo_hi = _f(rows["rest_rate"]), rate_range(*rest_x, *rest_n)
    national_gap = np.full(len(rows), np.nan) if is_national else _f(nat["rate_difference"].reindex(key))
    slack_own = (r_lo_hi[1] - r_lo_hi[0]) / 2

    def se(p1: np.ndarray, n1: np.ndarray, p2: np.ndarray, n2: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)

    # against everyone else in the area (beyond the national gap, for a region or municipality)
    certain_rest = _certain(
        rate - rest_rate, np.nan_to_num(national_gap), slack_own + (rest_lo_hi[1] - rest_lo_hi[0]) / 2, se(rate, n[0], rest_rate, rest_n[0])
    )
    holds_rest = rows["significant"].to_numpy(dtype=bool) & (certain_rest > 0)
    # against the same group in the rest of the country (national published counts minus these)
    other_rate = np.full(len(rows), np.nan)
    certain_nat = np.zeros(len(rows))
    holds_nat = np.zeros(len(rows), dtype=bool)
    if not is_national:
        nx, nn = box(_f(nat["count"].reindex(key))), box(_f(nat["denominator"].reindex(key)))
        ox = (np.maximum(nx[0] - x[1], 0.0), nx[1] - x[0])
        on = (np.maximum(nn[0] - n[1], 0.0), nn[1] - n[0])
        o_lo, o_hi = rate_range(*ox, *on)
        other_rate = (o_lo + o_hi) / 2
        # beyond the area's general level: everyone here against everyone in the rest of the country
        everyone = area[area.grouping == ALL].set_index("moment")
        nat_all = nl[nl.grouping == ALL].set_index("moment")
        moments = rows["moment"].astype(str)
        ex, en = box(_f(everyone["count"].reindex(moments))), box(_f(everyone["denominator"].reindex(moments)))
        nax, nan_ = box(_f(nat_all["count"].reindex(moments))), box(_f(nat_all["denominator"].reindex(moments)))
        all_here = rate_range(*ex, *en)
        all_there = rate_range(np.maximum(nax[0] - ex[1], 0.0), nax[1] - ex[0], np.maximum(nan_[0] - en[1], 0.0), nan_[1] - en[0])
        area_gap = np.nan_to_num((all_here[0] + all_here[1]) / 2 - (all_there[0] + all_there[1]) / 2)
        certain_nat = _certain(rate - other_rate, area_gap, slack_own + (o_hi - o_lo) / 2, se(rate, n[0], other_rate, on[0]))
        holds_nat = rows["significant_vs_national"].to_numpy(dtype=bool) & (certain_nat > 0)
        certain_nat = np.where(np.isnan(certain_nat), 0.0, certain_nat)
    certain_rest = np.where(np.isnan(certain_rest), 0.0, certain_rest)

    # complementary groups: the gap of women with everyone else is the gap of men, seen from the
    # other side; keep it for the group with the lower chance
    single = rows["grouping"].isin(BINARY).to_numpy()
    pair = rows.loc[single & holds_rest].groupby(["grouping", "moment"])["rate"].transform("min")
    mirrored = np.zeros(len(rows), dtype=bool)
    mirrored[pair.index.to_numpy()] = rows.loc[pair.index, "rate"].to_numpy() > pair.to_numpy()
    count_per = rows.loc[single & holds_rest].groupby(["grouping", "moment"])["group"].transform("size")
    both_sides = np.zeros(len(rows), dtype=bool)
    both_sides[count_per.index.to_numpy()] = count_per.to_numpy() > 1
    holds_rest &= ~(mirrored & both_sides)
    told_for_other = np.zeros(len(rows), dtype=bool)
    told_for_other[np.flatnonzero(single & holds_rest & both_sides)] = True

    # combinations: only what goes beyond the single characteristics
    expected, interaction, certain_int = _interactions(rows, *r_lo_hi, n[0], alpha)
    combo = (rows["grouping"].astype(str).str.contains(SEP, regex=False)).to_numpy()
    beyond = ~combo | (interaction & (np.sign(rate - np.nan_to_num(expected)) != 0))
    direction_rest = np.sign(rate - rest_rate) == np.sign(rate - np.nan_to_num(expected))
    direction_nat = np.sign(rate - other_rate) == np.sign(rate - np.nan_to_num(expected))
    holds_rest &= beyond & (~combo | direction_rest)
    holds_nat &= beyond & (~combo | direction_nat)
    # an interaction shows in several cells of one cross table at once (one cell low means its
    # neighbours high, seen from the additive expectation): per table and moment one cell is
    # told, the one that deviates most below its expectation (the group at a disadvantage), or
    # else the one that deviates most above it
    holds = combo & (holds_rest | holds_nat)
    if holds.any():
        below = rate < np.nan_to_num(expected, nan=-1.0)
        strength = pd.Series(np.where(holds, certain_int + np.where(below, 1000.0, 0.0), -1.0))
        best = strength.groupby([rows["grouping"].astype(str), rows["moment"].astype(str)]).transform("max").to_numpy()
        first = ~pd.Series(strength.to_numpy()).duplicated().to_numpy() | ~holds  # ties: one of them
        keep = ~combo | ((strength.to_numpy() == best) & first)
        holds_rest &= keep
        holds_nat &= keep
    certain_rest = np.where(combo, np.minimum(certain_rest, certain_int), certain_rest)
    certain_nat = np.where(combo, np.minimum(certain_nat, certain_int), certain_nat)

    unknown_share = unknown_shares(area)
    q_rest, q_nat = _f(rows["q_value"]), _f(rows["q_value_vs_national"])
    out: list[Finding] = []
    holds_rest &= q_rest < alpha
    holds_nat &= q_nat < alpha
    for j in np.flatnonzero(holds_rest | holds_nat):
        kinds = tuple(k for k, h in zip(COMPARISONS, (holds_rest[j], holds_nat[j])) if h)
        if not kinds:
            continue
        certain = {"vs_rest": certain_rest[j], "vs_national": certain_nat[j]}
        kind = max(kinds, key=lambda k: certain[k])
        comparison_rate = rest_rate[j] if kind == "vs_rest" else other_rate[j]
        denominator = float(_f(rows["denominator"])[j])
        people_certain = certain[kind] / 100 * denominator
        score = certain[kind] * np.sqrt(people_certain)
        if certain[kind] < MIN_CERTAIN_PP:
            continue
        r = rows.iloc[j]
        grouping, group = str(r.grouping), str(r.group)
        diff = 100 * (rate[j] - comparison_rate)
        people = int(abs(rate[j] - comparison_rate) * denominator)
        ng = None if np.isnan(national_gap[j]) else float(100 * national_gap[j])
        exp = None if np.isnan(expected[j]) else float(expected[j])
        words = sentence(
            lang=lang,
            area=name,
            year=year,
            grouping=grouping,
            group=group,
            moment=str(r.moment),
            rate=rate[j],
            rest_rate=rest_rate[j] if "vs_rest" in kinds else None,
            other_rate=other_rate[j] if "vs_national" in kinds else None,
            national_gap=ng,
            expected=exp,
            people=people,
            kind=kind,
            q=min(q_rest[j] if "vs_rest" in kinds else 1.0, q_nat[j] if "vs_national" in kinds else 1.0),
            other_side=told_for_other[j],
        )
        out.append(
            Finding(
                geography=geography,
                year=year,
                kind=kind,
                comparisons=kinds,
                grouping=grouping,
                group=group,
                moment=str(r.moment),
                group_label=words.label,
                denominator=int(denominator),
                count=int(r["count"]),
                rate=float(rate[j]),
                rate_ci_low=float(r.rate_ci_low),
                rate_ci_high=float(r.rate_ci_high),
                comparison_rate=float(comparison_rate),
                difference_pp=float(diff),
                rest_rate=float(rest_rate[j]) if not np.isnan(rest_rate[j]) else None,
                difference_vs_rest_pp=float(100 * (rate[j] - rest_rate[j])) if not np.isnan(rest_rate[j]) else None,
                rest_of_country_rate=None if np.isnan(other_rate[j]) else float(other_rate[j]),
                difference_vs_national_pp=None if np.isnan(other_rate[j]) else float(100 * (rate[j] - other_rate[j])),
                national_difference_pp=ng,
                expected_rate=exp,
                q_value=float(q_rest[j] if kind == "vs_rest" else q_nat[j]),
                certain_pp=float(certain[kind]),
                people=people,
                score=float(score),
                text=words.text,
                caveats=caveats_for(lang=lang, grouping=grouping, group=group, denominator=int(denominator), unknown_share=unknown_share),
            )
        )
    return _rank(_refinements_dropped(out), top)


def _parts(f: Finding) -> frozenset[tuple[str, str]]:
    return frozenset(zip(f.grouping.split(SEP), f.group.split(SEP)))


def _refinements_dropped(found: list[Finding]) -> list[Finding]:
    """A combination of three is not told when a combination of two it belongs to is already a
    finding at the same moment, in the same direction: it only refines that one."""
    pairs = {(f.moment, _parts(f)): np.sign(f.difference_pp) for f in found if len(_parts(f)) == 2}
    keep = []
    for f in found:
        parts = _parts(f)
        if len(parts) == 3 and any(pairs.get((f.moment, parts - {p})) == np.sign(f.difference_pp) for p in parts):
            continue
        keep.append(f)
    return keep


#: The order of kinds of outcome within each round of the ranking: the report's decision moments
#: first, then the participation ladder, then which provisions a group gets.
KIND_ORDER = {"funnel": 0, "ladder": 1, "provision_type": 2, "registration": 3}


def _rank(found: list[Finding], top: int | None) -> list[Finding]:
    """Highest score first, but each group's strongest finding of a kind of outcome before any
    group's second one (so a top list shows different groups, not one group at every moment),
    and in each round the decision moments before the ladder and the provision types."""
    found = sorted(found, key=lambda f: (-f.score, f.q_value))
    kind = [KIND_ORDER[MOMENTS[f.moment].family] for f in found]
    seen: dict[tuple[str, str, int], int] = {}
    turn = []
    for f, k in zip(found, kind):
        key = (f.grouping, f.group, k)
        turn.append(seen.get(key, 0))
        seen[key] = turn[-1] + 1
    ranked = [f for *_, f in sorted(zip(turn, kind, range(len(found)), found), key=lambda t: (t[0], t[1], t[2]))]
    return ranked[:top] if top else ranked


def with_trends(found: list[Finding] | tuple[Finding, ...], tests: pd.DataFrame, lang: Lang = "nl") -> list[Finding]:
    """The findings with the trend of their gap (from `trends_in`'s ``tests``): a sentence when
    the gap clearly became smaller or larger (none when the test does not say so), and a caveat
    when a characteristic's registration changed between the years."""
    if tests.empty:
        return list(found)
    by_key = tests.set_index(["grouping", "group", "moment"])
    out = []
    for f in found:
        key = (f.grouping, f.group, f.moment)
        if key not in by_key.index:
            out.append(f)
            continue
        r = by_key.loc[key]
        first = None if pd.isna(r.first_year) else int(r.first_year)
        clear = str(r.direction) != "none" and first is not None
        text = (
            trend_sentence(
                lang=lang,
                direction=str(r.direction),
                first_year=first,
                start_pp=float(r.fitted_first_pp),
                end_pp=float(r.fitted_last_pp),
                slope_pp=float(r.slope_pp),
            )
            if clear
            else ""
        )
        caveats = list(f.caveats)
        if r.registration_years:
            caveats.insert(0, registration_note(lang=lang, grouping=f.grouping, years=tuple(r.registration_years)))
        out.append(replace(f, trend=text, caveats=caveats))
    return out


__all__ = [
    "KIND_ORDER",
    "Finding",
    "findings",
    "findings_in",
    "registration_note",
    "trend_sentence",
    "trends_in",
    "unknown_shares",
    "with_trends",
    "yearly_gaps",
]
