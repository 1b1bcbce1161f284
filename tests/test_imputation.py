"""MICE with Rubin's rules: hand-computed pooling, exactness without missing data, and recovery
of a planted effect under MAR dropout."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from hb_eval.errors import HbEvalError
from hb_eval.stats.imputation import did_estimate, impute_frames, mice_did, rubin_pool


def test_rubin_pool_by_hand():
    est = [1.0, 1.4, 0.9]
    var = [0.04, 0.05, 0.06]
    r = rubin_pool(est, var).iloc[0]
    qbar = (1.0 + 1.4 + 0.9) / 3                      # 1.1
    w = (0.04 + 0.05 + 0.06) / 3                      # 0.05
    b = ((-0.1) ** 2 + 0.3 ** 2 + (-0.2) ** 2) / 2    # 0.07
    t = w + (1 + 1 / 3) * b                           # 0.143333...
    lam = (4 / 3) * b / t
    df = 2 / lam ** 2                                 # Rubin 1987: (m - 1) / lambda^2
    assert r["estimate"] == pytest.approx(qbar)
    assert r["within"] == pytest.approx(0.05) and r["between"] == pytest.approx(0.07)
    assert r["total"] == pytest.approx(0.05 + 4 / 3 * 0.07)
    assert r["se"] == pytest.approx(np.sqrt(t))
    assert r["df"] == pytest.approx(df)
    assert r["riv"] == pytest.approx((4 / 3) * 0.07 / 0.05)
    half = stats.t.ppf(0.975, df) * np.sqrt(t)
    assert r["ci_low"] == pytest.approx(qbar - half)
    assert r["p"] == pytest.approx(2 * stats.t.sf(qbar / np.sqrt(t), df))
    assert r["df_method"] == "rubin1987"
    # Barnard-Rubin with n = 50, two parameters: df_com = 48
    br = rubin_pool(est, var, n=50).iloc[0]
    df_obs = (49 / 51) * 48 * (1 - lam)
    assert br["df"] == pytest.approx(df * df_obs / (df + df_obs))
    assert br["df_method"] == "barnard_rubin" and br["df_com"] == 48
    assert br["se"] == pytest.approx(np.sqrt(t))


def test_rubin_pool_without_between_variance():
    r = rubin_pool([2.0, 2.0, 2.0, 2.0], [0.25] * 4, n=22).iloc[0]
    assert r["between"] == 0 and r["se"] == pytest.approx(0.5)
    assert r["df"] == pytest.approx(21 / 23 * 20)  # nu_obs only
    with pytest.raises(HbEvalError):
        rubin_pool([1.0], [0.1])


def _frame(seed: int, n: int = 200, effect: float = 1.0, select: float = 1.0) -> pd.DataFrame:
    """End depends linearly on baseline and arm; the end score is missing at random given the
    baseline, in opposite directions in the two arms, so complete cases are biased."""
    rng = np.random.default_rng(seed)
    hb = rng.random(n) < 0.5
    b = rng.normal(5, 1.5, n)
    e = 2 + 0.6 * b + effect * hb + rng.normal(0, 0.7, n)
    lin = np.where(hb, -0.5 + select * (b - 5), -0.5 - select * (b - 5))
    miss = rng.random(n) < 1 / (1 + np.exp(-lin))
    end = np.where(miss, np.nan, e)
    return pd.DataFrame({
        "client_id": [f"{i:07d}" for i in range(n)],
        "arm": pd.Categorical(np.where(hb, "HB", "Verrokki"), categories=["HB", "Verrokki"]),
        "pilot": pd.Categorical(rng.choice(["Pori", "Tampere", "Vantaa"], n)),
        "sex": rng.choice(["nainen", "mies"], n),
        "baseline": b, "end": end, "change": end - b, "outcome": "kykyviisari_total",
    })


def test_did_estimate_hc2_equals_statsmodels():
    f = _frame(3).dropna(subset=["end"])
    est, var = did_estimate(f, "HC2")
    x = sm.add_constant((f["arm"] == "HB").to_numpy(float))
    ols = sm.OLS(f["change"].to_numpy(), x)
    assert est == pytest.approx(ols.fit().params[1])
    assert np.sqrt(var) == pytest.approx(ols.fit(cov_type="HC2").bse[1])
    _, var_c = did_estimate(f, "classical")
    assert np.sqrt(var_c) == pytest.approx(ols.fit().bse[1])


def test_no_missing_data_gives_complete_case_exactly():
    f = _frame(1, n=80)
    f["end"] = f["baseline"] + 1.0 + np.random.default_rng(9).normal(0, 1, len(f))
    f["change"] = f["end"] - f["baseline"]
    r = mice_did(f, covariates=("pilot", "sex"), m=5, seed=4).iloc[0]
    est, var = did_estimate(f)
    assert r["estimate"] == est and r["cc_estimate"] == est
    assert r["between"] == 0
    assert r["se"] == pytest.approx(np.sqrt(var), rel=1e-12)
    assert r["n_imputed"] == 0 and r["n"] == 80
    assert r["df"] == pytest.approx(79 / 81 * 78)


def test_imputations_keep_observed_values_and_draw_from_donors():
    f = _frame(2, n=120)
    sets = impute_frames(f, covariates=("pilot",), m=3, seed=11)
    obs = f["end"].notna().to_numpy()
    donors = set(f.loc[obs, "end"])
    for s in sets:
        np.testing.assert_array_equal(s.loc[obs, "end"], f.loc[obs, "end"])
        assert s["end"].notna().all()
        assert set(s.loc[~obs, "end"]) <= donors  # predictive mean matching
        np.testing.assert_allclose(s["change"], s["end"] - s["baseline"])
        assert (s["client_id"] == f["client_id"]).all()
    # the same seed gives the same imputations; a different one differs
    again = impute_frames(f, covariates=("pilot",), m=3, seed=11)
    np.testing.assert_array_equal(again[2]["end"], sets[2]["end"])
    other = impute_frames(f, covariates=("pilot",), m=3, seed=12)
    assert not np.array_equal(other[2]["end"], sets[2]["end"])
    with pytest.raises(HbEvalError, match="seed"):
        impute_frames(f, m=2)


def test_missing_covariate_is_imputed_inside_the_model():
    f = _frame(5, n=100)
    f["sex"] = f["sex"].astype(object)
    f.loc[[0, 5, 9], "sex"] = None
    r = mice_did(f, covariates=("pilot", "sex"), m=3, seed=1).iloc[0]
    assert np.isfinite(r["estimate"]) and r["n"] == 100
    s = impute_frames(f, covariates=("pilot", "sex"), m=2, seed=1)[0]
    assert s["sex"].isna().sum() == 3  # returned as given


def test_pooled_estimate_beats_complete_case_under_mar():
    truth = 1.0
    err_mice, err_cc = [], []
    for seed in range(4):
        r = mice_did(_frame(seed), covariates=("pilot",), m=5, seed=seed).iloc[0]
        err_mice.append(abs(r["estimate"] - truth))
        err_cc.append(abs(r["cc_estimate"] - truth))
        assert r["n_imputed"] > 40
        assert r["n_imputed_HB"] + r["n_imputed_Verrokki"] == r["n_imputed"]
        assert r["between"] > 0 and r["df_method"] == "barnard_rubin"
    # complete cases are biased by about +0.5 here; MICE removes most of it
    assert np.mean(err_mice) < np.mean(err_cc) / 2


def test_numpy_design_equals_statsmodels_formula_path():
    """The fast MICEData subclass builds the same matrices and so the same imputations as
    statsmodels' formula-based MICEData with its default (main-effects) models."""
    from statsmodels.imputation.mice import MICEData

    from hb_eval.stats.imputation import _imputation_data, _MainEffectsMICEData

    f = _frame(7, n=60)
    f["sex"] = f["sex"].astype(object)
    f.loc[[1, 2], "sex"] = None
    data, _ = _imputation_data(f, ("baseline", "end"), ("pilot", "sex"))
    a = MICEData(data, k_pmm=5, rng=np.random.default_rng(3))
    b = _MainEffectsMICEData(data, k_pmm=5, rng=np.random.default_rng(3))
    for v in a._cycle_order:
        for xa, xb in zip(a.get_split_data(v)[:3], b.get_split_data(v)[:3]):
            np.testing.assert_allclose(np.asarray(xa, float).squeeze(), xb.squeeze())
    a.update_all(3)
    b.update_all(3)
    np.testing.assert_allclose(a.data.to_numpy(), b.data.to_numpy())


