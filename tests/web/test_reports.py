"""Reports for the council: the PDF read back as text and as page images, the XLSX cells, the
HTML, and the dashboard's download — all equal to the engine's published figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdf
import pypdfium2
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.findings import findings
from kansenspiegel.formatting import fmt_int, fmt_pct

GM = "GM0268"


@pytest.fixture(scope="module")
def pdf(demo_2018_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "nijmegen.pdf"
    result = CliRunner().invoke(app, ["report", "--db", str(demo_2018_db), "--geography", GM, "--year", "2018", "--format", "pdf", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


def test_pdf_holds_the_findings_and_key_numbers_of_the_engine(pdf: Path, demo_2018_db: Path) -> None:
    text = _text(pdf)
    mirror = Mirror.open(demo_2018_db)
    top = findings(mirror, year=2018, geography=GM, top=3)
    for f in top:
        assert " ".join(f.text.split()) in text
    everyone = mirror.published(year=2018, geography=GM)
    everyone = everyone[everyone.grouping == "all"].set_index("moment")
    assert fmt_int(everyone.loc["provision", "population"]) in text  # 5.440, Dutch format
    assert fmt_pct(everyone.loc["employed", "rate"]) in text  # 18,6%
    assert "SYNTHETISCHE" in text and "afgerond op 10-tallen" in text and "geen bewijs van discriminatie" in text


def test_pdf_pages_render_to_images_with_content(pdf: Path, tmp_path: Path) -> None:
    doc = pypdfium2.PdfDocument(str(pdf))
    assert 2 <= len(doc) <= 12
    for i in range(len(doc)):
        image = doc[i].render(scale=1).to_pil().convert("L")
        pixels = np.asarray(image)
        assert (pixels < 128).mean() > 0.005  # not a blank page
        if i == 0:
            image.save(tmp_path / "page1.png")
            assert image.size[0] < image.size[1]  # portrait A4


def test_xlsx_report_has_real_numbers_equal_to_the_engine(demo_2018_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert CliRunner().invoke(app, ["report", "--db", str(demo_2018_db), "--geography", "AM08", "--year", "2018", "-o", str(out)]).exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Trechter", "Kenmerken", "Bevindingen", "Gecorrigeerd verschil", "Definities"]
    from kansenspiegel.views import Published

    adjusted = Published(Mirror.open(demo_2018_db)).run("adjusted", year=2018, geography="AM08", moment="employed")
    women = adjusted[adjusted.group == "female"].iloc[0]
    sheet = {r[0]: r for r in wb["Gecorrigeerd verschil"].iter_rows(min_row=2, values_only=True)}
    assert sheet["Geslacht: Vrouwen"][1:4] == (women.model_raw_gap_pp, women.linked_part_pp, women.adjusted_gap_pp)
    for ws in wb:
        assert ws.freeze_panes == "A2"
    funnel = {(r[0], r[1]): r for r in wb["Trechter"].iter_rows(min_row=2, values_only=True)}
    published = Mirror.open(demo_2018_db).published(year=2018, geography="AM08")
    everyone = published[published.grouping == "all"].set_index("moment")
    row = funnel[("Rijk van Nijmegen", "Werkzaam (≥ 1 maand)")]  # moments by their names
    assert isinstance(row[2], int) and row[2] == everyone.loc["employed", "count"]
    assert isinstance(row[3], float) and np.isclose(row[3], everyone.loc["employed", "rate"])
    found = list(wb["Bevindingen"].iter_rows(min_row=2, values_only=True))
    top = findings(Mirror.open(demo_2018_db), year=2018, geography="AM08", top=len(found))
    assert [r[17] for r in found] == [f.text for f in top]
    assert {r[1] for r in found} <= {"Tegen de anderen in het gebied", "Tegen dezelfde groep elders in Nederland"}  # labels, not codes
    assert all(isinstance(r[6], float) for r in found)


def test_english_html_report(demo_2018_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert CliRunner().invoke(app, ["report", "--db", str(demo_2018_db), "--geography", "NL", "--year", "2018", "--lang", "en", "-o", str(out)]).exit_code == 0
    html = out.read_text()
    assert "Equal chances on the way to work" in html and "proof of discrimination" in html and "<script" not in html


def test_dashboard_offers_the_report(client: TestClient) -> None:
    page = client.get("/characteristics", params={"year": 2018, "geo": GM})
    assert "/report.pdf?year=2018&amp;geo=GM0268&amp;lang=nl" in page.text
    response = client.get("/report.pdf", params={"year": 2018, "geo": GM})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get("/report.pdf", params={"year": 2018, "geo": "GM9999"}).status_code == 404


@pytest.mark.parametrize("module", ["kansenspiegel.render", "kansenspiegel.views", "kansenspiegel.findings", "kansenspiegel.web", "kansenspiegel.cli"])
def test_each_layer_imports_on_its_own(module: str) -> None:
    """A fresh interpreter imports each top layer first (the CLI imports reports before web)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- layout: what a council member sees on paper ------------------------------------------------
LAYOUT_AREAS = {"NL": "nederland", "AM08": "rijk-van-nijmegen", GM: "nijmegen"}


