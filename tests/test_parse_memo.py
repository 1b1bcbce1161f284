"""parse_number and parse_date remember each text's answer within a load: the answer from the
memo equals the parse's own, whatever was parsed before, and a load starts with empty memos."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from hb_eval.data import parsing

_TEXTS = st.one_of(
    st.text(alphabet="0123456789 ,.-−€e\u00a0", max_size=12),
    st.builds(lambda d, m, y: f"{d}.{m}.{y}", st.integers(0, 32), st.integers(0, 13),
              st.integers(1989, 2100)),
    st.builds(lambda y, m, d: f"{y}-{m:02d}-{d:02d}", st.integers(1989, 2100),
              st.integers(0, 13), st.integers(0, 32)))


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=20))
def test_memo_gives_the_parse_answer(texts):
    for t in texts + texts:  # the second time from the memo
        assert parsing.parse_number(t) == parsing._parse_number(t)
        got, want = parsing.parse_date(t), parsing._parse_date(t)
        assert (got is None and want is None) or got == want


def test_hand_cases_and_forget():
    parsing.forget_parsed()
    assert parsing.parse_number("1 234,50 €") == 1234.5
    assert parsing.parse_number("1 234,50 €") == 1234.5
    assert parsing.parse_number("1.234,5") is None and parsing.parse_number("1.234,5") is None
    assert parsing.parse_date("1.3.2018") == pd.Timestamp("2018-03-01")
    assert parsing.parse_date("31.2.2018") is None and parsing.parse_date("31.2.2018") is None
    assert "1.3.2018" in parsing._DATES
    # a str subclass (numpy's) takes the parse itself, with the same answer
    assert parsing.parse_number(np.str_("12,5")) == 12.5
    assert parsing.parse_date(np.str_("2018-03-01")) == pd.Timestamp("2018-03-01")
    parsing.forget_parsed()
    assert not parsing._DATES and not parsing._NUMBERS
