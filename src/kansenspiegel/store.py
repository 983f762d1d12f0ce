"""The embedded DuckDB database: where it lives, its tables, and transactions.

Default path: ``$KANSENSPIEGEL_DB`` if set, else ``data/kansenspiegel.duckdb`` in the current
directory (the file ``scripts/start.sh`` builds).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from kansenspiegel.errors import UserError
from kansenspiegel.messages import Msg, t

DEFAULT_DB = "data/kansenspiegel.duckdb"
#: Tables derived per dataset, in the order the data flows through them.
DATA_TABLES = ("persons", "counts", "cube", "metrics", "suppression", "published")
#: Tables rebuilt from the counts (`ingest.build`).
DERIVED_TABLES = DATA_TABLES[2:]


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
        self._owner = threading.get_ident()
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

    def key_salt(self) -> str:
        """This database's secret salt for person keys (made on first use, kept in the file).

        Person keys are stored only as SHA-256 of salt + key: the same person gets the same
        pseudonym within one database, and pseudonyms cannot be matched across databases."""
        if not self.has("key_salt"):
            self.con.create_table("key_salt", pd.DataFrame({"salt": [secrets.token_hex(32)]}))
        return str(self.table("key_salt").to_pandas()["salt"].iloc[0])

    def table(self, name: str) -> ir.Table:
        return self.con.table(name)

    def has(self, name: str) -> bool:
        return name in self.con.list_tables()

    def datasets(self) -> pd.DataFrame:
        return self.table("datasets").order_by("name").to_pandas()

    def dataset_names(self) -> list[str]:
        return list(self.datasets()["name"])

    def append(self, name: str, obj: pd.DataFrame | ir.Table) -> None:
        """Append rows to a table, creating it from the rows' schema the first time."""
        if self.has(name):
            self.con.insert(name, obj)
        else:
            self.con.create_table(name, obj)

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
