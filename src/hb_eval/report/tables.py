"""The report's tables as CSV files and as one formatted Excel workbook.

A :class:`Table` is a tidy DataFrame with a file name, a title and the names of its count
columns (by the convention of :func:`hb_eval.report.suppression.is_count_column`), so that the
public audience can suppress small counts in one place for the CSV, the workbook and the HTML.

CSV files are written for the report's language, so that they open directly in Excel of that
locale: Finnish uses ``;`` and a decimal comma, English ``,`` and a decimal point; both UTF-8
with a byte-order mark. Numbers keep full precision (formatting is for the HTML and workbook).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .suppression import SUPPRESSED, is_count_column, suppress_frame, suppress_table

__all__ = ["Table", "write_csv", "write_workbook", "public_table", "config_table"]

_FIXED_TIME = _dt.datetime(2000, 1, 1)


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
    sep, dec = (";", ",") if lang == "fi" else (",", ".")
    frame = table.frame.copy()
    for c in frame.columns:  # categoricals / strings as plain text; keep numbers as numbers
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(object)
    frame.to_csv(path, sep=sep, decimal=dec, index=False, encoding="utf-8-sig",
                 lineterminator="\n", float_format="%.10g")
    return path


def _excel_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v if isinstance(v, (int, str, _dt.datetime, _dt.date)) else str(v)


def write_workbook(tables: list[Table], path: str | Path, lang: str = "fi") -> Path:
    """Write every table to one sheet of an .xlsx workbook (bold header, widths, formats).

    Counts get the integer format, other numbers a fixed number of decimals (``Table.digits``,
    default 2); suppressed cells are the text ``<5``, right-aligned. The sheet's first row is
    the header, frozen. A first sheet (``sisallys`` / ``contents``) lists every sheet with its
    table's title.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    index = wb.active
    index.title = "contents" if lang == "en" else "sisallys"
    index.append(["sheet" if lang == "en" else "välilehti", "title" if lang == "en" else "otsikko"])
    for cell in index[1]:
        cell.font = Font(bold=True)
    used: set[str] = {index.title}
    for tab in tables:
        name = tab.name[:31]
        k = 2
        while name in used:
            name = f"{tab.name[:28]}_{k}"
            k += 1
        used.add(name)
        index.append([name, tab.title])
        ws = wb.create_sheet(name)
        cols = list(tab.frame.columns)
        ws.append([str(c) for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        counts = set(tab.count_cols) | ({tab.total_col} if tab.total_col else set())
        for row in tab.frame.itertuples(index=False, name=None):
            ws.append([_excel_value(v) for v in row])
        for j, c in enumerate(cols, start=1):
            letter = get_column_letter(j)
            if c in counts:
                fmt = "0"
            else:
                d = tab.digits.get(c, 2)
                fmt = "0" if d == 0 else "0." + "0" * d
            width = max([len(str(c))] + [len(str(v)) for v in tab.frame[c].head(200).tolist()])
            ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
            for cell in ws[letter][1:]:
                if isinstance(cell.value, float) or (isinstance(cell.value, int)
                                                     and not isinstance(cell.value, bool)):
                    cell.number_format = fmt
                elif cell.value == SUPPRESSED:
                    cell.alignment = Alignment(horizontal="right")
        ws.freeze_panes = "A2"
    index.column_dimensions["A"].width = 32
    index.column_dimensions["B"].width = 80
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "hb_eval"
    path = Path(path)
    wb.save(path)
    return path


def config_table(config: Any) -> pd.DataFrame:
    """The configuration as a two-column table (setting, value) for the report's appendix."""
    d = config.to_dict()
    rows = [("name", d["name"])]
    for k, v in d["analysis"].items():
        rows.append((f"analysis.{k}", v))
    for k, v in d["report"].items():
        rows.append((f"report.{k}", v))
    for k, v in d["sources"].items():
        rows.append((f"sources.{k}", ", ".join(v)))
    return pd.DataFrame({"setting": [r[0] for r in rows],
                         "value": ["–" if r[1] is None else str(r[1]) for r in rows]})
