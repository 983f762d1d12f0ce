"""Rounds and registrations: validated imports (all or nothing), facilitators only, and deleting a
person removes every trace of them from the database file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from kansenspiegel.conversations import EXAMPLE_SLOTS, Rounds, read_answers, read_registrations, write_example_registrations, write_registration_template
from kansenspiegel.errors import UserError
from kansenspiegel.ingest import IngestError

SLOTS = {1: "di 12 jan 10:00", 2: "di 12 jan 14:00", 3: "do 14 jan 10:00"}


def write(path: Path, rows: list[list[str]], header: tuple[str, ...] = ("naam", "e-mail", "rol", "gemeente", "tijdstippen")) -> Path:
    pd.DataFrame(rows, columns=list(header)).to_csv(path, sep=";", index=False)
    return path


@pytest.fixture
def rounds(tmp_path: Path) -> Rounds:
    r = Rounds(tmp_path / "rounds.sqlite")
    yield r
    r.close()


def test_a_good_file_is_read_with_codes_for_words(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        [
            ["Anna de Vries", "Anna.deVries@Gemeente.example", "klantmanager", "Amsterdam", "1, 3"],
            ["Bram Bakker", "bram@utrecht.example", "Beleidsmedewerker", "GM0344", "di 12 jan 14:00"],
            ["Chantal Smit", "chantal@denhaag.example", "ESF-coördinator", "Den Haag", ""],
        ],
    )
    people = read_registrations(path, SLOTS)
    assert [(p["role"], p["municipality"], p["slots"]) for p in people] == [
        ("consultant", "GM0363", [1, 3]),
        ("policy_officer", "GM0344", [2]),
        ("esf_coordinator", "GM0518", []),
    ]
    assert people[0]["email"] == "anna.devries@gemeente.example"


def test_every_problem_is_named_by_row_and_column_in_dutch(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            ["Anna", "geen-adres", "koning", "Atlantis", "1, 9"],
            ["", "b@x.example", "consulent", "Utrecht", "2"],
            ["Cees", "b@x.example", "consulent", "Utrecht", "2"],
        ],
    )
    with pytest.raises(IngestError) as caught:
        read_registrations(path, SLOTS)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(2, "e-mail"), (2, "rol"), (2, "gemeente"), (2, "tijdstippen"), (3, "naam"), (4, "e-mail")}
    text = caught.value.text("nl")
    assert "rij 2, kolom 'rol'" in text and "er is niets ingelezen" in text
    assert "dit adres staat ook in rij 3" in text
    assert "Consulent, Leidinggevende" in text  # the roles the file may use, in words


def test_a_missing_column_and_a_file_of_another_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "cols.csv", [["Anna", "a@b.example"]], header=("naam", "e-mail"))
    with pytest.raises(IngestError) as caught:
        read_registrations(path, SLOTS)
    assert {p.column for p in caught.value.problems} == {"rol", "gemeente", "tijdstippen"}
    binary = tmp_path / "x.xlsx"
    binary.write_bytes(b"\x00\x01not a zip")
    with pytest.raises(IngestError):
        read_registrations(binary, SLOTS)


def test_nothing_is_stored_when_one_row_is_already_registered(rounds: Rounds, tmp_path: Path) -> None:
    rnd = rounds.create(name="R", year=2018, dataset="demo", slots=list(SLOTS.values()))
    first = read_registrations(write(tmp_path / "a.csv", [["Anna", "a@b.example", "consulent", "Utrecht", "1"]]), rnd.slots)
    rounds.register(rnd.id, None, first)
    both = read_registrations(
        write(tmp_path / "b.csv", [["Bram", "bram@b.example", "consulent", "Zeist", "1"], ["Anna", "a@b.example", "consulent", "Utrecht", "2"]]), rnd.slots
    )
    with pytest.raises(UserError) as caught:
        rounds.register(rnd.id, None, both)
    assert "a@b.example" in caught.value.text("nl")
    assert [p.name for p in rounds.people(rnd.id, None)] == ["Anna"]  # Bram was not stored either
    rounds.register(rnd.id, None, both, replace=True)
    people = {p.name: p for p in rounds.people(rnd.id, None)}
    assert set(people) == {"Anna", "Bram"} and people["Anna"].slots == {2}


def test_round_settings_are_checked(rounds: Rounds) -> None:
    for bad in ({"name": ""}, {"slots": []}, {"slots": ["a", "a"]}, {"min_size": 5, "max_size": 4}, {"min_size": 1}, {"lang": "de"}):
        args = {"name": "R", "year": 2018, "dataset": "demo", "slots": ["a"], **bad}
        with pytest.raises(UserError):
            rounds.create(**args)  # type: ignore[arg-type]
    assert rounds.all(None) == []


def test_only_the_facilitators_see_a_round(rounds: Rounds) -> None:
    mine = rounds.create(name="Mine", year=2018, dataset="demo", slots=["a"], facilitators=("anna",))
    theirs = rounds.create(name="Theirs", year=2018, dataset="demo", slots=["a"], facilitators=("bram",))
    assert [r.name for r in rounds.all("anna")] == ["Mine"]
    assert {r.name for r in rounds.all(None)} == {"Mine", "Theirs"}  # the one local person
    for action in (lambda: rounds.get(theirs.id, "anna"), lambda: rounds.people(theirs.id, "anna"), lambda: rounds.delete(theirs.id, "anna")):
        with pytest.raises(UserError) as caught:
            action()
        assert caught.value.status == 404  # the same answer as a round that does not exist
    rounds.add_facilitator(theirs.id, "bram", "anna")
    assert {r.name for r in rounds.all("anna")} == {"Mine", "Theirs"}
    assert mine.id != theirs.id


def test_deleting_a_person_leaves_no_trace_in_the_file(rounds: Rounds, tmp_path: Path) -> None:
    from kansenspiegel.conversations import Plan, Quality
    from kansenspiegel.conversations._planner import Group

    rnd = rounds.create(name="R", year=2018, dataset="demo", slots=["a", "b"])
    rows = [
        [f"Persoon{i} Achternaam{i}", f"persoon{i}@gemeente{i}.example", "consulent", gm, "1"]
        for i, gm in enumerate(["GM0363", "GM0344", "GM0599", "GM0518", "GM0014"])
    ]
    rows.append(["Zoë Uniekenaam", "zoe.uniekenaam@geheim.example", "consulent", "GM0202", "1, 2"])
    rounds.register(rnd.id, None, read_registrations(write(tmp_path / "r.csv", rows), rnd.slots))
    people = rounds.people(rnd.id, None)
    zoe = next(p for p in people if p.name.startswith("Zoë"))
    rounds.set_answers(rnd.id, None, {zoe.id: {1: "Herken ik, antwoord-van-zoe", 2: "Verhaal"}})
    plan = Plan((Group(1, 1, tuple(p.id for p in people[:5])),), {zoe.id: "unplaced.full"}, (), Quality(6, 5, 1, 0, 0, 0, 0), "solver")
    rounds.save_plan(rnd.id, None, plan)
    export = rounds.export_person(rnd.id, None, zoe.id)
    assert export["email"] == "zoe.uniekenaam@geheim.example" and export["available"] == ["a", "b"]
    assert export["answers"] == {"1": "Herken ik, antwoord-van-zoe", "2": "Verhaal"}
    raw = rounds.path.read_bytes()
    assert b"Uniekenaam" in raw  # the search below can find it
    rounds.delete_person(rnd.id, None, zoe.id)
    rounds.close()
    raw = rounds.path.read_bytes()
    for trace in ("Uniekenaam", "uniekenaam@geheim", "antwoord-van-zoe", "Zo\u00eb"):
        assert trace.encode() not in raw and trace.encode("utf-16-le") not in raw
    assert not Path(str(rounds.path) + "-journal").exists()
    reopened = Rounds(rounds.path)
    assert zoe.id not in reopened.plan(rnd.id, None).unplaced  # type: ignore[union-attr]
    assert len(reopened.people(rnd.id, None)) == 5
    reopened.delete(rnd.id, None)
    reopened.close()
    assert b"Persoon3" not in rounds.path.read_bytes()


def test_the_file_is_private(rounds: Rounds) -> None:
    rounds.create(name="R", year=2018, dataset="demo", slots=["a"])
    assert stat.S_IMODE(os.stat(rounds.path).st_mode) == 0o600


def test_answers_by_email(rounds: Rounds, tmp_path: Path) -> None:
    rnd = rounds.create(name="R", year=2018, dataset="demo", slots=["a"])
    rounds.register(rnd.id, None, read_registrations(write(tmp_path / "r.csv", [["Anna", "a@b.example", "consulent", "Utrecht", "1"]]), rnd.slots))
    emails = {p.email: p.id for p in rounds.people(rnd.id, None)}
    good = write(tmp_path / "ans.csv", [["A@b.example", "ja", "", "knelpunt", "meer tijd"]], header=("e-mail", "vraag 1", "vraag 2", "vraag 3", "vraag 4"))
    assert read_answers(good, emails) == {emails["a@b.example"]: {1: "ja", 3: "knelpunt", 4: "meer tijd"}}
    bad = write(tmp_path / "bad.csv", [["onbekend@b.example", "ja"]], header=("e-mail", "vraag 1"))
    with pytest.raises(IngestError) as caught:
        read_answers(bad, emails)
    assert caught.value.problems[0].row == 2


def test_the_templates_and_the_example_read_back(tmp_path: Path) -> None:
    for suffix in (".csv", ".xlsx"):
        path = write_registration_template(tmp_path / f"t{suffix}", SLOTS)
        assert len(read_registrations(path, SLOTS)) == 2
    example = read_registrations(write_example_registrations(tmp_path / "e.csv"), dict(enumerate(EXAMPLE_SLOTS, start=1)))
    assert len(example) == 77
