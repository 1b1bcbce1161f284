"""Cost-effectiveness analysis: ΔC, ΔE, ICER, bootstrap intervals, CE plane, CEAC, NMB.

Sign convention everywhere: **HB minus Verrokki**. ΔC = mean cost per client (HB) − mean cost
per client (Verrokki), euros of the price year; ΔE = mean change in the primary outcome (HB) −
mean change (Verrokki), the two-by-two DiD, in score points; ICER = ΔC / ΔE in euros per point;
NMB(λ) = λ·ΔE − ΔC.

The sample is the primary analysis sample: clients of the change frame with both a baseline and
an end score, joined to their per-client costs by client id. The bootstrap resamples whole
clients within arm (their cost totals already carry all their diary and service records), or
with ``resample="workers"`` workers within arm and then clients within the drawn workers.

Decisions where the spec is silent:

* ``delta_cost_ci``, ``delta_effect_ci`` and the NMB interval in results.json are BCa; the
  percentile intervals are beside them in :meth:`CEAResult.to_frame` and results
  (``*_ci_percentile``).
* The ICER interval is the percentile interval of the replicate ratios, reported only when the
  BCa interval of ΔE excludes zero; otherwise it is None and ``icer_ci_note`` says why.
* Fieller's interval uses the analytic variances of the two differences of means (per-arm
  sample variances and covariance over n); with ``fieller_variance="bootstrap"`` it uses the
  replicates' covariance (which follows the cluster resampling).
* Quadrants: NE = more costly and more effective (ΔC > 0, ΔE > 0), SE = dominant (ΔC ≤ 0,
  ΔE > 0), SW = cheaper, less effective (ΔC ≤ 0, ΔE ≤ 0), NW = dominated (ΔC > 0, ΔE ≤ 0).
* The CEAC grid is 201 equally spaced λ from 0 to ``wtp_max``; the crossing of 0.5 is the first
  one, linearly interpolated between grid points, None when the curve never crosses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..support.checks import CHANGE_FRAME, CLIENT_COSTS, check_confidence, require_columns
from ..errors import HbEvalError
from ..stats.bootstrap import (Progress, as_rng, bca_interval, cluster_means, jackknife_means, percentile_interval, stratified_means)
from ..stats.fieller import FiellerInterval, fieller_interval
from ..support.display import ResultDisplay

ARMS = ("HB", "Verrokki")
SIGN_CONVENTION = "HB minus Verrokki"


def _f(v: Any) -> float | None:
    """A plain float, NaN/inf → None."""
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def cea_sample(costs: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """The CEA sample: clients of ``effects`` with a baseline and end score, and their costs.

    Parameters
    ----------
    costs
        From :func:`hb_eval.costs.costing.client_costs` (client_id, arm, total, ...).
    effects
        The primary change frame (client_id, arm, pilot, worker, baseline, end, change).

    Returns
    -------
    DataFrame
        client_id, arm ("HB"/"Verrokki" as str), pilot, worker, baseline, end, change, cost
        (the cost total), plus ``harmonised`` when the change frame has it.
        ``attrs["excluded_no_cost"]`` counts complete-case clients without a cost total (not
        silently dropped: reported by :func:`run_cea`); ``attrs["excluded_incomplete"]`` those
        without an end score.
    """
    e = effects.copy()
    e["client_id"] = e["client_id"].astype(str)
    complete = e["baseline"].notna() & e["end"].notna() & e["change"].notna()
    keep = [c for c in ("client_id", "arm", "pilot", "worker", "baseline", "end", "change",
                        "harmonised") if c in e]
    e = e.loc[complete, keep]
    c = costs.loc[:, ["client_id", "arm", "total"]].rename(columns={"arm": "arm_cost",
                                                                    "total": "cost"})
    c["client_id"] = c["client_id"].astype(str)
    s = _left_join(e, c)
    s["arm"] = s["arm"].astype(str)
    clash = s["arm_cost"].notna() & (s["arm_cost"].astype(str) != s["arm"])
    if clash.any():
        raise HbEvalError(f"{int(clash.sum())} clients have a different arm in the cost table "
                          "and in the change frame")
    no_cost = s["cost"].isna()
    out = s.loc[~no_cost].drop(columns="arm_cost").reset_index(drop=True)
    bad = ~out["arm"].isin(ARMS)
    if bad.any():
        raise HbEvalError("arm must be HB or Verrokki in the CEA sample")
    out.attrs["excluded_no_cost"] = int(no_cost.sum())
    out.attrs["excluded_incomplete"] = int((~complete).sum())
    return out


def _left_join(e: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    """``e.merge(c, on="client_id", how="left", validate="one_to_one")``, by the positions of
    ``e``'s clients in ``c`` when both list each client once and the costs are floats (the
    merge's own frame: rows of ``e`` in order, ``c``'s columns after, missing as NaN); the
    merge itself otherwise (it says what is wrong)."""
    left, right = pd.Index(e["client_id"]), pd.Index(c["client_id"])
    if not (left.is_unique and right.is_unique and c["cost"].dtype == np.float64):
        return e.merge(c, on="client_id", how="left", validate="one_to_one")
    at = right.get_indexer(left)
    out = e.reset_index(drop=True)
    for col in c.columns.drop("client_id"):
        out[col] = c[col].array.take(at, allow_fill=True)
    return out


def _arm_codes(arm: pd.Series) -> np.ndarray:
    return np.where(arm.astype(str).to_numpy() == "HB", 0, 1)


@dataclass(repr=False)
class CEAResult(ResultDisplay):
    """Result of :func:`run_cea`. Sign convention: HB minus Verrokki."""

    perspective: str
    delta_cost: float
    delta_effect: float
    icer: float
    wtp: float
    level: float
    B: int
    seed: int | None
    resample: str
    n_HB: int
    n_Verrokki: int
    n_clusters: int
    reps: np.ndarray                    # B × 2: (ΔC*, ΔE*)
    intervals: pd.DataFrame
    quadrant_shares: dict[str, float]
    ceac: pd.DataFrame
    wtp_crossing: float | None
    icer_ci: list[float] | None
    icer_ci_note: str
    fieller: FiellerInterval
    fieller_variance: str
    excluded_no_cost: int = 0
    excluded_incomplete: int = 0
    glm_sample: pd.DataFrame | None = field(default=None, repr=False)
    price_year: int | None = None
    rule: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _glm: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def glm_check(self) -> pd.DataFrame | None:
        """ΔC from a Gamma GLM as a check on the difference of means (:func:`cost_glm_check`
        of the CEA sample), fitted on first use; None when run with ``glm_check=False``."""
        if self._glm is None and self.glm_sample is not None:
            self._glm = cost_glm_check(self.glm_sample)
        return self._glm

    def methods(self) -> dict[str, Any]:
        """What a CHEERS 2022 trial-based report needs to say about this analysis."""
        return {
            "perspective": self.perspective,
            "currency": "EUR",
            "price_year": self.price_year,
            "time_horizon": "the client-ship, start to end inclusive (ongoing client-ships up "
                            "to the data cut-off); no discounting",
            "effect_measure": "difference in mean change of the Kykyviisari total score "
                              "(0-10), alku to loppu (two-by-two DiD)",
            "valuation": "staff minutes at hourly wage x (1 + side costs) x (1 + overhead) / "
                         "60 by title; km at the allowance; paid assistants at the HB-avustaja "
                         "wage; volunteer hours at the shadow price and client time at its "
                         "value (societal only); services at the extract amounts; all in "
                         "price-year euros via the price index",
            "uncertainty": f"non-parametric bootstrap resampling {self.resample} within arm, "
                           f"B={self.B}, BCa and percentile intervals; Fieller interval; CEAC",
            "missing_data": "complete cases (baseline and end score); clients without a diary "
                            f"get an imputed rate (rule {self.rule}); multiple imputation "
                            "nested in the bootstrap as a sensitivity analysis",
            "sign_convention": SIGN_CONVENTION,
        }

    @property
    def nmb_at_wtp(self) -> float:
        """Net monetary benefit at the configured willingness to pay: wtp × ΔE − ΔC."""
        return self.wtp * self.delta_effect - self.delta_cost

    def _ci(self, quantity: str, method: str) -> list[float | None]:
        r = self.intervals[(self.intervals["quantity"] == quantity)
                           & (self.intervals["ci_method"] == method)].iloc[0]
        return [_f(r["ci_low"]), _f(r["ci_high"])]

    def to_frame(self) -> pd.DataFrame:
        """Estimates with percentile and BCa intervals, one row per quantity × method."""
        return self.intervals.copy()

    def plane_frame(self) -> pd.DataFrame:
        """CE-plane data: one row per replicate (ΔC*, ΔE*). Internal: replicate-level points."""
        return pd.DataFrame({"perspective": self.perspective,
                             "replicate": np.arange(self.B),
                             "delta_cost": self.reps[:, 0], "delta_effect": self.reps[:, 1],
                             "sign_convention": SIGN_CONVENTION})

    def ceac_frame(self) -> pd.DataFrame:
        """CEAC and NMB(λ): wtp, p_cost_effective, nmb, nmb_ci_low, nmb_ci_high (percentile)."""
        return self.ceac.copy()

    def summary(self) -> str:
        """The result in a few printable lines (BCa intervals)."""
        lo_c, hi_c = self._ci("delta_cost", "bca")
        lo_e, hi_e = self._ci("delta_effect", "bca")
        fmt = lambda v: "NA" if v is None else f"{v:,.2f}"  # noqa: E731
        lines = [
            f"Cost-effectiveness ({self.perspective} perspective; {SIGN_CONVENTION})",
            f"  n: HB {self.n_HB}, Verrokki {self.n_Verrokki}; clusters {self.n_clusters}; "
            f"bootstrap B={self.B} resampling {self.resample}, seed {self.seed}",
            f"  ΔC = {fmt(self.delta_cost)} € (BCa {self.level:.0%}: {fmt(lo_c)} to {fmt(hi_c)})",
            f"  ΔE = {fmt(self.delta_effect)} points (BCa: {fmt(lo_e)} to {fmt(hi_e)})",
            f"  ICER = {fmt(_f(self.icer))} €/point; interval: "
            + (f"{fmt(self.icer_ci[0])} to {fmt(self.icer_ci[1])}" if self.icer_ci
               else self.icer_ci_note),
            "  Fieller: " + (f"{fmt(self.fieller.low)} to {fmt(self.fieller.high)}"
                              if self.fieller.kind == "bounded" else self.fieller.note),
            f"  NMB at λ={self.wtp:,.0f}: {fmt(self.nmb_at_wtp)} € (BCa: "
            f"{fmt(self._ci('nmb', 'bca')[0])} to {fmt(self._ci('nmb', 'bca')[1])})",
            "  percentile intervals: " + "; ".join(
                f"{name} {fmt(self._ci(key, 'percentile')[0])} to "
                f"{fmt(self._ci(key, 'percentile')[1])}"
                for name, key in (("ΔC", "delta_cost"), ("ΔE", "delta_effect"),
                                  ("NMB", "nmb"))),
            "  quadrants: " + ", ".join(f"{k} {v:.1%}" for k, v in self.quadrant_shares.items()),
            f"  CEAC crosses 0.5 at λ = {fmt(self.wtp_crossing)}",
        ]
        if self.excluded_no_cost:
            lines.append(f"  {self.excluded_no_cost} complete-case clients had no cost total "
                         "and are outside the CEA")
        return "\n".join(lines)

    def to_results(self) -> dict[str, Any]:
        """The results.json ``cea.<perspective>`` block (docs/outputs.md), plus a few stated extras."""
        c = self.ceac
        return {
            "delta_cost": _f(self.delta_cost),
            "delta_effect": _f(self.delta_effect),
            "icer": _f(self.icer),
            "nmb_at_wtp": _f(self.nmb_at_wtp),
            "wtp": _f(self.wtp),
            "delta_cost_ci": self._ci("delta_cost", "bca"),
            "delta_effect_ci": self._ci("delta_effect", "bca"),
            "icer_ci": [_f(v) for v in self.icer_ci] if self.icer_ci else None,
            "quadrant_shares": {k: _f(v) for k, v in self.quadrant_shares.items()},
            "ceac": [{"wtp": _f(w), "p_cost_effective": _f(p)}
                     for w, p in zip(c["wtp"], c["p_cost_effective"])],
            "fieller_ci": self.fieller.to_list(),
            # extras (stated): methods, n, notes
            "nmb_ci": self._ci("nmb", "bca"),
            "delta_cost_ci_percentile": self._ci("delta_cost", "percentile"),
            "delta_effect_ci_percentile": self._ci("delta_effect", "percentile"),
            "nmb_ci_percentile": self._ci("nmb", "percentile"),
            "ci_method": "bca",
            "icer_ci_note": self.icer_ci_note,
            "fieller_variance": self.fieller_variance,
            "wtp_crossing_0_5": _f(self.wtp_crossing),
            "sign_convention": SIGN_CONVENTION,
            "perspective": self.perspective,
            "n": {"HB": self.n_HB, "Verrokki": self.n_Verrokki},
            "n_clusters": self.n_clusters,
            "bootstrap_reps": self.B,
            "resample": self.resample,
            "level": self.level,
            "excluded_no_cost": self.excluded_no_cost,
            "methods": self.methods(),
        }


def ceac_curve(reps: np.ndarray, wtp_grid: np.ndarray, delta_cost: float, delta_effect: float,
               level: float = 0.95) -> pd.DataFrame:
    """CEAC and NMB(λ) over a λ grid, vectorised over λ × replicates.

    Parameters
    ----------
    reps
        B × 2 replicates (ΔC*, ΔE*).
    wtp_grid
        The λ values.

    Returns
    -------
    DataFrame
        wtp, p_cost_effective (share of replicates with λ·ΔE* − ΔC* > 0), nmb (point),
        nmb_ci_low, nmb_ci_high (percentile).
    """
    lam = np.asarray(wtp_grid, dtype=float)
    nmb = lam[:, None] * reps[None, :, 1] - reps[None, :, 0]            # L × B
    lo, hi = percentile_interval(nmb.T, level)
    return pd.DataFrame({"wtp": lam, "p_cost_effective": (nmb > 0).mean(axis=1),
                         "nmb": lam * delta_effect - delta_cost, "nmb_ci_low": lo,
                         "nmb_ci_high": hi})


def crossing(wtp: np.ndarray, p: np.ndarray, at: float = 0.5) -> float | None:
    """The first λ where the curve p(λ) crosses ``at`` (linear interpolation), or None."""
    d = np.asarray(p, dtype=float) - at
    if d.size == 0:
        return None
    if d[0] == 0:
        return float(wtp[0])
    idx = np.flatnonzero((d[:-1] * d[1:] < 0) | ((d[1:] == 0) & (d[:-1] != 0)))
    if idx.size == 0:
        return None
    i = int(idx[0])
    return float(wtp[i] + (at - p[i]) * (wtp[i + 1] - wtp[i]) / (p[i + 1] - p[i]))


def quadrant_shares(reps: np.ndarray) -> dict[str, float]:
    """Shares of replicates in the quadrants of the CE plane (see the module notes)."""
    dc, de = reps[:, 0], reps[:, 1]
    return {"NE": float(np.mean((dc > 0) & (de > 0))), "SE": float(np.mean((dc <= 0) & (de > 0))),
            "SW": float(np.mean((dc <= 0) & (de <= 0))),
            "NW": float(np.mean((dc > 0) & (de <= 0)))}


def run_cea(costs: Any, effects: pd.DataFrame | None = None, config: Any = None,
            perspective: str | None = None, progress: Progress | bool | None = None, *,
            B: int | None = None, seed: int | np.random.Generator | None = None,
            resample: str | None = None, wtp: float | None = None,
            wtp_max: float | None = None, level: float | None = None,
            fieller_variance: str = "analytic", n_wtp: int = 201,
            glm_check: bool = True, replicates: np.ndarray | None = None) -> CEAResult:
    """Run the cost-effectiveness analysis on the primary analysis sample.

    The client bootstrap (``resample="clients"``) draws resampling counts per arm and takes
    the replicate means as counts × values (:func:`hb_eval.stats.bootstrap.stratified_sums`,
    whose docstring states the seed contract): for a seed, the same resamples as the SUR
    bootstrap of the same sample (:func:`hb_eval.costs.sur.sur_cea`) and as the other cost
    perspective. ``resample="workers"`` draws the two-stage cluster bootstrap
    (:func:`hb_eval.stats.bootstrap.cluster_means`).

    Parameters
    ----------
    costs
        Per-client costs in one perspective (:func:`~hb_eval.costs.costing.client_costs`);
        or an :class:`~hb_eval.evaluation.Evaluation` / :class:`~hb_eval.data.dataset.Dataset`
        alone (``run_cea(ev)``): its costs in ``perspective`` (default the configured one), its
        primary change frame and its configuration are used.
    effects
        The primary change frame (kykyviisari_total); omitted with an Evaluation or Dataset.
    config
        :class:`~hb_eval.config.AnalysisConfig` or a full ``Config`` (seed, bootstrap_reps,
        cea_resample, wtp, wtp_max, confidence); keyword arguments override it.
    perspective
        Label of the cost perspective; default the ``perspective`` column of ``costs``.
    progress
        Callback ``(done, total)`` or True for a stderr line.
    resample
        ``"clients"`` (stratified by arm) or ``"workers"`` (two-stage cluster bootstrap).
    fieller_variance
        ``"analytic"`` | ``"bootstrap"``.
    replicates
        B × 2 × 2 replicate means (arm HB, Verrokki × cost, change) of this sample drawn
        elsewhere with this ``resample``, ``B`` and ``seed`` (:func:`hb_eval.costs.joint.
        cea_and_sur` draws both perspectives and the SUR at once); then nothing is drawn here.

    Returns
    -------
    CEAResult
    """
    from ..config import AnalysisConfig

    if effects is None and not isinstance(costs, pd.DataFrame):
        from .inputs import cea_inputs

        costs, effects, own = cea_inputs(costs, perspective)
        config = config if config is not None else own
    require_columns(costs, ["client_id", "arm", "total"], func="run_cea", maker=CLIENT_COSTS,
                    arg="costs")
    require_columns(effects, ["client_id", "arm", "baseline", "end", "change"], func="run_cea",
                    maker=CHANGE_FRAME, arg="effects")
    if level is not None:
        check_confidence(level, "level")
    cfg = config if config is not None else AnalysisConfig()
    cfg = getattr(cfg, "analysis", cfg)  # a full Config is accepted too
    B = int(B if B is not None else cfg.bootstrap_reps)
    seed = seed if seed is not None else cfg.seed
    resample = resample or cfg.cea_resample
    wtp = float(wtp if wtp is not None else cfg.wtp)
    wtp_max = float(wtp_max if wtp_max is not None else cfg.wtp_max)
    level = float(level if level is not None else cfg.confidence)
    if resample not in ("clients", "workers"):
        raise HbEvalError(f"resample must be 'clients' or 'workers', not {resample!r}")
    if fieller_variance not in ("analytic", "bootstrap"):
        raise HbEvalError("fieller_variance must be 'analytic' or 'bootstrap'")
    if perspective is None:
        perspective = str(costs["perspective"].iloc[0]) if "perspective" in costs and len(
            costs) else "organiser"

    s = cea_sample(costs, effects)
    strata = _arm_codes(s["arm"])
    n_hb, n_v = int((strata == 0).sum()), int((strata == 1).sum())
    if n_hb < 2 or n_v < 2:
        raise HbEvalError(f"the CEA needs at least 2 clients per arm (HB {n_hb}, "
                          f"Verrokki {n_v})")
    X = s[["cost", "change"]].to_numpy(float)
    m_hb, m_v = X[strata == 0].mean(axis=0), X[strata == 1].mean(axis=0)
    dc, de = float(m_hb[0] - m_v[0]), float(m_hb[1] - m_v[1])
    icer = dc / de if de != 0 else np.nan
    workers = s["worker"].astype(str).to_numpy()
    n_clusters = int(pd.Series(list(zip(strata, workers))).nunique())

    if replicates is not None:
        means = np.asarray(replicates, dtype=float)
        if means.shape != (B, 2, 2):
            raise HbEvalError(f"CEA replicates must be B x 2 x 2 ({B} x 2 x 2), not "
                              f"{means.shape}")
    elif resample == "clients":
        means = stratified_means(X, strata, B, as_rng(seed), progress=progress)
    else:
        means = cluster_means(X, strata, workers, B, as_rng(seed), progress=progress)
    jack = jackknife_means(X, strata, clusters=workers if resample == "workers" else None)
    reps = means[:, 0, :] - means[:, 1, :]                      # B × 2: ΔC*, ΔE*
    jd = jack[:, 0, :] - jack[:, 1, :]

    # statistics: ΔC, ΔE, NMB(wtp) (all linear in the arm means)
    theta = np.array([dc, de, wtp * de - dc])
    R = np.column_stack([reps[:, 0], reps[:, 1], wtp * reps[:, 1] - reps[:, 0]])
    Jk = np.column_stack([jd[:, 0], jd[:, 1], wtp * jd[:, 1] - jd[:, 0]])
    p_lo, p_hi = percentile_interval(R, level)
    b_lo, b_hi = bca_interval(theta, R, Jk, level)
    rows = []
    names = ("delta_cost", "delta_effect", "nmb")
    units = ("EUR per client", "score points", f"EUR per client at wtp={wtp:g}")
    for i, q in enumerate(names):
        for method, lo, hi in (("percentile", p_lo[i], p_hi[i]), ("bca", b_lo[i], b_hi[i])):
            rows.append({"perspective": perspective, "quantity": q, "estimate": theta[i],
                         "ci_method": method, "ci_low": lo, "ci_high": hi, "level": level,
                         "unit": units[i], "B": B, "resample": resample, "n_HB": n_hb,
                         "n_Verrokki": n_v, "n_clusters": n_clusters,
                         "sign_convention": SIGN_CONVENTION})
    ratio = reps[:, 0] / np.where(reps[:, 1] == 0, np.nan, reps[:, 1])
    excludes_zero = np.isfinite(b_lo[1]) and (b_lo[1] > 0 or b_hi[1] < 0)
    if excludes_zero:
        a = (1 - level) / 2
        icer_ci = [float(v) for v in np.nanquantile(ratio, [a, 1 - a])]
        note = "percentile interval of the replicate ratios (the ΔE interval excludes zero)"
    else:
        icer_ci = None
        note = ("no ICER interval: the ΔE interval includes zero, so the ratio is unbounded; "
                "see the quadrant shares and the CEAC")
    rows.append({"perspective": perspective, "quantity": "icer", "estimate": icer,
                 "ci_method": "percentile" if icer_ci else "none",
                 "ci_low": icer_ci[0] if icer_ci else np.nan,
                 "ci_high": icer_ci[1] if icer_ci else np.nan, "level": level,
                 "unit": "EUR per score point", "B": B, "resample": resample, "n_HB": n_hb,
                 "n_Verrokki": n_v, "n_clusters": n_clusters, "sign_convention": SIGN_CONVENTION})

    if fieller_variance == "analytic":
        var_c = sum(np.var(X[strata == k, 0], ddof=1) / (strata == k).sum() for k in (0, 1))
        var_e = sum(np.var(X[strata == k, 1], ddof=1) / (strata == k).sum() for k in (0, 1))
        cov = sum(np.cov(X[strata == k, 0], X[strata == k, 1])[0, 1] / (strata == k).sum()
                  for k in (0, 1))
    else:
        cm = np.cov(reps[:, 0], reps[:, 1])
        var_c, var_e, cov = cm[0, 0], cm[1, 1], cm[0, 1]
    fi = fieller_interval(dc, de, float(var_c), float(var_e), float(cov), level=level)
    rows.append({"perspective": perspective, "quantity": "icer", "estimate": icer,
                 "ci_method": f"fieller_{fieller_variance}", "ci_low": fi.low, "ci_high": fi.high,
                 "level": level, "unit": "EUR per score point", "B": B, "resample": resample,
                 "n_HB": n_hb, "n_Verrokki": n_v, "n_clusters": n_clusters,
                 "sign_convention": SIGN_CONVENTION})
    intervals = pd.DataFrame(rows)
    for col in ("ci_low", "ci_high", "estimate"):
        intervals[col] = intervals[col].astype(float)

    grid = np.linspace(0.0, wtp_max, n_wtp)
    ceac = ceac_curve(reps, grid, dc, de, level)
    ceac.insert(0, "perspective", perspective)
    ceac["sign_convention"] = SIGN_CONVENTION
    return CEAResult(
        perspective=perspective, delta_cost=dc, delta_effect=de, icer=float(icer), wtp=wtp,
        level=level, B=B, seed=seed if isinstance(seed, (int, np.integer)) else None,
        resample=resample, n_HB=n_hb, n_Verrokki=n_v, n_clusters=n_clusters, reps=reps,
        intervals=intervals, quadrant_shares=quadrant_shares(reps), ceac=ceac,
        wtp_crossing=crossing(grid, ceac["p_cost_effective"].to_numpy()), icer_ci=icer_ci,
        icer_ci_note=note, fieller=fi, fieller_variance=fieller_variance,
        excluded_no_cost=s.attrs["excluded_no_cost"],
        excluded_incomplete=s.attrs["excluded_incomplete"],
        # the GLM check is fitted when asked for (nothing in the report reads it)
        glm_sample=s.loc[:, [c for c in ("cost", "arm", "pilot") if c in s]] if glm_check
        else None,
        price_year=_price_year(costs), rule=(str(costs["rule"].iloc[0])
                                             if "rule" in costs and len(costs) else None),
        extra={"jackknife": jd},  # delete-one (ΔC, ΔE): BCa at other levels (cost neutrality)
    )


def _price_year(costs: pd.DataFrame) -> int | None:
    if "price_year" not in costs or not len(costs) or pd.isna(costs["price_year"].iloc[0]):
        return None
    return int(costs["price_year"].iloc[0])


# -- skewed costs: GLM check -----------------------------------------------------------------
def cost_glm_check(sample: pd.DataFrame, covariates: tuple[str, ...] = ("pilot",)) -> pd.DataFrame:
    """ΔC from a Gamma GLM with log link (statsmodels), as a check on the difference of means.

    All totals positive: ``gamma_glm_log``, total ~ arm + covariates. Some zero totals and none
    negative: ``two_part_logit_gamma_log`` — logistic P(total > 0) ~ arm and Gamma (log) on the
    positive totals ~ arm + covariates, E[cost] = P × μ. ΔC is the mean of the predictions with
    everyone set to HB minus everyone set to Verrokki (recycled predictions). Negative totals
    (fees exceeding costs): not applicable, said in ``note``.

    Returns
    -------
    DataFrame
        One row: model, delta_cost, delta_cost_means (difference of means), n, n_zero,
        n_negative, covariates, note, sign_convention.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    d = sample.loc[:, ["cost", "arm", *[c for c in covariates if c in sample]]].copy()
    d["hb"] = (d["arm"].astype(str) == "HB").astype(float)
    for c in covariates:
        if c in d:
            d[c] = d[c].astype(str)
    diff = float(d.loc[d.hb == 1, "cost"].mean() - d.loc[d.hb == 0, "cost"].mean())
    n_zero, n_neg = int((d["cost"] == 0).sum()), int((d["cost"] < 0).sum())
    cov_terms = [c for c in covariates if c in d and d[c].nunique() > 1]
    rhs = " + ".join(["hb", *[f"C({c})" for c in cov_terms]])
    row = {"model": None, "delta_cost": np.nan, "delta_cost_means": diff, "n": len(d),
           "n_zero": n_zero, "n_negative": n_neg, "covariates": ",".join(cov_terms),
           "note": "", "sign_convention": SIGN_CONVENTION}
    if n_neg:
        row.update(model="gamma_glm_log", note="not applicable: some totals are negative "
                   "(client fees exceed the costs)")
        return pd.DataFrame([row])
    pos = d[d["cost"] > 0]
    try:
        g = smf.glm(f"cost ~ {rhs}", data=pos,
                    family=sm.families.Gamma(sm.families.links.Log())).fit()
        mu1, mu0 = g.predict(d.assign(hb=1.0)), g.predict(d.assign(hb=0.0))
        if n_zero == 0:
            row.update(model="gamma_glm_log", delta_cost=float(mu1.mean() - mu0.mean()),
                       note="Gamma GLM, log link; recycled predictions")
        else:
            lg = smf.glm("pos ~ hb", data=d.assign(pos=(d["cost"] > 0).astype(float)),
                         family=sm.families.Binomial()).fit()
            p1, p0 = lg.predict(d.assign(hb=1.0)), lg.predict(d.assign(hb=0.0))
            row.update(model="two_part_logit_gamma_log",
                       delta_cost=float((p1 * mu1).mean() - (p0 * mu0).mean()),
                       note="two-part: logistic for any cost ~ arm, Gamma (log) for positive "
                            "costs; recycled predictions")
    except Exception as exc:  # noqa: BLE001 - a check must not stop the CEA; say why
        row.update(model="gamma_glm_log", note=f"did not fit: {type(exc).__name__}")
    return pd.DataFrame([row])


