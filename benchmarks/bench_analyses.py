"""Issue 12's analyses on the demo data of 2015–2021 (3.4 M person rows): trends, raw vs adjusted
gaps, the rest of the AMR, provision types.

End to end: each measurement runs in a fresh process (imports and opening the database
included), timed from outside. Peers in the same run: the same logistic model fitted by
statsmodels directly on an area's person rows (what the view fits on counts per covariate cell),
and the ingest of one year of the whole country (the budget the issue names for computing every
new view of every area for that year). Writes its section into benchmarks/results.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_table  # noqa: E402

WORK = HERE / "_work"
DB = WORK / "demo-7y.duckdb"


def run(code: str) -> tuple[float, str]:
    """Wall seconds of ``code`` in a fresh interpreter, and what it printed."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout.strip()


OPEN = f"from kansenspiegel import Mirror; from kansenspiegel.views import Published; pub = Published(Mirror.open({str(DB)!r}))\n"


def main() -> None:
    WORK.mkdir(exist_ok=True)
    exe = Path(sys.executable).parent / "kansenspiegel"
    if not DB.exists():
        subprocess.run([str(exe), "demo-data", "--db", str(DB)], check=True, capture_output=True)
    rows: list[tuple[str, float, str]] = []
    base, _ = run(OPEN + "pub.groups(2018, 'NL')")
    rows.append(("open + one area's published rows (baseline)", base, ""))
    cases = {
        "adjusted gaps GM0268 (one area, 14 groups, employed)": "pub.run('adjusted', year=2018, geography='GM0268')",
        "adjusted gaps AM08": "pub.run('adjusted', year=2018, geography='AM08')",
        "adjusted gaps NL": "pub.run('adjusted', year=2018, geography='NL')",
        "adjusted gaps GM0268, ladder_up": "pub.run('adjusted', year=2018, geography='GM0268', moment='ladder_up')",
        "trends GM0268 (7 years, every group and moment)": "pub.run('trends', geography='GM0268')",
        "trends NL": "pub.run('trends', geography='NL')",
        "rest of AMR GM0268 (characteristics vs AM08)": "pub.run('characteristics', year=2018, geography='GM0268', comparison='AM08')",
        "provisions NL": "pub.run('provisions', year=2018, geography='NL')",
    }
    for name, code in cases.items():
        seconds, _ = run(OPEN + code)
        rows.append((name, seconds, f"{seconds - base:.2f} s beyond the baseline"))
    # the peer: statsmodels Logit on the person rows of GM0268 (same covariates, same model)
    peer = (
        "import duckdb, pandas as pd, statsmodels.api as sm, time\n"
        f"c = duckdb.connect({str(DB)!r}, read_only=True)\n"
        'p = c.execute("select gender, education_level, dutch_language_level, months_on_benefit, recent_work_experience, employed_1m '
        "from persons where year = 2018 and municipality = 'GM0268'\").df()\n"
        "p['months_band'] = pd.cut(p.months_on_benefit, [-1, 11, 35, 59, 10**6]).astype(str)\n"
        "X = pd.get_dummies(p[['education_level', 'dutch_language_level', 'months_band', 'recent_work_experience']].astype(str), drop_first=True).astype(float)\n"
        "X['female'] = (p.gender == 'female').astype(float)\n"
        "fit = sm.Logit(p.employed_1m.astype(float), sm.add_constant(X)).fit(disp=0)\n"
        "m = fit.get_margeff(at='overall', dummy=True)\n"
        "print(len(p))\n"
    )
    seconds, persons = run(peer)
    rows.append(("peer: statsmodels Logit on GM0268's person rows (women only, 1 of 14 fits)", seconds, f"{persons} persons"))
    # every new analysis of every area for one year, in one process, against the ingest of that year
    every = OPEN + (
        "import time\n"
        "from kansenspiegel.views import adjusted, trends\n"
        "t = time.perf_counter()\n"
        "_, tests = trends.everywhere(pub)\n"
        "rows = adjusted.everywhere(pub, 2018)\n"
        "print(f'{rows.geography.nunique()} {time.perf_counter() - t:.1f} {len(tests)} {len(rows)}')\n"
    )
    seconds, printed = run(every)
    n_areas, inner, n_trends, n_models = printed.split()
    year_db = WORK / "ingest-2018.duckdb"
    year_db.unlink(missing_ok=True)
    ingest, _ = run(
        f"import subprocess; subprocess.run([{str(exe)!r}, 'demo-data', '--db', {str(year_db)!r}, '--years', '2018'], check=True, capture_output=True)"
    )
    year_db.unlink(missing_ok=True)
    rows.append(("ingest of 2018 (demo-data, whole country; the budget)", ingest, ""))
    rows.append(
        (
            f"all {n_areas} areas at once: trends (every year) and adjusted gaps (2018, employed)",
            seconds,
            f"{n_trends} trend tests, {n_models} models; {float(inner):.1f} s computing; {seconds / ingest:.2f}× the ingest",
        )
    )
    write_table(
        "## Analyses beyond outflow: trends, adjusted gaps, rest of the AMR (bench_analyses.py, " + time.strftime("%Y-%m-%d") + ")",
        [
            "Fresh process per line (imports and opening the 7-year demo database included), this 2-core machine.",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
