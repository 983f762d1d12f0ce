"""`kansenspiegel rounds`: from a registrations file, one command gives the plan, every pack and
the facilitator sheets; then record, overview, export and delete."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from kansenspiegel.cli import app
from kansenspiegel.conversations import EXAMPLE_SLOTS, example_registrations

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_one_command_from_registrations_to_packs_then_the_rest(demo_2018_db: Path, tmp_path: Path) -> None:
    db = ["--db", str(demo_2018_db), "--rounds-db", str(tmp_path / "rounds.sqlite")]
    registrations = tmp_path / "aanmeldingen.xlsx"
    example_registrations().head(12).to_excel(registrations, index=False)
    slots = [a for s in EXAMPLE_SLOTS for a in ("--slot", s)]
    out = run(
        "rounds", "create", "Voorjaar", "--year", "2018", *slots, "--registrations", str(registrations), "-o", str(tmp_path / "packs"), "--format", "html", *db
    )
    assert "Kwaliteit van de indeling" in out and "Groep 1" in out
    files = sorted(p.name for p in (tmp_path / "packs").iterdir())
    assert len([f for f in files if f.startswith("pakket-") and f.endswith(".html")]) == 12
    assert any(f.startswith("gespreksleider-groep-01") for f in files) and "uitnodigingen.txt" in files
    listing = run("rounds", "list", *db)
    assert listing.splitlines()[1].startswith("1;Voorjaar;2018;demo;12;")
    plan = json.loads(run("rounds", "plan", "1", "--show", "--format", "json", *db))
    group = plan["groups"][0]["number"]
    keys = run("rounds", "findings", "1", "--group", str(group), *db).splitlines()
    finding = keys[0].split("\t")[0] if keys else ""
    run(
        "rounds",
        "record",
        "1",
        "--group",
        str(group),
        "--theme",
        "language",
        "--role",
        "consultant",
        "--kind",
        "bottleneck",
        "--text",
        "De taaleis.",
        "--finding",
        finding,
        *db,
    )
    bad = runner.invoke(app, ["rounds", "record", "1", "--group", "99", "--theme", "language", "--role", "consultant", "--kind", "need", "--text", "x", *db])
    assert bad.exit_code == 2 and "Group 99" in bad.output  # commands without --lang speak English
    run("rounds", "overview", "1", "-o", str(tmp_path / "overzicht.xlsx"), *db)
    sheets = pd.read_excel(tmp_path / "overzicht.xlsx", sheet_name=None)
    assert "De taaleis." in sheets[list(sheets)[1]].to_string()
    person = plan["groups"][0]["members"][0]
    export = json.loads(run("rounds", "export-person", "1", str(person), *db))
    assert export["email"].endswith(".example")
    moved = run("rounds", "move", "1", str(person), "none", *db)
    assert "met de hand uit de groepen gehaald" in moved
    run("rounds", "delete", "1", "--person", str(person), *db)
    assert runner.invoke(app, ["rounds", "export-person", "1", str(person), *db]).exit_code == 2
    run("rounds", "delete", "1", *db)
    assert run("rounds", "list", *db).strip() == "id;name;year;dataset;registrations;groups;facilitators"


def test_a_bad_registrations_file_loads_nothing(demo_2018_db: Path, tmp_path: Path) -> None:
    db = ["--db", str(demo_2018_db), "--rounds-db", str(tmp_path / "rounds.sqlite")]
    run("rounds", "create", "R", "--year", "2018", "--slot", "ma 10:00", *db)
    bad = tmp_path / "bad.csv"
    bad.write_text("naam;e-mail;rol;gemeente;tijdstippen\nAnna;a@b.example;consulent;Utrecht;1\nBram;geen-adres;consulent;Zeist;1\n", encoding="utf-8")
    result = runner.invoke(app, ["rounds", "import", "1", str(bad), *db])
    assert result.exit_code == 1 and "rij 3, kolom 'e-mail'" in result.output
    assert run("rounds", "list", *db).splitlines()[1].split(";")[4] == "0"
    wrong_year = runner.invoke(app, ["rounds", "create", "R", "--year", "1999", "--slot", "a", *db])
    assert wrong_year.exit_code == 2 and "1999" in wrong_year.output
