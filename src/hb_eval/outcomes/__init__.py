"""Estimators of the HB effect on the change in outcomes, and the outcome analysis.

Modules: ``cr2`` (CR2 cluster-robust variance, Satterthwaite df), ``wild_bootstrap`` (wild
cluster bootstrap with the null imposed), ``did`` (2x2 DiD: change score, panel fixed effects,
covariate-adjusted), ``dr_did`` (Sant'Anna & Zhao doubly robust DiD), ``ancova``, ``mixed``
(MixedLM over all waves), ``heterogeneity`` (pilot/group-specific estimates), ``multiplicity``
(Holm), and ``analysis`` (runs everything for every outcome).

In a notebook: ``did_2x2(cf)`` and its siblings take a change frame
(``hb_eval.outcomes.scores.change_frame``); ``analyse_outcomes(scores, ds.clients, ds.config.analysis)``
runs everything for every outcome (what ``hb_eval.evaluate`` does).
"""
from __future__ import annotations

from .analysis import analyse_outcomes
from .ancova import ancova
from .did import did_2x2, did_adjusted, did_panel_fe
from .dr_did import dr_did
from .heterogeneity import interaction_test, subgroup_estimates
from .mixed import mixed_did
from ..stats.multiplicity import holm

__all__ = ["did_2x2", "did_panel_fe", "did_adjusted", "dr_did", "ancova", "mixed_did",
           "subgroup_estimates", "interaction_test", "holm", "analyse_outcomes"]