# -- missing end scores: multiple imputation nested in the bootstrap ---------------------------
def boot_mi_cea(costs: pd.DataFrame, effects_all: pd.DataFrame, config: Any = None, *,
                m: int = 5, B: int = 100, seed: int | np.random.Generator | None = None,
                wtp: float | None = None, level: float | None = None, k_pmm: int = 20,
                progress: Progress | bool | None = None) -> pd.DataFrame:
    """Sensitivity analysis for missing end scores: bootstrap, then impute (Brand et al. 2019).

    "Boot-MI": draw B stratified bootstrap samples of all clients with a baseline score (those
    without an end score included), impute the missing end scores m times within each bootstrap
    sample with statsmodels' MICE (predictive mean matching from baseline, arm, pilot and cost),
    and average ΔE and NMB over the m imputations; the interval is the percentile interval of
    those B averages. The point estimate is the mean over m imputations of the original data.

    Only the end score is missing (costs cover every client, the baseline defines the sample),
    so one MICE cycle per imputation is a proper draw. The loop over B × m calls statsmodels'
    ``MICEData`` (not vectorisable); keep B and m small.

    Parameters
    ----------
    costs
        Per-client costs (one perspective).
    effects_all
        Change frame with ``complete=False`` (clients with a baseline; end/change NaN if none).
    m, B
        Imputations per bootstrap sample, bootstrap samples.

    Returns
    -------
    DataFrame
        quantity (delta_cost, delta_effect, nmb), estimate, ci_low, ci_high, ci_method
        ("boot_mi_percentile"), level, m, B, n_HB, n_Verrokki, n_missing_end,
        n_excluded_no_cost (clients without a cost total: left out, never imputed), wtp,
        sign_convention.
    """
    from statsmodels.imputation.mice import MICEData

    from ..config import AnalysisConfig

    cfg = getattr(config if config is not None else AnalysisConfig(), "analysis",
                  config if config is not None else AnalysisConfig())
    seed = seed if seed is not None else cfg.seed
    wtp = float(wtp if wtp is not None else cfg.wtp)
    level = float(level if level is not None else cfg.confidence)
    e = effects_all.copy()
    e["client_id"] = e["client_id"].astype(str)
    e = e[e["baseline"].notna()]
    c = costs.loc[:, ["client_id", "total"]].assign(client_id=costs["client_id"].astype(str))
    d = e.merge(c, on="client_id", how="left", validate="one_to_one")
    no_cost = d["total"].isna()
    d = d[~no_cost].reset_index(drop=True)  # never impute a cost: those clients are counted
    hb = (d["arm"].astype(str) == "HB").to_numpy()
    data = pd.DataFrame({"end": d["end"].astype(float).to_numpy(),
                         "baseline": d["baseline"].astype(float).to_numpy(),
                         "hb": hb.astype(float), "cost": d["total"].astype(float).to_numpy()})
    pil = pd.get_dummies(d["pilot"].astype(str), prefix="p", drop_first=True, dtype=float)
    pil.columns = [f"p{i}" for i in range(pil.shape[1])]
    data = pd.concat([data, pil.reset_index(drop=True)], axis=1)
    data = data.loc[:, data.nunique(dropna=True) > 1].assign(hb=hb.astype(float))
    gen = as_rng(seed)
    prog = _progress_fn(progress)

    def estimate(df: pd.DataFrame) -> tuple[float, float]:
        """ΔC and ΔE averaged over m imputations of one (bootstrap) data set."""
        h = df["hb"].to_numpy() == 1
        dc = df.loc[h, "cost"].mean() - df.loc[~h, "cost"].mean()
        if not df["end"].isna().any():
            ch = df["end"] - df["baseline"]
            return dc, float(ch[h].mean() - ch[~h].mean())
        md = MICEData(df.reset_index(drop=True), k_pmm=k_pmm, rng=gen)
        des = []
        for _ in range(m):
            md.update_all(1)
            ch = md.data["end"].to_numpy() - md.data["baseline"].to_numpy()
            des.append(ch[h].mean() - ch[~h].mean())
        return dc, float(np.mean(des))

    dc0, de0 = estimate(data)
    groups = [np.flatnonzero(hb), np.flatnonzero(~hb)]
    reps = np.empty((B, 2))
    for b in range(B):  # statsmodels' MICEData per replicate: a loop is unavoidable here
        idx = np.concatenate([g[gen.integers(0, len(g), len(g))] for g in groups])
        reps[b] = estimate(data.iloc[idx])
        if prog and (b + 1) % max(1, B // 20) == 0:
            prog(b + 1, B)
    a = (1 - level) / 2
    theta = {"delta_cost": (dc0, reps[:, 0]), "delta_effect": (de0, reps[:, 1]),
             "nmb": (wtp * de0 - dc0, wtp * reps[:, 1] - reps[:, 0])}
    rows = []
    for q, (est, r) in theta.items():
        lo, hi = np.quantile(r, [a, 1 - a])
        rows.append({"quantity": q, "estimate": float(est), "ci_low": lo, "ci_high": hi,
                     "ci_method": "boot_mi_percentile", "level": level, "m": m, "B": B,
                     "n_HB": int(hb.sum()), "n_Verrokki": int((~hb).sum()),
                     "n_missing_end": int(data["end"].isna().sum()),
                     "n_excluded_no_cost": int(no_cost.sum()), "wtp": wtp,
                     "sign_convention": SIGN_CONVENTION})
    return pd.DataFrame(rows)


def _progress_fn(progress: Progress | bool | None) -> Progress | None:
    from ..stats.bootstrap import _progress

    return _progress(progress, "boot-MI")
