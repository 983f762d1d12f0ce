"""Validate rows against the data contract and normalise them to canonical codes and types, as
engine expressions (Ibis): on DuckDB by default, on Spark where the data lives.

The rows arrive as a `Rows` table: the file's columns by position (``c0``, ``c1`` …, as the file
wrote them) beside their header, and ``ROW``, each row's number as in a spreadsheet. Every rule
of the contract is a boolean expression over the rows. One pass computes the canonical rows and,
beside them, whether each row breaks each rule, into a table of the engine (`Table.cache`: a
temporary table on DuckDB, a persisted frame on Spark); the breaches are then counted from those
flags, and the clean rows are read from that table, so the file's texts are parsed once. Only a
broken rule has its first rows fetched (up to `SHOWN_PER_CHECK`, the count stays exact), with
row, column, value and what was expected. Nothing of the file is held in Python. Rules over a
whole column are a count of distinct values (one row per person and year; only when that count
finds a repeat are the repeated rows looked up, with a window) or a query of its distinct values
(an own characteristic's groups), which are few.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from kansenspiegel.codes import (
    CHARACTERISTIC_NAMES,
    CHARACTERISTICS,
    COUNT_COLUMNS,
    COVARIATE_CHARACTERISTICS,
    MAX_OWN_CHARACTERISTICS,
    MAX_OWN_GROUPS,
    NATIONAL_CODE,
    OWN_NAME,
    OWN_PREFIXES,
    OWN_SLOTS,
    PROVISION_TYPES,
    UNKNOWN,
    Characteristic,
    Filled,
    own_characteristic,
)
from kansenspiegel.geography import geography_names, municipalities
from kansenspiegel.ingest._contract import (
    AGGREGATED_COLUMNS,
    COUNTS_SCHEMA,
    MAX_AGE,
    MAX_YEAR,
    MICRODATA_COLUMNS,
    MIN_AGE,
    MIN_YEAR,
    PERSONS_SCHEMA,
    ColumnSpec,
)
from kansenspiegel.ingest._errors import IngestError, Problem, problem
from kansenspiegel.stats import METRIC_COLUMNS

_TRUE = ("true", "1", "ja", "j", "yes", "y", "waar", "t")
_FALSE = ("false", "0", "nee", "n", "no", "onwaar", "f")
#: Rows listed per check; the rest is one "n more rows like these" line (the total stays exact).
SHOWN_PER_CHECK = 200
_TOTAL = ("", "totaal", "total", "*", "alle", "all")
#: The column with each row's number (header = row 1), beside the file's columns ``c0`` …
ROW = "_ks_row"


@dataclass(frozen=True)
class Rows:
    """A file's rows as a table: ``header`` names its columns ``c0``, ``c1`` … by position."""

    header: tuple[str, ...]
    table: ir.Table
    #: the engine the rows are in (None: a table in memory, staged on Ibis' default backend)
    con: BaseBackend | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, first_row: int = 1, con: BaseBackend | None = None) -> Rows:
        """The rows of a DataFrame (in memory; numbered from ``first_row``), to validate on ``con``."""
        data = pd.DataFrame({f"c{i}": frame.iloc[:, i].to_numpy() for i in range(frame.shape[1])})
        data[ROW] = range(first_row, first_row + len(frame))
        return cls(tuple(str(c) for c in frame.columns), ibis.memtable(data), con)

    def column(self, i: int) -> ir.Column:
        return self.table[f"c{i}"]


@dataclass
class Validated:
    """Valid rows in canonical form (a table of the engine), with what was learnt. `release`
    drops the table when the rows are where they belong."""

    table: ir.Table
    rows: int
    own: list[Characteristic]
    staged: ir.Table | None = None

    def release(self) -> None:
        if not isinstance(self.staged, ir.CachedTable):
            return
        backend = self.staged._find_backend()
        name = self.staged.op().name
        self.staged.release()
        if backend.name == "duckdb":  # dropped inside a transaction that was rolled back: back again
            backend.drop_table(name, force=True)


@dataclass
class _Rule:
    bad: ir.BooleanValue
    column: str
    value: ir.Value | None
    expected: str
    message: str | None
    terms: tuple[str, ...]
    params: dict[str, str]
    #: the rows the rule is over, when not the file's (a window over them)
    table: ir.Table | None = None


