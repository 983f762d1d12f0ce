"""Is a gap closing? Per group of each characteristic, one area and one moment: the chance and
the gap with everyone else per year, each with its interval, and a test for a trend in the gap
over the years with the sentence it allows (`findings.trends_in`). Years in which a
characteristic's registration differs are flagged."""

from __future__ import annotations

import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, NATIONAL_CODE, group_label
from kansenspiegel.findings import registration_note, trend_sentence, trends_in
from kansenspiegel.views._params import Geo, Language, Moment
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register
from kansenspiegel.views.characteristics import ORDER


class TrendsParams(Params):
    geography: Geo = NATIONAL_CODE
    moment: Moment = "employed"
    lang: Language = "nl"


def area_trends(pub: Published, geography: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(yearly, tests)`` of one area over every year (computed once per door and area)."""
    pub.check(geography=geography)

    def make() -> tuple[pd.DataFrame, pd.DataFrame]:
        rows = pd.concat([pub.groups(y, geography) for y in pub.years], ignore_index=True)
        return trends_in(rows, pub.policy)

    return pub.memo(("trends", geography), make)  # type: ignore[no-any-return]


TEST_NAMES = {"p_value": "trend_p_value", "q_value": "trend_q_value", "significant": "trend_significant", "direction": "trend_direction"}


def everywhere(pub: Published) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(yearly, tests)`` of every area at once: one read per year and characteristic, one
    vectorised trend fit over all series (what a statistician publishes for the whole country)."""
    parts = [pub.across(year=y, grouping=g) for y in pub.years for g in (ALL, *CHARACTERISTIC_NAMES)]
    return trends_in(pd.concat(parts, ignore_index=True), pub.policy)


def compute(pub: Published, p: TrendsParams) -> pd.DataFrame:
    yearly, tests = area_trends(pub, p.geography)
    tests = tests[tests.moment == p.moment].rename(columns=TEST_NAMES)
    texts, notes = {}, {}
    for r in tests.itertuples():
        first = None if pd.isna(r.first_year) else int(r.first_year)
        texts[(r.grouping, r.group)] = trend_sentence(
            lang=p.lang, direction=r.trend_direction, first_year=first, start_pp=r.fitted_first_pp, end_pp=r.fitted_last_pp, slope_pp=r.slope_pp
        )
        if r.registration_years:
            notes[r.grouping] = registration_note(lang=p.lang, grouping=r.grouping, years=r.registration_years)
    rows = yearly[yearly.moment == p.moment].merge(tests, on=["geography", "grouping", "group", "moment"], how="left")
    rows["label"] = [group_label(g, k, p.lang) for g, k in zip(rows.grouping, rows.group)]
    rows["characteristic_label"] = [CHARACTERISTICS[g].label(p.lang) for g in rows.grouping]
    rows["order"] = [ORDER.get((g, k), 999) for g, k in zip(rows.grouping, rows.group)]
    rows["trend_text"] = [texts.get((g, k), "") for g, k in zip(rows.grouping, rows.group)]
    rows["registration_note"] = [notes.get(g, "") for g in rows.grouping]
    return rows.sort_values(["order", "year"])[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="trends",
        summary="Is a gap closing? Chance and gap per group and year, and a test for a trend in the gap",
        params=TrendsParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "moment:moment",
            "year:count",
            "denominator",
            "rate:rate",
            "rate_ci_low:rate",
            "rate_ci_high:rate",
            "rest_rate:rate",
            "gap_pp:pp",
            "gap_ci_low_pp:pp",
            "gap_ci_high_pp:pp",
            "unknown_share:rate",
            "registration_changed:flag",
            "slope_pp:pp",
            "slope_low_pp:pp",
            "slope_high_pp:pp",
            "trend_p_value:p",
            "trend_q_value:p",
            "trend_significant:flag",
            "trend_direction:code",
            "trend_text:text",
            "registration_note:text",
            "suppressed:flag",
            "order:count",
        ),
        compute=compute,
        page="characteristics",
    )
)
