"""Validate a frame against the data contract and normalise it to canonical codes and types.

All checks are vectorised over the whole column; every problem found is reported with its row,
column, value and what was expected. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
    age_bands,
    own_characteristic,
)
from kansenspiegel.geography import geography_names, municipalities
from kansenspiegel.ingest._contract import (
    AGGREGATED_COLUMNS,
    MAX_AGE,
    MAX_YEAR,
    MICRODATA_COLUMNS,
    MIN_AGE,
    MIN_YEAR,
    ColumnSpec,
)
from kansenspiegel.ingest._errors import IngestError, Problem, problem
from kansenspiegel.stats import METRIC_COLUMNS

_TRUE = {"true", "1", "ja", "j", "yes", "y", "waar", "t"}
_FALSE = {"false", "0", "nee", "n", "no", "onwaar", "f"}
#: Rows listed per check; the rest is one "n more rows like these" line (the total stays exact).
SHOWN_PER_CHECK = 200
_TOTAL = {"", "totaal", "total", "*", "alle", "all"}


@dataclass
class _Collector:
    row_offset: int
    problems: list[Problem] = field(default_factory=list)
    hidden: int = 0  # problems counted but not listed

    @property
    def total(self) -> int:
        return len(self.problems) - sum(1 for p in self.problems if p.message_id == "more_rows") + self.hidden

    def add(
        self,
        mask: np.ndarray | pd.Series,
        column: str,
        values: pd.Series | None,
        expected: str,
        message: str | None = None,
        terms: tuple[str, ...] = (),
        **params: object,
    ) -> None:
        """Every row where ``mask`` holds is a problem: ``expected``/``message`` are catalogue ids."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        text = {k: str(v) for k, v in params.items()}
        for pos in positions[:SHOWN_PER_CHECK]:  # enough to show; the count stays exact
            value = None if values is None else _shown(values.iloc[pos])
            row = int(pos) + self.row_offset
            self.problems.append(Problem(row=row, column=column, value=value, expected_id=expected, message_id=message, params=text, terms=terms))
        if len(positions) > SHOWN_PER_CHECK:
            more = len(positions) - SHOWN_PER_CHECK
            rest = {**text, "n": str(more)}
            self.problems.append(Problem(row=None, column=column, value=None, expected_id=expected, message_id="more_rows", params=rest, terms=terms))
            self.hidden += more


#: A value is echoed in a problem report up to this many characters (then "…").
MAX_VALUE_CHARS = 100


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _text(series: pd.Series) -> pd.Series:
    """Column as stripped text; missing values become ''."""
    return series.astype("string").fillna("").str.strip()


def _rename(frame: pd.DataFrame, specs: tuple[ColumnSpec, ...], file: str) -> pd.DataFrame:
    lookup: dict[str, str] = {}
    for s in specs:
        lookup[s.name] = s.name
        for alias in s.aliases:
            lookup.setdefault(alias, s.name)
    renamed: dict[str, str] = {}
    problems = []
    for col in frame.columns:
        key = str(col).strip().lower().replace(" ", "_")
        target = lookup.get(key, key)
        if target in renamed.values():
            problems.append(problem("each_column_once", "duplicate_column", row=1, column=str(col), target=target))
        renamed[col] = target
    if problems:
        raise IngestError(file, problems)
    return frame.rename(columns=renamed)


def _category(coll: _Collector, raw: pd.Series, name: str, allow_total: bool, spec: Characteristic | None = None, column: str | None = None) -> pd.Series:
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
    text = _text(raw)
    low = text.str.lower()
    if allow_total:
        is_total = low.isin(_TOTAL)
        mapped = low.map(mapping)
        bad = ~is_total & mapped.isna()
        out = mapped.where(~is_total, None)
    else:
        mapped = low.map(mapping)
        mapped = mapped.where(low != "", unknown_target)
        bad = mapped.isna()
        out = mapped
    coll.add(bad, column or name, text, "one_of_labels", codes=", ".join(c.codes))
    return out.astype("string")


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


