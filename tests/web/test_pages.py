"""Pages in-process: every page renders in Dutch and English, downloads carry the view's numbers."""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/characteristics", "/compare", "/combinations", "/municipality", "/method", "/upload"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_dutch_by_default_with_synthetic_banner(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="nl">' in html and "SYNTHETISCHE" in html
    assert 'aria-current="page"' in html
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_page_in_english(client: TestClient, path: str) -> None:
    html = client.get(path, params={"lang": "en"}).text
    assert '<html lang="en">' in html and "SYNTHETIC demo data" in html


def test_page_errors_are_pages_not_tracebacks(client: TestClient) -> None:
    response = client.get("/characteristics", params={"geo": "GM9999"}, headers={"accept": "text/html"})
    assert response.status_code == 404 and "GM9999" in response.text and "<html" in response.text
    response = client.get("/municipality", params={"geo": "AM05"}, headers={"accept": "text/html"})
    assert response.status_code == 404 and "geen gemeentecode" in response.text  # a page speaks Dutch
    response = client.get("/municipality", params={"geo": "AM05", "lang": "en"}, headers={"accept": "text/html"})
    assert response.status_code == 404 and "not a municipality" in response.text


def test_plotly_is_served_locally(client: TestClient) -> None:
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200 and len(response.content) > 1_000_000


@pytest.mark.parametrize("view", ["overview", "characteristics", "compare", "combinations", "municipality", "findings"])
def test_downloads_csv_and_xlsx_hold_the_same_numbers(client: TestClient, view: str) -> None:
    """Dutch CSV for Dutch Excel (';', decimal comma, Dutch headers, chances in percent at one
    decimal) and XLSX (real numbers, chances as fractions) hold the same published numbers."""
    params = {"year": 2018, "geo": "AM05" if view != "municipality" else "GM0153"}
    raw = client.get(f"/download/{view}.csv", params=params).content
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    csv = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    response = client.get(f"/download/{view}.xlsx", params=params)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    xlsx = pd.read_excel(io.BytesIO(response.content), sheet_name="cijfers")
    assert len(csv) == len(xlsx) > 0
    for header in csv.columns:
        if header.endswith(" (%)"):  # a chance: percent in the CSV, a fraction in the XLSX
            plain = header.removesuffix(" (%)")
            assert (csv[header] - (100 * xlsx[plain]).round(1)).abs().max(skipna=True) < 1e-6 or csv[header].isna().all(), header
        else:
            pd.testing.assert_series_equal(csv[header], xlsx[header], check_dtype=False, check_names=False)
    assert "Kans (%)" in csv.columns or view == "findings"
    assert not {"provision", "vs_national", "employed"} & set(xlsx.astype(str).to_numpy().ravel())  # labels, not codes
    about = pd.read_excel(io.BytesIO(response.content), sheet_name="over deze cijfers")
    assert "SYNTHETISCH" in about.iloc[0, 0]


def test_english_csv_uses_commas_and_decimal_points(client: TestClient) -> None:
    raw = client.get("/download/overview.csv", params={"year": 2018, "geo": "AM05", "lang": "en"}).content.decode("utf-8-sig")
    header = raw.splitlines()[0]
    assert header.startswith("Area code,Area,Moment,") and "Chance (%)" in header


def test_download_rejects_bad_parameters(client: TestClient) -> None:
    bad = client.get("/download/overview.csv", params={"geo": "../../etc"})
    assert bad.status_code == 422 and "geography" in bad.text
    assert client.get("/download/overview.pdf").status_code == 422


def test_repeated_pages_come_from_the_cache_with_their_headers(demo_2018_db) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel.web import create_app

    app = create_app(demo_2018_db)
    with TestClient(app) as c:
        first = c.get("/characteristics", params={"geo": "AM12"})
        second = c.get("/characteristics", params={"geo": "AM12"})
        assert first.text == second.text
        assert second.headers["content-security-policy"] == first.headers["content-security-policy"]
        missing = c.get("/api/v1/funnel", params={"year": 2018, "geography": "GM9999"})
        assert missing.status_code == 404 and c.get("/api/v1/funnel", params={"year": 2018, "geography": "GM9999"}).status_code == 404
    cache = app.middleware_stack
    while not hasattr(cache, "hits"):
        cache = cache.app
    assert cache.hits == 1  # the second page view; errors are never cached


