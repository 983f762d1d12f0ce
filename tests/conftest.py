"""Shared fixtures: a small hand-made microdata set, and the 2018 demo database (built once)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kansenspiegel.codes import PROVISION_TYPE_CODES
from kansenspiegel.store import Store

REPO = Path(__file__).resolve().parent.parent


def make_persons(n: int = 600, seed: int = 1, municipalities: tuple[str, ...] = ("GM0363", "GM0362", "GM0599", "GM0088")) -> pd.DataFrame:
    """Random microdata following the data contract (small enough to check by hand)."""
    rng = np.random.default_rng(seed)
    employed = rng.random(n) < 0.3
    frame = pd.DataFrame(
        {
            "person_key": [f"p{i}" for i in range(n)],
            "year": rng.choice([2018, 2019], n),
            "municipality": rng.choice(municipalities, n),
            "gender": rng.choice(["female", "male", "unknown"], n, p=[0.5, 0.45, 0.05]),
            "age_band": rng.choice(["up_to_26", "27_to_44", "45_to_aow"], n),
            "migration_background": rng.choice(["non_western", "western", "dutch"], n),
            "household_type": rng.choice(["single_parent", "single_person", "couple", "other"], n),
            "target_group_register": rng.choice(["yes", "no"], n, p=[0.1, 0.9]),
            "provision": rng.random(n) < 0.5,
            "employed_1m": employed,
            "employed_6m": employed & (rng.random(n) < 0.7),
        }
    )
    # the optional outcomes, from draws of their own (the columns above stay as they always were)
    more = np.random.default_rng([seed, 99])
    for code in PROVISION_TYPE_CODES:
        frame[f"provision_{code}"] = pd.array(np.where(more.random(n) < 0.1, None, frame.provision & (more.random(n) < 0.3)), dtype="boolean")
    steps = lambda: pd.array(np.where(more.random(n) < 0.2, None, more.integers(1, 7, n)), dtype="Int64")  # noqa: E731
    frame["ladder_start"], frame["ladder_end"] = steps(), steps()
    return frame


@pytest.fixture
def persons() -> pd.DataFrame:
    return make_persons()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_2018_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the synthetic demo data of 2018 and 2019, built once through the CLI."""
    from typer.testing import CliRunner

    from kansenspiegel.cli import app

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    result = CliRunner().invoke(app, ["demo-data", "--db", str(path), "--years", "2018-2019"])
    assert result.exit_code == 0, result.output
    return path
