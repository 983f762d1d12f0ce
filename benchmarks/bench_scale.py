"""Scale benchmark: the whole ingest at 1 year, 7 years and 50 M person rows; the cube against
its peers on the same fine counts; the counting stage on Spark local[2]. Writes its section of
benchmarks/results.md (between the ``<!-- scale -->`` markers).

Every case is a fresh process, measured from outside as ``/usr/bin/time -v`` would: wall clock,
CPU (user + system, the process and everything it waited for), and the peak resident memory of
the largest process. The ingest cases are the CLI itself (imports, the final checkpoint and the
close included). ``--rows`` sets the size of the large case (default 50,000,000; the demo data
``--scale``d up to at least that many rows).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
WORK = HERE / "_work" / "scale"
PYTHON = sys.executable
CLI = [PYTHON, "-m", "kansenspiegel.cli"]


#: A small process that starts the measured command and reports its rusage: a child forked
#: from this (large) benchmark process would count this process's pages in its own peak.
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print("MEASURED " + json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024}), file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command; its wall time, CPU seconds (it and everything it waited for) and peak
    memory (of its largest process), as ``/usr/bin/time -v`` reports them."""
    proc = subprocess.run([PYTHON, "-c", LAUNCHER, *command], capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-3000:]}")
    lines = proc.stderr.splitlines()
    found = json.loads(next(line for line in reversed(lines) if line.startswith("MEASURED "))[len("MEASURED ") :])
    return {**found, "stdout": proc.stdout, "stderr": "\n".join(line for line in lines if not line.startswith("MEASURED "))}


def prepare(rows: int) -> dict[str, Path]:
    from benchmarks.bench_engine import prepare as demo_files  # the engine benchmark's demo files, shared

    WORK.mkdir(parents=True, exist_ok=True)
    demo = demo_files()
    files = {"1 year (2018)": demo["2018"], "7 years (2015–2021)": demo["2015-2021"]}
    seven = 3_412_865
    scale = max(1, math.ceil(rows / seven))
    folder = WORK / f"demo_x{scale}"
    if not folder.exists():
        command = [*CLI, "demo-data", "--scale", str(scale), "--output", str(folder), "--no-ingest"]
        generated = measured(command)
        (WORK / f"demo_x{scale}.json").write_text(json.dumps({k: v for k, v in generated.items() if k.endswith(("_s", "_mib"))}))
    files[f"{scale} × 7 years"] = folder
    return files


def ingest_case(path: Path) -> dict:
    db = WORK / "ingest.duckdb"
    for p in (db, db.with_name(db.name + ".wal"), db.with_name(db.name + ".key")):
        p.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".tmp"), ignore_errors=True)
    result = measured([*CLI, "ingest", str(path), "--db", str(db), "--dataset", "bench"])
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    result["rows"], result["years"] = con.execute("SELECT rows, years FROM datasets").fetchone()
    result["cube_rows"] = con.execute("SELECT count(*) FROM cube").fetchone()[0]
    con.close()
    return result


# -- the cube against its peers, on the same fine counts ---------------------------------------


def case_cube(path: str, peer: str) -> dict:
    """One peer's cube (every geography level x grouping of up to three characteristics) from
    the fine counts of ``path`` already in memory; returns its time and a checksum of its cells."""
    import ibis
    import pyarrow as pa

    from kansenspiegel.codes import CHARACTERISTIC_NAMES, COUNT_COLUMNS
    from kansenspiegel.cube import fine_counts, groupings, rollup
    from kansenspiegel.geography import municipalities

    con = ibis.duckdb.connect()
    persons = con.read_parquet(path).mutate(dataset=ibis.literal("b"))
    counts = con.create_table("counts", fine_counts(persons))
    gms = municipalities()[["gm_code", "amr_code"]]
    fine = con.to_pyarrow(counts)
    sets = [(geo, chars) for chars in groupings(3) for geo in ("geography", "amr_code", None)]
    start = time.perf_counter()
    if peer == "kansenspiegel":
        cube = con.to_pyarrow(rollup(counts, ibis.memtable(gms), fine=True))
        cells, total = cube.num_rows, int(pa.compute.sum(cube.column("employed")).as_py())
    elif peer == "duckdb":
        con.create_table("gms", ibis.memtable(gms))
        grouping_sets = ", ".join("(" + ", ".join(["dataset", "year", *([g] if g else []), *c]) + ")" for g, c in sets)
        sql = (
            f"SELECT dataset, year, geography, amr_code, {', '.join(CHARACTERISTIC_NAMES)}, "
            f"{', '.join(f'sum({c}) AS {c}' for c in COUNT_COLUMNS)} FROM counts JOIN gms ON counts.geography = gms.gm_code "
            f"GROUP BY GROUPING SETS ({grouping_sets})"
        )
        cube = con.con.execute(sql).to_arrow_table()
        cells, total = cube.num_rows, int(pa.compute.sum(cube.column("employed")).as_py())
    elif peer == "polars":
        import polars as pl

        frame = pl.from_arrow(fine).join(pl.from_pandas(gms), left_on="geography", right_on="gm_code")
        parts = []
        for geo, chars in sets:
            by = ["dataset", "year", *([geo] if geo else []), *chars]
            key = pl.concat_str([pl.col(c) for c in chars], separator="+") if chars else pl.lit("all")
            parts.append(frame.group_by(by).agg([pl.col(c).sum() for c in COUNT_COLUMNS]).with_columns(group=key, grouping=pl.lit("+".join(chars) or "all")))
        cells = sum(p.height for p in parts)
        total = sum(int(p["employed"].sum()) for p in parts)
    elif peer == "pandas":
        frame = fine.to_pandas().merge(gms, left_on="geography", right_on="gm_code")
        cells = total = 0
        for geo, chars in sets:
            by = ["dataset", "year", *([geo] if geo else []), *chars]
            agg = frame.groupby(by, observed=True)[list(COUNT_COLUMNS)].sum().reset_index()
            agg["group"] = agg[list(chars)].astype(str).agg("+".join, axis=1) if chars else "all"
            cells += len(agg)
            total += int(agg["employed"].sum())
    else:
        raise ValueError(peer)
    return {"wall_s": time.perf_counter() - start, "cells": cells, "employed_total": total, "fine_rows": fine.num_rows}


