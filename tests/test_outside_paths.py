"""Issue 20 item 4: an input outside the configuration's folder (``../…`` or an absolute path)
is named ``[outside]/<name>`` in every output, never with the user and folder names of its
path, and ``reproduce`` still finds it by its SHA-256.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import loader_fixtures as F
from hb_eval.cli import main
from hb_eval.config import load_config
from hb_eval.report.manifest import build_manifest
from hb_eval.report.reproduce import check_inputs

from test_trust_faults import texts_of

SECRET = "matti_virtanen_salainen"


def _move_outside(tmp_path: Path) -> Path:
    """The small evaluation with its roster under ``../<SECRET>/`` and its ESR file given by an
    absolute path in another folder of the user."""
    cfg = F.write_evaluation(tmp_path / "arviointi")
    away = tmp_path / SECRET
    (away / "esr").mkdir(parents=True)
    shutil.move(cfg.parent / "roster.xlsx", away / "roster.xlsx")
    shutil.move(cfg.parent / "esr.xlsx", away / "esr" / "esr.xlsx")
    text = cfg.read_text(encoding="utf-8")
    text = text.replace("roster: roster.xlsx", f"roster: ../{SECRET}/roster.xlsx")
    text = text.replace("esr: esr.xlsx", f"esr: {away / 'esr' / 'esr.xlsx'}")
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_manifest_and_configuration_name_outside_files_by_name_only(tmp_path):
    cfg_path = _move_outside(tmp_path)
    cfg = load_config(cfg_path)
    m = build_manifest(cfg, out_dir=tmp_path / "out")
    paths = [f["path"] for f in m["inputs"]]
    assert "[outside]/roster.xlsx" in paths and "[outside]/esr.xlsx" in paths
    assert m["config"]["sources"]["roster"] == ["[outside]/roster.xlsx"]
    assert m["config"]["sources"]["esr"] == ["[outside]/esr.xlsx"]
    assert SECRET not in str(m["inputs"]) + str(m["config"]) and str(tmp_path) not in str(m)
    # reproduce: the real paths come from the configuration file; matched by SHA-256
    assert check_inputs(m, cfg_path.parent) == {}
    roster = tmp_path / SECRET / "roster.xlsx"
    roster.write_bytes(roster.read_bytes() + b"\0")
    assert check_inputs(m, cfg_path.parent) == {
        "[outside]/roster.xlsx": "changed or missing (SHA-256 not found)"}


@pytest.mark.slow
def test_no_output_shows_a_folder_outside_the_configuration(tmp_path, capsys):
    cfg = _move_outside(tmp_path)
    work = tmp_path / "outputs"
    work.mkdir()
    assert main(["validate", str(cfg), "--quarantine-out", str(work / "q.csv")]) == 0
    assert main(["validate", str(cfg), "--json"]) == 0
    for audience in ("internal", "public"):
        assert main(["report", str(cfg), "--out", str(work / audience), "--reps", "20",
                     "--quiet", "--audience", audience]) in (0, 1)
    printed = capsys.readouterr()
    texts = texts_of(work)
    texts["printed"] = printed.out + printed.err
    for name in ("internal/results.json", "internal/manifest.json", "internal/tables/files.csv",
                 "internal/tables/configuration.csv", "internal/report.html", "q.csv",
                 "public/results.json", "public/tables/files.csv"):
        assert "[outside]/roster.xlsx" in texts[str(work / name)], name
    assert "[outside]/esr.xlsx" in texts[str(work / "internal" / "tables" / "files.csv")]
    # no output file holds an absolute path; nothing, printed lines included, names the
    # folder outside (the printed lines name the quarantine file the user asked for)
    leaks = {k: [ln for ln in v.splitlines() if SECRET in ln or str(tmp_path) in ln][:3]
             for k, v in texts.items() if SECRET in v or (str(tmp_path) in v and k != "printed")}
    assert not leaks, leaks
    assert main(["reproduce", str(work / "internal")]) == 0
    assert "byte-identical" in capsys.readouterr().out
