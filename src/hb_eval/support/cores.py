"""How many processes a step may use: the cores this process may run on, and whether it can
fork worker processes (the load's pool, the outcome estimators, the report's figures).

Every step that uses workers gives the same numbers with one process or several; these only
decide how many are started.
"""
from __future__ import annotations

import multiprocessing
import os

__all__ = ["usable_cores", "can_fork"]


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
