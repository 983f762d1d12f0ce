"""The command line, as a user types it (CliRunner runs the real commands on real files)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kansenspiegel import Mirror
from kansenspiegel.cli import app
from kansenspiegel.codes import MOMENTS
from kansenspiegel.stats import METRIC_COLUMNS
from tests.conftest import make_persons

runner = CliRunner()


def test_table_all_characteristics_in_english(demo_2018_db: Path) -> None:
    result = runner.invoke(app, ["table", "--year", "2018", "--geography", "AM05", "--characteristic", "all", "--lang", "en", "--db", str(demo_2018_db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "characteristic,group,population,population_share_pct,provision,provision_share_pct,employed,employed_share_pct,sustained,sustained_share_pct"
    )
    assert any(line.startswith("target_group_register,In target-group register,") for line in lines)
    assert any(line.startswith("gender,Women,") for line in lines)


def test_table_of_a_small_municipality_suppresses_small_cells(demo_2018_db: Path) -> None:
    result = runner.invoke(app, ["table", "--year", "2018", "--geography", "GM0088", "--characteristic", "household_type", "--db", str(demo_2018_db)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str)
    exact = Mirror.open(demo_2018_db).counts(year=2018, geography="GM0088", characteristics="household_type").set_index("household_type")
    for row in table[table.group != "Totaal burgerlijke staat bekend"].itertuples():
        code = {"Eenouderhuishouden": "single_parent", "Eenpersoonshuishouden": "single_person", "Overig, institutioneel of onbekend": "other"}.get(
            row.group, "couple"
        )
        if code not in exact.index:
            continue
        for moment in ("population", "provision", "employed", "sustained"):
            shown = getattr(row, moment)
            if exact.loc[code, moment] < 10 or exact.loc[code, "population"] < 10:
                assert shown == "." and getattr(row, f"{moment}_share_pct") == "."
            elif shown != ".":  # '.' here: hidden so that a small cell cannot be recovered by subtraction
                assert int(shown) % 10 == 0 and abs(int(shown) - exact.loc[code, moment]) <= 5
    groups = table[~table.group.str.startswith("Totaal")]
    for moment in ("population", "provision", "employed", "sustained"):
        assert (groups[moment] == ".").sum() != 1  # one hidden group would follow from the total


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_metrics_export_is_public_by_default(demo_2018_db: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"metrics{suffix}"
    result = runner.invoke(app, ["metrics", "--db", str(demo_2018_db), "--year", "2018", "--geography", "AM05", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert list(table.columns)[: len(METRIC_COLUMNS)] == list(METRIC_COLUMNS)
    expected = Mirror.open(demo_2018_db).by_group(year=2018, geography="AM05")
    assert len(table) == len(expected) and set(table.moment) == set(MOMENTS)
    assert table.disclosure.str.startswith("public").all()
    assert (table["count"].dropna() % 10 == 0).all() and table.suppressed.any()


def test_metrics_export_internal_is_exact_and_marked(demo_2018_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "metrics.parquet"
    result = runner.invoke(app, ["metrics", "--db", str(demo_2018_db), "--year", "2019", "--internal", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert table.disclosure.str.startswith("INTERNAL").all() and not table.suppressed.any()
    exact = Mirror.open(demo_2018_db).select(year=2019)
    assert len(table) == len(exact) and set(table.geography) == set(exact.geography)  # every area, not only NL
    assert (table["count"].to_numpy() == exact["count"].to_numpy()).all()


def test_ingest_then_table(tmp_path: Path) -> None:
    db, source = tmp_path / "own.duckdb", tmp_path / "clients.csv"
    make_persons(500, municipalities=("GM0268",)).to_csv(source, sep=";", index=False)
    result = runner.invoke(app, ["ingest", str(source), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "dataset 'clients'" in result.stderr
    listed = runner.invoke(app, ["datasets", "--db", str(db)])
    assert "clients,microdata,clients.csv,False" in listed.stdout
    table = runner.invoke(app, ["table", "--year", "2019", "--geography", "GM0268", "--characteristic", "gender", "--db", str(db)])
    assert table.exit_code == 0 and "Totaal geslacht bekend" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["table", "--year", "2018", "--geography", "GM9999", "--lang", "en"], "unknown geography code 'GM9999'"),
        (["table", "--year", "1999"], "geen cijfers voor 1999"),
        (["table", "--year", "2018", "--characteristic", "shoe_size"], "onbekend kenmerk 'shoe_size'"),
    ],
)
def test_clear_errors(demo_2018_db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "--db", str(demo_2018_db)])
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["table", "--year", "2018", "--db", str(tmp_path / "none.duckdb"), "--lang", "en"])
    assert result.exit_code == 2 and "No database at" in result.stderr and "the path given" in result.stderr


def test_first_run_says_where_it_looked_and_finds_the_demo_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without KANSENSPIEGEL_DB the CLI looks where start.sh builds the database; anywhere else
    it says where it looked, why there, and which databases are nearby."""
    from kansenspiegel.store import DEFAULT_DB

    assert DEFAULT_DB == "data/kansenspiegel.duckdb"  # the file start.sh builds
    monkeypatch.delenv("KANSENSPIEGEL_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere.duckdb").write_bytes(b"")
    result = runner.invoke(app, ["findings", "--year", "2018"])
    text = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert str(tmp_path / "data" / "kansenspiegel.duckdb") in text and "KANSENSPIEGEL_DB is niet gezet" in text, text
    assert "elsewhere.duckdb" in text and "--db" in text and "demo-data" in text
    monkeypatch.setenv("KANSENSPIEGEL_DB", str(tmp_path / "set.duckdb"))
    assert "uit KANSENSPIEGEL_DB" in " ".join(runner.invoke(app, ["findings", "--year", "2018"]).stderr.split())


