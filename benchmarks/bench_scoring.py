"""Scoring, alpha table and within-arm effect sizes on a large synthetic items table."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hb_eval.stats.effect_sizes import d_ppc2, reliable_change, within_arm
from hb_eval.outcomes.reliability import alpha_table
from hb_eval.outcomes.scores import change_frame, default_rules, score_items


def synthetic(n_clients: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rules = default_rules()
    kyky = rules["kykyviisari"].items
    ids = np.array([f"{i:07d}" for i in range(n_clients)])
    waves = np.array(["alku", "loppu"])
    cid = np.repeat(ids, 2 * len(kyky))
    wave = np.tile(np.repeat(waves, len(kyky)), n_clients)
    item = np.tile(kyky["item"].to_numpy(), 2 * n_clients)
    lo = np.tile(kyky["scale_min"].to_numpy(), 2 * n_clients)
    hi = np.tile(kyky["scale_max"].to_numpy(), 2 * n_clients)
    val = np.round(lo + rng.random(len(item)) * (hi - lo))
    val[rng.random(len(val)) < 0.1] = np.nan
    items = pd.DataFrame({"response_id": cid + wave, "client_id": cid, "source": "kykyviisari",
                          "wave": wave, "item": item, "value": val})
    clients = pd.DataFrame({"client_id": ids, "arm": np.where(np.arange(n_clients) % 2, "HB",
                                                                "Verrokki"),
                            "pilot": "Vantaa", "client_group": "lapsiperhe", "worker": "04-01",
                            "sex": "nainen", "age_group": "25–34"})
    return items, clients


def main() -> None:
    for n in (1_000, 10_000):
        items, clients = synthetic(n)
        t0 = time.perf_counter()
        s = score_items(items)
        t1 = time.perf_counter()
        cf = change_frame(s, clients, "kykyviisari_total")
        t2 = time.perf_counter()
        within_arm(cf)
        d_ppc2(cf)
        reliable_change(cf, 0.8)
        t3 = time.perf_counter()
        within_arm(cf, ci_method="bootstrap", n_boot=2000, seed=1)
        t4 = time.perf_counter()
        alpha_table(items)
        t5 = time.perf_counter()
        print(f"clients={n} item rows={len(items)}: score_items {t1 - t0:.2f} s, change_frame "
              f"{t2 - t1:.3f} s, within_arm+d_ppc2+RCI (ncp) {t3 - t2:.2f} s, within_arm "
              f"bootstrap B=2000 {t4 - t3:.2f} s, alpha_table {t5 - t4:.2f} s")


if __name__ == "__main__":
    main()
