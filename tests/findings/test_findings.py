"""The findings engine: it finds what was planted (also effects only these tests know), it
does not report noise at its FDR level, suppressed cells never give a finding, and every
sentence carries the engine's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.codes import CHARACTERISTIC_NAMES, SEP
from kansenspiegel.demo import PLANTED_EFFECTS, Effect, generate
from kansenspiegel.findings import Finding, findings
from tests.conftest import make_persons

#: Effects planted only here: the software (and its demo) cannot know them.
SECRET = (
    Effect("AM12", "employed", {"household_type": "single_person"}, -0.9),
    Effect("GM0855", "provision", {"gender": "male", "age_band": "27_to_44"}, 0.9),
)
CONDITIONAL = {"employed": "employed_given_provision", "sustained": "sustained_given_employed"}


def rank_of(found: list[Finding], effect: Effect) -> int | None:
    grouping = SEP.join(c for c in CHARACTERISTIC_NAMES if c in effect.group)
    group = SEP.join(effect.group[c] for c in CHARACTERISTIC_NAMES if c in effect.group)
    moments = {effect.moment, CONDITIONAL.get(effect.moment, effect.moment)}
    for i, f in enumerate(found):
        if f.grouping == grouping and f.group == group and f.moment in moments and np.sign(f.difference_pp) == np.sign(effect.shift):
            return i
    return None


@pytest.fixture(scope="module")
def planted() -> Mirror:
    return Mirror.from_microdata(generate(years=[2018], seed=11, effects=PLANTED_EFFECTS + SECRET), dataset="planted", synthetic=True)


@pytest.mark.parametrize("effect", PLANTED_EFFECTS + SECRET, ids=lambda e: e.describe())
def test_a_planted_deviation_is_among_the_top_findings_of_its_area(planted: Mirror, effect: Effect) -> None:
    found = findings(planted, year=2018, geography=effect.geography)
    rank = rank_of(found, effect)
    assert rank is not None and rank < 3, [f"{f.kind} {f.group} {f.moment} {f.difference_pp:+.1f}" for f in found[:20]]


def test_noise_is_not_reported_at_the_fdr_level() -> None:
    """Data without any effect: every difference is chance. Benjamini–Hochberg at q < 0.05 per
    area allows about one false finding in 20 areas; we look at 20 (5 datasets × 4 areas)."""
    false = 0
    for seed in range(5):
        m = Mirror.from_microdata(make_persons(20_000, seed=seed, municipalities=("GM0268", "GM0209", "GM0363", "GM0599")))
        false += sum(len(findings(m, year=2018, geography=g)) for g in ("NL", "AM08", "GM0268", "GM0363"))
    assert false <= 2


def test_suppressed_cells_never_give_a_finding_and_numbers_match_the_engine(planted: Mirror) -> None:
    found = findings(planted, year=2018, geography="GM0268")
    assert found
    published = planted.published(year=2018, geography="GM0268").set_index(["grouping", "group", "moment"])
    for f in found:
        row = published.loc[(f.grouping, f.group, f.moment)]
        assert not row.suppressed and f.count >= 10 and f.denominator >= 10
        assert np.isclose(f.rate, row.rate) and f.count == row["count"] and f.denominator == row.denominator
        assert f"{100 * f.rate:.0f}%" in f.text  # the sentence says the published chance
        assert "geen bewijs van discriminatie" in " ".join(f.caveats)
    # and hidden cells of this area exist, so the rule was exercised
    assert published.suppressed.any()


def test_findings_are_ranked_by_their_documented_score(planted: Mirror) -> None:
    """score = certain gap (pp) x sqrt(people it amounts to); each group's strongest finding of
    a kind of outcome before any group's second one, and in each round the decision moments
    before the participation ladder and the provision types."""
    from kansenspiegel.codes import MOMENTS
    from kansenspiegel.findings import KIND_ORDER

    found = findings(planted, year=2018, geography="AM30")
    assert found and all(f.certain_pp >= 1.0 and f.q_value < 0.05 for f in found)
    for f in found:
        assert f.score == pytest.approx(f.certain_pp * np.sqrt(f.certain_pp / 100 * f.denominator))
    turn, seen = [], {}
    for f in found:
        key = (f.grouping, f.group, KIND_ORDER[MOMENTS[f.moment].family])
        turn.append((seen.get(key, 0), key[2]))
        seen[key] = turn[-1][0] + 1
    assert turn == sorted(turn)
    for t in set(turn):
        scores = [f.score for f, k in zip(found, turn) if k == t]
        assert scores == sorted(scores, reverse=True)
    assert {MOMENTS[f.moment].family for f in found} >= {"funnel", "provision_type"}


def test_one_finding_per_group_and_moment_and_mirrors_told_once(planted: Mirror) -> None:
    for geo in ("NL", "AM05", "GM0268", "GM0363"):
        found = findings(planted, year=2018, geography=geo)
        keys = [(f.grouping, f.group, f.moment) for f in found]
        assert len(keys) == len(set(keys)), geo
        for grouping in ("gender", "target_group_register"):
            for moment in {f.moment for f in found}:
                sides = [f for f in found if f.grouping == grouping and f.moment == moment and "vs_rest" in f.comparisons]
                assert len(sides) <= 1, (geo, grouping, moment)
    women = next(f for f in findings(planted, year=2018, geography="AM05") if f.group == "female" and f.moment == "employed")
    assert women.comparisons == ("vs_rest", "vs_national")  # both comparisons, in one sentence
    assert "Van de anderen in Twente" in women.text and "rest van Nederland" in women.text
    assert "Voor de groep 'Mannen' is het verschil dus andersom." in women.text


def test_a_combination_is_a_finding_only_beyond_its_single_characteristics() -> None:
    """Outcomes that depend on age and gender only additively (large main effects, no
    interaction): no combination is reported. The same data with one interaction planted: that
    combination is reported, and says it is more than age and gender lead one to expect."""
    rng = np.random.default_rng(5)
    base = make_persons(150_000, seed=5, municipalities=("GM0268", "GM0209", "GM0363", "GM0599"))
    # no unknown gender: its small cells would hide (by secondary suppression) cells this test reads
    base["gender"] = np.where(rng.random(len(base)) < 0.53, "female", "male")
    female, old, middle = (base.gender == "female").to_numpy(), (base.age_band == "45_to_aow").to_numpy(), (base.age_band == "27_to_44").to_numpy()
    for interaction, expect_combination in ((0.0, False), (-0.9, True)):
        persons = base.copy()
        logit = -0.6 - 0.8 * female - 1.2 * old + interaction * (female & middle)
        employed = rng.random(len(persons)) < 1 / (1 + np.exp(-logit))
        persons["employed_1m"] = employed
        persons["employed_6m"] = employed & (rng.random(len(persons)) < 0.7)
        found = findings(Mirror.from_microdata(persons), year=2018, geography="NL")
        singles = {(f.group, f.moment) for f in found if SEP not in f.grouping}
        assert ("45_to_aow", "employed") in singles and ("female", "employed") in singles
        combos = [f for f in found if f.grouping == "gender+age_band" and f.moment == "employed"]
        if expect_combination:
            hit = [f for f in combos if f.group == "female+27_to_44"]
            assert hit and hit[0].expected_rate is not None and hit[0].rate < hit[0].expected_rate
            assert "lager dan op grond van geslacht en leeftijd te verwachten is" in hit[0].text
        else:
            assert [f for f in found if SEP in f.grouping] == [], [(f.group, f.moment, f.text) for f in found if SEP in f.grouping]


def test_a_gap_affecting_thousands_ranks_above_one_affecting_ten(planted: Mirror) -> None:
    found = findings(planted, year=2018, geography="NL")
    top = found[:10]
    assert min(f.people for f in top) >= 100  # the national top 10: no gap of a handful of people
    assert sum(f.people >= 1000 for f in top) >= 8  # nearly all of them gaps of thousands
    assert {("45_to_aow", "employed"), ("female", "employed"), ("up_to_26", "employed")} <= {(f.group, f.moment) for f in top}


def test_words_match_the_source_report(planted: Mirror) -> None:
    found = findings(planted, year=2018, geography="AM05")
    employed = next(f for f in found if f.moment == "employed")
    assert "in 2018 en/of 2019" in employed.text and "bij dezelfde werkgever" in employed.text
    caveats = " ".join(employed.caveats)
    assert "gezondheid" not in caveats and "ziekte" not in caveats  # these must not matter: never an explanation
    assert "niet weg" in caveats and "geen bewijs van discriminatie" in caveats


def test_english_sentences(planted: Mirror) -> None:
    found = findings(planted, year=2018, geography="GM0268", lang="en", top=3)
    assert len(found) == 3 and all("of the group" in f.text and "proof of discrimination" in " ".join(f.caveats) for f in found)


def test_cli_findings_text_and_json(demo_2018_db: Path) -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["findings", "--db", str(demo_2018_db), "--year", "2018", "--geography", "GM0268", "--top", "3"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("1. ") and "Nijmegen" in text.output and "geen bewijs van discriminatie" in text.output
    out = runner.invoke(app, ["findings", "--db", str(demo_2018_db), "--year", "2018", "--geography", "gm0268", "--format", "json", "--top", "5"])
    data = json.loads(out.stdout)
    assert 3 <= len(data) <= 5 and {
        "geography",
        "group",
        "moment",
        "rate",
        "rate_ci_low",
        "q_value",
        "score",
        "certain_pp",
        "people",
        "comparisons",
        "text",
        "caveats",
    } <= set(data[0])
    assert data[0]["geography"] == "GM0268"
