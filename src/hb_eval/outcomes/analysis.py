"""The outcome analysis: every estimator of docs/methods.md for every outcome, side by side.

For the primary outcome (``kykyviisari_total``) and each secondary one (the seven Kykyviisari
domains and ``osallisuus``), on the complete cases (baseline and end): n per arm, within-arm
change and effect sizes, the 2x2 DiD (CR2, Satterthwaite df, wild cluster bootstrap), the
covariate-adjusted DiD, the doubly robust DiD, ANCOVA, the mixed model over all waves, d_ppc2,
Cronbach's alpha at baseline (when the items are given), reliable change; Holm-adjusted p-values
across the secondary outcomes (per estimator); subgroup estimates and interaction tests for the
primary outcome.

An estimator that cannot run for an outcome (e.g. an arm without complete cases) gives a row of
NaN with the reason in ``note``; nothing is dropped silently.
"""
from __future__ import annotations

import math
import warnings
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..config import PRIMARY, AnalysisConfig
from ..errors import HbEvalError
from .ancova import ancova
from .did import DEFAULT_COVARIATES, ESTIMATE_COLUMNS, WILD_COLUMNS, did_2x2, did_adjusted
from ..stats.estimability import estimability_keys
from .dr_did import dr_did
from .heterogeneity import interaction_test, subgroup_estimates
from .mixed import mixed_did
from ..stats.multiplicity import holm
from ..support.cores import fork_pool, fork_workers
from ..support.display import ResultDisplay
from ..support.heap import return_freed_memory

DOMAINS = ("general_wellbeing", "participation", "mental_wellbeing", "everyday_life", "skills",
           "physical_functioning", "work_and_future")
SECONDARY = tuple(f"kykyviisari_{d}" for d in DOMAINS) + ("osallisuus",)
ESTIMATORS = ("did", "did_adjusted", "dr_did", "ancova", "mixed")
_RESULT_KEYS = {
    "did": ("estimate", "se", "df", "ci_low", "ci_high", "p", "n_clusters", "wild_p",
            "wild_ci_low", "wild_ci_high", "wild_weights", "wild_reps", "wild_enumerated",
            "holm_p"),
    "did_adjusted": ("estimate", "se", "ci_low", "ci_high", "p", "holm_p"),
    "dr_did": ("estimate", "se", "ci_low", "ci_high", "p", "holm_p", "ps_trim_method",
               "n_trimmed"),
    "ancova": ("estimate", "se", "ci_low", "ci_high", "p", "holm_p"),
    "mixed": ("estimate", "se", "ci_low", "ci_high", "p", "holm_p"),
}
_FAILURES = (HbEvalError, ValueError, np.linalg.LinAlgError, KeyError)


