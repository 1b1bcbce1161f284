"""A demo of N consenting clients (issue 10, item 3): valid client numbers at any size up to a
national roll-out, the same planted mess and planted truth, and a report whose every section is
ok and which recovers the planted effect (at 2,000 clients: quick enough for the test suite)."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from hb_eval import load
from hb_eval.demo import write_demo
from hb_eval.demo.simulate import (DESIGN, MAX_TWO_DIGITS, _clients, _workers,
                                   roster_capacity, roster_for_clients, simulate)
from hb_eval.demo.write import cli_demo
from hb_eval.report.command import read_analyses
from hb_eval.report.run import run_report
from hb_eval.config import load_config

N = 2000


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo2000")
    write_demo(root, clients=N)
    return root, json.loads((root / "planted.json").read_text(encoding="utf-8"))


def _valid_ids(cid) -> None:
    cid = cid.astype(str)
    assert cid.str.fullmatch(r"0[1-6][1-6]\d{4}").all()
    assert cid.is_unique
    assert (cid.str[3:5].astype(int) >= 1).all() and (cid.str[5:].astype(int) >= 1).all()


def test_about_n_consenting_clients_with_the_planted_mess(scaled):
    root, planted = scaled
    c = planted["clients"]
    assert abs(c["HB"] + c["Verrokki"] - N) <= 0.05 * N
    ds = load(root / "evaluation.yaml")
    _valid_ids(ds.clients["client_id"])
    # every planted anomaly is quarantined with its reason, per file as planted
    q = ds.quarantine
    got = q.groupby("reason").size().to_dict()
    for reason, count in planted["quarantine_by_reason"].items():
        assert got.get(reason, 0) == count, reason
    files = ds.files.set_index("path")
    for f in planted["files"]:
        row = files.loc[f["path"]]
        assert (row["rows_read"], row["rows_kept"], row["rows_quarantined"]) == \
            (f["rows_read"], f["rows_kept"], f["rows_quarantined"]), f["path"]
    assert planted["personal_id"]["quarantined_rows"] == 1 and planted["duplicates"] == 3
    assert len(ds.diaries) > 250  # diaries grow with the clients


def test_client_numbers_stay_seven_digits_at_a_national_scale():
    # 100,000 consenting clients: a roster of about 107,500 fits the two-digit worker and
    # sequence fields (up to 99 workers per pilot, sequences per worker x client group)
    n_roster = roster_for_clients(100_000)
    assert 107_000 < n_roster < 108_000
    assert n_roster <= roster_capacity(6 * MAX_TWO_DIGITS)
    # the roster part of the simulation (questionnaires etc. are not needed here)
    g_w, g_c = np.random.default_rng(20190331).spawn(8)[:2]
    workers = _workers(g_w, n_roster, DESIGN)
    roster, _ = _clients(g_c, n_roster, workers, DESIGN, 0.8)
    _valid_ids(roster["client_id"])
    assert roster["worker"].nunique() <= 6 * MAX_TWO_DIGITS
    assert abs((roster["consent"] == "kyllä").sum() - 100_000) < 1500
    with pytest.raises(ValueError, match="7-digit"):
        _workers(g_w, roster_capacity(6 * MAX_TWO_DIGITS) + 1, DESIGN)


def test_default_demo_is_unchanged_by_the_scaling():
    # below the worker capacity the sequence is the worker's n-th client, as before
    truth = simulate(n_clients=360)
    cid = truth.roster["client_id"].astype(str)
    seq = cid.str[5:].astype(int)
    per_worker = truth.roster.groupby(truth.roster["worker"].astype(str)).size()
    assert seq.max() == per_worker.max()


def test_cli_clients_option(tmp_path, capsys):
    rc = cli_demo(argparse.Namespace(dir=str(tmp_path / "d"), seed=3, n_clients=None,
                                     clients=150))
    assert rc == 0
    assert "162 roster clients" in capsys.readouterr().out
    planted = json.loads((tmp_path / "d" / "planted.json").read_text())
    assert planted["n_roster_clients"] == 162


def test_report_at_2000_clients_is_ok_and_recovers_the_effect(scaled, tmp_path):
    root, planted = scaled
    out = tmp_path / "out"
    run_report(load_config(root / "evaluation.yaml"), out, progress=False)
    analyses = read_analyses(out)
    assert analyses and all(v == "ok" for v in analyses.values()), analyses
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for k in ("HB", "Verrokki", "excluded_no_consent"):
        assert res["data"]["clients"][k] == planted["clients"][k]
    prim = res["outcomes"]["kykyviisari_total"]
    did = prim["did"]
    assert did["ci_low"] < planted["effect"] < did["ci_high"]
    assert abs(prim["mixed"]["estimate"] - planted["effect"]) < 4 * prim["mixed"]["se"]
    within = prim["within"]["HB"]
    assert within["d_z_ci_low"] < within["d_z"] < within["d_z_ci_high"]
    assert np.isfinite(within["d_z_ci_low"])
