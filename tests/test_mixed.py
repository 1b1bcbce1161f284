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
