"""`row_positions` / `Lookup` / `group_ids` give what pandas' MultiIndex lookups and
``groupby(sort=False).ngroup()`` give, on random keys with repeats, misses and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kansenspiegel.disclosure._positions import Lookup, group_ids, row_positions

words = st.sampled_from(["GM0363", "AM01", "NL01", "all", "female", "female+yes", "ë", ""])
rows = st.lists(st.tuples(words, st.integers(2015, 2017), words), min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(hay=rows.filter(bool), needles=rows.filter(bool))
def test_row_positions_match_multiindex(hay: list, needles: list) -> None:
    h = pd.DataFrame(hay, columns=["a", "y", "b"])
    n = pd.DataFrame(needles, columns=["a", "y", "b"])
    index = pd.MultiIndex.from_frame(h)
    first = pd.Series(np.arange(len(h)), index=index)
    first = first[~first.index.duplicated()]
    expected = first.reindex(pd.MultiIndex.from_frame(n)).fillna(-1).astype(np.int64).to_numpy()
    found = row_positions([n.a, n.y.to_numpy(), n.b.astype("string")], [h.a, h.y, h.b])
    np.testing.assert_array_equal(found, expected)


def test_lookup_takes_scalars_and_says_when_absent() -> None:
    find = Lookup([pd.Series(["GM1", "GM1", "AM1"]), pd.Series(["all", "gender", "all"])])
    np.testing.assert_array_equal(find([pd.Series(["AM1", "GM1", "GM9"]), "all"]), [2, 0, -1])
    np.testing.assert_array_equal(find(["GM1", pd.Series(["gender", "age"])]), [1, -1])


@settings(max_examples=150, deadline=None)
@given(data=rows, missing=st.lists(st.booleans(), max_size=40))
def test_group_ids_match_ngroup(data: list, missing: list) -> None:
    frame = pd.DataFrame(data, columns=["a", "y", "b"])
    frame["b"] = frame["b"].astype(object)
    for i, gone in enumerate(missing[: len(frame)]):
        if gone:
            frame.loc[i, "b"] = None
    # pandas numbers a group with a missing value NaN; here it is -1
    expected = frame.groupby(["a", "y", "b"], sort=False).ngroup().fillna(-1).astype(np.int64).to_numpy() if len(frame) else np.zeros(0, dtype=np.int64)
    np.testing.assert_array_equal(group_ids([frame.a, frame.y, frame.b]), expected)
