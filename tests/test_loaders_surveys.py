"""Satisfaction (both versions) and ESR loaders on hand-made messy files."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hb_eval

import loader_fixtures as F


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return hb_eval.load(F.write_evaluation(tmp_path_factory.mktemp("small")))


def _vals(row, codes):
    return [None if np.isnan(row[c]) else row[c] for c in codes]


def test_satisfaction_codes_labels_and_dont_know(ds):
    s = ds.satisfaction.set_index(["file", "row"])
    hb = s.loc[("tyytyvaisyys_hb.xlsx", 2)]
    cs = [f"C{i}" for i in range(1, 9)]
    hs = [f"H{i}" for i in range(1, 5)]
    _, want_c, want_h, grade = F.SAT_HB_ROWS[0]
    assert _vals(hb, cs) == want_c      # labels -> 1..5, En osaa sanoa -> NaN
    assert _vals(hb, hs) == want_h      # "5" as text; blank H3 (no assistant)
    assert hb["grade"] == grade and hb["version"] == "HB" and hb["work_status"] == "työllinen"


def test_satisfaction_bad_cells_keep_the_respondent(ds):
    s = ds.satisfaction.set_index(["file", "row"])
    r = s.loc[("tyytyvaisyys_hb.xlsx", 3)]
    assert r["client_id"] == "0410713"
    _, want_c, want_h, _ = F.SAT_HB_ROWS[1]
    assert _vals(r, [f"C{i}" for i in range(1, 9)]) == want_c
    assert np.isnan(r["grade"]) and pd.isna(r["work_status"])
    q = ds.quarantine[ds.quarantine["source"] == "satisfaction"]
    assert sorted(q["reason"]) == ["bad_value", "out_of_range", "out_of_range", "unknown_code"]
    assert (q["level"] == "cell").all()


def test_satisfaction_verrokki_version_has_no_hb_items(ds):
    v = ds.satisfaction[ds.satisfaction["version"] == "Verrokki"].iloc[0]
    assert v["client_id"] == "0410715" and v["grade"] == 8.5
    assert all(np.isnan(v[f"H{i}"]) for i in range(1, 5))


def test_free_text_redacted_and_code_nowhere(ds):
    s = ds.satisfaction.set_index(["file", "row"])
    assert s.loc[("tyytyvaisyys_hb.xlsx", 2), "free_text"] == \
        "Kiitos! Hetuni on [henkilötunnus poistettu]."
    blob = "".join(df.to_csv() for df in (ds.satisfaction, ds.quarantine, ds.clients, ds.items,
                                          ds.responses, ds.files))
    blob += ds.summary_text() + json.dumps(ds.data_block(), ensure_ascii=False)
    assert F.HETU not in blob and F.HETU.replace("-", "") not in blob


def test_esr_forms_and_status(ds):
    e = ds.esr.set_index("row")
    assert e["form"].astype(str).to_dict() == {2: "aloitus", 3: "päättö", 5: "aloitus"}
    assert e.loc[2, "labour_status"] == "pitkäaikaistyötön"
    assert pd.isna(e.loc[5, "labour_status"])             # eläkkeellä: unknown_code cell
    q = ds.quarantine[ds.quarantine["source"] == "esr"]
    assert dict(zip(zip(q["row"], q["level"]), q["reason"])) == {
        (4, "row"): "unknown_code", (5, "cell"): "unknown_code"}
    assert list(ds.esr["labour_status"].cat.categories) == [
        "työllinen", "työtön", "pitkäaikaistyötön", "opiskelija", "työvoiman ulkopuolella"]
