"""Budget decisions, the provider register, budget follow-up, provider mix (hand-worked).

A small evaluation: the loader fixtures' roster and Kykyviisari, plus budget decisions, a
provider register and service rows written here, each row with its expected outcome. Granted
budgets are worked by hand in the comments (a month is 365.25/12 days).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import hb_eval
from hb_eval.costs.budget import budget_followup
from hb_eval.costs.costing import (price_services, service_client_positions,
                                   service_costs_by_client)
from hb_eval.costs.providers import provider_mix, provider_table
from hb_eval.data.loaders.providers import BUSINESS_ID_WEIGHTS, is_valid_business_id

from loader_fixtures import HETU, write_kykyviisari, write_roster

BUDGET_HEADER = ["Asiakasnumero", "Päätöspvm", "Alkaa", "Päättyy", "Summa €", "Yksikkö"]
# Excel row -> (cells, expected)
BUDGET_ROWS = [
    (["0410712", "1.2.2018", "1.3.2018", "", "300,00", "€/kk"], "kept"),         # 2 revised 1.6.
    (["0410712", "15.5.2018", "1.6.2018", "", "400", "kk"], "kept"),             # 3 revision
    (["0410712", "1.5.2018", "1.6.2018", "", "999", "kuukausi"], "duplicate"),   # 4 earlier date
    (["04-1-07-14", "1.2.2018", "1.3.2018", "30.9.2018", "2 140,00", "jakso"], "kept"),  # 5
    (["410713", "1.2.2018", "1.3.2018", "", "3\u00a0652,50", "€/vuosi"], "kept"),        # 6
    (["0410715", "1.2.2018", "1.3.2018", "", "100", "€/kk"], "arm_mismatch"),    # 7 Verrokki
    (["0410713", "", "1.1.2019", "", "10", "€/viikko"], "unknown_code"),         # 8
    (["0410713", "", "", "", "100", "€/kk"], "missing_required"),                # 9 no Alkaa
    (["0410713", "", "1.7.2018", "", "-5", "€/kk"], "out_of_range"),             # 10
    (["0410713", "", "1.7.2018", "", "100", "€/jakso"], "missing_required"),     # 11 open jakso
    (["0410713", "", "1.7.2018", "30.6.2018", "100", "€/kk"], "bad_date"),       # 12 end < start
    (["0420802", "", "1.3.2018", "", "100", "€/kk"], "no_consent"),              # 13
    (["0710101", "", "1.3.2018", "", "100", "€/kk"], "bad_client_id"),           # 14
    (["0410799", "", "1.3.2018", "", "100", "€/kk"], "orphan"),                  # 15
    (["0410713", "x.1.2018", "1.3.2019", "", "0", "vuosi"], "kept"),  # 16 cell bad_date; 0 €
]
PROVIDER_HEADER = ["Tuottajatunnus", "Nimi", "Y-tunnus", "Sektori", "Hyväksytty", "Palvelut"]
PROVIDER_ROWS = [
    (["P001", "Kotiapu Oy", "0737546-2", "yksityinen", "1.1.2016", "apu"], "kept"),      # 2
    (["P002", "Toiminimi Aino Esimerkki", "0000035-0", "yksityinen", "1.6.2018", "apu"],
     "kept"),                                                                            # 3 new
    (["P003", "Kaupunki", "0737546-3", "julkinen", "1.1.2010", "kotihoito"], "kept"),  # 4 flag
    (["P002", "Toinen", "", "järjestö", "", ""], "duplicate"),                           # 5
    (["", "Nimetön", "", "yksityinen", "", ""], "missing_required"),                     # 6
    (["P004", "X", "", "muu", "", ""], "unknown_code"),                                  # 7
]
SERVICE_HEADER = ["Asiakasnumero", "Palvelu", "Tuottajasektori", "Rahoitus", "Alkupvm",
                  "Loppupvm", "Määrä", "Yksikkö", "Yksikköhinta", "Summa €", "Tuottaja"]
SERVICE_ROWS = [
    ["0410712", "Kotiapu", "yksityinen", "HB-budjetti", "1.4.2018", "30.4.2018", "10", "h",
     "30,00", "300,00", "P001"],                                                         # 2
    ["0410712", "Vertaistuki", "järjestö", "HB-budjetti", "1.6.2018", "30.6.2018", "", "", "",
     "500,00", "P002"],                                          # 3 sector_mismatch (register)
    ["0410712", "Kotiapu", "yksityinen", "HB-budjetti", "1.2.2019", "28.2.2019", "", "", "",
     "100,00", "P001"],                                          # 4 after the client-ship
    ["0410712", "Kotihoito", "julkinen", "tavanomainen", "1.4.2018", "30.4.2018", "", "", "",
     "200,00", "P003"],                                                                  # 5
    ["0410714", "Kotiapu", "yksityinen", "HB-budjetti", "1.5.2018", "31.5.2018", "", "", "",
     "1 000,00", "P999"],                                        # 6 unknown_provider, kept
    ["0410713", "Harrastus", "järjestö", "HB-budjetti", "1.5.2018", "31.5.2018", "", "", "",
     "1 530,00", ""],                                                                    # 7
    ["0410715", "Kotihoito", "julkinen", "tavanomainen", "1.5.2018", "31.5.2018", "", "", "",
     "250,00", "P003"],                                                                  # 8
]
CUTOFF = pd.Timestamp("2018-12-31")
MONTH = 365.25 / 12
# 0410712: client-ship 1.3.-31.12.2018; 300 €/kk for 1.3.-31.5. (92 days), 400 €/kk for
# 1.6.-31.12. (214 days); the duplicate (999 €/kk, decided earlier) is quarantined
GRANTED_12 = 300 / MONTH * 92 + 400 / MONTH * 214          # = 1 358 400 / 365.25
# 0410714: 2 140 € for 1.3.-30.9.2018 (214 days) = 10 €/day, all inside 1.3.-1.10.
GRANTED_14 = 2140.0
# 0410713: ongoing from 1.3.2018; 3 652,50 €/vuosi = 10 €/day up to the cut-off 31.12.2018
# (306 days); the 0 €/vuosi revision from 1.3.2019 lies after the cut-off
GRANTED_13 = 3060.0


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    return path


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("budget_eval")
    write_roster(root / "roster.xlsx")
    (root / "kykyviisari").mkdir()
    write_kykyviisari(root / "kykyviisari" / "vantaa.xlsx")
    _csv(root / "paatokset.csv", [BUDGET_HEADER] + [r for r, _ in BUDGET_ROWS])
    _csv(root / "tuottajat.csv", [PROVIDER_HEADER] + [r for r, _ in PROVIDER_ROWS])
    _csv(root / "palvelut.csv", [SERVICE_HEADER] + SERVICE_ROWS)
    (root / "evaluation.yaml").write_text(
        "name: budjetit\nsources:\n  roster: roster.xlsx\n  kykyviisari: kykyviisari/*.xlsx\n"
        "  service_costs: palvelut.csv\n  budgets: paatokset.csv\n  providers: tuottajat.csv\n",
        encoding="utf-8")
    return hb_eval.load(root / "evaluation.yaml")


# -- business id -------------------------------------------------------------------------------

def test_business_id_check_digit_hand_worked():
    # 0737546: 0·7 + 7·9 + 3·10 + 7·5 + 5·8 + 4·4 + 6·2 = 196, 196 mod 11 = 9, check 11 − 9 = 2
    assert is_valid_business_id("0737546-2") and not is_valid_business_id("0737546-3")
    # 0000035: 3·4 + 5·2 = 22, r = 0: check digit 0
    assert is_valid_business_id("0000035-0") and not is_valid_business_id("0000035-1")
    # 0000006: 6·2 = 12, r = 1: no check digit is valid
    assert not any(is_valid_business_id(f"0000006-{d}") for d in range(10))
    for bad in ("737546-2", "0737546 2", "07375462", "0737546-22", None, 7375462):
        assert not is_valid_business_id(bad)
    assert is_valid_business_id(" 0737546-2 ")


@given(st.lists(st.integers(0, 9), min_size=7, max_size=7))
def test_business_id_exactly_one_check_digit_unless_remainder_one(digits):
    body = "".join(map(str, digits))
    valid = [d for d in range(10) if is_valid_business_id(f"{body}-{d}")]
    r = sum(w * d for w, d in zip(BUSINESS_ID_WEIGHTS, digits)) % 11
    assert valid == ([] if r == 1 else [0 if r == 0 else 11 - r])


# -- loaders -----------------------------------------------------------------------------------

def _row_reasons(ds, source):
    q = ds.quarantine[(ds.quarantine["source"] == source) & (ds.quarantine["level"] == "row")]
    return dict(zip(q["row"].astype(int), q["reason"].astype(str)))


def test_every_budget_row_kept_or_quarantined_with_its_reason(ds):
    got = _row_reasons(ds, "budgets")
    kept = set(ds.budgets["row"].astype(int))
    for i, (_, expected) in enumerate(BUDGET_ROWS):
        row = i + 2
        if expected == "kept":
            assert row in kept and row not in got, row
        else:
            assert got.get(row) == expected and row not in kept, (row, got.get(row))
    f = ds.files.set_index("source").loc["budgets"]
    assert (f["rows_read"], f["rows_kept"], f["rows_quarantined"]) == (
        len(BUDGET_ROWS), len(kept), len(got))
    cell = ds.quarantine[(ds.quarantine["source"] == "budgets") & (ds.quarantine["level"] == "cell")]
    assert list(zip(cell["row"], cell["reason"])) == [(16, "bad_date")]
    dup = ds.quarantine[(ds.quarantine["source"] == "budgets")
                        & (ds.quarantine["reason"] == "duplicate")]
    assert dup["detail"].iloc[0].endswith("the one kept is row 3")


def test_budget_units_and_amounts_become_euros_per_day(ds):
    b = ds.budgets.set_index("row")
    assert list(b["unit"].astype(str).loc[[2, 3, 5, 6, 16]]) == ["€/kk", "€/kk", "€/jakso",
                                                                 "€/vuosi", "€/vuosi"]
    assert b.loc[2, "eur_per_day"] == pytest.approx(300 * 12 / 365.25, rel=1e-12)
    assert b.loc[5, "eur_per_day"] == pytest.approx(10.0, rel=1e-12)  # 2 140 € / 214 days
    assert b.loc[6, "eur_per_day"] == pytest.approx(10.0, rel=1e-12)  # 3 652,50 € / 365.25
    assert b.loc[6, "client_id"] == "0410713" and b.loc[5, "client_id"] == "0410714"
    assert pd.isna(b.loc[16, "decision_date"])


def test_providers_register_and_service_rows_checked_against_it(ds):
    got = _row_reasons(ds, "providers")
    for i, (_, expected) in enumerate(PROVIDER_ROWS):
        if expected != "kept":
            assert got.get(i + 2) == expected, i + 2
    p = ds.providers.set_index("provider_id")
    assert list(p.index) == ["P001", "P002", "P003"]
    assert list(p["business_id_valid"]) == [True, True, False]
    assert p.loc["P003", "business_id"] == "0737546-3"  # flagged, kept as written
    q = ds.quarantine
    flags = q[q["level"] == "cell"].set_index(["source", "row"])["reason"]
    assert flags.loc[("providers", 4)] == "invalid_business_id"
    assert flags.loc[("service_costs", 3)] == "sector_mismatch"
    assert flags.loc[("service_costs", 6)] == "unknown_provider"
    s = ds.service_costs.set_index("row")
    assert len(s) == len(SERVICE_ROWS)  # every service row kept
    assert s.loc[3, "sector"] == "yksityinen" and s.loc[3, "provider_id"] == "P002"
    assert pd.isna(s.loc[6, "provider_id"]) and s.loc[6, "amount"] == 1000.0
    assert pd.isna(s.loc[7, "provider_id"])
    f = ds.files.set_index("source").loc["providers"]
    assert f["rows_read"] == f["rows_kept"] + f["rows_quarantined"] == len(PROVIDER_ROWS)


def test_no_personal_identity_code_or_name_in_quarantine(ds):
    text = ds.quarantine.astype(str).to_string()
    assert HETU not in text and "Aino" not in text and "P999" not in text


# -- budget follow-up --------------------------------------------------------------------------

@pytest.fixture(params=["merge", "positions"])
def client_pos(request, ds):
    """The service rows followed by a merge on the ids, or by their clients' positions (as the
    pipeline does): the hand-worked numbers hold for both."""
    if request.param == "merge":
        return None
    return service_client_positions(ds.service_costs, ds.clients)


def test_granted_and_realised_budget_hand_worked(ds, client_pos):
    res = budget_followup(ds.budgets, ds.service_costs, ds.clients, CUTOFF,
                          client_pos=client_pos)
    c = res.clients.set_index("client_id")
    assert set(c.index) == {"0410712", "0410713", "0410714"}
    assert c.loc["0410712", "granted"] == pytest.approx(1358400 / 365.25, rel=1e-12)
    assert c.loc["0410712", "granted"] == pytest.approx(GRANTED_12, rel=1e-12)
    assert c.loc["0410714", "granted"] == pytest.approx(GRANTED_14, rel=1e-12)
    assert c.loc["0410713", "granted"] == pytest.approx(GRANTED_13, rel=1e-12)
    # realised: HB-budget rows inside the client-ship (row 4 of 1.2.2019 is after its end)
    assert list(c.loc[["0410712", "0410714", "0410713"], "realised"]) == [800.0, 1000.0, 1530.0]
    assert res.notes["n_hb_rows_outside_clientship"] == 1
    assert c.loc["0410712", "n_decisions"] == 2 and c.loc["0410712", "n_revisions"] == 1
    assert c.loc["0410713", "n_decisions"] == 2  # the revision after the cut-off counts 0 days
    u = np.array([800 / GRANTED_12, 1000 / 2140, 0.5])
    r = res.to_results()
    assert r["n_clients"] == 3
    assert r["utilisation_median"] == pytest.approx(np.median(u))
    assert r["utilisation_q1"] == pytest.approx((u[0] + u[1]) / 2)  # linear, position 0.5
    assert r["share_under_half"] == pytest.approx(2 / 3)  # exactly 0.5 is not under half
    assert r["share_over_full"] == 0.0
    assert r["granted_mean"] == pytest.approx((GRANTED_12 + GRANTED_14 + GRANTED_13) / 3)
    # per client-month: the client-ship 1.3.-1.10.2018 is 215 days
    assert c.loc["0410714", "granted_per_month"] == pytest.approx(2140 / (215 / MONTH))
    assert [g["pilot"] for g in r["by_pilot"]] == ["Vantaa"] and r["by_pilot"][0]["n"] == 3


# -- provider mix ------------------------------------------------------------------------------

def test_provider_mix_hand_worked(ds, client_pos):
    mix = provider_mix(ds.service_costs, ds.clients, ds.providers, CUTOFF, client_pos=client_pos)
    t = mix.by_sector.set_index("sector")
    # HB euros of HB clients, every row: yksityinen 300 + 500 (register's sector) + 100 + 1 000
    assert t.loc["yksityinen", "hb_euros"] == 1900.0 and t.loc["järjestö", "hb_euros"] == 1530.0
    assert t.loc["yksityinen", "hb_share"] == pytest.approx(1900 / 3430)
    assert t.loc["julkinen", "usual_share_HB"] == 1.0 == t.loc["julkinen", "usual_share_Verrokki"]
    assert list(t["n_clients_hb"]) == [0, 2, 1]
    r = mix.to_results()
    assert r["n_providers"] == 2 and r["distinct_per_client_median"] == 2.0
    # P002 (approved 1.6.2018, after the first client-ship start 1.2.2018) got 500 of 900
    assert r["new_entrant_share"] == pytest.approx(500 / 900)
    assert r["evaluation_start"] == "2018-02-01"
    assert r["hb_euros_unregistered"] == 2530.0 and r["n_clients_no_provider"] == 2
    assert "Aino" not in str(r)
    names = provider_table(ds.service_costs, ds.clients, ds.providers, mix,
                           client_pos=client_pos)
    # most euros first: P002 500, P001 300 + 100
    assert list(names["provider_id"]) == ["P002", "P001"]
    assert list(names["new_entrant"]) == [True, False]
    assert list(names["hb_euros"]) == [500.0, 400.0] and list(names["n_clients"]) == [1, 1]


def test_rows_by_position_equal_the_merge_to_the_last_bit(demo_dataset):
    """The pipeline follows the service rows by their clients' positions; the merge on the ids
    is the oracle: the same tables, exactly (pandas sums sorted groups by reduceat and others
    in row order, so the rows are shuffled here too, and one row names no client)."""
    d = demo_dataset
    sc = d.service_costs
    order = np.random.default_rng(3).permutation(len(sc))
    for rows in (sc, sc.iloc[order].reset_index(drop=True)):
        rows = rows.copy()
        rows.loc[rows.index[5], "client_id"] = "no such client"
        pos = service_client_positions(rows, d.clients)
        assert (pos < 0).sum() == 1
        cut = pd.Timestamp("2019-12-31")
        a = budget_followup(d.budgets, rows, d.clients, cut)
        b = budget_followup(d.budgets, rows, d.clients, cut, client_pos=pos)
        pd.testing.assert_frame_equal(a.clients, b.clients, check_exact=True)
        assert a.notes == b.notes
        m1 = provider_mix(rows, d.clients, d.providers, cut)
        m2 = provider_mix(rows, d.clients, d.providers, cut, client_pos=pos)
        pd.testing.assert_frame_equal(m1.by_sector, m2.by_sector, check_exact=True)
        assert m1.to_results() == m2.to_results()
        pd.testing.assert_frame_equal(
            provider_table(rows, d.clients, d.providers, m1),
            provider_table(rows, d.clients, d.providers, m2, client_pos=pos), check_exact=True)
        s1 = service_costs_by_client(rows, d.clients, d.unit_costs)
        s2 = service_costs_by_client(rows, d.clients, d.unit_costs,
                                     priced=price_services(rows, d.unit_costs), client_pos=pos)
        pd.testing.assert_frame_equal(s1, s2, check_exact=True)
        assert s1.attrs == s2.attrs


def test_config_sources_and_cost_margin(tmp_path):
    from hb_eval.config import parse_config
    from hb_eval.errors import ConfigError

    base = {"sources": {"roster": "r.xlsx", "kykyviisari": "k.xlsx", "budgets": "b.xlsx",
                        "providers": "p.xlsx"}}
    cfg = parse_config(base, tmp_path)
    assert cfg.analysis.cost_margin == 2000.0 and cfg.has_source("budgets")
    assert parse_config({**base, "analysis": {"cost_margin": 1500}}, tmp_path
                        ).analysis.cost_margin == 1500.0
    with pytest.raises(ConfigError, match="cost_margin"):
        parse_config({**base, "analysis": {"cost_margin": 0}}, tmp_path)
    with pytest.raises(ConfigError, match="budjetit"):
        parse_config({"sources": {**base["sources"], "budjetit": "b.xlsx"}}, tmp_path)


def test_service_group_numbers_are_pandas_own():
    """The services stage numbers the arm x funding/sector groups from the category codes;
    pandas' ngroup is the oracle (a missing sector is in no group; text falls back)."""
    from hb_eval.costs.service_summary import group_numbers as _group_numbers

    rng = np.random.default_rng(5)
    arm = pd.Categorical(rng.choice(["HB", "Verrokki"], 500), ["HB", "Verrokki"])
    sector = pd.Categorical(rng.choice(["julkinen", "järjestö", None], 500),
                            ["yksityinen", "julkinen", "järjestö"])
    for by in (pd.Series(sector), pd.Series(sector).astype(object)):
        f = pd.DataFrame({"arm": arm, "sector": by})
        grouped = f.groupby(["arm", "sector"], observed=True, sort=True)
        table = grouped.size().reset_index()
        got = _group_numbers(f["arm"], f["sector"], table, "sector")
        assert np.array_equal(got, grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64))
        assert (got == -1).sum() == by.isna().sum()
