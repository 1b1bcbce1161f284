"""Coverage of the within-arm effect-size intervals against planted truth (and timing).

Bivariate normal baseline/end with SD 1 and 1, correlation 0.5, mean change 0.5: the true
d_av is 0.5 and the true d_z is 0.5 / sqrt(2 (1 - 0.5)) = 0.5.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hb_eval.stats.effect_sizes import within_arm


def main(reps_ncp: int = 1000, reps_boot: int = 200, n: int = 20, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    cov = [[1.0, 0.5], [0.5, 1.0]]
    truth = {"d_z": 0.5, "d_av": 0.5, "g_av": 0.5}
    for ci_method, reps in (("ncp", reps_ncp), ("bootstrap", reps_boot)):
        hits = {k: 0 for k in truth}
        t0 = time.perf_counter()
        for _ in range(reps):
            xy = rng.multivariate_normal([0.0, 0.5], cov, size=n)
            f = pd.DataFrame({"arm": "HB", "baseline": xy[:, 0], "end": xy[:, 1]})
            tab = within_arm(f, ci_method=ci_method, n_boot=1000, seed=rng).set_index("method")
            for k, v in truth.items():
                hits[k] += tab.at[k, "ci_low"] <= v <= tab.at[k, "ci_high"]
        dt = time.perf_counter() - t0
        cover = ", ".join(f"{k} {hits[k] / reps:.3f}" for k in truth)
        print(f"ci_method={ci_method} n={n} reps={reps}: coverage of 95% CIs: {cover} "
              f"({dt / reps * 1000:.1f} ms per call)")


if __name__ == "__main__":
    main()
