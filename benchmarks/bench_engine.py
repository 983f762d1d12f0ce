"""Engine benchmark: cube + metrics wall time and peak memory, and fairlearn's MetricFrame on
the same disaggregated selection rates. Run by benchmarks/run.sh; writes benchmarks/results.md.

Each case runs in a fresh process so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare() -> dict[str, Path]:
    from kansenspiegel.demo import generate

    WORK.mkdir(exist_ok=True)
    files = {"2018": WORK / "demo_2018.parquet", "2015-2021": WORK / "demo_2015_2021.parquet"}
    if not files["2015-2021"].exists():
        frame = generate(years=range(2015, 2022))
        frame.to_parquet(files["2015-2021"], index=False)
        frame[frame.year == 2018].to_parquet(files["2018"], index=False)
    return files


def case_engine(path: Path) -> dict:
    """Persons already in DuckDB (as after ingest) -> cube -> metrics, end to end."""
    import ibis

    from kansenspiegel.cube import fine_counts, rollup
    from kansenspiegel.geography import municipalities
    from kansenspiegel.stats import compute_metrics

    con = ibis.duckdb.connect()
    persons = con.read_parquet(path).mutate(dataset=ibis.literal("bench"))
    persons = con.create_table("persons", persons)
    rows = persons.count().execute()
    start = time.perf_counter()
    cube = con.to_pandas(rollup(fine_counts(persons), ibis.memtable(municipalities()[["gm_code", "amr_code"]])))
    t_cube = time.perf_counter() - start
    metrics = compute_metrics(cube)
    wall = time.perf_counter() - start
    return {"rows": rows, "cube_rows": len(cube), "metric_rows": len(metrics), "cube_s": t_cube, "wall_s": wall, "peak_mib": peak_mib()}


def case_ingest(path: Path) -> dict:
    """The whole ingest: read Parquet, validate, store persons, cube, metrics, in one transaction."""
    import tempfile

    from kansenspiegel.ingest import ingest_file
    from kansenspiegel.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        start = time.perf_counter()
        result = ingest_file(store, path, dataset="bench")
        wall = time.perf_counter() - start
        store.close()
    return {"rows": result.rows, "wall_s": wall, "peak_mib": peak_mib()}


GROUPINGS_WORK = "every grouping of 1–3 characteristics (25) × {national, per AMR} × 3 moments"


def case_same_work_ours(path: Path) -> dict:
    """Our engine on exactly the MetricFrame work: the selection rates of every grouping of 1–3
    characteristics, nationally and per AMR, for the three moments (cube + rates)."""
    import ibis
    import pandas as pd

    from kansenspiegel.cube import fine_counts, rollup
    from kansenspiegel.geography import municipalities

    con = ibis.duckdb.connect()
    persons = con.create_table("persons", con.read_parquet(path).mutate(dataset=ibis.literal("bench")))
    start = time.perf_counter()
    cube = con.to_pandas(rollup(fine_counts(persons), ibis.memtable(municipalities()[["gm_code", "amr_code"]])))
    cube = cube[cube.geo_level.isin(["national", "amr"]) & (cube.grouping != "all")]
    rates = pd.DataFrame({m: cube[m] / cube.population for m in ("provision", "employed", "sustained")})
    wall = time.perf_counter() - start
    sample = cube[(cube.geo_level == "amr") & (cube.grouping == "gender+age_band+migration_background")].iloc[0]
    return {
        "wall_s": wall,
        "cells": int(len(rates) * 3),
        "check": {"geography": sample.geography, "group": sample.group, "employed": float(sample.employed / sample.population)},
        "peak_mib": peak_mib(),
    }


def case_same_work_fairlearn(path: Path) -> dict:
    import warnings
    from itertools import combinations

    import pandas as pd
    from fairlearn.metrics import MetricFrame, selection_rate

    from kansenspiegel.codes import CHARACTERISTIC_NAMES
    from kansenspiegel.geography import municipalities

    warnings.simplefilter("ignore")
    frame = pd.read_parquet(path)
    frame["amr"] = frame.municipality.map(dict(zip(municipalities().gm_code, municipalities().amr_code)))
    start = time.perf_counter()
    cells = 0
    check = None
    groupings = [list(c) for k in (1, 2, 3) for c in combinations(CHARACTERISTIC_NAMES, k)]
    for chars in groupings:
        for geo in ([], ["amr"]):
            for moment in ("provision", "employed_1m", "employed_6m"):
                mf = MetricFrame(metrics=selection_rate, y_true=frame[moment], y_pred=frame[moment], sensitive_features=frame[[*geo, *chars]])
                cells += int(mf.by_group.notna().sum())  # MetricFrame also lists empty combinations (NaN)
                if chars == ["gender", "age_band", "migration_background"] and geo and moment == "employed_1m":
                    check = mf.by_group
    wall = time.perf_counter() - start
    return {"wall_s": wall, "cells": cells, "peak_mib": peak_mib(), "check_series": {"|".join(map(str, k)): float(v) for k, v in check.items()}}


def run_case(name: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", name, "--path", str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    files = prepare()
    results = {}
    for label, path in files.items():
        results[f"engine {label}"] = run_case("engine", path)
        results[f"ingest {label}"] = run_case("ingest", path)
    ours = run_case("same_work_ours", files["2018"])
    theirs = run_case("same_work_fairlearn", files["2018"])
    key = "|".join([ours["check"]["geography"], *ours["check"]["group"].split("+")])
    agree = abs(theirs["check_series"][key] - ours["check"]["employed"]) < 1e-12

    import duckdb
    import fairlearn
    import ibis

    ratio = theirs["wall_s"] / ours["wall_s"]
    e1, e7 = results["engine 2018"], results["engine 2015-2021"]
    i1, i7 = results["ingest 2018"], results["ingest 2015-2021"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC by `bash benchmarks/run.sh` on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}, fairlearn {fairlearn.__version__}. "
        "Synthetic demo data. Every case ran in its own process; peak memory is that process's maximum resident set "
        "(data loading included). All numbers below are from this one run.",
        "",
        "## Cube + metrics (persons in DuckDB → cube of every geography × grouping ≤ 3 → full metric table)",
        "",
        "| data | person rows | cube rows | metric rows | cube (s) | cube + metrics (s) | peak memory (MiB) | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| 2018 | {e1['rows']:,} | {e1['cube_rows']:,} | {e1['metric_rows']:,} | {e1['cube_s']:.2f} | {e1['wall_s']:.2f} | {e1['peak_mib']:,.0f} | < 3 s, < 4 GiB |",
        f"| 2015–2021 | {e7['rows']:,} | {e7['cube_rows']:,} | {e7['metric_rows']:,} | {e7['cube_s']:.2f} | {e7['wall_s']:.2f} | {e7['peak_mib']:,.0f} | < 15 s, < 4 GiB |",
        "",
        "## Whole ingest (read Parquet, validate, store persons, cube, metrics; one transaction)",
        "",
        "| data | rows | wall (s) | peak memory (MiB) |",
        "|---|---:|---:|---:|",
        f"| 2018 | {i1['rows']:,} | {i1['wall_s']:.2f} | {i1['peak_mib']:,.0f} |",
        f"| 2015–2021 | {i7['rows']:,} | {i7['wall_s']:.2f} | {i7['peak_mib']:,.0f} |",
        "",
        "## Side by side with fairlearn MetricFrame (2018, same work)",
        "",
        f"Work: selection rates of {GROUPINGS_WORK}; MetricFrame gets AMR as an extra sensitive feature. "
        "Both start from data in memory (MetricFrame: a pandas frame; ours: a DuckDB table).",
        "",
        "| tool | rates computed | wall (s) | peak memory (MiB) |",
        "|---|---:|---:|---:|",
        f"| kansenspiegel (cube → rates) | {ours['cells']:,} | {ours['wall_s']:.2f} | {ours['peak_mib']:,.0f} |",
        f"| fairlearn MetricFrame | {theirs['cells']:,} | {theirs['wall_s']:.2f} | {theirs['peak_mib']:,.0f} |",
        "",
        f"**Ratio: kansenspiegel is {ratio:.0f}× faster** (target ≥ 20×). "
        f"Same numbers: {'yes' if agree else 'NO'} (checked: employed rate of {ours['check']['group']} in {ours['check']['geography']}).",
        "",
        "(Our engine's cube in that run also holds every municipality; the ratio counts that work against us.)",
        "",
    ]
    (HERE / "results.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(globals()[f"case_{args.case}"](args.path)))
    else:
        main()
