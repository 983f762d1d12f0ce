"""Stage 5: findings — the deviations that matter in one area, ranked, in plain language.

A finding is a published metric row (never a suppressed one) whose test is significant after
false-discovery control (Benjamini–Hochberg, q < ``alpha``), of two kinds:

- ``vs_rest``: a group against everyone else in the same area (e.g. women against men and
  unknown in Twente), at any moment, also the conditional steps and combinations of up to 3
  characteristics;
- ``vs_national``: a group in the area against the same group in the rest of the country.

**Score** (in percentage points; findings are ranked by it, ties by lower q). The size of the
deviation we are 95 % sure of at least: the absolute difference minus 1.96 standard errors of
that difference (from the published counts), never below 0. For ``vs_national`` the difference
is the group's chance here minus in the rest of the country. For ``vs_rest`` in a region or
municipality it is the part of the local gap beyond the national gap of the same group (the
national gap itself is the national pattern, not something of this area); nationally it is the
gap itself. A big deviation in a small group (wide interval) ranks below a slightly smaller one
measured precisely; a tiny but very certain one ranks low too. Groups of fewer than 50 people
come after all others (their published counts are rounded to tens, which moves a chance a lot).

Each finding carries a sentence in plain Dutch (B1) or English and the caveats a careful
researcher would add: small numbers, unknown values in the registration, that a difference is
a signal to discuss and not proof of discrimination, and which labour-market factors (not in
these figures) could explain part of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, NATIONAL_CODE, SEP, UNKNOWN, Lang
from kansenspiegel.disclosure import PUBLIC, Policy
from kansenspiegel.formatting import fmt_pct
from kansenspiegel.geography import geography_names
from kansenspiegel.mirror import Mirror

Z = 1.96
SMALL = 50  # fewer people than this in the group: the margin is wide, say so

#: What reaching each moment means, as the rest of a sentence "x % of <group> ..."
_MOMENT = {
    "provision": ("kreeg een voorziening (hulp op weg naar werk)", "got a provision (support on the way to work)"),
    "employed": ("had binnen het jaar minstens een maand werk", "worked at least a month within the year"),
    "sustained": ("had minstens zes maanden werk", "worked at least six months"),
    "employed_given_provision": ("van wie een voorziening kreeg, vond werk (minstens een maand)", "of those who got a provision, found work (at least a month)"),
    "sustained_given_employed": ("van wie werk vond, hield dat minstens zes maanden", "of those who found work, kept it at least six months"),
}
_EXPLAIN = (
    "Verschillen in opleiding, taal, werkervaring, gezondheid of hoe lang iemand al een uitkering heeft, kunnen een deel van het verschil verklaren. Die zitten niet in deze cijfers.",
    "Differences in education, language, work experience, health or how long someone has been on benefit can explain part of the gap. They are not in these figures.",
)
_SIGNAL = (
    "Een verschil is een signaal om te bespreken, geen bewijs van discriminatie.",
    "A difference is a signal to discuss, not proof of discrimination.",
)


@dataclass(frozen=True)
class Finding:
    """One deviation that matters (structured; ``text`` and ``caveats`` in the chosen language)."""

    geography: str
    year: int
    kind: str  # vs_rest | vs_national
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
    national_difference_pp: float | None
    q_value: float
    score_pp: float
    text: str
    caveats: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(v: float, lang: Lang) -> str:
    return fmt_pct(v, lang, digits=0)


def _pp(v: float, lang: Lang) -> str:
    s = f"{abs(v):.1f}"
    return (s.replace(".", ",") + " procentpunt") if lang == "nl" else (s + " percentage points")


def _certainty(q: float, lang: Lang) -> str:
    i = 0 if lang == "nl" else 1
    if q < 0.001:
        return ("Dit is vrijwel zeker geen toeval.", "This is almost certainly not chance.")[i]
    if q < 0.01:
        return ("Dit is zeer waarschijnlijk geen toeval.", "This is very likely not chance.")[i]
    return ("Dit is waarschijnlijk geen toeval, maar zeker is het niet.", "This is probably not chance, but it is not certain.")[i]


def _label(grouping: str, group: str, lang: Lang) -> str:
    if grouping == ALL:
        return "iedereen in de bijstand" if lang == "nl" else "everyone on benefit"
    parts = [CHARACTERISTICS[n].group_label(c, lang) for n, c in zip(grouping.split(SEP), group.split(SEP))]
    return " · ".join(parts)


def _se(p1: np.ndarray, n1: np.ndarray, p2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


def unknown_shares(area: pd.DataFrame) -> dict[str, float]:
    """Share of people with an unknown value, per characteristic, in one area's published rows."""
    population = area[area.moment == "provision"]
    total = population.loc[population.grouping == ALL, "population"].astype("float64").sum()
    unknown = population[population.grouping.isin(CHARACTERISTIC_NAMES) & (population.group == UNKNOWN)]
    per = unknown.groupby("grouping")["population"].sum().astype("float64")
    return {c: float(per.get(c, 0.0)) / total if total > 0 else 0.0 for c in CHARACTERISTIC_NAMES}