@dataclass(frozen=True)
class Repeats:
    """One row per key: every row after the first of its key (``keys``: canonical columns) is a
    problem, among the rows where ``keyed`` holds. Counted on the staged rows as rows minus
    distinct keys; only when there are repeats are they listed, by ``rule`` (a window)."""

    keys: tuple[str, ...]
    keyed: ir.BooleanValue
    rule: _Rule


@dataclass
class _Rules:
    """The rules of one file, and the problems already found outside its rows."""

    found: list[Problem] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)

    def add(
        self,
        bad: ir.BooleanValue,
        column: str,
        value: ir.Value | None,
        expected: str,
        message: str | None = None,
        terms: tuple[str, ...] = (),
        **params: object,
    ) -> None:
        """Every row where ``bad`` holds is a problem: ``expected``/``message`` are catalogue ids."""
        self.rules.append(_Rule(bad.fill_null(False), column, value, expected, message, terms, {k: str(v) for k, v in params.items()}))

    def stage(self, con: BaseBackend | None, table: ir.Table, columns: dict[str, ir.Value], file: str, repeats: Repeats | None = None) -> tuple[ir.Table, int]:
        """Compute ``columns`` (the canonical rows) and every rule's flag in one pass, count each
        rule's breaches from the flags, and raise `IngestError` with the first rows of each broken
        rule. ``repeats``: a rule over the whole column, checked on the staged rows. Returns the
        staged rows (``columns`` and the flags) and their number."""
        flags = {f"_ks_bad{i}": rule.bad for i, rule in enumerate(self.rules)}
        if repeats is not None:
            flags["_ks_keyed"] = repeats.keyed
        backend = con or ibis.get_backend()
        rows = table.select(**columns, **flags)
        # DuckDB keeps the staged rows (parsed once, read by the check and by the load); Spark
        # reads its files again faster than it caches them (7 years on local[2]: 205 s cached,
        # 75 s not), so there the rows stay an expression
        staged = backend._cached_table(rows) if backend.name == "duckdb" else rows
        try:
            sums = {f"r{i}": staged[f"_ks_bad{i}"].cast("int64").sum() for i in range(len(self.rules))}
            totals = staged.aggregate(rows=staged.count(), **sums).to_pyarrow().to_pylist()[0]
            if repeats is not None:  # rows after the first of their key, in one grouped count
                keyed = staged.filter(staged._ks_keyed)
                per_key = keyed.group_by(list(repeats.keys)).aggregate(n=keyed.count())
                value = per_key.aggregate(later=(per_key.n - 1).sum()).execute()["later"].iloc[0]
                later = 0 if pd.isna(value) else int(value)
                if later:
                    self.rules.append(repeats.rule)
                    totals[f"r{len(self.rules) - 1}"] = later
            self._raise(table, totals, file)
        except BaseException:
            if isinstance(staged, ir.CachedTable):
                staged.release()
            raise
        return staged, int(totals["rows"])

    def _raise(self, table: ir.Table, totals: dict[str, object], file: str) -> None:
        rows = int(str(totals["rows"]))
        if rows == 0:
            raise IngestError(file, [problem("data_row", "no_data_rows")])
        problems = list(self.found)
        hidden = 0
        for i, rule in enumerate(self.rules):
            n = int(str(totals.get(f"r{i}") or 0))
            if n == 0:
                continue
            value = ibis.literal(None, type="string") if rule.value is None else rule.value.cast("string")
            source = rule.table if rule.table is not None else table
            first = source.filter(rule.bad).order_by(source[ROW]).limit(SHOWN_PER_CHECK).select(row=source[ROW], value=value)
            for hit in first.to_pyarrow().to_pylist():
                shown = None if rule.value is None else _shown("" if hit["value"] is None else hit["value"])
                problems.append(
                    Problem(
                        row=int(hit["row"]),
                        column=rule.column,
                        value=shown,
                        expected_id=rule.expected,
                        message_id=rule.message,
                        params=rule.params,
                        terms=rule.terms,
                    )
                )
            if n > SHOWN_PER_CHECK:
                more = n - SHOWN_PER_CHECK
                problems.append(
                    Problem(
                        row=None,
                        column=rule.column,
                        value=None,
                        expected_id=rule.expected,
                        message_id="more_rows",
                        params={**rule.params, "n": str(more)},
                        terms=rule.terms,
                    )
                )
                hidden += more
        if problems:
            listed = sum(1 for p in problems if p.message_id != "more_rows")
            raise IngestError(file, problems, total=listed + hidden)