def _own_columns(frame: pd.DataFrame, declared: tuple[str, ...], specs: tuple[ColumnSpec, ...], file: str) -> list[tuple[str, str, str]]:
    """The own characteristics a file declares: (column, name, label) per column headed
    ``kenmerk:<name>`` (or ``characteristic:``), or named in ``declared``."""
    taken = set(RESERVED_NAMES)
    for s in specs:
        taken |= {s.name, *s.aliases}
    covariate_alias = {a: s.name for s in specs if s.name in COVARIATE_CHARACTERISTICS for a in (s.name, *s.aliases)}
    wanted = {_slug(d): d for d in declared}
    found: list[tuple[str, str, str]] = []
    problems = []
    for col in frame.columns:
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
            found.append((col, name, label[:1].upper() + label[1:]))
    problems += [problem("column_in_header", "missing_column", row=1, column=d) for d in wanted.values()]
    if len(found) > MAX_OWN_CHARACTERISTICS:
        problems.append(
            problem(
                "own_characteristic_count", "too_many_own", row=1, column=str(found[MAX_OWN_CHARACTERISTICS][0]), n=len(found), limit=MAX_OWN_CHARACTERISTICS
            )
        )
    if problems:
        raise IngestError(file, problems)
    return found


def _own_values(coll: _Collector, raw: pd.Series, column: str, name: str, label: str, allow_total: bool) -> tuple[pd.Series, Characteristic]:
    """An own characteristic's codes (``unknown`` for an empty value; in a table of counts an
    empty value or ``Totaal`` is a total) and its groups, named as the file first writes them."""
    if name in COVARIATE_CHARACTERISTICS:
        spec = COVARIATE_CHARACTERISTICS[name]
        return _category(coll, raw, name, allow_total, spec=spec, column=column), spec
    text = _text(raw)
    low = text.str.lower()
    total = low.isin(_TOTAL) if allow_total else pd.Series(False, index=raw.index)
    unknown = low.isin(_UNKNOWN_WORDS) & ~total
    values = text[~(total | unknown)]
    firsts = values.drop_duplicates()
    if len(firsts) > 100 * MAX_OWN_GROUPS:  # free text (a name, an address): not worth naming each value
        first = int(np.flatnonzero(~(total | unknown))[0])
        coll.add(np.arange(len(raw)) == first, column, text, "own_groups", "too_many_own_groups", n=values.str.lower().nunique(), limit=MAX_OWN_GROUPS)
        return pd.Series(pd.NA, index=raw.index, dtype="string"), own_characteristic(name, label, {})
    code_of = {v: _slug(v) for v in firsts}
    codes = text.map(code_of).where(~unknown, UNKNOWN).where(~total, None)
    coll.add((codes.eq("").fillna(False) | (text.str.len() > MAX_OWN_TEXT)) & ~(total | unknown), column, text, "own_value", limit=MAX_OWN_TEXT)
    # values that differ in more than case, spaces and accents must not become one group
    # ('<25' and '>25' would both be '25'), nor the unknown group ('Unknown!')
    spelled = pd.DataFrame({"code": list(code_of.values()), "plain": [" ".join(_plain(v).split()) for v in code_of]}).drop_duplicates()
    clash = set(spelled.code[spelled.code.duplicated(keep=False) | (spelled.code == UNKNOWN)]) - {""}
    if clash:
        bad = codes.isin(clash) & ~(total | unknown)
        first = int(np.flatnonzero(bad.to_numpy())[0])
        same = sorted(v for v, c in code_of.items() if c == codes.iloc[first])
        coll.add(np.arange(len(raw)) == first, column, text, "own_distinct", "own_values_merge", spellings=" / ".join(same)[:200])
    # each group is named the way the file writes it most often (the first of equals)
    counted = pd.DataFrame({"code": codes[~(total | unknown)], "text": values}).groupby(["code", "text"], sort=False).size().reset_index(name="n")
    counted = counted[(counted.code != "") & (counted.code != UNKNOWN)]
    known = dict(counted.sort_values("n", ascending=False, kind="stable").drop_duplicates("code").pipe(lambda f: zip(f.code, f.text)))
    if len(known) > MAX_OWN_GROUPS:
        coll.add(
            np.arange(len(raw)) == int(np.flatnonzero(~(total | unknown))[0]),
            column,
            text,
            "own_groups",
            "too_many_own_groups",
            n=len(known),
            limit=MAX_OWN_GROUPS,
        )
    groups = {c: known[c] for c in sorted(known, key=lambda c: (known[c].casefold(), c))}
    return codes.astype("string"), own_characteristic(name, label, groups)


