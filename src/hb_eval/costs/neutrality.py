"""Cost neutrality of HB: non-inferiority and equivalence of ΔC against a margin δ.

Personal budgets are meant to be cost-neutral, with a reserve of
δ = ``analysis.cost_margin`` euros per client over the client-ship (default 2,000 €, set for the
organiser perspective). Everything comes from the CEA bootstrap (:func:`hb_eval.costs.cea.run_cea`):
its replicates of ΔC (HB minus Verrokki) and its jackknife values.

* ``upper_95``: the one-sided 95 % upper bound of ΔC, i.e. the upper end of the **BCa** interval
  at 90 % two-sided (``lower_95`` the lower end). ``noninferior`` is ``upper_95 < margin``.
* ``p_noninferiority``: the p-value of H0 ΔC ≥ δ against H1 ΔC < δ, obtained by **inverting the
  BCa interval**: the one-sided level 1 − p at which the BCa upper bound equals δ. With
  F̂(δ) the share of replicates below δ (ties counted half; kept within [1/(2B), 1 − 1/(2B)]),
  z0 and a the BCa bias correction and acceleration, w = Φ⁻¹(F̂(δ)) − z0 and
  z = w / (1 + a·w) − z0, p = 1 − Φ(z). So ``p_noninferiority < 0.05`` agrees with
  ``upper_95 < margin`` (up to the interpolation between replicates), and with a = z0 = 0 it is
  the share of replicates at or above δ (the percentile bootstrap p-value).
* TOST (two one-sided tests) for equivalence within ±δ: ``p_lower`` for H0 ΔC ≤ −δ (the same
  inversion at −δ, lower side), ``p_upper`` = ``p_noninferiority``; ``tost_p`` = max of the two
  and ``equivalent`` is ``tost_p < 0.05`` (the same as the 90 % BCa interval lying inside
  (−δ, δ)).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import HbEvalError
from ..support.values import plain_value
from ..stats.bootstrap import bca_interval

__all__ = ["CostNeutrality", "cost_neutrality", "bca_pvalue", "ALPHA"]

#: one-sided level of the non-inferiority and TOST tests
ALPHA = 0.05


def _bca_constants(theta_hat: float, reps: np.ndarray, jack: np.ndarray) -> tuple[float, float]:
    """z0 and a of the BCa interval, as :func:`hb_eval.stats.bootstrap.bca_interval` has them."""
    B = reps.size
    below = (reps < theta_hat).sum() + 0.5 * (reps == theta_hat).sum()
    z0 = float(ndtri(below / B))
    d = np.nanmean(jack) - jack
    den = 6 * ((d ** 2).sum()) ** 1.5
    a = float((d ** 3).sum() / den) if den > 0 else 0.0
    return z0, (a if np.isfinite(a) else 0.0)


def bca_pvalue(theta_hat: float, reps: np.ndarray, jack: np.ndarray, value: float,
               side: str) -> float:
    """One-sided p-value by inverting the BCa interval at ``value`` (see the module notes).

    Parameters
    ----------
    theta_hat
        The estimate.
    reps, jack
        Bootstrap replicates and jackknife (delete-one) values of the estimate.
    value
        The boundary of the null hypothesis.
    side
        ``"upper"``: H0 θ ≥ value (small p when the replicates lie below it);
        ``"lower"``: H0 θ ≤ value (small p when they lie above it).

    Returns
    -------
    float
        NaN when the replicates are all equal (z0 undefined).
    """
    reps = np.asarray(reps, dtype=float)
    B = reps.size
    z0, a = _bca_constants(theta_hat, reps, np.asarray(jack, dtype=float))
    if not np.isfinite(z0):
        return float("nan")
    f = ((reps < value).sum() + 0.5 * (reps == value).sum()) / B
    f = min(max(f, 0.5 / B), 1 - 0.5 / B)
    w = ndtri(f) - z0
    z = w / (1 + a * w) - z0
    return float(1 - ndtr(z)) if side == "upper" else float(ndtr(z))


@dataclass
class CostNeutrality:
    """Result of :func:`cost_neutrality` (sign convention HB minus Verrokki)."""

    perspective: str
    margin: float
    delta_cost: float
    lower_95: float
    upper_95: float
    p_noninferiority: float
    p_lower: float
    B: int
    n_HB: int
    n_Verrokki: int

    @property
    def noninferior(self) -> bool | None:
        """Non-inferiority: ``upper_95`` < margin (None when not estimable)."""
        return None if not np.isfinite(self.upper_95) else bool(self.upper_95 < self.margin)

    @property
    def tost_p(self) -> float:
        """The TOST p-value of equivalence: the larger of the two one-sided p-values."""
        return float(max(self.p_lower, self.p_noninferiority))

    @property
    def equivalent(self) -> bool | None:
        """Equivalence within ±margin: ``tost_p`` < 0.05 (None when not estimable)."""
        return None if not np.isfinite(self.tost_p) else bool(self.tost_p < ALPHA)

    def summary(self) -> str:
        """The result in one sentence."""
        return (f"Cost neutrality ({self.perspective}): ΔC = {self.delta_cost:,.0f} €, one-sided "
                f"95 % upper bound (BCa) {self.upper_95:,.0f} € against the margin "
                f"{self.margin:,.0f} €: {'non-inferior' if self.noninferior else 'not shown'} "
                f"(p = {self.p_noninferiority:.3f}); TOST within ±{self.margin:,.0f} €: "
                f"{'equivalent' if self.equivalent else 'not shown'} (p = {self.tost_p:.3f})")

    def to_results(self) -> dict[str, Any]:
        """The ``cea.<perspective>.cost_neutrality`` block (margin, upper_95, p_noninferiority,
        noninferior, tost_p, equivalent), plus stated extras."""
        return {
            "margin": plain_value(self.margin), "upper_95": plain_value(self.upper_95),
            "p_noninferiority": plain_value(self.p_noninferiority),
            "noninferior": self.noninferior, "tost_p": plain_value(self.tost_p),
            "equivalent": self.equivalent,
            # extras (stated)
            "lower_95": plain_value(self.lower_95), "p_lower": plain_value(self.p_lower),
            "delta_cost": plain_value(self.delta_cost), "alpha": ALPHA,
            "ci_method": "bca", "p_method": "bca_inverted", "bootstrap_reps": self.B,
            "n": {"HB": self.n_HB, "Verrokki": self.n_Verrokki},
            "sign_convention": "HB minus Verrokki",
        }


def cost_neutrality(cea: Any, margin: float) -> CostNeutrality:
    """Non-inferiority and TOST equivalence of ΔC within ``margin`` from a CEA bootstrap.

    Parameters
    ----------
    cea
        A :class:`~hb_eval.costs.cea.CEAResult` (its ΔC replicates and jackknife values).
    margin
        δ in euros per client over the client-ship (``analysis.cost_margin``), positive.

    Returns
    -------
    CostNeutrality
    """
    if not margin > 0:
        raise HbEvalError("the cost margin must be positive (euros per client)")
    jack = (getattr(cea, "extra", None) or {}).get("jackknife")
    if jack is None:
        raise HbEvalError("the CEA result carries no jackknife values: rerun run_cea")
    reps = np.asarray(cea.reps, dtype=float)[:, 0]
    jc = np.asarray(jack, dtype=float)[:, 0]
    dc = float(cea.delta_cost)
    lo, hi = bca_interval(np.array([dc]), reps[:, None], jc[:, None], 1 - 2 * ALPHA)
    return CostNeutrality(
        perspective=str(cea.perspective), margin=float(margin), delta_cost=dc,
        lower_95=float(lo[0]), upper_95=float(hi[0]),
        p_noninferiority=bca_pvalue(dc, reps, jc, float(margin), "upper"),
        p_lower=bca_pvalue(dc, reps, jc, -float(margin), "lower"),
        B=int(reps.size), n_HB=int(cea.n_HB), n_Verrokki=int(cea.n_Verrokki))
