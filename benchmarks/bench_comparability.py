"""Satisfaction comparison, Table 1 / propensity / balance, and MICE (with the coverage of its
interval under planted MAR dropout) on synthetic data."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hb_eval.outcomes.comparability import balance, baseline_table, propensity_scores
from hb_eval.outcomes.experience import satisfaction_distribution, satisfaction_items
from hb_eval.stats.imputation import mice_did


def _clients(n: int, rng: np.random.Generator) -> pd.DataFrame:
    hb = rng.random(n) < 0.5
    return pd.DataFrame({
        "client_id": [f"{i:07d}" for i in range(n)],
        "arm": np.where(hb, "HB", "Verrokki"),
        "pilot": rng.choice(["Hämeenlinna", "Pori", "Tampere", "Vantaa", "Eksote", "Kainuu"], n),
        "client_group": rng.choice(["lapsiperhe", "aikuissosiaalityö", "jälkihuolto"], n),
        "sex": rng.choice(["nainen", "mies"], n),
        "age_group": rng.choice(["18–24", "25–34", "35–44", "45–54"], n),
        "baseline": rng.normal(5, 1.5, n) + 0.5 * hb,
    })


def _mar(seed: int, n: int, effect: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = _clients(n, rng)
    f["baseline"] = rng.normal(5, 1.5, n)
    hb = (f["arm"] == "HB").to_numpy()
    end = 2 + 0.6 * f["baseline"] + effect * hb + rng.normal(0, 0.7, n)
    lin = np.where(hb, -0.5 + (f["baseline"] - 5), -0.5 - (f["baseline"] - 5))
    f["end"] = np.where(rng.random(n) < 1 / (1 + np.exp(-lin)), np.nan, end)
    f["change"] = f["end"] - f["baseline"]
    return f


def main() -> None:
    rng = np.random.default_rng(1)
    n = 10_000
    sat = pd.DataFrame({"version": np.where(rng.random(n) < 0.5, "HB", "Verrokki")})
    for i in range(1, 9):
        x = rng.integers(1, 6, n).astype(float)
        x[rng.random(n) < 0.1] = np.nan
        sat[f"C{i}"] = x
    t0 = time.perf_counter()
    satisfaction_items(sat)
    satisfaction_distribution(sat)
    t1 = time.perf_counter()
    cl = _clients(n, rng)
    baseline_table(cl.drop(columns="baseline"), cl[["client_id", "baseline"]])
    ps = propensity_scores(cl)
    balance(cl, ps["weight"].to_numpy())
    t2 = time.perf_counter()
    print(f"respondents={n}: satisfaction items + distribution {t1 - t0:.2f} s; "
          f"clients={n}: Table 1 + propensity + balance {t2 - t1:.2f} s")
    for size in (300, 3000):
        f = _mar(0, size)
        t = time.perf_counter()
        mice_did(f, m=20, seed=1)
        print(f"mice_did n={size} m=20 (4 covariates): {time.perf_counter() - t:.2f} s")
    reps, cover, cover_cc, bias, bias_cc = 100, 0, 0, [], []
    t = time.perf_counter()
    for s in range(reps):
        r = mice_did(_mar(100 + s, 200), covariates=("pilot",), m=10, seed=s).iloc[0]
        cover += r["ci_low"] <= 1.0 <= r["ci_high"]
        bias.append(r["estimate"] - 1.0)
        half = 1.96 * r["cc_se"]
        cover_cc += r["cc_estimate"] - half <= 1.0 <= r["cc_estimate"] + half
        bias_cc.append(r["cc_estimate"] - 1.0)
    print(f"MAR dropout, n=200, m=10, {reps} reps ({time.perf_counter() - t:.1f} s): MICE bias "
          f"{np.mean(bias):+.3f}, 95% CI coverage {cover / reps:.2f}; complete-case bias "
          f"{np.mean(bias_cc):+.3f}, coverage {cover_cc / reps:.2f}")


if __name__ == "__main__":
    main()
