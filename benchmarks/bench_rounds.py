"""The conversation kit (issue 13) on the study-sized round: 77 registrations (40 consultants,
12 managers, 16 policy officers, 9 ESF coordinators) over six time slots, on the demo figures
of 2018.

Every step runs in a fresh process through the CLI, timed from outside (imports, the figures'
database opened, the rounds file closed): create + import, the plan by the greedy baseline and
by the solver (OR-Tools CP-SAT, three stages, deterministic time limit) — the baseline is the
peer measured in the same run — and the packs and facilitator sheets as HTML and as PDF.
Then the solver on the same round with three seeds (quality and time). Writes its section into
benchmarks/results.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_table  # noqa: E402

WORK = HERE / "_work"


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    from kansenspiegel.conversations import EXAMPLE_SLOTS, write_example_registrations

    WORK.mkdir(exist_ok=True)
    exe = str(Path(sys.executable).parent / "kansenspiegel")
    ref = WORK / "rounds-reference-2018.duckdb"
    if not ref.exists():
        subprocess.run([exe, "demo-data", "--db", str(ref), "--years", "2018"], check=True, capture_output=True)
    rounds_db = WORK / "rounds.sqlite"
    rounds_db.unlink(missing_ok=True)
    db = ["--db", str(ref), "--rounds-db", str(rounds_db)]
    registrations = write_example_registrations(WORK / "aanmeldingen.csv")
    slots = [a for s in EXAMPLE_SLOTS for a in ("--slot", s)]
    rows: list[tuple[str, float, str]] = []
    seconds, _ = timed([exe, "rounds", "create", "Benchmark", "--year", "2018", *slots, "--registrations", str(registrations), *db])
    rows.append(("create the round and import 77 registrations", seconds, "CSV, validated; one transaction"))
    quality = {}
    for method in ("greedy", "solver"):
        seconds, _ = timed([exe, "rounds", "plan", "1", *(["--greedy"] if method == "greedy" else []), *db])
        _, out = timed([exe, "rounds", "plan", "1", "--show", "--format", "json", *db])
        q = json.loads(out)["quality"]
        quality[method] = (seconds, q)
    g_s, g = quality["greedy"]
    s_s, s = quality["solver"]

    def describe(q: dict) -> str:  # type: ignore[type-arg]
        return (
            f"score {q['score']:.1f}; {q['groups']} groups, {q['placed']}/{q['people']} placed, {q['mixed_groups']} mixed groups "
            f"({q['outside_role']} people outside their role), {q['same_region']} second people of one AMR, {q['same_profile']} repeated region profiles"
        )

    rows.append(("plan: greedy baseline (the peer)", g_s, describe(g)))
    rows.append(("plan: CP-SAT solver", s_s, describe(s) + f"; {s_s / g_s:.1f}× the baseline's time"))
    for fmt in ("html", "pdf"):
        folder = WORK / f"packs-{fmt}"
        seconds, _ = timed([exe, "rounds", "packs", "1", "-o", str(folder), "--format", fmt, *db])
        files = [p for p in folder.iterdir() if p.suffix == f".{fmt}"]
        size = sum(p.stat().st_size for p in files) / len(files) / 1024
        rows.append(
            (
                f"packs and sheets as {fmt.upper()}",
                seconds,
                f"{len(files)} files ({size:.0f} KiB each on average), {1000 * seconds / len(files):.0f} ms per file",
            )
        )
    # the solver's spread over seeds, in one process (the figures' profiles as in the CLI)
    script = (
        "import time, json\n"
        "from kansenspiegel.conversations import Rounds, plan, planner_people\n"
        "from kansenspiegel.conversations._kit import settings as cfg_of\n"
        "from kansenspiegel import Mirror\n"
        "from kansenspiegel.views import Published\n"
        "from dataclasses import replace\n"
        f"r = Rounds({str(rounds_db)!r}); pub = Published(Mirror.open({str(ref)!r}))\n"
        "rnd = r.get(1, None); people = planner_people(pub, rnd, r.people(1, None))\n"
        "out = []\n"
        "for seed in (0, 1, 2):\n"
        "    t = time.perf_counter(); p = plan(people, sorted(rnd.slots), replace(cfg_of(rnd), seed=seed)); out.append((seed, time.perf_counter() - t, p.quality.score, p.quality.groups, p.status))\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    for seed, seconds, score, groups, status in json.loads(done.stdout):
        rows.append((f"solver, seed {seed} (in process)", seconds, f"score {score:.1f}, {groups} groups, {status}"))
    write_table(
        "## The conversation kit: planning a study-sized round, packs and sheets",
        [
            "77 synthetic registrations like the study's (40/12/16/9, six time slots, one person with none),",
            "demo figures of 2018. Each step a fresh CLI process, timed from outside (imports and close included);",
            "the greedy baseline is the peer in the same run. Quality: see `docs/conversations.md` (placed first,",
            "then same role, different AMRs, different region profiles, fewer groups). Both plans include",
            "the region profiles from the findings engine (35 regions' findings: most of the baseline's time).",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