#: A value is echoed in a problem report up to this many characters (then "…").
MAX_VALUE_CHARS = 100


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


_UNKNOWN_WORDS = {"", "unknown", "onbekend", "?", "na", "n/a"}
#: The longest name or value of an own characteristic (it is a label, not a text).
MAX_OWN_TEXT = 60
#: Names an own characteristic may not have: the columns of every stage's tables (the rollup
#: puts own characteristics beside them under their names) and the words of the group keys.
RESERVED_NAMES = frozenset(
    {
        "all",
        "unknown",
        "grouping",
        "group",
        "dataset",
        "moment",
        "year",
        "geo_level",
        "geography",
        "municipality",
        "person_key",
        "gm_code",
        "amr_code",
        "sig",
        "sig_size",
        "distance",
        "rank",
        "best",
        "best_sig",
        "months_band",
        "suppressed",
        "significant",
        "significant_vs_national",
        "label",
        *OWN_SLOTS,
        *COUNT_COLUMNS,
        *METRIC_COLUMNS,
    }
)


def _plain(text: str) -> str:
    """Lower case without accents (``É`` → ``e``)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str) -> str:
    """``Statushouder (VVV)`` → ``statushouder_vvv``; accents dropped (``é`` → ``e``)."""
    return re.sub(r"[^a-z0-9]+", "_", _plain(text)).strip("_")


def _own_columns(header: tuple[str, ...], declared: tuple[str, ...], specs: tuple[ColumnSpec, ...], file: str) -> list[tuple[int, str, str]]:
    """The own characteristics a file declares: (position, name, label) per column headed
    ``kenmerk:<name>`` (or ``characteristic:``), or named in ``declared``."""
    taken = set(RESERVED_NAMES)
    for s in specs:
        taken |= {s.name, *s.aliases}
    covariate_alias = {a: s.name for s in specs if s.name in COVARIATE_CHARACTERISTICS for a in (s.name, *s.aliases)}
    wanted = {_slug(d): d for d in declared}
    found: list[tuple[int, str, str]] = []
    problems = []
    for pos, col in enumerate(header):
        text = str(col).strip()
        prefix = next((p for p in OWN_PREFIXES if text.lower().startswith(p)), None)
        if prefix is not None:
            label = text[len(prefix) :].strip()
            wanted.pop(_slug(label), None)  # declared both ways: one characteristic
        elif _slug(text) in wanted:
            label = text
            wanted.pop(_slug(text))
        else:
            continue
        name = covariate_alias.get(_slug(label), _slug(label))
        # shown as it is written, also at the start of a cell in CSV and Excel downloads: it
        # starts with a letter or digit (never '=', '+', '-' or '@', which Excel would run)
        if not re.fullmatch(OWN_NAME, name) or not re.match(r"[^\W_]", label) or len(label) > MAX_OWN_TEXT:
            problems.append(problem("own_characteristic_name", "bad_own_name", row=1, column=text))
        elif name in taken and name not in covariate_alias.values():
            problems.append(problem("own_characteristic_name", "own_name_taken", row=1, column=text, name=name))
        elif name in {n for _, n, _ in found}:
            problems.append(problem("each_column_once", "duplicate_column", row=1, column=text, target=name))
        else:
            found.append((pos, name, label[:1].upper() + label[1:]))
    problems += [problem("column_in_header", "missing_column", row=1, column=d) for d in wanted.values()]
    if len(found) > MAX_OWN_CHARACTERISTICS:
        problems.append(
            problem(
                "own_characteristic_count",
                "too_many_own",
                row=1,
                column=str(header[found[MAX_OWN_CHARACTERISTICS][0]]),
                n=len(found),
                limit=MAX_OWN_CHARACTERISTICS,
            )
        )
    if problems:
        raise IngestError(file, problems)
    return found


def _text(value: ir.Value) -> ir.StringValue:
    """A column as stripped text; missing values become ''. Only text can hold white space (a
    number or true/false from Parquet cannot), and stripping is costly where nothing is to strip:
    a value that starts and ends with a visible character is taken as it is."""
    text = value.cast("string").fill_null("")
    if not value.type().is_string():
        return text
    clean = (text == "") | ((text.ascii_str() > 32) & (text.right(1).ascii_str() > 32))
    return clean.ifelse(text, text.strip())


_NULL_TEXT = ibis.null("string")


def _columns(rows: Rows, specs: tuple[ColumnSpec, ...], file: str, declared: tuple[str, ...]) -> _Columns:
    """The file's columns; a file without a single row says so first (whatever its header)."""
    try:
        return _Columns(rows, specs, file, declared)
    except IngestError:
        if int(rows.table.limit(1).count().execute()) == 0:
            raise IngestError(file, [problem("data_row", "no_data_rows")]) from None
        raise


