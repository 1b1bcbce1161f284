"""Finnish personal identity code (henkilötunnus, "hetu") detection and redaction.

A henkilötunnus is ``DDMMYY C NNN Q``: birth date, a century sign, an individual number and a
check character. The check character is ``"0123456789ABCDEFHJKLMNPRSTUVWXY"[int(DDMMYYNNN) % 31]``.
Century signs: ``+`` 1800s; ``-`` ``Y`` ``X`` ``W`` ``V`` ``U`` 1900s; ``A`` ``B`` ``C`` ``D``
``E`` ``F`` 2000s (the extra signs are in use since 2023).

Detection (:func:`find_hetu`, :func:`contains_hetu`, :func:`redact`) covers every spelling a
person types, not only the official form; it stays checksum-based, so ordinary numbers are not
flagged. Every Unicode space (no-break, thin, narrow no-break, figure, ideographic space, tab,
line break, ...) counts as a space, a run of them as one; invisible format characters
(zero-width space, joiner and non-joiner, word joiner, BOM, soft hyphen, direction marks and the
other ``Cf`` / default-ignorable characters, :data:`INVISIBLE`) count as nothing *and*, read
once more, as a space: a code is found if either reading shows one. :func:`gate` is the one privacy gate every string leaving the package passes: file and
sheet names, headers, titles, configuration values, messages, tables, figure text, results.json
and the manifest. It replaces each code with a placeholder ``[hetu-1]``, ``[hetu-2]``, ...:
stable for the same code within a run (so two files keep distinct names) and numbered in order
of first appearance, so it cannot be derived from the code.

Nothing here ever logs or raises with the text it inspects.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path, PurePath
from typing import Any

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
    "gate",
    "gate_value",
    "gate_frame",
    "reset_placeholders",
    "PLACEHOLDER_RE",
    "INVISIBLE",
    "OUTSIDE",
    "shown_path",
    "shown_paths",
    "shown_pattern",
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

# Strict shape: valid century sign and check-character alphabet, the official form.
_STRICT = r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-FHJ-NPR-Y])"
# Every spelling a person types: any century sign in either case, a dash look-alike (en dash,
# em dash, minus sign, ...), no sign at all, a space around the sign, a lower-case check
# character, glued to letters (``asiakas300180-3215``, ``300180-3215abc``). Not glued to
# digits: a longer digit run is some other number. A lookahead finds overlapping candidates;
# only those passing the date and checksum test are codes.
_DASHES = "\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
_ANY = (r"(?<!\d)(?=((\d{2})(\d{2})(\d{2}) ?([-+A-Fa-fU-Yu-y" + _DASHES + r"]?) ?(\d{3})"
        r"([0-9A-Za-z]))(?!\d))")
_ANY_RE = re.compile(_ANY)
# The runs of six digits or more, each from its first digit (where a code may start).
_DIGIT_RUN = re.compile(r"\d{6,}")
# Loose shape for masking: six digits, any single separator-ish character (or none), three
# digits and one alphanumeric, in any case; also six digits + space-separated rest.
_LOOSE = r"(?<![0-9A-Za-z])\d{6}\s?[-+\u2010-\u2015\u2212A-Za-z]?\s?\d{3}[0-9A-Za-z](?![0-9A-Za-z])"
_LOOSE_RE = re.compile(_LOOSE)
# The shape of any spelling without groups, for the vectorised prefilter.
_PREFILTER = r"\d{6} ?[-+A-Za-z" + _DASHES + r"]? ?\d{3}[0-9A-Za-z]"
#: Placeholder pattern of :func:`gate` (``[hetu-1]``, ``[hetu-2]``, ...).
PLACEHOLDER_RE = re.compile(r"\[hetu-\d+\]")

# Invisible characters: every format character (Unicode category Cf) and every other
# default-ignorable code point (combining grapheme joiner, Hangul fillers, variation
# selectors, ...). tests/test_privacy_gate.py checks that every Cf character of the running
# Python's Unicode database is here.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
#: Invisible characters (zero-width space/joiner/non-joiner, word joiner, BOM, soft hyphen,
#: direction marks, ...): nothing to a reader, so nothing (or a space) to the gate.
INVISIBLE = frozenset(chr(c) for a, b in _INVISIBLE_RANGES for c in range(a, b + 1))
_INVISIBLE_CLASS = "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a)
                           for a, b in _INVISIBLE_RANGES)
# A text that needs the spaced readings: an invisible character, a space other than the
# ASCII one (``\s`` is Unicode-aware) or two spaces in a row ...
_ODD = "[" + _INVISIBLE_CLASS + "".join(
    chr(c) for c in range(0x3001) if chr(c).isspace() and c != 0x20) + "]|  "
_ODD_RE = re.compile(_ODD)
# ... in a run of spaces and invisible characters beside a digit (every gap inside a code has
# a digit on one side).
_GAP_CHARS = INVISIBLE | frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())


# Invisible characters that str.isprintable() accepts (combining grapheme joiner, Hangul
# fillers, variation selectors, ...); every other one, and every space but the ASCII one, is
# not printable.
_PRINTABLE_INVISIBLE_RE = re.compile("[" + "".join(
    f"{chr(a)}-{chr(b)}" for a, b in _INVISIBLE_RANGES
    if any(chr(c).isprintable() for c in range(a, b + 1))) + "]")


def _has_odd(text: str) -> bool:
    """Whether ``text`` holds an invisible character, a space other than the ASCII one or two
    spaces in a row (string methods first: nearly every text has none)."""
    return "  " in text or not text.isprintable() or (
        not text.isascii() and _PRINTABLE_INVISIBLE_RE.search(text) is not None)


def _needs_views(text: str) -> bool:
    """Whether a Unicode space, two spaces or an invisible character stands beside a digit
    (only then can the readings of :func:`_view` show a code the text itself does not)."""
    if not _has_odd(text):
        return False
    n = len(text)
    for m in _ODD_RE.finditer(text):
        a, b = m.span()
        while a and text[a - 1] in _GAP_CHARS:
            a -= 1
        while b < n and text[b] in _GAP_CHARS:
            b += 1
        if (a and text[a - 1].isdigit()) or (b < n and text[b].isdigit()):
            return True
    return False


_INVISIBLE_RE = re.compile("[" + _INVISIBLE_CLASS + "]")
_SPACE_RUN_RE = re.compile(r"\s+")  # Unicode whitespace: the characters str.isspace() accepts


def _quick_view(text: str, drop: bool) -> str:
    """The text of :func:`_view` without its index map (regular expressions, not a loop)."""
    return _SPACE_RUN_RE.sub(" ", _INVISIBLE_RE.sub("" if drop else " ", text))


def _view(text: str, drop: bool) -> tuple[str, list[int]]:
    """``text`` as a reader sees it: every run of spaces (any Unicode space) one ASCII space,
    invisible characters dropped (``drop``) or read as a space; and for each character of the
    view its index in ``text``."""
    chars: list[str] = []
    pos: list[int] = []
    space = False
    for i, ch in enumerate(text):
        if ch in INVISIBLE:
            if drop:
                continue
            is_space = True
        else:
            is_space = ch.isspace()
        if is_space:
            if space:
                continue
            chars.append(" ")
        else:
            chars.append(ch)
        pos.append(i)
        space = is_space
    return "".join(chars), pos


def _spans_in_views(text: str, find: Any) -> list[tuple[int, int, Any]]:
    """``find(view) -> [(start, end, key), ...]`` over ``text`` itself or, when it holds a
    Unicode space or an invisible character, over both readings of :func:`_view`; spans are
    mapped back to ``text``, sorted, and overlapping ones merged (the first key kept)."""
    if not _needs_views(text):
        return find(text)
    found = []
    dropped = _INVISIBLE_RE.sub("", text)
    # without invisible characters both readings are the same text: it is searched once
    readings = (True, False) if len(dropped) != len(text) else (True,)
    for drop in readings:
        quick = _SPACE_RUN_RE.sub(" ", dropped) if drop else _quick_view(text, drop)
        if not find(quick):  # nearly always: no index map needed
            continue
        view, pos = _view(text, drop)
        found += [(pos[a], pos[b - 1] + 1, key) for a, b, key in find(view)]
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[tuple[int, int, Any]] = []
    for a, b, key in found:
        if out and a < out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b, out[-1][2])
            continue
        out.append((a, b, key))
    return out


def _centuries(sign: str) -> tuple[int, ...]:
    """Centuries a sign may mean; a missing or look-alike sign leaves the century open."""
    c = _CENTURY.get(sign.upper()) if sign else None
    if c is not None:
        return (c,)
    return (1800, 1900, 2000)


def _valid_parts(dd: str, mm: str, yy: str, sign: str, nnn: str, check: str) -> bool:
    if CHECK_CHARS[int(dd + mm + yy + nnn) % 31] != check.upper():
        return False
    for century in _centuries(sign):
        try:
            date(century + int(yy), int(mm), int(dd))
            return True
        except ValueError:
            continue
    return False


def _check_match(m: re.Match[str]) -> bool:
    dd, mm, yy, sign, nnn, check = m.groups()
    return _valid_parts(dd, mm, yy, sign, nnn, check) and sign in _CENTURY


def _codes(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, key)`` of codes in any spelling; ``key`` is the code's
    digits and check character (the same person whatever the spelling). Unicode spaces and
    invisible characters are read as :func:`_spans_in_views` says."""
    return _spans_in_views(text, _plain_codes)


