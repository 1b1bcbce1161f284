"""Pure parsers for the raw sources: client numbers, Finnish numbers, dates, durations, text.

Every scalar parser returns ``None`` for blank or unusable input and never raises on arbitrary
input. Every vectorised version (``*_s`` names in the plural) works on a whole pandas Series with
``.str`` regex operations and returns values plus, where it matters, a mask of cells that were
non-blank but could not be parsed (so the loaders can quarantine them rather than drop them).

Accepted spellings (decisions where docs/data_sources.md is silent are marked *decision*):

Client numbers (``PP G TT NN``, 7 digits)
    ``0410712``; separated at the part boundaries by spaces (any Unicode space, e.g. no-break)
    or a dash (hyphen, en/em dash, Unicode minus, non-breaking hyphen), possibly with spaces
    around it: ``04-1-07-12``, ``04 1 07 12``, ``04 – 1 – 07 – 12``; surrounding whitespace;
    six digits (Excel dropped the leading zero): ``410712``, the int ``410712``, the float
    ``410712.0`` and the texts ``"410712.0"`` / ``"410712,0"``. The pilot must be 01–06 and the
    group 1–6. *Decision:* worker and sequence digits are not checked (``00`` is accepted), since
    docs/data_sources.md asks only for a known pilot and group. Refused: 8 or more digits, 5 or fewer,
    separators anywhere but the part boundaries (``041-0712``), letters (so a henkilötunnus is
    never a client number), non-integral numbers, booleans.

Finnish numbers
    Decimal comma or point; thousands groups of exactly three digits separated by a space, a
    no-break space, a narrow no-break space or a thin space (``1 234,50``); an optional ``€``
    before or after; a leading ``-``, ``+`` or Unicode minus ``−``; scientific notation with a
    point (``1e-05``, as spreadsheets write small floats). *Decision:* a point is never a
    thousands separator (``1.234`` is 1.234) and mixed ``1.234,50`` is refused, as are ``inf``
    and ``nan`` texts.

Dates
    ``d.m.yyyy`` / ``dd.mm.yyyy`` (optionally followed by a time, which is dropped), ISO
    ``yyyy-mm-dd`` (optionally with a time), ``datetime``/``date``/``Timestamp`` objects, and
    Excel serial numbers of the 1900 date system. *Decision:* serials are accepted from 32874
    (1.1.1990) to 73050 (31.12.2099); a fractional serial keeps its day. Two-digit years and
    impossible dates (``31.2.2018``) are refused. Results are normalised to midnight.

Durations (minutes)
    ``45``, ``45 min``, ``90min``, ``1 h 15 min``, ``1h15``, ``1,5 h``, ``1.5h``, ``2 h``,
    ``0:45``, ``1:30`` (h:mm, also h:mm:ss), ``datetime.time`` and ``timedelta`` objects.
    *Decision:* Finnish unit words ``t``/``tunti``/``tuntia`` and ``minuutti``/``minuuttia``/``m``
    are also accepted; a bare number is minutes; the minute part after hours must be below 60;
    negative durations are refused.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "PILOTS",
    "GROUPS",
    "ClientIdParts",
    "normalize_client_id",
    "normalize_client_ids",
    "normalize_client_id_values",
    "plain_client_ids",
    "texts_of_points",
    "split_client_id",
    "split_client_ids",
    "parse_number",
    "parse_numbers",
    "plain_numbers",
    "format_number",
    "parse_date",
    "parse_dates",
    "plain_dates",
    "parse_duration",
    "parse_durations",
    "format_duration",
    "parse_period",
    "normalize_text",
    "normalize_texts",
    "forget_parsed",
]

#: Pilot code -> pilot name (docs/data_sources.md).
PILOTS: dict[str, str] = {
    "01": "Hämeenlinna",
    "02": "Pori",
    "03": "Tampere",
    "04": "Vantaa",
    "05": "Eksote",
    "06": "Kainuu",
}
#: Client group code -> Finnish group name (docs/data_sources.md).
GROUPS: dict[str, str] = {
    "1": "lapsiperhe",
    "2": "aikuissosiaalityö",
    "3": "jälkihuolto",
    "4": "vammaispalvelu",
    "5": "omaishoito",
    "6": "ikääntyneet",
}

# Dash-like characters treated as one: hyphen-minus, hyphen, non-breaking hyphen, figure dash,
# en dash, em dash, horizontal bar, minus sign.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"

# ---------------------------------------------------------------------------------------------
# Client numbers
# ---------------------------------------------------------------------------------------------

_SEP = r"(?:\s*" + _DASH_CLASS + r"\s*|\s+)?"
_CID_RE = (r"^\s*(?:(?P<six>[0-9]{6})(?:[.,]0+)?"
           r"|(?P<p>[0-9]{2})" + _SEP + r"(?P<g>[0-9])" + _SEP + r"(?P<t>[0-9]{2})" + _SEP
           + r"(?P<n>[0-9]{2})(?:(?<=[0-9]{7})[.,]0+)?)\s*$")
_CID = re.compile(_CID_RE)
_PILOT_OK = frozenset(PILOTS)
_GROUP_OK = frozenset(GROUPS)
#: The same pilots and groups as look-up tables by the digits' value (pilot 0-99, group 0-9),
#: for :func:`plain_client_ids`.
_PILOT_AT = np.isin(np.arange(100), [int(p) for p in _PILOT_OK])
_GROUP_AT = np.isin(np.arange(10), [int(g) for g in _GROUP_OK])


def _cid_from_match(m: re.Match[str] | None) -> str | None:
    if m is None:
        return None
    if m.group("six") is not None:
        cid = "0" + m.group("six")
    else:
        cid = m.group("p") + m.group("g") + m.group("t") + m.group("n")
    if cid[:2] not in _PILOT_OK or cid[2] not in _GROUP_OK:
        return None
    return cid


def normalize_client_id(value: object) -> str | None:
    """The canonical 7-digit client number, or None when ``value`` cannot be one.

    Parameters
    ----------
    value
        A cell value: str, int, float (integral), numpy scalar, or missing.

    Returns
    -------
    str or None
        E.g. ``"0410712"`` for ``"04-1-07-12"``, ``"04 1 07 12"``, ``"0410712 "``, ``410712``
        and ``410712.0``. None for blanks and for anything outside the rules in the module
        docstring (unknown pilot or group, 8+ digits, a henkilötunnus, ...).
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        v = int(value)
        return _cid_from_match(_CID.match(str(v))) if 0 <= v < 10_000_000 else None
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v) or not v.is_integer() or not 0 <= v < 10_000_000:
            return None
        return _cid_from_match(_CID.match(str(int(v))))
    if not isinstance(value, str):
        return None
    if len(value) > 64:
        return None
    return _cid_from_match(_CID.match(value))


