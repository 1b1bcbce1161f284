"""Time the full outcome analysis of the demo data (target: seconds, not minutes).

Writes the demo evaluation to a temporary folder, loads it (not timed), then times scoring and
``analyse_outcomes`` with the report's defaults (wild bootstrap 999 replicates, mixed model on),
and the parts separately. Prints seconds.
"""
from __future__ import annotations

import tempfile
import time
import warnings


def main() -> None:
    import hb_eval
    from hb_eval.demo import write_demo
    from hb_eval.outcomes.analysis import analyse_outcomes
    from hb_eval.outcomes.scores import score_all

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        write_demo(tmp, seed=20190331)
        ds = hb_eval.load(f"{tmp}/evaluation.yaml")
        cfg = ds.config.analysis
        scores = score_all(ds)
        analyse_outcomes(scores, ds.clients, cfg, outcomes=["osallisuus"], wild_reps=9)  # warm
        runs = [("analyse_outcomes (wild 999, mixed)", {}),
                ("analyse_outcomes (wild 999, no mixed)", {"mixed": False}),
                ("analyse_outcomes (no wild, no mixed)", {"mixed": False, "wild_reps": 0})]
        rows = []
        for label, kw in runs:
            w0, c0 = time.perf_counter(), time.process_time()
            res = analyse_outcomes(scores, ds.clients, cfg, items=ds.items, **kw)
            rows.append((label, time.perf_counter() - w0, time.process_time() - c0))
    print(f"outcomes analysed: {len(res.n)}; primary n: {res.n['kykyviisari_total']}")
    print("(wall-clock and CPU seconds; on a shared machine the CPU time is the fairer figure)")
    for label, wall, cpu in rows:
        print(f"{label:40s} wall {wall:6.2f} s   cpu {cpu:6.2f} s")


if __name__ == "__main__":
    main()
