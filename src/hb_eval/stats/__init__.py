"""Domain-free statistical kernels, each equal to a named peer on the same data.

Nothing here knows about personal budgeting, the data layer, the pipeline or the report: a
kernel takes arrays or plain frames and returns numbers. The HB analyses in
:mod:`hb_eval.outcomes` and :mod:`hb_eval.costs` decide what to feed them.

=============================  ===========================================  ==================
module                         what                                         equals
=============================  ===========================================  ==================
:mod:`.cr2`                    CR2 cluster-robust variance, Satterthwaite   clubSandwich (R)
:mod:`.wild_bootstrap`         wild cluster bootstrap, null imposed         wildboottest
:mod:`.estimability`           minimum clusters, finite SE, primary rule    –
:mod:`.bootstrap`              stratified / cluster bootstrap, BCa          boot (R)
:mod:`.fieller`                Fieller interval for a ratio                 closed form
:mod:`.sur`                    batched WLS for the SUR bootstrap            linearmodels SUR
:mod:`.noncentral_t`           noncentral-t confidence limits               effectsize (R)
:mod:`.effect_sizes`           d_z, d_av, g_av, d_ppc2, reliable change     effectsize, psych
:mod:`.imputation`             MICE and Rubin's rules                       mice (R)
:mod:`.mixed_nested`           closed-form nested REML                      lme4 (R)
:mod:`.multiplicity`           Holm's step-down adjustment                  statsmodels
:mod:`.evpi`                   expected value of perfect information        closed form
:mod:`.robustness`             partial R², robustness value, bounds         sensemakr (R)
=============================  ===========================================  ==================
"""
