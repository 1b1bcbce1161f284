"""The source listing's fast paths equal the per-file answers they replace: ``real_path``
(links looked up in the folder's listing) equals ``os.path.realpath``, and
``own_file_reasons`` and ``own_file_reason`` give hand-worked reasons."""
from __future__ import annotations

import json
import os
from pathlib import Path

from hb_eval.config import Folders, folder_names, real_path
from hb_eval.support.own_files import own_file_reason, own_file_reasons


def _tree(d: Path) -> list:
    (d / "out" / "tables").mkdir(parents=True)
    (d / "out" / "manifest.json").write_text(json.dumps(
        {"created_with": "hb_eval 0.1", "outputs": {"tables/files.csv": 1, "report.html": 1}}))
    for n in ("tables/files.csv", "tables/mine.csv", "report.html", "x.xlsx"):
        (d / "out" / n).write_text("a")
    (d / ".hb-eval-tmp-1").mkdir()
    (d / ".hb-eval-tmp-1" / "a.xlsx").write_text("x")
    header = "source;file;sheet;row;column;level;reason;detail;client_id\n"
    (d / "q.csv").write_text("\ufeff" + header, encoding="utf-8")
    (d / "..csv").write_text(header)
    (d / "HB-EVAL-KARANTEENI.CSV").write_text("")
    (d / "a.hb-eval.lock").write_text("")
    (d / "plain.xlsx").write_text("")
    os.symlink("plain.xlsx", d / "link.xlsx")
    os.symlink("loop_b.xlsx", d / "loop_a.xlsx")
    os.symlink("loop_a.xlsx", d / "loop_b.xlsx")
    os.symlink("gone.xlsx", d / "dangling.xlsx")
    os.symlink("out", d / "out_link")
    return [d / "out/tables/files.csv", d / "out/tables/mine.csv", d / "out/report.html",
            d / "out/x.xlsx", d / ".hb-eval-tmp-1/a.xlsx", d / "q.csv", d / "..csv",
            d / "HB-EVAL-KARANTEENI.CSV", d / "a.hb-eval.lock", d, str(d) + "/.",
            str(d / "out") + "/..", "relative.csv", Path("/"), d / "nope.txt",
            d / "link.xlsx", d / "loop_a.xlsx", d / "dangling.xlsx", d / "out_link/x.xlsx",
            d / "out_link" / "tables" / "files.csv", d / "missing_dir" / "a.xlsx", d / "plain.xlsx"]


def test_real_path_equals_realpath(tmp_path):
    paths = _tree(tmp_path)
    folders = Folders()
    for p in paths + paths:  # the second time from the cache
        assert real_path(p, folders) == os.path.realpath(p), p


def test_folder_names_one_listing_for_both(tmp_path):
    """The names :func:`real_path`'s listing keeps are ``os.listdir``'s, sorted (None for a
    folder that cannot be listed), whichever of the two asks first."""
    _tree(tmp_path)
    for first_real in (True, False):
        folders = Folders()
        if first_real:
            real_path(tmp_path / "plain.xlsx", folders)
        assert folder_names(str(tmp_path), folders) == tuple(sorted(os.listdir(tmp_path)))
        assert folder_names(str(tmp_path / "missing_dir"), folders) is None


#: Hand-worked reasons of :func:`_tree`'s paths and two more (the temporary folder itself, and
#: a ``..`` out of it), per configuration folder: O an output listed in the manifest.json
#: above it (out_link/x.xlsx is not listed, out_link/tables/files.csv is), R a run's mark in
#: the name or in a folder below the configuration's (so not when the marked folder is the
#: configuration's, nor in the name ``..``), T the quarantine header (q.csv, ..csv), Q the
#: quarantine table's name, - none (the configuration's folder itself neither).
OWN = {"tmp": "O-O-RTTQR----------O--RR", "out": "O-O--TTQR----------O--R-",
       None: "O-O--TTQR----------O--R-", ".hb-eval-tmp-1": "O-O--TTQR----------O----"}


def test_own_file_reasons_hand_worked(tmp_path):
    from hb_eval.support import own_files as o

    letter = {o._QUARANTINE_FILE: "Q", o._RUN_FILE: "R", o._QUARANTINE_TABLE: "T",
              o._REPORT_OUTPUT: "O", None: "-"}
    paths = _tree(tmp_path) + [tmp_path / ".hb-eval-tmp-1", f"{tmp_path}/.hb-eval-tmp-1/x/.."]
    for base, want in OWN.items():
        base_dir = {None: None, "tmp": tmp_path}.get(base, tmp_path / str(base))
        one = "".join(letter[own_file_reason(p, base_dir)] for p in paths)
        many = "".join(letter[r] for r in own_file_reasons(paths, base_dir))
        assert (one, many) == (want, want), base
