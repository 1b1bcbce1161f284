"""``hb_eval.evaluate()``: every analysis of an evaluation, in memory, as one object.

::

    import hb_eval
    ev = hb_eval.evaluate("evaluation.yaml")
    ev                                  # headline numbers (a small table in Jupyter)
    ev.tables["within_arm"]             # the report's tables as tidy DataFrames
    ev.results["outcomes"]["kykyviisari_total"]["did"]   # the numbers of results.json
    ev.figures["ceac"]                  # a report figure as a matplotlib Figure
    ev.write_report("report/")          # the same files as ``hb-eval report``

The stages that run are listed in :mod:`hb_eval.pipeline`; the report in :mod:`hb_eval.report`
only renders an :class:`Evaluation`.
"""
from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import PRIMARY, Config, load_config
from .errors import InputError
from .support.progress import RunProgress, as_progress
from .support.threads import one_blas_thread
from .support.versions import SCHEMA_VERSION, created_with, package_versions

if TYPE_CHECKING:
    from .pipeline import Section


__all__ = ["Evaluation", "evaluate"]


@dataclass
class Evaluation:
    """The result of :func:`evaluate`: data, numbers, tables and the state of each analysis.

    Attributes
    ----------
    config
        The configuration the run used (overrides applied).
    dataset
        The loaded :class:`~hb_eval.data.dataset.Dataset`.
    results
        The dict written as results.json (same keys; values may still be numpy scalars).
    tables
        Table name -> tidy DataFrame with English snake-case columns (untranslated, unrounded,
        no suppression): the tables of the report.
    sections
        Analysis name -> :class:`~hb_eval.pipeline.Section` (``status``, ``reason``, ``note``).
    objects
        The result objects of the analyses that ran: ``outcomes``
        (:class:`~hb_eval.outcomes.analysis.OutcomeResults`), ``experience``, ``costs``
        (perspective -> per-client costs), ``cea`` (perspective -> ``CEAResult``), ``services``
        (the priced service episodes with their arm).
    scores
        Long frame of every questionnaire score (:func:`hb_eval.outcomes.scores.score_all`).
    figure_data
        Figure name -> the inputs of that report figure.
    failures
        Analyses that failed with an unexpected error (see ``sections``).
    """

    config: Config
    dataset: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    scores: pd.DataFrame | None = None
    figure_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    # -- convenience accessors -------------------------------------------------------
    @property
    def outcomes(self) -> Any:
        """The outcome analysis (``OutcomeResults``), or None when it did not run."""
        return self.objects.get("outcomes")

    @property
    def costs(self) -> dict[str, pd.DataFrame] | None:
        """Per-client costs by perspective (``organiser``, ``societal``), or None."""
        return self.objects.get("costs")

    @property
    def cea(self) -> dict[str, Any] | None:
        """``CEAResult`` by perspective, or None when the CEA did not run."""
        return self.objects.get("cea")

    @property
    def figures(self) -> Any:
        """The report's figures as matplotlib Figures, drawn on demand from ``figure_data``.

        ``ev.figures["ceac"]`` (English labels; a name of ``hb_eval.report.run.FIGURES``) shows
        as an image in Jupyter; ``list(ev.figures)`` names them. Drawing changes neither the
        matplotlib backend nor its style.
        """
        from .report.run import FigureGallery  # the report draws; imported only when asked

        return FigureGallery(self.figure_data, lang="en")

    # -- display ----------------------------------------------------------------------
    def headline(self) -> pd.DataFrame:
        """The headline numbers as a small tidy frame: quantity, value, ci_low, ci_high,
        interval (how the interval was made: the DiD's primary inference, ``bca``,
        ``percentile`` or ``fieller``), n. Every interval results.json has for these numbers
        is here (None where results.json has none)."""
        rows: list[dict[str, Any]] = []
        prim = (self.results.get("outcomes") or {}).get(PRIMARY) or {}
        did = prim.get("did") or {}
        n = prim.get("n") or {}
        if did:
            rows.append({"quantity": f"{PRIMARY}: DiD (HB - Verrokki)",
                         "value": did.get("estimate"), "ci_low": did.get("ci_low"),
                         "ci_high": did.get("ci_high"),
                         "interval": did.get("inference") or "CR2", "n": _total(n)})
        main = self.config.analysis.perspective
        cea = (self.results.get("cea") or {}).get(main) or {}
        if cea:
            n_cea = _total(cea.get("n"))
            method = cea.get("ci_method") or "bca"

            def row(quantity: str, value: Any, ci: Any, interval: str) -> None:
                lo, hi = (ci if isinstance(ci, (list, tuple)) and len(ci) == 2
                          else (None, None))
                rows.append({"quantity": quantity, "value": value, "ci_low": lo, "ci_high": hi,
                             "interval": interval, "n": n_cea})

            row(f"cost difference per client, {main} (EUR)", cea.get("delta_cost"),
                cea.get("delta_cost_ci"), method)
            row("effect difference (points)", cea.get("delta_effect"),
                cea.get("delta_effect_ci"), method)
            row("ICER (EUR per point)", cea.get("icer"), cea.get("icer_ci"), "percentile")
            row("ICER (EUR per point)", cea.get("icer"), cea.get("fieller_ci"), "fieller")
            row(f"net monetary benefit at {_fmt(cea.get('wtp'))} EUR per point",
                cea.get("nmb_at_wtp"), cea.get("nmb_ci"), method)
        return pd.DataFrame(rows, columns=["quantity", "value", "ci_low", "ci_high",
                                           "interval", "n"])

    def summary(self) -> str:
        """A short plain-text digest: clients, headline numbers, the state of each analysis."""
        c = (self.results.get("data") or {}).get("clients") or {}
        lines = [f"Evaluation {self.config.name!r}: clients HB {c.get('HB')}, Verrokki "
                 f"{c.get('Verrokki')} (excluded for missing consent: "
                 f"{c.get('excluded_no_consent')})"]
        for r in self.headline().itertuples(index=False):
            missing = [v is None or pd.isna(v) for v in (r.ci_low, r.ci_high)]
            ci = ("" if all(missing)
                  else f" [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}] ({r.interval})")
            lines.append(f"  {r.quantity}: {_fmt(r.value)}{ci} (n={_fmt(r.n)})")
        ok = [k for k, s in self.sections.items() if s.status == "ok"]
        lines.append("  analyses ok: " + (", ".join(ok) or "none"))
        for k, s in self.sections.items():
            if s.status != "ok":
                lines.append(f"  {k}: {s.note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Evaluation {self.config.name!r}, {len(self.tables)} tables>\n" + self.summary()

    def _repr_html_(self) -> str:
        head = self.headline()
        status = pd.DataFrame({"analysis": list(self.sections),
                               "status": [s.status for s in self.sections.values()],
                               "note": [s.note for s in self.sections.values()]})
        return (f"<p><b>Evaluation</b> {html.escape(str(self.config.name))}</p>"
                + head.to_html(index=False, na_rep="–", float_format=_fmt)
                + status.to_html(index=False))

    # -- client-level data -------------------------------------------------------------
    def analysis_frames(self) -> dict[str, pd.DataFrame]:
        """The client-level frames behind the analyses (what :meth:`export` writes).

        Returns
        -------
        dict
            ``outcomes_by_wave``: every observed score, one row per client, outcome and wave
            (:func:`~hb_eval.outcomes.scores.long_frame` stacked over the outcomes);
            ``outcomes_change``: one row per client and outcome with a baseline score, end and
            change (NaN without an end score; :func:`~hb_eval.outcomes.scores.change_frame`);
            ``costs_<perspective>``: the per-client costs (``ev.costs``);
            ``cea_<perspective>``: the CEA sample (:func:`~hb_eval.costs.cea.cea_sample` of the
            primary outcome). Each has the client's sex and age group; ``arm``, ``pilot``,
            ``client_group``, ``sex``, ``age_group``, ``wave`` and ``outcome`` are categorical.
            A frame whose analysis did not run is absent.
        """
        from .costs.cea import cea_sample
        from .outcomes.analysis import SECONDARY
        from .outcomes.scores import WAVES, change_frame, long_frame

        clients = self.dataset.clients
        covariates = clients.loc[:, ["client_id", "client_group", "sex", "age_group"]].assign(
            client_id=clients["client_id"].astype("string"))
        dtypes = {c: clients[c].dtype for c in ("arm", "pilot", "client_group", "sex",
                                                "age_group")}

        def tidy(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
            f = frame.assign(client_id=frame["client_id"].astype("string"))
            f = f.drop(columns=[c for c in ("client_group", "sex", "age_group") if c in f])
            f = f.merge(covariates, on="client_id", how="left", validate="many_to_one")
            for c, dt in dtypes.items():
                f[c] = f[c].astype(str).where(f[c].notna()).astype(dt)
            if "wave" in f:
                f["wave"] = pd.Categorical(f["wave"].astype(str), categories=WAVES, ordered=True)
            if "outcome" in f:
                f["outcome"] = pd.Categorical(f["outcome"], categories=outcomes)
            head = [c for c in first if c in f]
            return f.loc[:, head + [c for c in f.columns if c not in head]]

        ids = ["client_id", "arm", "pilot", "client_group", "worker", "sex", "age_group"]
        frames: dict[str, pd.DataFrame] = {}
        if self.scores is not None and len(self.scores):
            have = set(self.scores["outcome"].astype(str))
            outcomes = [o for o in (PRIMARY, *SECONDARY) if o in have]
            outcomes += sorted(have - set(outcomes))
            frames["outcomes_by_wave"] = tidy(pd.concat(
                [long_frame(self.scores, clients, o) for o in outcomes], ignore_index=True),
                ids + ["outcome", "wave"])
            frames["outcomes_change"] = tidy(pd.concat(
                [change_frame(self.scores, clients, o, complete=False, check_waves=False)
                 for o in outcomes], ignore_index=True), ids + ["outcome"])
        for perspective, costs in (self.costs or {}).items():
            frames[f"costs_{perspective}"] = tidy(costs, ids)
        if self.scores is not None and PRIMARY in set(self.scores["outcome"].astype(str)):
            effects = change_frame(self.scores, clients, PRIMARY)
            for perspective in (self.cea or {}):
                frames[f"cea_{perspective}"] = tidy(cea_sample(self.costs[perspective], effects),
                                                    ids)
        return frames

    def export(self, out_dir: str | Path, format: str = "sav", language: str | None = None,
               audience: str | None = None, *, force: bool = False) -> Path:
        """Write :meth:`analysis_frames` for SPSS (``sav``), Stata (``dta``) or Parquet, one
        file per frame with variable and value labels in the report's language, whole or not
        at all, owner-only; internal audience only (see :func:`hb_eval.report.export.export`).

        Returns
        -------
        Path
            The output folder.
        """
        from .report.export import export

        return export(self, out_dir, format=format, language=language, audience=audience,
                      force=force)

    # -- re-analysis ------------------------------------------------------------------
    def rerun(self, *, progress: bool | RunProgress = False, debug: bool = False,
              **settings: Any) -> Evaluation:
        """Every analysis again with changed analysis settings, on the data already loaded.

        No file is read again: the dataset (and, unless ``include_kompassi`` changes, the
        questionnaire scores) are reused, so a changed setting costs the analyses' time only.
        The numbers are those of :func:`evaluate` with the same settings.

        Parameters
        ----------
        **settings
            ``analysis`` settings of ``evaluation.yaml`` (``wtp_max=30000``,
            ``cost_margin=0``, ``seed=1``, ``bootstrap_reps=1000``, ...).
        progress, debug
            As for :func:`evaluate`.

        Returns
        -------
        Evaluation
            A new evaluation; this one is left as it is.

        Raises
        ------
        ConfigError
            An unknown setting or a value not allowed.

        Examples
        --------
        >>> ev2 = ev.rerun(wtp_max=30000, cost_margin=0)          # doctest: +SKIP
        """
        cfg = self.config.with_analysis(**settings)
        same = cfg.analysis.include_kompassi == self.config.analysis.include_kompassi
        scores = self.scores.copy() if same and self.scores is not None else None
        run = as_progress(progress)
        with _display(run, owned=run is not progress):
            return _analyse(cfg, self.dataset, run, debug, scores)

    # -- writing ----------------------------------------------------------------------
    def write_report(self, out_dir: str | Path, language: str | None = None,
                     audience: str | None = None, *, progress: bool = False,
                     force: bool = False, pdf: bool = False) -> Path:
        """Write report.html, results.json, manifest.json, figures/, tables/ and tables.xlsx,
        whole or not at all (see :func:`hb_eval.report.run.write_report`).

        Parameters
        ----------
        out_dir
            Output folder (created; an earlier hb-eval output in it is replaced).
        language
            ``"fi"`` or ``"en"``; default: the configuration's ``report.language``.
        audience
            ``"internal"`` or ``"public"`` (small counts suppressed, no client numbers);
            default: the configuration's ``report.audience``.
        progress
            Progress lines on stderr.
        force
            Write into a non-empty folder that is not an hb-eval output (its files are kept).
        pdf
            Also write report.pdf with headless Chromium (without it the rest is written and
            the manifest's ``failures`` says why).

        Returns
        -------
        Path
            The path of report.html.
        """
        from .report.run import write_report

        return write_report(self, out_dir, language=language, audience=audience,
                            progress=progress, force=force, pdf=pdf)


def _total(n: Any) -> Any:
    """Clients in both arms from an ``{"HB": .., "Verrokki": ..}`` block (None if incomplete)."""
    if not isinstance(n, dict):
        return n
    xs = [n.get("HB"), n.get("Verrokki")]
    return None if any(x is None or isinstance(x, str) for x in xs) else sum(xs)


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def evaluate(config: Config | str | Path, *, seed: int | None = None, reps: int | None = None,
             progress: bool | RunProgress = True, debug: bool = False,
             dataset: Any = None) -> Evaluation:
    """Load the data and run every analysis whose sources are configured; write nothing.

    Parameters
    ----------
    config
        Path to ``evaluation.yaml`` or a :class:`~hb_eval.config.Config`.
    seed, reps
        Override ``analysis.seed`` / ``analysis.bootstrap_reps`` of the configuration.
    progress
        One progress display for the load and the analyses
        (:class:`~hb_eval.support.progress.RunProgress`: a bar in a terminal and in Jupyter,
        a few plain lines when stderr is not a terminal or in CI); a ``RunProgress`` to
        continue a run's display (its clock) instead of starting one.
    debug
        Re-raise an analysis' unexpected exception instead of recording it as ``failed``.
    dataset
        An already-loaded :class:`~hb_eval.data.dataset.Dataset` of this configuration (skips
        loading).

    Returns
    -------
    Evaluation
        ``ev.tables``, ``ev.results``, ``ev.sections``; ``ev.write_report(dir)`` writes the
        report.

    Notes
    -----
    The analyses run with one BLAS thread (:func:`hb_eval.support.threads.one_blas_thread`), so the
    results do not depend on the number of cores of the machine.

    Raises
    ------
    ConfigError, InputError, SchemaError
        Bad configuration or input (one-line messages naming file, sheet, row and column).
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    if seed is not None or reps is not None:
        cfg = cfg.with_overrides(seed=seed, bootstrap_reps=reps)
    run = as_progress(progress)
    with _display(run, owned=run is not progress):
        if dataset is None:
            from .data.dataset import load

            dataset = load(cfg, progress=run)
        return _analyse(cfg, dataset, run, debug, None)


@contextmanager
def _display(run: RunProgress, owned: bool) -> Iterator[None]:
    """End a display this call made: at the end with the time taken, or at an error."""
    try:
        yield
    except BaseException:
        if owned:
            run.close()
        raise
    if owned:
        run.close(f"analyses done in {run.elapsed():.1f} s")


def _analyse(cfg: Config, dataset: Any, run: RunProgress, debug: bool,
             scores: pd.DataFrame | None) -> Evaluation:
    """The analyses of :func:`evaluate` on a loaded dataset (``scores``: already scored)."""
    if not len(dataset.clients):
        raise InputError("no consenting client in the roster (consent must be kyllä): there is "
                         "nothing to analyse; run hb-eval validate for the details",
                         code="no_consent")
    ev = Evaluation(cfg, dataset)
    ev.results["schema_version"] = SCHEMA_VERSION
    ev.results["data"] = dataset.data_block()
    ev.results["manifest"] = {"seed": cfg.analysis.seed, "config": cfg.to_dict(),
                              "versions": package_versions(), "created_with": created_with()}
    from .pipeline import run_stages  # the analyses' libraries (statsmodels, ...) from here

    with one_blas_thread():  # the same numbers whatever the machine's number of cores
        run_stages(ev, progress=run, debug=debug, scores=scores)
    return ev
