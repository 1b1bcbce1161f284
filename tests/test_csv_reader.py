"""The CSV fast path: pandas' C parser reads exactly what the standard csv module reads.

:func:`hb_eval.data.io.csv.read_csv` parses with the C parser and leaves to the csv module
every text the two could read differently (``_c_reader_cells`` returns None). The oracle here
is the csv module itself (``_csv_module_cells``, the reader before the fast path): on drawn
messy files -- quotes, doubled quotes, separators and line breaks inside quotes, semicolons,
commas and tabs, a BOM, blank lines, stray whitespace, ragged rows, decimal commas -- whatever
the fast path returns must be cell for cell what the csv module gives.
"""
from __future__ import annotations

import csv as std_csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hb_eval.data.io import read_csv
from hb_eval.data.io.csv import _c_reader_cells, _csv_module_cells, sniff_separator
from hb_eval.errors import InputError

# characters that make CSV hard: separators, quotes, line breaks, spaces of every kind,
# a BOM and a zero-width space, letters with diacritics, digits and decimal commas
_CHARS = st.sampled_from(list("ab1 9,;\t\"\r\n.-äÖ€") + ["\u00a0", "\ufeff", "\u200b"])
_PLAIN = st.text(_CHARS, max_size=8)


def _field(sep: str):
    plain = st.one_of(st.text(st.sampled_from(list("ab1 9,.-ä€\u00a0")), max_size=8),
                      st.sampled_from(["  ", "4,5", "1 234,50", " x ", "NA", "nan", "True"]))
    quoted = _PLAIN.map(lambda s: '"' + s.replace('"', '""') + '"')
    return st.one_of(plain, plain, quoted, st.just(""), st.just(" "), _PLAIN)


@st.composite
def messy_csv(draw) -> tuple[str, str]:
    sep = draw(st.sampled_from([";", ",", "\t"]))
    width = draw(st.integers(1, 5))
    n = draw(st.integers(1, 8))
    lines = []
    for _ in range(n):
        kind = draw(st.sampled_from(["row", "row", "row", "ragged", "blank", "spaces"]))
        if kind == "blank":
            lines.append("")
        elif kind == "spaces":
            lines.append(draw(st.sampled_from([" ", "  ", "\t", "\u00a0"])))
        else:
            w = width if kind == "row" else draw(st.integers(1, width + 2))
            lines.append(sep.join(draw(_field(sep)) for _ in range(w)))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(lines) + draw(st.sampled_from(["", end, end + end]))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["\ufeff", "\n", " ", ""])) + text
    return text, sep


def _same(text: str, sep: str) -> None:
    fast = _c_reader_cells(text, sep)
    if fast is None:
        return  # left to the csv module
    try:
        slow = _csv_module_cells(text, sep, "f.csv")
    except InputError:  # pragma: no cover - the fast path must have declined
        pytest.fail("the C parser read a text the csv module refuses")
    (fast, fast_texts), (slow, slow_texts) = fast, slow
    assert fast.shape == slow.shape
    assert fast.dtype == slow.dtype == object
    assert fast.tolist() == slow.tolist()
    # the distinct texts come with the cells (the guards skip a grid by them)
    cell_texts = {c for row in fast.tolist() for c in row if c is not None}
    assert fast_texts == slow_texts == cell_texts


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_csv())
def test_c_parser_reads_what_the_csv_module_reads(case):
    _same(*case)


@settings(max_examples=400, deadline=None)
@given(st.text(_CHARS, max_size=60), st.sampled_from([";", ",", "\t"]))
def test_c_parser_on_any_text(text, sep):
    _same(text, sep)


def test_fast_path_is_taken_for_an_ordinary_export():
    text = ("Asiakasnumero;Palvelu;Summa €\r\n0410712;Kotiin vietävä tuki;1 234,50\r\n"
            '0410713;"Asumis; palvelu";  \r\n\r\n0410714;Tukihenkilö\r\n')
    fast, texts = _c_reader_cells(text, sniff_separator(text))
    assert texts == {"Asiakasnumero", "Palvelu", "Summa €", "0410712", "Kotiin vietävä tuki",
                     "1 234,50", "0410713", "Asumis; palvelu", "0410714", "Tukihenkilö"}
    assert fast.tolist() == [["Asiakasnumero", "Palvelu", "Summa €"],
                             ["0410712", "Kotiin vietävä tuki", "1 234,50"],
                             ["0410713", "Asumis; palvelu", None],
                             [None, None, None],
                             ["0410714", "Tukihenkilö", None]]


@pytest.mark.parametrize("text", ["a;b\nc;d;e\n", '"a;b\n', "\ufeffa;b\n", "\na;b\n",
                                  "a\x00b;c\n", ""])
def test_texts_the_c_parser_reads_differently_go_to_the_csv_module(text):
    assert _c_reader_cells(text, ";") is None


def test_a_field_beyond_the_csv_modules_limit_is_still_refused(tmp_path):
    limit = std_csv.field_size_limit()
    p = tmp_path / "big.csv"
    p.write_text("a;b\n1;" + "x" * (limit + 1) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid CSV file .*field larger than field limit"):
        read_csv(p, file="big.csv")


def test_read_csv_numbers_records_as_excel_rows(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("Asiakasnumero;Summa\n\n0410712;4,5\n".encode("cp1252"))
    g = read_csv(p, file="x.csv")
    assert g.rows.tolist() == [1, 2, 3]
    assert g.cells.tolist() == [["Asiakasnumero", "Summa"], [None, None], ["0410712", "4,5"]]
    assert isinstance(g.cells, np.ndarray)
    assert g.texts == {"Asiakasnumero", "Summa", "0410712", "4,5"}
    p.write_text("a;b\n c ;d;  \n", encoding="utf-8")  # (ragged: read by the csv module)
    g = read_csv(p, file="x.csv")
    assert g.cells.tolist() == [["a", "b", None], [" c ", "d", None]]
    assert g.texts == {"a", "b", " c ", "d"}


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("ab;\r\n\x0b\x0c\x1c\x85\u2028 ")), max_size=60),
       st.integers(0, 6), st.integers(1, 8))
def test_first_lines_are_those_of_the_whole_text(text, n, size):
    # sniff_separator looks at the first lines through a head of the text only
    from hb_eval.data.io.csv import _first_lines

    assert _first_lines(text, n, size) == text.splitlines()[:n]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list('ab;,\t" ')), max_size=30), st.sampled_from(";,\t"))
def test_count_outside_quotes_counts_every_separator_outside_quotes(line, ch):
    from hb_eval.data.io.csv import _count_outside_quotes

    n, quoted = 0, False  # a character at a time: the count the quick path must give
    for c in line:
        quoted = not quoted if c == '"' else quoted
        n += c == ch and not quoted
    assert _count_outside_quotes(line, ch) == n
