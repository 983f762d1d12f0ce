"""Is a gap closing? The trend test against statsmodels, its honesty for rounded counts, a
simulation with a planted trend and with none, and the trends view on multi-year microdata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import ndtr

from kansenspiegel import Mirror
from kansenspiegel.codes import PROVISION_TYPE_CODES
from kansenspiegel.disclosure import INTERNAL, PUBLIC
from kansenspiegel.stats import benjamini_hochberg, gap_trend, largest_variance, rate_range
from kansenspiegel.views import Published

YEARS = np.arange(2015, 2022)


def _boxes(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, policy=PUBLIC):  # type: ignore[no-untyped-def]
    """Each year's gap range and largest variance from the counts as ``policy`` publishes them."""
    b = [policy.bounds(policy.round(v)) for v in (x1, n1, x2, n2)]
    a_lo, a_hi = rate_range(*b[0], *b[1])
    r_lo, r_hi = rate_range(*b[2], *b[3])
    variance = largest_variance(a_lo, a_hi, b[1][0]) + largest_variance(r_lo, r_hi, b[3][0])
    return a_lo - r_hi, a_hi - r_lo, variance


def _simulate(rng: np.random.Generator, series: int, slope: float, n: int = 800, rest: int = 3000) -> tuple[np.ndarray, ...]:
    """Counts of a group and everyone else per year: the group's chance is the rest's plus a gap
    that changes by ``slope`` a year."""
    rest_p = 0.35 + 0.01 * rng.standard_normal((series, 1)) + 0.005 * (YEARS - 2018)
    gap = -0.10 + slope * (YEARS - YEARS[0])
    n1 = rng.integers(n // 2, n, (series, len(YEARS)))
    n2 = rng.integers(rest // 2, rest, (series, len(YEARS)))
    return rng.binomial(n1, rest_p + gap), n1, rng.binomial(n2, rest_p), n2


def test_with_exact_counts_the_trend_is_statsmodels_weighted_least_squares() -> None:
    rng = np.random.default_rng(4)
    x1, n1, x2, n2 = _simulate(rng, 5, 0.01)
    lo, hi, var = _boxes(x1, n1, x2, n2, INTERNAL)
    fit = gap_trend(YEARS, lo, hi, var)
    for s in range(5):
        gap = x1[s] / n1[s] - x2[s] / n2[s]
        p1, p2 = x1[s] / n1[s], x2[s] / n2[s]
        v = p1 * (1 - p1) / n1[s] + p2 * (1 - p2) / n2[s]
        ref = sm.WLS(gap, sm.add_constant(YEARS.astype(float)), weights=1 / v).fit(cov_type="fixed scale")
        assert fit["slope"][s] == pytest.approx(ref.params[1], rel=1e-9)
        assert fit["se"][s] == pytest.approx(ref.bse[1], rel=1e-9)
        assert fit["p_value"][s] == pytest.approx(ref.pvalues[1], rel=1e-6)
        assert fit["slope_low"][s] == pytest.approx(ref.conf_int()[1][0], rel=1e-6)
        assert fit["fitted_first"][s] == pytest.approx(ref.params[0] + ref.params[1] * 2015, rel=1e-9)


def test_with_rounded_counts_the_test_never_says_more_than_the_exact_data() -> None:
    """For every exact count behind the published ones the exact test (same weights) has a smaller
    p-value and a slope inside the published interval: a clear trend is one of the exact data too."""
    rng = np.random.default_rng(5)
    x1, n1, x2, n2 = _simulate(rng, 400, 0.012, n=120, rest=400)
    lo, hi, var = _boxes(x1, n1, x2, n2)
    fit = gap_trend(YEARS, lo, hi, var)
    # the exact data, with the published weights
    w = 1 / var
    dev = YEARS - (w * YEARS).sum(1, keepdims=True) / w.sum(1, keepdims=True)
    c = w * dev / (w * dev**2).sum(1, keepdims=True)
    p1, p2 = x1 / n1, x2 / n2
    exact_slope = (c * (p1 - p2)).sum(1)
    exact_se = np.sqrt((c**2 * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)).sum(1))
    exact_p = 2 * ndtr(-np.abs(exact_slope) / exact_se)
    assert (fit["p_value"] >= exact_p - 1e-12).all()
    assert ((fit["slope_low"] <= exact_slope - 1.96 * exact_se + 1e-12) & (exact_slope + 1.96 * exact_se <= fit["slope_high"] + 1e-12)).all()
    assert (fit["slope_low"] < fit["slope"]).all() and (fit["slope"] < fit["slope_high"]).all()


def test_a_planted_trend_is_recovered_within_its_interval_and_null_data_gives_no_more_false_trends_than_the_fdr_level() -> None:
    rng = np.random.default_rng(6)
    planted = 0.015  # the gap closes by 1.5 percentage points a year
    x1, n1, x2, n2 = _simulate(rng, 300, planted)
    fit = gap_trend(YEARS, *_boxes(x1, n1, x2, n2))
    covered = (fit["slope_low"] <= planted) & (planted <= fit["slope_high"])
    assert covered.mean() >= 0.90
    assert (benjamini_hochberg(fit["p_value"]) < 0.05).mean() >= 0.5  # and mostly found
    # 200 areas of 20 groups without any trend: the share of areas with any false trend
    false_any = []
    for _ in range(200):
        fit0 = gap_trend(YEARS, *_boxes(*_simulate(rng, 20, 0.0)))
        false_any.append((benjamini_hochberg(fit0["p_value"]) < 0.05).any())
    assert np.mean(false_any) <= 0.05


def test_too_few_years_give_no_trend() -> None:
    lo = np.array([[0.1, 0.12, np.nan, np.nan]])
    fit = gap_trend(np.arange(4), lo, lo, np.full_like(lo, 1e-4))
    assert np.isnan(fit["slope"][0]) and np.isnan(fit["p_value"][0]) and fit["years"][0] == 2


def make_years(seed: int = 8, per_year: int = 5000) -> pd.DataFrame:
    """Microdata 2015–2021 where in Amsterdam (GM0363) women's chance of work starts 15 points
    below men's and the gap closes, while elsewhere it stays; and the migration background is
    unknown for 2 % in 2015 only (a registration change)."""
    rng = np.random.default_rng(seed)
    frames = []
    for year in YEARS:
        n = per_year
        gm = rng.choice(["GM0363", "GM0362", "GM0599", "GM0088"], n, p=[0.4, 0.2, 0.2, 0.2])
        female = rng.random(n) < 0.5
        gap = np.where(gm == "GM0363", -0.15 + 0.02 * (year - 2015), 0.0)
        employed = rng.random(n) < 0.35 + np.where(female, gap / 2, -gap / 2)
        migration = rng.choice(["non_western", "western", "dutch"], n)
        if year == 2015:
            migration = np.where(rng.random(n) < 0.02, "unknown", migration)
        frame = pd.DataFrame(
            {
                "person_key": [f"y{year}-{i}" for i in range(n)],
                "year": year,
                "municipality": gm,
                "gender": np.where(female, "female", "male"),
                "age_band": rng.choice(["up_to_26", "27_to_44", "45_to_aow"], n),
                "migration_background": migration,
                "household_type": rng.choice(["single_parent", "single_person", "couple", "other"], n),
                "target_group_register": rng.choice(["yes", "no"], n, p=[0.1, 0.9]),
                "provision": rng.random(n) < 0.4,
                "employed_1m": employed,
                "employed_6m": employed & (rng.random(n) < 0.6),
            }
        )
        for code in PROVISION_TYPE_CODES:
            frame[f"provision_{code}"] = frame.provision & (rng.random(n) < 0.2)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def board() -> Published:
    return Published(Mirror.from_microdata(make_years()))


def test_the_trends_view_finds_the_closing_gap_and_says_so_only_there(board: Published) -> None:
    view = board.run("trends", geography="GM0363", moment="employed")
    women = view[view.group == "female"]
    assert list(women.year) == list(YEARS)
    first = women.iloc[0]
    assert first.trend_significant and first.trend_direction == "smaller"
    assert first.slope_low_pp <= 2.0 <= first.slope_high_pp  # the planted 2 points a year (women against men)
    assert "sinds 2015 kleiner geworden" in first.trend_text
    # each year's gap is the published chance minus everyone else's, inside its interval
    assert np.allclose(women.gap_pp, 100 * (women.rate - women.rest_rate))
    assert (women.gap_ci_low_pp <= women.gap_pp).all() and (women.gap_pp <= women.gap_ci_high_pp).all()
    # elsewhere the gap stays: no sentence of change
    other = board.run("trends", geography="GM0599", moment="employed")
    assert not other[other.group == "female"].trend_significant.any()
    assert "niet duidelijk kleiner of groter" in other[other.group == "female"].iloc[0].trend_text
    # the year with unknowns is flagged, for that characteristic only
    flagged = view[view.registration_changed.astype(bool)]
    assert set(flagged.year) == {2015} and set(flagged.grouping) == {"migration_background"}
    assert "2015" in view[view.grouping == "migration_background"].iloc[0].registration_note


def test_findings_carry_the_trend_and_the_report_lists_it(board: Published) -> None:
    from kansenspiegel.views import ranked, report_data

    every = [f for geo in ("GM0363", "GM0599", "NL") for f in ranked(board, 2015, geo)]
    found = [f for f in every if f.grouping == "gender" and f.moment == "employed"]
    assert found and "kleiner geworden" in found[0].trend
    # a finding whose gap did not clearly change says nothing about it (no "niet duidelijk" noise)
    assert all(f.trend == "" or "geworden" in f.trend or "omgedraaid" in f.trend for f in every)
    assert any(f.trend == "" for f in every)
    trends = report_data(board, geography="GM0363", year=2015).trends
    assert any(r["group"] == "female" and r["moment"] == "employed" and r["direction"] == "smaller" for r in trends)
    assert all(r["group"] != "male" for r in trends)  # the same gap is told once


def test_every_area_at_once_gives_what_each_area_gives_on_its_own(board: Published) -> None:
    from kansenspiegel.views.trends import area_trends, everywhere

    _, tests = everywhere(board)
    assert tests.geography.nunique() == 8  # 4 municipalities, 3 AMRs, the country
    for geo in ("GM0363", "AM18", "NL"):
        alone = area_trends(board, geo)[1].reset_index(drop=True)
        mine = tests[tests.geography == geo].reset_index(drop=True)
        for column in ("slope_pp", "slope_low_pp", "p_value", "q_value"):
            assert np.allclose(mine[column].astype(float), alone[column].astype(float), equal_nan=True), (geo, column)
        assert list(mine.direction) == list(alone.direction) and list(mine.registration_years) == list(alone.registration_years)
