"""Interface texts in Dutch (default) and English, and Dutch number formatting."""

from __future__ import annotations

import re

from fastapi import HTTPException

from kansenspiegel.codes import DIFFERENCES, Label, Lang

T: dict[str, Label] = {
    "title": Label("Kansenspiegel", "Equal-opportunities mirror"),
    "subtitle": Label(
        "Krijgen groepen bijstandsgerechtigden gelijke kansen op weg naar werk?",
        "Do groups of people on social assistance get equal chances on their way to work?",
    ),
    "skip": Label("Naar de inhoud", "Skip to content"),
    "synthetic": Label(
        "Let op: dit zijn SYNTHETISCHE demonstratiegegevens. Er staat geen echt persoon in; de landelijke cijfers van 2018 zijn afgestemd op Tabel 2.1 van het onderzoeksrapport, al het andere is verzonnen.",
        "Note: these are SYNTHETIC demo data. No real person is in them; the national 2018 figures match Table 2.1 of the research report, everything else is made up.",
    ),
    "internal": Label(
        "Interne modus: exacte aantallen, niets onderdrukt. Niet publiceren. Downloads volgen de publieke regels, tenzij u uitdrukkelijk een interne export kiest.",
        "Internal mode: exact counts, nothing suppressed. Do not publish. Downloads follow the public rules unless you explicitly choose an internal export.",
    ),
    "overview": Label("Overzicht", "Overview"),
    "findings": Label("Bevindingen", "Findings"),
    "what_stands_out": Label("Wat valt op", "What stands out"),
    "all_findings": Label("Alle bevindingen van dit gebied", "All findings of this area"),
    "no_findings": Label("Geen duidelijke afwijkingen gevonden: geen groep wijkt hier duidelijk (meer dan 1 procentpunt, na correctie voor de vele vergelijkingen) af.",
                         "No clear deviations found: no group here differs clearly (by more than 1 percentage point, after correcting for the many comparisons)."),
    "vs_rest": Label("Tegen de anderen in het gebied", "Against everyone else in the area"),
    "vs_national": Label("Tegen dezelfde groep elders in Nederland", "Against the same group elsewhere in the country"),
    "show_in_view": Label("Bekijk in de tabel", "See it in the table"),
    "findings_shown": Label("bevindingen getoond van", "findings shown of"),
    "characteristics": Label("Kenmerken", "Characteristics"),
    "compare": Label("Vergelijken", "Compare"),
    "combinations": Label("Combinaties", "Combinations"),
    "municipality": Label("Gemeente", "Municipality"),
    "method": Label("Methode & data", "Method & data"),
    "upload": Label("Eigen bestand", "Own file"),
    "own": Label("Eigen gegevens", "Own data"),
    "year": Label("Jaar", "Year"),
    "geography": Label("Gebied", "Area"),
    "comparison": Label("Vergelijken met", "Compare with"),
    "moment": Label("Beslismoment", "Decision moment"),
    "characteristic": Label("Kenmerk", "Characteristic"),
    "group": Label("Groep", "Group"),
    "level": Label("Niveau", "Level"),
    "metric": Label("Maat", "Measure"),
    "show": Label("Toon", "Show"),
    "download_csv": Label("Download CSV", "Download CSV"),
    "download_xlsx": Label("Download Excel", "Download Excel"),
    "national": Label("Nederland", "The Netherlands"),
    "count": Label("Aantal", "Number"),
    "chance": Label("Kans", "Chance"),
    "chance_help": Label("Kans: het deel van deze groep dat het moment bereikte", "Chance: the part of this group that reached the moment"),
    "interval_help": Label("95%-interval: de marge waarbinnen de echte kans vrijwel zeker ligt; bij kleine groepen is die breed",
                           "95% interval: the margin in which the true chance almost certainly lies; wide for small groups"),
    "interval": Label("95%-betrouwbaarheidsinterval", "95% confidence interval"),
    "share_population": Label("Aandeel in bijstand", "Share on benefit"),
    "share_moment": Label("Aandeel bij moment", "Share at moment"),
    "gap": DIFFERENCES["representation_gap_pp"].label,
    "rest": Label("Kans van de anderen", "Chance of everyone else"),
    "significant": Label("duidelijk verschil (q < 0,05)", "clear difference (q < 0.05)"),
    "not_significant": Label("verschil kan toeval zijn", "difference may be chance"),
    "suppressed": Label("te weinig mensen om te tonen", "too few people to show"),
    "table_alt": Label("Tabel bij de grafiek", "Table for the chart"),
    "funnel_title": Label("Van bijstand naar werk", "From social assistance to work"),
    "map_title": Label("Kaart", "Map"),
    "ranking": Label("Rangorde", "Ranking"),
    "how_to_read": Label("Zo leest u dit", "How to read this"),
    "population": Label("Bijstandspopulatie", "People on social assistance"),
    "everyone": Label("Iedereen", "Everyone"),
    "rate_minus_national": Label(DIFFERENCES["difference_vs_comparison_pp"].label.nl.format(area="Nederland"), DIFFERENCES["difference_vs_comparison_pp"].label.en.format(area="the Netherlands")),
    "rate": Label("Kans (%)", "Chance (%)"),
    "gap_metric": DIFFERENCES["rate_difference"].label,
    "amr": Label("Arbeidsmarktregio's", "Labour-market regions"),
    "municipalities": Label("Gemeenten", "Municipalities"),
    "open_region": Label("Klik op een gebied om het te openen.", "Click an area to open it."),
    "unknown_values": Label("Onbekende waarden", "Unknown values"),
    "data_quality": Label("Datakwaliteit", "Data quality"),
    "suppressed_cells": Label("Onderdrukte cellen", "Suppressed cells"),
    "legend_suppressed": Label(". = te weinig mensen om te tonen (minder dan 10)", ". = too few people to show (fewer than 10)"),
    "within_amr": Label("in arbeidsmarktregio", "in labour-market region"),
    "language": Label("English", "Nederlands"),
    "lower": Label("lager dan", "lower than"),
    "higher": Label("hoger dan", "higher than"),
}

