"""Expected value of perfect information (EVPI) from bootstrap or simulation replicates.

With the replicates standing in for the decision uncertainty (as in BCEA and dampack), the net
monetary benefit of strategy ``j`` at willingness to pay λ in replicate ``b`` is
``NMB_bj(λ) = λ·E_bj − C_bj``, and

    EVPI(λ) = mean_b max_j NMB_bj(λ) − max_j mean_b NMB_bj(λ).

For two strategies only the incremental replicates (ΔC*, ΔE*) are needed:
``EVPI(λ) = mean_b max(INB_b, 0) − max(mean_b INB_b, 0)`` with ``INB_b = λ·ΔE*_b − ΔC*_b``.
Population EVPI multiplies by ``P · Σ_{t=1..T} (1 + r)^−t`` (year 1 discounted once; Briggs,
Claxton & Sculpher 2006, ch. 7).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["evpi_nmb", "evpi_curve", "population_factor"]


def evpi_nmb(nmb: np.ndarray) -> np.ndarray:
    """EVPI from net monetary benefits of every strategy.

    Parameters
    ----------
    nmb
        Array ``B × J`` (replicates × strategies) or ``B × L × J`` (replicates × λ values ×
        strategies).

    Returns
    -------
    ndarray
        ``E_b[max_j NMB] − max_j E_b[NMB]``: a scalar for ``B × J``, length ``L`` otherwise.
    """
    nmb = np.asarray(nmb, float)
    return nmb.max(axis=-1).mean(axis=0) - nmb.mean(axis=0).max(axis=-1)


def evpi_curve(reps: np.ndarray, wtp_grid: np.ndarray) -> pd.DataFrame:
    """Per-client EVPI of HB versus usual services over a λ grid, vectorised (B × L).

    Parameters
    ----------
    reps
        ``B × 2`` bootstrap replicates (ΔC*, ΔE*), HB minus Verrokki.
    wtp_grid
        The λ values (euros per score point).

    Returns
    -------
    DataFrame
        wtp, evpi (euros per client), enb_hb (mean incremental NMB of HB over the replicates),
        p_hb_best (share of replicates in which HB has the higher NMB).
    """
    reps = np.asarray(reps, float)
    lam = np.asarray(wtp_grid, float)
    inb = np.multiply.outer(lam, reps[:, 1])                       # L × B, one row per λ
    inb -= reps[:, 0]
    p_best = np.count_nonzero(inb > 0, axis=1) / len(reps)
    enb = lam * reps[:, 1].mean() - reps[:, 0].mean()              # E[INB] is linear in λ
    np.maximum(inb, 0.0, out=inb)
    evpi = inb.mean(axis=1) - np.maximum(enb, 0.0)
    return pd.DataFrame({"wtp": lam, "evpi": evpi, "enb_hb": enb, "p_hb_best": p_best})


def population_factor(population: float, horizon_years: int, discount_rate: float) -> float:
    """``P · Σ_{t=1..T} (1 + r)^−t``: clients over the horizon, discounted."""
    t = np.arange(1, int(horizon_years) + 1)
    return float(population * np.sum((1.0 + discount_rate) ** -t))