class _Columns:
    """The contract's columns of one file, by name: its own characteristics apart, the rest
    under their contract names (``jaar`` → ``year``)."""

    def __init__(self, rows: Rows, specs: tuple[ColumnSpec, ...], file: str, declared: tuple[str, ...]) -> None:
        self.rows = rows
        self.own = _own_columns(rows.header, declared, specs, file)
        taken = {p for p, _, _ in self.own}
        lookup: dict[str, str] = {}
        for s in specs:
            lookup[s.name] = s.name
            for alias in s.aliases:
                lookup.setdefault(alias, s.name)
        self.at: dict[str, int] = {}
        problems = []
        for pos, col in enumerate(rows.header):
            if pos in taken:
                continue
            key = str(col).strip().lower().replace(" ", "_")
            target = lookup.get(key, key)
            if target in self.at:
                problems.append(problem("each_column_once", "duplicate_column", row=1, column=str(col), target=target))
            self.at[target] = pos
        if problems:
            raise IngestError(file, problems)
        missing = [s.name for s in specs if s.required and s.name not in self.at]
        if missing:
            raise IngestError(file, [problem("column_in_header", "missing_column", row=1, column=m) for m in missing])
        # each column the contract knows, as stripped text, computed once in a projection that
        # every rule and the clean rows read (the engine does not share common subexpressions);
        # a column the file typed as true/false or whole numbers (Parquet) is taken as it is:
        # its text is only made for a problem to show
        used = sorted({*self.at.values(), *taken})
        typed = {pos for pos in used if pos not in taken and (rows.column(pos).type().is_boolean() or rows.column(pos).type().is_integer())}
        self.table = rows.table.select(
            rows.table[ROW], **{(f"v{pos}" if pos in typed else f"t{pos}"): (rows.column(pos) if pos in typed else _text(rows.column(pos))) for pos in used}
        )

    def __contains__(self, name: str) -> bool:
        return name in self.at

    def text(self, name: str) -> ir.StringValue:
        pos = self.at[name]
        return self.table[f"t{pos}"] if f"t{pos}" in self.table.columns else _text(self.table[f"v{pos}"])

    def typed(self, name: str) -> ir.Value | None:
        """The column as the file typed it (true/false, a whole number), or None for text."""
        column = f"v{self.at[name]}"
        return self.table[column] if column in self.table.columns else None


def _category(
    rules: _Rules, text: ir.StringValue, name: str, allow_total: bool, spec: Characteristic | None = None, column: str | None = None
) -> ir.StringValue:
    c = CHARACTERISTICS[name] if spec is None else spec
    mapping: dict[str, str] = {}
    for code in c.known_codes:
        mapping[code] = code
        mapping[c.groups[code].nl.lower()] = code
        mapping[c.groups[code].en.lower()] = code
        for alias in c.aliases.get(code, ()):
            mapping[alias.lower()] = code
    unknown_target = UNKNOWN if c.has_unknown else "other"
    for word in ("unknown", "onbekend", "?", "na", "n/a"):
        mapping.setdefault(word, unknown_target)
    low = text.lower()
    mapped = low.cases(*mapping.items(), else_=_NULL_TEXT)
    if allow_total:
        is_total = low.isin(_TOTAL)
        bad = ~is_total & mapped.isnull()
        out = is_total.ifelse(_NULL_TEXT, mapped)
    else:
        out = (low == "").ifelse(ibis.literal(unknown_target), mapped)
        bad = out.isnull()
    rules.add(bad, column or name, text, "one_of_labels", codes=", ".join(c.codes))
    return out


