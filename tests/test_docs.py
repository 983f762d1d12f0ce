"""Docs that cannot drift: the contract tables, every CLI command, every metric column."""

from __future__ import annotations

from kansenspiegel.cli import app
from kansenspiegel.ingest import contract_markdown
from kansenspiegel.stats import METRIC_COLUMNS
from tests.conftest import REPO


def test_data_contract_doc_matches_the_code() -> None:
    doc = (REPO / "docs" / "data-contract.md").read_text(encoding="utf-8")
    start, end = doc.index("<!-- contract:begin -->\n") + len("<!-- contract:begin -->\n"), doc.index("<!-- contract:end -->")
    assert doc[start:end] == contract_markdown(), "regenerate the tables with kansenspiegel.ingest.contract_markdown()"


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"kansenspiegel {name}" in readme, name


def test_every_metric_column_is_documented() -> None:
    doc = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    for column in METRIC_COLUMNS:
        assert f"`{column}`" in doc, column


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in setup.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == [
        "bash scripts/start.sh     # install and start the dashboard on the demo data: http://127.0.0.1:8000/",
        "bash scripts/test.sh      # install with test dependencies and run every test",
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci
