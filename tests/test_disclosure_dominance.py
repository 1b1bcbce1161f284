"""Dominance rules on the public magnitude tables (issue 20, item 1).

Hand-worked: in the synthetic evaluation of test_report_public, one HB client's HB-budget
euros are raised to 9 × the other 20 clients' together, so that client holds 90 % of the
(HB, HB-budjetti) cell: the (2, 85 %) rule flags it and the public tables show ``..``; the
usual services' cell (15 clients, 300–800 € each) stays published.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.report.disclosure import SECONDARY, Rules, nk_dominated, p_percent_unsafe
from hb_eval.report.dominance import dominated_groups
from hb_eval.report.run import run_report

sys.path.insert(0, str(Path(__file__).parent))
from test_report_synthetic import make_dataset  # noqa: E402


def test_dominated_groups_hand_worked():
    # A: 900 of 1000 € from one client (90 % > 85 %); B: five clients of 100 € each
    d = pd.DataFrame({"client_id": list("abcdefghij"), "g": ["A"] * 5 + ["B"] * 5,
                      "x": [900, 25, 25, 25, 25, 100, 100, 100, 100, 100]})
    g = dominated_groups(d, ["g"], "x").set_index("g")
    assert g.loc["A", "dominated"] and not g.loc["B", "dominated"]
    assert g.loc["A", "largest"] == 900 and g.loc["A", "second"] == 25
    # p %: 100, 95, 5 -> the rest (5) is under 10 % of 100, yet the top two (195 of 200)
    # are also > 85 %; 100, 20, 9, 9, 9, 9, 9, 9, 9, 9, 9 (n, k: 120/219 = 55 %) -> rest 81 ≥ 10
    d = pd.DataFrame({"client_id": range(11), "g": "C",
                      "x": [100, 20, *[9] * 9]})
    assert not dominated_groups(d, ["g"], "x")["dominated"].iloc[0]
    # contributions are summed per client first: two rows of one client are one contributor
    d = pd.DataFrame({"client_id": ["a", "a", "b", "c", "d"], "g": "D",
                      "x": [450, 450, 30, 30, 40]})
    assert dominated_groups(d, ["g"], "x")["dominated"].iloc[0]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(0, 1000), min_size=1, max_size=8), min_size=1, max_size=5))
def test_dominated_groups_equals_the_scalar_rules(groups):
    """The vectorised rule equals nk_dominated | p_percent_unsafe cell by cell."""
    rows = [(gi, f"{gi}-{ci}", x) for gi, g in enumerate(groups) for ci, x in enumerate(g)]
    d = pd.DataFrame(rows, columns=["g", "client_id", "x"])
    out = dominated_groups(d, ["g"], "x", Rules()).set_index("g")["dominated"]
    for gi, g in enumerate(groups):
        assert bool(out.loc[gi]) == (nk_dominated(g, 2, 85.0) or p_percent_unsafe(g, 10.0))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(0, 1000), min_size=1, max_size=8), min_size=1, max_size=5),
       st.integers(1, 3), st.booleans())
def test_dominated_groups_one_row_per_client_any_n(groups, n, once):
    """One row per client (``once`` or summed), zeros among them, the (n, 85 %) rule for n of
    1 to 3: each group's total, largest and second are its values' and its decision is the
    scalar rules'."""
    rows = [(gi, f"{gi}-{ci}", float(x)) for gi, g in enumerate(groups) for ci, x in enumerate(g)]
    d = pd.DataFrame(rows, columns=["g", "client_id", "x"])
    out = dominated_groups(d, ["g"], "x", Rules(nk_n=n), once=once).set_index("g")
    for gi, g in enumerate(groups):
        top = sorted(g, reverse=True) + [0]
        assert (out.loc[gi, "total"], out.loc[gi, "largest"], out.loc[gi, "second"]) \
            == (sum(g), top[0], top[1])
        assert bool(out.loc[gi, "dominated"]) == (nk_dominated(g, n, 85.0)
                                                  or p_percent_unsafe(g, 10.0))


