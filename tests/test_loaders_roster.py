"""Roster loader on a hand-made messy workbook (every spelling of docs/data_sources.md §1)."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

import hb_eval
from hb_eval.errors import InputError

import loader_fixtures as F


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    return hb_eval.load(F.write_evaluation(root, optional=False))


def _by_id(ds):
    return ds.clients.set_index("client_id")


def test_every_client_number_spelling_is_one_client(ds):
    assert sorted(ds.clients["client_id"]) == sorted(
        ["0410712", "0410713", "0410714", "0410715", "0410716", "0130103", "0110101"])
    assert ds.clients["client_id"].map(type).eq(str).all()


def test_arm_spellings(ds):
    c = _by_id(ds)
    assert c.loc[["0410712", "0410713", "0410714", "0130103"], "arm"].astype(str).tolist() == ["HB"] * 4
    assert c.loc[["0410715", "0410716", "0110101"], "arm"].astype(str).tolist() == ["Verrokki"] * 3
    assert list(ds.clients["arm"].cat.categories) == ["HB", "Verrokki"]


def test_pilot_group_worker_from_number_and_roster(ds):
    c = _by_id(ds)
    assert c.loc["0410714", "pilot"] == "Vantaa"          # Pilotti blank: from the number
    assert c.loc["0410714", "client_group"] == "lapsiperhe"
    assert c.loc["0410714", "worker"] == "04-07"          # "7" in Työntekijä
    assert c.loc["0410715", "worker"] == "04-07"          # "04-07" in Työntekijä
    assert c.loc["0410713", "worker"] == "04-07"          # blank: from the number
    assert c.loc["0130103", "pilot_code"] == "01" and c.loc["0130103", "group_code"] == "3"


def test_dates_days_and_codes(ds):
    c = _by_id(ds)
    assert c.loc["0410712", "start_date"] == pd.Timestamp("2018-03-01")
    assert c.loc["0410713", "start_date"] == pd.Timestamp("2018-03-01")   # Excel date cell
    assert pd.isna(c.loc["0410713", "end_date"]) and pd.isna(c.loc["0410713", "days"])
    # 1.3.-31.12.2018 inclusive: 31+30+31+30+31+31+30+31+30+31 = 306
    assert c.loc["0410712", "days"] == 306
    assert c.loc["0410714", "days"] == 215                # 1.3.-1.10.2018
    assert c.loc["0410713", "age_group"] == "35–44"       # hyphen spelled with en dash
    assert c.loc["0410715", "sex"] == "ei halua sanoa"
    assert c.loc["0410714", "end_reason"] == "keskeytyi"
    assert ds.clients["age_group"].cat.ordered
    assert ds.clients["start_date"].dtype == "datetime64[ns]"


def test_bad_cells_keep_the_client(ds):
    c = _by_id(ds)
    assert pd.isna(c.loc["0130103", "end_date"]) and pd.isna(c.loc["0130103", "sex"])
    assert pd.isna(c.loc["0110101", "sex"])               # held a personal identity code
    q = ds.quarantine[ds.quarantine["source"] == "roster"]
    cells = q[q["level"] == "cell"].set_index(["row", "column"])["reason"].to_dict()
    assert cells == {(13, "Asiakkuus päättyi"): "bad_date", (13, "Sukupuoli"): "unknown_code",
                     (14, "Sukupuoli"): "personal_id_found"}


def test_row_reasons_exactly_as_planted(ds):
    q = ds.quarantine[(ds.quarantine["source"] == "roster") & (ds.quarantine["level"] == "row")]
    got = dict(zip(q["row"], q["reason"]))
    want = {i + 2: outcome for i, (_, outcome) in enumerate(F.ROSTER_ROWS) if outcome != "kept"}
    assert got == want
    acc = ds.files.set_index("source").loc["roster"]
    assert (acc["rows_read"], acc["rows_kept"], acc["rows_quarantined"]) == (15, 7, 8)


def test_consent_records_carry_no_client_number(ds):
    q = ds.quarantine[ds.quarantine["reason"] == "no_consent"]
    assert len(q) > 0 and q["client_id"].isna().all()
    assert ds.excluded_no_consent == 2
    assert not ds.clients["client_id"].isin(["0420801", "0420802"]).any()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_roster_csv_finnish_excel(tmp_path, encoding):
    rows = [F.ROSTER_HEADER,
            ["0410712", "HB", "Vantaa", "lapsiperhe", "", "1.3.2018", "", "", "nainen", "25–34"
             if encoding != "cp1252" else "25-34", "kyllä"],
            ["410713", "Verrokki", "Vantaa", "lapsiperhe", "", "43160", "", "", "mies", "18-24", "kyllä"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows(rows)
    (tmp_path / "roster.csv").write_bytes(buf.getvalue().encode(encoding))
    F.write_kykyviisari(tmp_path / "k.xlsx")
    (tmp_path / "evaluation.yaml").write_text(
        "sources:\n  roster: roster.csv\n  kykyviisari: k.xlsx\n", encoding="utf-8")
    ds = hb_eval.load(tmp_path / "evaluation.yaml")
    c = ds.clients.set_index("client_id")
    assert list(c.index) == ["0410712", "0410713"]
    assert c.loc["0410713", "start_date"] == pd.Timestamp("2018-03-01")  # Excel serial 43160
    assert c.loc["0410712", "age_group"] == "25–34"


def test_missing_required_column_names_it(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asiakkaat"
    ws.append(["Asiakasnumero", "Ryhmä", "Asiakkuus alkoi"])
    ws.append(["0410712", "HB", "1.3.2018"])
    wb.save(tmp_path / "roster.xlsx")
    F.write_kykyviisari(tmp_path / "k.xlsx")
    (tmp_path / "evaluation.yaml").write_text(
        "sources:\n  roster: roster.xlsx\n  kykyviisari: k.xlsx\n", encoding="utf-8")
    with pytest.raises(InputError, match="roster.xlsx.*Suostumus|consent"):
        hb_eval.load(tmp_path / "evaluation.yaml")
