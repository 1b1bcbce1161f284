"""Coverage of every estimator on data from the demo generator (hb_eval.demo.simulate).

Each simulation: ``simulate(seed, effect=..., outcomes_only=True)`` -> ``score_items`` ->
``change_frame`` of ``kykyviisari_total`` -> the estimators. The 95 % interval should cover the
planted effect in about 95 % of simulations, and cover zero about 95 % of the time when the
planted effect is zero.

The default run is small so the file stays under a minute (``HB_COVERAGE_SIMS`` simulations
per scenario, default 30; the mixed model on the first ``HB_COVERAGE_MIXED``, default 6; the
wild bootstrap with 99 replicates). The figures in the report come from
``HB_COVERAGE_SIMS=200 HB_COVERAGE_MIXED=50 pytest tests/test_coverage.py -s``.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest

N_SIMS = int(os.environ.get("HB_COVERAGE_SIMS", "30"))
N_MIXED = int(os.environ.get("HB_COVERAGE_MIXED", "6"))
WILD_REPS = 99
ESTIMATORS = ("did", "did_wild", "did_adjusted", "dr_did", "ancova", "mixed")


def _one(seed: int, effect: float, with_mixed: bool) -> list[dict]:
    from hb_eval.demo import simulate
    from hb_eval.outcomes.ancova import ancova
    from hb_eval.outcomes.did import did_2x2, did_adjusted
    from hb_eval.outcomes.dr_did import dr_did
    from hb_eval.outcomes.mixed import mixed_did
    from hb_eval.outcomes.scores import change_frame, long_frame, score_items

    truth = simulate(seed=seed, effect=effect, outcomes_only=True)
    items = truth.items[truth.items["source"].astype(str) != "osallisuus"]
    scores = score_items(items)
    cf = change_frame(scores, truth.clients, "kykyviisari_total")
    rows = []
    d = did_2x2(cf, wild_reps=WILD_REPS, seed=seed).iloc[0]
    rows.append(("did", d["estimate"], d["ci_low"], d["ci_high"]))
    rows.append(("did_wild", d["estimate"], d["wild_ci_low"], d["wild_ci_high"]))
    for name, fun in (("did_adjusted", did_adjusted), ("dr_did", dr_did), ("ancova", ancova)):
        r = fun(cf).iloc[0]
        rows.append((name, r["estimate"], r["ci_low"], r["ci_high"]))
    if with_mixed:
        r = mixed_did(long_frame(scores, truth.clients, "kykyviisari_total")).iloc[0]
        rows.append(("mixed", r["estimate"], r["ci_low"], r["ci_high"]))
    return [{"seed": seed, "truth": truth.effect, "estimator": e, "estimate": est,
             "ci_low": lo, "ci_high": hi} for e, est, lo, hi in rows]


def _study(effect: float) -> pd.DataFrame:
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(N_SIMS):
            rows += _one(5000 + k, effect, k < N_MIXED)
    f = pd.DataFrame(rows)
    f["covers"] = (f["ci_low"] <= f["truth"]) & (f["truth"] <= f["ci_high"])
    return f


def _table(f: pd.DataFrame) -> pd.DataFrame:
    g = f.groupby("estimator", sort=False)
    return pd.DataFrame({"sims": g.size(), "coverage": g["covers"].mean(),
                         "bias": g["estimate"].mean() - g["truth"].mean(),
                         "sd": g["estimate"].std(),
                         "mean_width": (g["ci_high"].mean() - g["ci_low"].mean())})


@pytest.fixture(scope="module")
def studies():
    return {eff: _study(eff) for eff in (0.8, 0.0)}


def _check(tab: pd.DataFrame, what: str) -> None:
    print(f"\n{what} ({N_SIMS} sims; mixed {N_MIXED}):\n", tab.round(4))
    for est in ESTIMATORS:
        cov, n = tab.at[est, "coverage"], tab.at[est, "sims"]
        band = 3 * np.sqrt(0.95 * 0.05 / n)   # three binomial standard errors around 0.95
        assert 0.95 - band <= cov <= 0.95 + band, est
        assert abs(tab.at[est, "bias"]) < 0.1, est


def test_intervals_cover_planted_effect(studies):
    _check(_table(studies[0.8]), "coverage of the planted effect 0.8")


def test_intervals_cover_zero_at_nominal_rate_without_effect(studies):
    _check(_table(studies[0.0]), "coverage of zero with no effect")
