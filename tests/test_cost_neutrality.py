"""Cost neutrality: the BCa bound at 90 % two-sided, its inverted p-values, TOST."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri
from scipy.stats import norm

from hb_eval.stats.bootstrap import bca_interval
from hb_eval.costs.cea import run_cea
from hb_eval.costs.neutrality import bca_pvalue, cost_neutrality


def test_pvalue_without_bias_or_acceleration_is_the_replicate_share():
    # replicates at the normal quantiles, symmetric around the estimate 0: z0 = 0; a symmetric
    # jackknife: a = 0. Then p(H0 θ ≥ v) is the share of replicates at or above v.
    B = 2000
    reps = ndtri((np.arange(B) + 0.5) / B)
    jack = np.r_[-1.0, 1.0, -2.0, 2.0]
    assert bca_pvalue(0.0, reps, jack, 1.6448536, "upper") == pytest.approx(0.05, abs=1e-3)
    assert bca_pvalue(0.0, reps, jack, -1.6448536, "lower") == pytest.approx(0.05, abs=1e-3)
    assert bca_pvalue(0.0, reps, jack, 0.0, "upper") == pytest.approx(0.5, abs=1e-3)
    # beyond every replicate: the share is kept within [1/(2B), 1 − 1/(2B)]
    assert bca_pvalue(0.0, reps, jack, 10.0, "upper") == pytest.approx(0.5 / B, rel=1e-6)


@pytest.fixture(scope="module")
def cea():
    rng = np.random.default_rng(5)
    n = 300
    arm = np.r_[["HB"] * n, ["Verrokki"] * n]
    cost = np.r_[rng.normal(11000, 3000, n), rng.normal(10000, 3000, n)]
    change = rng.normal(0.5, 1.0, 2 * n)
    ids = [f"04{i:05d}" for i in range(2 * n)]
    costs = pd.DataFrame({"client_id": ids, "arm": arm, "total": cost,
                          "perspective": "organiser"})
    effects = pd.DataFrame({"client_id": ids, "arm": arm, "pilot": "Vantaa",
                            "worker": [f"04-{i % 10:02d}" for i in range(2 * n)],
                            "baseline": 5.0, "end": 5.0 + change, "change": change})
    return run_cea(costs, effects, B=4000, seed=11, glm_check=False), costs


def test_upper_95_is_the_bca_upper_bound_at_90_percent(cea):
    res, _ = cea
    jack = res.extra["jackknife"][:, 0]
    lo, hi = bca_interval(np.array([res.delta_cost]), res.reps[:, :1], jack[:, None], 0.90)
    cn = cost_neutrality(res, 2000.0)
    assert cn.upper_95 == hi[0] and cn.lower_95 == lo[0]
    # the 95 % BCa interval of run_cea is wider on both sides
    r95 = res.to_results()["delta_cost_ci"]
    assert r95[0] < cn.lower_95 < res.delta_cost < cn.upper_95 < r95[1]
    # and close to the normal-theory bound ΔC + 1.645 SE (n = 300 per arm, SD 3000)
    s = cea[1].groupby("arm")["total"]
    se = float(np.sqrt((s.var() / s.size()).sum()))
    assert cn.upper_95 == pytest.approx(res.delta_cost + norm.ppf(0.95) * se, rel=0.03)


@pytest.mark.parametrize("margin", [500.0, 1000.0, 1300.0, 1500.0, 2000.0, 3000.0])
def test_noninferior_is_upper_bound_below_margin_and_p_agrees(cea, margin):
    res, costs = cea
    cn = cost_neutrality(res, margin)
    r = cn.to_results()
    assert set(r) >= {"margin", "upper_95", "p_noninferiority", "noninferior", "tost_p",
                      "equivalent"}
    assert r["margin"] == margin and r["noninferior"] == (cn.upper_95 < margin)
    if abs(cn.upper_95 - margin) > 20:  # away from the interpolation between replicates
        assert (r["p_noninferiority"] < 0.05) == r["noninferior"]
    # TOST: equivalent when the 90 % interval lies inside (−δ, δ)
    assert r["tost_p"] == max(cn.p_lower, cn.p_noninferiority)
    inside = -margin < cn.lower_95 and cn.upper_95 < margin
    if min(abs(cn.upper_95 - margin), abs(cn.lower_95 + margin)) > 20:
        assert r["equivalent"] == inside
    # the p-value is close to the normal-theory one-sided p
    s = costs.groupby("arm")["total"]
    se = float(np.sqrt((s.var() / s.size()).sum()))
    p_normal = norm.cdf((res.delta_cost - margin) / se)
    assert r["p_noninferiority"] == pytest.approx(p_normal, abs=0.02)


def test_p_is_005_where_the_bound_meets_the_margin(cea):
    res, _ = cea
    cn = cost_neutrality(res, 2000.0)
    at_bound = cost_neutrality(res, cn.upper_95)
    assert at_bound.p_noninferiority == pytest.approx(0.05, abs=0.003)
    # the lower side: H0 ΔC ≤ lower_95 has p = 0.05
    jack = res.extra["jackknife"][:, 0]
    assert bca_pvalue(res.delta_cost, res.reps[:, 0], jack, cn.lower_95, "lower") == \
        pytest.approx(0.05, abs=0.003)


def test_margin_must_be_positive(cea):
    from hb_eval.errors import HbEvalError

    with pytest.raises(HbEvalError):
        cost_neutrality(cea[0], 0.0)


def test_pvalue_at_the_floor_is_flagged():
    # z0 = a = 0 (normal-quantile replicates, symmetric jackknife): beyond every replicate the
    # p is the floor 1/(2B) exactly, and flagged; inside the replicates it is not
    from hb_eval.costs.neutrality import bca_pvalue_floor

    B = 2000
    reps = ndtri((np.arange(B) + 0.5) / B)
    jack = np.r_[-1.0, 1.0, -2.0, 2.0]
    p, floor = bca_pvalue_floor(0.0, reps, jack, -10.0, "lower")
    assert floor and p == pytest.approx(1 / (2 * B), rel=1e-9)
    p, floor = bca_pvalue_floor(0.0, reps, jack, 10.0, "upper")
    assert floor and p == pytest.approx(1 / (2 * B), rel=1e-9)
    # one replicate beyond the boundary: share 1/B, resolved, not at the floor
    p, floor = bca_pvalue_floor(0.0, reps, jack, reps[-1] - 1e-9, "upper")
    assert not floor and p == pytest.approx(1 / B, rel=1e-6)
    p, floor = bca_pvalue_floor(0.0, reps, jack, 0.5, "upper")
    assert not floor


def test_floor_flags_in_results_and_summary(cea):
    res, _ = cea
    cn = cost_neutrality(res, 1500.0, "analysis.cost_margin.organiser")
    out = cn.to_results()
    assert out["p_floor"] == pytest.approx(0.5 / res.B)
    # ΔC is about +1,000 € (SE ~250): no replicate below -1,500 €, so the lower test is at
    # the floor; some lie above +1,500 €, so the non-inferiority p is resolved
    assert out["p_lower_at_floor"] is True and out["p_noninferiority_at_floor"] is False
    assert out["tost_p_at_floor"] is False            # TOST p is the larger, resolved one
    assert out["margin_setting"] == "analysis.cost_margin.organiser"
    assert f"lower test p < {cn.p_lower:.2g}" in cn.summary()
    assert "90 % BCa interval" in cn.summary()
