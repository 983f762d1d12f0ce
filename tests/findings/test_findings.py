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
    assert rank is not None and rank < 20, [f"{f.kind} {f.group} {f.moment} {f.difference_pp:+.1f}" for f in found[:20]]


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
    found = findings(planted, year=2018, geography="AM30")
    big = [f for f in found if f.denominator >= 50]
    assert [f.score_pp for f in big] == sorted((f.score_pp for f in big), reverse=True)
    assert all(f.score_pp > 0 and f.q_value < 0.05 for f in found)


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
    assert len(data) == 5 and {"geography", "group", "moment", "rate", "rate_ci_low", "q_value", "score_pp", "text", "caveats"} <= set(data[0])
    assert data[0]["geography"] == "GM0268"
