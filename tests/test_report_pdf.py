"""report.pdf without a browser: the deterministic bytes, finding Chromium, and a report asked
for a PDF where there is no Chromium (the rest is written whole, one line says how to get it).

The PDF itself (pages, footer, contents, outline, text) is checked in ``tests/test_browser.py``.
"""
from __future__ import annotations

import json

from hb_eval.report.command import pdf_missing_line
from hb_eval.report.pdf import PdfError, deterministic_pdf, find_chromium, print_pdf
from hb_eval.report.run import run_report
from test_report_synthetic import make_dataset

import pytest


def test_deterministic_pdf_blanks_dates_and_renumbers_ids_in_place():
    a = (b"%PDF-1.4\n1 0 obj\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20261206060748+00'00')"
         b"\n/ModDate (D:20261206060748+00'00')>>\nendobj\n<</ID (node00000093)>> "
         b"<</ID (node00000091)>> /Names [(node00000091) 5 0 R (node00000093) 6 0 R]")
    # the same document printed later by another process: other dates, ids shifted by 7
    b = (a.replace(b"060748", b"071502").replace(b"node00000093", b"node00000100")
         .replace(b"node00000091", b"node00000098"))
    da, db = deterministic_pdf(a), deterministic_pdf(b)
    assert da == db and len(da) == len(a)  # no byte moved: the xref offsets stay valid
    assert b"CreationDate" not in da and b"ModDate" not in da and b"D:2026" not in da
    # order kept (the ids name tree stays sorted): 91 -> 1, 93 -> 2
    assert b"/Names [(node00000001) 5 0 R (node00000002) 6 0 R]" in da
    assert b"<</ID (node00000002)>> <</ID (node00000001)>>" in da


def test_find_chromium_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HB_EVAL_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    exe = tmp_path / "chrome"
    exe.write_text("#!/bin/sh\nexit 3\n")
    exe.chmod(0o755)
    monkeypatch.setenv("HB_EVAL_CHROMIUM", str(exe))
    assert find_chromium() == str(exe)
    # a "browser" that exits at once: one line, no hang
    html = tmp_path / "r.html"
    html.write_text("<!DOCTYPE html><html lang='en'><title>x</title><p>x</p></html>")
    with pytest.raises(PdfError, match="DevTools pipe"):
        print_pdf(html, tmp_path / "r.pdf", "en", timeout=20)
    assert not (tmp_path / "r.pdf").exists()


def test_report_without_chromium_is_written_whole_and_says_how_to_get_it(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("HB_EVAL_CHROMIUM", str(tmp_path / "no-such-browser"))
    cfg, ds = make_dataset(tmp_path / "d", sources=("roster", "kykyviisari"), reps=50,
                           language="en")
    out = tmp_path / "out"
    run_report(cfg, out, progress=False, dataset=ds, pdf=True)
    assert (out / "report.html").is_file() and (out / "results.json").is_file()
    assert not (out / "report.pdf").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "report.pdf" not in manifest["outputs"] and "report.html" in manifest["outputs"]
    assert manifest["failures"] == ["pdf: no Chromium found"]
    line = pdf_missing_line(out)
    assert line is not None and "\n" not in line
    assert "report.pdf not written (no Chromium found)" in line
    assert "apt-get install chromium" in line and "HB_EVAL_CHROMIUM" in line
