"""A municipality's own client file: loaded into its own database file, shown beside the
reference figures (its AMR and the country) of the dashboard's dataset, and deletable.

The own data never goes into the reference database: it lives in a separate DuckDB file
(``--own-db``), person keys hashed on ingest. The server opens that file read-write only when
it holds data or something is loaded; deleting the last dataset removes the file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from kansenspiegel.codes import ALL, CHARACTERISTIC_NAMES, MOMENTS, NATIONAL_CODE, SEP, Characteristic, group_label
from kansenspiegel.disclosure import Policy, published_comparison, significant_digits
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.geography import geography_names, municipalities
from kansenspiegel.ingest import IngestResult, ingest_file
from kansenspiegel.mirror import Mirror
from kansenspiegel.store import Store, compact
from kansenspiegel.views._params import Language, Moment, Year
from kansenspiegel.views._published import Published, records
from kansenspiegel.views._registry import Params, View, columns, register

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class OwnData:
    """The own-data database of one server, with a `Published` door per dataset."""

    def __init__(self, path: str | Path, policy: Policy) -> None:
        self.path = Path(path)
        self.policy = policy
        self._store: Store | None = None
        self._boards: dict[tuple[str, Policy], Published] = {}
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
            board = self.board(str(row.name))
            out.append(
                {
                    "name": row.name,
                    "years": [int(y) for y in str(row.years).split(",")],
                    "rows": int(row.rows),
                    "municipalities": municipalities_of(board),
                    "areas": areas_of(board),
                    "loaded_at": str(row.loaded_at)[:19],
                    "synthetic": bool(row.synthetic),
                }
            )
        return out

    def board(self, name: str, policy: Policy | None = None) -> Published:
        """The door to one dataset, under ``policy`` (default: this server's own-data policy;
        the own view passes the policy of the reference door it is shown beside)."""
        policy = self.policy if policy is None else policy
        with self._lock:
            if (name, policy) not in self._boards:
                store = self._open()
                if store is None or name not in store.dataset_names():
                    raise not_found("error.no_own_dataset", name=name)
                self._boards[(name, policy)] = Published(Mirror(store=store, dataset=name), policy)
            return self._boards[(name, policy)]

    def areas(self, name: str) -> list[str]:
        """The areas a dataset holds figures of (who may see it is decided on these)."""
        return areas_of(self.board(name))

    def load(self, path: Path, name: str, *, source: str) -> IngestResult:
        """Load a validated file as dataset ``name`` (all or nothing)."""
        if not re.match(NAME_PATTERN, name):
            raise UserError("error.own_name_invalid", 400, name=name)
        with self._lock:
            store = self._open(create=True)
            assert store is not None
            if name in store.dataset_names():
                raise UserError("error.own_name_in_use", 409, name=name)
            result = ingest_file(store, path, dataset=name)
            # the temporary path of the upload means nothing to the user: keep the uploaded name
            store.set_source(name, source)
            self._forget(name)
            return result

    def _forget(self, name: str) -> None:
        for key in [k for k in self._boards if k[0] == name]:
            self._boards.pop(key)

    def delete(self, name: str, *, may: Callable[[list[str]], bool] | None = None) -> None:
        """Remove a dataset; the file itself when it was the last one. ``may(areas)``: whether
        the one asking may delete a dataset of these areas (checked under the same lock)."""
        with self._lock:
            store = self._open()
            if store is None or name not in store.dataset_names() or (may is not None and not may(self.areas(name))):
                raise not_found("error.no_own_dataset", name=name)
            with store.transaction():
                store.delete_dataset(name)
            store.checkpoint()
            self._forget(name)
            left = store.dataset_names()
            self.close()
            if left:  # the others stay, in a fresh file without the deleted rows' bytes
                compact(self.path)
            else:
                for p in (self.path, self.path.with_name(self.path.name + ".wal"), self.path.with_name(self.path.name + ".key")):
                    p.unlink(missing_ok=True)


def municipalities_of(board: Published) -> list[str]:
    return board.mirror.geographies("municipality")


def areas_of(board: Published) -> list[str]:
    """The finest areas of a dataset: its municipalities, else its regions (a table by AMR), else NL."""
    return municipalities_of(board) or board.mirror.geographies("amr") or [NATIONAL_CODE]


class OwnParams(Params):
    name: Annotated[str, Field(pattern=NAME_PATTERN, description="Name of the own dataset")]
    year: Year
    geography: Annotated[str, Field(pattern=r"^GM\d{4}$", description="A municipality in the own dataset")]
    moment: Moment = "employed"
    lang: Language = "nl"


def own_board(reference: Published, name: str, year: int, geography: str, moment: str) -> Published:
    """The own dataset's door (under the reference door's policy), checked for year, area and moment."""
    if reference.own is None:
        raise not_found("error.no_own_db")
    own: Published = reference.own.board(name, reference.policy)
    own.check(year=year)
    if geography not in municipalities_of(own):
        raise not_found("error.own_not_in_dataset", code=geography, codes=", ".join(municipalities_of(own)))
    if moment not in MOMENTS:
        raise not_found("error.unknown_moment", moment=moment)
    return own


def in_reference(groupings: pd.Series) -> np.ndarray:
    """Whether the reference (national) data has each grouping's characteristics: not so for a
    grouping with an own characteristic of the client file."""
    return np.array([g == ALL or all(c in CHARACTERISTIC_NAMES for c in g.split(SEP)) for g in groupings], dtype=bool)


def display_order(characteristics: dict[str, Characteristic], rows: pd.DataFrame) -> np.ndarray:
    """Rows in display order: everyone, then each characteristic's groups as its code list has
    them (the own characteristics after the standard ones)."""
    position = {(n, c): i for i, (n, c) in enumerate((n, c) for n in characteristics for c in characteristics[n].codes)}
    width = len(position) + 1
    keys = []
    for grouping, group in zip(rows.grouping, rows.group):
        if grouping == ALL:
            keys.append(-1)
            continue
        key = 0
        for n, c in zip(grouping.split(SEP), group.split(SEP)):
            key = key * width + position.get((n, c), width - 1)
        keys.append(key)
    return np.argsort(np.array(keys, dtype=np.int64), kind="stable")


def compute(reference: Published, p: OwnParams) -> pd.DataFrame:
    """The own mirror of one municipality beside the reference figures of its AMR and the
    country, per group of every single characteristic (the file's own ones too), at one moment.

    Every number is published under each door's policy. The test of the own chance against the
    national one is `disclosure.published_comparison` (a bound over every exact count
    consistent with the published counts, the own file and the reference taken as independent
    samples, Benjamini–Hochberg over the rows shown); the test against everyone else in the own
    file is the engine's (as on every page). An own characteristic has no reference figures:
    ``in_reference`` says so."""
    own = own_board(reference, p.name, p.year, p.geography, p.moment)
    chars = own.mirror.characteristics
    amr = municipalities().set_index("gm_code").loc[p.geography, "amr_code"]
    wanted = lambda g: g[g.grouping.isin([ALL, *chars]) & (g.moment == p.moment)]  # noqa: E731
    rows = wanted(own.groups(p.year, p.geography)).drop(columns=["national_rate", "national_ci_low", "national_ci_high"])
    has_reference = p.year in reference.years
    cols = ["grouping", "group", "rate", "rate_ci_low", "rate_ci_high", "suppressed"]
    for code, prefix in ((amr, "amr"), (NATIONAL_CODE, "national")):
        if has_reference:
            ref = wanted(reference.groups(p.year, code))[cols].rename(columns={c: f"{prefix}_{c}" for c in cols[2:]})
            rows = rows.merge(ref, on=["grouping", "group"], how="left")
        else:
            for c in cols[2:]:
                rows[f"{prefix}_{c}"] = np.nan
    rows["difference_vs_national_pp"] = 100 * (rows["rate"] - rows["national_rate"])
    q = np.full(len(rows), np.nan)
    if has_reference:
        keys = ["grouping", "group"]
        national = rows[keys].merge(wanted(reference.groups(p.year, NATIONAL_CODE))[[*keys, "denominator", "count"]], on=keys, how="left")
        q = published_comparison(rows, national, own.policy, reference.policy)
    rows["q_value_vs_national"] = significant_digits(q)
    rows["significant_vs_national"] = q < 0.05
    rows["in_reference"] = in_reference(rows.grouping)
    rows["label"] = [group_label(g, k, p.lang, chars) for g, k in zip(rows.grouping, rows.group)]
    rows["characteristic_label"] = [chars[g].label(p.lang) if g != ALL else "" for g in rows.grouping]
    rows = rows.iloc[display_order(chars, rows)]
    return rows[[c.name for c in VIEW.columns]].reset_index(drop=True)


class OwnComparison(BaseModel):
    geography: str
    name: str
    amr: str
    amr_name: str
    year: int
    moment: str
    reference_dataset: str
    reference_synthetic: bool
    has_reference: bool
    rows: list[dict[str, Any]]


def as_object(rows: pd.DataFrame, reference: Published, p: OwnParams) -> dict[str, Any]:
    amr = str(municipalities().set_index("gm_code").loc[p.geography, "amr_code"])
    return {
        "geography": p.geography,
        "name": geography_names(p.lang)[p.geography],
        "amr": amr,
        "amr_name": geography_names(p.lang)[amr],
        "year": p.year,
        "moment": p.moment,
        "reference_dataset": reference.mirror.dataset,
        "reference_synthetic": reference.mirror.synthetic,
        "has_reference": p.year in reference.years,
        "rows": records(rows),
    }


VIEW = register(
    View(
        name="own",
        summary="An own dataset's municipality beside the reference AMR and national figures",
        params=OwnParams,
        columns=columns(
            "grouping:code",
            "characteristic_label:text",
            "group:code",
            "label:text",
            "population",
            "denominator",
            "count",
            "rate:rate",
            "rate_ci_low:rate",
            "rate_ci_high:rate",
            "amr_rate:rate",
            "amr_rate_ci_low:rate",
            "amr_rate_ci_high:rate",
            "national_rate:rate",
            "national_rate_ci_low:rate",
            "national_rate_ci_high:rate",
            "difference_vs_national_pp:pp",
            "q_value_vs_national:p",
            "significant_vs_national:flag",
            "rest_rate:rate",
            "rate_difference:pp",
            "q_value:p",
            "significant:flag",
            "in_reference:flag",
            "suppressed:flag",
        ),
        compute=compute,
        page="own",
        shape="object",
        as_object=as_object,
        object_model=OwnComparison,
        tags=("own data",),
        cache=False,
    )
)
