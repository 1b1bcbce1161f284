"""Every interval is finite and holds its estimate for n from 2 to 10^6 and any effect size
(issue 10, item 1): property tests over the whole range, plus the quadrature noncentral-t limits
against scipy where scipy is accurate and against adaptive quadrature where it is not."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate, stats

from hb_eval.stats.fieller import fieller_interval
from hb_eval.stats.effect_sizes import (between_arm_test, d_ppc2_from_summary, ncp_ci,
                                  newcombe_diff_ci, wilson_ci, within_arm)
from hb_eval.stats.imputation import rubin_pool
from hb_eval.stats.noncentral_t import NCT_DF_MAX, NCT_T_MAX, _quadrature_limits, ncp_limits
from hb_eval.outcomes.reliability import _feldt

# n from 2 to 10^6, drawn on the log scale so that every decade is visited
N = st.floats(math.log(2), math.log(1e6)).map(lambda x: int(round(math.exp(x))))
# standardised effects from 0 to 10^3 in size, either sign (t up to 10^6)
EFFECT = st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(-4, 3)).map(lambda p: p[0] * 10 ** p[1])


def _cdf_t(t: float, df: float, lam: float) -> float:
    """P(T <= t; df, lam) for t > 0 by adaptive quadrature over Z (independent of the module):
    P(Z + lam <= t S) = int phi(z) P(chi2_df >= df ((z + lam) / t)^2) dz over z > -lam, plus
    Phi(-lam)."""
    centre, width = t - lam, t / math.sqrt(2 * df)
    lo = max(-lam, -40.0)
    pts = [p for p in (centre - 5 * width, centre, centre + 5 * width) if lo < p < 40]
    f = lambda z: stats.norm.pdf(z) * stats.chi2.sf(df * ((z + lam) / t) ** 2, df)  # noqa: E731
    val, _ = integrate.quad(f, lo, 40, points=pts or None, limit=500, epsabs=1e-14,
                            epsrel=1e-12)
    return float(stats.norm.cdf(-lam) + val)


@settings(max_examples=150, deadline=None)
@given(n=N, d=EFFECT, conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_ncp_interval_finite_and_holds_the_estimate(n, d, conf):
    t = d * math.sqrt(n)
    lo, hi, how = ncp_limits(t, n - 1, conf)
    lo, hi = float(lo), float(hi)
    assert np.isfinite(lo) and np.isfinite(hi)
    assert lo < t < hi
    assert str(how) in ("ncp", "ncp_quadrature")
    if str(how) == "ncp":  # scipy's region: the quadrature gives the same limits
        assert abs(t) <= NCT_T_MAX and n - 1 <= NCT_DF_MAX
        ql, qh = _quadrature_limits(np.array([abs(t)]), np.array([n - 1.0]),
                                    ((1 - conf) / 2, (1 + conf) / 2))
        ql, qh = (float(ql[0]), float(qh[0])) if t >= 0 else (-float(qh[0]), -float(ql[0]))
        assert lo == pytest.approx(ql, abs=1e-8, rel=1e-9)
        assert hi == pytest.approx(qh, abs=1e-8, rel=1e-9)


@pytest.mark.parametrize("t, df", [(60.0, 1999.0), (60.0, 1e6), (1e4, 1e6), (1e4, 3.0),
                                   (1e6, 1.0), (400.0, 1e5), (75.0, 1.0), (51.0, 10.0)])
def test_quadrature_limits_solve_the_defining_equations(t, df):
    # the case of the issue (d_z 1.3, n 2000: t 60, where scipy's nct gives NaN) and others
    # beyond scipy's accurate region; checked by an independent adaptive quadrature
    lo, hi, how = ncp_limits(t, df, 0.95)
    assert str(how) == "ncp_quadrature"
    assert _cdf_t(t, df, float(lo)) == pytest.approx(0.975, abs=1e-8)
    assert _cdf_t(t, df, float(hi)) == pytest.approx(0.025, abs=1e-8)
    # and by symmetry for -t
    nlo, nhi, _ = ncp_limits(-t, df, 0.95)
    assert float(nlo) == pytest.approx(-float(hi), rel=1e-12)
    assert float(nhi) == pytest.approx(-float(lo), rel=1e-12)


def test_quadrature_agrees_with_scipy_where_scipy_is_accurate():
    t = np.array([0.5, 2.0, 7.0, 20.0, 49.0])
    for df in (1.0, 4.0, 30.0, 400.0, 1000.0):
        lo, hi = ncp_ci(t, df)
        ql, qh = _quadrature_limits(t, np.full(len(t), df), (0.025, 0.975))
        np.testing.assert_allclose(lo, ql, atol=1e-9)
        np.testing.assert_allclose(hi, qh, atol=1e-9)
        # and the limits invert scipy's cdf there
        np.testing.assert_allclose(stats.nct.cdf(t, df, lo), 0.975, atol=1e-9)


def test_large_df_limit_is_the_normal_interval():
    # df -> infinity: T -> N(lam, 1); at df = 10^6 the limits are t -/+ 1.96 (to 1e-4)
    lo, hi, how = ncp_limits(300.0, 1e6)
    half = stats.norm.ppf(0.975) * math.sqrt(1 + 300.0 ** 2 / 2e6)
    assert str(how) == "ncp_quadrature"
    assert float(lo) == pytest.approx(300 - half, abs=5e-3)
    assert float(hi) == pytest.approx(300 + half, abs=5e-3)


@settings(max_examples=25, deadline=None)
@given(n=N, d=EFFECT, seed=st.integers(0, 2 ** 16))
def test_within_arm_intervals_at_any_n(n, d, seed):
    # data with a mean change of d SDs: every interval finite and around its estimate
    rng = np.random.default_rng(seed)
    base = rng.normal(5, 1, n)
    change = rng.normal(0, 1, n)
    change = (change - change.mean()) / (change.std(ddof=1) if n > 2 else 1) + d
    f = pd.DataFrame({"arm": "HB", "baseline": base, "end": base + change})
    tab = within_arm(f).set_index("method")
    for m in ("mean_change", "d_z", "d_av", "g_av"):
        r = tab.loc[m]
        assert np.isfinite(r.ci_low) and np.isfinite(r.ci_high), m
        assert r.ci_low < r.estimate < r.ci_high, m
    assert tab.loc["d_z", "ci_method"] in ("ncp", "ncp_quadrature")
    assert tab.loc["d_av", "ci_method"] == tab.loc["d_z", "ci_method"] + "_scaled"
    assert 0 <= tab.loc["wilcoxon", "p"] <= 1


@settings(max_examples=100, deadline=None)
@given(n1=N, n2=N, p1=st.floats(0, 1), p2=st.floats(0, 1),
       conf=st.sampled_from([0.8, 0.95, 0.99]))
def test_shares_and_differences_at_any_n(n1, n2, p1, p2, conf):
    k1, k2 = round(p1 * n1), round(p2 * n2)
    lo, hi = wilson_ci(k1, n1, conf)
    assert np.isfinite(lo) and np.isfinite(hi) and lo <= k1 / n1 <= hi
    diff, dlo, dhi = newcombe_diff_ci(k1, n1, k2, n2, conf)
    assert np.isfinite(dlo) and np.isfinite(dhi) and dlo <= diff <= dhi
    # the between-arm test of a 2 x 3 table: exact while small, chi-square when huge
    table = np.array([[k1, n1 - k1, 1], [k2, n2 - k2, 1]])
    p, test = between_arm_test(table)
    assert np.isfinite(p) and 0 <= p <= 1 + 1e-12
    assert test in ("fisher_freeman_halton", "chi_square")


@settings(max_examples=100, deadline=None)
@given(n=N, k=st.integers(2, 40), alpha=st.floats(-5, 0.999),
       conf=st.sampled_from([0.8, 0.95, 0.99]))
def test_feldt_interval_at_any_n(n, k, alpha, conf):
    lo, hi = _feldt(alpha, n, k, conf)
    assert np.isfinite(lo) and np.isfinite(hi) and lo <= alpha <= hi


@settings(max_examples=100, deadline=None)
@given(n=N, d=EFFECT, r=st.floats(-0.9, 0.95))
def test_d_ppc2_interval_at_any_n(n, d, r):
    n_t = n_c = max(n, 3)
    res = d_ppc2_from_summary(5.0, 5.0 + d, 1.0, n_t, 5.0, 5.0, 1.0, n_c, r)
    assert np.isfinite(res["ci_low"]) and np.isfinite(res["ci_high"])
    assert res["ci_low"] <= res["estimate"] <= res["ci_high"]


@settings(max_examples=100, deadline=None)
@given(n=N, m=st.integers(2, 50), seed=st.integers(0, 2 ** 16), spread=st.floats(-6, 2))
def test_rubin_pool_at_any_n(n, m, seed, spread):
    rng = np.random.default_rng(seed)
    se2 = 1.0 / max(n, 3)
    est = 0.3 + rng.normal(0, math.sqrt(se2) * 10 ** spread, m)
    out = rubin_pool(est, np.full(m, se2), n=max(n, 3)).iloc[0]
    assert np.isfinite(out["ci_low"]) and np.isfinite(out["ci_high"]) and np.isfinite(out["df"])
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


@settings(max_examples=100, deadline=None)
@given(n=N, dc=st.floats(-1e5, 1e5), de=EFFECT, rho=st.floats(-0.9, 0.9))
def test_fieller_bounded_interval_holds_the_icer(n, dc, de, rho):
    vc, ve = (2000.0 ** 2) / n, 1.0 / n
    f = fieller_interval(dc, de, vc, ve, rho * math.sqrt(vc * ve))
    if f.kind == "bounded":
        assert np.isfinite(f.low) and np.isfinite(f.high)
        assert f.low <= dc / de <= f.high
    else:  # unbounded only when dE is not distinguishable from 0 at the level
        assert de ** 2 <= stats.norm.ppf(0.975) ** 2 * ve + 1e-12
