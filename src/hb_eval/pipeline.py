"""The analysis pipeline: the stages :func:`hb_eval.evaluate` runs, in order.

Each stage is one function ``stage(ev)`` that reads ``ev.dataset``, ``ev.config``, ``ev.scores``
(and what earlier stages left on ``ev``) and writes three kinds of output:

* ``ev.results[...]`` - plain values that become results.json (keys as documented there);
* ``ev.tables[name] = frame`` - tidy DataFrames with English snake-case columns, untranslated
  (the report adds titles, labels, rounding and small-count suppression);
* ``ev.figure_data[name] = {"df": frame, ...}`` - the inputs of a report figure.

A stage may also keep its result object on ``ev.objects[name]`` (``outcomes``, ``experience``,
``costs``, ``cea``). Nothing here translates, formats or writes a file.

The runner (:func:`run_stages`) gives every stage a section status in ``ev.sections``:
``ok``; ``absent`` when a source it needs is not configured; ``not_estimable`` (with the reason)
when the stage raises an :class:`~hb_eval.errors.HbEvalError` other than a configuration or
input error; ``failed`` for any other exception (the rest still runs). A stage whose section an
earlier stage already set is skipped (the satisfaction stage also does the employment
transitions); a stage that runs ``after`` another one takes that one's status when it is not ok.

From :data:`SIDE_FROM_CLIENTS` clients on two cores the ``side`` stages (the cost stages) run in
two forked processes in turn, the first beside the scoring, the second after the outcome
stage, while this one scores and runs the others (:func:`run_stages`); the Evaluation ends up
as one process leaves it, in the same order.

Adding an analysis
------------------
1. Write ``def _my_analysis(ev: Evaluation) -> None`` below: compute with the estimator
   modules, put the plain block into ``ev.results["my_analysis"]`` and tidy frames into
   ``ev.tables``.
2. Register it in :data:`STAGES`: ``Stage("my_analysis", _my_analysis, needs=("source",))``
   (``side=True`` only when it reads nothing a non-side stage makes, no scores but the primary
   change frame (then also ``change=True``), and only adds keys to ``ev``).
3. In the report: a title ``tab_<table>`` in ``report/i18n.py``, and if the table has count
   columns with derived columns, an entry in ``report/table_specs.py``.
"""
from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .outcomes import comparability, experience, scores as scoring
from .stats import imputation
from .outcomes import plan as plan_mod
from .costs import budget as budget_mod
from .costs import costing, evpi, joint, neutrality, sensitivity
from .costs import providers as providers_mod
from .costs import service_summary
from .data.loaders.unit_costs import unit_cost_value
from .data.plausibility import plausibility_table
from .config import PRIMARY, config_table
from .errors import ConfigError, HbEvalError, InputError, SchemaError
from .outcomes import analysis, confounding
from .support.cores import can_fork, fork_workers
from .support.heap import return_freed_memory
from .support.progress import RunProgress, as_progress
from .support.values import plain_value

if TYPE_CHECKING:
    from .evaluation import Evaluation

__all__ = ["Section", "Stage", "STAGES", "PRIMARY", "run_stages", "select"]

RC_CATEGORIES = ("improved", "unchanged", "deteriorated")
ARMS = ("HB", "Verrokki")


@dataclass
class Section:
    """The state of one analysis (report section).

    Attributes
    ----------
    status
        ``ok``, ``absent``, ``not_estimable`` or ``failed``.
    reason
        ``absent``: the missing configuration keys (``"sources.esr"``); ``not_estimable``: why;
        ``failed``: the exception's type name. Empty when ok.
    """

    status: str
    reason: str = ""

    @property
    def note(self) -> str:
        """The state as one English sentence (empty when ok)."""
        return {
            "absent": f"not run: {self.reason} is not in the configuration",
            "not_estimable": f"not estimable: {self.reason}",
            "failed": f"failed ({self.reason}); evaluate(..., debug=True) shows the traceback",
        }.get(self.status, "")


@dataclass(frozen=True)
class Stage:
    """One analysis of the pipeline.

    Attributes
    ----------
    name
        Section name (the key in results.json's ``analyses``).
    run
        ``run(ev) -> None``; writes into ``ev.results``, ``ev.tables``, ``ev.figure_data``.
    needs
        Sources it needs besides the roster and Kykyviisari (configuration ``sources`` keys).
    after
        Sections that must be ok first; otherwise this one takes the first failing one's state.
    side
        Runs in the side process when there is one (:func:`run_stages`): it reads only the
        dataset, the configuration, what other side stages left and (when ``change``) the
        primary change frame, never the scores, waits only for side stages, and only adds keys
        to ``ev``'s dicts.
    change
        Reads the primary outcome's change frame (:func:`_primary_change`, made from the
        scores): a side stage with it (and every side stage after it) runs in the side process
        forked after the scoring and the stages of :data:`FORKING`.
    """

    name: str
    run: Callable[[Evaluation], None]
    needs: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    side: bool = False
    change: bool = False


def counter(ev: Evaluation, unit: str = "replicates", part: tuple[int, int] = (0, 1)
            ) -> Callable[[int, int], None] | None:
    """The ``progress(done, total)`` hook of the running stage (None outside a run)."""
    run = ev.__dict__.get("_progress")
    return None if run is None or run.mode == "off" else run.counter(unit, part)


def _primary_change(ev: Evaluation) -> pd.DataFrame:
    """The primary outcome's complete-case change frame (:func:`~hb_eval.outcomes.scores.
    change_frame`), made once per run and handed to each stage as its own copy."""
    cache = ev.__dict__.setdefault("_change", {})
    if PRIMARY not in cache:
        cache[PRIMARY] = scoring.change_frame(ev.scores, ev.dataset.clients, PRIMARY)
    return cache[PRIMARY].copy()


