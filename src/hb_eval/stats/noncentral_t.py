"""Confidence limits for the noncentrality parameter of an observed t, at any t and df.

The limits (Steiger & Fouladi 1997) solve ``P(T <= t; df, lam) = 1 - a/2`` (lower) and
``= a/2`` (upper) for ``lam``, T noncentral t. Writing ``T = (Z + lam) / S`` with ``Z`` standard
normal and ``S = sqrt(chi2_df / df)`` independent, ``P(T <= t) = P(Y >= lam)`` for
``Y = t S - Z`` (t >= 0), so the limits are the ``a/2`` and ``1 - a/2`` quantiles of Y.

Two ways of computing them, named in ``ci_method``:

* ``"ncp"``: scipy's noncentral t (``scipy.stats.nct.cdf``) inverted by Brent's method (a few
  values) or vectorised bisection (many): used while ``|t| <= NCT_T_MAX`` and
  ``df <= NCT_DF_MAX``, where it agrees with the quadrature below to 1e-10.
* ``"ncp_quadrature"``: elsewhere, and wherever scipy returns NaN. Beyond that region scipy's
  ``nct`` loses accuracy (errors of 1e-7 in the cdf at t = 10^4, NaN at t = 10^5 for any df
  and from df = 2000 at t = 30). The cdf of Y is then an expectation
  over one normal variable computed by 128-point Gauss-Hermite quadrature:
  ``E_Z[F_S((y + Z) / t)]`` when ``t / sqrt(2 df) >= 1`` (S varies more than Z), else
  ``E_U[Phi(y - t g(U))]`` with ``S = g(U)`` the chi quantile of a standard normal U. Both
  integrands are smooth in their regime, so the quadrature is accurate to about 1e-12
  (checked against adaptive quadrature and against scipy where scipy is accurate).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special, stats

__all__ = ["ncp_limits", "NCT_T_MAX", "NCT_DF_MAX"]

#: Where scipy's ``nct`` is used: ``|t| <= NCT_T_MAX`` and ``df <= NCT_DF_MAX`` (there it agrees with the
#: quadrature to 1e-10; it returns NaN from df = 2000 with t = 30 and at t = 10^5 for any df).
NCT_T_MAX = 50.0
NCT_DF_MAX = 1000.0

_GH_NODES, _GH_WEIGHTS = special.roots_hermitenorm(128)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()
_GL_NODES, _GL_WEIGHTS = special.roots_legendre(256)
#: |z| beyond which the normal density is neglected (mass below 1e-32)
_Z_MAX = 12.0


def _cdf_y(y: np.ndarray, t: np.ndarray, df: np.ndarray, g: np.ndarray,
           over_z: np.ndarray) -> np.ndarray:
    """P(t S - Z <= y) for t > 0 (1-D arrays); ``g``: S at the nodes (rows), ``over_z``: regime."""
    out = np.empty(len(y))
    if over_z.any():
        # Gauss-Legendre over z in (-y, Z_MAX): below -y, S <= (y + z) / t < 0 is impossible;
        # cutting there keeps the kink of F_S at 0 out of the integrand
        yy, tt, dd = y[over_z, None], t[over_z, None], df[over_z, None]
        a = np.clip(-yy, -_Z_MAX, _Z_MAX)
        half = (_Z_MAX - a) / 2
        z = a + half * (1 + _GL_NODES[None, :])
        s = (yy + z) / tt
        f = stats.norm.pdf(z) * stats.chi2.cdf(dd * s * s, dd)
        out[over_z] = half[:, 0] * (f @ _GL_WEIGHTS)
    if (~over_z).any():
        yy, tt = y[~over_z, None], t[~over_z, None]
        out[~over_z] = special.ndtr(yy - tt * g[~over_z]) @ _GH_WEIGHTS
    return out


def _quadrature_limits(t: np.ndarray, df: np.ndarray, probs: tuple[float, ...]
                       ) -> list[np.ndarray]:
    """Quantiles ``probs`` of Y = t S - Z for t > 0 (1-D arrays), by bisection on the
    quadrature cdf."""
    over_z = t / np.sqrt(2 * df) >= 1.0
    z = _GH_NODES[None, :]  # S = g(U) at the Gauss-Hermite nodes, for the other regime
    dd = df[:, None]
    # S at the normal nodes (chi quantiles through the tail that keeps precision)
    v = np.where(z > 0, stats.chi2.isf(special.ndtr(-z), dd), stats.chi2.ppf(special.ndtr(z), dd))
    g = np.sqrt(v / dd)
    out = []
    for p in probs:
        # P(Y <= lo) <= p/2 + P(Z > 10) < p and P(Y <= hi) > p, so [lo, hi] holds the quantile
        lo = t * np.sqrt(stats.chi2.ppf(p / 2, df) / df) - 10.0
        hi = t * np.sqrt(stats.chi2.isf((1 - p) / 2, df) / df) + 10.0
        for _ in range(200):
            mid = (lo + hi) / 2
            below = _cdf_y(mid, t, df, g, over_z) < p
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
            if np.all(hi - lo <= 1e-13 * np.maximum(1.0, np.abs(mid))):
                break
        out.append((lo + hi) / 2)
    return out


def _scipy_limits(t: np.ndarray, df: np.ndarray, a: float) -> list[np.ndarray]:
    """Limits by inverting ``scipy.stats.nct.cdf`` (1-D arrays of finite t, df); NaN where
    scipy returned NaN on the way (the caller then uses the quadrature)."""
    out = []
    with np.errstate(invalid="ignore"):
        for target in (1 - a / 2, a / 2):
            f = lambda lam: stats.nct.cdf(t, df, lam) - target  # noqa: E731  decreasing in lam
            width = 2.0 + np.abs(t)
            lo, hi = t - width, t + width
            failed = np.zeros(t.shape, dtype=bool)
            for _ in range(60):  # widen until every bracket holds the root
                f_lo, f_hi = f(lo), f(hi)
                failed |= np.isnan(f_lo) | np.isnan(f_hi)
                bad_lo, bad_hi = f_lo < 0, f_hi > 0
                if not (bad_lo.any() or bad_hi.any()):
                    break
                width = np.where(bad_lo | bad_hi, width * 2, width)
                lo = np.where(bad_lo, t - width, lo)
                hi = np.where(bad_hi, t + width, hi)
            if t.size <= 16:  # a few values: Brent's method on each is far cheaper
                lim = np.array([_brent(ti, di, target, l_, h_) if not bad else np.nan
                                for ti, di, l_, h_, bad in zip(t, df, lo, hi, failed)])
            else:
                while np.max(np.where(np.isfinite(hi - lo), hi - lo, 0.0)) > 1e-10:  # bisection
                    mid = (lo + hi) / 2
                    f_mid = f(mid)
                    failed |= np.isnan(f_mid)
                    pos = f_mid > 0
                    lo = np.where(pos, mid, lo)
                    hi = np.where(pos, hi, mid)
                lim = np.where(failed, np.nan, (lo + hi) / 2)
            out.append(lim)
    return out


def _brent(t: float, df: float, target: float, lo: float, hi: float) -> float:
    try:
        return optimize.brentq(lambda lam: stats.nct.cdf(t, df, lam) - target, lo, hi,
                               xtol=1e-12)
    except ValueError:  # scipy's nct gave NaN inside the bracket
        return float("nan")


def ncp_limits(t: Any, df: Any, confidence: float = 0.95
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence limits for the noncentrality parameter of observed t statistics (vectorised).

    Parameters
    ----------
    t, df
        Observed t statistic(s) and degrees of freedom (broadcast together; df > 0).
    confidence
        Coverage.

    Returns
    -------
    (lower, upper, method)
        Arrays of noncentrality limits (NaN where t or df is not finite or df <= 0; divide by
        sqrt(n) for a one-sample / paired d) and, per value, how they were computed:
        ``"ncp"`` (scipy's noncentral t), ``"ncp_quadrature"`` (large ``|t|``; see the module
        notes) or ``"none"``.
    """
    t, df = np.broadcast_arrays(np.asarray(t, float), np.asarray(df, float))
    shape = t.shape
    t, df = t.ravel(), df.ravel()
    a = 1 - confidence
    lo = np.full(t.shape, np.nan)
    hi = np.full(t.shape, np.nan)
    method = np.full(t.shape, "none", dtype=object)
    ok = np.isfinite(t) & np.isfinite(df) & (df > 0)
    small = ok & (np.abs(t) <= NCT_T_MAX) & (df <= NCT_DF_MAX)
    if small.any():
        lo[small], hi[small] = _scipy_limits(t[small], df[small], a)
        method[small] = "ncp"
    big = ok & ~(small & np.isfinite(lo) & np.isfinite(hi))
    if big.any():
        at = np.abs(t[big])
        q_lo, q_hi = _quadrature_limits(at, df[big], (a / 2, 1 - a / 2))
        neg = t[big] < 0  # T -> -T, lam -> -lam: the limits of -t are minus those of t, swapped
        lo[big] = np.where(neg, -q_hi, q_lo)
        hi[big] = np.where(neg, -q_lo, q_hi)
        method[big] = "ncp_quadrature"
    return lo.reshape(shape), hi.reshape(shape), method.reshape(shape)