READ_HELP: dict[str, Label] = {
    "findings": Label(
        "Hier staan de groepen die in dit gebied duidelijk afwijken, het belangrijkste eerst: een groep tegen de anderen in het gebied, en tegen dezelfde groep in de rest van Nederland. Belangrijk betekent: een verschil waar we zeker van zijn, dat veel mensen raakt. Bij een gemeente of regio telt alleen wat groter is dan het landelijke patroon. Een combinatie van kenmerken staat er alleen als die meer afwijkt dan de losse kenmerken doen verwachten. Een verschil is een signaal om te bespreken, geen bewijs van discriminatie.",
        "The groups that clearly differ in this area, most important first: a group against everyone else in the area, and against the same group in the rest of the country. Important means: a gap we are sure of that concerns many people. For a municipality or region only what goes beyond the national pattern counts. A combination of characteristics is listed only when it differs more than its single characteristics lead one to expect. A difference is a signal to discuss, not proof of discrimination.",
    ),
    "upload": Label(
        "Controleer uw eigen klantbestand (CSV, Excel of Parquet) tegen het datacontract. Met 'Controleer' wordt het bestand alleen gecontroleerd en niet bewaard; u krijgt per probleem de rij, de kolom, de waarde en wat er verwacht werd. Met 'Controleer en laad' wordt een goed bestand daarna ingelezen in de eigen database van deze computer (niet in de landelijke cijfers); persoonsnummers worden daarbij onherkenbaar gemaakt. U kunt het later weer verwijderen.",
        "Check your own client file (CSV, Excel or Parquet) against the data contract. 'Check' only checks the file and stores nothing; for every problem you get the row, the column, the value and what was expected. 'Check and load' then loads a valid file into this computer's own database (not into the national figures); person numbers are made unrecognisable. You can delete it later.",
    ),
    "own": Label(
        "Uw eigen klantbestand naast de cijfers van uw arbeidsmarktregio en heel Nederland (de referentiecijfers van dit dashboard). Ook uw eigen cijfers worden afgerond en kleine groepen worden niet getoond. Een pijl betekent: uw kans wijkt duidelijk af van de landelijke kans voor dezelfde groep, meer dan toeval. Een verschil is een signaal om te bespreken, geen bewijs van discriminatie.",
        "Your own client file beside the figures of your labour-market region and the whole country (this dashboard's reference figures). Your own figures are rounded too, and small groups are not shown. An arrow means: your chance clearly differs from the national chance of the same group, more than chance. A difference is a signal to discuss, not proof of discrimination.",
    ),
    "overview": Label(
        "De balken tonen hoeveel mensen in de bijstand elk beslismoment bereikten: een voorziening, minstens een maand werk, en minstens zes maanden werk. Het percentage is de kans: het deel van alle bijstandsgerechtigden in dit gebied dat het moment bereikte. Ernaast staat de landelijke kans.",
        "The bars show how many people on social assistance reached each decision moment: a provision, at least a month of work, at least six months of work. The percentage is the chance: the share of everyone on benefit in this area who reached the moment. The national chance is shown beside it.",
    ),
    "characteristics": Label(
        "Per groep ziet u de kans om het moment te bereiken, met een betrouwbaarheidsinterval (de marge waarbinnen de echte kans vrijwel zeker ligt). Een gekleurde kans betekent: deze groep wijkt duidelijk af van de anderen in dit gebied, meer dan toeval (na correctie voor de vele vergelijkingen). Een gekleurd verschil in de laatste kolom betekent: de kans wijkt duidelijk af van dezelfde groep in de rest van Nederland. Blauw is hoger, oranje lager. Een verschil is een signaal om te bespreken, geen bewijs van discriminatie.",
        "For each group you see the chance of reaching the moment, with a confidence interval (the margin in which the true chance almost certainly lies). A coloured chance means: this group clearly differs from everyone else in this area, more than chance (after correcting for the many comparisons). A coloured difference in the last column means: the chance clearly differs from the same group in the rest of the country. Blue is higher, orange lower. A difference is a signal to discuss, not proof of discrimination.",
    ),
    "compare": Label(
        "De kaart kleurt elk gebied naar de gekozen maat voor één groep en één moment. Grijze gebieden hebben te weinig mensen in die groep. De tabel eronder kunt u sorteren; klik op een gebied om het te openen.",
        "The map colours each area by the chosen measure for one group and one moment. Grey areas have too few people in that group. The table below can be sorted; click an area to open it.",
    ),
    "combinations": Label(
        "Hier ziet u de kans voor combinaties van kenmerken, zoals oudere alleenstaande vrouwen. Kleine groepen worden niet getoond (punt), want dan zou een persoon herkenbaar kunnen zijn en is de kans erg onzeker.",
        "Here you see the chance for combinations of characteristics, such as older single women. Small groups are not shown (a dot): a person could be recognisable and the chance would be very uncertain.",
    ),
    "method": Label(
        "Hier staat wat elk begrip betekent, hoe de cijfers gemaakt zijn, hoe goed de registratie is en waarom sommige cijfers niet getoond worden (privacy).",
        "What each term means, how the figures are made, how good the registration is and why some figures are not shown (privacy).",
    ),
    "municipality": Label(
        "De gemeente naast haar arbeidsmarktregio en heel Nederland. Gemeentecijfers zijn vaak klein: kijk naar het interval voordat u conclusies trekt.",
        "The municipality beside its labour-market region and the whole country. Municipal figures are often small: look at the interval before drawing conclusions.",
    ),
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


class UserError(HTTPException):
    """An HTTP error a user meets on a page: English ``detail`` (the API), Dutch ``nl`` (the
    pages show it unless ?lang=en)."""

    def __init__(self, status: int, detail: str, nl: str) -> None:
        super().__init__(status, detail)
        self.nl = nl
