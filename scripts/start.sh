#!/usr/bin/env bash
# Install kansenspiegel and start the dashboard on the bundled (synthetic) demo data.
# The first start builds the demo database (2015–2021) before serving; open http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KANSENSPIEGEL_DB=${KANSENSPIEGEL_DB:-data/kansenspiegel.duckdb}
exec .venv/bin/kansenspiegel serve "$@"
