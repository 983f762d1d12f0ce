"""Own characteristics in a client file (issue 12, part 6): what each one costs at ingest.

A municipality's client file (Amsterdam's 2018 rows of the synthetic demo) as CSV, with 0, 1
and 3 own characteristics (``kenmerk:statushouder``, ``kenmerk:opleidingsniveau``,
``kenmerk:wijkteam``). Each ingest runs in a fresh process through the CLI (imports, checkpoint
and close included), timed from outside; the file without own characteristics is the peer.
Then the own page's two views of the 3-characteristic file, cold, through the reference door.
Writes its section into benchmarks/results.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_table  # noqa: E402

WORK = HERE / "_work"
GM = "GM0363"


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    from kansenspiegel.demo import generate

    WORK.mkdir(exist_ok=True)
    exe = Path(sys.executable).parent / "kansenspiegel"
    persons = generate(years=[2018], seed=2018)
    clients = persons[persons.municipality == GM].reset_index(drop=True)
    rng = np.random.default_rng(12)
    own = {
        "kenmerk:statushouder": np.where(rng.random(len(clients)) < 0.12, "ja", "nee"),
        "kenmerk:opleidingsniveau": clients["education_level"].fillna("").map({"low": "laag", "medium": "middelbaar", "high": "hoog", "": ""}),
        "kenmerk:wijkteam": rng.choice([f"team {c}" for c in "ABCDEFG"], len(clients)),
    }
    rows: list[tuple[str, float, str]] = []
    base = None
    for k in (0, 1, 3):
        path = WORK / f"clients-own-{k}.csv"
        clients.assign(**dict(list(own.items())[:k])).to_csv(path, sep=";", index=False)
        db = WORK / f"own-{k}.duckdb"
        for p in (db, db.with_name(db.name + ".key"), db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
        seconds = timed([str(exe), "ingest", str(path), "--db", str(db), "--dataset", "clients"])
        cube = subprocess.run(
            [sys.executable, "-c", f"import duckdb; print(duckdb.connect({str(db)!r}, read_only=True).execute('select count(*) from cube').fetchone()[0])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        base = seconds if base is None else base
        rows.append(
            (f"ingest, {k} own characteristic(s)", seconds, f"{len(clients):,} persons, {int(cube):,} cube rows; {seconds / base:.2f}× the file without")
        )
    # the own page's views, cold: the reference door of the demo year, the 3-characteristic file as own data
    ref = WORK / "own-reference-2018.duckdb"
    if not ref.exists():
        subprocess.run([str(exe), "demo-data", "--db", str(ref), "--years", "2018"], check=True, capture_output=True)
    views = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        "from kansenspiegel import Mirror\n"
        "from kansenspiegel.views import OwnData, Published\n"
        f"pub = Published(Mirror.open({str(ref)!r}))\n"
        f"pub.own = OwnData({str(WORK / 'own-3.duckdb')!r}, pub.policy)\n"
        "t = time.perf_counter()\n"
        f"pub.run('own', name='clients', year=2018, geography={GM!r})\n"
        "a = time.perf_counter() - t; t = time.perf_counter()\n"
        f"pub.run('own_combinations', name='clients', year=2018, geography={GM!r}, characteristics='statushouder,education_level,gender')\n"
        "b = time.perf_counter() - t\n"
        "print(f'{a:.2f} {b:.2f} {time.perf_counter() - t0:.2f}')\n"
    )
    out = subprocess.run([sys.executable, "-c", views], check=True, capture_output=True, text=True).stdout.split()
    rows.append(("own page view (every single characteristic), cold", float(out[0]), "3 own characteristics, beside the reference AMR and country"))
    rows.append(
        ("own combinations view (statushouder × education × gender), cold", float(out[1]), f"{float(out[2]):.2f} s with imports and opening both databases")
    )
    write_table(
        "## Own characteristics in a client file (bench_own.py, " + time.strftime("%Y-%m-%d") + ")",
        [
            "Fresh process per ingest (the CLI, imports and checkpoint included), this 2-core machine. Each own",
            "characteristic adds every combination of up to three with it, so the cube grows (26 → 42 → 93 groupings).",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
