"""One progress display for a whole run: the load, the analyses and the report on one clock.

A :class:`RunProgress` is made once per run (``hb-eval report``, :func:`hb_eval.evaluate`) and
handed to every long step: the load advances it per file, each analysis stage starts a step, the
bootstraps report their replicates through :meth:`RunProgress.counter`, and the report's
rendering continues on the same clock. How it shows depends on where it runs
(:func:`choose_mode`):

``bar``
    stderr is a terminal: one tqdm bar for the whole run, with the current step, its counts
    (files, replicates), the time elapsed and the time left.
``notebook``
    inside Jupyter (an IPython kernel): the same bar through ``tqdm.auto`` (a widget when
    ipywidgets is installed, else text the notebook redraws in place).
``lines``
    stderr is not a terminal (a log file, a pipe): plain timed lines, one per phase and per
    analysis, never a bar or a carriage return.
``ci``
    the ``CI`` environment variable is set: only the phases (load, analyses, report, done) and
    the warnings, as plain lines.
``off``
    nothing (``progress=False``, ``--quiet``).

The time left is the elapsed time scaled by the share of the run still to do. That share is
weighted: every step has a weight (:data:`WEIGHTS`, the shares measured at 20,000
clients); the load is weighted inside by the bytes of the files, so that a few large
questionnaire workbooks count as much as the many small diaries they outweigh.

Every line goes through the privacy gate (a path in a message may hold an identity code).
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["RunProgress", "WEIGHTS", "as_progress", "choose_mode"]

#: Share of a run's time per step (wall shares of a full report at 20,000 clients with this
#: code, bench_scale --report; only the estimate of the time left depends on them). A step not
#: named here weighs nothing.
WEIGHTS: dict[str, float] = {
    "load": 0.35, "scoring": 0.045, "outcomes": 0.25, "imputation": 0.025,
    "comparability": 0.015, "confounding": 0.002, "satisfaction": 0.005, "esr": 0.002,
    "services": 0.004, "budget": 0.005, "providers": 0.007, "costs": 0.033, "cea": 0.05,
    "sensitivity": 0.056, "plan": 0.01, "report": 0.14,
}
#: Steps that open a phase: the only ones shown in CI (with the warnings and the end).
PHASES = {"load": "loading", "scoring": "analyses", "report": "writing the report"}
#: Seconds between redraws of a bar while a step reports nothing (the clock keeps moving).
REFRESH = 1.0


def _truthy(v: str | None) -> bool:
    return bool(v) and v.strip().lower() not in ("0", "false", "no", "")


def _in_notebook() -> bool:
    """True inside an IPython kernel (Jupyter), where stderr is no terminal but redraws."""
    ip = sys.modules.get("IPython")
    try:
        shell = ip.get_ipython() if ip is not None else None  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - a broken IPython
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def choose_mode(enabled: bool = True, stream: TextIO | None = None,
                environ: dict[str, str] | None = None) -> str:
    """The display for this run: ``off``, ``ci``, ``notebook``, ``bar`` or ``lines``.

    ``CI`` set (any value but empty, 0, false, no) wins over a terminal and a notebook.
    """
    if not enabled:
        return "off"
    env = os.environ if environ is None else environ
    if _truthy(env.get("CI")):
        return "ci"
    if _in_notebook():
        return "notebook"
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or a stand-in without isatty
        tty = False
    return "bar" if tty and env.get("TERM", "") != "dumb" else "lines"


class RunProgress:
    """The progress of one run, on one monotonic clock from its creation to :meth:`close`.

    Parameters
    ----------
    enabled
        False: show nothing (the clock still runs: :meth:`elapsed`).
    mode
        Force a display (see :func:`choose_mode`); default: chosen from the environment.
    stream
        Where lines and the bar go (default ``sys.stderr``).
    weights
        Step name -> share of the run (default :data:`WEIGHTS`).
    clock
        A monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(self, enabled: bool = True, *, mode: str | None = None,
                 stream: TextIO | None = None, weights: dict[str, float] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self.mode = mode or choose_mode(enabled, stream)
        self.weights = dict(WEIGHTS if weights is None else weights)
        self._clock = clock
        self.t0 = clock()
        self._done_weight = 0.0   # weight of the finished steps
        self._unweighted = 0.0    # seconds spent in steps of no weight
        self._step_start = 0.0
        self._step_cpu = 0.0
        self._label = ""
        self._step: str | None = None
        self._step_weight = 0.0
        self._frac = 0.0          # share of the current step done
        self._count = ""          # "1,200/3,494 files"
        self._bar: Any = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.lines: list[str] = []  # every line printed (for tests and the benchmark)
        self.times: dict[str, float] = {}  # step -> seconds it took (wall)
        self.cpu_times: dict[str, float] = {}  # step -> CPU seconds of this process

    # -- the clock --------------------------------------------------------------------------
    def elapsed(self) -> float:
        """Seconds since the run started (one clock for every stage)."""
        return self._clock() - self.t0

    @property
    def fraction(self) -> float:
        """Share of the run done, by the step weights (0..1)."""
        total = sum(self.weights.values()) or 1.0
        return min(1.0, (self._done_weight + self._step_weight * self._frac) / total)

    def remaining(self) -> float | None:
        """Estimated seconds left (None before anything is done): the time spent in weighted
        steps, scaled by the share still to do (steps of no weight, such as writing the demo's
        files, do not count)."""
        f = self.fraction
        spent = self.elapsed() - self._unweighted
        if self._step is not None and self._step_weight == 0:
            spent -= self.elapsed() - self._step_start
        return None if f <= 0 or spent <= 0 else spent * (1 - f) / f

    # -- steps ------------------------------------------------------------------------------
    def step(self, name: str, label: str | None = None, *, total: int | None = None,
             unit: str = "", weight: float | None = None) -> None:
        """Start step ``name`` (the previous step is then done).

        ``label`` is what a person reads (default ``name``); ``total`` and ``unit`` the count
        shown (``3,494 files``); ``weight`` overrides the step's share of the run.
        """
        with self._lock:
            self._finish_step()
            self._step = name
            self._step_start = self.elapsed()
            self._step_cpu = time.process_time()
            self._step_weight = self.weights.get(name, 0.0) if weight is None else weight
            self._frac = 0.0
            self._label = label or name
            self._count = f"0/{total:,} {unit}".rstrip() if total is not None else ""
            if self.mode in ("lines", "ci"):
                if self.mode == "lines" or name in PHASES:
                    what = f"{PHASES.get(name, self._label)}" if self.mode == "ci" else self._label
                    extra = f" ({total:,} {unit})" if total else ""
                    self._line(f"{what}{extra} …")
            else:
                self._draw()

    def update(self, done: float, total: float, *, count: str | None = None) -> None:
        """Inside the current step: ``done`` of ``total`` (any unit; bytes for the load)."""
        with self._lock:
            self._frac = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
            if count is not None:
                self._count = count
            self._draw()

    def counter(self, unit: str = "replicates", part: tuple[int, int] = (0, 1)
                ) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` hook (the bootstraps' form) for part ``i`` of ``n`` of
        the current step: ``counter("replicates", (1, 2))`` is the second of two bootstraps."""
        i, n = part

        def hook(done: int, total: int) -> None:
            share = (i + (done / total if total else 1.0)) / max(1, n)
            with self._lock:
                self._frac = max(self._frac, min(1.0, share))  # never backwards
                self._count = f"{done:,}/{total:,} {unit}" + (f" ({i + 1}/{n})" if n > 1 else "")
                self._draw()

        return hook

    def note(self, msg: str) -> None:
        """A message worth a line in every mode but ``off`` (a warning, a failed analysis)."""
        with self._lock:
            if self.mode == "off":
                return
            if self._bar is not None:
                self._bar.clear()
            self._line(msg)
            if self._bar is not None:
                self._bar.refresh()

    def say(self, msg: str) -> None:
        """A line in ``lines`` mode only (details a log keeps and a bar does not need)."""
        if self.mode == "lines":
            with self._lock:
                self._line(msg)

    def part(self, label: str) -> None:
        """A part of the current step (``loading time_diary``, ``figures``): the bar's label,
        a line in ``lines`` mode."""
        with self._lock:
            self._label = label
            self.say(f"{label} …")
            self._draw()

    def close(self, msg: str | None = None) -> None:
        """End the run: the last step is done; ``msg`` (e.g. ``done: path``) as the last line."""
        with self._lock:
            self._finish_step()
            self._done_weight = sum(self.weights.values())
            self._stop.set()
            if self._bar is not None:
                self._label, self._count = "done", ""
                self._draw(force=True)
                self._bar.close()
                self._bar = None
            if msg is not None and self.mode != "off":
                self._line(msg)

    # -- internals --------------------------------------------------------------------------
    def _finish_step(self) -> None:
        if self._step is not None:
            took = self.elapsed() - self._step_start
            self.times[self._step] = self.times.get(self._step, 0.0) + took
            self.cpu_times[self._step] = self.cpu_times.get(self._step, 0.0) + (
                time.process_time() - self._step_cpu)
            if self._step_weight == 0:
                self._unweighted += took
            self._done_weight += self._step_weight
            self._step, self._step_weight, self._frac = None, 0.0, 0.0

    def _out(self) -> TextIO:
        return sys.stderr if self._stream is None else self._stream

    def _line(self, msg: str) -> None:
        from ..privacy import gate  # a path in a message may hold an identity code

        text = f"[hb-eval {self.elapsed():5.1f} s] {gate(msg)}"
        self.lines.append(text)
        print(text, file=self._out(), flush=True)

    def _draw(self, force: bool = False) -> None:
        if self.mode not in ("bar", "notebook"):
            return
        if self._bar is None:
            self._bar = self._make_bar()
        from ..privacy import gate

        from tqdm import tqdm

        left = self.remaining()
        times = f"{tqdm.format_interval(self.elapsed())} elapsed" + (
            "" if left is None else f", ~{tqdm.format_interval(left)} left")
        count = f" {self._count}" if self._count else ""
        self._bar.set_description_str(gate(f"hb-eval: {self._label}{count}"), refresh=False)
        self._bar.unit = times  # shown after the bar (bar_format's {unit}): the run's clock
        self._bar.n = round(1000 * self.fraction)
        self._bar.refresh() if force else self._bar.update(0)

    def _make_bar(self) -> Any:
        import warnings

        if self.mode == "notebook":
            with warnings.catch_warnings():  # without ipywidgets: text, redrawn in place
                warnings.simplefilter("ignore")
                from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        # the times shown are the run's (in {unit}), not the bar's own: one clock for the run;
        # the width is the terminal's, or 100 where it reports none (a fresh pseudo-terminal)
        bar = tqdm(total=1000, file=self._out(), mininterval=0.2, leave=True, unit="",
                   ncols=min(120, shutil.get_terminal_size((100, 24)).columns or 100),
                   bar_format="{desc} {percentage:3.0f}%|{bar}| {unit}")
        self._ticker = threading.Thread(target=self._tick, name="hb_eval-progress", daemon=True)
        self._ticker.start()
        return bar

    def _tick(self) -> None:
        """Redraw the bar now and then while a long step reports nothing."""
        while not self._stop.wait(REFRESH):
            with self._lock:
                if self._bar is not None:
                    self._draw(force=True)


def as_progress(progress: bool | RunProgress | None) -> RunProgress:
    """A :class:`RunProgress` from ``progress=True/False`` or the run's own one."""
    if isinstance(progress, RunProgress):
        return progress
    return RunProgress(bool(progress))