@pytest.fixture(scope="module")
def dominated_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dominance")
    cfg, ds = make_dataset(tmp / "data", reps=50, audience="public")
    sc = ds.service_costs.copy()
    cell = sc["funding"].astype(str) == "HB-budjetti"
    first = sc.index[cell][0]
    sc.loc[first, "amount"] = 9 * sc.loc[cell & (sc.index != first), "amount"].sum()
    ds = dataclasses.replace(ds, service_costs=sc) if dataclasses.is_dataclass(ds) else ds
    if not dataclasses.is_dataclass(ds):
        ds.service_costs = sc
    out = tmp / "out"
    run_report(cfg, out, progress=False, dataset=ds)
    return out


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv", sep=";", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def test_dominated_cell_suppressed_even_cell_published(dominated_run):
    f = _csv(dominated_run, "services_by_funding")
    assert f.loc[f["funding"] == "HB-budjetti", "amount"].tolist() == [SECONDARY]
    assert float(f.loc[f["funding"] == "tavanomainen", "amount"].iloc[0]) > 0  # even: shown
    res = json.loads((dominated_run / "results.json").read_text(encoding="utf-8"))
    for p in ("organiser", "societal"):
        assert res["costs"][p]["components"]["services_hb_budget"]["HB"] == SECONDARY
        assert isinstance(res["costs"][p]["components"]["services_usual"]["Verrokki"], float)
    mix = {r["sector"]: r for r in res["providers"]["by_sector"]}
    assert mix["yksityinen"]["hb_euros"] == SECONDARY
    check = json.loads((dominated_run / "output_check.json").read_text(encoding="utf-8"))
    rec = {o["name"]: o for o in check["outputs"]}
    assert rec["services_by_funding"]["dominance"] == 1
    assert "dominance" in rec["services_by_funding"]["rules"]
    assert check["totals"]["dominance"] >= 1


def test_dominated_component_not_recoverable_from_the_total(dominated_run):
    """costs_by_arm: the total is published, so a second component is hidden with the
    dominated one, large enough that the hidden one is not known within p % (10 %)."""
    from hb_eval.report.dominance import protect_magnitudes

    f = _csv(dominated_run, "costs_by_arm")
    hb = f[(f["arm"] == "HB") & (f["perspective"] == "organiser")]
    hidden = hb.loc[hb["mean"] == SECONDARY, "component"].tolist()
    assert "services_hb_budget" in hidden and len(hidden) >= 2
    assert hb.loc[hb["component"] == "total", "mean"].iloc[0] != SECONDARY
    # hand-worked: 1000 = 900 (dominated) + 60 + 40 -> hiding 60 leaves 900 within 60 < 90
    # (10 %), so the 40 goes too; 1000 = 900 + 100 (+ 0) -> hiding 100 is enough
    sec = protect_magnitudes([900, 60, 40, 1000], [([0, 1, 2], 3)], [True, False, False, False])
    assert sec.tolist() == [False, True, True, False]
    sec = protect_magnitudes([900, 100, 0, 1000], [([0, 1, 2], 3)], [True, False, False, False])
    assert sec.tolist() == [False, True, False, False]
    # a member already hidden by the threshold counts; a total of another table is never chosen
    sec = protect_magnitudes([900, 50, 50, 1000], [([0, 1, 2], 3)], [True, False, False, False],
                             hidden=[False, True, False, False], totals=False)
    assert sec.tolist() == [False, False, True, False]
    check = json.loads((dominated_run / "output_check.json").read_text(encoding="utf-8"))
    fig = {o["name"]: o for o in check["outputs"] if o["kind"] == "figure"}
    assert fig["cost_components"]["rows_removed"] >= 2  # the hidden bars are not drawn


def test_budget_group_mean_dominated_and_protected_against_the_overall_mean():
    """Pilot A: one client holds 9000 of 10 000 € granted (90 %); pilot B: five of 1000 €.
    The overall mean and the n's are published, so A's mean would follow from B's: B's
    granted mean goes too; the realised means (even) stay published."""
    from types import SimpleNamespace

    from hb_eval.costs.budget import followup_by
    from hb_eval.report.disclosure import disclose_tables
    from hb_eval.report.dominance import align_dominance, apply_dominance, dominance_masks
    from hb_eval.report.table_specs import make_tables

    c = pd.DataFrame({"client_id": [f"c{i}" for i in range(10)],
                      "pilot": ["A"] * 5 + ["B"] * 5, "client_group": "g",
                      "granted": [9000.0, 250, 250, 250, 250, *[1000.0] * 5],
                      "realised": [500.0] * 10, "utilisation": [0.5] * 10})
    by = followup_by(c, "pilot")
    frames = {"budget_followup": pd.DataFrame([{"n_clients": 10,
                                                "granted_mean": c["granted"].mean(),
                                                "realised_mean": 500.0}]),
              "budget_by_pilot": by.loc[:, ["pilot", "n", "granted_mean", "realised_mean",
                                            "utilisation_median"]]}
    ev = SimpleNamespace(objects={"budget": SimpleNamespace(clients=c)}, dataset=None)
    tables, records = disclose_tables(make_tables(frames, "en"))
    masks = dominance_masks(ev, frames)
    assert masks["budget_by_pilot"]["granted_mean"].tolist() == [True, False]
    assert not masks["budget_followup"]["granted_mean"].any()  # 9000 of 14 000: 66 %
    tables, records = apply_dominance(tables, records, masks, frames)
    f = tables["budget_by_pilot"].frame
    assert f["granted_mean"].tolist() == [SECONDARY, SECONDARY]
    assert f["realised_mean"].tolist() == [500.0, 500.0]
    rec = {r.name: r for r in records}["budget_by_pilot"]
    assert (rec.dominance, rec.secondary) == (1, 1) and "dominance" in rec.rules
    res = align_dominance({"budget": {"granted_mean": 1400.0, "by_pilot": [
        {"pilot": "A", "granted_mean": 2000.0, "realised_mean": 500.0},
        {"pilot": "B", "granted_mean": 1000.0, "realised_mean": 500.0}]}}, tables)
    assert [r["granted_mean"] for r in res["budget"]["by_pilot"]] == [SECONDARY, SECONDARY]
    assert res["budget"]["granted_mean"] == 1400.0


