"""`Mirror`: the Python API — one object to compute and query the equal-opportunities mirror.

>>> from kansenspiegel import Mirror
>>> m = Mirror.open("kansenspiegel.duckdb")                       # doctest: +SKIP
>>> m.by_group(year=2018, geography="AM05", characteristics="gender", moment="employed")  # doctest: +SKIP
>>> m.table(year=2018, geography="NL")                            # Table 2.1 layout  # doctest: +SKIP

Every query returns a pandas DataFrame (``.to_arrow()`` on the result's source gives Arrow).
The CLI and the web are thin layers over this class.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from kansenspiegel.codes import ALL, CHARACTERISTICS, MOMENTS, NATIONAL_CODE, TABLE_2_1_CHARACTERISTICS, UNKNOWN, Characteristic, Lang, grouping_name
from kansenspiegel.cube import covariate_counts
from kansenspiegel.disclosure import PUBLIC, Policy, mask_from_table, publish_metrics, suppression_mask
from kansenspiegel.errors import InvalidRequest
from kansenspiegel.geography import geo_level_of, geography_names, municipalities
from kansenspiegel.ingest import ingest_frame, stored_characteristics
from kansenspiegel.store import Store
from kansenspiegel.tables import table_2_1

__all__ = ["Mirror"]


class Mirror:
    """The mirror of one dataset: its cube of counts and its metric table.

    Build it with `Mirror.open` (a database written by ``kansenspiegel ingest``),
    `Mirror.from_microdata` or `Mirror.from_counts` (a DataFrame following the data contract;
    computed in an in-memory DuckDB). Results are computed once, at ingest; queries only filter.
    """

    def __init__(self, *, store: Store, dataset: str | None = None) -> None:
        names = store.dataset_names()
        if dataset is None:
            if len(names) == 1:
                dataset = names[0]
            elif "demo" in names:
                dataset = "demo"
            else:
                raise InvalidRequest("error.choose_dataset", 400, names=", ".join(names) or "-")
        if dataset not in names:
            raise InvalidRequest("error.unknown_dataset", 404, name=dataset, names=", ".join(names) or "-")
        self._store = store
        self._dataset = dataset
        info = store.datasets().set_index("name").loc[dataset]
        self._synthetic = bool(info["synthetic"])
        self._years = tuple(int(y) for y in str(info["years"]).split(","))
        self._own = stored_characteristics(store, dataset)
        self._masks: dict[tuple[int, Policy], pd.DataFrame] = {}
        self._published: dict[tuple[int, Policy], pd.DataFrame] = {}

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, *, dataset: str | None = None) -> Mirror:
        """The mirror of a dataset in a database file (read-only)."""
        return cls(store=Store(path, read_only=True), dataset=dataset)

    @classmethod
    def from_microdata(cls, frame: pd.DataFrame, *, dataset: str = "data", synthetic: bool = False) -> Mirror:
        """Compute the mirror of person rows (validated against the data contract) in memory."""
        store = Store(":memory:")
        ingest_frame(store, frame, source="<DataFrame>", dataset=dataset, kind="microdata", synthetic=synthetic)
        return cls(store=store, dataset=dataset)

    @classmethod
    def from_counts(cls, frame: pd.DataFrame, *, dataset: str = "data") -> Mirror:
        """Compute the mirror of aggregated counts (e.g. a CBS table) in memory."""
        store = Store(":memory:")
        ingest_frame(store, frame, source="<DataFrame>", dataset=dataset, kind="aggregated")
        return cls(store=store, dataset=dataset)

    # -- what it holds ------------------------------------------------------------------------
    @property
    def dataset(self) -> str:
        return self._dataset

    @property
    def synthetic(self) -> bool:
        """True for the demo data: everything shown from it must say so."""
        return self._synthetic

    @property
    def years(self) -> tuple[int, ...]:
        return self._years

    @property
    def own_characteristics(self) -> list[Characteristic]:
        """The characteristics an own client file brought (``kenmerk:statushouder``); the
        national data has none of them."""
        return list(self._own)

    @property
    def characteristics(self) -> dict[str, Characteristic]:
        """Every characteristic of this dataset: the standard ones, then its own ones."""
        return {**CHARACTERISTICS, **{c.name: c for c in self._own}}

    @property
    def characteristic_names(self) -> tuple[str, ...]:
        return tuple(self.characteristics)

    @property
    def cube(self) -> pd.DataFrame:
        """All counts: one row per year x geography x grouping x group."""
        return self._table("cube").to_pandas()

    @property
    def metrics(self) -> pd.DataFrame:
        """All metrics, long format: one row per year x geography x grouping x group x moment."""
        return self._table("metrics").to_pandas()

    def select(self, *, year: int | None = None, geography: str | None = None) -> pd.DataFrame:
        """Metric rows of one year and/or one geography (all of them when both are None)."""
        t = self._table("metrics")
        if year is not None:
            if year not in self._years:
                raise InvalidRequest("error.no_year", 404, year=year, years=", ".join(map(str, self._years)))
            t = t.filter(t.year == year)
        if geography is not None:
            if geography not in geography_names():
                raise InvalidRequest("error.unknown_geography", 404, code=geography)
            t = t.filter(t.geography == geography)
        return t.to_pandas()

    def to_arrow(self) -> pa.Table:
        """The metric table as an Arrow table."""
        return self._table("metrics").to_pyarrow()

    # -- queries ------------------------------------------------------------------------------
    def by_group(
        self,
        *,
        year: int,
        geography: str = NATIONAL_CODE,
        characteristics: str | Sequence[str] | None = None,
        moment: str | None = None,
    ) -> pd.DataFrame:
        """Metrics per group for one year and geography; ``characteristics`` picks the grouping
        (one name or up to three; ``None`` = every grouping), ``moment`` one moment."""
        t = self._cell_filter(self._table("metrics"), year, geography)
        if characteristics is not None:
            t = t.filter(t.grouping == self._grouping(characteristics))
        if moment is not None:
            if moment not in MOMENTS:
                raise InvalidRequest("error.unknown_moment", 404, moment=moment)
            t = t.filter(t.moment == moment)
        return t.to_pandas()

    def overall(self, *, year: int, geography: str = NATIONAL_CODE) -> pd.DataFrame:
        """The funnel: everyone's counts and chances at each moment, with the national figure."""
        t = self._cell_filter(self._table("metrics"), year, geography)
        t = t.filter(t.grouping == ALL)
        return t.select("geography", "moment", "denominator", "count", "rate", "rate_ci_low", "rate_ci_high", "national_rate").to_pandas()

    def across(
        self,
        *,
        year: int,
        level: str,
        characteristics: str | Sequence[str] | None,
        group: str,
        moment: str,
    ) -> pd.DataFrame:
        """One group's metrics at one moment in every geography of a level (``amr`` or
        ``municipality``): the data of a map and a ranking."""
        if level not in ("amr", "municipality", "national"):
            raise InvalidRequest("error.unknown_level", 404, level=level)
        if year not in self._years:
            raise InvalidRequest("error.no_year", 404, year=year, years=", ".join(map(str, self._years)))
        if moment not in MOMENTS:
            raise InvalidRequest("error.unknown_moment", 404, moment=moment)
        grouping = ALL if not characteristics else self._grouping(characteristics)
        t = self._table("metrics")
        t = t.filter((t.year == year) & (t.geo_level == level) & (t.grouping == grouping) & (t.group == group) & (t.moment == moment))
        return t.order_by("geography").to_pandas()

    def counts(self, *, year: int, geography: str = NATIONAL_CODE, characteristics: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of the cube (exact counts) for one year and geography."""
        t = self._cell_filter(self._table("cube"), year, geography)
        if characteristics is not None:
            t = t.filter(t.grouping == self._grouping(characteristics))
        return t.to_pandas()

    def table(
        self,
        *,
        year: int,
        geography: str = NATIONAL_CODE,
        characteristics: Sequence[str] = TABLE_2_1_CHARACTERISTICS,
        lang: Lang = "nl",
        policy: Policy = PUBLIC,
        secondary: bool = True,
    ) -> pd.DataFrame:
        """The report's Table 2.1 layout, published under ``policy``: rounded, small cells
        hidden, and (``secondary``) every cell that would reveal a hidden one by subtraction."""
        t = self._cell_filter(self._table("cube"), year, geography)
        t = t.filter(t.grouping.isin(list(characteristics)))
        mask = self.suppression(year=year, policy=policy) if secondary and not policy.exact else None
        unknown = [c for c in characteristics if c not in self.characteristics]
        if unknown:
            raise InvalidRequest("error.unknown_characteristic", 404, name=unknown[0], choices=", ".join(self.characteristics))
        return table_2_1(t.to_pandas(), list(characteristics), lang=lang, policy=policy, mask=mask, specs=self.characteristics)

    def published(
        self,
        *,
        year: int,
        geography: str | None = None,
        policy: Policy = PUBLIC,
        level: str | None = None,
        grouping: str | None = None,
        group: str | None = None,
        moment: str | None = None,
    ) -> pd.DataFrame:
        """Every metric row of one year (or one geography of it) as it may be published:
        `publish_metrics` over the whole year, with its primary and secondary suppression.

        Under the public policy this was computed at ingest and is only read; another policy is
        computed for the whole year on first use and kept (the q-values need whole families,
        the test against the country the national rows). ``level``, ``grouping``, ``group`` and
        ``moment`` filter the rows (e.g. one group at one moment in every AMR: a map)."""
        self._check_year(year)
        if geography is not None and geography not in geography_names():
            raise InvalidRequest("error.unknown_geography", 404, code=geography)
        wanted = {"geography": geography, "geo_level": level, "grouping": grouping, "group": group, "moment": moment}
        filters = {k: v for k, v in wanted.items() if v is not None}
        if policy == PUBLIC and self._store.has("published"):
            order = ("geography",) if geography is None else ()
            return self._store.rows("published", order_by=order, dataset=self._dataset, year=year, **filters)
        key = (year, policy)
        if key not in self._published:
            mask = None if policy.exact else self.suppression(year=year, policy=policy)
            self._published[key] = publish_metrics(self.select(year=year), policy, mask=mask)
        frame = self._published[key]
        keep = np.ones(len(frame), dtype=bool)
        for column, value in filters.items():
            keep &= (frame[column] == value).to_numpy()
        return frame[keep].reset_index(drop=True)

    def covariate_counts(self, *, year: int, geography: str = NATIONAL_CODE) -> pd.DataFrame | None:
        """Exact counts of one area and year per characteristics x covariate cell
        (`cube.covariate_counts`), for the adjusted gaps; None for a dataset without person rows
        (a table of counts) or without any covariate."""
        self._check_year(year)
        if geography not in geography_names():
            raise InvalidRequest("error.unknown_geography", 404, code=geography)
        if not self._store.has("persons"):
            return None
        persons = self._table("persons").filter(ibis._.year == year)
        level = geo_level_of(geography)
        if level == "municipality":
            persons = persons.filter(persons.municipality == geography)
        elif level == "amr":
            gms = municipalities()
            persons = persons.filter(persons.municipality.isin(list(gms.loc[gms.amr_code == geography, "gm_code"])))
        frame = covariate_counts(persons).to_pandas()
        covariates = ["education_level", "dutch_language_level", "months_band", "recent_work_experience"]
        if frame.empty or (frame[covariates] == UNKNOWN).all().all():
            return None
        return frame

    def covariate_counts_everywhere(self, *, year: int) -> pd.DataFrame | None:
        """`covariate_counts` of every municipality, AMR and the country of one year at once
        (column ``geography``): one query, the regions summed from their municipalities."""
        self._check_year(year)
        if not self._store.has("persons"):
            return None
        persons = self._table("persons").filter(ibis._.year == year)
        frame = covariate_counts(persons, by=("municipality",)).to_pandas()
        if frame.empty:
            return None
        keys = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) and c != "municipality"]
        amr = frame.assign(geography=frame.municipality.map(municipalities().set_index("gm_code").amr_code))
        parts = [
            frame.rename(columns={"municipality": "geography"}),
            amr.drop(columns="municipality").groupby(["geography", *keys], as_index=False, dropna=False).sum(),
            frame.drop(columns="municipality").groupby(keys, as_index=False, dropna=False).sum().assign(geography=NATIONAL_CODE),
        ]
        return pd.concat(parts, ignore_index=True)

    def geographies(self, level: str) -> list[str]:
        """The codes of one level (``national``, ``amr``, ``municipality``) that have data."""
        t = self._table("cube")
        return sorted(t.filter(t.geo_level == level).select("geography").distinct().to_pandas()["geography"].astype(str))

    def suppression(self, *, year: int, policy: Policy = PUBLIC) -> pd.DataFrame:
        """Primary + secondary suppression of the whole cube of one year (stored at ingest for
        the public policy; computed once per other policy)."""
        key = (year, policy)
        if key not in self._masks:
            self._check_year(year)
            if policy == PUBLIC and self._store.has("suppression"):
                self._masks[key] = mask_from_table(self._table("suppression").filter(ibis._.year == year).to_pandas())
            else:
                t = self._table("cube")
                self._masks[key] = suppression_mask(t.filter(t.year == year).to_pandas(), policy).sort_index()
        return self._masks[key]

    def _check_year(self, year: int) -> None:
        if year not in self._years:
            raise InvalidRequest("error.no_year", 404, year=year, years=", ".join(map(str, self._years)))

    # -- helpers ------------------------------------------------------------------------------
    def _table(self, name: str) -> ir.Table:
        t = self._store.table(name)
        return t.filter(t.dataset == self._dataset)

    def _cell_filter(self, t: ir.Table, year: int, geography: str) -> ir.Table:
        if year not in self._years:
            raise InvalidRequest("error.no_year", 404, year=year, years=", ".join(map(str, self._years)))
        if geography not in geography_names():
            raise InvalidRequest("error.unknown_geography", 404, code=geography)
        return t.filter((t.year == year) & (t.geography == geography))

    def _grouping(self, characteristics: str | Sequence[str]) -> str:
        chars = [characteristics] if isinstance(characteristics, str) else list(characteristics)
        if len(chars) > 3:
            raise ValueError("at most three characteristics can be combined")
        return grouping_name(chars, self.characteristic_names) if chars != [ALL] else ALL

    def __repr__(self) -> str:
        flag = ", synthetic" if self._synthetic else ""
        return f"<Mirror dataset={self._dataset!r} years={self._years[0]}–{self._years[-1]}{flag}>"