def _bool(rules: _Rules, text: ir.StringValue, name: str, required: bool, typed: ir.Value | None = None) -> ir.BooleanValue:
    if typed is not None and typed.type().is_boolean():  # true/false already: only a missing value can be wrong
        if required:
            rules.add(typed.isnull(), name, text, "true_false_required")
            return typed.fill_null(False)  # as the text '' would be: not true
        return typed
    low = text.lower()
    is_true = low.isin(_TRUE)
    ok = is_true | low.isin(_FALSE)
    empty = low == ""
    rules.add(~ok if required else ~(ok | empty), name, text, "true_false_required" if required else "true_false")
    return is_true if required else empty.ifelse(ibis.null("boolean"), is_true)


def _integer(rules: _Rules, text: ir.StringValue, name: str, low: int, high: int, required: bool, what: str, typed: ir.Value | None = None) -> ir.FloatingValue:
    """A whole number (``2018`` and ``2018.0`` alike) as float64 (an impossible value stays itself,
    so the rules can say so); NULL where it is not a number. ``typed``: the column, when the file
    typed it as whole numbers."""
    if typed is not None and typed.type().is_integer():
        num = typed.cast("float64")
        not_int = typed.isnull()
        if required:
            rules.add(not_int, name, text, "whole_number", terms=("what",), what=what)
    else:
        num = text.try_cast("float64")  # "2018.0" too
        not_int = num.isnull() | num.isnan() | (~num.isinf() & ((num % 1) != 0))  # Ibis' floor() would be an integer
        rules.add(not_int if required else not_int & (text != ""), name, text, "whole_number", terms=("what",), what=what)
    rules.add(~not_int & ((num < low) | (num > high)), name, text, "between", "impossible_value", terms=("what",), what=what, low=low, high=high)
    return not_int.ifelse(ibis.null("float64"), num)


def _birth_year(rules: _Rules, text: ir.StringValue) -> ir.IntegerValue:
    """The year of a birth date written ``JJJJ-MM-DD`` or ``DD-MM-JJJJ``; a date that does not
    exist (30 February) is a problem."""
    iso = text.re_search(r"^\d{4}-\d{1,2}-\d{1,2}$")
    dutch = text.re_search(r"^\d{1,2}-\d{1,2}-\d{4}$")
    part = lambda a, b: iso.ifelse(text.re_extract(a, 1), text.re_extract(b, 1)).try_cast("int64")  # noqa: E731
    year = part(r"^(\d{4})-", r"-(\d{4})$")
    month = part(r"^\d{4}-(\d{1,2})-", r"^\d{1,2}-(\d{1,2})-")
    day = part(r"-(\d{1,2})$", r"^(\d{1,2})-")
    leap = ((year % 4) == 0) & (((year % 100) != 0) | ((year % 400) == 0))
    days = month.isin([4, 6, 9, 11]).ifelse(30, (month == 2).ifelse(leap.ifelse(29, 28), 31))
    valid = (iso | dutch) & month.between(1, 12) & day.between(1, days)
    rules.add(~valid, "birth_date", text, "date")
    return valid.ifelse(year, ibis.null("int64"))


def _age_band(age: ir.NumericValue) -> ir.StringValue:
    """`codes.age_bands` as an expression."""
    return age.isnull().ifelse(
        ibis.literal(UNKNOWN), (age <= 26).ifelse(ibis.literal("up_to_26"), (age < 45).ifelse(ibis.literal("27_to_44"), ibis.literal("45_to_aow")))
    )


