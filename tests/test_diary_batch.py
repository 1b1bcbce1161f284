"""Diaries read first and parsed together (issue 10, item 2): the same tables, quarantine records
(same order) and per-file accounting as loading the workbooks one by one, whatever the number
of reading processes."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hb_eval.data.loaders import time_diary
from hb_eval.data.loaders.common import LoadContext
from hb_eval.data.quarantine import Quarantine
from hb_eval.data.schema import load_schema
from hb_eval.demo.simulate import hetu
from hb_eval.errors import InputError

import numpy as np


def _same(a, b):
    """Equal tables; text dtypes may differ (a concatenation of per-file frames is object or
    str depending on which diaries come first); the Dataset conforms them either way."""
    def plain(f):
        return f.astype(object).where(f.notna(), None)

    for x, y in zip(a[:3], b[:3]):
        pd.testing.assert_frame_equal(plain(x), plain(y))
    assert a[3] == b[3]


def _load(files, base, *, one_by_one=False, workers=None, on_error=None):
    q = Quarantine()
    ctx = LoadContext("time_diary", load_schema("time_diary"), q, base)
    if one_by_one:  # as hb_eval.data.dataset.load called the loader before: file by file
        outs = []
        for p in files:
            try:
                outs.append(time_diary.load([p], ctx))
            except InputError as exc:
                on_error(p, exc)
        outs = [o for o in outs if len(o[0])]
        di = pd.concat([o[0] for o in outs], ignore_index=True)
        dr = pd.concat([o[1] for o in outs], ignore_index=True)
    else:
        di, dr = time_diary.load(files, ctx, workers=workers, on_error=on_error)
    files_seen = [(f.source, f.path, f.sha256, f.sheet, f.rows.tolist()) for f in q.file_records]
    return di, dr, q.frame(), files_seen


@pytest.fixture(scope="module")
def messy_diaries(demo_dir, tmp_path_factory) -> Path:
    """The demo's diaries plus personal identity codes in a client-number cell and a task cell,
    an unreadable duration, and a workbook without a sample period."""
    root = tmp_path_factory.mktemp("diaries")
    shutil.copytree(demo_dir / "paivakirjat", root / "paivakirjat")
    files = sorted((root / "paivakirjat").glob("tyontekija_*.xlsx"))
    rng = np.random.default_rng(5)
    wb = openpyxl.load_workbook(files[1])
    ws = wb.active
    ws.cell(row=6, column=2, value=hetu(rng)[0])   # client number -> row quarantined
    ws.cell(row=7, column=3, value=hetu(rng)[0])   # task -> cell quarantined
    ws.cell(row=8, column=4, value="puolitoista tuntia")  # not a duration
    wb.save(files[1])
    wb = openpyxl.load_workbook(files[2])
    wb.active.cell(row=3, column=1, value="")  # no sample period: the workbook is unusable
    wb.save(files[2])
    return root


def test_batched_load_equals_one_by_one_on_the_demo(demo_dir):
    files = sorted((demo_dir / "paivakirjat").glob("*.xlsx"))
    batch = _load(files, demo_dir, workers=1)
    single = _load(files, demo_dir, one_by_one=True)
    _same(batch, single)
    assert len(batch[1]) > 1000 and len(batch[2]) > 0  # rows kept and records made


def test_reading_processes_do_not_change_the_result(demo_dir):
    files = sorted((demo_dir / "paivakirjat").glob("*.xlsx"))
    one = _load(files, demo_dir, workers=1)
    two = _load(files, demo_dir, workers=2)   # a pool of two processes
    three = _load(files, demo_dir, workers=3)
    for a, b, c in zip(one[:3], two[:3], three[:3]):  # exactly, dtypes too
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c)
    assert one[3] == two[3] == three[3]


def test_personal_ids_bad_cells_and_unusable_files_as_one_by_one(messy_diaries):
    files = sorted((messy_diaries / "paivakirjat").glob("*.xlsx"))
    errs_batch: list = []
    errs_single: list = []
    batch = _load(files, messy_diaries, workers=2,
                  on_error=lambda p, e: errs_batch.append((p.name, str(e))))
    single = _load(files, messy_diaries, one_by_one=True,
                   on_error=lambda p, e: errs_single.append((p.name, str(e))))
    _same(batch, single)
    assert errs_batch == errs_single and len(errs_batch) == 1
    assert "sample period" in errs_batch[0][1]
    q = batch[2]
    workers = sorted((messy_diaries / "paivakirjat").glob("tyontekija_*.xlsx"))
    bad = workers[1].relative_to(messy_diaries).as_posix()
    mine = q[q["file"] == bad].set_index(["row", "level"])
    assert mine.loc[(6, "row"), "reason"] == "personal_id_found"
    assert mine.loc[(7, "cell"), "reason"] == "personal_id_found"
    assert mine.loc[(7, "cell"), "column"] == "Tehtävä"
    assert mine.loc[(8, "cell"), "reason"] == "bad_value"
    # no code reaches any table
    assert not q.astype(str).apply(lambda c: c.str.contains(r"\d{6}[-+A]\d{3}", regex=True)).any().any()
    # without a handler the first unusable workbook raises, naming it
    with pytest.raises(InputError, match=workers[2].name):
        time_diary.load(files, LoadContext("time_diary", load_schema("time_diary"),
                                           Quarantine(), messy_diaries))


def test_excel_errors_in_diaries_are_quarantined_in_the_pool_too(demo_dir, tmp_path):
    """An error value or a formula without a value is an ``excel_error`` record (as in every
    other source), never a silent blank; the same with one reading process or two."""
    shutil.copytree(demo_dir / "paivakirjat", tmp_path / "paivakirjat")
    files = sorted((tmp_path / "paivakirjat").glob("tyontekija_*.xlsx"))
    wb = openpyxl.load_workbook(files[0])
    ws = wb.active
    ws.cell(row=6, column=4, value="#DIV/0!")   # duration: an error value
    ws.cell(row=7, column=4, value="=1/0")      # a formula saved without a value
    wb.save(files[0])
    csv_like = files[1]  # an error text typed into a cell reads as the error, too
    wb = openpyxl.load_workbook(csv_like)
    wb.active.cell(row=6, column=5).value = "#N/A"
    wb.save(csv_like)
    all_files = sorted((tmp_path / "paivakirjat").glob("*.xlsx"))
    one = _load(all_files, tmp_path, workers=1)
    two = _load(all_files, tmp_path, workers=2)
    pd.testing.assert_frame_equal(one[2], two[2])
    q = one[2][one[2]["reason"] == "excel_error"]
    got = sorted(zip(q["file"], q["row"], q["column"], q["detail"]))
    rel = [f.relative_to(tmp_path).as_posix() for f in files[:2]]
    assert got == sorted([
        (rel[0], 6, "Kesto", "Excel error value #DIV/0!"),
        (rel[0], 7, "Kesto",
         "a formula saved without its value (open and save the file in Excel)"),
        (rel[1], 6, "Matka km", "Excel error value #N/A")])
    # the duration is gone, not read as a number: rows 6 and 7 had nothing else recorded
    mine = one[2][(one[2]["file"] == rel[0]) & (one[2]["level"] == "row")]
    early = {r: w for r, w in zip(mine["row"], mine["reason"]) if r < 8}
    assert early == {6: "missing_required", 7: "missing_required"}
    assert not one[1]["row"][one[1]["file"] == rel[0]].isin([6, 7]).any()


def test_one_array_of_cells_equals_the_per_file_columns(demo_dir, monkeypatch):
    """Diaries of one layout are parsed from one array of all their cells; the per-file
    columns (the path for mixed layouts) give the same tables and records."""
    files = sorted((demo_dir / "paivakirjat").glob("*.xlsx"))
    wide = _load(files, demo_dir, workers=1)
    monkeypatch.setattr(time_diary._Batch, "_one_layout", lambda self: None)
    per_file = _load(files, demo_dir, workers=1)
    for a, b in zip(wide[:3], per_file[:3]):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert wide[3] == per_file[3]


def test_diaries_of_two_layouts_as_one_by_one(demo_dir, tmp_path):
    """A diary whose columns are in another order is read by its own header among the others."""
    shutil.copytree(demo_dir / "paivakirjat", tmp_path / "paivakirjat")
    files = sorted((tmp_path / "paivakirjat").glob("*.xlsx"))
    wb = openpyxl.load_workbook(files[0])
    ws = wb.active
    for row in range(5, ws.max_row + 1):  # header (row 5) and data: columns 3 and 4 swapped
        a, b = ws.cell(row=row, column=3).value, ws.cell(row=row, column=4).value
        ws.cell(row=row, column=3, value=b)
        ws.cell(row=row, column=4, value=a)
    wb.save(files[0])
    batch = _load(files, tmp_path, workers=1)
    single = _load(files, tmp_path, one_by_one=True)
    _same(batch, single)
    assert len(batch[1]) > 1000
