"""What a new user sees, in a real browser at phone (390 px) and laptop (1366 px) width: pages
that fit the screen, an area search that finds 'Den Haag' and 'Utre', your own area marked on
the compare page, and charts whose axes, labels and legends say what they show."""

from __future__ import annotations

import pytest

from kansenspiegel.codes import CHARACTERISTICS

PAGES = {
    "overview": "/?year=2018&geo=GM0344",
    "findings": "/findings?year=2018&geo=AM05",
    "characteristics": "/characteristics?year=2018&geo=AM05",
    "characteristics-nl": "/characteristics?year=2018",
    "provisions": "/provisions?year=2018&geo=GM0268&type=training",
    "compare": "/compare?year=2018&level=municipality&mine=GM0344",
    "combinations": "/combinations?year=2018&geo=AM05&chars=gender%2Bage_band%2Bhousehold_type",
    "municipality": "/municipality?year=2018&geo=GM0268",
    "method": "/method?year=2018",
    "upload": "/upload",
    "characteristics-en": "/characteristics?year=2018&geo=GM0363&lang=en",
}
#: Blue and orange mean "clearly higher / lower" (app.js); nothing else may use them.
BLUE, ORANGE = "#2166ac", "#b35806"


def _boxes_overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_the_screen(visit_at, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """No page is wider than the screen (wide tables scroll inside their own box), the header
    does not cover the language switch, and every chart has room to draw."""
    visit = visit_at(width)
    visit.open(PAGES[name])
    visit.screenshot(f"screen-{name}-{width}")
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} at {width}px is wider than the screen"
    brand = page.locator("header.site .brand").bounding_box()
    switch = page.locator("header.site a.lang").bounding_box()
    assert brand and switch and not _boxes_overlap(brand, switch)
    assert switch["x"] + switch["width"] <= width
    for chart in page.query_selector_all(".chart[data-kind]"):
        plot = chart.query_selector(".nsewdrag") or chart.query_selector(".maplayer, .mapboxgl-canvas, canvas")
        if chart.get_attribute("data-kind") != "map":
            box = plot.bounding_box() if plot else None
            assert box and box["width"] >= 0.45 * min(width, 1300) - 60, f"{name}: the plot of {chart.get_attribute('id')} is {box and box['width']} px wide"
    for wrap in page.query_selector_all(".table-wrap"):  # a wide table scrolls in its box, reachable by keyboard
        box = wrap.bounding_box()
        assert box and box["x"] + box["width"] <= width + 1 and wrap.get_attribute("tabindex") == "0"
    assert visit.errors == [] and visit.outside == []


def test_the_area_search_finds_names_parts_and_common_names(visit) -> None:  # type: ignore[no-untyped-def]
    page = visit.page
    visit.open("/?year=2018")
    options = page.eval_on_selector_all("#area-list option", "els => els.map(o => [o.value, o.textContent])")
    assert len(options) > 390 and ["'s-Gravenhage (GM0518)", "gemeente · Den Haag"] in options
    assert ["Utrecht (GM0344)", "gemeente"] in options and ["Midden-Utrecht (AM13)", "arbeidsmarktregio"] in options
    page.fill("#ctl-geo", "Den Haag")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url("**geo=GM0518**")
    assert page.locator("#geo-name").inner_text() == "'s-Gravenhage"
    assert page.input_value("#ctl-geo") == "'s-Gravenhage (GM0518)"
    page.fill("#ctl-geo", "Utre")  # several areas: the page asks which one
    page.get_by_role("button", name="Toon").click()
    page.wait_for_selector("#area-options")
    assert page.locator("#choose-h").inner_text() == "Welk gebied bedoelt u met ‘Utre’?"
    choices = page.locator("#area-options a").all_inner_texts()
    assert choices[0] == "Utrecht (GM0344)" and "Midden-Utrecht (AM13)" in choices
    page.locator("#area-options a", has_text="Utrecht (GM0344)").click()
    page.wait_for_url("**geo=GM0344**")
    assert page.locator("#geo-name").inner_text() == "Utrecht"
    visit.open("/characteristics?year=2018&geo=gm0344&cmp=Midden-Utrecht")  # typed codes and names both work
    assert "geo=GM0344" in page.url and "cmp=AM13" in page.url
    visit.open("/?year=2018&geo=Atlantis")
    assert "Geen gebied gevonden voor ‘Atlantis’" in page.locator("#choose-h").inner_text()
    assert visit.errors == [] or all("404" in e for e in visit.errors)


