"""The loaders' view of the parsers and schemas: column-wise (vectorised) calls with a
"bad" mask beside every parsed column.

Every function takes a column of raw cell texts (object Series, None when empty) and returns the
parsed values and a boolean mask of cells that were non-empty but could not be parsed. Parsing
itself lives in :mod:`hb_eval.data.parsing` and code spellings in :mod:`hb_eval.data.schema`; this module
only adapts their interfaces to the loaders and parses each distinct text once.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import parsing
from ..io import RawTable

__all__ = ["client_ids", "dates", "numbers", "durations", "codes", "resolve", "layout_sheet",
           "item_columns", "item_scales", "item_answers", "item_block",
           "items_not_in_form",
           "worker_codes", "age_group"]


def _factorize(s: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell the index into the distinct non-empty texts (-1 for empty), and the texts."""
    values = s if isinstance(s, np.ndarray) and s.dtype == object else s.to_numpy(dtype=object)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(uniq, dtype=object)


def per_unique(s: pd.Series, fn, empty=None) -> pd.Series:
    """``fn`` applied once per distinct text, spread back over the column (object Series)."""
    return pd.Series(per_unique_array(s, fn, empty), index=s.index, dtype=object)


def per_unique_array(cells: pd.Series | np.ndarray, fn, empty=None) -> np.ndarray:
    """:func:`per_unique` of a column's cells (an object array or Series) as an object array."""
    codes, mapped = _per_distinct(cells, fn, empty)
    return mapped[codes]