def findings(mirror: Mirror, *, year: int, geography: str = NATIONAL_CODE, lang: Lang = "nl", alpha: float = 0.05,
             policy: Policy = PUBLIC, top: int | None = None) -> list[Finding]:
    """The ranked findings of one area and year (see the module docstring)."""
    area = mirror.published(year=year, geography=geography, policy=policy)
    nl = mirror.published(year=year, geography=NATIONAL_CODE, policy=policy) if geography != NATIONAL_CODE else area
    return findings_in(area, nl, year=year, geography=geography, lang=lang, alpha=alpha, top=top)


def findings_in(area: pd.DataFrame, nl: pd.DataFrame, *, year: int, geography: str, lang: Lang = "nl", alpha: float = 0.05, top: int | None = None) -> list[Finding]:
    """`findings` on published rows already at hand: ``area``'s and the country's."""
    name = geography_names().get(geography, geography)
    nat = nl.set_index(["grouping", "group", "moment"])
    rows = area[~area.suppressed.astype(bool)].copy()
    f = lambda s: s.to_numpy(dtype="float64", na_value=np.nan)  # noqa: E731
    # the national gap of the same group (group vs everyone else in the country), for context
    key = pd.MultiIndex.from_frame(rows[["grouping", "group", "moment"]])
    national_gap = 100 * f(nat["rate_difference"].reindex(key)) if geography != NATIONAL_CODE else np.full(len(rows), np.nan)
    national_n = f(nat["denominator"].reindex(key))
    national_x = f(nat["count"].reindex(key))
    rate, n = f(rows["rate"]), f(rows["denominator"])
    unknown_share = unknown_shares(area)  # for the registration caveat
    out: list[Finding] = []
    i = 0 if lang == "nl" else 1
    kinds = [("vs_rest", rows["significant"].to_numpy(dtype=bool) & (rows.grouping != ALL).to_numpy(), f(rows["rest_rate"]), f(rows["rest_denominator"]), f(rows["q_value"]))]
    if geography != NATIONAL_CODE:
        other_n = national_n - n
        with np.errstate(divide="ignore", invalid="ignore"):
            other_rate = (national_x - f(rows["count"])) / other_n
        kinds.append(("vs_national", rows["significant_vs_national"].to_numpy(dtype=bool), other_rate, other_n, f(rows["q_value_vs_national"])))
    for kind, significant, comp_rate, comp_n, q in kinds:
        ok = significant & (q < alpha) & ~np.isnan(comp_rate)
        diff = 100 * (rate - comp_rate)
        margin = Z * 100 * _se(rate, n, comp_rate, comp_n)
        if kind == "vs_rest" and geography != NATIONAL_CODE:
            # what is particular to this area: the part of the gap beyond the national gap
            score = np.maximum(0.0, np.abs(diff - np.nan_to_num(national_gap)) - margin)
        else:
            score = np.maximum(0.0, np.abs(diff) - margin)
        for j in np.flatnonzero(ok):
            r = rows.iloc[j]
            who = _label(r.grouping, r.group, lang)
            moment = _MOMENT[r.moment][i]
            if lang == "nl":
                text = f"{_pct(rate[j], lang)} van de groep '{who}' in {name} {moment}. "
            else:
                text = f"{_pct(rate[j], lang)} of the group '{who}' in {name} {moment}. "
            if kind == "vs_rest":
                text += (f"Van de anderen in {name} was dat {_pct(comp_rate[j], lang)}. " if lang == "nl"
                         else f"Of everyone else in {name} it was {_pct(comp_rate[j], lang)}. ")
                ng = national_gap[j]
                if not np.isnan(ng) and np.sign(ng) != np.sign(diff[j]) and abs(ng) >= 0.5:
                    above = ng > 0
                    text += (f"In heel Nederland is het andersom: daar ligt deze groep {_pp(ng, lang)} {'boven' if above else 'onder'} de anderen. " if lang == "nl"
                             else f"In the whole country it is the other way round: there this group is {_pp(ng, lang)} {'above' if above else 'below'} everyone else. ")
                elif not np.isnan(ng):
                    bigger = abs(diff[j]) > abs(ng)
                    text += (f"Dat verschil ({_pp(diff[j], lang)}) is {'groter' if bigger else 'kleiner'} dan in heel Nederland ({_pp(ng, lang)}). " if lang == "nl"
                             else f"That gap ({_pp(diff[j], lang)}) is {'larger' if bigger else 'smaller'} than in the whole country ({_pp(ng, lang)}). ")
            else:
                higher = diff[j] < 0
                text += (f"In de rest van Nederland was dat {_pct(comp_rate[j], lang)} voor dezelfde groep: {_pp(diff[j], lang)} {'hoger' if higher else 'lager'}. " if lang == "nl"
                         else f"In the rest of the country it was {_pct(comp_rate[j], lang)} for the same group: {_pp(diff[j], lang)} {'higher' if higher else 'lower'}. ")
            text += _certainty(q[j], lang)
            caveats = []
            if n[j] < SMALL:
                caveats.append(f"Het gaat om weinig mensen (ongeveer {int(n[j])}); de marge is groot." if lang == "nl" else f"Few people (about {int(n[j])}); the margin is wide.")
            for c in ([] if r.grouping == ALL else r.grouping.split(SEP)):
                if unknown_share.get(c, 0) > 0.02:
                    share = _pct(unknown_share[c], lang)
                    caveats.append(f"Bij {share} van de mensen is '{CHARACTERISTICS[c].label(lang).lower()}' onbekend in de registratie." if lang == "nl"
                                   else f"'{CHARACTERISTICS[c].label(lang)}' is unknown for {share} of people in the registration.")
            caveats += [_SIGNAL[i], _EXPLAIN[i]]
            out.append(Finding(geography=geography, year=year, kind=kind, grouping=r.grouping, group=r.group, moment=r.moment, group_label=who,
                               denominator=int(n[j]), count=int(r["count"]), rate=float(rate[j]), rate_ci_low=float(r.rate_ci_low), rate_ci_high=float(r.rate_ci_high),
                               comparison_rate=float(comp_rate[j]), difference_pp=float(diff[j]),
                               national_difference_pp=None if np.isnan(national_gap[j]) else float(national_gap[j]),
                               q_value=float(q[j]), score_pp=float(score[j]), text=text, caveats=caveats))
    return _rank(out, top)


