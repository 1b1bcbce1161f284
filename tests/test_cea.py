"""Cost-effectiveness: planted differences recovered, identities of the CE plane and CEAC."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hb_eval.config import AnalysisConfig
from hb_eval.costs.cea import cea_sample, cost_glm_check, crossing, run_cea

CFG = AnalysisConfig(seed=123, bootstrap_reps=2000, wtp=5000.0, wtp_max=20000.0)


def frames(n_hb=150, n_v=150, dc=1000.0, de=0.5, seed=0, zeros=0.0):
    rng = np.random.default_rng(seed)
    n = n_hb + n_v
    arm = np.array(["HB"] * n_hb + ["Verrokki"] * n_v)
    pilot = rng.choice(["Pori", "Vantaa", "Kainuu"], size=n)
    worker = np.array([f"0{1 + i % 3}-{i % 7:02d}" for i in range(n)])
    mean_cost = np.where(arm == "HB", 2000.0 + dc, 2000.0)
    cost = rng.gamma(2.0, mean_cost / 2.0)
    if zeros:
        cost[rng.random(n) < zeros] = 0.0
    base = rng.normal(5, 1.5, size=n)
    change = rng.normal(np.where(arm == "HB", de, 0.0), 1.0)
    ids = [f"{i:07d}" for i in range(n)]
    costs = pd.DataFrame({"client_id": ids, "arm": arm, "pilot": pilot, "worker": worker,
                          "perspective": "organiser", "total": cost})
    effects = pd.DataFrame({"client_id": ids, "arm": pd.Categorical(arm, ["HB", "Verrokki"]),
                            "pilot": pilot, "worker": worker, "baseline": base,
                            "end": base + change, "change": change,
                            "harmonised": np.zeros(n, bool)})
    return costs, effects


def test_point_estimates_are_differences_of_means():
    costs, effects = frames()
    r = run_cea(costs, effects, CFG)
    g = costs.groupby("arm")["total"].mean()
    e = effects.groupby("arm", observed=True)["change"].mean()
    assert r.delta_cost == pytest.approx(g["HB"] - g["Verrokki"])
    assert r.delta_effect == pytest.approx(e["HB"] - e["Verrokki"])
    assert r.icer == pytest.approx(r.delta_cost / r.delta_effect)
    assert r.nmb_at_wtp == pytest.approx(5000 * r.delta_effect - r.delta_cost)
    assert r.n_HB == 150 and r.n_Verrokki == 150


def test_planted_truth_inside_intervals_and_sign_convention():
    costs, effects = frames(dc=1000.0, de=0.5)
    r = run_cea(costs, effects, CFG)
    res = r.to_results()
    lo, hi = res["delta_cost_ci"]
    assert lo < 1000.0 < hi and lo > 0  # 1000 € planted, clearly positive at n=300
    elo, ehi = res["delta_effect_ci"]
    assert elo < 0.5 < ehi
    assert res["sign_convention"] == "HB minus Verrokki"
    assert (r.to_frame()["sign_convention"] == "HB minus Verrokki").all()
    assert (r.plane_frame()["sign_convention"] == "HB minus Verrokki").all()


def test_results_block_has_runs_keys_and_plain_types():
    costs, effects = frames()
    res = run_cea(costs, effects, CFG).to_results()
    for k in ("delta_cost", "delta_effect", "icer", "nmb_at_wtp", "wtp", "delta_cost_ci",
              "delta_effect_ci", "icer_ci", "quadrant_shares", "ceac", "fieller_ci"):
        assert k in res
    json.dumps(res, allow_nan=False)  # no NaN, no numpy types that json rejects
    assert res["wtp"] == 5000.0
    assert sum(res["quadrant_shares"].values()) == pytest.approx(1.0)


def test_ceac_identities():
    costs, effects = frames()
    r = run_cea(costs, effects, CFG)
    c = r.ceac_frame()
    dc, de = r.reps[:, 0], r.reps[:, 1]
    # λ = 0: cost-effective iff cheaper
    assert c["p_cost_effective"].iloc[0] == pytest.approx(np.mean(dc < 0))
    q = r.quadrant_shares
    assert c["p_cost_effective"].iloc[0] == pytest.approx(q["SE"] + q["SW"], abs=1e-9)
    # NMB point = λ ΔE − ΔC, and the CEAC is the share with positive replicate NMB
    lam = c["wtp"].to_numpy()
    assert np.allclose(c["nmb"], lam * r.delta_effect - r.delta_cost)
    assert c["p_cost_effective"].iloc[100] == pytest.approx(np.mean(lam[100] * de - dc > 0))
    # the crossing is where the median replicate NMB changes sign: check the grid points
    # either side of it (grid step 100 €)
    x = r.wtp_crossing
    assert x is not None
    below, above = np.floor(x / 100) * 100, np.floor(x / 100) * 100 + 100
    assert np.median(below * de - dc) * np.median(above * de - dc) <= 0


def test_crossing_interpolates_and_none():
    assert crossing(np.array([0.0, 1.0, 2.0]), np.array([0.2, 0.4, 0.6])) == pytest.approx(1.5)
    assert crossing(np.array([0.0, 1.0, 2.0]), np.array([0.6, 0.7, 0.8])) is None
    assert crossing(np.array([0.0, 10.0]), np.array([0.9, 0.4])) == pytest.approx(8.0)


def test_no_icer_interval_when_effect_includes_zero():
    costs, effects = frames(de=0.0, seed=5)
    r = run_cea(costs, effects, CFG)
    lo, hi = r.to_results()["delta_effect_ci"]
    assert lo < 0 < hi
    assert r.icer_ci is None and "includes zero" in r.icer_ci_note
    assert r.to_results()["icer_ci"] is None


def test_icer_interval_when_effect_clear():
    costs, effects = frames(de=1.0, seed=6)
    r = run_cea(costs, effects, CFG)
    assert r.icer_ci is not None and r.icer_ci[0] < r.icer < r.icer_ci[1]
    assert r.fieller.kind == "bounded" and r.fieller.low < r.icer < r.fieller.high
    # Fieller from the bootstrap covariance: the plug-in variance (n, not n − 1), so close to
    # the analytic one for client resampling
    fb = run_cea(costs, effects, CFG, fieller_variance="bootstrap").fieller
    assert fb.low == pytest.approx(r.fieller.low, rel=0.1)
    assert fb.high == pytest.approx(r.fieller.high, rel=0.1)


def test_reproducible_and_cluster_option():
    costs, effects = frames()
    a = run_cea(costs, effects, CFG).to_results()
    assert a == run_cea(costs, effects, CFG).to_results()
    w = run_cea(costs, effects, CFG, resample="workers")
    assert w.resample == "workers" and w.n_clusters == 42  # 21 worker codes, each with clients in both arms
    assert w.delta_cost == pytest.approx(a["delta_cost"])


def test_cluster_bootstrap_wider_when_costs_cluster():
    # a big worker effect on costs: the two-stage interval must be wider than the client one
    costs, effects = frames(n_hb=140, n_v=140, seed=7)
    wk = costs["worker"].str[-2:].astype(int).to_numpy()
    costs["total"] = costs["total"] + 3000.0 * (wk % 2)
    c = run_cea(costs, effects, CFG).to_results()["delta_cost_ci"]
    w = run_cea(costs, effects, CFG, resample="workers").to_results()["delta_cost_ci"]
    assert (w[1] - w[0]) > 1.3 * (c[1] - c[0])


def test_sample_exclusions_counted():
    costs, effects = frames(n_hb=20, n_v=20)
    effects.loc[0, ["end", "change"]] = np.nan
    costs = costs.drop(index=1)
    s = cea_sample(costs, effects)
    assert len(s) == 38 and s.attrs["excluded_no_cost"] == 1
    assert s.attrs["excluded_incomplete"] == 1
    r = run_cea(costs, effects, CFG, B=200)
    assert r.n_HB == 18 and r.excluded_no_cost == 1


def test_glm_check_saturated_equals_means_and_two_part():
    costs, effects = frames(seed=3)
    s = cea_sample(costs, effects)
    g = cost_glm_check(s, covariates=())
    assert g["model"].iloc[0] == "gamma_glm_log"
    # a saturated model (arm only) reproduces the arm means exactly
    assert g["delta_cost"].iloc[0] == pytest.approx(g["delta_cost_means"].iloc[0], rel=1e-6)
    costs, effects = frames(seed=3, zeros=0.3)
    s = cea_sample(costs, effects)
    t = cost_glm_check(s, covariates=())
    assert t["model"].iloc[0] == "two_part_logit_gamma_log" and t["n_zero"].iloc[0] > 0
    assert t["delta_cost"].iloc[0] == pytest.approx(t["delta_cost_means"].iloc[0], rel=1e-6)
    adj = cost_glm_check(s)  # with pilot: close to, not equal to, the difference of means
    assert abs(adj["delta_cost"].iloc[0] - adj["delta_cost_means"].iloc[0]) < 300


# -- SUR ----------------------------------------------------------------------------------------
def test_sur_equals_ols_and_batched_wls_matches_linearmodels():
    import statsmodels.api as sm

    from hb_eval.costs.sur import design, sur_cea
    from hb_eval.stats.sur import batched_wls

    costs, effects = frames(seed=11)
    s = cea_sample(costs, effects)
    r = sur_cea(s, B=500, seed=1)
    t = r.to_frame().set_index("quantity")
    X = design(s)
    # identical regressors: SUR (linearmodels, GLS) == OLS equation by equation
    ols_c = sm.OLS(s["cost"].to_numpy(), X.to_numpy()).fit().params[1]
    ols_e = sm.OLS(s["change"].to_numpy(), X.to_numpy()).fit().params[1]
    assert t.loc["delta_cost", "estimate"] == pytest.approx(ols_c, rel=1e-8)
    assert t.loc["delta_effect", "estimate"] == pytest.approx(ols_e, rel=1e-8)
    # the batched bootstrap solver with all weights 1 and with integer counts == WLS by repetition
    Y = s[["cost", "change"]].to_numpy()
    w = np.random.default_rng(2).integers(0, 3, size=len(s)).astype(float)
    b = batched_wls(X.to_numpy(), Y, np.vstack([np.ones(len(s)), w]))
    assert b[0, 1, 0] == pytest.approx(ols_c, rel=1e-8)
    rep = np.repeat(np.arange(len(s)), w.astype(int))
    assert b[1, 1, 1] == pytest.approx(
        sm.OLS(Y[rep, 1], X.to_numpy()[rep]).fit().params[1], rel=1e-8)
    lo, hi = t.loc["delta_cost", ["ci_low", "ci_high"]]
    assert lo < 1000 < hi
    assert r.to_results()["sign_convention"] == "HB minus Verrokki"


def test_sur_replicates_are_wls_fits_of_the_cea_resamples():
    # each SUR replicate is the WLS fit with its resample's counts as weights (the normal
    # equations' count-weighted sums == batched_wls with those counts), and the resamples are
    # the CEA's client resamples for the same seed (the same counts give the same arm means)
    from hb_eval.costs.sur import design, solve_normal, sur_cea, sur_columns
    from hb_eval.stats.bootstrap import as_rng, stratified_sums
    from hb_eval.stats.sur import batched_wls

    costs, effects = frames(n_hb=40, n_v=55, seed=12)
    s = cea_sample(costs, effects)
    X, Y = design(s).to_numpy(float), s[["cost", "change"]].to_numpy(float)
    strata = (s["arm"] != "HB").to_numpy().astype(int)
    B = 60
    # the resampling counts themselves: weights 1, 0, ... of every unit as their own columns
    counts = stratified_sums(np.eye(len(s)), strata, B, as_rng(4)).sum(axis=1)   # B × n
    assert np.array_equal(counts.sum(axis=1), np.full(B, float(len(s))))
    oracle = batched_wls(X, Y, counts)[:, 1, :]
    sums = stratified_sums(sur_columns(X, Y), strata, B, as_rng(4)).sum(axis=1)
    assert np.allclose(solve_normal(sums, X.shape[1], 2)[:, 1, :], oracle, rtol=1e-9)
    assert np.allclose(sur_cea(s, B=B, seed=4).reps, oracle, rtol=1e-9)
    hb = strata == 0
    cea_reps = run_cea(costs, effects, CFG, B=B, seed=4, glm_check=False).reps
    direct = (counts[:, hb] @ Y[hb] / hb.sum()) - (counts[:, ~hb] @ Y[~hb] / (~hb).sum())
    assert np.allclose(cea_reps, direct, rtol=1e-9)


def test_cea_and_sur_of_both_perspectives_equal_the_separate_runs():
    from hb_eval.costs.joint import cea_and_sur
    from hb_eval.costs.sur import sur_cea

    costs, effects = frames(seed=13)
    societal = costs.assign(perspective="societal", total=costs["total"] * 1.3 + 50)
    cfg = AnalysisConfig(seed=9, bootstrap_reps=300, wtp=5000.0, wtp_max=20000.0)
    both = cea_and_sur({"organiser": costs, "societal": societal}, effects, cfg)
    for p, c in (("organiser", costs), ("societal", societal)):
        res, adj = both[p]
        alone = run_cea(c, effects, cfg)
        assert res.perspective == p
        assert np.allclose(res.reps, alone.reps, rtol=1e-9, atol=1e-9)
        pd.testing.assert_frame_equal(res.intervals, alone.intervals, rtol=1e-7)
        sep = sur_cea(cea_sample(c, effects), B=300, seed=9)
        assert np.allclose(adj.reps, sep.reps, rtol=1e-9)
        pd.testing.assert_frame_equal(adj.table, sep.table, rtol=1e-7)
    # workers: the cluster bootstrap of each perspective, as apart
    wcfg = AnalysisConfig(seed=9, bootstrap_reps=300, wtp=5000.0, wtp_max=20000.0,
                          cea_resample="workers")
    both = cea_and_sur({"organiser": costs, "societal": societal}, effects, wcfg)
    for p, c in (("organiser", costs), ("societal", societal)):
        assert np.array_equal(both[p][0].reps, run_cea(c, effects, wcfg).reps)


def test_sur_adjusts_for_baseline_imbalance():
    # planted: change depends on baseline, HB starts lower -> the unadjusted ΔE is biased,
    # the adjusted one recovers the planted 0.5
    from hb_eval.costs.sur import sur_cea

    rng = np.random.default_rng(4)
    costs, effects = frames(n_hb=300, n_v=300, seed=4)
    hb = effects["arm"] == "HB"
    base = rng.normal(np.where(hb, 4.0, 6.0), 1.0)
    change = 0.5 * hb - 0.6 * (base - 5.0) + rng.normal(0, 0.3, len(base))
    effects = effects.assign(baseline=base, end=base + change, change=change)
    s = cea_sample(costs, effects)
    t = sur_cea(s, B=200, seed=3).to_frame().set_index("quantity")
    unadj = s.loc[s.arm == "HB", "change"].mean() - s.loc[s.arm != "HB", "change"].mean()
    assert abs(unadj - 0.5) > 0.8
    assert t.loc["delta_effect", "estimate"] == pytest.approx(0.5, abs=0.1)


# -- boot-MI ------------------------------------------------------------------------------------
def test_boot_mi_recovers_effect_under_mar():
    from hb_eval.costs.cea import boot_mi_cea

    rng = np.random.default_rng(21)
    costs, effects = frames(n_hb=200, n_v=200, seed=21)
    hb = (effects["arm"] == "HB").to_numpy()
    base = rng.normal(5.0, 1.5, len(hb))
    change = 0.5 * hb - 0.6 * (base - 5.0) + rng.normal(0, 0.3, len(hb))
    effects = effects.assign(baseline=base, end=base + change, change=change)
    # MAR: HB clients with a low baseline (large gains) drop out more often
    drop = hb & (base < 5.0) & (rng.random(len(hb)) < 0.7)
    effects.loc[drop, ["end", "change"]] = np.nan
    cc = run_cea(costs, effects, CFG, B=200).delta_effect
    mi = boot_mi_cea(costs, effects, CFG, m=2, B=20, seed=5).set_index("quantity")
    est = mi.loc["delta_effect", "estimate"]
    assert abs(cc - 0.5) > 0.3                        # complete cases are biased
    assert abs(est - 0.5) < 0.1                       # imputation from baseline recovers it
    assert mi.loc["delta_effect", "ci_low"] < 0.5 < mi.loc["delta_effect", "ci_high"]
    assert mi.loc["delta_effect", "n_missing_end"] == int(drop.sum())
    # costs are complete: ΔC is the difference of means over everyone with a baseline
    g = costs.groupby("arm")["total"].mean()
    assert mi.loc["delta_cost", "estimate"] == pytest.approx(g["HB"] - g["Verrokki"])


# -- the demo data: the planted cost difference is recovered --------------------------------------
@pytest.fixture(scope="module")
def demo_truth():
    from hb_eval.demo import simulate

    return simulate(seed=20190331)


def test_demo_cea_recovers_planted_delta_cost(demo_truth):
    from hb_eval.outcomes import scores as scoring
    from hb_eval.costs.costing import client_costs

    tr = demo_truth
    scores = scoring.score_all(tr, include_kompassi=True)
    effects = scoring.change_frame(scores, tr.clients, "kykyviisari_total")
    cfg = AnalysisConfig(seed=20190331, bootstrap_reps=2000)
    for p in ("organiser", "societal"):
        r = run_cea(client_costs(tr, p), effects, cfg)
        lo, hi = r.to_results()["delta_cost_ci"]
        assert lo < tr.delta_cost[p] < hi, (p, lo, tr.delta_cost[p], hi)
        m = r.to_results()["methods"]
        assert m["price_year"] == tr.unit_costs["price_year"] and m["perspective"] == p
        elo, ehi = r.to_results()["delta_effect_ci"]
        assert elo < tr.effect < ehi
        w = run_cea(client_costs(tr, p), effects, cfg, resample="workers").to_results()
        assert w["delta_cost_ci"][0] < tr.delta_cost[p] < w["delta_cost_ci"][1]


def test_demo_written_and_loaded_recovers_planted_delta_cost(demo_truth, request):
    pytest.importorskip("hb_eval.demo.write")  # runs once the demo writer has landed
    from hb_eval.outcomes import scores as scoring
    from hb_eval.costs.costing import client_costs

    ds = request.getfixturevalue("demo_dataset")  # write_demo(seed=20190331) + hb_eval.load
    effects = scoring.change_frame(scoring.score_all(ds), ds.clients, "kykyviisari_total")
    for p in ("organiser", "societal"):
        r = run_cea(client_costs(ds, p), effects, ds.config, B=2000)
        lo, hi = r.to_results()["delta_cost_ci"]
        assert lo < demo_truth.delta_cost[p] < hi


def test_glm_check_fitted_when_asked_for():
    costs, effects = frames(seed=14)
    r = run_cea(costs, effects, CFG)
    assert r._glm is None                                    # not fitted by the run itself
    pd.testing.assert_frame_equal(r.glm_check, cost_glm_check(cea_sample(costs, effects)))
    assert run_cea(costs, effects, CFG, glm_check=False).glm_check is None


def test_cea_sample_join_by_position_is_the_merge():
    """cea_sample joins the costs by the clients' positions; the left merge it replaces is the
    oracle (order, dtypes, a client without costs as NaN), and duplicates still raise."""
    from hb_eval.costs.cea import _left_join

    e = pd.DataFrame({"client_id": ["c3", "c1", "c9", "c2"], "change": [1.0, 2.0, 3.0, 4.0]},
                     index=[7, 3, 5, 1])
    c = pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4"],
                      "arm_cost": pd.Categorical(["HB", "Verrokki", "HB", "HB"]),
                      "cost": [10.0, 20.0, 30.0, 40.0]})
    want = e.merge(c, on="client_id", how="left", validate="one_to_one")
    got = _left_join(e, c)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["cost"].isna().tolist() == [False, False, True, False]
    with pytest.raises(pd.errors.MergeError):
        _left_join(e, pd.concat([c, c.iloc[[0]]], ignore_index=True))
