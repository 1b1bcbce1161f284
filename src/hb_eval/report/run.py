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

This module only renders: titles and labels in the report's language, small-count suppression
for the public audience, figures, HTML, the workbook and the manifest. An analysis whose source
is absent from the configuration is shown with a sentence saying so; one that failed is reported
as failed (the rest of the report is still written, and the command exits with status 1).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import Config, config_table
from ..data.loaders.unit_costs import unit_cost_value
from ..support.progress import progress_printer
from . import figures as F
from .budget_sections import suppress_budget_results
from .html import img_tag, render_html
from .i18n import sensitivity_label, t
from .privacy_gate import gate_html, gate_table
from .manifest import build_manifest, created_with, redact_manifest, write_manifest
from .output import OutputFolder
from .results_json import dumps_results, to_jsonable
from .suppression import redact_client_numbers, suppress_results
from .table_specs import make_tables
from .disclosure import (Rules, align_results, disclose_tables, figure_records, output_check,
                         output_check_html, public_figure_data)
from .tables import Table, write_csv
from .workbook import write_workbook

if TYPE_CHECKING:
    from ..evaluation import Evaluation

__all__ = ["run_report", "write_report", "write_into", "evaluate_config", "FIGURES",
           "SectionView"]

PRIMARY = "kykyviisari_total"
#: Every figure of the report, in order (a placeholder is drawn when there are no data).
FIGURES = ("change_by_arm", "estimator_comparison", "forest_pilot", "love_plot",
           "satisfaction_items", "cost_components", "ce_plane", "ceac", "tornado",
           "confounding_contour", "evpi", "plan_curve", "budget_utilisation")
_CAPTIONS = {
    "change_by_arm": "fig_change_by_arm", "estimator_comparison": "fig_estimators",
    "forest_pilot": "fig_forest", "love_plot": "fig_love",
    "satisfaction_items": "fig_satisfaction", "cost_components": "fig_cost_components",
    "ce_plane": "fig_ce_plane", "ceac": "fig_ceac", "tornado": "fig_tornado",
    "confounding_contour": "fig_confounding", "evpi": "fig_evpi", "plan_curve": "fig_plan",
    "budget_utilisation": "fig_budget_utilisation",
}
#: Section status -> (i18n key of its sentence, name of the sentence's placeholder).
_STATUS_NOTES = {"absent": ("not_configured", "source"),
                 "not_estimable": ("not_estimable", "reason"),
                 "failed": ("failed", "error")}


class SectionView:
    """A section's status and its sentence in the report's language (for the template)."""

    def __init__(self, status: str, reason: str, lang: str, note: str = "") -> None:
        self.status = status
        key = _STATUS_NOTES.get(status)
        self.note = t(key[0], lang, **{key[1]: reason}) if key else note


def _inference_note(results: dict[str, Any], lang: str, cluster: str) -> str:
    """The sentence saying why the wild bootstrap is primary, or why the DiD is missing."""
    did = ((results.get("outcomes") or {}).get(PRIMARY) or {}).get("did") or {}
    if did.get("inference") == "wild_cluster_bootstrap":
        return t("wild_primary", lang, n=did.get("n_clusters"), cluster=cluster)
    if did.get("reason"):
        return t("clusters_not_estimable", lang, reason=did["reason"])
    return ""


def _redact_table(table: Table) -> Table:
    """Public tables: anything shaped like a client number in a text cell is redacted."""
    f = table.frame.copy()
    for c in f.columns:
        if f[c].dtype == object or isinstance(f[c].dtype, pd.StringDtype):
            f[c] = f[c].map(lambda v: redact_client_numbers(v) if isinstance(v, str) else v)
    table.frame = f
    return table


def _figure_input(name: str, spec: dict[str, Any], lang: str, public: bool) -> dict[str, Any]:
    """Language and audience adjustments of a figure's data."""
    df = spec["df"]
    if name == "love_plot" and "level" in df.columns:  # "covariate: level" in the language
        df = df.assign(covariate=[t(str(c), lang) if pd.isna(lv) or lv == ""
                                  else f"{t(str(c), lang)}: {t(str(lv), lang)}"
                                  for c, lv in zip(df["covariate"], df["level"])]
                       ).drop(columns="level")
    if name == "tornado" and "low_value" in df.columns:  # "parameter (low / high)" labelled
        df = df.assign(parameter=[sensitivity_label(p, lo, hi, lang) for p, lo, hi in zip(
            df["parameter"], df["low_value"], df["high_value"])]).drop(
            columns=["low_value", "high_value"])
    if public and name == "forest_pilot" and "n" in df.columns:
        df = df.drop(columns="n")  # no counts in figures
    return {**spec, "df": df}


def _figures(figure_data: dict[str, dict[str, Any]], lang: str, public: bool, fig_dir: Path,
             say: Callable[[str], None], failures: list[str]) -> dict[str, dict]:
    makers = {
        "change_by_arm": F.change_by_arm, "estimator_comparison": F.estimator_comparison,
        "forest_pilot": F.forest_plot, "love_plot": F.love_plot,
        "satisfaction_items": F.satisfaction_diverging, "cost_components": F.cost_components,
        "ce_plane": F.ce_plane, "ceac": F.ceac, "tornado": F.tornado,
        "confounding_contour": F.confounding_contour, "evpi": F.evpi_plot,
        "plan_curve": F.plan_curve, "budget_utilisation": F.budget_utilisation,
    }
    out = {}
    say("figures …")
    for name in FIGURES:
        spec = figure_data.get(name)
        caption = t(_CAPTIONS[name], lang)

        def empty(_df: Any, lg: str, _c: str = caption) -> Any:
            return F.empty_figure(_c, lg)

        if spec is None or spec.get("df") is None:
            fig, phone = F.draw(empty, None, lang)
        else:
            spec = _figure_input(name, spec, lang, public)
            kw = {k: v for k, v in spec.items() if k != "df"}
            try:  # the desktop and the phone rendition
                fig, phone = F.draw(makers[name], spec["df"], lang, **kw)
            except (KeyError, ValueError, TypeError) as exc:  # wrong columns from a stage
                say(f"figure {name} could not be drawn ({type(exc).__name__})")
                failures.append(f"figure:{name}")
                fig, phone = F.draw(empty, None, lang)
        png = F.save_figure(fig, fig_dir, name)
        out[name] = {"img": img_tag(png, caption, name, F.png_bytes(phone, close=True)),
                     "caption": caption}
    return out


