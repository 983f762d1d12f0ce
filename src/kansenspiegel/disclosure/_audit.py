"""An attacker's audit of what was published: can any suppressed count be recovered?

The attacker knows the published table (every geography, grouping and group of one dataset and
year, as the public export and the API give it), the geography hierarchy and how the cube adds
up (`_secondary._lines`). Two attacks, as in tau-ARGUS' audit of a protected table:

1. **Differencing, rounding-aware** (`differencing_attack`): every published count stands for an
   interval (deterministic rounding to base b: ``[R - b/2, R + b/2 - 1]``; random rounding:
   ``[R - b + 1, R + b - 1]``), a suppressed count for ``[0, ∞)``. Interval constraint
   propagation over every additive line, and over the extra published numbers (the rounded
   "everyone else" counts, and the known totals that the shares reveal), is repeated until
   nothing tightens: this is subtraction along any chain of lines, with the rounding taken into
   account.
2. **The linear system** (`linear_attack`): every line of every count column at once, the extra
   published numbers, each published count inside its rounding interval, a suppressed count
   ``>= 0``, and the order of the moments (sustained ≤ employed ≤ population, a step's count ≤
   the step before). Each attacked hidden count is minimised and maximised by linear
   programming (HiGHS); it is recovered when fewer than one whole number apart is left. Two LPs
   per hidden count: a whole country is too much for one machine, so this attack takes a sample
   or given cells.

Both run on counts only (numpy, scipy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from kansenspiegel.codes import ALL, COUNT_COLUMNS, MOMENTS, SEP, UNKNOWN
from kansenspiegel.disclosure import Policy
from kansenspiegel.disclosure._secondary import _lines

CELL = ["geography", "grouping", "group"]
#: "no upper bound" for a suppressed count (finite, so that sums of bounds stay numbers).
UNBOUNDED = 1e12
#: HiGHS' interior point method: the fastest here on these large, sparse, degenerate LPs
LP_METHOD = "highs-ipm"
#: count column a <= count column b, for every cell (the funnel's order).
ORDER = (
    ("provision", "population"),
    ("employed", "population"),
    ("sustained", "employed"),
    ("provision_employed", "provision"),
    ("provision_employed", "employed"),
)


def attacker_view(published: pd.DataFrame) -> pd.DataFrame:
    """The counts an attacker reads from published metric rows: one row per cell, one column per
    cube count (NaN = not published), plus the cell's keys and characteristic columns.

    A cube count is published when any metric row shows it: the population in every row, a
    moment's count as that moment's ``count`` and as the next step's ``denominator``."""
    keys = [c for c in published.columns if c in ("geo_level", *CELL) or c in _characteristics(published)]
    cells = published[keys].drop_duplicates(CELL).reset_index(drop=True)
    index = pd.MultiIndex.from_frame(cells[CELL].astype(str))
    out = cells.copy()
    for column in COUNT_COLUMNS:
        out[column] = np.nan
    rows = pd.MultiIndex.from_frame(published[CELL].astype(str))
    moment = published["moment"].astype(str)
    sources = [
        ("population", pd.Series("population", index=published.index)),
        ("denominator", moment.map({m.name: m.base for m in MOMENTS.values()})),
        ("count", moment.map({m.name: m.count for m in MOMENTS.values()})),
    ]
    for value_column, cube_column in sources:
        values = published[value_column].to_numpy(dtype="float64", na_value=np.nan)
        frame = pd.DataFrame({"cell": index.get_indexer(rows), "column": cube_column.to_numpy(), "value": values}).dropna()
        for column, part in frame.groupby("column"):
            out.loc[part["cell"].to_numpy(), column] = part["value"].to_numpy()
    return out


def _characteristics(frame: pd.DataFrame) -> list[str]:
    from kansenspiegel.codes import CHARACTERISTIC_NAMES

    return [c for c in CHARACTERISTIC_NAMES if c in frame.columns]


