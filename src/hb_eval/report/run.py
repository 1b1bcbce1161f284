"""The report run: ``hb-eval report``.

One run loads the data, runs every analysis whose inputs are configured, and writes into the
output folder::

    report.html      one self-contained file (figures embedded)
    results.json     machine-readable results (RUNS.md), byte-identical for the same inputs,
                     configuration and seed
    manifest.json    inputs with SHA-256 and row accounting, configuration, seed, versions
    figures/         every figure as PNG and SVG
    tables/          every table as CSV
    tables.xlsx      every table in one workbook

An analysis whose source is absent from the configuration is left out with a sentence saying so;
one whose module is not installed says that; one that fails is reported as failed (the rest of
the report is still written, and the command exits with status 1; ``--debug`` re-raises).
"""
from __future__ import annotations

import importlib
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, load_config
from ..errors import ConfigError, HbEvalError, InputError, SchemaError
from ..values import plain_value
from . import figures as F
from .html import img_tag, render_html
from .i18n import t
from .manifest import build_manifest, created_with, package_versions, sha256_file, write_manifest
from .results_json import SCHEMA_VERSION, dumps_results, to_jsonable
from .manifest import redact_manifest
from .suppression import redact_client_numbers, suppress_results
from .tables import Table, public_table, write_csv, write_workbook

__all__ = ["run_report", "cli_report", "build_results", "ReportRun", "FIGURES", "SECTIONS"]

PRIMARY = "kykyviisari_total"
RC_CATEGORIES = ("improved", "unchanged", "deteriorated")
ARMS = ("HB", "Verrokki")
#: Every figure of the report, in order (a placeholder is drawn when there are no data).
FIGURES = ("change_by_arm", "estimator_comparison", "forest_pilot", "love_plot",
           "satisfaction_items", "cost_components", "ce_plane", "ceac", "tornado")
#: Analyses (report sections) and the sources each needs beyond the roster and Kykyviisari.
SECTIONS: dict[str, tuple[str, ...]] = {
    "outcomes": (),
    "imputation": (),
    "comparability": (),
    "satisfaction": ("satisfaction",),
    "esr": ("esr",),
    "services": ("service_costs",),
    "costs": ("unit_costs",),
    "cea": ("unit_costs",),
    "sensitivity": ("unit_costs",),
}
_CAPTIONS = {
    "change_by_arm": "fig_change_by_arm", "estimator_comparison": "fig_estimators",
    "forest_pilot": "fig_forest", "love_plot": "fig_love",
    "satisfaction_items": "fig_satisfaction", "cost_components": "fig_cost_components",
    "ce_plane": "fig_ce_plane", "ceac": "fig_ceac", "tornado": "fig_tornado",
}


class _Unavailable(Exception):
    """The module of a stage is not part of this installation."""


def _module(name: str) -> Any:
    """Import ``hb_eval.<name>``; :class:`_Unavailable` when that module does not exist."""
    full = f"hb_eval.{name}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name and (full == exc.name or full.startswith(exc.name + ".")):
            raise _Unavailable(full) from None
        raise


def _progress(enabled: bool) -> Callable[[str], None]:
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        if enabled:
            print(f"[hb-eval {time.perf_counter() - t0:5.1f} s] {msg}", file=sys.stderr,
                  flush=True)

    return say


@dataclass
class Section:
    status: str  # ok | absent | unavailable | not_estimable | failed
    note: str = ""


@dataclass
class ReportRun:
    """Everything one run computed: the results dict, tables, figure data and section states."""

    config: Config
    results: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    fig_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    dataset: Any = None
    failures: list[str] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.config.report.language

    def table(self, name: str, title_key: str, frame: pd.DataFrame, **kw: Any) -> None:
        self.tables[name] = Table(name, t(title_key, self.lang), frame.reset_index(drop=True), **kw)