def _plain(x: Any) -> Any:
    """A JSON-ready scalar: Python float/int/str/bool, NaN and NA -> None."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x
    return x


def _deep_plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _deep_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_deep_plain(v) for v in obj]
    return _plain(obj)


@dataclass(repr=False)
class OutcomeResults(ResultDisplay):
    """Everything the outcome analysis estimated.

    Attributes
    ----------
    estimates
        One row per outcome x estimator (:data:`ESTIMATORS`) with the estimate columns,
        ``holm_p``, ``multiplicity`` and ``note``.
    within
        :func:`hb_eval.stats.effect_sizes.within_arm` tables of all outcomes stacked.
    d_ppc2
        :func:`hb_eval.stats.effect_sizes.d_ppc2` rows of all outcomes.
    reliable_change
        :func:`hb_eval.stats.effect_sizes.reliable_change` tables stacked (empty when no reliability
        was available).
    alpha
        Cronbach's alpha at baseline per outcome (NaN when not computed).
    subgroups, interactions
        Pilot- and client-group-specific DiD for the primary outcome, and the interaction tests.
    n
        Complete cases per outcome and arm.
    notes
        Outcome -> list of sentences on what could not be estimated and why.
    settings
        The settings used (cluster, seed, wild reps, confidence, covariates, ps_trim).
    """

    estimates: pd.DataFrame
    within: pd.DataFrame
    d_ppc2: pd.DataFrame
    reliable_change: pd.DataFrame
    alpha: dict[str, float]
    subgroups: pd.DataFrame
    interactions: pd.DataFrame
    n: dict[str, dict[str, int]]
    notes: dict[str, list[str]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    alpha_full: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """All estimates, one row per outcome x estimator."""
        return self.estimates.copy()

    def summary(self) -> pd.DataFrame:
        """A compact table: outcome, estimator, estimate, CI and p (the primary inference), Holm
        p, the wild bootstrap's p and interval and the CR2 ones beside it, n, SE type."""
        cols = ["outcome", "estimator", "estimate", "ci_low", "ci_high", "p", "holm_p",
                "inference", "wild_p", "wild_ci_low", "wild_ci_high", "p_cr2", "ci_cr2_low",
                "ci_cr2_high", "n_HB", "n_Verrokki", "n_clusters", "se_type"]
        return self.estimates.reindex(columns=cols)

    def forest_frame(self) -> pd.DataFrame:
        """Subgroup DiD estimates of the primary outcome for a forest plot.

        Columns: by (pilot/client_group), subgroup, label, estimate, se, ci_low, ci_high, p,
        n_HB, n_Verrokki, n, n_clusters, se_type, note.
        """
        f = self.subgroups.copy()
        if f.empty:
            return f
        f["label"] = f["subgroup"]
        f["n"] = f["n_HB"] + f["n_Verrokki"]
        return f.reindex(columns=["outcome", "by", "subgroup", "label", "estimate", "se",
                                  "df", "ci_low", "ci_high", "p", "n_HB", "n_Verrokki", "n",
                                  "n_clusters", "se_type", "cluster", "note"])

    def reliability_table(self) -> pd.DataFrame:
        """Cronbach's alpha of every scale at each wave (when the items were given)."""
        return self.alpha_full.copy() if self.alpha_full is not None else pd.DataFrame()

    def to_results(self) -> dict[str, Any]:
        """The ``outcomes`` block of results.json (docs/outputs.md), plain values, NaN -> None.

        Per outcome: n, within, did, did_adjusted, dr_did, ancova, mixed, d_ppc2,
        alpha_baseline, reliable_change (keys as docs/outputs.md; a few more are added: ``holm_p`` in
        every estimator block, ``wild_ci_low``/``wild_ci_high``/``wild_weights``/``wild_reps``/
        ``wild_enumerated`` and ``inference`` in ``did`` (with ``inference_reason`` and the CR2
        ``p_cr2``/``ci_cr2_low``/``ci_cr2_high`` when the wild bootstrap is primary), and for the
        primary outcome ``heterogeneity.{pilot_p, client_group_p}``).
        """
        from ..stats.effect_sizes import reliable_change_results, within_results

        out: dict[str, Any] = {}
        for outcome in self.n:
            block: dict[str, Any] = {"n": dict(self.n[outcome])}
            w = self.within[self.within["outcome"] == outcome] if len(self.within) else \
                self.within
            block["within"] = within_results(w) if len(w) else {}
            est = self.estimates[self.estimates["outcome"] == outcome].set_index("estimator")
            for name, keys in _RESULT_KEYS.items():
                block[name] = ({k: est.at[name, k] if k in est.columns else None
                                for k in keys} if name in est.index
                               else {k: None for k in keys})
                block[name].update(estimability_keys(est, name))
            for name, key, kind in (("dr_did", "n_trimmed", int), ("did", "wild_reps", int),
                                    ("did", "wild_enumerated", bool)):
                v = block[name].get(key)       # a float/object column where rows are NaN
                if v is not None and not pd.isna(v):
                    block[name][key] = kind(v)
            dp = self.d_ppc2[self.d_ppc2["outcome"] == outcome]
            block["d_ppc2"] = ({k: dp.iloc[0][k] for k in ("estimate", "ci_low", "ci_high")}
                               if len(dp) else {"estimate": None, "ci_low": None,
                                                "ci_high": None})
            block["alpha_baseline"] = self.alpha.get(outcome)
            rc = (self.reliable_change[self.reliable_change["outcome"] == outcome]
                  if len(self.reliable_change) else self.reliable_change)
            block["reliable_change"] = reliable_change_results(rc) if len(rc) else None
            if outcome == PRIMARY and len(self.interactions):
                block["heterogeneity"] = {f"{r['by']}_p": r["p"]
                                          for _, r in self.interactions.iterrows()}
            out[outcome] = block
        return _deep_plain(out)


def dr_did_ps_trim(config: AnalysisConfig) -> tuple[float, float] | None:
    """The ``ps_trim`` argument of :func:`~hb_eval.outcomes.dr_did.dr_did` for a configuration.

    ``analysis.dr_did_trim: drdid`` (default) gives None, DRDID's trimming; ``clip`` gives the
    ``analysis.ps_trim`` bounds (the clipping of earlier releases).
    """
    if getattr(config, "dr_did_trim", "drdid") == "clip":
        return tuple(config.ps_trim)
    return None


