"""CR2 with clusters of equal size stacked (one batched eigh) equals the per-cluster form."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.stats import cr2


def _per_cluster(X, y, cluster, weights, contrast):
    """CR2 written out one cluster at a time, as in Pustejovsky & Tipton (2018)."""
    sw = np.ones(len(y)) if weights is None else np.sqrt(weights)
    Xw, yw = X * sw[:, None], y * sw
    M = np.linalg.pinv(Xw.T @ Xw)
    e = yw - Xw @ (M @ (Xw.T @ yw))
    groups = [np.flatnonzero(cluster == g) for g in np.unique(cluster)]
    adjust = [cr2._inv_sqrt_psd(np.eye(len(i)) - Xw[i] @ M @ Xw[i].T) for i in groups]
    scores = np.array([Xw[i].T @ (A @ e[i]) for i, A in zip(groups, adjust)])
    vcov = M @ scores.T @ scores @ M
    mc = M @ contrast
    Q = np.zeros((len(y), len(groups)))
    for g, (i, A) in enumerate(zip(groups, adjust)):
        u = A @ (Xw[i] @ mc)
        Q[:, g] = -Xw @ (M @ (Xw[i].T @ u))
        Q[i, g] += u
    B = Q.T @ Q
    return vcov, np.trace(B) ** 2 / np.sum(B * B)


@pytest.mark.parametrize("seed, weighted", [(0, False), (1, True), (2, False), (3, True)])
def test_batched_cr2_equals_per_cluster_on_unbalanced_clusters(seed, weighted):
    rng = np.random.default_rng(seed)
    G = 60
    sizes = rng.choice([1, 1, 2, 3, 5, 8, 13], size=G)       # unbalanced, several of each size
    cluster = np.repeat(rng.permutation(G), sizes)[rng.permutation(sizes.sum())]
    n = len(cluster)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.4,
                         np.isin(cluster, np.arange(5))])     # a cluster-level dummy
    y = X @ np.array([1.0, 0.5, -0.3, 0.8]) + rng.normal(size=n) + rng.normal(size=G)[cluster]
    w = rng.random(n) + 0.5 if weighted else None
    fit = cr2.ols_cluster(X, y, cluster=cluster, weights=w, se_type="CR2")
    assert len(fit._batches) >= 5
    for j in range(X.shape[1]):
        c = np.eye(X.shape[1])[j]
        vcov, df = _per_cluster(X, y, cluster, w, c)
        np.testing.assert_allclose(fit.vcov, vcov, rtol=1e-10, atol=1e-14)
        assert fit.df(j) == pytest.approx(df, rel=1e-10)
        assert fit._df_large(fit._M @ c) == pytest.approx(df, rel=1e-10)
    # the per-cluster adjustments kept for the wild bootstrap are the per-cluster ones
    for g, idx in enumerate(fit._index):
        ref = cr2._inv_sqrt_psd(np.eye(len(idx)) - fit._X[idx] @ fit._M @ fit._X[idx].T)
        np.testing.assert_allclose(fit._adjust[g], ref, rtol=1e-10, atol=1e-12)


def test_batched_hc2_equals_statsmodels_hc2():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(7)
    n = 200
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = X @ np.array([0.2, 1.0, -0.5]) + rng.normal(size=n) * (1 + np.abs(X[:, 1]))
    fit = cr2.ols_cluster(pd.DataFrame(X), y, cluster=None, se_type="HC2")
    ref = sm.OLS(y, X).fit(cov_type="HC2")
    np.testing.assert_allclose(fit.vcov, ref.cov_params(), rtol=1e-10)