def _with_own(coll: _Collector, frame: pd.DataFrame, out: pd.DataFrame, found: list[tuple[str, str, str]], allow_total: bool) -> list[Characteristic]:
    specs = []
    for slot, (column, name, label) in zip(OWN_SLOTS, found):
        out[slot], spec = _own_values(coll, frame[column], str(column), name, label, allow_total)
        specs.append(spec)
    return specs


def own_characteristics(clean: pd.DataFrame) -> list[Characteristic]:
    """The own characteristics of a validated frame, in the order of its ``own_1``, ``own_2`` … columns."""
    return list(clean.attrs.get("own_characteristics", []))


def _bool(coll: _Collector, raw: pd.Series, name: str, required: bool) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw) and not raw.isna().any():
        return raw.astype(bool)
    low = _text(raw).str.lower()
    is_true, is_false = low.isin(_TRUE), low.isin(_FALSE)
    empty = low == ""
    bad = ~(is_true | is_false | (empty & (not required)))
    coll.add(bad, name, _text(raw), "true_false_required" if required else "true_false")
    out = pd.Series(is_true.to_numpy(), index=raw.index, dtype="boolean")
    return out.mask(empty) if not required else out.fillna(False).astype(bool)


def _integer(coll: _Collector, raw: pd.Series, name: str, low: int, high: int, required: bool, what: str) -> pd.Series:
    if pd.api.types.is_integer_dtype(raw) and not raw.isna().any():
        num = raw.astype("float64")
        text = raw.astype("string")
        empty = pd.Series(False, index=raw.index)
    else:
        text = _text(raw)
        empty = text == ""
        num = pd.to_numeric(text.str.replace(r"\.0$", "", regex=True), errors="coerce")
    not_int = num.isna() | (num != np.floor(num))
    bad_type = not_int & ~(empty & (not required))
    coll.add(bad_type, name, text, "whole_number", terms=("what",), what=what)
    out_of_range = ~not_int & ((num < low) | (num > high))
    coll.add(out_of_range, name, text, "between", "impossible_value", terms=("what",), what=what, low=low, high=high)
    return num.where(~not_int).astype("Int64")


def _age_from_birth_date(coll: _Collector, raw: pd.Series, year: pd.Series) -> pd.Series:
    text = _text(raw)
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    nl = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
    dates = iso.fillna(nl)
    coll.add(dates.isna(), "birth_date", text, "date")
    # age on 31 December of the reference year = year - birth year
    return (year.astype("float64") - dates.dt.year).astype("Int64")


def _check_required(frame: pd.DataFrame, specs: tuple[ColumnSpec, ...], file: str, extra_ok: bool = False) -> None:
    missing = [s.name for s in specs if s.required and s.name not in frame.columns]
    if missing:
        raise IngestError(
            file,
            [problem("column_in_header", "missing_column", row=1, column=m) for m in missing],
        )


