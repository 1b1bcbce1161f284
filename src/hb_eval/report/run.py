"""The report run: ``hb-eval report``, the renderer of an :class:`~hb_eval.evaluation.Evaluation`.

:func:`hb_eval.evaluate` runs the analyses (:mod:`hb_eval.pipeline`); :func:`write_report` writes
into the output folder::

    report.html      one self-contained file (figures embedded)
    results.json     machine-readable results, byte-identical for the same inputs,
                     configuration and seed
    manifest.json    inputs with SHA-256 and row accounting, configuration, seed, versions,
                     and the SHA-256 of every output file
    figures/         every figure as PNG and SVG
    tables/          every table as CSV
    tables.xlsx      every table in one workbook
    report.pdf       with ``pdf=True`` (``--pdf``): report.html printed by headless Chromium

This module only renders: titles and labels in the report's language, small-count suppression
for the public audience, figures, HTML, the workbook and the manifest. An analysis whose source
is absent from the configuration is shown with a sentence saying so; one that failed is reported
as failed (the rest of the report is still written, and the command exits with status 1).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import Config, config_table
from ..privacy import placeholders_numbered
from ..support.progress import RunProgress, as_progress
from .budget_sections import suppress_budget_results
from .html import render_html
from .page import SectionView, marked_figures, page_context, with_figures
from .figure_gallery import FIGURES, FigureGallery
from .figure_jobs import both_ends, render_figures
from .privacy_gate import gate_html, gate_table
from .manifest import (build_manifest, dumped_inputs, inputs_read, redact_manifest,
                       write_manifest)
from .output import OutputFolder
from .pdf import PdfError, print_pdf
from .results_json import dumps_results, to_jsonable
from .suppression import redact_client_numbers, suppress_results
from .table_specs import make_tables
from .dominance import align_dominance, apply_dominance, dominance_figures, dominance_masks
from .disclosure import (Rules, align_results, disclose_tables, figure_records, output_check,
                         output_check_html, public_figure_data)
from .tables import Table, write_csv
from .unchanged import confirm, hashed
from .workbook import write_workbook

if TYPE_CHECKING:
    from ..evaluation import Evaluation

__all__ = ["run_report", "write_report", "write_into", "evaluate_config", "FIGURES",
           "FigureGallery", "SectionView"]

def _redact_table(table: Table) -> Table:
    """Public tables: anything shaped like a client number in a text cell is redacted."""
    f = table.frame.copy()
    for c in f.columns:
        if f[c].dtype == object or isinstance(f[c].dtype, pd.StringDtype):
            f[c] = f[c].map(lambda v: redact_client_numbers(v) if isinstance(v, str) else v)
    table.frame = f
    return table


def write_report(ev: Evaluation, out_dir: str | Path, language: str | None = None,
                 audience: str | None = None, *, progress: bool | RunProgress = False,
                 force: bool = False, pdf: bool = False) -> Path:
    """Write the report of an evaluation into ``out_dir``, whole or not at all.

    Everything is written into a temporary folder beside ``out_dir`` and moved into place only
    when complete (:mod:`hb_eval.report.output`): an interrupted or failed run leaves an earlier
    output as it was, and two runs into one folder cannot mix (the second is refused).

    Parameters
    ----------
    ev
        The result of :func:`hb_eval.evaluate`.
    out_dir
        Output folder (created; an earlier hb-eval output in it is replaced).
    language, audience
        Override ``report.language`` / ``report.audience`` of the evaluation's configuration
        (the manifest and results.json record the values used).
    progress
        Progress lines on stderr.
    force
        Write into a non-empty folder that is not an hb-eval output (its files are kept).
    pdf
        Also write ``report.pdf`` (headless Chromium, :mod:`hb_eval.report.pdf`). Without a
        working Chromium the rest is written and the manifest's ``failures`` lists
        ``"pdf: <reason>"``.

    Returns
    -------
    Path
        The path of ``report.html``.

    Raises
    ------
    OutputError
        The folder is a file, holds files hb-eval did not write (without ``force``), or
        another run holds its lock (:class:`~hb_eval.errors.OutputBusyError`).
    FileSystemError
        No space, read-only, permission: one line naming the path; nothing was written.
    InputChangedError
        An input file changed since it was read; nothing was written.
    """
    with OutputFolder(out_dir, force=force) as dest:
        write_into(ev, dest, language, audience, progress=progress, pdf=pdf)
    return dest.out / "report.html"


def write_into(ev: Evaluation, dest: OutputFolder, language: str | None = None,
               audience: str | None = None, *, progress: bool | RunProgress = False,
               inputs_dir: str | None = None, pdf: bool = False) -> None:
    """Write the report of ``ev`` into ``dest`` (an open
    :class:`~hb_eval.report.output.OutputFolder`) and commit it; ``inputs_dir``: a folder of
    inputs already written inside it (the demo's ``demo_data``); ``pdf``: also report.pdf."""
    out = dest.path
    run = as_progress(progress)
    config = ev.config.with_overrides(language=language, audience=audience)
    lang = config.report.language
    public = config.report.audience == "public"
    results = ev.results
    frames = dict(ev.tables)
    if config != ev.config:  # the configuration written is the one used for this report
        results = {**results, "manifest": {**results["manifest"], "config": config.to_dict()}}
        if "configuration" in frames:
            frames["configuration"] = config_table(config)
    if public:  # budget groups under 5 lose their statistics; no provider names
        results = suppress_budget_results(results)
        frames.pop("providers_paid", None)
    rules = Rules.of(config)
    tables = make_tables(frames, lang)
    figure_data = ev.figure_data
    # one disclosure-control step for every public output; internal: what it would do
    run.step("report", "disclosure control")

    made = tables  # (the tables are gated below; disclosure control reads them as made)

    def disclosure(workers: int | None = None) -> tuple[dict[str, Table], dict[str, Any], list]:
        # the counts' audit here, the dominance masks (over the service rows) beside it
        (checked, records), masks = both_ends(2, lambda i: disclose_tables(made, rules) if i == 0
                                              else dominance_masks(ev, frames, rules), workers)
        checked, records = apply_dominance(checked, records, masks, frames, rules)
        checked_figures = dominance_figures(public_figure_data(ev, checked, rules), checked,
                                            config.analysis.perspective)
        return checked, checked_figures, records + figure_records(ev.figure_data,
                                                                   checked_figures)

    if public:
        tables, figure_data, records = disclosure()
        results = align_dominance(align_results(suppress_results(results), tables), tables)
    tables = {k: gate_table(_redact_table(v) if public else v) for k, v in tables.items()}
    results = to_jsonable(results)
    failures = list(ev.failures)

    run.part("tables")
    for tab in tables.values():
        with dest.writing(f"tables/{tab.name}.csv"):
            write_csv(tab, out / "tables", lang)

    def workbook() -> None:
        with dest.writing("tables.xlsx") as path:
            write_workbook(list(tables.values()), path, lang)

    numbered, here = placeholders_numbered(), os.getpid()

    def elsewhere(make: Callable[[], Any]) -> Callable[[], Any]:
        # a job only the other process does; what it made is kept unless the gate numbered a
        # code there: then it is made here after the figures, in the order one process numbers
        # codes (so never made here before them)
        def job() -> Any:
            if os.getpid() == here:
                return None
            made = make()
            return made if placeholders_numbered() == numbered else None
        return job

    context = page_context(ev, config, results, tables, lang)
    files = getattr(ev.dataset, "files", None)
    # results.json's text; report.html, gated, with its figures to be put in (report.page);
    # manifest.json's inputs as its text
    results_text = elsewhere(lambda: dumps_results(results).encode("utf-8"))
    page_text = elsewhere(lambda: gate_html(render_html(
        results, {**context, "figures": marked_figures(lang)}, lang)))
    manifest_inputs = elsewhere(lambda: None if files is None else dumped_inputs(
        inputs_read(config, files), public))

    # beside the figures (by the other process, when there are two; it takes them from the
    # last: first those only it may do, then the long ones, so the two meet at a short job):
    # the inputs hashed again (report.unchanged), the workbook, in an internal report what
    # disclosure control would do, the manifest's inputs, report.html and results.json's text
    would_be = () if public else (lambda: disclosure(workers=1)[2],)
    figs, done = render_figures(figure_data, lang, public, out / "figures", run, failures,
                                wtp=config.analysis.wtp, beside=(
                                    lambda: hashed(ev.dataset), workbook, *would_be,
                                    manifest_inputs, page_text, results_text))
    changed, _, *would, inputs, page, text = done
    if inputs is None and files is not None:  # here, in the order of one process
        inputs = inputs_read(config, files)
    if not public:
        records = would[0]

    run.part("results.json")
    run.update(0.8, 1, count="")
    text = text if text is not None else dumps_results(results).encode("utf-8")
    with dest.writing("results.json") as path:
        path.write_bytes(text)

    oc = output_check(records, rules, config.report.audience)
    with dest.writing("output_check.json") as path:
        path.write_bytes(dumps_results(oc).encode("utf-8"))
    with dest.writing("output_check.html") as path:
        path.write_text(output_check_html(oc, lang, rules), encoding="utf-8")

    run.part("report.html")
    html = with_figures(page, figs) if page is not None else gate_html(render_html(
        results, {**context, "figures": figs}, lang))
    with dest.writing("report.html") as path:
        path.write_text(html, encoding="utf-8")
    printed = None
    if pdf:
        run.part("report.pdf")
        with dest.writing("report.pdf") as path:
            try:
                printed = print_pdf(path.with_name("report.html"), path, lang)
            except PdfError as exc:  # the rest of the report is still written
                path.unlink(missing_ok=True)
                failures.append(f"pdf: {exc}")
                run.note(f"no report.pdf: {exc}")

    confirm(ev.dataset, changed)  # the manifest must describe the bytes analysed
    base = Path(config.base_dir).resolve()
    anchor = out if base.is_relative_to(out.resolve()) else dest.out  # inputs inside: the demo
    manifest = build_manifest(config, files_table=files, out_dir=anchor, inputs=inputs,
                              results_sha256=hashlib.sha256(text).hexdigest())
    manifest["failures"] = failures
    if printed is not None:  # the browser that printed it (another gives other bytes)
        manifest["pdf"] = {"pages": printed.pages, "printed_with": printed.printed_with}
    limits = getattr(ev.dataset, "limits", None)
    if limits is not None:  # reproduce uses the same date window again
        manifest["plausibility"] = {"date_min": limits.date_min.isoformat(),
                                    "date_max": limits.date_max.isoformat()}
    # public: file names may hold client numbers (one diary workbook per client)
    dest.commit(manifest, write_manifest, public=public, inputs_dir=inputs_dir,
                finish=redact_manifest if public else None)
    if run is not progress:  # this call's own display: it ends here
        run.close(f"done: {dest.out / 'report.html'}")


def evaluate_config(config: Config, *, progress: bool | RunProgress = True, debug: bool = False,
                    dataset: Any = None) -> Evaluation:
    """:func:`hb_eval.evaluate` of a configuration (the analysis step of a report run)."""
    from ..evaluation import evaluate

    return evaluate(config, progress=progress, debug=debug, dataset=dataset)


def run_report(config: Config, out_dir: str | Path, progress: bool | RunProgress = True, *,
               debug: bool = False, dataset: Any = None, force: bool = False,
               pdf: bool = False) -> Path:
    """Run the analysis and write the report: ``evaluate(config).write_report(out_dir)``.

    Parameters
    ----------
    config
        The configuration (with any overrides applied, see :meth:`Config.with_overrides`).
    out_dir
        Output folder (created; written whole or not at all, see :func:`write_report`).
    progress
        Progress lines on stderr for the long steps.
    debug
        Re-raise unexpected exceptions of an analysis instead of reporting it as failed.
    dataset
        An already-loaded Dataset (optional).
    force
        Write into a non-empty folder that is not an hb-eval output (its files are kept).
    pdf
        Also write ``report.pdf`` (see :func:`write_report`).

    Returns
    -------
    Path
        The path of ``report.html``. Failed analyses are in results.json under ``analyses``
        (status ``failed``).
    """
    run = as_progress(progress)  # one display and one clock for the analyses and the report
    with OutputFolder(out_dir, force=force) as dest:
        ev = evaluate_config(config, progress=run, debug=debug, dataset=dataset)
        write_into(ev, dest, progress=run, pdf=pdf)
    if run is not progress:
        run.close(f"done in {run.elapsed():.1f} s: {dest.out / 'report.html'}")
    return dest.out / "report.html"
