"""The words of a finding: one sentence at B1 level (Dutch, or English) and its caveats.

The words follow the source report: the outcome window is the reference year and/or the next,
work is work for the same employer, a difference is a signal and not proof, and factors that are
not in the data may explain part of a gap but never explain it away."""

from __future__ import annotations

from dataclasses import dataclass

from kansenspiegel.codes import CHARACTERISTICS, SEP, Lang, group_label
from kansenspiegel.formatting import fmt_int, fmt_number, fmt_pct, fmt_pp
from kansenspiegel.messages import LANGUAGES, t

SMALL = 50


@dataclass(frozen=True)
class Words:
    label: str
    text: str


def _pct(v: float, lang: Lang) -> str:
    return fmt_pct(v, lang, digits=0)


def _pp(v: float, lang: Lang) -> str:
    return t("finding.pp", lang, value=fmt_number(abs(v), lang))


def _opening(lang: Lang, moment: str, who: str, area: str, pct: str, year: int) -> str:
    return t(f"finding.opening.{moment}", lang, pct=pct, who=who, area=area, years=t("finding.years", lang, year=year, next=year + 1))


def _certainty(q: float, lang: Lang) -> str:
    return t("finding.certainty." + ("almost_certain" if q < 0.001 else "very_likely" if q < 0.01 else "probable"), lang)


def _people(people: int, kind: str, lang: Lang) -> str:
    """How many people the gap amounts to (the difference in chance times the group size)."""
    which = t(f"finding.gap_with.{kind}", lang)
    if people < 10:
        return t("finding.people_few", lang, which=which)
    digits = max(0, len(str(people)) - 2)
    return t("finding.people", lang, which=which, people=fmt_int(int(round(people, -digits)), lang))


def _join(items: list[str], lang: Lang) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + t("finding.and", lang) + items[-1]


def sentence(
    *,
    lang: Lang,
    area: str,
    year: int,
    grouping: str,
    group: str,
    moment: str,
    rate: float,
    rest_rate: float | None,
    other_rate: float | None,
    national_gap: float | None,
    expected: float | None,
    people: int,
    kind: str,
    q: float,
    other_side: bool,
) -> Words:
    """The finding's text: what the group reached, against whom it differs, what that means."""
    who = group_label(grouping, group, lang)
    parts = [_opening(lang, moment, who, area, _pct(rate, lang), year)]
    if rest_rate is not None and other_rate is not None:
        parts.append(t("finding.rest_and_elsewhere", lang, area=area, rest=_pct(rest_rate, lang), elsewhere=_pct(other_rate, lang)))
    elif rest_rate is not None:
        parts.append(t("finding.rest", lang, area=area, rest=_pct(rest_rate, lang)))
    elif other_rate is not None:
        parts.append(t("finding.elsewhere", lang, elsewhere=_pct(other_rate, lang)))
    if rest_rate is not None and national_gap is not None:
        diff = 100 * (rate - rest_rate)
        if national_gap * diff < 0 and abs(national_gap) >= 0.5:
            parts.append(t("finding.national_reversed." + ("above" if national_gap > 0 else "below"), lang, gap=_pp(national_gap, lang)))
        else:
            parts.append(
                t(
                    "finding.national_gap." + ("larger" if abs(diff) > abs(national_gap) else "smaller"),
                    lang,
                    gap=_pp(diff, lang),
                    national=_pp(national_gap, lang),
                )
            )
    if expected is not None:
        chars = _join([CHARACTERISTICS[c].label(lang).lower() for c in grouping.split(SEP)], lang)
        parts.append(t("finding.expected." + ("higher" if rate > expected else "lower"), lang, characteristics=chars, expected=_pct(expected, lang)))
    if other_side:
        name, code = grouping, group
        others = [CHARACTERISTICS[name].group_label(c, lang) for c in CHARACTERISTICS[name].known_codes if c != code]
        parts.append(t("finding.other_side", lang, group=others[0]))
    parts.append(_people(people, kind, lang))
    parts.append(_certainty(q, lang))
    return Words(who, " ".join(parts))


SIGNAL = {lang: t("finding.signal", lang) for lang in LANGUAGES}
EXPLAIN = {lang: t("finding.explain", lang) for lang in LANGUAGES}


def caveats_for(*, lang: Lang, grouping: str, group: str, denominator: int, unknown_share: dict[str, float]) -> list[str]:
    """What a careful researcher adds to a finding."""
    out = []
    if denominator < SMALL:
        out.append(t("finding.caveat.few_people", lang, people=denominator))
    for name, code in zip(grouping.split(SEP), group.split(SEP)):
        if unknown_share.get(name, 0) > 0.02:
            label = CHARACTERISTICS[name].label(lang)
            out.append(t("finding.caveat.unknown", lang, share=_pct(unknown_share[name], lang), characteristic=label.lower()))
        if name == "household_type" and code == "other":
            out.append(t("finding.caveat.household_other", lang))
    out += [SIGNAL[lang], EXPLAIN[lang]]
    return out


def trend_sentence(*, lang: Lang, direction: str, first_year: int | None, start_pp: float, end_pp: float, slope_pp: float) -> str:
    """What happened to a gap over the years, said only as strongly as its test allows:
    "kleiner"/"groter"/"omgedraaid" only for a clear trend (``direction`` from `trends_in`)."""
    if first_year is None or start_pp != start_pp:  # NaN: too few years
        return t("finding.trend.too_few", lang)
    if direction == "none":
        return t("finding.trend.none", lang, first=first_year)
    if direction == "reversed":
        signed = {"start": fmt_pp(start_pp, lang, digits=0), "end": fmt_pp(end_pp, lang, digits=0)}
        return t("finding.trend.reversed", lang, first=first_year, **signed)
    return t(
        f"finding.trend.{direction}",
        lang,
        first=first_year,
        start=fmt_number(abs(start_pp), lang, digits=0),
        end=fmt_number(abs(end_pp), lang, digits=0),
        per_year=_pp(slope_pp, lang),
    )


def registration_note(*, lang: Lang, grouping: str, years: tuple[int, ...]) -> str:
    """The flag of a registration change: the years in which a characteristic is unknown more often."""
    listed = _join([str(y) for y in years], lang)
    return t("finding.trend.registration", lang, years=listed, characteristic=CHARACTERISTICS[grouping].label(lang).lower())
