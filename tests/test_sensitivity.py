"""One-way sensitivity analyses: each row checked against an identity or a direct recomputation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.config import AnalysisConfig
from hb_eval.costs.costing import client_costs
from hb_eval.costs.sensitivity import one_way_sensitivity

from test_costing import tables

CFG = AnalysisConfig(wtp=5000.0, perspective="organiser", diary_rule="arm_pilot_role")


def effects():
    return pd.DataFrame({
        "client_id": ["0410101", "0410102", "0220103", "0420104"],
        "arm": pd.Categorical(["HB", "HB", "Verrokki", "Verrokki"], ["HB", "Verrokki"]),
        "pilot": ["Vantaa", "Vantaa", "Pori", "Vantaa"],
        "worker": ["04-01", "04-01", "02-01", "04-02"],
        "baseline": [5.0, 4.0, 6.0, 5.0], "end": [6.0, 6.0, 6.5, 5.0],
        "change": [1.0, 2.0, 0.5, 0.0], "harmonised": [False, True, False, False]})


@pytest.fixture(scope="module")
def table():
    return one_way_sensitivity(tables(), effects(), CFG)


def arm_diff(c, cols):
    v = c[cols].sum(axis=1)
    return v[c.arm == "HB"].mean() - v[c.arm == "Verrokki"].mean()


def test_table_shape_and_base(table):
    t = table
    assert list(t.columns[:10]) == ["parameter", "low_value", "high_value", "delta_cost_low",
                                    "delta_cost_high", "icer_low", "icer_high", "nmb_low",
                                    "nmb_high", "base"]
    assert set(t["parameter"]) == {"hourly_wage", "side_costs_pct", "overhead_pct",
                                   "km_allowance", "client_hour_value", "volunteer_hour_value",
                                   "diary_rule", "perspective", "kompassi"}
    base = client_costs(tables(), "organiser")
    assert t["base_delta_cost"].iloc[0] == pytest.approx(arm_diff(base, ["total"]))
    # ΔE = (1 + 2)/2 − (0.5 + 0)/2 = 1.25
    assert t["base_icer"].iloc[0] == pytest.approx(t["base_delta_cost"].iloc[0] / 1.25)
    assert t["base_nmb"].iloc[0] == pytest.approx(5000 * 1.25 - t["base_delta_cost"].iloc[0])
    swing = (t["delta_cost_high"] - t["delta_cost_low"]).abs().to_numpy()
    assert (np.diff(swing) <= 1e-9).all()


def test_wages_scale_time_costs_only(table):
    t = table.set_index("parameter")
    base = client_costs(tables(), "organiser")
    d_time = arm_diff(base, ["worker_time", "assistant_time"])
    b = t.loc["hourly_wage", "base_delta_cost"]
    assert t.loc["hourly_wage", "delta_cost_low"] == pytest.approx(b - 0.2 * d_time)
    assert t.loc["hourly_wage", "delta_cost_high"] == pytest.approx(b + 0.2 * d_time)
    # overhead multiplies the same staff time: (1 + 0.8·15 %)/(1 + 15 %) − 1
    f = (1 + 0.12) / 1.15 - 1
    assert t.loc["overhead_pct", "delta_cost_low"] == pytest.approx(b + f * d_time)
    d_km = arm_diff(base, ["worker_km"])
    assert t.loc["km_allowance", "delta_cost_high"] == pytest.approx(b + 0.2 * d_km)


def test_values_outside_the_perspective_do_nothing_and_perspective_row(table):
    t = table.set_index("parameter")
    b = t.loc["client_hour_value", "base_delta_cost"]
    assert t.loc["client_hour_value", "low_value"] == 0.0
    assert t.loc["client_hour_value", "high_value"] == 14.0   # base 0 -> 0 / volunteer value
    assert t.loc["client_hour_value", "delta_cost_high"] == pytest.approx(b)
    assert t.loc["volunteer_hour_value", "delta_cost_high"] == pytest.approx(b)
    soc = client_costs(tables(), "societal")
    assert t.loc["perspective", "delta_cost_high"] == pytest.approx(arm_diff(soc, ["total"]))
    assert t.loc["perspective", "delta_cost_low"] == pytest.approx(b)


def test_diary_rule_and_kompassi(table):
    t = table.set_index("parameter")
    assert (t.loc["diary_rule", "low_value"], t.loc["diary_rule", "high_value"]) == (
        "arm_role", "zero")
    zero = client_costs(tables(), "organiser", rule="zero")
    assert t.loc["diary_rule", "delta_cost_high"] == pytest.approx(arm_diff(zero, ["total"]))
    # without Kompassi: B (harmonised) leaves the sample; ΔE = 1 − 0.25 = 0.75
    base = client_costs(tables(), "organiser").set_index("client_id")
    dc = base.loc["0410101", "total"] - base.loc[["0220103", "0420104"], "total"].mean()
    assert t.loc["kompassi", "delta_cost_high"] == pytest.approx(dc)
    assert t.loc["kompassi", "icer_high"] == pytest.approx(dc / 0.75)
    assert t.loc["kompassi", "nmb_low"] == pytest.approx(t.loc["kompassi", "base_nmb"])


def test_ranges_override():
    t = one_way_sensitivity(tables(), effects(), CFG,
                            ranges={"hourly_wage": (0.5, 1.5)}).set_index("parameter")
    base = client_costs(tables(), "organiser")
    d_time = arm_diff(base, ["worker_time", "assistant_time"])
    assert t.loc["hourly_wage", "delta_cost_high"] == pytest.approx(
        t.loc["hourly_wage", "base_delta_cost"] + 0.5 * d_time)
