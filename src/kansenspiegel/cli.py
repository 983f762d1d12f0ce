"""The command line: thin commands over `Mirror` and the ingest functions."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kansenspiegel.codes import CHARACTERISTIC_NAMES, TABLE_2_1_CHARACTERISTICS
from kansenspiegel.errors import UserError
from kansenspiegel.formatting import fmt_int
from kansenspiegel.ingest import IngestError, ingest_file, ingest_frame
from kansenspiegel.messages import Lang as Language
from kansenspiegel.messages import t
from kansenspiegel.mirror import Mirror
from kansenspiegel.store import DEFAULT_DB, Store

app = typer.Typer(
    help="Kansenspiegel: where do people on social assistance (bijstand) get unequal chances on their way to work?",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help=f"DuckDB database file [default: $KANSENSPIEGEL_DB or ./{DEFAULT_DB}]", show_default=False),
]
DatasetOption = Annotated[str | None, typer.Option("--dataset", help="Dataset name [default: the only one, or 'demo']")]


class Format(str, Enum):
    csv = "csv"
    parquet = "parquet"


class Kind(str, Enum):
    auto = "auto"
    microdata = "microdata"
    aggregated = "aggregated"


class Lang(str, Enum):
    nl = "nl"
    en = "en"

    @property
    def code(self) -> Language:
        return "en" if self is Lang.en else "nl"


@contextmanager
def _progress(description: str) -> Iterator:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(description)
        yield lambda message: bar.update(task, description=f"{description}: {message}")


def _lang() -> Language:
    """The language of status lines for commands without --lang: $KANSENSPIEGEL_LANG (nl/en),
    else English, as the help texts."""
    return "nl" if os.environ.get("KANSENSPIEGEL_LANG", "").lower() == "nl" else "en"


def _say(key: str, lang: Language | None = None, /, **params: object) -> None:
    """A status line (to stderr) from the catalogue's ``cli.*`` messages."""
    err.print(t("cli." + key, lang or _lang(), **params), highlight=False, markup=False, soft_wrap=True)


def _n(value: int, lang: Language | None = None) -> str:
    return fmt_int(value, lang or _lang())


def _fail(message: str, lang: Language | None = None) -> None:
    err.print(f"[red]{t('cli.error', lang or _lang())}:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code=2)


def _years(spec: str) -> list[int]:
    try:
        if "-" in spec:
            a, b = spec.split("-", 1)
            return list(range(int(a), int(b) + 1))
        return [int(y) for y in spec.split(",")]
    except ValueError:
        _fail(t("cli.bad_years", _lang(), got=repr(spec)))
        raise


@app.command("demo-data")
def demo_data(
    db: DbOption = None,
    years: Annotated[str, typer.Option(help="Years to generate, e.g. 2015-2021 or 2018")] = "2015-2021",
    seed: Annotated[int, typer.Option(help="Random seed")] = 2018,
    output: Annotated[Path | None, typer.Option(help="Also write the microdata to this Parquet file (with --scale: to this folder)")] = None,
    ingest: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Load it into the database as dataset 'demo'")] = True,
    scale: Annotated[
        int, typer.Option(min=1, help="Write N times the demo's rows, in chunks, to the --output folder (one Parquet file per year and copy)")
    ] = 1,
) -> None:
    """Generate the SYNTHETIC national demo microdata (2018 calibrated to the report's Table 2.1)."""
    from kansenspiegel.demo import generate, write_scaled

    wanted = _years(years)
    if scale > 1:
        if output is None:
            _fail(t("cli.scale_needs_output", _lang()))
        assert output is not None
        with _progress("demo data") as step:
            step(f"writing {scale} × {len(wanted)} year(s) to {output}")
            rows = write_scaled(output, wanted, seed=seed, scale=scale)
            if ingest:
                with _writable(db) as store:
                    result = ingest_file(store, output, dataset="demo", kind="microdata", replace=True, synthetic=True, progress=step)
        _say("demo_scaled", scale=scale, rows=_n(rows), first=wanted[0], last=wanted[-1], path=output)
        if ingest:
            _say("demo_loaded", path=store.path, cube=_n(result.cube_rows), metrics=_n(result.metric_rows))
        return
    with _progress("demo data") as step:
        step(f"generating {len(wanted)} year(s)")
        frame = generate(years=wanted, seed=seed)
        if output is not None:
            step(f"writing {output}")
            output.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(output, index=False)
        if ingest:
            with _writable(db) as store:
                result = ingest_frame(store, frame, source="demo (synthetic)", dataset="demo", kind="microdata", replace=True, synthetic=True, progress=step)
    _say("demo_made", rows=_n(len(frame)), first=wanted[0], last=wanted[-1])
    if ingest:
        _say("demo_loaded", path=store.path, cube=_n(result.cube_rows), metrics=_n(result.metric_rows))


@app.command("example-clients")
def example_clients(
    output: Annotated[Path, typer.Option("--output", "-o", help="clients.csv (semicolons, as Dutch Excel) or clients.xlsx")],
    municipality: Annotated[str, typer.Option(help="CBS municipality code")] = "GM0268",
) -> None:
    """Write a SYNTHETIC client file of one municipality (the demo's people of 2018, with an own characteristic kenmerk:statushouder) to try the upload page with."""
    from kansenspiegel.demo import example_client_file
    from kansenspiegel.geography import municipalities

    if municipality not in set(municipalities().gm_code):
        _fail(t("cli.unknown_municipality", _lang(), code=repr(municipality)))
    frame = example_client_file(municipality)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".xlsx":
        frame.to_excel(output, index=False, sheet_name="clients")
    else:
        frame.to_csv(output, sep=";", index=False, encoding="utf-8-sig")
    _say("example_written", path=output, rows=_n(len(frame)))


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV (; or ,), XLSX or Parquet file following the data contract")],
    db: DbOption = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset name [default: the file name]")] = None,
    kind: Annotated[Kind, typer.Option(help="microdata (one row per person per year) or aggregated (counts)")] = Kind.auto,
    replace: Annotated[bool, typer.Option(help="Replace a dataset of the same name")] = False,
    characteristic: Annotated[
        list[str] | None,
        typer.Option("--characteristic", help="A column to use as an own characteristic (like a column headed kenmerk:<name>); repeat for more (at most 3)"),
    ] = None,
) -> None:
    """Validate a file and load it, with its cube and metrics, in one transaction."""
    with _writable(db) as store:
        try:
            with _progress(f"ingest {file.name}") as step:
                result = ingest_file(store, file, dataset=dataset, kind=kind.value, replace=replace, characteristics=tuple(characteristic or ()), progress=step)
        except IngestError as exc:
            _fail(exc.text(_lang()))
    kind_label = t(f"problem.kind.{result.kind}", _lang())
    _say("ingested", rows=_n(result.rows), kind=kind_label, dataset=result.dataset, years=", ".join(map(str, result.years)))


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


