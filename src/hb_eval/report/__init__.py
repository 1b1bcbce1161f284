"""The report run: results.json, manifest, figures, tables and the HTML report.

``run_report(config, out_dir)`` is the entry point; ``hb-eval report`` and ``hb-eval reproduce``
call :func:`hb_eval.report.run.cli_report` and :func:`hb_eval.report.reproduce.cli_reproduce`.
"""
from __future__ import annotations

__all__ = ["run_report"]


def run_report(config, out_dir, progress=True, **kwargs):
    """Write report.html, results.json, manifest.json, figures/, tables/ and tables.xlsx.

    See :func:`hb_eval.report.run.run_report`.
    """
    from .run import run_report as _run

    return _run(config, out_dir, progress=progress, **kwargs)
