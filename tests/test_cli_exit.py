"""``hb-eval`` ends without tearing its heap down, yet with its status, its output flushed and
its exit handlers run (issue 23: a national run's exit took seconds after the last line)."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(body: str, tmp_path) -> subprocess.CompletedProcess:
    script = textwrap.dedent("""
        import atexit, sys, threading, time
        from hb_eval import cli

        class Heap:  # freed one by one only if the interpreter tears its objects down
            def __del__(self):
                sys.stderr.write(" torn down")

        heap = Heap()
        atexit.register(lambda: open(sys.argv[1], "a").write("handler"))
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script, str(tmp_path / "mark")],
                          capture_output=True, text=True, timeout=120)


def test_the_command_leaves_with_its_status_flushed_and_handlers_run(tmp_path):
    r = _run("""
        def main(argv=None):
            sys.stdout.write("out without newline")
            sys.stderr.write("err")
            return 3
        cli.main = main
        cli.console_main()
    """, tmp_path)
    assert r.returncode == 3
    assert (r.stdout, r.stderr) == ("out without newline", "err")  # no teardown
    assert (tmp_path / "mark").read_text() == "handler"


def test_a_running_thread_gets_the_ordinary_exit(tmp_path):
    r = _run("""
        def late():
            time.sleep(0.3)
            open(sys.argv[1], "a").write("thread ")
        threading.Thread(target=late).start()
        cli.main = lambda argv=None: 0
        cli.console_main()
    """, tmp_path)
    assert r.returncode == 0
    assert (tmp_path / "mark").read_text() == "thread handler"


def test_the_ordinary_exit_tears_down(tmp_path):
    """The marker above is seen when the heap is torn down (the first test's oracle works)."""
    r = _run("sys.exit(0)", tmp_path)
    assert r.returncode == 0 and r.stderr == " torn down"


def test_a_run_starts_without_the_analysis_and_drawing_libraries():
    """What ``hb-eval report`` imports before its first line (the load): not the analyses'
    libraries nor the report's (they come when their stage starts)."""
    script = textwrap.dedent("""
        import sys
        import hb_eval.cli, hb_eval.report.command, hb_eval.evaluation, hb_eval.data.dataset
        heavy = ("matplotlib.figure", "matplotlib.axes", "scipy.optimize", "statsmodels",
                 "pingouin", "openpyxl", "hb_eval.pipeline")
        print(" ".join(m for m in heavy if m in sys.modules))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == []
