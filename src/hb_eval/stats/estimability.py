"""When the data can support a clustered estimate, and which inference is primary.

- Fewer than :data:`MIN_CLUSTERS` clusters: a cluster-robust standard error has nothing to
  vary over, so every clustered estimator (CR2 DiD, wild cluster bootstrap, DR-DiD, ANCOVA,
  the mixed model's worker level) is *not estimable* (:class:`~hb_eval.errors.NotEstimable`
  with the reason; results.json gives null values and the reason).
- A zero or non-finite standard error is never reported as a result (it would give a
  zero-width interval and p < 0.001): also not estimable.
- Fewer than :data:`WILD_PRIMARY_BELOW` clusters: the CR2 t-interval is unreliable, so the
  wild cluster bootstrap with Webb's six-point weights is the primary inference
  (:func:`primary_inference`): its p-value and interval are the estimate's ``p``, ``ci_low``,
  ``ci_high`` (and Holm's input), with the CR2 ones beside them as ``p_cr2``, ``ci_cr2_low``,
  ``ci_cr2_high``. Its weights are enumerated (all 6^G) up to 7 clusters, otherwise drawn at
  least :data:`WILD_PRIMARY_MIN_REPS` times.
"""
from __future__ import annotations

import math

from ..errors import NotEstimable

__all__ = ["MIN_CLUSTERS", "WILD_PRIMARY_BELOW", "WILD_PRIMARY_MIN_REPS", "require_clusters", "require_se",
           "primary_inference", "estimability_keys"]

#: Fewer clusters than this: clustered estimators are not estimable.
MIN_CLUSTERS = 2
#: Fewer clusters than this: the wild cluster bootstrap (Webb weights) is the primary inference.
WILD_PRIMARY_BELOW = 12
#: Draws of a primary wild bootstrap whose weights are not enumerated (G > 7) at least.
WILD_PRIMARY_MIN_REPS = 9999
# a standard error this small relative to the estimate's scale is a numerical zero
_REL_ZERO = 1e-10


def require_clusters(n_clusters: int, cluster: str | None, what: str) -> None:
    """Raise :class:`NotEstimable` when a clustered ``what`` has fewer than 2 clusters."""
    if cluster is not None and n_clusters < MIN_CLUSTERS:
        raise NotEstimable(f"{what}: {n_clusters} {cluster} cluster(s); a cluster-robust "
                           f"estimate needs at least {MIN_CLUSTERS}")


def require_se(se: float, estimate: float, what: str) -> None:
    """Raise :class:`NotEstimable` when ``se`` is zero (numerically) or not finite."""
    scale = max(1.0, abs(estimate)) if math.isfinite(estimate) else 1.0
    if not math.isfinite(se) or se <= _REL_ZERO * scale:
        raise NotEstimable(f"{what}: the standard error is zero or not finite (no variation "
                           "left to estimate it from)")


def primary_inference(n_clusters: int, cluster: str | None) -> tuple[str, str | None]:
    """``("CR2", None)`` or ``("wild_cluster_bootstrap", reason)`` with fewer than 12 clusters."""
    if cluster is not None and n_clusters < WILD_PRIMARY_BELOW:
        return "wild_cluster_bootstrap", (
            f"{n_clusters} {cluster} clusters (< {WILD_PRIMARY_BELOW}): the CR2 t-interval is "
            "unreliable with so few clusters, so the wild cluster bootstrap with Webb weights "
            "is the primary inference")
    return "CR2", None


def estimability_keys(estimates, estimator: str) -> dict[str, object]:
    """Extra keys of an estimator's results.json block, present only when they say something:
    ``reason`` when the estimate is missing (not estimable), ``inference`` (the primary one:
    ``CR2`` or ``wild_cluster_bootstrap``) where the estimator declares it, and when the wild
    cluster bootstrap is primary ``inference_reason``, the bootstrap's own keys (``wild_p``,
    ``wild_ci_low``, ``wild_ci_high``, ``wild_weights``, ``wild_reps``, ``wild_enumerated``)
    and the CR2 values beside it (``p_cr2``, ``ci_cr2_low``, ``ci_cr2_high``).

    Parameters
    ----------
    estimates
        Estimates indexed by estimator (columns ``estimate``, ``note``, ``inference``, ...).
    """
    import pandas as pd

    if estimator not in estimates.index:
        return {}
    row = estimates.loc[estimator]
    out: dict[str, object] = {}
    est = row.get("estimate")
    note = row.get("note")
    if (est is None or pd.isna(est)) and isinstance(note, str) and note:
        out["reason"] = note
    inference = row.get("inference")
    if inference in ("CR2", "wild_cluster_bootstrap"):  # (dr_did's own column says if/bootstrap)
        out["inference"] = inference
    if inference == "wild_cluster_bootstrap":
        out["inference_reason"] = row.get("inference_reason")
        for k in ("p_cr2", "ci_cr2_low", "ci_cr2_high", "wild_p", "wild_ci_low",
                  "wild_ci_high", "wild_weights"):
            out[k] = row.get(k)
        out["wild_reps"] = int(row.get("wild_reps"))
        out["wild_enumerated"] = bool(row.get("wild_enumerated"))
    return out
