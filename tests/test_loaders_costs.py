"""Time diaries, unit costs and service costs on hand-made messy files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hb_eval
from hb_eval.errors import InputError
from hb_eval.data.loaders.time_diary import read_meta
from hb_eval.data.loaders.unit_costs import read_unit_costs

import loader_fixtures as F


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return hb_eval.load(F.write_evaluation(tmp_path_factory.mktemp("small")))


def test_diary_metadata_and_period(ds):
    d = ds.diaries.set_index("role")
    assert d.loc["worker", "person"] == "04-07" and d.loc["worker", "title"] == "sosiaaliohjaaja"
    assert d.loc["worker", "period_days"] == 31
    assert d.loc["client", "person"] == "0410712" and pd.isna(d.loc["client", "title"])
    # "1.3.2018 - 28.3.2018", label and value in two cells
    assert d.loc["client", "period_start"] == pd.Timestamp("2018-03-01")
    assert d.loc["client", "period_days"] == 28
    assert d.loc["assistant", "person"] == "A-04-03" and d.loc["assistant", "title"] == "HB-avustaja"


def test_worker_diary_durations_and_reasons(ds):
    r = ds.diary_rows[ds.diary_rows["role"] == "worker"].set_index("row")
    want = {6 + i: m for i, (_, m) in enumerate(F.WORKER_DIARY_ROWS) if not isinstance(m, str)}
    assert r["minutes"].to_dict() == want                 # 45, 1 h 15 min, 1,5 h, 0:45, ...
    assert r.loc[6, "km"] == 12.5 and r.loc[7, "km"] == 0.0 and r.loc[7, "expenses"] == 0.0
    assert r.loc[7, "client_id"] == "0410713" and r.loc[8, "client_id"] == "0410714"
    assert pd.isna(r.loc[15, "client_id"])                # time not attributed to one client
    assert r.loc[6, "task"] == "palvelutarpeen arviointi"
    q = ds.quarantine[ds.quarantine["source"] == "time_diary"]
    assert dict(zip(q["row"], q["reason"])) == {13: "outside_period", 14: "pilot_mismatch"}


def test_client_and_assistant_diaries(ds):
    c = ds.diary_rows[ds.diary_rows["role"] == "client"].set_index("row")
    assert (c["client_id"] == "0410712").all()            # the diarist
    assert c.loc[6, "expenses"] == 1234.5 and c.loc[6, "minutes"] == 20
    assert np.isnan(c.loc[7, "minutes"]) and c.loc[7, "expenses"] == 12.5
    a = ds.diary_rows[ds.diary_rows["role"] == "assistant"].set_index("row")
    assert a["volunteer"].to_dict() == {6: True, 7: False}
    assert a["minutes"].to_dict() == {6: 120.0, 7: 60.0}


def test_diary_without_period_is_an_error_naming_the_file():
    with pytest.raises(InputError, match="d.xlsx.*sample period"):
        read_meta([["Työntekijä: 04-07"], ["Tehtävänimike: sosiaaliohjaaja"]], "d.xlsx", "Sheet")


def test_diarist_holding_a_personal_code_is_refused_without_the_code():
    with pytest.raises(InputError) as exc:
        read_meta([["Asiakas:", F.HETU], ["Seurantajakso: 1.3.2018–31.3.2018"]], "d.xlsx", None)
    assert F.HETU not in str(exc.value) and "personal identity code" in str(exc.value)


def test_unit_costs_values_and_errors(tmp_path):
    p = tmp_path / "uc.yaml"
    p.write_text(F.UNIT_COSTS, encoding="utf-8")
    uc = read_unit_costs(p)
    # 19.80 x 1.225 x 1.15 / 60
    assert uc.staff_minute_cost("sosiaaliohjaaja") == pytest.approx(0.4648875)
    assert uc.staff_minute_cost("HB-avustaja") == pytest.approx(14.0 * 1.225 * 1.15 / 60)
    assert uc.to_price_year(100.0, 2017) == pytest.approx(100 * 100 / 98.6)
    with pytest.raises(InputError, match="'johtaja'.*diary tt_04-07.xlsx"):
        uc.staff_minute_cost("johtaja", diary="tt_04-07.xlsx")
    with pytest.raises(InputError, match="no price index for 2016"):
        uc.to_price_year(1.0, 2016)
    p.write_text(F.UNIT_COSTS + "hourly_wages: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown key 'hourly_wages'"):
        read_unit_costs(p)


def test_service_costs_sum_check_and_numbers(ds):
    s = ds.service_costs.set_index("row")
    for i, (_, (outcome, amount, flag)) in enumerate(F.SERVICE_ROWS):
        row = 2 + i
        if outcome == "kept":
            assert s.loc[row, "amount"] == pytest.approx(amount)
            assert bool(s.loc[row, "sum_mismatch"]) is flag
    assert s.loc[3, "unit_price"] == 1234.5               # "1 234,50"
    assert s.loc[5, "amount"] == 100.0                    # flagged, never fixed
    q = ds.quarantine[ds.quarantine["source"] == "service_costs"]
    assert dict(zip(zip(q["row"], q["level"]), q["reason"])) == {
        (5, "cell"): "sum_mismatch", (7, "row"): "missing_required"}
    acc = ds.files.set_index("source").loc["service_costs"]
    assert (acc["rows_read"], acc["rows_kept"], acc["rows_quarantined"]) == (6, 5, 1)
    assert list(ds.service_costs["funding"].cat.categories) == ["HB-budjetti", "tavanomainen",
                                                                "asiakasmaksu"]
