"""Holm adjustment of p-values across the secondary outcomes."""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests


def holm(p: pd.Series | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (statsmodels ``multipletests(method="holm")``).

    Missing p-values stay missing and do not count in the family.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def adjust_secondary(estimates: pd.DataFrame, primary: str = "kykyviisari_total",
                     p_column: str = "p") -> pd.DataFrame:
    """Add ``holm_p`` beside ``p``: Holm within each estimator across the secondary outcomes.

    The primary outcome is not adjusted (``holm_p`` equals ``p``); the family is the secondary
    outcomes of one estimator.

    Parameters
    ----------
    estimates
        Rows with outcome, estimator and ``p_column``.
    primary
        The primary outcome's name.

    Returns
    -------
    DataFrame
        A copy with ``holm_p`` and ``multiplicity`` (``"holm_secondary"`` or ``"primary"``).
    """
    out = estimates.copy()
    out["holm_p"] = np.nan
    out["multiplicity"] = np.where(out["outcome"] == primary, "primary", "holm_secondary")
    prim = out["outcome"] == primary
    out.loc[prim, "holm_p"] = out.loc[prim, p_column]
    for _, idx in out[~prim].groupby("estimator", sort=False).groups.items():
        out.loc[idx, "holm_p"] = holm(out.loc[idx, p_column].to_numpy(float))
    return out
