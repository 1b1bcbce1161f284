"""The column-wise fast paths for the common spellings (parsing.plain_numbers, plain_dates,
plain_client_ids) answer exactly what the scalar parsers answer: the oracle is parse_number /
parse_date / normalize_client_id, text by text. Texts are drawn near the fast paths' edges (thousands spaces of every kind, marks,
signs, exponents, stray spaces, NULs, impossible dates, years outside their range), and the
common spellings must be taken by the fast path (else it would test nothing)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from hb_eval.data import parsing
from hb_eval.data.loaders import parse as P

_SPACES = ["\u0020", "\u00a0", "\u202f", "\u2009"]
_NOISE = st.text(alphabet="0123456789" "0123456789 ,.-+e€\u2212\u00a0\u202f\u2009\t\n\x00a٣",
                 max_size=14)


@st.composite
def _grouped(draw) -> str:
    """A Finnish amount: thousands groups with one of the spaces, maybe decimals."""
    v = draw(st.floats(0, 1e12, allow_nan=False))
    text = parsing.format_number(v, draw(st.integers(0, 4)),
                                 thousands=draw(st.sampled_from(_SPACES)),
                                 decimal=draw(st.sampled_from([",", "."])))
    return text


_PLAIN = st.from_regex(r"\A[0-9]{1,20}(?:[.,][0-9]{1,8})?\Z")
_NUMBER_TEXTS = st.one_of(_grouped(), _PLAIN, _NOISE,
                          st.builds(lambda a, b: a + b, _grouped(), _NOISE))


def _same_number(got: float, want: float | None) -> bool:
    return np.isnan(got) if want is None else got == want


def _fast_path_agrees(fast, same, texts: list, others: list) -> None:
    """Every text ``fast`` answers, it answers as the scalar parser (``same(text, value)``);
    ``others`` (not texts) are left to the scalar parser."""
    arr = np.array(texts + others, dtype=object)
    values, done = fast(arr)
    for t, v, d in zip(arr, values, done):
        if d:
            assert same(t, v), t
    assert not done[len(texts):].any()


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBER_TEXTS, max_size=30))
def test_plain_numbers_answer_what_parse_number_answers(texts):
    _fast_path_agrees(parsing.plain_numbers,
                      lambda t, v: _same_number(v, parsing._parse_number(t)), texts, [None, 3.5])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_grouped(), _PLAIN), min_size=1, max_size=20))
def test_common_numbers_take_the_fast_path(texts):
    values, done = parsing.plain_numbers(np.array(texts, dtype=object))
    long = np.array([len(t) > parsing._FAST_WIDTH or sum(c.isdigit() for c in t) > 15
                     for t in texts])
    assert (done | long).all()


# client numbers spelled with parts of any value, separators of several kinds, and noise
_ID_TEXTS = st.one_of(
    st.builds(lambda p, g, t, n, seps: f"{p:02d}{seps[0]}{g}{seps[1]}{t:02d}{seps[2]}{n:02d}",
              st.one_of(st.integers(0, 7), st.integers(0, 99)), st.integers(0, 9),
              st.integers(0, 99), st.integers(0, 99),
              st.one_of(st.sampled_from([("", "", ""), ("-", "-", "-"), (" ", " ", " ")]),
                        st.lists(st.sampled_from(["", "-", " ", "–", "  ", "\u00a0", "x",
                                                  "\x00"]), min_size=3, max_size=3))),
    st.text(alphabet="0123456789", min_size=5, max_size=8),
    st.text(alphabet="0123456789 -–.,\u00a0٣x\x00", min_size=5, max_size=11))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ID_TEXTS, max_size=30))
def test_plain_client_ids_answer_what_normalize_client_id_answers(texts):
    _fast_path_agrees(parsing.plain_client_ids,
                      lambda t, v: v == parsing.normalize_client_id(t), texts,
                      [None, 410712, 410712.0])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(parsing.PILOTS)), st.sampled_from(sorted(parsing.GROUPS)),
       st.integers(0, 99), st.integers(0, 99), st.sampled_from(["", "-", " "]),
       st.booleans())
def test_common_client_ids_take_the_fast_path(pilot, group, worker, seq, sep, known):
    pilot = pilot if known else "07"  # an unknown pilot: answered too, as no number
    cid = f"{pilot}{group}{worker:02d}{seq:02d}"
    texts = [cid, f"{pilot}{sep}{group}{sep}{worker:02d}{sep}{seq:02d}"]
    if cid[0] == "0":
        texts.append(cid[1:])  # Excel dropped the leading zero
    values, done = parsing.plain_client_ids(np.array(texts, dtype=object))
    assert done.all()
    assert values.tolist() == [cid if known else None] * len(texts)


# a time after the date, as exports write it, and near misses
_TIMED = st.builds(lambda a, gap, h, m, s: f"{a}{gap}{h}:{m}{s}",
                   st.sampled_from(["1.3.2018", "01.03.2018", "2018-03-01", "31.4.2018",
                                    "1.3.1899"]),
                   st.sampled_from([" ", "T", "  ", "t", ""]),
                   st.sampled_from(["9", "09", "23", "123", ""]),
                   st.sampled_from(["00", "5", "59", "123"]),
                   st.sampled_from(["", ":00", ":5", ".00", ":00.5", " ", ":123"]))
_DATE_TEXTS = st.one_of(
    st.builds(lambda d, m, y: f"{d}.{m}.{y}", st.integers(0, 32), st.integers(0, 13),
              st.integers(1890, 2210)),
    st.builds(lambda d, m, y: f"{d:02d}.{m:02d}.{y}", st.integers(0, 32), st.integers(0, 13),
              st.integers(1890, 2210)),
    st.builds(lambda y, m, d, w: f"{y}-{m:0{w}d}-{d:0{w}d}", st.integers(1890, 2210),
              st.integers(0, 13), st.integers(0, 32), st.integers(1, 2)),
    st.text(alphabet="0123456789.-: T\u00a0", max_size=20),
    st.builds(lambda a, b: a + b, st.sampled_from(["1.3.2018", "2018-03-01", "29.2.2020"]),
              st.sampled_from([" ", "T", " 12:00", ".", "0", "\n", "\x00"])),
    _TIMED)


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATE_TEXTS, max_size=30))
def test_plain_dates_answer_what_parse_date_answers(texts):
    _dates_agree(texts)


def _dates_agree(texts: list) -> None:
    def same(t, v):
        want = parsing._parse_date(t)
        return want is not None and v == np.datetime64(want.to_datetime64(), "ns")

    _fast_path_agrees(parsing.plain_dates, same, texts, [None, 43160.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(_TIMED, min_size=1, max_size=10))
def test_plain_dates_with_a_time_answer_what_parse_date_answers(texts):
    _dates_agree(texts)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                max_value=pd.Timestamp("2199-12-31").date()), st.booleans(), st.booleans())
def test_common_dates_take_the_fast_path(day, iso, padded):
    f = "%Y-%m-%d" if iso else ("%d.%m.%Y" if padded else "%-d.%-m.%Y")
    f += " %H:%M:%S" if padded and iso else (" %-H:%M" if padded else "")
    values, done = parsing.plain_dates(np.array([day.strftime(f)], dtype=object))
    assert done[0] and values[0] == np.datetime64(day, "ns")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_NUMBER_TEXTS, _DATE_TEXTS, st.none()), max_size=40))
def test_loader_columns_give_the_parsers_answer_cell_by_cell(cells):
    s = pd.Series(cells, dtype=object)
    for plain_from in (0, P._PLAIN_FROM):  # through the fast paths, and not
        saved, P._PLAIN_FROM = P._PLAIN_FROM, plain_from
        try:
            _check_cells(cells, s)
        finally:
            P._PLAIN_FROM = saved


def _check_cells(cells, s):
    values, bad = P.numbers(s)
    for c, v, b in zip(cells, values, bad):
        want = parsing.parse_number(c)
        assert _same_number(v, want) and b == (c is not None and want is None), c
    dates, dbad = P.dates(s)
    for c, v, b in zip(cells, dates, dbad):
        want = parsing.parse_date(c)
        assert (pd.isna(v) if want is None else v == want) and b == (
            c is not None and want is None), c


def test_hand_cases():
    arr = np.array(["12", "12,50", "2 547,90", "1\u00a0234\u00a0567.5", "007", "1234 567",
                    " 12", "12,", "1e5", "31.12.2019", "2019-1-5", "29.2.2019", "1.1.1899"],
                   dtype=object)
    values, done = parsing.plain_numbers(arr)
    assert done.tolist() == [True] * 5 + [False] * 8
    assert values[:5].tolist() == [12.0, 12.5, 2547.9, 1234567.5, 7.0]
    dates, ddone = parsing.plain_dates(arr)
    assert ddone.tolist() == [False] * 9 + [True, True, False, False]
    timed = np.array(["2018-05-02 09:00:00", "1.3.2018 9:30", "2018-05-02 09:00:00.5"],
                     dtype=object)
    assert parsing.plain_dates(timed)[1].tolist() == [True, True, False]
    assert dates[9] == np.datetime64("2019-12-31") and dates[10] == np.datetime64("2019-01-05")
    assert parsing.parse_date("29.2.2019") is None  # (left to the parser, which refuses it)
