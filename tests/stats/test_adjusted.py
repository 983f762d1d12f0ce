"""Raw and adjusted gaps side by side: the model on counts per covariate cell against a direct
statsmodels logistic regression on the person rows, the decomposition adding up, a planted
adjusted effect recovered within its interval, null data without false clear gaps, disclosure of
model output, and the view on data where the covariates explain part of a gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from kansenspiegel import Mirror
from kansenspiegel.disclosure import INTERNAL, PUBLIC
from kansenspiegel.stats import COVARIATE_CELLS, adjusted_gap, benjamini_hochberg
from kansenspiegel.views import Published
from tests.conftest import make_persons


def people(n: int, rng: np.random.Generator, effect: float, covariate_share: float = 0.6) -> pd.DataFrame:
    """Person rows: women have lower education and less recent work more often (so part of their
    gap goes with the covariates) and, beyond that, a log-odds ``effect`` of their own."""
    female = rng.random(n) < 0.5
    education = np.where(rng.random(n) < 0.3 + covariate_share * 0.4 * female, "low", np.where(rng.random(n) < 0.5, "medium", "high"))
    language = np.where(rng.random(n) < 0.2, "below_b1", "b1_or_above")
    months = rng.integers(0, 120, n)
    band = np.select([months < 12, months < 36, months < 60], ["0_11", "12_35", "36_59"], "60_plus")
    work = rng.random(n) < 0.5 - covariate_share * 0.3 * female
    eta = -0.6 + effect * female - 0.8 * (education == "low") + 0.3 * (education == "high") - 0.5 * (language == "below_b1") - 0.01 * months + 0.7 * work
    return pd.DataFrame(
        {
            "gender": np.where(female, "female", "male"),
            "education_level": education,
            "dutch_language_level": language,
            "months_band": band,
            "recent_work_experience": work.astype(str).astype(object),
            "months": months,
            "y": rng.random(n) < expit(eta),
            "eta_without": eta - effect * female,
        }
    )


def cells_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(["gender", *COVARIATE_CELLS], as_index=False).agg(base=("y", "size"), count=("y", "sum"))


def test_the_model_on_counts_is_statsmodels_logit_on_the_person_rows() -> None:
    frame = people(6000, np.random.default_rng(1), -0.5)
    cells = cells_of(frame)
    ours = adjusted_gap(cells, (cells.gender == "female").to_numpy(), "count", "base", over="everyone")
    # the same model on the person rows
    X = pd.get_dummies(frame[list(COVARIATE_CELLS)], drop_first=False).astype(float)
    keep = [
        c
        for c in X.columns
        if c not in {"education_level=medium", "education_level_medium", "dutch_language_level_b1_or_above", "months_band_0_11", "recent_work_experience_False"}
    ]
    X = sm.add_constant(pd.concat([(frame.gender == "female").astype(float).rename("female"), X[keep]], axis=1))
    fit = sm.Logit(frame.y.astype(float), X).fit(disp=0)
    margeff = fit.get_margeff(at="overall", method="dydx", dummy=True)
    i = list(X.columns[1:]).index("female")
    assert ours["adjusted"] == pytest.approx(margeff.margeff[i], rel=1e-6)
    assert ours["se"] == pytest.approx(margeff.margeff_se[i], rel=1e-4)
    # and the effect on the group's own people, from statsmodels' coefficients
    women = X[frame.gender == "female"]
    with_term, without = women.copy(), women.copy()
    without["female"] = 0.0
    expected = float((fit.predict(with_term) - fit.predict(without)).mean())
    on_group = adjusted_gap(cells, (cells.gender == "female").to_numpy(), "count", "base")
    assert on_group["adjusted"] == pytest.approx(expected, rel=1e-6)


def test_the_parts_add_up_to_the_raw_gap() -> None:
    frame = people(5000, np.random.default_rng(2), -0.4)
    cells = cells_of(frame)
    fit = adjusted_gap(cells, (cells.gender == "female").to_numpy(), "count", "base")
    raw = frame[frame.gender == "female"].y.mean() - frame[frame.gender == "male"].y.mean()
    assert fit["raw"] == pytest.approx(raw, abs=1e-12)
    assert fit["adjusted"] + fit["linked"] == pytest.approx(raw, abs=1e-12)
    # the linked part is what the group's covariates alone give (the model reproduces each group's chance)
    assert abs(fit["linked"]) > 0.01 and abs(fit["adjusted"]) < abs(raw)


def test_a_planted_adjusted_effect_is_recovered_within_its_interval_and_null_data_gives_no_false_clear_gaps() -> None:
    rng = np.random.default_rng(3)
    covered, found = [], []
    for _ in range(60):
        frame = people(3000, rng, -0.6)
        women = frame[frame.gender == "female"]
        truth = float((expit(women.eta_without - 0.6) - expit(women.eta_without)).mean())  # the true effect on women
        cells = cells_of(frame)
        fit = adjusted_gap(cells, (cells.gender == "female").to_numpy(), "count", "base")
        covered.append(fit["adjusted_low"] <= truth <= fit["adjusted_high"])
        found.append(fit["p"] < 0.05)
    assert np.mean(covered) >= 0.90 and np.mean(found) >= 0.9
    # no effect of their own (only the covariates differ): 100 areas of 4 tests, BH per area
    false_any = []
    for _ in range(100):
        ps = []
        for _ in range(4):
            frame = people(1500, rng, 0.0)
            cells = cells_of(frame)
            ps.append(adjusted_gap(cells, (cells.gender == "female").to_numpy(), "count", "base")["p"])
        false_any.append((benjamini_hochberg(np.array(ps)) < 0.05).any())
    assert np.mean(false_any) <= 0.08  # the FDR level 0.05, with the simulation's own error


def test_no_model_without_both_outcomes_or_people() -> None:
    cells = pd.DataFrame({"gender": ["female", "male"], "education_level": ["low", "low"], "base": [10, 10], "count": [0, 5]})
    for c in COVARIATE_CELLS[1:]:
        cells[c] = "unknown"
    fit = adjusted_gap(cells, np.array([True, False]), "count", "base")
    assert fit["raw"] == pytest.approx(-0.5) and np.isnan(fit["adjusted"])
    assert np.isnan(adjusted_gap(cells, np.array([False, False]), "count", "base")["raw"])


@pytest.fixture(scope="module")
def mirror() -> Mirror:
    frame = make_persons(6000, seed=21)
    rng = np.random.default_rng(21)
    female = (frame.gender == "female").to_numpy()
    frame["education_level"] = np.where(rng.random(len(frame)) < 0.3 + 0.3 * female, "low", "medium")
    frame["dutch_language_level"] = "b1_or_above"
    frame["months_on_benefit"] = rng.integers(0, 100, len(frame))
    frame["recent_work_experience"] = rng.random(len(frame)) < 0.5 - 0.2 * female
    eta = -0.7 - 0.9 * (frame.education_level == "low") + 0.8 * frame.recent_work_experience - 0.3 * female
    frame["employed_1m"] = rng.random(len(frame)) < expit(eta)
    frame["employed_6m"] = frame.employed_1m & (rng.random(len(frame)) < 0.6)
    return Mirror.from_microdata(frame)


def test_the_view_shows_raw_and_adjusted_side_by_side_published_in_whole_points(mirror: Mirror) -> None:
    public = Published(mirror).run("adjusted", year=2018, geography="NL", moment="employed")
    exact = Published(mirror, INTERNAL).run("adjusted", year=2018, geography="NL", moment="employed")
    women = public[public.group == "female"].iloc[0]
    women_exact = exact[exact.group == "female"].iloc[0]
    assert women.smaller_after_adjustment and abs(women_exact.adjusted_gap_pp) < abs(women_exact.model_raw_gap_pp)
    assert women.adjusted_gap_pp == round(women_exact.adjusted_gap_pp) and float(women.adjusted_gap_pp).is_integer()
    assert women_exact.adjusted_gap_pp + women_exact.linked_part_pp == pytest.approx(women_exact.model_raw_gap_pp)
    # published, the raw gap beside the model is the published one (rounded counts) in whole
    # points, never the model's exact one, and the shown parts add up
    shown = public[~public.hidden]
    assert (shown.model_raw_gap_pp == np.round(shown.raw_gap_pp) + 0.0).all()
    assert (shown.adjusted_gap_pp + shown.linked_part_pp == shown.model_raw_gap_pp).all()
    assert not (np.signbit(shown.model_raw_gap_pp) & (shown.model_raw_gap_pp == 0)).any()  # no "−0"
    # and where the published raw gap is hidden, the model says nothing either
    for geo in ("GM0088", "GM0599", "GM0362"):
        rows = Published(mirror).run("adjusted", year=2018, geography=geo, moment="employed")
        assert rows[rows.raw_gap_pp.isna()].hidden.all() and rows[rows.hidden].adjusted_gap_pp.isna().all()
    assert set(women.covariates) == set(COVARIATE_CELLS) - {"dutch_language_level"}  # the one covariate without variation is left out
    assert "−" in women.text and "gaat samen met die kenmerken" in women.text
    # a municipality of a few hundred people: its small groups get no model output
    small = Published(mirror, PUBLIC).run("adjusted", year=2018, geography="GM0088", moment="employed")
    assert small.hidden.any() and small[small.hidden].adjusted_gap_pp.isna().all()
    assert "te weinig mensen" in small[small.hidden].iloc[0].text


def test_a_table_of_counts_has_no_adjusted_gap() -> None:
    counts = Mirror.from_microdata(make_persons(800, seed=2))  # no covariates at all
    assert counts.covariate_counts(year=2018) is None
    assert Published(counts).run("adjusted", year=2018, geography="NL").empty


def test_every_area_at_once_gives_what_each_area_gives_on_its_own(mirror: Mirror) -> None:
    from kansenspiegel.views.adjusted import everywhere

    pub = Published(mirror)
    every = everywhere(pub, 2018)
    assert set(every.geography) == {"NL", "AM18", "AM22", "AM02", "GM0363", "GM0362", "GM0599", "GM0088"}
    for geo in ("NL", "AM18", "GM0088"):
        alone = pub.run("adjusted", year=2018, geography=geo)
        mine = every[every.geography == geo].drop(columns="geography").reset_index(drop=True)
        for column in ("model_raw_gap_pp", "linked_part_pp", "adjusted_gap_pp", "adjusted_low_pp", "adjusted_q_value", "raw_gap_pp"):
            assert np.allclose(mine[column].astype(float), alone[column].astype(float), equal_nan=True), (geo, column)
        assert (mine.hidden == alone.hidden).all()
