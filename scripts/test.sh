#!/usr/bin/env bash
# Install kansenspiegel with its test dependencies and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m pytest "$@"
