"""The analyses run with one BLAS thread, so their numbers do not depend on the core count."""
from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

import hb_eval
from hb_eval import pipeline
from hb_eval.support.threads import one_blas_thread


def _blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_one_blas_thread_limits_and_restores():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        assert before == {2}
        with one_blas_thread():
            assert _blas_threads() == {1}
        assert _blas_threads() == before


def test_evaluate_runs_the_stages_with_one_blas_thread(demo_config_path, demo_dataset,
                                                        monkeypatch):
    seen = []
    # evaluate() imports run_stages from the pipeline when the analyses start
    monkeypatch.setattr(pipeline, "run_stages",
                        lambda ev, **kw: seen.append(_blas_threads()))
    with threadpool_limits(limits=2, user_api="blas"):  # as on a machine with two cores
        hb_eval.evaluate(demo_config_path, dataset=demo_dataset, progress=False)
        assert _blas_threads() == {2}  # restored afterwards
    assert seen == [{1}]
