"""Sensitivity to unmeasured confounding (Cinelli & Hazlett 2020).

Published numbers: the Darfur example of the paper (section 3 and its table 3: estimate 0.097,
se 0.023, t 4.18, df 783, partial R² 2.2 %, RV_{q=1} 13.9 %, RV_{q=1,α=0.05} 7.6 %; a confounder
as strong as ``female``: R²_{Y~Z|X,D} 12 %, R²_{D~Z|X} 1 %) and R sensemakr's printed summary
of the same model (README of the R package, 4 decimals), reproduced here from the data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from hb_eval.outcomes.confounding import confounding_sensitivity
from hb_eval.stats.robustness import (adjusted_estimate, adjusted_se, benchmark_bounds,
                                      ols_sensitivity, partial_r2, robustness_value)

DATA = Path(__file__).parent / "data" / "darfur.csv"
COVARIATES = ["directlyharmed", "age", "farmer_dar", "herder_dar", "pastvoted",
              "hhsize_darfur", "female"]


@pytest.fixture(scope="module")
def darfur():
    d = pd.read_csv(DATA)
    village = pd.get_dummies(d["village"], prefix="village", drop_first=True, dtype=float)
    X = pd.concat([pd.Series(1.0, index=d.index, name="const"), d[COVARIATES].astype(float),
                   village], axis=1)
    return ols_sensitivity(d["peacefactor"], X, "directlyharmed", {"female": ["female"]},
                           k=(1, 2, 3))


def test_darfur_statistics_as_published(darfur):
    r = darfur
    # R sensemakr: Coef. estimate 0.09732, Standard Error 0.02326, t-value 4.18445,
    # partial R2 0.02187, RV q=1 0.13878, RV q=1 alpha=0.05 0.07626 (df 783)
    assert r.df == 783
    assert r.estimate == pytest.approx(0.09732, abs=5e-6)
    assert r.se == pytest.approx(0.02326, abs=5e-6)
    assert r.t == pytest.approx(4.18445, abs=5e-6)
    assert r.partial_r2 == pytest.approx(0.02187, abs=5e-6)
    assert r.rv_q == pytest.approx(0.13878, abs=5e-6)
    assert r.rv_qa == pytest.approx(0.07626, abs=5e-6)
    # the paper's rounding
    assert (round(r.estimate, 3), round(r.se, 3), round(r.t, 2)) == (0.097, 0.023, 4.18)
    assert (round(100 * r.partial_r2, 1), round(100 * r.rv_q, 1), round(100 * r.rv_qa, 1)) \
        == (2.2, 13.9, 7.6)


def test_darfur_female_bounds_as_published(darfur):
    b = darfur.benchmarks
    # R sensemakr's bounds table for 1x, 2x, 3x female (4 decimals)
    published = {
        "r2dz_x": [0.0092, 0.0183, 0.0275],
        "r2yz_dx": [0.1246, 0.2493, 0.3741],
        "adjusted_estimate": [0.0752, 0.0529, 0.0304],
        "adjusted_se": [0.0219, 0.0204, 0.0187],
        "adjusted_t": [3.4389, 2.6002, 1.6281],
    }
    for col, values in published.items():
        np.testing.assert_allclose(b[col].to_numpy(float), values, atol=5e-5, err_msg=col)
    # the paper's table: R²_{Y~Z|X,D} 12 %, R²_{D~Z|X} 1 % for 1x female
    assert round(100 * b.loc[0, "r2yz_dx"]) == 12 and round(100 * b.loc[0, "r2dz_x"]) == 1
    assert (b["note"] == "").all()


def test_summary_statistics_route():
    """From the published t-values only (as a reader of the paper can): directlyharmed
    t = 4.18445 on 783 df; female t = -9.789 in the outcome and -2.680 in the treatment
    regression."""
    assert partial_r2(4.18445, 783) == pytest.approx(0.02187, abs=5e-6)
    assert robustness_value(4.18445, 783) == pytest.approx(0.13878, abs=5e-6)
    assert robustness_value(4.18445, 783, alpha=0.05) == pytest.approx(0.07626, abs=5e-6)
    dz, yz, ok = benchmark_bounds(partial_r2(-2.680, 783), partial_r2(-9.789, 783), [1, 2, 3])
    assert ok.all()
    np.testing.assert_allclose(dz, [0.0092, 0.0183, 0.0275], atol=1e-4)
    np.testing.assert_allclose(yz, [0.1246, 0.2493, 0.3741], atol=2e-4)


@pytest.mark.parametrize("t,df", [(4.18445, 783), (2.5, 40), (-3.1, 200), (12.0, 30)])
def test_robustness_value_identities(t, df):
    """A confounder with both partial R² equal to RV_q=1 brings the estimate exactly to zero;
    one at RV_{q=1,α} (binding case) brings the adjusted t exactly to the critical value."""
    est, se = t * 0.1, 0.1
    rv = robustness_value(t, df)
    assert adjusted_estimate(est, se, df, rv, rv) == pytest.approx(0.0, abs=1e-12)
    rva = float(robustness_value(t, df, alpha=0.05))
    fq = abs(t) / np.sqrt(df)
    f_crit = stats.t.ppf(0.975, df - 1) / np.sqrt(df - 1)
    if fq > 1 / f_crit:  # the constraint r2yz_dx <= 1 binds: the closed form of that case
        assert rva == pytest.approx((fq ** 2 - f_crit ** 2) / (1 + fq ** 2), rel=1e-12)
    else:
        adj_t = adjusted_estimate(est, se, df, rva, rva) / adjusted_se(se, df, rva, rva)
        assert abs(adj_t) == pytest.approx(stats.t.ppf(0.975, df - 1), rel=1e-9)
    # not significant to begin with: RV_{q,alpha} is 0
    assert robustness_value(1.0, 100, alpha=0.05) == 0.0


def test_impossible_multiple_is_not_estimable():
    dz, yz, ok = benchmark_bounds(0.4, 0.1, [1, 2, 3])
    assert ok.tolist() == [True, False, False]
    assert np.isnan(dz[1]) and np.isnan(yz[2])


def _change_frame(seed=5, n=240):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c", "d"], n)
    base = rng.normal(5, 1.5, n)
    hb = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * (base - 5) + (group == "b"))))).astype(int)
    change = 0.6 * hb - 0.3 * (base - 5) + 0.5 * (group == "c") + rng.normal(0, 1, n)
    return pd.DataFrame({
        "client_id": [f"{i:07d}" for i in range(n)], "arm": np.where(hb, "HB", "Verrokki"),
        "pilot": rng.choice(["P1", "P2"], n), "client_group": group, "sex": "x",
        "age_group": "y", "worker": [f"01-{i % 12:02d}" for i in range(n)],
        "baseline": base, "end": base + change, "change": change,
        "outcome": "kykyviisari_total"})


def test_change_score_regression_and_group_benchmark():
    f = _change_frame()
    r = confounding_sensitivity(f)
    # the regression: change ~ HB + pilot + client group + baseline (constant sex/age left out)
    Z = pd.get_dummies(f[["pilot", "client_group"]], drop_first=True, dtype=float)
    X = sm.add_constant(pd.concat([f["arm"].eq("HB").astype(float).rename("HB"), Z,
                                   f["baseline"]], axis=1))
    fit = sm.OLS(f["change"], X).fit()
    assert r.estimate == pytest.approx(fit.params["HB"], rel=1e-10)
    assert r.se == pytest.approx(fit.bse["HB"], rel=1e-10)
    assert r.df == fit.df_resid
    assert r.n == {"HB": int(f["arm"].eq("HB").sum()), "Verrokki": int(f["arm"].ne("HB").sum())}
    # the client-group benchmark is its three dummies jointly: partial R² = F p / (F p + df)
    cols = [c for c in Z.columns if c.startswith("client_group")]
    ft = fit.f_test(np.eye(len(X.columns))[[list(X.columns).index(c) for c in cols]])
    r2y = float(ft.fvalue) * 3 / (float(ft.fvalue) * 3 + fit.df_resid)
    g = r.benchmarks[r.benchmarks["covariate"] == "client_group"]
    assert g["n_columns"].tolist() == [3, 3, 3]
    assert g["r2yxj_dx"].iloc[0] == pytest.approx(r2y, rel=1e-9)
    treat = sm.OLS(X["HB"], X.drop(columns="HB")).fit()
    ftd = treat.f_test(np.eye(X.shape[1] - 1)[[list(X.drop(columns="HB").columns).index(c)
                                               for c in cols]])
    r2d = float(ftd.fvalue) * 3 / (float(ftd.fvalue) * 3 + treat.df_resid)
    assert g["r2dxj_x"].iloc[0] == pytest.approx(r2d, rel=1e-9)
    # the baseline benchmark is one column: its partial R² from its t-value
    b = r.benchmarks[r.benchmarks["covariate"] == "baseline"]
    assert b["r2yxj_dx"].iloc[0] == pytest.approx(
        partial_r2(fit.tvalues["baseline"], fit.df_resid), rel=1e-9)
    assert b["k"].tolist() == [1.0, 2.0, 3.0]
    # results block
    res = r.to_results()
    assert set(res) >= {"outcome", "estimate", "se", "t", "df", "partial_r2", "rv_q1",
                        "rv_q1_alpha05", "benchmarks"}
    assert res["outcome"] == "kykyviisari_total"
    assert set(res["benchmarks"][0]) >= {"covariate", "k", "r2dz_x", "r2yz_dx",
                                         "adjusted_estimate"}
    grid = r.contour_grid(n=11)
    assert len(grid) == 121 and grid["adjusted_estimate"].iloc[0] == pytest.approx(r.estimate)


def test_demo_adjusted_did_matches(demo_dataset):
    from hb_eval.outcomes.did import did_adjusted
    from hb_eval.outcomes.scores import change_frame, score_all

    cf = change_frame(score_all(demo_dataset), demo_dataset.clients, "kykyviisari_total")
    r = confounding_sensitivity(cf)
    adj = did_adjusted(cf)
    assert r.estimate == pytest.approx(adj.loc[0, "estimate"], rel=1e-10)
    assert set(r.benchmarks["covariate"]) == {"baseline", "client_group"}
    assert 0 < r.rv_qa < r.rv_q < 1


def test_collinear_columns_left_out_as_lm_does():
    from hb_eval.errors import HbEvalError

    rng = np.random.default_rng(2)
    n = 120
    X = pd.DataFrame({"const": 1.0, "HB": (rng.random(n) < 0.5).astype(float),
                      "a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = 0.5 * X["HB"] + X["a"] + rng.normal(size=n)
    ref = ols_sensitivity(y, X, "HB", {"a": ["a"]})
    X2 = X.assign(a_twice=2 * X["a"] - X["b"])           # a linear combination of earlier ones
    r = ols_sensitivity(y, X2, "HB", {"a": ["a"]})
    assert r.estimate == pytest.approx(ref.estimate, rel=1e-10)
    assert r.df == ref.df and "a_twice" in r.notes[0]
    with pytest.raises(HbEvalError, match="not identified"):
        ols_sensitivity(y, X.assign(HB=X["const"] - 0 * X["a"]), "HB")
