"""The 'Voorzieningen' page and the ladder on the dashboard: which groups get which provisions,
and the participation ladder as a moment, on the demo data (where the generator planted a gap:
in Nijmegen people with a non-western background get a job coach far less often)."""

from __future__ import annotations

import re

import pandas as pd
from fastapi.testclient import TestClient

from kansenspiegel.views import Published


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_provisions_page_shows_a_type_one_group_gets_far_less_often(client: TestClient) -> None:
    page = client.get("/provisions", params={"year": 2018, "geo": "GM0268", "type": "jobcoach"})
    assert page.status_code == 200
    matrix = page.text[page.text.index('id="table-matrix"') :]
    row = re.search(r'<tr data-group="non_western".*?</tr>', matrix, re.S).group(0)  # type: ignore[union-attr]
    cell = re.search(r'<td class="num lo" data-type="jobcoach">(.*?)</td>', row, re.S)
    assert cell, row  # marked clearly lower than the others in Nijmegen
    assert "Van iedereen in de bijstand" in page.text
    registered = _text(page.text[page.text.index('id="provision-registration"') :])[:160]
    assert re.search(r"Bij \d+,\d% \(interval \d+,\d%–\d+,\d%\)", registered), registered  # with its interval
    # the numbers are the published view's
    board: Published = client.app.state.public
    view = board.run("provisions", year=2018, geography="GM0268")
    jc = view[(view.provision_type == "jobcoach") & (view.group == "non_western")].iloc[0]
    assert jc.significant and jc.rate < jc.rest_rate / 2
    assert f"{100 * jc.rate:.1f}".replace(".", ",") in cell.group(1)
    # the same in the API, the download and English
    api = client.get("/api/v1/provisions", params={"year": 2018, "geography": "GM0268"}).json()
    assert {r["provision_type"] for r in api} == {"jobcoach", "work_placement", "wage_cost_subsidy", "workplace_adaptation", "training", "other"}
    csv = client.get("/download/provisions.csv", params={"year": 2018, "geo": "GM0268"})
    assert csv.status_code == 200 and "Soort voorziening" in csv.text.splitlines()[0]
    assert "Job coach" in client.get("/provisions", params={"year": 2018, "geo": "GM0268", "lang": "en"}).text


def test_the_participation_ladder_is_a_moment_of_every_group_view(client: TestClient) -> None:
    page = client.get("/characteristics", params={"year": 2018, "geo": "AM08", "moment": "ladder_up"})
    assert page.status_code == 200 and "Stijgt op de participatieladder" in page.text
    rows = pd.DataFrame(client.get("/api/v1/characteristics", params={"year": 2018, "geography": "NL"}).json())
    women = rows[(rows.group == "female") & (rows.moment == "ladder_up")].iloc[0]
    assert women.significant and women.rate < women.rest_rate  # the planted gap: women climb less often
    combos = client.get("/api/v1/combinations", params={"year": 2018, "geography": "NL", "characteristics": "gender,age_band", "moment": "ladder_4plus"})
    assert combos.status_code == 200 and len(combos.json()) > 0


def test_an_area_without_the_ladder_says_so_instead_of_showing_zeros(client: TestClient) -> None:
    board: Published = client.app.state.public
    everyone = board.across(level="municipality", grouping="all", group="all", moment="ladder_up", year=2018)
    missing = everyone[everyone.denominator.isna()].geography
    assert len(missing) > 0  # the demo has municipalities that do not register the ladder
    page = client.get("/characteristics", params={"year": 2018, "geo": missing.iloc[0], "moment": "ladder_up"})
    assert 'id="no-outcome"' in page.text and "participatieladder" in _text(page.text[page.text.index('id="no-outcome"') :])[:300]
    assert "0,0%" not in page.text


def test_the_characteristics_page_shows_raw_and_adjusted_gaps_side_by_side_with_the_caveat(client: TestClient) -> None:
    """In the demo, women have more months on benefit and less recent work: part of their gap
    goes with those covariates, so the adjusted gap is smaller than the raw one (and both shown)."""
    page = client.get("/characteristics", params={"year": 2018, "geo": "GM0268", "moment": "employed"}).text
    section = page[page.index('id="adjusted"') :]
    assert "verklaart het ruwe verschil niet weg" in section[: section.index("</section>")]
    row = re.search(r'<tr data-group="female" data-grouping="gender".*?</tr>', section, re.S).group(0)  # type: ignore[union-attr]
    numbers = [int(v.replace("−", "-")) for v in re.findall(r"[+−]\d+", _text(row))]
    raw, linked, adjusted = numbers[:3]
    assert raw < 0 and raw < adjusted < 0 and linked + adjusted in (raw - 1, raw, raw + 1)  # whole points: rounding may leave 1
    board: Published = client.app.state.public
    view = board.run("adjusted", year=2018, geography="GM0268", moment="employed")
    women = view[view.group == "female"].iloc[0]
    assert women.adjusted_gap_pp == adjusted and women.smaller_after_adjustment
