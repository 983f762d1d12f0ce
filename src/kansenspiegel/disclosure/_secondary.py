"""Primary and secondary suppression over the whole cube of one dataset and year.

Every published count is part of additive *lines*: the groups of one characteristic add up to
the cell one level up (a combination's groups to the coarser combination, single groups to
"everyone"), and the municipalities of an AMR add up to the AMR, the AMRs to the country. A
suppressed cell is recoverable by subtraction when it is the only suppressed cell of a line
(a member, with the total published, or the total, with every member published). Secondary suppression follows the classical rule used for
hierarchical tables (as in tau-ARGUS' singleton protection, the first step of its hypercube
method): in every such line, also suppress the smallest other member (one that is not the only
member of another line, where there is one, so that hiding it does not also hide a coarser
total), and repeat until no line has exactly one suppressed member. Each count column (population, and the counts of every
moment) is protected on its own.

Everything is vectorised over the incidence of cells and lines: no loop over cells, only over
the (few) kinds of line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, COUNT_COLUMNS, NATIONAL_CODE, SEP
from kansenspiegel.disclosure._positions import Lookup
from kansenspiegel.geography import municipalities


def _lines(cube: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line id, member row, total row) of every additive relation in one dataset-year cube."""
    cells = [cube[c].astype(str) for c in ("geography", "grouping", "group")]
    find = Lookup(cells)
    members, totals = [], []
    # 1. groups of one characteristic add up to the cell one level up
    groupings = cube["grouping"].astype(str)
    for grouping in groupings.unique():
        if grouping == ALL:
            continue
        rows = np.flatnonzero((groupings == grouping).to_numpy())
        chars = grouping.split(SEP)
        sub = cube.iloc[rows]
        # each characteristic's code, from the group key (own characteristics have no column)
        parts = sub["group"].astype(str).str.split(SEP, expand=True, regex=False)
        for drop in range(len(chars)):
            rest = [i for i in range(len(chars)) if i != drop]
            parent_grouping = SEP.join(chars[i] for i in rest) if rest else ALL
            parent_group = pd.Series(ALL, index=sub.index, dtype=object)
            if rest:
                parent_group = parts[rest[0]]
                for i in rest[1:]:
                    parent_group = parent_group + SEP + parts[i]
            parent = find([sub["geography"].astype(str), parent_grouping, parent_group.astype(str)])
            ok = parent >= 0
            members.append(rows[ok])
            totals.append(parent[ok])
    # 2. municipalities add up to their AMR, AMRs to the country
    gm_to_amr = dict(zip(municipalities().gm_code, municipalities().amr_code))
    geo = cube["geography"].astype(str)
    level = cube["geo_level"].astype(str)
    for child_level, parent_of in (("municipality", geo.map(gm_to_amr)), ("amr", pd.Series(NATIONAL_CODE, index=cube.index))):
        rows = np.flatnonzero((level == child_level).to_numpy())
        parent = find([parent_of.iloc[rows].astype(str), groupings.iloc[rows], cells[2].iloc[rows]])
        ok = parent >= 0
        members.append(rows[ok])
        totals.append(parent[ok])
    member = np.concatenate(members)
    total = np.concatenate(totals)
    # a line is identified by its total and the kind of relation; give each kind its own ids
    kind = np.concatenate([np.full(len(m), i) for i, m in enumerate(members)])
    line = pd.factorize(kind * (len(cube) + 1) + total)[0]  # ids in order of first appearance, as of the pairs
    return line, member, total


Lines = tuple[np.ndarray, np.ndarray, np.ndarray]


def suppress(
    cube: pd.DataFrame, threshold: int, columns: tuple[str, ...] = COUNT_COLUMNS, *, lines: Lines | None = None, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Boolean frame (one column per count column, aligned with ``cube``): True = not published.

    ``cube`` holds the rows of one dataset and year (all geographies and groupings). ``lines``:
    `_lines` of ``cube``, when known. ``rows`` (a boolean mask): protect only among these rows, as
    if the cube held no others; they must hold every line they are a member of (a deeper grouping
    never is the total of a shallower one, so ``grouping depth <= d`` does). The frame then has
    those rows only."""
    cube = cube.reset_index(drop=True)
    line, member, total = _lines(cube) if lines is None else lines
    if rows is not None:
        keep = rows[member]
        line, member, total = line[keep], member[keep], total[keep]
        # numbered 0, 1, … again: an id without members would count as a line with total 0
        line = np.unique(line, return_inverse=True)[1].astype(line.dtype, copy=False)
    n_lines = int(line.max()) + 1 if len(line) else 0
    line_total = np.zeros(n_lines, dtype=np.int64)
    line_total[line] = total
    out = {}
    population = cube["population"].to_numpy(dtype="float64", na_value=np.nan)
    # a cell that is the only member of a line (Dutch background × status holder = all people of
    # Dutch background, when no status holder has it) takes that line's total with it when it is
    # hidden: a coarser, more useful cell; so such a cell is chosen last
    # (lines of groups only: a municipality alone in its AMR, as in an own file, takes the AMR along at no cost)
    members_per_line = np.bincount(line, minlength=n_lines)
    geography = cube["geography"].astype(str).to_numpy()
    of_groups = geography[member] == geography[total]
    sole = np.zeros(len(cube), dtype=bool)
    sole[member[(members_per_line[line] == 1) & of_groups]] = True
    for column in columns:
        values = cube[column].to_numpy(dtype="float64", na_value=np.nan)
        hidden = (values < threshold) | (population < threshold) | np.isnan(values)
        for _ in range(1000):
            # a line is exposed when exactly one of its cells (members and total) is hidden:
            # a hidden member is the total minus the others, a hidden total their sum
            per_line = np.bincount(line, weights=hidden[member], minlength=n_lines) + hidden[line_total]
            exposed = per_line == 1
            if not exposed.any():
                break
            # the smallest published member of each exposed line joins the suppression; a line
            # with no other member (an AMR of one municipality) hides its total instead
            candidate = exposed[line] & ~hidden[member]
            frame = pd.DataFrame({"line": line[candidate], "member": member[candidate], "sole": sole[member[candidate]], "value": values[member[candidate]]})
            pick = frame.sort_values(["line", "sole", "value", "member"]).drop_duplicates("line")
            hidden[pick["member"].to_numpy()] = True
            lonely = np.setdiff1d(np.flatnonzero(exposed), pick["line"].to_numpy())
            hidden[line_total[lonely]] = True
        out[column] = hidden if rows is None else hidden[rows]
    return pd.DataFrame(out)
