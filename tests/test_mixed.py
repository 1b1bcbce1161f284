"""Mixed model: the HB x loppu interaction is recovered from data simulated from the model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.outcomes.mixed import mixed_did


def simulate_long(seed, n_workers=16, per_worker=10, effect=0.8, sd_w=0.5, sd_c=1.0,
                  sd_e=0.7, p_missing=0.1):
    rng = np.random.default_rng(seed)
    rows = []
    means = {"alku": 5.0, "väli": 5.2, "loppu": 5.4}
    for w in range(n_workers):
        hb = w % 2 == 0
        uw = rng.normal(0, sd_w)
        for i in range(per_worker):
            uc = rng.normal(0, sd_c)
            for wave, mu in means.items():
                if wave != "alku" and rng.random() < p_missing:
                    continue
                shift = hb * (0.3 + {"alku": 0, "väli": effect / 2, "loppu": effect}[wave])
                rows.append({"client_id": f"{w:02d}{i:05d}", "arm": "HB" if hb else "Verrokki",
                             "worker": f"{w % 6 + 1:02d}-{w:02d}", "wave": wave,
                             "score": mu + shift + uw + uc + rng.normal(0, sd_e)})
    f = pd.DataFrame(rows)
    f["wave"] = pd.Categorical(f["wave"], ["alku", "väli", "loppu"], ordered=True)
    return f


def test_interaction_recovered_and_variance_components():
    long = simulate_long(1, n_workers=20, per_worker=12)
    out = mixed_did(long)
    r = out.iloc[0]
    assert bool(r["converged"])
    assert r["ci_low"] < 0.8 < r["ci_high"]
    assert r["estimate"] == pytest.approx(0.8, abs=3 * r["se"])
    assert r["var_client"] == pytest.approx(1.0, rel=0.35)
    assert r["var_residual"] == pytest.approx(0.49, rel=0.2)
    assert r["n_obs"] == len(long) and r["n_clusters"] == 20


def test_coverage_small_simulation():
    hits = []
    for s in range(12):
        r = mixed_did(simulate_long(100 + s, n_workers=12, per_worker=8)).iloc[0]
        hits.append(r["ci_low"] <= 0.8 <= r["ci_high"])
    assert np.mean(hits) >= 0.75


def test_complete_balanced_two_waves_equals_did():
    # With only alku and loppu, every client complete, the interaction is exactly the
    # difference of mean changes (the random intercepts cancel in the balanced design).
    long = simulate_long(2, p_missing=0.0)
    long = long[long["wave"] != "väli"]
    r = mixed_did(long).iloc[0]
    w = long.pivot_table(index=["client_id", "arm"], columns="wave", values="score",
                         observed=True).reset_index()
    ch = (w["loppu"] - w["alku"]).groupby(w["arm"]).mean()
    assert r["estimate"] == pytest.approx(ch["HB"] - ch["Verrokki"], abs=1e-6)


def test_direct_design_equals_statsmodels_formula_interface():
    import statsmodels.formula.api as smf
    long = simulate_long(3, n_workers=10, per_worker=6)
    ours = mixed_did(long).iloc[0]
    d = long.assign(hb=(long["arm"] == "HB").astype(float),
                    vali=(long["wave"] == "väli").astype(float),
                    loppu=(long["wave"] == "loppu").astype(float))
    d["hb_vali"], d["hb_loppu"] = d["hb"] * d["vali"], d["hb"] * d["loppu"]
    ref = smf.mixedlm("score ~ hb + vali + loppu + hb_vali + hb_loppu", d, groups="worker",
                      re_formula="1", vc_formula={"client": "0 + C(client_id)"}).fit(reml=True)
    assert ours["estimate"] == pytest.approx(ref.fe_params["hb_loppu"], abs=1e-5)
    assert ours["se"] == pytest.approx(ref.bse_fe["hb_loppu"], rel=1e-3)


def _no_worker_variance(seed):
    """Data whose worker variance is 0 by construction: each worker's mean residual (score
    minus its arm x wave mean) is removed, so worker means differ less than clients alone
    would make them and the REML estimate of the worker variance is at its boundary."""
    long = simulate_long(seed, n_workers=12, per_worker=8, sd_w=0.0, p_missing=0.0)
    cell = long.groupby(["arm", "wave"], observed=True)["score"].transform("mean")
    resid = long["score"] - cell
    return long.assign(score=long["score"] - resid.groupby(long["worker"]).transform("mean"))


def test_singular_fit_named_as_such_not_as_non_convergence():
    import warnings

    import statsmodels.api as sm

    long = _no_worker_variance(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is warned for a fit that is fine
        r = mixed_did(long).iloc[0]
    assert r["var_worker"] < 1e-6 * r["var_residual"]
    assert bool(r["singular"]) and bool(r["converged"])
    assert r["note"] == "worker variance estimated at 0 (singular fit)"
    assert "converge" not in r["note"]
    # the same fit as the model without the worker level (lme4's reading of a singular fit)
    d = long.assign(hb=(long["arm"] == "HB").astype(float),
                    vali=(long["wave"] == "väli").astype(float),
                    loppu=(long["wave"] == "loppu").astype(float))
    d["hb_vali"], d["hb_loppu"] = d["hb"] * d["vali"], d["hb"] * d["loppu"]
    exog = sm.add_constant(d[["hb", "vali", "loppu", "hb_vali", "hb_loppu"]])
    ref = sm.MixedLM(d["score"], exog, groups=d["client_id"]).fit(reml=True)
    assert r["estimate"] == pytest.approx(ref.fe_params["hb_loppu"], abs=1e-4)
    assert r["se"] == pytest.approx(ref.bse_fe["hb_loppu"], rel=1e-3)
    assert r["var_client"] == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-3)


def test_regular_fit_is_not_singular():
    r = mixed_did(simulate_long(1, n_workers=20, per_worker=12)).iloc[0]
    assert not bool(r["singular"]) and bool(r["converged"]) and r["note"] == ""
    assert r["var_worker"] > 0.05
