"""The words of a finding: one sentence at B1 level (Dutch, or English) and its caveats.

The words follow the source report: the outcome window is the reference year and/or the next,
work is work for the same employer, a difference is a signal and not proof, and factors that are
not in the data may explain part of a gap but never explain it away."""

from __future__ import annotations

from dataclasses import dataclass

from kansenspiegel.codes import ALL, CHARACTERISTICS, SEP, Lang
from kansenspiegel.formatting import fmt_int, fmt_pct

SMALL = 50


@dataclass(frozen=True)
class Words:
    label: str
    text: str


def group_label(grouping: str, group: str, lang: Lang) -> str:
    if grouping == ALL:
        return "iedereen in de bijstand" if lang == "nl" else "everyone on benefit"
    return " · ".join(CHARACTERISTICS[n].group_label(c, lang) for n, c in zip(grouping.split(SEP), group.split(SEP)))


def _pct(v: float, lang: Lang) -> str:
    return fmt_pct(v, lang, digits=0)


def _pp(v: float, lang: Lang) -> str:
    s = f"{abs(v):.1f}"
    return (s.replace(".", ",") + " procentpunt") if lang == "nl" else (s + " percentage points")


def _opening(lang: Lang, moment: str, who: str, area: str, pct: str, year: int) -> str:
    y = f"{year} en/of {year + 1}" if lang == "nl" else f"{year} and/or {year + 1}"
    if lang == "nl":
        return {
            "provision": f"{pct} van de groep '{who}' in {area} kreeg in {y} een voorziening (hulp op weg naar werk).",
            "employed": f"{pct} van de groep '{who}' in {area} werkte in {y} minstens een maand bij dezelfde werkgever.",
            "sustained": f"{pct} van de groep '{who}' in {area} werkte in {y} minstens zes maanden bij dezelfde werkgever.",
            "employed_given_provision": f"Van de groep '{who}' in {area} die een voorziening kreeg, werkte {pct} in {y} minstens een maand bij dezelfde werkgever.",
            "sustained_given_employed": f"Van de groep '{who}' in {area} die minstens een maand werkte, werkte {pct} in {y} minstens zes maanden bij dezelfde werkgever.",
        }[moment]
    return {
        "provision": f"{pct} of the group '{who}' in {area} got a provision (support on the way to work) in {y}.",
        "employed": f"{pct} of the group '{who}' in {area} worked at least a month for the same employer in {y}.",
        "sustained": f"{pct} of the group '{who}' in {area} worked at least six months for the same employer in {y}.",
        "employed_given_provision": f"Of the group '{who}' in {area} who got a provision, {pct} worked at least a month for the same employer in {y}.",
        "sustained_given_employed": f"Of the group '{who}' in {area} who worked at least a month, {pct} worked at least six months for the same employer in {y}.",
    }[moment]


def _certainty(q: float, lang: Lang) -> str:
    i = 0 if lang == "nl" else 1
    if q < 0.001:
        return ("Dit is vrijwel zeker geen toeval.", "This is almost certainly not chance.")[i]
    if q < 0.01:
        return ("Dit is zeer waarschijnlijk geen toeval.", "This is very likely not chance.")[i]
    return ("Dit is waarschijnlijk geen toeval, maar zeker is het niet.", "This is probably not chance, but it is not certain.")[i]


def _people(people: int, kind: str, lang: Lang) -> str:
    """How many people the gap amounts to (the difference in chance times the group size)."""
    which = ({"vs_rest": "met de anderen", "vs_national": "met dezelfde groep elders"} if lang == "nl"
             else {"vs_rest": "from everyone else", "vs_national": "from the same group elsewhere"})[kind]
    if people < 10:
        return f"Het verschil {which} gaat om minder dan 10 mensen." if lang == "nl" else f"The gap {which} concerns fewer than 10 people."
    digits = max(0, len(str(people)) - 2)
    rounded = int(round(people, -digits))
    return (f"Het verschil {which} komt neer op ongeveer {fmt_int(rounded, lang)} mensen." if lang == "nl"
            else f"The gap {which} amounts to about {fmt_int(rounded, lang)} people.")


def _join(items: list[str], lang: Lang) -> str:
    word = " en " if lang == "nl" else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1]


