"""Run integrity of ``hb-eval report`` / ``reproduce`` / ``validate`` (issue 9, issue 12 item 6,
the file-system faults of issue 8 item 5), with injected faults and killed processes.

The stage tests reuse one analysis (``evaluate_config`` computed once and patched in) and draw
figures as placeholders, so that each interrupted run costs only its writing; the end-to-end
tests run the real command on a small demo (120 clients, 50 replicates).
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hb_eval.report.run as R
from hb_eval.cli import main
from hb_eval.data.io.snapshot import read_input
from hb_eval.errors import InputChangedError
from hb_eval.report.output import OutputFolder
from hb_eval.report.reproduce import check_folder

from test_output_folder import _leftovers, _snapshot
from test_report_synthetic import make_dataset

REPS = "50"


def _fast_figures(figure_data, lang, public, fig_dir, run, failures, wtp=None, workers=None,
                  beside=()):
    """``render_figures`` with a placeholder for every figure (none drawn: what these tests
    check is the writing); the jobs done ``beside`` the figures (the workbook, ...) run."""
    from hb_eval.report.figure_gallery import FIGURES
    from hb_eval.report.html import img_tag

    Path(fig_dir).mkdir(parents=True, exist_ok=True)
    out = {}
    for name in FIGURES:
        png = b"\x89PNG placeholder " + name.encode()
        (Path(fig_dir) / f"{name}.png").write_bytes(png)
        (Path(fig_dir) / f"{name}.svg").write_text(f"<svg>{name}</svg>")
        out[name] = {"img": img_tag(png, name, name, png), "caption": name, "alt": name}
    return out, [job() for job in beside]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A synthetic evaluation, its analysis done once, and an earlier report written."""
    tmp = tmp_path_factory.mktemp("integrity")
    cfg, ds = make_dataset(tmp / "data", reps=50)
    (tmp / "data" / "evaluation.yaml").write_text(
        "sources:\n" + "".join(f"  {s}: {s}.txt\n" for s in cfg.sources), encoding="utf-8")
    built = R.evaluate_config(cfg, dataset=ds, progress=False)
    return cfg, ds, built, tmp


@pytest.fixture()
def quick(analysed, monkeypatch, tmp_path):
    """Report runs that reuse the analysis; ``out`` holds an earlier, complete run."""
    cfg, ds, built, _ = analysed
    monkeypatch.setattr(R, "evaluate_config", lambda *a, **k: built)
    monkeypatch.setattr(R, "render_figures", _fast_figures)
    out = tmp_path / "out"
    R.run_report(cfg, out, progress=False, dataset=ds)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert check_folder(out, m) == {}
    return cfg, ds, out, m


def _nth_call_raises(n: int, exc: BaseException, real):
    calls = {"n": 0}

    def f(*a, **k):
        calls["n"] += 1
        if calls["n"] >= n:
            raise exc
        return real(*a, **k)

    return f


STAGES = {  # stage -> (attribute of hb_eval.report.run, call that fails)
    "analysis": ("evaluate_config", 1),
    "tables": ("write_csv", 3),
    "workbook": ("write_workbook", 1),
    "figures": ("render_figures", 1),
    "results": ("dumps_results", 1),
    "html": ("render_html", 1),
    "manifest": ("build_manifest", 1),
}


@pytest.mark.parametrize("stage, exc", [(s, KeyboardInterrupt()) for s in [*STAGES, "commit"]]
                         + [("figures", RuntimeError("bug")), ("commit", RuntimeError("bug"))])
def test_run_interrupted_at_each_stage_leaves_the_earlier_run_intact(quick, monkeypatch, stage,
                                                                     exc):
    cfg, ds, out, m = quick
    before = _snapshot(out)
    if stage == "commit":
        monkeypatch.setattr(OutputFolder, "_swap", _nth_call_raises(1, exc, None))
    else:
        name, n = STAGES[stage]
        monkeypatch.setattr(R, name, _nth_call_raises(n, exc, getattr(R, name)))
    with pytest.raises(type(exc)):
        R.run_report(cfg, out, progress=False, dataset=ds)
    assert _snapshot(out) == before
    assert check_folder(out, m) == {}
    assert _leftovers(out.parent, "out") == []


