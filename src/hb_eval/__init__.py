"""hb_eval: statistical evaluation of personal budgeting (henkilökohtainen budjetointi, HB).

Data flows one way: raw files -> loaders -> tidy tables -> scores -> estimators / costs ->
results -> report. Each stage is importable on its own::

    import hb_eval
    ds = hb_eval.load("evaluation.yaml")      # a Dataset of tidy DataFrames
    ds.clients.head()
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load", "load_config"]


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
