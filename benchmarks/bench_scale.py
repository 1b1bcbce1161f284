"""Benchmark: evaluations at scale (1,000, 6,000, 20,000 and 100,000 consenting clients).

For each size a demo is written (``write_demo(clients=N)``, timed but not a target), then in a
fresh process: the raw python-calamine read of every workbook of the evaluation and of the diary
workbooks alone; the diary load (:func:`hb_eval.data.loaders.time_diary.load`, one process and
the default pool) and its ratio to the raw read of the same files, measured in the same run,
interleaved, best and median of :data:`REPEATS` (6,000 clients write about 1,000 diaries); the
whole load (``hb_eval.load``) and its ratio to the raw read of all files; and the full report
(``run_report``). Peak memory (resident set) is that of the measured process, read by its parent
with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``.

Targets (issue 10): diary load of about 1,000 workbooks <= 3 x the raw read; report at 20,000
clients < 60 s and at 100,000 < 5 min; peak memory at 100,000 < 8 GiB.

The 100,000-client size runs only with ``HB_BENCH_100K=1`` (or ``--sizes``): it takes minutes.
``--report`` (issue 23) measures instead, for each size, the whole load against the raw read
of all its inputs (every workbook through python-calamine, every CSV through the csv module),
in one process, interleaved, best of :data:`LOAD_REPEATS`; then the full report in a fresh
process, as a user's run, with the time of each step (the progress display's clock: the load,
every analysis stage, the report) (``--report-repeats K``: K runs, each in a fresh process,
the best run's times and the median reported: a shared machine's speed varies); then in
another fresh run (sampling memory slows a run) the peak resident set of one process (a forked
worker's counts the pages it shares with its parent) and the peak of the report's whole
process tree as summed PSS (a shared page split among its holders: the memory the run holds).
Targets (issue 23): whole load <= 2x the raw read; report at 20,000 clients <= 8x the raw read; at
100,000 < 60 s and < 2 GiB.

Usage: ``python benchmarks/bench_scale.py [--sizes 1000 6000 20000 100000] [--keep DIR]
[--report [--repeats N] [--report-repeats K]]``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


#: repetitions of the raw read and the diary load (best and median reported)
REPEATS = 9
#: repetitions of the raw read of all inputs and the whole load (``--report``)
LOAD_REPEATS = 3
#: ``--report``: measure only the whole load and the report (set by main)
REPORT_ONLY = False
#: ``--report``: full reports per size, each in a fresh process (best and median reported: the
#: same code's 100,000-client report took 55-80 s on one machine in one morning)
REPORT_REPEATS = 1


def _raw_read(paths: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        wb.close()
    return time.perf_counter() - t0


def _raw_read_inputs(paths: list[Path]) -> float:
    """The raw read of an evaluation's inputs: every workbook's first sheet through
    python-calamine, every CSV through the standard csv module (bytes decoded as the file's
    encoding, UTF-8 or Latin-1), any other file (the unit costs' YAML) as bytes; nothing parsed
    or checked."""
    import csv
    import io

    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    for p in paths:
        if p.suffix.lower() == ".csv":
            raw = p.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            for _ in csv.reader(io.StringIO(text), delimiter=";"):
                pass
        elif p.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
            p.read_bytes()
        else:
            wb = CalamineWorkbook.from_path(str(p))
            wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
            wb.close()
    return time.perf_counter() - t0


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the diary pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_pss_mib(pid: int) -> float:
    """Summed proportional set size (PSS) of ``pid`` and its descendants, in MiB (Linux).

    Forked workers share the parent's pages, so each one's resident set counts them again;
    PSS splits a shared page among the processes holding it, so the sum is the memory the
    run holds."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, StopIteration, ValueError):  # gone meanwhile, or not Linux
            pass
    return total / 1024


class _PeakTreePss:
    """Samples :func:`_tree_pss_mib` of this process every ``every`` s in a thread; ``peak``."""

    def __init__(self, every: float = 0.25) -> None:
        import threading

        self.peak, self._every = 0.0, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_pss_mib(os.getpid()))
            self._stop.wait(self._every)

    def __enter__(self) -> "_PeakTreePss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_report_only(n: int, root: Path) -> dict:
    """The whole load against the raw read of the same inputs, interleaved, in the measured
    process (the report is measured in a fresh one: :func:`run_report_alone`)."""
    import hb_eval
    from hb_eval.config import SOURCES, load_config

    cfg = load_config(root / "evaluation.yaml")
    inputs = sorted({p for s in SOURCES if cfg.has_source(s) for p in cfg.source_files(s)})
    out: dict = {"clients": n, "input_files": len(inputs),
                 "input_mib": sum(p.stat().st_size for p in inputs) / 2 ** 20}
    raws, raw_cpus, loads, load_cpus = [], [], [], []
    for _ in range(LOAD_REPEATS):  # interleaved: the machine's noise hits both alike
        c0 = _cpu()
        raws.append(_raw_read_inputs(inputs))
        raw_cpus.append(_cpu() - c0)
        t0, c0 = time.perf_counter(), _cpu()
        ds = hb_eval.load(cfg)
        loads.append(time.perf_counter() - t0)
        load_cpus.append(_cpu() - c0)  # with the diary pool's workers
    raw = min(raws)
    med = statistics.median
    # the best of the repeats has warm imports, like the raw read; the first load of the
    # process (a command's one load) also imports pandas and the loaders, parses the schemas
    out.update(raw_read_s=raw, raw_read_median_s=med(raws), load_s=min(loads),
               load_first_s=loads[0], load_first_cpu_s=load_cpus[0],
               load_cpu_s=min(load_cpus), load_ratio=min(loads) / raw,
               load_ratio_median=med(loads) / med(raws), raw_read_cpu_s=min(raw_cpus),
               load_cpu_ratio=min(load_cpus) / min(raw_cpus),
               consenting_clients=len(ds.clients))
    return out


