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

from kansenspiegel.codes import ALL, MOMENTS, NATIONAL_CODE, SEP, UNKNOWN
from kansenspiegel.stats import wilson_interval

SUPPRESSED = "."
#: Count columns of the metric table (rounded when published).
COUNT_COLUMNS = ("population", "denominator", "count", "rest_denominator", "rest_count")
#: Columns derived from a cell's own counts (hidden with the cell).
CELL_DERIVED = ("share_of_denominator", "share_of_moment", "representation_gap_pp", "rate", "rate_ci_low", "rate_ci_high",
                "rest_rate", "rate_difference", "rate_ratio", "p_value", "q_value", "p_value_vs_national", "q_value_vs_national")


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

    def suppressed(self, values: object) -> np.ndarray:
        """True where a count is too small to publish."""
        return np.asarray(values, dtype="float64") < self.threshold


PUBLIC = Policy()
#: For an authorised analyst on their own data: exact counts, nothing suppressed.
INTERNAL = Policy(rounding_base=1, threshold=0)


def cell_keys(frame: pd.DataFrame, count: str | pd.Series) -> np.ndarray:
    """A text key per row naming the published count (dataset|year|geography|group|count)."""
    parts = frame["dataset"].astype(str) + "|" + frame["year"].astype(str) + "|" + frame["geography"].astype(str) + "|" + frame["group"].astype(str) + "|"
    return (parts + (count if isinstance(count, str) else count.astype(str))).to_numpy(dtype=object)


def significant_digits(values: np.ndarray, digits: int = 2, floor: float = 1e-4) -> np.ndarray:
    """p- and q-values as published: two significant digits, nothing below ``floor``."""
    v = np.maximum(values, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(v)))
        return np.round(v * scale) / scale


def suppression_mask(cube: pd.DataFrame, policy: Policy = PUBLIC) -> pd.DataFrame:
    """Primary + secondary suppression of one dataset-year cube, keyed by
    ``geography, grouping, group``: one boolean column per count column (True = hidden)."""
    from kansenspiegel.disclosure._secondary import suppress

    cube = cube.reset_index(drop=True)
    mask = suppress(cube, policy.threshold)
    # per grouping of an area: is a group with only known values hidden, and is a group with an
    # unknown value hidden? (decides whether the known total behind the shares may be shown)
    family = [cube["geography"].astype(str), cube["grouping"].astype(str)]
    unknown = (SEP + cube["group"].astype(str) + SEP).str.contains(SEP + UNKNOWN + SEP, regex=False)
    for column in list(mask.columns):
        hidden = mask[column]
        mask[f"{column}{_KNOWN_HIDDEN}"] = (hidden & ~unknown).groupby(family).transform("any")
        mask[f"{column}{_UNKNOWN_HIDDEN}"] = (hidden & unknown).groupby(family).transform("any")
    mask.index = pd.MultiIndex.from_frame(cube[["geography", "grouping", "group"]].astype(str))
    return mask


_KNOWN_HIDDEN = ":known_group_hidden"
_UNKNOWN_HIDDEN = ":unknown_group_hidden"


