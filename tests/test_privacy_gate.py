"""The privacy gate (issue 8 item 1): every spelling of a henkilötunnus is found, and
:func:`gate` replaces it with a placeholder that is stable within a run.

131052308 = 31 * 4227493 + 25 -> check character "T" (the official example).
300180321 = 31 * 9683236 + 5 -> "5" (``300180-3215``).
"""
from __future__ import annotations

import pandas as pd
import pytest

from hb_eval.privacy import (contains_hetu, contains_hetu_series, find_hetu, gate,
                                  gate_frame, gate_value, redact, reset_placeholders)

SPELLINGS = [
    "131052-308T", "131052+308T", "131052A308T", "131052a308T", "131052F308T", "131052Y308T",
    "131052X308T", "131052W308T", "131052V308T", "131052U308T", "131052u308t",
    "131052\u2013308T",  # en dash
    "131052\u2014308T",  # em dash
    "131052\u2212308T",  # minus sign
    "131052308T",        # no sign
    "131052-308t",       # lower-case check character
    "131052 - 308T", "131052 308T",
    "300180-3215", "3001803215", "300180\u20133215",
]


@pytest.mark.parametrize("code", SPELLINGS)
def test_every_spelling_is_found(code):
    for text in (code, f"asiakas_{code}.xlsx", f"{code}abc", f"Tunnus: {code}.", f"x{code}y"):
        assert contains_hetu(text), text
        assert code not in redact(text)
        out = gate(text)
        assert code not in out and "[hetu-" in out


@pytest.mark.parametrize("text", [
    "131052-308U", "131052-309T", "1310523081", "0410712", "04-07", "12345678901",
    "2018-03-01", "Yhteensä 1234567 €", "puhelin 0401234567", "1131052-308T", "131052-308T5",
])
def test_ordinary_texts_are_not_codes(text):
    # wrong checksums, client numbers, dates, a longer digit run
    assert not contains_hetu(text)
    assert gate(text) == text


def test_placeholders_are_stable_within_a_run_and_restart():
    reset_placeholders()
    a = gate("diary_131052-308T.xlsx")
    b = gate("other 300180-3215 and 131052–308t")  # same person typed differently
    assert a == "diary_[hetu-1].xlsx"
    assert b == "other [hetu-2] and [hetu-1]"
    reset_placeholders()
    assert gate("300180-3215") == "[hetu-1]"


def test_gate_value_and_frame():
    reset_placeholders()
    d = gate_value({"name": "Arvio 131052-308T", "files": [{"path": "a/300180-3215.xlsx"}],
                    "131052308T": 1, "n": 5})
    assert d == {"name": "Arvio [hetu-1]", "files": [{"path": "a/[hetu-2].xlsx"}],
                 "[hetu-1]": 1, "n": 5}
    f = pd.DataFrame({"file": ["ok.xlsx", "asiakas_300180-3215.xlsx"], "n": [1, 2],
                      "cat": pd.Categorical(["x", "131052-308T"])})
    g = gate_frame(f)
    assert g["file"].tolist() == ["ok.xlsx", "asiakas_[hetu-2].xlsx"]
    assert g["cat"].astype(str).tolist() == ["x", "[hetu-1]"]
    assert f["file"].iloc[1] == "asiakas_300180-3215.xlsx"  # the input is not changed
    clean = pd.DataFrame({"a": ["x", "y"]})
    assert gate_frame(clean) is clean


def test_series_detection_sees_every_spelling():
    s = pd.Series(SPELLINGS + ["0410712", None, "131052-308U"], dtype=object)
    got = contains_hetu_series(s).tolist()
    assert got == [True] * len(SPELLINGS) + [False, False, False]
    assert find_hetu("x 131052308T y") == [(2, 12)]
