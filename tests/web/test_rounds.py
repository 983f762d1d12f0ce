"""The conversation kit on the dashboard: a whole round through the pages (CSRF on every form),
facilitators only on a shared server, the read-only API, stories beside their finding, and a
browser test from import to overview whose server log holds no e-mail address."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from zipfile import ZipFile

import pytest
from fastapi.testclient import TestClient

from kansenspiegel.access import Users
from kansenspiegel.conversations import EXAMPLE_SLOTS, example_registrations
from kansenspiegel.web import create_app
from tests.web.conftest import Visit, serving
from tests.web.test_accounts import PASSWORD, form_token, log_in


def registrations_csv(n: int | None = None) -> bytes:
    frame = example_registrations()
    if n is not None:
        frame = frame.head(n)
    return frame.to_csv(sep=";", index=False).encode()


def create_round(client: TestClient, name: str = "Ronde", slots: tuple[str, ...] = EXAMPLE_SLOTS) -> int:
    r = client.post("/rounds", data={"csrf": form_token(client, "/rounds"), "name": name, "year": 2018, "slots": "\n".join(slots)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(re.search(r"/rounds/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]


def post(client: TestClient, path: str, data: dict | None = None, **kw):  # type: ignore[no-untyped-def, type-arg]
    return client.post(path, data={"csrf": form_token(client, "/rounds"), **(data or {})}, follow_redirects=False, **kw)


@pytest.fixture
def local(demo_2018_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_2018_db, rounds_db=tmp_path / "rounds.sqlite")) as c:
        yield c


def test_a_round_through_the_pages(local: TestClient) -> None:
    rid = create_round(local)
    bad = post(
        local,
        f"/rounds/{rid}/import",
        {"what": "registrations"},
        files={"file": ("a.csv", b"naam;e-mail;rol;gemeente;tijdstippen\nA;geen;koning;Atlantis;9\n", "text/csv")},
    )
    assert bad.status_code == 200 and "er is niets ingelezen" in bad.text and "koning" in bad.text
    assert "people-table" not in bad.text  # nothing stored
    small = registrations_csv(12)
    r = post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("aanmeldingen.csv", small, "text/csv")})
    assert r.status_code == 303
    page = local.get(f"/rounds/{rid}")
    assert page.text.count('href="/rounds/1/people/') >= 12
    r = post(
        local,
        f"/rounds/{rid}/register",
        {"name": "Extra Persoon", "email": "extra@gemeente.example", "role": "manager", "municipality": "Zwolle", "slot": ["1", "2"]},
    )
    assert r.status_code == 303
    again = post(
        local, f"/rounds/{rid}/register", {"name": "Extra Persoon", "email": "extra@gemeente.example", "role": "manager", "municipality": "Zwolle", "slot": "1"}
    )
    assert "al aangemeld" in again.text
    assert post(local, f"/rounds/{rid}/plan").status_code == 303
    plan = local.get(f"/rounds/{rid}/plan")
    assert "Kwaliteit van de indeling" in plan.text and 'id="group-1"' in plan.text
    assert post(local, f"/rounds/{rid}/move", {"person": "1", "group": "1"}).status_code == 303
    packs = local.get(f"/rounds/{rid}/packs")
    assert "sheet-1" in packs.text
    assert local.get(f"/rounds/{rid}/packs/1.html").status_code == 200
    zipped = local.get(f"/rounds/{rid}/packs.zip")
    with ZipFile(io.BytesIO(zipped.content)) as z:
        names = z.namelist()
    assert len([n for n in names if n.startswith("pakket-")]) == 13 and "uitnodigingen.txt" in names
    assert any(n.startswith("gespreksleider-groep-") and n.endswith(".pdf") for n in names)
    pdf = local.get(f"/rounds/{rid}/sheets/1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    r = post(local, f"/rounds/{rid}/people/1/answers", {"q1": "Ja, herkenbaar.", "q4": "Tijd."})
    assert r.status_code == 303 and "Ja, herkenbaar." in local.get(f"/rounds/{rid}/people/1").text
    record = local.get(f"/rounds/{rid}/record")
    group = re.search(r'name="group" value="(\d+)"', record.text).group(1)  # type: ignore[union-attr]
    r = post(local, f"/rounds/{rid}/record", {"group": group, "theme": "language", "role": "consultant", "kind": "bottleneck", "text": "De taaleis."})
    assert r.status_code == 303
    over = local.get(f"/rounds/{rid}/overview")
    assert "Taal en de taaleis" in over.text
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!doctype")):
        assert local.get(f"/rounds/{rid}/overview.{fmt}").content.startswith(magic)
    export = local.get(f"/rounds/{rid}/people/1/export.json").json()
    assert export["answers"]["1"] == "Ja, herkenbaar."
    assert post(local, f"/rounds/{rid}/people/1/delete").status_code == 303
    assert local.get(f"/rounds/{rid}/people/1").status_code == 404
    assert post(local, f"/rounds/{rid}/delete").status_code == 303
    assert local.get(f"/rounds/{rid}").status_code == 404


def test_every_form_needs_its_token(local: TestClient) -> None:
    rid = create_round(local)
    for path, data in [
        ("/rounds", {"name": "x", "year": "2018", "slots": "a"}),
        (f"/rounds/{rid}/plan", {}),
        (f"/rounds/{rid}/delete", {}),
        (f"/rounds/{rid}/share", {"on": "true"}),
        (f"/rounds/{rid}/register", {"name": "A", "email": "a@b.example", "role": "manager", "municipality": "Zwolle"}),
    ]:
        assert local.post(path, data={**data, "csrf": "forged.token"}, follow_redirects=False).status_code == 403, path
    elsewhere = local.post(
        f"/rounds/{rid}/delete", data={"csrf": form_token(local, "/rounds")}, headers={"Origin": "http://evil.example"}, follow_redirects=False
    )
    assert elsewhere.status_code == 403
    assert local.get(f"/rounds/{rid}").status_code == 200  # still there


def test_the_pages_and_files_are_never_stored_by_a_browser(local: TestClient) -> None:
    rid = create_round(local)
    for path in ("/rounds", f"/rounds/{rid}", f"/rounds/{rid}/plan", "/api/v1/rounds"):
        assert local.get(path).headers["cache-control"] == "no-store", path


def test_a_public_server_has_no_rounds(demo_2018_db: Path) -> None:
    with TestClient(create_app(demo_2018_db)) as c:
        assert c.get("/rounds").status_code == 404
        assert "/rounds" not in c.get("/").text


@pytest.fixture
def shared(demo_2018_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    users = Users(tmp_path / "users.json")
    users.add("anna", PASSWORD, ["GM0363"])
    users.add("bram", PASSWORD + " 2", ["GM0344"])
    with TestClient(create_app(demo_2018_db, users=users, rounds_db=tmp_path / "rounds.sqlite")) as c:
        yield c


def test_only_a_rounds_facilitators_reach_it(shared: TestClient) -> None:
    assert shared.get("/rounds", follow_redirects=False).status_code in (303, 401)
    assert shared.get("/api/v1/rounds").status_code == 401
    assert log_in(shared, "anna", PASSWORD, "/rounds").status_code == 303
    rid = create_round(shared, "Van Anna")
    assert post(shared, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", registrations_csv(10), "text/csv")}).status_code == 303
    assert [r["name"] for r in shared.get("/api/v1/rounds").json()] == ["Van Anna"]
    shared.cookies.clear()
    assert log_in(shared, "bram", PASSWORD + " 2", "/rounds").status_code == 303
    assert shared.get("/api/v1/rounds").json() == []
    for path in (f"/rounds/{rid}", f"/rounds/{rid}/plan", f"/rounds/{rid}/people/1", f"/rounds/{rid}/people/1/export.json", f"/api/v1/rounds/{rid}"):
        assert shared.get(path).status_code == 404, path
    assert post(shared, f"/rounds/{rid}/delete").status_code == 404
    assert post(shared, f"/rounds/{rid}/people/1/delete").status_code == 404


def test_the_api_is_in_the_openapi_and_names_nobody(local: TestClient) -> None:
    rid = create_round(local)
    post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", registrations_csv(12), "text/csv")})
    post(local, f"/rounds/{rid}/plan")
    spec = local.get("/openapi.json").json()
    assert {"/api/v1/rounds", "/api/v1/rounds/{round_id}", "/api/v1/rounds/{round_id}/plan", "/api/v1/rounds/{round_id}/overview"} <= set(spec["paths"])
    plan = local.get(f"/api/v1/rounds/{rid}/plan")
    assert plan.status_code == 200 and plan.json()["groups"]
    assert "@" not in plan.text and "example" not in plan.text
    assert local.get("/api/v1/rounds/999/plan").status_code == 404


def test_shared_stories_appear_beside_their_finding_without_names(local: TestClient) -> None:
    rid = create_round(local)
    post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", registrations_csv(28), "text/csv")})
    post(local, f"/rounds/{rid}/plan")
    # a group with findings to explain
    for group in range(1, 12):
        record = local.get(f"/rounds/{rid}/record?group={group}")
        keys = re.findall(r'<option value="(\d{4}\|[^"]+)"', record.text)
        if keys:
            break
    assert keys
    key = keys[0].replace("&#34;", '"')
    year, geo = key.split("|")[:2]
    story = "Bij ons helpt een taalmaatje op de werkvloer."
    named = post(
        local,
        f"/rounds/{rid}/record",
        {
            "group": str(group),
            "theme": "language",
            "role": "consultant",
            "kind": "solution",
            "finding": key,
            "text": "Met dank aan " + example_registrations().naam[0],
            "share": "true",
        },
    )
    assert named.status_code == 400 and "noemt een deelnemer" in named.text
    post(
        local,
        f"/rounds/{rid}/record",
        {"group": str(group), "theme": "language", "role": "consultant", "kind": "solution", "finding": key, "text": story, "share": "true"},
    )
    page = local.get(f"/findings?year={year}&geo={geo}")
    assert story not in page.text  # not before the facilitator consents
    assert post(local, f"/rounds/{rid}/share", {"on": "true"}).status_code == 303
    page = local.get(f"/findings?year={year}&geo={geo}")
    assert story in page.text and "Wat collega" in page.text
    post(local, f"/rounds/{rid}/share", {"on": "false"})
    assert story not in local.get(f"/findings?year={year}&geo={geo}").text  # the cached page was dropped


def test_twenty_facilitators_at_once_never_get_a_server_error(local: TestClient) -> None:
    rid = create_round(local)
    post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", registrations_csv(20), "text/csv")})
    statuses: list[int] = []

    def work(i: int) -> None:
        paths = [f"/rounds/{rid}", f"/rounds/{rid}/plan", "/api/v1/rounds", f"/rounds/{rid}/overview"]
        if i % 4 == 0:  # a pack: the findings of the person's areas
            paths.append(f"/rounds/{rid}/packs/{1 + i}.html")
        for p in paths:
            statuses.append(local.get(p).status_code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert statuses and set(statuses) == {200}


@pytest.fixture(scope="module")
def rounds_server(demo_2018_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("rounds-server")
    log = folder / "server.log"
    with serving(["--db", str(demo_2018_db), "--rounds-db", str(folder / "rounds.sqlite")], log) as base:
        yield base, log


@pytest.mark.parametrize("width", [1280, 390])
def test_a_whole_round_in_a_browser(browser, rounds_server, tmp_path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    base, log = rounds_server
    registrations = tmp_path / "aanmeldingen.csv"
    registrations.write_bytes(registrations_csv(26))
    v = Visit(browser, base, width)
    page = v.page
    v.open("/rounds")
    page.fill("#ctl-round-name", f"Intervisie {width}")
    page.fill("#ctl-round-slots", "\n".join(EXAMPLE_SLOTS))
    page.click("#btn-create-round")
    page.set_input_files("#ctl-reg-file", str(registrations))
    page.click("#btn-import")
    assert "26" in page.locator("#imported").inner_text()
    page.click("#tab-plan")
    page.click("#btn-plan")
    page.wait_for_selector("#plan-quality", timeout=120_000)
    assert page.locator(".group-card").count() >= 4
    assert "geen tijdstip" in page.locator("#unplaced").inner_text()  # row 8 of the example gave no slot
    page.select_option("#ctl-move-person", index=0)
    page.select_option("#ctl-move-group", "none")
    page.click("#btn-move")
    assert "met de hand" in page.locator("#unplaced").inner_text()
    page.click("#tab-packs")
    assert page.locator("#packs-table tbody tr").count() >= 4
    page.click("#sheet-1")
    assert "Blad voor de gespreksleider" in page.content()
    page.go_back()
    page.click("#tab-record")
    page.select_option("#ctl-theme", "outflow_pressure")
    page.select_option("#ctl-kind", "need")
    page.fill("#ctl-text", "Minder dossiers per consulent.")
    page.click("#btn-record")
    assert page.locator("#recorded").is_visible()
    page.click("#tab-overview")
    assert "Uitstroomdruk" in page.locator("#theme-counts").inner_text()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"the page is {scroll}px wide at {width}px"
    assert not v.errors and not v.outside
    v.context.close()
    text = log.read_text(errors="replace")
    assert "@" not in text and ".example" not in text  # no e-mail address in the server's log


def test_hostile_files_and_a_crowd_of_planners(local: TestClient) -> None:
    rid = create_round(local)
    token = form_token(local, "/rounds")
    huge = local.post(f"/rounds/{rid}/import", data={"csrf": token, "what": "registrations"}, files={"file": ("a.csv", b"x" * (6 * 1024 * 1024), "text/csv")})
    assert huge.status_code == 413  # refused while the body is read
    many = "naam;e-mail;rol;gemeente;tijdstippen\n" + "".join(f"P{i};p{i}@x.example;consulent;Utrecht;1\n" for i in range(6000))
    r = post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", many.encode(), "text/csv")})
    assert "meer dan 5.000 rijen" in r.text
    script = "naam;e-mail;rol;gemeente;tijdstippen\n<script>alert(1)</script>;s@x.example;consulent;Utrecht;1\n"
    assert post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", script.encode(), "text/csv")}).status_code == 303
    page = local.get(f"/rounds/{rid}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    post(local, f"/rounds/{rid}/import", {"what": "registrations"}, files={"file": ("a.csv", registrations_csv(20), "text/csv")})
    statuses: list[int] = []
    lock = threading.Lock()

    def plan() -> None:
        status = post(local, f"/rounds/{rid}/plan").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=plan) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert 303 in statuses and set(statuses) <= {303, 429}
    assert post(local, f"/rounds/{rid}/move", {"person": "1", "group": "abc"}).status_code == 400
    assert post(local, f"/rounds/{rid}/move", {"person": "x", "group": "1"}).status_code == 422