def _nan_row(outcome: str, estimator: str, cluster: str, confidence: float,
             note: str, n: Mapping[str, int]) -> pd.DataFrame:
    row = {c: np.nan for c in ESTIMATE_COLUMNS}
    row.update(outcome=outcome, estimator=estimator, n_HB=n.get("HB", 0),
               n_Verrokki=n.get("Verrokki", 0), se_type="none", cluster=cluster,
               confidence=confidence, note=note)
    return pd.DataFrame([row])


def _baseline_alpha(items: pd.DataFrame | None, schemas: Any) -> tuple[dict[str, float],
                                                                        pd.DataFrame | None]:
    if items is None:
        return {}, None
    from .reliability import alpha_table

    tab = alpha_table(items, schemas)
    base = tab[(tab["wave"].astype(str) == "alku") & (tab["source"].astype(str) != "kompassi")]
    return {str(r["scale"]): float(r["alpha"]) for _, r in base.iterrows()}, tab


#: From this many clients the outcome analysis forks worker processes (when it can fork): with
#: one BLAS thread each, two processes took the estimators of 150 clients from 4.5 s to 2.9 s
#: (statsmodels' MixedLM, which fits the mixed model up to 1,500 clients, costs about a second per
#: outcome at any size), of 1,000 clients from 8.7 s to 5.8 s, of 3,000 from 4.6 s to 3.9 s.
POOL_FROM_CLIENTS = 100
#: The outcome analysis of the running call, for its forked workers.
_JOB: _Job | None = None


def _workers(workers: int | None, n_outcomes: int, n_clients: int) -> int:
    """Processes for the estimators: ``workers`` as given, or None: the cores this process may
    use when it can fork and there are at least :data:`POOL_FROM_CLIENTS` clients, else 1."""
    if workers is None:
        workers = fork_workers(n_clients, POOL_FROM_CLIENTS)
    return max(1, min(int(workers), n_outcomes))


@dataclass
class _Estimated:
    """The estimator rows of one outcome, their notes, and the primary outcome's heterogeneity."""

    rows: list[pd.DataFrame]
    notes: list[str]
    subgroups: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    het_notes: list[str] = field(default_factory=list)


@dataclass
class _Job:
    """What every outcome's estimators need (one outcome is :meth:`estimate`)."""

    index: Any
    todo: list[str]
    seeds: list[np.random.SeedSequence]
    config: AnalysisConfig
    covariates: tuple[str, ...]
    wild_reps: int
    mixed: bool
    heterogeneity: bool

    def estimate(self, k: int, cf: pd.DataFrame | None = None) -> _Estimated:
        """The estimators of outcome ``k`` of :attr:`todo`, with its own seed ``seeds[k]`` (so
        the numbers do not depend on which process runs which outcome); ``cf``: its change
        frame when already made (the estimators read it, never change it)."""
        config, outcome, covariates = self.config, self.todo[k], self.covariates
        cluster, conf, wild_reps = config.cluster, config.confidence, self.wild_reps
        if cf is None:
            cf = self.index.change_frame(outcome)
        arm = cf["arm"].astype("string")
        n = {"HB": int((arm == "HB").sum()), "Verrokki": int((arm == "Verrokki").sum())}
        out = _Estimated([], [])
        rng = np.random.default_rng(self.seeds[k])

        def run(name: str, fun) -> None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    row = fun()
                out.rows.append(row.assign(note=row["note"] if "note" in row else ""))
            except _FAILURES as exc:
                msg = f"{name}: not estimated ({exc})"
                out.notes.append(msg)
                out.rows.append(_nan_row(outcome, name, cluster, conf, msg, n))

        run("did", lambda: did_2x2(cf, cluster=cluster, confidence=conf, wild_reps=wild_reps,
                                   seed=rng, outcome=outcome))
        run("did_adjusted", lambda: did_adjusted(cf, covariates, cluster=cluster,
                                                 confidence=conf, outcome=outcome,
                                                 wild_reps=wild_reps, seed=rng))
        run("dr_did", lambda: dr_did(cf, covariates, cluster=cluster, confidence=conf,
                                     ps_trim=dr_did_ps_trim(config), outcome=outcome))
        run("ancova", lambda: ancova(cf, cluster=cluster, confidence=conf, outcome=outcome,
                                     wild_reps=wild_reps, seed=rng))
        if self.mixed:
            run("mixed", lambda: mixed_did(self.index.long_frame(outcome), confidence=conf,
                                           outcome=outcome))
        if outcome == PRIMARY and self.heterogeneity:
            try:
                out.subgroups = subgroup_estimates(cf, ("pilot", "client_group"),
                                                   cluster=cluster, confidence=conf,
                                                   outcome=outcome)
                out.interactions = pd.concat([interaction_test(cf, by, cluster=cluster,
                                                               outcome=outcome)
                                              for by in ("pilot", "client_group")],
                                             ignore_index=True)
            except _FAILURES as exc:
                out.het_notes.append(f"heterogeneity: not estimated ({exc})")
        return out


