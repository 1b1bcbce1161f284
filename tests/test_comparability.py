"""Comparability: hand-computed SMDs, exact balance with the true propensity, attrition counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.outcomes.comparability import (
    MISSING_LEVEL,
    analyse_comparability,
    attrition,
    balance,
    baseline_table,
    completers_vs_dropouts,
    end_reasons,
    overlap,
    propensity_scores,
    smd_binary,
    smd_continuous,
)
from hb_eval.errors import HbEvalError


def _clients() -> pd.DataFrame:
    # HB: 4 clients, Verrokki: 4 clients
    return pd.DataFrame({
        "client_id": [f"01{i}" for i in range(8)],
        "arm": pd.Categorical(["HB"] * 4 + ["Verrokki"] * 4, categories=["HB", "Verrokki"]),
        "pilot": pd.Categorical(["Pori", "Pori", "Tampere", "Tampere",
                                 "Pori", "Tampere", "Tampere", "Tampere"],
                                categories=["Hämeenlinna", "Pori", "Tampere"]),
        "sex": ["nainen", "nainen", "mies", None, "mies", "mies", "nainen", "mies"],
    })


def _change() -> pd.DataFrame:
    c = _clients()
    return pd.DataFrame({"client_id": c["client_id"], "baseline": [2, 4, 6, 8, 1, 2, 3, 6.0],
                         "outcome": "kykyviisari_total"})


def test_smd_formulas_by_hand():
    # continuous: (5 - 3) / sqrt((2^2 + 1^2)/2) = 2 / sqrt(2.5)
    assert float(smd_continuous(5, 2, 3, 1)) == pytest.approx(2 / np.sqrt(2.5))
    # binary: (0.5 - 0.25) / sqrt((0.25 + 0.1875)/2)
    assert float(smd_binary(0.5, 0.25)) == pytest.approx(0.25 / np.sqrt(0.4375 / 2))
    assert float(smd_binary(0.0, 0.0)) == 0.0


def test_baseline_table_hand_worked():
    t = baseline_table(_clients(), _change(), covariates=["pilot", "sex"])
    r = t.set_index(["covariate", "level"])
    # pilot Pori: HB 2/4, Verrokki 1/4
    pori = r.loc[("pilot", "Pori")]
    assert (pori["n_HB"], pori["n_Verrokki"]) == (2, 1)
    assert pori["share_HB"] == 0.5 and pori["share_Verrokki"] == 0.25
    assert pori["smd"] == pytest.approx(0.25 / np.sqrt((0.25 + 0.1875) / 2))
    assert pori["smd_formula"] == "binary"
    # an empty level is shown with zero counts and smd 0
    hml = r.loc[("pilot", "Hämeenlinna")]
    assert hml["n_HB"] == 0 and hml["smd"] == 0
    # missing sex is its own level, not dropped
    miss = r.loc[("sex", MISSING_LEVEL)]
    assert (miss["n_HB"], miss["n_Verrokki"]) == (1, 0)
    assert r.xs("sex", level=0)["n_HB"].sum() == 4
    # baseline: HB 2,4,6,8 (mean 5, sd sqrt(20/3)); Verrokki 1,2,3,6 (mean 3, sd sqrt(14/3))
    b = t[t["type"] == "continuous"].iloc[0]
    assert b["covariate"] == "kykyviisari_total"
    assert b["mean_HB"] == 5 and b["mean_Verrokki"] == 3
    assert b["sd_HB"] == pytest.approx(np.sqrt(20 / 3))
    assert b["smd"] == pytest.approx(2 / np.sqrt((20 / 3 + 14 / 3) / 2))
    assert b["smd_formula"] == "pooled_sd"


def test_baseline_table_from_long_scores_keeps_all_clients():
    c = _clients()
    scores = pd.DataFrame({"client_id": list(c["client_id"][:6]) + ["010"],
                           "wave": ["alku"] * 6 + ["loppu"], "outcome": "osallisuus",
                           "score": [1, 2, 3, 4, 5, 6, 7.0]})
    t = baseline_table(c, scores, covariates=["pilot"])
    b = t[t["covariate"] == "osallisuus"].iloc[0]
    assert (b["n_HB"], b["n_missing_HB"]) == (4, 0)
    assert (b["n_Verrokki"], b["n_missing_Verrokki"]) == (2, 2)
    assert b["mean_Verrokki"] == 5.5


def _saturated(seed: int = 0) -> pd.DataFrame:
    """A 3-level covariate whose HB share differs by level: the saturated logit's propensity
    is the cell share, so ATT weights make the Verrokki distribution equal HB's exactly."""
    counts = {"a": (10, 30), "b": (20, 10), "c": (5, 25)}  # level: (HB, Verrokki)
    rows = []
    for lv, (h, v) in counts.items():
        rows += [("HB", lv)] * h + [("Verrokki", lv)] * v
    f = pd.DataFrame(rows, columns=["arm", "group"])
    f = f.sample(frac=1, random_state=seed).reset_index(drop=True)
    f["client_id"] = [f"{i:07d}" for i in range(len(f))]
    return f