def sentence(*, lang: Lang, area: str, year: int, grouping: str, group: str, moment: str, rate: float, rest_rate: float | None,
             other_rate: float | None, national_gap: float | None, expected: float | None, people: int, kind: str, q: float, other_side: bool) -> Words:
    """The finding's text: what the group reached, against whom it differs, what that means."""
    who = group_label(grouping, group, lang)
    parts = [_opening(lang, moment, who, area, _pct(rate, lang), year)]
    nl = lang == "nl"
    if rest_rate is not None and other_rate is not None:
        parts.append(f"Van de anderen in {area} was dat {_pct(rest_rate, lang)}, en van dezelfde groep in de rest van Nederland {_pct(other_rate, lang)}." if nl
                     else f"Of everyone else in {area} it was {_pct(rest_rate, lang)}, and of the same group in the rest of the country {_pct(other_rate, lang)}.")
    elif rest_rate is not None:
        parts.append(f"Van de anderen in {area} was dat {_pct(rest_rate, lang)}." if nl else f"Of everyone else in {area} it was {_pct(rest_rate, lang)}.")
    elif other_rate is not None:
        parts.append(f"Van dezelfde groep in de rest van Nederland was dat {_pct(other_rate, lang)}." if nl
                     else f"Of the same group in the rest of the country it was {_pct(other_rate, lang)}.")
    if rest_rate is not None and national_gap is not None:
        diff = 100 * (rate - rest_rate)
        if national_gap * diff < 0 and abs(national_gap) >= 0.5:
            above = national_gap > 0
            parts.append(f"In heel Nederland is het andersom: daar ligt deze groep {_pp(national_gap, lang)} {'boven' if above else 'onder'} de anderen." if nl
                         else f"In the whole country it is the other way round: there this group is {_pp(national_gap, lang)} {'above' if above else 'below'} everyone else.")
        else:
            bigger = abs(diff) > abs(national_gap)
            parts.append(f"Dat verschil ({_pp(diff, lang)}) is {'groter' if bigger else 'kleiner'} dan in heel Nederland ({_pp(national_gap, lang)})." if nl
                         else f"That gap ({_pp(diff, lang)}) is {'larger' if bigger else 'smaller'} than in the whole country ({_pp(national_gap, lang)}).")
    if expected is not None:
        chars = _join([CHARACTERISTICS[c].label(lang).lower() for c in grouping.split(SEP)], lang)
        higher = rate > expected
        parts.append(f"Dat is {'hoger' if higher else 'lager'} dan op grond van {chars} te verwachten is ({_pct(expected, lang)})." if nl
                     else f"That is {'higher' if higher else 'lower'} than {chars} alone would lead one to expect ({_pct(expected, lang)}).")
    if other_side:
        name, code = grouping, group
        others = [CHARACTERISTICS[name].group_label(c, lang) for c in CHARACTERISTICS[name].known_codes if c != code]
        parts.append(f"Voor de groep '{others[0]}' is het verschil dus andersom." if nl else f"For the group '{others[0]}' the gap is the other way round.")
    parts.append(_people(people, kind, lang))
    parts.append(_certainty(q, lang))
    return Words(who, " ".join(parts))


SIGNAL = {
    "nl": "Een verschil is een signaal om te bespreken, geen bewijs van discriminatie.",
    "en": "A difference is a signal to discuss, not proof of discrimination.",
}
EXPLAIN = {
    "nl": ("Opleiding, taalniveau, werkervaring en hoe lang iemand al een uitkering heeft, zitten niet in deze cijfers. "
           "Ze kunnen een deel van het verschil verklaren, maar maken het niet vanzelf terecht: ga na of ze echt iets zeggen over het werk. "
           "Hoe lang iemand in de uitkering zit, kan zelf een gevolg zijn van ongelijke kansen. Redeneer een verschil dus niet weg, maar bespreek het."),
    "en": ("Education, language level, work experience and time on benefit are not in these figures. "
           "They may explain part of the gap, but do not make it acceptable by themselves: check whether they really matter for the work. "
           "Time on benefit can itself be a result of unequal chances. So do not explain a gap away; discuss it."),
}


def caveats_for(*, lang: Lang, grouping: str, group: str, denominator: int, unknown_share: dict[str, float]) -> list[str]:
    """What a careful researcher adds to a finding."""
    nl = lang == "nl"
    out = []
    if denominator < SMALL:
        out.append(f"Het gaat om weinig mensen (ongeveer {denominator}); door toeval en afronding is de marge groot." if nl
                   else f"Few people (about {denominator}); chance and rounding make the margin wide.")
    for name, code in zip(grouping.split(SEP), group.split(SEP)):
        if unknown_share.get(name, 0) > 0.02:
            share = _pct(unknown_share[name], lang)
            out.append(f"Bij {share} van de mensen is '{CHARACTERISTICS[name].label(lang).lower()}' onbekend in de registratie." if nl
                       else f"'{CHARACTERISTICS[name].label(lang)}' is unknown for {share} of people in the registration.")
        if name == "household_type" and code == "other":
            out.append("In 'overig' zitten ook mensen van wie het huishoudtype onbekend is." if nl
                       else "'Other' also holds people whose household type is unknown.")
    out += [SIGNAL[lang], EXPLAIN[lang]]
    return out
