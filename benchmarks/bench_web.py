"""Web benchmark: first start (demo build included) and 20 concurrent clients for 60 s.

Starts `kansenspiegel serve` on 127.0.0.1 with a fresh database path, measures the time until
it answers, then runs a closed-loop load of 20 client threads (keep-alive connections) over a
mix of pages and API calls for 60 s, bounded in time, and stops the server by PID.
Writes its section into benchmarks/results.md.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_section  # noqa: E402

WORK = HERE / "_work"
CLIENTS, SECONDS = 20, 60


def start_server(db: Path, port: int) -> tuple[subprocess.Popen, float]:
    exe = Path(sys.executable).parent / "kansenspiegel"
    start = time.perf_counter()
    proc = subprocess.Popen([str(exe), "serve", "--db", str(db), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - start < 300:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/meta")
            if c.getresponse().status == 200:
                return proc, time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 300 s")


def cold_mix() -> list[str]:
    """Every area for two other years: mostly never asked before, so mostly cache misses."""
    from kansenspiegel.geography import geography_names

    urls = []
    for year in (2016, 2020):
        for g in geography_names():
            urls += [f"/characteristics?year={year}&geo={g}", f"/api/v1/funnel?year={year}&geography={g}", f"/api/v1/characteristics?year={year}&geography={g}"]
    return urls


def url_mix(seed: int = 1) -> list[str]:
    from kansenspiegel.geography import municipalities

    rng = random.Random(seed)
    gms = sorted(municipalities().gm_code)
    amrs = sorted(set(municipalities().amr_code))
    geos = ["NL", *rng.sample(amrs, 12), *rng.sample(gms, 27)]
    urls = []
    for g in geos:
        urls += [
            f"/?year=2018&geo={g}",
            f"/characteristics?year=2018&geo={g}",
            f"/api/v1/funnel?year=2018&geography={g}",
            f"/api/v1/characteristics?year=2018&geography={g}",
            f"/api/v1/combinations?year=2018&geography={g}&characteristics=gender,age_band,household_type&moment=employed",
        ]
    urls += [f"/compare?year={y}&level=amr" for y in (2017, 2018, 2019)]
    urls += ["/compare?year=2018&level=municipality", "/api/v1/compare?year=2018&level=municipality&grouping=gender&group=female&moment=employed"]
    urls += [f"/municipality?year=2018&geo={g}" for g in gms[:10]] + ["/method?year=2018"]
    return urls


def load(port: int, urls: list[str]) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client(i: int) -> None:
        nonlocal errors
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            url = rng.choice(urls)
            t0 = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "rps": n / SECONDS,
        "p50_ms": 1000 * latencies[n // 2],
        "p95_ms": 1000 * latencies[int(n * 0.95)],
        "p99_ms": 1000 * latencies[int(n * 0.99)],
        "max_ms": 1000 * latencies[-1],
    }


def main() -> None:
    WORK.mkdir(exist_ok=True)
    db = WORK / "web_first_start.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    port = 8799
    proc, first_start = start_server(db, port)
    try:
        # one client, right after the start: 50 URLs nobody asked before (each a cache miss)
        fresh = random.Random(7).sample(cold_mix(), 50)
        fresh_ms = sorted(1000 * t for t in timed_once(port, fresh))
        urls = url_mix()
        warm = load_once(port, urls)
        result = load(port, urls)
        cold_urls = cold_mix()
        cold = load(port, cold_urls)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    section = "\n".join(
        [
            "## Web: first start and load",
            "",
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC by `bash benchmarks/run.sh`, same machine, one uvicorn process.",
            "",
            f"- **First start** (no database yet: generate the synthetic 2015–2021 demo data, ingest, cube, metrics, then serve): "
            f"**{first_start:.1f} s** (target < 60 s).",
            f"- **Load**: {CLIENTS} concurrent clients (closed loop, keep-alive) for {SECONDS} s over {len(urls)} URLs "
            "(pages and API calls for 40 areas, maps, combinations, municipality pages), after one warm-up pass "
            f"({warm:.1f} s for all {len(urls)} URLs once). Client and server share the 2 cores.",
            "",
            "| requests | errors | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | target |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {result['requests']:,} | {result['errors']} | {result['rps']:.0f} | {result['p50_ms']:.1f} | {result['p95_ms']:.1f} | "
            f"{result['p99_ms']:.1f} | {result['max_ms']:.1f} | p95 < 150 ms, 0 errors |",
            "",
            f"Answers are rendered once per URL and then served from memory (the database is read-only while serving). "
            f"A second run of {SECONDS} s shows the cost of first visits: {len(cold_urls):,} URLs never asked before "
            "(characteristics page and API for every area in 2016 and 2020), so most requests are cache misses:",
            "",
            "| requests | errors | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | target |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {cold['requests']:,} | {cold['errors']} | {cold['rps']:.0f} | {cold['p50_ms']:.1f} | {cold['p95_ms']:.1f} | "
            f"{cold['p99_ms']:.1f} | {cold['max_ms']:.1f} | p95 < 500 ms, 0 errors |",
            "",
            f"One client right after the start, 50 URLs never asked before (drawn from the same mix), one after the other: "
            f"p50 {fresh_ms[25]:.0f} ms, **p95 {fresh_ms[int(50 * 0.95)]:.0f} ms**, max {fresh_ms[-1]:.0f} ms (target p95 < 150 ms).",
            "",
        ]
    )
    write_section(section)


def timed_once(port: int, urls: list[str]) -> list[float]:
    """Each URL once, one after the other: the time of each (status 200 required)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for url in urls:
        t0 = time.perf_counter()
        conn.request("GET", url)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - t0)
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    conn.close()
    return times


def load_once(port: int, urls: list[str]) -> float:
    """Every URL once (fills the server's caches the way a first visitor would)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for url in urls:
        conn.request("GET", url)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    conn.close()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
