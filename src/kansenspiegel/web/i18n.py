"""Interface texts in Dutch (default) and English, and Dutch number formatting."""

from __future__ import annotations

import re
from collections.abc import Callable

from kansenspiegel.codes import DIFFERENCES, Label, Lang
from kansenspiegel.messages import t

T: dict[str, Callable[..., str]] = {
    "title": Label("ui.title"),
    "subtitle": Label("ui.subtitle"),
    "skip": Label("ui.skip"),
    "synthetic": Label("ui.synthetic"),
    "internal": Label("ui.internal"),
    "overview": Label("ui.overview"),
    "findings": Label("ui.findings"),
    "what_stands_out": Label("ui.what_stands_out"),
    "all_findings": Label("ui.all_findings"),
    "no_findings": Label("ui.no_findings"),
    "vs_rest": Label("ui.vs_rest"),
    "vs_national": Label("ui.vs_national"),
    "show_in_view": Label("ui.show_in_view"),
    "findings_shown": Label("ui.findings_shown"),
    "characteristics": Label("ui.characteristics"),
    "compare": Label("ui.compare"),
    "combinations": Label("ui.combinations"),
    "municipality": Label("ui.municipality"),
    "method": Label("ui.method"),
    "upload": Label("ui.upload"),
    "own": Label("ui.own"),
    "year": Label("ui.year"),
    "geography": Label("ui.geography"),
    "comparison": Label("ui.comparison"),
    "moment": Label("ui.moment"),
    "characteristic": Label("ui.characteristic"),
    "group": Label("ui.group"),
    "level": Label("ui.level"),
    "metric": Label("ui.metric"),
    "show": Label("ui.show"),
    "download_csv": Label("ui.download_csv"),
    "download_xlsx": Label("ui.download_xlsx"),
    "national": Label("ui.national"),
    "count": Label("ui.count"),
    "chance": Label("ui.chance"),
    "chance_help": Label("ui.chance_help"),
    "interval_help": Label("ui.interval_help"),
    "interval": Label("ui.interval"),
    "share_population": Label("ui.share_population"),
    "share_moment": Label("ui.share_moment"),
    "gap": DIFFERENCES["representation_gap_pp"].label,
    "rest": Label("ui.rest"),
    "significant": Label("ui.significant"),
    "not_significant": Label("ui.not_significant"),
    "suppressed": Label("ui.suppressed"),
    "table_alt": Label("ui.table_alt"),
    "funnel_title": Label("ui.funnel_title"),
    "map_title": Label("ui.map_title"),
    "ranking": Label("ui.ranking"),
    "how_to_read": Label("ui.how_to_read"),
    "population": Label("ui.population"),
    "everyone": Label("ui.everyone"),
    "rate_minus_national": lambda lang="nl": DIFFERENCES["difference_vs_comparison_pp"].label(lang, area=t("ui.the_country_in_a_sentence", lang)),
    "rate": Label("ui.rate"),
    "gap_metric": DIFFERENCES["rate_difference"].label,
    "amr": Label("ui.amr"),
    "municipalities": Label("ui.municipalities"),
    "open_region": Label("ui.open_region"),
    "unknown_values": Label("ui.unknown_values"),
    "data_quality": Label("ui.data_quality"),
    "suppressed_cells": Label("ui.suppressed_cells"),
    "legend_suppressed": Label("ui.legend_suppressed"),
    "within_amr": Label("ui.within_amr"),
    "language": Label("ui.language"),
    "lower": Label("ui.lower"),
    "higher": Label("ui.higher"),
}

READ_HELP: dict[str, Label] = {
    "findings": Label("help.findings"),
    "upload": Label("help.upload"),
    "own": Label("help.own"),
    "overview": Label("help.overview"),
    "characteristics": Label("help.characteristics"),
    "compare": Label("help.compare"),
    "combinations": Label("help.combinations"),
    "method": Label("help.method"),
    "municipality": Label("help.municipality"),
}


