"""The CEA of every cost perspective and its SUR-adjusted analysis from one bootstrap.

:func:`hb_eval.costs.cea.run_cea` and :func:`hb_eval.costs.sur.sur_cea` each draw their own
replicates; for a seed both draw the same client resamples of the same sample, and so does the
other perspective. :func:`cea_and_sur` draws them once: the replicate sums of every column the
analyses need — each perspective's cost, the change in score, and the terms of the SUR's
normal equations — come from one draw of resampling counts
(:func:`hb_eval.stats.bootstrap.stratified_sums`), so the results are those of the separate
calls (up to rounding in the last digits) at about the cost of one of them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError
from ..stats.bootstrap import Progress, as_rng, cluster_means, stratified_sums
from .cea import CEAResult, _arm_codes, cea_sample, run_cea
from .sur import SURResult, solve_normal, sur_cea, sur_columns, sur_design, sur_fit

__all__ = ["cea_and_sur"]


def cea_and_sur(costs: Mapping[str, pd.DataFrame], effects: pd.DataFrame, config: Any = None,
                *, progress: Callable[[tuple[int, int]], Progress | None] | None = None,
                covariates: tuple[str, ...] = ("baseline", "pilot")
                ) -> dict[str, tuple[CEAResult, SURResult | HbEvalError]]:
    """:func:`~hb_eval.costs.cea.run_cea` and :func:`~hb_eval.costs.sur.sur_cea` for each
    perspective, from one bootstrap.

    Parameters
    ----------
    costs
        Perspective → per-client costs (:func:`~hb_eval.costs.costing.client_costs`).
    effects
        The primary change frame.
    config
        ``AnalysisConfig`` or ``Config`` (seed, bootstrap_reps, cea_resample, confidence, ...).
    progress
        ``progress((part, parts))`` → the ``(done, total)`` hook of bootstrap pass ``part``
        of ``parts`` (or None).
    covariates
        The SUR's adjustment terms.

    Returns
    -------
    dict
        Perspective → (CEAResult, SURResult, or the HbEvalError that made the SUR not
        estimable, e.g. collinear regressors).
    """
    from ..config import AnalysisConfig

    cfg = config if config is not None else AnalysisConfig()
    cfg = getattr(cfg, "analysis", cfg)
    B, seed, level = int(cfg.bootstrap_reps), cfg.seed, float(cfg.confidence)
    samples = {p: cea_sample(c, effects) for p, c in costs.items()}
    groups: list[list[str]] = []  # perspectives with the very same sample share the draws
    for p, s in samples.items():
        for g in groups:
            if samples[g[0]]["client_id"].equals(s["client_id"]):
                g.append(p)
                break
        else:
            groups.append([p])
    passes = sum(2 if cfg.cea_resample == "workers" else 1 for _ in groups)
    done = 0

    def hook() -> Progress | None:
        nonlocal done
        h = progress((done, passes)) if progress is not None else None
        done += 1
        return h

    out: dict[str, tuple[CEAResult, SURResult | HbEvalError]] = {}
    for g in groups:
        s = samples[g[0]]
        if min(np.bincount(_arm_codes(s["arm"]), minlength=2)) < 2:
            run_cea(costs[g[0]], effects, cfg)  # raises: too few clients, in its words
        strata = _arm_codes(s["arm"])
        Y = np.column_stack([samples[p]["cost"].to_numpy(float) for p in g]
                            + [s["change"].to_numpy(float)])          # costs..., change
        k = Y.shape[1]
        try:
            designed = {p: sur_design(samples[p], covariates) for p in g}
            Xn = designed[g[0]][1].to_numpy(float)
            terms = sur_columns(Xn, Y)
            sur_error = None
        except HbEvalError as exc:
            designed, terms, sur_error = {}, np.empty((len(s), 0)), exc
        n_s = np.bincount(strata, minlength=2).astype(float)
        # the models' point estimates (linearmodels) are fitted while the bootstrap draws:
        # numbers of their own, the same whichever finishes first
        with ThreadPoolExecutor(1, "hb_eval-sur") as pool:
            fits = {p: pool.submit(sur_fit, samples[p], covariates, designed=d)
                    for p, d in designed.items()}
            if cfg.cea_resample == "clients":
                sums = stratified_sums(np.hstack([Y, terms]), strata, B, as_rng(seed),
                                       progress=hook())
                means = sums[:, :, :k] / n_s[None, :, None]
                sur_sums = sums[:, :, k:].sum(axis=1)
            else:
                workers = s["worker"].astype(str).to_numpy()
                means = cluster_means(Y, strata, workers, B, as_rng(seed), progress=hook())
                sur_sums = (stratified_sums(terms, strata, B, as_rng(seed), progress=hook())
                            .sum(axis=1) if terms.shape[1] else None)
            fitted = {p: f.result() for p, f in fits.items()}
        coef = (solve_normal(sur_sums, Xn.shape[1], k)[:, 1, :]       # the hb row
                if sur_error is None else None)
        for j, p in enumerate(g):
            res = run_cea(costs[p], effects, cfg, replicates=means[:, :, [j, k - 1]])
            if sur_error is not None:
                out[p] = (res, sur_error)
                continue
            out[p] = (res, sur_cea(samples[p], B=B, seed=seed, level=level,
                                   covariates=covariates, replicates=coef[:, [j, k - 1]],
                                   fitted=fitted[p]))
    return out
