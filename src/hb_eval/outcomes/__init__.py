"""Estimators of the HB effect on the change in outcomes, and the outcome analysis.

Modules: ``cr2`` (CR2 cluster-robust variance, Satterthwaite df), ``wild_bootstrap`` (wild
cluster bootstrap with the null imposed), ``did`` (2x2 DiD: change score, panel fixed effects,
covariate-adjusted), ``dr_did`` (Sant'Anna & Zhao doubly robust DiD), ``ancova``, ``mixed``
(MixedLM over all waves), ``heterogeneity`` (pilot/group-specific estimates), ``multiplicity``
(Holm), and ``analysis`` (runs everything for every outcome).
"""
