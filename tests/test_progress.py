"""The run's progress display (support/progress.py) and re-analysis without reloading
(Evaluation.rerun): the display's modes, its lines, its one clock; rerun equals evaluate."""
from __future__ import annotations

import io
import re

import pytest

import hb_eval
from hb_eval.errors import ConfigError
from hb_eval.report.results_json import dumps_results
from hb_eval.support.progress import RunProgress, choose_mode

LINE = re.compile(r"^\[hb-eval +(\d+\.\d) s\] (.+)$")


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _times(text: str) -> list[float]:
    out = []
    for ln in text.splitlines():
        m = LINE.match(ln)
        assert m, f"not a progress line: {ln!r}"
        out.append(float(m.group(1)))
    return out


def _scripted(run: RunProgress, clock: FakeClock) -> None:
    """A run as hb-eval report makes it: load per file, stages, a bootstrap, the report."""
    run.step("load", "loading data", total=3, unit="files")
    for k in range(3):
        clock.t += 1.0
        run.update(k + 1, 3, count=f"{k + 1}/3 files")
    run.step("scoring")
    clock.t += 0.5
    for name in ("outcomes", "cea"):
        run.step(name)
        hook = run.counter("replicates", (0, 2))
        for d in (500, 1000):
            clock.t += 0.25
            hook(d, 1000)
    run.note("cea: not estimable (too few clients)")
    run.step("report", "tables")
    clock.t += 1.0
    run.part("figures")
    clock.t += 2.0
    run.close("done")


def test_mode_follows_terminal_ci_and_switch():
    assert choose_mode(False, Tty(), {}) == "off"
    assert choose_mode(True, Tty(), {}) == "bar"
    assert choose_mode(True, io.StringIO(), {}) == "lines"  # not a terminal
    assert choose_mode(True, Tty(), {"CI": "true"}) == "ci"  # CI wins over a terminal
    assert choose_mode(True, Tty(), {"CI": "false"}) == "bar"
    assert choose_mode(True, Tty(), {"TERM": "dumb"}) == "lines"


def test_lines_without_a_terminal_one_clock_no_bar():
    clock, buf = FakeClock(), io.StringIO()
    run = RunProgress(True, mode=choose_mode(True, buf, {}), stream=buf, clock=clock)
    assert run.mode == "lines"
    _scripted(run, clock)
    text = buf.getvalue()
    assert "\r" not in text and "\x1b" not in text  # no bar, no cursor movement
    times = _times(text)
    # one clock: never restarts (the old display began again at 0.0 s for the report)
    assert times == sorted(times) and times[0] == 0.0 and times[-1] == 7.5
    msgs = [LINE.match(ln).group(2) for ln in text.splitlines()]
    assert msgs[0] == "loading data (3 files) …"
    assert "figures …" in msgs and "cea: not estimable (too few clients)" in msgs
    assert len(msgs) <= 10  # a line per step, none per file or replicate
    assert run.times["load"] == 3.0 and run.times["report"] == 3.0


def test_ci_shows_only_the_phases_and_warnings():
    clock, buf = FakeClock(), io.StringIO()
    run = RunProgress(True, mode=choose_mode(True, Tty(), {"CI": "1"}), stream=buf, clock=clock)
    _scripted(run, clock)
    msgs = [LINE.match(ln).group(2) for ln in buf.getvalue().splitlines()]
    assert msgs == ["loading (3 files) …", "analyses …", "cea: not estimable (too few clients)",
                    "writing the report …", "done"]


def test_off_prints_nothing_but_keeps_the_clock():
    clock, buf = FakeClock(), io.StringIO()
    run = RunProgress(False, stream=buf, clock=clock)
    _scripted(run, clock)
    assert buf.getvalue() == "" and run.elapsed() == 7.5


def test_bar_shows_counts_and_time_left_on_the_run_clock():
    clock, buf = FakeClock(), Tty()
    run = RunProgress(True, mode=choose_mode(True, buf, {}), stream=buf, clock=clock,
                      weights={"load": 1.0, "outcomes": 1.0})
    assert run.mode == "bar"
    run.step("load", "loading data", total=4, unit="files")
    clock.t += 10.0
    run.update(2, 4, count="2/4 files")
    # a quarter of the weight done in 10 s: 30 s left
    assert run.fraction == pytest.approx(0.25) and run.remaining() == pytest.approx(30.0)
    run._draw(force=True)
    frame = buf.getvalue().split("\r")[-1]
    assert "hb-eval: loading data 2/4 files" in frame and "00:10 elapsed" in frame
    assert "~00:30 left" in frame and " 25%|" in frame
    run.close("done")
    assert buf.getvalue().rstrip().endswith("done")


