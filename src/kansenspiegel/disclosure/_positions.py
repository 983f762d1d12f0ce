"""Where rows of one table are in another, by key columns, without building a pandas MultiIndex.

Disclosure control looks up, for each of ~800,000 metric rows, the cube cell (or the national
cell) it came from: a MultiIndex of three text columns is ~1 s of pandas work per lookup. Here
each key column is dictionary-encoded by Arrow (in C++) against the values of the table looked
in, the codes are combined into one integer per row, and the integers are found by a sorted
search (numpy): the same answer, ~10× faster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: object, n: int) -> pa.Array:
    """A key column as an Arrow array of one type per kind (text, integer); a scalar is repeated."""
    if isinstance(values, (str, int, np.integer)):
        values = [values] * n
    if isinstance(values, pd.Series):
        values = values.array
    array = pa.array(values) if not isinstance(values, (pa.Array, pa.ChunkedArray)) else values
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        return pc.cast(array, pa.large_string())
    if pa.types.is_integer(kind):
        return pc.cast(array, pa.int64())
    return array


class Lookup:
    """The rows of a table by key columns (``haystack``: one array or Series per column), encoded
    once to be looked in many times."""

    def __init__(self, haystack: Sequence[object]) -> None:
        m = len(haystack[0])  # type: ignore[arg-type]
        key = np.zeros(m, dtype=np.int64)
        self.values: list[pa.Array] = []
        self.sizes: list[int] = []
        for hay in haystack:
            h = _arrow(hay, m)
            values = pc.unique(h)
            size = len(values) + 1
            if np.iinfo(np.int64).max // size <= max(int(key.max(initial=0)), 1):
                raise OverflowError("too many distinct keys to combine")
            key = key * size + pc.index_in(h, value_set=values).to_numpy(zero_copy_only=False).astype(np.int64)
            self.values.append(values)
            self.sizes.append(size)
        self.unique, self.first = np.unique(key, return_index=True)

    def __call__(self, needles: Sequence[object]) -> np.ndarray:
        """For each row of ``needles`` (one array, Series or scalar per key column), the position
        of the first row of the haystack with equal keys; -1 where there is none."""
        n = next(len(v) for v in needles if not isinstance(v, (str, int, np.integer)))  # type: ignore[arg-type]
        key = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        for needle, values, size in zip(needles, self.values, self.sizes):
            code = pc.fill_null(pc.index_in(_arrow(needle, n), value_set=values), -1).to_numpy(zero_copy_only=False).astype(np.int64)
            missing |= code < 0
            key = key * size + np.maximum(code, 0)
        if not len(self.unique):
            return np.full(n, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.unique, key), len(self.unique) - 1)
        return np.where(~missing & (self.unique[at] == key), self.first[at], -1)


def row_positions(needles: Sequence[object], haystack: Sequence[object]) -> np.ndarray:
    """`Lookup` of ``haystack`` asked once."""
    return Lookup(haystack)(needles)


def group_ids(columns: Sequence[object]) -> np.ndarray:
    """An id per row for its combination of values of ``columns`` (arrays or Series), numbered in
    the order the combinations first appear (as pandas' ``groupby(sort=False).ngroup()``); -1
    where a value is missing."""
    n = len(columns[0])  # type: ignore[arg-type]
    key = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    for column in columns:
        encoded = pc.dictionary_encode(_arrow(column, n))
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        if encoded.null_count:
            missing |= np.isnan(codes)
            codes = np.nan_to_num(codes)
        size = len(encoded.dictionary) + 1
        if np.iinfo(np.int64).max // size <= max(int(key.max(initial=0)), 1):
            raise OverflowError("too many distinct keys to combine")
        key = key * size + codes.astype(np.int64)
    ids = np.full(n, -1, dtype=np.int64)
    ids[~missing] = pd.factorize(key[~missing])[0]  # numbered without the rows that have no group
    return ids