def _per_distinct(cells: pd.Series | np.ndarray, fn, empty=None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per cell the index into the distinct non-empty texts (-1: empty), and ``fn`` of each
    distinct text with ``empty`` last, so ``mapped[codes]`` is :func:`per_unique_array`."""
    codes, uniq = _factorize(cells)
    mapped = np.empty(len(uniq) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniq]
    mapped[-1] = empty
    return codes, mapped


@dataclass(frozen=True)
class _Rule:
    """How the texts of one kind of column are parsed (:func:`_of_distinct`)."""

    #: the scalar parser: one text's value, None when not parseable
    scalar: Callable[[Any], Any]
    #: the column-wise (pandas ``.str``) parser of a Series: (values, bad)
    vector: Callable[[pd.Series], tuple[pd.Series, pd.Series]]
    #: the fast path of the common spellings: (values, done), or None
    plain: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None
    #: the values' dtype and the value of a missing one
    dtype: str
    missing: Any


def _date_ns(value: object) -> np.datetime64 | None:
    """:func:`parsing.parse_date` as ``datetime64[ns]`` (None when not a date)."""
    v = parsing.parse_date(value)
    return None if v is None else np.datetime64(v.to_datetime64(), "ns")


_NUMBERS = _Rule(parsing.parse_number, parsing.parse_numbers, parsing.plain_numbers,
                 "float64", np.nan)
_DURATIONS = _Rule(parsing.parse_duration, parsing.parse_durations, None, "float64", np.nan)
_DATES = _Rule(_date_ns, parsing.parse_dates, parsing.plain_dates, "datetime64[ns]",
               np.datetime64("NaT"))

#: above this many distinct texts the column-wise (pandas ``.str``) parser is used
_VECTOR_FROM = 5000
#: from this many distinct texts the fast path pays (below: its fixed cost is more)
_PLAIN_FROM = 128


def _of_distinct(uniq: np.ndarray, rule: _Rule) -> np.ndarray:
    """The value of each distinct text (missing where not parseable), plus a trailing missing
    value for blank cells (code -1): the common spellings through ``rule.plain`` first (when
    there are many texts), the rest through the column-wise parser when there are many, else
    through the scalar parser."""
    vals = np.full(len(uniq) + 1, rule.missing, dtype=rule.dtype)
    rest = np.arange(len(uniq))
    if rule.plain is not None and len(uniq) >= _PLAIN_FROM:
        vals[:-1], done = rule.plain(uniq)
        rest = np.flatnonzero(~done)
    if len(rest) > _VECTOR_FROM:
        v, _ = rule.vector(pd.Series(uniq[rest], dtype=object))
        vals[rest] = v.to_numpy(dtype=rule.dtype)
    else:
        for i in rest.tolist():
            v = rule.scalar(uniq[i])
            if v is not None:
                vals[i] = v
    return vals


def _parsed(s: pd.Series, rule: _Rule) -> tuple[pd.Series, pd.Series]:
    """:func:`_parsed_array` as Series aligned with ``s``: (values, bad)."""
    out, bad = _parsed_array(s, rule)
    return pd.Series(out, index=s.index, dtype=rule.dtype), pd.Series(bad, index=s.index)


def _parsed_array(cells: pd.Series | np.ndarray, rule: _Rule
                  ) -> tuple[np.ndarray, np.ndarray]:
    """A column's cells parsed by ``rule``, once per distinct text: the values and the bad
    mask (non-empty, not parseable)."""
    codes, uniq = _factorize(cells)
    out = _of_distinct(uniq, rule)[codes]
    return out, (codes >= 0) & pd.isna(out)


# -- client numbers, numbers, dates, durations (hb_eval.data.parsing) ----------------------------
# Cells repeat a lot (codes, dates, item answers), so each distinct text goes through the
# scalar parser once and the result is spread back by index: linear in the rows, no per-cell
# Python work beyond one factorisation per column.

def client_ids(s: pd.Series) -> pd.DataFrame:
    """Client numbers normalised to the canonical 7-digit string (:mod:`hb_eval.data.parsing`).

    Returns
    -------
    DataFrame
        client_id (NA unless valid), pilot_code ("01".."06"), group_code ("1".."6"),
        worker ("04-07"), status (``ok``, ``blank``, ``invalid``); index as ``s``.
    """
    codes, ids = client_id_codes(s.to_numpy(dtype=object))
    return client_id_frame(codes, ids, s.index)


def client_id_codes(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`client_ids` as arrays: per cell the index into the distinct values (-1:
    blank), and per distinct value (a last entry for blanks) its client number or None, so
    ``ids[codes]`` is the cells'."""
    codes, uniq = _factorize(cells)
    ids = np.empty(len(uniq) + 1, dtype=object)
    ids[:-1] = parsing.normalize_client_id_values(uniq)
    ids[-1] = None
    return codes, ids


def client_id_frame(codes: np.ndarray, ids: np.ndarray, index) -> pd.DataFrame:
    """The :func:`client_ids` table of :func:`client_id_codes`' arrays."""
    # the parts of each distinct number (seven digits), cut from its code points and spread
    # back over the cells
    valid = np.not_equal(ids, None)
    pilot, group, worker = (np.full(len(ids), None, dtype=object) for _ in range(3))
    if valid.any():
        points = ids[valid].astype("U7").view(np.uint32).reshape(-1, 7)
        dash = np.full((len(points), 1), ord("-"), dtype=np.uint32)
        pilot[valid] = parsing.texts_of_points(points[:, 0:2])
        group[valid] = parsing.texts_of_points(points[:, 2:3])
        worker[valid] = parsing.texts_of_points(
            np.concatenate([points[:, 0:2], dash, points[:, 3:5]], axis=1))
    ok = valid[codes]
    status = np.where(codes < 0, "blank", np.where(ok, "ok", "invalid"))
    return pd.DataFrame({"client_id": ids[codes], "pilot_code": pilot[codes],
                         "group_code": group[codes], "worker": worker[codes], "status": status},
                        index=index)


def numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Finnish numbers (decimal comma, space / no-break-space thousands) to float, bad mask."""
    return _parsed(s, _NUMBERS)


def numbers_array(cells: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`numbers` of a column's cells as arrays (float64 values, bool bad)."""
    return _parsed_array(cells, _NUMBERS)


def dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Finnish, ISO and Excel serial dates to ``datetime64[ns]`` (NaT missing), bad mask."""
    return _parsed(s, _DATES)


def dates_array(cells: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`dates` of a column's cells as arrays (datetime64[ns] values, bool bad)."""
    return _parsed_array(cells, _DATES)


def durations(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Durations as typed (``45``, ``45 min``, ``1 h 15 min``, ``1,5 h``, ``0:45``) to minutes."""
    return _parsed(s, _DURATIONS)


def period(text: object):
    """A sample period ``1.3.2018–31.3.2018`` as (start, end) or None."""
    return parsing.parse_period(text)


# -- schema: columns, codes, items -----------------------------------------------------------

def layout_sheet(schema: Any, default: str | None) -> str | None:
    """The sheet the schema names (None: the first sheet), else ``default``."""
    layout = getattr(schema, "layout", None)
    sheet = getattr(layout, "sheet", None) if layout is not None else None
    return sheet or default


def known_names(schema: Any) -> list[str]:
    """Every header spelling the schema knows (columns, aliases, item codes and labels)."""
    names: list[str] = []
    for name, spec in (getattr(schema, "columns", None) or {}).items():
        names.append(name)
        names.extend(spec.aliases)
    for code, it in (getattr(schema, "items", None) or {}).items():
        names.append(code)
        names.extend(it.aliases)
    return names


def header_known(schema: Any) -> list[str]:
    """Spellings that mark the header row: the layout's ``header_search`` columns when given,
    else every column spelling."""
    layout = getattr(schema, "layout", None)
    search = tuple(getattr(layout, "header_search", ()) or ())
    cols = getattr(schema, "columns", None) or {}
    if search:
        names = []
        for n in search:
            names.append(n)
            if n in cols:
                names.extend(cols[n].aliases)
        return names
    return known_names(schema)


def min_hits(schema: Any) -> int:
    return int(getattr(getattr(schema, "layout", None), "min_hits", 2) or 2)


def resolve(schema: Any, table: RawTable) -> dict[str, int]:
    """Canonical column name / item code -> position in the header (schema aliases).

    Raises
    ------
    InputError
        When a required column is missing or two header cells match one column.
    """
    cols = dict(schema.resolve_columns(list(table.header), file=table.file, sheet=table.sheet))
    item_header = getattr(schema, "item_header", None) or {}
    if item_header.get("match") == "statement":
        # schema.resolve_columns normalises the separator " - " to "-" and then splits inside
        # hyphenated words ("HB-avustajan"); match the text after the last " - " here as well
        keys: dict[str, str] = {}
        for code, it in (getattr(schema, "items", None) or {}).items():
            for k in (code, it.label, *it.aliases):
                if k:
                    keys[parsing.normalize_text(k)] = code
        sep = " " + str(item_header.get("statement_separator", " - ")).strip() + " "
        taken = set(cols.values())
        for pos, h in enumerate(table.header):
            if pos in taken or not h:
                continue
            text = " ".join(str(h).split())
            key = parsing.normalize_text(text.rsplit(sep, 1)[-1] if sep in text else text)
            code = keys.get(key)
            if code is not None and code not in cols:
                cols[code] = pos
    return cols


def item_columns(schema: Any, table: RawTable, cols: dict[str, int]) -> dict[str, int]:
    """Item code -> position, for the schema's items found in the header."""
    items = getattr(schema, "items", None) or {}
    return {code: pos for code, pos in cols.items() if code in items}


def codes(schema: Any, column: str, s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Canonical codes of a code column through the schema's spellings.

    Returns
    -------
    values, unknown
        ``values``: canonical code or None; ``unknown``: non-blank cells that spell no code.
        Each distinct text is matched once.
    """
    v, unknown = codes_array(schema, column, s.to_numpy(dtype=object))
    return pd.Series(v, index=s.index, dtype=object), pd.Series(unknown, index=s.index)


def codes_array(schema: Any, column: str, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`codes` of a column's cells (an object array, None when empty) as arrays: the
    canonical codes (object, None where none) and the unknown mask. A column without a code
    list keeps its texts (None where empty) and has no unknown cells."""
    spec = (getattr(schema, "columns", None) or {}).get(column)
    if spec is None or not getattr(spec, "codes", None):
        return np.where(pd.isna(cells), None, cells), np.zeros(len(cells), dtype=bool)
    codes_, mapped = _per_distinct(cells, spec.match_code)
    return mapped[codes_], (codes_ >= 0) & np.equal(mapped, None)[codes_]


def item_scales(schema: Any) -> dict[str, tuple[float, float]]:
    """Item code -> (scale_min, scale_max), in the schema's item order."""
    return {code: (float(it.scale_min), float(it.scale_max))
            for code, it in (getattr(schema, "items", None) or {}).items()}


def item_answers(schema: Any, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answers of item cells (a 1-D object array, e.g. several item columns raveled): numbers,
    answer labels or missing codes.

    Returns
    -------
    codes : ndarray of int
        Per cell the index into the distinct texts (-1: blank).
    values : ndarray of float64
        Per distinct text (a last entry for blanks) the number or the label's code; NaN when
        missing.
    missing : ndarray of object
        Per distinct text (and blanks) None (answered), ``not_answered`` (blank), a missing
        reason of the schema (``dont_know``), or ``bad`` (non-blank, no number, label or
        missing code). ``values[codes]`` and ``missing[codes]`` are the cells'.
    """
    codes, uniq = _factorize(cells)
    # per distinct text: the number (as numbers() parses it), else a missing code, an answer
    # label or "bad"; spread back over the cells by index
    vals = _of_distinct(uniq, _NUMBERS)
    miss = np.full(len(uniq) + 1, None, dtype=object)
    miss[-1] = "not_answered"  # blank
    has_missing = hasattr(schema, "match_missing")
    has_labels = bool(getattr(schema, "value_labels", None))
    for i in np.flatnonzero(np.isnan(vals[:-1])):
        t = uniq[i]
        m = schema.match_missing(t) if has_missing else None
        if m is not None:
            miss[i] = m
            continue
        lab = schema.match_value_label(t) if has_labels else None
        if lab is not None:
            vals[i] = lab
        else:
            miss[i] = "bad"
    return codes, vals, miss


def item_block(schema: Any, block: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`item_answers` of a (rows x item columns) block of cells, the columns parsed
    together (each distinct answer once over all of them).

    Returns
    -------
    codes : ndarray of int, (rows, columns)
        Per cell the index into the distinct texts (-1: blank).
    missing : ndarray of object
        Per distinct text (a last entry for blanks) its missing marker (:func:`item_answers`).
    values : ndarray of float64, (rows, columns)
        The cells' values (NaN when missing or bad).
    bad : ndarray of bool, (rows, columns)
        The cells marked ``bad`` (non-blank, no number, label or missing code).
    """
    n, k = block.shape
    codes, vals, miss = item_answers(schema, block.ravel(order="F"))
    codes = codes.reshape(n, k, order="F")
    bad = np.array([m == "bad" for m in miss], dtype=bool)
    return codes, miss, vals[codes], bad[codes]


def items_not_in_form(schema: Any, form: pd.Series) -> dict[str, np.ndarray]:
    """Item code -> mask of responses whose form version does not contain the item (read
    only: items of the same form versions share one mask)."""
    out = {}
    by_forms: dict[frozenset, np.ndarray] = {}  # one mask per distinct set of form versions
    f = form.astype(object)
    for code, it in (getattr(schema, "items", None) or {}).items():
        forms = tuple(getattr(it, "forms", ()) or ())
        if not forms:
            dom = (getattr(schema, "domains", None) or {}).get(it.domain) if it.domain else None
            forms = tuple(getattr(dom, "forms", ()) or ()) if dom is not None else ()
        if forms:
            key = frozenset(forms)
            if key not in by_forms:
                by_forms[key] = (f.notna() & ~f.isin(list(forms))).to_numpy(dtype=bool)
            out[code] = by_forms[key]
    return out


_WORKER_RE = re.compile(r"^\s*(?:(\d{2})\s*[-–]\s*)?(\d{1,2})\s*$")


def worker_codes(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Worker numbers ``TT`` (``7``, ``07`` or ``04-07``) as two digits; bad mask."""
    def one(t):
        m = _WORKER_RE.match(str(t))
        return m.group(2).zfill(2) if m else None
    v = per_unique(s, one)
    return v, s.notna() & v.isna()


def age_group(text: object) -> object:
    """Age group spelled with an en dash (``18-24`` -> ``18–24``)."""
    if not isinstance(text, str):
        return text
    return re.sub(r"\s*[-\u2010-\u2015\u2212]\s*", "–", text.strip())
