"""Sensitivity of an OLS coefficient to unmeasured confounding (Cinelli & Hazlett 2020).

How strong a confounder left out of the model would have to be to explain an estimate away:
Cinelli & Hazlett ("Making sense of sensitivity:
extending omitted variable bias", JRSS B 82:39-67, 2020) answer it for an OLS coefficient from
its t-value and residual degrees of freedom alone, with classical (not cluster-robust) standard
errors, as that method is defined:

* partial R² of the treatment with the outcome, ``R²_{Y~D|X} = t² / (t² + df)``;
* the robustness value ``RV_q``: the share of the residual variance of *both* treatment and
  outcome a confounder must explain to move the estimate by ``q`` × 100 % (q = 1: to zero),
  ``RV_q = ½(√(f_q⁴ + 4f_q²) − f_q²)`` with ``f_q = q|t|/√df``;
* ``RV_{q,α}``: the same for the interval to reach the shifted value (for q = 1, for the effect
  to stop being significant at level α), with ``f* = |t*_{α/2, df−1}| / √(df − 1)`` and
  ``f_{q,α} = f_q − f*``: 0 when ``f_{q,α} ≤ 0``, ``(f_q² − f*²)/(1 + f_q²)`` when
  ``f_q > 1/f*``, else ``½(√(f_{q,α}⁴ + 4f_{q,α}²) − f_{q,α}²)`` (R sensemakr's case split);
* bounds from an observed covariate ``X_j`` (their section 6.2): a confounder ``k`` times as
  strong as ``X_j`` in explaining treatment and outcome has at most
  ``R²_{D~Z|X} = k·R²_{D~Xj|X−j} / (1 − R²_{D~Xj|X−j})`` and
  ``R²_{Y~Z|X,D} = ((√k + √r)/√(1 − r))² · R²_{Y~Xj|X−j,D} / (1 − R²_{Y~Xj|X−j,D})`` with
  ``r = k·R²_{D~Xj|X−j}² / ((1 − k·R²_{D~Xj|X−j})(1 − R²_{D~Xj|X−j}))`` (capped at 1), and
  the estimate adjusted for it is ``β̂ − sign(β̂)·se·√(df · R²_{Y~Z|X,D} R²_{D~Z|X} /
  (1 − R²_{D~Z|X}))`` with standard error ``se·√((1 − R²_{Y~Z|X,D})/(1 − R²_{D~Z|X}) ·
  df/(df − 1))``.

The numbers agree with R's ``sensemakr`` on its Darfur example (tested). PySensemakr (PyPI)
implements the same formulas but is an alpha release that exits the interpreter on bad input
and pulls in the whole Jupyter stack, so the formulas are written out here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import HbEvalError
from ..support.values import plain_value

__all__ = ["partial_r2", "robustness_value", "bias", "adjusted_estimate", "adjusted_se",
           "benchmark_bounds", "ols_sensitivity", "ConfoundingResult", "DEFAULT_K"]

DEFAULT_K = (1.0, 2.0, 3.0)


# -- the formulas (numpy, vectorised) -----------------------------------------------------------
def partial_r2(t: Any, df: float) -> Any:
    """Partial R² of a regressor with the outcome from its t-value: ``t² / (t² + df)``."""
    t2 = np.square(np.asarray(t, float))
    return t2 / (t2 + df)


def robustness_value(t: Any, df: float, q: float = 1.0, alpha: float | None = None) -> Any:
    """Robustness value ``RV_q`` (``alpha=None``) or ``RV_{q,α}`` of Cinelli & Hazlett (2020).

    Parameters
    ----------
    t
        t-value(s) of the treatment coefficient (classical OLS).
    df
        Residual degrees of freedom of the regression.
    q
        Share of the estimate to explain away (1: bring it to zero).
    alpha
        Significance level; None gives the point-estimate robustness value.

    Returns
    -------
    float or ndarray
        The share (0–1) of residual variance of both treatment and outcome a confounder must
        explain.
    """
    fq = q * np.abs(np.asarray(t, float)) / np.sqrt(df)
    if alpha is None:
        return 0.5 * (np.sqrt(fq ** 4 + 4 * fq ** 2) - fq ** 2)
    f_crit = abs(stats.t.ppf(alpha / 2, df - 1)) / np.sqrt(df - 1)
    fqa = fq - f_crit
    binding = 0.5 * (np.sqrt(fqa ** 4 + 4 * fqa ** 2) - fqa ** 2)
    not_binding = (fq ** 2 - f_crit ** 2) / (1 + fq ** 2)
    return np.where(fqa <= 0, 0.0, np.where(fq > 1 / f_crit, not_binding, binding))


def bias(se: float, df: float, r2dz_x: Any, r2yz_dx: Any) -> Any:
    """Size of the omitted-variable bias for a confounder with the given partial R² values."""
    r2dz_x, r2yz_dx = np.asarray(r2dz_x, float), np.asarray(r2yz_dx, float)
    return se * np.sqrt(r2yz_dx * r2dz_x / (1 - r2dz_x)) * np.sqrt(df)


def adjusted_estimate(estimate: float, se: float, df: float, r2dz_x: Any, r2yz_dx: Any,
                      reduce: bool = True) -> Any:
    """The estimate after removing the bias of such a confounder (towards zero by default)."""
    b = bias(se, df, r2dz_x, r2yz_dx)
    direction = -np.sign(estimate) if reduce else np.sign(estimate)
    return estimate + direction * b


def adjusted_se(se: float, df: float, r2dz_x: Any, r2yz_dx: Any) -> Any:
    """The standard error the regression would have with the confounder included."""
    r2dz_x, r2yz_dx = np.asarray(r2dz_x, float), np.asarray(r2yz_dx, float)
    return se * np.sqrt((1 - r2yz_dx) / (1 - r2dz_x) * df / (df - 1))


def benchmark_bounds(r2dxj_x: float, r2yxj_dx: float, kd: Any,
                     ky: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds on a confounder ``kd`` (``ky``) times as strong as an observed covariate.

    Parameters
    ----------
    r2dxj_x
        Partial R² of the covariate (set) with the treatment, given the other covariates.
    r2yxj_dx
        Partial R² of the covariate (set) with the outcome, given treatment and the others.
    kd, ky
        Multiples of the covariate's strength with treatment and with outcome (``ky`` = ``kd``
        when None).

    Returns
    -------
    tuple of ndarray
        ``r2dz_x``, ``r2yz_dx`` (capped at 1) and a boolean ``possible``: False where the
        multiple is impossible (the implied ``r2dz_x`` or the confounder's partial R² with the
        covariate reach 1); those entries are NaN.
    """
    kd = np.atleast_1d(np.asarray(kd, float))
    ky = kd if ky is None else np.atleast_1d(np.asarray(ky, float))
    r2dz_x = kd * r2dxj_x / (1 - r2dxj_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2zxj_xd = kd * r2dxj_x ** 2 / ((1 - kd * r2dxj_x) * (1 - r2dxj_x))
        r2yz_dx = ((np.sqrt(ky) + np.sqrt(r2zxj_xd)) / np.sqrt(1 - r2zxj_xd)) ** 2 \
            * r2yxj_dx / (1 - r2yxj_dx)
    possible = (r2dz_x < 1) & (r2zxj_xd >= 0) & (r2zxj_xd < 1)
    r2dz_x = np.where(possible, r2dz_x, np.nan)
    r2yz_dx = np.where(possible, np.minimum(r2yz_dx, 1.0), np.nan)
    return r2dz_x, r2yz_dx, possible


# -- the regression -----------------------------------------------------------------------------
def _rss(y: np.ndarray, X: np.ndarray) -> tuple[float, int]:
    """Residual sum of squares and rank of an OLS fit."""
    beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    return float(r @ r), int(rank)


def _set_partial_r2(y: np.ndarray, X: pd.DataFrame, columns: Sequence[str]) -> float:
    """Partial R² of a set of columns of ``X`` with ``y``: ``1 − RSS_full / RSS_without``."""
    full, _ = _rss(y, X.to_numpy(float))
    reduced, _ = _rss(y, X.drop(columns=list(columns)).to_numpy(float))
    return 1 - full / reduced if reduced > 0 else np.nan


@dataclass
class ConfoundingResult:
    """Result of :func:`ols_sensitivity` / :func:`confounding_sensitivity`.

    ``benchmarks`` has one row per benchmark × k: covariate, k, n_columns, r2dxj_x, r2yxj_dx,
    r2dz_x, r2yz_dx, adjusted_estimate, adjusted_se, adjusted_t, note.
    """

    outcome: str | None
    treatment: str
    estimate: float
    se: float
    t: float
    df: float
    n: dict[str, int]
    covariates: tuple[str, ...]
    q: float
    alpha: float
    partial_r2: float
    rv_q: float
    rv_qa: float
    benchmarks: pd.DataFrame
    se_type: str = "OLS"
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The benchmark bounds (one row per benchmark × k) with the model's numbers beside."""
        return self.benchmarks.assign(outcome=self.outcome, estimate=self.estimate, se=self.se,
                                      t=self.t, df=self.df, se_type=self.se_type)

    def summary(self) -> str:
        """The result in a few lines of text."""
        lines = [
            f"Sensitivity to unmeasured confounding (Cinelli & Hazlett 2020), "
            f"{self.outcome or 'outcome'}",
            f"  {self.treatment}: estimate {self.estimate:.4f}, se {self.se:.4f} "
            f"({self.se_type}), t {self.t:.3f}, df {self.df:g}; n "
            + ", ".join(f"{k} {v}" for k, v in self.n.items()),
            f"  partial R² of {self.treatment} with the outcome: {self.partial_r2:.2%}",
            f"  robustness value RV(q={self.q:g}): {self.rv_q:.2%}; "
            f"RV(q={self.q:g}, alpha={self.alpha:g}): {self.rv_qa:.2%}",
        ]
        for _, r in self.benchmarks.iterrows():
            lines.append(f"  {r['k']:g}x {r['covariate']}: R²(D~Z|X) {r['r2dz_x']:.4f}, "
                         f"R²(Y~Z|X,D) {r['r2yz_dx']:.4f}, adjusted estimate "
                         f"{r['adjusted_estimate']:.4f}" + (f" ({r['note']})" if r["note"]
                                                            else ""))
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def to_results(self) -> dict[str, Any]:
        """The results.json ``sensitivity.confounding`` block (plain values, NaN → None).

        Keys: outcome, estimate, se, t, df, partial_r2, rv_q1, rv_q1_alpha05, benchmarks[]
        (covariate, k, r2dz_x, r2yz_dx, adjusted_estimate, plus adjusted_se, adjusted_t and a
        note), and the stated extras treatment, se_type, covariates, n, q, alpha.
        """
        keys = ("covariate", "k", "r2dz_x", "r2yz_dx", "adjusted_estimate", "adjusted_se",
                "adjusted_t", "note")
        bench = [{k: plain_value(r[k]) for k in keys} for _, r in self.benchmarks.iterrows()]
        for b in bench:
            b["note"] = b["note"] or None
        return {
            "outcome": self.outcome, "treatment": self.treatment,
            "estimate": plain_value(self.estimate), "se": plain_value(self.se),
            "t": plain_value(self.t), "df": plain_value(self.df), "se_type": self.se_type,
            "partial_r2": plain_value(self.partial_r2), "rv_q1": plain_value(self.rv_q),
            "rv_q1_alpha05": plain_value(self.rv_qa), "q": self.q, "alpha": self.alpha,
            "covariates": list(self.covariates), "n": dict(self.n), "benchmarks": bench,
        }

    def contour_grid(self, lim: float | None = None, n: int = 101) -> pd.DataFrame:
        """Adjusted estimates over a grid of confounder strengths, for the contour plot.

        Parameters
        ----------
        lim
            Upper end of both axes; default max(0.4, 1.25 × the largest benchmark bound),
            at most 0.99.
        n
            Grid points per axis.

        Returns
        -------
        DataFrame
            r2dz_x, r2yz_dx, adjusted_estimate (n × n rows, r2dz_x varying fastest).
        """
        if lim is None:
            top = np.nanmax(self.benchmarks[["r2dz_x", "r2yz_dx"]].to_numpy(float),
                            initial=0.0)
            lim = min(0.99, max(0.4, 1.25 * top))
        g = np.linspace(0.0, lim, n)
        dz, yz = np.meshgrid(g, g)
        adj = adjusted_estimate(self.estimate, self.se, self.df, dz, yz)
        return pd.DataFrame({"r2dz_x": dz.ravel(), "r2yz_dx": yz.ravel(),
                             "adjusted_estimate": adj.ravel()})


def ols_sensitivity(y: Any, X: pd.DataFrame, treatment: str,
                    benchmarks: Mapping[str, Sequence[str]] | None = None,
                    k: Iterable[float] = DEFAULT_K, q: float = 1.0, alpha: float = 0.05,
                    outcome: str | None = None, n: Mapping[str, int] | None = None,
                    covariates: Iterable[str] | None = None) -> ConfoundingResult:
    """Cinelli & Hazlett's sensitivity statistics and benchmark bounds for one OLS coefficient.

    Parameters
    ----------
    y
        The outcome.
    X
        Design matrix with an intercept column, the ``treatment`` column and the covariates.
    treatment
        Column of ``X`` whose coefficient is studied.
    benchmarks
        Benchmark name → the columns of ``X`` that make it up (several columns: taken jointly,
        their partial R² is that of the set).
    k
        Multiples of each benchmark's strength (the same for treatment and outcome).
    q, alpha
        Share of the estimate to explain away and the significance level of ``RV_{q,α}``.
    outcome, n, covariates
        Labels carried into the result (``n``: clients per arm; ``covariates``: default the
        columns of ``X`` other than the treatment and a column named ``const``).

    Returns
    -------
    ConfoundingResult
    """
    y = np.asarray(y, float)
    X, dropped = _drop_aliased(X, treatment)
    Xa = X.to_numpy(float)
    beta, _, rank, _ = np.linalg.lstsq(Xa, y, rcond=None)
    df = float(len(y) - rank)
    if df < 2:
        raise HbEvalError(f"the sensitivity regression has {df:g} residual degrees of freedom "
                          "(at least 2 needed)")
    resid = y - Xa @ beta
    sigma2 = resid @ resid / df
    j = list(X.columns).index(treatment)
    xtx_inv = np.linalg.inv(Xa.T @ Xa)
    est = float(beta[j])
    se = float(np.sqrt(sigma2 * xtx_inv[j, j]))
    t = est / se
    k = np.asarray(tuple(k), float)
    rows = []
    d = X[treatment].to_numpy(float)
    Xd = X.drop(columns=treatment)
    for name, cols in (benchmarks or {}).items():
        cols = [c for c in cols if c in X.columns]
        base = {"covariate": name, "n_columns": len(cols)}
        if not cols:
            rows.extend({**base, "k": kk, "note": "not estimable: the covariate is constant in "
                         "the sample"} for kk in k)
            continue
        r2d = _set_partial_r2(d, Xd, cols)
        r2y = _set_partial_r2(y, X, cols)
        r2dz, r2yz, ok = benchmark_bounds(r2d, r2y, k)
        adj = adjusted_estimate(est, se, df, r2dz, r2yz)
        adj_se = adjusted_se(se, df, r2dz, r2yz)
        with np.errstate(divide="ignore", invalid="ignore"):
            adj_t = np.where(adj_se > 0, adj / adj_se, np.nan)
        for i, kk in enumerate(k):
            note = ("" if r2yz[i] < 1 else "the bound on R²(Y~Z|X,D) is capped at 1 (the "
                    "adjusted t is undefined)") if ok[i] else (
                "not estimable: a confounder this many times as strong is impossible (its "
                "partial R² would reach 1)")
            rows.append({**base, "k": kk, "r2dxj_x": r2d, "r2yxj_dx": r2y, "r2dz_x": r2dz[i],
                         "r2yz_dx": r2yz[i], "adjusted_estimate": adj[i],
                         "adjusted_se": adj_se[i], "adjusted_t": adj_t[i], "note": note})
    cols = ["covariate", "k", "n_columns", "r2dxj_x", "r2yxj_dx", "r2dz_x", "r2yz_dx",
            "adjusted_estimate", "adjusted_se", "adjusted_t", "note"]
    bench = pd.DataFrame(rows).reindex(columns=cols)
    bench["note"] = bench["note"].fillna("").astype(str)
    return ConfoundingResult(
        outcome=outcome, treatment=treatment, estimate=est, se=se, t=t, df=df,
        n=dict(n) if n is not None else {"total": int(len(y))},
        covariates=tuple(covariates) if covariates is not None else
        tuple(c for c in X.columns if c not in (treatment, "const")), q=float(q),
        alpha=float(alpha), partial_r2=float(partial_r2(t, df)),
        rv_q=float(robustness_value(t, df, q)), rv_qa=float(robustness_value(t, df, q, alpha)),
        benchmarks=bench,
        notes=[f"left out as collinear with earlier columns (as R's lm does): "
               f"{', '.join(dropped)}"] if dropped else [])


def _drop_aliased(X: pd.DataFrame, treatment: str, tol: float = 1e-7
                  ) -> tuple[pd.DataFrame, list[str]]:
    """Leave out columns that are linear combinations of earlier ones (R's ``lm`` tolerance).

    Raises
    ------
    HbEvalError
        When the treatment itself is collinear with the columns before it (not identified).
    """
    A = X.to_numpy(float)
    Q = np.empty_like(A)
    k = 0
    dropped = []
    for j, name in enumerate(X.columns):  # Gram-Schmidt over the columns, in order
        col = A[:, j]
        v = col - Q[:, :k] @ (Q[:, :k].T @ col)
        v -= Q[:, :k] @ (Q[:, :k].T @ v)      # twice is enough (Kahan)
        size = np.linalg.norm(v)
        if size <= tol * max(np.linalg.norm(col), np.finfo(float).tiny):
            dropped.append(name)
        else:
            Q[:, k] = v / size
            k += 1
    if treatment in dropped:
        raise HbEvalError(f"{treatment} is collinear with the covariates: its effect is not "
                          "identified")
    return X.drop(columns=dropped), dropped
