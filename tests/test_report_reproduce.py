"""Manifest and the input check of ``hb-eval reproduce`` (no analysis run needed)."""
from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from hb_eval.config import parse_config
from hb_eval.errors import InputError
from hb_eval.report.manifest import build_manifest, redact_manifest
from hb_eval.report.reproduce import check_inputs, reproduce
from hb_eval.report.suppression import redact_client_numbers


@pytest.fixture()
def cfg(tmp_path):
    (tmp_path / "paivakirjat").mkdir()
    (tmp_path / "roster.xlsx").write_bytes(b"roster")
    (tmp_path / "kyky.xlsx").write_bytes(b"kyky")
    for cid in ("0410712", "0410713"):
        (tmp_path / "paivakirjat" / f"asiakas_{cid}.xlsx").write_bytes(cid.encode())
    return parse_config({"sources": {"roster": "roster.xlsx", "kykyviisari": "kyky.xlsx",
                                     "time_diary": "paivakirjat/*.xlsx"}}, base_dir=tmp_path,
                        path=tmp_path / "evaluation.yaml")


def test_manifest_records_inputs_as_read_relative_to_the_configuration(cfg, tmp_path):
    # the loaders' record (hash of the bytes parsed) is what the manifest keeps, not a new hash
    files = pd.DataFrame({"source": ["roster", "roster"], "path": ["roster.xlsx"] * 2,
                          "sha256": ["ab" * 32] * 2, "sheet": ["Asiakkaat", "Muut"],
                          "rows_read": [10, 3], "rows_kept": [8, 3], "rows_quarantined": [2, 0]})
    m = build_manifest(cfg, files_table=files, out_dir=tmp_path / "reports" / "out")
    assert m["inputs"] == [{"source": "roster", "path": "roster.xlsx", "sha256": "ab" * 32,
                            "sheets": [{"sheet": "Asiakkaat", "rows_read": 10, "rows_kept": 8,
                                        "rows_quarantined": 2},
                                       {"sheet": "Muut", "rows_read": 3, "rows_kept": 3,
                                        "rows_quarantined": 0}]}]
    assert m["seed"] == cfg.analysis.seed and m["config"] == cfg.to_dict()
    # no absolute path: the configuration's folder relative to the output folder
    assert "base_dir" not in m and str(tmp_path) not in json.dumps(m)
    assert m["config_dir"] == "../.." and m["config_dir_in_out"] is None
    assert m["manifest_version"] == 2 and "created" in m
    # without the loaders' record every configured file is hashed (paths relative)
    m2 = build_manifest(cfg)
    assert [f["path"] for f in m2["inputs"]] == [
        "roster.xlsx", "kyky.xlsx", "paivakirjat/asiakas_0410712.xlsx",
        "paivakirjat/asiakas_0410713.xlsx"]
    assert m2["inputs"][0]["sha256"] == hashlib.sha256(b"roster").hexdigest()


def test_check_inputs_names_changed_missing_and_new(cfg, tmp_path):
    m = build_manifest(cfg)
    assert check_inputs(m, tmp_path) == {}
    (tmp_path / "kyky.xlsx").write_bytes(b"kyky2")
    (tmp_path / "paivakirjat" / "asiakas_0410713.xlsx").unlink()
    (tmp_path / "paivakirjat" / "asiakas_0410799.xlsx").write_bytes(b"new")
    assert check_inputs(m, tmp_path) == {
        "kyky.xlsx": "changed (SHA-256 differs)",
        "paivakirjat/asiakas_0410713.xlsx": "missing",
        "paivakirjat/asiakas_0410799.xlsx":
            "new (matched by the configuration, not in the manifest)"}


def test_redacted_manifest_has_no_client_number_and_still_checks(cfg, tmp_path):
    m = redact_manifest(build_manifest(cfg))
    text = str(m)
    assert "0410712" not in text and "0410713" not in text and m["paths_redacted"]
    assert check_inputs(m, tmp_path) == {}
    (tmp_path / "paivakirjat" / "asiakas_0410712.xlsx").write_bytes(b"changed")
    changes = check_inputs(m, tmp_path)
    assert list(changes) == ["paivakirjat/asiakas_•••••••.xlsx"]


def test_redaction_patterns():
    assert redact_client_numbers("asiakas_0410712.xlsx") == "asiakas_•••••••.xlsx"
    assert redact_client_numbers("04-1-07-12 ja 04 1 07 12") == "••••••• ja •••••••"
    for keep in ("kykyviisari_2017_2018.xlsx", "A-04-03", "12345678", "2018-03-01"):
        assert redact_client_numbers(keep) == keep


def test_reproduce_needs_a_report_folder(tmp_path):
    with pytest.raises(InputError, match="manifest.json"):
        reproduce(tmp_path, progress=False)
