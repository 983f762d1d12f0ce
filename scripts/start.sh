#!/usr/bin/env bash
# Install kansenspiegel and run the main job on the bundled demo data:
# build the demo database (synthetic, 2015–2021) if it is not there, then show the national mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KANSENSPIEGEL_DB=${KANSENSPIEGEL_DB:-data/kansenspiegel.duckdb}
if [ ! -f "$KANSENSPIEGEL_DB" ]; then
  .venv/bin/kansenspiegel demo-data
fi
.venv/bin/kansenspiegel table --year 2018 --geography NL
