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
    assert wb.sheetnames == ["Trechter", "Kenmerken", "Bevindingen", "Definities"]
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
