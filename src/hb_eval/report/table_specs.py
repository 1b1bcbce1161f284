"""How the report shows each table of an evaluation: title, rounding and suppression relations.

The pipeline (:mod:`hb_eval.pipeline`) gives plain tidy frames; :func:`make_tables` turns them
into :class:`~hb_eval.report.tables.Table` objects in the report's language. A table without an
entry in :data:`TABLE_SPECS` gets the title ``tab_<name>`` and no derived-column links.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .i18n import t
from .tables import Table

__all__ = ["TableSpec", "TABLE_SPECS", "make_table", "make_tables"]

RC_CATEGORIES = ("improved", "unchanged", "deteriorated")


@dataclass(frozen=True)
class TableSpec:
    """Rendering of one table (see :class:`~hb_eval.report.tables.Table` for the fields).

    ``linked`` and ``col_relations`` may be functions of the frame when they depend on it.
    """

    title_key: str | None = None
    total_col: str | None = None
    linked: dict[str, str] | Callable[[pd.DataFrame], dict[str, str]] = field(
        default_factory=dict)
    digits: dict[str, int] = field(default_factory=dict)
    row_relations: list[tuple[list[str], str]] = field(default_factory=list)
    col_relations: Callable[[pd.DataFrame], list[tuple[list[Any], Any]]] | None = None
    hidden: tuple[str, ...] = ()  # columns the relations need that the report does not show


def _within_linked(frame: pd.DataFrame) -> dict[str, str]:
    return {k: "n" for k in frame.columns if k not in ("outcome", "arm", "n")}


def _attrition_cols(att: pd.DataFrame) -> list[tuple[list[Any], Any]]:
    """Arm rows are the sum of their pilot rows; the total row the sum of the arm rows."""
    if "level" not in att.columns:
        return []
    rel = []
    for arm in att.loc[att["level"] == "arm", "arm"]:
        members = att.index[(att["level"] == "arm_pilot") & (att["arm"] == arm)].tolist()
        rel.append((members, int(att.index[(att["level"] == "arm") & (att["arm"] == arm)][0])))
    tot = att.index[att["level"] == "total"]
    if len(tot):
        rel.append((att.index[att["level"] == "arm"].tolist(), int(tot[0])))
    return rel


_COST_DIGITS = {"delta_cost": 0, "delta_cost_ci_low": 0, "delta_cost_ci_high": 0,
                "delta_effect": 2, "icer": 0, "nmb_at_wtp": 0, "wtp": 0}

_BUDGET_LINKED = {k: "n" for k in ("granted_mean", "realised_mean", "utilisation_median",
                                   "utilisation_q1", "utilisation_q3", "share_under_half",
                                   "share_over_full")}

#: Table name -> how it is shown.
TABLE_SPECS: dict[str, TableSpec] = {
    "estimators_primary": TableSpec("tab_estimators"),
    "heterogeneity": TableSpec(row_relations=[(["n_HB", "n_Verrokki"], "n")]),
    "within_arm": TableSpec("tab_within", linked=_within_linked),
    "reliable_change": TableSpec(
        linked={f"share_{k}": f"n_{k}" for k in RC_CATEGORIES},
        row_relations=[([f"n_{k}" for k in RC_CATEGORIES], "n")]),
    "table1": TableSpec(linked={
        "share_HB": "n_HB", "mean_HB": "n_HB", "sd_HB": "n_HB", "share_Verrokki": "n_Verrokki",
        "mean_Verrokki": "n_Verrokki", "sd_Verrokki": "n_Verrokki", "smd": "n_HB"}),
    "attrition": TableSpec(
        linked={"share_dropouts": "n_dropouts"},
        row_relations=[(["n_no_baseline", "n_baseline"], "n_clients"),
                       (["n_completers", "n_dropouts"], "n_baseline"),
                       (["n_dropouts_ongoing", "n_dropouts_ended"], "n_dropouts")],
        col_relations=_attrition_cols, hidden=("level",)),
    "satisfaction_items": TableSpec("tab_satisfaction", linked={
        "share_agree_HB": "n_HB", "share_agree_Verrokki": "n_Verrokki"}),
    "satisfaction_grade": TableSpec("tab_grade", linked={
        "mean_HB": "n_HB", "mean_Verrokki": "n_Verrokki"}),
    "satisfaction_hb_items": TableSpec("tab_hb_items", linked={
        "share_agree": "n", "mean": "n", "ci_low": "n", "ci_high": "n"}),
    "esr_transitions": TableSpec("tab_esr", linked={
        "share_into_work_or_study": "n_into_work_or_study",
        "ci_low": "n_into_work_or_study", "ci_high": "n_into_work_or_study"}),
    "services_by_funding": TableSpec(digits={"amount": 0}, linked={"amount": "n_clients"}),
    "services_by_sector": TableSpec(digits={"amount": 0}, linked={"amount": "n_clients"}),
    "costs_by_arm": TableSpec(digits={"mean": 0, "sd": 0}),
    "cea": TableSpec(digits=_COST_DIGITS),
    "sensitivity": TableSpec(digits={"delta_cost_low": 0, "delta_cost_high": 0,
                                     "base_delta_cost": 0}),
    "confounding": TableSpec(digits={"multiple": 0, "r2dz_x": 3, "r2yz_dx": 3}),
    "plan": TableSpec(digits={"effective_per_arm": 1}),
    "budget_followup": TableSpec(
        digits={"granted_mean": 0, "realised_mean": 0, "granted_per_month_mean": 0,
                "realised_per_month_mean": 0},
        linked=lambda f: {c: "n_clients" for c in f.columns if c != "n_clients"}),
    "budget_by_pilot": TableSpec(digits={"granted_mean": 0, "realised_mean": 0},
                                 linked=_BUDGET_LINKED),
    "budget_by_group": TableSpec(digits={"granted_mean": 0, "realised_mean": 0},
                                 linked=_BUDGET_LINKED),
    "provider_mix": TableSpec(digits={"hb_euros": 0},
                              linked={"hb_euros": "n_clients_hb", "hb_share": "n_clients_hb"}),
    "providers_paid": TableSpec(digits={"hb_euros": 0}),
    "files": TableSpec(total_col="rows_read"),
    "quarantine_by_reason": TableSpec("tab_quarantine"),
}


def make_table(name: str, frame: pd.DataFrame, lang: str) -> Table:
    """The report :class:`Table` of one evaluation table, titled in ``lang``."""
    spec = TABLE_SPECS.get(name, TableSpec())
    frame = frame.reset_index(drop=True)
    rel = spec.col_relations(frame) if spec.col_relations else []
    frame = frame.drop(columns=[c for c in spec.hidden if c in frame.columns])
    linked = spec.linked(frame) if callable(spec.linked) else dict(spec.linked)
    return Table(name, t(spec.title_key or f"tab_{name}", lang), frame,
                 total_col=spec.total_col, linked=linked, digits=dict(spec.digits),
                 row_relations=list(spec.row_relations), col_relations=rel)


def make_tables(tables: Mapping[str, pd.DataFrame], lang: str) -> dict[str, Table]:
    """Every table of an evaluation as report tables (same order)."""
    return {k: make_table(k, v, lang) for k, v in tables.items()}
