"""A municipality's own client file: loaded into its own database file, shown beside the
reference figures (its AMR and the country) of the dashboard's dataset, and deletable.

The own data never goes into the reference database: it lives in a separate DuckDB file
(``--own-db``), person keys hashed on ingest. The web server opens that file read-write only
when it holds data or something is loaded; deleting the last dataset removes the file.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, Lang
from kansenspiegel.disclosure import Policy, published_test, significant_digits
from kansenspiegel.geography import geography_names, municipalities
from kansenspiegel.ingest import IngestResult, ingest_file
from kansenspiegel.mirror import Mirror
from kansenspiegel.stats import benjamini_hochberg
from kansenspiegel.store import Store
from kansenspiegel.web.views import Dashboard, NotFound, group_label

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class OwnDataError(ValueError):
    """A request on own data that cannot be done (bad name, name in use): a 400/409 with this
    message (English; ``nl`` in Dutch for the pages)."""

    def __init__(self, message: str, nl: str, status: int = 400) -> None:
        super().__init__(message)
        self.nl = nl
        self.status = status


class OwnData:
    """The own-data database of one server, with a published `Dashboard` per dataset."""

    def __init__(self, path: str | Path, policy: Policy) -> None:
        self.path = Path(path)
        self.policy = policy
        self._store: Store | None = None
        self._boards: dict[str, Dashboard] = {}
        self._lock = threading.RLock()

    def _open(self, create: bool = False) -> Store | None:
        if self._store is None and (create or self.path.exists()):
            self._store = Store(self.path)
        return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
            self._boards.clear()

    def datasets(self) -> list[dict[str, Any]]:
        with self._lock:
            store = self._open()
            if store is None:
                return []
            frame = store.datasets()
        out = []
        for row in frame.sort_values("name").itertuples():
            board = self.board(row.name)
            out.append({"name": row.name, "years": [int(y) for y in str(row.years).split(",")], "rows": int(row.rows), "municipalities": board_municipalities(board),
                        "loaded_at": str(row.loaded_at)[:19], "synthetic": bool(row.synthetic)})
        return out

    def board(self, name: str) -> Dashboard:
        with self._lock:
            if name not in self._boards:
                store = self._open()
                if store is None or name not in store.dataset_names():
                    raise NotFound(f"no own dataset {name!r}; load one on the upload page")
                self._boards[name] = Dashboard(Mirror(store=store, dataset=name), self.policy)
            return self._boards[name]

    def load(self, path: Path, name: str, *, source: str) -> IngestResult:
        """Load a validated file as dataset ``name`` (all or nothing)."""
        if not re.match(NAME_PATTERN, name):
            raise OwnDataError(f"dataset name {name!r}: use 1-40 lower-case letters, digits, '-' or '_'",
                               f"naam {name!r}: gebruik 1 tot 40 kleine letters, cijfers, '-' of '_'")
        with self._lock:
            store = self._open(create=True)
            assert store is not None
            if name in store.dataset_names():
                raise OwnDataError(f"a dataset named {name!r} is already loaded: delete it first or choose another name",
                                   f"er is al een bestand met de naam {name!r} ingelezen: verwijder het eerst of kies een andere naam", status=409)
            result = ingest_file(store, path, dataset=name)
            self._set_source(store, name, source)
            self._boards.pop(name, None)
            return result

    @staticmethod
    def _set_source(store: Store, name: str, source: str) -> None:
        # the temporary path of the upload means nothing to the user: keep the uploaded name
        store.con.con.execute("UPDATE datasets SET source = ? WHERE name = ?", [source, name])

    def delete(self, name: str) -> None:
        """Remove a dataset; the file itself when it was the last one."""
        with self._lock:
            store = self._open()
            if store is None or name not in store.dataset_names():
                raise NotFound(f"no own dataset {name!r}")
            with store.transaction():
                store.delete_dataset(name)
            store.checkpoint()
            self._boards.pop(name, None)
            if not store.dataset_names():
                self.close()
                for p in (self.path, self.path.with_name(self.path.name + ".wal")):
                    p.unlink(missing_ok=True)


def board_municipalities(board: Dashboard) -> list[str]:
    return board.mirror.geographies("municipality")


def comparison(own: Dashboard, reference: Dashboard, *, year: int, geography: str, moment: str, lang: Lang = "nl") -> dict[str, Any]:
    """The own mirror of one municipality beside the reference figures of its AMR and the
    country, per group of every single characteristic, at one moment.

    Every number is published under each dashboard's policy. The test of the own chance against
    the national one is a two-proportion z-test between the published counts, bounded over every
    exact count consistent with them (the own file and the reference are treated as independent
    samples), with Benjamini–Hochberg over the rows shown; it is removed for hidden cells."""
    own.check(year=year)
    if geography not in board_municipalities(own):
        raise NotFound(f"{geography} is not in this dataset; it has {', '.join(board_municipalities(own))}")
    if moment not in MOMENTS:
        raise NotFound(f"unknown moment {moment!r}")
    amr = municipalities().set_index("gm_code").loc[geography, "amr_code"]
    wanted = lambda g: g[g.grouping.isin([ALL, *CHARACTERISTIC_NAMES]) & (g.moment == moment)]  # noqa: E731
    rows = wanted(own.groups(year, geography)).drop(columns=["national_rate", "national_ci_low", "national_ci_high"])
    has_reference = year in reference.years
    cols = ["grouping", "group", "rate", "rate_ci_low", "rate_ci_high", "suppressed"]
    for code, prefix in ((amr, "amr"), (NATIONAL_CODE, "national")):
        if has_reference:
            ref = wanted(reference.groups(year, code))[cols].rename(columns={c: f"{prefix}_{c}" for c in cols[2:]})
            rows = rows.merge(ref, on=["grouping", "group"], how="left")
        else:
            for c in cols[2:]:
                rows[f"{prefix}_{c}"] = np.nan
    rows["difference_vs_national_pp"] = 100 * (rows["rate"] - rows["national_rate"])
    # the test of the published own counts against the published national ones (a bound over
    # every exact count that rounds to them), Benjamini–Hochberg over the rows shown
    q = np.full(len(rows), np.nan)
    if has_reference:
        keys = ["grouping", "group"]
        national = rows[keys].merge(wanted(reference.groups(year, NATIONAL_CODE))[[*keys, "denominator", "count"]], on=keys, how="left")
        p = published_test(rows, national, own.policy, reference.policy)
        shown = ~rows["suppressed"].to_numpy(dtype=bool) & ~np.isnan(p)
        if shown.any():
            q[shown] = benjamini_hochberg(p[shown])
    rows["q_value_vs_national"] = significant_digits(q)
    rows["significant_vs_national"] = q < 0.05
    order = {(n, c): i for i, (n, c) in enumerate([(ALL, ALL)] + [(n, c) for n in CHARACTERISTIC_NAMES for c in CHARACTERISTICS[n].codes])}
    rows["order"] = [order.get((g, k), 999) for g, k in zip(rows.grouping, rows.group)]
    rows["label"] = [group_label(g, k, lang) for g, k in zip(rows.grouping, rows.group)]
    rows["characteristic_label"] = [CHARACTERISTICS[g].label(lang) if g != ALL else "" for g in rows.grouping]
    rows = rows.sort_values("order")
    keep = ["grouping", "characteristic_label", "group", "label", "population", "denominator", "count", "rate", "rate_ci_low", "rate_ci_high",
            "amr_rate", "amr_rate_ci_low", "amr_rate_ci_high", "national_rate", "national_rate_ci_low", "national_rate_ci_high",
            "difference_vs_national_pp", "q_value_vs_national", "significant_vs_national", "suppressed"]
    return {"geography": geography, "name": geography_names()[geography], "amr": amr, "amr_name": geography_names()[amr], "year": year, "moment": moment,
            "reference_dataset": reference.mirror.dataset, "reference_synthetic": reference.mirror.synthetic, "has_reference": has_reference,
            "rows": rows[keep].reset_index(drop=True)}
