"""Audience public on data with small cells: no client number and no count below 5 anywhere.

The constructed dataset has a pilot with 3 Verrokki clients (and arms of 21/15), so small cells
exist in Table 1, attrition, satisfaction and the services tables. Every output file is searched:
report.html, results.json, manifest.json, every CSV, the workbook's XML and every SVG.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hb_eval.report.run import run_report
from hb_eval.report.suppression import SUPPRESSED, is_count_column, is_suppressed
from test_report import check_numbers_match
from test_report_synthetic import make_dataset


@pytest.fixture(scope="module")
def public_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("public")
    cfg, ds = make_dataset(tmp / "data", reps=100, audience="public")
    out = tmp / "out"
    run_report(cfg, out, progress=False, dataset=ds)
    return ds, out


def _texts(out: Path):
    """(name, text) of every textual output, the workbook's sheets included."""
    for p in sorted(out.rglob("*")):
        if p.is_dir() or "data" in p.relative_to(out).parts[:1]:
            continue
        if p.suffix in (".html", ".json", ".csv", ".svg"):
            yield p.name, p.read_text(encoding="utf-8-sig")
        elif p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    if n.endswith(".xml"):
                        yield f"{p.name}:{n}", z.read(n).decode("utf-8")


def test_no_client_number_in_any_output(public_run):
    ds, out = public_run
    ids = set(ds.clients["client_id"].astype(str))
    assert len(ids) == 36
    n_files = 0
    for name, text in _texts(out):
        n_files += 1
        found = set(re.findall(r"(?<!\d)\d{7}(?!\d)", text)) & ids
        assert not found, f"client number in {name}"
        # also without a leading zero, as Excel would show a number
        found6 = {i for i in ids if re.search(rf"(?<![\d.]){i.lstrip('0')}(?![\d.])", text)}
        assert not found6, f"client number (no leading zero) in {name}"
    assert n_files > 20


def test_no_free_text(public_run):
    _, out = public_run
    for name, text in _texts(out):
        assert "kaikki hyvin" not in text, name


def _count_leaves(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _count_leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _count_leaves(v, f"{path}.{i}")
    else:
        yield path, obj


def _is_count_key(path: str) -> bool:
    parts = path.split(".")
    return (is_count_column(parts[-1]) or (len(parts) >= 2 and parts[-2] in (
        "n", "clients", "quarantine_by_reason")))


def test_no_small_count_in_results_json(public_run):
    _, out = public_run
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    checked = 0
    for path, v in _count_leaves(res):
        if path.startswith("manifest.") or not _is_count_key(path):
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert v >= 5 or v == 0, path  # a zero counts no one
            checked += 1
        else:
            assert v is None or is_suppressed(v), path
    assert checked > 5
    # the small arm of the constructed data is suppressed with its partner (total is shown)
    assert res["data"]["clients"]["excluded_no_consent"] == SUPPRESSED


def check_csv_and_workbook_counts(out: Path) -> int:
    """Assert no count column of any CSV or workbook sheet holds a number below 5; return how
    many cells were suppressed."""
    suppressed_seen = 0
    for p in sorted((out / "tables").glob("*.csv")):
        df = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
        for col in df.columns:
            if not is_count_column(col):
                continue
            for v in df[col].dropna():
                if is_suppressed(v):
                    suppressed_seen += 1
                    continue
                assert float(v) >= 5 or float(v) == 0, f"{p.name}:{col}={v}"  # 0: no one
    from openpyxl import load_workbook

    wb = load_workbook(out / "tables.xlsx", read_only=True)
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows(values_only=True))
        head = rows[0]
        for j, col in enumerate(head):
            if col is None or not is_count_column(col):
                continue
            for r in rows[1:]:
                v = r[j]
                assert v is None or is_suppressed(v) or float(v) >= 5 or float(v) == 0, \
                    f"{ws.title}:{col}"
    return suppressed_seen


def test_no_small_count_in_csv_and_workbook(public_run):
    _, out = public_run
    assert check_csv_and_workbook_counts(out) > 0  # the constructed data do have small cells


def test_public_html_numbers_still_match_results_json(public_run):
    _, out = public_run
    check_numbers_match(out, "fi")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Julkinen raportti" in html and "&lt;5" in html


def test_results_json_counts_are_the_tables_counts(public_run):
    # one decision per number: results.json shows a file's rows, a quarantine reason's count
    # and a satisfaction item's n exactly as the public tables do (a zero is 0 in both)
    _, out = public_run
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))

    def cell(v):
        return v if isinstance(v, str) else float(v)

    files = pd.read_csv(out / "tables" / "files.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert len(files) == len(res["data"]["files"])
    for entry, (_, row) in zip(res["data"]["files"], files.iterrows()):
        for k in ("rows_read", "rows_kept", "rows_quarantined"):
            t = row[k] if is_suppressed(row[k]) else float(row[k].replace(",", "."))
            assert cell(entry[k]) == t, (entry["path"], k)
    reasons = pd.read_csv(out / "tables" / "quarantine_by_reason.csv", sep=";", dtype=str,
                          encoding="utf-8-sig")
    for reason, count in zip(reasons["reason"], reasons["count"]):
        t = count if is_suppressed(count) else float(count)
        assert cell(res["data"]["quarantine_by_reason"][reason]) == t, reason
    assert (reasons["count"] == "0").any()  # zeros are published in both