@pytest.fixture(scope="module")
def reports(demo_2018_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The PDF and HTML report of the country, a region and a municipality."""
    folder = tmp_path_factory.mktemp("layout")
    out = {}
    for code, name in LAYOUT_AREAS.items():
        paths = []
        for fmt in ("pdf", "html"):
            path = folder / f"{name}.{fmt}"
            result = CliRunner().invoke(app, ["report", "--db", str(demo_2018_db), "--geography", code, "--year", "2018", "-o", str(path)])
            assert result.exit_code == 0, result.output
            paths.append(path)
        out[code] = (paths[0], paths[1].read_text(encoding="utf-8"))
    return out


def _text_boxes(page: pypdfium2.PdfPage) -> list[tuple[float, float, float, float, str]]:
    """Every run of text on a page with its box (left, bottom, right, top) in points."""
    text = page.get_textpage()
    boxes = []
    for i in range(text.count_rects()):
        left, bottom, right, top = text.get_rect(i)
        words = text.get_text_bounded(left, bottom, right, top).strip()
        if words:
            boxes.append((left, bottom, right, top, words))
    return boxes


@pytest.mark.parametrize("code", list(LAYOUT_AREAS))
def test_no_text_is_printed_over_other_text_on_any_page(reports, code: str) -> None:  # type: ignore[no-untyped-def]
    """Every page as an image (kept in test-artifacts/) and as text boxes: no two boxes overlap."""
    from tests.web.conftest import ARTIFACTS

    doc = pypdfium2.PdfDocument(str(reports[code][0]))
    ARTIFACTS.mkdir(exist_ok=True)
    for n in range(len(doc)):
        doc[n].render(scale=1.3).to_pil().save(ARTIFACTS / f"report-{LAYOUT_AREAS[code]}-{n + 1}.png")
        boxes = _text_boxes(doc[n])
        assert len(boxes) > (1 if n == len(doc) - 1 else 10)  # no empty page (the last may end with one paragraph)
        clashes = [
            (a[4][:25], b[4][:25])
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
            if min(a[2], b[2]) - max(a[0], b[0]) > 0.8 and min(a[3], b[3]) - max(a[1], b[1]) > 0.8
        ]
        assert not clashes, f"page {n + 1} of the {code} report: {clashes[:5]}"


@pytest.mark.parametrize("code", list(LAYOUT_AREAS))
def test_no_heading_is_left_alone_at_the_bottom_of_a_page(reports, code: str) -> None:  # type: ignore[no-untyped-def]
    """A section heading is followed on its own page by at least two more lines of text."""
    import re

    html = reports[code][1]
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]
    doc = pypdfium2.PdfDocument(str(reports[code][0]))
    seen = set()
    for n in range(len(doc)):
        boxes = sorted(_text_boxes(doc[n]), key=lambda b: -b[3])  # top to bottom
        body = [b for b in boxes if b[1] > 40]  # above the page footer
        lines = sorted({round(b[3]) for b in body}, reverse=True)
        for heading in headings:
            hits = [b for b in body if b[4] == heading]
            for hit in hits:
                seen.add(heading)
                below = [y for y in lines if y < hit[1] - 1]
                assert len(below) >= 2, f"'{heading}' stands at the bottom of page {n + 1} of the {code} report"
    assert seen == set(headings)  # every heading was found (the check looked at all of them)


@pytest.mark.parametrize("code", list(LAYOUT_AREAS))
def test_chart_labels_stand_clear_of_bars_whiskers_and_markers(reports, code: str) -> None:  # type: ignore[no-untyped-def]
    """In the SVG charts every percentage starts right of its row's lines (interval, national
    marker) and every group name is whole and ends before the bars begin."""
    import xml.etree.ElementTree as ET

    html = reports[code][1]
    for chart_id in ("chart-funnel", "chart-groups"):
        svg = html[html.index(f'id="{chart_id}"') - 30 :]
        svg = svg[svg.index("<svg") : svg.index("</svg>") + 6]
        root = ET.fromstring(svg)
        lines = [(float(e.get("x1")), float(e.get("x2")), float(e.get("y1")), float(e.get("y2"))) for e in root.iter("line") if e.get("x1")]
        rects = [(float(e.get("x")), float(e.get("y")), float(e.get("height"))) for e in root.iter("rect")]
        bars_start = min(x for x, _, _ in rects)
        for text in root.iter("text"):
            x, y, size, words = float(text.get("x")), float(text.get("y")), float(text.get("font-size")), text.text or ""
            box = (x, x + 0.6 * size * len(words), y - size, y)
            if words.endswith("%") and x > bars_start:
                crossing = [ln for ln in lines if min(ln[2], ln[3]) < box[3] and max(ln[2], ln[3]) > box[2] and max(ln[0], ln[1]) > box[0] - 0.5]
                assert not crossing, f"{chart_id} of {code}: '{words}' at x={x} crosses a line {crossing}"
            elif x < bars_start and chart_id == "chart-groups" and text.get("font-weight") != "bold":
                assert box[1] < bars_start, f"'{words}' runs into the bars"
    assert "Huishoudtype: (On)gehuwde paren (met en zonder kinderen)</text>" in html  # whole, not cut off


def test_report_tables_say_each_number_once(reports) -> None:  # type: ignore[no-untyped-def]
    """The people on benefit per group stand in the first moment's table only; each moment's
    table has the number who reached it; the country's report does not compare NL with NL."""
    import re

    for code, (_, html) in reports.items():
        heads = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<table class="groups".*?<thead>(.*?)</thead>', html, re.S)]
        assert len(heads) == 3
        assert "In de bijstand" in heads[0] and not any("In de bijstand" in h for h in heads[1:])
        assert all("Bereikt" in h for h in heads) and not any("Aantal" in h for h in heads)
        assert all(("Nederland" in h) == (code != "NL") for h in heads), code
