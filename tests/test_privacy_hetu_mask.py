"""The loaders' henkilötunnus guard (:func:`hb_eval.data.loaders.common.hetu_mask`) flags
exactly the cells :func:`hb_eval.privacy.contains_hetu` finds a code in: its one-search
prefilter (six digits in a row, invisible characters allowed between them) never hides a code
the gate would find, in any spelling, split by any space or invisible character."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.data.loaders.common import hetu_mask
from hb_eval.privacy import contains_hetu

from test_privacy_gate import INVISIBLES, SPELLINGS, SPLIT, UNICODE_SPACES


def _oracle(values) -> list[bool]:
    return [v is not None and contains_hetu(v) for v in values]


def test_every_spelling_and_split_is_flagged_and_nothing_else():
    texts = []
    for code in SPELLINGS + [c for _, c in SPLIT]:
        texts += [code, f"asiakas_{code}.xlsx", f"{code}abc", f"Tunnus: {code}.", f"x\u00a0{code}"]
    texts += ["131052-308U", "0410712", "30.12.2017", "2018-03-01", "1 234,50", None, "",
              "puhelin 0401234567", "1131052-308T", "12\u200b34\u200b56 ei koodi"]
    values = np.array(texts * 2, dtype=object)  # repeated texts: each distinct one once
    got = hetu_mask(pd.Series(values, dtype=object))
    assert got.tolist() == _oracle(values)
    assert got[:len(SPELLINGS)].all()


_PARTS = st.sampled_from(
    list(INVISIBLES.values()) + list(UNICODE_SPACES.values())
    + ["131052", "308T", "-", "A", "+", "3001803215", "0", "9", " ", "x", "ä", "\n", "12",
       "1310", "52", "308t", "300180", "–"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_PARTS, max_size=8).map("".join), min_size=1, max_size=12))
def test_mask_equals_the_gate_on_drawn_texts(texts):
    values = np.array(texts + [None], dtype=object)
    assert hetu_mask(pd.Series(values, dtype=object)).tolist() == _oracle(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_PARTS, max_size=8).map("".join), min_size=1, max_size=12),
       st.lists(st.lists(_PARTS, max_size=8).map("".join), max_size=4))
def test_mask_with_the_grids_texts_equals_the_gate(texts, others):
    """Given the grid's texts (the cells' own and others, e.g. its header row's), the mask
    is still the gate's cell by cell."""
    values = np.array(texts + [None, float("nan")], dtype=object)
    assert hetu_mask(values, frozenset(set(texts) | set(others))).tolist() == _oracle(values)


def test_texts_decide_without_the_cells_only_when_no_code():
    """A set of texts none of which holds a code answers "no code" (they are every text of
    the cells: a sheet without a code is not looked at cell by cell); once one holds a code,
    a cell's text the set lacks is screened too (the cells' own distinct values decide)."""
    values = np.array(["131052-308T", "x", "Tunnus 131052A308T", "x"], dtype=object)
    assert hetu_mask(values, frozenset({"x", "y"})).tolist() == [False] * 4
    assert hetu_mask(values, frozenset({"x", "131052-308T"})).tolist() == [
        True, False, True, False]
