"""The cube of counts, as Ibis expressions (DuckDB by default; any Ibis backend, e.g. Spark).

Two stages (see docs/architecture.md):

1. `fine_counts`: person rows -> counts at the finest grain
   (dataset x year x municipality x all characteristics). The only stage that sees persons.
2. `rollup`: fine counts (or aggregated input) -> every geography level (municipality, AMR,
   national) x every grouping of up to ``max_characteristics`` characteristics.

Stage 2 has two spellings behind `rollup`. Fine counts (every row a municipality, every
characteristic known: what `fine_counts` gives) take one query of ``GROUPING SETS`` — the
municipalities' cells from the fine counts, the AMRs' from the fine counts summed per AMR, the
country's from those summed once more — in SQL, which DuckDB and Spark both run (Ibis has no
GROUPING SETS; `sqlglot` translates the query to the backend's dialect). Any other table of counts
(a CBS table of marginals, a mix of levels) and any other backend take the portable Ibis spelling:
one aggregate per grouping, unioned, each cell from the source closest to it.
"""

from __future__ import annotations

from itertools import combinations

import ibis
import ibis.expr.types as ir

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, COUNT_COLUMNS, NATIONAL_CODE, OWN_SLOTS, PROVISION_TYPE_CODES, SEP, UNKNOWN, grouping_name

KEYS = ("dataset", "year", "geo_level", "geography")
#: Column order of the cube table.
CUBE_COLUMNS = (*KEYS, "grouping", "group", *CHARACTERISTIC_NAMES, *COUNT_COLUMNS)


def groupings(max_characteristics: int = 3, characteristics: tuple[str, ...] = CHARACTERISTIC_NAMES) -> list[tuple[str, ...]]:
    """Every combination of up to ``max_characteristics`` characteristics, starting with none."""
    out: list[tuple[str, ...]] = []
    for k in range(max_characteristics + 1):
        out.extend(combinations(characteristics, k))
    return out


def _aggregates(persons: ir.Table) -> dict[str, ir.Value]:
    """Every count column of the cube as an aggregate over person rows."""
    as_int = lambda e: e.fill_null(False).cast("int64")  # noqa: E731
    known = persons.ladder_start.notnull() & persons.ladder_end.notnull()
    typed = ibis.literal(False)
    for c in PROVISION_TYPE_CODES:
        typed = typed | persons[f"provision_{c}"].fill_null(False)
    return dict(
        population=persons.count(),
        provision=as_int(persons.provision).sum(),
        employed=as_int(persons.employed_1m).sum(),
        sustained=as_int(persons.employed_6m).sum(),
        provision_employed=as_int(persons.provision & persons.employed_1m).sum(),
        ladder_known=as_int(known).sum(),
        ladder_up=as_int(known & (persons.ladder_end > persons.ladder_start)).sum(),
        ladder_4plus=as_int(known & (persons.ladder_end >= 4)).sum(),
        **{f"provision_{c}": as_int(persons[f"provision_{c}"]).sum() for c in PROVISION_TYPE_CODES},
        provision_typed=as_int(persons.provision.fill_null(False) & typed).sum(),
    )


def fine_counts(persons: ir.Table) -> ir.Table:
    """Counts per dataset x year x municipality x characteristics (with the own ones of a
    client file, ``own_1`` …, when the person rows have them), from person rows."""
    own = [c for c in OWN_SLOTS if c in persons.columns]
    counts = persons.group_by(["dataset", "year", "municipality", *CHARACTERISTIC_NAMES, *own]).aggregate(**_aggregates(persons))
    return counts.select(
        "dataset",
        "year",
        geo_level=ibis.literal("municipality"),
        geography=counts.municipality,
        **{c: counts[c] for c in CHARACTERISTIC_NAMES},
        **{c: counts[c] for c in COUNT_COLUMNS},
        **{c: counts[c] for c in own},
    )


#: months on benefit in bands (the model treats each band as a category)
MONTHS_BANDS = ((0, 12, "0_11"), (12, 36, "12_35"), (36, 60, "36_59"), (60, 100000, "60_plus"))


def covariate_counts(persons: ir.Table, by: tuple[str, ...] = ()) -> ir.Table:
    """Counts per characteristics x covariate cell (education, Dutch language level, months on
    benefit in bands, recent work experience; a missing value is its own cell ``unknown``), and
    per ``by`` (e.g. the municipality): what a logistic model with those covariates needs, so it
    is fitted on counts, not person rows."""
    months = persons.months_on_benefit
    band = ibis.literal(UNKNOWN)
    for low, high, code in reversed(MONTHS_BANDS):
        band = ((months >= low) & (months < high)).ifelse(ibis.literal(code), band)
    cells = {
        "education_level": persons.education_level.fill_null(UNKNOWN),
        "dutch_language_level": persons.dutch_language_level.fill_null(UNKNOWN),
        "months_band": months.isnull().ifelse(ibis.literal(UNKNOWN), band),
        "recent_work_experience": persons.recent_work_experience.cast("string").fill_null(UNKNOWN),
    }
    keyed = persons.mutate(**cells)
    return keyed.group_by([*by, *CHARACTERISTIC_NAMES, *cells]).aggregate(**_aggregates(keyed))


