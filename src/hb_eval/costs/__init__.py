"""Costs and cost-effectiveness: per-client costs from diaries and services, the CEA.

Modules: :mod:`.costing` (diaries and services to per-client costs), :mod:`.bootstrap`
(vectorised stratified and cluster bootstrap, BCa), :mod:`.cea` (``run_cea``), :mod:`.fieller`,
:mod:`.sur` (seemingly unrelated regression), :mod:`.sensitivity` (one-way analyses).
"""
from __future__ import annotations

from .costing import client_costs, cost_summary, costs_block, price_diaries, diary_rates

__all__ = ["client_costs", "cost_summary", "costs_block", "price_diaries", "diary_rates"]
