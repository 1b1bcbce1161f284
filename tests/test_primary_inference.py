"""One declared primary inference per estimate (issue 21): with 6 clusters the wild cluster
bootstrap is primary, and the headline, the estimator tables, Holm and results.json carry it."""
from __future__ import annotations

import csv
import html as htmllib
import json
import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from hb_eval.cli import main
from hb_eval.outcomes.did import did_2x2

PRIMARY = "kykyviisari_total"


@pytest.fixture(scope="module")
def six_pilots(tmp_path_factory):
    """The demo clustered by pilot: 6 clusters, so the wild bootstrap is primary."""
    from hb_eval.demo import write_demo

    root = tmp_path_factory.mktemp("six")
    cfg = write_demo(root / "demo", n_clients=300)
    text = cfg.read_text(encoding="utf-8")
    assert "cluster: worker" in text
    text = text.replace("cluster: worker", "cluster: pilot\n  cost_margin: {organiser: 2000, "
                        "societal: 3500}")
    cfg.write_text(text, encoding="utf-8")
    out = root / "out"
    assert main(["report", str(cfg), "--out", str(out), "--reps", "50", "--quiet",
                 "--language", "en"]) == 0
    return cfg, out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def _csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_results_json_carries_the_wild_bootstrap(six_pilots):
    _, _, res = six_pilots
    did = res["outcomes"][PRIMARY]["did"]
    assert did["n_clusters"] == 6
    assert did["inference"] == "wild_cluster_bootstrap" and "6 pilot clusters" in \
        did["inference_reason"]
    assert did["wild_weights"] == "webb" and did["wild_enumerated"] is True
    assert did["wild_reps"] == 6 ** 6
    assert (did["p"], did["ci_low"], did["ci_high"]) == (
        did["wild_p"], did["wild_ci_low"], did["wild_ci_high"])
    # CR2 beside it, named, and different (a t-interval with Satterthwaite df)
    assert did["ci_cr2_low"] != did["ci_low"] and did["p_cr2"] != did["p"]
    assert did["ci_cr2_low"] < did["estimate"] < did["ci_cr2_high"]
    # the adjusted DiD and ANCOVA (CR2 regressions too) carry it as well; DR-DiD and the mixed
    # model keep their own inference
    for name in ("did_adjusted", "ancova"):
        b = res["outcomes"][PRIMARY][name]
        assert b["inference"] == "wild_cluster_bootstrap" and b["wild_enumerated"] is True
        assert (b["p"], b["ci_low"]) == (b["wild_p"], b["wild_ci_low"]) and b["p_cr2"] != b["p"]
    assert "inference" not in res["outcomes"][PRIMARY]["dr_did"]


def test_holm_uses_the_wild_p(six_pilots):
    _, _, res = six_pilots
    sec = [o for o in res["outcomes"] if o != PRIMARY
           and (res["outcomes"][o].get("did") or {}).get("p") is not None]
    assert len(sec) >= 3
    for name in ("did", "did_adjusted", "ancova"):
        raw = [res["outcomes"][o][name]["wild_p"] for o in sec]
        want = multipletests(raw, method="holm")[1]
        got = [res["outcomes"][o][name]["holm_p"] for o in sec]
        assert got == pytest.approx(want, abs=1e-9)
    assert res["outcomes"][PRIMARY]["did"]["holm_p"] == res["outcomes"][PRIMARY]["did"]["wild_p"]


def test_tables_carry_the_wild_bootstrap_and_cr2_beside(six_pilots):
    _, out, res = six_pilots
    did = res["outcomes"][PRIMARY]["did"]
    effects = {r["outcome"]: r for r in _csv(out / "tables" / "outcome_effects.csv")}
    row = effects[PRIMARY]
    assert float(row["p"]) == pytest.approx(did["wild_p"], abs=1e-9)
    assert float(row["ci_low"]) == pytest.approx(did["wild_ci_low"], rel=1e-9)
    assert float(row["p_cr2"]) == pytest.approx(did["p_cr2"], rel=1e-9)
    assert row["inference"] == "wild_cluster_bootstrap"
    est = {r["estimator"]: r for r in _csv(out / "tables" / "estimators_primary.csv")}
    assert float(est["did"]["ci_high"]) == pytest.approx(did["wild_ci_high"], rel=1e-9)
    assert est["did_adjusted"]["inference"] == "wild_cluster_bootstrap"
    assert est["dr_did"]["inference"] == est["dr_did"]["se_type"]      # its own, named


