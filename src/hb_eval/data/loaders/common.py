"""What every loader shares: file bookkeeping, the henkilötunnus guard, row and cell quarantine.

A loader opens each file of its source with :func:`open_sheet`, which reads the grid, finds the
header, registers the file (sha256, the Excel rows of its data rows) with the quarantine
collector, runs the personal-identity-code guard over every cell, and returns a
:class:`SourceSheet`: the raw text columns by canonical name plus an ``alive`` mask of the rows
still in play. Row checks call :meth:`SourceSheet.drop` (first reason wins: a row gets one
row-level record); cell checks call :meth:`SourceSheet.bad_cells` (the cell becomes empty, the
row stays).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Set
from itertools import compress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import privacy
from ...errors import InputError
from .accounting import check_source, note_unread_sheets
from ..io import RawTable, read_input, read_table, split_table, table_of
from ..quarantine import Quarantine, sheet_key

__all__ = ["LoadContext", "SourceSheet", "display_path", "display_paths", "open_sheet", "open_table",
           "parsed_for_taking", "take_parsed",
           "open_tables", "require", "hetu_mask"]


def display_path(path: str | Path, base_dir: str | Path | None) -> str:
    """The path as a person should see it: relative to the config folder when inside it,
    ``[outside]/<name>`` otherwise (:func:`privacy.shown_path`), with any personal identity
    code replaced by its placeholder (:func:`privacy.gate`). A dangling link or a link loop is
    shown as itself, not as where it points."""
    if base_dir is not None and os.path.islink(path) and not os.path.exists(path):
        folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        try:  # os.path.realpath never raises on a loop (Path.resolve does)
            rel = Path(folder, Path(path).name).relative_to(os.path.realpath(base_dir))
        except ValueError:
            return privacy.gate(f"{privacy.OUTSIDE}/{Path(path).name}")
        return privacy.gate(rel.as_posix())
    return privacy.shown_path(path, base_dir)


def display_paths(paths: Iterable[str | Path], base_dir: str | Path | None, *,
                  gate: bool = True) -> list[str]:
    """:func:`display_path` of many paths (the config folder is resolved once).

    ``gate=False``: the names inside the config folder without the privacy gate, None for the
    others (to compare with the gated names later, without numbering placeholders now)."""
    if base_dir is None:
        return [privacy.shown_path(p, None) if gate else None for p in paths]
    # os.path on strings: the same answer as Path.resolve().relative_to(), without pathlib's
    # per-call parsing (thousands of diaries)
    base = os.path.realpath(base_dir)
    prefix = base.rstrip(os.sep) + os.sep
    out = []
    real_dirs: dict[str, str] = {}  # each folder resolved once; a file only when a link
    for p in paths:
        head, tail = os.path.split(os.fspath(p))
        if not tail or tail in (".", "..") or (os.path.islink(p) and os.path.exists(p)):
            real = os.path.realpath(p)  # (a dangling link or a loop is shown as itself)
        else:
            if head not in real_dirs:
                real_dirs[head] = os.path.realpath(head or ".")
            real = os.path.join(real_dirs[head], tail)
        if real == base:
            out.append(".")
        elif real.startswith(prefix):
            out.append(real[len(prefix):].replace(os.sep, "/"))
        else:  # outside after resolving links: as written, or [outside]/<name>
            out.append(privacy.shown_path(p, base_dir) if gate else None)
            continue
        if gate:
            out[-1] = privacy.gate(out[-1])
    return out


@dataclass
class LoadContext:
    """Everything a loader needs besides its files."""

    source: str
    schema: Any
    quarantine: Quarantine
    base_dir: Path | None = None
    #: every source's schema (to refuse a file that belongs to another source), optional
    schemas: dict[str, Any] | None = None
    #: plausibility limits (:class:`hb_eval.data.plausibility.Limits`); None: no checks
    limits: Any = None
    #: sheets read ahead by a pool (:class:`hb_eval.data.io.batch.GridsAhead`), or None
    ahead: Any = None


#: Characters in a henkilötunnus typed without its century sign (DDMMYY, NNN, check
#: character): a shorter text cannot hold one.
_HETU_LEN = 10


def _ranges(chars: frozenset[str]) -> str:
    """A regular-expression character class body of ``chars`` as ranges of code points."""
    points = sorted(map(ord, chars))
    out, start = [], None
    for i, c in enumerate(points):
        if start is None:
            start = c
        if i + 1 == len(points) or points[i + 1] != c + 1:
            out.append(re.escape(chr(start)) + ("" if c == start else "-" + re.escape(chr(c))))
            start = None
    return "".join(out)


#: Six digits in a row, invisible characters allowed between them: every code the privacy
#: gate finds has them (its readings drop invisible characters or read them, and every
#: other space, as a space; six digits of a code stand together in one of them), so a text
#: without them holds no code.
_SIX_DIGITS = re.compile(r"\d(?:[" + _ranges(privacy.INVISIBLE) + r"]*\d){5}")


def _may_hold_hetu(texts: list[str]) -> list[str]:
    """The texts among ``texts`` with six digits in a row (:data:`_SIX_DIGITS`), found by one
    search over all of them joined (a line break between two texts joins no digits): the
    ASCII texts (no invisible character, no digit but 0-9) by whole-array arithmetic on their
    bytes, the others by the regular expression."""
    if not texts:
        return []
    ascii_ = list(map(str.isascii, texts))
    out = _six_ascii_digits(list(compress(texts, ascii_)))
    if not all(ascii_):
        others = [t for t, a in zip(texts, ascii_) if not a]
        joined = "\n".join(others)
        starts = [m.start() for m in _SIX_DIGITS.finditer(joined)]
        out += _texts_at(others, starts)
    return out


def _six_ascii_digits(texts: list[str]) -> list[str]:
    """:func:`_may_hold_hetu` of ASCII texts: six of 0-9 in a row, counted in a sliding
    window over the bytes of the texts joined."""
    if not texts:
        return []
    b = np.frombuffer("\n".join(texts).encode("ascii"), dtype=np.uint8)
    if len(b) < 6:
        return []
    digit = ((b >= ord("0")) & (b <= ord("9"))).astype(np.int32)
    total = np.concatenate([[0], np.cumsum(digit)])
    return _texts_at(texts, np.flatnonzero(total[6:] - total[:-6] == 6))


def _texts_at(texts: list[str], starts) -> list[str]:
    """The texts in which the offsets ``starts`` into ``"\n".join(texts)`` fall."""
    if not len(starts):
        return []
    ends = np.cumsum([len(t) + 1 for t in texts])  # one past each text's separator
    return [texts[i] for i in np.unique(np.searchsorted(ends, starts, side="right"))]


def hetu_mask(s: pd.Series | np.ndarray, texts: Set[str] | None = None) -> np.ndarray:
    """Boolean mask of cells holding a valid henkilötunnus (``s``: a Series or a 1-D array).

    Each distinct text is looked at once; texts shorter than a code (10 characters) are
    skipped, and the others are screened together by one regular-expression search for six
    digits in a row before any is checked (:func:`privacy.contains_hetu`). A column without
    any code (nearly every column) is answered from the set of its distinct values, without
    factorising it.

    ``texts``: a set that holds every text of ``s`` (a grid's distinct texts), when known: it
    is screened in place of the cells' own distinct values, once. When none of them holds a
    code the answer is "no code" without looking at the cells (so it must hold every text);
    else a distinct value of ``s`` that it lacks is screened as well.
    """
    values = (s if isinstance(s, np.ndarray) else s.to_numpy()).astype(object, copy=False)
    found = _with_hetu(texts if texts is not None else set(values.tolist()) - {None})
    if not found:
        return np.zeros(len(values), dtype=bool)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    if texts is not None:  # (a value the texts lack: none when they are the grid's)
        found |= _with_hetu({u for u in uniq if type(u) is not str or u not in texts})
    flags = np.zeros(len(uniq) + 1, dtype=bool)
    flags[:-1] = [u in found for u in uniq]
    return flags[codes]


def _with_hetu(distinct) -> set:
    """The values among ``distinct`` (a set of cell values, no None) that hold a valid
    henkilötunnus (:func:`hetu_mask`'s screen)."""
    if set(map(type, distinct)) <= {str}:
        # the texts long enough to hold a code, picked without a Python-level loop
        texts = list(distinct)
        long = list(compress(texts, map(_HETU_LEN.__le__, map(len, texts))))
        return {u for u in _may_hold_hetu(long) if privacy.contains_hetu(u)}
    return {u for u in distinct if len(str(u)) >= _HETU_LEN and privacy.contains_hetu(str(u))}


class SourceSheet:
    """One file of a source (its sheet, and the further sheets with the same header), header
    resolved, rows not yet dropped marked ``alive``.

    Attributes
    ----------
    table
        The :class:`~hb_eval.data.io.RawTable` read (the sheets' data rows one after another;
        its ``data`` is not read once the sheet is made: the sheet's cells are its own).
    cols
        Canonical column name -> position in ``table.header``.
    rows
        Excel row numbers of the data rows (numpy array).
    row_files
        Each row's ``file`` key: the file as shown, or ``path [sheet]`` for a further sheet
        (:func:`~hb_eval.data.quarantine.sheet_key`); the tidy tables' ``file``.
    row_sheets
        Each row's sheet (None for CSV).
    alive
        Rows not quarantined so far.
    """

    def __init__(self, ctx: LoadContext, table: RawTable, cols: dict[str, int],
                 row_files: np.ndarray | None = None,
                 row_sheets: np.ndarray | None = None) -> None:
        self.ctx = ctx
        self.table = table
        self.cols = dict(cols)
        self.rows = table.excel_rows.astype(np.int64)
        self.n = len(self.rows)
        self.row_files = (np.asarray(row_files, dtype=object) if row_files is not None
                          else np.full(self.n, table.file, dtype=object))
        self.row_sheets = (np.asarray(row_sheets, dtype=object) if row_sheets is not None
                           else np.full(self.n, table.sheet, dtype=object))
        self.alive = np.ones(self.n, dtype=bool)
        self.client_id: np.ndarray = np.full(self.n, None, dtype=object)
        #: the cells column by column (``_cells[i]``: column ``table.data.columns[i]``), each
        #: column contiguous: :meth:`values` and :meth:`raw` read them without pandas
        # (a view of the table's cells where pandas gives one; copied before the guard writes)
        self._cells = np.ascontiguousarray(table.data.to_numpy(dtype=object).T)
        self._at = {pos: i for i, pos in enumerate(table.data.columns)}

    @property
    def file(self) -> str:
        """The file the sheet was read from (as displayed)."""
        return self.table.file

    @property
    def sheet(self) -> str | None:
        """The sheet's name (None for a CSV file)."""
        return self.table.sheet

    def has(self, name: str) -> bool:
        """Whether the sheet has the schema column ``name``."""
        return name in self.cols

    def header_of(self, name: str) -> str:
        """The column as headed in the file (for quarantine records)."""
        pos = self.cols.get(name)
        if pos is None:
            return name
        h = self.table.header[pos]
        return h if h else f"column {pos + 1}"

    def raw(self, name: str) -> pd.Series:
        """Raw text of a column (object dtype, None when empty; all None when the column is
        absent), with a RangeIndex aligned with :attr:`rows`."""
        pos = self.cols.get(name)
        if pos is None:
            return pd.Series([None] * self.n, dtype=object)
        return pd.Series(self._cells[self._at[pos]], dtype=object, name=pos)

    def values(self, name: str) -> np.ndarray:
        """:meth:`raw` as a 1-D object array (read only: a view of the sheet's cells)."""
        pos = self.cols.get(name)
        if pos is None:
            return np.full(self.n, None, dtype=object)
        return self._cells[self._at[pos]]

    def block(self, names: Iterable[str]) -> np.ndarray:
        """The columns ``names`` (each present) side by side: a (rows x columns) object
        array, a copy."""
        return self._cells[[self._at[self.cols[n]] for n in names]].T

    def drop(self, mask, reason: str, detail: str | Iterable[str], column: str | None = None) -> np.ndarray:
        """Quarantine the rows where ``mask`` and still alive; returns the rows newly dropped."""
        m = np.asarray(mask, dtype=bool) & self.alive
        if m.any():
            det = detail if isinstance(detail, str) else np.asarray(list(detail), dtype=object)[m]
            self.ctx.quarantine.rows(self.ctx.source, self.row_files[m], self.row_sheets[m],
                                     self.rows[m], reason,
                                     det, client_id=self.client_id[m],
                                     column=self.header_of(column) if column else None)
            self.alive &= ~m
        return m

    def bad_cells(self, mask, name: str, reason: str, detail: str | Iterable[str]) -> np.ndarray:
        """Quarantine cells of column ``name`` where ``mask`` on rows still alive."""
        m = np.asarray(mask, dtype=bool) & self.alive
        if m.any():
            det = detail if isinstance(detail, str) else np.asarray(list(detail), dtype=object)[m]
            self.ctx.quarantine.cells(self.ctx.source, self.row_files[m], self.row_sheets[m],
                                      self.rows[m], self.header_of(name), reason, det,
                                      client_id=self.client_id[m])
        return m

    def read_client_ids(self, *, blank_ok: bool = False) -> pd.DataFrame:
        """Parse the client-number column and quarantine the rows it rules out.

        A blank number is ``missing_required`` (kept with client_id NA when ``blank_ok``), an
        invalid one ``bad_client_id``. Sets :attr:`client_id` and returns the parsed parts
        (client_id, pilot_code, group_code, worker, status).
        """
        from . import parse as P

        codes, ids = self._client_ids(blank_ok)
        return P.client_id_frame(codes, ids, pd.RangeIndex(self.n))

    def check_client_ids(self, *, blank_ok: bool = False) -> None:
        """:meth:`read_client_ids` for a loader that needs no more than :attr:`client_id`
        (no table of the parts is made)."""
        self._client_ids(blank_ok)

    def _client_ids(self, blank_ok: bool) -> tuple[np.ndarray, np.ndarray]:
        from . import parse as P

        codes, ids = P.client_id_codes(self.values("client_id"))
        if not blank_ok:
            self.drop(codes < 0, "missing_required", "client number is blank", "client_id")
        self.drop((codes >= 0) & np.equal(ids, None)[codes], "bad_client_id",
                  "not a valid client number (7 digits: pilot 01-06, group 1-6, worker, "
                  "sequence)", "client_id")
        self.client_id = ids[codes]
        return codes, ids

    def guard_personal_ids(self, free_text: Iterable[str] | None = None,
                           key_columns: Iterable[str] = ("client_id",)) -> None:
        """The henkilötunnus guard over every cell of the table.

        Free-text columns (canonical names in ``free_text``; default: the schema's
        ``free_text`` columns) are redacted in place; in a key column (the client number) the
        whole row is quarantined (``personal_id_found``, row level); in any other column the cell
        is quarantined (``personal_id_found``, location only) and emptied. Runs before anything
        else reads the cells.
        """
        if free_text is None:  # the schema's free-text columns
            cols = getattr(self.ctx.schema, "columns", None) or {}
            free_text = [n for n, c in cols.items() if getattr(c, "dtype", "") == "free_text"]
        free_pos = {self.cols[c] for c in free_text if c in self.cols}
        key_pos = {self.cols[c]: c for c in key_columns if c in self.cols}
        cells = self._cells
        # every cell at once, screening the grid's texts when known: a sheet without any code
        # (nearly every sheet) is done without looking at its cells
        hits = hetu_mask(cells.ravel(), self.table.texts).reshape(cells.shape)
        if not hits.any():
            return
        # only the sheet's own cells are rewritten (nothing reads ``table.data`` once the sheet
        # is made); they may be a view of it, so its texts are no longer known
        self.table.texts = None
        if not cells.flags.writeable:
            cells = self._cells = cells.copy()
        for pos, i in self._at.items():
            mask = hits[i]
            if not mask.any():
                continue
            if pos in free_pos:
                cells[i, mask] = [privacy.redact(v) for v in cells[i, mask]]
                continue
            if pos in key_pos:
                # a code where the client number should be: the row cannot be loaded
                self.drop(mask, "personal_id_found",
                          "a personal identity code where the client number should be; "
                          "row not loaded", key_pos[pos])
            else:
                head = self.table.header[pos] if pos < len(self.table.header) else ""
                self.ctx.quarantine.cells(
                    self.ctx.source, self.row_files[mask], self.row_sheets[mask],
                    self.rows[mask], head or f"column {pos + 1}", "personal_id_found",
                    "the cell holds a personal identity code; not loaded")
            cells[i, mask] = None


def open_table(ctx: LoadContext, path: str | Path, *, sheet: str | None = None,
               known: Iterable[str] | None = None) -> RawTable:
    """Read a file of the source, find its header and register it for the accounting.

    The file is read once: its SHA-256 is that of the very bytes parsed. Only one sheet is
    read: every other sheet with data is reported as ``unread_sheet`` (:func:`open_tables`
    also reads the sheets with the same header)."""
    return open_tables(ctx, path, sheet=sheet, known=known, same_header=False)[0]


def open_tables(ctx: LoadContext, path: str | Path, *, sheet: str | None = None,
                known: Iterable[str] | None = None, same_header: bool = True) -> list[RawTable]:
    """Read a file of the source: its sheet and, with ``same_header``, every further sheet of
    the workbook whose header row is the same (read as part of the file).

    The file is read once (its SHA-256 is that of the very bytes parsed). Each sheet read is
    registered for the accounting on its own (rows read = kept + quarantined per file and
    sheet); a further sheet's table has ``file`` :func:`~hb_eval.data.quarantine.sheet_key`
    (``path [sheet]``), shown as the path and the sheet apart. Sheets with another header are
    reported as ``unread_sheet``.

    Returns
    -------
    list of RawTable
        The sheet asked for first, then the same-header sheets in workbook order.
    """
    from . import parse as P

    shown = display_path(path, ctx.base_dir)
    names = list(known) if known is not None else P.header_known(ctx.schema)
    data, read = read_input(path, file=shown)
    grid = (ctx.ahead.take(path, sheet, shown, read.sha256) if ctx.ahead is not None
            else None)
    table = (read_table(path, names, sheet=sheet, file=shown, min_hits=P.min_hits(ctx.schema),
                        data=data) if grid is None
             else table_of(grid, names, min_hits=P.min_hits(ctx.schema)))
    check_source(ctx, table)
    real_sheet = table.sheet
    # sheet names and headers leave the package in quarantine records and messages
    table.sheet = privacy.gate(table.sheet)
    table.header = [privacy.gate(h) for h in table.header]
    same = note_unread_sheets(ctx, path, shown, real_sheet, table, data=data,
                              read_same=same_header)
    ctx.quarantine.add_file(ctx.source, shown, read.sha256, table.sheet,
                            table.excel_rows.tolist(), read=read)
    _quarantine_cell_errors(ctx, path, real_sheet, table, data=data,
                            scans=grid.error_scan if grid is not None else None)
    tables = [table]
    for name, grid, at in same:
        t = split_table(grid, at)
        if not len(t.data):
            continue
        t.sheet = privacy.gate(name)
        t.header = [privacy.gate(h) for h in t.header]
        t.file = sheet_key(shown, t.sheet)
        ctx.quarantine.add_file(ctx.source, t.file, read.sha256, t.sheet,
                                t.excel_rows.tolist(), read=read, display=shown)
        _quarantine_cell_errors(ctx, path, name, t, data=data)
        tables.append(t)
    return tables


def _quarantine_cell_errors(ctx: LoadContext, path: str | Path, real_sheet: str | None,
                            table: RawTable, *, data: bytes | None = None,
                            scans: dict[str, bool | None] | None = None) -> None:
    """Excel error values and formulas without a value in data rows: quarantined cells
    (reason ``excel_error``), emptied, never read as "not answered" without a record."""
    from ..io.cell_errors import cell_errors

    found = cell_errors(path, real_sheet, data, table.data.to_numpy(dtype=object),
                        table.excel_rows, scans=scans, texts=table.texts)
    for col, rows in record_cell_errors(ctx, table.file, table.sheet, table.header,
                                        table.excel_rows, table.data.shape[1], found):
        table.data.loc[rows, table.data.columns[col]] = None


def record_cell_errors(ctx: LoadContext, file: str, sheet: str | None, header: list[str],
                       data_rows: Iterable[int], width: int,
                       found: Iterable[tuple[int, int, str]]) -> list[tuple[int, list[int]]]:
    """Quarantine (reason ``excel_error``) the error values and formulas without a value
    ``found`` (``(excel_row, column, what)``) that lie in the data rows and columns, one record
    per column and kind, columns in order; returns the (column, Excel rows) recorded, for the
    caller to empty those cells."""
    found = list(found)
    if not found:  # nearly every file
        return []
    rows = set(np.asarray(data_rows).tolist())
    groups: dict[tuple[int, str], list[int]] = {}
    out: list[tuple[int, list[int]]] = []
    for row, col, what in found:
        if row in rows and col < width:
            groups.setdefault((col, what), []).append(row)
    for (col, what), rs in sorted(groups.items()):
        head = header[col] if col < len(header) and header[col] else f"column {col + 1}"
        detail = ("a formula saved without its value (open and save the file in Excel)"
                  if what.startswith("formula") else f"Excel error value {what}")
        ctx.quarantine.cells(ctx.source, file, sheet, sorted(set(rs)), head, "excel_error",
                             detail)
        out.append((col, sorted(set(rs))))
    return out


def open_sheet(ctx: LoadContext, path: str | Path, *, sheet: str | None = None,
               required: Iterable[str] = ("client_id",)) -> SourceSheet:
    """Open a file of the source as a :class:`SourceSheet`: header found and resolved through
    the schema, required columns checked, the henkilötunnus guard run over every cell."""
    from . import parse as P

    tables = open_tables(ctx, path, sheet=P.layout_sheet(ctx.schema, sheet))
    table = tables[0] if len(tables) == 1 else _stacked(tables)
    files = sheets = None
    if len(tables) > 1:
        files = np.concatenate([np.full(len(t.data), t.file, dtype=object) for t in tables])
        sheets = np.concatenate([np.full(len(t.data), t.sheet, dtype=object) for t in tables])
    sh = SourceSheet(ctx, table, P.resolve(ctx.schema, table), files, sheets)
    require(sh, required)
    sh.guard_personal_ids()
    return sh


def _stacked(tables: list[RawTable]) -> RawTable:
    """The data rows of same-header sheets one after another, under the first sheet's header
    (file and sheet: the first sheet's; the rows' own are kept by the caller)."""
    first = tables[0]
    data = pd.concat([t.data for t in tables], axis=0)
    data = data.astype(object).where(pd.notna(data), None)
    header = list(first.header) + [""] * max(0, data.shape[1] - len(first.header))
    return RawTable(header=header, data=data, header_row=first.header_row, file=first.file,
                    sheet=first.sheet, meta=first.meta, path=first.path)


def require(sheet: SourceSheet, names: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the required columns the file lacks."""
    missing = [n for n in names if n not in sheet.cols]
    if missing:
        cols = getattr(sheet.ctx.schema, "columns", None) or {}
        named = [f"{n} ({' / '.join(cols[n].aliases)})" if n in cols and cols[n].aliases else n
                 for n in missing]
        raise InputError(f"required column(s) missing: {', '.join(named)} (header row "
                         f"{sheet.table.header_row}: check the column names or the schema's "
                         "aliases)", file=sheet.file, sheet=sheet.sheet,
                         code="missing_column")


# -- files parsed in a pool's worker ---------------------------------------------------------
def parsed_for_taking(q: Quarantine, file: str, result: Any) -> tuple | None:
    """A worker's parse of one file, as the loading process takes it (:func:`take_parsed`):
    ``(sha256, (result, everything q recorded))`` (:meth:`Quarantine.take_all`), or None when
    the result could differ from the parse in the loading process: the file is shown under
    another name, its sheets were read from other bytes, or the privacy gate numbered a
    placeholder (placeholders are numbered in the order of the whole load, in the loading
    process).

    ``q``: the worker's own quarantine of this parse alone."""
    recs = q.file_records
    if (privacy.placeholders_numbered() or not recs or any(r.shown != file for r in recs)
            or len({r.sha256 for r in recs}) != 1):
        return None
    return recs[0].sha256, (result, q.take_all())


def take_parsed(ahead: Any, path: Path, q: Quarantine, base_dir: Path | None) -> Any:
    """The file as a pool's worker parsed it (:func:`parsed_for_taking`; ``ahead``: the
    load's ``GridsAhead``), its file records, quarantine records and unread sheets put in
    ``q`` where the parse here would put them; or None: parse it here. When the worker has a
    result the bytes are read and hashed here, and it is taken only when they are the bytes
    the worker parsed (the loader reads the file itself otherwise)."""
    shown = display_path(path, base_dir)
    got = ahead.parsed(path, shown)
    if got is None:
        return None
    _, read = read_input(path, file=shown)
    if read.sha256 != got[0]:
        return None
    result, taken = got[1]
    q.put_all(taken, read=read)
    return result
