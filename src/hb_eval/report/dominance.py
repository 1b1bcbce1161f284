"""Dominance rules applied to the public magnitude tables (euros over clients).

A cell that is a sum or mean of euros over clients is suppressed (``..``) when the largest one
or two clients dominate it: the (n, k) rule (:func:`~hb_eval.report.disclosure.nk_dominated`)
or the p % rule (:func:`~hb_eval.report.disclosure.p_percent_unsafe`), computed here for every
cell at once from the per-client contributions that feed it (vectorised: per group total,
largest and second largest). Where the table has totals (components → total cost; groups →
the overall budget mean; sectors → all HB euros), a dominated cell must not be recoverable
from the published ones: :func:`~hb_eval.report.disclosure.protect` hides further cells.

Tables: services_by_funding, services_by_sector (amount), costs_by_arm (mean, sd),
budget_followup, budget_by_pilot, budget_by_group (granted and realised means),
provider_mix (hb_euros, hb_share).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .disclosure import PUBLISHED, SECOND, SECONDARY, CheckRecord, Rules, _intervals, _rules_of

__all__ = ["dominated_groups", "dominance_masks", "protect_magnitudes", "apply_dominance", "align_dominance"]


def dominated_groups(contrib: pd.DataFrame, by: Sequence[str], value: str,
                     rules: Rules = Rules(), unit: str = "client_id",
                     once: bool = False) -> pd.DataFrame:
    """Per group of ``by``: whether its cell (sum or mean of ``value``) is dominated.

    Contributions are first summed per ``unit`` within the group; the cell is dominated when
    its ``nk_n`` largest make more than ``nk_k`` % of the total, or the rest (total minus the
    two largest) is under ``p_percent`` % of the largest. ``once``: the caller knows that no
    unit has two rows in a group (then a float unit's sum is its one value, not summed).

    Returns
    -------
    DataFrame
        ``by`` columns, total, largest, second, dominated (bool).
    """
    by = list(by)
    # grouped as by the ``by`` columns and the unit, on integer keys (grouping millions of rows
    # by text keys is mostly hashing): each ``by`` column and the unit factorised once, the
    # ``by`` codes (sorted) combined into one group number, so that the groups come out in the
    # order of a sorted groupby; the sums take the same rows in the same order
    ok = np.ones(len(contrib), bool)
    gid = np.zeros(len(contrib), np.int64)
    uniques = []
    for col in by:
        codes, u = pd.factorize(contrib[col], sort=True)
        ok &= codes >= 0
        gid = gid * max(len(u), 1) + codes
        uniques.append(u)
    ucode = _unit_codes(contrib[unit])
    ok &= ucode >= 0
    span = int(ucode[ok].max()) + 1 if ok.any() else 1
    # the same calls on the same sequences as grouping by the columns themselves (pandas sums
    # a group in row order, compensated, unless the groups come sorted: the same path here)
    if once and pd.api.types.is_float_dtype(contrib[value].dtype):
        d = pd.DataFrame({"_g": gid[ok], "_x": _single_sums(contrib[value][ok])})
    else:
        s = contrib[value][ok].groupby(gid[ok] * span + ucode[ok], sort=False).sum().abs()
        d = pd.DataFrame({"_g": s.index.to_numpy() // span, "_x": s.to_numpy()})
    d = d.sort_values("_x", ascending=False, kind="stable")
    rank = _leading_ranks(d["_g"].to_numpy(), max(rules.nk_n, 2))
    x = d["_x"].to_numpy(float)
    d = d.assign(_top=np.where(rank < rules.nk_n, x, 0.0), _x1=np.where(rank == 0, x, 0.0),
                 _x2=np.where(rank == 1, x, 0.0))
    g = d.groupby("_g", sort=True)[["_x", "_top", "_x1", "_x2"]].sum()
    nk = (g["_x"] > 0) & (g["_top"] > rules.nk_k / 100 * g["_x"])
    pp = (g["_x1"] > 0) & (g["_x"] - g["_x1"] - g["_x2"] < rules.p_percent / 100 * g["_x1"])
    out, rest = {}, g.index.to_numpy()
    for col, u in zip(reversed(by), reversed(uniques)):  # the group number back to its keys
        out[col] = u.take(rest % max(len(u), 1))
        rest = rest // max(len(u), 1)
    out = pd.DataFrame({col: out[col] for col in by})
    for col, v in (("total", g["_x"]), ("largest", g["_x1"]), ("second", g["_x2"]),
                   ("dominated", nk | pp)):
        out[col] = v.to_numpy()
    return out


def _leading_ranks(groups: np.ndarray, k: int) -> np.ndarray:
    """Each row's place in its group (0, 1, ...: in row order, as ``cumcount``), ``k`` for
    the rows after the first ``k`` of their group. ``groups``: integers ≥ 0."""
    n = len(groups)
    rank = np.full(n, k, np.int64)
    if n == 0:
        return rank
    if int(groups.max()) >= n:  # sparse group numbers: a dense code each
        groups = pd.factorize(groups)[0]
    pos, rest = np.arange(n), np.ones(n, bool)
    for r in range(k):  # the first row left in each group takes place r
        first = np.full(int(groups.max()) + 1, n)
        np.minimum.at(first, groups[rest], pos[rest])
        hit = first[first < n]
        rank[hit] = r
        rest[hit] = False
    return rank


def _single_sums(values: pd.Series) -> np.ndarray:
    """``|sum|`` of each value alone, in row order: what the per-unit sum gives when every
    (group, unit) has one row (NaN is skipped: 0; one value is its own sum, exactly)."""
    x = values.to_numpy(float)
    return np.abs(np.where(np.isnan(x), 0.0, x))


def _unit_codes(units: pd.Series) -> np.ndarray:
    """Integer codes of the contributing units, -1 where missing (as a missing key, dropped)."""
    if pd.api.types.is_integer_dtype(units.dtype) and not units.hasnans:
        return units.to_numpy(np.int64)
    return pd.factorize(units)[0]


#: The column of integer unit codes :func:`dominance_masks` adds (one factorisation per frame).
_UNIT = "_unit"


def _with_units(frame: pd.DataFrame, cols: Sequence[str] | None) -> pd.DataFrame:
    """``frame`` (its columns ``cols``, all when None) with the clients as integer codes."""
    sub = frame if cols is None else frame.loc[:, [c for c in cols if c in frame.columns]]
    return sub.assign(**{_UNIT: _unit_codes(frame["client_id"])})


def _long_components(wide: pd.DataFrame, comps: Sequence[str]) -> pd.DataFrame:
    """Per-client cost components one row per (client, component) with a value, in the order
    ``melt`` gives (component after component): perspective, component, arm, unit codes,
    value."""
    n, k = len(wide), len(comps)
    values = [wide[c] for c in comps]
    if not all(pd.api.types.is_float_dtype(v.dtype) for v in values):  # melt's own dtype rules
        long = wide.loc[:, ["client_id", "perspective", "arm", *comps]].melt(
            id_vars=["client_id", "perspective", "arm"], var_name="component")
        return _with_units(long.dropna(subset=["value"]), None)
    value = np.concatenate([v.to_numpy(float) for v in values]) if k else np.empty(0)
    keep = ~np.isnan(value)
    comp = pd.Categorical.from_codes(np.repeat(np.arange(k), n), categories=list(comps))
    long = pd.DataFrame({"perspective": _tiled(wide["perspective"], k), "component": comp,
                         "arm": _tiled(wide["arm"], k),
                         _UNIT: np.tile(_unit_codes(wide["client_id"]), k), "value": value})
    return long.loc[keep].reset_index(drop=True)


def _one_row_per_client(wide: pd.DataFrame) -> bool:
    """Whether no client has two rows of one perspective in the per-client costs (then each
    (perspective, component, arm) of the long form has at most one row per client)."""
    return not wide.duplicated(["perspective", "client_id"]).any()


def _tiled(col: pd.Series, k: int) -> pd.Categorical:
    """``col`` repeated ``k`` times, as categories (its own or its sorted values)."""
    c = col.astype("category") if not isinstance(col.dtype, pd.CategoricalDtype) else col
    return pd.Categorical.from_codes(np.tile(c.cat.codes.to_numpy(), k), dtype=c.dtype)


def _hb_budget_rows(sc: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """The service-cost rows paid from an HB budget to clients of the HB arm (sector as text),
    in their order: the rows of the inner merge on client_id (text) the rule was written as."""
    ids = clients["client_id"].astype(str)
    if not ids.is_unique:  # a merge would repeat rows: keep its exact semantics
        s = sc.assign(client_id=sc["client_id"].astype(str)).merge(
            clients.loc[:, ["client_id", "arm"]].astype({"client_id": str, "arm": str}),
            on="client_id", how="inner")
        hb = s[(s["funding"].astype(str) == "HB-budjetti") & (s["arm"] == "HB")]
    else:
        hb_funded = (sc["funding"] == "HB-budjetti").fillna(False).to_numpy(dtype=bool)
        sub = sc.loc[hb_funded, ["client_id", "sector", "amount"]]
        pos = pd.Index(ids).get_indexer(sub["client_id"].astype(str))
        arm = clients["arm"].astype(str).to_numpy(object)
        hb = sub.loc[(pos >= 0) & (np.where(pos >= 0, arm[pos], None) == "HB")]
    hb = hb.assign(sector=hb["sector"].astype(str))
    return _with_units(hb, ["sector", "amount"])


def _mask(frame: pd.DataFrame, groups: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Rows of ``frame`` whose group is dominated (matched on the ``by`` columns as text)."""
    if not len(groups):
        return np.zeros(len(frame), bool)
    key = lambda f: pd.MultiIndex.from_frame(f.loc[:, list(by)].astype(str))  # noqa: E731
    hit = set(key(groups[groups["dominated"]]))
    return np.array([k in hit for k in key(frame)], bool)


def dominance_masks(ev: Any, frames: Mapping[str, pd.DataFrame], rules: Rules = Rules()
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Table -> magnitude column -> rows whose cell is dominated (before secondary)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    ds = getattr(ev, "dataset", None)
    objects = getattr(ev, "objects", {}) or {}
    svc = [n for n in ("services_by_funding", "services_by_sector") if n in frames]
    sc = objects.get("services")  # the priced episodes with their arm (pipeline's services)
    if svc and sc is not None:
        sc = _with_units(sc, ["arm", "funding", "sector", "price_year_amount"])
        for name in svc:
            by = ["arm", "funding" if name.endswith("funding") else "sector"]
            g = dominated_groups(sc, by, "price_year_amount", rules, unit=_UNIT)
            out[name] = {"amount": _mask(frames[name], g, by)}
    costs = objects.get("costs")
    if "costs_by_arm" in frames and isinstance(costs, Mapping) and costs:
        f = frames["costs_by_arm"]
        wide = pd.concat(list(costs.values()), ignore_index=True)
        comps = [c for c in f["component"].astype(str).unique() if c in wide.columns]
        long = _long_components(wide, comps)
        by = ["perspective", "component", "arm"]
        m = _mask(f, dominated_groups(long, by, "value", rules, unit=_UNIT,
                                      once=_one_row_per_client(wide)), by)
        out["costs_by_arm"] = {"mean": m, "sd": m}
    budget = objects.get("budget")
    if budget is not None:
        c = _with_units(budget.clients, None).assign(_all="all")
        for name, by in (("budget_followup", "_all"), ("budget_by_pilot", "pilot"),
                         ("budget_by_group", "client_group")):
            if name not in frames:
                continue
            f = frames[name].assign(_all="all")
            cols = {}
            for v, col in (("granted", "granted_mean"), ("realised", "realised_mean"),
                           ("granted_per_month", "granted_per_month_mean"),
                           ("realised_per_month", "realised_per_month_mean")):
                if col in f.columns and v in c.columns:
                    cols[col] = _mask(f, dominated_groups(c, [by], v, rules, unit=_UNIT),
                                      [by])
            out[name] = cols
    mix = objects.get("providers")
    if "provider_mix" in frames and mix is not None and getattr(ds, "service_costs", None) \
            is not None:
        hb = _hb_budget_rows(ds.service_costs, ds.clients)
        m = _mask(frames["provider_mix"], dominated_groups(hb, ["sector"], "amount", rules,
                                                            unit=_UNIT),
                  ["sector"])
        out["provider_mix"] = {"hb_euros": m, "hb_share": m}
    return out


def protect_magnitudes(values: Sequence[float], relations: Sequence[tuple[Sequence[int], int]],
                       dominated: Sequence[bool], rules: Rules = Rules(),
                       hidden: Sequence[bool] | None = None, totals: bool = True,
                       fixed: Sequence[bool] | None = None) -> np.ndarray:
    """Secondary suppression of magnitude cells bound by additive relations.

    Each dominated cell is audited by linear programming (:func:`~hb_eval.report.disclosure.
    _intervals`, the audit of the counts) given the published cells; while its interval
    reaches less than ``p_percent`` % of its value above or below it, the largest published
    member of one of its equations (the total last) is hidden too.

    ``hidden``: cells already not published (by the threshold); ``totals=False``: a total is
    never chosen (it belongs to another table); ``fixed``: cells never chosen (another table's
    numbers that stay published).

    Returns
    -------
    ndarray of bool
        The cells to hide besides the dominated and the already hidden ones.
    """
    v = np.asarray(values, float)
    ok = ~np.isnan(v)
    v0 = np.abs(np.nan_to_num(v))
    dom = np.asarray(dominated, bool) & ok
    before = dom | (np.asarray(hidden, bool) if hidden is not None else False)
    code = np.where(before, SECOND, PUBLISHED)  # bounds (0, ∞): no count bound
    rels = [(np.asarray([m for m in ms if ok[m]], int), int(t)) for ms, t in relations
            if ok[t]]
    in_rel = {int(c) for ms, t in rels for c in [*ms.tolist(), t]}
    p = rules.p_percent / 100
    given_up: set[int] = set()
    while True:
        cells = [int(c) for c in np.flatnonzero(dom) if c in in_rel and c not in given_up]
        if not cells:
            break
        iv = _intervals(v0, code, rels, cells, rules)
        bad = [c for c in cells if iv[c][1] - v0[c] < p * v0[c] or v0[c] - iv[c][0] < p * v0[c]]
        if not bad:
            break
        c = bad[0]
        options = [(is_total, -v0[m], m) for ms, t in rels if c in ms or c == t
                   for m, is_total in [*((int(m), False) for m in ms), (t, True)]
                   if code[m] == PUBLISHED and (totals or not is_total)
                   and not (fixed is not None and fixed[m])]
        if options:
            code[min(options)[2]] = SECOND
        else:
            given_up.add(c)
    return (code == SECOND) & ~before


def _gone(tables: Mapping[str, Any], name: str, col: str) -> np.ndarray:
    """Cells of a disclosed table not published (None, NaN or a symbol)."""
    x = tables[name].frame[col]
    return (x.isna() | x.map(lambda v: isinstance(v, str))).to_numpy(bool)


def _services_secondary(frames: Mapping[str, pd.DataFrame], tables: Mapping[str, Any],
                        masks: dict[str, dict[str, np.ndarray]], rules: Rules
                        ) -> dict[str, dict[str, np.ndarray]]:
    """services_by_funding and services_by_sector split the same euros of each arm: per arm
    the funding cells and the sector cells add up to one (unpublished but known) total."""
    names = [n for n in ("services_by_funding", "services_by_sector")
             if n in frames and n in tables and "amount" in masks.get(n, {})]
    if len(names) < 2:
        return {}
    vals, dom, gone, start = [], [], [], {}
    for n in names:
        start[n] = len(vals)
        vals += list(pd.to_numeric(frames[n]["amount"], errors="coerce").to_numpy(float) * 100)
        dom += list(masks[n]["amount"])
        gone += list(_gone(tables, n, "amount"))
    rels = []
    arms = [frames[n]["arm"].astype(str).to_numpy() for n in names]
    for arm in sorted(set(arms[0]) & set(arms[1])):
        members = [[start[n] + i for i in np.flatnonzero(a == arm)] for n, a in zip(names, arms)]
        sums = [np.nansum([vals[m] for m in ms]) for ms in members]
        if abs(sums[0] - sums[1]) > 1:  # not the same euros (e.g. episodes without a sector)
            continue
        vals.append(sums[0])
        dom.append(False)
        gone.append(False)
        rels += [(ms, len(vals) - 1) for ms in members]
    sec = protect_magnitudes(vals, rels, dom, rules, hidden=gone, totals=False)
    return {n: {"amount": sec[start[n]:start[n] + len(frames[n])]} for n in names}


def _cea_relations(f: pd.DataFrame, cea: pd.DataFrame | None, v: np.ndarray,
                   rels: list) -> tuple[np.ndarray, list, int]:
    """The CEA's ΔC (means estimator) where it is exactly the difference of the arms' mean
    total costs in costs_by_arm (the same clients): ``HB − Verrokki = ΔC`` is one more
    equation, ΔC a published cell that stays published (the other arm's total is hidden
    instead). Returns the values (cents) with the ΔC cells appended, the relations and how
    many cells were appended."""
    if cea is None or not {"perspective", "estimator", "delta_cost"} <= set(cea.columns):
        return v, rels, 0
    extra: list[float] = []
    for p, est, dc in zip(cea["perspective"], cea["estimator"], cea["delta_cost"]):
        if est != "means" or pd.isna(dc):
            continue
        at = {str(a): i for i, (pp, comp, a) in enumerate(zip(
            f["perspective"], f["component"], f["arm"])) if pp == p and comp == "total"}
        if not {"HB", "Verrokki"} <= set(at):
            continue
        hb, vk = v[at["HB"]], v[at["Verrokki"]]
        if not abs((hb - vk) - float(dc) * 100) < 1:  # a different sample: no equation
            continue
        k = len(v) + len(extra)
        extra.append(abs(float(dc)) * 100)
        rels.append(([at["Verrokki"], k], at["HB"]) if dc >= 0 else ([at["HB"], k],
                                                                     at["Verrokki"]))
    return np.append(v, extra), rels, len(extra)


def _secondary(name: str, frames: Mapping[str, pd.DataFrame], tables: Mapping[str, Any],
               masks: dict[str, dict[str, np.ndarray]], rules: Rules) -> dict[str, np.ndarray]:
    """The cells hidden beyond the dominated ones where the table has totals (euros in cents
    for the audit's integer bounds)."""
    f = frames[name]
    if name in ("services_by_funding", "services_by_sector"):
        return _services_secondary(frames, tables, masks, rules).get(name, {})
    if name in ("budget_by_pilot", "budget_by_group") and "budget_followup" in frames:
        out = {}
        top = frames["budget_followup"]
        for col in masks.get(name, {}):
            if col not in top.columns or col not in f.columns or not len(top):
                continue
            n = pd.to_numeric(f["n"], errors="coerce").to_numpy(float)
            v = np.append(n * pd.to_numeric(f[col], errors="coerce").to_numpy(float),
                          float(top["n_clients"].iloc[0]) * float(top[col].iloc[0])) * 100
            out[col] = protect_magnitudes(
                v, [(list(range(len(f))), len(f))], np.append(masks[name][col], False), rules,
                hidden=np.append(_gone(tables, name, col), False), totals=False)[:-1]
        return out
    if name == "costs_by_arm" and "mean" in masks.get(name, {}):
        v = pd.to_numeric(f["mean"], errors="coerce").to_numpy(float) * 100
        rels = []
        for idx in f.groupby(["perspective", "arm"], observed=True, sort=False).indices.values():
            idx = list(idx)
            tot = [i for i in idx if str(f["component"].iloc[i]) == "total"]
            if tot:
                rels.append(([i for i in idx if i != tot[0]], tot[0]))
        n = len(v)
        v, rels, extra = _cea_relations(f, frames.get("cea"), v, rels)
        sec = protect_magnitudes(v, rels, np.append(masks[name]["mean"], np.zeros(extra, bool)),
                                 rules, hidden=np.append(_gone(tables, name, "mean"),
                                                         np.zeros(extra, bool)),
                                 fixed=np.arange(len(v)) >= n)[:n]
        return {"mean": sec, "sd": sec}
    if name == "provider_mix" and "hb_euros" in masks.get(name, {}):
        e = pd.to_numeric(f["hb_euros"], errors="coerce").to_numpy(float) * 100
        v = np.append(e, np.nansum(e))  # the sectors' sum, known from euros and shares
        sec = protect_magnitudes(v, [(list(range(len(e))), len(e))],
                                 np.append(masks[name]["hb_euros"], False), rules,
                                 hidden=np.append(_gone(tables, name, "hb_euros"), False))[:-1]
        return {"hb_euros": sec, "hb_share": sec}
    return {}


def apply_dominance(tables: Mapping[str, Any], records: list[CheckRecord],
                    masks: dict[str, dict[str, np.ndarray]], frames: Mapping[str, pd.DataFrame],
                    rules: Rules = Rules()) -> tuple[dict[str, Any], list[CheckRecord]]:
    """The disclosed ``tables`` with dominated magnitude cells (and their secondary cells)
    shown ``..``; each table's record counts them under ``dominance`` / ``secondary``.
    ``frames``: the evaluation's tables before disclosure (the values the audit needs)."""
    out = dict(tables)
    by_name = {r.name: r for r in records}
    for name, cols in masks.items():
        if name not in tables or not cols:
            continue
        f = tables[name].frame.copy()
        sec = _secondary(name, frames, tables, masks, rules)
        rec = by_name.get(name)
        for col, m in cols.items():
            if col not in f.columns:
                continue
            shown = f[col].notna().to_numpy() & ~f[col].map(
                lambda x: isinstance(x, str)).to_numpy()
            dom = m & shown
            extra = sec.get(col, np.zeros(len(f), bool)) & shown & ~dom
            if rec is not None and col in ("amount", "mean", "hb_euros", "granted_mean",
                                           "realised_mean", "granted_per_month_mean",
                                           "realised_per_month_mean"):
                rec.dominance += int(dom.sum())
                rec.secondary += int(extra.sum())
            f[col] = f[col].astype(object)
            f.loc[dom | extra, col] = SECONDARY
        if rec is not None:
            rec.rules = _rules_of(rec)
        out[name] = dataclasses.replace(tables[name], frame=f)
    return out, records


def align_dominance(results: dict[str, Any], tables: Mapping[str, Any]) -> dict[str, Any]:
    """Give results.json's euro figures the public tables' dominance decisions (``..``)."""
    import copy

    res = copy.deepcopy(results)
    hid = lambda v: isinstance(v, str) and v == SECONDARY  # noqa: E731
    cb = tables.get("costs_by_arm")
    costs = res.get("costs") if isinstance(res.get("costs"), dict) else {}
    if cb is not None:
        f = cb.frame
        for p, comp, arm, mean in zip(f["perspective"], f["component"], f["arm"], f["mean"]):
            block = costs.get(str(p))
            if not hid(mean) or not isinstance(block, dict):
                continue
            where = block.get("mean") if comp == "total" else (
                block.get("components") or {}).get(str(comp))
            if isinstance(where, dict) and str(arm) in where:
                where[str(arm)] = SECONDARY
    budget = res.get("budget") if isinstance(res.get("budget"), dict) else None
    if budget is not None:
        bf = tables.get("budget_followup")
        if bf is not None and len(bf.frame):
            for col in ("granted_mean", "realised_mean", "granted_per_month_mean",
                        "realised_per_month_mean"):
                if col in bf.frame.columns and hid(bf.frame[col].iloc[0]) and col in budget:
                    budget[col] = SECONDARY
        for name, key, by in (("budget_by_pilot", "by_pilot", "pilot"),
                              ("budget_by_group", "by_group", "client_group")):
            t = tables.get(name)
            if t is None:
                continue
            rows = {str(r.get(by)): r for r in budget.get(key) or [] if isinstance(r, dict)}
            for i in range(len(t.frame)):
                r = rows.get(str(t.frame[by].iloc[i]))
                for col in ("granted_mean", "realised_mean"):
                    if r is not None and hid(t.frame[col].iloc[i]):
                        r[col] = SECONDARY
    pm = tables.get("provider_mix")
    prov = res.get("providers") if isinstance(res.get("providers"), dict) else None
    if pm is not None and prov is not None:
        rows = {str(r.get("sector")): r for r in prov.get("by_sector") or []
                if isinstance(r, dict)}
        for i in range(len(pm.frame)):
            r = rows.get(str(pm.frame["sector"].iloc[i]))
            for col in ("hb_euros", "hb_share"):
                if r is not None and hid(pm.frame[col].iloc[i]):
                    r[col] = SECONDARY
    return res


def dominance_figures(figure_data: Mapping[str, Any], tables: Mapping[str, Any],
                      perspective: str) -> dict[str, Any]:
    """The figures' data without the points of cells hidden here: ``cost_components`` (the
    main perspective's component means per arm) loses the bars hidden in costs_by_arm."""
    data = dict(figure_data)
    cb = tables.get("costs_by_arm")
    cc = data.get("cost_components")
    if cb is None or not isinstance(cc, Mapping) or cc.get("df") is None:
        return data
    f = cb.frame
    gone = {(str(c), str(a)) for p, c, a, m in zip(f["perspective"], f["component"], f["arm"],
                                                    f["mean"])
            if str(p) == perspective and isinstance(m, str) and m == SECONDARY}
    df = cc["df"]
    keep = [(str(c), str(a)) not in gone for c, a in zip(df["component"], df["arm"])]
    data["cost_components"] = {**cc, "df": df.loc[keep].reset_index(drop=True)}
    return data