def test_internal_mode_exact_on_screen_public_exports_unless_switched(demo_2018_db) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel import Mirror
    from kansenspiegel.web import create_app

    with TestClient(create_app(demo_2018_db, internal=True)) as c:
        page = c.get("/", params={"geo": "GM0088"})
        assert 'id="internal-banner"' in page.text
        exact = Mirror.open(demo_2018_db).overall(year=2018, geography="GM0088").set_index("moment")
        api = {r["moment"]: r for r in c.get("/api/v1/funnel", params={"year": 2018, "geography": "GM0088"}).json() if r["geography"] == "GM0088"}
        assert api["employed"]["count"] == exact.loc["employed", "count"]  # exact, not rounded
        read = lambda r: pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")  # noqa: E731
        public = read(c.get("/download/overview.csv", params={"geo": "GM0088", "lang": "en"}))
        assert public["Disclosure policy"].str.startswith("public").all()
        assert (public["Number who reached the moment"].dropna() % 10 == 0).all()
        response = c.get("/download/overview.csv", params={"geo": "GM0088", "export": "internal", "lang": "en"})
        assert "INTERNAL_" in response.headers["content-disposition"]
        internal = read(response)
        assert internal["Disclosure policy"].str.startswith("INTERNAL export").all()
        row = internal[(internal["Area code"] == "GM0088") & (internal["Moment"] == "Employed (≥ 1 month)")].iloc[0]
        assert row["Number who reached the moment"] == exact.loc["employed", "count"]
    with TestClient(create_app(demo_2018_db)) as c:  # a public server ignores the switch
        public = pd.read_csv(
            io.BytesIO(c.get("/download/overview.csv", params={"geo": "GM0088", "export": "internal", "lang": "en"}).content), encoding="utf-8-sig"
        )
        assert public["Disclosure policy"].str.startswith("public").all()


def test_upload_form_needs_its_csrf_token(client: TestClient) -> None:
    form = client.get("/upload")
    assert form.status_code == 200 and "ks_csrf" in form.headers["set-cookie"]
    files = {"file": ("clients.csv", b"a,b\n1,2\n", "text/csv")}
    forged = client.post("/upload", files=files, data={"csrf": "made-up"}, headers={"accept": "text/html"})
    assert forged.status_code == 403 and "verlopen" in forged.text  # pages speak Dutch by default
    token = client.cookies.get("ks_csrf")
    checked = client.post("/upload", files=files, data={"csrf": token}, headers={"accept": "text/html"})
    assert checked.status_code == 200 and 'id="problems-table"' in checked.text


