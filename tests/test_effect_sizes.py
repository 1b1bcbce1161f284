"""Effect sizes against hand computations, pingouin/scipy/statsmodels, and published values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from hb_eval.stats.effect_sizes import (d_ppc2, d_ppc2_from_summary, ncp_ci, newcombe_diff_ci,
                                  reliable_change, wilson_ci, within_arm, within_results)

X = np.array([1.0, 2, 3, 4, 5])
Y = np.array([2.0, 4, 3, 6, 7])


def _frame(x, y, arm="HB"):
    return pd.DataFrame({"client_id": [f"01101{i:02d}" for i in range(len(x))], "arm": arm,
                         "baseline": x, "end": y, "change": np.asarray(y) - np.asarray(x)})


def _est(tab, method, arm="HB"):
    return tab[(tab.method == method) & (tab.arm == arm)].iloc[0]


def test_hand_computed_within_arm():
    tab = within_arm(_frame(X, Y))
    # changes 1, 2, 0, 2, 2: mean 1.4, SD sqrt(3.2 / 4) = sqrt(0.8)
    assert _est(tab, "d_z").estimate == pytest.approx(1.4 / math.sqrt(0.8))
    # SD baseline sqrt(2.5), SD end sqrt(4.3): d_av = 1.4 / ((sqrt 2.5 + sqrt 4.3) / 2)
    d_av = 1.4 / ((math.sqrt(2.5) + math.sqrt(4.3)) / 2)
    assert _est(tab, "d_av").estimate == pytest.approx(d_av)
    # Hedges: J = 1 - 3 / (4 * (5 + 5) - 9) = 28/31
    assert _est(tab, "g_av").estimate == pytest.approx(d_av * 28 / 31)
    m = _est(tab, "mean_change")
    assert (m.n, m.mean_baseline, m.mean_end, m.mean_change) == (5, 3.0, 4.4, pytest.approx(1.4))
    assert set(tab.method) == {"mean_change", "d_z", "d_av", "g_av", "wilcoxon"}


def test_agrees_with_pingouin():
    rng = np.random.default_rng(7)
    x = rng.normal(5, 2, 40)
    y = 0.5 * x + rng.normal(3, 1.2, 40)
    mean_tab = within_arm(_frame(x, y), sd_average="mean")
    rms_tab = within_arm(_frame(x, y), sd_average="rms")
    assert _est(mean_tab, "d_z").estimate == pytest.approx(
        pg.compute_effsize(y, x, paired=True, eftype="cohen_dz"), abs=1e-12)
    # pingouin's paired "cohen" standardises by sqrt((SD1^2 + SD2^2)/2): our "rms" variant
    assert _est(rms_tab, "d_av").estimate == pytest.approx(
        pg.compute_effsize(y, x, paired=True, eftype="cohen"), abs=1e-12)
    assert _est(rms_tab, "g_av").estimate == pytest.approx(
        pg.compute_effsize(y, x, paired=True, eftype="hedges"), abs=1e-12)
    # the default (mean of SDs) differs from pingouin unless the SDs are equal
    assert _est(mean_tab, "d_av").estimate != pytest.approx(_est(rms_tab, "d_av").estimate)
    y_eq = x[::-1] + 1.3  # same SD as x
    eq = within_arm(_frame(x, y_eq))
    assert _est(eq, "d_av").estimate == pytest.approx(
        pg.compute_effsize(y_eq, x, paired=True, eftype="cohen"), abs=1e-12)


def test_mean_change_interval_and_wilcoxon_match_scipy():
    rng = np.random.default_rng(11)
    x = rng.normal(size=25)
    y = x + rng.normal(0.3, 1, 25)
    tab = within_arm(_frame(x, y), confidence=0.9)
    res = stats.ttest_rel(y, x)
    ci = res.confidence_interval(0.9)
    m = _est(tab, "mean_change")
    assert (m.ci_low, m.ci_high, m.p) == (pytest.approx(ci.low), pytest.approx(ci.high),
                                          pytest.approx(res.pvalue))
    w = stats.wilcoxon(y, x)
    assert _est(tab, "wilcoxon").statistic == w.statistic
    assert _est(tab, "wilcoxon").p == pytest.approx(w.pvalue)


def test_incomplete_pairs_are_not_used_and_arms_are_separate():
    f = pd.concat([_frame(X, Y), _frame(X + 1, Y, arm="Verrokki")], ignore_index=True)
    f.loc[f.index[0], "end"] = np.nan  # first HB client has no end score
    tab = within_arm(f)
    assert _est(tab, "d_z").n == 4
    assert _est(tab, "d_z", "Verrokki").n == 5
    # Verrokki changes: 0, 1, -1, 1, 1 -> mean 0.4, SD sqrt(0.8)
    assert _est(tab, "d_z", "Verrokki").estimate == pytest.approx(0.4 / math.sqrt(0.8))
    res = within_results(tab)
    assert res["Verrokki"]["n"] == 5 and res["HB"]["d_z_ci_low"] < res["HB"]["d_z"]


def test_ncp_interval_is_symmetric_at_zero_and_inverts_nct():
    lo, hi = ncp_ci(0.0, 9, 0.95)
    assert float(lo) == pytest.approx(-float(hi), abs=1e-9)
    lo, hi = ncp_ci([np.nan, 1.0], [5, 5])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and lo[1] < 1.0 < hi[1]
    many = ncp_ci(np.linspace(-3, 3, 40), 9)  # vectorised bisection agrees with Brent
    assert many[0][5] == pytest.approx(float(ncp_ci(np.linspace(-3, 3, 40)[5], 9)[0]), abs=1e-8)
    lo, hi = ncp_ci(2.5, 14, 0.95)
    assert stats.nct.cdf(2.5, 14, lo) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(2.5, 14, hi) == pytest.approx(0.025, abs=1e-9)
    # large df: close to the normal-theory interval t +/- 1.96 sqrt(1 + t^2 / (2 df))
    lo, hi = ncp_ci(3.0, 5000, 0.95)
    half = 1.959964 * math.sqrt(1 + 9 / 10000)
    assert float(lo) == pytest.approx(3 - half, abs=0.01)
    assert float(hi) == pytest.approx(3 + half, abs=0.01)


def test_d_z_ncp_interval_covers_planted_truth():
    # planted d_z = 0.5, n = 12, 400 samples; vectorised over samples
    rng = np.random.default_rng(2024)
    n, reps, dz = 12, 400, 0.5
    d = rng.normal(dz, 1.0, size=(reps, n))
    t = d.mean(1) / (d.std(1, ddof=1) / math.sqrt(n))
    lo, hi = ncp_ci(t, n - 1, 0.95)
    cover = np.mean((lo / math.sqrt(n) <= dz) & (dz <= hi / math.sqrt(n)))
    assert 0.92 <= cover <= 0.98
    # and the table's d_z interval is the same inversion
    tab = within_arm(_frame(np.zeros(n), d[0]))
    assert _est(tab, "d_z").ci_low == pytest.approx(float(lo[0]) / math.sqrt(n))


def test_bootstrap_intervals_are_seeded_and_named():
    rng = np.random.default_rng(5)
    x = rng.normal(size=30)
    y = x + rng.normal(0.5, 1, 30)
    a = within_arm(_frame(x, y), ci_method="bootstrap", n_boot=500, seed=42)
    b = within_arm(_frame(x, y), ci_method="bootstrap", n_boot=500, seed=42)
    pd.testing.assert_frame_equal(a, b)
    g = _est(a, "g_av")
    assert g.ci_method == "bootstrap_percentile" and g.ci_low < g.estimate < g.ci_high
    assert _est(a, "mean_change").ci_method == "t"


# -- d_ppc2 -----------------------------------------------------------------------------------

MORRIS_T = dict(m_pre=[30.6, 23.5, 0.5, 53.4, 35.6], m_post=[38.5, 26.8, 0.7, 75.9, 36.0],
                sd_pre=[15.0, 3.1, 0.1, 14.5, 4.7], n=[20, 50, 9, 10, 14])
MORRIS_C = dict(m_pre=[23.1, 24.9, 0.6, 55.7, 34.8], m_post=[19.7, 25.3, 0.6, 60.7, 33.4],
                sd_pre=[13.8, 4.1, 0.2, 17.3, 3.1], n=[20, 42, 9, 11, 14])
MORRIS_R = [0.47, 0.64, 0.77, 0.89, 0.44]
MORRIS_D = [0.77, 0.80, 1.20, 1.05, 0.44]  # Morris (2008) Table 5, d_ppc2


@pytest.mark.parametrize("i", range(5))
def test_d_ppc2_reproduces_morris_table_5(i):
    res = d_ppc2_from_summary(MORRIS_T["m_pre"][i], MORRIS_T["m_post"][i],
                              MORRIS_T["sd_pre"][i], MORRIS_T["n"][i], MORRIS_C["m_pre"][i],
                              MORRIS_C["m_post"][i], MORRIS_C["sd_pre"][i], MORRIS_C["n"][i],
                              MORRIS_R[i])
    assert round(res["estimate"], 2) == MORRIS_D[i]


def test_d_ppc2_variance_by_hand():
    # study 5: n 14 + 14, r .44, d = .4390..., k = 28/196
    r = d_ppc2_from_summary(35.6, 36.0, 4.7, 14, 34.8, 33.4, 3.1, 14, 0.44)
    d, cp, k = r["estimate"], 1 - 3 / 103, 28 / 196
    var = 2 * cp**2 * 0.56 * k * (26 / 24) * (1 + d**2 / (2 * 0.56 * k)) - d**2
    assert r["se"] ** 2 == pytest.approx(var)
    assert r["se"] ** 2 == pytest.approx(0.1675, abs=5e-4)  # worked with d = 0.44
    assert r["ci_low"] == pytest.approx(d - 1.959964 * math.sqrt(var), abs=1e-6)


def test_d_ppc2_from_raw_frame_by_hand():
    f = pd.concat([_frame([2, 4, 6], [5, 6, 10], "HB"),
                   _frame([3, 5, 7, 9], [3, 6, 7, 10], "Verrokki")])
    row = d_ppc2(f).iloc[0]
    # changes: HB 3, 2, 4 (mean 3); Verrokki 0, 1, 0, 1 (mean .5); difference 2.5
    # baseline variances 4 and 20/3: pooled (2*4 + 3*20/3) / 5 = 5.6
    # c_p = 1 - 3 / (4 * 5 - 1) = 16/19
    assert row.estimate == pytest.approx(16 / 19 * 2.5 / math.sqrt(5.6))
    assert (row.n_HB, row.n_Verrokki) == (3, 4)
    assert row.ci_method == "normal_morris2008" and row.ci_low < row.estimate < row.ci_high


# -- reliable change --------------------------------------------------------------------------

def test_reliable_change_by_hand():
    f = pd.concat([_frame([1, 3, 5, 7], [6, 3, 9, 2], "HB"), _frame([3, 5], [3, 1], "Verrokki")])
    tab = reliable_change(f, reliability=0.8).set_index("arm")
    # baselines 1,3,5,7,3,5: SD sqrt(22/5); S_diff = sqrt(2) SD sqrt(.2); threshold 1.96 S_diff
    s_diff = math.sqrt(2) * math.sqrt(22 / 5) * math.sqrt(0.2)
    assert tab.loc["HB", "s_diff"] == pytest.approx(s_diff)
    assert tab.loc["HB", "threshold"] == pytest.approx(stats.norm.ppf(0.975) * s_diff)  # 2.600
    # HB changes 5, 0, 4, -5 -> improved 2, unchanged 1, deteriorated 1; Verrokki 0, -4
    assert list(tab.loc["HB", ["improved", "unchanged", "deteriorated"]]) == [2, 1, 1]
    assert list(tab.loc["Verrokki", ["improved", "unchanged", "deteriorated"]]) == [0, 1, 1]
    assert tab.loc["HB", "share_improved"] == 0.5
    # exact test of [[2,1,1],[0,1,1]]: every table with these margins has P <= 4/15 -> p = 1
    assert tab.loc["HB", "p"] == pytest.approx(1.0)
    assert tab.loc["HB", "test"] == "fisher_freeman_halton"
    assert tab.loc["HB", "diff_improved"] == pytest.approx(0.5)


# -- proportions ------------------------------------------------------------------------------

def test_wilson_published_values():
    # Newcombe (1998), single-proportion paper: 81/263, 15/148, 0/20, 1/29
    lo, hi = wilson_ci([81, 15, 0, 1], [263, 148, 20, 29])
    np.testing.assert_allclose(lo, [0.2553, 0.0624, 0.0, 0.0061], atol=1e-4)
    np.testing.assert_allclose(hi, [0.3662, 0.1605, 0.1611, 0.1718], atol=1e-4)
    lo, hi = wilson_ci(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


NEWCOMBE = [  # Newcombe (1998) Stat Med 17:873, Table II, method 10
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize("counts,expected", NEWCOMBE)
def test_newcombe_published_values(counts, expected):
    d, lo, hi = newcombe_diff_ci(*counts)
    assert float(d) == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(float(lo), 4), round(float(hi), 4)) == expected


def test_newcombe_matches_statsmodels_and_vectorises():
    k1, n1, k2, n2 = [5, 6, 30, 1], [56, 7, 40, 3], [0, 2, 12, 2], [29, 7, 25, 3]
    d, lo, hi = newcombe_diff_ci(k1, n1, k2, n2, confidence=0.9)
    for i in range(4):
        slo, shi = confint_proportions_2indep(k1[i], n1[i], k2[i], n2[i], method="newcomb",
                                              compare="diff", alpha=0.1)
        assert lo[i] == pytest.approx(slo, abs=1e-10) and hi[i] == pytest.approx(shi, abs=1e-10)


def test_fisher_freeman_halton_exact():
    from hb_eval.stats.effect_sizes import fisher_freeman_halton_2xk
    # rows (2, 2), columns (2, 1, 1), N = 4: first rows (2,0,0) 1/6, (1,1,0) 2/6, (1,0,1) 2/6,
    # (0,1,1) 1/6; observed (2,0,0) -> p = 1/6 + 1/6
    assert fisher_freeman_halton_2xk([[2, 0, 0], [0, 1, 1]]) == pytest.approx(1 / 3)
    # 2 x 2: the same as scipy's exact Fisher test
    for tab in ([[8, 2], [1, 5]], [[6, 2], [1, 4]], [[30, 12], [11, 25]]):
        assert fisher_freeman_halton_2xk(tab) == pytest.approx(stats.fisher_exact(tab).pvalue)
    # an empty column is dropped; one remaining column gives 1
    assert fisher_freeman_halton_2xk([[3, 0], [4, 0]]) == 1.0
    # deterministic (scipy's R x C default is an unseeded Monte Carlo)
    tab = [[68, 33, 1], [27, 73, 21]]
    assert fisher_freeman_halton_2xk(tab) == fisher_freeman_halton_2xk(tab) < 1e-10


def _ffh_brute(tab):
    """Independent enumeration with itertools and math.comb."""
    import itertools
    from math import comb
    cols = [a + b for a, b in zip(*tab)]
    r1, N = sum(tab[0]), sum(cols)

    def prob(row):
        p = 1
        for c, a in zip(cols, row):
            p *= comb(c, a)
        return p / comb(N, r1)

    p_obs = prob(tab[0])
    return sum(prob(r) for r in itertools.product(*(range(c + 1) for c in cols))
               if sum(r) == r1 and prob(r) <= p_obs * (1 + 1e-7))


@pytest.mark.parametrize("tab", [[[5, 7, 3], [6, 2, 9]], [[12, 1, 0, 4], [3, 8, 2, 5]],
                                 [[0, 9, 2], [7, 1, 6]]])
def test_fisher_freeman_halton_against_brute_force_in_any_column_order(tab):
    from hb_eval.stats.effect_sizes import fisher_freeman_halton_2xk
    want = _ffh_brute(tab)
    assert fisher_freeman_halton_2xk(tab) == pytest.approx(want, rel=1e-9)
    rev = [row[::-1] for row in tab]
    assert fisher_freeman_halton_2xk(rev) == pytest.approx(want, rel=1e-9)


def test_between_arm_test_switches_to_chi_square_for_huge_tables():
    from hb_eval.stats.effect_sizes import (FFH_MAX_TABLES, between_arm_test,
                                      fisher_freeman_halton_2xk, ffh_table_count)
    small = [[30, 12, 5], [11, 25, 9]]
    assert between_arm_test(small) == (fisher_freeman_halton_2xk(small), "fisher_freeman_halton")
    huge = [[3000, 1200, 5000], [1100, 2500, 4900]]
    assert ffh_table_count(huge) > FFH_MAX_TABLES
    p, test = between_arm_test(huge)
    assert test == "chi_square"
    assert p == pytest.approx(stats.chi2_contingency(huge, correction=False).pvalue)
    with pytest.raises(ValueError, match="enumerate"):
        fisher_freeman_halton_2xk(huge)
