"""parse.client_ids keeps a memo of the texts met in a load: a warm memo (texts seen in an
earlier file, also spelled otherwise) gives what the scalar parser gives cell by cell."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings, strategies as st

from hb_eval.data import parsing
from hb_eval.data.loaders import parse as P

_TEXTS = st.one_of(
    st.sampled_from(["0410712", "410712", "04-1-07-12", " 0410712 ", "04 1 07 12", "0410712.0",
                     "0710712", "0470712", "041071", "", "  ", "abc", "0410712x", "1"]),
    st.from_regex(r"0[1-6][1-6][0-9]{4}", fullmatch=True),
    st.text(max_size=12))
_CELLS = st.lists(st.one_of(st.none(), _TEXTS, st.integers(0, 9_999_999), st.just(410712.0),
                            st.just(True)), max_size=40)


def _expected(cells: list) -> dict[str, list]:
    ids = [None if c is None or (type(c) is str and not c.strip()) else
           parsing.normalize_client_id(c) for c in cells]
    return {
        "client_id": ids,
        "pilot_code": [c[0:2] if c else None for c in ids],
        "group_code": [c[2:3] if c else None for c in ids],
        "worker": [f"{c[0:2]}-{c[3:5]}" if c else None for c in ids]}


def _plain(col: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in col.tolist()]


@settings(max_examples=150, deadline=None)
@given(_CELLS, _CELLS)
def test_warm_memo_equals_the_scalar_parser(first: list, second: list) -> None:
    P.forget_client_ids()
    for cells in (first, second, first):  # cold, then texts seen before
        s = pd.Series([None if c is None or (type(c) is str and not c.strip()) else c
                       for c in cells], dtype=object)
        got = P.client_ids(s)
        exp = _expected(cells)
        for col in exp:
            assert _plain(got[col]) == exp[col], col
        blank = s.isna().to_numpy()
        assert (got["status"].to_numpy()[blank] == "blank").all()
        assert (got["status"] == "ok").tolist() == [c is not None for c in exp["client_id"]]
    P.forget_client_ids()


def test_one_and_true_are_not_one_key() -> None:
    # 1, 1.0 and True are equal dict keys: only texts are memoised
    P.forget_client_ids()
    got = P.client_ids(pd.Series(["0410712", 410712, 410712.0, True], dtype=object))
    assert _plain(got["client_id"]) == ["0410712", "0410712", "0410712", None]
    P.forget_client_ids()
