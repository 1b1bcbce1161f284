"""Doubly robust DiD: equals plain DiD without covariates; double robustness in simulation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from hb_eval.outcomes.did import did_2x2
from hb_eval.outcomes.dr_did import dr_did


def _frame(dy, d, x=None, worker=None):
    n = len(dy)
    f = pd.DataFrame({"client_id": [f"{i:07d}" for i in range(n)],
                      "arm": np.where(d == 1, "HB", "Verrokki"),
                      "worker": worker if worker is not None else
                      [f"01-{i % 10:02d}" for i in range(n)],
                      "baseline": np.zeros(n), "end": dy, "change": dy})
    if x is not None:
        f["x"] = x
    return f


def test_intercept_only_equals_plain_did_and_hc0():
    rng = np.random.default_rng(1)
    n = 80
    d = (rng.random(n) < 0.4).astype(float)
    dy = 0.5 * d + rng.normal(size=n) * (1 + d)
    f = _frame(dy, d)
    dr = dr_did(f, covariates=(), cluster=None)
    plain = did_2x2(f, cluster=None, wild_reps=0)
    assert dr.loc[0, "estimate"] == pytest.approx(plain.loc[0, "estimate"], abs=1e-12)
    # the influence-function variance is HC0 of the difference in means times n/(n-1)
    hc0 = sm.OLS(dy, sm.add_constant(d)).fit(cov_type="HC0").bse[1] ** 2
    assert dr.loc[0, "se"] ** 2 == pytest.approx(hc0 * n / (n - 1), rel=1e-10)
    # clustered: the IF summed within workers equals CR1-type sum over clusters
    drc = dr_did(f, covariates=(), cluster="worker")
    G = 10
    ols = sm.OLS(dy, sm.add_constant(d)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(f["worker"])[0],
                                      "use_correction": False})
    assert drc.loc[0, "se"] ** 2 == pytest.approx(ols.bse[1] ** 2 * G / (G - 1), rel=1e-10)


def _sim(seed, case, n=3000, effect=1.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    if case == "or_right_ps_wrong":
        ps = 1 / (1 + np.exp(-(-0.3 + 0.9 * x + 0.6 * x ** 2 - 0.4 * np.abs(x) ** 3 / 2)))
        mu = 1 + 1.5 * x                      # linear in x: OR model correct
    else:  # "ps_right_or_wrong"
        ps = 1 / (1 + np.exp(-(0.2 + 0.9 * x)))  # logit-linear: PS model correct
        mu = 1 + 1.5 * x + 0.8 * x ** 2       # OR fitted linear in x: wrong
    d = (rng.random(n) < ps).astype(float)
    dy = mu + effect * d + rng.normal(size=n)
    return _frame(dy, d, x=x)


@pytest.mark.parametrize("case", ["or_right_ps_wrong", "ps_right_or_wrong"])
def test_doubly_robust_recovers_planted_effect(case):
    est, plain, cover = [], [], []
    for s in range(20):
        f = _sim(s, case)
        r = dr_did(f, covariates=("x",), cluster=None, ps_trim=(0.001, 0.999))
        est.append(r.loc[0, "estimate"])
        cover.append(r.loc[0, "ci_low"] <= 1.0 <= r.loc[0, "ci_high"])
        plain.append(f.loc[f.arm == "HB", "change"].mean() - f.loc[f.arm != "HB", "change"].mean())
    assert np.mean(est) == pytest.approx(1.0, abs=0.05)
    assert abs(np.mean(plain) - 1.0) > 0.5          # the naive DiD is confounded
    assert np.mean(cover) >= 0.8


def test_bootstrap_inference_seeded_and_close_to_if():
    f = _sim(3, "ps_right_or_wrong", n=600)
    f["worker"] = [f"02-{i % 30:02d}" for i in range(len(f))]
    a = dr_did(f, covariates=("x",), inference="bootstrap", reps=2000, seed=1)
    b = dr_did(f, covariates=("x",), inference="bootstrap", reps=2000, seed=1)
    i = dr_did(f, covariates=("x",))
    assert a.loc[0, "se"] == b.loc[0, "se"]
    assert a.loc[0, "se"] == pytest.approx(i.loc[0, "se"], rel=0.15)
    assert a.loc[0, "estimate"] == i.loc[0, "estimate"]
    assert a.loc[0, "se_type"] == "IF-multiplier-bootstrap"


def test_trimming_counts_and_keeps_clients():
    f = _sim(4, "ps_right_or_wrong", n=500)
    r = dr_did(f, covariates=("x",), cluster=None, ps_trim=(0.2, 0.8))
    assert r.loc[0, "n_trimmed"] > 0
    assert r.loc[0, "n_HB"] + r.loc[0, "n_Verrokki"] == 500
