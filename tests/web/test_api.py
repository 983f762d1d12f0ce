"""The JSON API: every endpoint, its numbers against the engine, and bad parameters (never a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kansenspiegel import Mirror
from kansenspiegel.disclosure import PUBLIC
from kansenspiegel.stats import rate_range


def test_meta_and_geographies(client: TestClient) -> None:
    meta = client.get("/api/v1/meta").json()
    assert meta["synthetic"] is True and meta["years"] == [2018, 2019]
    geos = client.get("/api/v1/geographies").json()
    assert len(geos) == 1 + 36 + 355
    assert {"code": "GM0363", "name": "Amsterdam", "level": "municipality", "amr": "AM18"} in geos


def test_funnel_equals_engine(client: TestClient, demo_2018_db: Path) -> None:
    rows = client.get("/api/v1/funnel", params={"year": 2018, "geography": "GM0268"}).json()
    assert [r["geography"] for r in rows[::4]] == ["GM0268", "AM08", "NL"]
    engine = Mirror.open(demo_2018_db).overall(year=2018, geography="GM0268").set_index("moment")
    employed = next(r for r in rows if r["geography"] == "GM0268" and r["moment"] == "employed")
    assert abs(employed["count"] - engine.loc["employed", "count"]) <= 5 and employed["count"] % 10 == 0
    population = next(r for r in rows if r["geography"] == "GM0268" and r["moment"] == "population")
    # the published chance is a function of the published counts (the middle of the chances
    # every exact count that rounds to them allows): it reveals nothing more than they do
    low, high = rate_range(*PUBLIC.bounds([employed["count"]]), *PUBLIC.bounds([population["count"]]))
    assert employed["rate"] == pytest.approx((low[0] + high[0]) / 2)
    assert employed["rate"] == pytest.approx(engine.loc["employed", "rate"], abs=0.01)


def test_characteristics_equals_published_engine_metrics(client: TestClient, demo_2018_db: Path) -> None:
    rows = client.get("/api/v1/characteristics", params={"year": 2018, "geography": "AM05"}).json()
    engine = Mirror.open(demo_2018_db).published(year=2018, geography="AM05", grouping="gender", moment="employed")
    women = next(r for r in rows if r["group"] == "female" and r["moment"] == "employed")
    e = engine.set_index("group").loc["female"]
    assert women["rate"] == pytest.approx(e.rate) and women["q_value"] == pytest.approx(e.q_value)
    assert abs(women["rate"] - women["count"] / women["population"]) < 10 / women["population"]
    assert women["significant"] is True and women["rate_difference"] < 0  # the planted Twente effect
    national = Mirror.open(demo_2018_db).published(year=2018, geography="NL", grouping="gender", moment="employed").set_index("group")
    assert women["rate_comparison"] == pytest.approx(national.loc["female", "rate"])


def test_groups_and_filters(client: TestClient) -> None:
    rows = client.get("/api/v1/groups", params={"year": 2018, "geography": "NL", "characteristics": "age_band,gender", "moment": "sustained"}).json()
    assert {r["grouping"] for r in rows} == {"gender+age_band"} and {r["moment"] for r in rows} == {"sustained"}
    assert len(rows) == 2 * 3


def test_small_cells_are_suppressed_not_zero(client: TestClient) -> None:
    rows = client.get("/api/v1/combinations", params={"year": 2018, "geography": "GM0088", "characteristics": "gender,age_band,migration_background"}).json()
    hidden = [r for r in rows if r["suppressed"]]
    assert hidden, "Schiermonnikoog has tiny groups"
    for r in hidden:
        assert r["rate"] is None and r["count"] is None and r["rate_ci_low"] is None
    for r in rows:
        assert r["count"] is None or r["count"] % 10 == 0


def test_compare_lists_every_region(client: TestClient) -> None:
    rows = client.get("/api/v1/compare", params={"year": 2018, "level": "amr", "grouping": "gender", "group": "female", "moment": "employed"}).json()
    assert len(rows) == 36
    twente = next(r for r in rows if r["geography"] == "AM05")
    assert twente["significant_vs_national"] is True and twente["difference_vs_national_pp"] < 0


def test_table_endpoint_is_table_2_1(client: TestClient) -> None:
    rows = client.get("/api/v1/table", params={"year": 2018}).json()
    assert rows[0] == {
        "characteristic": "gender",
        "group": "Vrouwen",
        "population": "270880",
        "population_share_pct": "55",
        "provision": "123950",
        "provision_share_pct": "52",
        "employed": "43690",
        "employed_share_pct": "43",
        "sustained": "31730",
        "sustained_share_pct": "44",
    }


def test_quality_and_boundaries(client: TestClient) -> None:
    q = client.get("/api/v1/quality", params={"year": 2018, "geography": "NL"}).json()
    assert {u["characteristic"] for u in q["unknown"]} >= {"gender", "age_band"} and q["threshold"] == 10
    geo = client.get("/api/v1/boundaries/municipality").json()
    assert len(geo["features"]) == 355


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/v1/funnel", {"year": 2018, "geography": "GM9999"}, 404, "unknown geography code 'GM9999'"),
        ("/api/v1/funnel", {"year": 2018, "geography": "XX"}, 422, "geography"),
        ("/api/v1/funnel", {"year": 2005, "geography": "NL"}, 404, "no data for year 2005"),
        ("/api/v1/funnel", {"year": 1999, "geography": "NL"}, 422, "year"),
        ("/api/v1/funnel", {"year": "twenty"}, 422, "year"),
        ("/api/v1/characteristics", {"year": 2018, "comparison": "AM77"}, 404, "unknown geography code 'AM77'"),
        ("/api/v1/groups", {"year": 2018, "characteristics": "shoe_size"}, 404, "unknown characteristic 'shoe_size'"),
        ("/api/v1/groups", {"year": 2018, "moment": "retired"}, 422, "moment"),
        ("/api/v1/combinations", {"year": 2018, "characteristics": "gender"}, 404, "choose 2 or 3"),
        ("/api/v1/compare", {"year": 2018, "grouping": "gender", "group": "robot"}, 404, "unknown group 'robot'"),
        ("/api/v1/compare", {"year": 2018, "level": "province"}, 422, "level"),
        ("/api/v1/boundaries/planet", {}, 422, "level"),
        ("/api/v1/nothing", {}, 404, "Not Found"),
    ],
)
def test_bad_parameters_get_clear_errors(client: TestClient, path: str, params: dict, status: int, message: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/meta",
        "/api/v1/geographies",
        "/api/v1/funnel",
        "/api/v1/characteristics",
        "/api/v1/groups",
        "/api/v1/combinations",
        "/api/v1/compare",
        "/api/v1/quality",
        "/api/v1/table",
        "/api/v1/boundaries/{level}",
    ):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200


def _upload(client: TestClient, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/validate", files={"file": (name, content, "application/octet-stream")})


def test_validate_upload_reports_problems_and_stores_nothing(client: TestClient, demo_2018_db: Path) -> None:
    from tests.conftest import make_persons

    good = make_persons(30).to_csv(index=False, sep=";").encode("cp1252")
    report = _upload(client, "clients.csv", good).json()
    assert report["ok"] is True and report["rows"] == 30 and report["kind"] == "microdata"
    bad = make_persons(10)
    bad.loc[2, "municipality"] = "GM9999"
    report = _upload(client, "clients.csv", bad.to_csv(index=False).encode()).json()
    assert report["ok"] is False and report["total_problems"] == 1
    assert report["problems"][0] == {
        "row": 4,
        "column": "municipality",
        "value": "GM9999",
        "expected_id": "municipality_code",
        "message_id": None,
        "params": {},
        "terms": [],
        "expected": "a 2020 CBS municipality code such as GM0363",
        "message": "",
    }
    assert Mirror.open(demo_2018_db).dataset == "demo"  # nothing was loaded


def test_validate_upload_rejects_wrong_types_and_paths(client: TestClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert _upload(client, "clients.xlsx", png).status_code == 415
    assert "content is not a .xlsx" in _upload(client, "clients.xlsx", png).json()["detail"]
    zipped = b"PK\x03\x04" + bytes(100)
    assert "binary" in _upload(client, "clients.csv", zipped).json()["detail"]
    assert _upload(client, "clients.exe", b"MZ").status_code == 415
    report = _upload(client, "../../etc/passwd.csv", b"a,b\n1,2\n").json()
    assert report["file"] == "passwd.csv" and report["ok"] is False  # the name is never a path


def test_validate_upload_size_limit(demo_2018_db: Path) -> None:
    from kansenspiegel.web import create_app

    app = create_app(demo_2018_db)
    app.state.max_upload_bytes = 1024
    with TestClient(app) as c:
        response = _upload(c, "clients.csv", b"x" * 5000)
        assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_every_endpoint_is_listed_once_in_the_docs(client: TestClient) -> None:
    """Swagger UI lists an operation under each of its tags: one tag each, so none shows twice."""
    spec = client.get("/openapi.json").json()
    operations = [(path, method, op.get("tags", [])) for path, item in spec["paths"].items() for method, op in item.items()]
    assert all(len(tags) == 1 for _, _, tags in operations), [o for o in operations if len(o[2]) != 1]
    assert {tags[0] for path, _, tags in operations if path.startswith("/api/v1/own")} == {"own data"}