def _prepared_costs(ev: Evaluation) -> costing.PreparedCosts:
    """The dataset's :class:`~hb_eval.costs.costing.PreparedCosts` (diaries joined, service
    costs summed), made once per run for the costs and the sensitivity stages."""
    if "_prepared_costs" not in ev.__dict__:
        ev.__dict__["_prepared_costs"] = costing.PreparedCosts(ev.dataset)
    return ev.__dict__["_prepared_costs"]


def select(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """The columns of ``cols`` that ``df`` has, in that order."""
    return df.loc[:, [c for c in cols if c in df.columns]]


def _table(ev: Evaluation, name: str, frame: pd.DataFrame) -> None:
    ev.tables[name] = frame.reset_index(drop=True)


# ------------------------------------------------------------------------------ stages
def _outcomes(ev: Evaluation) -> None:
    ds = ev.dataset
    res = analysis.analyse_outcomes(ev.scores, ds.clients, ev.config.analysis, items=ds.items,
                                    schemas=getattr(ds, "schemas", None) or None)
    ev.objects["outcomes"] = res
    ev.results["outcomes"] = res.to_results()
    est = res.to_frame()
    # p and the interval are each estimate's primary inference; when the wild bootstrap is
    # primary anywhere, the tables say which and show the CR2 values beside it
    beside: list[str] = []
    if "inference" in est and (est["inference"] == "wild_cluster_bootstrap").any():
        declared = est["inference"].isin(["CR2", "wild_cluster_bootstrap"])
        est = est.assign(inference=est["inference"].where(declared, est["se_type"]))
        beside = ["inference", "p_cr2", "ci_cr2_low", "ci_cr2_high"]
    _table(ev, "outcome_effects", select(
        est[est["estimator"] == "did"] if "estimator" in est else est,
        ["outcome", "estimator", "estimate", "se", "df", "ci_low", "ci_high", "p", "holm_p",
         "wild_p", *beside, "n_HB", "n_Verrokki", "n_clusters", "se_type", "cluster"]))
    prim = est[est["outcome"] == PRIMARY] if "outcome" in est else est
    _table(ev, "estimators_primary", select(
        prim, ["estimator", "estimate", "se", "ci_low", "ci_high", "p", *beside, "n_HB",
               "n_Verrokki", "n_clusters", "se_type"]))
    ev.figure_data["estimator_comparison"] = {"df": prim}
    forest = res.forest_frame()
    if len(forest):
        by_pilot = forest[forest["by"].astype(str) == "pilot"] if "by" in forest else forest
        ev.figure_data["forest_pilot"] = {"df": _forest_input(by_pilot)}
        _table(ev, "heterogeneity", select(forest, [
            "by", "subgroup", "estimate", "se", "df", "ci_low", "ci_high", "p", "n_HB",
            "n_Verrokki", "n", "n_clusters", "se_type"]))
    # within-arm change (from the results block: the same numbers as results.json)
    rows = []
    for o, block in ev.results["outcomes"].items():
        for arm in ARMS:
            w = ((block or {}).get("within") or {}).get(arm) or {}
            n = ((block or {}).get("n") or {}).get(arm)
            rows.append({"outcome": o, "arm": arm, "n": n, **{k: w.get(k) for k in (
                "mean_baseline", "mean_end", "mean_change", "ci_low", "ci_high", "d_z",
                "d_z_ci_low", "d_z_ci_high", "g_av")}})
    within = pd.DataFrame(rows)
    _table(ev, "within_arm", within)
    ev.figure_data["change_by_arm"] = {"df": within}
    rc_rows = []
    for o, block in ev.results["outcomes"].items():
        for arm, cats in ((block or {}).get("reliable_change") or {}).items():
            row = {"outcome": o, "arm": arm, "n": cats.get("n")}
            row.update({f"n_{k}": cats.get(f"n_{k}") for k in RC_CATEGORIES})
            row.update({f"share_{k}": cats.get(k) for k in RC_CATEGORIES})
            rc_rows.append(row)
    if rc_rows:
        _table(ev, "reliable_change", pd.DataFrame(rc_rows))
    rel = res.reliability_table()
    if len(rel):
        _table(ev, "reliability", rel)


def _imputation(ev: Evaluation) -> None:
    """MICE sensitivity analysis of the primary DiD (complete case is the default)."""
    a = ev.config.analysis
    cf = scoring.change_frame(ev.scores, ev.dataset.clients, PRIMARY, complete=False)
    r = imputation.mice_did(cf, m=a.mice_m, seed=a.seed, confidence=a.confidence).iloc[0]
    keys = ("estimate", "se", "df", "ci_low", "ci_high", "p", "m", "n_HB", "n_Verrokki",
            "n_imputed_HB", "n_imputed_Verrokki", "fmi", "df_method", "imputation")
    block = {k: plain_value(r[k]) for k in keys if k in r.index}
    ev.results.setdefault("outcomes", {}).setdefault(PRIMARY, {})["did_mice"] = block
    _table(ev, "mice", pd.DataFrame([{"outcome": PRIMARY, "estimator": "did_mice", **block}]))
    prim = ev.figure_data.get("estimator_comparison", {}).get("df")
    if prim is not None:
        row = pd.DataFrame([{"estimator": "did_mice", **{k: block.get(k) for k in (
            "estimate", "ci_low", "ci_high")}}])
        ev.figure_data["estimator_comparison"]["df"] = pd.concat([prim, row], ignore_index=True)


def _forest_input(forest: pd.DataFrame) -> pd.DataFrame:
    f = forest.copy()
    if "label" not in f.columns:
        for c in ("pilot", "subgroup", "group", "level"):
            if c in f.columns:
                f["label"] = f[c].astype(str)
                break
        else:
            f["label"] = [str(i) for i in range(len(f))]
    if "n" not in f.columns and {"n_HB", "n_Verrokki"} <= set(f.columns):
        f["n"] = f["n_HB"] + f["n_Verrokki"]
    return f


def _comparability(ev: Evaluation) -> None:
    ds = ev.dataset
    cf = _primary_change(ev)  # the primary analysis sample
    t1 = comparability.baseline_table(ds.clients, cf)
    _table(ev, "table1", select(t1, [
        "covariate", "level", "n_HB", "share_HB", "mean_HB", "sd_HB", "n_Verrokki",
        "share_Verrokki", "mean_Verrokki", "sd_Verrokki", "smd"]))
    ps = comparability.propensity_scores(cf, trim=ev.config.analysis.ps_trim)
    w = cf.loc[:, ["client_id"]].merge(ps.loc[:, ["client_id", "weight"]], on="client_id",
                                       how="left", validate="one_to_one")
    bal = comparability.balance(cf.assign(weight=w["weight"].to_numpy()), weights="weight")
    ev.figure_data["love_plot"] = {"df": bal.loc[:, ["covariate", "level", "smd_unweighted",
                                                     "smd_weighted"]]}
    att = comparability.attrition(ds.clients, ev.scores, PRIMARY)
    ev.__dict__["_attrition"] = att.copy()    # the plan stage's too
    att = att.reset_index(drop=True)
    _table(ev, "attrition", select(att, [
        "level", "arm", "pilot", "n_clients", "n_no_baseline", "n_baseline", "n_completers",
        "n_dropouts", "n_dropouts_ongoing", "n_dropouts_ended", "share_dropouts"]))


def _satisfaction(ev: Evaluation) -> None:
    ds = ev.dataset
    esr = ds.esr if ev.config.has_source("esr") else None
    res = experience.analyse_experience(ds.satisfaction, esr, ds.clients,
                                        ev.config.analysis.confidence)
    ev.objects["experience"] = res
    ev.results["satisfaction"] = res.to_results()
    _table(ev, "satisfaction_items", select(res.items, [
        "item", "n_HB", "n_Verrokki", "share_agree_HB", "share_agree_Verrokki", "diff_share",
        "diff_ci_low", "diff_ci_high", "mann_whitney_p", "rank_biserial"]))
    if res.grade is not None:
        _table(ev, "satisfaction_grade", select(res.grade, [
            "n_HB", "n_Verrokki", "mean_HB", "mean_Verrokki", "diff", "diff_ci_low",
            "diff_ci_high", "mann_whitney_p", "rank_biserial"]))
    if res.hb_only is not None:
        _table(ev, "satisfaction_hb_items", select(res.hb_only, [
            "item", "n", "share_agree", "ci_low", "ci_high", "mean"]))
    dist = res.distribution.rename(columns={"answer": "level"})
    ev.figure_data["satisfaction_items"] = {"df": dist.loc[:, ["item", "arm", "level", "share"]]}
    if res.transition_summary is not None:
        _esr_table(ev, res.transition_summary)
        ev.sections["esr"] = Section("ok")


def _esr(ev: Evaluation) -> None:
    """Employment transitions on their own (when the satisfaction stage did not do them)."""
    ds = ev.dataset
    summ = experience.work_transition_summary(ds.esr, ds.clients, ev.config.analysis.confidence)
    _esr_table(ev, summ)
    s0 = summ.iloc[0]
    ev.results.setdefault("satisfaction", {})["transitions"] = {
        k: plain_value(s0[k]) for k in ("n_paired", "n_not_in_work_or_study_at_start",
                                        "n_into_work_or_study", "share_into_work_or_study")
        if k in summ.columns}


def _esr_table(ev: Evaluation, summ: pd.DataFrame) -> None:
    _table(ev, "esr_transitions", select(summ, [
        "n_paired", "n_not_in_work_or_study_at_start", "n_into_work_or_study",
        "share_into_work_or_study", "ci_low", "ci_high"]))


def _services(ev: Evaluation) -> None:
    ds = ev.dataset
    # In euros of the price year, like every other cost in the report; priced once per run
    # (the costs and the sensitivity analyses read the same priced rows)
    prepared = _prepared_costs(ev)
    priced = prepared.priced_services(costing.unit_cost_values(ds.unit_costs))
    pos = prepared.service_client_pos()
    if pos is None:  # a client listed twice: the merge, as it always was
        sc = priced.merge(ds.clients.loc[:, ["client_id", "arm"]], on="client_id", how="inner")
        who = sc["client_id"]
    else:  # the inner merge's rows (left order) and arm, from the clients' positions
        keep = pos >= 0
        # every row a client's (the usual case): the priced rows themselves, not a copy
        sc = (priced.copy(deep=False) if keep.all() else priced.loc[keep]).reset_index(drop=True)
        sc["arm"] = ds.clients["arm"].take(pos[keep]).array  # its dtype, as merged
        who = pd.Series(pos[keep])  # the client by position: as many distinct as by id
    ev.objects["services"] = sc  # the priced episodes: the report's dominance check reads them
    client = pd.factorize(who)[0]  # a code per client (positions, or ids when merged)
    for by, name in (("funding", "services_by_funding"), ("sector", "services_by_sector")):
        _table(ev, name, service_summary.services_by(sc, by, client))


def _costs(ev: Evaluation) -> None:
    ds = ev.dataset
    a = ev.config.analysis
    prepared = _prepared_costs(ev)
    out = {p: costing.client_costs(prepared, perspective=p, rule=a.diary_rule)
           for p in ("organiser", "societal")}
    ev.objects["costs"] = out
    summ = costing.cost_summary(pd.concat(list(out.values()), ignore_index=True))
    ev.results["costs"] = {p: costing.costs_block(c, summary=summ) for p, c in out.items()}
    summ = (summ[summ["per"] == "client"].drop(columns="per")
            .sort_values("perspective", kind="stable"))
    _table(ev, "costs_by_arm", summ)
    main = out[a.perspective]
    comps = [c for c in costing.COMPONENTS if c in main.columns]
    cc = (main.groupby("arm", observed=True)[comps].mean().reset_index()
          .melt(id_vars="arm", var_name="component", value_name="mean"))
    ev.figure_data["cost_components"] = {"df": cc}
    imputed = (main.groupby("arm", observed=True)[["imputed_worker", "imputed_client",
                                                   "imputed_assistant"]]
               .sum().astype(int).reset_index()
               .rename(columns=lambda c: c.replace("imputed_", "n_imputed_") if c != "arm" else c))
    _table(ev, "imputed", imputed)
    uc = getattr(ds, "unit_costs", None)
    if uc is not None:
        rows = [("price_year", str(unit_cost_value(uc, "price_year") or "–"))]
        for title, w in sorted((unit_cost_value(uc, "hourly_wage") or {}).items()):
            rows.append((f"hourly_wage: {title}", w))
        for k in ("side_costs_pct", "overhead_pct", "km_allowance", "volunteer_hour_value",
                  "client_hour_value"):
            rows.append((k, unit_cost_value(uc, k)))
        _table(ev, "unit_costs", pd.DataFrame(
            {"setting": [r[0] for r in rows],
             "value": pd.Series([plain_value(r[1]) for r in rows], dtype=object)}))


def _cea(ev: Evaluation) -> None:
    a = ev.config.analysis
    effects = _primary_change(ev)
    blocks: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    rows = []
    ceac = []
    # both perspectives and their SUR from one bootstrap (the same resamples as apart)
    both = joint.cea_and_sur(ev.objects["costs"], effects, ev.config,
                             progress=lambda part: counter(ev, part=part))
    for p, (res, s) in both.items():
        objects[p] = res
        b = blocks[p] = res.to_results()
        _evpi(ev, res, b, main=p == a.perspective)
        margin, setting = a.margin_for(p)
        b["cost_neutrality"] = (
            neutrality.cost_neutrality(res, margin, setting).to_results() if margin is not None
            else {"margin": None, "margin_setting": None,
                  "note": f"no cost-neutrality margin for the {p} perspective "
                          "(analysis.cost_margin)"})
        rows.append({"perspective": p, "estimator": "means", **_cea_row(b)})
        if isinstance(s, HbEvalError):  # e.g. collinear regressors: say so, keep the rest
            b["sur"] = {"note": str(s)}
        else:
            b["sur"] = s.to_results()
            rows.append({"perspective": p, "estimator": "sur", **_cea_row(b["sur"])})
        if p == a.perspective:
            ev.figure_data["ce_plane"] = {"df": res.plane_frame(), "point": (
                b.get("delta_effect"), b.get("delta_cost")), "wtp": b.get("wtp")}
        ceac.append(res.ceac_frame().rename(columns={"p_cost_effective": "prob"})
                    .assign(perspective=p))
    ev.figure_data["ceac"] = {"df": pd.concat(ceac, ignore_index=True)}
    ev.objects["cea"] = objects
    ev.results["cea"] = blocks
    _table(ev, "cea", pd.DataFrame(rows))


def _evpi(ev: Evaluation, res: Any, block: dict[str, Any], main: bool) -> None:
    """EVPI from the CEA replicates into ``cea.<perspective>`` (figure: main perspective)."""
    v = evpi.run_evpi(res, ev.config)
    block.update(v.to_results())
    if main:
        ev.figure_data["evpi"] = {"df": v.curve, "crossing": res.wtp_crossing,
                                  "population_factor": v.factor}


def _confounding(ev: Evaluation) -> None:
    """Sensitivity of the primary adjusted DiD to unmeasured confounding (Cinelli & Hazlett)."""
    cf = _primary_change(ev)
    res = confounding.confounding_sensitivity(cf, outcome=PRIMARY)
    ev.results.setdefault("sensitivity", {})["confounding"] = res.to_results()
    _table(ev, "confounding", select(
        res.benchmarks.rename(columns={"k": "multiple"}),
        ["covariate", "multiple", "r2dz_x", "r2yz_dx", "adjusted_estimate", "adjusted_se",
         "adjusted_t", "note"]))
    ev.figure_data["confounding_contour"] = {"df": res.contour_grid(), "estimate": res.estimate,
                                             "benchmarks": res.benchmarks}


def _plan(ev: Evaluation) -> None:
    """Planning the next phase: MDE for 50, 100, 200, 400 clients per arm."""
    # the primary change frame and attrition table of the comparability stage, not remade
    att = ev.__dict__.get("_attrition")
    res = plan_mod.plan_next_phase(ev.scores, ev.dataset.clients,
                                   confidence=ev.config.analysis.confidence,
                                   change=_primary_change(ev),
                                   attrition=None if att is None else att.copy())
    ev.results["plan"] = res.to_results()
    _table(ev, "plan", res.rows.loc[:, ["n_per_arm", "effective_per_arm", "mde", "mde_d"]])
    ev.figure_data["plan_curve"] = {"df": res.curve(), "marks": res.rows}


def _cutoff(ev: Evaluation) -> pd.Timestamp:
    """The end of ongoing client-ships, as the costs have it."""
    ds = ev.dataset
    return costing.latest_data_date(ds.clients, ds.diary_rows, ds.service_costs)


def _budget(ev: Evaluation) -> None:
    """Budget follow-up: granted and realised budgets, utilisation, by pilot and client group."""
    ds = ev.dataset
    res = budget_mod.budget_followup(ds.budgets, ds.service_costs, ds.clients, _cutoff(ev),
                                     client_pos=_prepared_costs(ev).service_client_pos())
    block = ev.results["budget"] = res.to_results()
    ev.objects["budget"] = res
    _table(ev, "budget_followup", pd.DataFrame([{k: block[k] for k in (
        "n_clients", "granted_mean", "realised_mean", "utilisation_median", "utilisation_q1",
        "utilisation_q3", "share_under_half", "share_over_full", "granted_per_month_mean",
        "realised_per_month_mean")}]))
    for by, name in (("pilot", "budget_by_pilot"), ("client_group", "budget_by_group")):
        _table(ev, name, res.by(by).loc[:, [
            by, "n", "granted_mean", "realised_mean", "utilisation_median", "utilisation_q1",
            "utilisation_q3", "share_under_half", "share_over_full"]])
    ev.figure_data["budget_utilisation"] = {
        "df": res.clients.loc[:, ["pilot", "utilisation"]].astype({"pilot": str})}


def _providers(ev: Evaluation) -> None:
    """Provider choice: HB euros by provider sector beside the usual services' sector mix."""
    ds = ev.dataset
    pos = _prepared_costs(ev).service_client_pos()  # the rows' clients, found once per run
    mix = providers_mod.provider_mix(ds.service_costs, ds.clients, ds.providers, _cutoff(ev),
                                     client_pos=pos)
    block = ev.results["providers"] = mix.to_results()
    ev.objects["providers"] = mix
    _table(ev, "provider_mix", mix.to_frame().loc[:, [
        "sector", "hb_euros", "hb_share", "n_clients_hb", "usual_share_HB",
        "usual_share_Verrokki"]])
    _table(ev, "provider_summary", pd.DataFrame([{k: block[k] for k in (
        "n_providers", "distinct_per_client_median", "new_entrant_share", "evaluation_start")}]))
    # with names (a sole trader's name is a person's): the report drops it when public
    _table(ev, "providers_paid", providers_mod.provider_table(
        ds.service_costs, ds.clients, ds.providers, mix, client_pos=pos))


def _cea_row(b: dict[str, Any]) -> dict[str, Any]:
    dc = b.get("delta_cost_ci") or [None, None]
    de = b.get("delta_effect_ci") or [None, None]
    return {"delta_cost": b.get("delta_cost"), "delta_cost_ci_low": dc[0],
            "delta_cost_ci_high": dc[1], "delta_effect": b.get("delta_effect"),
            "delta_effect_ci_low": de[0], "delta_effect_ci_high": de[1], "icer": b.get("icer"),
            "nmb_at_wtp": b.get("nmb_at_wtp"), "wtp": b.get("wtp")}


def _sensitivity(ev: Evaluation) -> None:
    # tornado_table's analysis, on the primary change frame the other stages share
    # the costs stage's prepared diaries and service sums, and its costs for the base and the
    # perspective analyses (the same rule, unit costs and cut-off): not costed again
    tab = sensitivity.one_way_sensitivity(_prepared_costs(ev), _primary_change(ev), ev.config,
                                          progress=counter(ev, "analyses"),
                                          costs=ev.objects.get("costs"))
    _table(ev, "sensitivity", tab)
    fig = pd.DataFrame({"parameter": tab["parameter"], "low_value": tab["low_value"],
                        "high_value": tab["high_value"], "low": tab["delta_cost_low"],
                        "high": tab["delta_cost_high"]})
    base = tab["base_delta_cost"].dropna()
    ev.figure_data["tornado"] = {"df": fig, "base": float(base.iloc[0]) if len(base) else None}


#: Every analysis, in the order it runs (in one process; with a side process, the order in
#: which their results are kept).
STAGES: tuple[Stage, ...] = (
    Stage("outcomes", _outcomes),
    Stage("imputation", _imputation),
    Stage("comparability", _comparability),
    Stage("confounding", _confounding),
    Stage("satisfaction", _satisfaction, needs=("satisfaction",)),
    Stage("esr", _esr, needs=("esr",)),
    Stage("services", _services, needs=("service_costs",)),
    Stage("budget", _budget, needs=("budgets", "service_costs"), side=True),
    Stage("providers", _providers, needs=("service_costs", "providers"), side=True),
    Stage("costs", _costs, needs=("unit_costs",), side=True),
    Stage("cea", _cea, needs=("unit_costs",), after=("costs",), side=True, change=True),
    Stage("sensitivity", _sensitivity, needs=("unit_costs",), after=("costs",), side=True,
          change=True),
    Stage("plan", _plan),
)
#: Stages that fork workers of their own (the outcome estimators): with side processes, none
#: runs beside them. The first side process (forked before the scoring) runs the side stages
#: before the first one with ``change``: at 100,000 clients budget, providers and costs (about
#: 2.5 s CPU) beside the scoring and the stages of :data:`EARLY`; this process waits for it
#: before these stages and keeps its results pickled while they run. The second one (forked after the
#: stages of :data:`BEFORE_SIDE`, with the primary change frame) runs cea and sensitivity
#: (about 7.5 s) beside imputation to plan (about 8 s).
FORKING: tuple[str, ...] = ("outcomes",)
#: With side processes, stages of this process that need no scores and that no other stage
#: feeds: run right after the scoring, beside the first side process (at 100,000 clients the
#: scoring, about 2 s CPU, and these, 0.7 s, against its 2.5 s).
EARLY: tuple[str, ...] = ("satisfaction", "esr")
#: With side processes, the stages this process runs (in this order) before forking the second
#: one: those of :data:`FORKING`, and the services stage, which prices the service rows the cost
#: stages of the second one reuse.
BEFORE_SIDE: tuple[str, ...] = (*FORKING, "services")
#: From this many clients the side stages run in a forked process beside this one's.
SIDE_FROM_CLIENTS = 5000


# ------------------------------------------------------------------------------ data tables
def data_tables(ev: Evaluation) -> None:
    """The appendix tables: input files, quarantine by reason, the configuration."""
    data = ev.results["data"]
    files = pd.DataFrame(data.get("files") or [])
    if len(files):
        _table(ev, "files", select(files, ["path", "status", "sha256", "rows_read",
                                           "rows_kept", "rows_quarantined"]))
    q = data.get("quarantine_by_reason") or {}
    _table(ev, "quarantine_by_reason",
           pd.DataFrame({"reason": list(q.keys()), "count": list(q.values())}))
    limits = getattr(ev.dataset, "limits", None)
    if limits is not None:  # the plausibility rules, their limits and what they caught
        _table(ev, "plausibility", plausibility_table(limits, q))
    _table(ev, "configuration", config_table(ev.config))


# ------------------------------------------------------------------------------ runner
def _run_one(ev: Evaluation, stage: Stage, run: RunProgress, debug: bool) -> None:
    if stage.name in ev.sections:  # an earlier stage did this one
        return
    missing = [s for s in stage.needs if not ev.config.has_source(s)]
    if missing:
        ev.sections[stage.name] = Section("absent", ", ".join(f"sources.{m}" for m in missing))
        return
    for dep in stage.after:
        prev = ev.sections.get(dep)
        if prev is not None and prev.status != "ok":
            ev.sections[stage.name] = Section(prev.status, prev.reason)
            return
    run.step(stage.name)
    try:
        stage.run(ev)
        return_freed_memory()
    except (ConfigError, InputError, SchemaError):
        raise  # bad configuration or input: one-line error, no report
    except HbEvalError as exc:  # the data do not allow this analysis (too few clients, ...)
        if debug:
            raise
        ev.sections[stage.name] = Section("not_estimable", str(exc))
        run.note(f"{stage.name}: not estimable ({exc})")
        return
    except Exception as exc:  # a bug in a stage: record it, keep the rest
        if debug:
            raise
        ev.failures.append(stage.name)
        ev.sections[stage.name] = Section("failed", type(exc).__name__)
        run.note(f"{stage.name} FAILED ({type(exc).__name__}); rerun with --debug for the "
                 "traceback")
        return
    ev.sections.setdefault(stage.name, Section("ok"))


def run_stages(ev: Evaluation, *, stages: tuple[Stage, ...] | None = None,
               progress: bool | RunProgress = False, debug: bool = False,
               scores: pd.DataFrame | None = None, workers: int | None = None) -> None:
    """Score the questionnaires and run every stage on ``ev`` (in place).

    Parameters
    ----------
    ev
        An :class:`~hb_eval.evaluation.Evaluation` holding ``config``, ``dataset`` and the
        ``data``/``manifest`` blocks of ``results``.
    stages
        The stages to run (default :data:`STAGES`).
    progress
        The run's progress display (or True/False for one of its own); each stage is a step
        of it, and the bootstraps report their replicates to it (:func:`counter`).
    debug
        Re-raise a stage's unexpected exception instead of recording it as failed.
    scores
        The scores of this dataset and ``include_kompassi`` when already computed
        (:meth:`~hb_eval.evaluation.Evaluation.rerun`); None: score the questionnaires.
    workers
        2: the ``side`` stages run in two forked processes in turn while this one scores and
        runs the others (see :data:`FORKING`); 1: every stage here. None: 2 from :data:`SIDE_FROM_CLIENTS` clients when two cores may be
        used and processes can be forked (:mod:`hb_eval.support.cores`), else 1. The results,
        their order, the sections and the notes are the same either way.
    """
    run = as_progress(progress)
    ev.__dict__["_progress"] = run  # for counter() while the stages run; not kept on the result
    todo = STAGES if stages is None else stages
    try:
        if _side_workers(ev, todo, workers) > 1:
            _run_with_side(ev, todo, run, debug, scores)
        else:
            _score(ev, run, scores)
            for stage in todo:
                _run_one(ev, stage, run, debug)
    finally:
        ev.__dict__.pop("_progress", None)
        ev.__dict__.pop("_change", None)
        ev.__dict__.pop("_prepared_costs", None)
        ev.__dict__.pop("_attrition", None)
    ev.results["analyses"] = {k: v.status for k, v in sorted(ev.sections.items())}
    data_tables(ev)


def _score(ev: Evaluation, run: RunProgress, scores: pd.DataFrame | None) -> None:
    """The scoring step: ``ev.scores`` (``scores`` when given)."""
    run.step("scoring")
    ev.scores = scores if scores is not None else scoring.score_all(
        ev.dataset, include_kompassi=ev.config.analysis.include_kompassi)
    return_freed_memory()


def _side_workers(ev: Evaluation, stages: tuple[Stage, ...], workers: int | None) -> int:
    """2 when the side stages run in a process of their own, else 1 (see :func:`run_stages`)."""
    side = {s.name for s in stages if s.side}
    # a side stage may wait only for side stages (the side process starts before the others)
    if (not side or len(side) == len(stages) or any(
            dep not in side for s in stages if s.side for dep in s.after)):
        return 1
    if workers is None:
        workers = fork_workers(len(ev.dataset.clients), SIDE_FROM_CLIENTS, most=2)
    return 2 if workers > 1 and can_fork() else 1


# ------------------------------------------------------------------------------ side process
#: What a stage writes on the Evaluation (the side process sends back what its stages added).
_KEPT = ("results", "tables", "figure_data", "objects", "sections")
#: A side process' job (the Evaluation, its stages, debug and its end of the pipe of steps),
#: inherited at the fork.
_SIDE: tuple[Evaluation, tuple[Stage, ...], bool, Any] | None = None


@dataclass
class _Done:
    """What one stage added to the Evaluation: per dict of :data:`_KEPT` its new keys (with
    their values when it ran in the side process), the failures and the notes it gave."""

    name: str
    added: dict[str, dict[str, Any]]
    failures: list[str]
    notes: list[str]
    took: tuple[float, float] = (0.0, 0.0)  # wall and CPU seconds (of this process)


class _Notes:
    """The side process' stand-in for the run's display: stage starts go to the parent (which
    shows them as steps), notes are kept and shown by the parent."""

    def __init__(self, conn: Any) -> None:
        self.conn, self.notes = conn, []

    def step(self, name: str) -> None:
        try:
            self.conn.send(name)
        except OSError:  # pragma: no cover - the parent stopped listening
            pass

    def note(self, msg: str) -> None:
        self.notes.append(msg)


def _run_recorded(ev: Evaluation, stage: Stage, run: Any, debug: bool, values: bool) -> _Done:
    """:func:`_run_one`, and what the stage added (values: with the added values)."""
    before = {k: set(getattr(ev, k)) for k in _KEPT}
    n_failed = len(ev.failures)
    notes = getattr(run, "notes", None)
    n_notes = len(notes) if notes is not None else 0
    wall, cpu = time.perf_counter(), time.process_time()
    _run_one(ev, stage, run, debug)
    took = (time.perf_counter() - wall, time.process_time() - cpu)
    added = {k: {key: (getattr(ev, k)[key] if values else None) for key in getattr(ev, k)
                 if key not in before[k]} for k in _KEPT}
    return _Done(stage.name, added, ev.failures[n_failed:],
                 notes[n_notes:] if notes is not None else [], took)


def _side_chain() -> bytes:
    """The side stages, in the forked process: what each added, and the stage that raised
    (its exception is raised again when the parent runs the side stages itself), pickled (the
    parent may keep them as bytes for a while: fewer pages than the objects)."""
    assert _SIDE is not None
    ev, stages, debug, conn = _SIDE
    ev.__dict__["_progress"] = None  # no display here: the parent's shows the steps
    run = _Notes(conn)
    done: list[_Done] = []
    raised = None
    for stage in stages:
        try:
            done.append(_run_recorded(ev, stage, run, debug, values=True))
        except BaseException:  # a bad input or debug: the parent raises it (same stage)
            raised = stage.name
            break
    return pickle.dumps((done, raised), protocol=pickle.HIGHEST_PROTOCOL)


class _Leg:
    """Side stages in a process forked now (:func:`_side_chain` on the Evaluation as it is)."""

    def __init__(self, ev: Evaluation, stages: tuple[Stage, ...], debug: bool) -> None:
        global _SIDE
        import multiprocessing

        from .support.cores import fork_pool

        self.stages = stages
        self.receive, self.send = multiprocessing.get_context("fork").Pipe(duplex=False)
        _SIDE = (ev, stages, debug, self.send)
        try:
            self.pool = fork_pool(1)
        finally:
            _SIDE = None
        self.future = self.pool.submit(_side_chain) if self.pool is not None else None

    def finish(self, step: Callable[[str], None]) -> bytes | None:
        """Wait for it, giving ``step`` the names of the stages it starts; what
        :func:`_side_chain` gave (None: it died)."""
        try:
            if self.future is None:  # pragma: no cover - can_fork() said yes
                return None
            while not self.future.done():
                if self.receive.poll(0.2):
                    step(self.receive.recv())
            try:
                out = self.future.result()
            except Exception:  # a dead process (BrokenProcessPool), a result that did not unpickle
                out = None
            while self.receive.poll():
                step(self.receive.recv())
            return out
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
            self.receive.close()
            self.send.close()


def _run_with_side(ev: Evaluation, stages: tuple[Stage, ...], run: RunProgress,
                   debug: bool, scores: pd.DataFrame | None) -> None:
    """:func:`run_stages` with the ``side`` stages in two forked processes in turn.

    The first is forked before the scoring and runs the side stages before the first one that
    reads the primary change frame (they need no scores) while this process scores and runs
    the stages of :data:`EARLY`; this
    process waits for it before the stages of :data:`FORKING` (their workers never run beside
    a side process) and keeps what it sent pickled while they run. After the stages of
    :data:`BEFORE_SIDE` this process adds what the first one's stages added to the
    Evaluation, makes the primary change frame and forks the second one (which inherits both)
    for the other side stages, then runs its own other stages. The side's steps are shown
    when this process waits for the second one. The dicts of the Evaluation are then put in
    the order the stages have in ``stages``, and the failures too, as one process gives them.
    When a side process dies or a side stage raises (a bad input; anything with ``debug``) the
    side stages from its first on run here again, after the others (each has its own seed: the
    same numbers); of two raising stages the one earlier in ``stages`` is raised.
    """
    order = {s.name: i for i, s in enumerate(stages)}
    side = tuple(s for s in stages if s.side)
    cut = next((i for i, s in enumerate(side) if s.change), len(side))
    early = [s for s in stages if s.name in EARLY and not s.side]
    first = [s for name in BEFORE_SIDE for s in stages if s.name == name and not s.side]
    head = early + first  # the stages before the second side process is forked
    rest = head + [s for s in stages if not s.side and s not in head]
    forking = next((s for s in rest if s.name in FORKING), None)  # the first of FORKING
    kept_before = {k: list(getattr(ev, k)) for k in _KEPT}
    failed_before = list(ev.failures)
    done: dict[str, _Done] = {}
    steps: list[str] = []                 # the side's steps, shown at the end
    side_done: list[_Done] = []           # what the side processes' stages added
    lost: list[Stage] = []                # side stages left to this process
    side_raised: str | None = None
    leg: _Leg | None = None
    held: tuple[tuple[Stage, ...], bytes | None] | None = None  # a side process' result

    def collect(step: Callable[[str], None] = steps.append, absorb: bool = True) -> None:
        """Wait for the running side process; absorb: add what its stages added to the
        Evaluation now (else keep it pickled until :func:`absorb_held`)."""
        nonlocal leg, held
        if leg is not None:
            held = (leg.stages, leg.finish(step))
            leg = None
        if absorb:
            absorb_held()

    def absorb_held() -> None:
        nonlocal held, side_raised
        if held is None:
            return
        (stages_of, blob), held = held, None
        out, name = pickle.loads(blob) if blob is not None else (None, None)
        if out is None or name is not None:  # it died, or a stage raised: here, from there on
            lost.extend(s for s in side if order[s.name] >= order[stages_of[0].name])
            side_raised = name
            return
        side_done.extend(out)
        for d in out:  # the second side process and this one's stages see them
            for k in _KEPT:
                getattr(ev, k).update(d.added[k])

    def fork(part: tuple[Stage, ...]) -> None:
        nonlocal leg
        if part and not lost:  # after a failure the rest of the side runs here
            leg = _Leg(ev, part, debug)

    raised: tuple[str, BaseException] | None = None
    try:
        fork(side[:cut])
        try:
            _score(ev, run, scores)
        except BaseException:
            collect()
            raise
        late_forked = False

        def fork_late() -> None:
            nonlocal late_forked
            late_forked = True
            collect()
            try:  # the primary change frame once, for both processes
                _primary_change(ev)
            except Exception:  # noqa: S110 - the stages that need it say why it cannot be made
                pass
            fork(side[cut:])

        for stage in rest:
            if stage is forking:
                # (kept pickled while the workers run: fewer pages shared with them)
                collect(absorb=False)
            if not late_forked and stage not in head:
                fork_late()
            try:
                done[stage.name] = _run_recorded(ev, stage, run, debug, values=False)
            except Exception as exc:  # raised after the side's, if that one comes first
                if not late_forked:  # before its turn: the stages before it first
                    collect()
                    for s in stages:
                        if order[s.name] < order[stage.name] and s.name not in done:
                            _run_one(ev, s, run, debug)
                    raise
                raised = (stage.name, exc)
                break
        if not late_forked and raised is None:
            fork_late()
        while steps:
            run.step(steps.pop(0))
        collect(run.step)  # the second side process, its steps shown as they start
    finally:
        if leg is not None:
            leg.finish(lambda name: None)
    if lost and (side_raised is None or raised is None or order[side_raised] < order[raised[0]]):
        # a side process died, or its stage raised before ours would have: here, in order
        if raised is None:
            for stage in lost:
                done[stage.name] = _run_recorded(ev, stage, run, debug, values=False)
        else:  # ours raised: the side stages up to it, which raise theirs or ours
            for stage in lost:
                if order[stage.name] < order[raised[0]]:
                    _run_one(ev, stage, run, debug)
    if raised is not None:
        raise raised[1]
    for d in side_done:  # (their additions are in ev already: absorb_held)
        for msg in d.notes:
            run.note(msg)
        # the step shown here is the wait for it: its own time for the log and the
        # benchmark (``run.times["cea (side)"]``)
        run.times[f"{d.name} (side)"], run.cpu_times[f"{d.name} (side)"] = d.took
        if d.took[0] > 0.05:
            run.say(f"{d.name} took {d.took[0]:.1f} s ({d.took[1]:.1f} s CPU) in the side "
                    "process")
        done[d.name] = d
    _keep_order(ev, stages, kept_before, failed_before, done)


def _keep_order(ev: Evaluation, stages: tuple[Stage, ...], kept_before: dict[str, list[str]],
                failed_before: list[str], done: dict[str, _Done]) -> None:
    """The Evaluation's dicts and failures in the order one process running ``stages`` in
    turn gives them."""
    ran = [done[s.name] for s in stages if s.name in done]
    for k in _KEPT:
        d = getattr(ev, k)
        keys = dict.fromkeys([*kept_before[k], *(key for r in ran for key in r.added[k]), *d])
        ordered = {key: d[key] for key in keys if key in d}
        d.clear()
        d.update(ordered)
    ev.failures[:] = failed_before + [f for r in ran for f in r.failures]
