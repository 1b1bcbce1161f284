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


# -- issue 20 item 4: every Unicode space and invisible character --------------------------------
#: Spaces a person (or a word processor, or a spreadsheet) puts where a space goes.
UNICODE_SPACES = {
    "no-break space": "\u00a0", "thin space": "\u2009", "narrow no-break space": "\u202f",
    "figure space": "\u2007", "en space": "\u2002", "ideographic space": "\u3000",
    "tab": "\t", "line break": "\n", "two spaces": "  ", "no-break + space": "\u00a0 ",
}
#: Invisible characters: nothing on the screen, so a code split by one reads as a code.
INVISIBLES = {
    "zero-width space": "\u200b", "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d", "word joiner": "\u2060", "BOM": "\ufeff",
    "soft hyphen": "\u00ad", "left-to-right mark": "\u200e", "combining grapheme joiner": "\u034f",
}


def _split_spellings():
    """(label, text): the official example split by every space and invisible character, at
    every place one could split it."""
    out = []
    for name, sp in UNICODE_SPACES.items():
        out += [(f"{name} for the sign", f"131052{sp}308T"),
                (f"{name} around the sign", f"131052{sp}-{sp}308T"),
                (f"{name} before the sign", f"131052{sp}A308T")]
    code = "131052-308T"
    for name, ch in INVISIBLES.items():
        out += [(f"{name} at {i}", code[:i] + ch + code[i:]) for i in range(1, len(code))]
        out += [(f"{name} everywhere", ch.join(code)),
                (f"{name} and no-break space", f"131052{ch}\u00a0{ch}308T")]
    return out


SPLIT = _split_spellings()


@pytest.mark.parametrize("label,code", SPLIT, ids=[s[0] for s in SPLIT])
def test_codes_split_by_unicode_spaces_are_found(label, code):
    for text in (code, f"asiakas_{code}.xlsx", f"Arvio {code}", f"{code}abc", f"x\u00a0{code}\u00a0y"):
        reset_placeholders()
        out = gate(text)
        # nothing of the code is left: the digits are gone, the surroundings stay
        digits = "".join(ch for ch in out if ch.isdigit())
        assert "131052" not in digits and "308" not in digits, (label, out)
        assert "[hetu-1]" in out
        assert contains_hetu(text) and find_hetu(text)
        assert "131052" not in "".join(ch for ch in redact(text) if ch.isdigit())
    s = pd.Series([code, f"x {code}", "ei koodia\u00a0tässä", None], dtype=object)
    assert contains_hetu_series(s).tolist() == [True, True, False, False]


def test_split_codes_keep_their_surroundings_and_one_placeholder_per_person():
    reset_placeholders()
    assert gate("asiakas\u00a0131052\u200b-308T.xlsx") == "asiakas\u00a0[hetu-1].xlsx"
    # the same person in two spellings: one placeholder; an invisible character beside a
    # digit run is read as a space too (the code is not glued to the 1)
    assert gate("1\u200b131052\u2060308T / 131052-308t") == "1\u200b[hetu-1] / [hetu-1]"
    # the code's own characters only: a BOM before it and a space after it stay
    assert gate("\ufeff131052\u00a0308T\u00a0ok") == "\ufeff[hetu-1]\u00a0ok"


@pytest.mark.parametrize("text", [
    "1310\u00a052-308T",          # a space inside the date is not where a code is split
    "131052\u00a0308U",           # wrong check character
    "04\u00a010712", "1234\u200b567", "2018-03-01\u00a012:00", "puhelin\u00a0040\u00a01234567",
    "1\u00a0131052-308T1",        # glued to digits at the end
])
def test_ordinary_texts_with_unicode_spaces_are_not_codes(text):
    assert not contains_hetu(text) and gate(text) == text


def test_safe_value_masks_shapes_split_by_unicode_spaces():
    from hb_eval.privacy import safe_value

    shown = safe_value("arvo 131052\u00a0308U loppu")  # shaped like a code, wrong checksum
    assert "131052" not in shown and shown.startswith("arvo ") and shown.endswith(" loppu")
    shown = safe_value("arvo 1310\u200b52-308U loppu")
    assert "308" not in shown


def test_every_format_character_of_unicode_is_invisible_to_the_gate():
    import sys
    import unicodedata

    from hb_eval.privacy import INVISIBLE

    cf = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert not cf - INVISIBLE, sorted(f"U+{ord(c):04X}" for c in cf - INVISIBLE)
    spaces = [chr(c) for c in range(0x3001) if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp")]
    for sp in spaces:  # every space separator, and the line and paragraph separators
        assert gate(f"131052{sp}308T") != f"131052{sp}308T", f"U+{ord(sp):04X}"


# -- paths outside the configuration's folder ----------------------------------------------------
def test_paths_outside_the_configuration_folder_show_only_their_name(tmp_path):
    from hb_eval.privacy import shown_path, shown_pattern

    base = tmp_path / "arviointi"
    (base / "kyky").mkdir(parents=True)
    (tmp_path / "matti" / "salainen").mkdir(parents=True)
    inside = base / "kyky" / "vantaa.xlsx"
    outside = tmp_path / "matti" / "salainen" / "roster.xlsx"
    for f in (inside, outside):
        f.write_bytes(b"x")
    assert shown_path(inside, base) == "kyky/vantaa.xlsx"
    assert shown_path(outside, base) == "[outside]/roster.xlsx"
    assert shown_path(base / ".." / "matti" / "salainen" / "roster.xlsx", base) == \
        "[outside]/roster.xlsx"
    reset_placeholders()
    assert shown_path(tmp_path / "matti" / "131052\u00a0308T.xlsx", base) == \
        "[outside]/[hetu-1].xlsx"
    # a link inside the folder to data elsewhere is named as the configuration names it
    (base / "linked").symlink_to(tmp_path / "matti" / "salainen")
    assert shown_path(base / "linked" / "roster.xlsx", base) == "linked/roster.xlsx"
    # configured patterns: as written inside, relative when absolute inside, else the name
    assert shown_pattern("kyky/*.xlsx", base) == "kyky/*.xlsx"
    assert shown_pattern(str(base / "kyky" / "*.xlsx"), base) == "kyky/*.xlsx"
    assert shown_pattern("../matti/salainen/*.xlsx", base) == "[outside]/*.xlsx"
    assert shown_pattern(str(outside), base) == "[outside]/roster.xlsx"
    assert shown_pattern("kyky/../roster.xlsx", base) == "roster.xlsx"
