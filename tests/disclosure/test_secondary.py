"""Secondary suppression: no suppressed cell can be recovered by subtraction (every additive
line has 0 or ≥ 2 suppressed members, or a suppressed total), checked on random small data and
by an attacker solving the linear system of everything published."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from kansenspiegel import Mirror
from kansenspiegel.disclosure._secondary import _lines, suppress
from tests.conftest import make_persons

COLUMNS = ("population", "employed")


def cube_of(frame: pd.DataFrame, year: int = 2018) -> pd.DataFrame:
    cube = Mirror.from_microdata(frame).cube
    return cube[cube.year == year].reset_index(drop=True)


def assert_no_line_exposes_one_cell(cube: pd.DataFrame, mask: pd.DataFrame) -> None:
    line, member, total = _lines(cube)
    for column in mask.columns:
        hidden = mask[column].to_numpy()
        per_line = np.bincount(line, weights=hidden[member])
        line_total = np.zeros(per_line.size, dtype=np.int64)
        line_total[line] = total
        exposed = (per_line + hidden[line_total]) == 1
        assert not exposed.any(), f"{column}: {int(exposed.sum())} line(s) reveal a suppressed cell by subtraction"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(20, 400),
    st.integers(0, 10_000),
    st.lists(st.sampled_from(["GM0363", "GM0362", "GM0384", "GM0599", "GM0606", "GM1961"]), min_size=1, max_size=4, unique=True),
)
def test_no_line_exposes_a_single_suppressed_cell(n: int, seed: int, gms: list[str]) -> None:
    cube = cube_of(make_persons(n, seed=seed, municipalities=tuple(gms)))
    mask = suppress(cube, threshold=10, columns=COLUMNS)
    primary = cube[list(COLUMNS)].to_numpy() < 10
    assert (mask.to_numpy()[primary]).all()  # every small cell stays hidden
    assert_no_line_exposes_one_cell(cube, mask)


def test_attacker_with_the_linear_system_recovers_nothing() -> None:
    """Publish exact (unrounded) counts except the suppressed ones; an attacker knows every
    additive relation and that a hidden count lies between 0 and its published total. For each
    hidden cell, minimise and maximise it by linear programming: it must not be pinned down."""
    cube = cube_of(make_persons(250, seed=11, municipalities=("GM0363", "GM0362")))
    cube = cube[cube.grouping.isin(["all", "gender", "age_band", "gender+age_band"])].reset_index(drop=True)
    mask = suppress(cube, threshold=10, columns=("employed",))
    values = cube["employed"].to_numpy(dtype=float)
    hidden = mask["employed"].to_numpy()
    assert hidden.any()
    line, member, total = _lines(cube)
    n_lines = line.max() + 1
    a_eq = np.zeros((n_lines, len(cube)))
    a_eq[line, member] = 1.0
    line_total = np.zeros(n_lines, dtype=np.int64)
    line_total[line] = total
    a_eq[np.arange(n_lines), line_total] -= 1.0
    bounds = [(0, None) if h else (v, v) for v, h in zip(values, hidden)]
    recovered = []
    for i in np.flatnonzero(hidden):
        c = np.zeros(len(cube))
        c[i] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=np.zeros(n_lines), bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=np.zeros(n_lines), bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, even better
        if high.status == 0 and abs(-high.fun - low.fun) < 0.5:
            recovered.append((cube.geography[i], cube.group[i], values[i]))
    assert recovered == []


def test_demo_cube_has_no_exposed_line(demo_2018_db) -> None:  # type: ignore[no-untyped-def]
    m = Mirror.open(demo_2018_db)
    cube = m.cube
    cube = cube[cube.year == 2018].reset_index(drop=True)
    mask = suppress(cube, threshold=10)
    assert_no_line_exposes_one_cell(cube, mask)
    assert mask.population.sum() > (cube.population < 10).sum()  # secondary cells were added