@app.command()
def count(
    input: Annotated[
        str, typer.Option("--input", "-i", help="Person rows: a Parquet file or folder (CSV/XLSX too on duckdb), or on Spark a catalogue table (db.table)")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the fine counts (one Parquet file)")],
    engine: Annotated[Engine, typer.Option(help="duckdb (this machine) or spark (a local or cluster Spark session)")] = Engine.duckdb,
    master: Annotated[str | None, typer.Option(help="Spark master, e.g. local[2] or yarn [default: the active session, $SPARK_MASTER, else local[*]]")] = None,
    conf: Annotated[list[str] | None, typer.Option("--conf", help="A Spark setting key=value; repeat for more")] = None,
    characteristic: Annotated[
        list[str] | None,
        typer.Option("--characteristic", help="A column to use as an own characteristic (like a column headed kenmerk:<name>); repeat for more (at most 3)"),
    ] = None,
) -> None:
    """Check person rows and count them at the finest grain (the only stage that sees persons), on DuckDB or Spark; then build the mirror with 'kansenspiegel ingest COUNTS'."""
    from kansenspiegel.ingest import count_file

    settings = dict(item.split("=", 1) for item in (conf or []) if "=" in item)
    if engine == Engine.spark:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            _fail(t("cli.no_spark", _lang()))
    try:
        with _progress(f"count {input}") as step:
            step(f"validating and counting on {engine.value}")
            result = count_file(input, output, engine=engine.value, master=master, conf=settings, characteristics=tuple(characteristic or ()))
    except IngestError as exc:
        _fail(exc.text(_lang()))
    _say("counted", rows=_n(result.rows), counts=_n(result.counts), years=", ".join(map(str, result.years)), path=result.output)


@app.command()
def template(output: Annotated[Path, typer.Option("--output", "-o", help="clients.csv (semicolons, as Dutch Excel) or clients.xlsx")]) -> None:
    """Write a fill-in template for your own client file (all contract columns, two example rows)."""
    from kansenspiegel.ingest import write_template

    write_template(output)
    _say("template_written", path=output, name=output.name)


@app.command()
def delete(dataset: Annotated[str, typer.Argument(help="Name of the dataset to delete")], db: DbOption = None) -> None:
    """Delete a dataset (its persons, counts, cube and metrics) from the database."""
    with _existing(db) as store:
        if dataset not in store.dataset_names():
            _fail(t("cli.no_dataset", _lang(), name=repr(dataset), loaded=", ".join(store.dataset_names()) or "-"))
        with store.transaction():
            store.delete_dataset(dataset)
        store.checkpoint()
    from kansenspiegel.store import compact

    compact(store.path)  # a fresh file: the deleted rows' bytes do not stay in freed blocks
    _say("deleted", name=dataset)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file to check")],
    format: Annotated[str, typer.Option(help="text or json")] = "text",
    lang: Annotated[Lang, typer.Option(help="Report in Dutch or English")] = Lang.nl,
) -> None:
    """Check a file against the data contract without loading anything (the validation report)."""
    from kansenspiegel.ingest import validate_file
    from kansenspiegel.messages import tn

    report = validate_file(file)
    language = lang.code
    if format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    elif report.ok:
        rows = f"{report.rows:,}".replace(",", "." if language == "nl" else ",")
        kind = t(f"problem.kind.{report.kind}", language)
        sys.stdout.write(t("problem.ok", language, file=report.file, rows=rows, kind=kind, years=", ".join(map(str, report.years))) + "\n")
    else:
        sys.stdout.write(f"{report.file}: " + tn("problem.count", report.total_problems, language) + "\n")
        for p in report.problems:
            sys.stdout.write("  " + p.describe(report.file, language) + "\n")
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def datasets(db: DbOption = None) -> None:
    """List the datasets in the database."""
    with _existing(db, read_only=True) as store:
        sys.stdout.write(store.datasets().to_csv(index=False))


