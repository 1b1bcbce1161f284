"""Planning the next phase: the effect a study of a given size could detect, and the size needed.

From this evaluation's data (the primary outcome's change score, alku → loppu):

* ``sd_change`` — the pooled within-arm standard deviation of the change score (the SD a
  two-sample t-test of the change uses);
* ``icc`` — the intra-class correlation of the change within workers, one-way ANOVA estimator
  ICC(1) for unequal cluster sizes on the change centred within arm (so the arm difference does
  not count as clustering), with the F-based confidence interval (Searle 1971; the interval of
  pingouin's ``ICC1`` for equal sizes, with the ANOVA's average cluster size ``n0`` otherwise);
* ``clients_per_worker`` — the mean number of analysed clients (baseline and end score) per
  worker, both arms together (conservative: workers here serve both arms);
* ``attrition`` — the share of clients with a baseline score and no end score (the total row of
  :func:`hb_eval.outcomes.comparability.attrition`; client-ships still ongoing count as lost).

The answer is the t-based two-sample one (the power of statsmodels' ``TTestIndPower``: equal
arms, two-sided, α = 0.05 and power 0.8 by default; :func:`t_power`, solved by Brent's method) with the design effect
``DE = 1 + (m − 1)·ICC`` (a negative ICC estimate counts as 0) and the retention
``1 − attrition``:

* clients to recruit per arm for a minimum detectable effect D: the t-test's n for
  ``D / sd_change`` × DE ÷ (1 − attrition), rounded up;
* minimum detectable effect for n recruited per arm: the t-test's detectable standardised effect
  at the effective n = n·(1 − attrition)/DE, times ``sd_change`` (score points); always the
  positive root of the power equation (:func:`detectable_d`), so the MDE is positive and falls
  as n grows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..config import PRIMARY
from ..errors import HbEvalError
from ..support.values import plain_value

__all__ = ["worker_icc", "pooled_sd", "t_power", "detectable_d", "mde_for_n", "n_for_mde", "plan_from_inputs",
           "plan_next_phase", "PlanResult", "REPORT_N_PER_ARM"]

#: Clients per arm shown in the report's planning section.
REPORT_N_PER_ARM = (50, 100, 200, 400)
ICC_METHOD = "anova_icc1_within_arm"


def pooled_sd(values: np.ndarray, arm: np.ndarray) -> float:
    """Pooled within-arm SD: ``sqrt(Σ_arms (n_a − 1)·s_a² / (N − arms))``."""
    v = pd.Series(np.asarray(values, float))
    g = v.groupby(np.asarray(arm))
    ss = float(((v - g.transform("mean")) ** 2).sum())
    dfree = len(v) - g.ngroups
    if dfree < 1:
        raise HbEvalError("the SD of the change needs at least 2 clients in an arm")
    return math.sqrt(ss / dfree)


def worker_icc(values: np.ndarray, clusters: np.ndarray, confidence: float = 0.95
               ) -> dict[str, float]:
    """One-way ANOVA intra-class correlation ICC(1) with its F-based confidence interval.

    Parameters
    ----------
    values
        One value per client (here the change centred within arm).
    clusters
        Cluster (worker) of each client.
    confidence
        Coverage of the interval.

    Returns
    -------
    dict
        icc, ci_low, ci_high, F, n0 (ANOVA average cluster size
        ``(N − Σ n_g² / N) / (G − 1)``), n_clusters, n.
    """
    v = pd.Series(np.asarray(values, float))
    g = v.groupby(np.asarray(clusters))
    sizes = g.size().to_numpy(float)
    G, N = len(sizes), float(sizes.sum())
    if G < 2 or N - G < 1:
        raise HbEvalError(f"the worker ICC needs at least 2 workers and a worker with 2 "
                          f"clients ({G} workers, {int(N)} clients)")
    means = g.transform("mean")
    msw = float(((v - means) ** 2).sum()) / (N - G)
    msb = float((sizes * (g.mean().to_numpy() - v.mean()) ** 2).sum()) / (G - 1)
    n0 = (N - (sizes ** 2).sum() / N) / (G - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    F = msb / msw
    a = 1 - confidence
    f_lo = F / stats.f.ppf(1 - a / 2, G - 1, N - G)
    f_hi = F * stats.f.ppf(1 - a / 2, N - G, G - 1)
    return {"icc": icc, "ci_low": (f_lo - 1) / (f_lo + n0 - 1),
            "ci_high": (f_hi - 1) / (f_hi + n0 - 1), "F": F, "n0": n0, "n_clusters": G,
            "n": int(N)}


def design_effect(icc: float, m: float) -> float:
    """``1 + (m − 1)·max(ICC, 0)``."""
    return 1.0 + (m - 1.0) * max(float(icc), 0.0)


def t_power(d: float, n_eff: float, alpha: float = 0.05) -> float:
    """Power of the two-sided two-sample t-test with ``n_eff`` clients per arm at effect ``d``.

    ``P(T' > q) + P(T' < -q)`` for the noncentral t with ``2 n_eff − 2`` df and noncentrality
    ``d·sqrt(n_eff/2)`` (what statsmodels' ``TTestIndPower().power`` computes). scipy answers
    NaN for the lower tail far out (e.g. d = 1 at 150 per arm), where it is below 1e-15: it
    counts as 0 there, so the power never turns NaN.
    """
    if d == 0.0:
        return float(alpha)
    df = 2.0 * n_eff - 2.0
    nc = abs(d) * math.sqrt(n_eff / 2.0)
    q = stats.t.ppf(1 - alpha / 2, df)
    lower = float(stats.nct.cdf(-q, df, nc))
    return float(stats.nct.sf(q, df, nc)) + (0.0 if math.isnan(lower) else lower)


def _positive_root(gap, what: str) -> float:
    """The root of an increasing ``gap`` on ``(0, ∞)`` with ``gap(0) < 0``: Brent's method."""
    from scipy.optimize import brentq

    hi = 1.0
    while gap(hi) < 0:           # widen until the root is inside
        hi *= 2.0
        if hi > 1e9:
            raise HbEvalError(f"no {what} found")
    return float(brentq(gap, 0.0, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))


def detectable_d(n_eff: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """The positive standardised effect a two-sample t-test with ``n_eff`` per arm detects.

    The root of ``t_power(d) = power`` on ``d > 0`` (Brent's method). statsmodels'
    ``solve_power`` for the effect size can land on the mirror root ``-d`` (e.g. at 451 clients
    per arm with this evaluation's demo inputs), so the search is bracketed on the positive side.
    """
    return _positive_root(lambda d: t_power(d, n_eff, alpha) - power,
                          f"detectable effect for {n_eff:g} effective clients per arm")


def mde_for_n(n_per_arm: float, sd: float, de: float, attrition: float, alpha: float = 0.05,
              power: float = 0.8) -> tuple[float, float, float]:
    """Minimum detectable effect (score points) for ``n_per_arm`` clients recruited per arm.

    Returns
    -------
    tuple
        ``(mde, mde_d, effective_per_arm)``; NaN effects when the effective n is below 2.
        The effect is the positive root (:func:`detectable_d`).
    """
    n_eff = n_per_arm * (1 - attrition) / de
    if n_eff < 2:
        return math.nan, math.nan, n_eff
    if not power > alpha:
        raise HbEvalError(f"power ({power}) must exceed alpha ({alpha})")
    d = detectable_d(float(n_eff), alpha, power)
    return d * sd, d, n_eff


def n_for_mde(mde: float, sd: float, de: float, attrition: float, alpha: float = 0.05,
              power: float = 0.8) -> tuple[int, float]:
    """Clients to recruit per arm to detect ``mde`` score points.

    Returns
    -------
    tuple
        ``(n_per_arm, n_per_arm_exact)``: rounded up, and the t-test's n × DE ÷ retention.
    """
    if not mde > 0:
        raise HbEvalError(f"the minimum detectable effect must be positive (got {mde})")
    d = float(mde / sd)
    # the t-test's n per arm (at least 2: one degree of freedom per arm) by the same power
    # function as the MDE, so n -> MDE -> n round-trips
    n_t = 2.0 + _positive_root(lambda x: t_power(d, 2.0 + x, alpha) - power,
                               f"sample size for the effect {mde:g}") \
        if t_power(d, 2.0, alpha) < power else 2.0
    exact = n_t * de / (1 - attrition)
    return int(math.ceil(exact - 1e-9)), exact


@dataclass
class PlanResult:
    """What a next study could detect; see the module notes for every definition."""

    outcome: str
    sd_change: float
    icc: float
    icc_ci: tuple[float, float]
    clients_per_worker: float
    attrition: float
    alpha: float
    power: float
    n: dict[str, int]
    n_workers: int
    rows: pd.DataFrame        # n_per_arm, effective_per_arm, mde, mde_d
    targets: pd.DataFrame     # mde, n_per_arm, n_per_arm_exact
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)

    @property
    def design_effect(self) -> float:
        """The design effect ``1 + (m − 1)·max(ICC, 0)`` of these inputs."""
        return design_effect(self.icc, self.clients_per_worker)

    def to_frame(self) -> pd.DataFrame:
        """The MDE rows (one per clients-per-arm value) with the inputs beside them."""
        return self.rows.assign(sd_change=self.sd_change, icc=self.icc,
                                clients_per_worker=self.clients_per_worker,
                                design_effect=self.design_effect, attrition=self.attrition,
                                alpha=self.alpha, power=self.power)

    def curve(self, n_max: int = 500, points: int = 50) -> pd.DataFrame:
        """MDE against clients recruited per arm (for the figure): n_per_arm, mde."""
        lo = max(20, int(math.ceil(2 * self.design_effect / (1 - self.attrition))) + 1)
        grid = np.unique(np.linspace(lo, max(n_max, lo + 1), points).round().astype(int))
        mdes = [mde_for_n(n, self.sd_change, self.design_effect, self.attrition, self.alpha,
                          self.power)[0] for n in grid]   # root-finding per grid point
        return pd.DataFrame({"n_per_arm": grid, "mde": mdes})

    def summary(self) -> str:
        """The planning table in a few lines of text."""
        lines = [
            f"Planning the next phase ({self.outcome}, change alku → loppu)",
            f"  SD of the change (pooled within arm): {self.sd_change:.3f} points; "
            f"n HB {self.n.get('HB')}, Verrokki {self.n.get('Verrokki')}",
            f"  worker ICC: {self.icc:.3f} ({self.confidence:.0%} CI {self.icc_ci[0]:.3f} to "
            f"{self.icc_ci[1]:.3f}; one-way ANOVA, {self.n_workers} workers)",
            f"  clients per worker: {self.clients_per_worker:.1f}; design effect "
            f"{self.design_effect:.2f}",
            f"  attrition alku → loppu: {self.attrition:.1%}",
            f"  alpha {self.alpha:g} (two-sided), power {self.power:g}",
            "",
            f"  {'clients per arm':>15}  {'effective n':>11}  {'MDE (points)':>12}  "
            f"{'MDE (SD)':>8}",
        ]
        for _, r in self.rows.iterrows():
            lines.append(f"  {int(r['n_per_arm']):>15}  {r['effective_per_arm']:>11.1f}  "
                         f"{r['mde']:>12.3f}  {r['mde_d']:>8.3f}")
        if len(self.targets):
            lines += ["", f"  {'MDE (points)':>12}  {'clients per arm':>15}"]
            for _, r in self.targets.iterrows():
                lines.append(f"  {r['mde']:>12.3f}  {int(r['n_per_arm']):>15}")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def to_results(self) -> dict[str, Any]:
        """The results.json ``plan`` block.

        Keys: sd_change, icc, icc_ci, clients_per_worker, attrition, alpha, power,
        rows[] ``{n_per_arm, mde}`` (plus effective_per_arm, mde_d), and the stated extras
        design_effect, icc_method, outcome, n, n_workers, targets[] ``{mde, n_per_arm}``.
        """
        return {
            "outcome": self.outcome, "sd_change": plain_value(self.sd_change),
            "icc": plain_value(self.icc), "icc_ci": [plain_value(v) for v in self.icc_ci],
            "icc_method": ICC_METHOD, "clients_per_worker": plain_value(self.clients_per_worker),
            "design_effect": plain_value(self.design_effect),
            "attrition": plain_value(self.attrition), "alpha": self.alpha, "power": self.power,
            "n": dict(self.n), "n_workers": int(self.n_workers),
            "rows": [{"n_per_arm": int(r.n_per_arm), "mde": plain_value(r.mde),
                      "effective_per_arm": plain_value(r.effective_per_arm),
                      "mde_d": plain_value(r.mde_d)} for r in self.rows.itertuples()],
            "targets": [{"mde": plain_value(r.mde), "n_per_arm": int(r.n_per_arm)}
                        for r in self.targets.itertuples()],
        }


def plan_from_inputs(sd_change: float, icc: float, clients_per_worker: float, attrition: float,
                     n_per_arm: Iterable[int] = REPORT_N_PER_ARM, mde: Iterable[float] = (),
                     alpha: float = 0.05, power: float = 0.8, *, icc_ci=(math.nan, math.nan),
                     outcome: str = PRIMARY, n: dict[str, int] | None = None,
                     n_workers: int = 0, confidence: float = 0.95) -> PlanResult:
    """The planning table from given inputs (e.g. another study's SD and ICC)."""
    if not 0 <= attrition < 1:
        raise HbEvalError(f"attrition must be in [0, 1) (got {attrition})")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise HbEvalError("alpha and power must be between 0 and 1")
    n_per_arm = tuple(n_per_arm)
    if any(k < 1 for k in n_per_arm):
        raise HbEvalError("clients per arm must be at least 1")
    de = design_effect(icc, clients_per_worker)
    rows = []
    for k in n_per_arm:
        m, d, ne = mde_for_n(float(k), sd_change, de, attrition, alpha, power)
        rows.append({"n_per_arm": int(k), "effective_per_arm": ne, "mde": m, "mde_d": d})
    targets = []
    for d in mde:
        k, exact = n_for_mde(float(d), sd_change, de, attrition, alpha, power)
        targets.append({"mde": float(d), "n_per_arm": k, "n_per_arm_exact": exact})
    notes = []
    if rows and any(math.isnan(r["mde"]) for r in rows):
        notes.append("MDE not estimable where the effective n per arm is below 2")
    if icc < 0:
        notes.append(f"the ICC estimate is negative ({icc:.3f}); the design effect uses 0")
    return PlanResult(
        outcome=outcome, sd_change=sd_change, icc=icc, icc_ci=tuple(icc_ci),
        clients_per_worker=clients_per_worker, attrition=attrition, alpha=alpha, power=power,
        n=dict(n or {}), n_workers=n_workers,
        rows=pd.DataFrame(rows, columns=["n_per_arm", "effective_per_arm", "mde", "mde_d"]),
        targets=pd.DataFrame(targets, columns=["mde", "n_per_arm", "n_per_arm_exact"]),
        confidence=confidence, notes=notes)


def plan_next_phase(scores: pd.DataFrame, clients: pd.DataFrame,
                    n_per_arm: Iterable[int] = REPORT_N_PER_ARM, mde: Iterable[float] = (),
                    alpha: float = 0.05, power: float = 0.8, outcome: str = PRIMARY,
                    cluster: str = "worker", confidence: float = 0.95, *,
                    change: pd.DataFrame | None = None,
                    attrition: pd.DataFrame | None = None) -> PlanResult:
    """The planning table from this evaluation's data.

    Parameters
    ----------
    scores, clients
        Long scores (:func:`hb_eval.outcomes.scores.score_all`) and the Dataset's ``clients``.
    n_per_arm
        Clients recruited per arm to give the minimum detectable effect for.
    mde
        Effects (score points) to give the clients per arm for.
    alpha, power
        Two-sided significance level and power.
    outcome
        The outcome (default the primary one).
    cluster
        Cluster column of the ICC and of the clients per cluster (``worker``).
    confidence
        Coverage of the ICC interval.
    change, attrition
        The outcome's complete-case change frame (``change_frame(scores, clients, outcome)``)
        and its attrition table (``comparability.attrition(clients, scores, outcome)``) when
        the caller has them already (the pipeline makes both once per run); None: made here.

    Returns
    -------
    PlanResult
    """
    from .comparability import attrition as attrition_table
    from .scores import change_frame

    cf = change_frame(scores, clients, outcome) if change is None else change
    cf = cf[cf["change"].notna()]
    arm = cf["arm"].astype(str).to_numpy()
    n = {a: int((arm == a).sum()) for a in ("HB", "Verrokki")}
    if min(n.values()) < 2:
        raise HbEvalError(f"planning needs at least 2 clients with both scores in each arm "
                          f"(HB {n['HB']}, Verrokki {n['Verrokki']})")
    change = cf["change"].to_numpy(float)
    sd = pooled_sd(change, arm)
    centred = change - pd.Series(change).groupby(arm).transform("mean").to_numpy()
    workers = cf[cluster].astype(str).to_numpy()
    icc = worker_icc(centred, workers, confidence)
    att = attrition_table(clients, scores, outcome) if attrition is None else attrition
    total = att[att["level"] == "total"].iloc[0]
    lost = float(total["share_dropouts"])
    return plan_from_inputs(sd, icc["icc"], icc["n"] / icc["n_clusters"], lost, n_per_arm, mde,
                            alpha, power, icc_ci=(icc["ci_low"], icc["ci_high"]),
                            outcome=outcome, n=n, n_workers=int(icc["n_clusters"]),
                            confidence=confidence)
