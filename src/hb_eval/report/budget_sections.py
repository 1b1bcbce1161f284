"""The budget parts of a public report: small groups suppressed in the results.

Computation lives in :mod:`hb_eval.costs.budget`, :mod:`hb_eval.costs.providers` and
:mod:`hb_eval.costs.neutrality` (run by the pipeline). Public audience: per-pilot and per-group
rows of fewer than five clients lose their count (``<5``, with a second one suppressed against
the published total) and their statistics; a sector with fewer than five HB clients loses its
euros and share; the table of providers with names (a sole trader's name is a person's) is left
out of public reports (:func:`hb_eval.report.run.write_report`).
"""
from __future__ import annotations

import copy
from typing import Any

from .suppression import is_small, is_suppressed, suppress_mapping, symbol_of

__all__ = ["suppress_budget_results"]

_GROUP_STATS = ("granted_mean", "realised_mean", "utilisation_median")


def _public_groups(rows: list[dict[str, Any]], total: int) -> None:
    """Suppress small ``n`` in by-pilot/by-group records (against the published total)."""
    counts = suppress_mapping({i: r["n"] for i, r in enumerate(rows)}, total_shown=True)
    for i, r in enumerate(rows):
        if is_suppressed(counts[i]):
            r["n"] = counts[i]
            r.update({k: None for k in _GROUP_STATS})


def suppress_budget_results(results: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``results`` with the ``budget`` and ``providers`` blocks made public."""
    if "budget" not in results and "providers" not in results:
        return results
    out = dict(results)
    if "budget" in results:
        block = out["budget"] = copy.deepcopy(results["budget"])
        for key in ("by_pilot", "by_group"):
            _public_groups(block.get(key) or [], block.get("n_clients"))
    if "providers" in results:
        block = out["providers"] = copy.deepcopy(results["providers"])
        for r in block.get("by_sector") or []:
            if is_small(r.get("n_clients_hb")):
                r.update(n_clients_hb=symbol_of(r["n_clients_hb"]), hb_euros=None, hb_share=None)
    return out
