"""Benchmark: EVPI on the CEAC's λ grid (B × L in one numpy computation) against a loop.

B = 5,000 bootstrap replicates of (ΔC, ΔE), L = 201 λ values (the report's grid). The loop
version computes the same EVPI one λ at a time. Target: under 0.1 s for the vectorised one (the per-λ loop is the check, not a rival: 201
small vectors are cheap too).
"""
from __future__ import annotations

import time

import numpy as np

from hb_eval.stats.evpi import evpi_curve

B, L = 5000, 201


def loop(reps, grid):
    out = []
    for lam in grid:                       # the slow reference: one λ at a time
        inb = lam * reps[:, 1] - reps[:, 0]
        out.append(np.maximum(inb, 0).mean() - max(inb.mean(), 0.0))
    return np.array(out)


def main() -> None:
    rng = np.random.default_rng(0)
    reps = np.column_stack([rng.normal(800, 400, B), rng.normal(0.25, 0.12, B)])
    grid = np.linspace(0, 20000, L)
    best = min(_time(lambda: evpi_curve(reps, grid)) for _ in range(5))
    slow = min(_time(lambda: loop(reps, grid)) for _ in range(3))
    assert np.allclose(evpi_curve(reps, grid)["evpi"], loop(reps, grid))
    print(f"EVPI B={B} x L={L}: vectorised {best * 1e3:.1f} ms, per-λ loop {slow * 1e3:.1f} ms "
          f"({slow / best:.1f}x)")


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
