"""Reading raw files into text grids with Excel row numbers (see :mod:`hb_eval.data.io.grid`)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ...errors import InputError
from .csv import read_csv
from .excel import read_xlsx, sheet_names
from .guard import unsupported_message
from .grid import RawGrid, RawTable, find_header_row, norm_header, split_table
from .snapshot import InputRead, check_unchanged, read_input

__all__ = ["RawGrid", "RawTable", "read_grid", "read_table", "table_of", "read_csv", "read_xlsx",
           "sheet_names", "find_header_row", "split_table", "norm_header", "sha256_file",
           "InputRead", "read_input", "check_unchanged"]


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_grid(path: str | Path, sheet: str | None = None, *, file: str | None = None,
              data: bytes | None = None) -> RawGrid:
    """Read a ``.xlsx`` sheet or a ``.csv`` file by its extension (``data``: its bytes, when
    already read with :func:`~hb_eval.data.io.snapshot.read_input`)."""
    p = path if isinstance(path, Path) else Path(path)
    ext = p.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return read_xlsx(p, sheet, file=file, data=data)
    if ext in (".csv", ".txt"):
        return read_csv(p, file=file, data=data)
    message, code = unsupported_message(ext, data)
    raise InputError(message, file=file or str(p), code=code)


def read_table(path: str | Path, known_columns, *, sheet: str | None = None,
               file: str | None = None, min_hits: int = 2, data: bytes | None = None) -> RawTable:
    """Read a file and cut it at its header row.

    Parameters
    ----------
    known_columns
        Column names and aliases that identify the header row (see :func:`find_header_row`).
    min_hits
        How many known columns the header row must name.
    data
        The file's bytes when already read (parsed from them, not read again).
    """
    return table_of(read_grid(path, sheet, file=file, data=data), known_columns,
                    min_hits=min_hits)


def table_of(grid: RawGrid, known_columns, *, min_hits: int = 2) -> RawTable:
    """A grid cut at its header row (:func:`read_table` of a grid already read)."""
    if grid.cells.shape[0] == 0:
        raise InputError("the file is empty", file=grid.file, sheet=grid.sheet, code="empty")
    return split_table(grid, find_header_row(grid, known_columns, min_hits=min_hits))
