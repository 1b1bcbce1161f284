"""Costing against hand-computed examples (docs/data_sources.md §7–9, docs/methods.md "Costs")."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.costs.costing import (client_costs, cost_summary, costs_block, diary_rates,
                                   price_diaries, service_cost_table)
from hb_eval.errors import HbEvalError, InputError

UC = {
    "price_year": 2018,
    "hourly_wage": {"sosiaalityöntekijä": 24.50, "sosiaaliohjaaja": 19.80, "HB-avustaja": 14.00},
    "side_costs_pct": 22.5, "overhead_pct": 15, "km_allowance": 0.42,
    "volunteer_hour_value": 14.00, "client_hour_value": 0,
    "price_index": {2017: 98.6, 2018: 100.0},
}
T = pd.Timestamp


def tables(client_hour_value=0.0, worker_title="sosiaaliohjaaja"):
    clients = pd.DataFrame({
        "client_id": ["0410101", "0410102", "0220103", "0420104"],
        "arm": pd.Categorical(["HB", "HB", "Verrokki", "Verrokki"], ["HB", "Verrokki"]),
        "pilot": ["Vantaa", "Vantaa", "Pori", "Vantaa"],
        "worker": ["04-01", "04-01", "02-01", "04-02"],
        "start_date": [T("2018-01-01"), T("2018-01-01"), T("2018-01-01"), T("2018-02-01")],
        "end_date": [T("2018-12-31"), T("2018-06-30"), T("2018-01-31"), T("2018-04-30")],
    })
    diaries = pd.DataFrame({
        "diary_id": ["W1", "W2", "A1", "C1"],
        "file": ["w1.xlsx", "w2.xlsx", "a1.xlsx", "c1.xlsx"],
        "role": ["worker", "worker", "assistant", "client"],
        "person": ["04-01", "04-02", "A-04-01", "0410102"],
        "title": [worker_title, "sosiaalityöntekijä", None, None],
        "period_start": [T("2018-03-01")] * 4,
        "period_end": [T("2018-03-28"), T("2018-03-14"), T("2018-03-28"), T("2018-03-28")],
        "period_days": [28, 14, 28, 28],
    })
    rows = pd.DataFrame({
        "diary_id": ["W1", "W1", "W2", "A1", "A1", "C1"],
        "role": ["worker", "worker", "worker", "assistant", "assistant", "client"],
        "date": [T("2018-03-02"), T("2018-03-09"), T("2018-03-05"), T("2018-03-05"),
                 T("2018-03-06"), T("2018-03-05")],
        "client_id": ["0410101", "0410101", "0420104", "0410101", "0410102", "0410102"],
        "task": ["Asiakassuunnitelma"] * 6,
        "minutes": [60.0, 30.0, 120.0, 60.0, 120.0, 56.0],
        "km": [10.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "expenses": [0.0, 0.0, 0.0, 0.0, 5.60, 14.00],
        "volunteer": [False, False, False, False, True, False],
        "file": ["w1.xlsx", "w1.xlsx", "w2.xlsx", "a1.xlsx", "a1.xlsx", "c1.xlsx"],
        "row": [6, 7, 6, 6, 7, 6],
    })
    services = pd.DataFrame({
        "client_id": ["0410101", "0410101", "0410102"],
        "service": ["kotipalvelu", "kotipalvelu", "päivätoiminta"],
        "sector": ["yksityinen", "julkinen", "järjestö"],
        "funding": ["HB-budjetti", "asiakasmaksu", "tavanomainen"],
        "start_date": [T("2018-02-01"), T("2018-02-01"), T("2017-12-01")],
        "end_date": [T("2018-02-28"), T("2018-02-28"), T("2017-12-31")],
        "quantity": [10.0, 1.0, 1.0], "unit": ["h", "kk", "kk"],
        "unit_price": [100.0, 50.0, 400.0],
        "amount": [1000.0, 50.0, 493.0],
        "sum_mismatch": [False, False, True],
        "file": ["s.csv"] * 3, "row": [2, 3, 4],
    })
    uc = dict(UC, client_hour_value=client_hour_value)
    return {"clients": clients, "diaries": diaries, "diary_rows": rows,
            "service_costs": services, "unit_costs": uc}


# Hand arithmetic (all by hand, written out):
# sosiaaliohjaaja minute = 19.80 × 1.225 × 1.15 / 60 = 27.89325 / 60 = 0.4648875 €
# A's worker rate = 90 min × 0.4648875 / 28 days = 41.839875 / 28 = 1.49428125 €/day
# A's client-ship 1.1.–31.12.2018 = 365 days -> worker_time = 545.41265625
# A's km rate = 10 km × 0.42 / 28 = 0.15 €/day -> worker_km = 54.75
# B (not in a worker diary) gets the HB × Vantaa mean = A's rate; 181 days -> 270.46490625
# sosiaalityöntekijä minute = 24.50 × 1.225 × 1.15 / 60 = 0.575239583...; D: 120 min / 14 d
#   = 69.02875 / 14 = 4.930625 €/day; D 1.2.–30.4.2018 = 89 days -> 438.825625
# C (Verrokki, Pori: empty arm × pilot cell) gets the Verrokki mean 4.930625 × 31 = 152.849375
# HB-avustaja minute = 14 × 1.225 × 1.15 / 60 = 0.328708333...; A: 60 min / 28 d
#   = 19.7225 / 28 = 0.704375 €/day × 365 = 257.096875 (paid)
# B's volunteer: 120 min × 14 €/h / 60 = 28 € / 28 d = 1 €/day × 181 = 181 (societal only)
# B's assistant expenses 5.60 / 28 = 0.2 €/day × 181 = 36.2
# B's own diary: 14.00 € / 28 = 0.5 €/day × 181 = 90.5; A imputed 0.5 × 365 = 182.5
# B's usual service 493 € of 2017 -> 493 × 100 / 98.6 = 500.00 € of 2018
WT_A, KM_A, WT_B = 545.41265625, 54.75, 270.46490625


def test_minute_cost_and_priced_rows():
    t = tables()
    p = price_diaries(t["diaries"], t["diary_rows"], t["unit_costs"])
    assert p["time_eur"].iloc[0] == pytest.approx(60 * 0.4648875)
    assert p["km_eur"].iloc[0] == pytest.approx(4.2)
    assert p["time_eur"].iloc[3] == pytest.approx(19.7225)  # paid assistant, HB-avustaja wage
    assert p["time_eur"].iloc[4] == 0 and p["volunteer_eur"].iloc[4] == pytest.approx(28.0)


def test_diary_priced_and_extrapolated_by_hand():
    t = tables()
    p = price_diaries(t["diaries"], t["diary_rows"], t["unit_costs"])
    r = diary_rates(p, t["clients"], rule="arm_pilot_role").set_index("client_id")
    assert r.loc["0410101", "worker_time_rate"] == pytest.approx(1.49428125)
    assert r.loc["0410101", "worker_time"] == pytest.approx(WT_A)
    assert r.loc["0410101", "worker_km"] == pytest.approx(KM_A)
    assert r.loc["0420104", "worker_time"] == pytest.approx(438.825625)
    assert not r.loc["0410101", "imputed_worker"]


def test_imputation_cascade():
    t = tables()
    p = price_diaries(t["diaries"], t["diary_rows"], t["unit_costs"])
    r = diary_rates(p, t["clients"], rule="arm_pilot_role").set_index("client_id")
    # B: same arm and pilot
    assert r.loc["0410102", "imputed_worker"]
    assert r.loc["0410102", "worker_time"] == pytest.approx(WT_B)
    # C: no Verrokki client in Pori observed -> arm mean
    assert r.loc["0220103", "worker_time"] == pytest.approx(152.849375)
    # no Verrokki assistant anywhere -> zero, flagged
    assert r.loc["0220103", "assistant_time_paid"] == 0 and r.loc["0220103", "imputed_assistant"]
    # rule "arm_role": B gets the HB mean (A only, same number); C the Verrokki mean
    r2 = diary_rates(p, t["clients"], rule="arm_role").set_index("client_id")
    assert r2.loc["0220103", "worker_time"] == pytest.approx(152.849375)
    # rule "zero"
    r0 = diary_rates(p, t["clients"], rule="zero").set_index("client_id")
    assert r0.loc["0410102", "worker_time"] == 0 and r0.loc["0410102", "imputed_worker"]


def test_cascade_arm_pilot_differs_from_arm():
    # a second observed HB client in another pilot changes the arm mean but not the cell mean
    t = tables()
    t["clients"] = pd.concat([t["clients"], pd.DataFrame({
        "client_id": ["0110105"], "arm": pd.Categorical(["HB"], ["HB", "Verrokki"]),
        "pilot": ["Hämeenlinna"], "worker": ["01-01"], "start_date": [T("2018-01-01")],
        "end_date": [T("2018-01-28")]}), pd.DataFrame({
        "client_id": ["0610106"], "arm": pd.Categorical(["HB"], ["HB", "Verrokki"]),
        "pilot": ["Kainuu"], "worker": ["06-01"], "start_date": [T("2018-01-01")],
        "end_date": [T("2018-01-28")]})], ignore_index=True)
    extra = t["diary_rows"].iloc[[2]].assign(client_id="0110105", diary_id="W1", role="worker",
                                             minutes=28.0 / 0.4648875 * 3.0)  # 3 €/day
    t["diary_rows"] = pd.concat([t["diary_rows"], extra], ignore_index=True)
    p = price_diaries(t["diaries"], t["diary_rows"], t["unit_costs"])
    cell = diary_rates(p, t["clients"], rule="arm_pilot_role").set_index("client_id")
    arm = diary_rates(p, t["clients"], rule="arm_role").set_index("client_id")
    assert cell.loc["0410102", "worker_time_rate"] == pytest.approx(1.49428125)
    assert arm.loc["0410102", "worker_time_rate"] == pytest.approx((1.49428125 + 3.0) / 2)
    # Kainuu has no observed HB client: the HB mean over the *observed* clients (A and E), not
    # over B's imputed rate too
    assert cell.loc["0610106", "worker_time_rate"] == pytest.approx((1.49428125 + 3.0) / 2)


def test_volunteer_only_in_societal():
    t = tables()
    org = client_costs(t, "organiser").set_index("client_id")
    soc = client_costs(t, "societal").set_index("client_id")
    assert org.loc["0410102", "assistant_time"] == pytest.approx(0.0)
    assert soc.loc["0410102", "assistant_time"] == pytest.approx(181.0)
    assert org.loc["0410102", "assistant_expenses"] == pytest.approx(36.2)
    assert org.loc["0410101", "assistant_time"] == pytest.approx(257.096875)


def test_client_fee_in_each_perspective_and_totals():
    t = tables()
    org = client_costs(t, "organiser").set_index("client_id")
    soc = client_costs(t, "societal").set_index("client_id")
    assert org.loc["0410101", "client_fees"] == pytest.approx(-50.0)
    assert soc.loc["0410101", "client_fees"] == 0.0
    assert org.loc["0410101", "total"] == pytest.approx(
        WT_A + KM_A + 257.096875 + 1000.0 - 50.0)
    assert soc.loc["0410101", "total"] == pytest.approx(
        WT_A + KM_A + 257.096875 + 1000.0 + 182.5)
    assert org.loc["0410101", "client_expenses"] == 0.0
    assert soc.loc["0410102", "client_expenses"] == pytest.approx(90.5)
    assert soc.loc["0410101", "imputed_client"] and not soc.loc["0410102", "imputed_client"]
    assert org.loc["0410101", "months"] == pytest.approx(365 / (365.25 / 12))
    assert org.loc["0410101", "total_per_month"] == pytest.approx(
        org.loc["0410101", "total"] * 365.25 / 12 / 365)


def test_client_time_value():
    soc = client_costs(tables(client_hour_value=10.0), "societal").set_index("client_id")
    # 56 min × 10 €/h / 60 = 9.3333 € / 28 d × 181 d
    assert soc.loc["0410102", "client_time"] == pytest.approx(56 / 60 * 10 / 28 * 181)
    org = client_costs(tables(client_hour_value=10.0), "organiser").set_index("client_id")
    assert org.loc["0410102", "client_time"] == 0.0


def test_price_year_conversion_and_flags():
    c = client_costs(tables(), "organiser")
    s = c.set_index("client_id")
    assert s.loc["0410102", "services_usual"] == pytest.approx(500.0, abs=1e-9)
    assert c.attrs["service_sum_mismatch"] == 1
    assert c.attrs["service_rows_outside_clientship"] == 1  # B's episode starts before
    tab = service_cost_table(tables()["service_costs"], tables()["clients"], UC)
    usual = tab[tab["funding"] == "tavanomainen"].iloc[0]
    assert usual["total_eur"] == pytest.approx(500.0) and usual["sector"] == "järjestö"
    assert usual["mean_per_client"] == pytest.approx(250.0)


def test_diary_expenses_converted_by_year():
    t = tables()
    t["diary_rows"].loc[5, "date"] = T("2017-12-30")
    t["diaries"].loc[3, "period_start"] = T("2017-12-20")
    p = price_diaries(t["diaries"], t["diary_rows"], t["unit_costs"])
    assert p["expenses_eur"].iloc[5] == pytest.approx(14.0 * 100 / 98.6)


def test_missing_title_error_names_title_and_diary():
    t = tables(worker_title="johtava sosiaalityöntekijä")
    with pytest.raises(InputError) as e:
        client_costs(t, "organiser")
    msg = str(e.value)
    assert "johtava sosiaalityöntekijä" in msg and "w1.xlsx" in msg


def test_a_title_missing_from_two_diaries_names_the_first_diary_met():
    """The wage is looked up once per role and title: an unknown title names the diary of
    the first row that has it (here w2.xlsx, listed first), not any diary with it."""
    t = tables()
    t["diaries"].loc[:1, "title"] = "johtaja"
    t["diary_rows"] = pd.concat([t["diary_rows"].iloc[[2]], t["diary_rows"].drop(index=2)],
                                ignore_index=True)
    with pytest.raises(InputError) as e:
        client_costs(t, "organiser")
    assert "w2.xlsx" in str(e.value) and "w1.xlsx" not in str(e.value)


def test_unknown_title_worker_diary_imputed():
    t = tables(worker_title=None)
    r = client_costs(t, "organiser").set_index("client_id")
    # W1 cannot be priced: A and B not observed -> no HB worker observed -> zero, flagged
    assert r.loc["0410101", "imputed_worker"] and r.loc["0410101", "worker_time"] == 0.0
    assert client_costs(t).attrs["diary_rows_unpriced"] == 2


def test_ongoing_clientship_to_cutoff():
    t = tables()
    t["clients"].loc[0, "end_date"] = pd.NaT
    r = client_costs(t, "organiser", cutoff="2018-06-30").set_index("client_id")
    assert r.loc["0410101", "days"] == 181 and r.loc["0410101", "days_basis"] == "cutoff"
    assert r.loc["0410101", "worker_time"] == pytest.approx(1.49428125 * 181)
    # default cut-off: the latest date in the data (D's end 30.4.2018 < A's... B's end 30.6.)
    d = client_costs(t, "organiser")
    assert d.attrs["cutoff"] == "2018-06-30"


def test_summary_components_add_up():
    c = client_costs(tables(), "organiser")
    s = cost_summary(c)
    hb = s[(s["arm"] == "HB") & (s["per"] == "client")].set_index("component")["mean"]
    assert hb.drop("total").sum() == pytest.approx(hb["total"])
    assert set(s.columns) == {"perspective", "component", "arm", "per", "mean", "sd", "n"}
    b = costs_block(c)
    assert b["mean"]["HB"] == pytest.approx(c[c.arm == "HB"]["total"].mean())
    assert b["components"]["client_fees"]["HB"] == pytest.approx(-25.0)


# -- nothing is lost ------------------------------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["HB-budjetti", "tavanomainen",
                                                               "asiakasmaksu"]),
                          st.sampled_from([2017, 2018]),
                          st.floats(0, 1e5, allow_nan=False)), min_size=1, max_size=30))
def test_every_service_euro_lands_in_one_client_and_component(rows):
    t = tables()
    ids = t["clients"]["client_id"].tolist()
    t["service_costs"] = pd.DataFrame({
        "client_id": [ids[r[0]] for r in rows], "service": "x", "sector": "julkinen",
        "funding": [r[1] for r in rows], "start_date": [T(f"{r[2]}-06-01") for r in rows],
        "end_date": [T(f"{r[2]}-06-30") for r in rows], "quantity": 1.0, "unit": "kpl",
        "unit_price": [r[3] for r in rows], "amount": [r[3] for r in rows],
        "sum_mismatch": False, "file": "s.csv", "row": range(2, 2 + len(rows))})
    t["diary_rows"] = t["diary_rows"].iloc[0:0]
    org = client_costs(t, "organiser")
    soc = client_costs(t, "societal")
    factor = {2017: 100 / 98.6, 2018: 1.0}
    gross = sum(r[3] * factor[r[2]] for r in rows if r[1] != "asiakasmaksu")
    fees = sum(r[3] * factor[r[2]] for r in rows if r[1] == "asiakasmaksu")
    assert org["total"].sum() == pytest.approx(gross - fees, rel=1e-9, abs=1e-6)
    assert soc["total"].sum() == pytest.approx(gross, rel=1e-9, abs=1e-6)
    s = cost_summary(org)
    tot = s[(s.component == "total") & (s.per == "client")]
    assert (tot["mean"] * tot["n"]).sum() == pytest.approx(gross - fees, rel=1e-9, abs=1e-6)


def test_diary_without_period_days_is_an_error_naming_the_file():
    t = tables()
    t["diaries"].loc[1, "period_days"] = 0
    with pytest.raises(InputError, match="w2.xlsx"):
        client_costs(t, "organiser")


def test_prepared_costs_give_the_same_costs_and_follow_unit_cost_changes():
    from hb_eval.costs.costing import PreparedCosts, vary_unit_costs

    t = tables(client_hour_value=12.0)
    prepared = PreparedCosts(t)
    for perspective in ("organiser", "societal"):
        direct = client_costs(t, perspective=perspective)
        again = client_costs(prepared, perspective=perspective)
        pd.testing.assert_frame_equal(again, direct, check_exact=True)
        assert again.attrs == direct.attrs
    # a varied wage after the join was cached: worker time scales by the factor, services not
    base = client_costs(prepared).set_index("client_id")
    double = client_costs(prepared, unit_costs=vary_unit_costs(t["unit_costs"], wage_factor=2.0)
                          ).set_index("client_id")
    assert double.loc["0410101", "worker_time"] == pytest.approx(2 * WT_A)
    assert double.loc["0410102", "services_usual"] == base.loc["0410102", "services_usual"]
    # another price index: the services are priced again, not taken from the cache
    uc = dict(t["unit_costs"], price_index={2017: 98.6, 2018: 100.0 * 1.1})
    other = client_costs(prepared, unit_costs=uc).set_index("client_id")
    assert other.loc["0410102", "services_usual"] == pytest.approx(493 * 110 / 98.6)


def test_a_client_listed_twice_is_an_error_not_a_double_cost():
    t = tables()
    t["clients"] = pd.concat([t["clients"], t["clients"].iloc[[0]]], ignore_index=True)
    with pytest.raises(HbEvalError, match="1 client"):
        client_costs(t)


def test_prepared_costs_recompute_only_what_a_change_moves_and_equal_a_fresh_costing(
        demo_dataset):
    """The prepared costs remember each component's imputed rates by the bytes of its euros
    per day: after any sequence of varied costings, each costing is bit for bit the costing
    of the dataset itself (no memo), and a change of one value recomputes only its
    components."""
    from hb_eval.costs.costing import PreparedCosts, vary_unit_costs

    ds = demo_dataset
    prepared = PreparedCosts(ds)
    uc = ds.unit_costs
    runs = [dict(perspective="societal"), dict(rule="arm_role"),
            dict(unit_costs=vary_unit_costs(uc, km_allowance=0.1)),
            dict(unit_costs=vary_unit_costs(uc, wage_factor=1.2), rule="zero"),
            dict(unit_costs=vary_unit_costs(uc, client_hour_value=7.0),
                 perspective="societal"),
            dict(perspective="organiser")]
    for kw in runs:
        pd.testing.assert_frame_equal(client_costs(prepared, **kw), client_costs(ds, **kw),
                                      check_exact=True)
    memo = prepared.layout(None).memo
    size = len(memo)
    client_costs(prepared, unit_costs=vary_unit_costs(uc, volunteer_hour_value=3.0))
    # only the volunteers' time moved: one new component's rates
    assert len(memo) == size + 1


@pytest.mark.parametrize("categorical", [True, False])
def test_services_by_counts_distinct_clients_episodes_and_euros_by_hand(categorical):
    from hb_eval.costs.service_summary import services_by

    # HB/a: client 0 twice (15 €); HB/b: client 1 (1 €); Verrokki/a: clients 2 and 3 and a row
    # of no client (2 + 3 + 4 €); a row of no funding is in no group
    sc = pd.DataFrame({
        "arm": ["HB", "HB", "HB", "Verrokki", "Verrokki", "HB", "Verrokki"],
        "funding": ["a", "a", "b", "a", "a", None, "a"],
        "price_year_amount": [10.0, 5.0, 1.0, 2.0, 3.0, 7.0, 4.0]})
    if categorical:
        sc = sc.astype({"arm": pd.CategoricalDtype(["HB", "Verrokki"]),
                        "funding": pd.CategoricalDtype(["a", "b", "c"])})
    client = np.array([0, 0, 1, 2, 3, 1, -1])
    g = services_by(sc, "funding", client)
    assert list(g.columns) == ["arm", "funding", "n_clients", "n_episodes", "amount"]
    assert [(str(a), str(f)) for a, f in zip(g["arm"], g["funding"])] == [
        ("HB", "a"), ("HB", "b"), ("Verrokki", "a")]
    assert g["n_clients"].tolist() == [1, 1, 2]
    assert g["n_episodes"].tolist() == [2, 1, 3]
    assert g["amount"].tolist() == [15.0, 1.0, 9.0]