def _own_values(
    rules: _Rules, table: ir.Table, text: ir.StringValue, column: str, name: str, label: str, allow_total: bool
) -> tuple[ir.StringValue, Characteristic]:
    """An own characteristic's codes (``unknown`` for an empty value; in a table of counts an
    empty value or ``Totaal`` is a total) and its groups, named as the file most often writes
    them. Its distinct values (few, or the file is refused) are read once and named here."""
    if name in COVARIATE_CHARACTERISTICS:
        spec = COVARIATE_CHARACTERISTICS[name]
        return _category(rules, text, name, allow_total, spec=spec, column=column), spec
    low = text.lower()
    total = low.isin(_TOTAL) if allow_total else ibis.literal(False)
    unknown = low.isin(tuple(_UNKNOWN_WORDS)) & ~total
    valued = table.filter(~(total | unknown))
    limit = 100 * MAX_OWN_GROUPS
    spellings = valued.group_by(value=text).aggregate(n=valued.count(), first=valued[ROW].min()).order_by("first").limit(limit + 1).to_pyarrow().to_pylist()
    if len(spellings) > limit:  # free text (a name, an address): not worth naming each value
        first = spellings[0]
        n = int(valued.select(v=low).distinct().count().execute())
        rules.found.append(_at(first, column, "own_groups", "too_many_own_groups", n=n, limit=MAX_OWN_GROUPS))
        return _NULL_TEXT, own_characteristic(name, label, {})
    code_of = {s["value"]: _slug(s["value"]) for s in spellings}
    unusable = tuple(v for v, c in code_of.items() if c == "" or len(v) > MAX_OWN_TEXT)
    if unusable:
        rules.add(text.isin(unusable) & ~(total | unknown), column, text, "own_value", limit=MAX_OWN_TEXT)
    codes = unknown.ifelse(ibis.literal(UNKNOWN), text.cases(*code_of.items(), else_=_NULL_TEXT))
    codes = total.ifelse(_NULL_TEXT, codes)
    # values that differ in more than case, spaces and accents must not become one group
    # ('<25' and '>25' would both be '25'), nor the unknown group ('Unknown!')
    plain: dict[str, set[str]] = {}
    for value, code in code_of.items():
        plain.setdefault(code, set()).add(" ".join(_plain(value).split()))
    clash = {c for c, p in plain.items() if len(p) > 1 or c == UNKNOWN} - {""}
    if clash:
        first = min((s for s in spellings if code_of[s["value"]] in clash), key=lambda s: s["first"])
        same = sorted(v for v, c in code_of.items() if c == code_of[first["value"]])
        rules.found.append(_at(first, column, "own_distinct", "own_values_merge", spellings=" / ".join(same)[:200]))
    # each group is named the way the file writes it most often (the first of equals)
    known: dict[str, str] = {}
    for s in sorted(spellings, key=lambda s: (-s["n"], s["first"])):
        code = code_of[s["value"]]
        if code not in ("", UNKNOWN):
            known.setdefault(code, s["value"])
    if len(known) > MAX_OWN_GROUPS:
        rules.found.append(_at(spellings[0], column, "own_groups", "too_many_own_groups", n=len(known), limit=MAX_OWN_GROUPS))
    groups = {c: known[c] for c in sorted(known, key=lambda c: (known[c].casefold(), c))}
    return codes, own_characteristic(name, label, groups)


def _at(spelling: dict[str, object], column: str, expected: str, message: str, **params: object) -> Problem:
    """A problem at the first row of one of a column's distinct values."""
    return Problem(
        row=int(str(spelling["first"])),
        column=column,
        value=_shown(spelling["value"]),
        expected_id=expected,
        message_id=message,
        params={k: str(v) for k, v in params.items()},
    )


def _with_own(rules: _Rules, cols: _Columns, out: dict[str, ir.Value], allow_total: bool) -> list[Characteristic]:
    specs = []
    for slot, (pos, name, label) in zip(OWN_SLOTS, cols.own):
        out[slot], spec = _own_values(rules, cols.table, cols.table[f"t{pos}"], str(cols.rows.header[pos]), name, label, allow_total)
        specs.append(spec)
    return specs


def group_word(spec: Characteristic, code: str) -> str:
    """The word a file used for one group of an own characteristic (``Ja``)."""
    label = spec.groups[code]
    return str(dict(label.params)["value"]) if isinstance(label, Filled) else label("nl")


def own_characteristics(clean: Validated) -> list[Characteristic]:
    """The own characteristics of validated rows, in the order of their ``own_1``, ``own_2`` … columns."""
    return list(clean.own)


def _canonical(out: dict[str, ir.Value], schema: ibis.Schema) -> dict[str, ir.Value]:
    """The clean rows' columns: exactly the schema's (absent optional ones as NULL). They are
    computed for every row, also the ones a rule refuses (a year of 99999999999, a count of
    1e30): a value that does not fit its type becomes NULL there instead of an engine error."""
    return {name: (out[name] if name in out else ibis.null(dtype)).try_cast(dtype) for name, dtype in schema.items() if name != "dataset"}


