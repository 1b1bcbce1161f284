"""Finnish personal identity code (henkilötunnus, "hetu") detection and redaction.

A henkilötunnus is ``DDMMYY C NNN Q``: birth date, a century sign, an individual number and a
check character. The check character is ``"0123456789ABCDEFHJKLMNPRSTUVWXY"[int(DDMMYYNNN) % 31]``.
Century signs: ``+`` 1800s; ``-`` ``Y`` ``X`` ``W`` ``V`` ``U`` 1900s; ``A`` ``B`` ``C`` ``D``
``E`` ``F`` 2000s (the extra signs are in use since 2023).

Nothing here ever logs or raises with the text it inspects.
"""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

__all__ = [
    "CHECK_CHARS",
    "REDACTED",
    "MASK",
    "is_valid_hetu",
    "find_hetu",
    "contains_hetu",
    "redact",
    "safe_value",
    "contains_hetu_series",
]

#: Check characters indexed by ``int(DDMMYYNNN) % 31``.
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
#: Replacement text for a valid code in free text.
REDACTED = "[henkilötunnus poistettu]"
#: Replacement for anything merely shaped like a code in values shown to people.
MASK = "[hetun muotoinen arvo poistettu]"

_CENTURY = {"+": 1800}
_CENTURY.update({c: 1900 for c in "-YXWVU"})
_CENTURY.update({c: 2000 for c in "ABCDEF"})

# Strict shape: valid century sign and check-character alphabet. Case-sensitive like the
# official form; lower-case look-alikes are caught by the loose shape used in safe_value().
_STRICT = r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-FHJ-NPR-Y])"
_STRICT_RE = re.compile(r"(?<![0-9A-Za-z])" + _STRICT + r"(?![0-9A-Za-z])")
# Loose shape for masking: six digits, any single separator-ish character (or none), three
# digits and one alphanumeric, in any case; also six digits + space-separated rest.
_LOOSE = r"(?<![0-9A-Za-z])\d{6}\s?[-+\u2010-\u2015\u2212A-Za-z]?\s?\d{3}[0-9A-Za-z](?![0-9A-Za-z])"
_LOOSE_RE = re.compile(_LOOSE)
# The strict shape without groups, for the vectorised prefilter.
_PREFILTER = r"\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]"


def _check_match(m: re.Match[str]) -> bool:
    dd, mm, yy, sign, nnn, check = m.groups()
    year = _CENTURY[sign] + int(yy)
    try:
        date(year, int(mm), int(dd))
    except ValueError:
        return False
    # 000-001 are not issued, but we still treat them as codes: over-detection is the safe side.
    return CHECK_CHARS[int(dd + mm + yy + nnn) % 31] == check


def is_valid_hetu(text: str) -> bool:
    """Whether ``text`` (surrounding whitespace ignored) is exactly one valid henkilötunnus.

    Parameters
    ----------
    text
        Candidate code, e.g. ``"131052-308T"``.

    Returns
    -------
    bool
        True when the shape, the date and the check character are all valid.
    """
    if not isinstance(text, str):
        return False
    m = re.fullmatch(_STRICT, text.strip())
    return bool(m) and _check_match(m)


def find_hetu(text: object) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of valid personal identity codes inside free text."""
    if not isinstance(text, str):
        return []
    return [m.span() for m in _STRICT_RE.finditer(text) if _check_match(m)]


def contains_hetu(value: object) -> bool:
    """Whether a cell value holds a valid personal identity code anywhere in its text."""
    if value is None or isinstance(value, (int, float, np.number)):
        return False  # a number cannot carry the century sign or letters
    return bool(find_hetu(str(value)))


def redact(text: object) -> str:
    """Replace every valid personal identity code in ``text`` with :data:`REDACTED`."""
    if text is None:
        return ""
    s = str(text)
    spans = find_hetu(s)
    for start, end in reversed(spans):
        s = s[:start] + REDACTED + s[end:]
    return s


def safe_value(value: object, max_len: int = 60) -> str:
    """A version of a cell value fit to show in quarantine tables and messages.

    Valid codes are replaced with :data:`REDACTED`; anything merely *shaped* like a code
    (wrong checksum, impossible date, lower case, odd separator) with :data:`MASK`. Long
    values are cut to ``max_len`` characters (after masking, so a cut cannot expose a code).
    """
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    s = redact(value)
    s = _LOOSE_RE.sub(MASK, s)
    if len(s) > max_len:
        s = s[: max_len - 1] + "…"
        # a cut may leave a partial code shaped prefix; mask long digit runs at the end too
        s = re.sub(r"\d{6,}[^\s]*…$", MASK, s)
    return s


def contains_hetu_series(s: pd.Series) -> pd.Series:
    """Vectorised :func:`contains_hetu`: a boolean Series aligned with ``s``.

    A regex prefilter on the whole column (pandas ``.str``) finds candidates; only those get
    the date and checksum test.
    """
    out = np.zeros(len(s), dtype=bool)
    if len(s) == 0:
        return pd.Series(out, index=s.index, dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return pd.Series(out, index=s.index, dtype=bool)
    # each distinct text once; only texts of 11+ characters can hold a code
    codes, uniq = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype("string")
    hit = np.zeros(len(u), dtype=bool)
    long = (u.str.len() >= 11).fillna(False).to_numpy(dtype=bool)
    if long.any():
        ul = u[long]
        cand = ul.str.contains(_PREFILTER, regex=True, na=False).to_numpy(dtype=bool)
        if cand.any():
            idx = np.flatnonzero(long)[cand]
            hit[idx] = [bool(find_hetu(v)) for v in ul.to_numpy(dtype=object)[cand]]
    out = np.concatenate([hit, [False]])[codes]
    return pd.Series(out, index=s.index, dtype=bool)