def test_input_changed_during_the_run_fails_it(quick, monkeypatch):
    cfg, ds, out, m = quick
    before = _snapshot(out)
    roster = Path(cfg.base_dir) / "roster.txt"
    original = roster.read_bytes()
    _, rec = read_input(roster, file="roster.txt")
    monkeypatch.setattr(ds, "inputs_read", [rec])

    def html_and_overwrite(*a, **k):  # someone saves the roster while the run writes
        roster.write_bytes(original + b"one more row\n")
        return real_html(*a, **k)

    real_html = R.render_html
    monkeypatch.setattr(R, "render_html", html_and_overwrite)
    try:
        with pytest.raises(InputChangedError, match="file roster.txt: the file changed during "
                                                    "the run"):
            R.run_report(cfg, out, progress=False, dataset=ds)
    finally:
        roster.write_bytes(original)
    assert _snapshot(out) == before and _leftovers(out.parent, "out") == []


def _cli(args, capsys):
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.err.strip().splitlines()


def test_cli_file_system_faults_are_one_line(quick, analysed, monkeypatch, tmp_path, capsys):
    cfg, ds, out, m = quick
    yaml = str(analysed[3] / "data" / "evaluation.yaml")
    before = _snapshot(out)
    # no space while writing the workbook: one line, exit 4, nothing partial, earlier run intact
    import hb_eval.report.workbook as T

    def no_space(tables, path, lang="fi"):
        Path(path).write_bytes(b"PK half a workbook")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(R, "write_workbook", no_space)
    rc, err = _cli(["report", yaml, "--out", str(out), "--quiet"], capsys)
    assert rc == 4 and err == [f"hb-eval: error: cannot write {out / 'tables.xlsx'}: no space "
                               "left on the device (ENOSPC)"]
    assert _snapshot(out) == before and _leftovers(tmp_path, "out") == []
    monkeypatch.setattr(R, "write_workbook", T.write_workbook)
    # --out naming an existing file
    f = tmp_path / "raportti.html"
    f.write_text("mine")
    rc, err = _cli(["report", yaml, "--out", str(f), "--quiet"], capsys)
    assert rc == 2 and len(err) == 1 and "is a file, not a folder" in err[0]
    assert f.read_text() == "mine"
    # a folder of the user's with its own tables/: refused, with and without --force
    mine = tmp_path / "omat"
    (mine / "tables").mkdir(parents=True)
    (mine / "tables" / "laskelma.csv").write_text("x;y\n")
    for extra in ([], ["--force"]):
        rc, err = _cli(["report", yaml, "--out", str(mine), "--quiet", *extra], capsys)
        assert rc == 2 and len(err) == 1 and "--force" in err[0], err
    assert _snapshot(mine) == {"tables/laskelma.csv": b"x;y\n"}
    # another run holds the folder: exit 3 naming it
    with OutputFolder(out):
        rc, err = _cli(["report", yaml, "--out", str(out), "--quiet"], capsys)
    assert rc == 3 and len(err) == 1 and f"pid {os.getpid()}" in err[0]
    # the report folder's parent is a file
    rc, err = _cli(["report", yaml, "--out", str(f / "sub"), "--quiet"], capsys)
    assert rc == 4 and len(err) == 1 and "a file stands where a folder is needed" in err[0]


