"""The report's figures (and its other independent jobs) on two cores: the same files as
done one after the other.

Each figure is drawn, laid out and saved on its own (its bytes depend on its data only), so a
forked process can draw some of them while this one draws the others: this process takes the
jobs from the first up, the forked one from the last down, until they meet. The result is
the same whatever the split and the number of processes (one where only one core may be used,
where processes cannot be forked, or inside a daemonic process). The same two ends serve the
disclosure step (the counts' audit here, the dominance masks there) and the workbook.

One thing is not local to a figure: the privacy gate numbers identity codes ``[hetu-N]`` in the
order it first meets them in the run. A figure whose text holds a code is therefore never saved
in parallel: both processes leave it, and it is drawn afterwards in this process, in figure
order, as a run one figure after the other would (no other figure assigns a number).
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..support.cores import fork_pool, fork_workers
from ..support.progress import RunProgress
from . import figures as F
from .alt_text import figure_alt
from .figure_gallery import CAPTIONS, FIGURES, draw_figure
from .html import img_tag
from .i18n import t
from .privacy_gate import figure_holds_code

__all__ = ["both_ends", "default_workers", "render_figures"]

#: The job and the shared next-index pair of the current :func:`both_ends` (inherited by the
#: forked process; a lock-protected multiprocessing Array cannot be pickled).
_STATE: dict[str, Any] = {}


def default_workers() -> int:
    """Processes for the figures: 2 where this process may use two cores and fork, else 1."""
    return fork_workers(most=2)


def _take(front: bool) -> int | None:
    """The next index from the front (this process) or the back (the forked one), or None."""
    ends = _STATE["ends"]
    with ends.get_lock():
        lo, hi = ends[0], ends[1]
        if lo > hi:
            return None
        if front:
            ends[0] = lo + 1
            return lo
        ends[1] = hi - 1
        return hi


def _from_the_back() -> dict[int, Any]:
    """The forked process's part: jobs from the last index down."""
    job, out = _STATE["job"], {}
    while (i := _take(False)) is not None:
        out[i] = job(i)
    return out


def both_ends(n: int, job: Callable[[int], Any], workers: int | None = None,
              on_done: Callable[[int], None] | None = None) -> list[Any]:
    """``[job(0), ..., job(n - 1)]``, computed by this process and (``workers`` 2) a forked one.

    ``job`` must give the same result in either process (its result is pickled back from the
    forked one); ``on_done(k)`` is called with the number of jobs this process has finished.
    """
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or n < 2:
        out = []
        for i in range(n):
            out.append(job(i))
            if on_done is not None:
                on_done(i + 1)
        return out
    _STATE.update(job=job, ends=multiprocessing.get_context("fork").Array("l", [0, n - 1]))
    results: dict[int, Any] = {}
    pool = fork_pool(1)  # one forked process; this one is the other end
    if pool is None:
        _STATE.clear()
        return both_ends(n, job, 1, on_done)
    try:
        with pool:
            back = pool.submit(_from_the_back)
            while (i := _take(True)) is not None:
                results[i] = job(i)
                if on_done is not None:
                    on_done(len(results))
            results.update(back.result())
    finally:
        _STATE.clear()
    return [results[i] for i in range(n)]


def render_figures(figure_data: dict[str, dict[str, Any]], lang: str, public: bool,
                   fig_dir: Path, run: RunProgress, failures: list[str],
                   wtp: float | None = None, workers: int | None = None,
                   beside: tuple[Callable[[], Any], ...] = ()
                   ) -> tuple[dict[str, dict], list[Any]]:
    """Draw and save every figure (two processes where two cores may be used, see
    :mod:`hb_eval.report.figure_jobs`: the same files); their ``<img>``, caption and alt, and
    the results of ``beside``: jobs that draw no figure (the workbook, the internal report's
    would-be disclosure control, the texts :func:`hb_eval.report.run.write_into` keeps only when
    the other process numbered no placeholder making them), done after the figures or, in
    parallel, by the other process first (the last first)."""
    run.part("figures")
    parallel = (default_workers() if workers is None else workers) > 1
    n = len(FIGURES)

    def draw(i: int, in_order: bool = False) -> Any:
        if i >= n:
            return beside[i - n]()
        name = FIGURES[i]
        notes: list[str] = []
        failed: list[str] = []
        caption = t(CAPTIONS[name], lang)
        (fig, phone), spec = draw_figure(figure_data, name, lang, public, notes.append, failed)
        if parallel and not in_order and (figure_holds_code(fig) or figure_holds_code(phone)):
            return None  # the gate numbers codes in figure order: drawn again afterwards
        png = F.save_figure(fig, fig_dir, name)
        # the alternative text states the numbers the figure shows (WCAG 2.1 1.1.1)
        alt = figure_alt(name, spec, caption, lang, wtp=wtp)
        return {"png": png, "phone": F.png_bytes(phone, close=True), "alt": alt,
                "caption": caption, "notes": notes, "failed": failed}

    drawn = both_ends(n + len(beside), draw, workers=1 if not parallel else workers,
                      on_done=lambda k: run.update(0.2 + 0.6 * min(k, n) / n, 1,
                                                   count=f"{min(k, n):,}/{n:,} figures"))
    out = {}
    for i, name in enumerate(FIGURES):
        d = drawn[i] if drawn[i] is not None else draw(i, in_order=True)
        for note in d["notes"]:
            run.note(note)
        failures.extend(d["failed"])
        out[name] = {"img": img_tag(d["png"], d["alt"], name, d["phone"]),
                     "caption": d["caption"], "alt": d["alt"]}
    return out, drawn[n:]
