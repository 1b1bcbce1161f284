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