def _plain_codes(text: str) -> list[tuple[int, int, str]]:
    """:func:`_codes` of a text whose only spaces are single ASCII spaces."""
    out: list[tuple[int, int, str]] = []
    end = -1
    # a code starts where a run of six or more digits starts ((?<!\d)\d{6} of _ANY): the
    # pattern is tried at those places only, not at every character of a long text (a page)
    for run in _DIGIT_RUN.finditer(text):
        start = run.start()
        if start < end:
            continue
        m = _ANY_RE.match(text, start)
        if m is None:
            continue
        _, dd, mm, yy, sign, nnn, check = m.groups()
        if _valid_parts(dd, mm, yy, sign, nnn, check):
            end = m.end(1)
            out.append((start, end, dd + mm + yy + nnn + check.upper()))
    return out


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
    """Spans ``(start, end)`` of personal identity codes inside free text.

    Every spelling counts when the date and the check character are valid: any century sign
    in either case, a dash look-alike or no sign, a lower-case check character, glued to
    letters. A code glued to digits is part of some longer number and does not count.
    """
    if not isinstance(text, str) or len(text) < 10:
        return []
    return [(a, b) for a, b, _ in _codes(text)]


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
    for start, end, _ in reversed(_spans_in_views(
            s, lambda v: [(m.start(), m.end(), None) for m in _LOOSE_RE.finditer(v)])):
        s = s[:start] + MASK + s[end:]
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
    # each distinct text once; only texts of 10+ characters can hold a code (no sign)
    codes, uniq = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype("string")
    hit = np.zeros(len(u), dtype=bool)
    long = (u.str.len() >= 10).fillna(False).to_numpy(dtype=bool)
    if long.any():
        ul = u[long]
        cand = ul.str.contains(_PREFILTER, regex=True, na=False).to_numpy(dtype=bool)
        special = np.fromiter(map(_needs_views, ul.to_numpy(dtype=object)), dtype=bool,
                              count=len(ul))
        if special.any():  # both readings of Unicode spaces and invisible characters
            us = ul[special]
            for repl in ("", " "):
                view = us.str.replace(_INVISIBLE_RE, repl, regex=True).str.replace(
                    _SPACE_RUN_RE, " ", regex=True)
                cand[special] |= view.str.contains(_PREFILTER, regex=True,
                                                   na=False).to_numpy(dtype=bool)
        if cand.any():
            idx = np.flatnonzero(long)[cand]
            hit[idx] = [bool(find_hetu(v)) for v in ul.to_numpy(dtype=object)[cand]]
    out = np.concatenate([hit, [False]])[codes]
    return pd.Series(out, index=s.index, dtype=bool)


