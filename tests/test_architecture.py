"""The layout is the code's: layers enforced, SQL only in the store, and a new published view
is one module — served by the API (with its response model), downloads and the CLI."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "kansenspiegel"


def test_import_layers_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(exe), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_raw_sql_lives_only_in_the_stores() -> None:
    """SQL only in the two stores: the figures' DuckDB file (store.py) and the conversation
    kit's staff database (conversations/store.py); and in the two places where Ibis has no
    expression for what the engine can do: the rollup's GROUPING SETS (cube/_cube.py, one
    function, with the portable Ibis spelling beside it) and DuckDB's Parquet reader with row
    numbers (ingest/_read.py). Ibis' own ``expr.execute()`` and ``ibis.duckdb.connect()`` are
    not raw SQL."""
    sql = re.compile(r"\.execute\(\s*f?[\"']|raw_sql\(|\.con\.con\b|(?<!ibis\.)\bduckdb\.connect\(|sqlite3\.connect\(|\.sql\(")
    stores = {"store.py", "conversations/store.py", "cube/_cube.py", "ingest/_read.py"}
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if str(p.relative_to(SRC)) not in stores and sql.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_a_new_view_is_one_module(demo_2018_db: Path) -> None:
    """Everything a view module does: declare parameters, columns and a compute function, and
    register. The API, the downloads and the CLI then serve it without another change."""
    from kansenspiegel.cli import app as cli
    from kansenspiegel.views import VIEWS, Params, Published, View, register
    from kansenspiegel.views._params import Geo, Year
    from kansenspiegel.views._registry import columns
    from kansenspiegel.web import create_app

    class ShareParams(Params):
        year: Year
        geography: Geo = "NL"

    def compute(pub: Published, p: ShareParams) -> pd.DataFrame:
        g = pub.groups(p.year, p.geography)
        rows = g[(g.grouping == "gender") & (g.moment == "employed")]
        return rows[["group", "population", "rate"]].reset_index(drop=True)

    register(
        View(
            name="test_gender_work",
            summary="Work by gender (a test view)",
            params=ShareParams,
            columns=columns("group:code", "population", "rate:rate"),
            compute=compute,
        )
    )
    try:
        with TestClient(create_app(demo_2018_db)) as c:
            rows = c.get("/api/v1/test_gender_work", params={"year": 2018, "geography": "AM08"}).json()
            assert {r["group"] for r in rows} >= {"female", "male"} and all(r["population"] % 10 == 0 for r in rows)
            spec = c.get("/openapi.json").json()
            schema = spec["paths"]["/api/v1/test_gender_work"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            assert schema["type"] == "array" and "$ref" in schema["items"]
            csv = c.get("/download/view/test_gender_work.csv", params={"year": 2018, "geography": "AM08"})
            table = pd.read_csv(io.BytesIO(csv.content), sep=";", decimal=",", encoding="utf-8-sig")
            assert "Kans (%)" in table.columns and len(table) == len(rows)
        out = CliRunner().invoke(cli, ["view", "test_gender_work", "--db", str(demo_2018_db), "-p", "year=2018", "-p", "geography=AM08", "--format", "json"])
        assert out.exit_code == 0, out.output
        assert '"group": "female"' in out.stdout
    finally:
        VIEWS.pop("test_gender_work", None)


def test_every_view_module_registers_one_view() -> None:
    from kansenspiegel.views import VIEWS

    modules = sorted(p.stem for p in (SRC / "views").glob("*.py") if not p.name.startswith("_") and p.stem not in ("report",))
    assert sorted(VIEWS) == modules
