"""The output-folder machinery on its own (``hb_eval.report.output``, ``hb_eval.support.filesystem``,
``hb_eval.data.io.snapshot``): whole or absent, lock, own only your files, modes, faults —
with injected faults and killed subprocesses, never timing luck."""
from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hb_eval.data.io.snapshot import check_unchanged, read_input
from hb_eval.errors import FileSystemError, InputChangedError, OutputBusyError, OutputError
from hb_eval.support.filesystem import atomic_write_bytes
from hb_eval.report.manifest import write_manifest
from hb_eval.report.output import OutputFolder
from hb_eval.report.reproduce import check_folder


def _write_run(out: Path, tag: str, *, public: bool = False, force: bool = False,
               files: int = 3) -> dict:
    """A stand-in report run: a few files named as the report's, all holding ``tag``."""
    with OutputFolder(out, force=force) as dest:
        (dest.path / "tables").mkdir()
        for i in range(files):
            (dest.path / "tables" / f"t{i}.csv").write_text(f"{tag};{i}\n", encoding="utf-8")
        (dest.path / "results.json").write_text(json.dumps({"run": tag}), encoding="utf-8")
        dest.commit({"created_with": "hb_eval test", "run": tag}, write_manifest, public=public)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


@pytest.fixture()
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_internal_output_is_owner_only_under_umask_022_and_lists_every_file(tmp_path, umask022):
    out = tmp_path / "out"
    m = _write_run(out, "a")
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [out, *out.rglob("*")]}
    assert modes.pop(".") == 0o700 and modes.pop("tables") == 0o700
    assert set(modes.values()) == {0o600}, modes
    # the manifest lists the SHA-256 of every file but itself
    assert set(m["outputs"]) == {"results.json", "tables/t0.csv", "tables/t1.csv", "tables/t2.csv"}
    assert check_folder(out, m) == {}
    assert _leftovers(tmp_path, "out") == []


def test_public_output_may_be_world_readable(tmp_path, umask022):
    out = tmp_path / "pub"
    _write_run(out, "p", public=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "tables" / "t0.csv").stat().st_mode) == 0o644


def test_a_new_run_replaces_the_earlier_one_whole(tmp_path):
    out = tmp_path / "out"
    _write_run(out, "a", files=4)
    m = _write_run(out, "b", files=2)
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["t0.csv", "t1.csv"]
    assert all("b;" in p.read_text() for p in (out / "tables").iterdir())
    assert check_folder(out, m) == {}
    assert _leftovers(tmp_path, "out") == []


@pytest.mark.parametrize("stage", ["writing", "before_commit", "sealing", "swap"])
def test_interrupted_run_leaves_the_earlier_output_intact(tmp_path, monkeypatch, stage):
    out = tmp_path / "out"
    m = _write_run(out, "a")
    before = _snapshot(out)
    import hb_eval.report.output as O

    def boom(*a, **k):
        raise KeyboardInterrupt

    if stage == "sealing":
        monkeypatch.setattr(O, "fsync_tree", boom)
    if stage == "swap":
        monkeypatch.setattr(O, "_exchange", boom)
    with pytest.raises(KeyboardInterrupt):
        with OutputFolder(out) as dest:
            (dest.path / "results.json").write_text("half", encoding="utf-8")
            if stage == "writing":
                raise KeyboardInterrupt
            if stage == "before_commit":
                raise KeyboardInterrupt
            dest.commit({"created_with": "x"}, write_manifest)
    assert _snapshot(out) == before
    assert check_folder(out, m) == {}
    assert _leftovers(tmp_path, "out") == []