def write_report(ev: Evaluation, out_dir: str | Path, language: str | None = None,
                 audience: str | None = None, *, progress: bool = False,
                 force: bool = False) -> Path:
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
        write_into(ev, dest, language, audience, progress=progress)
    return dest.out / "report.html"


def write_into(ev: Evaluation, dest: OutputFolder, language: str | None = None,
               audience: str | None = None, *, progress: bool = False,
               inputs_dir: str | None = None) -> None:
    """Write the report of ``ev`` into ``dest`` (an open
    :class:`~hb_eval.report.output.OutputFolder`) and commit it; ``inputs_dir``: a folder of
    inputs already written inside it (the demo's ``demo_data``)."""
    out = dest.path
    say = progress_printer(progress)
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
    checked, records = disclose_tables(tables, rules)
    checked_figures = public_figure_data(ev, checked, rules)
    records += figure_records(ev.figure_data, checked_figures)
    if public:
        tables, figure_data = checked, checked_figures
        results = align_results(suppress_results(results), tables)
    tables = {k: gate_table(_redact_table(v) if public else v) for k, v in tables.items()}
    results = to_jsonable(results)
    failures = list(ev.failures)

    say("tables …")
    for tab in tables.values():
        with dest.writing(f"tables/{tab.name}.csv"):
            write_csv(tab, out / "tables", lang)
    with dest.writing("tables.xlsx") as path:
        write_workbook(list(tables.values()), path, lang)

    figs = _figures(figure_data, lang, public, out / "figures", say, failures)

    say("results.json …")
    text = dumps_results(results).encode("utf-8")
    with dest.writing("results.json") as path:
        path.write_bytes(text)

    oc = output_check(records, rules, config.report.audience)
    with dest.writing("output_check.json") as path:
        path.write_bytes(dumps_results(oc).encode("utf-8"))
    with dest.writing("output_check.html") as path:
        path.write_text(output_check_html(oc, lang, rules), encoding="utf-8")

    say("report.html …")
    a = config.analysis
    uc = getattr(ev.dataset, "unit_costs", None)
    context = {
        "title": config.name, "audience": config.report.audience, "created_with": created_with(),
        "sections": {k: SectionView(v.status, v.reason, lang, note=_inference_note(
            results, lang, a.cluster) if k == "outcomes" else "")
            for k, v in ev.sections.items()},
        "tables": tables, "figures": figs, "primary": PRIMARY, "perspective": a.perspective,
        "cluster": a.cluster, "reps": a.bootstrap_reps, "seed": a.seed, "wtp_max": a.wtp_max,
        "diary_rule": a.diary_rule, "cea_resample": a.cea_resample,
        "price_year": unit_cost_value(uc, "price_year"),
    }
    html = gate_html(render_html(results, context, lang))
    with dest.writing("report.html") as path:
        path.write_text(html, encoding="utf-8")

    check = getattr(ev.dataset, "check_inputs_unchanged", None)
    if check is not None:  # the manifest must describe the bytes analysed
        check()
    base = Path(config.base_dir).resolve()
    anchor = out if base.is_relative_to(out.resolve()) else dest.out  # inputs inside: the demo
    manifest = build_manifest(config, files_table=getattr(ev.dataset, "files", None),
                              out_dir=anchor, results_sha256=hashlib.sha256(text).hexdigest())
    manifest["failures"] = failures
    limits = getattr(ev.dataset, "limits", None)
    if limits is not None:  # reproduce uses the same date window again
        manifest["plausibility"] = {"date_min": limits.date_min.isoformat(),
                                    "date_max": limits.date_max.isoformat()}
    # public: file names may hold client numbers (one diary workbook per client)
    dest.commit(manifest, write_manifest, public=public, inputs_dir=inputs_dir,
                finish=redact_manifest if public else None)
    say(f"done: {dest.out / 'report.html'}")


def evaluate_config(config: Config, *, progress: bool = True, debug: bool = False,
                    dataset: Any = None) -> Evaluation:
    """:func:`hb_eval.evaluate` of a configuration (the analysis step of a report run)."""
    from ..evaluation import evaluate

    return evaluate(config, progress=progress, debug=debug, dataset=dataset)


def run_report(config: Config, out_dir: str | Path, progress: bool = True, *,
               debug: bool = False, dataset: Any = None, force: bool = False) -> Path:
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

    Returns
    -------
    Path
        The path of ``report.html``. Failed analyses are in results.json under ``analyses``
        (status ``failed``).
    """
    with OutputFolder(out_dir, force=force) as dest:
        ev = evaluate_config(config, progress=progress, debug=debug, dataset=dataset)
        write_into(ev, dest, progress=progress)
    return dest.out / "report.html"
