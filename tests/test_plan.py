"""Planning the next phase: statsmodels' power answer times the design effect, by hand."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from statsmodels.stats.power import TTestIndPower

from hb_eval.outcomes.plan import (REPORT_N_PER_ARM, plan_from_inputs, plan_next_phase, pooled_sd,
                          worker_icc)


def test_n_per_arm_is_statsmodels_times_design_effect_over_retention():
    sd, icc, m, att = 1.6, 0.05, 9.0, 0.2
    res = plan_from_inputs(sd, icc, m, att, n_per_arm=(), mde=(0.5, 0.8))
    de = 1 + (9 - 1) * 0.05                                  # 1.4
    for d, row in zip((0.5, 0.8), res.targets.itertuples()):
        n_t = TTestIndPower().solve_power(effect_size=d / 1.6, alpha=0.05, power=0.8,
                                          ratio=1.0, alternative="two-sided")
        # statsmodels stops its root search at ~1e-8 relative; ours is solved to 1e-14
        assert row.n_per_arm_exact == pytest.approx(n_t * 1.4 / 0.8, rel=1e-7)
        assert row.n_per_arm == math.ceil(n_t * de / (1 - att))
    # d = 0.3125: the t-test needs 161.71 per arm -> x 1.4 / 0.8 = 282.99 -> 283
    assert res.targets["n_per_arm"].iloc[0] == 283


def test_mde_uses_the_effective_n():
    sd, icc, m, att = 2.0, 0.1, 6.0, 0.25
    res = plan_from_inputs(sd, icc, m, att, n_per_arm=(50, 100, 200, 400))
    de = 1 + 5 * 0.1
    for row in res.rows.itertuples():
        n_eff = row.n_per_arm * 0.75 / de
        d = TTestIndPower().solve_power(nobs1=n_eff, alpha=0.05, power=0.8, ratio=1.0,
                                        alternative="two-sided")
        assert row.effective_per_arm == pytest.approx(n_eff)
        # statsmodels' solve_power stops early (about 3e-6 relative here); ours solves the
        # power equation to machine precision, checked against scipy's noncentral t below
        assert row.mde == pytest.approx(d * 2.0, rel=2e-5)
        assert _nct_power(row.mde_d, n_eff, 0.05) == pytest.approx(0.8, abs=1e-12)
    # round trip: the n for the MDE of 100 per arm is 100
    back = plan_from_inputs(sd, icc, m, att, n_per_arm=(), mde=[res.rows["mde"].iloc[1]])
    assert back.targets["n_per_arm_exact"].iloc[0] == pytest.approx(100, rel=1e-9)
    # settable alpha and power move the answer the right way
    strict = plan_from_inputs(sd, icc, m, att, n_per_arm=(100,), alpha=0.01, power=0.9)
    assert strict.rows["mde"].iloc[0] > res.rows["mde"].iloc[1]
    # a negative ICC counts as zero in the design effect, and the note says so
    neg = plan_from_inputs(sd, -0.02, m, att, n_per_arm=(100,))
    assert neg.design_effect == 1.0 and neg.notes


def test_icc_equals_pingouin_icc1_on_balanced_clusters():
    rng = np.random.default_rng(7)
    G, k = 12, 6
    u = rng.normal(0, 0.6, G)
    y = (u[:, None] + rng.normal(0, 1, (G, k))).ravel()
    g = np.repeat(np.arange(G), k)
    r = worker_icc(y, g)
    long = pd.DataFrame({"target": g, "rater": np.tile(np.arange(k), G), "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin's own pandas deprecations
        ref = pg.intraclass_corr(long, targets="target", raters="rater", ratings="y")
    icc1 = ref[ref["Type"].isin(["ICC1", "ICC(1,1)"])].iloc[0]   # one-way, single
    assert r["icc"] == pytest.approx(icc1["ICC"], rel=1e-10)
    assert r["F"] == pytest.approx(icc1["F"], rel=1e-10)
    lo, hi = icc1["CI95"] if "CI95" in icc1.index else icc1["CI95%"]
    assert r["ci_low"] == pytest.approx(lo, abs=0.006)   # pingouin rounds to 2 decimals
    assert r["ci_high"] == pytest.approx(hi, abs=0.006)
    assert r["n0"] == k


def test_unbalanced_icc_by_hand():
    # clusters of sizes 1, 2, 3: N = 6, n0 = (6 - 14/6) / 2 = 11/6
    y = np.array([1.0, 2.0, 4.0, 3.0, 5.0, 7.0])
    g = np.array([0, 1, 1, 2, 2, 2])
    r = worker_icc(y, g)
    grand = y.mean()                                              # 11/3
    msb = (1 * (1 - grand) ** 2 + 2 * (3 - grand) ** 2 + 3 * (5 - grand) ** 2) / 2
    msw = ((2 - 3) ** 2 + (4 - 3) ** 2 + (3 - 5) ** 2 + (5 - 5) ** 2 + (7 - 5) ** 2) / 3
    n0 = 11 / 6
    assert r["n0"] == pytest.approx(n0)
    assert r["icc"] == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw))
    assert pooled_sd(np.array([1.0, 3.0, 2.0, 6.0]), np.array(["a", "a", "b", "b"])) == \
        pytest.approx(math.sqrt((2 + 8) / 2))


def test_plan_on_demo(demo_dataset):
    from hb_eval.outcomes.scores import change_frame, score_all

    scores = score_all(demo_dataset)
    res = plan_next_phase(scores, demo_dataset.clients, mde=(0.5,))
    cf = change_frame(scores, demo_dataset.clients, "kykyviisari_total")
    assert res.n == {"HB": int((cf["arm"] == "HB").sum()),
                     "Verrokki": int((cf["arm"] == "Verrokki").sum())}
    assert res.clients_per_worker == pytest.approx(len(cf) / cf["worker"].nunique())
    assert 0 < res.attrition < 1 and res.sd_change > 0
    assert res.icc_ci[0] < res.icc < res.icc_ci[1]
    out = res.to_results()
    assert set(out) >= {"sd_change", "icc", "icc_ci", "clients_per_worker", "attrition",
                        "alpha", "power", "rows"}
    assert [r["n_per_arm"] for r in out["rows"]] == list(REPORT_N_PER_ARM)
    mdes = [r["mde"] for r in out["rows"]]
    assert mdes == sorted(mdes, reverse=True)
    assert "clients per arm" in res.summary()
    curve = res.curve(points=10)
    assert curve["mde"].is_monotonic_decreasing


def test_cli_plan(demo_config_path, capsys, tmp_path):
    from hb_eval.cli import main

    fig = tmp_path / "plan.png"
    assert main(["plan", str(demo_config_path), "--n-per-arm", "50", "--n-per-arm", "150",
                 "--mde", "0.4", "--figure", str(fig)]) == 0
    out = capsys.readouterr().out
    assert "150" in out and "ICC" in out
    assert fig.stat().st_size > 1000
    assert main(["plan", str(demo_config_path), "--json", "--power", "0.9"]) == 0
    import json

    block = json.loads(capsys.readouterr().out)
    assert block["power"] == 0.9 and len(block["rows"]) == 4


# -- the MDE is the positive root (issue 21) ------------------------------------------------
# The demo's planning inputs: statsmodels' solve_power returned the mirror root -d at 451, 457,
# 464, 473, 475 and 487 clients per arm (MDE -0.31 points).
DEMO_INPUTS = dict(sd=0.8950095812, icc=0.2250930626, m=8.033333333, att=0.2445141066)


def _nct_power(d: float, n_eff: float, alpha: float) -> float:
    """Two-sided two-sample t power from scipy's noncentral t (not statsmodels)."""
    from scipy import stats

    df = 2 * n_eff - 2
    nc = d * math.sqrt(n_eff / 2)
    q = stats.t.ppf(1 - alpha / 2, df)
    upper, lower = stats.nct.sf(q, df, nc), stats.nct.cdf(-q, df, nc)
    if not np.isfinite(lower):  # scipy's nct gives NaN far in a tail at df near 2:
        # T' = (Z + nc) / sqrt(V/df), V ~ chi2(df): integrate Phi(-q sqrt(v/df) - nc) over V
        from scipy import integrate

        lower = integrate.quad(lambda v: stats.norm.cdf(-q * math.sqrt(v / df) - nc)
                               * stats.chi2.pdf(v, df), 0, np.inf)[0]
    return float(upper + lower)