def test_ps_equals_cell_share_and_weights_balance_exactly():
    f = _saturated()
    ps = propensity_scores(f, covariates=["group"], trim=(0.0, 1.0))
    share = {"a": 10 / 40, "b": 20 / 30, "c": 5 / 30}
    np.testing.assert_allclose(ps["ps"], f["group"].map(share), atol=1e-8)
    # Verrokki weight ps/(1-ps) = n_HB/n_V in the cell
    v = ps["arm"] == "Verrokki"
    np.testing.assert_allclose(ps.loc[v, "weight"],
                               f.loc[v, "group"].map({"a": 1 / 3, "b": 2.0, "c": 0.2}),
                               atol=1e-8)
    assert (ps.loc[~v, "weight"] == 1).all()
    bal = balance(f.assign(weight=ps["weight"].to_numpy()), "weight", covariates=["group"])
    assert bal["smd_unweighted"].abs().max() > 0.3
    np.testing.assert_allclose(bal["smd_weighted"], 0, atol=1e-7)
    np.testing.assert_allclose(bal["mean_HB_weighted"], bal["mean_Verrokki_weighted"],
                               atol=1e-9)
    np.testing.assert_allclose(bal["mean_HB_weighted"], [10 / 35, 20 / 35, 5 / 35])


def test_weighted_continuous_balance_by_hand():
    f = pd.DataFrame({"arm": ["HB", "HB", "Verrokki", "Verrokki", "Verrokki"],
                      "x": [1.0, 3.0, 0.0, 2.0, 4.0]})
    w = np.array([1, 1, 1, 2, 1.0])
    bal = balance(f, w, covariates=["x"]).iloc[0]
    # unweighted: HB mean 2 sd sqrt(2), V mean 2 -> smd 0
    assert bal["smd_unweighted"] == 0
    # weighted V mean (0 + 4 + 4)/4 = 2, HB unchanged
    assert bal["mean_Verrokki_weighted"] == pytest.approx(2.0)
    assert bal["smd_weighted"] == pytest.approx(0.0)
    w2 = np.array([1, 1, 3, 1, 0.0])
    bal2 = balance(f, w2, covariates=["x"]).iloc[0]
    # V weighted mean 2/4 = 0.5; reliability-weight variance: 4/(16-10) * (3*.25 + 2.25) = 2
    assert bal2["mean_Verrokki_weighted"] == pytest.approx(0.5)
    assert bal2["smd_weighted"] == pytest.approx(1.5 / np.sqrt((2 + 2) / 2))


def test_trimming_and_overlap():
    f = pd.DataFrame({"client_id": [str(i) for i in range(8)],
                      "arm": ["HB", "HB", "HB", "Verrokki", "Verrokki", "Verrokki", "HB",
                              "Verrokki"],
                      "g": ["a", "a", "a", "a", "b", "b", "b", "b"]})
    ps = propensity_scores(f, covariates=["g"], trim=(0.3, 0.7))
    # cell shares: a 3/4 = .75 (trimmed), b 1/4 = .25 (trimmed)
    np.testing.assert_allclose(ps["ps"], [.75] * 4 + [.25] * 4, atol=1e-8)
    assert ps["trimmed"].all() and (ps["weight"] == 0).all()
    ov = overlap(ps).set_index("arm")
    assert ov.loc["HB", "ps_min"] == pytest.approx(.25)
    assert ov.loc["Verrokki", "ps_max"] == pytest.approx(.75)
    assert ov.loc["HB", "n_outside_support"] == 0


