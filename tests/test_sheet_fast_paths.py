"""The workbook sources' array paths give the scalar parsers' answers, cell by cell: client
numbers (:func:`hb_eval.data.loaders.parse.client_id_codes`, the common spellings through
:func:`hb_eval.data.parsing.plain_client_ids`) against
:func:`hb_eval.data.parsing.normalize_client_id`, and item
answers parsed over several columns at once (:func:`~hb_eval.data.loaders.parse.item_block`)
against the documented rule applied cell by cell with the scalar parser."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.data.loaders import parse as P
from hb_eval.data.parsing import normalize_client_id, parse_number

_ID_PARTS = st.sampled_from(["0", "1", "4", "6", "7", "9", "04", "0410712", "410712", " ",
                             "-", "–", ".0", ",0", "\u00a0", "٣", "²", "x", "00"])
_IDS = st.one_of(st.none(), st.lists(_ID_PARTS, max_size=10).map("".join),
                 st.text(alphabet="0123456789", min_size=6, max_size=8))


def test_client_id_codes_known_spellings():
    cells = np.array(["0410712", "0710712", "0400712", "0470712", "0010712", "410712",
                      " 0410712", "04-1-07-12", "041O712", "0６10712", None, "0410712",
                      "0611299", "0160000", "x" * 70, "04-1-07-12", "04 1 07 12", "04-1 07-12",
                      "07-1-07-12", "04-7-07-12", "04-1-0x-12", "04–1–07–12", "04--1-0712",
                      "0-41-07-12", " 4-1-07-12", "04_1_07_12", "041-07-12 "], dtype=object)
    codes, ids = P.client_id_codes(cells)
    assert ids[codes].tolist() == [normalize_client_id(v) for v in cells]
    assert codes[10] == -1 and ids[codes[0]] == "0410712"


@settings(max_examples=300, deadline=None)
@given(st.lists(_IDS, max_size=40))
def test_client_id_codes_equal_the_scalar_parser(values):
    cells = np.array(values, dtype=object)
    codes, ids = P.client_id_codes(cells)
    assert ids[codes].tolist() == [normalize_client_id(v) if v is None or len(v) <= 64
                                   else None for v in cells]
    frame = P.client_ids(pd.Series(cells, dtype=object))
    want = [normalize_client_id(v) if v is None or len(v) <= 64 else None for v in cells]
    assert frame["status"].tolist() == [
        "blank" if v is None else "ok" if c else "invalid" for v, c in zip(cells, want)]
    for col, part in (("pilot_code", lambda c: c[:2]), ("group_code", lambda c: c[2]),
                      ("worker", lambda c: c[:2] + "-" + c[3:5])):
        got = frame[col].astype(object).where(frame[col].notna(), None).tolist()
        assert got == [part(c) if c else None for c in want]


class _Schema:
    """The two look-ups item_answers makes of a questionnaire schema."""
    value_labels = {"hyvä": 4.0}

    @staticmethod
    def match_missing(text):
        return "dont_know" if text.strip().lower() in ("eos", "en osaa sanoa") else None

    @staticmethod
    def match_value_label(text):
        return {"hyvä": 4.0, "huono": 1.0}.get(text.strip().lower())


_ANSWERS = st.sampled_from(["1", "2", "5", "3,5", " 4 ", "EOS", "en osaa sanoa", "hyvä",
                            "Huono", "x", "-", "1 000", "7", None])


def _one_answer(text):
    """The documented rule for one cell, cell by cell: blank -> not_answered; a number (the
    scalar parser's); else the schema's missing code; else its answer label; else bad."""
    if text is None:
        return np.nan, "not_answered"
    number = parse_number(text)
    if number is not None:
        return number, None
    missing = _Schema.match_missing(text)
    if missing is not None:
        return np.nan, missing
    label = _Schema.match_value_label(text)
    return (label, None) if label is not None else (np.nan, "bad")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(
    lambda k: st.lists(st.lists(_ANSWERS, min_size=k, max_size=k), max_size=12)))
def test_item_block_equals_cell_by_cell(rows):
    width = len(rows[0]) if rows else 1
    block = np.array(rows, dtype=object).reshape(len(rows), width)
    codes, miss, values, bad = P.item_block(_Schema, block)
    want = [[_one_answer(t) for t in row] for row in block.tolist()]
    np.testing.assert_array_equal(
        values, np.array([[v for v, _ in row] for row in want], dtype=float).reshape(block.shape))
    assert miss[codes].tolist() == [[m for _, m in row] for row in want]
    assert bad.tolist() == [[m == "bad" for _, m in row] for row in want]
    assert (codes < 0).tolist() == [[t is None for t in row] for row in block.tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"<", b"f", b"t", b"=", b'"', b"e", b"x", b'<c r="A1">',
                                 b't="e"', b"<f", b"</c>"]), max_size=60),
       st.integers(0, 3))
def test_mark_search_equals_bytes_search(parts, pad):
    from hb_eval.data.io import cell_errors as C

    for piece in (b"".join(parts), b"y" * (C._NUMPY_FROM * pad) + b"".join(parts)):
        assert C._has_mark(piece) == any(m in piece for m in C._MARKS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["1", "23", "456", "7890", "-", " ", "\u200b", "٣",
                                          "ä", "x", "\n", "12345", "0"]), max_size=8)
                .map("".join), max_size=12))
def test_six_digit_screen_equals_the_regex(texts):
    from hb_eval.data.loaders import common as C

    want = {t for t in texts if C._SIX_DIGITS.search(t)}
    assert set(C._may_hold_hetu(texts)) == want


_VALUES = st.one_of(st.none(), st.sampled_from(["", " ", "EOS", "131052-308T", "#N/A", "x "]),
                    st.floats(allow_nan=True, allow_infinity=False, width=32),
                    st.integers(-3, 3), st.booleans(), st.dates())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_VALUES, max_size=4), max_size=8))
def test_grid_texts_are_the_cells_texts(rows):
    """The texts a reader keeps beside the grid (the guard and the error-text check skip a
    sheet by them) are exactly the cells' non-empty texts, whatever the cell types."""
    from hb_eval.data.io.grid import cells_and_texts

    cells, texts = cells_and_texts(rows)
    if texts is not None:
        assert texts == {c for c in cells.ravel().tolist() if c is not None}


def test_a_sheet_read_by_blocks_keeps_the_texts_of_all_blocks():
    import datetime as dt
    import io

    import openpyxl

    from hb_eval.data.io import excel

    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(250):
        ws.cell(row=i + 3, column=2, value=f"{i:07d}")
        ws.cell(row=i + 3, column=3, value=dt.date(2018, 1, 1 + i % 28))
        ws.cell(row=i + 3, column=4, value=i * 0.5)
    buf = io.BytesIO()
    wb.save(buf)
    was, excel.BLOCK_ROWS = excel.BLOCK_ROWS, 40
    try:
        grid = excel.read_xlsx("w.xlsx", data=buf.getvalue())
    finally:
        excel.BLOCK_ROWS = was
    assert grid.texts == {c for c in grid.cells.ravel().tolist() if c is not None}
    assert "0000249" in grid.texts and "2018-01-28" in grid.texts and "124.5" in grid.texts