# -- the privacy gate ----------------------------------------------------------------------------

#: Code key -> placeholder number, for this run (see :func:`reset_placeholders`).
_PLACEHOLDERS: dict[str, int] = {}


def reset_placeholders() -> None:
    """Start a new run: placeholders are numbered from 1 again (:func:`hb_eval.load` calls it,
    so the same inputs give the same placeholders and results.json stays byte-identical)."""
    _PLACEHOLDERS.clear()


def placeholders_numbered() -> int:
    """How many codes :func:`gate` has numbered in this run: a step that leaves it unchanged
    wrote the text it would write at any other point of the run (the report serialises
    results.json beside its figures, in another process, on that condition)."""
    return len(_PLACEHOLDERS)


def _placeholder(key: str) -> str:
    n = _PLACEHOLDERS.setdefault(key, len(_PLACEHOLDERS) + 1)
    return f"[hetu-{n}]"


def gate(text: object) -> object:
    """The privacy gate for one outgoing value: personal identity codes in a string (any
    spelling) become a placeholder ``[hetu-N]``; anything else is returned unchanged.

    Parameters
    ----------
    text
        Any value; only strings are inspected.

    Returns
    -------
    object
        The string with every code replaced, or ``text`` itself.
    """
    if not isinstance(text, str) or len(text) < 10:
        return text
    found = _codes(text)
    if not found:
        return text
    names = [_placeholder(key) for _, _, key in found]  # numbered in order of appearance
    s = text
    for (start, end, _), name in zip(reversed(found), reversed(names)):
        s = s[:start] + name + s[end:]
    return s