def test_mde_positive_and_decreasing_on_a_dense_grid():
    i = DEMO_INPUTS
    grid = np.arange(20, 701)
    res = plan_from_inputs(i["sd"], i["icc"], i["m"], i["att"], n_per_arm=grid)
    mde = res.rows["mde"].to_numpy()
    assert np.all(mde > 0)
    assert np.all(np.diff(mde) < 0)
    for n in (451, 457, 464, 473, 475, 487):
        row = res.rows[res.rows["n_per_arm"] == n].iloc[0]
        assert 0.29 < row.mde < 0.329         # beyond the 400 row's MDE (0.329), not -0.31
        assert _nct_power(row.mde_d, row.effective_per_arm, 0.05) == pytest.approx(0.8,
                                                                                  abs=1e-9)
    curve = res.curve(n_max=500, points=200)
    assert (curve["mde"] > 0).all() and curve["mde"].is_monotonic_decreasing


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 5000), step=st.integers(1, 50),
       sd=st.floats(0.1, 20), icc=st.floats(-0.05, 0.6), m=st.floats(1, 30),
       att=st.floats(0, 0.6), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       power=st.sampled_from([0.8, 0.9]))
def test_mde_property_positive_decreasing_round_trip(n, step, sd, icc, m, att, alpha, power):
    from hb_eval.outcomes.plan import design_effect, mde_for_n, n_for_mde

    de = design_effect(icc, m)
    a, d_a, ne = mde_for_n(n, sd, de, att, alpha, power)
    b, _, _ = mde_for_n(n + step, sd, de, att, alpha, power)
    if ne < 2:
        assert math.isnan(a)
        return
    assert a > 0 and b > 0 and b < a
    assert _nct_power(d_a, ne, alpha) == pytest.approx(power, abs=1e-8)
    # n -> MDE -> n
    _, exact = n_for_mde(a, sd, de, att, alpha, power)
    assert exact == pytest.approx(n, rel=1e-6)


def test_cli_plan_several_values_after_one_option(demo_config_path, capsys):
    from hb_eval.cli import main

    assert main(["plan", str(demo_config_path), "--json", "--n-per-arm", "50", "100",
                 "451", "--n-per-arm", "487", "--mde", "0.4", "0.6"]) == 0
    import json

    block = json.loads(capsys.readouterr().out)
    assert [r["n_per_arm"] for r in block["rows"]] == [50, 100, 451, 487]
    assert all(r["mde"] > 0 for r in block["rows"])
    assert [t["mde"] for t in block["targets"]] == [0.4, 0.6]
