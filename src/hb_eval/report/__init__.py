"""The report: renders an :class:`~hb_eval.evaluation.Evaluation` as results.json, manifest,
figures, tables and the HTML report (no analysis is computed here).

``hb_eval.evaluate(config).write_report(out_dir)`` or ``run_report(config, out_dir)`` write it;
``hb-eval report`` and ``hb-eval reproduce`` call :func:`hb_eval.report.command.cli_report` and
:func:`hb_eval.report.reproduce.cli_reproduce`.
"""
from __future__ import annotations

__all__ = ["run_report"]


def run_report(config, out_dir, progress=True, **kwargs):
    """Write report.html, results.json, manifest.json, figures/, tables/ and tables.xlsx.

    See :func:`hb_eval.report.run.run_report`.
    """
    from .run import run_report as _run

    return _run(config, out_dir, progress=progress, **kwargs)
