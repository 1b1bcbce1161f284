"""The load's once-per-distinct-value lookups equal pandas' own per-row operations (the peers
they replace): categorical columns in ``conform`` and the consent / orphan membership test."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from hb_eval.data.dataset import _ids_in
from hb_eval.data.loaders.tables import ARMS, SECTORS, _categorical

_NA = st.sampled_from([None, np.nan, pd.NA])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SECTORS), _NA), max_size=30))
def test_categorical_equals_pandas(values: list) -> None:
    dt = pd.CategoricalDtype(SECTORS)
    got = _categorical(pd.Series(values, dtype=object), dt, "t.c")
    vals = pd.Series(values, dtype=object)
    want = pd.Categorical(vals.where(vals.notna(), None), dtype=dt)
    assert got.dtype == want.dtype
    assert got.codes.tolist() == want.codes.tolist()


def test_categorical_refuses_a_value_outside() -> None:
    with pytest.raises(ValueError, match="t.arm: value outside the categories"):
        _categorical(pd.Series(["HB", "hb", None], dtype=object), pd.CategoricalDtype(ARMS),
                     "t.arm")


_IDS = st.sampled_from(["0410712", "0410713", "0520101", "", " 0410712", "x"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(_IDS, _NA), max_size=30), st.sets(_IDS, max_size=4),
       st.sampled_from([object, "string"]))
def test_ids_in_equals_string_isin(values: list, ids: set, dtype) -> None:
    col = pd.Series(values, dtype=object)
    if dtype == "string":
        col = col.astype("string")
    hit, present = _ids_in(col, ids)
    cid = col.astype("string")
    assert hit.tolist() == cid.isin(ids).fillna(False).astype(bool).tolist()
    assert present.tolist() == cid.notna().tolist()
