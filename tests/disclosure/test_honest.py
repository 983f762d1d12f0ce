"""Published figures are honest for the exact data, also for small groups.

The truth is hidden from the publication (counts are rounded) but known to these tests: every
published interval contains the exact chance; over repeated samples it contains the true
probability at least 95 % of the time (computed exactly, not by simulation noise, over group
sizes 10–2000 and rates 1–99 %); no chance is published as 0 % or 100 % unless it is; every
published chance, interval and test equals what an enumeration of all exact counts consistent
with the published ones gives, so nothing published says more than the rounded counts; and a
difference flagged as clear is a clear difference of the exact data."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, binom

from kansenspiegel import Mirror
from kansenspiegel.codes import CHARACTERISTIC_NAMES, COUNT_COLUMNS
from kansenspiegel.disclosure import PUBLIC, Policy, publish_metrics
from kansenspiegel.formatting import fmt_pct
from kansenspiegel.stats import compute_metrics, two_proportion_bound, two_proportion_test
from tests.conftest import make_persons

SIZES = np.unique(np.round(np.geomspace(10, 2000, 30)).astype(int))
RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
POLICIES = [PUBLIC, Policy(rounding_base=5, threshold=5), Policy(rounding="random", seed=3)]


def every_count(sizes: np.ndarray, policy: Policy) -> pd.DataFrame:
    """Published metric rows of one group (women) in one area per (n, x): every possible
    number x = 0..n of women with a provision, for every group size n. The rest of the area
    (men) is large and fixed, so every row has a test too."""
    n = np.concatenate([np.full(size + 1, size) for size in sizes])
    x = np.concatenate([np.arange(size + 1) for size in sizes])
    areas = [f"GM{i:06d}" for i in range(len(n))]
    rest_n, rest_x = 5000, 1500
    rows = []
    for group, pop, prov in (("female", n, x), ("male", np.full(len(n), rest_n), np.full(len(n), rest_x)), ("all", n + rest_n, x + rest_x)):
        frame = pd.DataFrame(
            {
                "dataset": "sim",
                "year": 2018,
                "geo_level": "municipality",
                "geography": areas,
                "grouping": "gender" if group != "all" else "all",
                "group": group,
                "population": pop,
                "provision": prov,
                "employed": 0,
                "sustained": 0,
                "provision_employed": 0,
            }
        )
        for c in CHARACTERISTIC_NAMES:
            frame[c] = group if (c == "gender" and group != "all") else pd.NA
        rows.append(frame)
    cube = pd.concat(rows, ignore_index=True)
    present = [c for c in COUNT_COLUMNS if c in cube.columns]  # the funnel only: the other outcomes are absent
    cube[present] = cube[present].astype("int64")
    metrics = compute_metrics(cube)
    metrics = metrics[(metrics.moment == "provision") & (metrics.group == "female")].reset_index(drop=True)
    out = publish_metrics(metrics, policy, shares=False)
    out["x"], out["n"] = metrics["count"].to_numpy(dtype=float), metrics["denominator"].to_numpy(dtype=float)
    return out


@pytest.fixture(scope="module", params=POLICIES, ids=["base10", "base5", "random"])
def published(request: pytest.FixtureRequest) -> tuple[Policy, pd.DataFrame]:
    return request.param, every_count(SIZES, request.param)


def test_every_published_interval_contains_the_exact_chance(published: tuple[Policy, pd.DataFrame]) -> None:
    _, pub = published
    shown = pub[~pub.suppressed]
    assert len(shown) > 10_000
    exact = shown.x / shown.n
    assert ((shown.rate_ci_low <= exact) & (exact <= shown.rate_ci_high)).all()
    # and the published chance itself lies in the range of chances the rounded counts allow
    assert ((shown.rate_ci_low <= shown.rate) & (shown.rate <= shown.rate_ci_high)).all()


def test_no_chance_is_published_as_zero_or_one_hundred_percent(published: tuple[Policy, pd.DataFrame]) -> None:
    _, pub = published
    shown = pub[~pub.suppressed]
    assert ((shown.rate > 0) & (shown.rate < 1)).all()
    printed = {fmt_pct(r, "nl", digits) for r in shown.rate for digits in (0, 1)}
    assert not printed & {"0%", "100%", "0,0%", "100,0%"}
    assert (shown.x == shown.n).any()  # the exact 100 % cases were there, and not printed as such


def test_coverage_of_the_true_chance_is_at_least_95_percent(published: tuple[Policy, pd.DataFrame]) -> None:
    """Exact coverage (binomial probabilities, no simulation noise) of the true probability by
    the published interval, among published groups, for every size and rate of the grid where a
    group of that size and rate is usually published (for rarer ones the few shown are a
    selection of lucky draws; see docs/metrics.md)."""
    _, pub = published
    worst = []
    for size in SIZES:
        rows = pub[pub.n == size]
        x = rows.x.to_numpy()
        shown = ~rows.suppressed.to_numpy()
        for p in RATES:
            weight = binom.pmf(x, size, p)
            if weight[shown].sum() < 0.5:
                continue
            covered = (rows.rate_ci_low.to_numpy() <= p) & (p <= rows.rate_ci_high.to_numpy())
            worst.append((weight[shown & covered].sum() / weight[shown].sum(), size, p))
    assert len(worst) > 250
    assert min(worst)[0] >= 0.95, sorted(worst)[:5]


def test_published_figures_equal_an_enumeration_of_every_consistent_count() -> None:
    """An independent oracle: enumerate every exact pair (x, n) that rounds to the published
    counts (at least the threshold, x <= n); the published chance is the middle of their range
    of chances, the interval the union of their Clopper–Pearson intervals (scipy's beta)."""
    metrics = Mirror.from_microdata(make_persons(3000, seed=8)).metrics
    pub = publish_metrics(metrics[metrics.year == 2018], PUBLIC)
    shown = pub[~pub.suppressed].sample(150, random_state=1)
    for r in shown.itertuples():
        xs = [x for x in range(int(r.count) - 5, int(r.count) + 5) if x >= 10]
        ns = [n for n in range(int(r.denominator) - 5, int(r.denominator) + 5) if n >= 10]
        pairs = [(x, n) for x, n in itertools.product(xs, ns) if x <= n]
        rates = [x / n for x, n in pairs]
        low = min(beta.ppf(0.025, x, n - x + 1) for x, n in pairs)
        high = max(1.0 if x == n else beta.ppf(0.975, x + 1, n - x) for x, n in pairs)
        assert r.rate == pytest.approx((min(rates) + max(rates)) / 2, abs=1e-12)
        assert (r.rate_ci_low, r.rate_ci_high) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.integers(2, 60), st.integers(0, 40), st.integers(2, 60), st.integers(0, 40)))
