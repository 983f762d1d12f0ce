"""What lies behind a gap: per group of each characteristic, one area, year and moment, the raw
gap with everyone else beside the gap after adjustment for labour-market-relevant covariates
(`stats.adjusted_gap`), and the part that goes with those covariates. Always side by side and
with the caveat of the report (1.4, 4.1.5, 4.3): the adjustment never explains a gap away."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, UNKNOWN, group_label
from kansenspiegel.disclosure import publish_model, significant_digits
from kansenspiegel.messages import Lang, t
from kansenspiegel.stats import COVARIATE_CELLS, adjusted_gap, benjamini_hochberg
from kansenspiegel.views._params import Geo, Language, Moment, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register
from kansenspiegel.views.characteristics import ORDER


class AdjustedParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    moment: Moment = "employed"
    lang: Language = "nl"


def covariates_in(cells: pd.DataFrame | None) -> list[str]:
    """The covariates a dataset has: a known value, and more than one (a covariate that is the
    same for everyone adjusts for nothing)."""
    if cells is None:
        return []
    return [c for c in COVARIATE_CELLS if (cells[c].astype(str) != UNKNOWN).any() and cells[c].astype(str).nunique() > 1]


def compute(pub: Published, p: AdjustedParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    with pub.locked():
        cells = pub.mirror.covariate_counts(year=p.year, geography=p.geography)
    used = covariates_in(cells)
    moment = MOMENTS[p.moment]
    shown = pub.groups(p.year, p.geography)
    shown = shown[shown.moment == p.moment].set_index(["grouping", "group"])
    rows = []
    for name in CHARACTERISTIC_NAMES:
        if cells is None:
            break
        strata = cells.groupby([name, *used], as_index=False, dropna=False)[[moment.count, moment.base]].sum()
        for code in CHARACTERISTICS[name].known_codes:
            member = (strata[name] == code).to_numpy()
            fit = adjusted_gap(strata, member, moment.count, moment.base)
            n, x = strata[moment.base].to_numpy(dtype="float64"), strata[moment.count].to_numpy(dtype="float64")
            rows.append(
                {
                    "grouping": name,
                    "group": code,
                    "n_group": n[member].sum(),
                    "x_group": x[member].sum(),
                    "n_rest": n[~member].sum(),
                    "x_rest": x[~member].sum(),
                    "model_raw_gap": fit["raw"],
                    "adjusted_gap": fit["adjusted"],
                    "adjusted_low": fit["adjusted_low"],
                    "adjusted_high": fit["adjusted_high"],
                    "linked_part": fit["raw"] - fit["adjusted"],
                    "adjusted_p": fit["p"],
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "grouping",
            "group",
            "n_group",
            "x_group",
            "n_rest",
            "x_rest",
            "model_raw_gap",
            "adjusted_gap",
            "adjusted_low",
            "adjusted_high",
            "linked_part",
            "adjusted_p",
        ],
    )
    out = publish_model(frame, pub.policy)
    key = pd.MultiIndex.from_frame(out[["grouping", "group"]]) if len(out) else pd.MultiIndex.from_tuples([], names=["grouping", "group"])
    out["raw_gap_pp"] = 100 * shown["rate_difference"].reindex(key).to_numpy(dtype="float64", na_value=np.nan)
    for c in ("model_raw_gap", "adjusted_gap", "adjusted_low", "adjusted_high", "linked_part"):
        out[f"{c}_pp"] = np.round(100 * out[c], 6)  # whole points stay whole (no 7.000000000000001)
    # clear: after Benjamini–Hochberg over the groups shown (the page's family of model tests)
    p_shown = np.where(out.hidden.to_numpy(dtype=bool), np.nan, out.adjusted_p.to_numpy(dtype="float64"))
    q = benjamini_hochberg(p_shown)
    out["adjusted_q_value"] = significant_digits(q)
    out["adjusted_clear"] = np.nan_to_num(q, nan=1.0) < 0.05
    out["smaller_after_adjustment"] = out.adjusted_gap.abs() < out.model_raw_gap.abs()
    out["covariates"] = [list(used)] * len(out)
    out["label"] = [group_label(g, k, p.lang) for g, k in zip(out.grouping, out.group)]
    out["characteristic_label"] = [CHARACTERISTICS[g].label(p.lang) for g in out.grouping]
    out["moment"] = p.moment
    out["order"] = [ORDER.get((g, k), 999) for g, k in zip(out.grouping, out.group)]
    out["text"] = [_sentence(r, p.lang) for r in out.itertuples()]
    return out.sort_values("order")[[c.name for c in VIEW.columns]].reset_index(drop=True)


def _sentence(r: Any, lang: Lang) -> str:
    from kansenspiegel.formatting import fmt_number

    if r.hidden or np.isnan(r.adjusted_gap_pp):
        return t("finding.adjusted.none", lang)

    def pp(v: float) -> str:
        return fmt_number(v, lang, digits=0).replace("-", "−")

    return t(
        "finding.adjusted.text",
        lang,
        raw=pp(r.model_raw_gap_pp),
        adjusted=pp(r.adjusted_gap_pp),
        low=pp(r.adjusted_low_pp),
        high=pp(r.adjusted_high_pp),
        linked=pp(r.linked_part_pp),
    )


def caveat(lang: Lang) -> str:
    """What every adjusted gap is shown with."""
    return t("finding.adjusted.caveat", lang)


VIEW = register(
    View(
        name="adjusted",
        summary="What lies behind a gap: raw and adjusted gap side by side, and the part linked to covariates",
        params=AdjustedParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "moment:moment",
            "raw_gap_pp:pp",
            "model_raw_gap_pp:pp",
            "linked_part_pp:pp",
            "adjusted_gap_pp:pp",
            "adjusted_low_pp:pp",
            "adjusted_high_pp:pp",
            "adjusted_q_value:p",
            "adjusted_clear:flag",
            "smaller_after_adjustment:flag",
            "covariates:list",
            "hidden:flag",
            "text:text",
            "order:count",
        ),
        compute=compute,
        disclosure="model",
        page="characteristics",
    )
)
