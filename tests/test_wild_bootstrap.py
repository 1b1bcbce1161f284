"""Wild cluster bootstrap: full enumeration against a brute-force refit, null calibration."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm

from hb_eval.stats.wild_bootstrap import WEBB, weight_matrix, wild_cluster_bootstrap


def _data(rng, G=5, m=6, effect=0.0):
    cl = np.repeat(np.arange(G), m)
    x = rng.normal(size=G * m)
    d = (rng.random(G * m) < 0.5).astype(float)
    y = 1 + effect * d + 0.5 * x + rng.normal(size=G)[cl] + rng.normal(size=G * m)
    return np.column_stack([np.ones(G * m), d, x]), y, cl


def _brute_force_p(X, y, cl, j, r=0.0):
    """Refit with statsmodels for every Rademacher sign vector (the definition of WCR)."""
    G = cl.max() + 1
    X0 = np.delete(X, j, axis=1)
    yr = y - r * X[:, j]
    restricted = sm.OLS(yr, X0).fit()
    fitted, u = restricted.fittedvalues + r * X[:, j], restricted.resid
    orig = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    t0 = (orig.params[j] - r) / orig.bse[j]
    ts = []
    for signs in itertools.product((1.0, -1.0), repeat=G):
        ystar = fitted + u * np.asarray(signs)[cl]
        f = sm.OLS(ystar, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
        ts.append((f.params[j] - r) / f.bse[j])
    return np.mean(np.abs(ts) >= abs(t0) - 1e-10)


@pytest.mark.parametrize("r", [0.0, 0.8])
def test_full_enumeration_equals_brute_force(r):
    rng = np.random.default_rng(11)
    X, y, cl = _data(rng, G=5, effect=0.6)
    res = wild_cluster_bootstrap(X, y, cl, coef=1, reps=999, weights="rademacher",
                                 null=r, ci=False)
    assert res.enumerated and res.reps == 32
    assert res.p == pytest.approx(_brute_force_p(X, y, cl, 1, r), abs=1e-12)


def test_webb_weights_and_auto_choice():
    v, name, enum = weight_matrix(8, 2000, "auto", seed=1)
    assert name == "webb" and not enum and v.shape == (2000, 8)
    assert set(np.round(np.unique(v), 12)) == set(np.round(WEBB, 12))
    assert v.var() == pytest.approx(1.0, abs=0.03)
    v2, name2, _ = weight_matrix(14, 100, "auto", seed=1)
    assert name2 == "rademacher" and set(np.unique(v2)) == {-1.0, 1.0}


def test_seeded_and_interval_consistent_with_test():
    rng = np.random.default_rng(12)
    X, y, cl = _data(rng, G=9, effect=1.0)
    a = wild_cluster_bootstrap(X, y, cl, 1, reps=399, seed=3)
    b = wild_cluster_bootstrap(X, y, cl, 1, reps=399, seed=3)
    assert (a.p, a.ci_low, a.ci_high) == (b.p, b.ci_low, b.ci_high)
    assert a.ci_low < a.estimate < a.ci_high
    # the ends are where the test starts rejecting at 5 %
    inside = wild_cluster_bootstrap(X, y, cl, 1, reps=399, seed=3, ci=False,
                                    null=a.ci_low + 1e-3 * (a.estimate - a.ci_low))
    outside = wild_cluster_bootstrap(X, y, cl, 1, reps=399, seed=3, ci=False,
                                     null=a.ci_low - 0.05 * (a.estimate - a.ci_low))
    assert inside.p > 0.05 >= outside.p


def test_cr2_t_variant_runs_and_differs_in_name():
    rng = np.random.default_rng(13)
    X, y, cl = _data(rng, G=12)
    res = wild_cluster_bootstrap(X, y, cl, 1, reps=199, se_type="CR2", seed=1)
    assert res.se_type == "CR2" and 0 < res.p <= 1


def test_pvalue_roughly_uniform_under_null():
    rng = np.random.default_rng(14)
    ps = []
    for _ in range(150):
        X, y, cl = _data(rng, G=10, m=5, effect=0.0)
        ps.append(wild_cluster_bootstrap(X, y, cl, 1, reps=199, seed=rng, ci=False).p)
    ps = np.array(ps)
    assert 0.01 <= np.mean(ps < 0.05) <= 0.12
    assert 0.4 <= np.mean(ps < 0.5) <= 0.6


# -- Webb enumeration (issue 21) --------------------------------------------------------------
def _brute_force_webb_p(X, y, cl, j, r=0.0):
    """Refit with statsmodels for every one of the 6^G Webb vectors (the definition of WCR)."""
    G = cl.max() + 1
    X0 = np.delete(X, j, axis=1)
    restricted = sm.OLS(y - r * X[:, j], X0).fit()
    fitted, u = restricted.fittedvalues + r * X[:, j], restricted.resid
    orig = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    t0 = (orig.params[j] - r) / orig.bse[j]
    ts = []
    for v in itertools.product(WEBB, repeat=G):
        f = sm.OLS(fitted + u * np.asarray(v)[cl], X).fit(cov_type="cluster",
                                                           cov_kwds={"groups": cl})
        ts.append((f.params[j] - r) / f.bse[j])
    return np.mean(np.abs(ts) >= abs(t0) - 1e-10)


def test_webb_enumeration_equals_brute_force_over_all_216_vectors():
    rng = np.random.default_rng(21)
    X, y, cl = _data(rng, G=3, m=8, effect=0.7)
    res = wild_cluster_bootstrap(X, y, cl, coef=1, weights="webb", seed=1)
    assert res.enumerated and res.reps == 6 ** 3 and res.weights == "webb"
    for r in (0.0, 0.5, res.estimate + 0.3):
        p = wild_cluster_bootstrap(X, y, cl, 1, weights="webb", null=r, ci=False).p
        assert p == pytest.approx(_brute_force_webb_p(X, y, cl, 1, r), abs=1e-12)
    # the interval's ends are where the brute-force test starts rejecting at 5 %
    width = res.ci_high - res.ci_low
    for end, out in ((res.ci_low, -1), (res.ci_high, 1)):
        if np.isfinite(end):
            assert _brute_force_webb_p(X, y, cl, 1, end - out * 1e-3 * width) > 0.05
            assert _brute_force_webb_p(X, y, cl, 1, end + out * 1e-3 * width) <= 0.05


def test_webb_enumeration_ignores_the_seed_and_chunks():
    from hb_eval.stats import wild_bootstrap as wb

    rng = np.random.default_rng(22)
    X, y, cl = _data(rng, G=6, m=7, effect=0.8)
    a = wild_cluster_bootstrap(X, y, cl, 1, seed=1)
    b = wild_cluster_bootstrap(X, y, cl, 1, seed=987654)
    assert a.enumerated and a.reps == 46_656 and a.weights == "webb"
    assert (a.p, a.ci_low, a.ci_high) == (b.p, b.ci_low, b.ci_high)
    # drawn weights move with the seed (what enumeration removes)
    d1 = wild_cluster_bootstrap(X, y, cl, 1, reps=999, seed=1, full_enumeration=False)
    d2 = wild_cluster_bootstrap(X, y, cl, 1, reps=999, seed=2, full_enumeration=False)
    assert not d1.enumerated and d1.ci_low != d2.ci_low
    # chunk by chunk gives the same answer as one block
    w = wb.wild_weights(6, 0, "webb")
    full = w.matrix()
    assert full.shape == (46_656, 6)
    assert np.array_equal(full, np.array(list(itertools.product(WEBB, repeat=6))))
    assert np.array_equal(np.concatenate(list(w.chunks(elements=1000))), full)


def test_seven_clusters_enumerate_279936_vectors_in_chunks():
    rng = np.random.default_rng(23)
    X, y, cl = _data(rng, G=7, m=5, effect=0.5)
    res = wild_cluster_bootstrap(X, y, cl, 1, ci=False)
    assert res.enumerated and res.reps == 6 ** 7
    from hb_eval.stats.wild_bootstrap import CHUNK_ELEMENTS, wild_weights

    biggest = max(len(c) for c in wild_weights(7, 0, "webb").chunks())
    assert biggest * 7 <= CHUNK_ELEMENTS
    X8, y8, cl8 = _data(rng, G=8, m=5, effect=0.5)
    eight = wild_cluster_bootstrap(X8, y8, cl8, 1, reps=9999, ci=False, seed=1)
    assert not eight.enumerated and eight.reps == 9999
