"""A minimal streaming ``.xlsx`` writer for large demos (thousands of workbooks, millions of
cells), where openpyxl's per-cell objects and per-workbook start-up dominate.

It writes what the demo writer needs and nothing more: one sheet, rows of str / int / float /
datetime / None, inline strings, dates as serial numbers with a date format (``d.m.yyyy``, or
``d.m.yyyy h:mm`` when the time is not midnight) so that readers see dates. The bytes depend on
the content only (fixed zip timestamps). The default demo keeps openpyxl (its files stay
byte-identical); ``write_demo(..., clients=N)`` uses this writer.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["FastWorkbook"]

_ZIP_TIME = (2020, 4, 1, 12, 0, 0)
_EPOCH = dt.datetime(1899, 12, 30)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="d.m.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="d.m.yyyy h:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs></styleSheet>')


def _col(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


class _Sheet:
    """The one sheet: rows appended as lists of cell values."""

    def __init__(self) -> None:
        self.title = "Sheet1"
        self._rows: list[str] = []
        self._cols: list[str] = []

    def append(self, values: list[Any]) -> None:
        i = len(self._rows) + 1
        while len(self._cols) < len(values):
            self._cols.append(_col(len(self._cols)))
        cells = []
        for j, v in enumerate(values):
            if v is None:
                continue
            if type(v).__module__ == "numpy":  # numpy scalars as Python values
                v = v.item()
            ref = f"{self._cols[j]}{i}"
            if isinstance(v, str):
                if v:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                                 f'{escape(v)}</t></is></c>')
            elif isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
            elif isinstance(v, dt.datetime):
                serial = (v - _EPOCH) / dt.timedelta(days=1)
                style = 1 if v.time() == dt.time(0) else 2
                cells.append(f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>')
            elif isinstance(v, dt.date):
                serial = (dt.datetime(v.year, v.month, v.day) - _EPOCH).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            else:
                raise TypeError(f"cannot write a {type(v).__name__} cell")
        self._rows.append(f'<row r="{i}">{"".join(cells)}</row>')

    def iter_rows(self, *args: Any, **kwargs: Any):
        """No cell objects: dates are formatted when appended (an empty iteration)."""
        return iter(())

    def xml(self) -> str:
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<sheetData>{"".join(self._rows)}</sheetData></worksheet>')


class _Properties:
    created = modified = creator = None


class FastWorkbook:
    """A one-sheet workbook with the part of openpyxl's ``Workbook`` interface the demo writer
    uses (``active``, ``properties``, ``save``)."""

    def __init__(self) -> None:
        self.active = _Sheet()
        self.properties = _Properties()

    def save(self, path: str | Path) -> None:
        """Write the workbook to ``path`` (.xlsx)."""
        title = escape(self.active.title, {'"': "&quot;"})
        workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        parts = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                 ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", _WB_RELS),
                 ("xl/styles.xml", _STYLES), ("xl/worksheets/sheet1.xml", self.active.xml())]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in parts:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                z.writestr(info, text.encode("utf-8"))
