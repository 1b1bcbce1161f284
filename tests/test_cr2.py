"""CR2 against statsmodels' HC2, a hand-worked balanced-cluster case, and Welch's df."""
from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from hb_eval.stats.cr2 import ols_cluster


def _design(rng, n):
    x1 = rng.normal(size=n)
    d = (rng.random(n) < 0.4).astype(float)
    X = np.column_stack([np.ones(n), d, x1])
    y = 1 + 0.5 * d + 0.3 * x1 + rng.normal(size=n) * (1 + d)
    return X, y


def test_singleton_clusters_equal_statsmodels_hc2():
    rng = np.random.default_rng(1)
    X, y = _design(rng, 60)
    ours = ols_cluster(X, y, cluster=np.arange(60), se_type="CR2")
    sm_fit = sm.OLS(y, X).fit(cov_type="HC2")
    np.testing.assert_allclose(ours.coef, sm_fit.params, atol=1e-10)
    np.testing.assert_allclose(ours.vcov, sm_fit.cov_params(), atol=1e-10)
    hc2 = ols_cluster(X, y, cluster=None, se_type="HC2")
    np.testing.assert_allclose(hc2.vcov, sm_fit.cov_params(), atol=1e-10)


def test_weighted_singletons_equal_statsmodels_wls_hc2():
    rng = np.random.default_rng(2)
    X, y = _design(rng, 50)
    w = rng.uniform(0.5, 2, 50)
    ours = ols_cluster(X, y, cluster=None, weights=w, se_type="HC2")
    sm_fit = sm.WLS(y, X, weights=w).fit(cov_type="HC2")
    np.testing.assert_allclose(ours.coef, sm_fit.params, atol=1e-10)
    np.testing.assert_allclose(ours.vcov, sm_fit.cov_params(), atol=1e-10)


def test_cr1_equals_statsmodels_cluster():
    rng = np.random.default_rng(3)
    X, y = _design(rng, 80)
    cl = rng.integers(0, 9, 80)
    ours = ols_cluster(X, y, cluster=cl, se_type="CR1")
    sm_fit = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    np.testing.assert_allclose(ours.vcov, sm_fit.cov_params(), rtol=1e-10)


def test_balanced_clusters_cluster_level_treatment_hand_case():
    # Balanced clusters of size m, treatment constant within cluster: CR2 of the difference
    # in means is the two-sample (unequal-variance) variance of the cluster means,
    # s1^2/G1 + s0^2/G0, and the df is Welch's formula in G1, G0 with equal variances.
    rng = np.random.default_rng(4)
    G1, G0, m = 4, 6, 5
    cl = np.repeat(np.arange(G1 + G0), m)
    d = (cl < G1).astype(float)
    y = rng.normal(size=len(cl)) + rng.normal(size=G1 + G0)[cl] + 0.7 * d
    X = np.column_stack([np.ones_like(d), d])
    fit = ols_cluster(X, y, cluster=cl)
    means = np.array([y[cl == g].mean() for g in range(G1 + G0)])
    m1, m0 = means[:G1], means[G1:]
    var_hand = m1.var(ddof=1) / G1 + m0.var(ddof=1) / G0
    res = fit.contrast(1)
    assert res["estimate"] == pytest.approx(m1.mean() - m0.mean(), abs=1e-12)
    assert res["se"] ** 2 == pytest.approx(var_hand, rel=1e-10)
    df_hand = (1 / G1 + 1 / G0) ** 2 / (1 / (G1 ** 2 * (G1 - 1)) + 1 / (G0 ** 2 * (G0 - 1)))
    assert res["df"] == pytest.approx(df_hand, rel=1e-10)


def test_df_difference_in_means_is_welch_satterthwaite():
    # Single-observation clusters, difference in means. HC2 variance = s1^2/n1 + s0^2/n0 and
    # the Bell-McCaffrey df is the Welch-Satterthwaite df evaluated at the working model's
    # equal variances; with equal sample variances it is exactly scipy's Welch df.
    n1, n0 = 7, 12
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=n1), rng.normal(size=n0)
    a = (a - a.mean()) / a.std(ddof=1)          # equal sample variances (=1)
    b = (b - b.mean()) / b.std(ddof=1) + 0.4
    y = np.concatenate([a, b])
    d = np.r_[np.ones(n1), np.zeros(n0)]
    fit = ols_cluster(np.column_stack([np.ones_like(d), d]), y, cluster=None, se_type="HC2")
    res = fit.contrast(1)
    s1, s0 = 1.0, 1.0
    welch_df = (s1 / n1 + s0 / n0) ** 2 / ((s1 / n1) ** 2 / (n1 - 1) + (s0 / n0) ** 2 / (n0 - 1))
    assert res["df"] == pytest.approx(welch_df, rel=1e-10)
    assert res["se"] ** 2 == pytest.approx(1 / n1 + 1 / n0, rel=1e-10)
    from scipy import stats
    t = stats.ttest_ind(a, b, equal_var=False)
    assert res["p"] == pytest.approx(t.pvalue, rel=1e-9)


def test_cr2_differs_from_cr1_and_shrinks_bias_with_few_clusters():
    # Under homoscedastic iid errors CR2 is exactly unbiased (its defining property): the
    # average CR2 variance over many draws matches the true OLS variance sigma^2 (X'X)^-1.
    rng = np.random.default_rng(6)
    cl = np.repeat(np.arange(8), [3, 5, 2, 6, 4, 3, 5, 4])
    n = len(cl)
    X = np.column_stack([np.ones(n), (cl % 2 == 0).astype(float), rng.normal(size=n)])
    true = np.linalg.inv(X.T @ X)[1, 1]
    v2, v1 = [], []
    for _ in range(400):
        y = rng.normal(size=n)
        v2.append(ols_cluster(X, y, cluster=cl).vcov[1, 1])
        v1.append(ols_cluster(X, y, cluster=cl, se_type="CR0").vcov[1, 1])
    assert np.mean(v2) == pytest.approx(true, rel=0.08)
    assert np.mean(v1) < 0.9 * true
