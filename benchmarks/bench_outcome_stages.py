"""CPU seconds per analysis stage on an already loaded dataset (issue 23: outcome side).

    python benchmarks/bench_outcome_stages.py /work/demos/d100k/evaluation.yaml \
        [--dataset ds.pkl] [--stages outcomes,imputation,comparability,confounding]

Loads the configuration's data once (or unpickles ``--dataset``; with ``--dataset`` and no
such file, loads and pickles it there for the next run), then runs ``evaluate(cfg,
dataset=ds)`` with every stage timed by ``time.process_time`` (one BLAS thread, as evaluate
runs them); stages not listed are skipped. Prints CPU and wall seconds per stage and the
process's peak RSS (and the CPU and peak RSS of the outcome stage's worker processes). Compare two trees by running this with each on the same pickle, one after
the other (the machine is shared: CPU seconds are the fairer figure).
"""
from __future__ import annotations

import argparse
import os
import pickle
import resource
import time


def main() -> None:
    import hb_eval
    from hb_eval import pipeline

    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("--dataset", default=None, help="pickled Dataset (made if absent)")
    p.add_argument("--stages", default="outcomes,imputation,comparability,confounding")
    a = p.parse_args()
    if a.dataset and os.path.exists(a.dataset):
        with open(a.dataset, "rb") as f:
            ds = pickle.load(f)
    else:
        ds = hb_eval.load(a.config)
        if a.dataset:
            with open(a.dataset, "wb") as f:
                pickle.dump(ds, f, protocol=5)
    times: dict[str, tuple[float, float]] = {}

    def timed(name, fun):
        def run(*args, **kw):
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return fun(*args, **kw)
            finally:
                times[name] = (time.perf_counter() - w0, time.process_time() - c0)
        return run

    keep = set(a.stages.split(","))
    pipeline.STAGES = tuple(
        pipeline.Stage(s.name, timed(s.name, s.run) if s.name in keep else (lambda ev: None),
                       s.needs, s.after) for s in pipeline.STAGES)
    pipeline.scoring.score_all = timed("scoring", pipeline.scoring.score_all)
    hb_eval.evaluate(ds.config, dataset=ds, progress=False)
    print(f"{'stage':16s} {'cpu s':>8s} {'wall s':>8s}")
    for name, (wall, cpu) in times.items():
        print(f"{name:16s} {cpu:8.2f} {wall:8.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"peak RSS {rss:.2f} GiB")
    # the outcome stage forks its estimators from 5,000 clients: their CPU is the children's
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"worker processes: CPU {ch.ru_utime + ch.ru_stime:.2f} s, "
          f"peak RSS {ch.ru_maxrss / 2 ** 20:.2f} GiB")


if __name__ == "__main__":
    main()
