"""hb_eval: statistical evaluation of personal budgeting (henkilökohtainen budjetointi, HB).

Data flows one way: raw files -> loaders -> tidy tables -> scores -> estimators / costs ->
results -> report. Each stage is importable on its own::

    import hb_eval
    ds = hb_eval.load("evaluation.yaml")      # a Dataset of tidy DataFrames
    ds.clients.head()
    ev = hb_eval.evaluate("evaluation.yaml")  # every analysis of the report, in memory
    ev.tables["within_arm"]                   # the report's tables as tidy DataFrames
    ev.write_report("report/")                # the report itself

The public surface: :func:`load`, :func:`evaluate`, and the modules :mod:`hb_eval.outcomes.scores`,
:mod:`hb_eval.stats.effect_sizes`, :mod:`hb_eval.outcomes` and :mod:`hb_eval.costs` (each lists its
public functions in ``__all__``).
"""
from __future__ import annotations

from .support.versions import __version__

__all__ = ["__version__", "load", "load_config", "evaluate"]


def load(config, **kwargs):
    """Load every source of an evaluation into a :class:`hb_eval.data.dataset.Dataset`.

    Parameters
    ----------
    config
        Path to ``evaluation.yaml`` or a :class:`hb_eval.config.Config`.
    """
    from .data.dataset import load as _load

    return _load(config, **kwargs)


def load_config(path):
    """Read and validate ``evaluation.yaml`` (see :func:`hb_eval.config.load_config`)."""
    from .config import load_config as _lc

    return _lc(path)


def evaluate(config, *, seed=None, reps=None, progress=True, debug=False, dataset=None):
    """Load the data and run every analysis whose sources are configured (writes nothing).

    Parameters
    ----------
    config
        Path to ``evaluation.yaml`` or a :class:`hb_eval.config.Config`.
    seed, reps
        Override the configuration's ``analysis.seed`` / ``analysis.bootstrap_reps``.
    progress
        Progress lines on stderr.
    debug
        Re-raise an analysis' unexpected error instead of recording it as failed.
    dataset
        An already-loaded Dataset of this configuration (skips loading).

    Returns
    -------
    hb_eval.evaluation.Evaluation
        ``ev.tables``, ``ev.results``, ``ev.sections``, ``ev.summary()``,
        ``ev.write_report(dir)``.
    """
    from .evaluation import evaluate as _evaluate

    return _evaluate(config, seed=seed, reps=reps, progress=progress, debug=debug,
                     dataset=dataset)
