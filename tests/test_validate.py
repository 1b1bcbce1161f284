"""``hb-eval validate``: summary, --json data block, quarantine file permissions, exit codes."""
from __future__ import annotations

import json
import stat

import openpyxl
import pytest

from hb_eval import privacy
from hb_eval.cli import main

import loader_fixtures as F


@pytest.fixture(autouse=True)
def _work_dir(tmp_path, monkeypatch):
    """validate writes its default quarantine file into the working folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_validate_demo_json_matches_planted(demo_dir, tmp_path, capsys):
    qpath = tmp_path / "q" / "karanteeni.csv"
    rc = main(["validate", str(demo_dir / "evaluation.yaml"), "--json", "--quarantine-out", str(qpath)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    planted = json.loads((demo_dir / "planted.json").read_text(encoding="utf-8"))
    assert set(out) == {"schema_version", "data"}
    d = out["data"]
    for k in ("HB", "Verrokki", "excluded_no_consent", "orphans"):
        assert d["clients"][k] == planted["clients"][k]
    assert {k: v for k, v in d["quarantine_by_reason"].items() if v} == planted["quarantine_by_reason"]
    files = {f["path"]: f for f in d["files"]}
    for f in planted["files"]:
        g = files[f["path"]]
        assert (g["rows_read"], g["rows_kept"], g["rows_quarantined"]) == \
            (f["rows_read"], f["rows_kept"], f["rows_quarantined"])
    assert stat.S_IMODE(qpath.stat().st_mode) == 0o600
    text = qpath.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "source;file;sheet;row;column;level;reason;detail;client_id"
    assert len(text.splitlines()) == 1 + sum(planted["quarantine_by_reason"].values())
    assert privacy.find_hetu(text) == []


def test_validate_text_summary_is_actionable(tmp_path, capsys):
    cfg = F.write_evaluation(tmp_path)
    rc = main(["validate", str(cfg)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Clients analysed: HB 4, Verrokki 3; excluded for missing consent: 2" in out
    assert "kykyviisari/vantaa.xlsx [Vastaukset]" in out
    assert "read     10  kept      4  quarantined     6" in out
    assert "no_consent" in out and "pilot_mismatch" in out
    assert "Vantaa" in out and "jälkihuolto" in out
    qpath = tmp_path / "work" / "hb-eval-karanteeni.csv"        # default: the working folder
    assert not (tmp_path / "hb-eval-karanteeni.csv").exists()   # never beside the inputs
    assert stat.S_IMODE(qpath.stat().st_mode) == 0o600
    assert F.HETU not in out and F.HETU not in qpath.read_text(encoding="utf-8-sig")


def test_existing_quarantine_file_gets_owner_only_permissions(tmp_path, capsys):
    cfg = F.write_evaluation(tmp_path, optional=False)
    q = tmp_path / "q.csv"
    q.write_text("old", encoding="utf-8")
    q.chmod(0o644)
    assert main(["validate", str(cfg), "--quarantine-out", str(q)]) == 0
    assert stat.S_IMODE(q.stat().st_mode) == 0o600
    assert q.read_text(encoding="utf-8-sig").startswith("source;file;")


def test_nothing_usable_exits_nonzero(tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asiakkaat"
    ws.append(F.ROSTER_HEADER)
    ws.append(["0410712", "HB", "Vantaa", "lapsiperhe", None, "1.3.2018", None, None, "mies",
               "18–24", "ei"])
    wb.save(tmp_path / "roster.xlsx")
    F.write_kykyviisari(tmp_path / "k.xlsx")
    (tmp_path / "evaluation.yaml").write_text(
        "sources:\n  roster: roster.xlsx\n  kykyviisari: k.xlsx\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "evaluation.yaml")]) == 1
    assert "Nothing usable" in capsys.readouterr().out


def test_broken_optional_file_is_listed_and_exit_is_nonzero(tmp_path, capsys):
    # issue 8: a refused file is never silent; --allow-refused accepts it knowingly
    cfg = F.write_evaluation(tmp_path)
    (tmp_path / "palvelukustannukset" / "rikki.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    assert main(["validate", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "Files refused" in out and "rikki.csv" in out and "[no_header]" in out
    assert main(["validate", str(cfg), "--allow-refused"]) == 0


def test_missing_config_is_an_error_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
