#!/usr/bin/env bash
# Run the benchmarks and write benchmarks/results.md (installs the test extras for fairlearn).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python benchmarks/bench_engine.py
.venv/bin/python benchmarks/bench_web.py
.venv/bin/python benchmarks/bench_reports.py
.venv/bin/python benchmarks/bench_honest.py
.venv/bin/python benchmarks/bench_hostile.py
.venv/bin/python benchmarks/bench_accounts.py
.venv/bin/python benchmarks/bench_analyses.py
.venv/bin/python benchmarks/bench_own.py
.venv/bin/python benchmarks/bench_rounds.py
.venv/bin/python benchmarks/bench_scale.py