def _parts(f: Finding) -> frozenset[tuple[str, str]]:
    if f.grouping == ALL:
        return frozenset()
    return frozenset(zip(f.grouping.split(SEP), f.group.split(SEP)))


def _rank(found: list[Finding], top: int | None) -> list[Finding]:
    """Keep what is new, then rank. A combination (say older women with a migration background)
    is dropped when a coarser group it belongs to (older women) already has a finding of the
    same kind at the same moment whose difference lies within the combination's margin: the
    combination only repeats it. Findings with a score of 0 (no certain deviation) go too."""
    kept: dict[tuple[str, str], list[tuple[frozenset[tuple[str, str]], Finding]]] = {}
    out = []
    for f in sorted(found, key=lambda x: (len(_parts(x)), -x.score_pp)):
        if f.score_pp <= 0:
            continue
        parts = _parts(f)
        margin = Z * 100 * float(np.sqrt(max(f.rate * (1 - f.rate), 1e-9) / max(f.denominator, 1)))
        family = kept.setdefault((f.kind, f.moment), [])
        if any(p < parts and abs(f.difference_pp - g.difference_pp) <= margin for p, g in family):
            continue
        family.append((parts, f))
        out.append(f)
    out.sort(key=lambda x: (x.denominator < SMALL, -x.score_pp, x.q_value))
    return out[:top] if top else out


__all__ = ["Finding", "findings", "findings_in", "unknown_shares"]
