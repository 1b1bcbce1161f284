"""The demo's budgets: planted granted/realised budgets recovered, every planted fault found, the
results.json keys, and a public report without provider names."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from hb_eval.costs.budget import budget_followup
from hb_eval.costs.costing import latest_data_date
from hb_eval.demo.budgets import BUDGET_FILE, PROVIDER_FILE

from conftest import DEMO_SEED

BUDGET_KEYS = {"n_clients", "granted_mean", "realised_mean", "utilisation_median",
               "utilisation_q1", "utilisation_q3", "share_under_half", "share_over_full"}
GROUP_KEYS = {"n", "granted_mean", "realised_mean", "utilisation_median"}
SECTOR_KEYS = {"sector", "hb_euros", "hb_share", "usual_share_HB", "usual_share_Verrokki"}
NEUTRALITY_KEYS = {"margin", "upper_95", "p_noninferiority", "noninferior", "tost_p",
                   "equivalent"}


@pytest.fixture(scope="module")
def planted(demo_dir):
    return json.loads((demo_dir / "planted.json").read_text(encoding="utf-8"))


def test_planted_granted_and_realised_budgets_recovered(demo_dataset, planted):
    ds = demo_dataset
    cutoff = latest_data_date(ds.clients, ds.diary_rows, ds.service_costs)
    res = budget_followup(ds.budgets, ds.service_costs, ds.clients, cutoff)
    got = res.clients.set_index("client_id")
    truth = pd.DataFrame(planted["budget"]["clients"]).set_index("client_id")
    assert len(truth) == planted["budget"]["n_clients"] > 100
    assert set(got.index) == set(truth.index)
    g = got.loc[truth.index]
    # planted.json holds 6 decimals; blank sums in the extract are quantity × unit price
    assert np.abs(g["granted"] - truth["granted"]).max() < 1e-5
    assert np.abs(g["realised"] - truth["realised"]).max() < 0.01
    assert np.abs(g["utilisation"] - truth["utilisation"]).max() < 1e-6
    r = res.to_results()
    assert r["utilisation_median"] == pytest.approx(planted["budget"]["utilisation_median"],
                                                    abs=1e-6)
    assert r["share_under_half"] == pytest.approx(planted["budget"]["share_under_half"])
    assert r["share_over_full"] == pytest.approx(planted["budget"]["share_over_full"])
    # the planted mess: revisions and every unit spelling are there
    assert (got["n_revisions"] > 0).sum() > 10
    assert 0 < r["share_under_half"] < r["share_over_full"] < 1


def test_every_planted_budget_and_provider_fault_found(demo_dataset, planted):
    q = demo_dataset.quarantine
    files = {f["path"]: f for f in planted["files"]}
    for path in (BUDGET_FILE, PROVIDER_FILE):
        want = files[path]["quarantined_by_reason"]
        rows = q[(q["file"] == path) & (q["level"] == "row")]
        assert rows["reason"].value_counts().to_dict() == want, path
        acc = demo_dataset.files.set_index("path").loc[path]
        assert acc["rows_read"] == files[path]["rows_read"]
        assert acc["rows_kept"] == files[path]["rows_kept"]
    assert files[BUDGET_FILE]["quarantined_by_reason"].keys() >= {"arm_mismatch", "duplicate"}
    mine = {"invalid_business_id", "unknown_provider", "sector_mismatch"}
    cells = [c for c in planted["cells"] if c["reason"] in mine]
    assert {c["reason"] for c in cells} == mine
    for c in cells:
        hit = q[(q["file"] == c["file"]) & (q["row"] == c["row"]) & (q["level"] == "cell")
                & (q["reason"] == c["reason"])]
        assert len(hit) == 1 and hit["column"].iloc[0] == c["column"], c
    # flagged rows are kept: the service row with an unknown provider still costs
    sc = demo_dataset.service_costs
    unknown = [c for c in cells if c["reason"] == "unknown_provider"][0]
    row = sc[(sc["file"] == unknown["file"]) & (sc["row"] == unknown["row"])]
    assert len(row) == 1 and row["provider_id"].isna().all()
    assert demo_dataset.providers["business_id_valid"].value_counts().to_dict() == {
        True: len(demo_dataset.providers) - 1, False: 1}


def test_demo_truth_tables_equal_the_loaded_ones(demo_dataset):
    from hb_eval.demo import simulate

    truth = simulate(seed=DEMO_SEED)
    got = demo_dataset.budgets.sort_values(["file", "row"]).reset_index(drop=True)
    want = truth.budgets.sort_values(["file", "row"]).reset_index(drop=True)
    assert list(got["row"]) == list(want["row"])
    assert (got["client_id"].astype(str) == want["client_id"].astype(str)).all()
    assert np.allclose(got["amount"], want["amount"])
    assert (got["unit"].astype(str) == want["unit"].astype(str)).all()
    p = demo_dataset.providers.set_index("provider_id")
    assert (p.loc[truth.providers["provider_id"], "sector"].astype(str).to_numpy()
            == truth.providers["sector"].to_numpy()).all()


@pytest.fixture(scope="module")
def public_en(demo_evaluation, tmp_path_factory):
    """The session's demo evaluation (200 replicates) as a public English report."""
    out = tmp_path_factory.mktemp("demo_public") / "out"
    demo_evaluation.write_report(out, language="en", audience="public")
    return out


def test_results_json_has_the_budget_keys(public_en):
    res = json.loads((public_en / "results.json").read_text(encoding="utf-8"))
    assert res["analyses"]["budget"] == res["analyses"]["providers"] == "ok"
    assert set(res["budget"]) >= BUDGET_KEYS | {"by_pilot", "by_group"}
    for key, name in (("by_pilot", "pilot"), ("by_group", "client_group")):
        assert res["budget"][key] and all(set(r) >= GROUP_KEYS | {name}
                                          for r in res["budget"][key])
    assert set(res["providers"]) >= {"by_sector", "n_providers", "distinct_per_client_median",
                                     "new_entrant_share"}
    assert [r["sector"] for r in res["providers"]["by_sector"]] == ["julkinen", "yksityinen",
                                                                   "järjestö"]
    assert all(set(r) >= SECTOR_KEYS for r in res["providers"]["by_sector"])
    for p in ("organiser", "societal"):
        cn = res["cea"][p]["cost_neutrality"]
        assert set(cn) >= NEUTRALITY_KEYS
        assert cn["margin"] == 2000 and cn["noninferior"] == (cn["upper_95"] < cn["margin"])
        assert cn["equivalent"] == (cn["tost_p"] < 0.05)
        assert cn["upper_95"] < res["cea"][p]["delta_cost_ci"][1]  # 90 % inside 95 %


def test_public_report_holds_no_provider_name(public_en, demo_dataset):
    names = [n for n in demo_dataset.providers["name"].dropna().astype(str)]
    assert any(n.startswith("Toiminimi") for n in names)  # a sole trader: a person's name
    texts = []
    for f in public_en.rglob("*"):
        if not f.is_file():
            continue
        if f.suffix == ".xlsx":
            with zipfile.ZipFile(f) as z:
                texts += [z.read(m).decode("utf-8", "replace") for m in z.namelist()]
        elif f.suffix != ".png":
            texts.append(f.read_text(encoding="utf-8", errors="replace"))
    blob = "\n".join(texts)
    for n in names:
        assert n not in blob, n
    assert not (public_en / "tables" / "providers_paid.csv").exists()
    html = (public_en / "report.html").read_text(encoding="utf-8")
    assert "Cost neutrality:" in html and "one-sided 95% upper bound" in html
    assert 'data-figure="budget_utilisation"' in html
