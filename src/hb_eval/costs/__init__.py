"""Costs and cost-effectiveness: per-client costs from diaries and services, the CEA.

Modules: :mod:`.costing` (diaries and services to per-client costs), :mod:`.bootstrap`
(vectorised stratified and cluster bootstrap, BCa), :mod:`.cea` (``run_cea``), :mod:`.fieller`,
:mod:`.sur` (seemingly unrelated regression), :mod:`.sensitivity` (one-way analyses).

In a notebook: ``client_costs(ds)`` gives per-client costs; ``run_cea(ev)`` (an Evaluation or a
Dataset) runs the cost-effectiveness analysis on them and the primary change frame.
"""
from __future__ import annotations

from .cea import run_cea
from .costing import client_costs, cost_summary, costs_block, diary_rates, price_diaries

__all__ = ["client_costs", "run_cea", "cost_summary", "costs_block", "price_diaries",
           "diary_rates"]
