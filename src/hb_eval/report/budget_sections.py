"""The report's budget parts: budget follow-up and provider mix (services chapter) and the
cost-neutrality block of the CEA. Computation lives in :mod:`hb_eval.costs.budget`,
:mod:`hb_eval.costs.providers` and :mod:`hb_eval.costs.neutrality`; this module only puts their
results into the run (results dict, tables, figure data) for both audiences.

Public audience: per-pilot and per-group rows of fewer than five clients lose their count (``<5``,
with a second one suppressed against the published total) and their statistics; a sector with
fewer than five HB clients loses its euros and share; the table of providers (with names: a sole
trader's name is a person's) is made for internal reports only.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .suppression import SUPPRESSED, is_small, suppress_mapping

__all__ = ["budget_section", "providers_section", "cost_neutrality_block"]

_GROUP_STATS = ("granted_mean", "realised_mean", "utilisation_median")


def _cutoff(ds: Any) -> pd.Timestamp:
    """The end of ongoing client-ships, as the costs have it."""
    from ..costs.costing import latest_data_date

    return latest_data_date(ds.clients, ds.diary_rows, ds.service_costs)


def _public_groups(rows: list[dict[str, Any]], total: int) -> None:
    """Suppress small ``n`` in by-pilot/by-group records (against the published total)."""
    counts = suppress_mapping({i: r["n"] for i, r in enumerate(rows)}, total_shown=True)
    for i, r in enumerate(rows):
        if counts[i] == SUPPRESSED:
            r["n"] = SUPPRESSED
            r.update({k: None for k in _GROUP_STATS})


def budget_section(run: Any) -> None:
    """Budget follow-up: results ``budget``, tables, and the utilisation figure's data."""
    from ..costs.budget import budget_followup

    ds = run.dataset
    res = budget_followup(ds.budgets, ds.service_costs, ds.clients, _cutoff(ds))
    block = res.to_results()
    public = run.config.report.audience == "public"
    if public:
        for key in ("by_pilot", "by_group"):
            _public_groups(block[key], block["n_clients"])
    run.results["budget"] = block
    summ = pd.DataFrame([{k: block[k] for k in (
        "n_clients", "granted_mean", "realised_mean", "utilisation_median", "utilisation_q1",
        "utilisation_q3", "share_under_half", "share_over_full", "granted_per_month_mean",
        "realised_per_month_mean")}])
    run.table("budget_followup", "tab_budget_followup", summ, digits={
        "granted_mean": 0, "realised_mean": 0, "granted_per_month_mean": 0,
        "realised_per_month_mean": 0}, linked={c: "n_clients" for c in summ.columns
                                             if c != "n_clients"})
    linked = {k: "n" for k in ("granted_mean", "realised_mean", "utilisation_median",
                               "utilisation_q1", "utilisation_q3", "share_under_half",
                               "share_over_full")}
    for by in ("pilot", "client_group"):
        t = res.by(by).loc[:, [by, "n", "granted_mean", "realised_mean", "utilisation_median",
                               "utilisation_q1", "utilisation_q3", "share_under_half",
                               "share_over_full"]]
        run.table(f"budget_by_{'group' if by == 'client_group' else by}",
                  f"tab_budget_by_{'group' if by == 'client_group' else by}", t,
                  digits={"granted_mean": 0, "realised_mean": 0}, linked=linked)
    run.fig_data["budget_utilisation"] = {
        "df": res.clients.loc[:, ["pilot", "utilisation"]].astype({"pilot": str})}


def providers_section(run: Any) -> None:
    """Provider mix: results ``providers``, the sector table, and (internal only) the providers
    paid from budgets with their names."""
    from ..costs.providers import provider_mix, provider_table

    ds = run.dataset
    mix = provider_mix(ds.service_costs, ds.clients, ds.providers, _cutoff(ds))
    block = mix.to_results()
    public = run.config.report.audience == "public"
    if public:
        for r in block["by_sector"]:
            if is_small(r["n_clients_hb"]):
                r.update(n_clients_hb=SUPPRESSED, hb_euros=None, hb_share=None)
    run.results["providers"] = block
    run.table("provider_mix", "tab_provider_mix", mix.to_frame().loc[:, [
        "sector", "hb_euros", "hb_share", "n_clients_hb", "usual_share_HB",
        "usual_share_Verrokki"]], digits={"hb_euros": 0},
        linked={"hb_euros": "n_clients_hb", "hb_share": "n_clients_hb"})
    run.table("provider_summary", "tab_provider_summary", pd.DataFrame([{
        k: block[k] for k in ("n_providers", "distinct_per_client_median", "new_entrant_share",
                              "evaluation_start")}]))
    if not public:  # names of sole traders are personal data
        run.table("providers_paid", "tab_providers_paid",
                  provider_table(ds.service_costs, ds.clients, ds.providers, mix),
                  digits={"hb_euros": 0})


def cost_neutrality_block(cea: Any, config: Any) -> dict[str, Any]:
    """The ``cea.<perspective>.cost_neutrality`` block of one CEA result."""
    from ..costs.neutrality import cost_neutrality

    a = getattr(config, "analysis", config)
    return cost_neutrality(cea, a.cost_margin).to_results()
