"""Doubly robust difference-in-differences for panel data (Sant'Anna & Zhao 2020).

This is their *traditional* DR estimator (R package DRDID, ``drdid_panel``), not the
"improved locally efficient" one (``drdid_imp_panel``, inverse probability tilting):

* propensity ``p(X)`` of being an HB client from baseline covariates, logistic regression
  (maximum likelihood), trimmed as DRDID (R) and drdid (Python) do by default: no score is
  clipped low, scores are capped at 1 - 1e-6, and comparison clients with ``p(X) >= 0.995``
  (``trim_level``) get weight zero -- dropped from the weighted comparison mean, counted in
  ``n_trimmed`` (``ps_trim_method="drdid"``). The estimator of earlier hb_eval releases, which
  clipped every score into ``ps_trim`` = (low, high) (winsorised, no client dropped; the count
  clipped in ``n_trimmed``), is kept as ``ps_trim=(low, high)`` (``ps_trim_method="clip"``;
  configuration ``analysis.dr_did_trim: clip``);
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

from ..stats.estimability import require_clusters, require_se
from .did import (DEFAULT_COVARIATES, ESTIMATE_COLUMNS, _row, check_arms, cluster_ids, complete_pairs, covariate_design, outcome_of)
from ..support.checks import CHANGE_FRAME, check_confidence, require_columns


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


#: Comparison clients with a propensity score at or above this get weight zero (DRDID's default).
DRDID_TRIM_LEVEL = 0.995
#: Scores are capped below 1 by this much (DRDID/drdid: "avoid divide by zero").
_PS_CAP = 1e-6


def trim_scores(ps_raw: np.ndarray, d: np.ndarray, ps_trim: tuple[float, float] | None = None,
                trim_level: float = DRDID_TRIM_LEVEL) -> tuple[np.ndarray, np.ndarray, int]:
    """The propensity scores the estimator uses, which clients keep their weight, and the count.

    Parameters
    ----------
    ps_raw
        Fitted propensity scores.
    d
        1 for HB, 0 for comparison.
    ps_trim
        None: DRDID's trimming (scores capped at 1 - 1e-6, no low clipping; comparison clients
        with a score >= ``trim_level`` lose their weight). ``(low, high)``: every score clipped
        into the bounds, nobody loses weight (the estimator of earlier hb_eval releases).
    trim_level
        DRDID's ``trim.level``.

    Returns
    -------
    tuple
        ``(ps, keep, n_trimmed)``: scores used, boolean mask of clients whose weight is kept,
        and the number of comparison clients dropped (DRDID) or of scores clipped (clip).
    """
    if ps_trim is None:
        ps = np.minimum(ps_raw, 1 - _PS_CAP)
        keep = (d == 1) | (ps < trim_level)
        return ps, keep, int(np.sum(~keep))
    lo, hi = ps_trim
    ps = np.clip(ps_raw, lo, hi)
    return ps, np.ones(len(ps), bool), int(np.sum((ps_raw < lo) | (ps_raw > hi)))


def drdid_panel(dy: np.ndarray, d: np.ndarray, X: np.ndarray,
                ps_trim: tuple[float, float] | None = None,
                trim_level: float = DRDID_TRIM_LEVEL) -> dict:
    """The traditional DR DiD estimate and its influence function (numpy arrays in).

    Parameters
    ----------
    dy
        Change in the outcome per client.
    d
        1 for HB, 0 for comparison.
    X
        Covariate matrix including an intercept column.
    ps_trim, trim_level
        None (default): DRDID's trimming at ``trim_level``; ``(low, high)``: clipping (see
        :func:`trim_scores`).

    Returns
    -------
    dict
        att, psi (influence function, one value per client), ps, n_trimmed, ps_converged.
    """
    n = len(dy)
    ps_raw, ok = _logit(X, d)
    ps, keep, n_trimmed = trim_scores(ps_raw, d, ps_trim, trim_level)
    ctrl = d == 0
    # outcome regression among the comparison clients
    beta = np.linalg.lstsq(X[ctrl], dy[ctrl], rcond=None)[0]
    out_delta = X @ beta
    w_treat = d * keep
    w_cont = keep * ps * (1 - d) / (1 - ps)
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
           ps_trim: tuple[float, float] | None = None, inference: str = "if",
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
        None (default): trimming as DRDID/drdid (comparison clients with a score >= 0.995 get
        weight zero and are counted in ``n_trimmed``; no clipping). ``(low, high)``: the
        scores are clipped into the bounds (``AnalysisConfig.ps_trim`` with
        ``dr_did_trim: clip``; the default of earlier releases was (0.01, 0.99)).
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
        One row: the estimate columns plus ``inference``, ``variant``, ``ps_trim_method``
        (``drdid`` or ``clip``), ``n_trimmed``, ``ps_converged``, ``covariates``;
        ``estimator="dr_did"``.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="dr_did", maker=CHANGE_FRAME)
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
               covariates=",".join(covariates), variant="traditional",
               ps_trim_method="drdid" if ps_trim is None else "clip")
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + [
        "inference", "variant", "ps_trim_method", "n_trimmed", "ps_converged", "covariates"])
