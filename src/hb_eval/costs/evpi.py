"""Expected value of perfect information (EVPI) from the CEA's bootstrap replicates.

With the bootstrap replicates standing in for the decision uncertainty (as in BCEA and dampack),
the net monetary benefit of strategy ``j`` at willingness to pay λ in replicate ``b`` is
``NMB_bj(λ) = λ·E_bj − C_bj``, and

    EVPI(λ) = mean_b max_j NMB_bj(λ) − max_j mean_b NMB_bj(λ),

the expected loss of deciding now rather than with perfect information (euros per client). For
the two strategies here (HB and usual services) only the incremental replicates (ΔC*, ΔE*) are
needed, because adding the same amount to both strategies' NMB changes neither term:
``EVPI(λ) = mean_b max(INB_b, 0) − max(mean_b INB_b, 0)`` with ``INB_b = λ·ΔE*_b − ΔC*_b``.
The expectation is over the replicates (their mean, not the point estimate), as EVPI is defined.

Population EVPI (decisions over a horizon): ``EVPI(λ) · P · Σ_{t=1..T} 1/(1 + r)^t`` with P
clients facing the decision per year (``analysis.population``), T years
(``analysis.horizon_years``, default 10) and annual discount rate r (``analysis.discount_rate``,
default 0.03); year 1 is discounted once, as in Briggs, Claxton & Sculpher (2006), *Decision
modelling for health economic evaluation*, ch. 7. It is the most a study that removed all the
uncertainty could be worth; a further study is worth considering only where it is above the
study's cost.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError
from ..stats.evpi import evpi_curve, evpi_nmb, population_factor
from ..support.values import plain_value

__all__ = ["evpi_nmb", "evpi_curve", "population_factor", "EVPIResult", "run_evpi"]


@dataclass
class EVPIResult:
    """Result of :func:`run_evpi`: per-client EVPI on the CEAC's λ grid, and population EVPI."""

    perspective: str
    curve: pd.DataFrame
    B: int
    population: float | None
    horizon_years: int
    discount_rate: float
    wtp_crossing: float | None = None
    wtp: float | None = None  # the λ of the report's headline numbers (analysis.wtp)

    @property
    def factor(self) -> float | None:
        """The population factor ``P · Σ_{t=1..T} (1 + r)^−t`` (None without a population)."""
        if self.population is None:
            return None
        return population_factor(self.population, self.horizon_years, self.discount_rate)

    def to_frame(self) -> pd.DataFrame:
        """wtp, evpi, population_evpi (NaN when no population), enb_hb, p_hb_best."""
        f = self.curve.copy()
        f.insert(2, "population_evpi", f["evpi"] * self.factor if self.factor else np.nan)
        return f.assign(perspective=self.perspective, B=self.B)

    def at(self, wtp: float) -> float:
        """EVPI per client at one λ (linear interpolation on the grid)."""
        return float(np.interp(wtp, self.curve["wtp"], self.curve["evpi"]))

    def summary(self) -> str:
        """EVPI at its maximum and at the willingness to pay, in a few lines of text."""
        c = self.curve
        i = int(np.argmax(c["evpi"].to_numpy()))
        lines = [f"EVPI ({self.perspective} perspective, B={self.B} bootstrap replicates)",
                 f"  largest per-client EVPI {c['evpi'].iloc[i]:,.0f} € at λ = "
                 f"{c['wtp'].iloc[i]:,.0f} €/point"]
        if self.wtp_crossing is not None:
            lines.append(f"  at the CEAC's 0.5 crossing (λ = {self.wtp_crossing:,.0f}): "
                         f"{self.at(self.wtp_crossing):,.0f} € per client")
        if self.factor:
            lines.append(f"  population: {self.population:g} clients a year over "
                         f"{self.horizon_years} years at {self.discount_rate:.1%} "
                         f"(factor {self.factor:,.1f}); largest population EVPI "
                         f"{c['evpi'].iloc[i] * self.factor:,.0f} €")
        else:
            lines.append("  population EVPI: not computed (analysis.population not set)")
        return "\n".join(lines)

    def to_results(self) -> dict[str, Any]:
        """Keys added to ``cea.<perspective>``: ``evpi[]`` and ``population_evpi[]`` as
        ``{wtp, evpi}`` (the latter absent without a population, ``population_evpi_note``
        saying so), ``evpi_settings`` (population, horizon_years, discount_rate, factor),
        ``evpi_at_wtp`` (and ``population_evpi_at_wtp``) at ``analysis.wtp``, interpolated on
        the grid."""
        c = self.curve
        at = self.at(self.wtp) if self.wtp is not None else None
        out: dict[str, Any] = {
            "evpi_at_wtp": plain_value(at),
            "evpi": [{"wtp": plain_value(w), "evpi": plain_value(v)}
                     for w, v in zip(c["wtp"], c["evpi"])],
            "evpi_settings": {"population": plain_value(self.population),
                              "horizon_years": int(self.horizon_years),
                              "discount_rate": float(self.discount_rate),
                              "population_factor": plain_value(self.factor),
                              "per": "client", "replicates": self.B},
        }
        if self.factor:
            out["population_evpi_at_wtp"] = plain_value(at * self.factor if at is not None
                                                         else None)
            out["population_evpi"] = [{"wtp": plain_value(w), "evpi": plain_value(v * self.factor)}
                                      for w, v in zip(c["wtp"], c["evpi"])]
        else:
            out["population_evpi_note"] = ("not computed: analysis.population (clients facing "
                                           "the decision per year) is not configured")
        return out


def run_evpi(cea: Any, config: Any = None) -> EVPIResult:
    """EVPI from a :class:`~hb_eval.costs.cea.CEAResult` on its CEAC's λ grid.

    Parameters
    ----------
    cea
        The CEA result (its ``reps`` B × 2 and ``ceac`` λ grid are used).
    config
        :class:`~hb_eval.config.AnalysisConfig` or ``Config`` (``population``,
        ``horizon_years``, ``discount_rate``); None uses the defaults (no population).
    """
    from ..config import AnalysisConfig

    cfg = config if config is not None else AnalysisConfig()
    cfg = getattr(cfg, "analysis", cfg)
    reps = np.asarray(cea.reps, float)
    if reps.ndim != 2 or reps.shape[1] != 2 or len(reps) < 2:
        raise HbEvalError("EVPI needs at least 2 bootstrap replicates of (ΔC, ΔE)")
    curve = evpi_curve(reps, cea.ceac["wtp"].to_numpy(float))
    return EVPIResult(perspective=cea.perspective, curve=curve, B=len(reps),
                      population=getattr(cfg, "population", None),
                      horizon_years=int(getattr(cfg, "horizon_years", 10)),
                      discount_rate=float(getattr(cfg, "discount_rate", 0.03)),
                      wtp_crossing=cea.wtp_crossing, wtp=cea.wtp)
