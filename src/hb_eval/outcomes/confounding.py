"""Sensitivity of the HB effect to unmeasured confounding (Cinelli & Hazlett 2020).

The arms are self-selected, so a reviewer asks how strong a confounder left out of the model
would have to be to explain the effect away. Cinelli & Hazlett ("Making sense of sensitivity:
extending omitted variable bias", JRSS B 82:39-67, 2020) answer it for an OLS coefficient from
its t-value and residual degrees of freedom alone, with classical (not cluster-robust) standard
errors, as that method is defined: partial R², the robustness values RV_q and RV_{q,α}, and
bounds from observed covariates as benchmarks.

The formulas, and why they are written out rather than taken from PySensemakr, are in
:mod:`hb_eval.stats.robustness`; they agree with R's ``sensemakr`` on its Darfur example.

Decision where the method leaves a choice: a **categorical benchmark** (client group) is the
set of its dummy columns taken jointly; its partial R² is that of the set, ``1 − RSS_full /
RSS_without the set`` (the group partial R² of sensemakr's ``group_partial_r2``, equal to
``F·p / (F·p + df)``). The regression is the covariate-adjusted change-score regression of
:func:`hb_eval.outcomes.did.did_adjusted` (change ~ HB + pilot + client group + sex + age group
+ baseline) fitted by OLS.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..errors import HbEvalError
from ..stats.robustness import DEFAULT_K, ConfoundingResult, ols_sensitivity
from .did import DEFAULT_COVARIATES, check_arms, complete_pairs, covariate_design, outcome_of

__all__ = ["confounding_sensitivity", "ConfoundingResult", "DEFAULT_BENCHMARKS", "DEFAULT_K"]

DEFAULT_BENCHMARKS = ("baseline", "client_group")


def confounding_sensitivity(frame: pd.DataFrame,
                            covariates: Iterable[str] = DEFAULT_COVARIATES,
                            benchmarks: Iterable[str] = DEFAULT_BENCHMARKS,
                            k: Iterable[float] = DEFAULT_K, q: float = 1.0,
                            alpha: float = 0.05, outcome: str | None = None
                            ) -> ConfoundingResult:
    """Sensitivity of the covariate-adjusted DiD to an unmeasured confounder.

    The regression is ``change ~ HB + covariates`` on the clients with both scores (the
    covariate-adjusted DiD of :func:`~hb_eval.outcomes.did.did_adjusted`), by OLS with classical
    standard errors, as Cinelli & Hazlett's method is defined (the report's cluster-robust
    intervals are elsewhere).

    Parameters
    ----------
    frame
        A change frame (:func:`hb_eval.outcomes.scores.change_frame`).
    covariates
        Baseline covariates of the regression (categoricals dummy coded).
    benchmarks
        Covariates whose strength the bounds are expressed in; a categorical one (client group)
        is the set of its dummies taken jointly.
    k
        Multiples of each benchmark's strength.
    q, alpha
        ``RV_q`` and ``RV_{q,α}`` settings (q = 1: explain the whole effect away).
    outcome
        Label; default the frame's ``outcome`` column.

    Returns
    -------
    ConfoundingResult
        ``to_results()`` is the results.json ``sensitivity.confounding`` block.
    """
    covariates = tuple(covariates)
    f = complete_pairs(frame)
    check_arms(f, "confounding sensitivity")
    Z = covariate_design(f, covariates)
    X = pd.concat([pd.DataFrame({"const": 1.0, "HB": f["hb"].to_numpy()}, index=f.index), Z],
                  axis=1)
    groups = {}
    for b in benchmarks:
        if b not in covariates:
            raise HbEvalError(f"benchmark {b!r} is not one of the covariates "
                              f"({', '.join(covariates)})")
        groups[b] = [c for c in Z.columns if c == b or c.startswith(f"{b}[")]
    arm = f["arm"].astype("string")
    n = {"HB": int((arm == "HB").sum()), "Verrokki": int((arm == "Verrokki").sum())}
    return ols_sensitivity(f["change"].to_numpy(float), X, "HB", groups, k=k, q=q, alpha=alpha,
                           outcome=outcome_of(frame, outcome), n=n, covariates=covariates)
