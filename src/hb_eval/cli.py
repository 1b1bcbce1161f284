"""The ``hb-eval`` command line: validate, demo, report, plan, reproduce, export.

This module only parses arguments and turns :class:`~hb_eval.errors.HbEvalError` into a one-line
message (a traceback only with ``--debug``); the work is done by the module of each stage.
"""
from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from . import __version__
from .errors import FileSystemError, HbEvalError, OutputBusyError

#: Exit statuses (also in ``hb-eval --help``).
EXIT_STATUSES = """exit statuses:
  0    done (reproduce: results.json, tables, report.html, tables.xlsx and figures the
       same; a difference of package versions alone is reported as one of environment)
  1    report written but an analysis failed (or --pdf gave no PDF);
       validate: nothing usable loaded;
       reproduce: inputs or results differ from the earlier run
  2    error in the configuration, an input or the output folder (one line says which);
       reproduce: the folder does not match its manifest (tampered, partial or mixed)
  3    another hb-eval run is writing the same output folder or quarantine file
  4    file-system fault (no space, read-only, permission, a file where a folder is needed);
       nothing partial is left behind
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM): nothing partial is left behind"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hb-eval", description="Evaluation of personal budgeting (HB).",
                                epilog=EXIT_STATUSES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"hb-eval {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="load every source and print a data-quality summary",
                       epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("config", help="evaluation.yaml")
    v.add_argument("--json", action="store_true", help="print the data block of results.json")
    v.add_argument("--quarantine-out", default=None,
                   help="where to write the quarantine table (default: hb-eval-karanteeni.csv "
                        "in the working folder; never beside the inputs)")
    v.add_argument("--allow-refused", action="store_true",
                   help="exit 0 even when a file was refused (it is still listed)")

    d = sub.add_parser("demo", help="write a complete demo evaluation (messy raw files + evaluation.yaml)")
    d.add_argument("dir", help="output folder")
    d.add_argument("--seed", type=int, default=None)
    d.add_argument("--n-clients", type=int, default=None)
    d.add_argument("--clients", type=int, default=None,
                   help="about N consenting clients (a larger demo, for scale tests)")

    r = sub.add_parser("report", help="run the analysis and write the report",
                       epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("config", nargs="?", help="evaluation.yaml (omit with --demo)")
    r.add_argument("--demo", action="store_true", help="use the built-in demo data")
    r.add_argument("--out", required=True,
                   help="output folder (written whole or not at all; an earlier hb-eval output "
                        "in it is replaced)")
    r.add_argument("--force", action="store_true",
                   help="write into a non-empty folder that is not an hb-eval output (its files "
                        "are kept)")
    r.add_argument("--language", choices=("fi", "en"), default=None)
    r.add_argument("--audience", choices=("internal", "public"), default=None)
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--reps", type=int, default=None, help="bootstrap replicates")
    r.add_argument("--quiet", action="store_true", help="no progress output")
    r.add_argument("--clients", type=int, default=None,
                   help="with --demo: a demo of about N consenting clients")
    r.add_argument("--pdf", action="store_true",
                   help="also write report.pdf (headless Chromium; without it the rest is "
                        "written, one line says how to get Chromium, exit status 1)")

    pl = sub.add_parser("plan", help="the effect a next study could detect, and the clients "
                                     "it needs (from this evaluation's SD, worker ICC and "
                                     "attrition)")
    pl.add_argument("config", help="evaluation.yaml")
    pl.add_argument("--n-per-arm", type=int, action="extend", nargs="+", default=None,
                    metavar="N", help="clients recruited per arm: several values after one "
                    "option (--n-per-arm 50 100) or the option repeated; default 50 100 200 400")
    pl.add_argument("--mde", type=float, action="extend", nargs="+", default=None, metavar="D",
                    help="minimum detectable effect in score points (several values, or "
                         "repeated)")
    pl.add_argument("--alpha", type=float, default=0.05, help="two-sided level (0.05)")
    pl.add_argument("--power", type=float, default=0.8, help="power (0.8)")
    pl.add_argument("--json", action="store_true", help="print the results.json plan block")
    pl.add_argument("--figure", default=None, metavar="FILE",
                    help="also draw the MDE curve into FILE (.png or .svg)")
    ex = sub.add_parser("export", help="write the client-level analysis data for SPSS (sav), "
                        "Stata (dta) or Parquet, with labels (internal audience only)",
                        epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("config", help="evaluation.yaml")
    ex.add_argument("--format", choices=("sav", "dta", "parquet"), default="sav")
    ex.add_argument("--out", required=True, help="output folder (written whole or not at all)")
    ex.add_argument("--force", action="store_true",
                    help="write into a non-empty folder that is not an hb-eval output")
    ex.add_argument("--language", choices=("fi", "en"), default=None,
                    help="language of the variable and value labels")
    ex.add_argument("--audience", choices=("internal", "public"), default=None)
    ex.add_argument("--seed", type=int, default=None)
    ex.add_argument("--reps", type=int, default=None, help="bootstrap replicates")
    ex.add_argument("--quiet", action="store_true", help="no progress output")

    rp = sub.add_parser("reproduce", help="check a previous report folder, re-run it from its "
                        "manifest and compare", epilog=EXIT_STATUSES,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("dir", help="output folder of a previous run")
    rp.add_argument("--inputs", default=None, metavar="DIR",
                    help="folder holding the inputs (laid out as beside the configuration file) "
                         "when they have moved")
    rp.add_argument("--out", default=None, help="where to write the re-run (default: a temporary folder)")
    return p


def cli_plan(args: Any) -> int:
    """``hb-eval plan evaluation.yaml [--n-per-arm N [N ...]]... [--mde D [D ...]]... [--alpha] [--power]``."""
    import json

    from .config import load_config
    from .data.dataset import load
    from .outcomes.plan import REPORT_N_PER_ARM, plan_next_phase
    from .outcomes.scores import score_all

    config = load_config(args.config)
    ds = load(config)
    scores = score_all(ds, include_kompassi=config.analysis.include_kompassi)
    res = plan_next_phase(scores, ds.clients, n_per_arm=args.n_per_arm or REPORT_N_PER_ARM,
                          mde=args.mde or (), alpha=args.alpha, power=args.power,
                          confidence=config.analysis.confidence)
    if args.json:
        print(json.dumps(res.to_results(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(res.summary())
    if args.figure:
        from .report import figures as F
        from .report.privacy_gate import gate_figure

        lang = config.report.language
        fig = gate_figure(F.plan_curve(res.curve(), lang, marks=res.rows))  # texts as drawn
        fig.savefig(args.figure, dpi=150, bbox_inches="tight")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hb-eval``; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            from .data.validate import run_validate

            return run_validate(args)
        if args.command == "demo":
            from .demo import cli_demo

            return cli_demo(args)
        if args.command == "report":
            from .report.command import cli_report

            return cli_report(args)
        if args.command == "plan":
            return cli_plan(args)
        if args.command == "reproduce":
            from .report.reproduce import cli_reproduce

            return cli_reproduce(args)
        if args.command == "export":
            from .report.export import cli_export

            return cli_export(args)
    except HbEvalError as exc:
        if args.debug:
            raise
        from .privacy import gate

        # one line, through the privacy gate (a file or sheet name may hold a code)
        msg = " ".join(str(gate(str(exc))).split())
        print(f"hb-eval: error: {msg}", file=sys.stderr)
        if isinstance(exc, OutputBusyError):
            return 3
        return 4 if isinstance(exc, FileSystemError) else 2
    except OSError as exc:  # a file-system fault no stage named: still one line
        if args.debug:
            raise
        from .report.output import fs_error

        print(f"hb-eval: error: {fs_error(exc, verb='use')}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("hb-eval: interrupted", file=sys.stderr)
        return 130
    return 2


def leave(status: int) -> NoReturn:
    """End this process with ``status`` without tearing its heap down.

    A national run leaves well over a gigabyte of objects; freeing them one by one at the
    interpreter's exit took seconds after the last line. Everything the run writes is already
    written and committed (the output folder is atomic), so only the standard streams are
    flushed and the exit handlers run (:mod:`atexit`: multiprocessing, logging, temporary
    folders), then the process ends. If another non-daemon thread still runs, the ordinary
    exit waits for it as usual.
    """
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if run_exit_handlers is None or others:
        sys.exit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stream: the ordinary exit reports it
        sys.exit(status)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):  # what the handlers printed
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def console_main() -> NoReturn:
    """The ``hb-eval`` command: :func:`main`, then :func:`leave` with its exit status."""
    leave(main())


if __name__ == "__main__":  # pragma: no cover
    console_main()
