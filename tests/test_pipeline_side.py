"""The side process of the stage runner (pipeline.run_stages, workers=2): the cost side in a
forked process gives what one process gives - the same results,
tables, figure inputs, objects, sections, failures and notes, in the same order - and a bad
input, ``debug`` and a dead side process behave as in one process."""
from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest

from hb_eval import pipeline
from hb_eval.errors import HbEvalError, InputError
from hb_eval.evaluation import Evaluation
from hb_eval.pipeline import Stage, run_stages
from hb_eval.report.results_json import dumps_results
from hb_eval.support import cores
from hb_eval.support.cores import can_fork
from hb_eval.support.progress import RunProgress

pytestmark = pytest.mark.skipif(not can_fork(), reason="no fork here: always one process")

KEPT = ("results", "tables", "figure_data", "objects", "sections")


def _fresh(demo_evaluation) -> Evaluation:
    ev = Evaluation(demo_evaluation.config.with_overrides(bootstrap_reps=100),
                    demo_evaluation.dataset)
    ev.results["data"] = {"clients": 0}
    return ev


def _run(demo_evaluation, stages, workers, debug=False, runs=None):
    ev = _fresh(demo_evaluation)
    buf = io.StringIO()
    run = RunProgress(True, mode="lines", stream=buf)
    run_stages(ev, stages=stages, progress=run, debug=debug,
               scores=demo_evaluation.scores.copy(), workers=workers)
    if runs is not None:
        runs.append(run)
    return ev, buf.getvalue()


def _same_value(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same_value(a[k], b[k])
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same_value(x, y)
    elif isinstance(a, (int, float, str, type(None), pipeline.Section)):
        assert a == b or (a != a and b != b)


def _steps(text: str) -> list[str]:
    return [ln.split("] ", 1)[1][:-2] for ln in text.splitlines() if ln.endswith(" …")]


# the demo's stages but the slow outcome ones (mixed models, MICE): both sides, the first side
# process forked before the scoring, cea and sensitivity in the second one
CHEAP = tuple(s for s in pipeline.STAGES if s.name not in ("outcomes", "imputation"))


def test_side_process_gives_what_one_process_gives(demo_evaluation):
    one, one_text = _run(demo_evaluation, CHEAP, workers=1)
    runs = []
    two, two_text = _run(demo_evaluation, CHEAP, workers=2, runs=runs)
    two_run = runs[0]
    assert dumps_results(one.results) == dumps_results(two.results)
    for k in KEPT:
        assert list(getattr(one, k)) == list(getattr(two, k)), k  # also the order
    assert set(two.objects) >= {"costs", "cea", "budget", "providers", "experience"}
    for name in two.tables:
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name], check_exact=True)
    _same_value(one.figure_data, two.figure_data)
    _same_value(one.objects["costs"], two.objects["costs"])
    assert one.sections == two.sections and one.failures == two.failures == []
    # every stage a step of the one display: this process' stages, then the side's
    assert sorted(_steps(one_text)) == sorted(_steps(two_text))
    assert _steps(two_text)[:6] == ["scoring", "satisfaction", "services", "comparability",
                                    "confounding", "plan"]
    assert _steps(two_text)[-2:] == ["cea", "sensitivity"]
    assert "cea (side)" in two_run.times and two_run.cpu_times["cea (side)"] > 0
    assert not hasattr(two, "_prepared_costs") and "_change" not in two.__dict__


def _stages(side_fun):
    def ok(ev):
        ev.results["main"] = 1
        ev.tables["main"] = pd.DataFrame({"x": [1]})

    def side_ok(ev):
        ev.results["side_ok"] = os.getpid() > 0
        ev.tables["side_ok"] = pd.DataFrame({"y": [2.5]})
        ev.figure_data["side_ok"] = {"df": pd.DataFrame({"z": [3]})}

    def bug(ev):
        raise KeyError("a bug")

    def thin(ev):
        raise HbEvalError("too few clients")

    return (Stage("main", ok), Stage("side_bug", bug, side=True),
            Stage("side_thin", thin, side=True), Stage("side_ok", side_ok, side=True),
            Stage("side_after", side_ok, after=("side_bug",), side=True),
            Stage("special", side_fun, side=True), Stage("last", lambda ev: None))


def _special(ev):
    ev.objects["special"] = np.arange(3)


def test_failed_and_not_estimable_side_stages_keep_their_states_and_notes(demo_evaluation):
    one, one_text = _run(demo_evaluation, _stages(_special), workers=1)
    two, two_text = _run(demo_evaluation, _stages(_special), workers=2)
    assert {k: v.status for k, v in two.sections.items()} == {
        "main": "ok", "side_bug": "failed", "side_thin": "not_estimable", "side_ok": "ok",
        "side_after": "failed", "special": "ok", "last": "ok"}
    for k in KEPT:
        assert list(getattr(one, k)) == list(getattr(two, k)), k
    assert one.sections == two.sections
    assert one.failures == two.failures == ["side_bug"]
    assert two.sections["side_thin"].reason == "too few clients"
    np.testing.assert_array_equal(two.objects["special"], [0, 1, 2])

    def notes(text):
        return sorted(ln.split("] ", 1)[1] for ln in text.splitlines()
                      if not ln.endswith(" …") and "in the side process" not in ln)

    assert notes(one_text) == notes(two_text) and len(notes(two_text)) == 2


