"""Reading ``.xlsx`` sheets into :class:`~hb_eval.data.io.grid.RawGrid` (python-calamine, openpyxl
as the fallback)."""
from __future__ import annotations

import io as _io
from pathlib import Path

import numpy as np

from ...errors import InputError
from .grid import RawGrid, cells_and_texts, gc_paused
from .guard import check_workbook

__all__ = ["sheet_names", "read_xlsx"]


def _source(path: str | Path, data: bytes | None):
    """What the engines open: the bytes already read (one read per file) or the path."""
    return _io.BytesIO(data) if data is not None else path


def sheet_names(path: str | Path, data: bytes | None = None, *,
                file: str | None = None) -> list[str]:
    """Names of the sheets of a workbook, in workbook order (``data``: its bytes, if read;
    ``file``: how the file is named in messages)."""
    try:
        from python_calamine import CalamineWorkbook

        wb = (CalamineWorkbook.from_filelike(_io.BytesIO(data)) if data is not None
              else CalamineWorkbook.from_path(str(path)))
        try:
            return list(wb.sheet_names)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - calamine failed: let openpyxl try
        try:
            import openpyxl

            wb = openpyxl.load_workbook(_source(path, data), read_only=True)
            try:
                return list(wb.sheetnames)
            finally:
                wb.close()
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"cannot open the workbook ({type(exc).__name__})",
                             file=file or str(path), code="unreadable") from None


#: A sheet of more rows than this is converted a block of rows at a time (python-calamine's
#: ``iter_rows``), so that it never exists whole as Python lists of cell values (a 190,000-row
#: questionnaire sheet's lists take several hundred MB).
BLOCK_ROWS = 20_000


def _calamine_grid(path: Path, sheet: str, wb=None, data: bytes | None = None
                   ) -> tuple[np.ndarray, frozenset[str] | None]:
    """The sheet's cells as texts (:func:`~.grid.cells_and_texts`; row ``i`` is Excel row
    ``i + 1``), a sheet of more than :data:`BLOCK_ROWS` rows converted block by block, and the
    distinct texts of the cells (None when a block was converted column by column)."""
    from itertools import islice

    from python_calamine import CalamineWorkbook

    own = wb is None
    if own:
        wb = (CalamineWorkbook.from_filelike(_io.BytesIO(data)) if data is not None
              else CalamineWorkbook.from_path(str(path)))
    try:
        ws = wb.get_sheet_by_name(sheet)
        start, end = ws.start, ws.end
        if start is None or end is None or end[0] + 1 <= BLOCK_ROWS:
            return cells_and_texts(ws.to_python(skip_empty_area=False))
        # iter_rows gives every row from the first (Excel row 1) and the columns from the
        # first one used: they go to the right of the empty ones
        c0, width = start[1], end[1] - start[1] + 1
        cells = np.empty((end[0] + 1, end[1] + 1), dtype=object)
        rows = ws.iter_rows()
        at = 0
        texts: set[str] | None = set()  # the blocks' texts together
        while block := list(islice(rows, BLOCK_ROWS)):
            part, part_texts = cells_and_texts(block)
            del block
            if (part.shape[1] != width or at + part.shape[0] > cells.shape[0]):
                break
            cells[at:at + part.shape[0], c0:] = part
            at += part.shape[0]
            if texts is not None and part_texts is not None:
                texts |= part_texts  # (in place: not a copy of the set per block)
            else:
                texts = None
        else:
            if at == cells.shape[0]:
                return cells, (frozenset(texts) if texts is not None else None)
        # not the shape expected: the whole sheet at once
        del cells
        return cells_and_texts(ws.to_python(skip_empty_area=False))
    finally:
        if own:
            wb.close()


def _open_calamine(path: Path, data: bytes | None = None):
    """The workbook opened by python-calamine (from ``data`` when read already), or None when
    calamine cannot open it."""
    try:
        from python_calamine import CalamineWorkbook

        return (CalamineWorkbook.from_filelike(_io.BytesIO(data)) if data is not None
                else CalamineWorkbook.from_path(str(path)))
    except Exception:  # noqa: BLE001 - calamine failed: the caller lets openpyxl try
        return None


def _openpyxl_rows(path: Path, sheet: str, data: bytes | None = None) -> list[list]:
    import openpyxl

    wb = openpyxl.load_workbook(_source(path, data), read_only=True, data_only=True)
    try:
        ws = wb[sheet]
        return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def _to_grid(rows: list[list] | tuple[np.ndarray, frozenset[str] | None], file: str,
             sheet: str, path: Path, names: list[str]) -> RawGrid:
    cells, texts = rows if isinstance(rows, tuple) else cells_and_texts(rows)
    return RawGrid(cells=cells, rows=np.arange(1, cells.shape[0] + 1), file=file, sheet=sheet,
                   path=path, sheets=tuple(names), texts=texts)


def read_xlsx(path: str | Path, sheet: str | None = None, *, file: str | None = None,
              engine: str = "auto", data: bytes | None = None) -> RawGrid:
    """Read one sheet of an ``.xlsx`` workbook as text cells with Excel row numbers.

    Parameters
    ----------
    path
        The workbook.
    sheet
        Sheet name. None takes the only sheet; when the named sheet is absent and the workbook
        has exactly one sheet, that sheet is read.
    file
        How the file is named in messages (default: ``path`` as given).
    engine
        ``"calamine"``, ``"openpyxl"`` or ``"auto"`` (calamine, openpyxl if calamine fails).
    data
        The file's bytes when already read (see :func:`hb_eval.data.io.snapshot.read_input`):
        the workbook is parsed from them, not read again.

    Raises
    ------
    InputError
        When the workbook cannot be read or the sheet is not found.
    """
    path = path if isinstance(path, Path) else Path(path)
    shown = file if file is not None else str(path)
    check_workbook(path, data, shown)  # encrypted, old .xls or too large: refused unparsed
    wb = _open_calamine(path, data) if engine in ("auto", "calamine") else None
    try:
        # the workbook is opened once for its sheet names and the sheet
        names = (list(wb.sheet_names) if wb is not None
                 else sheet_names(path, data, file=shown))
        return _read_sheet(path, shown, names, sheet, engine, wb, data)
    finally:
        if wb is not None:
            wb.close()


def _read_sheet(path: Path, shown: str, names: list[str], sheet: str | None, engine: str,
                wb, data: bytes | None = None) -> RawGrid:
    if sheet is None or sheet not in names:
        if len(names) == 1:
            sheet = names[0]
        elif sheet is None:
            sheet = names[0]
        else:
            raise InputError(f"sheet {sheet!r} not found; the workbook has sheets "
                             f"{', '.join(repr(n) for n in names)}", file=shown,
                             code="sheet_not_found")
    errors = []
    engines = ["calamine", "openpyxl"] if engine == "auto" else [engine]
    for eng in engines:
        try:
            with gc_paused():
                rows = (_calamine_grid(path, sheet, wb, data) if eng == "calamine"
                        else _openpyxl_rows(path, sheet, data))
                grid = _to_grid(rows, shown, sheet, path, names)
                del rows  # freed before the collector runs again
            return grid
        except Exception as exc:  # noqa: BLE001 - try the next engine
            errors.append(f"{eng}: {type(exc).__name__}")
    raise InputError(f"cannot read the sheet ({'; '.join(errors)})", file=shown, sheet=sheet,
                     code="unreadable")