def test_missing_covariate_gets_no_score():
    f = _saturated().assign(x=1.0)
    f.loc[3, "group"] = None
    ps = propensity_scores(f, covariates=["group"], trim=(0, 1))
    assert ps.loc[3, "missing_covariate"] and np.isnan(ps.loc[3, "ps"])
    assert ps["missing_covariate"].sum() == 1
    assert overlap(ps)["n_missing_covariate"].sum() == 1


def _attr():
    clients = pd.DataFrame({
        "client_id": list("abcdefgh"),
        "arm": ["HB", "HB", "HB", "HB", "Verrokki", "Verrokki", "Verrokki", "Verrokki"],
        "pilot": ["Pori", "Pori", "Tampere", "Tampere", "Pori", "Pori", "Pori", "Tampere"],
        "end_date": pd.to_datetime(["2018-06-01", None, "2018-06-01", "2018-06-01",
                                    "2018-06-01", "2018-06-01", None, "2018-06-01"]),
        "end_reason": ["suunnitellusti", None, "keskeytyi", "muutto", "suunnitellusti",
                       "keskeytyi", None, None],
        "sex": ["nainen"] * 8,
    })
    o = "kykyviisari_total"
    # a: complete; b: baseline only (ongoing); c: baseline only (ended); d: end only;
    # e, f complete; g baseline only (ongoing); h nothing
    rows = [("a", "alku", 5), ("a", "loppu", 6), ("b", "alku", 4), ("c", "alku", 3),
            ("d", "loppu", 7), ("e", "alku", 6), ("e", "loppu", 6), ("f", "alku", 2),
            ("f", "loppu", 3), ("g", "alku", 8), ("a", "väli", 5)]
    scores = pd.DataFrame(rows, columns=["client_id", "wave", "score"]).assign(outcome=o)
    return clients, scores


def test_attrition_counts_by_hand():
    clients, scores = _attr()
    t = attrition(clients, scores)
    r = t.set_index(["arm", "pilot"])
    hb_pori = r.loc[("HB", "Pori")]
    assert (hb_pori["n_clients"], hb_pori["n_baseline"], hb_pori["n_completers"],
            hb_pori["n_dropouts"], hb_pori["n_dropouts_ongoing"]) == (2, 2, 1, 1, 1)
    hb = r.loc[("HB", "(kaikki)")]
    assert (hb["n_baseline"], hb["n_dropouts"], hb["n_no_baseline"]) == (3, 2, 1)
    assert hb["share_dropouts"] == pytest.approx(2 / 3)
    assert hb["n_dropouts_ended"] == 1
    ve = r.loc[("Verrokki", "(kaikki)")]
    assert (ve["n_baseline"], ve["n_completers"], ve["n_dropouts"]) == (3, 2, 1)
    tot = r.loc[("(kaikki)", "(kaikki)")]
    assert tot["n_clients"] == 8 and tot["n_dropouts"] == 3
    # nothing is lost: completers + dropouts + no-baseline = clients, on every row
    np.testing.assert_array_equal(t["n_completers"] + t["n_dropouts"] + t["n_no_baseline"],
                                  t["n_clients"])


def test_completers_vs_dropouts_by_hand():
    clients, scores = _attr()
    t = completers_vs_dropouts(clients, scores, covariates=["sex"])
    b = t[(t["arm"] == "(kaikki)") & (t["covariate"] == "baseline")].iloc[0]
    # completers a, e, f: baseline 5, 6, 2; dropouts b, c, g: 4, 3, 8
    assert b["n_completers"] == 3 and b["n_dropouts"] == 3
    assert b["mean_completers"] == pytest.approx(13 / 3)
    assert b["mean_dropouts"] == pytest.approx(5.0)
    s1, s2 = np.std([5, 6, 2], ddof=1), np.std([4, 3, 8], ddof=1)
    assert b["smd"] == pytest.approx((13 / 3 - 5) / np.sqrt((s1 ** 2 + s2 ** 2) / 2))
    hb = t[(t["arm"] == "HB") & (t["covariate"] == "baseline")].iloc[0]
    assert (hb["n_completers"], hb["n_dropouts"]) == (1, 2)


def test_end_reasons_by_arm():
    clients, scores = _attr()
    t = end_reasons(clients, scores).set_index(["arm", "end_reason"])
    assert t.loc[("HB", "(ei päättynyt)"), "n_clients"] == 1
    assert t.loc[("Verrokki", "(puuttuu)"), "n_clients"] == 1
    assert t.loc[("HB", "keskeytyi"), "n_dropouts"] == 1
    assert t.xs("HB", level=0)["n_clients"].sum() == 4
    assert t.xs("HB", level=0)["n_dropouts"].sum() == 2


