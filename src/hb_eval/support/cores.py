"""How many processes a step may use: the cores this process may run on, and whether it can
fork worker processes (the load's pool, the outcome estimators, the report's figures).

Every step that uses workers gives the same numbers with one process or several; these only
decide how many are started.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["usable_cores", "can_fork", "fork_pool", "fork_workers"]


def usable_cores() -> int:
    """The cores this process may use (its CPU affinity; at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows or macOS' default, and not
    from a daemonic process, which may have no children)."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def fork_workers(size: int = 0, start: int = 0, most: int | None = None) -> int:
    """Processes for a step of ``size`` (clients, files) that forks workers from ``start``: 1
    below it or where processes cannot be forked (:func:`can_fork`), else the usable cores
    (:func:`usable_cores`), at most ``most``."""
    if size < start or not can_fork():
        return 1
    cores = usable_cores()
    return cores if most is None else max(1, min(cores, most))


def fork_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` processes forked now, or None where processes cannot be forked
    (:func:`can_fork`) or ``workers`` is below 1; the caller shuts it down.

    The workers are forked at once with this process's objects frozen out of the collector's
    reach (``gc.freeze``): a collection in a worker would touch, and so copy, everything it
    inherited. Set whatever the workers should inherit before calling.
    """
    if workers < 1 or not can_fork():
        return None
    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("fork"))
    gc.freeze()
    try:
        pool.submit(int).result()  # a fork pool starts all its workers at the first task
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        gc.unfreeze()
    return pool
