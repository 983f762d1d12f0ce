"""Stage 4: disclosure control — what may be published from counts.

Counts are rounded; small cells are suppressed (primary suppression) and, with a
`suppression_mask` of the whole cube, so is every cell that would let a reader recover a
suppressed one by subtraction (secondary suppression, see `_secondary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, MOMENTS, NATIONAL_CODE, SEP, UNKNOWN, grouping_sizes, has_unknown_part
from kansenspiegel.codes import COUNT_COLUMNS as CUBE_COUNT_COLUMNS
from kansenspiegel.disclosure._positions import Lookup, group_ids, row_positions
from kansenspiegel.messages import Lang, t
from kansenspiegel.stats import benjamini_hochberg, complete_counts, rate_interval, rate_range, two_proportion_bound

SUPPRESSED = "."
#: Count columns of the metric table (rounded when published).
COUNT_COLUMNS = ("population", "denominator", "count", "rest_denominator", "rest_count")
#: Columns derived from a cell's own counts (hidden with the cell).
CELL_DERIVED = (
    "share_of_denominator",
    "share_of_moment",
    "representation_gap_pp",
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
)


@dataclass(frozen=True)
class Policy:
    """How counts are published.

    ``rounding_base`` 10 (default) or 5, or 1 for exact counts (internal use only);
    ``threshold``: counts below it are suppressed (default 10); ``rounding``: ``deterministic``
    (half up: 5 -> 10, 14 -> 10) or ``random`` (unbiased: up with probability remainder/base,
    decided by a keyed hash so the same cell always rounds the same way, however often it is
    asked for); ``seed`` keys that hash (keep it secret for real data)."""

    rounding_base: int = 10
    threshold: int = 10
    rounding: Literal["deterministic", "random"] = "deterministic"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rounding_base not in (1, 5, 10):
            raise ValueError("rounding_base must be 10, 5 or 1 (exact)")
        if self.rounding_base == 1 and self.threshold > 0:
            # the attack suite shows why: with exact counts, solving the linear system of the
            # published lines pins down many suppressed cells that rounding keeps safe
            raise ValueError("exact counts with suppression are not safe to publish: round to 5 or 10, or use exact internal mode (threshold 0)")
        if self.threshold < 0:
            raise ValueError("threshold must be 0 or more")
        if self.rounding not in ("deterministic", "random"):
            raise ValueError("rounding must be 'deterministic' or 'random'")

    @property
    def exact(self) -> bool:
        return self.rounding_base == 1 and self.threshold == 0

    def round(self, values: object, keys: object | None = None) -> np.ndarray:
        """Rounded counts; ``keys`` (one text per value naming the cell) for random rounding."""
        v = np.asarray(values, dtype="float64")
        base = self.rounding_base
        if self.rounding == "deterministic" or base == 1:
            return np.floor((v + base / 2) / base) * base
        if keys is None:
            raise ValueError("random rounding needs a key per value, so a cell always rounds the same way")
        lower = np.floor(v / base) * base
        u = pd.util.hash_array(np.asarray(keys, dtype=object), hash_key=f"{self.seed:016d}"[-16:]).astype("float64") / 2.0**64
        return np.where(u < (v - lower) / base, lower + base, lower)

    def bounds(self, rounded: object) -> tuple[np.ndarray, np.ndarray]:
        """The exact counts a published (rounded) count stands for, as ``(low, high)``: half-up
        rounding to base b: ``[R - b/2, R + b/2 - 1]``; random rounding: ``[R - b + 1, R + b - 1]``;
        never below the threshold (smaller counts are not published) nor below 0. NaN stays NaN."""
        r = np.asarray(rounded, dtype="float64")
        b = self.rounding_base
        if b == 1:
            low, high = r.copy(), r.copy()
        elif self.rounding == "deterministic":
            low, high = r - b // 2, r + (b - b // 2) - 1
        else:
            low, high = r - b + 1, r + b - 1
        return np.maximum(low, max(self.threshold, 0)), high

    def describe(self, lang: Lang = "nl", *, short: bool = False) -> str:
        """What this policy does, in plain words (reports, downloads, the method page, the CLI)."""
        if self.exact:
            return t("policy.short_exact" if short else "policy.exact", lang)
        text = t("policy.short_public" if short else "policy.public", lang, base=self.rounding_base, threshold=self.threshold)
        return text + ("" if short or self.rounding == "deterministic" else " " + t("policy.random", lang))

    def suppressed(self, values: object) -> np.ndarray:
        """True where a count is too small to publish."""
        return np.asarray(values, dtype="float64") < self.threshold


PUBLIC = Policy()
#: For an authorised analyst on their own data: exact counts, nothing suppressed.
INTERNAL = Policy(rounding_base=1, threshold=0)


def cell_keys(frame: pd.DataFrame, count: str | pd.Series | np.ndarray) -> np.ndarray:
    """A text key per row naming the published count (dataset|year|geography|group|count)."""
    parts = frame["dataset"].astype(str) + "|" + frame["year"].astype(str) + "|" + frame["geography"].astype(str) + "|" + frame["group"].astype(str) + "|"
    if "grouping" in frame:
        # a standard group's key names its grouping (``female+yes``); an own characteristic's
        # codes may repeat another's (``ja``/``nee``), so its grouping is part of the key
        groupings = frame["grouping"].astype(str)
        standard = {g: all(c in CHARACTERISTIC_NAMES or c == ALL for c in g.split(SEP)) for g in groupings.unique()}
        own = ~groupings.map(standard).astype(bool)
        parts = parts.where(~own, parts + groupings + "|")
    if not isinstance(count, str):
        count = pd.Series(np.asarray(count, dtype=object), index=frame.index).astype(str)
    return (parts + count).to_numpy(dtype=object)


def significant_digits(values: np.ndarray, digits: int = 2, floor: float = 1e-4) -> np.ndarray:
    """p- and q-values as published: two significant digits, nothing below ``floor``."""
    v = np.maximum(values, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(v)))
        return np.round(v * scale) / scale


def suppression_mask(cube: pd.DataFrame, policy: Policy = PUBLIC) -> pd.DataFrame:
    """Primary + secondary suppression of one dataset-year cube, keyed by
    ``geography, grouping, group``: one boolean column per count column (True = hidden)."""
    from kansenspiegel.disclosure._secondary import _lines, suppress

    cube = complete_counts(cube.reset_index(drop=True))
    # a count used only for single characteristics (provision types) is protected among those
    # cells only; in deeper groupings it is never published
    depth = grouping_sizes(cube["grouping"])
    lines = _lines(cube)  # once: the lines among shallower groupings are some of them
    parts = []
    for d in sorted(set(COLUMN_DEPTH.values())):
        columns = tuple(c for c, cd in COLUMN_DEPTH.items() if cd == d)
        rows = np.asarray(depth <= d)
        part = pd.DataFrame(True, index=cube.index, columns=list(columns))
        if rows.any():
            part.iloc[np.flatnonzero(rows)] = suppress(cube, policy.threshold, columns, lines=lines, rows=rows).to_numpy()
        parts.append(part)
    mask = pd.concat(parts, axis=1)[[c for c in CUBE_COUNT_COLUMNS]]
    # per grouping of an area: is a group with only known values hidden, and is a group with an
    # unknown value hidden? (decides whether the known total behind the shares may be shown)
    family = cube.groupby([cube["geography"].astype(str), cube["grouping"].astype(str)], sort=False).ngroup().to_numpy()
    unknown = (SEP + cube["group"].astype(str) + SEP).str.contains(SEP + UNKNOWN + SEP, regex=False).to_numpy(dtype=bool)

    def any_in_family(flags: np.ndarray) -> np.ndarray:
        return (np.bincount(family, weights=flags, minlength=family.max(initial=-1) + 1) > 0)[family]

    for column in list(mask.columns):
        hidden = mask[column].to_numpy(dtype=bool)
        mask[f"{column}{_KNOWN_HIDDEN}"] = any_in_family(hidden & ~unknown)
        mask[f"{column}{_UNKNOWN_HIDDEN}"] = any_in_family(hidden & unknown)
    mask.index = pd.MultiIndex.from_frame(cube[["geography", "grouping", "group"]].astype(str))
    return mask


#: Per cube count column, the deepest grouping (number of characteristics) any outcome using it
#: is published for.
COLUMN_DEPTH: dict[str, int] = {
    c: max([m.depth for m in MOMENTS.values() if c in (m.count, m.base)] + ([3] if c == "population" else [0])) for c in CUBE_COUNT_COLUMNS
}


def mask_table(mask: pd.DataFrame, dataset: str, year: int) -> pd.DataFrame:
    """A suppression mask as a flat table to store (`mask_from_table` reads it back)."""
    flat = mask.reset_index()
    flat.insert(0, "year", np.int32(year))
    flat.insert(0, "dataset", dataset)
    return flat


def mask_from_table(table: pd.DataFrame) -> pd.DataFrame:
    """The suppression mask of one dataset-year from its stored rows."""
    return table.drop(columns=["dataset", "year"]).set_index(["geography", "grouping", "group"]).sort_index()


_KNOWN_HIDDEN = ":known_group_hidden"
_UNKNOWN_HIDDEN = ":unknown_group_hidden"


class _Mask:
    """A suppression mask looked up by cell (``geography, grouping, group``)."""

    def __init__(self, mask: pd.DataFrame) -> None:
        self.find = Lookup([mask.index.get_level_values(i).astype(str) for i in range(3)])
        self.values = np.vstack([mask.to_numpy(dtype=bool), np.ones((1, mask.shape[1]), dtype=bool)])
        self.col = {c: i for i, c in enumerate(mask.columns)}

    def rows(self, geography: pd.Series | str, grouping: pd.Series | str, group: pd.Series | str) -> np.ndarray:
        """The mask's values (True = hidden) for the cells named, one row each; a cell the mask
        does not know counts as hidden."""
        as_text = lambda v: v.astype(str) if isinstance(v, pd.Series) else v  # noqa: E731
        return self.values[self.find([as_text(geography), as_text(grouping), as_text(group)])]  # -1: the all-hidden row


def _derived_flags(metrics: pd.DataFrame, mask: _Mask, own: np.ndarray, moment: np.ndarray) -> dict[str, np.ndarray]:
    """Which derived numbers of each metric row would reveal a hidden cube count (``own``: the
    mask's row of each metric row's own cell).

    - ``rest``: "everyone else" is the area's total minus the cell: hidden when that total is;
    - ``share_of_denominator`` / ``share_of_moment``: a share is a count over the grouping's
      known total, which a reader gets back from it. That total is safe only when it follows from
      published cells anyway: no known group hidden, or the area total and every group with an
      unknown value shown;
    - ``national``: the test against the rest of the country uses the national cell: hidden
      when that is."""
    rows = np.arange(len(metrics))
    total = mask.rows(metrics["geography"], ALL, ALL)
    national = mask.rows(NATIONAL_CODE, metrics["grouping"], metrics["group"])
    col = mask.col

    def at(table: np.ndarray, which: str, suffix: str = "") -> np.ndarray:
        return table[rows, _column_of(moment, col, which, suffix)]

    def share_hidden(which: str) -> np.ndarray:
        safe = ~at(own, which, _KNOWN_HIDDEN) | (~at(total, which) & ~at(own, which, _UNKNOWN_HIDDEN))
        return ~safe

    return {
        "rest": at(total, "base") | at(total, "count"),
        "share_of_denominator": share_hidden("base"),
        "share_of_moment": share_hidden("count"),
        "national": national[:, col["population"]] | at(national, "base") | at(national, "count"),
    }


def _moment_codes(metrics: pd.DataFrame) -> np.ndarray:
    """Each row's moment as its position in `MOMENTS`."""
    return row_positions([metrics["moment"].astype(str)], [pd.Series(list(MOMENTS), dtype=str)])


