"""Raw cell grids: every cell as text (or None when empty) with the Excel row number of each row.

Readers (:mod:`hb_eval.data.io.excel`, :mod:`hb_eval.data.io.csv`) produce a :class:`RawGrid`;
:func:`split_table` finds the header row, keeps the rows above it as metadata, and drops rows
that are not data rows (blank rows anywhere, total rows such as ``Yhteensä 57 vastausta`` below
the data). Those rows are not counted as read.
"""
from __future__ import annotations

import datetime as _dt
import gc
import re
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError

__all__ = ["RawGrid", "RawTable", "cell_text", "norm_header", "split_table", "split_rows",
           "find_header_row", "is_total_row"]

#: A row whose first non-empty cell starts like this (below the data) is a total row.
_TOTAL_RE = re.compile(r"^\s*(yhteensä|yht\.|total|totalt|summa|sum)\b", re.IGNORECASE)


def _num_text(v: float) -> str:
    if v != v:  # NaN
        return ""
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def cell_text(v: object) -> str | None:
    """One cell value as the text a person would read in it; None for an empty cell.

    Numbers keep their value exactly (``410712.0`` -> ``"410712"``, ``1.5`` -> ``"1.5"``), dates
    become ISO (``2018-03-01``), times and durations ``H:MM`` (``0:45``). Strings are returned
    unchanged (no stripping: the parsers decide what a trailing space means); whitespace-only
    strings are empty.
    """
    if v is None:
        return None
    t = type(v)
    if t is str:
        return v if v.strip() else None
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is float:
        s = _num_text(v)
        return s or None
    if t is int:
        return str(v)
    if isinstance(v, _dt.datetime):
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, _dt.time):
        return f"{v.hour}:{v.minute:02d}" + (f":{v.second:02d}" if v.second else "")
    if isinstance(v, _dt.timedelta):
        secs = int(round(v.total_seconds()))
        h, rem = divmod(secs, 3600)
        m, s = divmod(rem, 60)
        return f"{h}:{m:02d}" + (f":{s:02d}" if s else "")
    if isinstance(v, (np.floating, np.integer)):
        return cell_text(v.item())
    s = str(v)
    return s if s.strip() else None



def texts(values: Iterable[object]) -> list[str | None]:
    """:func:`cell_text` over many cells, with a fast path for strings and empties."""
    out: list[str | None] = []
    append = out.append
    for v in values:
        if type(v) is str:
            append(v if v and not v.isspace() else None)
        elif v is None:
            append(None)
        else:
            append(cell_text(v))
    return out


def column_texts(column: np.ndarray) -> np.ndarray:
    """:func:`cell_text` over one column (1-D object array), converting each distinct value once.

    Columns repeat values (codes, answers, dates), so the column is factorised and only the
    distinct values are converted. Booleans compare equal to 1 and 0, so a column holding
    booleans is converted cell by cell.
    """
    if bool in set(map(type, column)):
        out = np.empty(len(column), dtype=object)
        out[:] = texts(column)
        return out
    codes, uniq = pd.factorize(column, use_na_sentinel=True)
    conv = np.empty(len(uniq) + 1, dtype=object)
    conv[:-1] = texts(uniq)
    conv[-1] = None
    return conv[codes]


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a reader builds its rows.

    A sheet arrives as one Python list per row: 100,000 rows set off hundreds of collections
    that walk every live object and find nothing (row lists and cell values hold no cycles).
    Reference counting still frees everything; the collector is restored afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: Cell types that never compare equal across types except int with float (``1 == 1.0``), so
#: a grid holding no bool and not both int and float (and no time zones) can be converted
#: through one dict of its distinct values.
_DICT_SAFE = frozenset({str, type(None), float, int, _dt.datetime, _dt.date, _dt.time,
                        _dt.timedelta})


