"""Honesty of published chances for small groups, measured exactly (binomial weights, no
simulation noise): for group sizes 10–2000 and rates 1–99 %, every possible count is published
under each policy and the coverage of the true rate by the published interval is computed, with
how often the exact rate falls outside (must be never). Writes its section of results.md."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from scipy.stats import binom

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_section  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    from tests.disclosure.test_honest import POLICIES, RATES, SIZES, every_count

    rows = []
    for name, policy in zip(("base 10, deterministic", "base 5, threshold 5", "base 10, random"), POLICIES):
        t0 = time.perf_counter()
        pub = every_count(SIZES, policy)
        shown_all = pub[~pub.suppressed]
        outside = int((~((shown_all.rate_ci_low <= shown_all.x / shown_all.n) & (shown_all.x / shown_all.n <= shown_all.rate_ci_high))).sum())
        extremes = int(((shown_all.rate <= 0) | (shown_all.rate >= 1)).sum())
        usual, rare = [], []
        for size in SIZES:
            part = pub[pub.n == size]
            x, shown = part.x.to_numpy(), ~part.suppressed.to_numpy()
            for p in RATES:
                weight = binom.pmf(x, size, p)
                published = weight[shown].sum()
                if published < 0.2:
                    continue
                covered = (part.rate_ci_low.to_numpy() <= p) & (p <= part.rate_ci_high.to_numpy())
                (usual if published >= 0.5 else rare).append(weight[shown & covered].sum() / published)
        rows.append((name, len(shown_all), outside, extremes, len(usual), min(usual), min(rare) if rare else float("nan"), time.perf_counter() - t0))
    total = time.perf_counter() - start
    section = "\n".join(
        [
            "## Honest published chances for small groups (exact coverage)",
            "",
            f"Every count 0..n of a group of n = 10–2000 ({len(SIZES)} sizes) × rates 1–99 % ({len(RATES)}), published under each policy; coverage of the true rate is exact (binomial weights). 'Usually published': the group is shown with probability ≥ ½; 'rarely': 0.2–0.5 (the shown ones are a selection). {total:.1f} s in all, imports included.",
            "",
            "| policy | published rows | exact rate outside its interval | shown as 0 % or 100 % | size × rate cells | lowest coverage (usually published) | lowest coverage (rarely published) | seconds |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *[f"| {n} | {s:,} | {o} | {e} | {c} | {u:.1%} | {r:.1%} | {sec:.1f} |" for n, s, o, e, c, u, r, sec in rows],
            "",
        ]
    )
    write_section(section)


if __name__ == "__main__":
    main()