def run_report_alone(n: int, root: Path, memory: bool = False) -> dict:
    """The full report in a fresh process, as a user's run: wall and CPU time (with the forked
    workers) and the time of each step (the run's progress clock: the load, every stage, the
    report); with ``memory``, instead, the peak resident set of one process and the peak
    summed PSS of the process tree.

    The two are measured in separate runs: sampling the tree's PSS reads every process's page
    tables four times a second (``/proc/<pid>/smaps_rollup``), which slowed the 100,000-client
    report by about 6 s."""
    from hb_eval.config import load_config
    from hb_eval.report.command import read_analyses
    from hb_eval.report.run import run_report
    from hb_eval.support.progress import RunProgress

    cfg = load_config(root / "evaluation.yaml")
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        run = RunProgress(False)
        if memory:
            with _PeakTreePss() as pss:
                run_report(cfg, Path(tmp) / "out", progress=run)
            run.close()
            out["report_peak_tree_pss_gib"] = pss.peak / 1024
            out["report_peak_rss_gib"] = max(
                resource.getrusage(who).ru_maxrss
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 2 ** 20
            return out
        t0, c0 = time.perf_counter(), _cpu()
        run_report(cfg, Path(tmp) / "out", progress=run)
        run.close()
        out["report_s"] = time.perf_counter() - t0
        out["report_cpu_s"] = _cpu() - c0
        out["steps_s"] = {k: round(v, 2) for k, v in run.times.items()}
        out["steps_cpu_s"] = {k: round(v, 2) for k, v in run.cpu_times.items()}
        out["analyses"] = read_analyses(Path(tmp) / "out")
    return out


def run_one(n: int, root: Path) -> dict:
    """Measure one written evaluation (runs in the measured process)."""
    import hb_eval
    from hb_eval.config import load_config
    from hb_eval.data.loaders import time_diary
    from hb_eval.data.loaders.common import LoadContext
    from hb_eval.data.quarantine import Quarantine
    from hb_eval.data.schema import load_schema
    from hb_eval.report.command import read_analyses
    from hb_eval.report.run import run_report

    cfg = load_config(root / "evaluation.yaml")
    diaries = sorted(cfg.source_files("time_diary"))
    books = sorted(root.rglob("*.xlsx"))
    out: dict = {"clients": n, "diary_files": len(diaries), "xlsx_files": len(books)}
    schema = load_schema("time_diary")
    # raw read and diary load in the same run, interleaved, REPEATS times each (the first
    # warms the file cache); the best and the median of each (a shared machine is noisy)
    raws, serials, pooleds = [], [], []
    for _ in range(REPEATS):
        raws.append(_raw_read(diaries))
        t0 = time.perf_counter()
        time_diary.load(diaries, LoadContext("time_diary", schema, Quarantine(), root), workers=1)
        serials.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        time_diary.load(diaries, LoadContext("time_diary", schema, Quarantine(), root))
        pooleds.append(time.perf_counter() - t0)
    raw, serial, pooled = min(raws), min(serials), min(pooleds)
    med = statistics.median
    out.update(diary_raw_read_s=raw, diary_load_1proc_s=serial, diary_load_pool_s=pooled,
               diary_ratio_1proc=serial / raw, diary_ratio_pool=pooled / raw,
               diary_ratio_pool_median=med(pooleds) / med(raws),
               diary_ratio_1proc_median=med(serials) / med(raws))
    raw_all = _raw_read(books)
    t0, c0 = time.perf_counter(), time.process_time()
    ds = hb_eval.load(cfg)
    load_s = time.perf_counter() - t0
    out.update(raw_read_all_xlsx_s=raw_all, load_s=load_s, load_ratio_all=load_s / raw_all,
               load_cpu_s=time.process_time() - c0, consenting_clients=len(ds.clients))
    with tempfile.TemporaryDirectory() as tmp:
        # wall time, and CPU time of this process (all its threads; pool workers not included):
        # on a shared machine the wall time also measures the other users
        t0, c0 = time.perf_counter(), time.process_time()
        run_report(cfg, Path(tmp) / "out", progress=False)
        out["report_s"] = time.perf_counter() - t0
        out["report_cpu_s"] = time.process_time() - c0
        out["analyses"] = read_analyses(Path(tmp) / "out")
    return out


def _measure(n: int, root: Path) -> dict:
    """Run :func:`run_one` in a child and add its peak resident set (this process's children)."""
    res: dict = {}
    runs: list[dict] = []
    for flag in (["--run-report"] + ["--run-report-alone"] * REPORT_REPEATS
                 + ["--run-report-memory"] if REPORT_ONLY else ["--run"]):
        r = subprocess.run([sys.executable, __file__, flag, str(n), str(root)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"size {n} failed:\n{r.stderr[-3000:]}")
        got = json.loads(r.stdout.strip().splitlines()[-1])
        if flag == "--run-report-alone":
            runs.append(got)
        else:
            res.update(got)
    if runs:  # the best run's times and steps, and every run's wall time
        res.update(min(runs, key=lambda m: m["report_s"]))
        res["report_runs_s"] = [m["report_s"] for m in runs]
        res["report_median_s"] = statistics.median(res["report_runs_s"])
    res["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2 ** 20
    if REPORT_ONLY:
        res["report_ratio"] = res["report_s"] / res["raw_read_s"]
        res["report_cpu_ratio"] = res["report_cpu_s"] / res["raw_read_cpu_s"]
    return res


def main() -> int:
    global LOAD_REPEATS, REPORT_ONLY, REPORT_REPEATS
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--keep", default=None, help="write the demos here and keep them")
    ap.add_argument("--report", action="store_true",
                    help="only the whole load and the full report against the raw read of all "
                         "inputs (xlsx and csv), with per-step times (issue 23)")
    ap.add_argument("--repeats", type=int, default=None,
                    help=f"--report: raw reads and loads per size (default {LOAD_REPEATS})")
    ap.add_argument("--report-repeats", type=int, default=None,
                    help=f"--report: full reports per size (default {REPORT_REPEATS})")
    ap.add_argument("--run", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-report", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-report-alone", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-report-memory", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--measure", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:  # the measured process
        print(json.dumps(run_one(int(args.run[0]), Path(args.run[1])), default=str))
        return 0
    if args.repeats:
        LOAD_REPEATS = args.repeats
        os.environ["HB_BENCH_REPEATS"] = str(args.repeats)  # for the measured processes
    elif os.environ.get("HB_BENCH_REPEATS"):
        LOAD_REPEATS = int(os.environ["HB_BENCH_REPEATS"])
    if args.run_report:
        print(json.dumps(run_report_only(int(args.run_report[0]), Path(args.run_report[1])),
                         default=str))
        return 0
    if args.run_report_alone:
        print(json.dumps(run_report_alone(int(args.run_report_alone[0]),
                                          Path(args.run_report_alone[1])), default=str))
        return 0
    if args.run_report_memory:
        print(json.dumps(run_report_alone(int(args.run_report_memory[0]),
                                          Path(args.run_report_memory[1]), memory=True),
                         default=str))
        return 0
    REPORT_ONLY = args.report
    if args.report_repeats:
        REPORT_REPEATS = args.report_repeats
        os.environ["HB_BENCH_REPORT_REPEATS"] = str(args.report_repeats)
    elif os.environ.get("HB_BENCH_REPORT_REPEATS"):
        REPORT_REPEATS = int(os.environ["HB_BENCH_REPORT_REPEATS"])
    if args.measure:  # parent of exactly one measured process
        print(json.dumps(_measure(int(args.measure[0]), Path(args.measure[1]))))
        return 0
    # 6,000 clients write about 1,000 diary workbooks: the size of the diary-load target
    sizes = args.sizes or ([1000, 6000, 20000]
                           + ([100000] if os.environ.get("HB_BENCH_100K") else []))
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hb_scale_"))
    load1 = os.getloadavg()[0]
    print(f"load average at start: {load1:.1f} on {os.cpu_count()} cores")
    for n in sizes:
        root = base / f"demo_{n}"
        t0 = time.perf_counter()
        if not (root / "evaluation.yaml").exists():
            subprocess.run([sys.executable, "-c", "import sys; from hb_eval.demo import "
                            "write_demo; write_demo(sys.argv[1], clients=int(sys.argv[2]))",
                            str(root), str(n)], check=True)
        write_s = time.perf_counter() - t0
        r = subprocess.run([sys.executable, __file__, "--measure", str(n), str(root)]
                           + (["--report"] if REPORT_ONLY else []), capture_output=True,
                           text=True)
        if r.returncode != 0:
            print(f"{n:>7} clients: FAILED\n{r.stderr[-3000:]}")
            return 1
        m = json.loads(r.stdout.strip().splitlines()[-1])
        ok = all(v == "ok" for v in m["analyses"].values())
        if REPORT_ONLY:
            steps = ", ".join(f"{k} {v:.1f}/{m['steps_cpu_s'].get(k, 0):.1f}"
                              for k, v in m["steps_s"].items())
            print(f"{n:>7} clients ({m['consenting_clients']} consenting; "
                  f"{m['input_files']} input files, {m['input_mib']:.0f} MiB): raw read "
                  f"{m['raw_read_s']:.2f} s | whole load {m['load_s']:.2f} s wall, "
                  f"{m['load_cpu_s']:.2f} s CPU = {m['load_ratio']:.1f}x the raw read "
                  f"(median {m['load_ratio_median']:.1f}x, best of {LOAD_REPEATS}; CPU "
                  f"{m['load_cpu_ratio']:.1f}x the raw read's {m['raw_read_cpu_s']:.2f} s; the "
                  f"process's first load {m['load_first_s']:.2f} s wall, "
                  f"{m['load_first_cpu_s']:.2f} s CPU) | "
                  f"report {m['report_s']:.1f} s wall, {m['report_cpu_s']:.1f} s CPU = "
                  f"{m['report_ratio']:.1f}x the raw read (CPU {m['report_cpu_ratio']:.1f}x"
                  + (f"; best of {len(m['report_runs_s'])} runs, median "
                     f"{m['report_median_s']:.1f} s, each: "
                     f"{', '.join(f'{x:.1f}' for x in m['report_runs_s'])} s"
                     if len(m["report_runs_s"]) > 1 else "") + ") "
                  f"| peak RSS of one process {m['report_peak_rss_gib']:.2f} GiB, of the report's "
                  f"process tree (summed PSS) {m['report_peak_tree_pss_gib']:.2f} GiB "
                  f"| steps (s, wall/CPU of the main "
                  f"process): {steps} | sections "
                  f"{'all ok' if ok else m['analyses']} | load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
            continue
        print(f"{n:>7} clients ({m['consenting_clients']} consenting; demo written in "
              f"{write_s:.0f} s): {m['diary_files']} diaries: raw read "
              f"{m['diary_raw_read_s']:.2f} s, load {m['diary_load_1proc_s']:.2f} s "
              f"({m['diary_ratio_1proc']:.1f}x; median {m['diary_ratio_1proc_median']:.1f}x) in "
              f"one process, {m['diary_load_pool_s']:.2f} s ({m['diary_ratio_pool']:.1f}x; "
              f"median {m['diary_ratio_pool_median']:.1f}x) with the pool (best of {REPEATS}) "
              f"| whole load {m['load_s']:.1f} s "
              f"({m['load_ratio_all']:.1f}x the raw read of all {m['xlsx_files']} workbooks, "
              f"{m['raw_read_all_xlsx_s']:.2f} s) | report {m['report_s']:.1f} s wall, "
              f"{m['report_cpu_s']:.1f} s CPU | peak RSS "
              f"{m['peak_rss_gib']:.2f} GiB | sections {'all ok' if ok else m['analyses']} | "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
