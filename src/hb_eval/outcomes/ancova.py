"""ANCOVA sensitivity analysis: end score on arm and baseline score, CR2-clustered."""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from .did import (ESTIMATE_COLUMNS, _row, check_arms, complete_pairs, fit_change_regression, outcome_of)
from ..support.checks import CHANGE_FRAME, check_confidence, require_columns


def ancova(frame: pd.DataFrame, covariates: Iterable[str] = (), cluster: str | None = "worker",
           confidence: float = 0.95, outcome: str | None = None) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        One row, ``estimator="ancova"``, with ``covariates`` listing baseline and the rest.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="ancova", maker=CHANGE_FRAME)
    covs = ("baseline",) + tuple(c for c in covariates if c != "baseline")
    f = complete_pairs(frame)
    check_arms(f, "ancova")
    fit, _ = fit_change_regression(f, covs, cluster, response="end")
    res = fit.contrast("HB", confidence)
    row = _row(outcome_of(frame, outcome), "ancova", res, f, fit.n_clusters, fit.se_type,
               cluster, confidence, covariates=",".join(covs))
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + ["covariates"])
