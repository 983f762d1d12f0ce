"""What lies behind a gap: per group of each characteristic, one area, year and moment, the raw
gap with everyone else beside the gap after adjustment for labour-market-relevant covariates
(`stats.adjusted_gap`), and the part that goes with those covariates. Always side by side and
with the caveat of the report (1.4, 4.1.5, 4.3): the adjustment never explains a gap away."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, UNKNOWN, group_label
from kansenspiegel.disclosure import MODEL_OUTPUTS, publish_model, significant_digits
from kansenspiegel.messages import Lang, t
from kansenspiegel.stats import COVARIATE_CELLS, benjamini_hochberg, covariate_matrix, fit_adjusted
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


FIT_COLUMNS = (
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
)


def model_rows(cells: pd.DataFrame, moment: str, used: list[str], by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every known group of every characteristic against everyone else, per ``by`` (an area
    column, or none), fitted in one batch (`stats.fit_adjusted`): exact counts and model output."""
    m = MOMENTS[moment]
    grid = cells[used].drop_duplicates().reset_index(drop=True) if used else pd.DataFrame(index=[0])
    cell_id = (pd.Index(grid[used[0]]) if len(used) == 1 else pd.MultiIndex.from_frame(grid)) if used else None
    frames, blocks = [], []
    for name in CHARACTERISTIC_NAMES:
        counts = cells.groupby([*by, name, *used], dropna=False)[[m.base, m.count]].sum()
        total = counts.groupby(level=[*by, *used], dropna=False).sum() if used or by else counts.sum().to_frame().T
        for code in CHARACTERISTICS[name].known_codes:
            mine = counts.xs(code, level=name) if code in counts.index.get_level_values(name) else counts.iloc[:0].droplevel(name)
            blocks.append((name, code, mine, total))
    areas: list[tuple[Any, ...]] = sorted(cells[list(by)].drop_duplicates().itertuples(index=False, name=None)) if by else [()]
    area_index = (pd.Index([a[0] for a in areas], name=by[0]) if len(by) == 1 else pd.MultiIndex.from_tuples(areas, names=list(by))) if by else None

    def wide(frame: pd.DataFrame, column: str) -> np.ndarray:
        series = frame[column]
        if not used:
            values = series.groupby(level=list(by)).sum() if by else pd.Series([series.sum()])
            return (values.reindex(area_index).to_numpy(dtype="float64") if by else values.to_numpy(dtype="float64"))[:, None]
        table = series.unstack(list(by)) if by else series.to_frame("all")
        table = table.reindex(index=cell_id)
        if by:
            table = table.reindex(columns=area_index)
        return np.nan_to_num(table.to_numpy(dtype="float64").T)

    n_g, x_g, n_r, x_r = [], [], [], []
    for name, code, mine, total in blocks:
        g_n, g_x = wide(mine, m.base), wide(mine, m.count)
        n_g.append(g_n)
        x_g.append(g_x)
        n_r.append(wide(total, m.base) - g_n)
        x_r.append(wide(total, m.count) - g_x)
        frames.append(pd.DataFrame({**{b: [a[i] for a in areas] for i, b in enumerate(by)}, "grouping": [name] * len(areas), "group": [code] * len(areas)}))
    fit = fit_adjusted(covariate_matrix(grid) if used else np.zeros((1, 0)), np.vstack(n_g), np.vstack(x_g), np.vstack(n_r), np.vstack(x_r))
    out = pd.concat(frames, ignore_index=True)
    out["n_group"], out["x_group"] = np.vstack(n_g).sum(axis=1), np.vstack(x_g).sum(axis=1)
    out["n_rest"], out["x_rest"] = np.vstack(n_r).sum(axis=1), np.vstack(x_r).sum(axis=1)
    for column, key in (
        ("model_raw_gap", "raw"),
        ("adjusted_gap", "adjusted"),
        ("adjusted_low", "adjusted_low"),
        ("adjusted_high", "adjusted_high"),
        ("linked_part", "linked"),
        ("adjusted_p", "p"),
    ):
        out[column] = fit[key]
    return out


def compute(pub: Published, p: AdjustedParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    with pub.locked():
        cells = pub.mirror.covariate_counts(year=p.year, geography=p.geography)
    used = covariates_in(cells)
    frame = model_rows(cells, p.moment, used) if cells is not None else pd.DataFrame(columns=list(FIT_COLUMNS))
    shown = pub.groups(p.year, p.geography)
    return _published(frame, shown[shown.moment == p.moment].set_index(["grouping", "group"]), pub, p, used)


def everywhere(pub: Published, year: int, moment: str = "employed", lang: Lang = "nl") -> pd.DataFrame:
    """The view's rows for every area of a year at once (one query, one batch of fits): what a
    national statistician publishes for the whole country; column ``geography`` added."""
    with pub.locked():
        cells = pub.mirror.covariate_counts_everywhere(year=year)
    if cells is None:
        return pd.DataFrame(columns=["geography", *[c.name for c in VIEW.columns]])
    used = covariates_in(cells)
    frame = model_rows(cells, moment, used, by=("geography",))
    shown = pub.across(year=year, moment=moment)
    shown = shown[shown.grouping.isin(CHARACTERISTIC_NAMES)].set_index(["geography", "grouping", "group"])
    params = AdjustedParams(year=year, moment=moment, lang=lang)  # type: ignore[arg-type]
    out = []
    for geography, part in frame.groupby("geography", sort=True):
        rows = _published(part.drop(columns="geography"), shown.xs(geography, level="geography"), pub, params, used)
        out.append(rows.assign(geography=geography))
    return pd.concat(out, ignore_index=True)


def _published(frame: pd.DataFrame, shown: pd.DataFrame, pub: Published, p: AdjustedParams, used: list[str]) -> pd.DataFrame:
    """Model rows of one area as published: disclosure, the published raw gap beside them, BH."""
    out = publish_model(frame.reset_index(drop=True), pub.policy)
    key = pd.MultiIndex.from_frame(out[["grouping", "group"]]) if len(out) else pd.MultiIndex.from_tuples([], names=["grouping", "group"])
    out["raw_gap_pp"] = 100 * shown["rate_difference"].reindex(key).to_numpy(dtype="float64", na_value=np.nan)
    if not pub.policy.exact:
        # the raw gap is a difference of two chances, so it follows the count rules: the one of
        # the published (rounded) counts, in whole points, not the exact one of the model; the
        # part that goes with the covariates is what is left of it beside the adjusted gap, so
        # the shown parts still add up
        shown_raw = out["raw_gap_pp"].to_numpy(dtype="float64")
        raw = np.sign(shown_raw) * np.floor(np.abs(shown_raw) + 0.5) / 100 + 0.0  # half away from zero, no −0
        # where the published raw gap is hidden (secondary suppression), no model output either
        hidden = out.hidden.to_numpy(dtype=bool) | np.isnan(raw)
        for c in MODEL_OUTPUTS:
            out[c] = np.where(hidden, np.nan, out[c].astype("float64"))
        out["hidden"] = hidden
        out["model_raw_gap"] = np.where(hidden, np.nan, raw)
        out["linked_part"] = np.round(out["model_raw_gap"].astype("float64") - out["adjusted_gap"].astype("float64"), 2) + 0.0
    for c in ("model_raw_gap", "adjusted_gap", "adjusted_low", "adjusted_high", "linked_part"):
        out[f"{c}_pp"] = np.round(100 * out[c].astype("float64"), 6)  # whole points stay whole (no 7.000000000000001)
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