def test_bad_file_exit_code_and_message(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    make_persons(5).drop(columns=["provision"]).to_csv(source, index=False)
    result = runner.invoke(app, ["ingest", str(source), "--db", str(tmp_path / "db.duckdb")])
    assert result.exit_code == 2
    assert "bad.csv" in result.stderr and "column 'provision'" in result.stderr and "missing column" in result.stderr


def test_validate_command_reports_without_loading(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    make_persons(20).to_csv(good, index=False)
    broken = make_persons(20)
    broken.loc[0, "gender"] = "?x"
    broken.to_csv(bad, index=False)
    ok = runner.invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0 and "good.csv: in orde — 20 rijen (één rij per persoon), jaren 2018, 2019" in ok.stdout  # Dutch by default
    ok_en = runner.invoke(app, ["validate", str(good), "--lang", "en"])
    assert "good.csv: OK — 20 rows (one row per person), years 2018, 2019" in ok_en.stdout
    dutch = runner.invoke(app, ["validate", str(bad)])
    assert dutch.exit_code == 1 and "bad.csv: 1 probleem; er is niets ingelezen." in dutch.stdout
    assert "rij 2, kolom 'gender': waarde '?x' — verwacht: een van " in dutch.stdout, dutch.stdout
    assert not any(word in dutch.stdout for word in ("row", "expected", "problem(s)", "one of"))
    failed = runner.invoke(app, ["validate", str(bad), "--format", "json"])
    assert failed.exit_code == 1
    import json

    report = json.loads(failed.stdout)
    assert report["ok"] is False and report["problems"][0]["row"] == 2 and report["problems"][0]["column"] == "gender"
    assert report["problems"][0]["expected_id"] == "one_of_labels" and report["problems"][0]["expected"].startswith("one of ")  # an id, and English words
    assert not list(tmp_path.glob("*.duckdb"))


def test_help_texts_never_break_mid_sentence() -> None:
    """The command list shows each command's first paragraph: it must be one whole sentence
    (a line break inside it prints as a break in the middle of the sentence)."""
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        summary = (command.help or "").split("\n\n")[0]
        assert summary and "\n" not in summary.strip() and summary.strip().endswith((".", ")", "?")), (name, summary)
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout
    assert "disclosure\n" not in listing and "characteristics,\n" not in listing


def test_status_lines_speak_the_chosen_language(tmp_path: Path, demo_2018_db: Path) -> None:
    """Every status line comes from the catalogue: Dutch with --lang nl (or KANSENSPIEGEL_LANG=nl
    for commands without --lang), English otherwise; never the two mixed."""
    dutch = runner.invoke(app, ["template", "-o", str(tmp_path / "t.csv")], env={"KANSENSPIEGEL_LANG": "nl"})
    assert "geschreven: vul één rij per persoon per jaar in" in dutch.stderr
    english = runner.invoke(app, ["template", "-o", str(tmp_path / "t.csv")], env={"KANSENSPIEGEL_LANG": ""})
    assert "fill in one row per person per year" in english.stderr
    report = runner.invoke(
        app, ["report", "--db", str(demo_2018_db), "--year", "2018", "--geography", "GM0363", "-o", str(tmp_path / "r.html"), "--lang", "nl"]
    )
    text = " ".join(report.stderr.split())
    assert report.exit_code == 0 and "geschreven (html, Amsterdam 2018)" in text and "SYNTHETISCHE" in text.upper()
    assert not any(word in text for word in ("wrote", "SYNTHETIC demo", "demo data"))
    bad = runner.invoke(app, ["view", "nothing", "--db", str(demo_2018_db)])
    assert bad.exit_code == 2 and "onbekende weergave 'nothing'" in bad.stderr and "fout" in bad.stderr


def test_dataset_names_that_excel_would_run_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "clients.csv"
    make_persons(20).to_csv(source, index=False)
    db = tmp_path / "db.duckdb"
    bad = runner.invoke(app, ["ingest", str(source), "--db", str(db), "--dataset", "=HYPERLINK(1)"], env={"KANSENSPIEGEL_LANG": ""})
    assert bad.exit_code == 2 and "dataset name is not allowed" in bad.stderr
    odd = tmp_path / "klanten (1).csv"
    make_persons(20).to_csv(odd, index=False)
    assert runner.invoke(app, ["ingest", str(odd), "--db", str(db)]).exit_code == 0  # a file's own name is made safe
    listed = runner.invoke(app, ["datasets", "--db", str(db)]).stdout
    assert "klanten _1_" in listed and "=" not in listed


def test_listing_or_deleting_never_creates_a_database(tmp_path: Path) -> None:
    for args in (["datasets"], ["delete", "demo"]):
        result = runner.invoke(app, [*args, "--db", str(tmp_path / "none.duckdb")], env={"KANSENSPIEGEL_LANG": ""})
        assert result.exit_code == 2 and "No database at" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_locked_or_damaged_database_is_one_sentence(tmp_path: Path, demo_2018_db: Path) -> None:
    import shutil
    import subprocess
    import sys

    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"this is not a database" * 1000)
    result = runner.invoke(app, ["datasets", "--db", str(damaged)], env={"KANSENSPIEGEL_LANG": ""})
    assert result.exit_code == 2 and "cannot be opened as a kansenspiegel database" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) <= 4
    locked = tmp_path / "locked.duckdb"
    shutil.copy(demo_2018_db, locked)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(locked)!r}); print('ok', flush=True); time.sleep(60)"], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ok"
        result = runner.invoke(app, ["ingest", str(locked), "--db", str(locked)], env={"KANSENSPIEGEL_LANG": "nl"})
        assert result.exit_code == 2 and "is in gebruik door een ander programma" in result.stderr, result.output
    finally:
        holder.kill()
        holder.wait()


