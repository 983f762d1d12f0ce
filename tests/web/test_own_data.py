"""A municipality's own client file through the web: check, load, see it beside the reference
AMR and country, delete. Loaded into a separate own-data database, never the reference one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kansenspiegel import Mirror
from kansenspiegel.ingest import template_frame
from kansenspiegel.store import Store
from kansenspiegel.web import create_app
from tests.conftest import make_persons

GM = "GM0268"  # Nijmegen, in AMR AM08 Rijk van Nijmegen


def filled_template(n: int = 900, seed: int = 5, year: int = 2018) -> bytes:
    """The template's columns filled with a municipality's clients, as Dutch Excel saves it
    (semicolons, Windows-1252)."""
    persons = make_persons(n, seed=seed, municipalities=(GM,)).assign(year=year)
    persons["person_key"] = [f"klant-{i:05d}-nmg" for i in range(n)]
    columns = [c for c in template_frame().columns if c in persons.columns]
    return persons[columns].to_csv(index=False, sep=";").encode("cp1252")


@pytest.fixture
def own_client(demo_2018_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(demo_2018_db, own_db=tmp_path / "own.duckdb")
    with TestClient(app) as c:
        c.own_db = tmp_path / "own.duckdb"  # type: ignore[attr-defined]
        yield c


def token(client: TestClient) -> str:
    page = client.get("/upload")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def load(client: TestClient, body: bytes, name: str, *, filename: str = "klanten.csv", csrf: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/upload",
        data={"csrf": csrf if csrf is not None else token(client), "action": "load", "name": name},
        files={"file": (filename, body, "text/csv")},
        follow_redirects=False,
    )


def test_template_filled_in_is_loaded_and_shown_beside_amr_and_country(own_client: TestClient, demo_2018_db: Path) -> None:
    response = load(own_client, filled_template(), "nijmegen-2018")
    assert response.status_code == 303 and response.headers["location"] == "/own/nijmegen-2018?lang=nl"
    page = own_client.get("/own/nijmegen-2018")
    assert page.status_code == 200 and "Nijmegen" in page.text and "Rijk van Nijmegen" in page.text
    data = own_client.get("/api/v1/own/nijmegen-2018/compare", params={"year": 2018, "geography": GM, "moment": "employed"}).json()
    assert data["amr"] == "AM08" and data["has_reference"] and data["reference_dataset"] == "demo"
    rows = pd.DataFrame(data["rows"]).set_index(["grouping", "group"])
    # own numbers = the engine's published numbers of the own dataset
    own = Mirror(store=own_client.app.state.own._open(), dataset="nijmegen-2018").published(year=2018, geography=GM)
    own = own[own.moment == "employed"].set_index(["grouping", "group"])
    for key in rows.index:
        assert rows.loc[key, "population"] == own.loc[key, "population"] or (pd.isna(rows.loc[key, "population"]) and pd.isna(own.loc[key, "population"]))
        assert np.isclose(rows.loc[key, "rate"], own.loc[key, "rate"], equal_nan=True)
    # reference numbers = the published AMR and national figures of the dashboard's dataset
    ref = Mirror.open(demo_2018_db)
    for code, prefix in (("AM08", "amr"), ("NL", "national")):
        pub = ref.published(year=2018, geography=code)
        pub = pub[pub.moment == "employed"].set_index(["grouping", "group"])
        assert np.allclose(rows[f"{prefix}_rate"], pub["rate"].reindex(rows.index), equal_nan=True)
    # the own figures are published: rounded to tens, small groups hidden
    shown = rows.population.dropna()
    assert (shown % 10 == 0).all()
    assert rows.loc[rows.suppressed, "rate"].isna().all()
    # and the reference database was not touched
    assert Store(demo_2018_db, read_only=True).dataset_names() == ["demo"]
    listed = own_client.get("/api/v1/own").json()
    assert [d["name"] for d in listed] == ["nijmegen-2018"] and listed[0]["municipalities"] == [GM] and listed[0]["rows"] == 900


def test_an_invalid_file_is_reported_in_dutch_and_nothing_is_stored(own_client: TestClient) -> None:
    body = filled_template().decode("cp1252").replace(f"{GM};", "GM9999;", 1).replace("employed_1m", "werk", 1).encode("cp1252")
    response = load(own_client, body, "fout")
    assert response.status_code == 200
    assert "ontbrekende kolom" in response.text and "deze kolom in de kopregel" in response.text
    assert own_client.get("/api/v1/own").json() == []
    assert not own_client.own_db.exists()  # type: ignore[attr-defined]


def test_name_in_use_bad_name_and_too_many_rows_are_refused(own_client: TestClient) -> None:
    assert load(own_client, filled_template(), "nijmegen").status_code == 303
    again = load(own_client, filled_template(seed=6), "nijmegen")
    assert again.status_code == 409 and "al een bestand met de naam" in again.text  # the upload page speaks Dutch
    assert load(own_client, filled_template(), "Nijmegen/../x").status_code == 400
    own_client.app.state.max_upload_rows = 100
    try:
        big = load(own_client, filled_template(), "groot")
    finally:
        del own_client.app.state.max_upload_rows
    assert big.status_code == 413 and "meer dan 100 rijen" in big.text  # on the (Dutch) upload page
    assert [d["name"] for d in own_client.get("/api/v1/own").json()] == ["nijmegen"]


def test_errors_a_user_meets_are_dutch_on_pages_and_english_in_the_api(own_client: TestClient) -> None:
    html = {"accept": "text/html"}
    forged = own_client.post("/own/x/delete", data={"csrf": "forged"}, headers=html)
    assert forged.status_code == 403 and "het formulier is verlopen" in forged.text
    big = own_client.post("/api/v1/validate", files={"file": ("a.doc", b"x", "text/plain")})
    assert big.status_code == 415 and "unsupported file type" in big.json()["detail"]
    page = own_client.post("/upload", data={"csrf": token(own_client)}, files={"file": ("a.doc", b"x", "text/plain")}, headers=html)
    assert page.status_code == 415 and "wordt niet ondersteund" in page.text


def test_forms_need_the_csrf_token(own_client: TestClient) -> None:
    assert load(own_client, filled_template(), "x", csrf="forged").status_code == 403
    assert load(own_client, filled_template(), "x").status_code == 303
    assert own_client.post("/own/x/delete", data={"csrf": "forged"}).status_code == 403
    assert own_client.get("/api/v1/own").json()[0]["name"] == "x"


def test_deleting_the_last_dataset_removes_the_own_database(own_client: TestClient) -> None:
    load(own_client, filled_template(), "weg")
    assert own_client.own_db.exists()  # type: ignore[attr-defined]
    response = own_client.post("/own/weg/delete", data={"csrf": token(own_client)}, follow_redirects=False)
    assert response.status_code == 303
    assert own_client.get("/api/v1/own").json() == []
    assert not own_client.own_db.exists()  # type: ignore[attr-defined]
    assert own_client.get("/own/weg").status_code == 404


def test_a_year_without_reference_figures_says_so(own_client: TestClient) -> None:
    load(own_client, filled_template(year=2021), "later")
    page = own_client.get("/own/later", params={"year": 2021})
    assert page.status_code == 200 and 'id="no-reference"' in page.text
    data = own_client.get("/api/v1/own/later/compare", params={"year": 2021, "geography": GM}).json()
    assert data["has_reference"] is False and all(r["national_rate"] is None for r in data["rows"])


def test_own_pages_are_not_cached(own_client: TestClient) -> None:
    assert own_client.get("/api/v1/own").json() == []
    load(own_client, filled_template(), "nieuw")
    assert [d["name"] for d in own_client.get("/api/v1/own").json()] == ["nieuw"]  # not a stale cached answer


def test_without_an_own_database_the_upload_page_only_checks(client: TestClient) -> None:
    """A public server (`serve --no-own`): no load button, and a forged load is refused."""
    page = client.get("/upload")
    assert 'id="btn-load"' not in page.text and 'id="own-datasets"' not in page.text
    response = load(client, filled_template(), "x")
    assert response.status_code == 404
    assert client.get("/api/v1/own").status_code == 404


def _stored_rows(path: Path, table: str) -> tuple[int, int]:
    """(rows the file's storage holds for ``table``, rows visible): deleted rows that only had
    their blocks freed still count in the storage."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        stored = con.execute(
            f"select coalesce(sum(count), 0) from pragma_storage_info('{table}') where column_id = 0 and segment_type != 'VALIDITY'"
        ).fetchone()[0]
        visible = con.execute(f"select count(*) from {table}").fetchone()[0]
    return int(stored), int(visible)


