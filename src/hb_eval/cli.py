"""The ``hb-eval`` command line: validate, demo, report, reproduce.

This module only parses arguments and turns :class:`~hb_eval.errors.HbEvalError` into a one-line
message (a traceback only with ``--debug``); the work is done by the module of each stage.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import HbEvalError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hb-eval", description="Evaluation of personal budgeting (HB).")
    p.add_argument("--version", action="version", version=f"hb-eval {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="load every source and print a data-quality summary")
    v.add_argument("config", help="evaluation.yaml")
    v.add_argument("--json", action="store_true", help="print the data block of results.json")
    v.add_argument("--quarantine-out", default=None,
                   help="where to write the quarantine table (default: beside the config)")

    d = sub.add_parser("demo", help="write a complete demo evaluation (messy raw files + evaluation.yaml)")
    d.add_argument("dir", help="output folder")
    d.add_argument("--seed", type=int, default=None)
    d.add_argument("--n-clients", type=int, default=None)
    d.add_argument("--clients", type=int, default=None,
                   help="about N consenting clients (a larger demo, for scale tests)")

    r = sub.add_parser("report", help="run the analysis and write the report")
    r.add_argument("config", nargs="?", help="evaluation.yaml (omit with --demo)")
    r.add_argument("--demo", action="store_true", help="use the built-in demo data")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--language", choices=("fi", "en"), default=None)
    r.add_argument("--audience", choices=("internal", "public"), default=None)
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--reps", type=int, default=None, help="bootstrap replicates")
    r.add_argument("--quiet", action="store_true", help="no progress output")
    r.add_argument("--clients", type=int, default=None,
                   help="with --demo: a demo of about N consenting clients")

    rp = sub.add_parser("reproduce", help="re-run a previous report from its manifest and compare")
    rp.add_argument("dir", help="output folder of a previous run")
    rp.add_argument("--out", default=None, help="where to write the re-run (default: a temporary folder)")
    return p


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
            from .report.run import cli_report

            return cli_report(args)
        if args.command == "reproduce":
            from .report.reproduce import cli_reproduce

            return cli_reproduce(args)
    except HbEvalError as exc:
        if args.debug:
            raise
        print(f"hb-eval: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hb-eval: interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