def _result(future) -> _Estimated | None:
    """A worker's result, or None when the pool broke (a worker killed, e.g. out of memory):
    the outcome is then estimated in this process, with the same seed and so the same numbers."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _estimate_outcome(k: int) -> _Estimated:
    """:meth:`_Job.estimate` in a forked worker (the job came with the fork); the memory its
    estimators freed is handed back to the system before the next outcome."""
    assert _JOB is not None
    try:
        return _JOB.estimate(k)
    finally:
        return_freed_memory()


def analyse_outcomes(scores: pd.DataFrame, clients: pd.DataFrame, config: AnalysisConfig,
                     outcomes: Iterable[str] | None = None, *, items: pd.DataFrame | None = None,
                     schemas: Any = None, wild_reps: int = 999, mixed: bool = True,
                     covariates: Iterable[str] = DEFAULT_COVARIATES,
                     heterogeneity: bool = True, workers: int | None = None
                     ) -> OutcomeResults:
    """Run the outcome analysis for every outcome.

    Parameters
    ----------
    scores
        Long scores (:func:`hb_eval.outcomes.scores.score_all`).
    clients
        The Dataset's ``clients`` table.
    config
        Analysis settings: ``cluster`` (worker/pilot), ``seed``, ``confidence``,
        ``dr_did_trim`` and ``ps_trim`` (see :func:`dr_did_ps_trim`),
        ``reliability`` (test-retest for the RCI; None = baseline alpha).
    outcomes
        Outcomes to analyse; default the primary and all secondary ones present in ``scores``.
    items, schemas
        The Dataset's ``items`` (and adapted schemas) for Cronbach's alpha at baseline; without
        them ``alpha_baseline`` is None and reliable change needs ``config.reliability``.
    wild_reps
        Wild cluster bootstrap replicates of the DiD (0 skips it). Separate from
        ``config.bootstrap_reps`` (the cost bootstrap) so the report stays fast. With fewer
        than 12 clusters the bootstrap is the primary inference of the DiD, the adjusted DiD
        and ANCOVA (enumerated up to 7 clusters, else at least 9,999 draws).
    mixed
        Fit the mixed model (the slowest estimator).
    covariates
        Baseline covariates of the adjusted and doubly robust DiD.
    heterogeneity
        Subgroup estimates and interaction tests for the primary outcome.
    workers
        Processes for the estimators (each outcome's in one process, with its own seed, so
        the numbers are the same for any number): None uses the cores this process may use
        from :data:`POOL_FROM_CLIENTS` clients where processes can be forked (Linux), else 1;
        1 runs everything in this process.

    Returns
    -------
    OutcomeResults
    """
    from ..stats.effect_sizes import d_ppc2, reliable_change, within_arm
    from .scores import OutcomeIndex, same_clients

    global _JOB
    cluster = config.cluster
    conf = config.confidence
    covariates = tuple(covariates)
    est_parts, within_parts, dppc_parts, rc_parts = [], [], [], []
    n_by: dict[str, dict[str, int]] = {}
    subgroups = pd.DataFrame()
    interactions = pd.DataFrame()
    # the clients table prepared once for every outcome's change and long frames, and the
    # scores indexed once (the long scores hold every outcome)
    with same_clients(clients):
        index = OutcomeIndex(scores, clients)
        present = set(index.rows_of)
        wanted = list(outcomes) if outcomes is not None else [PRIMARY, *SECONDARY]
        todo = [o for o in wanted if o in present]
        notes: dict[str, list[str]] = {o: [f"{o}: no scores in the data; not analysed"]
                                       for o in wanted if o not in present}
        seeds = np.random.SeedSequence(config.seed).spawn(len(todo) + 1)
        job = _Job(index, todo, seeds, config, covariates, wild_reps, mixed, heterogeneity)
        workers = _workers(workers, len(todo), len(clients))
        # the estimators of each outcome in forked processes (they read ``_JOB``, inherited),
        # this process meanwhile does Cronbach's alpha and the effect sizes
        _JOB = job
        pool = fork_pool(workers) if workers > 1 else None
        try:
            done = [pool.submit(_estimate_outcome, k) for k in range(len(todo))] if pool else []
            alpha, alpha_full = _baseline_alpha(items, schemas)
            effect_notes = {}
            here: dict[int, _Estimated] = {}  # without workers: estimated from the same frame
            for k, outcome in enumerate(todo):
                cf = index.change_frame(outcome)
                arm = cf["arm"].astype("string")
                n = {"HB": int((arm == "HB").sum()),
                     "Verrokki": int((arm == "Verrokki").sum())}
                n_by[outcome] = n
                effect_notes[outcome] = own = []
                if min(n.values()) >= 2:
                    within_parts.append(within_arm(cf, confidence=conf).assign(outcome=outcome))
                    dppc_parts.append(d_ppc2(cf, confidence=conf).assign(outcome=outcome))
                    rel = (config.reliability if config.reliability is not None
                           else alpha.get(outcome))
                    if rel is not None and np.isfinite(rel) and 0 <= rel < 1:
                        rc_parts.append(reliable_change(cf, rel, confidence=conf)
                                        .assign(outcome=outcome))
                    else:
                        own.append("reliable change: no reliability (baseline alpha or "
                                   "analysis.reliability) available")
                else:
                    own.append("within-arm effect sizes: fewer than 2 complete cases in an arm")
                if pool is None:  # (the effect sizes above read cf, never change it)
                    here[k] = job.estimate(k, cf)
            for k, outcome in enumerate(todo):
                res = _result(done[k]) if pool else here.pop(k)
                if res is None:           # in this process (also when a worker died)
                    res = job.estimate(k)
                est_parts.extend(res.rows)
                # in the order the serial analysis wrote them: estimators, effect sizes,
                # heterogeneity
                notes[outcome] = res.notes + effect_notes[outcome] + res.het_notes
                if res.subgroups is not None:
                    subgroups = res.subgroups
                if res.interactions is not None:
                    interactions = res.interactions
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            _JOB = None

    cols = ESTIMATE_COLUMNS + WILD_COLUMNS + ["note"]
    estimates = (pd.concat(est_parts, ignore_index=True) if est_parts
                 else pd.DataFrame(columns=cols))
    extra = [c for c in estimates.columns if c not in cols]
    estimates = estimates.reindex(columns=cols + extra)
    estimates["note"] = estimates["note"].fillna("").astype(str)
    estimates = adjust_secondary(estimates, primary=PRIMARY)
    order = {e: i for i, e in enumerate(ESTIMATORS)}
    estimates = estimates.assign(_o=estimates["outcome"].map({o: i for i, o in
                                                              enumerate(todo)}),
                                 _e=estimates["estimator"].map(order)) \
        .sort_values(["_o", "_e"], kind="stable").drop(columns=["_o", "_e"]) \
        .reset_index(drop=True)

    def stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["outcome"])

    return OutcomeResults(
        estimates=estimates, within=stack(within_parts), d_ppc2=stack(dppc_parts),
        reliable_change=stack(rc_parts), alpha={o: alpha.get(o, np.nan) for o in todo},
        subgroups=subgroups, interactions=interactions, n=n_by, notes=notes,
        settings={"cluster": cluster, "seed": config.seed, "wild_reps": wild_reps,
                  "confidence": conf, "covariates": list(covariates),
                  "ps_trim": list(config.ps_trim),
                  "dr_did_trim": getattr(config, "dr_did_trim", "drdid"), "mixed": mixed},
        alpha_full=alpha_full)


def adjust_secondary(estimates: pd.DataFrame, primary: str = PRIMARY,
                     p_column: str = "p") -> pd.DataFrame:
    """Add ``holm_p`` beside ``p``: Holm within each estimator across the secondary outcomes.

    The primary outcome is not adjusted (``holm_p`` equals ``p``); the family is the secondary
    outcomes of one estimator.

    Parameters
    ----------
    estimates
        Rows with outcome, estimator and ``p_column``.
    primary
        The primary outcome's name.

    Returns
    -------
    DataFrame
        A copy with ``holm_p`` and ``multiplicity`` (``"holm_secondary"`` or ``"primary"``).
    """
    out = estimates.copy()
    out["holm_p"] = np.nan
    out["multiplicity"] = np.where(out["outcome"] == primary, "primary", "holm_secondary")
    prim = out["outcome"] == primary
    out.loc[prim, "holm_p"] = out.loc[prim, p_column]
    for _, idx in out[~prim].groupby("estimator", sort=False).groups.items():
        out.loc[idx, "holm_p"] = holm(out.loc[idx, p_column].to_numpy(float))
    return out
