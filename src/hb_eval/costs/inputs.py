"""The inputs of the cost-effectiveness analysis taken from an Evaluation or a Dataset.

``run_cea(ds)`` / ``run_cea(ev)`` use this: per-client costs of the configured perspective and
the primary change frame, so a notebook does not assemble them by hand.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..config import PRIMARY

__all__ = ["cea_inputs"]


def cea_inputs(source: Any, perspective: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                     Any]:
    """Per-client costs, the primary change frame and the configuration of ``source``.

    Parameters
    ----------
    source
        An :class:`~hb_eval.evaluation.Evaluation` (its costs and scores are reused) or a
        :class:`~hb_eval.data.dataset.Dataset` loaded with unit costs.
    perspective
        ``"organiser"`` or ``"societal"``; default the configuration's ``analysis.perspective``.

    Returns
    -------
    (costs, effects, config)
    """
    from ..outcomes.scores import change_frame, score_all
    from .costing import client_costs

    ds = getattr(source, "dataset", None)
    ev = source if ds is not None else None
    ds = ds if ds is not None else source
    config = getattr(source, "config", None) or getattr(ds, "config", None)
    if config is None or not hasattr(ds, "clients"):
        raise TypeError("run_cea: pass per-client costs and a change frame, or an Evaluation "
                        f"(hb_eval.evaluate) or Dataset (hb_eval.load), not {type(source).__name__}")
    a = config.analysis
    p = perspective or a.perspective
    known = (getattr(ev, "costs", None) or {}) if ev is not None else {}
    costs = known[p] if p in known else client_costs(ds, perspective=p, rule=a.diary_rule)
    scores = getattr(ev, "scores", None) if ev is not None else None
    if scores is None:
        scores = score_all(ds, include_kompassi=a.include_kompassi)
    return costs, change_frame(scores, ds.clients, PRIMARY), config