def test_services_tables_protect_each_other(dominated_run):
    """By funding and by sector split the same euros of an arm: in the synthetic data HB's
    euros are HB-budjetti only and all private, so the dominated (HB, HB-budjetti) cell equals
    the (HB, yksityinen) cell — both are hidden (each is dominated)."""
    f = _csv(dominated_run, "services_by_sector")
    assert f.loc[(f["arm"] == "HB") & (f["sector"] == "yksityinen"), "amount"].tolist() == [
        SECONDARY]


def test_services_secondary_hand_worked():
    """Arm HB: funding A 900 (dominated) + B 100; sectors X 500 + Y 500. Hiding A alone leaves
    A = X + Y − B: B is hidden too (range of A then 0..1000)."""
    from types import SimpleNamespace

    from hb_eval.report.dominance import _services_secondary

    fund = pd.DataFrame({"arm": ["HB", "HB"], "funding": ["A", "B"], "amount": [900.0, 100.0]})
    sect = pd.DataFrame({"arm": ["HB", "HB"], "sector": ["X", "Y"], "amount": [500.0, 500.0]})
    frames = {"services_by_funding": fund, "services_by_sector": sect}
    tables = {k: SimpleNamespace(frame=v) for k, v in frames.items()}
    masks = {"services_by_funding": {"amount": np.array([True, False])},
             "services_by_sector": {"amount": np.array([False, False])}}
    sec = _services_secondary(frames, tables, masks, Rules())
    assert sec["services_by_funding"]["amount"].tolist() == [False, True]
    assert sec["services_by_sector"]["amount"].tolist() == [False, False]


def test_cea_difference_protects_a_dominated_arm_total():
    """costs_by_arm: HB total 1,500 (dominated) = 1,000 + 500 components, Verrokki total 1,200.
    The CEA publishes ΔC = 300 = 1,500 − 1,200 (the same clients): hiding HB's total alone
    leaves it Verrokki's total + ΔC, so Verrokki's total is hidden too, and ΔC stays. With a
    ΔC of another sample (310) there is no such equation and only HB's own cells move."""
    from types import SimpleNamespace

    from hb_eval.report.dominance import _secondary

    f = pd.DataFrame({"perspective": ["organiser"] * 5,
                      "component": ["a", "b", "total", "a", "total"],
                      "arm": ["HB", "HB", "HB", "Verrokki", "Verrokki"],
                      "mean": [1000.0, 500.0, 1500.0, 1200.0, 1200.0]})
    masks = {"costs_by_arm": {"mean": np.array([False, False, True, False, False])}}
    for dc, verrokki_hidden in ((300.0, True), (310.0, False)):
        cea = pd.DataFrame({"perspective": ["organiser", "organiser"],
                            "estimator": ["means", "sur"], "delta_cost": [dc, 280.0]})
        frames = {"costs_by_arm": f, "cea": cea}
        tables = {"costs_by_arm": SimpleNamespace(frame=f)}
        sec = _secondary("costs_by_arm", frames, tables, masks, Rules())["mean"]
        assert len(sec) == 5
        assert bool(sec[3] or sec[4]) is verrokki_hidden, dc
        assert sec[0] or sec[1]  # a component of HB's total goes in both cases


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["HB", "Verrokki", None]),
                          st.sampled_from(["a", "b"]), st.sampled_from(["c1", "c2", "c3", None]),
                          st.integers(-50, 1000)), min_size=1, max_size=40))
def test_dominated_groups_two_keys_and_missing_keys(rows):
    """Two ``by`` columns (one categorical), rows of one client summed first, rows with a missing
    key or client dropped: each group equals the scalar rules on its clients' |sums|, and the
    groups come in sorted order."""
    d = pd.DataFrame(rows, columns=["arm", "g", "client_id", "x"])
    d["arm"] = pd.Categorical(d["arm"], categories=["Verrokki", "HB"])
    out = dominated_groups(d, ["arm", "g"], "x", Rules())
    kept = d.dropna(subset=["arm", "client_id"])
    expect = {}
    for (arm, g), grp in kept.groupby(["arm", "g"], observed=True, sort=True):
        sums = [abs(v) for v in grp.groupby("client_id")["x"].sum()]
        expect[(arm, g)] = nk_dominated(sums, 2, 85.0) or p_percent_unsafe(sums, 10.0)
    assert list(zip(out["arm"], out["g"])) == list(expect)  # Verrokki first (category order)
    assert out["dominated"].tolist() == list(expect.values())
