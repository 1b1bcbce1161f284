"""Speed of the vectorised parsers and the henkilötunnus scan on export-sized columns.

Prints seconds per 100,000 cells for each parser, with realistic repetition (a few thousand
distinct texts) and the worst case (no repetition drawn: every client number and number distinct), and the scan of a 100,000 × 40 grid.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hb_eval.data.parsing import (
    normalize_client_ids,
    normalize_texts,
    parse_dates,
    parse_durations,
    parse_numbers,
)
from hb_eval.privacy import contains_hetu_series

N = 100_000


def timed(fn, s: pd.Series, reps: int = 3) -> float:
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(s)
        best = min(best, time.perf_counter() - t0)
    return best


def columns(rng: np.random.Generator, distinct: bool) -> dict[str, tuple]:
    k = N if distinct else 3000
    pil = rng.integers(1, 7, k)
    ids = np.array([f"0{p}{g}{t:02d}{n:02d}" if i % 3 else f"0{p}-{g}-{t:02d}-{n:02d}"
                    for i, (p, g, t, n) in enumerate(zip(pil, rng.integers(1, 7, k),
                                                         rng.integers(0, 100, k),
                                                         rng.integers(0, 100, k)))],
                   dtype=object)
    nums = np.array([f"{x:,.2f}".replace(",", "\u00a0").replace(".", ",")
                     for x in rng.uniform(0, 1e5, k)], dtype=object)
    days = rng.integers(0, 3650, k)
    dates = np.array([(pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(d))).strftime(
        "%-d.%-m.%Y") for d in days], dtype=object)
    mins = rng.integers(1, 600, k)
    durs = np.array([f"{m // 60} h {m % 60} min" if i % 2 else f"{m}" for i, m in
                     enumerate(mins)], dtype=object)
    pick = rng.integers(0, k, N) if not distinct else np.arange(N)
    return {
        "normalize_client_ids": (normalize_client_ids, pd.Series(ids[pick], dtype=object)),
        "parse_numbers": (parse_numbers, pd.Series(nums[pick], dtype=object)),
        "parse_dates": (parse_dates, pd.Series(dates[pick], dtype=object)),
        "parse_durations": (parse_durations, pd.Series(durs[pick], dtype=object)),
        "normalize_texts": (normalize_texts, pd.Series(durs[pick], dtype=object)),
    }


def main() -> None:
    rng = np.random.default_rng(20190331)
    for distinct in (False, True):
        label = "no repetition drawn" if distinct else "3,000 distinct texts"
        for name, (fn, s) in columns(rng, distinct).items():
            print(f"{name:22s} {N:,} cells ({label}): {timed(fn, s):.3f} s", flush=True)
    # the hetu scan over a whole export: 100,000 rows x 40 columns, a few codes planted
    cols = columns(rng, False)
    base = [cols[k][1] for k in ("normalize_client_ids", "parse_numbers", "parse_dates",
                                 "parse_durations")]
    grid = pd.DataFrame({f"c{i}": base[i % 4] for i in range(40)})
    grid.iloc[[5, 500, 50_000], 7] = "131052-308T"
    t0 = time.perf_counter()
    hits = sum(int(contains_hetu_series(grid[c]).sum()) for c in grid.columns)
    took = time.perf_counter() - t0
    print(f"contains_hetu_series   100,000 x 40 cells: {took:.2f} s ({hits} codes found)")


if __name__ == "__main__":
    main()
