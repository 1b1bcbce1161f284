"""Excel cells that hold no usable value although they are not empty: error values (``#N/A``,
``#DIV/0!``, ...) and formulas saved without a calculated value (files written by programs
that do not calculate). Both readers show such cells as empty, so they are found here, in the
sheet's XML (xlsx) or as error texts (CSV exported from Excel, the openpyxl fallback), and the
loaders quarantine them with reason ``excel_error`` instead of reading "not answered".
"""
from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from posixpath import join, normpath

import numpy as np

__all__ = ["ERROR_TEXTS", "cell_errors", "xlsx_cell_errors", "text_errors"]

#: Excel's error values as shown in a cell.
ERROR_TEXTS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                         "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!",
                         "#UNKNOWN!", "#BUSY!", "#CONNECT!", "#PYTHON!"})

_SHEET_RE = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.S)
_SHEET_RE2 = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"', re.S)
_REL_RE = re.compile(rb'<Relationship\b([^>]*)/?>', re.S)
_ATTR_RE = re.compile(rb'(\w+)="([^"]*)"')
_CELL_RE = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE_RE = re.compile(rb'<v>([^<]*)</v>')
_REF_RE = re.compile(r"([A-Z]+)(\d+)")


def _unescape(b: bytes) -> str:
    import html

    return html.unescape(b.decode("utf-8", "replace"))


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    wb = zf.read("xl/workbook.xml")
    rid = None
    for m in _SHEET_RE.finditer(wb):
        if _unescape(m.group(1)) == sheet:
            rid = m.group(2)
    if rid is None:
        for m in _SHEET_RE2.finditer(wb):
            if _unescape(m.group(2)) == sheet:
                rid = m.group(1)
    if rid is None:
        return None
    rels = zf.read("xl/_rels/workbook.xml.rels")
    for m in _REL_RE.finditer(rels):
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        if attrs.get(b"Id") == rid:
            target = attrs.get(b"Target", b"").decode()
            return target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
    return None


def _only_sheet_part(names: list[str]) -> str | None:
    """The sheet's part when the workbook has exactly one sheet of any kind (most small
    workbooks): it needs no look-up in workbook.xml and its relationships."""
    sheets = [n for n in names if n.startswith(_SHEET_DIRS) and _is_sheet_part(n)]
    return sheets[0] if len(sheets) == 1 and sheets[0].startswith("xl/worksheets/") else None


#: The folders of a workbook's sheets of any kind.
_SHEET_DIRS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")


def _is_sheet_part(name: str) -> bool:
    """A sheet of any kind (worksheet, chart, dialog or macro sheet) in a workbook's ZIP."""
    return name.startswith(_SHEET_DIRS) and name.endswith(".xml") and name.count("/") == 2


_EOCD = struct.Struct("<4s4H2LH")          # end of central directory record
_CDIR = struct.Struct("<4s6H3L5H2L")        # central directory file header
_LOCAL = struct.Struct("<4s5H3L2H")         # local file header


def _only_sheet_xml(data: bytes) -> bytes | None:
    """The sheet XML of a one-sheet workbook read straight from its ZIP directory (thousands
    of small diaries: :mod:`zipfile` costs more than the check itself); None when the file is
    anything else (several sheets, a comment, ZIP64, an unusual compression), and
    :mod:`zipfile` decides."""
    from .guard import zip_directory

    listed = zip_directory(data)
    if listed is None:
        return None
    entries = {name: rest for name, *rest in listed}
    part = _only_sheet_part(list(entries))
    if part is None or len(entries) != len(listed):  # (a name twice: zipfile decides)
        return None
    return _inflate(data, _entry_data(data, entries[part]))


def _inflate(data: bytes, got: tuple | None) -> bytes | None:
    """A part's bytes from its :func:`_entry_data`, inflated; None when anything is off."""
    if got is None:
        return None
    method, csize, size, start = got
    raw = data[start:start + csize]
    try:
        out = raw if method == 0 else zlib.decompress(raw, -15)
    except zlib.error:
        return None
    return out if len(out) == size else None


