"""Big sheets are converted a block of rows at a time (issue 23, the load's memory): the cells
are those of converting the whole sheet at once, wherever the data starts and the blocks end."""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
from hypothesis import HealthCheck, given, settings, strategies as st
from python_calamine import CalamineWorkbook

from hb_eval.data.io import excel
from hb_eval.data.io.grid import cells_and_texts

_VALUE = st.one_of(st.none(), st.text("ab 7", max_size=4), st.integers(-3, 3),
                   st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 2)),
                   st.booleans(), st.dates(dt.date(2017, 1, 1), dt.date(2020, 12, 31)))


def _book(rows: list[list], top: int, left: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(row=top + i + 1, column=left + j + 1, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _whole(data: bytes) -> np.ndarray:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return cells_and_texts(wb.get_sheet_by_index(0).to_python(skip_empty_area=False))[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_VALUE, min_size=1, max_size=5), min_size=1, max_size=12),
       top=st.integers(0, 3), left=st.integers(0, 3), block=st.integers(1, 5))
def test_blocks_give_the_whole_sheet(rows, top, left, block):
    data = _book(rows, top, left)
    was, excel.BLOCK_ROWS = excel.BLOCK_ROWS, block
    try:
        got = excel.read_xlsx("w.xlsx", engine="calamine", data=data).cells
    finally:
        excel.BLOCK_ROWS = was
    want = _whole(data)
    assert got.shape == want.shape
    assert got.tolist() == want.tolist()


def test_a_big_sheet_read_by_blocks_as_read_whole(tmp_path):
    rows = [["id", "pvm", "arvo"]] + [[f"{i:07d}", dt.date(2018, 1, 1 + i % 28), i * 0.5]
                                      for i in range(2500)]
    data = _book(rows, 2, 1)
    was, excel.BLOCK_ROWS = excel.BLOCK_ROWS, 1000
    try:
        grid = excel.read_xlsx("w.xlsx", data=data)
    finally:
        excel.BLOCK_ROWS = was
    assert grid.cells.tolist() == _whole(data).tolist()
    assert grid.cells.shape == (2503, 4) and grid.rows[0] == 1 and grid.cells[2, 1] == "id"
