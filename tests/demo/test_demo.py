"""The synthetic demo data: Table 2.1 reproduced, realistic structure, something to find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.demo import PLANTED_EFFECTS, exact_targets, generate, seed_table
from kansenspiegel.geography import municipalities
from kansenspiegel.store import Store
from tests.conftest import REPO

SHARED_SEED = REPO.parent / "shared" / "mission" / "tabel_2_1.csv"


@pytest.fixture(scope="module")
def persons_2018(demo_2018_db: Path) -> pd.DataFrame:
    with Store(demo_2018_db, read_only=True) as store:
        persons = store.table("persons")
        return persons.filter(persons.year == 2018).to_pandas()


def test_table_command_reproduces_the_seed_table(demo_2018_db: Path) -> None:
    result = CliRunner().invoke(app, ["table", "--year", "2018", "--geography", "NL", "--db", str(demo_2018_db)])
    assert result.exit_code == 0, result.output
    csv = result.stdout
    seed_csv = seed_table().to_csv(index=False, lineterminator="\n")
    assert csv == seed_csv
    if SHARED_SEED.exists():  # the bundled copy is the mission's table, byte for byte
        assert csv == SHARED_SEED.read_text(encoding="utf-8")


def test_exact_targets_round_to_the_seed_and_agree_on_totals() -> None:
    targets = exact_targets()
    table = seed_table()
    for moment, per_char in targets.items():
        totals = {sum(groups.values()) for groups in per_char.values()}
        assert len(totals) == 1, moment  # the same people, whichever characteristic
        for name, groups in per_char.items():
            published = table[(table.characteristic == name) & ~table.group.str.startswith("Totaal")][moment].to_numpy()
            assert list((np.array(list(groups.values())) + 5) // 10 * 10) == list(published)


def test_every_municipality_with_big_cities_and_a_heavy_tail(persons_2018: pd.DataFrame) -> None:
    sizes = persons_2018.municipality.value_counts()
    assert set(sizes.index) == set(municipalities().gm_code)
    assert sizes.index[:2].tolist() == ["GM0363", "GM0599"] or set(sizes.index[:2]) == {"GM0363", "GM0599"}
    assert sizes.max() > 50 * sizes.median()
    assert sizes.min() < 100


def test_characteristics_are_correlated_as_in_reality(persons_2018: pd.DataFrame) -> None:
    p = persons_2018
    single_parents = p[p.household_type == "single_parent"]
    assert (single_parents.gender == "female").mean() > 0.8
    big = p.municipality.isin(["GM0363", "GM0599", "GM0518"])
    assert (p[big].migration_background == "non_western").mean() > (p[~big].migration_background == "non_western").mean() + 0.15


def test_covariates_explain_part_but_not_all_of_the_gaps(persons_2018: pd.DataFrame) -> None:
    """Logistic regression of employment: adding the labour-market covariates to the personal
    characteristics shrinks the gender and age gaps, but they do not vanish."""
    p = persons_2018.sample(100_000, random_state=1)
    y = p.employed_1m.astype(float)
    characteristics = pd.DataFrame(
        {
            "female": (p.gender == "female").astype(float),
            "old": (p.age_band == "45_to_aow").astype(float),
            "young": (p.age_band == "up_to_26").astype(float),
        }
    )
    covariates = characteristics.assign(
        low_edu=(p.education_level == "low").astype(float),
        below_b1=(p.dutch_language_level == "below_b1").astype(float),
        months=p.months_on_benefit.astype(float),
        recent_work=p.recent_work_experience.astype(float),
    )
    raw = sm.Logit(y, sm.add_constant(characteristics)).fit(disp=0)
    adjusted = sm.Logit(y, sm.add_constant(covariates)).fit(disp=0)
    for gap in ("female", "old"):
        assert raw.params[gap] < adjusted.params[gap] < 0, gap  # smaller, still there
        assert adjusted.conf_int().loc[gap, 1] < 0, gap


@pytest.mark.parametrize("effect", PLANTED_EFFECTS, ids=lambda e: e.describe())
def test_planted_deviations_are_clear_in_the_mirror(demo_2018_db: Path, effect) -> None:
    m = Mirror.open(demo_2018_db)
    rows = m.by_group(year=2018, geography=effect.geography, characteristics=list(effect.group), moment=effect.moment)
    key = "+".join(effect.group[c] for c in rows.grouping.iloc[0].split("+"))
    row = rows[rows.group == key].iloc[0]
    assert np.sign(row.rate - row.national_rate) == np.sign(effect.shift)
    assert row.q_value_vs_national < 0.01


def test_demo_is_marked_synthetic(demo_2018_db: Path) -> None:
    assert Mirror.open(demo_2018_db).synthetic
    result = CliRunner().invoke(app, ["table", "--year", "2018", "--db", str(demo_2018_db)])
    assert "SYNTHETISCH" in result.stderr  # the CLI speaks Dutch by default
    result = CliRunner().invoke(app, ["table", "--year", "2018", "--db", str(demo_2018_db), "--lang", "en"])
    assert "SYNTHETIC" in result.stderr


def test_other_years_follow_trends() -> None:
    frame = generate(years=[2016, 2018, 2020])
    by_year = frame.groupby("year").agg(
        n=("person_key", "size"), employed=("employed_1m", "mean"), nonwestern=("migration_background", lambda s: (s == "non_western").mean())
    )
    assert by_year.loc[2016, "n"] < by_year.loc[2018, "n"]
    assert by_year.loc[2020, "employed"] < by_year.loc[2018, "employed"]  # the COVID year
    assert by_year.loc[2016, "employed"] < by_year.loc[2018, "employed"]  # a recovering economy
    assert by_year.loc[2016, "nonwestern"] < by_year.loc[2018, "nonwestern"] < by_year.loc[2020, "nonwestern"]
    assert (frame[frame.year == 2016].migration_background == "unknown").sum() > 0  # registration gaps
    assert not (frame[frame.year == 2018][["gender", "age_band", "migration_background"]] == "unknown").any().any()
    assert (frame.employed_6m <= frame.employed_1m).all()


def test_generation_is_seeded() -> None:
    a, b = generate(years=[2018], seed=7), generate(years=[2018], seed=7)
    pd.testing.assert_frame_equal(a, b)