def _writable(db: Path | None) -> Store:
    """The store to write into (created when there is none); a locked or damaged file is one sentence."""
    try:
        return Store(db)
    except UserError as exc:
        _fail(exc.text(_lang()))
        raise


def _existing(db: Path | None, *, read_only: bool = False) -> Store:
    """The store of a database that must already exist (listing or deleting never creates one)."""
    from kansenspiegel.store import NoDatabase, default_db_path

    path = db if db is not None else default_db_path()
    try:
        if not path.exists():
            raise NoDatabase(path, given=db is not None)
        return Store(path, read_only=read_only)
    except UserError as exc:
        _fail(exc.text(_lang()))
        raise


def _open(db: Path | None, dataset: str | None, lang: Language | None = None) -> Mirror:
    try:
        return Mirror.open(db, dataset=dataset)
    except UserError as exc:
        _fail(exc.text(lang or _lang()), lang)
        raise
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        raise


@app.command()
def metrics(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .parquet)")],
    db: DbOption = None,
    dataset: DatasetOption = None,
    year: Annotated[int | None, typer.Option(help="Only this year")] = None,
    geography: Annotated[str | None, typer.Option(help="Only this geography (NL, AMxx, GMxxxx)")] = None,
    format: Annotated[Format | None, typer.Option(help="csv or parquet [default: from the file name]")] = None,
    internal: Annotated[bool, typer.Option("--internal", help="Exact counts, nothing suppressed (authorised analysts only; marked on every row)")] = False,
) -> None:
    """Write the metric table (long format) as CSV or Parquet, published under the disclosure policy.

    Counts are rounded, and small cells and cells that would reveal them are suppressed, unless
    --internal is given (exact values, marked as such on every row)."""
    import pandas as pd

    from kansenspiegel.disclosure import INTERNAL, PUBLIC

    mirror = _open(db, dataset)
    fmt = format or (Format.parquet if output.suffix.lower() == ".parquet" else Format.csv)
    policy = INTERNAL if internal else PUBLIC
    label = policy.describe("en", short=True)  # the file's own column: the policy's words
    try:
        years = [year] if year is not None else list(mirror.years)
        parts = []
        with _progress("metrics") as step:
            for y in years:
                step(f"{y}")
                parts.append(mirror.published(year=y, geography=geography.upper() if geography else None, policy=policy))
        table = pd.concat(parts, ignore_index=True).assign(disclosure=label)
    except UserError as exc:
        _fail(exc.text(_lang()), _lang())
        raise
    except ValueError as exc:
        _fail(str(exc))
        raise
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt is Format.parquet:
        table.to_parquet(output, index=False)
    else:
        table.to_csv(output, index=False)
    _say("metrics_written", rows=_n(len(table)), path=output, policy=policy.describe(_lang(), short=True))
    if mirror.synthetic:
        err.print(t("policy.synthetic", _lang()))


class FindingsFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def findings(
    year: Annotated[int, typer.Option(help="Reference year")],
    geography: Annotated[str, typer.Option(help="NL, an AMR code (AM05) or a municipality code (GM0363)")] = "NL",
    db: DbOption = None,
    dataset: DatasetOption = None,
    format: Annotated[FindingsFormat, typer.Option(help="text (plain language) or json (structured)")] = FindingsFormat.text,
    lang: Annotated[Lang, typer.Option(help="Dutch or English")] = Lang.nl,
    top: Annotated[int, typer.Option(help="How many findings (0 = all)")] = 10,
) -> None:
    """The deviations that matter in one area, biggest first, in plain language.

    Published figures only: a suppressed cell never gives a finding."""
    import json

    from kansenspiegel.views import Published, ranked

    mirror = _open(db, dataset, lang.code)
    try:
        found = list(ranked(Published(mirror), year, geography.upper(), lang.code))[: top or None]
    except UserError as exc:
        _fail(exc.text(lang.code))
        raise
    if format is FindingsFormat.json:
        typer.echo(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo(t("ui.no_findings", lang.code))
    for i, f in enumerate(found, 1):
        typer.echo(f"{i}. {f.text}")
        for c in f.caveats[:-2]:
            typer.echo(f"   - {c}")
    if found:
        typer.echo("")
        typer.echo(found[0].caveats[-2])
        typer.echo(found[0].caveats[-1])
    if mirror.synthetic:
        err.print(t("policy.synthetic", lang.code))


class ReportFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    xlsx = "xlsx"


@app.command()
def report(
    year: Annotated[int, typer.Option(help="Reference year")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write", metavar="<path>")],
    geography: Annotated[str, typer.Option(help="NL, an AMR code (AM12) or a municipality code (GM0363)")] = "NL",
    format: Annotated[ReportFormat | None, typer.Option(help="pdf, html or xlsx [default: from the file name]")] = None,
    lang: Annotated[Lang, typer.Option(help="Dutch or English")] = Lang.nl,
    db: DbOption = None,
    dataset: DatasetOption = None,
) -> None:
    """Write the report for the council of one area and year (PDF, HTML or Excel).

    Summary, funnel, characteristics, findings, combinations, similar areas, method and the
    disclosure policy; published figures only."""
    from kansenspiegel.render import write_html, write_pdf, write_xlsx
    from kansenspiegel.views import Published, report_data

    suffix = output.suffix.lower().lstrip(".")
    fmt = format or (ReportFormat(suffix) if suffix in ("pdf", "html", "xlsx") else None)
    if fmt is None:
        _fail(t("cli.report_format", lang.code, name=output.name), lang.code)
        raise typer.Exit(2)
    mirror = _open(db, dataset, lang.code)
    try:
        data = report_data(Published(mirror), geography=geography.upper(), year=year, lang=lang.code)
    except UserError as exc:
        _fail(exc.text(lang.code))
        raise
    output.parent.mkdir(parents=True, exist_ok=True)
    {ReportFormat.pdf: write_pdf, ReportFormat.html: write_html, ReportFormat.xlsx: write_xlsx}[fmt](data, output)
    _say("report_written", lang.code, path=output, format=fmt.value, area=data.name, year=year)
    if mirror.synthetic:
        err.print(t("policy.synthetic", lang.code))


@app.command()
def table(
    year: Annotated[int, typer.Option(help="Reference year")],
    geography: Annotated[str, typer.Option(help="NL, an AMR code (AM05) or a municipality code (GM0363)")] = "NL",
    characteristic: Annotated[str | None, typer.Option(help=f"One of {', '.join(CHARACTERISTIC_NAMES)}, or 'all' [default: those of Table 2.1]")] = None,
    lang: Annotated[Lang, typer.Option(help="Group labels in Dutch or English")] = Lang.nl,
    db: DbOption = None,
    dataset: DatasetOption = None,
) -> None:
    """Print the Table 2.1 layout (CSV): counts rounded to tens, shares in whole percent."""
    if characteristic is None:
        chars: tuple[str, ...] = TABLE_2_1_CHARACTERISTICS
    elif characteristic == "all":
        chars = CHARACTERISTIC_NAMES
    elif characteristic in CHARACTERISTIC_NAMES:
        chars = (characteristic,)
    else:
        _fail(t("cli.unknown_characteristic", lang.code, name=repr(characteristic), choices=", ".join(CHARACTERISTIC_NAMES)), lang.code)
        raise AssertionError
    mirror = _open(db, dataset, lang.code)
    try:
        out = mirror.table(year=year, geography=geography.upper(), characteristics=chars, lang=lang.code)
    except UserError as exc:
        _fail(exc.text(lang.code), lang.code)
        raise
    except ValueError as exc:
        _fail(str(exc))
        raise
    if mirror.synthetic:
        err.print(t("policy.synthetic", lang.code))
    sys.stdout.write(out.to_csv(index=False, lineterminator="\n"))


class ViewFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


@app.command()
def view(
    name: Annotated[str, typer.Argument(help="A published view: funnel, characteristics, groups, combinations, compare, quality, table, findings")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter of the view as key=value (e.g. -p year=2018 -p geography=GM0363)")
    ] = None,
    format: Annotated[ViewFormat, typer.Option(help="csv (Dutch: ';' and decimal comma with --lang nl), xlsx or json")] = ViewFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write [default: standard output; required for xlsx]", metavar="<path>")] = None,
    lang: Annotated[Lang, typer.Option(help="Headers and labels in Dutch or English")] = Lang.nl,
    db: DbOption = None,
    dataset: DatasetOption = None,
) -> None:
    """Any published view, rendered the way the dashboard's downloads are (public policy)."""
    import json

    from kansenspiegel.render import to_csv, to_json, to_xlsx
    from kansenspiegel.views import VIEWS, Published

    if name not in VIEWS:
        _fail(t("cli.unknown_view", lang.code, name=repr(name), choices=", ".join(VIEWS)), lang.code)
        raise typer.Exit(2)
    values: dict[str, str] = dict(p.split("=", 1) for p in (param or []) if "=" in p)
    if "lang" in VIEWS[name].params.model_fields:
        values.setdefault("lang", lang.code)
    mirror = _open(db, dataset, lang.code)
    board = Published(mirror)
    values.setdefault("year", str(board.default_year))
    try:
        frame = board.run(name, **values)
    except UserError as exc:
        _fail(exc.text(lang.code))
        raise
    if format is ViewFormat.json:
        body = json.dumps(to_json(frame), ensure_ascii=False, indent=2).encode()
    elif format is ViewFormat.csv:
        body = to_csv(frame, VIEWS[name], lang.code, board.policy, mirror.synthetic)
    else:
        if output is None:
            _fail(t("cli.xlsx_needs_output", lang.code), lang.code)
            raise typer.Exit(2)
        body = to_xlsx(frame, VIEWS[name], lang.code, board.policy, mirror.synthetic)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)
    if mirror.synthetic:
        err.print(t("policy.synthetic", lang.code))


users_app = typer.Typer(help="Accounts of a shared server: who may log in, and which areas' own data they may see.", no_args_is_help=True)
app.add_typer(users_app, name="users")

UsersOption = Annotated[
    Path | None, typer.Option("--users", help="The users file [default: <db>-users.json beside --db]", metavar="<path>", show_default=False)
]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input (for scripts)")]


def _users_file(users: Path | None, db: Path | None) -> Path:
    from kansenspiegel.store import default_db_path

    if users is not None:
        return users
    path = db if db is not None else default_db_path()
    return path.with_name(path.stem + "-users.json")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(t("cli.password_prompt", _lang()), hide_input=True)
    if first != typer.prompt(t("cli.password_again", _lang()), hide_input=True):
        _fail(t("cli.password_mismatch", _lang()))
    return str(first)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except UserError as exc:
        _fail(exc.text(_lang()))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (lower case; an e-mail address works)")],
    area: Annotated[
        list[str], typer.Option("--area", help="A municipality (GM0363), region (AM08) or NL whose own data the user may load and see; repeat for more")
    ],
    analyst: Annotated[bool, typer.Option("--analyst", help="May see exact counts on a server started with --internal")] = False,
    users: UsersOption = None,
    db: DbOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user (asks for the password; it is stored only as a scrypt hash)."""
    from kansenspiegel.access import Users

    path = _users_file(users, db)
    with _user_errors():
        user = Users(path).add(name.strip().lower(), _password(password_stdin), area, analyst=analyst)
    _say("user_added", name=user.name, path=path, areas=", ".join(user.areas), analyst=t("cli.analyst_suffix", _lang()) if user.analyst else "")


@users_app.command("list")
def users_list(users: UsersOption = None, db: DbOption = None) -> None:
    """The users, their areas and whether they are analysts (never a password), as CSV."""
    from kansenspiegel.access import Users

    path = _users_file(users, db)
    with _user_errors():
        rows = Users(path).describe()
    if not rows:
        _say("no_users", path=path)
        return
    typer.echo("name;areas;analyst;created")
    for r in rows:
        typer.echo(f"{r['name']};{' '.join(r['areas'])};{'yes' if r['analyst'] else 'no'};{r['created']}")


@users_app.command("remove")
def users_remove(name: str, users: UsersOption = None, db: DbOption = None) -> None:
    """Remove a user; their sessions end at once, also on a running server."""
    from kansenspiegel.access import Users

    path = _users_file(users, db)
    with _user_errors():
        Users(path).remove(name.strip().lower())
    _say("user_removed", name=name)


@users_app.command("password")
def users_password(name: str, users: UsersOption = None, db: DbOption = None, password_stdin: PasswordStdin = False) -> None:
    """Give a user a new password; their sessions end at once."""
    from kansenspiegel.access import Users

    path = _users_file(users, db)
    with _user_errors():
        Users(path).set_password(name.strip().lower(), _password(password_stdin))
    _say("password_set", name=name)


rounds_app = typer.Typer(
    help="Rounds of intervisie conversations: registrations, the group plan, every participant's pack, the facilitator sheets, what was said, the overview.",
    no_args_is_help=True,
)
app.add_typer(rounds_app, name="rounds")

RoundsOption = Annotated[
    Path | None,
    typer.Option(
        "--rounds-db", help="The rounds database (staff personal data) [default: <db>-rounds.sqlite beside --db]", metavar="<path>", show_default=False
    ),
]
RoundId = Annotated[int, typer.Argument(help="The round's number (kansenspiegel rounds list)")]


def _rounds_file(rounds: Path | None, db: Path | None) -> Path:
    from kansenspiegel.store import default_db_path

    if rounds is not None:
        return rounds
    path = db if db is not None else default_db_path()
    return path.with_name(path.stem + "-rounds.sqlite")


def _rounds(rounds: Path | None, db: Path | None):  # type: ignore[no-untyped-def]
    from kansenspiegel.conversations import Rounds

    return Rounds(_rounds_file(rounds, db))


def _figures(db: Path | None, dataset: str | None):  # type: ignore[no-untyped-def]
    from kansenspiegel.disclosure import PUBLIC
    from kansenspiegel.views import Published

    return Published(_open(db, dataset), PUBLIC)


@contextmanager
def _round_errors(lang: Language | None = None) -> Iterator[None]:
    try:
        yield
    except IngestError as exc:
        err.print(exc.text(lang or _lang()), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    except UserError as exc:
        _fail(exc.text(lang or _lang()), lang)


def _print_plan(store, round_id: int, lang: Language) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel.conversations import plan_view

    view = plan_view(store, round_id, None, lang)
    if view is None:
        return
    q = view.plan.quality
    typer.echo(t("cli.plan_quality", lang, score=str(q.score).replace(".", "," if lang == "nl" else "."), groups=q.groups, placed=q.placed, people=q.people))
    for g in view.groups:
        typer.echo(f"\n{t('rounds.group_n', lang, number=g['number']).capitalize()} · {g['slot']} · {g['roles']}")
        for m in g["members"]:
            typer.echo(f"  {m['id']:>4}  {m['name']} — {m['role']}, {m['municipality']} ({m['region']})")
    if view.unplaced:
        typer.echo("\n" + t("cli.plan_unplaced", lang))
        for m in view.unplaced:
            typer.echo(f"  {m['id']:>4}  {m['name']} — {m['reason']}")
    if view.notes:
        typer.echo("\n" + t("cli.plan_notes", lang))
        for n in view.notes:
            typer.echo(("  ! " if n["breaks"] else "  - ") + n["text"])


@rounds_app.command("create")
def rounds_create(
    name: Annotated[str, typer.Argument(help="The round's name, e.g. 'Intervisie voorjaar 2021'")],
    year: Annotated[int, typer.Option("--year", help="The year of the figures the conversations start from")],
    slot: Annotated[list[str], typer.Option("--slot", help="A time slot, e.g. 'di 12 jan 10:00'; repeat for more")],
    min_size: Annotated[int, typer.Option("--min", help="Smallest group")] = 4,
    max_size: Annotated[int, typer.Option("--max", help="Largest group")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="The planner's seed (the same seed gives the same plan)")] = 0,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the packs and sheets")] = Lang.nl,
    dashboard: Annotated[str, typer.Option("--dashboard", help="The dashboard's address the packs link to")] = "http://127.0.0.1:8000",
    facilitator: Annotated[
        list[str] | None, typer.Option("--facilitator", help="A user of the shared server who may see and run the round; repeat for more")
    ] = None,
    registrations: Annotated[Path | None, typer.Option("--registrations", help="A registrations file to import at once (CSV/XLSX)")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="With --registrations: plan the groups and write every pack and sheet into this folder")
    ] = None,
    formats: Annotated[str, typer.Option("--format", help="With -o: pdf, html or pdf,html")] = "pdf,html",
    db: DbOption = None,
    dataset: DatasetOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Create a round (and, with --registrations and -o, import, plan and write the packs in one go)."""
    pub = _figures(db, dataset)
    code = lang.code
    with _round_errors(code):
        if year not in pub.years:
            raise UserError("rounds.error.round_year", 400, year=year, years=", ".join(map(str, pub.years)))
        store = _rounds(rounds, db)
        rnd = store.create(
            name=name,
            year=year,
            dataset=pub.mirror.dataset,
            slots=slot,
            min_size=min_size,
            max_size=max_size,
            lang=code,
            seed=seed,
            dashboard=dashboard,
            facilitators=tuple(f.strip().lower() for f in facilitator or ()),
        )
        _say("round_created", code, id=rnd.id, name=rnd.name, path=store.path)
        if registrations is not None:
            _import_registrations(store, rnd.id, registrations, replace=False, lang=code)
            if output is not None:
                _plan_and_packs(store, pub, rnd.id, output, _formats(formats), code)


def _round_lang(rnd) -> Language:  # type: ignore[no-untyped-def]
    """A round's language (its packs, sheets and plan texts)."""
    return "en" if rnd.lang == "en" else "nl"


def _formats(spec: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in spec.split(",") if f.strip() in ("pdf", "html")) or ("pdf", "html")


def _import_registrations(store, round_id: int, path: Path, *, replace: bool, lang: Language) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel.conversations import read_registrations

    people = read_registrations(path, store.get(round_id, None).slots)
    n = store.register(round_id, None, people, replace=replace)
    _say("registrations_imported", lang, n=n, file=path.name)


def _plan_and_packs(store, pub, round_id: int, folder: Path, formats: tuple[str, ...], lang: Language) -> None:  # type: ignore[no-untyped-def]
    from kansenspiegel.conversations import make_plan, write_packs

    if store.plan(round_id, None) is None:
        with _progress(t("cli.planning", lang)):
            make_plan(store, pub, round_id, None)
        _print_plan(store, round_id, lang)
    with _progress(t("cli.writing_packs", lang)):
        files = write_packs(store, pub, round_id, None, folder, formats=formats)
    _say("packs_written", lang, n=len(files), folder=folder)


@rounds_app.command("list")
def rounds_list(db: DbOption = None, rounds: RoundsOption = None) -> None:
    """The rounds, as CSV: number, name, year, registrations, planned groups, facilitators."""
    store = _rounds(rounds, db)
    typer.echo("id;name;year;dataset;registrations;groups;facilitators")
    for r in store.all(None):
        made = store.plan(r.id, None)
        typer.echo(f"{r.id};{r.name};{r.year};{r.dataset};{len(store.people(r.id, None))};{len(made.groups) if made else 0};{' '.join(r.facilitators)}")


@rounds_app.command("facilitator")
def rounds_facilitator(
    round_id: RoundId,
    name: Annotated[str, typer.Argument(help="A user of the shared server (kansenspiegel users add) who may see and run the round")],
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Add a facilitator to a round: on a shared server only a round's facilitators reach it."""
    store = _rounds(rounds, db)
    with _round_errors():
        store.add_facilitator(round_id, None, name.strip().lower())
    _say("facilitator_added", id=round_id, name=name.strip().lower())


@rounds_app.command("import")
def rounds_import(
    round_id: RoundId,
    file: Annotated[Path, typer.Argument(help="Registrations (CSV/XLSX: naam, e-mail, rol, gemeente, tijdstippen)", exists=False)],
    replace: Annotated[bool, typer.Option("--replace", help="Update registrations whose e-mail address is already in the round")] = False,
    answers: Annotated[bool, typer.Option("--answers", help="The file holds answers to the preparation questions (e-mail, vraag 1 … vraag 4)")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the messages")] = Lang.nl,
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Import registrations (or, with --answers, answers) from a file: every problem with its row and column, and nothing stored when there is one."""
    from kansenspiegel.conversations import read_answers

    store = _rounds(rounds, db)
    with _round_errors(lang.code):
        if answers:
            emails = {p.email: p.id for p in store.people(round_id, None)}
            found = read_answers(file, emails)
            store.set_answers(round_id, None, found)
            _say("answers_imported", lang.code, n=len(found), file=file.name)
        else:
            _import_registrations(store, round_id, file, replace=replace, lang=lang.code)


@rounds_app.command("template")
def rounds_template(
    round_id: RoundId,
    output: Annotated[Path, typer.Option("--output", "-o", help="registrations.csv or .xlsx")],
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """A fill-in registrations file for a round (its time slots in the example rows)."""
    from kansenspiegel.conversations import write_registration_template

    store = _rounds(rounds, db)
    with _round_errors():
        write_registration_template(output, store.get(round_id, None).slots)
    _say("round_template_written", path=output)


@rounds_app.command("example")
def rounds_example(
    output: Annotated[Path, typer.Option("--output", "-o", help="registrations.csv or .xlsx")],
    seed: Annotated[int, typer.Option("--seed")] = 2021,
) -> None:
    """A SYNTHETIC registrations file like the study's: 77 people (40 consultants, 12 managers, 16 policy officers, 9 ESF coordinators), six time slots."""
    from kansenspiegel.conversations import EXAMPLE_SLOTS, write_example_registrations

    write_example_registrations(output, seed)
    _say("example_registrations", path=output, slots=" ".join(f"--slot '{s}'" for s in EXAMPLE_SLOTS))


@rounds_app.command("plan")
def rounds_plan(
    round_id: RoundId,
    greedy: Annotated[bool, typer.Option("--greedy", help="The simple baseline instead of the solver (to compare)")] = False,
    show: Annotated[bool, typer.Option("--show", help="Show the stored plan without planning again")] = False,
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Plan the groups (OR-Tools CP-SAT; the same seed gives the same plan) and show them with every compromise."""
    import json

    from kansenspiegel.conversations import make_plan

    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        lang: Language = _round_lang(rnd)
        if not show:
            with _progress(t("cli.planning", lang)):
                make_plan(store, _figures(db, rnd.dataset), round_id, None, method="greedy" if greedy else "solver")
        made = store.plan(round_id, None)
        if made is None:
            raise UserError("rounds.error.no_plan", 404)
    if output_format == "json":
        typer.echo(json.dumps(made.as_dict(), indent=2))
    else:
        _print_plan(store, round_id, lang)


@rounds_app.command("move")
def rounds_move(
    round_id: RoundId,
    person: Annotated[int, typer.Argument(help="The person's number (in the plan)")],
    group: Annotated[str, typer.Argument(help="The group number to move to, or 'none' (out of every group)")],
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Move a person by hand; the plan is re-checked and says what the move breaks."""
    from kansenspiegel.conversations import move_person

    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        target = None if group.lower() in ("none", "geen", "-") else int(group) if group.isdigit() else -1
        move_person(store, _figures(db, rnd.dataset), round_id, None, person, target)
    _print_plan(store, round_id, _round_lang(rnd))


@rounds_app.command("packs")
def rounds_packs(
    round_id: RoundId,
    output: Annotated[Path, typer.Option("--output", "-o", help="The folder for the packs, sheets and invitation texts")],
    formats: Annotated[str, typer.Option("--format", help="pdf, html or pdf,html")] = "pdf,html",
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Every participant's pack and every group's facilitator sheet (plans the groups first when the round has no plan)."""
    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        _plan_and_packs(store, _figures(db, rnd.dataset), round_id, output, _formats(formats), _round_lang(rnd))


@rounds_app.command("findings")
def rounds_findings(round_id: RoundId, group: Annotated[int, typer.Option("--group")], db: DbOption = None, rounds: RoundsOption = None) -> None:
    """The findings a record of a group may explain (their keys, for rounds record --finding)."""
    from kansenspiegel.conversations import group_findings

    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        for key, text in group_findings(store, _figures(db, rnd.dataset), round_id, None, group, _round_lang(rnd)).items():
            typer.echo(f"{key}\t{text}")


@rounds_app.command("record")
def rounds_record(
    round_id: RoundId,
    group: Annotated[int, typer.Option("--group", help="The session (group number)")],
    theme: Annotated[
        str,
        typer.Option(
            "--theme",
            help="employer_prejudice, self_selection, consultant_assumptions, language, age, gender_care, disability, outflow_pressure, target_group_policy, provisions, registration, organisation_culture, awareness, other",
        ),
    ],
    role: Annotated[str, typer.Option("--role", help="Who raised it: consultant, manager, policy_officer, esf_coordinator, other")],
    kind: Annotated[str, typer.Option("--kind", help="bottleneck, solution, need or experience")],
    text: Annotated[str, typer.Option("--text", help="What was said (no names)")],
    finding: Annotated[str, typer.Option("--finding", help="The finding it explains (a key from rounds findings)")] = "",
    story: Annotated[bool, typer.Option("--story", help="A good example (succesverhaal)")] = False,
    share: Annotated[
        bool, typer.Option("--share", help="May be shown beside its finding on the dashboard (with the facilitator's consent: rounds share)")
    ] = False,
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Record a theme raised in a session (or a good example)."""
    from kansenspiegel.conversations import record

    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        rid = record(
            store,
            _figures(db, rnd.dataset),
            round_id,
            None,
            group=group,
            theme=theme,
            role=role,
            kind=kind,
            text=text,
            finding=finding,
            story=story,
            share=share,
        )
    _say("recorded", id=rid)


@rounds_app.command("share")
def rounds_share(
    round_id: RoundId,
    on: Annotated[bool, typer.Option("--on/--off", help="Show the round's shareable stories beside their findings on the dashboard")] = True,
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """The facilitator's consent to show the round's shareable stories on the dashboard (never with names)."""
    store = _rounds(rounds, db)
    with _round_errors():
        store.set_sharing(round_id, None, on)
    _say("sharing_on" if on else "sharing_off", id=round_id)


@rounds_app.command("overview")
def rounds_overview(
    round_id: RoundId,
    output: Annotated[Path, typer.Option("--output", "-o", help="overview.pdf, .html or .xlsx")],
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """What was said across the sessions, by theme and role, for the feedback session (no names)."""
    from kansenspiegel.conversations import write_overview

    store = _rounds(rounds, db)
    with _round_errors():
        rnd = store.get(round_id, None)
        write_overview(store, _figures(db, rnd.dataset), round_id, None, output, _round_lang(rnd))
    _say("overview_written", path=output)


@rounds_app.command("export-person")
def rounds_export_person(
    round_id: RoundId, person: Annotated[int, typer.Argument(help="The person's number")], db: DbOption = None, rounds: RoundsOption = None
) -> None:
    """Everything the rounds database holds about one person, as JSON (AVG: right of access)."""
    import json

    store = _rounds(rounds, db)
    with _round_errors():
        typer.echo(json.dumps(store.export_person(round_id, None, person), indent=2, ensure_ascii=False))


@rounds_app.command("delete")
def rounds_delete(
    round_id: RoundId,
    person: Annotated[int | None, typer.Option("--person", help="Delete only this person (every trace of them); without it, the whole round")] = None,
    db: DbOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Delete a round with everything in it, or one person from it; nothing of it stays in the file."""
    store = _rounds(rounds, db)
    with _round_errors():
        if person is not None:
            store.delete_person(round_id, None, person)
            _say("person_deleted", id=person)
        else:
            store.delete(round_id, None)
            _say("round_deleted", id=round_id)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    db: DbOption = None,
    dataset: DatasetOption = None,
    internal: Annotated[
        bool, typer.Option("--internal", help="Exact counts on screen (authorised analysts, own data); downloads stay public unless ?export=internal")
    ] = False,
    own_db: Annotated[
        Path | None, typer.Option(help="Database file for own client files loaded on the upload page [default: <db>-own.duckdb beside --db]", metavar="<path>")
    ] = None,
    no_own: Annotated[bool, typer.Option("--no-own", help="No own-data database: the upload page only checks files (for a public server)")] = False,
    users: UsersOption = None,
    rounds: RoundsOption = None,
) -> None:
    """Start the dashboard (builds the demo database first if there is none).

    With users in the users file (`kansenspiegel users add`) own data needs a login; without
    them the server is for one person and listens on this computer only."""
    import uvicorn

    from kansenspiegel.access import Users
    from kansenspiegel.store import default_db_path
    from kansenspiegel.web import create_app

    path = db if db is not None else default_db_path()
    local = host in ("127.0.0.1", "localhost", "::1")
    users_path = _users_file(users, db)
    with _user_errors():
        accounts = Users(users_path) if len(Users(users_path)) else None
    if not local and (not no_own or internal) and accounts is None:
        # own data and exact counts without accounts are for one person on this computer
        _fail(t("cli.not_local", _lang(), host=host, users=users_path))
    if not path.exists():
        _say("building_demo", path=path)
        demo_data(db=path, years="2015-2021", seed=2018, output=None, ingest=True)
    try:
        own = None if no_own else (own_db if own_db is not None else path.with_name(path.stem + "-own.duckdb"))
        # the conversation kit holds staff personal data: not on a public server (--no-own)
        rounds_db = None if no_own else _rounds_file(rounds, db)
        application = create_app(path, dataset=dataset, internal=internal, own_db=own, users=accounts, rounds_db=rounds_db)
    except UserError as exc:
        _fail(exc.text(_lang()))
        raise
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        raise
    if internal:
        err.print(f"[bold red]{escape(t('cli.internal_mode', _lang()))}[/bold red]", highlight=False)
    own_line = t("cli.own_off", _lang()) if no_own else t("cli.own_on", _lang(), path=own)
    if accounts is not None:
        _say("mode_accounts", n=len(accounts), path=users_path, own=own_line)
        if not local:
            _say("https_advice")
    else:
        _say("mode_local" if local else "mode_public", own=own_line)
    _say("serving", url=f"http://{host}:{port}/")
    uvicorn.run(application, host=host, port=port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    app()