#: Compressed bytes inflated at a time by :func:`_may_hold_errors`.
_SCAN_IN = 1 << 18
#: What a sheet holding an error value or a formula must contain.
_MARKS = (b't="e"', b"<f")


def _part_entry(data: bytes, sheet: str) -> tuple | None:
    """``(method, compressed size, size, data offset)`` of the sheet's part, read straight
    from the ZIP's directory (the part named by workbook.xml and its relationships, or the
    only sheet); None when anything is unusual (then :mod:`zipfile` decides)."""
    from .guard import zip_directory

    listed = zip_directory(data)
    if listed is None:
        return None
    entries = {name: rest for name, *rest in listed}
    if len(entries) != len(listed):  # a name twice
        return None

    def raw_of(name: str) -> bytes | None:
        return _inflate(data, _entry_data(data, entries.get(name)))

    part = _only_sheet_part(list(entries))
    if part is None:
        try:
            part = _sheet_part(_Parts(raw_of), sheet)
        except KeyError:
            return None
    return _entry_data(data, entries.get(part)) if part is not None else None


class _Parts:
    """The two small parts :func:`_sheet_part` reads, as a ZipFile would give them."""

    def __init__(self, raw_of) -> None:
        self._raw_of = raw_of

    def read(self, name: str) -> bytes:
        out = self._raw_of(name)
        if out is None:
            raise KeyError(name)
        return out


def _entry_data(data: bytes, entry) -> tuple | None:
    if entry is None:
        return None
    method, csize, size, local = entry
    if 0xFFFFFFFF in (csize, size, local):  # ZIP64: zipfile decides
        return None
    try:
        sig, *_rest, name_len, extra_len = _LOCAL.unpack_from(data, local)
    except struct.error:
        return None
    if sig != b"PK\x03\x04" or method not in (0, 8):
        return None
    return method, csize, size, local + _LOCAL.size + name_len + extra_len


#: Inflated XML longer than this is searched by :func:`_has_mark` with numpy (bytes' own
#: search is slow for ``<f``: ``<`` starts every tag).
_NUMPY_FROM = 1 << 16


def _has_mark(piece: bytes) -> bool:
    """Whether ``piece`` contains one of :data:`_MARKS` (``t="e"`` or ``<f``): ``in`` for a
    short piece, a few whole-array comparisons for a long one."""
    if len(piece) < _NUMPY_FROM:
        return _MARKS[0] in piece or _MARKS[1] in piece
    a = np.frombuffer(piece, dtype=np.uint8)
    if ((a[:-1] == ord("<")) & (a[1:] == ord("f"))).any():
        return True
    hit = a[:-4] == ord("t")
    for k, ch in enumerate('="e"', start=1):
        hit &= a[k:len(a) - 4 + k] == ord(ch)
    return bool(hit.any())


def _may_hold_errors(data: bytes, sheet: str) -> bool | None:
    """Whether the sheet's XML contains ``t="e"`` or ``<f`` (an error value or a formula),
    inflated a piece at a time and never held whole (a big sheet's XML is ten times its
    compressed size); None when the part cannot be found this way."""
    got = _part_entry(data, sheet)
    if got is None:
        return None
    method, csize, size, start = got
    raw = memoryview(data)[start:start + csize]
    if method == 0:
        return _has_mark(raw.tobytes()) if len(raw) == size else None
    d = zlib.decompressobj(-15)
    tail = b""
    n = 0
    try:
        for i in range(0, len(raw), _SCAN_IN):
            out = d.decompress(raw[i:i + _SCAN_IN])
            n += len(out)
            piece = tail + out
            if _has_mark(piece):
                return True
            tail = piece[-4:]  # a mark split between two pieces
        out = d.flush()
        n += len(out)
        if _has_mark(tail + out):
            return True
    except zlib.error:
        return None
    return False if n == size else None


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def may_hold_errors(path: str | Path, sheet: str | None, data: bytes) -> bool | None:
    """The pre-scan of :func:`xlsx_cell_errors` for a sheet of a workbook's bytes: False
    when its XML holds neither ``t="e"`` nor ``<f`` (then nothing needs parsing); None for a
    file that is no .xlsx/.xlsm or a part not found this way."""
    if sheet is None or os.path.splitext(path)[1].lower() not in (".xlsx", ".xlsm"):
        return None
    return _may_hold_errors(data, sheet)


