"""Demo generator: speed of simulate() / write_demo(), and the bias of the planted effect.

The bias is measured with a hand DiD of the scored Kykyviisari total (docs/data_sources.md rules written out
here, not the package's scoring) over independent large simulations; also the bias of a
regression that adjusts the change for the *observed* baseline score (regression to the mean,
expected because selection is on the latent baseline).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_demo import hand_totals  # noqa: E402

from hb_eval.demo import simulate, write_demo  # noqa: E402


def _timing() -> None:
    simulate(seed=0, n_clients=400)
    for oo in (True, False):
        ts, cpu = [], []
        for s in range(15):
            t0, c0 = time.perf_counter(), time.process_time()
            simulate(seed=s, n_clients=400, outcomes_only=oo)
            ts.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        # wall time depends on how busy the shared machine is; CPU time less so
        print(f"simulate(n_clients=400, outcomes_only={oo}): wall median {np.median(ts) * 1e3:.0f} ms, "
              f"CPU median {np.median(cpu) * 1e3:.0f} ms, CPU min {min(cpu) * 1e3:.0f} ms")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        write_demo(d)
        print(f"write_demo(n_clients=360): {time.perf_counter() - t0:.1f} s")


def _bias(reps: int = 16, n: int = 8000, effect: float = 0.8) -> None:
    did, adj = [], []
    for s in range(reps):
        tr = simulate(seed=1000 + s, n_clients=n, effect=effect, outcomes_only=True)
        t = hand_totals(tr.items)
        w = t.pivot_table(index="client_id", columns="wave", values="total", observed=True)
        w = w.dropna(subset=["alku", "loppu"]).join(tr.clients.set_index("client_id")["arm"])
        hb = (w["arm"] == "HB").to_numpy(float)
        ch = (w["loppu"] - w["alku"]).to_numpy()
        did.append(ch[hb == 1].mean() - ch[hb == 0].mean())
        X = np.column_stack([np.ones_like(hb), hb, w["alku"].to_numpy()])
        adj.append(np.linalg.lstsq(X, ch, rcond=None)[0][1])
    did, adj = np.array(did), np.array(adj)
    se = did.std(ddof=1) / np.sqrt(reps)
    print(f"hand DiD over {reps} x {n} clients, effect {effect}: mean {did.mean():.4f} "
          f"(bias {did.mean() - effect:+.4f}, MC se {se:.4f}; sd of one estimate {did.std(ddof=1):.4f})")
    print(f"change ~ arm + observed baseline: mean {adj.mean():.4f} (bias {adj.mean() - effect:+.4f}, "
          f"MC se {adj.std(ddof=1) / np.sqrt(reps):.4f})")


if __name__ == "__main__":
    _timing()
    _bias()