def test_a_bad_input_or_debug_in_a_side_stage_is_raised_as_in_one_process(demo_evaluation):
    def bad_input(ev):
        raise InputError("budgets.xlsx, sheet 1, row 3: not a number")

    with pytest.raises(InputError, match="row 3: not a number"):
        _run(demo_evaluation, _stages(bad_input), workers=2)
    with pytest.raises(KeyError, match="a bug"):  # the first side stage to fail
        _run(demo_evaluation, _stages(_special), workers=2, debug=True)


def test_a_side_process_that_dies_costs_time_not_results(demo_evaluation):
    parent = os.getpid()

    def dies_in_the_side_process(ev):
        if os.getpid() != parent:
            os._exit(3)
        _special(ev)

    one, _ = _run(demo_evaluation, _stages(_special), workers=1)
    two, _ = _run(demo_evaluation, _stages(dies_in_the_side_process), workers=2)
    for k in KEPT:
        assert list(getattr(one, k)) == list(getattr(two, k)), k
    assert one.sections == two.sections and one.failures == two.failures
    np.testing.assert_array_equal(two.objects["special"], [0, 1, 2])


def test_one_process_below_the_threshold_or_on_one_core(demo_evaluation, monkeypatch):
    ev = _fresh(demo_evaluation)
    assert len(ev.dataset.clients) < pipeline.SIDE_FROM_CLIENTS
    assert pipeline._side_workers(ev, pipeline.STAGES, None) == 1
    assert pipeline._side_workers(ev, pipeline.STAGES, 2) == 2
    assert pipeline._side_workers(ev, pipeline.STAGES, 1) == 1
    monkeypatch.setattr(pipeline, "SIDE_FROM_CLIENTS", 1)
    assert pipeline._side_workers(ev, pipeline.STAGES, None) == 2
    monkeypatch.setattr(cores, "usable_cores", lambda: 1)
    assert pipeline._side_workers(ev, pipeline.STAGES, None) == 1
    # a side stage waiting for a stage run after the fork: one process
    odd = (Stage("a", lambda ev: None), Stage("b", lambda ev: None, after=("a",), side=True))
    assert pipeline._side_workers(ev, odd, 2) == 1


def test_side_stages_before_and_after_a_forking_stage_never_beside_it(
        demo_evaluation, monkeypatch, tmp_path):
    """The side stages that need no scores run (forked before the scoring) and end before a
    stage of FORKING starts here; those reading the primary change frame run after it ended,
    on this process' frame."""
    early, late = tmp_path / "early", tmp_path / "late"

    def side_early(ev):
        early.write_text("done")
        ev.results["side_early"] = ev.scores is None  # forked before the scoring

    def forking(ev):
        ev.results["forking"] = [early.exists(), late.exists()]

    def side_late(ev):
        late.write_text("done")
        cf = pipeline._primary_change(ev)
        ev.results["side_late"] = [len(cf), float(cf["change"].sum())]

    stages = (Stage("forking", forking), Stage("side_early", side_early, side=True),
              Stage("side_late", side_late, side=True, change=True), Stage("last", lambda ev: None))
    monkeypatch.setattr(pipeline, "FORKING", ("forking",))
    two, _ = _run(demo_evaluation, stages, workers=2)
    cf = pipeline.scoring.change_frame(demo_evaluation.scores, demo_evaluation.dataset.clients,
                                       pipeline.PRIMARY)
    assert two.results["forking"] == [True, False]
    assert two.results["side_early"] is True
    assert two.results["side_late"] == [len(cf), float(cf["change"].sum())]
    assert list(two.results)[-4:-1] == ["forking", "side_early", "side_late"]  # then analyses


def test_a_second_side_process_that_dies_costs_time_not_results(demo_evaluation, monkeypatch):
    parent = os.getpid()

    def early(ev):
        ev.results["early"] = 1

    def late(ev):
        if os.getpid() != parent:
            os._exit(3)
        ev.results["late"] = len(pipeline._primary_change(ev))

    stages = (Stage("forking", lambda ev: None), Stage("early", early, side=True),
              Stage("late", late, side=True, change=True), Stage("last", lambda ev: None))
    monkeypatch.setattr(pipeline, "FORKING", ("forking",))
    one, _ = _run(demo_evaluation, stages, workers=1)
    two, _ = _run(demo_evaluation, stages, workers=2)
    for k in KEPT:
        assert list(getattr(one, k)) == list(getattr(two, k)), k
    assert one.results["late"] == two.results["late"] > 0 and two.results["early"] == 1
    assert one.sections == two.sections and one.failures == two.failures == []
