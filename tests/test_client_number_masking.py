"""Issue 21 item 6: client-number masking in a public report touches identifiers only.

Before: a 7-digit run inside a SHA-256 value was masked as a client number (23 of 97 hashes of
report.html and tables/files.csv were changed). Here hashes stand beside client numbers in one
table, one manifest, one results block and one real public report; every hash must come out
whole and every client number masked.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from hb_eval.report.manifest import redact_manifest
from hb_eval.report.run import _redact_table
from hb_eval.report.suppression import REDACTED_ID, redact_client_numbers, suppress_results
from hb_eval.report.tables import Table, public_table

sys.path.insert(0, str(Path(__file__).parent))

#: 7 digits standing alone: what the old rule masked, in a hash as anywhere else
SEVEN = re.compile(r"(?<!\d)\d{7}(?!\d)")
CLIENTS = ["0410712", "0410713", "0620101", "0530599"]


def _hashes(n: int = 97) -> list[str]:
    """SHA-256 values of which more than a fifth hold a 7-digit run (the case of the issue)."""
    hs = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]
    assert sum(bool(SEVEN.search(h)) for h in hs) >= 15  # the test can fail
    return hs


def test_hashes_and_uuids_are_not_client_numbers():
    hs = _hashes()
    for i, h in enumerate(hs):
        cid = CLIENTS[i % len(CLIENTS)]
        for text, want in ((h, h), (h.upper(), h.upper()),
                           (f"asiakas_{cid}.xlsx {h}", f"asiakas_{REDACTED_ID}.xlsx {h}"),
                           (f"{h};{cid}", f"{h};{REDACTED_ID}"),
                           (f"sha256:{h} ({cid})", f"sha256:{h} ({REDACTED_ID})")):
            assert redact_client_numbers(text) == want
    # SHA-1 and MD5 digests and UUIDs are kept as well
    for h in (hashlib.sha1(b"7").hexdigest(), hashlib.md5(b"12").hexdigest(),
              "0410712a-1234-4567-89ab-0123456789ab"):
        assert redact_client_numbers(h) == h
    # a client number glued to letters, or short hex-looking text, is still masked
    assert redact_client_numbers("as0410712") == f"as{REDACTED_ID}"
    assert redact_client_numbers("abc0410712def") == f"abc{REDACTED_ID}def"


def test_public_files_table_manifest_and_results_keep_every_hash():
    hs = _hashes()
    paths = [f"paivakirjat/asiakas_{CLIENTS[i % 4]}_{i}.xlsx" for i in range(len(hs))]
    frame = pd.DataFrame({"source": "time_diary", "path": paths, "sheet": "Sheet",
                          "sha256": hs, "rows_read": 10, "rows_kept": 8, "rows_quarantined": 2})
    shown = _redact_table(public_table(Table("files", "Files", frame, total_col="rows_read")))
    assert shown.frame["sha256"].tolist() == hs
    assert not any(c in p for p in shown.frame["path"] for c in CLIENTS)
    manifest = redact_manifest({"inputs": [{"source": "time_diary", "path": p, "sha256": h}
                                           for p, h in zip(paths, hs)], "config": {}})
    assert [f["sha256"] for f in manifest["inputs"]] == hs
    assert not any(c in json.dumps(manifest) for c in CLIENTS)
    res = suppress_results({"data": {"files": [{"path": p, "sha256": h, "rows_read": 10,
                                                "rows_kept": 8, "rows_quarantined": 2}
                                               for p, h in zip(paths, hs)]}})
    assert [f["sha256"] for f in res["data"]["files"]] == hs
    assert not any(c in json.dumps(res) for c in CLIENTS)


@pytest.mark.slow
def test_public_report_shows_every_input_hash_whole(tmp_path):
    """A real public report: a client's diary named by its number, and an input whose SHA-256
    holds a 7-digit run; files.csv, report.html, results.json and manifest.json show every
    input's hash whole and no client number."""
    import loader_fixtures as F
    from hb_eval.cli import main

    cfg = F.write_evaluation(tmp_path / "ev")
    costs = cfg.parent / "yksikkokustannukset.yaml"
    text = costs.read_text(encoding="utf-8")
    for i in range(10_000):  # a comment changes the bytes, not the values
        data = f"{text}# {i}\n".encode()
        if SEVEN.search(hashlib.sha256(data).hexdigest()):
            costs.write_bytes(data)
            break
    inputs = sorted(p for p in cfg.parent.rglob("*") if p.is_file() and p.name != cfg.name)
    want = {hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs}
    assert any(SEVEN.search(h) for h in want)
    out = tmp_path / "out"
    assert main(["report", str(cfg), "--out", str(out), "--reps", "20", "--quiet",
                 "--audience", "public"]) in (0, 1)
    files = pd.read_csv(out / "tables" / "files.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert want <= set(files["sha256"])
    for name in ("report.html", "results.json", "manifest.json", "tables/files.csv"):
        shown = (out / name).read_text(encoding="utf-8-sig")
        assert all(h in shown for h in want), name
        assert "0410712" not in shown, name
