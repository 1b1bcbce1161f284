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

import gc
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["both_ends", "default_workers"]

#: The job and the shared next-index pair of the current :func:`both_ends` (inherited by the
#: forked process; a lock-protected multiprocessing Array cannot be pickled).
_STATE: dict[str, Any] = {}


def default_workers() -> int:
    """Processes for the figures: 2 where this process may use two cores and fork, else 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods() or \
            multiprocessing.current_process().daemon:
        return 1
    return 2 if cores >= 2 else 1


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
    ctx = multiprocessing.get_context("fork")
    _STATE.update(job=job, ends=ctx.Array("l", [0, n - 1]))
    results: dict[int, Any] = {}
    gc.freeze()  # a collection in the forked process would touch (and copy) all our memory
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            back = pool.submit(_from_the_back)
            while (i := _take(True)) is not None:
                results[i] = job(i)
                if on_done is not None:
                    on_done(len(results))
            results.update(back.result())
    finally:
        gc.unfreeze()
        _STATE.clear()
    return [results[i] for i in range(n)]
