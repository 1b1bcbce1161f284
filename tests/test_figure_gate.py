"""The privacy gate sees a figure's texts as drawn: tick labels and the phone rendition too.

Tick labels get their text from the axis' formatter at every draw (a category axis, or
``set_yticks(y, labels)``), so gating the texts a figure holds before it is drawn misses them.
The oracle: a figure drawn from data holding an identity code gives the same bytes as the same
figure drawn from data in which the code is already its placeholder ``[hetu-N]``.
"""
from __future__ import annotations

import re

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hb_eval import privacy
from hb_eval.report import figures as F
from hb_eval.report import run as R
from hb_eval.report.privacy_gate import figure_holds_code
from hb_eval.support.progress import as_progress

CODE_A, CODE_B = "131052-308T", "010190-123M"
#: The embedded images of an ``<img>``/``<picture>`` (its alt text is gated with the HTML).
_DATA = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


def _category_figure(label: str) -> Figure:
    """Bars on a category axis: the labels come from matplotlib's StrCategoryFormatter."""
    fig = Figure(figsize=(4.0, 2.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.barh([f"pilot {label}", "muu"], [1.0, 2.0])
    return fig


def test_a_code_on_a_category_axis_is_drawn_as_its_placeholder(tmp_path):
    privacy.reset_placeholders()
    fig = _category_figure(CODE_A)
    assert figure_holds_code(fig)
    png = F.save_figure(fig, tmp_path / "code", "bars")
    planted = _category_figure("[hetu-1]")
    assert not figure_holds_code(planted)
    assert png == F.save_figure(planted, tmp_path / "planted", "bars")
    svg = (tmp_path / "code" / "bars.svg").read_bytes()
    assert CODE_A.encode() not in svg and b"pilot [hetu-1]" in svg
    assert svg == (tmp_path / "planted" / "bars.svg").read_bytes()
    drawn = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert drawn == ["pilot [hetu-1]", "muu"]


def _figure_data(a: str, b: str) -> dict:
    """Two report figures whose tick labels (``set_yticks(y, labels)``) hold ``a`` and ``b``:
    forest_pilot (early in the list) and tornado (late: the forked process takes it)."""
    return {
        "forest_pilot": {"df": pd.DataFrame({
            "label": [f"Pori {a}", "overall"], "estimate": [1.0, 0.5],
            "ci_low": [0.2, 0.1], "ci_high": [1.8, 0.9]})},
        "tornado": {"df": pd.DataFrame({
            "parameter": [f"x {b}", "hinta"], "low": [-100.0, 50.0], "high": [300.0, 120.0]}),
            "base": 80.0},
    }


def _render(data: dict, fig_dir, workers: int) -> tuple[dict, dict]:
    privacy.reset_placeholders()
    failures: list[str] = []
    figs, _ = R.render_figures(data, "fi", False, fig_dir, as_progress(False), failures,
                               workers=workers)
    assert failures == []
    return figs, {p.name: p.read_bytes() for p in sorted(fig_dir.iterdir())}


def test_tick_label_codes_are_gated_in_every_rendition(tmp_path):
    """Desktop PNG and SVG and the phone PNG (embedded in the ``<img>``), on one process and
    on two (numbered in figure order)."""
    planted = _render(_figure_data("[hetu-1]", "[hetu-2]"), tmp_path / "planted", 1)
    for workers in (1, 2):
        figs, files = _render(_figure_data(CODE_A, CODE_B), tmp_path / str(workers), workers)
        assert not any(CODE_A.encode() in v or CODE_B.encode() in v for v in files.values())
        assert files == planted[1]
        for name in ("forest_pilot", "tornado"):  # phone and desktop PNG in the <picture>
            images = _DATA.findall(str(figs[name]["img"]))
            assert len(images) == 2
            assert images == _DATA.findall(str(planted[0][name]["img"])), (workers, name)


def test_results_json_made_beside_the_figures_numbers_codes_as_one_process(
        demo_evaluation, tmp_path, monkeypatch):
    """results.json's text is made by the other process while this one draws: a code the gate
    has not numbered yet (here after a figure's) sends it back to be made in order."""
    import copy

    import hb_eval.report.figure_jobs as FJ

    ev = copy.copy(demo_evaluation)  # the session's evaluation is shared: a shallow copy
    ev.results = {**demo_evaluation.results, "note": f"huom {CODE_A}"}
    ev.figure_data = {"forest_pilot": _figure_data(CODE_B, "")["forest_pilot"]}
    got = {}
    for workers in (1, 2):
        monkeypatch.setattr(FJ, "default_workers", lambda w=workers: w)
        privacy.reset_placeholders()
        out = ev.write_report(tmp_path / str(workers), progress=False)
        got[workers] = {p.name: p.read_bytes() for p in (out.parent / "figures").iterdir()}
        got[workers]["results.json"] = (out.parent / "results.json").read_bytes()
    assert got[2] == got[1]
    # numbered in the order of one process: the figure's code first, then results.json's
    assert b'"note": "huom [hetu-2]"' in got[1]["results.json"]
    assert b"Pori [hetu-1]" in got[1]["forest_pilot.svg"]
