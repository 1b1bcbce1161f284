"""The report's tables as CSV files and as one formatted Excel workbook.

A :class:`Table` is a tidy DataFrame with a file name, a title and the names of its count
columns (by the convention of :func:`hb_eval.report.suppression.is_count_column`), so that the
public audience can suppress small counts in one place for the CSV, the workbook and the HTML.

CSV files are written for the report's language, so that they open directly in Excel of that
locale: Finnish uses ``;`` and a decimal comma, English ``,`` and a decimal point; both UTF-8
with a byte-order mark. Numbers keep full precision (formatting is for the HTML and workbook).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .format import csv_dialect
from .suppression import is_count_column, suppress_frame, suppress_table

__all__ = ["Table", "write_csv", "public_table"]


@dataclass
class Table:
    """One table of the report.

    Attributes
    ----------
    name
        File name stem and sheet name (short, ``[a-z0-9_]``, at most 31 characters).
    title
        Caption in the report's language.
    frame
        The data, one row per table row.
    total_col, total_row
        A row-total column / the index label of a column-total row, when the table has them
        (used for secondary suppression).
    linked
        Derived column -> count column it depends on (removed when that count is suppressed).
    digits
        Decimals for float columns in the HTML and the workbook (column -> digits; default 2).
    """

    name: str
    title: str
    frame: pd.DataFrame
    total_col: str | None = None
    total_row: Any = None
    linked: dict[str, str] = field(default_factory=dict)
    digits: dict[str, int] = field(default_factory=dict)
    row_relations: list[tuple[list[str], str]] = field(default_factory=list)
    col_relations: list[tuple[list[Any], Any]] = field(default_factory=list)

    @property
    def count_cols(self) -> list[str]:
        """The columns that count clients (suppressed below 5 in a public report)."""
        return [c for c in self.frame.columns if is_count_column(c) and c != self.total_col]


def public_table(table: Table) -> Table:
    """A copy of ``table`` with small counts suppressed (``"<5"``) and dependent values removed."""
    cols = table.count_cols
    if not cols and table.total_col is None:
        return table
    if table.row_relations or table.col_relations:
        frame = suppress_table(table.frame, cols, row_relations=table.row_relations,
                               col_relations=table.col_relations, linked=table.linked)
    else:
        frame = suppress_frame(table.frame, cols, total_col=table.total_col,
                               total_row=table.total_row, linked=table.linked)
    return Table(table.name, table.title, frame, table.total_col, table.total_row,
                 dict(table.linked), dict(table.digits), list(table.row_relations),
                 list(table.col_relations))


def write_csv(table: Table, out_dir: str | Path, lang: str = "fi") -> Path:
    """Write ``<out_dir>/<name>.csv`` for the report's language and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{table.name}.csv"
    sep, dec = csv_dialect(lang)
    frame = table.frame.copy()
    for c in frame.columns:  # categoricals / strings as plain text; keep numbers as numbers
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(object)
    frame.to_csv(path, sep=sep, decimal=dec, index=False, encoding="utf-8-sig",
                 lineterminator="\n", float_format="%.10g")
    return path
