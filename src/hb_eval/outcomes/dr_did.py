"""Doubly robust difference-in-differences for panel data (Sant'Anna & Zhao 2020).

This is their *traditional* DR estimator (R package DRDID, ``drdid_panel``), not the
"improved locally efficient" one (``drdid_imp_panel``, inverse probability tilting):

* propensity ``p(X)`` of being an HB client from baseline covariates, logistic regression
  (maximum likelihood), then clipped into ``ps_trim`` = (low, high) (winsorised, so no client is
  dropped; the count clipped is reported as ``n_trimmed``);
* outcome regression of the change among comparison (Verrokki) clients by OLS, ``m(X)``;
* ATT = mean_{HB}[dY - m(X)] - sum_{V} w_i [dY_i - m(X_i)] / sum_{V} w_i,
  w_i = p(X_i) / (1 - p(X_i)).

Inference from the influence function of ``drdid_panel`` (it accounts for the estimated
propensity and outcome regression). With clusters the influence function is summed within
clusters (variance sum_g psi_g^2 / n^2 times G/(G-1), ``se_type="IF-CR1"``) and the interval
uses t with G - 1 df; without clusters ``se = sd(psi)/sqrt(n)`` and a normal interval
(``"IF"``), as DRDID. ``inference="bootstrap"`` adds a seeded multiplier bootstrap of the
influence function over clusters (Rademacher; the ``did`` package's ``mboot``): se from the
interquartile range, symmetric percentile-t interval.

With no covariates (intercept only) the estimate is exactly the plain DiD.
"""
from __future__ import annotations

import warnings
from typing import Iterable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .estimability import require_clusters, require_se
from .did import (DEFAULT_COVARIATES, ESTIMATE_COLUMNS, _row, check_arms, cluster_ids,
                  complete_pairs, covariate_design, outcome_of)


