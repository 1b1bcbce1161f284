"""Time ``hb-eval report --demo`` end to end with 5,000 bootstrap replicates (target < 60 s).

Prints the wall-clock seconds of the whole command (demo data written, loaded, analysed,
report written) and the CPU seconds of the process, which are less sensitive to other load on a
shared machine. Run: ``python benchmarks/bench_report.py [--reps N]``.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5000)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("hb-eval")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "hb_eval.cli"]
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd + ["report", "--demo", "--out", str(out), "--reps",
                                     str(args.reps)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        steps = [ln for ln in proc.stderr.splitlines() if ln.startswith("[hb-eval")]
        for ln in steps:
            print("   ", ln)
        print(f"hb-eval report --demo, {args.reps} replicates: {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU, exit {proc.returncode} (target: under 60 s on 2 cores)")
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
        return 0
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
