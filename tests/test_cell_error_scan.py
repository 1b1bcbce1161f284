"""The cheap pre-scan of a sheet's XML for error values and formulas (issue 23): inflated a
piece at a time, it answers as a search of the whole XML read by :mod:`zipfile` does, whatever
the workbook's sheets and wherever a piece ends."""
from __future__ import annotations

import io
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings, strategies as st

from hb_eval.data.io import cell_errors as C

_CELL = st.one_of(st.none(), st.integers(-5, 5), st.text("abc =#/!", max_size=6),
                  st.sampled_from(["#DIV/0!", "#N/A", "=1/0", "=A1+1", "<f", 't="e"']))


def _workbook(sheets: list[list[list]], errors: set[tuple[int, int, int]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for k, rows in enumerate(sheets):
        ws = wb.create_sheet(f"S{k}")
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                c = ws.cell(row=i + 1, column=j + 1, value=v)
                if (k, i, j) in errors and isinstance(v, str) and v.startswith("#"):
                    c.data_type = "e"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _truth(data: bytes, sheet: str) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = C._only_sheet_part(zf.namelist()) or C._sheet_part(zf, sheet)
        xml = zf.read(part)
    return any(m in xml for m in C._MARKS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets=st.lists(st.lists(st.lists(_CELL, max_size=4), max_size=5), min_size=1,
                       max_size=3),
       pick=st.integers(0, 2), err=st.sets(st.tuples(st.integers(0, 2), st.integers(0, 4),
                                                     st.integers(0, 3))),
       piece=st.sampled_from([1, 3, 7, 64, 1 << 18]))
def test_scan_equals_the_search_of_the_whole_xml(sheets, pick, err, piece):
    data = _workbook(sheets, err)
    sheet = f"S{pick % len(sheets)}"
    was, C._SCAN_IN = C._SCAN_IN, piece  # pieces end anywhere, marks split too
    try:
        got = C._may_hold_errors(data, sheet)
    finally:
        C._SCAN_IN = was
    assert got is _truth(data, sheet)


def test_errors_found_in_the_second_sheet_of_a_workbook():
    data = _workbook([[["a", 1]], [["b", "#N/A"], ["c", "=1/0"]]], {(1, 0, 1)})
    assert C._may_hold_errors(data, "S0") is False
    assert C._may_hold_errors(data, "S1") is True
    assert C.xlsx_cell_errors("w.xlsx", "S0", data) == []
    assert C.xlsx_cell_errors("w.xlsx", "S1", data) == [
        (1, 1, "#N/A"), (2, 1, "formula without a value")]


def test_unusual_zip_is_left_to_zipfile():
    data = _workbook([[["a", "#N/A"]]], {(0, 0, 1)})
    assert C._may_hold_errors(data + b"", "S0") is True
    commented = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(commented, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.comment = b"a comment"
    assert C._may_hold_errors(commented.getvalue(), "S0") is None  # zipfile decides
    assert C.xlsx_cell_errors("w.xlsx", "S0", commented.getvalue()) == [(1, 1, "#N/A")]


def test_scan_made_ahead_gives_the_same_cell_errors(tmp_path):
    # a sheet read ahead by the pool carries its pre-scan; the loader's cell errors are those
    # it finds scanning the bytes itself (error value, formula without a value, clean sheet)
    from hb_eval.data.io.batch import _grid_ahead

    for k, (rows, err) in enumerate((([["a", "b"], ["x", "#N/A"], ["y", "=1/0"]], {(0, 1, 1)}),
                                     ([["a", "b"], ["x", 1]], set()))):
        path = tmp_path / f"w{k}.xlsx"
        path.write_bytes(_workbook([rows], err))
        got = _grid_ahead(path, "S0", path.name)
        assert got is not None
        grid = got[1]
        data = path.read_bytes()
        assert grid.error_scan == {"S0": C._may_hold_errors(data, "S0")}
        assert grid.error_scan["S0"] is bool(err or k == 0)
        ahead = C.xlsx_cell_errors(path, "S0", data, scans=grid.error_scan)
        assert ahead == C.xlsx_cell_errors(path, "S0", data)
        assert (len(ahead) == 2) is (k == 0)