#: Dutch texts of the validator's messages and expectations (English in the engine and CLI).
#: Patterns are tried in order; ``{0}``, ``{1}`` are the groups of the match.
_PROBLEM_NL: tuple[tuple[str, str], ...] = (
    (r"missing column", "ontbrekende kolom"),
    (r"duplicates column '(.+)'", "dubbele kolom '{0}'"),
    (r"each column once", "elke kolom één keer"),
    (r"this column in the header", "deze kolom in de kopregel"),
    (r"impossible value", "onmogelijke waarde"),
    (r"impossible age", "onmogelijke leeftijd"),
    (r"age_band does not match age", "age_band past niet bij de leeftijd"),
    (r"employed 6 months without employed 1 month", "6 maanden werk zonder 1 maand werk"),
    (r"provision type without provision", "soort voorziening zonder voorziening"),
    (r"duplicate person-year", "dubbele persoon in hetzelfde jaar"),
    (r"duplicate row", "dubbele rij"),
    (r"mixed levels", "verschillende niveaus door elkaar"),
    (r"(\d+) more rows like these", "nog {0} rijen zoals deze"),
    (r"the file has no data rows", "het bestand heeft geen gegevensrijen"),
    (r"the file is empty", "het bestand is leeg"),
    (r"file not found", "bestand niet gevonden"),
    (r"unsupported file type", "bestandstype niet ondersteund"),
    (r"cannot read: (.+)", "kan het bestand niet lezen: {0}"),
    (r"the content is not a (\S+) file", "de inhoud is geen {0}-bestand"),
    (r"the content is binary, not a CSV text file", "de inhoud is binair, geen CSV-tekstbestand"),
    (r"(\w+) larger than (\w+)", "{0} groter dan {1}"),
    (r"one of (.+) \(or a Dutch/English label\)", "een van {0} (of een Nederlandse/Engelse omschrijving)"),
    (r"one of (.+)", "een van {0}"),
    (r"true/false \(also 1/0, ja/nee\), not empty", "waar/onwaar (ook 1/0, ja/nee), niet leeg"),
    (r"true/false \(also 1/0, ja/nee\)", "waar/onwaar (ook 1/0, ja/nee)"),
    (r"a whole number \((.+)\)", "een geheel getal ({0})"),
    (r"(.+) between (\S+) and (\S+)", "{0} tussen {1} en {2}"),
    (r"a date YYYY-MM-DD or DD-MM-YYYY", "een datum JJJJ-MM-DD of DD-MM-JJJJ"),
    (r"at least one data row", "minstens één gegevensrij"),
    (r"age_band, age or birth_date", "age_band, age of birth_date"),
    (r"a non-empty person key", "een ingevuld persoonsnummer"),
    (r"a 2020 CBS municipality code such as GM0363", "een CBS-gemeentecode van 2020, zoals GM0363"),
    (r"an age between (\d+) and (\d+) in the reference year", "een leeftijd tussen {0} en {1} in het peiljaar"),
    (r"the band of the given age", "de leeftijdsklasse van de opgegeven leeftijd"),
    (r"employed_6m only where employed_1m is true", "employed_6m alleen waar employed_1m waar is"),
    (r"a provision type only where provision is true", "een soort voorziening alleen waar provision waar is"),
    (r"one row per person per year", "één rij per persoon per jaar"),
    (r"NL, an AMR code \(AMxx\) or a municipality code \(GMxxxx\) of 2020", "NL, een AMR-code (AMxx) of een gemeentecode (GMxxxx) van 2020"),
    (r"the same geography level in every row \((.+)\)", "hetzelfde gebiedsniveau in elke rij ({0})"),
    (r"at most (\S+) \((\S+) ≤ its own total\)", "hoogstens {0} ({1} ≤ het eigen totaal)"),
    (r"one row per year, geography and group", "één rij per jaar, gebied en groep"),
    (r"an existing file", "een bestaand bestand"),
    (r"a \.csv, \.xlsx or \.parquet file whose content matches its name", "een .csv-, .xlsx- of .parquet-bestand waarvan de inhoud bij de naam past"),
    (r"a \.csv, \.xlsx or \.parquet file", "een .csv-, .xlsx- of .parquet-bestand"),
    (r"a readable file", "een leesbaar bestand"),
    (r"a header row and data rows", "een kopregel en gegevensrijen"),
)
_WORDS_NL = {"a year": "een jaar", "an age in years": "een leeftijd in jaren", "months": "maanden", "a count": "een aantal"}


def problem_text(text: str, lang: Lang) -> str:
    """A validator message or expectation in the page's language."""
    if lang != "nl" or not text:
        return text
    for pattern, dutch in _PROBLEM_NL:
        m = re.fullmatch(pattern, text)
        if m:
            return dutch.format(*(_WORDS_NL.get(g, g) for g in m.groups()))
    return _WORDS_NL.get(text, text)
