"""The Table 2.1 view: per characteristic and group, shares, gaps, chance with its interval, the
test against everyone else in the area, and the same group in a comparison area, with a test:
against the comparison without this area when it holds it (a municipality against the rest of
its AMR, report 2.2: large central municipalities overshadow the others), against the other area
as it is when it does not (region against region)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kansenspiegel.codes import CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, group_label
from kansenspiegel.disclosure import Policy, significant_digits
from kansenspiegel.geography import geo_level_of, municipalities
from kansenspiegel.stats import benjamini_hochberg, rate_interval, rate_range, two_proportion_bound
from kansenspiegel.views._params import Geo, Language, Year
from kansenspiegel.views._published import Published
from kansenspiegel.views._registry import Params, View, columns, register

#: display order of every (characteristic, group)
ORDER = {(n, c): i for i, (n, c) in enumerate((n, c) for n in CHARACTERISTIC_NAMES for c in CHARACTERISTICS[n].codes)}


#: A group's shares, gap and chance against everyone else (the columns of a Table 2.1 row).
GROUP_COLUMNS = (
    "population",
    "share_of_denominator:rate",
    "count",
    "share_of_moment:rate",
    "representation_gap_pp:pp",
    "rate:rate",
    "rate_ci_low:rate",
    "rate_ci_high:rate",
    "rest_rate:rate",
    "rate_difference:pp",
)


class CharacteristicsParams(Params):
    year: Year
    geography: Geo = NATIONAL_CODE
    comparison: Geo = NATIONAL_CODE
    lang: Language = "nl"


def contains(outer: str, inner: str) -> bool:
    """True when area ``outer`` holds area ``inner`` (the country every area, an AMR its municipalities)."""
    if outer == inner:
        return False
    if outer == NATIONAL_CODE:
        return True
    if geo_level_of(outer) == "amr" and geo_level_of(inner) == "municipality":
        return bool(municipalities().set_index("gm_code").loc[inner, "amr_code"] == outer)
    return False


def comparison_test(merged: pd.DataFrame, policy: Policy, nested: bool) -> dict[str, np.ndarray]:
    """The area's groups against the same groups in the comparison area, from published counts.

    When the comparison area holds this one (a municipality's AMR, the country), the other side
    is the comparison *without* this area (its published counts minus these: the rest of the AMR),
    so that the two samples are independent; otherwise (another region or municipality) the two
    areas as they are. The p-value is an upper bound over every exact count behind the rounded
    ones; Benjamini–Hochberg runs over the groups shown, per kind of outcome."""

    def box(column: str) -> tuple[np.ndarray, np.ndarray]:
        return policy.bounds(merged[column].to_numpy(dtype="float64", na_value=np.nan))

    x, n = box("count"), box("denominator")
    cx, cn = box("count_comparison"), box("denominator_comparison")
    if nested:
        cx = (np.maximum(cx[0] - x[1], 0.0), cx[1] - x[0])
        cn = (np.maximum(cn[0] - n[1], 0.0), cn[1] - n[0])
    low, high = rate_range(*cx, *cn)
    ci_low, ci_high = rate_interval(*cx, *cn)
    p = two_proportion_bound(x, n, cx, cn)
    hidden = merged["suppressed"].astype(bool).to_numpy() | merged["suppressed_comparison"].fillna(True).astype(bool).to_numpy()
    p[hidden] = np.nan
    for a in (low, high, ci_low, ci_high):
        a[hidden] = np.nan
    family = pd.factorize(merged["moment"].map({m.name: m.family for m in MOMENTS.values()}))[0]
    q = benjamini_hochberg(p, family)
    return {"rate": (low + high) / 2, "ci_low": ci_low, "ci_high": ci_high, "p": p, "q": q, "shown_q": significant_digits(q)}


def compute(pub: Published, p: CharacteristicsParams) -> pd.DataFrame:
    pub.check(year=p.year, geography=p.geography)
    pub.check(geography=p.comparison)
    here = pub.groups(p.year, p.geography)
    there = pub.groups(p.year, p.comparison)
    single = here[here.grouping.isin(CHARACTERISTIC_NAMES)]
    keep = ["grouping", "group", "moment", "rate", "rate_ci_low", "rate_ci_high", "count", "denominator", "suppressed"]
    cmp = there[there.grouping.isin(CHARACTERISTIC_NAMES)][keep]
    merged = single.merge(cmp, on=["grouping", "group", "moment"], how="left", suffixes=("", "_comparison"))
    merged["order"] = [ORDER.get((g, k), 999) for g, k in zip(merged.grouping, merged.group)]
    merged["label"] = [group_label(g, k, p.lang) for g, k in zip(merged.grouping, merged.group)]
    merged["characteristic_label"] = [CHARACTERISTICS[g].label(p.lang) for g in merged.grouping]
    merged["difference_vs_comparison_pp"] = 100 * (merged.rate - merged.rate_comparison)
    nested = contains(p.comparison, p.geography)
    merged["comparison_is_rest"] = nested
    if p.comparison == p.geography:
        for c in (
            "rate_rest_of_comparison",
            "rest_of_comparison_ci_low",
            "rest_of_comparison_ci_high",
            "difference_vs_rest_of_comparison_pp",
            "q_value_vs_comparison",
        ):
            merged[c] = np.nan
        merged["significant_vs_comparison"] = False
    else:
        test = comparison_test(merged, pub.policy, nested)
        merged["rate_rest_of_comparison"] = test["rate"] if nested else np.nan
        merged["rest_of_comparison_ci_low"] = test["ci_low"] if nested else np.nan
        merged["rest_of_comparison_ci_high"] = test["ci_high"] if nested else np.nan
        merged["difference_vs_rest_of_comparison_pp"] = 100 * (merged.rate - test["rate"]) if nested else np.nan
        if p.comparison == NATIONAL_CODE:  # the engine's test against the rest of the country (its q over the whole page)
            merged["q_value_vs_comparison"] = merged.q_value_vs_national
            merged["significant_vs_comparison"] = merged.significant_vs_national.astype(bool)
        else:
            merged["q_value_vs_comparison"] = test["shown_q"]
            merged["significant_vs_comparison"] = np.nan_to_num(test["q"], nan=1.0) < 0.05
    merged["moment_order"] = merged.moment.map({m: i for i, m in enumerate(MOMENTS)})
    return merged.sort_values(["order", "moment_order"])[[c.name for c in VIEW.columns]].reset_index(drop=True)


VIEW = register(
    View(
        name="characteristics",
        summary="The Table 2.1 view: shares, gaps and chances per group, with a comparison area",
        params=CharacteristicsParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "moment:moment",
            *GROUP_COLUMNS,
            "p_value:p",
            "q_value:p",
            "significant:flag",
            "rate_comparison:rate",
            "rate_ci_low_comparison:rate",
            "rate_ci_high_comparison:rate",
            "difference_vs_comparison_pp:pp",
            "comparison_is_rest:flag",
            "rate_rest_of_comparison:rate",
            "rest_of_comparison_ci_low:rate",
            "rest_of_comparison_ci_high:rate",
            "difference_vs_rest_of_comparison_pp:pp",
            "q_value_vs_national:p",
            "q_value_vs_comparison:p",
            "significant_vs_comparison:flag",
            "suppressed:flag",
            "order:count",
        ),
        compute=compute,
        page="characteristics",
    )
)