def test_non_number_error_does_not_quote_the_cell():
    f = _frame(1, n=30)
    f["end"] = f["end"].astype(object)
    f.loc[0, "end"] = "131052-308T"
    with pytest.raises(HbEvalError) as e:
        mice_did(f, covariates=(), m=2, seed=1)
    assert "end" in str(e.value) and "131052" not in str(e.value)


def test_imputed_sets_are_snapshots_and_pool_as_listed():
    """The m sets are the chain's state at each draw (a later draw does not change an earlier
    set), and mice_pool, which takes them one at a time, pools the listed sets' estimates."""
    from hb_eval.stats.imputation import mice_pool
    f = _frame(2, n=120)
    sets = impute_frames(f, covariates=("pilot",), m=4, seed=3)
    miss = f["end"].isna().to_numpy()
    assert miss.any()
    assert len({tuple(s.loc[miss, "end"]) for s in sets}) > 1
    est = np.array([did_estimate(s) for s in sets])
    want = rubin_pool(est[:, 0], est[:, 1], n=len(f), n_params=2)
    got = mice_pool(f, did_estimate, covariates=("pilot",), m=4, seed=3)
    assert got.loc[0, "estimate"] == want.loc[0, "estimate"]
    assert got.loc[0, "se"] == want.loc[0, "se"] and got.loc[0, "n_imputed"] == miss.sum()
