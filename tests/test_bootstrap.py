"""Vectorised bootstrap: BCa against known answers and scipy, reproducibility, cluster draws."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hb_eval.stats.bootstrap import (bca_interval, cluster_means, jackknife_means,
                                     percentile_interval, stratified_counts, stratified_means,
                                     stratified_sums)


def _one_sample_bca(x, B, seed, level=0.95):
    z = np.zeros(len(x), dtype=int)
    reps = stratified_means(x, z, B, seed)[:, 0, 0]
    jack = jackknife_means(x, z)[:, 0, 0]
    return bca_interval(x.mean(), reps, jack, level)


def test_bca_normal_mean_close_to_t_interval():
    rng = np.random.default_rng(1)
    x = rng.normal(10.0, 2.0, size=200)
    lo, hi = _one_sample_bca(x, 20000, 7)
    t_lo, t_hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    half = (t_hi - t_lo) / 2
    # bootstrap SE uses n, not n-1, and z not t: about 1 % narrower; allow 5 % of the half-width
    assert abs(lo - t_lo) < 0.05 * half and abs(hi - t_hi) < 0.05 * half


def test_bca_matches_scipy_on_skewed_mean():
    rng = np.random.default_rng(2)
    x = rng.exponential(3.0, size=40)
    lo, hi = _one_sample_bca(x, 40000, 11)
    ref = stats.bootstrap((x,), np.mean, n_resamples=40000, method="BCa",
                          rng=np.random.default_rng(12)).confidence_interval
    half = (ref.high - ref.low) / 2
    assert abs(lo - ref.low) < 0.03 * half and abs(hi - ref.high) < 0.03 * half
    # BCa shifts right of the percentile interval for a right-skewed mean
    reps = stratified_means(x, np.zeros(40, int), 40000, 11)[:, 0, 0]
    p_lo, p_hi = percentile_interval(reps)
    assert lo > p_lo and hi > p_hi


def test_two_sample_difference_matches_scipy_bca():
    rng = np.random.default_rng(3)
    a, b = rng.gamma(2.0, 500, size=30), rng.gamma(2.0, 400, size=45)
    x = np.concatenate([a, b])
    s = np.r_[np.zeros(30, int), np.ones(45, int)]
    m = stratified_means(x, s, 40000, 5)
    reps = m[:, 0, 0] - m[:, 1, 0]
    j = jackknife_means(x, s)
    lo, hi = bca_interval(a.mean() - b.mean(), reps, j[:, 0, 0] - j[:, 1, 0])
    ref = stats.bootstrap((a, b), lambda u, v, axis=-1: u.mean(axis) - v.mean(axis),
                          n_resamples=40000, method="BCa",
                          rng=np.random.default_rng(6)).confidence_interval
    half = (ref.high - ref.low) / 2
    assert abs(lo - ref.low) < 0.03 * half and abs(hi - ref.high) < 0.03 * half


def test_reproducible_for_fixed_seed():
    x = np.random.default_rng(4).normal(size=(50, 2))
    s = np.r_[np.zeros(20, int), np.ones(30, int)]
    a = stratified_means(x, s, 300, 99)
    assert np.array_equal(a, stratified_means(x, s, 300, 99))
    assert not np.array_equal(a, stratified_means(x, s, 300, 100))
    w = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 15 + ["d"] * 15)
    c = cluster_means(x, s, w, 300, 99)
    assert np.array_equal(c, cluster_means(x, s, w, 300, 99))


def test_bootstrap_variance_of_mean():
    # var of replicate means -> s² (n-1)/n / n (the plug-in variance of the mean)
    x = np.random.default_rng(8).normal(0, 3, size=60)
    reps = stratified_means(x, np.zeros(60, int), 40000, 1)[:, 0, 0]
    expect = x.var(ddof=0) / 60
    assert reps.var() == pytest.approx(expect, rel=0.03)
    assert reps.mean() == pytest.approx(x.mean(), abs=4 * np.sqrt(expect / 40000))


def test_counts_respect_strata():
    s = np.r_[np.zeros(7, int), np.ones(5, int)]
    c = stratified_counts(s, 200, 3)
    assert (c[:, :7].sum(axis=1) == 7).all() and (c[:, 7:].sum(axis=1) == 5).all()


def test_cluster_bootstrap_variance_follows_clusters():
    # 8 clusters of 5 identical values: clients add no information beyond their cluster, so the
    # two-stage variance is var(cluster means)·(G-1)/G / G, and the client bootstrap is ~5× less
    G, m = 8, 5
    cm = np.arange(G, dtype=float) * 2.0
    x = np.repeat(cm, m)
    s = np.zeros(G * m, int)
    w = np.repeat(np.arange(G), m)
    reps = cluster_means(x, s, w, 40000, 2)[:, 0, 0]
    assert reps.var() == pytest.approx(cm.var(ddof=0) / G, rel=0.04)
    client = stratified_means(x, s, 40000, 2)[:, 0, 0]
    assert client.var() == pytest.approx(cm.var(ddof=0) / (G * m), rel=0.04)


def test_cluster_two_stage_unequal_sizes_mean_is_pooled():
    # one replicate's mean is sum(drawn)/count(drawn): with constant values it is that constant
    x = np.full(13, 4.0)
    w = np.array([0] * 2 + [1] * 5 + [2] * 6)
    reps = cluster_means(x, np.zeros(13, int), w, 100, 3)[:, 0, 0]
    assert np.allclose(reps, 4.0)


def test_jackknife_closed_form_against_deletion():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(9, 2))
    s = np.r_[np.zeros(4, int), np.ones(5, int)]
    j = jackknife_means(x, s)
    for i in range(9):
        keep = np.arange(9) != i
        for k in (0, 1):
            assert np.allclose(j[i, k], x[keep & (s == k)].mean(axis=0))
    w = np.array([0, 0, 1, 1, 2, 2, 2, 3, 3])
    jc = jackknife_means(x, s, clusters=w)
    assert jc.shape[0] == 4


def test_progress_reported_per_chunk(monkeypatch):
    import hb_eval.stats.bootstrap as bs

    monkeypatch.setattr(bs, "COUNT_CHUNK_ELEMENTS", 1000)  # 1000 // 50 = 20 replicates a chunk
    seen = []
    x = np.arange(100.0)
    s = np.r_[np.zeros(50, int), np.ones(50, int)]
    a = bs.stratified_means(x, s, 70, 1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(20, 70), (40, 70), (60, 70), (70, 70)]
    assert a.shape == (70, 2, 1)


def _threaded(monkeypatch, bs, threads):
    monkeypatch.setattr(bs, "MIN_THREADED_ELEMENTS", 0)   # thread even tiny work
    monkeypatch.setattr(bs, "THREADS", threads)


def test_same_seed_same_replicates_whatever_the_threads(monkeypatch):
    import hb_eval.stats.bootstrap as bs

    rng = np.random.default_rng(10)
    x = rng.normal(size=(90, 2))
    s = np.repeat([0, 1, 2], [20, 30, 40])
    w = np.repeat(np.arange(9), 10)
    monkeypatch.setattr(bs, "CHUNK_ELEMENTS", 400)        # 10 replicates a chunk: many chunks
    monkeypatch.setattr(bs, "COUNT_CHUNK_ELEMENTS", 400)
    runs = {}
    for threads in (1, 2, 3):
        _threaded(monkeypatch, bs, threads)
        runs[threads] = (bs.stratified_means(x, s, 95, 5), bs.cluster_means(x, s, w, 95, 5))
        again = (bs.stratified_means(x, s, 95, 5), bs.cluster_means(x, s, w, 95, 5))
        assert all(np.array_equal(a, b) for a, b in zip(runs[threads], again))
    for threads in (2, 3):
        assert all(np.array_equal(a, b) for a, b in zip(runs[1], runs[threads]))
    # a Generator seeded alike spawns the same per-stratum streams as the seed
    assert np.array_equal(runs[1][0], bs.stratified_means(x, s, 95, np.random.default_rng(5)))


def test_progress_from_calling_thread_monotone_when_threaded(monkeypatch):
    import threading

    import hb_eval.stats.bootstrap as bs

    _threaded(monkeypatch, bs, 2)
    monkeypatch.setattr(bs, "COUNT_CHUNK_ELEMENTS", 1000)  # 20 replicates a chunk
    seen = []
    main = threading.get_ident()

    def hook(done, total):
        assert threading.get_ident() == main
        seen.append((done, total))

    x = np.arange(150.0)
    s = np.repeat([0, 1, 2], 50)
    bs.stratified_means(x, s, 70, 1, progress=hook)
    assert seen == [(20, 70), (40, 70), (60, 70), (70, 70)]

    def fail(done, total):
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        bs.stratified_means(x, s, 70, 1, progress=fail)


def test_columns_together_or_alone_give_the_same_means():
    # the draws of a stratum do not depend on the columns (nor on duplicate columns, multiplied
    # once), so each column's replicates match it drawn alone
    x = np.random.default_rng(11).gamma(2.0, 100.0, size=(40, 3))
    s = np.r_[np.zeros(15, int), np.ones(25, int)]
    both = stratified_means(x, s, 500, 3)
    assert both.shape == (500, 2, 3)
    for j in range(3):
        assert np.allclose(both[:, :, j], stratified_means(x[:, j], s, 500, 3)[:, :, 0],
                           rtol=1e-13, atol=0)
    # a single-unit stratum always draws that unit
    one = stratified_means(x[:4], np.array([0, 1, 1, 1]), 50, 1)
    assert np.array_equal(one[:, 0], np.broadcast_to(x[0], (50, 3)))


def test_count_weights_equal_the_gathered_resample(monkeypatch):
    # the seed contract: stratum s draws integers(0, n_s, (b, n_s)) from the s-th spawned
    # stream, chunk after chunk; gathering those very draws gives the same replicate means
    import hb_eval.stats.bootstrap as bs

    monkeypatch.setattr(bs, "COUNT_CHUNK_ELEMENTS", 7 * 30)  # chunks of 7 replicates (n_1 = 30)
    rng = np.random.default_rng(21)
    x = rng.gamma(2.0, 300.0, size=(50, 2))
    s = np.r_[np.ones(30, int), np.zeros(20, int)][rng.permutation(50)]  # strata interleaved
    B = 40
    got = bs.stratified_means(x, s, B, 8)
    gens = np.random.default_rng(8).spawn(2)
    for k in (0, 1):
        members = x[s == k]
        n = len(members)
        draws = np.concatenate([gens[k].integers(0, n, size=(min(B, lo + 7) - lo, n))
                                for lo in range(0, B, 7)])
        gathered = members[draws].mean(axis=1)                  # B × 2, by indexing
        assert np.allclose(got[:, k, :], gathered, rtol=1e-12, atol=0)


def test_two_unit_stratum_hand_worked():
    # units 0 and 10 drawn twice with replacement: replicate means 0, 5, 10 with probabilities
    # 1/4, 1/2, 1/4; a regression's normal equations from the same sums
    B = 40000
    reps = stratified_means(np.array([0.0, 10.0]), np.zeros(2, int), B, 3)[:, 0, 0]
    assert set(np.unique(reps)) <= {0.0, 5.0, 10.0}
    for value, p in ((0.0, 0.25), (5.0, 0.5), (10.0, 0.25)):
        share = np.mean(reps == value)
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / B)
    sums = stratified_sums(np.array([[1.0, 0.0], [1.0, 10.0]]), np.zeros(2, int), 50, 3)
    assert np.array_equal(sums[:, 0, 0], np.full(50, 2.0))       # n drawn every time
    assert np.array_equal(sums[:, 0, 1] / 2, stratified_means(
        np.array([0.0, 10.0]), np.zeros(2, int), 50, 3)[:, 0, 0])