def _column_of(moment: np.ndarray, col: dict[str, int], which: str, suffix: str = "") -> np.ndarray:
    """Per row, the position in ``col`` of the cube count behind its denominator (``which='base'``)
    or its count (``'count'``)."""
    return np.array([col[getattr(m, which) + suffix] for m in MOMENTS.values()], dtype=np.int64)[moment]


def test_families(metrics: pd.DataFrame) -> np.ndarray:
    """The Benjamini–Hochberg family of each metric row: one dataset, year and geography (what
    one page shows) and one kind of outcome (`Moment.family`: the funnel, the ladder, the
    provision types), so that adding outcomes of another kind does not weaken the tests of one."""
    kind = metrics["moment"].map({m.name: m.family for m in MOMENTS.values()})
    return group_ids([metrics["dataset"], metrics["year"], metrics["geography"], kind])


def publish_metrics(
    metrics: pd.DataFrame, policy: Policy = PUBLIC, *, shares: bool = True, mask: pd.DataFrame | None = None, national: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The metric rows as they may be published: every number a function of the published
    (rounded) counts only, and honest for every exact count that rounds to them.

    - counts rounded; a cell whose population, denominator or count is below the threshold (or
      hidden by ``mask``, the secondary suppression of the year) is hidden, and so is every
      number derived from it; a comparison with everyone else is removed when that rest is;
    - each published count stands for the exact counts that round to it (`Policy.bounds`, and at
      least the threshold, since smaller counts are hidden). The published *chance* is the middle
      of the range of chances those counts allow, its *interval* the union of the Clopper–Pearson
      intervals over all of them (so it contains the exact chance, and the true one with at
      least 95 % probability, whatever the rounding hid), and each *test* an upper bound of the
      p-value over all of them (`stats.two_proportion_bound`), with Benjamini–Hochberg over those
      bounds within each dataset × year × geography: a difference flagged as clear is a clear
      difference of the exact data too, and nothing published says more than the rounded counts;
    - p- and q-values are printed with two significant digits, never below 0.0001.

    Pass whole families (every row of a geography) so the q-values are those of the page; the
    test against the rest of the country needs the national rows of the same groups, taken from
    ``national`` (exact metric rows) or else from ``metrics`` itself. ``shares`` needs every group
    of a grouping in the frame; pass False for a frame with only some groups.
    With an exact policy (`INTERNAL`) the metrics are returned unchanged (exact statistics)."""
    out = metrics.copy()
    if policy.exact:
        out["suppressed"] = False
        out["significant"] = (out.q_value < 0.05).fillna(False)
        out["significant_vs_national"] = (out.q_value_vs_national < 0.05).fillna(False)
        return out
    n_rows = len(metrics)
    exact = {c: out[c].to_numpy(dtype="float64", na_value=np.nan) for c in COUNT_COLUMNS}
    moment = _moment_codes(metrics)
    base = np.array([m.base for m in MOMENTS.values()], dtype=object)[moment]
    count = np.array([m.count for m in MOMENTS.values()], dtype=object)[moment]
    # each count is hidden on its own (as the mask says); a row's rate and everything derived
    # from it is hidden when its denominator or count is
    small_population = policy.suppressed(exact["population"])
    count_hidden = {
        "population": small_population.copy(),
        "denominator": small_population | policy.suppressed(exact["denominator"]),
        "count": small_population | policy.suppressed(exact["count"]),
    }
    derived = None
    if mask is not None:
        cells = _Mask(mask)
        own = cells.rows(metrics["geography"], metrics["grouping"], metrics["group"])
        col = cells.col
        rows = np.arange(n_rows)
        count_hidden["population"] |= own[:, col["population"]]
        count_hidden["denominator"] |= own[rows, _column_of(moment, col, "base")]
        count_hidden["count"] |= own[rows, _column_of(moment, col, "count")]
        derived = _derived_flags(metrics, cells, own, moment)
    hidden = count_hidden["denominator"] | count_hidden["count"]
    rest_hidden = policy.suppressed(np.nan_to_num(exact["rest_denominator"], nan=np.inf)) | policy.suppressed(np.nan_to_num(exact["rest_count"], nan=np.inf))
    if derived is not None:
        rest_hidden |= derived["rest"]
    # key each count by the cube count it comes from, so the same number rounds the same way
    # on every row it appears in (population in every moment row, a moment's count as the
    # next step's denominator)
    source = {
        "population": np.full(n_rows, "population", dtype=object),
        "denominator": base,
        "count": count,
        "rest_denominator": "rest-" + base,
        "rest_count": "rest-" + count,
    }
    shown: dict[str, np.ndarray] = {}
    for c in COUNT_COLUMNS:
        rounded = policy.round(exact[c], cell_keys(metrics, source[c]) if policy.rounding == "random" else None)
        rounded[count_hidden[c] if c in count_hidden else hidden | rest_hidden] = np.nan
        shown[c] = rounded
        out[c] = pd.array(rounded, dtype="Float64").astype("Int64")
    box = {c: policy.bounds(v) for c, v in shown.items()}

    low, high = rate_range(*box["count"], *box["denominator"])
    out["rate"] = (low + high) / 2
    out["rate_ci_low"], out["rate_ci_high"] = rate_interval(*box["count"], *box["denominator"])
    rest_low, rest_high = rate_range(*box["rest_count"], *box["rest_denominator"])
    out["rest_rate"] = (rest_low + rest_high) / 2
    out["rate_difference"] = out["rate"] - out["rest_rate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_ratio"] = out["rate"] / out["rest_rate"]
    family = test_families(metrics)
    p_rest = two_proportion_bound(box["count"], box["denominator"], box["rest_count"], box["rest_denominator"])
    p_rest[hidden | rest_hidden] = np.nan
    p_national = _national_bound(metrics, policy, national, box, base, count)
    national_hidden = np.isnan(p_national)
    if derived is not None:
        national_hidden |= derived["national"]
    p_national[hidden | national_hidden] = np.nan
    q_rest, q_national = benjamini_hochberg(p_rest, family), benjamini_hochberg(p_national, family)
    out["p_value"], out["q_value"] = significant_digits(p_rest), significant_digits(q_rest)
    out["p_value_vs_national"], out["q_value_vs_national"] = significant_digits(p_national), significant_digits(q_national)
    out["significant"] = np.nan_to_num(q_rest, nan=1.0) < 0.05
    out["significant_vs_national"] = np.nan_to_num(q_national, nan=1.0) < 0.05

    if shares:
        known = ~has_unknown_part(metrics["group"])
        grouping_family = group_ids([metrics[c] for c in ("dataset", "year", "geography", "grouping", "moment")])
        # the known total of a grouping: the rounded exact total (never a sum that would let a
        # reader subtract the published groups to get a suppressed one)
        total_policy = Policy(rounding_base=policy.rounding_base)
        totals = {
            c: total_policy.round(np.bincount(grouping_family, weights=np.where(known, np.nan_to_num(exact[c]), 0.0)))[grouping_family]
            for c in ("denominator", "count")
        }
        with np.errstate(divide="ignore", invalid="ignore"):
            share_d = np.where(known & (totals["denominator"] > 0), shown["denominator"] / totals["denominator"], np.nan)
            share_m = np.where(known & (totals["count"] > 0), shown["count"] / totals["count"], np.nan)
        if derived is not None:
            share_d[derived["share_of_denominator"]] = np.nan
            share_m[derived["share_of_moment"]] = np.nan
        out["share_of_denominator"], out["share_of_moment"] = share_d, share_m
        out["representation_gap_pp"] = 100 * (share_m - share_d)
    else:
        out["share_of_denominator"] = out["share_of_moment"] = out["representation_gap_pp"] = np.nan
    for c in ("national_rate", "national_ci_low", "national_ci_high"):
        out[c] = np.nan  # a published national figure comes from the national row itself
    for c in CELL_DERIVED:
        values = out[c].to_numpy(dtype="float64", na_value=np.nan).copy()
        values[hidden] = np.nan
        if c in ("rest_rate", "rate_difference", "rate_ratio", "p_value", "q_value"):
            values[rest_hidden] = np.nan
        out[c] = values
    out["suppressed"] = hidden
    return out


#: a model is published only for a group and a rest of at least this many people each
MODEL_MIN_PEOPLE = 100
#: the model outputs of `publish_model` (fractions)
MODEL_OUTPUTS = ("model_raw_gap", "adjusted_gap", "adjusted_low", "adjusted_high", "linked_part")


def publish_model(frame: pd.DataFrame, policy: Policy = PUBLIC) -> pd.DataFrame:
    """Model output (adjusted gaps) as it may be published: nothing for a group or rest under
    `MODEL_MIN_PEOPLE`, or with fewer than the threshold reaching or not reaching the outcome;
    the rest in whole percentage points (0.01 as a fraction) unless the policy is exact, so that
    no exact count can be read back from it. ``frame`` has ``n_group, x_group, n_rest, x_rest``
    (exact counts) and the `MODEL_OUTPUTS`; a ``hidden`` column is added."""
    out = frame.copy()
    counts = {c: out[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("n_group", "x_group", "n_rest", "x_rest")}
    if policy.exact:
        hidden = np.zeros(len(out), dtype=bool)
    else:
        small = (counts["n_group"] < MODEL_MIN_PEOPLE) | (counts["n_rest"] < MODEL_MIN_PEOPLE)
        for x, n in (("x_group", "n_group"), ("x_rest", "n_rest")):
            small |= policy.suppressed(counts[x]) | policy.suppressed(counts[n] - counts[x])
        hidden = small | np.isnan(counts["n_group"]) | np.isnan(counts["n_rest"])
    for c in MODEL_OUTPUTS:
        values = out[c].to_numpy(dtype="float64", na_value=np.nan).copy()
        if not policy.exact:
            values = np.round(values, 2) + 0.0  # whole percentage points (and no -0)
        values[hidden] = np.nan
        out[c] = values
    out["hidden"] = hidden
    return out.drop(columns=["n_group", "x_group", "n_rest", "x_rest"])


def published_test(a: pd.DataFrame, b: pd.DataFrame, policy_a: Policy, policy_b: Policy) -> np.ndarray:
    """p-value bounds of two-proportion tests between published rows ``a`` and ``b`` (aligned,
    with ``count`` and ``denominator`` as published under ``policy_a`` / ``policy_b``), taken as
    independent samples: the bound over every exact count consistent with both (exact where a
    policy is exact). NaN where either side is hidden."""

    def box(frame: pd.DataFrame, policy: Policy, column: str) -> tuple[np.ndarray, np.ndarray]:
        return policy.bounds(frame[column].to_numpy(dtype="float64", na_value=np.nan))

    return two_proportion_bound(box(a, policy_a, "count"), box(a, policy_a, "denominator"), box(b, policy_b, "count"), box(b, policy_b, "denominator"))


def published_comparison(a: pd.DataFrame, b: pd.DataFrame, policy_a: Policy, policy_b: Policy) -> np.ndarray:
    """q-values (Benjamini–Hochberg over the rows shown) of `published_test` between aligned
    published rows ``a`` and ``b``; NaN where a row of ``a`` is hidden or the test impossible."""
    p = published_test(a, b, policy_a, policy_b)
    q = np.full(len(a), np.nan)
    shown = ~a["suppressed"].to_numpy(dtype=bool) & ~np.isnan(p)
    if shown.any():
        q[shown] = benjamini_hochberg(p[shown])
    return q


def _national_bound(
    metrics: pd.DataFrame, policy: Policy, national: pd.DataFrame | None, box: dict[str, tuple[np.ndarray, np.ndarray]], base: np.ndarray, count: np.ndarray
) -> np.ndarray:
    """Upper bound of the p-value of each row's group against the same group in the rest of
    the country (the national published counts minus this area's), NaN for national rows and
    where the national cell is hidden."""
    n = len(metrics)
    source = national if national is not None else metrics
    nat = source[source["geography"].astype(str) == NATIONAL_CODE]
    if nat.empty:
        return np.full(n, np.nan)
    keys = ["dataset", "year", "grouping", "group", "moment"]
    text = {"dataset", "grouping", "group", "moment"}
    as_key = lambda frame, k: frame[k].astype(str) if k in text else frame[k]  # noqa: E731
    at = row_positions([as_key(metrics, k) for k in keys], [as_key(nat, k) for k in keys])
    frame = metrics[keys].astype({k: str for k in text}).reset_index(drop=True)
    frame["geography"] = NATIONAL_CODE
    for column in ("denominator", "count", "population"):
        values = np.append(nat[column].to_numpy(dtype="float64", na_value=np.nan), np.nan)
        frame[column] = values[at]  # -1: no national row, NaN
    bounds = {}
    for column, src in (("denominator", base), ("count", count)):
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        rounded = policy.round(np.nan_to_num(values), cell_keys(frame, src) if policy.rounding == "random" else None)
        rounded[
            np.isnan(values)
            | policy.suppressed(np.nan_to_num(values, nan=-1.0))
            | policy.suppressed(frame["population"].to_numpy(dtype="float64", na_value=-1.0))
        ] = np.nan
        bounds[column] = policy.bounds(rounded)
    other = {c: (np.maximum(bounds[c][0] - box[c][1], 0.0), bounds[c][1] - box[c][0]) for c in ("denominator", "count")}
    p = two_proportion_bound(box["count"], box["denominator"], other["count"], other["denominator"])
    p[(metrics["geography"].astype(str) == NATIONAL_CODE).to_numpy()] = np.nan
    return p


__all__ = [
    "CELL_DERIVED",
    "COUNT_COLUMNS",
    "INTERNAL",
    "MODEL_MIN_PEOPLE",
    "MODEL_OUTPUTS",
    "PUBLIC",
    "SUPPRESSED",
    "Policy",
    "cell_keys",
    "mask_from_table",
    "mask_table",
    "publish_metrics",
    "publish_model",
    "published_comparison",
    "published_test",
    "significant_digits",
    "suppression_mask",
]