def test_the_test_bound_is_never_below_any_consistent_p_value(cells: tuple[int, int, int, int]) -> None:
    """For every box of counts (base-5 rounding), the published bound is at least the largest
    p-value of the pooled z-test (as statsmodels computes it) over every point of the box."""
    n1, x1, n2, x2 = cells[0] * 5, min(cells[1] * 5, cells[0] * 5), cells[2] * 5, min(cells[3] * 5, cells[2] * 5)
    policy = Policy(rounding_base=5, threshold=0)
    (x1l, x1h), (n1l, n1h), (x2l, x2h), (n2l, n2h) = (policy.bounds([v]) for v in (x1, n1, x2, n2))
    bound = two_proportion_bound((x1l, x1h), (n1l, n1h), (x2l, x2h), (n2l, n2h))[0]
    grid = [
        (a, b, c, d)
        for a in range(int(x1l[0]), int(x1h[0]) + 1)
        for b in range(max(a, int(n1l[0]), 1), int(n1h[0]) + 1)
        for c in range(int(x2l[0]), int(x2h[0]) + 1)
        for d in range(max(c, int(n2l[0]), 1), int(n2h[0]) + 1)
    ]
    if not grid:
        return
    a, b, c, d = (np.array(v, dtype=float) for v in zip(*grid))
    worst = np.nanmax(two_proportion_test(a, b, c, d)[1])
    assert bound >= worst - 1e-12


def test_a_clear_difference_is_one_of_the_exact_data() -> None:
    """Benjamini–Hochberg over the bounds rejects only what it rejects on the exact p-values
    (the procedure is monotone in the p-values): nothing flagged that the exact data would not
    flag; and the large planted gap is still found."""
    persons = make_persons(40_000, seed=12)
    women = persons.gender == "female"
    drop = women & persons.employed_1m & (np.random.default_rng(0).random(len(persons)) < 0.4)
    persons.loc[drop, ["employed_1m", "employed_6m"]] = False
    mirror = Mirror.from_microdata(persons)
    keys = ["geography", "grouping", "group", "moment"]
    both = mirror.published(year=2018).merge(
        mirror.select(year=2018)[[*keys, "q_value", "q_value_vs_national"]], on=keys, suffixes=("", "_exact"), validate="one_to_one"
    )
    pub, exact = both, both.rename(columns={"q_value_exact": "q", "q_value_vs_national_exact": "qn"})
    for flag, q in (("significant", "q"), ("significant_vs_national", "qn")):
        assert not (pub[flag].to_numpy() & ~(exact[q] < 0.05).to_numpy()).any(), flag
    women_nl = pub[(pub.geography == "NL") & (pub.group == "female") & (pub.moment == "employed")].iloc[0]
    assert women_nl.significant and women_nl.rate_difference < 0