def validate_microdata(
    rows: Rows, file: str, characteristics: tuple[str, ...] = (), *, pseudonym: Callable[[ir.StringValue], ir.StringValue] | None = None
) -> Validated:
    """The rows in canonical form (``schema``'s columns), or `IngestError` listing every problem;
    ``pseudonym`` (`Store.pseudonym`) replaces each person key in them.

    Own characteristics (columns headed ``kenmerk:<name>``, or named in ``characteristics``)
    come out as ``own_1`` … with their specs in ``Validated.own``."""
    cols = _columns(rows, MICRODATA_COLUMNS, file, characteristics)
    if not {"age_band", "age", "birth_date"} & set(cols.at):
        raise IngestError(file, [problem("age_columns", "missing_column", row=1, column="age_band")])
    table = cols.table
    rules = _Rules()
    out: dict[str, ir.Value] = {}
    key = cols.text("person_key")
    rules.add(key == "", "person_key", key, "person_key")
    out["person_key"] = key
    year = _integer(rules, cols.text("year"), "year", MIN_YEAR, MAX_YEAR, True, "year", cols.typed("year"))
    out["year"] = year
    gm = cols.text("municipality").upper()
    # a list's contains, not IN (…): the engines test a long IN list item by item (3× slower)
    known = ibis.literal(sorted(municipalities().gm_code), type="array<string>")
    rules.add(~known.contains(gm), "municipality", gm, "municipality_code")
    out["municipality"] = gm

    for name in CHARACTERISTIC_NAMES:
        if name == "age_band" and name not in cols:
            continue
        out[name] = _category(rules, cols.text(name), name, allow_total=False)

    age: ir.NumericValue | None = None
    if "age" in cols:
        age = _integer(rules, cols.text("age"), "age", MIN_AGE, MAX_AGE, False, "age", cols.typed("age"))
    elif "birth_date" in cols:
        # age on 31 December of the reference year = year - birth year
        age = year.fill_null(0) - _birth_year(rules, cols.text("birth_date"))
        impossible = age.notnull() & ((age < MIN_AGE) | (age > MAX_AGE))
        rules.add(impossible, "birth_date", cols.text("birth_date"), "age_in_year", "impossible_age", low=MIN_AGE, high=MAX_AGE)
    if age is not None:
        derived = _age_band(age)
        if "age_band" in out:
            given = out["age_band"]
            clash = (given != UNKNOWN) & (derived != UNKNOWN) & (given != derived)
            rules.add(clash, "age_band", cols.text("age_band"), "band_of_age", "age_band_mismatch")
            out["age_band"] = (given != UNKNOWN).ifelse(given, derived)
        else:
            out["age_band"] = derived
        out["age"] = age

    for s in MICRODATA_COLUMNS:
        if s.kind == "bool" and s.name in cols:
            out[s.name] = _bool(rules, cols.text(s.name), s.name, s.required, cols.typed(s.name))
    for s in MICRODATA_COLUMNS:
        if s.kind == "category" and s.name not in CHARACTERISTIC_NAMES and s.name in cols:
            low = cols.text(s.name).lower()
            low = (low == "").ifelse(ibis.literal(UNKNOWN), low)
            rules.add(low.notin(s.codes), s.name, cols.text(s.name), "one_of", codes=", ".join(s.codes))
            out[s.name] = low
    if "months_on_benefit" in cols:
        out["months_on_benefit"] = _integer(
            rules, cols.text("months_on_benefit"), "months_on_benefit", 0, 600, False, "months", cols.typed("months_on_benefit")
        )
    for name in ("ladder_start", "ladder_end"):
        if name in cols:
            out[name] = _integer(rules, cols.text(name), name, 1, 6, False, "ladder_step", cols.typed(name))

    rules.add(out["employed_6m"] & ~out["employed_1m"], "employed_6m", cols.text("employed_6m"), "employed_6m_needs_1m", "employed_6m_without_1m")
    for s in MICRODATA_COLUMNS:
        if s.name.startswith("provision_") and s.name in out:
            provided = out[s.name].fill_null(False) & ~out["provision"]
            rules.add(provided, s.name, cols.text(s.name), "provision_type_needs_provision", "provision_type_without_provision")
    own = _with_own(rules, cols, out, allow_total=False)
    for slot, spec in zip(OWN_SLOTS, own):
        if spec.name in COVARIATE_CHARACTERISTICS and spec.name not in out:  # also the covariate of the adjusted gaps
            out[spec.name] = out[slot]
    # one row per person and year: every later row of the same key and year is a problem
    numbered = table.mutate(_ks_later=ibis.row_number().over(group_by=[year, key], order_by=table[ROW]) > 0)
    repeats = Repeats(
        ("year", "person_key"),
        key != "",
        _Rule(numbered._ks_later & (key != ""), "person_key", key, "one_row_per_person", "duplicate_person_year", (), {}, numbered),
    )
    columns = _canonical(out, PERSONS_SCHEMA)
    if pseudonym is not None:  # the key goes into the engine's table only as its pseudonym
        columns["person_key"] = pseudonym(columns["person_key"])
    staged, n = rules.stage(rows.con, table, columns, file, repeats)
    return Validated(staged.select(*columns), n, own, staged)


