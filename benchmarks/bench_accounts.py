"""Accounts benchmark: what logins cost on a shared server, against the same server's anonymous answers.

Builds a small demo database (2018) if there is none, makes 20 users with `kansenspiegel users
add` (the real scrypt cost), starts `kansenspiegel serve --users …` on 127.0.0.1 and measures,
end to end over HTTP:

- one login (scrypt verify + session), sequentially, and 20 logins at once;
- a page for a logged-in user (never cached: it names the user) against the same page for an
  anonymous visitor (from the answer cache), 20 clients at once;
- a brute-force run: how many wrong passwords one address gets to try before it is throttled.

Stops the server by PID and writes its section into benchmarks/results.md.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._results import write_section  # noqa: E402

WORK = HERE / "_work" / "accounts"
EXE = Path(sys.executable).parent / "kansenspiegel"
PASSWORD = "een zin van vier woorden"
CLIENTS = 20
PAGE = "/characteristics?year=2018&geo=GM0268"


def login(base: str, name: str, password: str = PASSWORD) -> tuple[httpx.Client, float, int]:
    c = httpx.Client(base_url=base, timeout=120)
    form = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    start = time.perf_counter()
    answer = c.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"})
    return c, time.perf_counter() - start, answer.status_code


def timed_gets(clients: list[httpx.Client], path: str, rounds: int = 10) -> list[float]:
    def run(c: httpx.Client) -> list[float]:
        out = []
        for _ in range(rounds):
            start = time.perf_counter()
            assert c.get(path).status_code == 200
            out.append(time.perf_counter() - start)
        return out

    with cf.ThreadPoolExecutor(len(clients)) as pool:
        return [t for batch in pool.map(run, clients) for t in batch]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    db, users = WORK / "demo.duckdb", WORK / "users.json"
    if not db.exists():
        subprocess.run([str(EXE), "demo-data", "--db", str(db), "--years", "2018"], check=True, capture_output=True)
    users.unlink(missing_ok=True)
    start = time.perf_counter()
    for i in range(CLIENTS):
        subprocess.run(
            [str(EXE), "users", "add", f"user{i:02d}", "--area", "GM0268", "--users", str(users), "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
    add_seconds = (time.perf_counter() - start) / CLIENTS
    port = 8765
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(EXE), "serve", "--db", str(db), "--port", str(port), "--users", str(users), "--own-db", str(WORK / "own.duckdb")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/api/v1/meta", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        httpx.get(base + PAGE, timeout=60)  # warm the view once, as any first visitor would
        single = []
        for i in range(5):
            c, seconds, status = login(base, f"user{i:02d}")
            assert status == 303
            single.append(seconds)
            c.close()
        wall = time.perf_counter()
        with cf.ThreadPoolExecutor(CLIENTS) as pool:
            logged = list(pool.map(lambda i: login(base, f"user{i:02d}"), range(CLIENTS)))
        wall = time.perf_counter() - wall
        assert all(s == 303 for _, _, s in logged)
        clients = [c for c, _, _ in logged]
        together = [t for _, t, _ in logged]
        with_session = timed_gets(clients, PAGE)
        anonymous_clients = [httpx.Client(base_url=base, timeout=120) for _ in range(CLIENTS)]
        anonymous = timed_gets(anonymous_clients, PAGE)
        for c in clients + anonymous_clients:
            c.close()
        tries = 0
        with httpx.Client(base_url=base, timeout=120) as attacker:
            while tries < 100:
                form = attacker.get("/login")
                token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
                guess = attacker.post("/login", data={"csrf": token, "name": "user00", "password": f"gok nummer {tries:06d}", "next": "/"})
                if guess.status_code == 429:
                    break
                tries += 1
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    ms = lambda s: f"{1000 * s:,.0f} ms"  # noqa: E731
    section = f"""## Accounts (bench_accounts.py, {time.strftime("%Y-%m-%d")})

A real server on 127.0.0.1 with {CLIENTS} users (`kansenspiegel users add`, scrypt N=2^14 r=8 p=5), over HTTP, 2 cores.

| measure | result |
|---|---|
| `kansenspiegel users add` (process start, hash, atomic write) | {add_seconds:.2f} s per user |
| one login (scrypt check, signed session), median of 5 | {ms(statistics.median(single))} |
| {CLIENTS} logins at once: wall time · median · slowest | {wall:.1f} s · {ms(statistics.median(together))} · {ms(max(together))} |
| `{PAGE}`, {CLIENTS} clients × 10: logged in (fresh, never cached) p50 · p95 | {ms(statistics.median(with_session))} · {ms(p95(with_session))} |
| the same page anonymous (answer cache) p50 · p95 | {ms(statistics.median(anonymous))} · {ms(p95(anonymous))} |
| ratio logged in / anonymous (p50) | {statistics.median(with_session) / statistics.median(anonymous):.1f}× |
| wrong passwords one address may try before 429 | {tries} |
"""
    write_section(section)


if __name__ == "__main__":
    main()
