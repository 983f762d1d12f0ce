"""The attack suite: an adversary takes everything published for the demo data and tries to
recover a suppressed count, by differencing (rounding-aware, along every additive line and
every extra published number) and by solving the linear system (linear programming); and
tries to recover the *exact* count behind a published one from the chance, interval and
p-value published beside it.

What the adversary reads is the public export (`kansenspiegel metrics`): every geography,
grouping and group of the year. The first test shows that the API publishes the same numbers,
so the export is everything the API and the downloads give away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.demo import generate
from kansenspiegel.disclosure import INTERNAL, PUBLIC, Policy, publish_metrics, significant_digits
from kansenspiegel.disclosure._audit import attacker_view, differencing_attack, enumeration_attack, linear_attack
from kansenspiegel.geography import municipalities
from tests.conftest import make_persons

COUNTS = ["population", "denominator", "count"]


@pytest.fixture(scope="module")
def export(demo_2018_db: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("export") / "metrics-2018.parquet"
    result = CliRunner().invoke(app, ["metrics", "--db", str(demo_2018_db), "--year", "2018", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out)


def test_the_export_is_what_the_api_publishes(export: pd.DataFrame, client: TestClient) -> None:
    rng = np.random.default_rng(7)
    geos = ["NL", "AM08", *rng.choice(sorted(set(export.geography) - {"NL"}), 6, replace=False)]
    keys = ["geography", "grouping", "group", "moment"]
    for geo in geos:
        api = pd.DataFrame(client.get("/api/v1/groups", params={"year": 2018, "geography": geo}).json())
        mine = export[export.geography == geo]
        both = api.merge(mine, on=keys, suffixes=("_api", "_export"), validate="one_to_one")
        assert len(both) == len(api) == len(mine)
        for c in [*COUNTS, "rate", "share_of_denominator", "rest_count", "p_value"]:
            a, e = both[f"{c}_api"].astype("float64"), both[f"{c}_export"].astype("float64")
            assert ((a.isna() & e.isna()) | np.isclose(a, e)).all(), (geo, c)


def test_differencing_recovers_no_suppressed_count_of_the_demo(export: pd.DataFrame) -> None:
    attack = differencing_attack(export, PUBLIC)
    view = attacker_view(export)
    assert attack.hidden > 100_000  # municipalities × combinations: most of the cube is hidden
    assert set(view.geography) >= set(municipalities().gm_code)  # every area was attacked
    assert attack.recovered.empty, attack.recovered.head(10).to_string()
    # the attacker did learn something (the propagation works): most intervals became finite
    assert (attack.cells.high < 1e6).mean() > 0.5


@pytest.fixture(scope="module")
def region_as_country() -> Mirror:
    """The demo's persons of one labour-market region (Rijk van Nijmegen: a city and six small
    municipalities), published as if they were the whole country: a complete table with every
    geography level and all 26 groupings, small enough for linear programming."""
    persons = generate(years=[2018], seed=2018)
    region = set(municipalities().query("amr_code == 'AM08'").gm_code)
    return Mirror.from_microdata(persons[persons.municipality.isin(region)].reset_index(drop=True), dataset="region")


def test_linear_programming_recovers_no_sampled_count_of_a_region(region_as_country: Mirror) -> None:
    published = region_as_country.published(year=2018)
    attack = linear_attack(published, PUBLIC, sample=5, seed=2018)
    assert attack.hidden == 5
    assert attack.recovered.empty, attack.cells.to_string()
    assert ((attack.cells.high - attack.cells.low) >= 5).all()  # not even narrowed to a few values
    assert differencing_attack(published, PUBLIC).recovered.empty


@pytest.mark.parametrize(("seed", "policy"), [(1, PUBLIC), (2, Policy(rounding="random", seed=99)), (3, Policy(rounding_base=5, threshold=5))])
def test_no_attack_recovers_a_count_of_a_small_random_table(seed: int, policy: Policy) -> None:
    mirror = Mirror.from_microdata(make_persons(200, seed=seed, municipalities=("GM0268", "GM0209")))
    published = mirror.published(year=2018, policy=policy)
    assert differencing_attack(published, policy).recovered.empty
    attack = linear_attack(published, policy, sample=20, seed=seed)
    assert attack.hidden == 20 and attack.recovered.empty, attack.recovered.to_string()


def test_without_rounding_and_secondary_suppression_the_attacks_succeed() -> None:
    """The negative control: exact counts with only the small cells hidden (a naive publication,
    which `Policy` refuses) leave cells that both attacks recover exactly."""
    mirror = Mirror.from_microdata(make_persons(300, seed=4, municipalities=("GM0268", "GM0209")))
    naive = publish_metrics(mirror.select(year=2018), INTERNAL)
    small = (naive.population < 10).to_numpy()
    for c in ("denominator", "count"):
        naive.loc[small | (naive[c] < 10).to_numpy(), c] = pd.NA
    naive.loc[small, "population"] = pd.NA
    naive[["rest_denominator", "rest_count", "share_of_denominator", "share_of_moment"]] = np.nan
    found = differencing_attack(naive, INTERNAL).recovered
    assert len(found) > 0
    cube = mirror.cube.query("year == 2018").set_index(["geography", "grouping", "group"])
    truth = [cube.loc[(r.geography, r.grouping, r.group), r.column] for r in found.itertuples()]
    assert np.allclose(found.low, truth) and np.allclose(found.high, truth)  # the true value, exactly
    confirmed = linear_attack(naive, INTERNAL, cells=found.head(5))
    assert len(confirmed.recovered) == len(confirmed.cells) == 5


def test_a_policy_of_exact_counts_with_suppression_is_refused() -> None:
    with pytest.raises(ValueError, match="not safe to publish"):
        Policy(rounding_base=1, threshold=10)


#: Everything published beside the counts (shares are the counts over a published known total,
#: which the attacks above already use as a line).
BESIDE_THE_COUNTS = [
    "rate",
    "rate_ci_low",
    "rate_ci_high",
    "rest_rate",
    "rate_difference",
    "rate_ratio",
    "p_value",
    "q_value",
    "p_value_vs_national",
    "q_value_vs_national",
    "significant",
    "significant_vs_national",
    "suppressed",
]


def _perturbed(metrics: pd.DataFrame, policy: Policy, seed: int) -> pd.DataFrame:
    """Other exact counts that round to the same published ones (every count moved at random
    within its rounding interval, a count kept at most its denominator; hidden ones kept)."""
    rng = np.random.default_rng(seed)
    out = metrics.copy()
    for c in ("population", "denominator", "count", "rest_denominator", "rest_count"):
        v = metrics[c].to_numpy(dtype="float64", na_value=np.nan)
        low, high = policy.bounds(policy.round(np.nan_to_num(v)))
        moved = np.floor(low + rng.random(len(v)) * (high - low + 1))
        out[c] = np.where(np.isnan(v) | (v < policy.threshold), v, moved)
    for x, n in (("count", "denominator"), ("rest_count", "rest_denominator")):
        out[x] = np.fmin(out[x], out[n])
    return out


@pytest.mark.parametrize("policy", [PUBLIC, Policy(rounding_base=5, threshold=5)], ids=["base10", "base5"])
def test_everything_published_beside_the_counts_depends_on_the_rounded_counts_only(demo_2018_db: Path, policy: Policy) -> None:
    """Two exact tables that round to the same counts publish exactly the same chances,
    intervals, tests and flags (the whole 2018 demo, through the real publication): so those
    numbers tell an attacker nothing the rounded counts do not, and the attacks on the counts
    above cover everything published."""
    mirror = Mirror.open(demo_2018_db)
    metrics = mirror.select(year=2018)
    mask = mirror.suppression(year=2018, policy=policy)
    first = publish_metrics(metrics, policy, mask=mask)
    other = _perturbed(metrics, policy, seed=3)
    shown = metrics["count"].to_numpy(dtype=float) >= policy.threshold
    assert (other["count"].to_numpy(dtype=float) != metrics["count"].to_numpy(dtype=float))[shown].mean() > 0.6  # really other exact counts
    second = publish_metrics(other, policy, mask=mask)
    for c in ["population", "denominator", "count", "rest_count", "rest_denominator", *BESIDE_THE_COUNTS]:
        a, b = first[c].to_numpy(dtype="float64", na_value=np.nan), second[c].to_numpy(dtype="float64", na_value=np.nan)
        assert ((np.isnan(a) & np.isnan(b)) | (a == b)).all(), c


def test_no_exact_count_follows_from_the_chance_interval_and_test(export: pd.DataFrame, demo_2018_db: Path) -> None:
    """The enumeration attacker (every exact count that rounds to the published ones, kept when
    chance, interval and p-value fit as if computed from it) recovers no exact count of the demo;
    the same attack on a naive publication (rounded counts, but chance, interval and test of the
    exact counts) recovers most of them: so a pass means something."""
    truth = Mirror.open(demo_2018_db).select(year=2018)
    attack = enumeration_attack(export, truth, PUBLIC, sample=3000, seed=1)
    assert len(attack) == 3000 and not attack.recovered.any()
    naive = truth.copy()
    for c in ("population", "denominator", "count", "rest_denominator", "rest_count"):
        naive[c] = PUBLIC.round(truth[c].to_numpy(dtype="float64", na_value=0.0))
    naive["p_value"] = significant_digits(truth.p_value.to_numpy(dtype="float64", na_value=np.nan))
    naive["suppressed"] = ((truth["count"] < 10) | (truth.denominator < 10)).to_numpy()
    control = enumeration_attack(naive, truth, PUBLIC, sample=3000, seed=1)
    assert control.recovered.mean() > 0.25, control.recovered.mean()