def _as_string(s: pd.Series) -> pd.Series:
    """A Series as pandas ``string``: integral floats without ``.0``, NaN -> NA."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return pd.Series(pd.NA, index=s.index, dtype="string")
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(v) & (np.floor(v) == v) & (np.abs(v) < 1e15)
        out = s.astype("string")
        if integral.any():
            out = out.mask(pd.Series(integral, index=s.index),
                           pd.Series(np.where(integral, v, 0).astype(np.int64),
                                     index=s.index).astype("string"))
        return out
    # object columns: str() of each value; datetime/date/time objects become ISO-like text
    # that the date and duration parsers read
    return s.astype("string")


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Per-cell codes (-1 for missing) and the distinct texts: each text is parsed once."""
    codes, uniq = pd.factorize(_as_string(s), use_na_sentinel=True)
    return codes, pd.Series(np.asarray(uniq, dtype=object), dtype="string")


def _spread(values: np.ndarray, codes: np.ndarray, fill: object) -> np.ndarray:
    """Values of the distinct texts back to the cells (``fill`` where missing)."""
    ext = np.concatenate([values, np.array([fill], dtype=values.dtype)])
    return ext[codes]


def normalize_client_id_values(values: np.ndarray) -> np.ndarray:
    """:func:`normalize_client_id` of each item of ``values`` (an object array), as an object
    array (None where not a client number): the common spellings through
    :func:`plain_client_ids`, the others through :func:`normalize_client_id`."""
    ids, done = plain_client_ids(values)
    rest = np.flatnonzero(~done)
    ids[rest] = [normalize_client_id(v) for v in values[rest]]
    return ids


