"""Findings, reports and the disclosure audit on the 2018 demo year (496,778 persons).

Times (median of 3 runs where cheap): the findings of the country, a region and a municipality;
a report's data and each format; the rounding-aware differencing attack over the whole public
export of the year; one LP attack on a hidden count of a region's table. Writes its section
into benchmarks/results.md. Run by benchmarks/run.sh.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_section  # noqa: E402

WORK = HERE / "_work"


def timed(fn, runs: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    from kansenspiegel import Mirror
    from kansenspiegel.demo import generate
    from kansenspiegel.disclosure import PUBLIC, publish_metrics, suppression_mask
    from kansenspiegel.disclosure._audit import differencing_attack, enumeration_attack, linear_attack
    from kansenspiegel.findings import findings
    from kansenspiegel.geography import municipalities
    from kansenspiegel.render import write_html, write_pdf, write_xlsx
    from kansenspiegel.views import Published, report_data

    WORK.mkdir(exist_ok=True)
    db = WORK / "demo-2018.duckdb"
    if not db.exists():
        exe = Path(sys.executable).parent / "kansenspiegel"
        subprocess.run([str(exe), "demo-data", "--db", str(db), "--years", "2018"], check=True, capture_output=True)
    mirror = Mirror.open(db)
    rows = []
    for geo in ("NL", "AM08", "GM0268"):
        seconds, found = timed(lambda g=geo: findings(mirror, year=2018, geography=g))
        rows.append((f"findings {geo}", seconds, f"{len(found)} findings"))  # type: ignore[arg-type]
    seconds, data = timed(lambda: report_data(Published(mirror), geography="GM0268", year=2018))
    rows.append(("report data GM0268", seconds, ""))
    for name, writer in (("pdf", write_pdf), ("html", write_html), ("xlsx", write_xlsx)):
        seconds, path = timed(lambda w=writer, n=name: w(data, WORK / f"report.{n}"))  # type: ignore[arg-type]
        rows.append((f"report {name}", seconds, f"{Path(path).stat().st_size / 1024:.0f} KiB"))  # type: ignore[arg-type]
    metrics = mirror.select(year=2018)
    cube = mirror.cube.query("year == 2018")
    seconds, mask = timed(lambda: suppression_mask(cube, PUBLIC))
    rows.append(("suppression mask of the year (at ingest)", seconds, f"{int(mask[list(mask.columns[:5])].to_numpy().sum()):,} hidden counts"))  # type: ignore[index]
    seconds, pub = timed(lambda: publish_metrics(metrics, PUBLIC, mask=mask))
    rows.append(("publish every metric row of the year (at ingest)", seconds, f"{len(pub):,} rows"))  # type: ignore[arg-type]
    published = mirror.published(year=2018)
    seconds, enum = timed(lambda: enumeration_attack(published, metrics, PUBLIC, sample=3000, seed=1), runs=1)
    rows.append(("enumeration attack on exact counts, 3,000 published rows", seconds, f"{int(enum.recovered.sum())} recovered"))  # type: ignore[attr-defined]
    seconds, attack = timed(lambda: differencing_attack(published, PUBLIC), runs=1)
    rows.append(("differencing attack, whole 2018 export", seconds, f"{attack.hidden:,} hidden counts, {len(attack.recovered)} recovered"))  # type: ignore[attr-defined]
    region = set(municipalities().query("amr_code == 'AM08'").gm_code)
    persons = generate(years=[2018])
    small = Mirror.from_microdata(persons[persons.municipality.isin(region)].reset_index(drop=True), dataset="region")
    table = small.published(year=2018)
    seconds, lp = timed(lambda: linear_attack(table, PUBLIC, sample=3, seed=1), runs=1)
    rows.append(("LP attack, 3 hidden counts of a region table (2 LPs each)", seconds, f"{len(lp.recovered)} recovered"))  # type: ignore[attr-defined]
    section = "\n".join(
        [
            "## Findings, reports and the disclosure audit",
            "",
            "2018 demo year (496,778 persons), 2 cores; median of 3 runs (the attacks: 1 run). The mask and the publication are computed once per year at ingest; requests only read them.",
            "",
            "| what | seconds | result |",
            "|---|---:|---|",
            *[f"| {what} | {s:.2f} | {result} |" for what, s, result in rows],
            "",
        ]
    )
    write_section(section)


if __name__ == "__main__":
    main()