def test_upload_report_speaks_dutch_with_a_problem_in_every_row(client: TestClient) -> None:
    """Three problems, one with a message of its own and two where the expectation says it all:
    the count has the right plural, every row names its problem, no English word is left."""
    from tests.conftest import make_persons

    broken = make_persons(10).astype({"year": str})
    broken.loc[1, "municipality"] = "GM9999"
    broken.loc[2, "year"] = "twintig"
    broken.loc[3, "year"] = "1700"
    client.get("/upload")
    page = client.post(
        "/upload", files={"file": ("clients.csv", broken.to_csv(index=False).encode(), "text/csv")}, data={"csrf": client.cookies.get("ks_csrf")}
    )
    assert re.search(r'id="report-problems">\s*3 problemen; er is niets ingelezen.\s*<', page.text)
    body = page.text.split('id="problems-table"')[1].split("</tbody>")[0].split("<tbody>")[1]
    rows = [[html.unescape(td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)] for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert len(rows) == 3 and all(r[3] and r[4] for r in rows), rows
    assert ["3", "municipality", "GM9999", "ongeldige waarde", "een CBS-gemeentecode van 2020, zoals GM0363"] in rows
    assert ["5", "year", "1700", "onmogelijke waarde", "een jaar tussen 2000 en 2100"] in rows, rows
    assert not any(word in " ".join(map(" ".join, rows)) for word in ("expected", "whole number", "between", "impossible"))


def test_template_downloads(client: TestClient) -> None:
    csv = client.get("/template.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbfperson_key;year;municipality")
    example = csv.content.decode("utf-8-sig").splitlines()[1].split(";")
    assert example[:3] == ["voorbeeld-001", "2019", "GM0363"] and "38" in example and "30" in example
    assert not any(cell.endswith(".0") for cell in example), example  # whole numbers stay whole
    assert client.get("/template.xlsx").content.startswith(b"PK")


def test_every_page_has_reading_help_and_the_method_page_a_glossary(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/findings", "/characteristics", "/compare", "/combinations", "/municipality", "/method", "/upload"):
        page = client.get(path, params={"year": 2018} if path != "/upload" else {})
        assert page.status_code == 200 and "Zo leest u dit" in page.text, path
    method = client.get("/method", params={"year": 2018}).text
    for term in (
        "Beslismoment",
        "Aandeel",
        "Kans",
        "Verschil in aandeel (procentpunt)",
        "Verschil met de anderen (procentpunt)",
        "Verschil met Nederland (procentpunt)",
        "Interval",
        "Duidelijk verschil",
    ):
        assert f"<dt>{term}</dt>" in method
    characteristics = client.get("/characteristics", params={"year": 2018, "geo": "AM05"}).text
    assert 'title="Kans: het deel van deze groep dat het moment bereikte"' in characteristics  # hover help on numbers


@pytest.mark.parametrize("view", ["findings", "characteristics", "combinations", "overview"])
def test_dutch_xlsx_speaks_in_labels_except_in_its_code_columns(client: TestClient, view: str) -> None:
    """Only a column that says it holds codes ('Gebiedscode', 'Groepcode', 'Indelingcode') has
    them; every other cell is a word a reader knows (no 'provision', 'vs_national', 'female')."""
    from openpyxl import load_workbook

    from kansenspiegel.codes import CHARACTERISTICS, MOMENTS

    codes = {*MOMENTS, "vs_national", "vs_rest", *CHARACTERISTICS, *(g for c in CHARACTERISTICS.values() for g in c.codes)}
    body = client.get(f"/download/{view}.xlsx", params={"year": 2018, "geo": "AM05", "lang": "nl"}).content
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert all(isinstance(h, str) and h for h in header)
    for row in sheet.iter_rows(min_row=2, values_only=True):
        for name, value in zip(header, row):
            if isinstance(value, str) and not name.lower().endswith("code"):
                words = set(re.split(r"[ ,;+·()]+", value))
                assert not words & codes, (view, name, value)


@pytest.mark.parametrize("path", ["/", "/findings", "/characteristics", "/municipality", "/combinations", "/method"])
def test_english_pages_name_the_country_in_english(client: TestClient, path: str) -> None:
    page = client.get(path, params={"year": 2018, "lang": "en"}).text
    assert "the Netherlands" in page
    assert not re.findall(r"\bNederland\b", page), re.findall(r".{40}\bNederland\b.{20}", page)[:3]
    assert "Nederland" in client.get(path, params={"year": 2018}).text  # and in Dutch in Dutch


def test_typed_areas_never_give_a_server_error(client: TestClient) -> None:
    """What a user may type or an old link may hold: a choice, a redirect or a clear 404."""
    assert client.get("/", params={"geo": "utre", "year": 2010}, follow_redirects=False).status_code == 200  # a year without data
    assert client.get("/", params={"geo": "utre", "year": "²"}, follow_redirects=False).status_code in (200, 422)
    assert client.get("/", params={"geo": "Amsterdam NL"}, follow_redirects=False).status_code == 404  # no code hidden in a name
    moved = client.get(
        "/municipality", params={"geo": "Groningen", "year": 2018}, follow_redirects=False
    )  # a region too, but this page has municipalities only
    assert moved.status_code == 303 and "geo=GM0014" in moved.headers["location"]
    assert moved.headers["location"].startswith("/municipality?")  # relative: never another host
    assert client.get("/combinations", params={"year": 2018, "chars": "gender,age_band"}).status_code == 200  # typed with a comma
    english = client.get("/", params={"geo": "utre", "lang": "en"}).text
    assert 'href="/?geo=utre&amp;lang=nl"' in english  # the language switch keeps what was typed


def test_method_page_says_things_once_and_explains_hidden_figures(client: TestClient) -> None:
    page = client.get("/method", params={"year": 2018, "geo": "AM05"}).text
    assert page.count("SYNTHETISCHE") == 1  # one banner
    note = re.search(r'id="suppression-note">(.*?)</p>', page, re.S)
    assert note and "Van de " in note.group(1) and "Twente in 2018" in note.group(1) and "secundaire onderdrukking" in note.group(1)
    assert "Onderdrukte cellen:" not in page
    heads = re.findall(r'<tr data-characteristic="[a-z_]+"><th scope="row">([^<]+)</th>', page)
    assert heads == ["Geslacht", "Leeftijd", "Migratieachtergrond", "Huishoudtype", "Doelgroepregister"]  # labels, never codes


def test_a_municipality_is_shown_against_the_rest_of_its_amr_with_the_test(client: TestClient) -> None:
    from kansenspiegel.views import Published

    page = client.get("/municipality", params={"year": 2018, "geo": "GM0363", "moment": "employed"}).text
    assert "Kans: Groot Amsterdam zonder Amsterdam" in page
    board: Published = client.app.state.public
    view = board.run("characteristics", year=2018, geography="GM0363", comparison="AM18")
    row = view[(view.group == "female") & (view.moment == "employed")].iloc[0]
    women = page[page.index('id="table-gender"') :]
    women = women[women.index('data-group="female"') :]
    cell = women[women.index('data-col="difference_vs_rest_of_amr"') - 40 : women.index('data-col="difference_vs_rest_of_amr"') + 80]
    assert f"{row.difference_vs_rest_of_comparison_pp:+.1f}".replace("-", "−").replace(".", ",") in cell
    assert (" lo" in cell or " hi" in cell) == bool(row.significant_vs_comparison)
    # the characteristics page with the AMR as comparison shows the rest of it too
    chars = client.get("/characteristics", params={"year": 2018, "geo": "GM0363", "cmp": "AM18", "moment": "employed"}).text
    assert "Verschil met Groot Amsterdam zonder Amsterdam" in chars
