"""`Published`: the one door to published figures of one `Mirror` under one policy.

Every view (`VIEWS`) is computed through `Published.view`, which validates nothing itself (the
view's parameter model did), caches the result per parameters, and serialises database access.
Numbers come from `Mirror.published` (stored at ingest for the public policy), never from
exact counts unless the policy is exact."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from kansenspiegel.codes import NATIONAL_CODE
from kansenspiegel.disclosure import PUBLIC, Policy
from kansenspiegel.errors import UserError, not_found
from kansenspiegel.geography import geo_level_of, geography_names, municipalities
from kansenspiegel.mirror import Mirror
from kansenspiegel.views._registry import VIEWS, Params

#: the published national figures beside a row, and their names there
NATIONAL_COLUMNS = {"rate": "national_rate", "rate_ci_low": "national_ci_low", "rate_ci_high": "national_ci_high"}
#: how many view results are kept (per `Published`)
CACHE_SIZE = 2048


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN/NA become None, numpy scalars plain Python."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                clean[str(k)] = None
            elif isinstance(v, np.integer):
                clean[str(k)] = int(v)
            elif isinstance(v, np.floating):
                clean[str(k)] = None if math.isnan(v) else float(v)
            elif isinstance(v, np.bool_):
                clean[str(k)] = bool(v)
            else:
                clean[str(k)] = v
        out.append(clean)
    return out


def area_chain(geography: str) -> list[str]:
    """An area, its AMR (for a municipality) and the country: what a view shows it beside."""
    chain = [geography]
    if geo_level_of(geography) == "municipality":
        chain.append(str(municipalities().set_index("gm_code").loc[geography, "amr_code"]))
    if geography != NATIONAL_CODE:
        chain.append(NATIONAL_CODE)
    return chain


class Published:
    """Published views of one `Mirror` under one `Policy` (thread-safe)."""

    def __init__(self, mirror: Mirror, policy: Policy = PUBLIC) -> None:
        self.mirror = mirror
        self.policy = policy
        self._lock = threading.RLock()
        self._memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        #: the server's own-data database, if any (`views.own.OwnData`)
        self.own: Any = None

    # -- what there is --------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, ...]:
        return self.mirror.years

    @property
    def default_year(self) -> int:
        return 2018 if 2018 in self.years else self.years[-1]

    def year(self, year: int | None) -> int:
        """The year asked for (checked), or the default year."""
        y = self.default_year if year is None else year
        self.check(year=y)
        return y

    def check(self, *, year: int | None = None, geography: str | None = None) -> None:
        if year is not None and year not in self.years:
            raise not_found("error.no_year", year=year, years=", ".join(map(str, self.years)))
        if geography is not None and geography not in geography_names():
            raise not_found("error.unknown_geography", code=geography)

    # -- the door -------------------------------------------------------------------------------
    def view(self, name: str, params: Params) -> pd.DataFrame:
        """The rows of view ``name`` for ``params`` (computed once, then from the cache)."""
        if name not in VIEWS:
            raise not_found("error.unknown_view", view=name)
        view = VIEWS[name]
        if not view.cache:
            return view.compute(self, params)
        return self.memo(("view", name, params), lambda: view.compute(self, params))  # type: ignore[no-any-return]

    def memo(self, key: tuple[Any, ...], make: Any) -> Any:
        """A value computed once per key and kept (the most recent `CACHE_SIZE`): view results,
        each area's published rows, findings."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = make()
        with self._lock:
            self._memo[key] = value
            if len(self._memo) > CACHE_SIZE:
                self._memo.popitem(last=False)
        return value

    def run(self, name: str, /, **values: Any) -> pd.DataFrame:
        """`view` with the parameters as keywords (validated by the view's model)."""
        if name not in VIEWS:
            raise not_found("error.unknown_view", view=name)
        try:
            params = VIEWS[name].params(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise UserError("error.invalid_parameter", 422, name=".".join(map(str, first["loc"])), problem=first["msg"]) from exc
        return self.view(name, params)

    # -- building blocks of views ---------------------------------------------------------------
    def groups(self, year: int, geography: str) -> pd.DataFrame:
        """Every published metric row (all groupings, all moments) of one area and year."""
        self.check(year=year, geography=geography)

        def read() -> pd.DataFrame:
            with self._lock:
                return self.mirror.published(year=year, geography=geography, policy=self.policy)

        return self.memo(("groups", year, geography), read)  # type: ignore[no-any-return]

    def across(self, **filters: Any) -> pd.DataFrame:
        """Published rows of one year filtered by level, grouping, group and moment (a map)."""
        with self._lock:
            return self.mirror.published(policy=self.policy, **filters)

    def with_national(self, rows: pd.DataFrame, year: int) -> pd.DataFrame:
        """``rows`` with the published national chance and interval of each row's group and moment."""
        nl = self.groups(year, NATIONAL_CODE)[["grouping", "group", "moment", *NATIONAL_COLUMNS]].rename(columns=NATIONAL_COLUMNS)
        return rows.drop(columns=[c for c in NATIONAL_COLUMNS.values() if c in rows.columns]).merge(nl, on=["grouping", "group", "moment"], how="left")

    def locked(self) -> threading.RLock:
        """The lock that serialises this door's database access (for callers outside views)."""
        return self._lock

    def geographies(self) -> list[dict[str, str]]:
        gm = municipalities()
        rows = [{"code": NATIONAL_CODE, "name": geography_names()[NATIONAL_CODE], "level": "national", "amr": ""}]
        amrs = gm[["amr_code", "amr_name"]].drop_duplicates().sort_values("amr_code")
        rows += [{"code": r.amr_code, "name": r.amr_name, "level": "amr", "amr": r.amr_code} for r in amrs.itertuples()]
        rows += [{"code": r.gm_code, "name": r.gm_name, "level": "municipality", "amr": r.amr_code} for r in gm.sort_values("gm_name").itertuples()]
        return rows