def test_killed_run_leaves_earlier_output_and_the_next_run_cleans_up(tmp_path):
    """SIGKILL-like death (os._exit) inside the run: nothing runs on the way out."""
    out = tmp_path / "out"
    m = _write_run(out, "a")
    before = _snapshot(out)
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from hb_eval.report.output import OutputFolder
        with OutputFolder(Path({str(out)!r})) as dest:
            (dest.path / "results.json").write_text("new, never finished")
            os._exit(9)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 9, r.stderr
    assert _snapshot(out) == before and check_folder(out, m) == {}
    assert len(_leftovers(tmp_path, "out")) == 1  # the dead run's temporary folder (mode 0700)
    _write_run(out, "b")
    assert _leftovers(tmp_path, "out") == []


def test_sigterm_removes_the_temporary_folder(tmp_path):
    out = tmp_path / "out"
    m = _write_run(out, "a")
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from hb_eval.report.output import OutputFolder
        with OutputFolder(Path({str(out)!r})) as dest:
            (dest.path / "results.json").write_text("new")
            os.kill(os.getpid(), signal.SIGTERM)
            print("not reached")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert r.returncode == 143 and "not reached" not in r.stdout, r.stderr
    assert check_folder(out, m) == {} and _leftovers(tmp_path, "out") == []


def test_swap_interrupted_between_two_renames_is_repaired(tmp_path):
    """Where no atomic exchange exists the earlier output is moved aside first; a run killed
    right then leaves it at ``.out.hb-eval-old-*``, and the next run puts it back first."""
    out = tmp_path / "out"
    m = _write_run(out, "a")
    before = _snapshot(out)
    os.rename(out, tmp_path / ".out.hb-eval-old-4242")
    with OutputFolder(out):
        assert _snapshot(out) == before  # restored before anything else
    assert check_folder(out, m) == {}


def test_foreign_folder_is_refused_and_its_tables_kept(tmp_path):
    out = tmp_path / "mine"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "budget.xlsx").write_bytes(b"my own work")
    with pytest.raises(OutputError, match="holds files no hb-eval run wrote.*--force"):
        _write_run(out, "a")
    with pytest.raises(OutputError, match=r"mine/tables was not written by hb-eval"):
        _write_run(out, "a", force=True)
    assert (out / "tables" / "budget.xlsx").read_bytes() == b"my own work"
    assert sorted(p.name for p in out.rglob("*")) == ["budget.xlsx", "tables"]
    assert _leftovers(tmp_path, "mine") == []


def test_force_writes_beside_foreign_files_and_keeps_them(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "muistiinpanot.txt").write_text("notes", encoding="utf-8")
    m = _write_run(out, "a", force=True)
    assert m["foreign"] == ["muistiinpanot.txt"]
    m = _write_run(out, "b")  # now an hb-eval folder: no --force needed, the notes stay
    assert (out / "muistiinpanot.txt").read_text(encoding="utf-8") == "notes"
    assert check_folder(out, m) == {}
    # a file of the user's inside the report's own folder blocks the next run
    (out / "tables" / "oma.csv").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="tables/oma.csv was not written by hb-eval"):
        _write_run(out, "c", force=True)
    assert (out / "tables" / "oma.csv").exists()


def test_out_naming_a_file_is_one_line(tmp_path):
    f = tmp_path / "report.html"
    f.write_text("x")
    with pytest.raises(OutputError) as e:
        _write_run(f, "a")
    assert "is a file, not a folder" in str(e.value) and "\n" not in str(e.value)
    assert f.read_text() == "x"


def test_second_run_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out):
        with pytest.raises(OutputBusyError, match=rf"another hb-eval run \(pid {os.getpid()} on "
                                                  r".*started 20\d\d-"):
            _write_run(out, "b")
    _write_run(out, "c")  # released