# ------------------------------------------------------------------------------ stages
def _stage(run: ReportRun, name: str, fn: Callable[[], None], say: Callable[[str], None],
           debug: bool) -> None:
    missing = [s for s in SECTIONS.get(name, ()) if not run.config.has_source(s)]
    if missing:
        run.sections[name] = Section("absent", t("not_configured", run.lang,
                                                 source=", ".join(f"sources.{m}" for m in missing)))
        return
    say(f"{name} …")
    try:
        fn()
    except _Unavailable:
        run.sections[name] = Section("unavailable", t("not_available", run.lang))
        return
    except (ConfigError, InputError, SchemaError):
        raise  # bad configuration or input: one-line error, no report
    except HbEvalError as exc:  # the data do not allow this analysis (too few clients, ...)
        if debug:
            raise
        run.sections[name] = Section("not_estimable", t("not_estimable", run.lang,
                                                        reason=str(exc)))
        say(f"{name}: not estimable ({exc})")
        return
    except Exception as exc:  # a bug in a stage: report it, keep the rest of the report
        if debug:
            raise
        run.failures.append(name)
        run.sections[name] = Section("failed", t("failed", run.lang, error=type(exc).__name__))
        say(f"{name} FAILED ({type(exc).__name__}); rerun with --debug for the traceback")
        return
    run.sections.setdefault(name, Section("ok"))


def _outcomes(run: ReportRun, scores: pd.DataFrame) -> None:
    analysis = _module("outcomes.analysis")
    ds = run.dataset
    res = analysis.analyse_outcomes(scores, ds.clients, run.config.analysis, items=ds.items,
                                    schemas=getattr(ds, "schemas", None) or None)
    run.results["outcomes"] = res.to_results()
    est = res.to_frame()
    run.table("outcome_effects", "tab_outcome_effects", _select(
        est[est["estimator"] == "did"] if "estimator" in est else est,
        ["outcome", "estimator", "estimate", "se", "df", "ci_low", "ci_high", "p", "holm_p",
         "wild_p", "n_HB", "n_Verrokki", "n_clusters", "se_type", "cluster"]))
    prim = est[est["outcome"] == PRIMARY] if "outcome" in est else est
    run.table("estimators_primary", "tab_estimators", _select(
        prim, ["estimator", "estimate", "se", "ci_low", "ci_high", "p", "n_HB", "n_Verrokki",
               "n_clusters", "se_type"]))
    run.fig_data["estimator_comparison"] = {"df": prim}
    if hasattr(res, "forest_frame"):
        forest = res.forest_frame()
        if len(forest):
            by_pilot = forest[forest["by"].astype(str) == "pilot"] if "by" in forest else forest
            run.fig_data["forest_pilot"] = {"df": _forest_input(by_pilot)}
            run.table("heterogeneity", "tab_heterogeneity", _select(forest, [
                "by", "subgroup", "estimate", "se", "df", "ci_low", "ci_high", "p", "n_HB",
                "n_Verrokki", "n", "n_clusters", "se_type"]),
                row_relations=[(["n_HB", "n_Verrokki"], "n")])
    # within-arm change (from the results block: the same numbers as results.json)
    rows = []
    for o, block in run.results["outcomes"].items():
        for arm in ARMS:
            w = ((block or {}).get("within") or {}).get(arm) or {}
            n = ((block or {}).get("n") or {}).get(arm)
            rows.append({"outcome": o, "arm": arm, "n": n, **{k: w.get(k) for k in (
                "mean_baseline", "mean_end", "mean_change", "ci_low", "ci_high", "d_z",
                "d_z_ci_low", "d_z_ci_high", "g_av")}})
    within = pd.DataFrame(rows)
    run.table("within_arm", "tab_within", within, linked={
        k: "n" for k in within.columns if k not in ("outcome", "arm", "n")})
    run.fig_data["change_by_arm"] = {"df": within}
    rc_rows = []
    for o, block in run.results["outcomes"].items():
        for arm, cats in ((block or {}).get("reliable_change") or {}).items():
            row = {"outcome": o, "arm": arm, "n": cats.get("n")}
            row.update({f"n_{k}": cats.get(f"n_{k}") for k in RC_CATEGORIES})
            row.update({f"share_{k}": cats.get(k) for k in RC_CATEGORIES})
            rc_rows.append(row)
    if rc_rows:
        run.tables["reliable_change"] = Table(
            "reliable_change", t("tab_reliable_change", run.lang), pd.DataFrame(rc_rows),
            linked={f"share_{k}": f"n_{k}" for k in RC_CATEGORIES},
            row_relations=[([f"n_{k}" for k in RC_CATEGORIES], "n")])
    if hasattr(res, "reliability_table"):
        rel = res.reliability_table()
        if len(rel):
            run.table("reliability", "tab_reliability", rel)


