"""Fuzz the JSON API from its own OpenAPI spec (schemathesis): no input may cause a 5xx."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from kansenspiegel.ingest import ingest_frame
from kansenspiegel.store import Store
from kansenspiegel.web import create_app
from tests.conftest import make_persons


def test_no_server_errors_on_any_generated_input(demo_2018_db: Path, tmp_path: Path) -> None:
    # schemathesis' pytest plugin does not run under pytest 9 yet, so the operations are walked
    # here and each one is fuzzed with its own Hypothesis strategy.
    with Store(tmp_path / "own.duckdb") as own:  # an own dataset, so that its endpoints have data
        ingest_frame(own, make_persons(300, municipalities=("GM0268", "GM0263")), source="fuzz.csv", dataset="a")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(demo_2018_db, own_db=tmp_path / "own.duckdb", rounds_db=tmp_path / "rounds.sqlite"))
    seen, statuses = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            statuses.setdefault(operation.label, set()).add(response.status_code)  # noqa: B023 (called inside this iteration)
            assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.status_code}"

        fuzz()
    assert len(seen) == 22, seen  # 18 of the figures and own data, 4 of the conversation kit
    assert all(max(codes) < 500 for codes in statuses.values())