def validate_microdata(frame: pd.DataFrame, file: str, row_offset: int, characteristics: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return the frame in canonical form, or raise `IngestError` listing every problem.

    Own characteristics (columns headed ``kenmerk:<name>``, or named in ``characteristics``)
    come out as ``own_1`` … with their specs in `own_characteristics`."""
    if len(frame) == 0:
        raise IngestError(file, [problem("data_row", "no_data_rows")])
    frame = frame.reset_index(drop=True)
    found = _own_columns(frame, characteristics, MICRODATA_COLUMNS, file)
    own_frame = frame[[c for c, _, _ in found]]
    frame = _rename(frame.drop(columns=[c for c, _, _ in found]), MICRODATA_COLUMNS, file)
    _check_required(frame, MICRODATA_COLUMNS, file)
    if not {"age_band", "age", "birth_date"} & set(frame.columns):
        raise IngestError(file, [problem("age_columns", "missing_column", row=1, column="age_band")])
    coll = _Collector(row_offset)
    out = pd.DataFrame(index=frame.index)
    key = _text(frame["person_key"])
    coll.add(key == "", "person_key", key, "person_key")
    out["person_key"] = key
    out["year"] = _integer(coll, frame["year"], "year", MIN_YEAR, MAX_YEAR, True, "year")
    gm = _text(frame["municipality"]).str.upper()
    coll.add(~gm.isin(set(municipalities().gm_code)), "municipality", gm, "municipality_code")
    out["municipality"] = gm

    for name in CHARACTERISTIC_NAMES:
        if name == "age_band" and name not in frame.columns:
            continue
        out[name] = _category(coll, frame[name], name, allow_total=False)

    age = None
    if "age" in frame.columns:
        age = _integer(coll, frame["age"], "age", MIN_AGE, MAX_AGE, False, "age")
    elif "birth_date" in frame.columns:
        age = _age_from_birth_date(coll, frame["birth_date"], out["year"].fillna(0))
        bad_age = age.notna() & ((age < MIN_AGE) | (age > MAX_AGE))
        coll.add(bad_age.fillna(False), "birth_date", _text(frame["birth_date"]), "age_in_year", "impossible_age", low=MIN_AGE, high=MAX_AGE)
    if age is not None:
        a = age.astype("float64")
        derived = pd.Series(
            age_bands(a),
            index=frame.index,
            dtype="string",
        ).where(age.notna(), UNKNOWN)
        if "age_band" in out.columns:
            clash = (out["age_band"] != UNKNOWN) & (derived != UNKNOWN) & (out["age_band"] != derived)
            coll.add(clash.fillna(False), "age_band", _text(frame["age_band"]), "band_of_age", "age_band_mismatch")
            out["age_band"] = out["age_band"].where(out["age_band"] != UNKNOWN, derived)
        else:
            out["age_band"] = derived
        out["age"] = age

    for s in MICRODATA_COLUMNS:
        if s.kind == "bool" and s.name in frame.columns:
            out[s.name] = _bool(coll, frame[s.name], s.name, s.required)
    for s in MICRODATA_COLUMNS:
        if s.kind == "category" and s.name not in CHARACTERISTIC_NAMES and s.name in frame.columns:
            low = _text(frame[s.name]).str.lower().replace("", UNKNOWN)
            coll.add(~low.isin(s.codes), s.name, _text(frame[s.name]), "one_of", codes=", ".join(s.codes))
            out[s.name] = low
    if "months_on_benefit" in frame.columns:
        out["months_on_benefit"] = _integer(coll, frame["months_on_benefit"], "months_on_benefit", 0, 600, False, "months")
    for name in ("ladder_start", "ladder_end"):
        if name in frame.columns:
            out[name] = _integer(coll, frame[name], name, 1, 6, False, "ladder_step")

    e1, e6 = out["employed_1m"], out["employed_6m"]
    coll.add(e6 & ~e1, "employed_6m", _text(frame["employed_6m"]), "employed_6m_needs_1m", "employed_6m_without_1m")
    for s in MICRODATA_COLUMNS:
        if s.name.startswith("provision_") and s.name in out.columns:
            coll.add(
                (out[s.name].fillna(False) & ~out["provision"]).to_numpy(),
                s.name,
                _text(frame[s.name]),
                "provision_type_needs_provision",
                "provision_type_without_provision",
            )
    dup = out.duplicated(["year", "person_key"], keep="first") & (key != "")
    coll.add(dup, "person_key", key, "one_row_per_person", "duplicate_person_year")
    own = _with_own(coll, own_frame, out, found, allow_total=False)
    for slot, spec in zip(OWN_SLOTS, own):
        if spec.name in COVARIATE_CHARACTERISTICS and spec.name not in out.columns:  # also the covariate of the adjusted gaps
            out[spec.name] = out[slot]

    if coll.problems:
        raise IngestError(file, coll.problems, total=coll.total)
    out["year"] = out["year"].astype("int32")
    cols = ["person_key", "year", "municipality", *CHARACTERISTIC_NAMES]
    clean = out[cols + [c for c in out.columns if c not in cols]]
    clean.attrs["own_characteristics"] = own
    return clean


def validate_aggregated(frame: pd.DataFrame, file: str, row_offset: int, characteristics: tuple[str, ...] = ()) -> pd.DataFrame:
    """Canonical counts: ``year, geo_level, geography, <characteristics or NA = total>, counts``
    (own characteristics as in `validate_microdata`)."""
    if len(frame) == 0:
        raise IngestError(file, [problem("data_row", "no_data_rows")])
    frame = frame.reset_index(drop=True)
    found = _own_columns(frame, characteristics, AGGREGATED_COLUMNS, file)
    own_frame = frame[[c for c, _, _ in found]]
    frame = _rename(frame.drop(columns=[c for c, _, _ in found]), AGGREGATED_COLUMNS, file)
    _check_required(frame, AGGREGATED_COLUMNS, file)
    coll = _Collector(row_offset)
    out = pd.DataFrame(index=frame.index)
    out["year"] = _integer(coll, frame["year"], "year", MIN_YEAR, MAX_YEAR, True, "year")
    geo = _text(frame["geography"]).str.upper()
    known = set(geography_names())
    coll.add(~geo.isin(known), "geography", geo, "geography_code")
    level = pd.Series(np.where(geo == NATIONAL_CODE, "national", np.where(geo.str.startswith("AM"), "amr", "municipality")), index=frame.index)
    if level[geo.isin(known)].nunique() > 1:
        first = level.iloc[0]
        coll.add((level != first) & geo.isin(known), "geography", geo, "same_level", "mixed_levels", terms=("level",), level=first)
    out["geo_level"] = level
    out["geography"] = geo
    for name in CHARACTERISTIC_NAMES:
        out[name] = _category(coll, frame[name], name, allow_total=True) if name in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
    counts = {}
    for s in AGGREGATED_COLUMNS:
        if s.kind == "count" and s.name in frame.columns:
            counts[s.name] = _integer(coll, frame[s.name], s.name, 0, 10**9, s.required, "count")
            out[s.name] = counts[s.name]
    for s in AGGREGATED_COLUMNS:
        if s.kind == "count" and s.name not in out.columns:  # an optional count the table lacks: missing, never 0
            out[s.name] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
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
        over = (out[part] > out[whole]).fillna(False)
        coll.add(over, part, out[part].astype("string"), "at_most", "larger_than", part=part, whole=whole)
    own = _with_own(coll, own_frame, out, found, allow_total=True)
    dup = out.duplicated(["year", "geography", *CHARACTERISTIC_NAMES, *OWN_SLOTS[: len(own)]], keep="first")
    coll.add(dup, "geography", geo, "one_row_per_group", "duplicate_row")
    if coll.problems:
        raise IngestError(file, coll.problems, total=coll.total)
    out["year"] = out["year"].astype("int32")
    out.attrs["own_characteristics"] = own
    return out
