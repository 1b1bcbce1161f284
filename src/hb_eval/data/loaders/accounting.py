"""Every file and every sheet accounted for: checks :func:`~.common.open_table` runs on each
file it opens.

- :func:`check_source`: a file whose header row fits another source's schema better than its
  own is refused (:class:`InputError` with reason code ``wrong_source``, naming both sources),
  so that, e.g., an Osallisuustesti file configured as Kykyviisari is not "kept" with n = 0.
- :func:`note_unread_sheets`: the other sheets of a workbook that hold data are recorded
  (reason ``unread_sheet``, with their row count), so rows on a second sheet never vanish
  silently; a sheet with the same header as the read sheet is read as part of the file
  (:func:`~.common.open_tables`).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ... import privacy
from ...errors import InputError
from ..io.grid import RawTable, norm_header

__all__ = ["header_fit", "check_source", "note_unread_sheets", "other_sheets", "unread_message"]

#: Sources read from a table with a header row (the unit costs are a YAML file).
_TABULAR = ("roster", "kykyviisari", "kompassi", "osallisuus", "satisfaction", "esr",
            "time_diary", "service_costs")


def header_fit(schema: Any, header: list[str]) -> int:
    """How many header cells name a column or item of ``schema`` (exact spelling or alias,
    after normalising case and spaces; an item column also by its first word, ``YH1 ...``)."""
    from . import parse as P

    names = {norm_header(n) for n in P.known_names(schema) if n}
    hits = 0
    for h in header:
        k = norm_header(h)
        if k and (k in names or k.split(" ", 1)[0].rstrip(".:)") in names):
            hits += 1
    return hits


def check_source(ctx: Any, table: RawTable) -> None:
    """Refuse a file whose header fits another source's schema better than its own.

    Raises
    ------
    InputError
        Reason code ``wrong_source``; the message names both sources and both counts.
    """
    schemas = getattr(ctx, "schemas", None)
    if not schemas or ctx.source not in _TABULAR or ctx.schema is None:
        return
    own = header_fit(ctx.schema, table.header)
    best, best_n = None, own
    for source in _TABULAR:
        sch = schemas.get(source)
        if source == ctx.source or sch is None:
            continue
        n = header_fit(sch, table.header)
        if n > best_n:
            best, best_n = source, n
    if best is not None:
        raise InputError(
            f"the header (row {table.header_row}) fits sources.{best} ({best_n} known columns) "
            f"better than sources.{ctx.source} ({own}): is this a {best} file configured as "
            f"{ctx.source}? Check the configuration", file=table.file, sheet=table.sheet,
            code="wrong_source")


def _data_rows(cells) -> int:
    import pandas as pd

    if cells.size == 0:
        return 0
    return int(pd.notna(cells).any(axis=1).sum())


def other_sheets(path: str | Path, shown: str, read_sheet: str | None, header: list[str], *,
                 data: bytes | None = None, names: Sequence[str] = ()
                 ) -> list[tuple[str, Any, int | None, int]]:
    """The other sheets of a workbook that hold data, beside the sheet read (headed
    ``header``); ``data``: the workbook's bytes as read (no second read); ``names``: its
    sheet names when known (:attr:`~hb_eval.data.io.grid.RawGrid.sheets`; the workbook is not
    opened again to list them).

    Returns
    -------
    list of (str, RawGrid, int or None, int)
        Per sheet in workbook order: its name, its grid, the index of its header row in the
        grid when the header is the read sheet's (the same cells after normalising case and
        spaces, empty cells at the end aside; else None), and its rows: the data rows under
        that header, else every non-empty row. Sheets without such rows are left out.
    """
    from ..io import read_xlsx, sheet_names
    from ..io.grid import find_header_row

    if os.path.splitext(path)[1].lower() not in (".xlsx", ".xlsm") or read_sheet is None:
        return []
    names = list(names) or sheet_names(path, data, file=shown)
    if len(names) < 2:
        return []
    own = _trimmed(header)
    out: list[tuple[str, Any, int | None, int]] = []
    for name in names:
        if name == read_sheet:
            continue
        try:
            grid = read_xlsx(path, name, file=shown, data=data)
        except InputError:
            continue
        n = _data_rows(grid.cells)
        if not n:
            continue
        at = None
        try:
            i = find_header_row(grid, [h for h in header if h], min_hits=2)
            if _trimmed(grid.cells[i]) == own:
                at, n = i, _data_rows(grid.cells[i + 1:])
        except InputError:
            pass
        out.append((name, grid, at, n))
    return out


def unread_message(shown: str, read_sheet: str | None, name: str, rows: int,
                   same: bool) -> str:
    """The message of an ``unread_sheet`` record (sheet names through the privacy gate)."""
    what = (f"has the same header as sheet {privacy.gate(read_sheet)!r} and {rows} data "
            "row(s) that are not read: move them onto that sheet" if same
            else f"holds {rows} non-empty row(s) that no schema reads")
    return f"{shown}: sheet {privacy.gate(name)!r} {what}"


def note_unread_sheets(ctx: Any, path: str | Path, shown: str, read_sheet: str | None,
                       table: RawTable, *, data: bytes | None = None,
                       read_same: bool = False) -> list[tuple[str, Any, int]]:
    """Record every other sheet of a workbook that holds data (reason ``unread_sheet``);
    ``data``: the workbook's bytes as read (no second read).

    With ``read_same``, a sheet whose header row is the read sheet's header (the same cells
    after normalising case and spaces, empty cells at the end aside) is not recorded but
    returned, to be read as part of the file.

    Returns
    -------
    list of (str, RawGrid, int)
        The same-header sheets with data rows (sheet name, its grid, index of its header row
        in the grid), in workbook order; empty without ``read_same``.
    """
    same_sheets: list[tuple[str, Any, int]] = []
    for name, grid, at, n in other_sheets(path, shown, read_sheet, table.header, data=data):
        if at is not None and read_same:
            if n:
                same_sheets.append((name, grid, at))
            continue
        if at is not None and not n:
            continue
        ctx.quarantine.add_unread_sheet(ctx.source, shown, privacy.gate(name), n,
                                        unread_message(shown, read_sheet, name, n,
                                                       at is not None))
    return same_sheets


def _trimmed(header) -> list[str]:
    """Header cells normalised (:func:`norm_header`), empty cells at the end dropped."""
    out = [norm_header(h) for h in header]
    while out and not out[-1]:
        out.pop()
    return out