def validate_aggregated(rows: Rows, file: str, characteristics: tuple[str, ...] = ()) -> Validated:
    """Canonical counts: ``year, geo_level, geography, <characteristics or NULL = total>, counts``
    (own characteristics as in `validate_microdata`)."""
    cols = _columns(rows, AGGREGATED_COLUMNS, file, characteristics)
    table = cols.table
    rules = _Rules()
    out: dict[str, ir.Value] = {}
    out["year"] = _integer(rules, cols.text("year"), "year", MIN_YEAR, MAX_YEAR, True, "year", cols.typed("year"))
    geo = cols.text("geography").upper()
    known_geo = geo.isin(tuple(geography_names()))
    rules.add(~known_geo, "geography", geo, "geography_code")
    level = (geo == NATIONAL_CODE).ifelse(ibis.literal("national"), geo.startswith("AM").ifelse(ibis.literal("amr"), ibis.literal("municipality")))
    levels = table.filter(known_geo).select(level=level).distinct().limit(2).to_pyarrow().column("level").to_pylist()
    if len(levels) > 1:
        first = str(table.order_by(ROW).select(level=level).limit(1).to_pyarrow().column("level")[0])
        rules.add((level != first) & known_geo, "geography", geo, "same_level", "mixed_levels", terms=("level",), level=first)
    out["geo_level"] = level
    out["geography"] = geo
    for name in CHARACTERISTIC_NAMES:
        out[name] = _category(rules, cols.text(name), name, allow_total=True) if name in cols else _NULL_TEXT
    for s in AGGREGATED_COLUMNS:
        if s.kind == "count" and s.name in cols:
            out[s.name] = _integer(rules, cols.text(s.name), s.name, 0, 10**9, s.required, "count", cols.typed(s.name))
    for part, whole in (
        ("provision", "population"),
        ("employed", "population"),
        ("sustained", "employed"),
        ("provision_employed", "provision"),
        ("provision_employed", "employed"),
        ("ladder_known", "population"),
        ("ladder_up", "ladder_known"),
        ("ladder_4plus", "ladder_known"),
        *((f"provision_{c}", "provision") for c in PROVISION_TYPES),
        ("provision_typed", "provision"),
    ):
        if part in out and whole in out:  # an optional count the table lacks is missing, never 0
            rules.add(out[part] > out[whole], part, out[part].try_cast("int64"), "at_most", "larger_than", part=part, whole=whole)
    own = _with_own(rules, cols, out, allow_total=True)
    keys = [out["year"], geo, *(out[c] for c in CHARACTERISTIC_NAMES), *(out[s] for s in OWN_SLOTS[: len(own)])]
    numbered = table.mutate(_ks_later=ibis.row_number().over(group_by=keys, order_by=table[ROW]) > 0)
    names = ("year", "geography", *CHARACTERISTIC_NAMES, *OWN_SLOTS[: len(own)])
    repeats = Repeats(names, ibis.literal(True), _Rule(numbered._ks_later, "geography", geo, "one_row_per_group", "duplicate_row", (), {}, numbered))
    columns = _canonical(out, COUNTS_SCHEMA)
    staged, n = rules.stage(rows.con, table, columns, file, repeats)
    return Validated(staged.select(*columns), n, own, staged)
