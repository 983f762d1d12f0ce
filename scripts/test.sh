#!/usr/bin/env bash
# Install kansenspiegel with its test dependencies (Debian's chromium for the browser tests,
# Java and pyspark for the Spark tests) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
# the Spark equivalence tests need a Java runtime (Debian's, 17)
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  else
    echo "the Spark tests need Java: sudo apt-get install default-jre-headless" >&2
    exit 1
  fi
fi
bash scripts/setup.sh test,spark
# style, types and layers first: a red check stops before the (longer) tests
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
