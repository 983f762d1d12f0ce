"""Published table layouts built from the cube (always through a disclosure `Policy`).

`table_2_1` gives the layout of the report's Table 2.1: per characteristic and group the
count and share at each moment, counts rounded, shares in whole percent computed from the
published (rounded) counts, and a total row per characteristic over the known values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kansenspiegel.codes import ALL, CHARACTERISTICS, TABLE_2_1_CHARACTERISTICS, UNKNOWN, Characteristic, Lang
from kansenspiegel.disclosure import PUBLIC, SUPPRESSED, Policy, cell_keys

TABLE_2_1_MOMENTS = ("population", "provision", "employed", "sustained")
TABLE_2_1_COLUMNS = (
    "characteristic",
    "group",
    *(c for m in TABLE_2_1_MOMENTS for c in (m, f"{m}_share_pct")),
)


def _pct(part: np.ndarray, whole: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor(100 * part / whole + 0.5)


def table_2_1(
    cube: pd.DataFrame,
    characteristics: tuple[str, ...] | list[str] = TABLE_2_1_CHARACTERISTICS,
    *,
    lang: Lang = "nl",
    policy: Policy = PUBLIC,
    mask: pd.DataFrame | None = None,
    specs: dict[str, Characteristic] | None = None,
) -> pd.DataFrame:
    """Table 2.1 for the cube rows of one dataset, year and geography (values as text);
    ``mask`` (from `disclosure.suppression_mask`) adds secondary suppression; ``specs``: the
    dataset's characteristics (with its own ones), default the standard ones."""
    blocks = []
    for name in characteristics:
        spec = (CHARACTERISTICS if specs is None else specs)[name]
        # a one-characteristic group's key is its code (an own characteristic has no column)
        present = set(cube.loc[cube.grouping == name, "group"])
        rows = cube[cube.grouping == name].set_index("group", drop=False).reindex([c for c in spec.codes if c in present])
        known = rows.index != UNKNOWN
        block = pd.DataFrame({"characteristic": name, "group": [spec.group_label(c, lang) for c in rows.index]})
        total = {"characteristic": name, "group": spec.total_label(lang)}
        pop_hidden = policy.suppressed(rows["population"].to_numpy())
        for moment in TABLE_2_1_MOMENTS:
            exact = rows[moment].to_numpy(dtype="float64")
            hidden = policy.suppressed(exact) | pop_hidden
            if mask is not None:
                keys = pd.MultiIndex.from_frame(rows[["geography", "grouping", "group"]].astype(str))
                hidden = (
                    hidden | mask.reindex(keys)[moment].fillna(True).to_numpy(dtype=bool) | mask.reindex(keys)["population"].fillna(True).to_numpy(dtype=bool)
                )
            shown = policy.round(exact, cell_keys(rows, moment) if policy.rounding == "random" else None)
            # CBS prints the sum of the rounded groups; when a group is hidden its rounded
            # count must not be recoverable from the total, so the exact total is rounded instead.
            total_key = [f"total|{name}|{moment}|" + "|".join(str(rows[c].iloc[0]) for c in ("dataset", "year", "geography"))] if len(rows) else None
            total_count = (
                shown[known].sum()
                if not hidden[known].any()
                else float(policy.round([exact[known].sum()], total_key if policy.rounding == "random" else None)[0])
            )
            # that exact total of the known groups, with a known group hidden, is new information
            # unless the area total and the unknown group are shown (then it is their difference)
            total_hidden = bool(policy.suppressed([total_count])[0])
            if mask is not None and hidden[known].any() and len(rows):
                area = mask.reindex(pd.MultiIndex.from_tuples([(str(rows["geography"].iloc[0]), ALL, ALL)]))
                total_hidden |= bool(area[[moment, "population"]].fillna(True).to_numpy().any()) or bool(hidden[~known].any())
            share = _pct(shown, total_count)
            block[moment] = np.where(hidden, SUPPRESSED, shown.astype("int64").astype(str))
            block[f"{moment}_share_pct"] = np.where(hidden, SUPPRESSED, np.where(known, SUPPRESSED if total_hidden else share.astype("int64").astype(str), ""))
            total[moment] = SUPPRESSED if total_hidden else str(int(total_count))
            total[f"{moment}_share_pct"] = SUPPRESSED if total_hidden else "100"
        unknown_rows = block[~known]
        blocks.extend([block[known], pd.DataFrame([total]), unknown_rows])
    if not blocks:
        return pd.DataFrame(columns=list(TABLE_2_1_COLUMNS))
    return pd.concat(blocks, ignore_index=True)[list(TABLE_2_1_COLUMNS)]