def test_validate_quarantine_out_naming_a_folder_is_one_line(tmp_path, monkeypatch, capsys):
    import loader_fixtures as LF

    cfg = LF.write_evaluation(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    rc = main(["validate", str(cfg), "--quarantine-out", str(tmp_path)])
    cap = capsys.readouterr()
    assert rc == 4
    assert cap.err.strip() == (f"hb-eval: error: cannot write {tmp_path}: it is a folder, not a "
                               "file (EISDIR)")
    assert "Clients analysed" in cap.out  # the summary is still there
    assert not list(tmp_path.glob(".*.tmp"))


# ------------------------------------------------------------------------- end to end (demo)
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from hb_eval.demo import write_demo

    root = tmp_path_factory.mktemp("e2e")
    write_demo(root / "data", n_clients=120)
    out = root / "reports" / "out"
    assert main(["report", str(root / "data" / "evaluation.yaml"), "--out", str(out),
                 "--reps", REPS, "--quiet"]) == 0
    return root, out


def test_manifest_has_no_absolute_path_and_inputs_as_read(demo_run):
    root, out = demo_run
    text = (out / "manifest.json").read_text(encoding="utf-8")
    m = json.loads(text)
    assert str(root) not in text and m["config_dir"] == "../../data"
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    read = {(f["path"], f["sha256"]) for f in res["data"]["files"]}
    assert {(f["path"], f["sha256"]) for f in m["inputs"]} == read
    assert set(m["outputs"]) >= {"report.html", "results.json", "tables.xlsx"}


def test_killed_at_figures_then_moved_inputs_reproduce(demo_run, tmp_path, monkeypatch, capsys):
    root, out = demo_run
    before = _snapshot(out)
    # 1. a second run killed (no cleanup at all) while drawing figures over the first
    script = textwrap.dedent("""
        import os, sys
        import hb_eval.report.figures as F
        real = F.save_figure
        def die(*a, **k):
            real(*a, **k)
            os._exit(9)
        F.save_figure = die
        from hb_eval.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    r = subprocess.run([sys.executable, "-c", script, "report",
                        str(root / "data" / "evaluation.yaml"), "--out", str(out), "--reps", REPS,
                        "--seed", "7", "--quiet"], capture_output=True, text=True)
    assert r.returncode == 9, r.stderr
    assert _snapshot(out) == before
    # 2. the inputs move (as to another machine): reproduce says where it looked, in one line
    moved = tmp_path / "elsewhere"
    shutil.copytree(root / "data", moved)
    hidden = root / "data.hidden"
    os.rename(root / "data", hidden)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # to see the re-run's folder go
    try:
        rc = main(["reproduce", str(out)])
        lines = capsys.readouterr().out.splitlines()
        assert rc == 1
        assert lines[0].startswith("inputs differ from the manifest (") and "looked in" in lines[0]
        assert str(root / "data") in lines[0] and "--inputs" in lines[0]
        assert len(lines) <= 8  # not one line per missing file
        # 3. pointed at the new place, it re-runs and matches (the killed run left no trace)
        rc = main(["reproduce", str(out), "--inputs", str(moved)])
        text = capsys.readouterr().out
        assert rc == 0, text
        assert "byte-identical" in text and "tables match" in text
        assert not list(tmp_path.glob("hb-eval-reproduce-*"))
        # 4. an input differs: named, exit 1
        roster = moved / "roster.xlsx"
        roster.write_bytes(roster.read_bytes() + b"\0")
        rc = main(["reproduce", str(out), "--inputs", str(moved)])
        text = capsys.readouterr().out
        assert rc == 1 and "roster.xlsx: changed (SHA-256 differs)" in text
    finally:
        os.rename(hidden, root / "data")
    # the killed run's temporary folder stays until the next run into ``out`` removes it (as
    # test_output_folder shows); meanwhile it is readable by its owner only
    left = _leftovers(out.parent, "out")
    assert len(left) == 1 and (out.parent / left[0]).stat().st_mode & 0o777 == 0o700


def test_reproduce_refuses_a_tampered_partial_or_mixed_folder(demo_run, tmp_path, capsys):
    _, out = demo_run
    cases = {
        "changed": lambda d: (d / "tables" / "cea.csv").write_bytes(b"from another run\n"),
        "missing": lambda d: (d / "figures" / "ceac.svg").unlink(),
        "not written by this run": lambda d: (d / "tables" / "old_table.csv").write_text("x"),
    }
    for what, spoil in cases.items():
        d = tmp_path / what.replace(" ", "_")
        shutil.copytree(out, d)
        spoil(d)
        rc = main(["reproduce", str(d)])
        text = capsys.readouterr().out
        assert rc == 2, text
        assert text.startswith("the output folder does not match its manifest (tampered, "
                               "partial or mixed")
        assert f": {what}" in text
    # results.json of one run beside the manifest of another
    d = tmp_path / "mixed"
    shutil.copytree(out, d)
    res = json.loads((d / "results.json").read_text(encoding="utf-8"))
    res["manifest"]["seed"] = 1
    (d / "results.json").write_text(json.dumps(res), encoding="utf-8")
    rc = main(["reproduce", str(d)])
    assert rc == 2 and "results.json: changed" in capsys.readouterr().out


def test_reproduce_terminated_removes_its_temporary_folder(demo_run, tmp_path):
    _, out = demo_run
    env = dict(os.environ, TMPDIR=str(tmp_path))
    p = subprocess.Popen([sys.executable, "-m", "hb_eval.cli", "reproduce", str(out)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not list(tmp_path.glob("hb-eval-reproduce-*")) and p.poll() is None:
            assert time.monotonic() < deadline, "the re-run never started"
            time.sleep(0.05)
        assert p.poll() is None, p.communicate()
        tmp = next(tmp_path.glob("hb-eval-reproduce-*"))
        assert oct(tmp.stat().st_mode & 0o777) == oct(0o700)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert rc == 128 + signal.SIGTERM
    assert not list(tmp_path.glob("hb-eval-reproduce-*"))