def test_deleting_one_of_two_own_datasets_leaves_no_trace_in_the_file(own_client: TestClient) -> None:
    """Before: after a web delete of one of two own datasets the file still held both
    datasets' person rows (pragma_storage_info: 6,000 stored, 3,000 visible)."""
    assert load(own_client, filled_template(n=3_000, seed=11), "eerste").status_code == 303
    assert load(own_client, filled_template(n=3_000, seed=12), "tweede").status_code == 303
    path = own_client.own_db  # type: ignore[attr-defined]
    own_client.app.state.own.close()
    assert _stored_rows(path, "persons") == (6_000, 6_000)
    gone = own_client.post("/own/eerste/delete", data={"csrf": token(own_client)}, follow_redirects=False)
    assert gone.status_code == 303
    own_client.app.state.own.close()
    assert _stored_rows(path, "persons") == (3_000, 3_000)  # the storage holds only what is visible
    assert own_client.get("/own/tweede").status_code == 200 and own_client.get("/own/eerste").status_code == 404


def test_an_own_characteristic_is_shown_compared_within_the_file_and_combined(own_client: TestClient) -> None:
    """A planted gap for refugee status holders (kenmerk:statushouder, not a CBS
    characteristic): the page shows it against the rest of the file, says the national data
    lacks it, and combines it with the other characteristics."""
    persons = make_persons(2000, seed=11, municipalities=(GM,)).assign(year=2018)
    rng = np.random.default_rng([11, 2])  # not the draws of make_persons (which would tie the status to work)
    status = rng.random(len(persons)) < 0.2
    persons["employed_1m"] = np.where(status, rng.random(len(persons)) < 0.08, persons["employed_1m"])
    persons["employed_6m"] &= persons["employed_1m"]
    persons["kenmerk:statushouder"] = np.where(status, "ja", "nee")
    body = persons.to_csv(index=False, sep=";").encode("cp1252")
    check = own_client.post("/upload", data={"csrf": token(own_client), "action": "check"}, files={"file": ("k.csv", body, "text/csv")})
    assert 'id="report-own"' in check.text and "Statushouder: ja" in check.text
    assert load(own_client, body, "statushouders").status_code == 303

    data = own_client.get("/api/v1/own/statushouders/compare", params={"year": 2018, "geography": GM}).json()
    rows = pd.DataFrame(data["rows"]).set_index(["grouping", "group"])
    yes = rows.loc[("statushouder", "ja")]
    assert not yes.in_reference and pd.isna(yes.national_rate) and pd.isna(yes.q_value_vs_national)
    assert yes.significant and yes.rate_difference < -0.1 and yes.rate < 0.15
    assert rows.loc[("gender", "female")].in_reference
    page = own_client.get("/own/statushouders")
    assert 'id="own-statushouder"' in page.text and 'id="own-note-statushouder"' in page.text and "De landelijke cijfers hebben het kenmerk" in page.text
    yes_row = re.search(r'<tr data-group="ja">.*?</tr>', page.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'class="na"' in yes_row and re.search(r'class="num lo" data-col="difference_vs_rest"', yes_row)

    combos = own_client.get("/api/v1/own/statushouders/combinations", params={"year": 2018, "geography": GM, "characteristics": "age_band,statushouder"})
    assert combos.status_code == 200
    shown = pd.DataFrame(combos.json())
    assert set(shown.group) == {f"{a}+{s}" for a in ("up_to_26", "27_to_44", "45_to_aow") for s in ("ja", "nee")}
    assert not shown.in_reference.any() and shown.national_rate.isna().all()
    assert shown.label.iloc[0] == "26 jaar of jonger · Statushouder: ja"
    standard = own_client.get("/api/v1/own/statushouders/combinations", params={"year": 2018, "geography": GM, "characteristics": "gender,age_band"}).json()
    assert all(r["in_reference"] for r in standard) and any(r["national_rate"] is not None for r in standard)
    unknown = own_client.get("/api/v1/own/statushouders/combinations", params={"year": 2018, "geography": GM, "characteristics": "gender,wijk"})
    assert unknown.status_code == 404 and "wijk" in unknown.json()["detail"]
    page = own_client.get("/own/statushouders", params={"chars": "age_band+statushouder"})
    assert 'id="own-combination-table"' in page.text and "26 jaar of jonger · Statushouder: ja" in page.text and 'id="own-combination-note"' in page.text
    download = own_client.get(
        "/download/view/own_combinations.csv", params={"name": "statushouders", "year": 2018, "geography": GM, "characteristics": "age_band,statushouder"}
    )
    assert download.status_code == 200 and "Statushouder: ja" in download.text and "Kenmerk in de landelijke cijfers" in download.text
