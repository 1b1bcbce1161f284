"""ANCOVA sensitivity analysis: end score on arm and baseline score, CR2-clustered."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .did import (ESTIMATE_COLUMNS, INFERENCE_COLUMNS, WILD_COLUMNS, _row, check_arms,
                  complete_pairs, fit_change_regression, outcome_of, primary_contrast)
from ..support.checks import CHANGE_FRAME, check_confidence, require_columns


def ancova(frame: pd.DataFrame, covariates: Iterable[str] = (), cluster: str | None = "worker",
           confidence: float = 0.95, outcome: str | None = None, wild_reps: int = 999,
           seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """``end ~ HB + baseline (+ covariates)`` by OLS with CR2 and Satterthwaite df.

    Parameters
    ----------
    frame
        A change frame (clients with both scores used).
    covariates
        Further baseline covariates (categoricals dummy coded), e.g. ``("pilot",)``.
    cluster
        Cluster column (``"worker"``/``"pilot"``) or None for HC2.
    confidence
        Interval coverage.
    wild_reps, seed
        With fewer than 12 clusters the wild cluster bootstrap is the primary inference, as in
        :func:`~hb_eval.outcomes.did.did_2x2` (``wild_reps=0`` skips it).

    Returns
    -------
    DataFrame
        One row, ``estimator="ancova"``, with ``covariates`` listing baseline and the rest, and
        the inference columns.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="ancova", maker=CHANGE_FRAME)
    covs = ("baseline",) + tuple(c for c in covariates if c != "baseline")
    f = complete_pairs(frame)
    check_arms(f, "ancova")
    fit, X = fit_change_regression(f, covs, cluster, response="end")
    res, extra = primary_contrast(fit, X, f["end"].to_numpy(float), f, cluster, confidence,
                                  wild_reps, seed)
    row = _row(outcome_of(frame, outcome), "ancova", res, f, fit.n_clusters, fit.se_type,
               cluster, confidence, covariates=",".join(covs), **extra)
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + ["covariates"]
                                       + [c for c in WILD_COLUMNS if c in extra]
                                       + INFERENCE_COLUMNS)