def case_fairlearn(path: str, share: float) -> dict:
    """fairlearn's MetricFrame on a part of the same work (every grouping x geography level x 3
    moments would take hours): ``share`` of the (grouping, level) pairs, timed and scaled up."""
    import warnings
    from itertools import combinations

    import pandas as pd
    from fairlearn.metrics import MetricFrame, selection_rate

    from kansenspiegel.codes import CHARACTERISTIC_NAMES
    from kansenspiegel.geography import municipalities

    warnings.simplefilter("ignore")
    frame = pd.read_parquet(path)
    frame["amr"] = frame.municipality.map(dict(zip(municipalities().gm_code, municipalities().amr_code)))
    work = [(list(c), geo) for k in (0, 1, 2, 3) for c in combinations(CHARACTERISTIC_NAMES, k) for geo in (["municipality"], ["amr"], [])]
    work = [w for w in work if w[0] or w[1]]  # MetricFrame needs at least one feature
    step = max(1, round(1 / share))
    done = work[::step]
    start = time.perf_counter()
    for chars, geo in done:
        for moment in ("provision", "employed_1m", "employed_6m"):
            MetricFrame(metrics=selection_rate, y_true=frame[moment], y_pred=frame[moment], sensitive_features=frame[[*geo, *chars]])
    wall = time.perf_counter() - start
    return {"wall_s": wall, "pairs_done": len(done), "pairs_all": len(work), "extrapolated_s": wall * len(work) / len(done)}


def case_spark(path: str) -> dict:
    """`count` on Spark local[2] in this process: session start, the count, and Spark's own
    stage and task numbers (what a cluster would spread out)."""
    start = time.perf_counter()
    from kansenspiegel.ingest import count_file, spark_session

    session = spark_session("local[2]")
    started = time.perf_counter() - start
    tracker = session.sparkContext.statusTracker()
    t0 = time.perf_counter()
    result = count_file(path, WORK / "spark_counts.parquet", engine="spark", session=session)
    counting = time.perf_counter() - t0
    jobs = sorted(tracker.getJobIdsForGroup(None))
    stages = [s for j in jobs for s in (tracker.getJobInfo(j).stageIds if tracker.getJobInfo(j) else [])]
    tasks = sum(tracker.getStageInfo(s).numTasks for s in stages if tracker.getStageInfo(s))
    session.stop()
    return {"session_s": started, "count_s": counting, "jobs": len(jobs), "stages": len(stages), "tasks": tasks, "rows": result.rows, "counts": result.counts}


def run_case(name: str, *args: str) -> dict:
    result = measured([PYTHON, __file__, "--case", name, *args])
    inner = json.loads(result["stdout"].strip().splitlines()[-1])
    return {**inner, "process_wall_s": result["wall_s"], "process_cpu_s": result["cpu_s"], "peak_mib": result["peak_mib"]}


