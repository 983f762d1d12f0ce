"""Packs, facilitator sheets, records and the overview on the demo figures: the pack holds the
engine's top findings of the participant's areas and nothing suppressed; the overview and the
dashboard's stories name nobody."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from kansenspiegel import conversations as kit
from kansenspiegel.codes import NATIONAL_CODE
from kansenspiegel.errors import UserError
from kansenspiegel.geography import municipalities
from kansenspiegel.mirror import Mirror
from kansenspiegel.views import Published
from kansenspiegel.views.findings import ranked

YEAR = 2018


@pytest.fixture(scope="module")
def pub(demo_2018_db: Path) -> Published:
    return Published(Mirror.open(demo_2018_db))


def _engine_top(pub: Published, geo: str) -> list:  # type: ignore[type-arg]
    """The findings engine's own answer: the area's findings against the rest of the country, in rank order."""
    return [f for f in ranked(pub, YEAR, geo, "nl") if "vs_national" in f.comparisons][:5]


@pytest.fixture(scope="module")
def round_(pub: Published, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A small round: 9 people from municipalities whose region has findings against the country."""
    gm = municipalities()
    with_findings = [a for a in sorted(set(gm.amr_code)) if _engine_top(pub, a)][:3]
    assert len(with_findings) == 3
    munis = [m for a in with_findings for m in sorted(gm[gm.amr_code == a].gm_code)[:3]]
    roles = ["consultant", "policy_officer", "manager"] * 3
    rounds = kit.Rounds(tmp_path_factory.mktemp("rounds") / "rounds.sqlite")
    rnd = rounds.create(name="Testronde", year=YEAR, dataset=pub.mirror.dataset, slots=["ma 10:00", "di 14:00"], min_size=3, max_size=5)
    people = [
        {"name": f"Deelnemer{i} Testnaam", "email": f"deelnemer{i}@test.example", "role": roles[i], "municipality": m, "slots": [1]}
        for i, m in enumerate(munis)
    ]
    rounds.register(rnd.id, None, people)
    made = kit.make_plan(rounds, pub, rnd.id, None)
    assert made.quality.placed == 9
    yield rounds, rnd, made
    rounds.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_pack_holds_the_engines_top_findings_of_both_areas(pub: Published, round_, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, _ = round_
    person = rounds.people(rnd.id, None)[1]  # a policy officer: words and tables
    region = dict(zip(municipalities().gm_code, municipalities().amr_code))[person.municipality]
    html = kit.pack_html(rounds, pub, rnd.id, None, person.id)
    pdf = kit._kit.write_document(html, tmp_path / "pack.pdf")
    text = _flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
    expected = _engine_top(pub, region) + _engine_top(pub, person.municipality)
    assert expected
    for f in expected:
        assert _flat(f.text) in text, f.text
    # the same findings, and only they, are listed; each links to its view on the dashboard
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert sorted(keys) == sorted(kit.finding_key(f) for f in expected)
    for f in expected:
        page, _ = f.view()
        assert f"{rnd.dashboard}/{page}?" in html
    assert 'class="deviations"' in html and "Deelnemer1 Testnaam" in html


def test_nothing_suppressed_reaches_a_pack(pub: Published, round_) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, _ = round_
    for person in rounds.people(rnd.id, None):
        html = kit.pack_html(rounds, pub, rnd.id, None, person.id)
        for key in re.findall(r'data-key="([^"]+)"', html):
            year, geo, grouping, group, moment = key.split("|")
            rows = pub.groups(int(year), geo)
            row = rows[(rows.grouping == grouping) & (rows.group == group) & (rows.moment == moment)]
            assert len(row) == 1 and not bool(row.suppressed.iloc[0]), key
        # the funnel table holds the published (rounded) counts
        funnel = pub.run("funnel", year=YEAR, geography=person.municipality, lang="nl")
        mine = funnel[funnel.geography == person.municipality]
        if person.role in ("policy_officer", "manager"):
            for count in mine["count"].dropna():
                assert f"{int(count):,}".replace(",", ".") in html
                assert int(count) % 10 == 0


def test_consultants_get_the_words_first_and_no_tables(pub: Published, round_) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, _ = round_
    consultant = next(p for p in rounds.people(rnd.id, None) if p.role == "consultant")
    html = kit.pack_html(rounds, pub, rnd.id, None, consultant.id)
    assert 'class="deviations"' not in html and 'class="funnel"' not in html
    for q in kit.QUESTIONS:
        assert kit.question(q, "nl") in html


def test_the_facilitator_sheet_sets_the_regions_side_by_side(pub: Published, round_) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, made = round_
    group = made.groups[0]
    first = group.members[0]
    rounds.set_answers(rnd.id, None, {first: {2: "Het verhaal: werkgevers kiezen snel."}})
    html = unescape(kit.sheet_html(rounds, pub, rnd.id, None, group.number))
    names = {p.id: p.name for p in rounds.people(rnd.id, None)}
    for m in group.members:
        assert names[m] in html
    assert "Het verhaal: werkgevers kiezen snel." in html
    for rule in kit._codes.ground_rules("nl"):
        assert rule in html
    assert 'id="shared"' in html or 'id="differing"' in html


def test_records_the_overview_and_the_stories(pub: Published, round_, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, made = round_
    group = made.groups[0].number
    findings = kit.group_findings(rounds, pub, rnd.id, None, group)
    key = next(iter(findings))
    with pytest.raises(UserError):  # a shareable text that names a participant
        kit.record(
            rounds, pub, rnd.id, None, group=group, theme="language", role="consultant", kind="bottleneck", text="Deelnemer1 zei dat", finding=key, share=True
        )
    with pytest.raises(UserError):
        kit.record(rounds, pub, rnd.id, None, group=group, theme="nonsense", role="consultant", kind="bottleneck", text="x")
    with pytest.raises(UserError):
        kit.record(rounds, pub, rnd.id, None, group=group, theme="language", role="consultant", kind="bottleneck", text="x", finding="2018|NL|x|y|z")
    kit.record(
        rounds,
        pub,
        rnd.id,
        None,
        group=group,
        theme="language",
        role="consultant",
        kind="bottleneck",
        text="De taaleis sluit mensen uit.",
        finding=key,
        share=True,
    )
    kit.record(rounds, pub, rnd.id, None, group=group, theme="outflow_pressure", role="manager", kind="need", text="Minder dossiers per consulent.")
    kit.record(
        rounds,
        pub,
        rnd.id,
        None,
        group=group,
        theme="employer_prejudice",
        role="consultant",
        kind="solution",
        text="Werkgevers ontmoeten kandidaten eerst.",
        story=True,
    )
    kit.record(rounds, pub, rnd.id, None, group=group, theme="other", role="other", kind="experience", text='=HYPERLINK("http://evil.example","klik")')
    geo = key.split("|")[1]
    assert kit.stories(rounds, pub.mirror.dataset, {geo}, YEAR) == {}  # not before the facilitator consents
    rounds.set_sharing(rnd.id, None, True)
    said = kit.stories(rounds, pub.mirror.dataset, {geo}, YEAR)
    assert [s["text"] for s in said[key]] == ["De taaleis sluit mensen uit."]
    assert kit.stories(rounds, "another-dataset", {geo}, YEAR) == {}
    data = kit.overview_data(rounds, pub, rnd.id, None)
    assert data["count"] == 4 and data["sessions"] == 1
    themes = {"Taal en de taaleis", "Uitstroomdruk en caseload", "Vooroordelen en voorkeuren van werkgevers", "Ander thema"}
    assert {row["theme"] for row in data["table"]} == themes
    html = unescape(kit.overview_html(rounds, pub, rnd.id, None))
    assert "Werkgevers ontmoeten kandidaten eerst." in html and "Testnaam" not in html and "@test.example" not in html
    xlsx = kit.write_overview(rounds, pub, rnd.id, None, tmp_path / "o.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert len(wb.worksheets) == 2 and wb.worksheets[1].max_row == 5
    texts = [c for row in wb.worksheets[1].iter_rows(min_row=2) for c in row if str(c.value).startswith("=")]
    assert texts and all(c.data_type == "s" for c in texts)  # text, never a formula Excel would run
    rounds.set_sharing(rnd.id, None, False)
    assert kit.stories(rounds, pub.mirror.dataset, {geo}, YEAR) == {}


def test_write_packs_makes_every_file(pub: Published, round_, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rounds, rnd, made = round_
    files = kit.write_packs(rounds, pub, rnd.id, None, tmp_path, formats=("html",))
    names = sorted(f.name for f in files)
    assert len([n for n in names if n.startswith("pakket-")]) == 9
    assert len([n for n in names if n.startswith("gespreksleider-")]) == len(made.groups)
    invitations = (tmp_path / "uitnodigingen.txt").read_text()
    assert invitations.count("deelnemer") == 9 and "Testronde" in invitations
    assert NATIONAL_CODE  # the packs compare with the rest of the country