def _interval(values: np.ndarray, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """What the attacker knows of a published count: the exact values that round to it, and
    at least the threshold (smaller counts are not published)."""
    return policy.bounds(values)


@dataclass(frozen=True)
class Attack:
    """Per hidden count: the attacker's interval ``[low, high]`` and whether it is recovered."""

    cells: pd.DataFrame  # geography, grouping, group, column, low, high, recovered

    @property
    def hidden(self) -> int:
        return len(self.cells)

    @property
    def recovered(self) -> pd.DataFrame:
        return self.cells[self.cells.recovered]


def _extra_lines(
    published: pd.DataFrame, view: pd.DataFrame, policy: Policy, column: str
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """The published numbers beyond the cells' own counts, for one cube count column, as
    (lines, intervals): a rounded "everyone else" count r of a cell x in area T gives the line
    T = x + r; a share s of a published count y gives the known total K = y / s of its grouping,
    and K = the sum of the grouping's groups without an unknown value."""
    index = pd.MultiIndex.from_frame(view[CELL].astype(str))
    moment = published["moment"].astype(str)
    base = moment.map({m.name: m.base for m in MOMENTS.values()})
    count = moment.map({m.name: m.count for m in MOMENTS.values()})
    cell = index.get_indexer(pd.MultiIndex.from_frame(published[CELL].astype(str)))
    total = index.get_indexer(pd.MultiIndex.from_arrays([published["geography"].astype(str), np.full(len(published), ALL), np.full(len(published), ALL)]))
    rests: list[tuple[np.ndarray, np.ndarray]] = []  # (member cells, rounded value) per extra pseudo cell
    for rest_col, source in (("rest_denominator", base), ("rest_count", count)):
        values = published[rest_col].to_numpy(dtype="float64", na_value=np.nan)
        ok = (source == column).to_numpy() & ~np.isnan(values)
        frame = pd.DataFrame({"cell": cell[ok], "total": total[ok], "value": values[ok]}).drop_duplicates(["cell"])
        rests.append((frame[["total", "cell"]].to_numpy(), frame["value"].to_numpy()))
    knowns: list[tuple[np.ndarray, np.ndarray]] = []
    for share_col, value_col, source in (("share_of_denominator", "denominator", base), ("share_of_moment", "count", count)):
        share = published[share_col].to_numpy(dtype="float64", na_value=np.nan)
        value = published[value_col].to_numpy(dtype="float64", na_value=np.nan)
        ok = (source == column).to_numpy() & (share > 0) & ~np.isnan(value)
        frame = pd.DataFrame(
            {
                "geography": published["geography"].astype(str).to_numpy()[ok],
                "grouping": published["grouping"].astype(str).to_numpy()[ok],
                "value": np.round(value[ok] / share[ok]),
            }
        ).drop_duplicates(["geography", "grouping"])
        knowns.append((frame[["geography", "grouping"]].to_numpy(), frame["value"].to_numpy()))
    return rests, knowns


def _propagate(low: np.ndarray, high: np.ndarray, line: np.ndarray, member: np.ndarray, total: np.ndarray, iterations: int = 200) -> None:
    """Interval constraint propagation over ``total[line] = sum(member in line)``, in place."""
    line = pd.factorize(line)[0]  # dense ids: every id has members and a total
    n_lines = int(line.max()) + 1
    line_total = np.zeros(n_lines, dtype=np.int64)
    line_total[line] = total
    for _ in range(iterations):
        before = (low.copy(), high.copy())
        sum_low = np.bincount(line, weights=low[member], minlength=n_lines)
        sum_high = np.bincount(line, weights=high[member], minlength=n_lines)
        np.maximum.at(low, line_total, sum_low)
        np.minimum.at(high, line_total, sum_high)
        # a member is the total minus the others
        np.maximum.at(low, member, low[line_total[line]] - (sum_high[line] - high[member]))
        np.minimum.at(high, member, high[line_total[line]] - (sum_low[line] - low[member]))
        if np.array_equal(before[0], low) and np.array_equal(before[1], high):
            break


@dataclass(frozen=True)
class _System:
    """What the attacker knows of one count column: ``low <= x <= high`` for every cell (the
    cube's cells first, then one pseudo cell per extra published number) and, per line,
    ``x[total] = sum(x[member])``."""

    low: np.ndarray
    high: np.ndarray
    line: np.ndarray
    member: np.ndarray
    total: np.ndarray
    hidden: np.ndarray  # over the cube's cells


def _system(published: pd.DataFrame, view: pd.DataFrame, policy: Policy, column: str, base: tuple[np.ndarray, np.ndarray, np.ndarray]) -> _System:
    line, member, total = base
    n = len(view)
    shown = view[column].to_numpy(dtype="float64")
    hidden = np.isnan(shown)
    low, high = _interval(np.nan_to_num(shown), policy)
    low, high = np.where(hidden, 0.0, np.maximum(low, 0.0)), np.where(hidden, UNBOUNDED, high)
    lines, members, totals = [line], [member], [total]
    rests, knowns = _extra_lines(published, view, policy, column)
    extra_low, extra_high = [], []
    next_id, next_cell = int(line.max()) + 1, n
    for pairs, values in rests:  # T = x + r
        k = len(values)
        ids = np.arange(next_id, next_id + k)
        pseudo = np.arange(next_cell, next_cell + k)
        lines += [ids, ids]
        members += [pairs[:, 1], pseudo]
        totals += [pairs[:, 0], pairs[:, 0]]
        lo, hi = _interval(values, policy)
        extra_low.append(np.maximum(lo, 0))
        extra_high.append(hi)
        next_id, next_cell = next_id + k, next_cell + k
    index = view[["geography", "grouping"]].astype(str)
    known_cell = ~(SEP + view["group"].astype(str) + SEP).str.contains(SEP + UNKNOWN + SEP, regex=False).to_numpy()
    for families, values in knowns:  # K = sum of the known groups
        k = len(values)
        pseudo = np.arange(next_cell, next_cell + k)
        family = pd.MultiIndex.from_arrays([families[:, 0], families[:, 1]]) if k else pd.MultiIndex.from_arrays([[], []])
        of = family.get_indexer(pd.MultiIndex.from_frame(index))
        rows = np.flatnonzero((of >= 0) & known_cell & (view["grouping"].astype(str) != ALL).to_numpy())
        lines.append(next_id + of[rows])
        members.append(rows)
        totals.append(pseudo[of[rows]])
        lo, hi = _interval(values, policy)
        extra_low.append(np.maximum(lo, 0))
        extra_high.append(hi)
        next_id, next_cell = next_id + k, next_cell + k
    return _System(
        np.concatenate([low, *extra_low]),
        np.concatenate([high, *extra_high]),
        pd.factorize(np.concatenate(lines))[0],
        np.concatenate(members),
        np.concatenate(totals),
        hidden,
    )


def _cells(parts: list[pd.DataFrame]) -> pd.DataFrame:
    cells = pd.concat(parts, ignore_index=True)
    cells["recovered"] = (cells.high - np.ceil(cells.low)) < 1  # one whole number left (or none)
    return cells


def differencing_attack(published: pd.DataFrame, policy: Policy) -> Attack:
    """Rounding-aware subtraction along every line (see the module docstring)."""
    view = attacker_view(published)
    base = _lines(view)
    parts = []
    for column in COUNT_COLUMNS:
        system = _system(published, view, policy, column, base)
        low, high = system.low.copy(), system.high.copy()
        _propagate(low, high, system.line, system.member, system.total)
        rows = np.flatnonzero(system.hidden)
        parts.append(pd.DataFrame({**{c: view[c].astype(str).to_numpy()[rows] for c in CELL}, "column": column, "low": low[rows], "high": high[rows]}))
    return Attack(_cells(parts))


def linear_attack(published: pd.DataFrame, policy: Policy, *, sample: int | None = None, seed: int = 0, cells: pd.DataFrame | None = None) -> Attack:
    """The linear system of everything published, solved by linear programming (HiGHS): every
    line of every count column, the extra published numbers, each published count within its
    rounding interval, a hidden count ``>= 0``, and the funnel's order between the columns of a
    cell. Each hidden count is minimised and maximised: that is the attacker's interval, and
    the count is recovered when it holds one whole number at most.

    Two LPs per hidden count: for a whole country that is too many (one LP over a region's
    table takes seconds), so ``sample`` attacks that many hidden counts, drawn at random, and
    ``cells`` (geography, grouping, group, column) attacks just those."""
    view = attacker_view(published)
    base = _lines(view)
    n = len(view)
    cols = list(COUNT_COLUMNS)
    systems = [_system(published, view, policy, c, base) for c in cols]
    offsets = np.cumsum([0] + [len(s.low) for s in systems])
    n_var = int(offsets[-1])
    rows_, cols_, vals_, n_rows = [], [], [], 0
    for s, off in zip(systems, offsets):
        n_lines = int(s.line.max()) + 1
        line_total = np.zeros(n_lines, dtype=np.int64)
        line_total[s.line] = s.total
        rows_ += [s.line + n_rows, np.arange(n_lines) + n_rows]
        cols_ += [s.member + off, line_total + off]
        vals_ += [np.ones(len(s.line)), -np.ones(n_lines)]
        n_rows += n_lines
    a_eq = sparse.csr_matrix((np.concatenate(vals_), (np.concatenate(rows_), np.concatenate(cols_))), shape=(n_rows, n_var))
    ub_r, ub_c, ub_v = [], [], []
    for k, (a, b) in enumerate(ORDER):  # x_a - x_b <= 0 in every cell
        ia, ib = cols.index(a), cols.index(b)
        ub_r += [np.arange(n) + k * n] * 2
        ub_c += [np.arange(n) + offsets[ia], np.arange(n) + offsets[ib]]
        ub_v += [np.ones(n), -np.ones(n)]
    a_ub = sparse.csr_matrix((np.concatenate(ub_v), (np.concatenate(ub_r), np.concatenate(ub_c))), shape=(len(ORDER) * n, n_var))
    bounds = np.column_stack([np.concatenate([s.low for s in systems]), np.concatenate([np.where(s.high >= UNBOUNDED, np.inf, s.high) for s in systems])])
    targets = np.concatenate([np.flatnonzero(s.hidden) + off for s, off in zip(systems, offsets)])
    if cells is not None:
        index = pd.MultiIndex.from_frame(view[CELL].astype(str))
        wanted = index.get_indexer(pd.MultiIndex.from_frame(cells[CELL].astype(str))) + offsets[[cols.index(c) for c in cells["column"]]]
        targets = np.intersect1d(targets, wanted)
    if sample is not None and sample < len(targets):
        targets = np.sort(np.random.default_rng(seed).choice(targets, sample, replace=False))
    low, high = np.zeros(len(targets)), np.zeros(len(targets))
    for i, t in enumerate(targets):
        c = np.zeros(n_var)
        c[t] = 1.0
        for sign, out in ((1.0, low), (-1.0, high)):
            res = linprog(sign * c, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), A_eq=a_eq, b_eq=np.zeros(n_rows), bounds=bounds, method=LP_METHOD)
            if res.status == 3:  # unbounded: no upper limit at all
                out[i] = np.inf
            elif res.status != 0:
                raise RuntimeError(f"audit LP failed: {res.message}")
            else:
                out[i] = sign * res.fun
    column_of = np.searchsorted(offsets, targets, side="right") - 1
    cube_row = targets - offsets[column_of]
    cells = pd.DataFrame({**{c: view[c].astype(str).to_numpy()[cube_row] for c in CELL}, "column": np.array(cols)[column_of], "low": low, "high": high})
    return Attack(_cells([cells]))


#: The attacker's reading of a published chance or interval bound "computed from the exact
#: counts": equal at the printed precision of a tenth of a percentage point.
PRINTED = 0.0005


def _wilson(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from kansenspiegel.stats import wilson_interval

    low, high = wilson_interval(x.ravel(), n.ravel())
    return low.reshape(x.shape), high.reshape(x.shape)


def enumeration_attack(published: pd.DataFrame, truth: pd.DataFrame, policy: Policy, *, sample: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Do the numbers published beside the rounded counts — the chance, its interval and the
    test's p-value — reveal a row's *exact* count, if they were computed from the exact counts?

    For each sampled published row the attacker enumerates every exact count, denominator, rest
    count and rest denominator that round to the published ones (at least the threshold, a count
    at most its denominator) and keeps those for which the chance is count/denominator and the
    interval their Wilson interval (both at the printed precision of 0.1 percentage point), and
    the p-value that of the pooled z-test (at its two significant digits): the way a naive
    publication computes them. A count is recovered when one value is left and it is the true
    one (``truth``: the exact metric rows, used only to judge). Against a naive publication this
    recovers most counts of small groups; against numbers that depend on the rounded counts only
    (`publish_metrics`) no candidate fits, or many do.

    Returns one row per attacked published row: keys, the number of candidate exact counts
    left, and ``recovered``."""
    from kansenspiegel.disclosure import significant_digits
    from kansenspiegel.stats import two_proportion_test

    keys = ["geography", "grouping", "group", "moment"]
    rows = published[~published.suppressed.astype(bool) & published.rest_count.notna() & published.p_value.notna()]
    rows = rows.sample(min(sample, len(rows)), random_state=seed).reset_index(drop=True)
    exact = rows[keys].merge(truth[[*keys, "count", "denominator"]], on=keys, how="left", validate="one_to_one")
    left, recovered = np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
    for i, r in enumerate(rows.itertuples(index=False)):
        axes = []
        for value in (r.count, r.denominator, r.rest_count, r.rest_denominator):
            (low,), (high,) = policy.bounds([float(value)])
            axes.append(np.arange(low, high + 1))
        x, n, rx, rn = (a.ravel() for a in np.meshgrid(*axes, indexing="ij"))
        ok = (x <= n) & (rx <= rn) & (n > 0)
        x, n, rx, rn = x[ok], n[ok], rx[ok], rn[ok]
        low, high = _wilson(x, n)
        keep = (
            (np.abs(x / n - r.rate) <= PRINTED)
            & (np.abs(low - r.rate_ci_low) <= PRINTED)
            & (np.abs(high - r.rate_ci_high) <= PRINTED)
            & (significant_digits(two_proportion_test(x, n, rx, rn)[1]) == r.p_value)
        )
        values = np.unique(x[keep])
        left[i] = len(values)
        recovered[i] = len(values) == 1 and values[0] == exact["count"].iloc[i]
    return rows[keys].assign(candidates=left, recovered=recovered)
