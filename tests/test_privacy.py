"""Tests of the henkilötunnus guard (hb_eval.privacy).

Check characters are computed by hand: index = int(DDMMYYNNN) mod 31 into
"0123456789ABCDEFHJKLMNPRSTUVWXY" (A=10 B=11 C=12 D=13 E=14 F=15 H=16 J=17 K=18 L=19 M=20
N=21 P=22 R=23 S=24 T=25 U=26 V=27 W=28 X=29 Y=30).
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.privacy import (
    MASK,
    REDACTED,
    contains_hetu,
    contains_hetu_series,
    find_hetu,
    is_valid_hetu,
    redact,
    safe_value,
)

# 131052308 = 31 * 4227493 + 25 -> "T" (the official example, born 13.10.1952)
OFFICIAL = "131052-308T"
# 010101123 = 31 * 325842 + 21 -> "N" (born 1.1.2001 with A or B; 1.1.1901 with Y)
Y2001 = "010101A123N"
# 290200101 = 31 * 9361293 + 18 -> "K"; 29.2.2000 exists (leap year), 29.2.1900 does not
LEAP2000 = "290200A101K"
# 010150123 = 31 * 327423 + 10 -> "A" (born 1.1.1850, century sign +)
PLUS1850 = "010150+123A"

VALID = [OFFICIAL, Y2001, "010101B123N", "010101Y123N", "010101F123N", "010101U123N",
         LEAP2000, PLUS1850]


@pytest.mark.parametrize("code", VALID)
def test_hand_computed_codes_are_valid(code):
    assert is_valid_hetu(code)
    assert is_valid_hetu(f"  {code} ")
    assert contains_hetu(code)


@pytest.mark.parametrize("code", [
    "131052-308U",   # wrong check character (T expected)
    "131052-309T",   # individual number changed, check no longer fits
    "290200-101K",   # checksum fits but 29.2.1900 does not exist
    "290201A101K",   # 29.2.2001 does not exist (and the checksum is different)
    "320152-308T",   # day 32
    "131352-308T",   # month 13
    "131052G308T",   # G is not a century sign
    "131052-308G",   # G is not a check character
    "13105-2308T",   # wrong shape
    "",
])
def test_invalid_codes(code):
    assert not is_valid_hetu(code)
    assert not contains_hetu(code)


def test_non_strings_are_not_codes():
    assert not is_valid_hetu(None)  # type: ignore[arg-type]
    assert not contains_hetu(131052308)
    assert not contains_hetu(None)
    assert not contains_hetu(float("nan"))


def test_find_in_free_text_and_redact():
    text = f"Asiakas {OFFICIAL} soitti; puoliso {Y2001}. Väärä: 131052-308U."
    spans = find_hetu(text)
    assert [text[a:b] for a, b in spans] == [OFFICIAL, Y2001]
    out = redact(text)
    assert OFFICIAL not in out and Y2001 not in out
    assert out.count(REDACTED) == 2
    # an invalid code is not a personal identity code and stays in redact() ...
    assert "131052-308U" in out
    # ... but safe_value masks it because it is shaped like one
    shown = safe_value(text, max_len=500)
    assert "131052-308U" not in shown and MASK in shown and OFFICIAL not in shown


def test_code_glued_to_letters_is_found_but_not_inside_a_longer_number():
    # glued to letters, as people type file names: still a code (issue 8)
    assert find_hetu("X131052-308T") == [(1, 12)]
    assert find_hetu("asiakas300180-3215abc") == [(7, 18)]
    # part of a longer digit run: some other number (e.g. an account number)
    assert find_hetu("1131052-308T") == []
    assert find_hetu("1310523080" + "7") == []
    # punctuation around it does not hide it
    assert find_hetu(f"({OFFICIAL})") == [(1, 12)]


def test_official_form_only_in_is_valid_hetu():
    assert not is_valid_hetu("131052-308t")  # lower case is not the official form
    assert not is_valid_hetu("1310523080") and not is_valid_hetu("131052–308T")


@pytest.mark.parametrize("value", ["131052-308U", "131052-308t", "131052 308T", "131052–308T",
                                   "1310523080", "131052x308T"])
def test_safe_value_masks_anything_shaped_like_a_code(value):
    shown = safe_value(f"arvo {value} loppu")
    digits = "".join(ch for ch in shown if ch.isdigit())
    assert "131052" not in digits and "308" not in digits
    assert shown.startswith("arvo ") and shown.endswith(" loppu")


def test_safe_value_keeps_ordinary_values_and_cuts_long_ones():
    assert safe_value("0410712") == "0410712"
    assert safe_value("12,50") == "12,50"
    assert safe_value(None) == ""
    assert safe_value(float("nan")) == ""
    long = "x" * 100
    assert len(safe_value(long, max_len=20)) == 20
    # a cut never exposes the first part of a code
    cut = safe_value("a" * 15 + OFFICIAL, max_len=20)
    assert "131052" not in cut


def test_series_matches_scalar_and_handles_dtypes():
    vals = [OFFICIAL, "ei koodia", None, f"teksti {Y2001} tässä", "131052-308U", "0410712",
            12.5, LEAP2000, "290200-101K"]
    s = pd.Series(vals, dtype=object)
    got = contains_hetu_series(s)
    assert got.dtype == bool
    assert got.tolist() == [True, False, False, True, False, False, False, True, False]
    assert got.tolist() == [contains_hetu(v) for v in vals]
    assert contains_hetu_series(pd.Series(vals[:2], dtype="string")).tolist() == [True, False]
    assert not contains_hetu_series(pd.Series([1.0, 2.0])).any()
    assert contains_hetu_series(pd.Series([], dtype=object)).tolist() == []


_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


@st.composite
def valid_codes(draw):
    d = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)))
    sign = draw(st.sampled_from(_SIGNS[d.year // 100 * 100]))
    n = draw(st.integers(2, 999))
    body = f"{d.day:02d}{d.month:02d}{d.year % 100:02d}"
    return f"{body}{sign}{n:03d}{_CHECK[int(body + f'{n:03d}') % 31]}"


@settings(max_examples=200, deadline=None)
@given(code=valid_codes(), before=st.text(max_size=20), after=st.text(max_size=20))
def test_property_every_valid_code_is_found_and_redacted(code, before, after):
    assert is_valid_hetu(code)
    text = f"{before} {code} {after}"
    assert contains_hetu(text)
    out = redact(text)
    assert code not in out
    assert code not in safe_value(text, max_len=1000)
    # changing the check character makes it invalid
    wrong = code[:-1] + _CHECK[(_CHECK.index(code[-1]) + 1) % 31]
    assert not is_valid_hetu(wrong)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_property_never_raises_and_series_agrees(text):
    assert isinstance(redact(text), str)
    assert isinstance(safe_value(text), str)
    assert contains_hetu_series(pd.Series([text], dtype=object)).iloc[0] == contains_hetu(text)


def test_series_is_fast():
    rng = np.random.default_rng(1)
    vals = rng.choice(np.array(["0410712", "12,50", "kyllä", "1.3.2018", "jotain tekstiä",
                                OFFICIAL, "131052-308U"], dtype=object), size=100_000)
    s = pd.Series(vals, dtype=object)
    t0 = time.perf_counter()
    got = contains_hetu_series(s)
    took = time.perf_counter() - t0
    assert got.sum() == (vals == OFFICIAL).sum()
    assert took < 2.0, took
