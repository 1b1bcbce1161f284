"""The figures drawn on two processes give the files drawn one after the other (issue 23).

The privacy gate numbers identity codes in the order the run meets them, so a figure holding a
code is drawn in figure order even when the others are drawn in parallel: here a late figure
(which the forked process takes) and an early one each hold a code.
"""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from hb_eval import privacy
from hb_eval.report import run as R
from hb_eval.report.figure_jobs import both_ends
from hb_eval.support.progress import as_progress

CODE_A, CODE_B = "131052-308T", "010190-123M"


def _slow_square(i: int) -> tuple[int, int]:
    time.sleep(0.3)
    return i * i, os.getpid()


def test_both_ends_gives_every_result_in_order_from_two_processes():
    out = both_ends(10, _slow_square, workers=2)
    assert [r for r, _ in out] == [i * i for i in range(10)]
    assert len({pid for _, pid in out}) == 2  # the forked process took some from the back
    assert both_ends(3, _slow_square, workers=1) == [(i * i, os.getpid()) for i in range(3)]
    assert both_ends(0, _slow_square, workers=2) == []


def _figure_data() -> dict:
    """Three figures; two hold a code in a text the gate sees (a legend entry, an annotation):
    cost_components (early in the list) and confounding_contour (late)."""
    xs = np.linspace(0, 0.2, 5)
    grid = pd.DataFrame([(x, y, 0.5 - 2 * x - y) for y in xs for x in xs],
                        columns=["r2dz_x", "r2yz_dx", "adjusted_estimate"])
    return {
        "cost_components": {"df": pd.DataFrame({
            "arm": ["HB", "HB", "Verrokki", "Verrokki"],
            "component": ["worker_time", f"fees {CODE_A}"] * 2, "mean": [1000, -50, 800, -40]})},
        "ceac": {"df": pd.DataFrame({"wtp": [0, 1000, 2000], "prob": [0.1, 0.5, 0.9]})},
        "confounding_contour": {"df": grid, "estimate": 0.5, "benchmarks": pd.DataFrame({
            "covariate": [f"age {CODE_B}"], "k": [1.0], "r2dz_x": [0.05], "r2yz_dx": [0.05],
            "adjusted_estimate": [0.35]})},
    }


@pytest.mark.parametrize("lang", ["fi"])
def test_figures_on_two_processes_are_the_serial_files(tmp_path, lang):
    got = {}
    for workers in (1, 2):
        privacy.reset_placeholders()
        failures: list[str] = []
        fig_dir = tmp_path / str(workers)
        figs = R.render_figures(_figure_data(), lang, False, fig_dir, as_progress(False), failures,
                          wtp=3000.0, workers=workers)
        files = {p.name: p.read_bytes() for p in sorted(fig_dir.iterdir())}
        got[workers] = (figs, files, failures)
    assert got[2] == got[1]
    files = got[1][1]
    assert len(files) == 2 * len(R.FIGURES)
    # numbered in figure order: the early figure's code first
    assert b"[hetu-1]" in files["cost_components.svg"]
    assert b"[hetu-2]" in files["confounding_contour.svg"]
    assert not any(CODE_A.encode() in b or CODE_B.encode() in b for b in files.values())