def test_a_server_for_other_computers_never_serves_own_data_without_login(demo_2018_db: Path, tmp_path: Path) -> None:
    """Own data and exact counts without accounts: reachable from elsewhere, serve refuses them
    (before: `serve --host 0.0.0.0` served every municipality's own data to anyone)."""
    users = tmp_path / "users.json"
    for args in (["--host", "0.0.0.0"], ["--host", "192.168.1.5", "--no-own", "--internal"]):
        result = runner.invoke(app, ["serve", "--db", str(demo_2018_db), "--users", str(users), *args], env={"KANSENSPIEGEL_LANG": ""})
        assert result.exit_code == 2 and "has no users yet" in result.stderr and "kansenspiegel users add" in result.stderr, result.output


def test_users_are_managed_on_the_command_line_and_a_shared_server_starts_with_them(
    demo_2018_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    users = tmp_path / "users.json"
    base = ["--users", str(users)]
    added = runner.invoke(
        app, ["users", "add", "Nijmegen", "--area", "gm0268", "--area", "AM08", *base, "--password-stdin"], input="een zin van vier woorden\n"
    )
    assert added.exit_code == 0 and "user 'nijmegen' added" in added.stderr and "GM0268, AM08" in added.stderr, added.output
    assert (
        runner.invoke(
            app, ["users", "add", "analist", "--area", "NL", "--analyst", *base], input="een ander lang wachtwoord\neen ander lang wachtwoord\n"
        ).exit_code
        == 0
    )
    for argv, stdin, said in (
        (["users", "add", "kort", "--area", "GM0268", *base, "--password-stdin"], "te kort\n", "at least 12 characters"),
        (["users", "add", "nergens", "--area", "GM9999", *base, "--password-stdin"], "een zin van vier woorden\n", "Unknown area 'GM9999'"),
        (["users", "add", "nijmegen", "--area", "GM0268", *base, "--password-stdin"], "een zin van vier woorden\n", "already exists"),
        (["users", "add", "typfout", "--area", "GM0268", *base], "een zin van vier woorden\neen zin van drie woorden\n", "not the same"),
        (["users", "remove", "niemand", *base], "", "There is no user 'niemand'"),
    ):
        result = runner.invoke(app, argv, input=stdin, env={"KANSENSPIEGEL_LANG": ""})
        assert result.exit_code == 2 and said in result.stderr, (argv, result.output)
    listed = runner.invoke(app, ["users", "list", *base])
    assert [line.split(";")[:3] for line in listed.stdout.splitlines()] == [
        ["name", "areas", "analyst"],
        ["analist", "NL", "yes"],
        ["nijmegen", "GM0268 AM08", "no"],
    ]
    assert "scrypt" not in listed.stdout and "woorden" not in users.read_text()

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: started.update(app=application, **kw))
    result = runner.invoke(app, ["serve", "--db", str(demo_2018_db), *base, "--host", "0.0.0.0", "--internal"], env={"KANSENSPIEGEL_LANG": "nl"})
    assert result.exit_code == 0, result.output
    assert "gedeelde server met accounts (2 gebruikers" in result.stderr and "HTTPS-proxy" in result.stderr
    assert started["host"] == "0.0.0.0" and len(started["app"].state.users) == 2  # type: ignore[attr-defined]

    assert runner.invoke(app, ["users", "remove", "nijmegen", *base]).exit_code == 0
    assert runner.invoke(app, ["users", "password", "analist", *base, "--password-stdin"], input="nog een ander wachtwoord\n").exit_code == 0
    assert [line.split(";")[0] for line in runner.invoke(app, ["users", "list", *base]).stdout.splitlines()] == ["name", "analist"]


def test_the_example_client_file_loads_with_its_own_characteristic(tmp_path: Path) -> None:
    """`example-clients` writes a synthetic client file a newcomer can load; `ingest` takes its
    kenmerk:statushouder column as an own characteristic. A wrong code is refused."""
    out = tmp_path / "voorbeeld.csv"
    written = runner.invoke(app, ["example-clients", "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert "SYNTHETI" in written.output and "kenmerk:statushouder" in out.read_text(encoding="utf-8-sig").splitlines()[0]
    db = tmp_path / "own.duckdb"
    loaded = runner.invoke(app, ["ingest", str(out), "--db", str(db), "--dataset", "voorbeeld"])
    assert loaded.exit_code == 0, loaded.output
    mirror = Mirror.open(db, dataset="voorbeeld")
    assert [c.name for c in mirror.own_characteristics] == ["statushouder"]
    wrong = runner.invoke(app, ["example-clients", "-o", str(tmp_path / "x.csv"), "--municipality", "GM9999"])
    assert wrong.exit_code != 0 and "GM9999" in wrong.output
