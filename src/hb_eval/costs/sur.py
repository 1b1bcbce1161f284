"""Adjusted cost-effectiveness: costs and effects jointly by seemingly unrelated regression.

Two equations with the same regressors (intercept, arm, baseline score, pilot):

    cost   = a₀ + ΔC·HB + b₁·baseline + pilot effects + e₁
    change = c₀ + ΔE·HB + d₁·baseline + pilot effects + e₂

The point estimates and model standard errors come from :class:`linearmodels.system.SUR`.
Because both equations have identical regressors, the SUR (feasible GLS) coefficients equal
equation-by-equation OLS (Zellner 1962). The bootstrap uses that identity to stay vectorised:
each replicate is a weighted least-squares fit with the resampling counts as weights, computed
for all replicates at once as batched normal equations (B × p × p) from the count-weighted sums
of their per-client terms. The test suite checks the identity against linearmodels and the
normal equations against :func:`hb_eval.stats.sur.batched_wls`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError
from ..stats.bootstrap import Progress, _progress, as_rng, stratified_sums
from .cea import SIGN_CONVENTION, _f
from ..support.display import ResultDisplay



def design(sample: pd.DataFrame, covariates: tuple[str, ...] = ("baseline", "pilot")
           ) -> pd.DataFrame:
    """Regressors: const, hb (1 = HB), baseline, pilot dummies (first pilot is the reference)."""
    X = pd.DataFrame({"const": 1.0,
                      "hb": (sample["arm"].astype(str) == "HB").astype(float).to_numpy()},
                     index=sample.index)
    for c in covariates:
        col = sample[c]
        if pd.api.types.is_numeric_dtype(col):
            X[c] = col.astype(float)
        else:
            d = pd.get_dummies(col.astype(str), prefix=c, drop_first=True, dtype=float)
            X = pd.concat([X, d], axis=1)
    return X


@dataclass(repr=False)
class SURResult(ResultDisplay):
    """Adjusted ΔC and ΔE (HB minus Verrokki) by SUR, with bootstrap percentile intervals."""

    table: pd.DataFrame
    reps: np.ndarray            # B × 2 (ΔC*, ΔE*)
    B: int
    level: float
    covariates: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The estimates table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """The estimates in a few printable lines."""
        t = self.table.set_index("quantity")
        lines = [f"SUR adjusted for {', '.join(self.covariates)} ({SIGN_CONVENTION}); "
                 f"bootstrap B={self.B}"]
        for q in ("delta_cost", "delta_effect", "icer"):
            r = t.loc[q]
            lines.append(f"  {q}: {r['estimate']:,.3f} ({r['ci_low']:,.3f} to {r['ci_high']:,.3f})")
        return "\n".join(lines)

    def to_results(self) -> dict[str, Any]:
        """The estimates as plain values for results.json."""
        t = self.table.set_index("quantity")
        out: dict[str, Any] = {"estimator": "sur", "covariates": list(self.covariates),
                               "bootstrap_reps": self.B, "sign_convention": SIGN_CONVENTION}
        for q in ("delta_cost", "delta_effect", "icer"):
            out[q] = _f(t.loc[q, "estimate"])
            out[f"{q}_ci"] = [_f(t.loc[q, "ci_low"]), _f(t.loc[q, "ci_high"])]
        return out


def sur_columns(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The per-unit terms of the normal equations, flattened: n × (p·p + p·q).

    Column ``i·p + j`` is x_i·x_j, column ``p·p + i·q + k`` is x_i·y_k. Their count-weighted
    sums over a replicate's units are XᵀWX and XᵀWY (:func:`solve_normal`).
    """
    n, p = X.shape
    xx = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    xy = (X[:, :, None] * Y[:, None, :]).reshape(n, p * Y.shape[1])
    return np.hstack([xx, xy])


def solve_normal(sums: np.ndarray, p: int, q: int) -> np.ndarray:
    """Weighted least-squares coefficients (b × p × q) from replicate sums of
    :func:`sur_columns` (b × (p·p + p·q)), as :func:`hb_eval.stats.sur.batched_wls` solves them:
    a batch with a singular XᵀWX gets the pseudo-inverse's minimum-norm solutions."""
    A = sums[:, :p * p].reshape(-1, p, p)
    rhs = sums[:, p * p:].reshape(-1, p, q)
    try:
        return np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(A) @ rhs


