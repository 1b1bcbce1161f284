"""Kykyviisari, Kompassi and Osallisuustesti loaders on hand-made messy files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hb_eval

import loader_fixtures as F


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return hb_eval.load(F.write_evaluation(tmp_path_factory.mktemp("small")))


def _q(ds, source, level="row"):
    q = ds.quarantine
    return q[(q["source"] == source) & (q["level"] == level)]


def test_kykyviisari_title_rows_total_row_and_accounting(ds):
    acc = ds.files.set_index("source").loc["kykyviisari"]
    # 10 data rows; title rows 1-3, blank row 4, header 5, the blank row and the total row
    # below the data are not data rows
    assert acc["rows_read"] == 10
    assert acc["rows_kept"] + acc["rows_quarantined"] == 10
    assert acc["sheet"] == "Vastaukset"


def test_kykyviisari_row_outcomes(ds):
    got = dict(zip(_q(ds, "kykyviisari")["row"], _q(ds, "kykyviisari")["reason"]))
    want = {6 + i: e for i, (_, _, e) in enumerate(F.KYKY_ROWS) if e not in ("alku", "loppu")}
    assert got == want
    r = ds.responses[ds.responses["source"] == "kykyviisari"].set_index("row")
    assert r["wave"].astype(str).to_dict() == {6: "alku", 7: "loppu", 8: "alku", 15: "alku"}
    assert r.loc[7, "client_id"] == "0410712"            # 410712 stored as a number
    assert r.loc[8, "client_id"] == "0410713"            # 04-1-07-13
    assert r.loc[8, "form_version"] == "2.0"              # the number 2.0
    assert r.loc[8, "date"] == pd.Timestamp("2018-03-10")  # Excel date cell
    assert r.loc[6, "response_id"] == "R1"
    assert r.loc[15, "response_id"] == "kykyviisari:kykyviisari/vantaa.xlsx:15"
    assert set(r["wave_rule"].astype(str)) == {"date_rule"}


def test_duplicate_names_the_row_kept(ds):
    d = _q(ds, "kykyviisari")
    d = d[d["reason"] == "duplicate"]
    assert d["row"].tolist() == [9]
    assert "row 6" in d["detail"].iloc[0]


def test_kykyviisari_items_missing_markers(ds):
    it = ds.items[ds.items["response_id"] == "R3"].set_index("item")
    assert it.loc["YH1", "missing"] == "dont_know" and np.isnan(it.loc["YH1", "value"])
    assert it.loc["OS1", "missing"] == "dont_know"
    assert it.loc["MH1", "missing"] == "quarantined"      # 7 on a 1-5 scale
    assert it.loc["AS1", "missing"] == "quarantined"      # "abc"
    assert it.loc["TA1", "missing"] == "quarantined"      # 4.5
    assert (it.loc[["VA1", "VA2", "VA3"], "missing"] == "not_in_form").all()  # form 2.0
    assert it.loc["YH2", "value"] == 7 and pd.isna(it.loc["YH2", "missing"])
    r1 = ds.items[ds.items["response_id"] == "R1"].set_index("item")
    assert r1.loc["VA1", "value"] == 3                    # form 2.1 has parenthood
    assert len(r1) == 26 and r1["missing"].isna().all()
    cells = _q(ds, "kykyviisari", "cell").set_index(["row", "column"])["reason"].to_dict()
    assert cells == {(8, "MH1 Kysymys MH1"): "out_of_range", (8, "AS1 Kysymys AS1"): "bad_value",
                     (8, "TA1 Kysymys TA1"): "bad_value",
                     (15, "OS2 Kysymys OS2"): "personal_id_found"}


def test_items_follow_their_response(ds):
    assert set(ds.items["response_id"]) == set(ds.responses["response_id"])
    w = ds.items.merge(ds.responses[["response_id", "wave"]], on="response_id")
    assert (w["wave_x"].astype(str) == w["wave_y"].astype(str)).all()


def test_kompassi_cp1252_kerta_and_date_rule(ds):
    r = ds.responses[ds.responses["source"] == "kompassi"].set_index("row")
    assert r["wave"].astype(str).to_dict() == {2: "alku", 3: "loppu", 4: "väli"}
    assert r["wave_rule"].astype(str).to_dict() == {2: "recorded", 3: "recorded", 4: "date_rule"}
    assert (r["client_id"] == "0110101").all()
    cells = _q(ds, "kompassi", "cell").set_index(["row", "column"])["reason"].to_dict()
    assert cells == {(3, "KOM12"): "out_of_range", (4, "kerta"): "unknown_code"}
    it = ds.items[(ds.items["source"] == "kompassi")]
    assert it.groupby("response_id").size().eq(12).all()


def test_osallisuus_recorded_waves_and_range(ds):
    r = ds.responses[ds.responses["source"] == "osallisuus"].set_index("row")
    assert r["wave"].astype(str).to_dict() == {2: "alku", 3: "loppu"}   # "Loppu" capitalised
    it = ds.items[ds.items["source"] == "osallisuus"].merge(
        ds.responses[["response_id", "row"]], on="response_id")
    o8 = it[it["item"] == "O8"].set_index("row")
    assert pd.isna(o8.loc[2, "missing"]) and o8.loc[2, "value"] == 4
    assert o8.loc[3, "missing"] == "quarantined" and np.isnan(o8.loc[3, "value"])


def test_items_not_in_form_hand_worked():
    """Per item, the responses whose form version lacks it (its own forms, else its domain's;
    a blank form version is never "not in form"; no forms at all: no mask)."""
    from types import SimpleNamespace as NS

    from hb_eval.data.loaders.parse import items_not_in_form

    schema = NS(items={"A": NS(forms=("2.1",), domain=None),
                       "B": NS(forms=("2.0", "2.1"), domain=None),
                       "C": NS(forms=("2.1", "2.0"), domain=None),
                       "D": NS(forms=(), domain="VA"), "E": NS(forms=(), domain="YH"),
                       "F": NS(forms=(), domain=None)},
                domains={"VA": NS(forms=("2.1",)), "YH": NS(forms=())})
    form = pd.Series(["2.0", "2.1", None, "1.0"], dtype=object)
    got = {k: v.tolist() for k, v in items_not_in_form(schema, form).items()}
    assert got == {"A": [True, False, False, True], "B": [False, False, False, True],
                   "C": [False, False, False, True], "D": [True, False, False, True]}