def _with_source(counts: ir.Table, characteristics: tuple[str, ...]) -> ir.Table:
    """Add the breakdown signature of each row: which characteristics it is broken down by."""
    present = [counts[c].notnull() for c in characteristics]
    sig = ibis.literal("")
    for c, p in zip(characteristics, present):
        sig = sig + p.ifelse(ibis.literal(c + SEP), ibis.literal(""))
    size = sum((p.cast("int32") for p in present), ibis.literal(0))
    return counts.mutate(sig=sig, sig_size=size)


def _geography_levels(counts: ir.Table, municipalities: ir.Table) -> ir.Table:
    """Each row at its own level, plus rolled up to its AMR and to the country.

    ``distance`` says how many levels a row was rolled up (0 = published at that level)."""
    own = counts.mutate(distance=ibis.literal(0))
    gm = counts.filter(counts.geo_level == "municipality")
    joined = gm.join(municipalities, gm.geography == municipalities.gm_code)
    to_amr = joined.select(
        *[joined[c] for c in counts.columns if c not in ("geo_level", "geography")],
        geo_level=ibis.literal("amr"),
        geography=joined.amr_code,
        distance=ibis.literal(1),
    )
    below = counts.filter(counts.geo_level != "national")
    to_nl = below.mutate(
        geo_level=ibis.literal("national"),
        geography=ibis.literal(NATIONAL_CODE),
        distance=(below.geo_level == "amr").ifelse(1, 2),
    )
    cols = [*counts.columns, "distance"]
    return ibis.union(own.select(cols), to_amr.select(cols), to_nl.select(cols))


#: Backends whose SQL has GROUPING SETS and ``grouping()`` (the fast spelling of the rollup).
GROUPING_SETS_BACKENDS = ("duckdb", "pyspark")


def rollup(
    counts: ir.Table,
    municipalities: ir.Table,
    max_characteristics: int = 3,
    characteristics: tuple[str, ...] = CHARACTERISTIC_NAMES,
    *,
    fine: bool | None = None,
) -> ir.Table:
    """The cube: one row per dataset x year x geography x grouping x group, with counts.

    ``fine``: whether ``counts`` are fine counts (every row a municipality, no characteristic
    missing); ``None`` asks the table (one small query). Fine counts on DuckDB or Spark take one
    ``GROUPING SETS`` query, everything else the portable union (`rollup_union`): the same cube.
    """
    if fine is None:
        fine = is_fine(counts, characteristics)
    if fine and _backend_name(counts) in GROUPING_SETS_BACKENDS:
        return rollup_grouping_sets(counts, municipalities, max_characteristics, characteristics)
    return rollup_union(counts, municipalities, max_characteristics, characteristics)


def is_fine(counts: ir.Table, characteristics: tuple[str, ...] = CHARACTERISTIC_NAMES) -> bool:
    """True when every row is a municipality's and every characteristic is known."""
    coarse = counts.geo_level != "municipality"
    for c in characteristics:
        coarse = coarse | counts[c].isnull()
    return int(counts.filter(coarse).limit(1).count().execute()) == 0