def _imputation(run: ReportRun, scores: pd.DataFrame) -> None:
    """MICE sensitivity analysis of the primary DiD (ANALYSIS.md: complete case is the default)."""
    imp = _module("imputation")
    scoring = _module("scoring")
    a = run.config.analysis
    cf = scoring.change_frame(scores, run.dataset.clients, PRIMARY, complete=False)
    r = imp.mice_did(cf, m=a.mice_m, seed=a.seed, confidence=a.confidence).iloc[0]
    keys = ("estimate", "se", "df", "ci_low", "ci_high", "p", "m", "n_HB", "n_Verrokki",
            "n_imputed_HB", "n_imputed_Verrokki", "fmi", "df_method", "imputation")
    block = {k: plain_value(r[k]) for k in keys if k in r.index}
    run.results.setdefault("outcomes", {}).setdefault(PRIMARY, {})["did_mice"] = block
    run.table("mice", "tab_mice", pd.DataFrame([{"outcome": PRIMARY, "estimator": "did_mice",
                                                 **block}]))
    prim = run.fig_data.get("estimator_comparison", {}).get("df")
    if prim is not None:
        row = pd.DataFrame([{"estimator": "did_mice", **{k: block.get(k) for k in (
            "estimate", "ci_low", "ci_high")}}])
        run.fig_data["estimator_comparison"]["df"] = pd.concat([prim, row], ignore_index=True)


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