def cells_and_texts(rows: Sequence[Sequence[object]]
                    ) -> tuple[np.ndarray, frozenset[str] | None]:
    """Rows of cell values (as a reader returns them) to a 2-D object array of texts, and
    the set of the distinct texts in it (None when the grid was converted column by column).

    Each distinct value is converted once. For the cell types the readers give (str, float,
    int, naive dates and times), where equal values always have equal texts, the whole grid is
    mapped through one dict in one pass. Other grids (booleans, which equal 1 and 0; ints mixed
    with floats, whose texts can differ for equal values such as ``10**15`` and ``1e15``;
    datetimes with a time zone; numpy scalars) are converted column by column
    (:func:`column_texts`).
    """
    n = len(rows)
    lengths = list(map(len, rows))
    width = max(lengths, default=0)
    cells = np.empty((n, width), dtype=object)
    if n == 0 or width == 0:
        return cells, frozenset()
    if lengths.count(width) != n:
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    flat = list(chain.from_iterable(rows))
    types = set(map(type, flat))
    if types <= _DICT_SAFE and not (int in types and float in types):
        distinct = set(flat)
        if not (_dt.datetime in types or _dt.time in types) or not any(
                v.tzinfo is not None for v in distinct if type(v) in (_dt.datetime, _dt.time)):
            # equal values now have equal texts. A non-blank str is its own text, so only the
            # other values need an entry: conv.get(v, v)
            conv = {v: cell_text(v) for v in distinct
                    if type(v) is not str or not v or v.isspace()}
            texts = distinct.difference(conv)  # the non-blank str: their own texts
            texts.update(conv.values())
            texts.discard(None)
            return (np.fromiter(map(conv.get, flat, flat), dtype=object,
                                count=len(flat)).reshape(n, width), frozenset(texts))
    raw = np.empty((n, width), dtype=object)
    raw.reshape(-1)[:] = flat  # cells keep their Python values
    for j in range(width):
        cells[:, j] = column_texts(raw[:, j])
    return cells, None


@dataclass
class RawGrid:
    """All cells of one sheet (or CSV file) as text.

    Attributes
    ----------
    cells
        2-D object array, ``str`` or ``None``; row ``i`` is Excel row ``rows[i]``.
    rows
        Excel row numbers (1-based) of the rows of ``cells``.
    file
        The file as it should be shown to a person (relative path when known).
    sheet
        Sheet name; None for CSV.
    sheets
        Every sheet name of the workbook, in workbook order, as seen when this sheet was read
        (empty for CSV).
    """

    cells: np.ndarray
    rows: np.ndarray
    file: str
    sheet: str | None = None
    path: Path | None = None
    sheets: tuple[str, ...] = ()
    #: sheet -> whether its XML may hold error values or formulas
    #: (:func:`~hb_eval.data.io.cell_errors.may_hold_errors` of the bytes read), when the
    #: process that read the grid scanned it already
    error_scan: dict[str, bool | None] = field(default_factory=dict)
    #: the distinct texts of ``cells`` when the reader collected them
    #: (:func:`cells_and_texts`), else None; lets a check that looks for certain texts
    #: (personal identity codes, Excel error values) skip a grid that holds none
    texts: frozenset[str] | None = None


@dataclass
class RawTable:
    """The data part of a grid: header, data rows, and the metadata rows above the header.

    Attributes
    ----------
    header
        Header cell texts (``""`` for an empty header cell), one per column.
    data
        One row per data row, columns ``0..n-1`` (positions in ``header``), values str or None
        (object dtype, nothing parsed). Index: the Excel row number.
    header_row
        Excel row number of the header.
    meta
        The rows above the header, each a list of the non-empty cell texts.
    """

    header: list[str]
    data: pd.DataFrame
    header_row: int
    file: str
    sheet: str | None = None
    meta: list[list[str]] = field(default_factory=list)
    path: Path | None = None
    #: texts that include every text of ``data`` (the grid's :attr:`RawGrid.texts`), or None;
    #: set to None by whoever writes new texts into ``data``
    texts: frozenset[str] | None = None

    @property
    def excel_rows(self) -> np.ndarray:
        """The Excel row number of each data row."""
        return self.data.index.to_numpy()

    def column(self, pos: int) -> pd.Series:
        """The cells of one column (object dtype, None when empty), indexed by Excel row."""
        return self.data[pos]


def norm_header(text: object) -> str:
    """Header text normalised for matching: NFC, lower case, single spaces, stripped."""
    if text is None:
        return ""
    return _norm_text(text if type(text) is str else str(text))


