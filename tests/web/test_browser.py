"""Real browser tests: Debian chromium driven by Playwright against `kansenspiegel serve`.

Each page loads without console errors and without any request leaving 127.0.0.1; controls
change the numbers; the numbers shown are the engine's; a map click navigates. Screenshots of
every page go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kansenspiegel import Mirror
from kansenspiegel.formatting import fmt_int, fmt_pct

PAGES = {
    "overview": "/?year=2018&geo=AM05",
    "findings": "/findings?year=2018&geo=AM05",
    "characteristics": "/characteristics?year=2018&geo=AM05",
    "compare": "/compare?year=2018&level=municipality",
    "combinations": "/combinations?year=2018&geo=GM0363",
    "municipality": "/municipality?year=2018&geo=GM0268",
    "method": "/method?year=2018",
    "upload": "/upload",
    "overview-en": "/?year=2018&geo=NL&lang=en",
}


def test_api_docs_work_offline(visit) -> None:  # type: ignore[no-untyped-def]
    visit.open("/docs")
    visit.page.wait_for_selector(".opblock", timeout=20_000)
    assert visit.page.locator(".opblock").count() >= 10
    visit.screenshot("api-docs")
    assert visit.errors == [] and visit.outside == []


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_clean_and_offline(visit, name: str) -> None:  # type: ignore[no-untyped-def]
    visit.open(PAGES[name])
    visit.screenshot(name)
    assert visit.errors == []
    assert visit.outside == []
    for chart in visit.page.query_selector_all(".chart[data-kind]"):
        assert chart.get_attribute("data-ready") == "true"
    assert visit.page.locator("#synthetic-banner").is_visible()


def test_changing_geography_updates_the_numbers(visit, demo_2018_db: Path) -> None:  # type: ignore[no-untyped-def]
    visit.open("/?year=2018&geo=NL")
    cell = visit.page.locator('#funnel-table tr[data-moment="employed"] td[data-geo="NL"][data-col="count"]')
    national = cell.inner_text()
    visit.page.fill("#ctl-geo", "AM30")
    visit.page.get_by_role("button", name="Toon").click()
    visit.page.wait_for_url("**geo=AM30**")
    region_cell = visit.page.locator('#funnel-table tr[data-moment="employed"] td[data-geo="AM30"][data-col="count"]')
    engine = Mirror.open(demo_2018_db).overall(year=2018, geography="AM30").set_index("moment")
    assert region_cell.inner_text() == fmt_int(round((engine.loc["employed", "count"] + 5) // 10 * 10))
    assert region_cell.inner_text() != national
    assert visit.page.locator("#geo-name").inner_text() == "Zuid-Limburg"


def test_changing_year_and_combination_updates_the_numbers(visit, demo_2018_db: Path) -> None:  # type: ignore[no-untyped-def]
    visit.open("/combinations?year=2018&geo=AM22&chars=gender%2Bage_band&moment=employed")
    cell = '#combinations-table tr[data-group="female+45_to_aow"] td[data-col="rate"] .num'
    in_2018 = visit.page.locator(cell).inner_text()
    visit.page.select_option("#ctl-year", "2019")
    visit.page.get_by_role("button", name="Toon").click()
    visit.page.wait_for_url("**year=2019**")
    visit.page.wait_for_function("el => el.dataset.ready", arg=visit.page.query_selector("#chart-heatmap"))
    engine = Mirror.open(demo_2018_db).published(year=2019, geography="AM22", grouping="gender+age_band", moment="employed").set_index("group")
    assert visit.page.locator(cell).inner_text() == fmt_pct(engine.loc["female+45_to_aow", "rate"]) != in_2018
    visit.page.select_option("#ctl-chars", "gender+age_band+migration_background")
    visit.page.get_by_role("button", name="Toon").click()
    visit.page.wait_for_url("**migration_background**")
    assert visit.page.locator('#combinations-table tr[data-group="female+45_to_aow+non_western"]').count() == 1
    assert visit.errors == [] and visit.outside == []


def test_characteristics_page_shows_the_engine_numbers(visit, demo_2018_db: Path) -> None:  # type: ignore[no-untyped-def]
    visit.open("/characteristics?year=2018&geo=AM05&moment=employed")
    engine = Mirror.open(demo_2018_db).published(year=2018, geography="AM05", grouping="age_band", moment="employed").set_index("group")
    for code in ("up_to_26", "27_to_44", "45_to_aow"):
        shown = visit.page.locator(f'#table-age_band tr[data-group="{code}"] td[data-col="rate"] .num').inner_text()
        assert shown == fmt_pct(engine.loc[code, "rate"])
    women = visit.page.locator('#table-gender tr[data-group="female"] td[data-col="rate"]')
    assert "lo" in (women.get_attribute("class") or "")  # the planted Twente gap is flagged
    versus_nl = visit.page.locator('#table-gender tr[data-group="female"] td[data-col="difference_vs_comparison"]')
    assert "lo" in (versus_nl.get_attribute("class") or "")  # ... and is lower than for women in the rest of NL


def test_changing_moment_and_language(visit) -> None:  # type: ignore[no-untyped-def]
    visit.open("/characteristics?year=2018&geo=AM18&moment=employed")
    before = visit.page.locator('#table-age_band tr[data-group="up_to_26"] td[data-col="rate"] .num').inner_text()
    visit.page.select_option("#ctl-moment", "provision")
    visit.page.get_by_role("button", name="Toon").click()
    visit.page.wait_for_url("**moment=provision**")
    after = visit.page.locator('#table-age_band tr[data-group="up_to_26"] td[data-col="rate"] .num').inner_text()
    assert before != after
    visit.page.get_by_role("link", name="English").click()
    visit.page.wait_for_url("**lang=en**")
    assert visit.page.locator("html").get_attribute("lang") == "en"


def test_map_click_opens_the_region(visit) -> None:  # type: ignore[no-untyped-def]
    visit.open("/compare?year=2018&level=amr&group=gender:female&moment=employed")
    # Plotly's map has no DOM element per region: ask the map where Utrecht (city) is and click there
    visit.page.locator("#chart-map").scroll_into_view_if_needed()
    x, y = visit.page.evaluate(
        """() => { const el = document.getElementById('chart-map');
                   const p = el._fullLayout.map._subplot.map.project([5.12, 52.09]);
                   const r = el.querySelector('.maplibregl-canvas').getBoundingClientRect();
                   return [r.left + p.x, r.top + p.y]; }"""
    )
    visit.page.mouse.move(x, y)
    with visit.page.expect_navigation(timeout=15_000):
        visit.page.mouse.click(x, y)
    assert "/characteristics?geo=AM13" in visit.page.url  # Midden-Utrecht
    assert visit.page.locator("#geo-name").inner_text() == "Midden-Utrecht"
    visit.screenshot("compare-after-click")


def test_keyboard_reaches_controls_and_skip_link(visit) -> None:  # type: ignore[no-untyped-def]
    visit.open("/characteristics?year=2018")
    visit.page.keyboard.press("Tab")
    assert visit.page.evaluate("document.activeElement.className") == "skip"
    visit.page.keyboard.press("Enter")
    for _ in range(3):
        visit.page.keyboard.press("Tab")
    assert visit.page.evaluate("document.activeElement.tagName") in ("SELECT", "INPUT", "A", "SUMMARY", "BUTTON")


def test_upload_page_checks_a_file_and_stores_nothing(visit, tmp_path: Path, demo_2018_db: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_persons

    good, bad = tmp_path / "klanten.csv", tmp_path / "fout.csv"
    make_persons(40).to_csv(good, index=False, sep=";")
    broken = make_persons(40)
    broken.loc[5, "municipality"] = "GM9999"
    broken.to_csv(bad, index=False)
    visit.open("/upload")
    visit.page.set_input_files("#ctl-file", str(good))
    visit.page.get_by_role("button", name="Controleer", exact=True).click()
    visit.page.wait_for_selector("#report-ok")
    assert "40 rijen (één rij per persoon)" in visit.page.locator("#report-ok").inner_text()
    visit.page.set_input_files("#ctl-file", str(bad))
    visit.page.get_by_role("button", name="Controleer", exact=True).click()
    visit.page.wait_for_selector("#problems-table")
    row = visit.page.locator("#problems-table tbody tr").first.inner_text()
    assert "7" in row and "municipality" in row and "GM9999" in row
    visit.screenshot("upload-report")
    assert visit.errors == [] and visit.outside == []
    assert Mirror.open(demo_2018_db).dataset == "demo"


def test_own_file_is_loaded_shown_and_deleted_and_never_logged(visit, tmp_path: Path, live_log: Path) -> None:  # type: ignore[no-untyped-def]
    """A policy officer fills the template with the clients of Nijmegen, loads it on the upload
    page, sees the municipality beside its AMR and the country, and deletes it. The server's
    log never contains a person key or a row of the file."""
    from tests.web.test_own_data import filled_template

    body = filled_template(n=700, seed=8)
    path = tmp_path / "klanten-nijmegen.csv"
    path.write_bytes(body)
    visit.open("/upload")
    visit.page.set_input_files("#ctl-file", str(path))
    visit.page.fill("#ctl-name", "nijmegen-2018")
    visit.page.get_by_role("button", name="Controleer en laad").click()
    visit.page.wait_for_selector("#own-everyone")
    assert "Nijmegen" in visit.page.locator("h1").inner_text()
    assert "Rijk van Nijmegen" in visit.page.locator("#own-everyone thead").inner_text()
    shown = visit.page.locator('#own-everyone td[data-col="population"]').inner_text()
    assert shown == "700"  # 700 clients, rounded to tens
    visit.screenshot("own-data")
    visit.page.get_by_role("button", name="Verwijder dit eigen bestand").click()
    visit.page.wait_for_selector("#own-none")
    assert visit.errors == [] and visit.outside == []
    log = live_log.read_text(errors="replace")
    lines = body.decode("cp1252").splitlines()
    assert not any(f"klant-{i:05d}-nmg" in log for i in range(700))
    assert not any(line in log for line in lines[1:50])


def test_what_stands_out_panel_and_the_findings_page(visit, demo_2018_db: Path) -> None:  # type: ignore[no-untyped-def]
    """The overview and municipality pages open with the area's top findings in plain Dutch (the
    engine's, in its order), each linking to the view that shows it; the findings page filters."""
    from kansenspiegel.findings import findings

    engine = findings(Mirror.open(demo_2018_db), year=2018, geography="AM05")
    visit.open("/?year=2018&geo=AM05")
    items = visit.page.locator("#what-stands-out ol.findings > li")
    assert 1 <= items.count() <= 5
    for i in range(items.count()):
        assert engine[i].text in " ".join(items.nth(i).inner_text().split())
    assert "geen bewijs van discriminatie" in visit.page.locator("#what-stands-out").inner_text()
    first = engine[0]
    items.nth(0).get_by_role("link", name="Bekijk in de tabel").click()
    visit.page.wait_for_url("**/characteristics?**")
    row = visit.page.locator(f'#table-{first.grouping} tr[data-group="{first.group}"] td[data-col="rate"] .num')
    assert row.inner_text() == fmt_pct(first.rate)  # the linked view shows the finding's chance
    visit.open("/municipality?year=2018&geo=GM0268")
    assert "Eenouderhuishouden" in visit.page.locator("#what-stands-out li").first.inner_text()  # the planted Nijmegen gap
    visit.open("/findings?year=2018&geo=AM05")
    assert visit.page.locator("#findings-list > li").count() == len(engine)
    visit.page.select_option("#ctl-comparison", "vs_national")
    visit.page.select_option("#ctl-moment", "employed")
    visit.page.get_by_role("button", name="Toon").click()
    visit.page.wait_for_url("**comparison=vs_national**")
    shown = visit.page.locator("#findings-list > li")
    expected = [f for f in engine if "vs_national" in f.comparisons and f.moment == "employed"]
    assert shown.count() == len(expected) >= 1
    for i in range(shown.count()):
        assert shown.nth(i).get_attribute("data-moment") == "employed" and "vs_national" in (shown.nth(i).get_attribute("data-comparisons") or "")
    visit.screenshot("findings-filtered")
    assert visit.errors == [] and visit.outside == []