def _select(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return df.loc[:, [c for c in cols if c in df.columns]]


def _comparability(run: ReportRun, scores: pd.DataFrame) -> None:
    comp = _module("comparability")
    scoring = _module("scoring")
    ds = run.dataset
    a = run.config.analysis
    cf = scoring.change_frame(scores, ds.clients, PRIMARY)  # the primary analysis sample
    t1 = comp.baseline_table(ds.clients, cf)
    run.table("table1", "tab_table1", _select(t1, [
        "covariate", "level", "n_HB", "share_HB", "mean_HB", "sd_HB", "n_Verrokki",
        "share_Verrokki", "mean_Verrokki", "sd_Verrokki", "smd"]),
        linked={"share_HB": "n_HB", "mean_HB": "n_HB", "sd_HB": "n_HB",
                "share_Verrokki": "n_Verrokki", "mean_Verrokki": "n_Verrokki",
                "sd_Verrokki": "n_Verrokki", "smd": "n_HB"})
    ps = comp.propensity_scores(cf, trim=a.ps_trim)
    w = cf.loc[:, ["client_id"]].merge(ps.loc[:, ["client_id", "weight"]], on="client_id",
                                       how="left", validate="one_to_one")
    bal = comp.balance(cf.assign(weight=w["weight"].to_numpy()), weights="weight")
    bal = bal.assign(covariate=[t(str(c), run.lang) if pd.isna(lv) or lv == ""
                                else f"{t(str(c), run.lang)}: {lv}"
                                for c, lv in zip(bal["covariate"], bal["level"])])
    run.fig_data["love_plot"] = {"df": bal.loc[:, ["covariate", "smd_unweighted", "smd_weighted"]]}
    att = comp.attrition(ds.clients, scores, PRIMARY)
    cols = ["n_clients", "n_no_baseline", "n_baseline", "n_completers", "n_dropouts",
            "n_dropouts_ongoing", "n_dropouts_ended"]
    att = att.reset_index(drop=True)
    col_rel = []
    for arm in att.loc[att["level"] == "arm", "arm"]:
        members = att.index[(att["level"] == "arm_pilot") & (att["arm"] == arm)].tolist()
        col_rel.append((members, int(att.index[(att["level"] == "arm") & (att["arm"] == arm)][0])))
    tot = att.index[att["level"] == "total"]
    if len(tot):
        col_rel.append((att.index[att["level"] == "arm"].tolist(), int(tot[0])))
    run.tables["attrition"] = Table(
        "attrition", t("tab_attrition", run.lang),
        _select(att, ["arm", "pilot", *cols, "share_dropouts"]),
        linked={"share_dropouts": "n_dropouts"},
        row_relations=[(["n_no_baseline", "n_baseline"], "n_clients"),
                       (["n_completers", "n_dropouts"], "n_baseline"),
                       (["n_dropouts_ongoing", "n_dropouts_ended"], "n_dropouts")],
        col_relations=col_rel)


def _satisfaction(run: ReportRun) -> None:
    exp = _module("experience")
    ds = run.dataset
    esr = ds.esr if run.config.has_source("esr") else None
    res = exp.analyse_experience(ds.satisfaction, esr, ds.clients, run.config.analysis.confidence)
    run.results["satisfaction"] = res.to_results()
    items = res.items
    run.table("satisfaction_items", "tab_satisfaction", _select(items, [
        "item", "n_HB", "n_Verrokki", "share_agree_HB", "share_agree_Verrokki", "diff_share",
        "diff_ci_low", "diff_ci_high", "mann_whitney_p", "rank_biserial"]),
        linked={"share_agree_HB": "n_HB", "share_agree_Verrokki": "n_Verrokki"})
    if res.grade is not None:
        run.table("satisfaction_grade", "tab_grade", _select(res.grade, [
            "n_HB", "n_Verrokki", "mean_HB", "mean_Verrokki", "diff", "diff_ci_low",
            "diff_ci_high", "mann_whitney_p", "rank_biserial"]),
            linked={"mean_HB": "n_HB", "mean_Verrokki": "n_Verrokki"})
    if res.hb_only is not None:
        run.table("satisfaction_hb_items", "tab_hb_items", _select(res.hb_only, [
            "item", "n", "share_agree", "ci_low", "ci_high", "mean"]),
            linked={"share_agree": "n", "mean": "n", "ci_low": "n", "ci_high": "n"})
    dist = res.distribution.rename(columns={"answer": "level"})
    run.fig_data["satisfaction_items"] = {"df": dist.loc[:, ["item", "arm", "level", "share"]]}
    if res.transition_summary is not None:
        _esr_table(run, res.transition_summary)
        run.sections["esr"] = Section("ok")
    elif not run.config.has_source("esr"):
        run.sections["esr"] = Section("absent", t("not_configured", run.lang,
                                                  source="sources.esr"))


def _esr_only(run: ReportRun) -> None:
    exp = _module("experience")
    ds = run.dataset
    summ = exp.work_transition_summary(ds.esr, ds.clients, run.config.analysis.confidence)
    _esr_table(run, summ)
    s0 = summ.iloc[0]
    run.results.setdefault("satisfaction", {})["transitions"] = {
        k: plain_value(s0[k]) for k in ("n_paired", "n_not_in_work_or_study_at_start",
                                   "n_into_work_or_study", "share_into_work_or_study")
        if k in summ.columns}


def _esr_table(run: ReportRun, summ: pd.DataFrame) -> None:
    run.table("esr_transitions", "tab_esr", _select(summ, [
        "n_paired", "n_not_in_work_or_study_at_start", "n_into_work_or_study",
        "share_into_work_or_study", "ci_low", "ci_high"]),
        linked={"share_into_work_or_study": "n_into_work_or_study",
                "ci_low": "n_into_work_or_study", "ci_high": "n_into_work_or_study"})


def _services(run: ReportRun) -> None:
    costing = _module("costs.costing")
    ds = run.dataset
    # In euros of the price year, like every other cost in the report.
    priced = costing.price_services(ds.service_costs, ds.unit_costs)
    sc = priced.merge(ds.clients.loc[:, ["client_id", "arm"]], on="client_id", how="inner")
    for by, name in (("funding", "services_by_funding"), ("sector", "services_by_sector")):
        g = (sc.groupby(["arm", by], observed=True, sort=True)
             .agg(n_clients=("client_id", "nunique"), n_episodes=("client_id", "size"),
                  amount=("price_year_amount", "sum")).reset_index())
        run.table(name, f"tab_{name}", g, digits={"amount": 0},
                  linked={"amount": "n_clients"})


def _costs(run: ReportRun) -> dict[str, pd.DataFrame]:
    costing = _module("costs.costing")
    ds = run.dataset
    a = run.config.analysis
    out = {}
    blocks = {}
    for p in ("organiser", "societal"):
        c = costing.client_costs(ds, perspective=p, rule=a.diary_rule)
        out[p] = c
        blocks[p] = costing.costs_block(c)
    run.results["costs"] = blocks
    summ = costing.cost_summary(pd.concat(list(out.values()), ignore_index=True))
    summ = (summ[summ["per"] == "client"].drop(columns="per")
            .sort_values("perspective", kind="stable"))
    run.table("costs_by_arm", "tab_costs_by_arm", summ, digits={"mean": 0, "sd": 0})
    main = out[a.perspective]
    comps = [c for c in costing.COMPONENTS if c in main.columns]
    cc = (main.groupby("arm", observed=True)[comps].mean().reset_index()
          .melt(id_vars="arm", var_name="component", value_name="mean"))
    run.fig_data["cost_components"] = {"df": cc}
    imputed = (main.groupby("arm", observed=True)[["imputed_worker", "imputed_client",
                                                   "imputed_assistant"]]
               .sum().astype(int).reset_index()
               .rename(columns=lambda c: c.replace("imputed_", "n_imputed_") if c != "arm" else c))
    run.table("imputed", "tab_imputed", imputed)
    uc = getattr(ds, "unit_costs", None)
    if uc is not None:
        rows = [("price_year", str(_uc(uc, "price_year") or "–"))]
        for title, w in sorted((_uc(uc, "hourly_wage") or {}).items()):
            rows.append((f"hourly_wage: {title}", w))
        for k in ("side_costs_pct", "overhead_pct", "km_allowance", "volunteer_hour_value",
                  "client_hour_value"):
            rows.append((k, _uc(uc, k)))
        run.table("unit_costs", "tab_unit_costs", pd.DataFrame(
            {"setting": [r[0] for r in rows],
             "value": pd.Series([plain_value(r[1]) for r in rows], dtype=object)}))
    return out


def _redact_table(table: Table) -> Table:
    """Public tables: anything shaped like a client number in a text cell is redacted."""
    f = table.frame.copy()
    for c in f.columns:
        if f[c].dtype == object or isinstance(f[c].dtype, pd.StringDtype):
            f[c] = f[c].map(lambda v: redact_client_numbers(v) if isinstance(v, str) else v)
    table.frame = f
    return table


def _uc(uc: Any, key: str) -> Any:
    """A unit-cost value from the UnitCosts dataclass (or a plain dict, as in YAML)."""
    if uc is None:
        return None
    return uc.get(key) if isinstance(uc, dict) else getattr(uc, key, None)


def _cea(run: ReportRun, costs: dict[str, pd.DataFrame], scores: pd.DataFrame) -> None:
    cea = _module("costs.cea")
    scoring = _module("scoring")
    effects = scoring.change_frame(scores, run.dataset.clients, PRIMARY)
    blocks = {}
    main = run.config.analysis.perspective
    rows = []
    for p, c in costs.items():
        res = cea.run_cea(c, effects, run.config)
        blocks[p] = res.to_results()
        b = blocks[p]
        rows.append({"perspective": p, "estimator": "means", **_cea_row(b)})
        try:
            sur = _module("costs.sur").sur_cea(cea.cea_sample(c, effects),
                                               B=run.config.analysis.bootstrap_reps,
                                               seed=run.config.analysis.seed,
                                               level=run.config.analysis.confidence)
            b["sur"] = sur.to_results()
            rows.append({"perspective": p, "estimator": "sur", **_cea_row(b["sur"])})
        except HbEvalError as exc:  # e.g. collinear regressors: say so, keep the rest
            b["sur"] = {"note": str(exc)}
        if p == main:
            run.fig_data["ce_plane"] = {"df": res.plane_frame(), "point": (
                b.get("delta_effect"), b.get("delta_cost")), "wtp": b.get("wtp")}
        ce = res.ceac_frame().rename(columns={"p_cost_effective": "prob"}).assign(perspective=p)
        run.fig_data.setdefault("ceac", {"df": []})["df"].append(ce)
    run.fig_data["ceac"]["df"] = pd.concat(run.fig_data["ceac"]["df"], ignore_index=True)
    run.results["cea"] = blocks
    run.table("cea", "tab_cea", pd.DataFrame(rows), digits={
        "delta_cost": 0, "delta_cost_ci_low": 0, "delta_cost_ci_high": 0, "delta_effect": 2,
        "icer": 0, "nmb_at_wtp": 0, "wtp": 0})


def _cea_row(b: dict[str, Any]) -> dict[str, Any]:
    dc = b.get("delta_cost_ci") or [None, None]
    de = b.get("delta_effect_ci") or [None, None]
    return {"delta_cost": b.get("delta_cost"), "delta_cost_ci_low": dc[0],
            "delta_cost_ci_high": dc[1], "delta_effect": b.get("delta_effect"),
            "delta_effect_ci_low": de[0], "delta_effect_ci_high": de[1], "icer": b.get("icer"),
            "nmb_at_wtp": b.get("nmb_at_wtp"), "wtp": b.get("wtp")}


def _sensitivity(run: ReportRun, scores: pd.DataFrame) -> None:
    sens = _module("costs.sensitivity")
    fn = getattr(sens, "tornado_table", None) or getattr(sens, "run_sensitivity")
    tab = fn(run.dataset, scores, run.config)
    run.table("sensitivity", "tab_sensitivity", tab, digits={"delta_cost_low": 0, "delta_cost_high": 0,
                                                     "base_delta_cost": 0})
    fig = pd.DataFrame({"parameter": [_param_label(p, lo, hi) for p, lo, hi in zip(
        tab["parameter"], tab["low_value"], tab["high_value"])],
        "low": tab["delta_cost_low"], "high": tab["delta_cost_high"]})
    base = tab["base_delta_cost"].dropna()
    run.fig_data["tornado"] = {"df": fig, "base": float(base.iloc[0]) if len(base) else None}


def _param_label(p: Any, lo: Any, hi: Any) -> str:
    def v(x: Any) -> str:
        return f"{x:g}" if isinstance(x, (int, float, np.integer, np.floating)) else str(x)
    return f"{p} ({v(lo)} / {v(hi)})"


# ------------------------------------------------------------------------------ assembly
def _config_table(config: Config) -> pd.DataFrame:
    d = config.to_dict()
    rows = [("name", d["name"])]
    for k, v in d["analysis"].items():
        rows.append((f"analysis.{k}", v))
    for k, v in d["report"].items():
        rows.append((f"report.{k}", v))
    for k, v in d["sources"].items():
        rows.append((f"sources.{k}", ", ".join(v)))
    return pd.DataFrame({"setting": [r[0] for r in rows],
                         "value": ["–" if r[1] is None else str(r[1]) for r in rows]})


def build_results(config: Config, *, progress: bool = False, debug: bool = False,
                  dataset: Any = None) -> ReportRun:
    """Run every analysis and collect the results dict (internal form), tables and figure data.

    Parameters
    ----------
    config
        The configuration (command-line overrides already applied).
    progress
        Progress lines on stderr.
    debug
        Re-raise an analysis' unexpected exception instead of reporting it as failed.
    dataset
        An already-loaded :class:`~hb_eval.data.dataset.Dataset` (skips loading).
    """
    say = _progress(progress)
    run = ReportRun(config)
    if dataset is None:
        say("loading data …")
        try:
            dsmod = _module("data.dataset")
        except _Unavailable:
            raise HbEvalError("the data layer (hb_eval.data.dataset) is not installed") from None
        dataset = dsmod.load(config)
    run.dataset = dataset
    run.results["schema_version"] = SCHEMA_VERSION
    run.results["data"] = dataset.data_block()
    run.results["manifest"] = {"seed": config.analysis.seed, "config": config.to_dict(),
                               "versions": package_versions(), "created_with": created_with()}
    scores: pd.DataFrame | None = None
    say("scoring …")
    scores = _module("scoring").score_all(dataset, include_kompassi=config.analysis.include_kompassi)
    _stage(run, "outcomes", lambda: _outcomes(run, scores), say, debug)
    _stage(run, "imputation", lambda: _imputation(run, scores), say, debug)
    _stage(run, "comparability", lambda: _comparability(run, scores), say, debug)
    _stage(run, "satisfaction", lambda: _satisfaction(run), say, debug)
    if "esr" not in run.sections:  # satisfaction absent or failed: transitions on their own
        _stage(run, "esr", lambda: _esr_only(run), say, debug)
    _stage(run, "services", lambda: _services(run), say, debug)
    costs_holder: dict[str, Any] = {}
    _stage(run, "costs", lambda: costs_holder.update(_costs(run)), say, debug)
    if costs_holder:
        _stage(run, "cea", lambda: _cea(run, costs_holder, scores), say, debug)
        _stage(run, "sensitivity", lambda: _sensitivity(run, scores), say, debug)
    else:  # no costs: the cost-effectiveness parts share the costs' state and sentence
        prev = run.sections["costs"]
        for name in ("cea", "sensitivity"):
            run.sections[name] = Section(prev.status, prev.note)
    run.results["analyses"] = {k: v.status for k, v in sorted(run.sections.items())}
    _data_tables(run)
    return run


def _data_tables(run: ReportRun) -> None:
    data = run.results["data"]
    files = pd.DataFrame(data.get("files") or [])
    if len(files):
        run.table("files", "tab_files", _select(files, ["path", "sha256", "rows_read", "rows_kept",
                                                    "rows_quarantined"]),
                  total_col="rows_read")
    q = data.get("quarantine_by_reason") or {}
    run.table("quarantine_by_reason", "tab_quarantine",
              pd.DataFrame({"reason": list(q.keys()), "count": list(q.values())}))
    run.table("configuration", "tab_configuration", _config_table(run.config))


def _figures(run: ReportRun, fig_dir: Path, say: Callable[[str], None]) -> dict[str, dict]:
    lang = run.lang
    public = run.config.report.audience == "public"
    makers = {
        "change_by_arm": F.change_by_arm, "estimator_comparison": F.estimator_comparison,
        "forest_pilot": F.forest_plot, "love_plot": F.love_plot,
        "satisfaction_items": F.satisfaction_diverging, "cost_components": F.cost_components,
        "ce_plane": F.ce_plane, "ceac": F.ceac, "tornado": F.tornado,
    }
    out = {}
    say("figures …")
    for name in FIGURES:
        spec = run.fig_data.get(name)
        caption = t(_CAPTIONS[name], lang)
        if spec is None or spec.get("df") is None:
            fig = F.empty_figure(caption, lang)
        else:
            kw = {k: v for k, v in spec.items() if k != "df"}
            if public and name == "forest_pilot" and "n" in spec["df"].columns:
                spec = {**spec, "df": spec["df"].drop(columns="n")}  # no counts in figures
            try:
                fig = makers[name](spec["df"], lang, **kw)
            except (KeyError, ValueError, TypeError) as exc:  # wrong columns from a stage
                say(f"figure {name} could not be drawn ({type(exc).__name__})")
                run.failures.append(f"figure:{name}")
                fig = F.empty_figure(caption, lang)
        png = F.save_figure(fig, fig_dir, name)
        out[name] = {"img": img_tag(png, caption, name), "caption": caption}
    return out


def run_report(config: Config, out_dir: str | Path, progress: bool = True, *,
               debug: bool = False, dataset: Any = None) -> Path:
    """Run the analysis and write the report and its companions into ``out_dir``.

    Parameters
    ----------
    config
        The configuration (with any overrides applied, see :meth:`Config.with_overrides`).
    out_dir
        Output folder (created).
    progress
        Progress lines on stderr for the long steps.
    debug
        Re-raise unexpected exceptions of an analysis instead of reporting it as failed.
    dataset
        An already-loaded Dataset (optional).

    Returns
    -------
    Path
        The path of ``report.html``. ``failures`` of the run are in results.json under
        ``analyses`` (status ``failed``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = _progress(progress)
    run = build_results(config, progress=progress, debug=debug, dataset=dataset)
    public = config.report.audience == "public"
    results = suppress_results(run.results) if public else run.results
    results = to_jsonable(results)
    tables = {k: (_redact_table(public_table(v)) if public else v) for k, v in run.tables.items()}

    say("tables …")
    tab_dir = out / "tables"
    if tab_dir.exists():
        shutil.rmtree(tab_dir)
    for tab in tables.values():
        write_csv(tab, tab_dir, run.lang)
    write_workbook(list(tables.values()), out / "tables.xlsx", run.lang)

    fig_dir = out / "figures"
    if fig_dir.exists():
        shutil.rmtree(fig_dir)
    figs = _figures(run, fig_dir, say)

    say("results.json …")
    text = dumps_results(results)
    (out / "results.json").write_bytes(text.encode("utf-8"))

    say("report.html …")
    a = config.analysis
    uc = getattr(run.dataset, "unit_costs", None)
    context = {
        "title": config.name, "audience": config.report.audience, "created_with": created_with(),
        "sections": {k: v for k, v in run.sections.items()} | {
            k: Section("ok") for k in SECTIONS if k not in run.sections},
        "tables": tables, "figures": figs, "primary": PRIMARY, "perspective": a.perspective,
        "cluster": a.cluster, "reps": a.bootstrap_reps, "seed": a.seed, "wtp_max": a.wtp_max,
        "diary_rule": a.diary_rule, "cea_resample": a.cea_resample,
        "price_year": _uc(uc, "price_year"),
    }
    html = render_html(results, context, run.lang)
    (out / "report.html").write_text(html, encoding="utf-8")

    manifest = build_manifest(config, files_table=getattr(run.dataset, "files", None),
                              out_dir=out, results_sha256=sha256_file(out / "results.json"))
    manifest["failures"] = list(run.failures)
    if public:  # file names may hold client numbers (one diary workbook per client)
        manifest = redact_manifest(manifest)
    write_manifest(manifest, out / "manifest.json")
    say(f"done: {out / 'report.html'}")
    return out / "report.html"


# ------------------------------------------------------------------------------ CLI
def cli_report(args: Any) -> int:
    """``hb-eval report CONFIG --out DIR`` / ``hb-eval report --demo --out DIR``."""
    out = Path(args.out)
    if args.demo:
        if args.config:
            raise ConfigError("give either a configuration file or --demo, not both")
        from ..demo import write_demo

        demo_dir = out / "demo_data"
        if not getattr(args, "quiet", False):
            print(f"[hb-eval] writing the demo evaluation to {demo_dir} …", file=sys.stderr,
                  flush=True)
        write_demo(demo_dir, clients=getattr(args, "clients", None))
        cfg_path = demo_dir / "evaluation.yaml"
    else:
        if not args.config:
            raise ConfigError("give a configuration file (evaluation.yaml) or --demo")
        if getattr(args, "clients", None) is not None:
            raise ConfigError("--clients sizes the demo: use it with --demo")
        cfg_path = Path(args.config)
    config = load_config(cfg_path).with_overrides(
        seed=args.seed, bootstrap_reps=args.reps, language=args.language, audience=args.audience)
    progress = not getattr(args, "quiet", False)
    report = run_report(config, out, progress=progress, debug=getattr(args, "debug", False))
    failed = [k for k, v in (read_analyses(out)).items() if v == "failed"]
    if failed:
        print(f"hb-eval: report written to {report}, but these analyses failed: "
              f"{', '.join(failed)} (rerun with --debug)", file=sys.stderr)
        return 1
    if progress:
        print(str(report))
    return 0


def read_analyses(out_dir: str | Path) -> dict[str, str]:
    """The ``analyses`` status block of a written results.json."""
    import json

    d = json.loads((Path(out_dir) / "results.json").read_text(encoding="utf-8"))
    return d.get("analyses", {})