def xlsx_cell_errors(path: str | Path, sheet: str, data: bytes | None = None, *,
                     scans: dict[str, bool | None] | None = None
                     ) -> list[tuple[int, int, str]]:
    """``(excel_row, column_index, what)`` of error cells and formulas without a value.

    ``what`` is the error text (``#N/A``) or ``"formula without a value"``. A workbook that
    cannot be inspected gives an empty list (the readers report unreadable files).
    ``scans``: :func:`may_hold_errors` of these bytes per sheet, when known (scanned by the
    process that read the sheet ahead).
    """
    if data is not None and (scans[sheet] if scans and sheet in scans
                             else _may_hold_errors(data, sheet)) is False:
        return []  # (most sheets: nothing to parse)
    xml = _only_sheet_xml(data) if data is not None else None
    if xml is None:
        try:
            with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
                part = _only_sheet_part(zf.namelist()) or _sheet_part(zf, sheet)
                if part is None:
                    return []
                xml = zf.read(part)
        except (OSError, KeyError, zipfile.BadZipFile):
            return []
    if b't="e"' not in xml and b"<f" not in xml:
        return []
    out = []
    for m in _CELL_RE.finditer(xml):
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        body = m.group(2) or b""
        what = None
        if attrs.get(b"t") == b"e":
            v = _VALUE_RE.search(body)
            what = _unescape(v.group(1)) if v else "#error"
        elif b"<f" in body:
            v = _VALUE_RE.search(body)
            if v is None or not v.group(1):
                what = "formula without a value"
        if what is None:
            continue
        ref = _REF_RE.match(attrs.get(b"r", b"").decode())
        if ref is None:
            continue
        out.append((int(ref.group(2)), _col_index(ref.group(1)), what))
    return out


def text_errors(cells: np.ndarray, rows: np.ndarray, *,
                texts: frozenset[str] | None = None) -> list[tuple[int, int, str]]:
    """``(excel_row, column_index, text)`` of cells whose text is an Excel error value
    (``cells``: a 2-D array of cell texts, ``rows``: the Excel row of each of its rows;
    ``texts``: texts that include every text of ``cells``, when known)."""
    # errors are rare: one C pass over the cells, or none over a set of their texts
    if not cells.size or ERROR_TEXTS.isdisjoint(cells.flat if texts is None else texts):
        return []
    width = cells.shape[1]
    return [(int(rows[k // width]), k % width, c) for k, c in enumerate(cells.flat)
            if c in ERROR_TEXTS]


def cell_errors(path: str | Path, sheet: str | None, data: bytes | None, cells: np.ndarray,
                rows: np.ndarray, *, scans: dict[str, bool | None] | None = None,
                texts: frozenset[str] | None = None) -> list[tuple[int, int, str]]:
    """Both kinds in a sheet read: error texts in ``cells`` (CSV, the openpyxl fallback) and,
    for a workbook, error values and formulas without a value in the sheet's XML
    (:func:`xlsx_cell_errors`; ``data``: the workbook's bytes as read; ``texts``: see
    :func:`text_errors`)."""
    found = text_errors(cells, rows, texts=texts)
    if sheet is not None and os.path.splitext(path)[1].lower() in (".xlsx", ".xlsm"):
        found += xlsx_cell_errors(path, sheet, data, scans=scans)
    return found
