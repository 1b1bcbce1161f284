"""2x2 DiD: change-score regression, panel fixed effects (linearmodels), adjusted DiD."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hb_eval.outcomes.did import did_2x2, did_adjusted, did_panel_fe


def change_frame_sim(seed=0, n_workers=14, per_worker=12, effect=0.5):
    """Clients nested in workers nested in pilots; workers serve one arm."""
    rng = np.random.default_rng(seed)
    pilots = ["Hämeenlinna", "Pori", "Tampere", "Vantaa", "Eksote", "Kainuu"]
    rows = []
    for w in range(n_workers):
        pilot = pilots[w % 6]
        arm = "HB" if (w // 6) % 2 == 0 else "Verrokki"
        u = rng.normal(0, 0.4)
        for i in range(per_worker):
            base = rng.normal(5, 1.5)
            change = 0.3 + effect * (arm == "HB") + u - 0.1 * (base - 5) + rng.normal(0, 1)
            rows.append({"client_id": f"{w:03d}{i:04d}", "arm": arm, "pilot": pilot,
                         "client_group": ["lapsiperhe", "omaishoito"][i % 2],
                         "worker": f"{w % 6 + 1:02d}-{w:02d}",
                         "sex": ["nainen", "mies"][rng.integers(0, 2)],
                         "age_group": ["25–34", "35–44", "45–54"][rng.integers(0, 3)],
                         "baseline": base, "end": base + change})
    f = pd.DataFrame(rows)
    f["change"] = f["end"] - f["baseline"]
    f["outcome"] = "kykyviisari_total"
    return f


def test_did_is_difference_of_mean_changes():
    f = change_frame_sim(1)
    out = did_2x2(f, wild_reps=0)
    m = f.groupby("arm")["change"].mean()
    assert out.loc[0, "estimate"] == pytest.approx(m["HB"] - m["Verrokki"], abs=1e-12)
    assert out.loc[0, "n_HB"] == 96 and out.loc[0, "n_Verrokki"] == 72  # 8 and 6 workers x 12
    assert out.loc[0, "n_clusters"] == 14 and out.loc[0, "se_type"] == "CR2"
    assert out.loc[0, "cluster"] == "worker"


def test_panel_fe_equals_change_score():
    f = change_frame_sim(2)
    cs = did_2x2(f, wild_reps=0)
    fe = did_panel_fe(f, se_type="CR0")
    assert fe.loc[0, "estimate"] == pytest.approx(cs.loc[0, "estimate"], abs=1e-10)
    # CR0 of the change-score regression (statsmodels, no small-sample factor)
    X = sm.add_constant((f["arm"] == "HB").astype(float).to_numpy())
    ols = sm.OLS(f["change"].to_numpy(), X).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(f["worker"])[0],
                                      "use_correction": False})
    assert fe.loc[0, "se"] == pytest.approx(ols.bse[1], abs=1e-10)
    # linearmodels' debiased + group_debias factor G/(G-1)(n-1)/(n-k), n = client-waves
    fe1 = did_panel_fe(f, se_type="CR1")
    G, n = 14, 2 * len(f)
    assert fe1.loc[0, "se"] == pytest.approx(ols.bse[1] * np.sqrt(G / (G - 1) * (n - 1) / (n - 2)),
                                             abs=1e-10)


def test_panel_fe_pairs_by_client_not_row_order():
    f = change_frame_sim(3)
    shuffled = f.sample(frac=1, random_state=1)
    a = did_panel_fe(f)
    b = did_panel_fe(shuffled)
    assert a.loc[0, "estimate"] == pytest.approx(b.loc[0, "estimate"], abs=1e-10)


def test_wild_columns_and_seed():
    f = change_frame_sim(4)
    a = did_2x2(f, wild_reps=199, seed=5)
    b = did_2x2(f, wild_reps=199, seed=5)
    assert a.loc[0, "wild_p"] == b.loc[0, "wild_p"]
    assert a.loc[0, "wild_ci_low"] < a.loc[0, "estimate"] < a.loc[0, "wild_ci_high"]
    assert a.loc[0, "wild_weights"] == "rademacher"  # 14 clusters


def test_adjusted_equals_statsmodels_point_estimate_and_recovers_effect():
    f = change_frame_sim(5, n_workers=30, per_worker=15, effect=0.8)
    out = did_adjusted(f)
    import statsmodels.formula.api as smf
    ref = smf.ols("change ~ C(arm, Treatment('Verrokki')) + pilot + client_group + sex + "
                  "age_group + baseline", data=f).fit()
    assert out.loc[0, "estimate"] == pytest.approx(
        ref.params["C(arm, Treatment('Verrokki'))[T.HB]"], abs=1e-10)
    assert out.loc[0, "ci_low"] < 0.8 < out.loc[0, "ci_high"]


def test_missing_change_rows_are_counted_out_not_invented():
    f = change_frame_sim(6)
    f.loc[:4, "end"] = np.nan
    f.loc[:4, "change"] = np.nan
    out = did_2x2(f, wild_reps=0)
    assert out.loc[0, "n_HB"] + out.loc[0, "n_Verrokki"] == len(f) - 5


def test_one_arm_only_is_an_error():
    f = change_frame_sim(7)
    with pytest.raises(ValueError, match="both arms"):
        did_2x2(f[f["arm"] == "HB"], wild_reps=0)


def test_not_identified_when_arm_collinear_with_covariates():
    f = change_frame_sim(8)
    f["pilot"] = np.where(f["arm"] == "HB", "Pori", "Tampere")
    with pytest.raises(ValueError, match="not identified"):
        did_adjusted(f)


# -- heterogeneity and Holm (small modules, tested beside the DiD they use) ------------------
def test_subgroup_estimates_match_within_pilot_did_and_choose_se():
    from hb_eval.outcomes.heterogeneity import subgroup_estimates
    f = change_frame_sim(9, n_workers=24)
    out = subgroup_estimates(f, by=("pilot",))
    assert len(out) == 6
    for _, r in out.iterrows():
        g = f[f["pilot"] == r["subgroup"]]
        m = g.groupby("arm")["change"].mean()
        assert r["estimate"] == pytest.approx(m["HB"] - m["Verrokki"], abs=1e-12)
        assert r["se_type"] == "CR2"          # 2 workers per arm per pilot
    few = subgroup_estimates(change_frame_sim(9, n_workers=14), by=("pilot",))
    assert set(few["se_type"]) == {"HC2"}     # 1 worker per arm and pilot
    assert few["note"].str.contains("HC2").all()


def test_interaction_test_detects_heterogeneity_and_not_when_absent():
    from hb_eval.outcomes.heterogeneity import interaction_test
    f = change_frame_sim(10, n_workers=48, per_worker=15, effect=0.5)
    p_null = interaction_test(f, by="client_group", cluster=None).loc[0, "p"]
    f2 = f.copy()
    boost = (f2["client_group"] == "omaishoito") & (f2["arm"] == "HB")
    f2.loc[boost, "change"] += 1.5
    res = interaction_test(f2, by="client_group", cluster=None)
    assert res.loc[0, "p"] < 0.001 and res.loc[0, "df1"] == 1
    assert p_null > 0.001
    # with one interaction and HC2, F equals the squared t of the interaction coefficient
    import statsmodels.formula.api as smf
    f2["hb"] = (f2["arm"] == "HB").astype(float)
    ref = smf.ols("change ~ hb * client_group", data=f2).fit(cov_type="HC2")
    t = ref.tvalues["hb:client_group[T.omaishoito]"]
    assert res.loc[0, "statistic"] == pytest.approx(t ** 2, rel=1e-10)


def test_holm_matches_hand_computation():
    from hb_eval.outcomes.analysis import adjust_secondary
    from hb_eval.stats.multiplicity import holm
    p = np.array([0.01, 0.04, 0.03, np.nan])
    # sorted 0.01, 0.03, 0.04 with m = 3: 0.03, 0.06, max(0.06, 0.04) = 0.06
    np.testing.assert_allclose(holm(p)[:3], [0.03, 0.06, 0.06])
    assert np.isnan(holm(p)[3])
    est = pd.DataFrame({"outcome": ["kykyviisari_total", "a", "b", "c"],
                        "estimator": "did", "p": [0.2, 0.01, 0.04, 0.03]})
    out = adjust_secondary(est)
    assert out["holm_p"].tolist() == pytest.approx([0.2, 0.03, 0.06, 0.06])


def test_ancova_equals_statsmodels_hc2_without_clusters():
    from hb_eval.outcomes.ancova import ancova
    import statsmodels.formula.api as smf
    f = change_frame_sim(11)
    out = ancova(f, cluster=None)
    f["hb"] = (f["arm"] == "HB").astype(float)
    ref = smf.ols("end ~ hb + baseline", data=f).fit(cov_type="HC2")
    assert out.loc[0, "estimate"] == pytest.approx(ref.params["hb"], abs=1e-10)
    assert out.loc[0, "se"] == pytest.approx(ref.bse["hb"], abs=1e-10)
    assert out.loc[0, "covariates"] == "baseline" and out.loc[0, "se_type"] == "HC2"


def test_holm_equals_statsmodels_exactly():
    """holm (pingouin) gives statsmodels' multipletests numbers bit for bit, ties included."""
    from statsmodels.stats.multitest import multipletests
    from hb_eval.stats.multiplicity import holm
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 8, 30):
        p = rng.uniform(0, 0.6, n) ** 2
        p[: n // 3] = p[0]                       # ties
        assert holm(p).tolist() == multipletests(p, method="holm")[1].tolist()


def test_covariate_design_of_a_categorical_equals_that_of_its_text():
    """Dummies from a categorical's own codes equal those from its values as text, missing
    values (their own level) and a category named like that level included."""
    from hb_eval.outcomes.did import covariate_design
    rng = np.random.default_rng(3)
    for cats in (["b", "a", "c"], ["x", "(puuttuu)", "a"]):
        s = pd.Series(pd.Categorical.from_codes(rng.integers(-1, 3, 60), categories=cats))
        got = covariate_design(pd.DataFrame({"g": s}), ["g"])
        want = covariate_design(pd.DataFrame({"g": s.astype(object)}), ["g"])
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert len(got.columns) >= 2
