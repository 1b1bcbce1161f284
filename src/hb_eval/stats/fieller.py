"""Fieller's confidence interval for a ratio of two means (the ICER).

For R = ΔC / ΔE with variances v_c, v_e and covariance c of the two estimates, the Fieller set
is the R for which the statistic (ΔC − R·ΔE)² / (v_c − 2Rc + R²v_e) is at most z². Its limits
solve the quadratic (Willan & O'Brien 1996; Briggs, O'Brien & Blackhouse 2002):

    (ΔE² − z²v_e)·R² − 2(ΔC·ΔE − z²c)·R + (ΔC² − z²v_c) = 0.

When ΔE² > z²v_e (ΔE differs from zero at the level) the set is a bounded interval; otherwise
it is unbounded (either the whole line or the line less an interval) and no finite interval is
reported.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


@dataclass(frozen=True)
class FiellerInterval:
    """Fieller's interval: ``low``/``high`` finite only when ``kind == "bounded"``.

    ``kind``: ``"bounded"``; ``"exclusive"`` (the line less a finite interval: two unbounded
    pieces); ``"unbounded"`` (every R). Limits are None unless bounded.
    """

    low: float | None
    high: float | None
    kind: str
    level: float
    note: str

    def to_list(self) -> list[float | None] | None:
        """``[low, high]`` when the interval is bounded, else None (for results.json)."""
        return [self.low, self.high] if self.kind == "bounded" else None


def fieller_interval(delta_cost: float, delta_effect: float, var_cost: float,
                     var_effect: float, cov: float = 0.0, level: float = 0.95,
                     z: float | None = None) -> FiellerInterval:
    """Fieller's interval for ΔC/ΔE.

    Parameters
    ----------
    delta_cost, delta_effect
        The estimates (HB minus Verrokki).
    var_cost, var_effect, cov
        Their variances and covariance.
    level
        Confidence level (normal critical value), unless ``z`` is given.
    z
        Critical value to use instead of the normal quantile.
    """
    if z is None:
        z = float(norm.ppf(0.5 + level / 2))
    f = z * z
    a = delta_effect ** 2 - f * var_effect
    b = delta_cost * delta_effect - f * cov
    c = delta_cost ** 2 - f * var_cost
    disc = b * b - a * c
    if a > 0 and disc >= 0:
        r = math.sqrt(disc)
        return FiellerInterval((b - r) / a, (b + r) / a, "bounded", level,
                               "ΔE differs from zero at this level: bounded interval")
    if a <= 0 and disc > 0:
        return FiellerInterval(None, None, "exclusive", level,
                               "ΔE does not differ from zero: the Fieller set is two "
                               "unbounded pieces; no finite interval")
    return FiellerInterval(None, None, "unbounded", level,
                           "ΔE does not differ from zero: the Fieller set is the whole line")