def test_concurrent_runs_in_subprocesses_never_mix(tmp_path):
    """Runs started together: each one either completes or is refused (exit 3); the folder
    always holds exactly one run's files, as its manifest says."""
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from hb_eval.errors import OutputBusyError
        from hb_eval.report.manifest import write_manifest
        from hb_eval.report.output import OutputFolder
        tag = sys.argv[1]
        try:
            with OutputFolder(Path({str(out)!r})) as dest:
                (dest.path / "tables").mkdir()
                for i in range(20):
                    (dest.path / "tables" / f"t{{i}}.csv").write_text(tag)
                    time.sleep(0.005)
                dest.commit({{"created_with": "x", "run": tag}}, write_manifest)
        except OutputBusyError as exc:
            print(exc, file=sys.stderr)
            sys.exit(3)
    """)
    for round_ in range(3):
        procs = [subprocess.Popen([sys.executable, "-c", script, f"{round_}-{k}"],
                                  stderr=subprocess.PIPE, text=True) for k in range(3)]
        codes = [(p.wait(), p.stderr.read()) for p in procs]
        assert {c for c, _ in codes} <= {0, 3}, codes
        assert any(c == 0 for c, _ in codes)
        for c, err in codes:
            if c == 3:
                assert "being written by another hb-eval run (pid" in err
        m = json.loads((out / "manifest.json").read_text())
        assert check_folder(out, m) == {}
        assert {p.read_text() for p in (out / "tables").iterdir()} == {m["run"]}
    assert _leftovers(tmp_path, "out") == []


def test_injected_no_space_leaves_no_partial_file_and_one_line(tmp_path):
    out = tmp_path / "out"
    m = _write_run(out, "a")
    before = _snapshot(out)
    with pytest.raises(FileSystemError) as e:
        with OutputFolder(out) as dest:
            with dest.writing("report.html") as path:
                with open(path, "w") as fh:
                    fh.write("<html>cut off before its appendix")
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    msg = str(e.value)
    assert msg == f"cannot write {out / 'report.html'}: no space left on the device (ENOSPC)"
    assert _snapshot(out) == before and check_folder(out, m) == {}
    assert _leftovers(tmp_path, "out") == []


def test_atomic_write_keeps_the_old_file_on_failure_and_refuses_a_folder(tmp_path, monkeypatch):
    q = tmp_path / "q.csv"
    q.write_bytes(b"old")
    real_fsync = os.fsync

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(FileSystemError, match=r"q.csv: no space left on the device \(ENOSPC\)"):
        atomic_write_bytes(q, b"new and long")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert q.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["q.csv"]
    with pytest.raises(FileSystemError, match="it is a folder, not a file"):
        atomic_write_bytes(tmp_path, b"x")


@pytest.mark.parametrize("err, fault", [(errno.EROFS, "read-only file system"),
                                        (errno.EACCES, "permission denied")])
def test_read_only_or_forbidden_folder_is_one_line(tmp_path, monkeypatch, err, fault):
    """Injected (the tests may run as root, which ignores permissions)."""
    import hb_eval.report.output as O

    def refuse(*a, **k):
        raise OSError(err, os.strerror(err), str(tmp_path / ".out.hb-eval-tmp-x"))

    monkeypatch.setattr(O.tempfile, "mkdtemp", refuse)
    with pytest.raises(FileSystemError) as e:
        _write_run(tmp_path / "out", "a")
    assert str(e.value) == (f"cannot write {tmp_path}: {fault} "
                            f"({errno.errorcode[err]})")
    assert not (tmp_path / "out").exists()


def test_inputs_hashed_from_the_bytes_read_and_rechecked(tmp_path):
    f = tmp_path / "roster.csv"
    f.write_bytes(b"a;b\n1;2\n")
    data, rec = read_input(f, file="roster.csv")
    import hashlib

    assert rec.sha256 == hashlib.sha256(data).hexdigest() and rec.size == len(data)
    check_unchanged([rec])
    f.write_bytes(b"a;b\n1;3\n")  # same size: only the hash can tell
    with pytest.raises(InputChangedError, match="file roster.csv: the file changed during the run"):
        check_unchanged([rec])
    _, rec2 = read_input(f, file="roster.csv")
    with pytest.raises(InputChangedError, match="read twice with different contents"):
        check_unchanged([rec, rec2])
    f.unlink()
    with pytest.raises(InputChangedError, match="was removed"):
        check_unchanged([rec2])