def main(rows: int) -> None:
    files = prepare(rows)
    ingests = {label: ingest_case(path) for label, path in files.items()}
    seven = str(files["7 years (2015–2021)"])
    peers = {peer: run_case("cube", seven, peer) for peer in ("kansenspiegel", "duckdb", "polars", "pandas")}
    fair = run_case("fairlearn", str(files["1 year (2018)"]), "0.1")
    ours_1y = run_case("cube", str(files["1 year (2018)"]), "kansenspiegel")
    spark = {label: run_case("spark", str(files[label])) for label in ("1 year (2018)", "7 years (2015–2021)")}

    import duckdb
    import ibis
    import polars

    best = min((p for p in peers if p != "kansenspiegel"), key=lambda p: peers[p]["wall_s"])
    same = len({(r["cells"], r["employed_total"]) for r in peers.values()}) == 1
    big = next(label for label in ingests if "×" in label)
    scale = int(big.split(" ")[0])
    made_file = WORK / f"demo_x{scale}.json"
    made = json.loads(made_file.read_text()) if made_file.exists() else None
    per_m = {label: r["wall_s"] / (r["rows"] / 1e6) for label, r in ingests.items()}
    lines = [
        "<!-- scale -->",
        "## Scale (`benchmarks/bench_scale.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC on {os.cpu_count()} cores, Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"Ibis {ibis.__version__}, polars {polars.__version__}. Each case a fresh process, measured from outside (wall, CPU = user + system, "
        "peak resident memory of the largest process); all numbers from this one run.",
        "",
        "### The whole ingest (`kansenspiegel ingest`, from the command line to the closed database)",
        "",
        "| data | person rows | cube rows | wall (s) | CPU (s) | peak memory (MiB) | s per million rows |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {r['rows']:,} | {r['cube_rows']:,} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_mib']:,.0f} | {per_m[label]:.1f} |"
            for label, r in ingests.items()
        ),
        "",
        f"Goals: 7 years < 20 s and < 2 GiB; {big}: completes, < 8 GiB, time linear in rows.",
        "",
        *(
            [
                f"Writing the {big} (`kansenspiegel demo-data --scale {scale}`, {len(list(files[big].rglob('*.parquet')))} Parquet parts): "
                f"{made['wall_s']:.0f} s, {made['cpu_s']:.0f} CPU s, peak {made['peak_mib']:,.0f} MiB.",
                "",
            ]
            if made
            else []
        ),
        "### The cube against its peers (7 years; the same fine counts in memory; every geography level × grouping ≤ 3)",
        "",
        "| peer | cells | wall (s) | × fastest peer |",
        "|---|---:|---:|---:|",
        *(f"| {p} | {r['cells']:,} | {r['wall_s']:.2f} | {r['wall_s'] / peers[best]['wall_s']:.2f} |" for p, r in peers.items()),
        "",
        f"Same cells and the same sum of every count in all four: {'yes' if same else 'NO'}. "
        f"kansenspiegel is {peers['kansenspiegel']['wall_s'] / peers[best]['wall_s']:.2f}× the fastest peer ({best}; goal ≤ 1.5×).",
        "",
        f"fairlearn MetricFrame (1 year, selection rates of 3 moments): {fair['pairs_done']} of the {fair['pairs_all']} "
        f"(grouping, level) pairs took {fair['wall_s']:.1f} s, so all of them ≈ {fair['extrapolated_s']:,.0f} s (extrapolated linearly); "
        f"kansenspiegel's whole cube of that year (all moments and counts) {ours_1y['wall_s']:.2f} s: "
        f"**{fair['extrapolated_s'] / ours_1y['wall_s']:,.0f}×** (goal ≥ 100×).",
        "",
        "### The counting stage on Spark local[2] (`kansenspiegel count --engine spark`)",
        "",
        "| data | person rows | fine counts | session start (s) | validate + count + write (s) | jobs | stages | tasks | process peak (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {r['rows']:,} | {r['counts']:,} | {r['session_s']:.1f} | {r['count_s']:.1f} | {r['jobs']} | {r['stages']} | {r['tasks']} | {r['peak_mib']:,.0f} |"
            for label, r in spark.items()
        ),
        "",
        "<!-- /scale -->",
    ]
    results = HERE / "results.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    if "<!-- scale -->" in text:
        head, rest = text.split("<!-- scale -->", 1)
        text = head + rest.split("<!-- /scale -->", 1)[1].lstrip("\n")
    results.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(
        json.dumps(
            {"ingest": {k: {x: v for x, v in r.items() if x not in ("stdout", "stderr")} for k, r in ingests.items()}, "peers": peers, "spark": spark},
            default=str,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    if ns.case == "cube":
        print(json.dumps(case_cube(*ns.args)))
    elif ns.case == "fairlearn":
        print(json.dumps(case_fairlearn(ns.args[0], float(ns.args[1]))))
    elif ns.case == "spark":
        print(json.dumps(case_spark(ns.args[0])))
    else:
        main(ns.rows)