def test_unweighted_steps_do_not_count_towards_the_time_left():
    clock = FakeClock()
    run = RunProgress(False, clock=clock, weights={"load": 1.0, "outcomes": 1.0})
    run.step("demo")  # writing the demo's files: no weight
    clock.t += 100.0
    run.step("load")
    clock.t += 10.0
    run.update(1, 2)
    assert run.remaining() == pytest.approx(30.0)  # 10 s for a quarter, not 110 s


def test_counter_never_goes_backwards_and_names_the_part():
    run = RunProgress(False, weights={"cea": 1.0})
    run.step("cea")
    first, second = run.counter(part=(0, 2)), run.counter(part=(1, 2))
    first(1000, 1000)
    assert run.fraction == pytest.approx(0.5)
    second(250, 1000)
    assert run.fraction == pytest.approx(0.625) and run._count == "250/1,000 replicates (2/2)"
    first(10, 1000)  # a late report of an earlier part
    assert run.fraction == pytest.approx(0.625)


def test_lines_are_gated():
    buf = io.StringIO()
    run = RunProgress(True, mode="lines", stream=buf)
    run.note("could not read /data/131052-308T.xlsx")
    assert "131052-308T" not in buf.getvalue() and "[hetu-" in buf.getvalue()


# ---------------------------------------------------------------------------- on the demo
REPS = 200


@pytest.fixture(scope="module")
def run_and_lines(demo_dataset):
    buf = io.StringIO()
    run = RunProgress(True, mode="lines", stream=buf)
    ev = hb_eval.evaluate(demo_dataset.config, dataset=demo_dataset, reps=REPS, progress=run)
    run.close()  # the caller's display: evaluate leaves it open (the report continues it)
    return ev, run, buf


def test_evaluate_reports_every_stage_on_one_clock(run_and_lines):
    _, run, buf = run_and_lines
    text = buf.getvalue()
    times = _times(text)
    assert times == sorted(times)
    msgs = [LINE.match(ln).group(2) for ln in text.splitlines()]
    assert msgs[0] == "scoring …" and "cea …" in msgs and "sensitivity …" in msgs
    assert set(run.times) >= {"scoring", "outcomes", "cea", "sensitivity", "plan"}


def test_load_advances_per_file(demo_config_path):
    buf = io.StringIO()
    run = RunProgress(True, mode="lines", stream=buf)
    ds = hb_eval.load(demo_config_path, progress=run)
    n = len(ds.files["path"].unique())
    msgs = [LINE.match(ln).group(2) for ln in buf.getvalue().splitlines()]
    assert re.fullmatch(r"loading data \(\d+ files\) …", msgs[0])
    assert int(msgs[0].split("(")[1].split()[0]) >= n
    assert any(m.startswith("loading time_diary (") for m in msgs)
    assert run.fraction == pytest.approx(run.weights["load"] / sum(run.weights.values()))
    assert run._count.startswith(msgs[0].split("(")[1].split()[0] + "/")


def test_rerun_equals_a_fresh_evaluate_without_reading(run_and_lines, demo_dataset,
                                                       monkeypatch):
    ev = run_and_lines[0]
    before = dumps_results(ev.results)
    import hb_eval.data.dataset as D

    def no_load(*_a, **_k):
        raise AssertionError("rerun read the files again")

    monkeypatch.setattr(D, "load", no_load)
    settings = {"wtp_max": 30000.0, "cost_margin": 500.0}
    ev2 = ev.rerun(**settings)
    fresh = hb_eval.evaluate(demo_dataset.config.with_analysis(**settings),
                             dataset=demo_dataset, reps=REPS, progress=False)
    assert dumps_results(ev2.results) == dumps_results(fresh.results)
    assert dumps_results(ev.results) == before  # the first evaluation is left as it was
    assert ev2.config.analysis.wtp_max == 30000.0
    cn = ev2.results["cea"]["organiser"]["cost_neutrality"]
    assert cn != ev.results["cea"]["organiser"]["cost_neutrality"]  # the margin moved it
    assert ev2.figure_data["ceac"]["df"]["wtp"].max() == 30000.0


def test_rerun_refuses_unknown_or_bad_settings(run_and_lines):
    ev = run_and_lines[0]
    with pytest.raises(ConfigError, match="unknown analysis setting 'wtp_maximum'.*wtp_max"):
        ev.rerun(wtp_maximum=1)
    with pytest.raises(ConfigError, match="wtp_max"):
        ev.rerun(wtp_max=-1.0)


def test_jupyter_gets_the_bar_unless_ci(monkeypatch):
    import sys
    import types

    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert choose_mode(True, io.StringIO(), {}) == "notebook"  # stderr is no terminal there
    assert choose_mode(True, io.StringIO(), {"CI": "true"}) == "ci"
    assert choose_mode(False, io.StringIO(), {}) == "off"
    shell.config = {}  # a terminal IPython: no kernel, stderr decides
    assert choose_mode(True, io.StringIO(), {}) == "lines"
