"""One-way sensitivity analyses of the cost-effectiveness result (docs/methods.md), for a tornado.

Each analysis changes one input, recomputes the per-client costs (and, for Kompassi, the
effects) and the point estimates ΔC, ICER and NMB at ``config.wtp`` on the CEA sample; no
bootstrap. Default ranges (the spec gives none; every one can be replaced with ``ranges``):

=====================  ====================================================================
parameter              low / high
=====================  ====================================================================
hourly_wage            every wage × 0.8 / × 1.2
side_costs_pct         × 0.8 / × 1.2
overhead_pct           × 0.8 / × 1.2
km_allowance           × 0.8 / × 1.2
client_hour_value      × 0.8 / × 1.2; when the base is 0: 0 / volunteer_hour_value
volunteer_hour_value   × 0.8 / × 1.2; when the base is 0: 0 / the HB-avustaja wage
diary_rule             the two rules other than the base one
perspective            organiser / societal
kompassi               harmonised Kompassi scores included / excluded
=====================  ====================================================================

Client-time and volunteer values only move costs in the societal perspective; in the organiser
perspective their rows show no change, which is the honest answer.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import PRIMARY
from .cea import SIGN_CONVENTION, cea_sample
from .costing import (ASSISTANT_TITLE, RULES, PreparedCosts, _tables, client_costs,
                      latest_data_date, unit_cost_values, vary_unit_costs)

NUMERIC = ("hourly_wage", "side_costs_pct", "overhead_pct", "km_allowance", "client_hour_value",
           "volunteer_hour_value")


class _Sample:
    """The CEA sample of ``effects`` (:func:`~hb_eval.costs.cea.cea_sample`) against any costing
    of the same clients: the clients' positions in the cost table are found once, so that each
    costing only reads its totals (every costing lists the clients in the same order)."""

    def __init__(self, costs: pd.DataFrame, effects: pd.DataFrame, checked: bool = False
                 ) -> None:
        if not checked:  # rows of an effects frame already checked pass the checks too
            cea_sample(costs, effects)  # the checks (arms agree, arms known), once
        e = effects.loc[effects["baseline"].notna() & effects["end"].notna()
                        & effects["change"].notna()]
        self.ids = costs["client_id"].astype(str).to_numpy()
        pos = pd.Index(self.ids).get_indexer(e["client_id"].astype(str).to_numpy())
        self.pos = pos
        self.change = e["change"].to_numpy(dtype=float)
        self.hb = e["arm"].astype(str).to_numpy() == "HB"

    def point(self, costs: pd.DataFrame, wtp: float) -> tuple[float, float, float]:
        """ΔC, ICER and NMB(wtp) on the sample (clients without a cost total left out, as
        :func:`~hb_eval.costs.cea.cea_sample` does)."""
        if not np.array_equal(costs["client_id"].astype(str).to_numpy(), self.ids):
            raise ValueError("the costings must list the same clients in the same order")
        total = costs["total"].to_numpy(dtype=float)
        cost = np.where(self.pos >= 0, total[np.maximum(self.pos, 0)], np.nan)
        keep = ~np.isnan(cost)
        h, v = keep & self.hb, keep & ~self.hb
        # pandas' means (as the CEA takes them), over the clients in the same order
        dc = float(pd.Series(cost[h]).mean() - pd.Series(cost[v]).mean())
        de = float(pd.Series(self.change[h]).mean() - pd.Series(self.change[v]).mean())
        return dc, (dc / de if de != 0 else np.nan), wtp * de - dc


def default_ranges(unit_costs: Any, rule: str, perspective: str) -> dict[str, tuple[Any, Any]]:
    """The default low/high values (see the module docstring)."""
    uc = unit_cost_values(unit_costs)
    r: dict[str, tuple[Any, Any]] = {"hourly_wage": (0.8, 1.2)}
    for k in ("side_costs_pct", "overhead_pct", "km_allowance"):
        v = getattr(uc, k)
        r[k] = (0.8 * v, 1.2 * v)
    r["client_hour_value"] = ((0.8 * uc.client_hour_value, 1.2 * uc.client_hour_value)
                              if uc.client_hour_value else (0.0, uc.volunteer_hour_value))
    r["volunteer_hour_value"] = ((0.8 * uc.volunteer_hour_value, 1.2 * uc.volunteer_hour_value)
                                 if uc.volunteer_hour_value
                                 else (0.0, float(uc.hourly_wage.get(ASSISTANT_TITLE, 0.0))))
    others = [x for x in RULES if x != rule]
    r["diary_rule"] = (others[0], others[1])
    r["perspective"] = ("organiser", "societal")
    r["kompassi"] = ("included", "excluded")
    return r


def one_way_sensitivity(ds_or_tables: Any, effects: pd.DataFrame, config: Any = None, *,
                        perspective: str | None = None, rule: str | None = None,
                        ranges: dict[str, tuple[Any, Any]] | None = None,
                        wtp: float | None = None, cutoff: Any = None,
                        progress: Callable[[int, int], None] | None = None,
                        costs: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One-way sensitivity analyses, tidy and ready for a tornado chart.

    Parameters
    ----------
    ds_or_tables
        Dataset or dict of tables (as :func:`~hb_eval.costs.costing.client_costs`).
    effects
        The primary change frame; its ``harmonised`` column drives the Kompassi analysis.
    config
        ``AnalysisConfig`` or ``Config``: perspective, diary_rule, wtp.
    ranges
        Parameter → (low, high) replacing the defaults (:func:`default_ranges`); for
        ``hourly_wage`` the values are factors on every wage.
    progress
        ``progress(done, total)`` after each analysis (low and high count one each).
    costs
        Per-client costs of these data already made with the data's unit costs, ``rule`` and
        the default cut-off (:func:`~hb_eval.costs.costing.client_costs`), by perspective (the
        pipeline's costs stage): the base and the perspective analyses use them instead of
        costing again. Ignored where their rule or cut-off differs.

    Returns
    -------
    DataFrame
        parameter, low_value, high_value, delta_cost_low, delta_cost_high, icer_low,
        icer_high, nmb_low, nmb_high, base (the parameter's base value), base_delta_cost,
        base_icer, base_nmb, perspective, wtp, sign_convention; sorted by the swing in ΔC,
        largest first.
    """
    from ..config import AnalysisConfig

    cfg = config if config is not None else AnalysisConfig()
    cfg = getattr(cfg, "analysis", cfg)
    perspective = perspective or cfg.perspective
    rule = rule or cfg.diary_rule
    wtp = float(wtp if wtp is not None else cfg.wtp)
    t = _tables(ds_or_tables)
    uc = unit_cost_values(t["unit_costs"]) if t["unit_costs"] is not None else None
    rng_ = default_ranges(uc, rule, perspective) if uc is not None else {
        "diary_rule": tuple(x for x in RULES if x != rule), "perspective": ("organiser",
                                                                            "societal"),
        "kompassi": ("included", "excluded")}
    rng_.update(ranges or {})

    # the diaries are joined once, not per analysis
    prepared = (ds_or_tables if isinstance(ds_or_tables, PreparedCosts)
                else PreparedCosts(ds_or_tables))
    known = dict(costs or {})
    default_cutoff = None

    def costing(**kw: Any) -> pd.DataFrame:
        nonlocal default_cutoff
        args = {"perspective": perspective, "rule": rule, "unit_costs": uc, "cutoff": cutoff}
        args.update(kw)
        made = known.get(args["perspective"])
        if made is not None and args["unit_costs"] is uc and args["rule"] == rule:
            if default_cutoff is None:
                t = prepared.tables
                default_cutoff = str(latest_data_date(
                    t["clients"], t["diary_rows"] if t["diary_rows"] is not None
                    and len(t["diary_rows"]) else None,
                    t["service_costs"] if t["service_costs"] is not None
                    and len(t["service_costs"]) else None).date())
            wanted = default_cutoff if args["cutoff"] is None else str(
                pd.Timestamp(args["cutoff"]).date())
            if (made.attrs.get("cutoff") == default_cutoff == wanted
                    and (made["rule"] == rule).all()):
                return made
        return client_costs(prepared, **args)

    base_costs = costing()
    cutoff = base_costs.attrs["cutoff"]  # the same cut-off in every analysis
    if "harmonised" in effects:
        no_kompassi = effects[~effects["harmonised"].fillna(False).astype(bool)]
    else:
        no_kompassi = effects
    samples = {id(effects): _Sample(base_costs, effects)}
    samples[id(no_kompassi)] = _Sample(base_costs, no_kompassi, checked=True)  # its rows

    def _point(c: pd.DataFrame, e: pd.DataFrame, wtp: float) -> tuple[float, float, float]:
        return samples[id(e)].point(c, wtp)

    b_dc, b_icer, b_nmb = _point(base_costs, effects, wtp)
    rows = []
    n_done, n_all = 0, 2 * len(rng_)
    for param, (low, high) in rng_.items():
        res = []
        for v in (low, high):
            if param == "hourly_wage":
                r = _point(costing(unit_costs=vary_unit_costs(uc, wage_factor=float(v))),
                           effects, wtp)
            elif param in NUMERIC:
                r = _point(costing(unit_costs=vary_unit_costs(uc, **{param: float(v)})),
                           effects, wtp)
            elif param == "diary_rule":
                r = _point(costing(rule=v), effects, wtp)
            elif param == "perspective":
                r = _point(costing(perspective=v), effects, wtp)
            elif param == "kompassi":
                r = _point(base_costs, effects if v == "included" else no_kompassi, wtp)
            else:
                raise ValueError(f"unknown sensitivity parameter {param!r}")
            res.append(r)
            n_done += 1
            if progress is not None:
                progress(n_done, n_all)
        base = {"hourly_wage": 1.0, "diary_rule": rule, "perspective": perspective,
                "kompassi": "included"}.get(param, getattr(uc, param, None) if uc else None)
        rows.append({"parameter": param, "low_value": low, "high_value": high,
                     "delta_cost_low": res[0][0], "delta_cost_high": res[1][0],
                     "icer_low": res[0][1], "icer_high": res[1][1],
                     "nmb_low": res[0][2], "nmb_high": res[1][2], "base": base,
                     "base_delta_cost": b_dc, "base_icer": b_icer, "base_nmb": b_nmb,
                     "perspective": perspective, "wtp": wtp,
                     "sign_convention": SIGN_CONVENTION})
    out = pd.DataFrame(rows)
    swing = (out["delta_cost_high"] - out["delta_cost_low"]).abs()
    out = out.iloc[np.argsort(-swing.to_numpy(), kind="stable")].reset_index(drop=True)
    out.attrs["cutoff"] = cutoff
    out.attrs["n_without_kompassi"] = int(len(no_kompassi))
    return out


def tornado_table(ds: Any, scores: pd.DataFrame, config: Any,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """:func:`one_way_sensitivity` for a Dataset and its scores (primary outcome's change)."""
    from ..outcomes.scores import change_frame

    effects = change_frame(scores, ds.clients, PRIMARY)
    return one_way_sensitivity(ds, effects, config, progress=progress)