def _backend_name(t: ir.Table) -> str | None:
    try:
        return str(t._find_backend().name)
    except Exception:  # a table of several backends, or only memtables: the portable spelling
        return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def rollup_grouping_sets(
    counts: ir.Table, municipalities: ir.Table, max_characteristics: int = 3, characteristics: tuple[str, ...] = CHARACTERISTIC_NAMES
) -> ir.Table:
    """`rollup` of fine counts in one SQL query with ``GROUPING SETS`` (DuckDB's dialect,
    translated for the backend): each geography level grouped from the smallest table that
    holds it (municipalities from the fine counts; AMRs from the counts summed per AMR; the
    country from those summed again)."""
    # the map of municipalities to AMRs (a few hundred rows) goes into the query as values, so
    # the query needs no second table (a memtable is not there while a backend plans the SQL)
    pairs = municipalities.select("gm_code", "amr_code").to_pyarrow().to_pylist()
    mapping = ", ".join(f"({_literal(p['gm_code'])}, {_literal(p['amr_code'])})" for p in pairs)
    source = counts.select("dataset", "year", "geography", *characteristics, *COUNT_COLUMNS)
    chars = ", ".join(_quote(c) for c in characteristics)
    sums = ", ".join(f"sum({_quote(c)}) AS {_quote(c)}" for c in COUNT_COLUMNS)
    flags = ", ".join(f"grouping({_quote(c)}) AS {_quote('g_' + c)}" for c in characteristics)

    def level(table: str, geo: str | None, name: str) -> str:
        sets = ", ".join(
            "(" + ", ".join(["dataset", "year", *([geo] if geo else []), *map(_quote, cs)]) + ")" for cs in groupings(max_characteristics, characteristics)
        )
        geography = geo or f"CAST('{NATIONAL_CODE}' AS VARCHAR)"
        return (
            f"SELECT dataset, year, CAST('{name}' AS VARCHAR) AS geo_level, {geography} AS geography, {flags}, {chars}, {sums} "
            f"FROM {table} GROUP BY GROUPING SETS ({sets})"
        )

    sql = (
        f"WITH gm_amr AS (SELECT * FROM (VALUES {mapping}) AS v(gm, amr)), "
        f"fine AS (SELECT c.dataset, c.year, m.gm, m.amr, {', '.join('c.' + _quote(x) for x in (*characteristics, *COUNT_COLUMNS))} "
        "FROM counts AS c JOIN gm_amr AS m ON c.geography = m.gm), "
        f"per_amr AS (SELECT dataset, year, amr, {chars}, {sums} FROM fine GROUP BY dataset, year, amr, {chars}), "
        f"per_country AS (SELECT dataset, year, {chars}, {sums} FROM per_amr GROUP BY dataset, year, {chars}) "
        + " UNION ALL ".join([level("fine", "gm", "municipality"), level("per_amr", "amr", "amr"), level("per_country", None, "national")])
    )
    cells = source.alias("counts").sql(sql, dialect="duckdb")
    grouped = {c: cells["g_" + c] == 0 for c in characteristics}
    name: ir.StringValue = ibis.literal("")
    key: ir.StringValue = ibis.literal("")
    for c in characteristics:
        name = name + grouped[c].ifelse(ibis.literal(SEP + c), ibis.literal(""))
        key = key + grouped[c].ifelse(ibis.literal(SEP) + cells[c], ibis.literal(""))
    everyone = name == ""
    return cells.select(
        "dataset",
        "year",
        "geo_level",
        "geography",
        grouping=everyone.ifelse(ibis.literal(ALL), name.substr(1)),
        group=everyone.ifelse(ibis.literal(ALL), key.substr(1)),
        **{c: grouped[c].ifelse(cells[c], ibis.null().cast("string")) for c in CHARACTERISTIC_NAMES},
        **{c: cells[c].cast("int64") for c in COUNT_COLUMNS},
    )


def rollup_union(counts: ir.Table, municipalities: ir.Table, max_characteristics: int = 3, characteristics: tuple[str, ...] = CHARACTERISTIC_NAMES) -> ir.Table:
    """`rollup` in portable Ibis, for any table of counts on any backend.

    ``counts`` has the columns of `fine_counts` (characteristics NULL where a row is a total over
    them, as in aggregated input); ``municipalities`` maps ``gm_code`` to ``amr_code``.
    For each target cell the source closest to it is used: rows published at that geography
    level before rows summed from a finer level, and the smallest breakdown that contains the
    grouping (so a CBS table of marginals and a full cross-table both work, and nothing is
    counted twice). ``characteristics``: the standard ones, then a dataset's own ones (columns
    of ``counts`` under their names); the cube keeps a column for each standard one only, the
    own ones are in the grouping names and group keys."""
    expanded = _geography_levels(_with_source(counts, characteristics), municipalities)
    parts = []
    for chars in groupings(max_characteristics, characteristics):
        sub = expanded
        for c in chars:
            sub = sub.filter(sub[c].notnull())
        agg = sub.group_by([*KEYS, *chars, "sig", "sig_size", "distance"]).aggregate(**{c: sub[c].sum() for c in COUNT_COLUMNS})
        group_key: ir.StringValue = ibis.literal(ALL) if not chars else agg[chars[0]]
        for c in chars[1:]:
            group_key = group_key + ibis.literal(SEP) + agg[c]
        parts.append(
            agg.select(
                *KEYS,
                "sig",
                "sig_size",
                "distance",
                grouping=ibis.literal(grouping_name(chars, characteristics)),
                group=group_key,
                **{c: (agg[c] if c in chars else ibis.null().cast("string")) for c in CHARACTERISTIC_NAMES},
                **{c: agg[c].cast("int64") for c in COUNT_COLUMNS},
            )
        )
    cube = ibis.union(*parts)
    target = [*KEYS, "grouping"]
    rank = cube.distance * 100 + cube.sig_size
    cube = cube.mutate(rank=rank, best=rank.min().over(group_by=target))
    cube = cube.filter(cube.rank == cube.best)
    cube = cube.mutate(best_sig=cube.sig.min().over(group_by=target))
    cube = cube.filter(cube.sig == cube.best_sig)
    return cube.select(*CUBE_COLUMNS)
