"""The gap over the years on the dashboard: the characteristics and municipality pages draw it
(server-side SVG, so it works without scripts) with the sentence the trend test allows, and the
API, the download and the report for the council carry the same numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kansenspiegel.ingest import ingest_frame
from kansenspiegel.store import Store
from kansenspiegel.web.app import create_app
from tests.findings.test_trends import make_years


@pytest.fixture(scope="module")
def years_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("years") / "years.duckdb"
    store = Store(path)
    ingest_frame(store, make_years(), source="years.csv", dataset="years", kind="microdata", synthetic=True)
    store.close()
    with TestClient(create_app(path)) as c:
        yield c


def _section(html: str, start: str) -> str:
    return html[html.index(start) :]


def test_the_characteristics_page_draws_the_gap_over_the_years_with_its_sentence(years_client: TestClient) -> None:
    page = years_client.get("/characteristics", params={"year": 2015, "geo": "GM0363", "moment": "employed"})
    assert page.status_code == 200
    trends = _section(page.text, 'id="trends"')
    gender = trends[trends.index('id="trend-gender"') : trends.index('id="trend-age_band"')]
    assert "<svg" in gender and gender.count("<circle") == 7  # one point per year
    assert 'data-group="male"' not in gender.split("<details>")[0]  # the same gap is drawn once
    assert re.search(r"<mark>Het verschil met de rest is sinds 2015 kleiner geworden: van \d+ naar \d+ procentpunt", gender)
    # the table per year holds the view's numbers
    view = years_client.get("/api/v1/trends", params={"geography": "GM0363", "moment": "employed"}).json()
    women = [r for r in view if r["group"] == "female"]
    gap = f"{women[3]['gap_pp']:+.1f}".replace("-", "−").replace(".", ",")
    assert re.search(rf'data-group="female" data-year="2018">.*?{re.escape(gap)}', gender, re.S)
    # the registration change of 2015 is said once, under its characteristic
    migration = trends[trends.index('id="trend-migration_background"') :]
    assert migration.count("vaker onbekend in de registratie") == 1
    # the municipality page has the same section; English speaks English
    assert 'id="trends"' in years_client.get("/municipality", params={"year": 2015, "geo": "GM0363"}).text
    english = years_client.get("/characteristics", params={"year": 2015, "geo": "GM0363", "lang": "en"}).text
    assert "has become smaller since 2015" in english


def test_the_trends_download_and_the_report_carry_the_trend(years_client: TestClient) -> None:
    csv = years_client.get("/download/view/trends.csv", params={"geography": "GM0363", "moment": "employed"})
    assert csv.status_code == 200 and "2015-2021" in csv.headers["content-disposition"]
    assert "Verschil met de rest (procentpunt)" in csv.text.splitlines()[0] or "Verschil met de rest (procentpunt)" in csv.text[:2000]
    report = years_client.get("/report.html", params={"year": 2015, "geo": "GM0363"}).text
    section = _section(report, 'id="trends"')
    assert "Vrouwen, werkt ≥ 1 maand" in section or re.search(r"<strong>Vrouwen, [^<]*</strong>: Het verschil met de rest is sinds 2015 kleiner", section)
    xlsx = years_client.get("/report.xlsx", params={"year": 2015, "geo": "GM0363"})
    assert xlsx.status_code == 200
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Trends" in book.sheetnames
    rows = list(book["Trends"].iter_rows(values_only=True))
    assert rows[1][0] == "Vrouwen" and rows[1][2] == 2015 and rows[1][3] == 2021


def test_one_year_of_data_shows_no_trend_section(client: TestClient) -> None:
    """The demo database of the other web tests has two years: too few for a trend, said so."""
    page = client.get("/characteristics", params={"year": 2018, "geo": "GM0268", "moment": "employed"}).text
    assert "Te weinig jaren met cijfers" in page
