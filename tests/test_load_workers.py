"""The whole load reads the diaries with a pool started before the questionnaires are loaded
(issue 23): every table, quarantine record, file entry, message and placeholder number is the
same as with one reading process, also when file names and diary titles hold identity codes."""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

import hb_eval
from hb_eval.data import dataset
from hb_eval.data.io import batch
from hb_eval.demo.simulate import hetu


@pytest.fixture(scope="module")
def messy_demo(demo_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("messy_demo")
    shutil.copytree(demo_dir, root, dirs_exist_ok=True)
    rng = np.random.default_rng(23)
    diaries = sorted((root / "paivakirjat").glob("tyontekija_*.xlsx"))
    codes = [hetu(rng)[0] for _ in range(3)]
    # a title and a client-number cell holding codes (gated; the row quarantined)
    wb = openpyxl.load_workbook(diaries[0])
    ws = wb.active
    ws.cell(row=2, column=1, value=f"Tehtävänimike: ohjaaja {codes[0]}")
    ws.cell(row=6, column=2, value=codes[1])
    wb.save(diaries[0])
    # a code in a diary's file name: shown as a placeholder, numbered in load order
    diaries[1].rename(diaries[1].with_name(f"tyontekija_{codes[2]}.xlsx"))
    # an unusable diary (no sample period)
    wb = openpyxl.load_workbook(diaries[2])
    wb.active.cell(row=3, column=1, value="")
    wb.save(diaries[2])
    return root


def _load(root, monkeypatch, pool_from):
    monkeypatch.setattr(batch, "POOL_FROM", pool_from)
    return hb_eval.load(root / "evaluation.yaml", errors="collect")


def _equal_datasets(one, other) -> None:
    for f in dataclasses.fields(one):
        a, b = getattr(one, f.name), getattr(other, f.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f.name)
        elif f.name == "inputs_read":
            assert [(r.path, r.sha256, r.size) for r in a] == [(r.path, r.sha256, r.size)
                                                              for r in b]
        elif f.name not in ("config", "schemas", "unit_costs", "limits"):
            assert a == b, f.name


def test_pool_started_early_gives_the_one_process_load(messy_demo, monkeypatch):
    taken, parsed = [], []

    def counting(owner, name, into):
        orig = getattr(owner, name)

        def counted(*args):
            got = orig(*args)
            into.append(got is not None)
            return got
        monkeypatch.setattr(owner, name, counted)

    counting(batch.GridsAhead, "take", taken)  # a sheet read ahead, taken
    counting(dataset, "take_parsed", parsed)  # a file parsed whole, taken
    monkeypatch.setattr(batch, "default_workers", lambda: 2)  # a pool even on one core
    one = _load(messy_demo, monkeypatch, 10 ** 9)   # every file read in this process
    assert not taken and not parsed
    pooled = _load(messy_demo, monkeypatch, 1)      # diaries and sheets read by a pool
    # kykyviisari (2), kompassi, osallisuus, satisfaction (2), esr; budgets, providers (given
    # to the pool at the diaries' turn); the service costs (6) parsed by the pool
    assert sum(taken) == 9
    assert sum(parsed) == 6
    _equal_datasets(one, pooled)
    # the codes were met and replaced: placeholders in the quarantine and the files, no code
    text = pd.concat([one.quarantine.astype(str), one.files.astype(str),
                      one.file_errors.astype(str)]).to_string()
    assert "[hetu-" in text
    assert not pd.Series([text]).str.contains(r"\d{6}[-+A]\d{3}[0-9A-Y]", regex=True).any()
    assert (one.file_errors["reason"].astype(str) != "").all() and len(one.file_errors) == 1
    titles = one.diaries["title"].dropna().astype(str)
    assert titles.str.contains(r"\[hetu-\d+\]", regex=True).sum() == 1


@pytest.mark.parametrize("threshold", ["POOL_FROM", "PARSE_FROM"])
def test_a_failing_load_stops_the_diary_pool(threshold, messy_demo, monkeypatch, tmp_path):
    """The roster must load: when it cannot, the load raises and no reading process is left
    (the pool of a large load, which reads, and of a small one, which parses whole files)."""
    import multiprocessing

    root = tmp_path / "d"
    shutil.copytree(messy_demo, root)
    (root / "roster.xlsx").write_bytes(b"not a workbook")
    monkeypatch.setattr(batch, "default_workers", lambda: 2)  # a pool even on one core
    monkeypatch.setattr(batch, threshold, 1)
    with pytest.raises(hb_eval.errors.InputError):
        hb_eval.load(root / "evaluation.yaml")
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("messy", [False, True])
def test_small_load_parsed_whole_by_the_pool(messy, messy_demo, demo_dir, monkeypatch):
    """Fewer diaries than POOL_FROM: the pool parses whole files (each workbook and CSV, the
    diaries in one task) and the load equals the one-process load; a diary with an identity
    code (the gate numbers a placeholder) or an unusable one: the diaries parsed here."""
    from hb_eval.data.loaders import time_diary

    root = messy_demo if messy else demo_dir
    parsed, diaries_here = [], []
    orig = dataset.take_parsed

    def counted(*args):
        got = orig(*args)
        parsed.append(got is not None)
        return got

    def diary_load(*args, **kwargs):  # counted in this process only (a worker's is its own)
        diaries_here.append(1)
        return load_diaries(*args, **kwargs)

    load_diaries = time_diary.load
    monkeypatch.setattr(dataset, "take_parsed", counted)
    monkeypatch.setattr(time_diary, "load", diary_load)
    monkeypatch.setattr(batch, "default_workers", lambda: 2)  # a pool even on one core
    monkeypatch.setattr(batch, "PARSE_FROM", 10 ** 9)
    one = _load(root, monkeypatch, 10 ** 9)  # every file parsed in this process
    assert not parsed and diaries_here == [1]
    monkeypatch.setattr(batch, "PARSE_FROM", 1)
    pooled = _load(root, monkeypatch, 10 ** 9)
    # kykyviisari (2), kompassi, osallisuus, satisfaction (2), esr, service costs (6),
    # budgets, providers: every one taken from the pool
    assert len(parsed) == 15 and all(parsed)
    assert diaries_here == ([1, 1] if messy else [1])
    _equal_datasets(one, pooled)