def _logit(X: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, bool]:
    """Logistic MLE fitted values and whether it converged (separation gives False)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(d, X, family=sm.families.Binomial()).fit(maxiter=100)
            ps = np.asarray(res.fittedvalues, float)
            ok = bool(res.converged) and np.all(np.isfinite(ps))
        except (np.linalg.LinAlgError, ValueError):
            ps, ok = np.full(len(d), d.mean()), False
    return ps, ok


def drdid_panel(dy: np.ndarray, d: np.ndarray, X: np.ndarray,
                ps_trim: tuple[float, float] = (0.01, 0.99)) -> dict:
    """The traditional DR DiD estimate and its influence function (numpy arrays in).

    Parameters
    ----------
    dy
        Change in the outcome per client.
    d
        1 for HB, 0 for comparison.
    X
        Covariate matrix including an intercept column.
    ps_trim
        Bounds the propensity score is clipped into.

    Returns
    -------
    dict
        att, psi (influence function, one value per client), ps, n_trimmed, ps_converged.
    """
    n = len(dy)
    ps_raw, ok = _logit(X, d)
    lo, hi = ps_trim
    ps = np.clip(ps_raw, lo, hi)
    n_trimmed = int(np.sum((ps_raw < lo) | (ps_raw > hi)))
    ctrl = d == 0
    # outcome regression among the comparison clients
    beta = np.linalg.lstsq(X[ctrl], dy[ctrl], rcond=None)[0]
    out_delta = X @ beta
    w_treat = d
    w_cont = ps * (1 - d) / (1 - ps)
    resid = dy - out_delta
    att_treat = w_treat * resid
    att_cont = w_cont * resid
    eta_treat = att_treat.mean() / w_treat.mean()
    eta_cont = att_cont.mean() / w_cont.mean()
    att = eta_treat - eta_cont
    # influence function (Sant'Anna & Zhao 2020; DRDID::drdid_panel)
    wols_x = (1 - d)[:, None] * X
    wols_ex = ((1 - d) * resid)[:, None] * X
    xpx_inv = np.linalg.pinv(wols_x.T @ X / n)
    lin_ols = wols_ex @ xpx_inv
    score_ps = (d - ps)[:, None] * X
    hess_ps = np.linalg.pinv((X * (ps * (1 - ps))[:, None]).T @ X / n)
    lin_ps = score_ps @ hess_ps
    inf_treat_1 = att_treat - w_treat * eta_treat
    m1 = (w_treat[:, None] * X).mean(axis=0)
    inf_treat = (inf_treat_1 - lin_ols @ m1) / w_treat.mean()
    inf_cont_1 = att_cont - w_cont * eta_cont
    m2 = ((w_cont * (resid - eta_cont))[:, None] * X).mean(axis=0)
    m3 = (w_cont[:, None] * X).mean(axis=0)
    inf_control = (inf_cont_1 + lin_ps @ m2 - lin_ols @ m3) / w_cont.mean()
    psi = inf_treat - inf_control
    return {"att": float(att), "psi": psi, "ps": ps, "n_trimmed": n_trimmed,
            "ps_converged": ok}


def dr_did(frame: pd.DataFrame, covariates: Iterable[str] = DEFAULT_COVARIATES,
           cluster: str | None = "worker", confidence: float = 0.95,
           ps_trim: tuple[float, float] = (0.01, 0.99), inference: str = "if",
           reps: int = 999, seed: int | np.random.Generator | None = None,
           outcome: str | None = None) -> pd.DataFrame:
    """Doubly robust DiD (Sant'Anna & Zhao 2020, traditional panel estimator).

    Parameters
    ----------
    frame
        A change frame (clients with both scores used).
    covariates
        Baseline covariates of the propensity and outcome models (categoricals dummy coded);
        ``()`` gives the intercept-only estimator, equal to the plain DiD.
    cluster
        Cluster column for the influence-function variance, or None.
    confidence
        Interval coverage.
    ps_trim
        Clipping bounds of the propensity score (``AnalysisConfig.ps_trim``).
    inference
        ``"if"`` (influence function) or ``"bootstrap"`` (multiplier bootstrap of the influence
        function over clusters, ``reps`` replicates, seeded).
    reps, seed
        Bootstrap replicates and seed.
    outcome
        Label.

    Returns
    -------
    DataFrame
        One row: the estimate columns plus ``inference``, ``n_trimmed``, ``ps_converged``,
        ``covariates``; ``estimator="dr_did"``.
    """
    if inference not in ("if", "bootstrap"):
        raise ValueError("inference must be 'if' or 'bootstrap'")
    covariates = tuple(covariates)
    f = complete_pairs(frame)
    check_arms(f, "dr_did")
    Z = covariate_design(f, covariates)
    X = np.column_stack([np.ones(len(f)), Z.to_numpy(float)])
    d = f["hb"].to_numpy(float)
    dy = f["change"].to_numpy(float)
    r = drdid_panel(dy, d, X, ps_trim)
    psi, n = r["psi"], len(f)
    cl = cluster_ids(f, cluster)
    if cl is None:
        G = n
        psi_g = psi
        se = float(psi.std(ddof=1) / np.sqrt(n))
        df = np.inf
        se_type = "IF"
    else:
        codes, uniq = pd.factorize(pd.Series(cl))
        G = len(uniq)
        psi_g = np.bincount(codes, weights=psi, minlength=G)
        require_clusters(G, cluster, "dr_did")
        se = float(np.sqrt(G / (G - 1) * np.sum(psi_g ** 2)) / n)
        df = float(G - 1)
        se_type = "IF-CR1"
    att = r["att"]
    if inference == "if":
        q = stats.t.ppf(1 - (1 - confidence) / 2, df)
        p = float(2 * stats.t.sf(abs(att / se), df)) if se > 0 else np.nan
        lo, hi = att - q * se, att + q * se
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        v = rng.integers(0, 2, size=(reps, len(psi_g))) * 2.0 - 1.0
        draws = v @ psi_g / n
        iqr = np.subtract(*np.quantile(draws, [0.75, 0.25]))
        se = float(iqr / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)))
        crit = float(np.quantile(np.abs(draws) / se, confidence))
        lo, hi = att - crit * se, att + crit * se
        p = float(np.mean(np.abs(draws) >= abs(att)))
        se_type = "IF-multiplier-bootstrap"
    require_se(se, att, "dr_did")
    res = {"estimate": att, "se": se, "df": df, "ci_low": lo, "ci_high": hi, "p": p}
    row = _row(outcome_of(frame, outcome), "dr_did", res, f, G, se_type, cluster, confidence,
               inference=inference, n_trimmed=r["n_trimmed"], ps_converged=r["ps_converged"],
               covariates=",".join(covariates), variant="traditional")
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + [
        "inference", "variant", "n_trimmed", "ps_converged", "covariates"])
