"""The embedded DuckDB database: where it lives, its tables, and transactions.

Default path: ``$KANSENSPIEGEL_DB`` if set, else ``data/kansenspiegel.duckdb`` in the current
directory (the file ``scripts/start.sh`` builds).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from kansenspiegel.errors import UserError
from kansenspiegel.messages import Msg, t

DEFAULT_DB = "data/kansenspiegel.duckdb"
#: DuckDB's memory limit for a writable database (``$KANSENSPIEGEL_MEMORY_LIMIT`` to change): 7 years
#: load as fast with 1GB as with 3GB (the rest is pandas, one year at a time, and what DuckDB spills).
DEFAULT_MEMORY_LIMIT = "1GB"
#: Tables derived per dataset, in the order the data flows through them.
#: (``characteristics``: the own characteristics a dataset declares, with their values' words.)
DATA_TABLES = ("characteristics", "persons", "counts", "cube", "metrics", "suppression", "published")
#: Tables rebuilt from the counts (`ingest.build`).
DERIVED_TABLES = DATA_TABLES[3:]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_db_path() -> Path:
    return Path(os.environ.get("KANSENSPIEGEL_DB", DEFAULT_DB))


class NoDatabase(UserError, FileNotFoundError):
    """A database to read does not exist: says where we looked, why there, and what is nearby."""

    def __init__(self, path: Path, given: bool) -> None:
        if given:
            why = Msg("error.no_database_given")
        elif "KANSENSPIEGEL_DB" in os.environ:
            why = Msg("error.no_database_env")
        else:
            why = Msg("error.no_database_default")
        nearby = sorted(
            {
                str(p)
                for folder in (Path("."), Path("data"), path.parent)
                if folder.is_dir()
                for p in folder.glob("*.duckdb")
                if not p.name.endswith("-own.duckdb")
            }
        )
        found = (lambda lang: t("error.no_database_found", lang, files=", ".join(nearby))) if nearby else ""
        super().__init__("error.no_database", 404, path=str(path.resolve()), why=why, found=found)


@ibis.udf.scalar.builtin(name="sha256")
def _sha256(value: dt.Binary) -> dt.String:  # type: ignore[empty-body]
    """DuckDB's sha256 of bytes, as hex."""


@ibis.udf.scalar.builtin(name="unhex")
def _unhex(value: dt.String) -> dt.Binary:  # type: ignore[empty-body]
    """Hex to bytes."""


@ibis.udf.scalar.builtin(name="encode")
def _encode(value: dt.String) -> dt.Binary:  # type: ignore[empty-body]
    """Text to its UTF-8 bytes."""


@ibis.udf.scalar.builtin(name="concat")
def _concat(a: dt.Binary, b: dt.Binary) -> dt.Binary:  # type: ignore[empty-body]
    """Bytes after bytes."""


