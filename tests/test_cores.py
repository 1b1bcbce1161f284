"""support.cores.fork_workers: how many processes a step forks (the outcome analysis, the side
process, the figures), on machines of 1, 2 and 8 cores and where nothing can be forked."""
from __future__ import annotations

import pytest

from hb_eval.support import cores


@pytest.mark.parametrize("n_cores, forks, size, start, most, want", [
    (8, True, 6000, 5000, None, 8),   # the outcome analysis from 5,000 clients: every core
    (8, True, 4999, 5000, None, 1),   # one client short of it: this process alone
    (8, True, 6000, 5000, 2, 2),      # the side process: two processes at most
    (1, True, 6000, 5000, 2, 1),      # ... and one on a one-core machine
    (2, True, 0, 0, 2, 2),            # the figures: no threshold
    (8, False, 6000, 5000, None, 1),  # no fork (Windows, a daemonic process): one
])
def test_fork_workers(monkeypatch, n_cores, forks, size, start, most, want):
    monkeypatch.setattr(cores, "usable_cores", lambda: n_cores)
    monkeypatch.setattr(cores, "can_fork", lambda: forks)
    assert cores.fork_workers(size, start, most) == want