def sur_design(sample: pd.DataFrame, covariates: tuple[str, ...] = ("baseline", "pilot")
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample (a RangeIndex) and its regressors (:func:`design`), checked of full rank.

    Raises
    ------
    HbEvalError
        Collinear regressors (e.g. a pilot with clients of one arm only).
    """
    s = sample.reset_index(drop=True)
    X = design(s, covariates)
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise HbEvalError("the SUR regressors are collinear (e.g. a pilot with clients of "
                          "one arm only and no other variation)")
    return s, X


def sur_fit(sample: pd.DataFrame, covariates: tuple[str, ...] = ("baseline", "pilot"), *,
            designed: tuple[pd.DataFrame, pd.DataFrame] | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The SUR point estimates of :func:`sur_cea`: (sample, design, est, se_model).

    ``est`` and ``se_model`` are the HB coefficients (ΔC, ΔE) of
    :class:`linearmodels.system.SUR` and their robust standard errors. ``designed``:
    :func:`sur_design` of this sample when already made.

    Raises
    ------
    HbEvalError
        Collinear regressors (e.g. a pilot with clients of one arm only).
    """
    from linearmodels.system import SUR

    s, X = designed if designed is not None else sur_design(sample, covariates)
    eqs = {"cost": {"dependent": s["cost"].astype(float), "exog": X},
           "effect": {"dependent": s["change"].astype(float), "exog": X}}
    fit = SUR(eqs).fit(method="gls", cov_type="robust")
    est = np.array([fit.params["cost_hb"], fit.params["effect_hb"]])
    se_model = np.array([fit.std_errors["cost_hb"], fit.std_errors["effect_hb"]])
    return s, X, est, se_model


def sur_cea(sample: pd.DataFrame, B: int = 1000, seed: int | np.random.Generator = 0,
            level: float = 0.95, covariates: tuple[str, ...] = ("baseline", "pilot"),
            progress: Progress | bool | None = None, *,
            replicates: np.ndarray | None = None,
            fitted: tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray] | None = None
            ) -> SURResult:
    """Costs and effects jointly by SUR on arm, baseline score and pilot, bootstrapped.

    Each bootstrap replicate is the weighted least-squares fit (equal to SUR's, see the module
    notes) with the replicate's resampling counts as weights, solved from the count-weighted
    sums of the normal equations' terms (:func:`sur_columns`, drawn by
    :func:`hb_eval.stats.bootstrap.stratified_sums`): the same resamples, for the same seed,
    as the CEA's client bootstrap of the same sample (:func:`hb_eval.costs.cea.run_cea`).

    Parameters
    ----------
    sample
        The CEA sample (:func:`hb_eval.costs.cea.cea_sample`): cost, change, arm, baseline,
        pilot.
    B, seed, level
        Bootstrap replicates (stratified by arm, whole clients), seed, confidence level.
    covariates
        Adjustment terms besides the arm.
    replicates
        B × 2 bootstrap replicates of the HB coefficients (ΔC*, ΔE*) computed elsewhere for
        this sample (:func:`hb_eval.costs.joint.cea_and_sur` draws them with the CEA's); then
        nothing is drawn here.
    fitted
        :func:`sur_fit` of this sample and covariates when already made.

    Returns
    -------
    SURResult
        ``table``: quantity (delta_cost, delta_effect, icer), estimate (linearmodels SUR),
        se_model (linearmodels, robust), se_boot, ci_low, ci_high (bootstrap percentile),
        ci_method, B, n_HB, n_Verrokki, estimator, sign_convention.
    """
    s, X, est, se_model = fitted if fitted is not None else sur_fit(sample, covariates)
    strata = (s["arm"].astype(str) != "HB").astype(int).to_numpy()
    if replicates is None:
        Xn, Y = X.to_numpy(float), s[["cost", "change"]].to_numpy(float)
        sums = stratified_sums(sur_columns(Xn, Y), strata, B, as_rng(seed),
                               progress=_progress(progress, "SUR bootstrap")).sum(axis=1)
        replicates = solve_normal(sums, Xn.shape[1], 2)[:, 1, :]   # the hb row
    reps = np.asarray(replicates, dtype=float)
    if reps.shape != (B, 2):
        raise HbEvalError(f"SUR replicates must be B x 2 ({B} x 2), not {reps.shape}")
    a = (1 - level) / 2
    ratio = reps[:, 0] / np.where(reps[:, 1] == 0, np.nan, reps[:, 1])
    rows = []
    for i, q in enumerate(("delta_cost", "delta_effect")):
        lo, hi = np.quantile(reps[:, i], [a, 1 - a])
        rows.append((q, est[i], se_model[i], reps[:, i].std(ddof=1), lo, hi))
    lo_e, hi_e = rows[1][4], rows[1][5]
    icer = est[0] / est[1] if est[1] != 0 else np.nan
    if lo_e > 0 or hi_e < 0:
        ilo, ihi = np.nanquantile(ratio, [a, 1 - a])
    else:
        ilo = ihi = np.nan  # ΔE interval includes zero: no meaningful ratio interval
    rows.append(("icer", icer, np.nan, np.nan, ilo, ihi))
    t = pd.DataFrame(rows, columns=["quantity", "estimate", "se_model", "se_boot", "ci_low",
                                    "ci_high"])
    t["ci_method"] = "percentile"
    t["level"] = level
    t["B"] = B
    t["n_HB"] = int((strata == 0).sum())
    t["n_Verrokki"] = int((strata == 1).sum())
    t["estimator"] = "sur"
    t["covariates"] = ",".join(covariates)
    t["sign_convention"] = SIGN_CONVENTION
    return SURResult(t, reps, B, level, tuple(covariates))