def _derived_flags(metrics: pd.DataFrame, mask: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which derived numbers of each metric row would reveal a hidden cube count.

    - ``rest``: "everyone else" is the area's total minus the cell: hidden when that total is;
    - ``share_of_denominator`` / ``share_of_moment``: a share is a count over the grouping's
      known total, which a reader gets back from it. That total is safe only when it follows from
      published cells anyway: no known group hidden, or the area total and every group with an
      unknown value shown;
    - ``national``: the test against the rest of the country uses the national cell: hidden
      when that is."""
    moments = metrics["moment"].astype(str)
    base = moments.map({m.name: m.base for m in MOMENTS.values()}).to_numpy()
    count = moments.map({m.name: m.count for m in MOMENTS.values()}).to_numpy()
    rows = np.arange(len(metrics))
    n = len(metrics)

    def lookup(geography: np.ndarray, grouping: object, group: object) -> tuple[np.ndarray, dict[str, int]]:
        keys = pd.MultiIndex.from_arrays([geography, np.broadcast_to(np.asarray(grouping, dtype=object), n), np.broadcast_to(np.asarray(group, dtype=object), n)])
        cells = mask.reindex(keys)
        return cells.fillna(True).to_numpy(dtype=bool), {c: i for i, c in enumerate(cells.columns)}

    geo = metrics["geography"].astype(str).to_numpy()
    grouping = metrics["grouping"].astype(str).to_numpy()
    group = metrics["group"].astype(str).to_numpy()
    own, col = lookup(geo, grouping, group)
    total, _ = lookup(geo, ALL, ALL)
    national, _ = lookup(np.full(n, NATIONAL_CODE, dtype=object), grouping, group)

    def at(table: np.ndarray, columns: np.ndarray, suffix: str = "") -> np.ndarray:
        return table[rows, [col[c + suffix] for c in columns]]

    def share_hidden(columns: np.ndarray) -> np.ndarray:
        safe = ~at(own, columns, _KNOWN_HIDDEN) | (~at(total, columns) & ~at(own, columns, _UNKNOWN_HIDDEN))
        return ~safe

    return {
        "rest": at(total, base) | at(total, count),
        "share_of_denominator": share_hidden(base),
        "share_of_moment": share_hidden(count),
        "national": national[:, col["population"]] | at(national, base) | at(national, count),
    }


def publish_metrics(metrics: pd.DataFrame, policy: Policy = PUBLIC, *, shares: bool = True, mask: pd.DataFrame | None = None) -> pd.DataFrame:
    """The metric rows as they may be published.

    - counts rounded; a cell whose population, denominator or count is below the threshold is
      marked ``suppressed`` and every number derived from it is removed (never shown as 0 % or
      100 %); a comparison with everyone else is removed too when that rest is small;
    - rates, intervals, shares and gaps are computed from the *published* (rounded) counts, so
      they reveal nothing the rounded counts do not (a rate of exact counts, printed precisely
      enough, would give the exact counts back);
    - p- and q-values (of the exact counts) are published with two significant digits and no
      smaller than 0.0001; ``significant`` flags come from the exact q-values.

    ``shares`` needs every group of a grouping in the frame (as for one geography); pass False
    for a frame with only some groups (shares and gaps are then left out).
    With an exact policy (`INTERNAL`) the metrics are returned unchanged."""
    out = metrics.copy()
    if policy.exact:
        out["suppressed"] = False
        out["significant"] = (out.q_value < 0.05).fillna(False)
        out["significant_vs_national"] = (out.q_value_vs_national < 0.05).fillna(False)
        return out
    exact = {c: out[c].to_numpy(dtype="float64", na_value=np.nan) for c in COUNT_COLUMNS}
    # each count is hidden on its own (as the mask says); a row's rate and everything derived
    # from it is hidden when its denominator or count is
    small_population = policy.suppressed(exact["population"])
    count_hidden = {"population": small_population.copy(), "denominator": small_population | policy.suppressed(exact["denominator"]),
                    "count": small_population | policy.suppressed(exact["count"])}
    if mask is not None:
        keys = pd.MultiIndex.from_frame(metrics[["geography", "grouping", "group"]].astype(str))
        cells = mask.reindex(keys)
        moments_ = metrics["moment"].astype(str)
        base = moments_.map({m.name: m.base for m in MOMENTS.values()}).to_numpy()
        count = moments_.map({m.name: m.count for m in MOMENTS.values()}).to_numpy()
        rows = np.arange(len(metrics))
        table = cells.fillna(True).to_numpy(dtype=bool)
        col = {c: i for i, c in enumerate(cells.columns)}
        count_hidden["population"] |= table[:, col["population"]]
        count_hidden["denominator"] |= table[rows, [col[b] for b in base]]
        count_hidden["count"] |= table[rows, [col[c] for c in count]]
    hidden = count_hidden["denominator"] | count_hidden["count"]
    rest_hidden = policy.suppressed(np.nan_to_num(exact["rest_denominator"], nan=np.inf)) | policy.suppressed(np.nan_to_num(exact["rest_count"], nan=np.inf))
    derived = _derived_flags(metrics, mask) if mask is not None else None
    if derived is not None:
        rest_hidden |= derived["rest"]
    moments = metrics["moment"].astype(str)
    # key each count by the cube count it comes from, so the same number rounds the same way
    # on every row it appears in (population in every moment row, a moment's count as the
    # next step's denominator)
    source = {
        "population": pd.Series("population", index=metrics.index),
        "denominator": moments.map({m.name: m.base for m in MOMENTS.values()}),
        "count": moments.map({m.name: m.count for m in MOMENTS.values()}),
        "rest_denominator": "rest-" + moments.map({m.name: m.base for m in MOMENTS.values()}),
        "rest_count": "rest-" + moments.map({m.name: m.count for m in MOMENTS.values()}),
    }
    shown: dict[str, np.ndarray] = {}
    for c in COUNT_COLUMNS:
        rounded = policy.round(exact[c], cell_keys(metrics, source[c]) if policy.rounding == "random" else None)
        rounded[count_hidden[c] if c in count_hidden else hidden | rest_hidden] = np.nan
        shown[c] = rounded
        out[c] = pd.array(rounded, dtype="Float64").astype("Int64")

    def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = a / b
        r[~(b > 0)] = np.nan
        return r

    out["rate"] = ratio(shown["count"], shown["denominator"])
    out["rate_ci_low"], out["rate_ci_high"] = wilson_interval(np.nan_to_num(shown["count"]), np.nan_to_num(shown["denominator"]))
    out["rest_rate"] = ratio(shown["rest_count"], shown["rest_denominator"])
    out["rate_difference"] = out["rate"] - out["rest_rate"]
    out["rate_ratio"] = ratio(out["rate"].to_numpy(), out["rest_rate"].to_numpy())
    if shares:
        known = ~(metrics[[c for c in ("gender", "age_band", "migration_background", "household_type", "target_group_register") if c in metrics]] == "unknown").fillna(False).to_numpy().any(axis=1)
        family = metrics.groupby(["dataset", "year", "geography", "grouping", "moment"], sort=False).ngroup().to_numpy()
        # the known total of a grouping: the rounded exact total (never a sum that would let a
        # reader subtract the published groups to get a suppressed one)
        total_policy = Policy(rounding_base=policy.rounding_base)
        totals = {c: total_policy.round(np.bincount(family, weights=np.where(known, np.nan_to_num(exact[c]), 0.0)))[family] for c in ("denominator", "count")}
        share_d = np.where(known, ratio(shown["denominator"], totals["denominator"]), np.nan)
        share_m = np.where(known, ratio(shown["count"], totals["count"]), np.nan)
        if derived is not None:
            share_d[derived["share_of_denominator"]] = np.nan
            share_m[derived["share_of_moment"]] = np.nan
        out["share_of_denominator"], out["share_of_moment"] = share_d, share_m
        out["representation_gap_pp"] = 100 * (share_m - share_d)
    else:
        out["share_of_denominator"] = out["share_of_moment"] = out["representation_gap_pp"] = np.nan
    out["significant"] = (metrics.q_value < 0.05).fillna(False).to_numpy() & ~hidden & ~rest_hidden
    national_hidden = derived["national"] if derived is not None else np.zeros(len(metrics), dtype=bool)
    out["significant_vs_national"] = (metrics.q_value_vs_national < 0.05).fillna(False).to_numpy() & ~hidden & ~national_hidden
    for c in ("p_value", "q_value", "p_value_vs_national", "q_value_vs_national"):
        out[c] = significant_digits(metrics[c].to_numpy(dtype="float64", na_value=np.nan))
    for c in ("national_rate", "national_ci_low", "national_ci_high"):
        out[c] = np.nan  # a published national figure comes from the national row itself
    for c in CELL_DERIVED:
        values = out[c].to_numpy(dtype="float64", na_value=np.nan).copy()
        values[hidden] = np.nan
        if c in ("rest_rate", "rate_difference", "rate_ratio", "p_value", "q_value"):
            values[rest_hidden] = np.nan
        if c in ("p_value_vs_national", "q_value_vs_national"):
            values[national_hidden] = np.nan
        out[c] = values
    out["suppressed"] = hidden
    return out


__all__ = ["CELL_DERIVED", "COUNT_COLUMNS", "INTERNAL", "PUBLIC", "SUPPRESSED", "Policy", "cell_keys", "publish_metrics", "significant_digits", "suppression_mask"]