@lru_cache(maxsize=8192)  # headers repeat from file to file (thousands of diaries)
def _norm_text(text: str) -> str:
    s = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(s.split()).lower()


def _nonempty(row: np.ndarray) -> list[str]:
    return [c for c in row if c is not None]


def is_total_row(row: Iterable[str | None]) -> bool:
    """True when the first non-empty cell reads like a total (``Yhteensä 57 vastausta``)."""
    for c in row:
        if c is not None:
            return bool(_TOTAL_RE.match(str(c)))
    return False


def find_header_row(grid: RawGrid, known: Iterable[str], *, min_hits: int = 2,
                    max_scan: int = 30) -> int:
    """Index (into ``grid.cells``) of the first row that looks like the header.

    A row is the header when at least ``min_hits`` of its cells name a known column, compared
    after :func:`norm_header`; a cell also matches when its first word does (item columns are
    headed ``CODE Question text``).

    Raises
    ------
    InputError
        When no such row is found in the first ``max_scan`` rows.
    """
    names = {norm_header(k) for k in known if k}
    need = max(1, min(min_hits, len(names)))
    for i in range(min(max_scan, grid.cells.shape[0])):
        hits = 0
        for c in grid.cells[i]:
            if c is None:
                continue
            h = norm_header(c)
            if h in names or (h.split(" ", 1)[0] in names):
                hits += 1
        if hits >= need:
            return i
    sample = ", ".join(sorted(names)[:6])
    raise InputError(f"no header row found in the first {max_scan} rows (expected columns such as "
                     f"{sample})", file=grid.file, sheet=grid.sheet, code="no_header")


def split_rows(grid: RawGrid, header_index: int
               ) -> tuple[list[str], list[list[str]], np.ndarray, np.ndarray]:
    """:func:`split_table` without the DataFrame: (header, meta, body cells, Excel rows).

    ``body`` is the 2-D object array of the data rows and ``rows`` their Excel row numbers;
    the header is padded so that every body column has a name.
    """
    cells = grid.cells
    header = [c if c is not None else "" for c in cells[header_index]] if cells.size else []
    meta = [_nonempty(r) for r in cells[:header_index]]
    meta = [m for m in meta if m]
    body = cells[header_index + 1:]
    rows = grid.rows[header_index + 1:]
    if body.shape[0]:
        # a row is blank when every cell is; most rows have their first cell filled, so only
        # the others are looked at further
        # (grid cells are text or None, never NaN)
        filled = (np.not_equal(body[:, 0], None) if body.shape[1]
                  else np.zeros(body.shape[0], dtype=bool))
        unsure = np.flatnonzero(~filled)
        if unsure.size and body.shape[1] > 1:
            filled[unsure] = np.not_equal(body[unsure, 1:], None).any(axis=1)
        body, rows = body[filled], rows[filled]
        # trailing total rows (and the blank rows between them, already gone)
        end = body.shape[0]
        while end > 0 and is_total_row(body[end - 1]):
            end -= 1
        body, rows = body[:end], rows[:end]
    if body.shape[1] < len(header):  # header cells beyond the data: empty columns
        pad = np.empty((body.shape[0], len(header) - body.shape[1]), dtype=object)
        body = np.concatenate([body, pad], axis=1)
    # data beyond the header: give every column a name
    while len(header) < body.shape[1]:
        header.append("")
    return header, meta, body, rows


def split_table(grid: RawGrid, header_index: int) -> RawTable:
    """Cut a grid at its header row into header, data rows and metadata rows.

    Blank rows are dropped anywhere below the header; total rows are dropped from the end of the
    data (after the last data row). Dropped rows are not data rows and are not counted as read.
    Columns right of the last non-empty header cell are kept only if they hold data.
    """
    header, meta, body, rows = split_rows(grid, header_index)
    data = pd.DataFrame(body, index=pd.Index(rows, name="row"), dtype=object)
    return RawTable(header=header, data=data, header_row=int(grid.rows[header_index]) if len(grid.rows) else 1,
                    file=grid.file, sheet=grid.sheet, meta=meta, path=grid.path,
                    texts=grid.texts)