def test_compare_marks_your_own_area(visit) -> None:  # type: ignore[no-untyped-def]
    page = visit.page
    visit.open("/characteristics?year=2018&geo=GM0344")
    page.get_by_role("link", name="Vergelijken").click()  # the menu takes your area along
    page.wait_for_url("**/compare**")
    assert "mine=GM0344" in page.url
    row = page.locator("#ranking tr.mine")
    assert row.count() == 1 and row.get_attribute("data-geo") == "AM13"  # the region map: Utrecht's region
    assert "de arbeidsmarktregio van Utrecht" in page.locator("#mine-note").inner_text()
    visit.open("/compare?year=2018&level=municipality&mine=GM0344")
    assert page.locator("#ranking tr.mine").get_attribute("data-geo") == "GM0344"
    outline = page.evaluate("document.getElementById('chart-map').data.filter(t => t.name === 'mine').map(t => [t.locations[0], t.marker.line.width])")
    assert outline == [["GM0344", 4]]
    page.locator("#mine-note a").click()
    assert page.evaluate("location.hash") == "#row-GM0344"


def test_chart_axes_labels_and_legends_say_what_they_show(visit) -> None:  # type: ignore[no-untyped-def]
    page = visit.page
    visit.open("/?year=2018&geo=GM0344")
    funnel = page.evaluate(
        "(() => { const el = document.getElementById('chart-funnel'); return { y: el.layout.yaxis.title.text, colours: el.data.map(t => t.marker.color), names: el.data.map(t => t.name) }; })()"
    )
    assert funnel["y"] == "Kans (%)" and funnel["names"] == ["Utrecht", "Midden-Utrecht", "Nederland"]
    assert not {BLUE, ORANGE} & set(funnel["colours"])  # areas are not told apart by the colours of "higher"/"lower"
    # no percentage label touches an interval's whisker
    labels = [b for b in (e.bounding_box() for e in page.query_selector_all("#chart-funnel .annotation-text")) if b]
    whiskers = [b for b in (e.bounding_box() for e in page.query_selector_all("#chart-funnel .errorbar path")) if b and b["height"] > 0]
    assert len(labels) == 9 and len(whiskers) >= 9
    assert not any(_boxes_overlap(a, w) for a in labels for w in whiskers)

    visit.open("/characteristics?year=2018&geo=AM05")
    chart = page.evaluate(
        "(() => { const el = document.getElementById('chart-characteristics'); return { x: el.layout.xaxis.title.text, traces: el.data.map(t => [t.name, t.marker.color, t.marker.symbol, t.y.length]) }; })()"
    )
    assert chart["x"] == "Kans (%)"
    names = [t[0] for t in chart["traces"]]
    assert names == ["Duidelijk hoger dan de anderen (q < 0,05)", "Duidelijk lager dan de anderen (q < 0,05)", "Geen duidelijk verschil", "Kans in Nederland"]
    assert chart["traces"][0][1:3] == [BLUE, "triangle-up"] and chart["traces"][1][1:3] == [ORANGE, "triangle-down"]  # shape says it too
    assert page.locator('#table-gender td[data-col="rate_comparison"]').count() == 2

    visit.open("/characteristics?year=2018")  # the country: nothing compares NL with NL
    names = page.evaluate("document.getElementById('chart-characteristics').data.map(t => t.name)")
    assert "Kans in Nederland" not in names and not any("|" in n for n in names)
    assert page.locator('#table-gender td[data-col="rate_comparison"]').count() == 0
    assert page.locator('#table-gender td[data-col="difference_vs_comparison"]').count() == 0
    assert visit.errors == [] and visit.outside == []


def test_heat_map_opens_on_two_characteristics_in_order_with_nothing_covering_it(visit) -> None:  # type: ignore[no-untyped-def]
    page = visit.page
    visit.open("/combinations?year=2018")
    assert page.input_value("#ctl-chars").count("+") == 1  # a 2-way combination
    visit.open("/combinations?year=2018&geo=AM05&chars=gender%2Bage_band%2Bhousehold_type")
    heat = page.evaluate(
        "(() => { const el = document.getElementById('chart-heatmap'); return { x: el.data[0].x, y: el.data[0].y, xt: el.layout.xaxis.title.text, yt: el.layout.yaxis.title.text }; })()"
    )
    ages = [CHARACTERISTICS["age_band"].group_label(c, "nl") for c in ("up_to_26", "27_to_44", "45_to_aow")]
    rows = [y.replace("<br>", " ") for y in heat["y"]]
    assert [r.split(" · ")[1] for r in rows[:3]] == ages  # ≤ 26, 27–45, 45+
    assert heat["xt"] == "Huishoudtype" and heat["yt"] == "Geslacht · Leeftijd"
    assert page.locator("#chart-heatmap .modebar").count() == 0  # no toolbar over the cells
    chart = page.locator("#chart-heatmap").bounding_box()
    for tick in page.query_selector_all("#chart-heatmap .xtick text, #chart-heatmap .ytick text"):
        box = tick.bounding_box()
        assert box and box["x"] >= chart["x"] - 1 and box["x"] + box["width"] <= chart["x"] + chart["width"] + 1, tick.inner_text()
    rows_in_table = page.locator("#combinations-table tbody tr").evaluate_all("trs => trs.map(t => t.dataset.group)")
    assert rows_in_table[:3] == ["female+up_to_26+single_parent", "female+up_to_26+single_person", "female+up_to_26+couple"]
    assert visit.errors == [] and visit.outside == []