def compact(path: Path) -> None:
    """Rewrite a database into a fresh file and put that in place of the old one (an atomic
    rename). Deleting rows only frees their blocks, which keep the old bytes until they are
    reused; the fresh file holds only what is still there, so a deleted dataset leaves no trace.
    No connection to ``path`` may be open."""
    path = Path(path)
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    quoted = [str(p).replace("'", "''") for p in (path, fresh)]
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{quoted[0]}' AS old_db (READ_ONLY)")
        con.execute(f"ATTACH '{quoted[1]}' AS fresh_db")
        con.execute("COPY FROM DATABASE old_db TO fresh_db")
        con.execute("DETACH old_db")
        con.execute("DETACH fresh_db")
    finally:
        con.close()
    os.replace(fresh, path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


class Store:
    """A DuckDB file holding datasets (persons or counts) and everything derived from them."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        if read_only and not self.path.exists():
            raise NoDatabase(self.path, given=path is not None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._root = ibis.duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:  # one sentence saying what to do, not a traceback
            said = str(exc).replace(str(self.path), "").lower()
            reason = "error.db_locked" if "could not set lock" in said or "conflicting lock" in said else "error.db_damaged"
            raise UserError(reason, 409 if reason == "error.db_locked" else 500, path=str(self.path)) from exc
        if not read_only:
            # what a load may hold in memory before DuckDB spills to ``<db>.tmp`` beside the file
            # (DuckDB's own default is 80 % of the machine's memory, whatever else runs there)
            limit = os.environ.get("KANSENSPIEGEL_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
            if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, flags=re.IGNORECASE):
                raise UserError("error.bad_memory_limit", 500, value=limit[:40])
            self._root.con.execute(f"SET memory_limit = '{limit}'")
        self._owner = threading.get_ident()
        self._key: bytes | None = None
        self._local = threading.local()
        if not read_only:
            self._ensure_datasets_table()

    @property
    def con(self) -> BaseBackend:
        """This thread's connection to the database. The thread that opened the store uses the
        database's own connection; every other thread gets its own cursor of it (made on first
        use, kept for the thread). One DuckDB connection must not run two queries at once, but
        cursors of one connection may: so concurrent requests are safe by construction, without
        a lock at every call site."""
        if threading.get_ident() == self._owner:
            return self._root
        con = getattr(self._local, "con", None)
        if con is None:
            con = ibis.duckdb.from_connection(self._root.con.cursor())
            self._local.con = con
        return con

    def _ensure_datasets_table(self) -> None:
        if "key_salt" in self.con.list_tables():  # an older database kept its salt beside the hashes: gone
            self.con.drop_table("key_salt")
        if "datasets" not in self.con.list_tables():
            schema = ibis.schema(
                {"name": "string", "kind": "string", "source": "string", "synthetic": "boolean", "years": "string", "rows": "int64", "loaded_at": "timestamp"}
            )
            self.con.create_table("datasets", schema=schema)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: on any exception every change since the start is rolled back."""
        raw = self.con.con
        raw.begin()
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        else:
            raw.commit()

    @property
    def key_path(self) -> Path | None:
        """Where this database's pseudonym key lives: a file beside it (``NAME.duckdb.key``), never
        inside it. None for an in-memory store (its key lives as long as the store)."""
        return None if str(self.path) == ":memory:" else self.path.with_name(self.path.name + ".key")

    def pseudonym_key(self) -> bytes:
        """The secret key of this database's pseudonyms: ``$KANSENSPIEGEL_KEY`` (64 hex digits) if
        set, else the key file beside the database, made on first use with mode 0600.

        Person keys are stored only as HMAC-SHA256(key, person key). With the database alone and
        without the key, no person key can be recovered, not even a nine-digit one by trying all
        10⁹ (the key is 256 random bits, and it is not in the file). Back the key file up with
        the database: without it, the figures are unchanged, but a person loaded again gets a
        new pseudonym, so a later load can no longer be linked to an earlier one."""
        if os.environ.get("KANSENSPIEGEL_KEY"):
            key = bytes.fromhex(os.environ["KANSENSPIEGEL_KEY"])
            if len(key) < 32:
                raise UserError("error.key_too_short", 500)
            return key
        if self._key is not None:
            return self._key
        path = self.key_path
        if path is None:
            self._key = secrets.token_bytes(32)
        elif path.exists():
            self._key = bytes.fromhex(path.read_text().strip())
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
            self._key = bytes.fromhex(path.read_text().strip())
        return self._key

    def pseudonym(self, key: ir.StringValue) -> ir.StringValue:
        """HMAC-SHA256 of a person key, computed inside the database (hex): the raw key never
        reaches the file. H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), RFC 2104, from DuckDB's sha256."""
        block = self.pseudonym_key().ljust(64, b"\0")
        inner = _sha256(_concat(ibis.literal(bytes(b ^ 0x36 for b in block), type="binary"), _encode(key)))
        return _sha256(_concat(ibis.literal(bytes(b ^ 0x5C for b in block), type="binary"), _unhex(inner)))

    def table(self, name: str) -> ir.Table:
        return self.con.table(name)

    def has(self, name: str) -> bool:
        """Whether a table (or view) of that name exists (DuckDB's SHOW TABLES: the same names as
        Ibis' list_tables, without compiling its query)."""
        return any(row[0] == name for row in self.con.con.execute("SHOW TABLES").fetchall())

    def datasets(self) -> pd.DataFrame:
        return self.table("datasets").order_by("name").to_pandas()

    def dataset_names(self) -> list[str]:
        return list(self.datasets()["name"])

    def append(self, name: str, obj: pd.DataFrame | ir.Table, *, order_by: tuple[str, ...] = ()) -> None:
        """Append rows to a table (in ``order_by`` order, by column name), creating it from the
        rows' schema the first time. A DataFrame goes to DuckDB as an Arrow relation and is let go
        when it is in: a memtable would stay registered as long as Ibis keeps it, and a registered
        view, dropped or not, until the transaction ends (a load of seven years held ~3 GiB of
        such frames)."""
        if isinstance(obj, pd.DataFrame):
            rows = self.con.con.from_arrow(pa.Table.from_pandas(obj, preserve_index=False))
            exists = self.has(name)
            if exists:
                target = self.table(name).columns
                extra = set(rows.columns) - set(target)
                if extra:
                    raise ValueError(f"columns not in table {name}: {sorted(extra)}")
                rows = rows.project(", ".join(_quoted(c) if c in rows.columns else f"NULL AS {_quoted(c)}" for c in target))
            if order_by:
                rows = rows.order(", ".join(_quoted(c) for c in order_by))
            if exists:
                rows.insert_into(name)
            else:
                rows.create(name)
            return
        if order_by:
            obj = obj.order_by(list(order_by))
        if self.has(name):
            self.con.insert(name, obj)
        else:
            self.con.create_table(name, obj)

    def rows(self, name: str, *, order_by: tuple[str, ...] = (), **equal: object) -> pd.DataFrame:
        """The rows of one of our tables where every column named in ``equal`` has its value, as
        Ibis gives them (the same types), in one parameterised query: what a dashboard reads on a
        first visit, without compiling an expression each time (~80 ms a read under load)."""
        if name not in (*DATA_TABLES, "datasets"):
            raise ValueError(f"not a data table: {name}")
        where = " AND ".join(f"{_quoted(c)} = ?" for c in equal)
        order = ", ".join(_quoted(c) for c in order_by)
        sql = f"SELECT * FROM {_quoted(name)}" + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else "")
        return self.con.con.execute(sql, list(equal.values())).to_arrow_table().to_pandas()

    def add_missing_columns(self, name: str, schema: ibis.Schema) -> None:
        """Give a table made by an earlier version the (nullable) columns of ``schema`` it lacks."""
        if not self.has(name):
            return
        have = set(self.table(name).columns)
        for column, dtype in schema.items():
            if column not in have:
                sql_type = {"string": "VARCHAR", "int64": "BIGINT", "boolean": "BOOLEAN", "int32": "INTEGER"}[str(dtype).lstrip("!")]
                self.con.con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {sql_type}')

    def delete_dataset(self, dataset: str) -> None:
        """Remove a dataset and everything derived from it (call inside `transaction`)."""
        for name in (*DATA_TABLES, "datasets"):
            if self.has(name):
                self.delete_rows(name, dataset)

    def delete_rows(self, table: str, dataset: str) -> None:
        """Delete one dataset's rows from one of our tables."""
        # Parameterised: the identifiers come from our own constants, the value is bound.
        if table not in (*DATA_TABLES, "datasets"):
            raise ValueError(f"not a data table: {table}")
        column = "name" if table == "datasets" else "dataset"
        self.con.con.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', [dataset])

    def set_source(self, dataset: str, source: str) -> None:
        """Record the file a dataset came from (as the user named it)."""
        self.con.con.execute("UPDATE datasets SET source = ? WHERE name = ?", [source, dataset])

    def checkpoint(self) -> None:
        """Write everything to the file and release the space of deleted rows."""
        self.con.con.execute("CHECKPOINT")

    def close(self) -> None:
        self._root.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
