"""Holm adjustment of p-values across the secondary outcomes."""
from __future__ import annotations

import numpy as np
import pandas as pd


def holm(p: pd.Series | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (pingouin's ``multicomp(method="holm")``, the same
    numbers as statsmodels' ``multipletests(method="holm")``, which runs a full garbage
    collection per call: about 0.2 s with a national dataset in memory).

    Missing p-values stay missing and do not count in the family.
    """
    from pingouin import multicomp

    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multicomp(p[ok], method="holm")[1]
    return out