def test_bad_arm_raises():
    c = _clients()
    c["arm"] = c["arm"].astype(str)
    c.loc[0, "arm"] = "hb"
    with pytest.raises(HbEvalError, match="not HB or Verrokki"):
        baseline_table(c, covariates=["pilot"])


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["HB", "Verrokki"]), st.sampled_from(["Pori", "Kainuu"]),
                          st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=30))
def test_attrition_loses_nobody(rows):
    clients = pd.DataFrame({
        "client_id": [f"{i:07d}" for i in range(len(rows))],
        "arm": [r[0] for r in rows], "pilot": [r[1] for r in rows],
        "end_date": pd.to_datetime([None if r[4] else "2018-06-01" for r in rows]),
        "end_reason": [None] * len(rows)})
    sc = []
    for i, r in enumerate(rows):
        if r[2]:
            sc.append((f"{i:07d}", "alku", 5.0))
        if r[3]:
            sc.append((f"{i:07d}", "loppu", 6.0))
    scores = pd.DataFrame(sc, columns=["client_id", "wave", "score"]).assign(
        outcome="kykyviisari_total")
    t = attrition(clients, scores)
    assert (t["n_completers"] + t["n_dropouts"] + t["n_no_baseline"] == t["n_clients"]).all()
    assert (t["n_dropouts_ongoing"] + t["n_dropouts_ended"] == t["n_dropouts"]).all()
    ap = t[t["level"] == "arm_pilot"]
    assert ap["n_clients"].sum() == len(rows)
    assert t.loc[t["level"] == "total", "n_dropouts"].iloc[0] == sum(
        r[2] and not r[3] for r in rows)
    e = end_reasons(clients, scores)
    assert e["n_clients"].sum() == len(rows)
    assert e["n_dropouts"].sum() == ap["n_dropouts"].sum()


def test_level_seen_in_one_arm_flags_separation():
    f = _saturated()
    extra = pd.DataFrame({"arm": ["HB", "HB"], "group": ["d", "d"], "client_id": ["x1", "x2"]})
    f = pd.concat([f, extra], ignore_index=True)
    ps = propensity_scores(f, covariates=["group"])
    assert ps["separation"].all()
    assert ps.loc[f["group"].eq("d").to_numpy(), "trimmed"].all()
    assert not propensity_scores(_saturated(), covariates=["group"])["separation"].any()


def test_att_weights_reduce_planted_baseline_imbalance_in_demo():
    """The demo plants selection into HB on the latent baseline level: the baseline score is
    imbalanced before weighting and much less so after ATT weighting."""
    from hb_eval.demo import simulate
    from hb_eval.outcomes.scores import change_frame, score_items

    before, after = [], []
    for seed in range(3):
        tr = simulate(seed=seed, outcomes_only=True)
        cf = change_frame(score_items(tr.items), tr.clients, "kykyviisari_total")
        ps = propensity_scores(cf)
        assert ps["ps"].notna().all() and len(ps) == len(cf)
        b = balance(cf, ps["weight"].to_numpy()).set_index("covariate").loc["baseline"]
        before.append(abs(b["smd_unweighted"]))
        after.append(abs(b["smd_weighted"]))
    assert np.mean(before) > 0.3
    assert np.mean(after) < np.mean(before) / 2


def test_analyse_comparability_on_demo():
    from hb_eval.config import AnalysisConfig
    from hb_eval.demo import simulate
    from hb_eval.outcomes.scores import score_items

    tr = simulate(seed=5, outcomes_only=True)
    sc = score_items(tr.items)
    res = analyse_comparability(tr.clients, sc, config=AnalysisConfig(mice_m=3))
    s = res.summary().set_index("check")["value"]
    assert s["max_abs_smd_weighted"] < s["max_abs_smd_unweighted"]
    a = res.attrition
    assert a.loc[a["level"] == "total", "n_clients"].iloc[0] == len(tr.clients)
    assert res.mice is not None and res.mice["m"].iloc[0] == 3
    assert res.mice["n_imputed"].iloc[0] == a.loc[a["level"] == "total", "n_dropouts"].iloc[0]
    out = res.to_results()
    assert out["mice"]["m"] == 3 and isinstance(out["n_trimmed"], int)
