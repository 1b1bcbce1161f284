"""Doubly robust DiD: equals plain DiD without covariates; double robustness in simulation."""
from __future__ import annotations

import warnings

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


# -- trimming as the reference implementation (DRDID / drdid) --------------------------------
def _hand_dr_did(dy, d, X, trim_level=0.995):
    """Sant'Anna & Zhao's traditional DR DiD written out: logit, OLS on the comparison
    clients, comparison clients with ps >= trim_level left out of the weighted mean."""
    with warnings.catch_warnings():  # the demo has a level seen only among comparison
        warnings.simplefilter("ignore")  # clients: its score tends to 0 (weight 0 either way)
        ps = sm.Logit(d, X).fit(disp=0, maxiter=200).predict(X)
    ctrl = d == 0
    beta = np.linalg.lstsq(X[ctrl], dy[ctrl], rcond=None)[0]
    r = dy - X @ beta
    keep = ctrl & (ps < trim_level)
    w = ps[keep] / (1 - ps[keep])
    return r[d == 1].mean() - np.sum(w * r[keep]) / w.sum(), int(np.sum(ctrl & ~keep))


def _confounded(seed=13, n=400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 2.8 * x)))).astype(float)
    dy = 1 + x + 0.7 * d + rng.normal(size=n)
    return _frame(dy, d, x=x)


def test_default_trimming_equals_drdid_reference_values():
    """drdid 1.1.7 (``drdid._estimators.drdid_panel``, trim_level 0.995) on these seeded data
    gives ATT 0.5791365915502777 and sd(IF)/sqrt(n) 0.19980613062730604; one comparison client
    has ps >= 0.995 and is dropped."""
    f = _confounded()
    r = dr_did(f, covariates=("x",), cluster=None)
    assert r.loc[0, "estimate"] == pytest.approx(0.5791365915502777, abs=1e-10)
    assert r.loc[0, "se"] == pytest.approx(0.19980613062730604, rel=1e-8)
    assert r.loc[0, "n_trimmed"] == 1
    assert r.loc[0, "ps_trim_method"] == "drdid"
    assert r.loc[0, "n_HB"] + r.loc[0, "n_Verrokki"] == 400  # counted, never removed
    x = np.column_stack([np.ones(len(f)), f["x"].to_numpy()])
    att, n_trim = _hand_dr_did(f["change"].to_numpy(), (f["arm"] == "HB").to_numpy(float), x)
    assert r.loc[0, "estimate"] == pytest.approx(att, abs=1e-8)
    assert n_trim == 1
    # the old clipping is still there, and differs here
    old = dr_did(f, covariates=("x",), cluster=None, ps_trim=(0.01, 0.99))
    assert old.loc[0, "ps_trim_method"] == "clip"
    assert old.loc[0, "n_trimmed"] > 1
    assert abs(old.loc[0, "estimate"] - r.loc[0, "estimate"]) > 1e-3


def test_default_trimming_equals_hand_estimator_on_demo(demo_dataset):
    from hb_eval.outcomes.did import DEFAULT_COVARIATES, complete_pairs, covariate_design
    from hb_eval.outcomes.scores import change_frame, score_all

    cf = change_frame(score_all(demo_dataset), demo_dataset.clients, "kykyviisari_total")
    r = dr_did(cf)
    f = complete_pairs(cf)
    x = np.column_stack([np.ones(len(f)), covariate_design(f, DEFAULT_COVARIATES).to_numpy(float)])
    att, n_trim = _hand_dr_did(f["change"].to_numpy(float), f["hb"].to_numpy(float), x)
    assert r.loc[0, "estimate"] == pytest.approx(att, abs=1e-8)
    assert r.loc[0, "n_trimmed"] == n_trim


def test_config_chooses_the_trimming():
    from hb_eval.config import AnalysisConfig
    from hb_eval.outcomes.analysis import dr_did_ps_trim

    assert AnalysisConfig().dr_did_trim == "drdid"
    assert dr_did_ps_trim(AnalysisConfig()) is None
    assert dr_did_ps_trim(AnalysisConfig(dr_did_trim="clip", ps_trim=(0.05, 0.95))) == (0.05, 0.95)
