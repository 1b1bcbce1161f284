"""``hb-eval report``: the command around :func:`hb_eval.report.run.run_report`."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..config import Config, load_config
from ..privacy import gate
from ..errors import ConfigError
from ..support.progress import RunProgress
from .output import OutputFolder
from .pdf import pdf_hint
from . import run as R

__all__ = ["cli_report", "read_analyses", "read_failures", "pdf_missing_line"]


def cli_report(args: Any) -> int:
    """``hb-eval report CONFIG --out DIR`` / ``hb-eval report --demo --out DIR`` (exit
    statuses: see ``hb-eval --help``)."""
    out = Path(args.out)
    force = bool(getattr(args, "force", False))
    progress = not getattr(args, "quiet", False)
    run = RunProgress(progress)  # one display, one clock: demo files, load, analyses, report
    debug = getattr(args, "debug", False)
    pdf = bool(getattr(args, "pdf", False))

    def configured(cfg_path: Path) -> Config:
        return load_config(cfg_path).with_overrides(
            seed=args.seed, bootstrap_reps=args.reps, language=args.language,
            audience=args.audience)

    try:
        if args.demo:
            if args.config:
                raise ConfigError("give either a configuration file or --demo, not both")
            from ..demo import write_demo

            with OutputFolder(out, force=force) as dest:
                run.step("demo", f"writing the demo evaluation to {out / 'demo_data'}")
                with dest.writing("demo_data") as demo_dir:
                    write_demo(demo_dir, clients=getattr(args, "clients", None))
                ev = R.evaluate_config(configured(demo_dir / "evaluation.yaml"), progress=run,
                                       debug=debug)
                R.write_into(ev, dest, progress=run, inputs_dir="demo_data", pdf=pdf)
            report = dest.out / "report.html"
        else:
            if not args.config:
                raise ConfigError("give a configuration file (evaluation.yaml) or --demo")
            if getattr(args, "clients", None) is not None:
                raise ConfigError("--clients sizes the demo: use it with --demo")
            report = R.run_report(configured(Path(args.config)), out, progress=run, debug=debug,
                                  force=force, pdf=pdf)
        run.close(f"done in {run.elapsed():.1f} s: {report}")
    finally:  # an error: the bar ends before the error line
        run.close()
    status = 0
    line = pdf_missing_line(out) if pdf else None
    if line:  # asked for and not written: one line why and how to get Chromium
        print(line, file=sys.stderr)
        status = 1
    failed = [k for k, v in (read_analyses(out)).items() if v == "failed"]
    if failed:
        print(f"hb-eval: report written to {gate(str(report))}, but these analyses failed: "
              f"{', '.join(failed)} (rerun with --debug)", file=sys.stderr)
        return 1
    if progress:
        print(gate(str(report)))
    return status


def read_analyses(out_dir: str | Path) -> dict[str, str]:
    """The ``analyses`` status block of a written results.json."""
    import json

    d = json.loads((Path(out_dir) / "results.json").read_text(encoding="utf-8"))
    return d.get("analyses", {})


def pdf_missing_line(out_dir: str | Path) -> str | None:
    """The one line saying why a written output has no report.pdf and how to get Chromium
    (None when the manifest records no PDF failure)."""
    why = [f.split(": ", 1)[-1] for f in read_failures(out_dir) if f.startswith("pdf")]
    return gate(pdf_hint(why[0])) if why else None


def read_failures(out_dir: str | Path) -> list[str]:
    """The ``failures`` list of a written manifest.json (figures not drawn, no PDF, ...)."""
    import json

    d = json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    return [str(f) for f in d.get("failures") or []]
