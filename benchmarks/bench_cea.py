"""Benchmark: the vectorised stratified bootstrap with BCa against a plain Python loop.

B = 5,000 replicates of ΔC, ΔE and NMB (per-arm means of cost and change), BCa intervals, for
n = 600 and n = 60,000 clients; the loop version draws each replicate in a Python loop (same
statistic, same BCa from its replicates). Target: n = 600 under 0.2 s and at least 20× faster
than the loop. The vectorised bootstrap runs the strata (arms) in threads, one per CPU; its time
in one thread is printed too. Also the whole ``run_cea`` (CEAC, Fieller, quadrants; GLM check
off) and the two-stage cluster bootstrap; and the pipeline's CEA of both perspectives with
their SUR from one bootstrap (:func:`hb_eval.costs.joint.cea_and_sur`) against the four
separate bootstraps, at n = 60,000.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hb_eval.config import AnalysisConfig
from hb_eval.stats import bootstrap
from hb_eval.stats.bootstrap import (bca_interval, cluster_means, jackknife_means,
                                     stratified_means)
from hb_eval.costs.cea import run_cea

B = 5000
WTP = 5000.0


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    arm = np.r_[np.zeros(n // 2, int), np.ones(n - n // 2, int)]
    X = np.column_stack([rng.gamma(2.0, np.where(arm == 0, 1500.0, 1000.0)),
                         rng.normal(np.where(arm == 0, 0.5, 0.0), 1.0)])
    return X, arm


def vectorised(X, arm, seed=1):
    m = stratified_means(X, arm, B, seed)
    reps = m[:, 0] - m[:, 1]
    j = jackknife_means(X, arm)
    jd = j[:, 0] - j[:, 1]
    th = X[arm == 0].mean(0) - X[arm == 1].mean(0)
    T = np.array([th[0], th[1], WTP * th[1] - th[0]])
    R = np.column_stack([reps[:, 0], reps[:, 1], WTP * reps[:, 1] - reps[:, 0]])
    J = np.column_stack([jd[:, 0], jd[:, 1], WTP * jd[:, 1] - jd[:, 0]])
    return bca_interval(T, R, J)


def loop(X, arm, seed=1):
    rng = np.random.default_rng(seed)
    g0, g1 = X[arm == 0], X[arm == 1]
    R = np.empty((B, 3))
    for b in range(B):
        a = g0[rng.integers(0, len(g0), len(g0))].mean(0)
        v = g1[rng.integers(0, len(g1), len(g1))].mean(0)
        d = a - v
        R[b] = d[0], d[1], WTP * d[1] - d[0]
    J = []
    for i in range(len(X)):  # the jackknife, also by loop
        keep = np.ones(len(X), bool)
        keep[i] = False
        d = X[keep & (arm == 0)].mean(0) - X[keep & (arm == 1)].mean(0)
        J.append((d[0], d[1], WTP * d[1] - d[0]))
    th = g0.mean(0) - g1.mean(0)
    return bca_interval(np.array([th[0], th[1], WTP * th[1] - th[0]]), R, np.array(J))


def best(f, *a, repeat=3):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(*a)
        t.append(time.perf_counter() - t0)
    return min(t)


def main() -> None:
    X, arm = data(600)
    tv = best(vectorised, X, arm, repeat=10)   # best of several: the machine is shared
    bootstrap.THREADS = 1
    tv1 = best(vectorised, X, arm, repeat=10)
    bootstrap.THREADS = None
    tl = best(loop, X, arm, repeat=3)
    threads = bootstrap._threads(2, B * len(X))
    print(f"n=600, B={B}, BCa (ΔC, ΔE, NMB): vectorised {tv:.3f} s ({threads} threads; "
          f"one thread {tv1:.3f} s), Python loop {tl:.3f} s, ratio {tl / tv:.0f}x "
          f"({tl / tv1:.0f}x in one thread)")
    X6, arm6 = data(60000)
    tv6 = best(vectorised, X6, arm6, repeat=1)
    print(f"n=60000, B={B}, BCa: vectorised {tv6:.2f} s")
    # the loop at n = 60,000 on a slice of B, scaled (the jackknife loop would take hours)
    t0 = time.perf_counter()
    rng = np.random.default_rng(1)
    g0, g1 = X6[arm6 == 0], X6[arm6 == 1]
    for _ in range(200):
        g0[rng.integers(0, len(g0), len(g0))].mean(0)
        g1[rng.integers(0, len(g1), len(g1))].mean(0)
    tl6 = (time.perf_counter() - t0) * B / 200
    t0 = time.perf_counter()
    for i in range(100):  # the loop jackknife, 100 of the 60,000 deletions
        keep = np.ones(len(X6), bool)
        keep[i] = False
        X6[keep & (arm6 == 0)].mean(0) - X6[keep & (arm6 == 1)].mean(0)
    tj6 = (time.perf_counter() - t0) * len(X6) / 100
    print(f"n=60000, B={B}: Python loop, replicates {tl6:.2f} s + jackknife {tj6:.1f} s "
          f"(extrapolated from 200 replicates and 100 deletions), ratio "
          f"{tl6 / tv6:.1f}x on the replicates alone, {(tl6 + tj6) / tv6:.0f}x with BCa")

    ids = [f"{i:07d}" for i in range(600)]
    arms = np.where(arm == 0, "HB", "Verrokki")
    workers = [f"0{1 + i % 6}-{i % 9:02d}" for i in range(600)]
    costs = pd.DataFrame({"client_id": ids, "arm": arms, "total": X[:, 0],
                          "perspective": "organiser"})
    eff = pd.DataFrame({"client_id": ids, "arm": arms, "pilot": "Pori", "worker": workers,
                        "baseline": 5.0, "end": 5.0 + X[:, 1], "change": X[:, 1]})
    cfg = AnalysisConfig(bootstrap_reps=B)
    tr = best(lambda: run_cea(costs, eff, cfg, glm_check=False))
    print(f"run_cea n=600, B={B} (BCa, CEAC 201 λ, Fieller, quadrants): {tr:.3f} s")
    tw = best(lambda: run_cea(costs, eff, cfg, resample="workers", glm_check=False))
    print(f"run_cea two-stage cluster bootstrap, n=600 in 108 worker-arm clusters: {tw:.3f} s")
    tc = best(lambda: cluster_means(X6, arm6, np.arange(60000) % 400, B, 1), repeat=1)
    print(f"cluster_means n=60000 in 400 clusters, B={B}: {tc:.2f} s")
    joint_vs_separate()


def joint_vs_separate(n: int = 60000) -> None:
    """Both perspectives and their SUR: one bootstrap against four (CPU seconds)."""
    from hb_eval.costs.cea import cea_sample
    from hb_eval.costs.joint import cea_and_sur
    from hb_eval.costs.sur import sur_cea

    X, arm = data(n)
    rng = np.random.default_rng(3)
    ids = [f"{i:07d}" for i in range(n)]
    arms = np.where(arm == 0, "HB", "Verrokki")
    pilots = rng.choice(["Pori", "Vantaa", "Kainuu", "Lahti", "Oulu", "Turku"], size=n)
    org = pd.DataFrame({"client_id": ids, "arm": arms, "total": X[:, 0],
                        "perspective": "organiser"})
    soc = org.assign(total=X[:, 0] * 1.2 + 40.0, perspective="societal")
    base = rng.normal(5.0, 1.5, size=n)
    eff = pd.DataFrame({"client_id": ids, "arm": arms, "pilot": pilots,
                        "worker": [f"0{1 + i % 6}-{i % 40:02d}" for i in range(n)],
                        "baseline": base, "end": base + X[:, 1], "change": X[:, 1]})
    cfg = AnalysisConfig(bootstrap_reps=B)
    costs = {"organiser": org, "societal": soc}

    def separate() -> None:
        for c in costs.values():
            run_cea(c, eff, cfg)
            sur_cea(cea_sample(c, eff), B=B, seed=cfg.seed)

    for name, f in (("one bootstrap (cea_and_sur)", lambda: cea_and_sur(costs, eff, cfg)),
                    ("four bootstraps (run_cea + sur_cea per perspective)", separate)):
        t0 = time.process_time()
        f()
        print(f"CEA of 2 perspectives with SUR, n={n}, B={B}, {name}: "
              f"{time.process_time() - t0:.2f} s CPU")


if __name__ == "__main__":
    main()