def test_headline_and_methods_say_the_wild_bootstrap(six_pilots):
    _, out, res = six_pilots
    did = res["outcomes"][PRIMARY]["did"]
    page = htmllib.unescape((out / "report.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("\u2212", "-")
    summary = text[:text.index("The primary outcome is")]
    lo, hi = f"{did['wild_ci_low']:.2f}", f"{did['wild_ci_high']:.2f}"
    assert lo in summary and hi in summary
    assert f"{did['ci_cr2_low']:.2f}" not in summary
    assert "the primary inference (p-values, intervals and the Holm adjustment) is the wild " \
           "cluster bootstrap" in text
    assert "All 46,656 weight vectors (6⁶) were enumerated" in text
    assert "beside them" not in text.split("The primary outcome is")[1][:600]


def _frame(n_workers: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 20 * n_workers
    arm = np.where(np.arange(n) % 2 == 0, "HB", "Verrokki")
    worker = np.arange(n) % n_workers
    base = rng.normal(5, 1, n)
    change = 0.5 * (arm == "HB") + rng.normal(0, 0.5, n_workers)[worker] + rng.normal(0, 1, n)
    return pd.DataFrame({"client_id": [f"{i:07d}" for i in range(n)], "arm": arm,
                         "worker": [f"04-{w:02d}" for w in worker], "baseline": base,
                         "end": base + change, "outcome": PRIMARY})


def test_enumeration_gives_the_same_interval_for_any_seed():
    f = _frame(6)
    rows = [did_2x2(f, wild_reps=999, seed=s).iloc[0] for s in (0, 1, 12345)]
    assert all(r["inference"] == "wild_cluster_bootstrap" and r["wild_enumerated"]
               for r in rows)
    assert len({(r["p"], r["ci_low"], r["ci_high"]) for r in rows}) == 1


def test_drawn_primary_bootstrap_has_at_least_9999_draws_and_cr2_stays_primary_above_11():
    nine = did_2x2(_frame(9), wild_reps=999, seed=1).iloc[0]
    assert not nine["wild_enumerated"] and nine["wild_reps"] == 9999
    assert nine["p"] == nine["wild_p"] and nine["p_cr2"] != nine["p"]
    many = did_2x2(_frame(14), wild_reps=199, seed=1).iloc[0]
    assert many["inference"] == "CR2" and many["wild_reps"] == 199
    assert (many["p"], many["ci_low"]) == (many["p_cr2"], many["ci_cr2_low"])
    skipped = did_2x2(_frame(6), wild_reps=0).iloc[0]
    assert skipped["inference"] == "CR2" and "skipped" in skipped["inference_reason"]
    assert skipped["p"] == skipped["p_cr2"]


# -- item 3: labels for bounds and conventions ------------------------------------------------
def test_margin_per_perspective_is_used_and_named(six_pilots):
    _, _, res = six_pilots
    org = res["cea"]["organiser"]["cost_neutrality"]
    soc = res["cea"]["societal"]["cost_neutrality"]
    assert (org["margin"], org["margin_setting"]) == (2000.0, "analysis.cost_margin.organiser")
    assert (soc["margin"], soc["margin_setting"]) == (3500.0, "analysis.cost_margin.societal")
    assert soc["noninferior"] == (soc["upper_95"] < 3500.0)


def test_p_at_the_bootstrap_floor_is_flagged_and_shown_as_a_bound(six_pilots):
    _, out, res = six_pilots
    cn = res["cea"]["organiser"]["cost_neutrality"]
    assert cn["bootstrap_reps"] == 50 and cn["p_floor"] == pytest.approx(0.01)
    # HB costs more (ΔC > 0): no replicate lies below -2,000 EUR, so the lower test is floored
    assert cn["delta_cost"] > 0 and cn["p_lower_at_floor"] is True
    page = (out / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))
    shown = f"{cn['p_lower']:.3f}" if cn["p_lower"] >= 0.001 else "0.001"
    assert re.search(r"lower test p < " + re.escape(shown), text)
    assert re.search(r"Non-inferiority test p = \d", text)     # resolved: "=", not "<"


def test_evaluation_summary_shows_every_headline_interval(six_pilots):
    from hb_eval.config import load_config
    from hb_eval.evaluation import Evaluation

    cfg, _, res = six_pilots
    ev = Evaluation(config=load_config(cfg), results=res)
    head = ev.headline().set_index("interval")
    cea = res["cea"]["organiser"]
    assert head.loc["percentile", "ci_low"] == cea["icer_ci"][0]
    assert head.loc["fieller", "ci_high"] == cea["fieller_ci"][1]
    did = res["outcomes"][PRIMARY]["did"]
    assert head.loc["wild_cluster_bootstrap", "ci_low"] == did["wild_ci_low"]
    summary = ev.summary()
    icer_line = [ln for ln in summary.splitlines() if "ICER" in ln and "percentile" in ln][0]
    assert "–" not in icer_line.split("(n=")[0]
    assert "net monetary benefit" in summary and "(fieller)" in summary
    assert ev._repr_html_().count("–") <= ev.summary().count("–") + 4   # analyses' notes only