def gate_value(value: Any) -> Any:
    """:func:`gate` over a nested structure of dicts (keys too), lists, tuples and strings."""
    if isinstance(value, str):
        return gate(value)
    if isinstance(value, dict):
        return {gate(k): gate_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [gate_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(gate_value(v) for v in value)
    return value


def gate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`gate` over the column names and every text cell of a DataFrame (a copy only when
    something was replaced; texts without a code are found by the vectorised prefilter)."""
    out = frame
    cols = [gate(c) for c in frame.columns]
    if cols != list(frame.columns):
        out = frame.copy()
        out.columns = cols
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if pd.api.types.is_numeric_dtype(col.dtype) or \
                pd.api.types.is_datetime64_any_dtype(col.dtype) or \
                pd.api.types.is_bool_dtype(col.dtype):
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = col.cat.categories
            if contains_hetu_series(pd.Series(cats, dtype=object)).any():
                if out is frame:
                    out = frame.copy()
                new = [gate(c) for c in cats]
                out.isetitem(j, col.cat.rename_categories(dict(zip(cats, new))) if
                             len(set(new)) == len(new) else col.astype(object).map(gate))
            continue
        hit = contains_hetu_series(col).to_numpy()
        if hit.any():
            if out is frame:
                out = frame.copy()
            vals = col.to_numpy(dtype=object).copy()
            vals[hit] = [gate(v) for v in vals[hit]]
            out.isetitem(j, pd.Series(vals, index=col.index, dtype=col.dtype
                                      if col.dtype == object else "string"))
    return out


# -- paths ---------------------------------------------------------------------------------------

#: How an output names the folder of a file outside the configuration's folder.
OUTSIDE = "[outside]"


def _inside(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` (POSIX) when it lies inside it, else None."""
    if path == base:
        return "."
    prefix = base.rstrip(os.sep) + os.sep
    if path.startswith(prefix):
        return path[len(prefix):].replace(os.sep, "/")
    return None


def shown_path(path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None) -> str:
    """How every output names an input file: relative to the configuration's folder
    ``base_dir`` (POSIX), or ``[outside]/<file name>`` when it lies outside it (``../``, an
    absolute path elsewhere): no user or folder name outside the configuration's folder is
    shown. Passed through :func:`gate`.

    Inside means inside after resolving links, or inside as written (a link in the
    configuration's folder to data elsewhere is named as the configuration names it).
    ``base_dir`` None: the current folder.
    """
    base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
    p = os.fspath(path)
    full = os.path.abspath(p)
    rel = _inside(os.path.realpath(full), os.path.realpath(base))
    if rel is None:
        rel = _inside(os.path.normpath(os.path.abspath(full)),
                      os.path.normpath(os.path.abspath(base)))
    if rel is None:
        rel = f"{OUTSIDE}/{Path(p).name}"
    return str(gate(rel))


def shown_paths(paths: Iterable[str | os.PathLike[str]],
                base_dir: str | os.PathLike[str] | None) -> list[str]:
    """``[shown_path(p, base_dir) for p in paths]``, with the configuration's folder resolved
    once and each folder of the paths once (a file itself only when it is a link or a special
    name): thousands of diaries in one folder."""
    base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
    real_base = os.path.realpath(base)
    norm_base = os.path.normpath(os.path.abspath(base))
    real_dirs: dict[str, str] = {}
    out = []
    for path in paths:
        p = os.fspath(path)
        full = os.path.abspath(p)
        head, tail = os.path.split(full)
        if tail in ("", ".", "..") or os.path.islink(full):
            real = os.path.realpath(full)
        else:  # realpath resolves the folder, then appends a name that is no link
            if head not in real_dirs:
                real_dirs[head] = os.path.realpath(head)
            real = os.path.join(real_dirs[head], tail)
        rel = _inside(real, real_base)
        if rel is None:
            rel = _inside(os.path.normpath(full), norm_base)
        if rel is None:
            rel = f"{OUTSIDE}/{Path(p).name}"
        out.append(str(gate(rel)))
    return out


def shown_pattern(pattern: str, base_dir: str | os.PathLike[str] | None) -> str:
    """A configured path or glob as outputs show it: as written when it stays inside the
    configuration's folder, relative to it when it is an absolute path inside it, else
    ``[outside]/<last part>`` (e.g. ``[outside]/*.xlsx``). Not gated (the serialisers gate)."""
    pure = PurePath(pattern)
    if not pure.is_absolute() and ".." not in pure.parts:
        return pattern
    base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
    full = os.path.normpath(os.path.join(os.path.abspath(base), pattern))
    rel = _inside(full, os.path.normpath(os.path.abspath(base)))
    if rel is None and not any(ch in pattern for ch in "*?["):
        rel = _inside(os.path.realpath(full), os.path.realpath(base))
    return rel if rel is not None else f"{OUTSIDE}/{pure.name}"
