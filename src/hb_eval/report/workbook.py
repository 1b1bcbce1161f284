"""``tables.xlsx``: the report's tables as a workbook for people, in the report's language.

The CSV files keep the stable English snake-case column names that scripts rely on; the
workbook is for an evaluator who finishes the report in Excel. So here

- sheet names are short labels in the report's language (at most 31 characters, unique, no
  characters Excel forbids), and a first sheet lists every sheet with its table's title and
  the name of the CSV file holding the same table;
- column headers are the report's labels (as in the HTML) and coded categories (arm, pilot,
  client group, sex, funding, ...) are shown as labels;
- numbers keep their full value: the display is rounded by a number format (the table's
  ``digits``; counts as integers, p-values with three decimals), never by rounding the stored
  value; Excel shows the decimal separator of the reader's locale;
- the header row is frozen and column widths are fitted to the displayed text;
- a text is a text: one that begins with ``=`` (a file name, a provider's name) is never
  written as a formula that Excel would run.
"""
from __future__ import annotations

import datetime as _dt
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .format import excel_date_format, fmt_date, fmt_int, fmt_num, fmt_p, is_p_column
from .i18n import display_value, t
from .suppression import is_suppressed
from .tables import Table

__all__ = ["write_workbook", "sheet_names", "number_format"]

_FIXED_TIME = _dt.datetime(2000, 1, 1)
#: Characters Excel does not allow in a sheet name.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET = 31
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def sheet_names(tables: list[Table], lang: str = "fi") -> list[str]:
    """Unique sheet names (≤ 31 characters, Excel-safe) in ``lang`` for ``tables``, in order.

    The name is the label ``sheet_<table name>`` from :mod:`hb_eval.report.i18n` (the table's
    code name when there is none); clashes get `` (2)``, `` (3)``, ... The contents sheet's
    name is reserved.
    """
    used = {t("sheet_contents", lang).casefold()}
    out = []
    for tab in tables:
        key = f"sheet_{tab.name}"
        base = t(key, lang)
        if base == key:  # no label: the code name is still a valid, stable sheet name
            base = tab.name
        base = _FORBIDDEN.sub("-", base).strip("' ") or tab.name
        name, k = base[:_MAX_SHEET].rstrip(), 2
        while name.casefold() in used:  # Excel compares sheet names case-insensitively
            suffix = f" ({k})"
            name = base[:_MAX_SHEET - len(suffix)].rstrip() + suffix
            k += 1
        used.add(name.casefold())
        out.append(name)
    return out


def number_format(col: str, digits: int, count: bool) -> str:
    """The Excel number format of a numeric column (``0``, ``0.00``, ...)."""
    if count:
        return "#,##0"
    if is_p_column(col):
        return "0.000"
    return "#,##0" if digits == 0 else "#,##0." + "0" * digits


def _excel_value(v: Any, col: str, lang: str) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, str):
        shown = display_value(col, v, lang)
        if col == "setting" and shown != v:  # the key too, so that the run can be reproduced
            return f"{shown} ({v})"
        return shown
    return v if isinstance(v, (int, _dt.datetime, _dt.date)) else str(v)


def _shown(v: Any, col: str, lang: str, digits: int, count: bool) -> str:
    """Roughly the text Excel shows for a cell (for the column width)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        if count:
            return fmt_int(v, lang)
        return fmt_p(v, lang) if is_p_column(col) else fmt_num(v, lang, digits)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return fmt_date(_dt.date(2000, 12, 31), lang)  # the widest date
    return str(v)


def write_workbook(tables: list[Table], path: str | Path, lang: str = "fi") -> Path:
    """Write every table to one sheet of an .xlsx workbook for people.

    Parameters
    ----------
    tables
        The report's tables (already suppressed for a public report).
    path
        The .xlsx file to write.
    lang
        ``"fi"`` or ``"en"``: sheet names, headers and category labels.

    Returns
    -------
    Path
        ``path``. The file is deterministic (fixed creation and modification times).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    index = wb.active
    index.title = t("sheet_contents", lang)
    index.append([t("sheet_col_sheet", lang), t("sheet_col_title", lang),
                  t("sheet_col_csv", lang)])
    for cell in index[1]:
        cell.font = Font(bold=True)
    names = sheet_names(tables, lang)
    for tab, name in zip(tables, names):
        index.append([name, tab.title, f"tables/{tab.name}.csv"])
        ws = wb.create_sheet(name)
        cols = [str(c) for c in tab.frame.columns]
        ws.append([t(c, lang) for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        counts = set(tab.count_cols) | ({tab.total_col} if tab.total_col else set())
        values = [[_excel_value(v, c, lang) for c, v in zip(cols, row)]
                  for row in tab.frame.itertuples(index=False, name=None)]
        for row in values:
            ws.append(row)
        for j, c in enumerate(cols):
            letter = get_column_letter(j + 1)
            digits = tab.digits.get(c, 2)
            fmt = number_format(c, digits, c in counts)
            shown = [_shown(r[j], c, lang, digits, c in counts) for r in values[:500]]
            # a header may wrap onto two lines; the longest word still has to fit
            head = t(c, lang)
            head_w = max(max((len(w) for w in head.split()), default=0), (len(head) + 1) // 2)
            width = max([head_w] + [len(s) for s in shown])
            ws.column_dimensions[letter].width = min(max(_MIN_WIDTH, width + 2), _MAX_WIDTH)
            for cell in ws[letter][1:]:
                v = cell.value
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    cell.number_format = fmt
                elif isinstance(v, _dt.datetime):
                    cell.number_format = excel_date_format(lang)
                elif is_suppressed(v):
                    cell.alignment = Alignment(horizontal="right")
                elif cell.data_type == "f":  # a text that begins with "=" stays a text
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
    index.freeze_panes = "A2"
    index.column_dimensions["A"].width = max([12] + [len(n) + 2 for n in names])
    index.column_dimensions["B"].width = 80
    index.column_dimensions["C"].width = max([12] + [len(tb.name) + 13 for tb in tables])
    wb.properties.created = _FIXED_TIME
    wb.properties.creator = "hb_eval"
    path = Path(path)
    saved = io.BytesIO()
    wb.save(saved)
    _write_with_fixed_times(saved, path)
    return path


def _write_with_fixed_times(saved: io.BytesIO, path: Path) -> None:
    """Write the workbook openpyxl saved into ``saved`` to ``path`` with a fixed time on every
    member and a fixed modification time in its properties (openpyxl stamps the time of
    saving on both), so that the same tables give the same bytes."""
    import zipfile

    with zipfile.ZipFile(saved) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)