def normalize_client_ids(s: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_client_id`: a ``string`` Series, NA where invalid or blank."""
    codes, u = _distinct(s)  # each distinct text once
    vals = normalize_client_id_values(u.to_numpy(dtype=object))
    return pd.Series(_spread(vals, codes, None), index=s.index, dtype="string")


@dataclass(frozen=True)
class ClientIdParts:
    """The parts of a canonical client number ``PP G TT NN``.

    Attributes
    ----------
    client_id
        The canonical 7-digit string.
    pilot_code, group_code, worker_no, seq
        ``"04"``, ``"1"``, ``"07"``, ``"12"``.
    worker
        Pilot + worker, the cluster id: ``"04-07"``.
    """

    client_id: str
    pilot_code: str
    group_code: str
    worker_no: str
    seq: str

    @property
    def worker(self) -> str:
        """Pilot + worker, e.g. ``"04-07"``."""
        return f"{self.pilot_code}-{self.worker_no}"

    @property
    def pilot(self) -> str:
        """The pilot's name."""
        return PILOTS[self.pilot_code]

    @property
    def client_group(self) -> str:
        """The client group's Finnish name."""
        return GROUPS[self.group_code]


def split_client_id(cid: object) -> ClientIdParts:
    """Split a client number (any accepted spelling) into its parts.

    Raises
    ------
    ValueError
        When ``cid`` is not a valid client number (the message does not quote the value).
    """
    c = normalize_client_id(cid)
    if c is None:
        raise ValueError("not a valid client number (PP G TT NN with pilot 01-06, group 1-6)")
    return ClientIdParts(c, c[:2], c[2], c[3:5], c[5:7])


def split_client_ids(s: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`split_client_id`, aligned with ``s``; NA rows where invalid.

    Returns
    -------
    DataFrame
        Columns client_id, pilot_code, group_code, worker_no, seq, worker (all ``string``),
        pilot and client_group (categoricals with every pilot / group as a category).
    """
    cid = normalize_client_ids(s)
    out = pd.DataFrame({
        "client_id": cid,
        "pilot_code": cid.str.slice(0, 2),
        "group_code": cid.str.slice(2, 3),
        "worker_no": cid.str.slice(3, 5),
        "seq": cid.str.slice(5, 7),
    }, index=s.index)
    out["worker"] = out["pilot_code"] + "-" + out["worker_no"]
    out["pilot"] = pd.Categorical(out["pilot_code"].map(PILOTS, na_action="ignore"),
                                  categories=list(PILOTS.values()))
    out["client_group"] = pd.Categorical(out["group_code"].map(GROUPS, na_action="ignore"),
                                         categories=list(GROUPS.values()))
    return out


# ---------------------------------------------------------------------------------------------
# Finnish numbers
# ---------------------------------------------------------------------------------------------

_THOUSANDS = "[ \u00a0\u202f\u2009]"
_NUM_RE = (r"^(?P<sign>[-+\u2212])?\s*(?:€\s*)?"
           r"(?P<int>[0-9]{1,3}(?:" + _THOUSANDS + r"[0-9]{3})+|[0-9]+)?"
           r"(?:[.,](?P<frac>[0-9]+))?"
           r"(?P<exp>[eE][-+]?[0-9]{1,3})?"
           r"(?:\s*€)?$")
_NUM = re.compile(_NUM_RE)
# The commonest spelling (``12``, ``39,05``, ``1.5``), read without the pattern's groups.
_PLAIN_NUM = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
# The same shape for the vectorised parser, which needs at least one digit and no exponent
# after a decimal comma (the scalar parser checks those in code).
_NUM_VEC_RE = r"(?=.*[0-9])(?!.*,.*[eE])" + _NUM_RE
# One pass to plain float text: drop every space and the euro sign; Unicode minus -> "-",
# decimal comma -> ".".
_NUM_TRANS = {c: None for c in range(0x3001) if chr(c).isspace()}
_NUM_TRANS.update({ord("€"): None, 0x2212: "-", ord(","): "."})


def _num_from_match(m: re.Match[str] | None, text: str) -> float | None:
    if m is None or (m.group("int") is None and m.group("frac") is None):
        return None
    if m.group("exp") is not None and "," in text:
        return None  # scientific notation only as spreadsheets write it, with a point
    intpart = re.sub(_THOUSANDS, "", m.group("int") or "0")
    s = intpart + ("." + m.group("frac") if m.group("frac") else "") + (m.group("exp") or "")
    v = float(s)
    if not math.isfinite(v):
        return None
    return -v if m.group("sign") in ("-", "\u2212") else v


#: Texts already parsed in this load (:func:`forget_parsed` empties them): dates and amounts
#: repeat across a source's files (every diary of a period has its days), and each text has
#: one answer.
_NUMBERS: dict[str, float | None] = {}
_DATES: dict[str, pd.Timestamp | None] = {}
#: Texts each memo holds at most (then it starts again).
_MEMO_MAX = 1 << 17


def forget_parsed() -> None:
    """Empty the memos of :func:`parse_number` and :func:`parse_date` (a load starts with
    them empty, so that one load's time does not depend on the loads before it)."""
    _NUMBERS.clear()
    _DATES.clear()


def _remembered(memo: dict, parse, text: str):
    """``parse(text)``, from ``memo`` when parsed before (a full memo starts again)."""
    try:
        return memo[text]
    except KeyError:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        out = memo[text] = parse(text)
        return out


def parse_number(value: object) -> float | None:
    """A number written the Finnish way (or any Python number) as float; None when not one.

    Examples: ``"12,50"`` -> 12.5, ``"1 234,50 €"`` -> 1234.5, ``"−3"`` -> -3.0, ``7`` -> 7.0;
    ``""``, ``"abc"``, ``"1.234,5"`` -> None.
    """
    if type(value) is str:  # a cell's text: each one parsed once per load
        return _remembered(_NUMBERS, _parse_number, value)
    return _parse_number(value)


def _parse_number(value: object) -> float | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if not isinstance(value, str) or len(value) > 100:
        return None
    t = value.strip()
    if not t:
        return None
    if _PLAIN_NUM.fullmatch(t):  # digits with a decimal point or comma: what the pattern reads
        v = float(t.replace(",", "."))
        return v if math.isfinite(v) else None
    return _num_from_match(_NUM.match(t), t)


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_number`.

    Returns
    -------
    values : Series of float64
        NaN for blank or unparseable cells.
    bad : Series of bool
        True where the cell was non-blank but not a number (to quarantine, not to drop).
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.astype("float64")
        arr = v.to_numpy(dtype=float, na_value=np.nan)
        bad = pd.Series(np.isinf(arr), index=s.index)
        return v.where(~bad, np.nan), bad
    codes, u = _distinct(s)
    st = u.str.strip()
    blank = (st == "").fillna(True).astype(bool).to_numpy()
    valid = st.str.fullmatch(_NUM_VEC_RE).fillna(False).astype(bool)
    # the shape is checked: drop spaces and the euro sign, unify the minus and the decimal mark
    txt = st.where(valid).str.translate(_NUM_TRANS)
    arr = pd.to_numeric(txt, errors="coerce").to_numpy(dtype=float, na_value=np.nan,
                                                      copy=True)
    arr[~np.isfinite(arr)] = np.nan
    bad = ~blank & np.isnan(arr)
    return (pd.Series(_spread(arr, codes, np.nan), index=s.index, dtype="float64"),
            pd.Series(_spread(bad, codes, False), index=s.index, dtype=bool))


# The common spellings read without Python work per text (:func:`plain_numbers`,
# :func:`plain_dates`): each text's code points as a row of a matrix, its shape checked and its
# parts taken out column-wise. A text they do not answer is left to the scalar parser.

#: the longest text the fast paths read (a longer one: the scalar parser)
_FAST_WIDTH = 24


def texts_of_points(points: np.ndarray) -> np.ndarray:
    """Rows of code points (``uint32``, no NUL) as an object array of ``str``, one per row."""
    return np.ascontiguousarray(points).view(f"U{points.shape[1]}").ravel().astype(object)


def _code_points(texts: np.ndarray, shortest: int, longest: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``str`` items of ``texts`` (an object array) of ``shortest`` to ``longest``
    characters as a matrix of code points, one row per text, zeros after its end (as many
    columns as the longest of them has characters).

    Returns (positions in ``texts``, lengths, matrix of ``uint32``)."""
    n = len(texts)
    try:  # (texts only, the usual case)
        lens = np.fromiter(map(len, texts), np.intp, n)
        if not all(map(str.__instancecheck__, texts)):
            raise TypeError
    except TypeError:
        lens = np.fromiter((len(t) if isinstance(t, str) else -1 for t in texts), np.intp, n)
    at = np.flatnonzero((lens >= shortest) & (lens <= longest))
    if not len(at):
        return at, lens[at], np.zeros((0, longest), dtype=np.uint32)
    lens = lens[at]
    width = int(lens.max())
    cells = (texts if len(at) == n else texts[at]).astype(f"U{width}")
    return at, lens, cells.view(np.uint32).reshape(len(at), width)


#: (length, positions of the digits, positions of the separators) of the client-number
#: spellings :func:`plain_client_ids` reads: seven digits, six (the leading zero lost),
#: ``PP-G-TT-NN`` or ``PP G TT NN``
_ID_LAYOUTS = ((7, list(range(7)), []), (6, list(range(6)), []),
               (10, [0, 1, 3, 5, 6, 8, 9], [2, 4, 7]))
#: the separators of those spellings (hyphen-minus, space) as code points
_ID_SEPARATORS = [ord("-"), ord(" ")]


def plain_client_ids(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`normalize_client_id` of the texts in ``texts`` (an object array) spelled the
    common ways, without Python work per text; the others are left to
    :func:`normalize_client_id`.

    The common ways: seven ASCII digits, six (the leading zero lost: ``"0"`` + the text), or
    ``PP-G-TT-NN`` / ``PP G TT NN`` (each separator a hyphen-minus or a space); nothing else,
    no space around. Such a text is the client number of its digits when the pilot and the
    group exist, else no client number (None), as :func:`normalize_client_id` reads it.

    Returns
    -------
    values : ndarray of object
        The client number (or None) where ``done`` (None elsewhere).
    done : ndarray of bool
        The texts answered here.
    """
    n = len(texts)
    values, done = np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
    at, lens, cp = _code_points(texts, 6, 10)
    for width, digit_at, sep_at in _ID_LAYOUTS:
        rows = np.flatnonzero(lens == width)
        if not rows.size:
            continue
        d = cp[rows][:, digit_at].astype(np.int64) - ord("0")
        fits = ((d >= 0) & (d <= 9)).all(axis=1)
        if sep_at:
            fits &= np.isin(cp[rows][:, sep_at], _ID_SEPARATORS).all(axis=1)
        rows, d = rows[fits], d[fits]
        if width == 6:  # "0" + the text
            d = np.concatenate([np.zeros((len(d), 1), dtype=np.int64), d], axis=1)
        known = _PILOT_AT[d[:, 0] * 10 + d[:, 1]] & _GROUP_AT[d[:, 2]]
        cid = texts_of_points((d + ord("0")).astype(np.uint32))
        values[at[rows]] = np.where(known, cid, None)
        done[at[rows]] = True
    return values, done


#: powers of ten: exact as int64 up to 10**18, as float64 up to 10**22
_POW10 = 10 ** np.arange(19, dtype=np.int64)
#: the most digits a fast-path number has: its digits as an integer stay below 2**53
_FAST_DIGITS = 15


def plain_numbers(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_number` of the texts in ``texts`` (an object array) spelled the common
    ways, without Python work per text; the others are left to :func:`parse_number`.

    The common ways: up to 15 ASCII digits, optionally in thousands groups of three after one
    to three digits, each group after one of the thousands spaces (``2 547``), optionally
    followed by one decimal mark (``.`` or ``,``) and digits; nothing else, no space around
    (``12``, ``12,50``, ``12.5``, ``2 547,90``). Such a text is the integer of its digits over
    a power of ten, both exact as floats (below 2**53 and 10**22), so their quotient, rounded
    once, is the nearest float to the decimal: what ``float`` (and :func:`parse_number`) reads.

    Returns
    -------
    values : ndarray of float64
        :func:`parse_number` of ``texts[i]`` where ``done[i]`` (NaN elsewhere).
    done : ndarray of bool
        The texts answered here.
    """
    n = len(texts)
    values, done = np.full(n, np.nan), np.zeros(n, dtype=bool)
    at, lens, cp = _code_points(texts, 1, _FAST_WIDTH)
    if not len(at):
        return values, done
    pos = np.arange(cp.shape[1])
    inside = pos < lens[:, None]
    digit = (cp - np.uint32(48)) < 10  # (below "0" the subtraction wraps round)
    mark = (cp == 44) | (cp == 46)
    space = (cp == 0x20) | (cp == 0xA0) | (cp == 0x202F) | (cp == 0x2009)  # _THOUSANDS
    n_mark = mark.sum(axis=1)
    ok = ((digit | mark | space) | ~inside).all(axis=1) & (n_mark <= 1)
    ok &= digit[:, 0] & digit[np.arange(len(at)), lens - 1]
    spaced = space.any(axis=1)
    if spaced.any():
        # the integer part ends at the decimal mark (or the text's end); thousands spaces
        # stand every fourth character back from there, and nowhere else
        int_end = np.where(n_mark > 0, mark.argmax(axis=1), lens)[:, None]
        gaps = (pos < int_end) & ((int_end - pos) & 3 == 0)
        ok &= ~spaced | (space == gaps).all(axis=1)
    # each digit's weight: the digits after it; the scale: the digits after the mark
    after = np.cumsum(digit[:, ::-1], axis=1)[:, ::-1] - digit
    ok &= after[:, 0] < _FAST_DIGITS
    take = np.flatnonzero(ok)
    if not len(take):
        return values, done
    d = digit[take]
    whole = (np.where(d, cp[take].astype(np.int64) - 48, 0)
             * _POW10[np.where(d, after[take], 0)]).sum(axis=1)
    scale = np.where(n_mark[take] > 0, after[take, mark[take].argmax(axis=1)], 0)
    values[at[take]] = whole / _POW10[scale].astype(np.float64)
    done[at[take]] = True
    return values, done


def format_number(value: float, decimals: int = 2, *, thousands: str = " ",
                  decimal: str = ",", euro: bool = False) -> str:
    """Write a number the Finnish way, e.g. ``1234.5`` -> ``"1 234,50"`` (for round-trip tests)."""
    s = f"{abs(value):,.{decimals}f}"
    s = s.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
    if value < 0 and float(s.replace(thousands, "").replace(decimal, ".")) != 0:
        s = "-" + s
    return s + (" €" if euro else "")


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

#: Excel 1900-system serial of 1.1.1990 and of 31.12.2099 (accepted range).
SERIAL_MIN = 32874
SERIAL_MAX = 73050
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_TIME = r"(?:[ T]+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?)?"
_DMY_RE = r"^\s*(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})" + _TIME + r"\s*$"
_ISO_RE = r"^\s*(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})" + _TIME + r"\s*$"
_SERIAL_RE = r"^\s*(?P<serial>[0-9]{5})(?:[.,][0-9]+)?\s*$"
_DATE_RE = ("(?:" + _DMY_RE.replace("?P<", "?P<a") + ")|(?:" + _ISO_RE.replace("?P<", "?P<b")
            + ")|(?:" + _SERIAL_RE + ")")
_DATE = re.compile(_DATE_RE)


def _ymd(y: int, m: int, d: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(_dt.date(y, m, d))
    except (ValueError, OverflowError):
        return None


def _from_serial(v: float) -> pd.Timestamp | None:
    if not math.isfinite(v) or not SERIAL_MIN <= v < SERIAL_MAX + 1:
        return None
    return _EXCEL_EPOCH + pd.Timedelta(days=int(math.floor(v)))


def parse_date(value: object) -> pd.Timestamp | None:
    """A date (midnight ``Timestamp``) from any accepted spelling; None otherwise.

    Examples: ``"1.3.2018"``, ``"01.03.2018"``, ``"2018-03-01"``, ``43160``,
    ``datetime.date(2018, 3, 1)`` -> ``Timestamp("2018-03-01")``.
    """
    if type(value) is str:  # a cell's text: each one parsed once per load (a Timestamp is
        return _remembered(_DATES, _parse_date, value)  # immutable: sharing it is safe)
    return _parse_date(value)


def _parse_date(value: object) -> pd.Timestamp | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        if pd.isna(value):
            return None
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return ts.normalize()
    if isinstance(value, _dt.date):
        return pd.Timestamp(value)
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).normalize()
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _from_serial(float(value))
    if not isinstance(value, str) or len(value) > 64:
        return None
    m = _DATE.match(value)
    if m is None:
        return None
    if m.group("ay") is not None:
        return _ymd(int(m.group("ay")), int(m.group("am")), int(m.group("ad")))
    if m.group("by") is not None:
        return _ymd(int(m.group("by")), int(m.group("bm")), int(m.group("bd")))
    return _from_serial(float(m.group("serial")))


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_date`.

    Returns
    -------
    values : Series of datetime64[ns]
        Normalised to midnight; NaT for blank or unparseable cells.
    bad : Series of bool
        True where the cell was non-blank but not a date.
    """
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        v = s
        if getattr(v.dt, "tz", None) is not None:
            v = v.dt.tz_localize(None)
        v = v.dt.normalize().astype("datetime64[ns]")
        return v, pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        arr = s.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(arr) & (arr >= SERIAL_MIN) & (arr < SERIAL_MAX + 1)
        days = np.where(ok, np.floor(np.where(ok, arr, 0)), 0).astype("int64")
        vals = (np.datetime64("1899-12-30", "ns") + days.astype("timedelta64[D]")).astype(
            "datetime64[ns]")
        vals = np.where(ok, vals, np.datetime64("NaT", "ns"))
        bad = ~ok & ~np.isnan(arr)
        return (pd.Series(vals, index=s.index, dtype="datetime64[ns]"),
                pd.Series(bad, index=s.index))
    # datetime/date objects in an object column become ISO text ("2018-03-01 00:00:00")
    codes, st = _distinct(s)
    blank = (st.str.strip() == "").fillna(True).astype(bool).to_numpy()
    ex = st.str.extract(_DATE_RE)
    y = ex["ay"].fillna(ex["by"])
    m = ex["am"].fillna(ex["bm"])
    d = ex["ad"].fillna(ex["bd"])
    ymd = pd.DataFrame({"year": pd.to_numeric(y), "month": pd.to_numeric(m),
                        "day": pd.to_numeric(d)}, index=st.index)
    has = ymd.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=st.index, dtype="datetime64[ns]")
    if has.any():
        sub = ymd[has]
        # impossible dates (31.2.) and out-of-bounds years become NaT
        parsed = pd.to_datetime(sub.astype("int64"), errors="coerce")
        out.loc[has] = parsed.astype("datetime64[ns]")
    serial = pd.to_numeric(ex["serial"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    sok = np.isfinite(serial) & (serial >= SERIAL_MIN) & (serial < SERIAL_MAX + 1)
    if sok.any():
        days = np.floor(serial[sok]).astype("int64").astype("timedelta64[D]")
        sv = (np.datetime64("1899-12-30", "ns") + days).astype("datetime64[ns]")
        out.iloc[np.flatnonzero(sok)] = sv
    vals = out.to_numpy(dtype="datetime64[ns]")
    bad = ~blank & np.isnat(vals)
    return (pd.Series(_spread(vals, codes, np.datetime64("NaT", "ns")), index=s.index,
                      dtype="datetime64[ns]"),
            pd.Series(_spread(bad, codes, False), index=s.index, dtype=bool))


def _digits_value(cp: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The number written by the ASCII digits ``cp[i, start[i]:end[i]]`` (at most 4)."""
    rows = np.arange(len(cp))
    out = np.zeros(len(cp), dtype=np.int64)
    for k in range(4):
        p = start + k
        d = cp[rows, np.minimum(p, cp.shape[1] - 1)].astype(np.int64) - 48
        out = np.where(p < end, out * 10 + d, out)
    return out


#: years the fast path answers (the others: the scalar parser)
_FAST_YEARS = (1900, 2199)


def _plain_time(cp: np.ndarray, digit: np.ndarray, pos: np.ndarray, cut: np.ndarray,
                lens: np.ndarray) -> np.ndarray:
    """Whether each text's part from ``cut`` is empty or a time :func:`plain_dates` reads:
    the space or T at ``cut``, then ``h:mm``, ``hh:mm``, ``h:mm:ss`` or ``hh:mm:ss``."""
    size = lens - cut
    seconds = size >= 8
    hour = np.where(seconds, size - 7, size - 4)  # the hour's digits
    rel = pos - cut[:, None]
    colon = (rel == hour[:, None] + 1) | (seconds[:, None] & (rel == hour[:, None] + 4))
    part = (rel >= 1) & (rel < size[:, None])
    fits = (~part | np.where(colon, cp == 58, digit)).all(axis=1)
    return (size == 0) | (np.isin(size, (5, 6, 8, 9)) & fits)


def plain_dates(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_date` of the texts in ``texts`` (an object array) spelled the common ways,
    as ``datetime64[ns]``, without Python work per text; the others are left to
    :func:`parse_date`.

    The common ways: ``d.m.yyyy`` and ``yyyy-mm-dd`` (day and month of one or two ASCII
    digits), maybe followed by a time after one space or ``T`` (``9:00``, ``09:00:00``: the
    hour of one or two digits, colons; the time is dropped, as :func:`parse_date` drops it),
    nothing else, no space around, an existing date of the years 1900-2199.

    Returns
    -------
    values : ndarray of datetime64[ns]
        The date where ``done`` (NaT elsewhere).
    done : ndarray of bool
        The texts answered here.
    """
    n = len(texts)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    done = np.zeros(n, dtype=bool)
    at, lens, cp = _code_points(texts, 8, 19)
    if not len(at):
        return values, done
    pos = np.arange(cp.shape[1])
    digit = (cp - np.uint32(48)) < 10
    # the date ends at the first space or T (or the text's end); a time may follow
    gap = (cp == 32) | (cp == 84)
    cut = np.where(gap.any(axis=1), gap.argmax(axis=1), lens)
    ok = _plain_time(cp, digit, pos, cut, lens)
    in_date = pos < cut[:, None]
    dot, dash = (cp == 46) & in_date, (cp == 45) & in_date
    sep = dot | dash
    ok &= ((digit | sep) | ~in_date).all(axis=1) & (sep.sum(axis=1) == 2)
    n_dot, n_dash = dot.sum(axis=1), dash.sum(axis=1)
    a = sep.argmax(axis=1)  # the first separator
    b = cp.shape[1] - 1 - sep[:, ::-1].argmax(axis=1)  # the second
    mid, tail = b - a - 1, cut - b - 1
    dmy = ok & (n_dot == 2) & ((a == 1) | (a == 2)) & ((mid == 1) | (mid == 2)) & (tail == 4)
    iso = ok & (n_dash == 2) & (a == 4) & ((mid == 1) | (mid == 2)) & ((tail == 1) | (tail == 2))
    zero = np.zeros(len(at), dtype=np.intp)
    first, second = _digits_value(cp, zero, a), _digits_value(cp, a + 1, b)
    third = _digits_value(cp, b + 1, cut)
    y = np.where(dmy, third, first)
    m = second
    d = np.where(dmy, first, third)
    ok = (dmy | iso) & (y >= _FAST_YEARS[0]) & (y <= _FAST_YEARS[1]) & (m >= 1) & (m <= 12)
    month = np.where(ok, (y - 1970) * 12 + (m - 1), 0).astype("datetime64[M]")
    day1 = month.astype("datetime64[D]")
    days_in_month = ((month + 1).astype("datetime64[D]") - day1).astype(np.int64)
    ok &= (d >= 1) & (d <= days_in_month)
    take = np.flatnonzero(ok)
    values[at[take]] = (day1[take] + (d[take] - 1).astype("timedelta64[D]")).astype(
        "datetime64[ns]")
    done[at[take]] = True
    return values, done


def parse_period(text: object) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A sample period such as ``"1.3.2018–31.3.2018"`` as (start, end); None when unusable.

    The two dates may be separated by an en/em dash or a hyphen, with or without spaces; a
    leading label (``"Seurantajakso: "``) is ignored. None also when the end is before the start.
    """
    if not isinstance(text, str) or len(text) > 200:
        return None
    t = re.sub(r"^[^0-9]*:\s*", "", text.strip())
    # try each dash as the separator (ISO dates contain hyphens themselves)
    for i, ch in enumerate(t):
        if ch in _DASHES:
            a, b = parse_date(t[:i].strip()), parse_date(t[i + 1:].strip())
            if a is not None and b is not None:
                return (a, b) if b >= a else None
    return None


# ---------------------------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------------------------

_H_UNIT = r"(?:h|t|tunti|tuntia|hours?)"
_M_UNIT = r"(?:min|mins|minuutti|minuuttia|minutes?|m)"
_DUR_RE = (r"^\s*(?:"
           r"(?P<clock_h>[0-9]{1,3}):(?P<clock_m>[0-9]{2})(?::(?P<clock_s>[0-9]{2}))?"
           r"|(?:(?P<h>[0-9]+(?:[.,][0-9]+)?)\s*" + _H_UNIT + r"\.?)?\s*"
           r"(?:(?P<m>[0-9]+(?:[.,][0-9]+)?)\s*(?:" + _M_UNIT + r"\.?)?)?"
           r")\s*$")
_DUR = re.compile(_DUR_RE, re.IGNORECASE)


def _f(x: str) -> float:
    return float(x.replace(",", "."))


def _dur_from_match(m: re.Match[str] | None) -> float | None:
    if m is None:
        return None
    if m.group("clock_h") is not None:
        mm = int(m.group("clock_m"))
        ss = int(m.group("clock_s") or 0)
        if mm >= 60 or ss >= 60:
            return None
        return int(m.group("clock_h")) * 60 + mm + ss / 60
    h, mi = m.group("h"), m.group("m")
    if h is None and mi is None:
        return None
    if h is not None and mi is not None and _f(mi) >= 60:
        return None
    return (_f(h) * 60 if h is not None else 0.0) + (_f(mi) if mi is not None else 0.0)


def parse_duration(value: object) -> float | None:
    """A duration as typed in a diary, in minutes; None when unusable.

    Examples: ``"45"``, ``"45 min"`` -> 45; ``"1 h 15 min"``, ``"1h15"``, ``"1:15"`` -> 75;
    ``"1,5 h"``, ``"1.5h"``, ``"1:30"`` -> 90; ``datetime.time(0, 45)`` -> 45.
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if math.isfinite(v) and v >= 0 else None
    if isinstance(value, _dt.timedelta):
        v = value.total_seconds() / 60
        return v if v >= 0 else None
    if isinstance(value, _dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if not isinstance(value, str) or len(value) > 64:
        return None
    return _dur_from_match(_DUR.match(value))


def parse_durations(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_duration`: (minutes as float64, bad mask)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        arr = s.to_numpy(dtype=float, na_value=np.nan)
        badv = ~np.isnan(arr) & (~np.isfinite(arr) | (arr < 0))
        return (pd.Series(np.where(badv, np.nan, arr), index=s.index, dtype="float64"),
                pd.Series(badv, index=s.index))
    codes, st = _distinct(s)
    blank = (st.str.strip() == "").fillna(True).astype(bool).to_numpy()
    ex = st.str.extract(_DUR_RE, flags=re.IGNORECASE)

    def num(col: str) -> np.ndarray:
        return pd.to_numeric(ex[col].str.replace(",", ".", regex=False),
                             errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    ch, cm, cs = num("clock_h"), num("clock_m"), num("clock_s")
    h, mi = num("h"), num("m")
    clock = ~np.isnan(ch)
    clock_ok = clock & (cm < 60) & (np.nan_to_num(cs) < 60)
    hm = ~clock & (~np.isnan(h) | ~np.isnan(mi))
    hm_ok = hm & ~(~np.isnan(h) & ~np.isnan(mi) & (mi >= 60))
    vals = np.full(len(st), np.nan)
    vals[clock_ok] = ch[clock_ok] * 60 + cm[clock_ok] + np.nan_to_num(cs[clock_ok]) / 60
    vals[hm_ok] = np.nan_to_num(h[hm_ok]) * 60 + np.nan_to_num(mi[hm_ok])
    bad = ~blank & np.isnan(vals)
    return (pd.Series(_spread(vals, codes, np.nan), index=s.index, dtype="float64"),
            pd.Series(_spread(bad, codes, False), index=s.index, dtype=bool))


def format_duration(minutes: float, style: str = "min") -> str:
    """Write a duration in one of the spellings diaries use (for round-trip tests).

    Parameters
    ----------
    minutes
        Non-negative minutes.
    style
        ``"plain"`` ``45``; ``"min"`` ``45 min``; ``"compact_min"`` ``45min``;
        ``"h_min"`` ``1 h 15 min``; ``"compact"`` ``1h15``; ``"clock"`` ``1:15``;
        ``"h_comma"`` ``1,25 h``; ``"h_point"`` ``1.25h``. Styles with whole minutes
        (``h_min``, ``compact``, ``clock``) need integral minutes.
    """
    def num(x: float, sep: str = ".") -> str:
        s = repr(float(x))
        if s.endswith(".0"):
            s = s[:-2]
        return s.replace(".", sep)

    if style == "plain":
        return num(minutes)
    if style == "min":
        return f"{num(minutes)} min"
    if style == "compact_min":
        return f"{num(minutes)}min"
    if style in ("h_min", "compact", "clock"):
        if float(minutes) != int(minutes):
            raise ValueError(f"style {style!r} needs whole minutes")
        h, m = divmod(int(minutes), 60)
        if style == "h_min":
            return f"{h} h {m} min" if m else f"{h} h"
        if style == "compact":
            return f"{h}h{m:02d}"
        return f"{h}:{m:02d}"
    if style == "h_comma":
        return f"{num(minutes / 60, ',')} h"
    if style == "h_point":
        return f"{num(minutes / 60)}h"
    raise ValueError(f"unknown duration style {style!r}")


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

_DASH_TRANS = {ord(c): "-" for c in _DASHES}


def normalize_text(value: object) -> str:
    """Text folded for matching codes and headers.

    Strips, turns every Unicode space (no-break, narrow, thin) into a plain space and collapses
    runs, turns every dash into ``-``, and case-folds. ``None``/NaN give ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if value is pd.NA or value is pd.NaT:
            return ""
    except TypeError:
        pass
    s = unicodedata.normalize("NFC", str(value)).translate(_DASH_TRANS)
    return " ".join(s.split()).casefold()


def normalize_texts(s: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (a ``string`` Series; NA stays NA)."""
    codes, st = _distinct(s)
    st = st.str.normalize("NFC").str.replace(_DASH_CLASS, "-", regex=True)
    st = st.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
    vals = st.to_numpy(dtype=object, na_value=None)
    return pd.Series(_spread(vals, codes, None), index=s.index, dtype="string")
