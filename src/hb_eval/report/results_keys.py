"""What every key of results.json, every report table and every figure means: the registry
docs/outputs.md is generated from (``make generated``; a test fails when the page is stale and
when the demo's results.json has a key, or the report a table, that is not documented here).

A key pattern is a dotted path relative to its section's prefix. In a pattern

* ``<name>`` stands for one key of the data (an outcome, a perspective, a reason code, ...);
* ``{a, b}`` lists alternatives;
* ``x[]`` is a list of objects, ``x[].{a, b}`` the keys of each object (a list of plain values
  is one key, ``delta_cost_ci``);
* a trailing ``*`` stands for everything below (free-form blocks such as the configuration).

:func:`documented` tells whether a concrete path (``outcomes.kykyviisari_total.did.p``) is
covered; :func:`results_paths` lists the paths of a results dict.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Section", "RESULTS_SECTIONS", "CONDITIONAL", "TABLES", "FIGURES", "results_paths",
           "documented", "undocumented", "full_patterns", "unused_patterns", "outputs_markdown"]


@dataclass(frozen=True)
class Section:
    """One block of results.json: its key prefix, a heading, an introduction and its keys."""

    prefix: str
    heading: str
    intro: str
    keys: tuple[tuple[str, str], ...]  #: (pattern relative to ``prefix``, meaning)


_ARM = "{HB, Verrokki}"
_EST = "{estimate, se, ci_low, ci_high, p, holm_p}"

RESULTS_SECTIONS: tuple[Section, ...] = (
    Section("", "`schema_version`, `analyses`", "", (
        ("schema_version", "version of this shape"),
        ("analyses.<analysis>", "state of each analysis (`outcomes`, `comparability`, "
         "`satisfaction`, `esr`, `services`, `budget`, `providers`, `costs`, `cea`, "
         "`sensitivity`, `confounding`, `imputation`, `plan`): `ok`; `absent` (its source is "
         "not configured); `not_estimable` (the data cannot support it — the report says why); "
         "`failed`"),
    )),
    Section("data", "`data` — what was loaded", "", (
        ("clients.{HB, Verrokki}", "analysed clients per arm (consenting, in the roster)"),
        ("clients.excluded_no_consent", "roster clients without consent `kyllä`"),
        ("clients.orphans", "client numbers seen in a source but not in the roster"),
        ("files[].{source, path, sheet, sha256, status, rows_read, rows_kept, "
         "rows_quarantined}", "one entry per input file and sheet: `path` relative to the "
         "configuration; `status` `read` (rows read = kept + quarantined), `refused` or "
         "`unread`"),
        ("files[].{reason, message, rows_unread}", "why a file was refused or a sheet not "
         "read (only on such entries)"),
        ("quarantine_by_reason.<reason>", "quarantine records per reason code (every code, 0 "
         "when none; see [Data sources](data_sources.md#quarantine-reason-codes))"),
    )),
    Section("outcomes.<outcome>", "`outcomes.<outcome>` — wellbeing and functioning",
            "`holm_p` is the Holm-adjusted p across the secondary outcomes (equal to `p` for "
            "the primary). An estimator the data cannot support has null values and a "
            "`reason`.", (
        (f"n.{_ARM}", "complete cases (baseline and end)"),
        (f"within.{_ARM}.{{n, mean_baseline, mean_end, mean_change, ci_low, ci_high}}",
         "mean change and its interval per arm"),
        (f"within.{_ARM}.{{d_z, d_z_ci_low, d_z_ci_high, d_av, d_av_ci_low, d_av_ci_high, "
         "g_av, g_av_ci_low, g_av_ci_high, wilcoxon_p}",
         "standardised within-arm effects and the Wilcoxon signed-rank p"),
        ("did.{estimate, se, df, ci_low, ci_high, p, n_clusters, holm_p}",
         "two-by-two DiD; `se` and `df` are CR2, `p`, `ci_low`, `ci_high` (and `holm_p`) are "
         "the primary inference's (see `inference`)"),
        ("did.{wild_p, wild_ci_low, wild_ci_high}", "its wild cluster bootstrap p and interval"),
        ("did.inference", "the primary inference: `CR2`, or `wild_cluster_bootstrap` with fewer "
         "than 12 clusters ([Methods](methods.md))"),
        ("did.inference_reason", "why the wild bootstrap is primary (only then)"),
        ("did.{p_cr2, ci_cr2_low, ci_cr2_high}", "the CR2 p and interval beside a primary wild "
         "bootstrap (only when `inference` is `wild_cluster_bootstrap`; otherwise they are `p`, "
         "`ci_low`, `ci_high`)"),
        ("did.{wild_weights, wild_reps, wild_enumerated}", "the bootstrap's weights (`webb`, "
         "`rademacher`), its number of weight vectors, and whether they were all enumerated "
         "(`true`: exact, no seed dependence) or drawn"),
        (f"did_adjusted.{_EST}", "covariate-adjusted DiD"),
        ("{did_adjusted, ancova}.inference", "its primary inference, as in `did`; with fewer "
         "than 12 clusters also `inference_reason`, the `wild_*` keys and the CR2 `p_cr2`, "
         "`ci_cr2_low`, `ci_cr2_high`"),
        (f"dr_did.{_EST}", "doubly robust DiD"),
        ("dr_did.{ps_trim_method, n_trimmed}", "how propensity scores were trimmed (`drdid`: "
         "comparison clients with a score ≥ 0.995 get weight 0, the default; `clip`: scores "
         "clipped into `analysis.ps_trim`) and how many clients that touched"),
        (f"ancova.{_EST}", "ANCOVA on the end score"),
        (f"mixed.{_EST}", "mixed model over all waves"),
        ("<estimator>.reason", "why an estimator is not estimable (its values are null)"),
        ("did_mice.{estimate, se, df, ci_low, ci_high, p, m, fmi, df_method, imputation, n_HB, "
         "n_Verrokki, n_imputed_HB, n_imputed_Verrokki}",
         "the DiD after multiple imputation (primary outcome)"),
        ("d_ppc2.{estimate, ci_low, ci_high}", "Morris's between-arm effect size"),
        ("alpha_baseline", "Cronbach's α at baseline (multi-item scales only)"),
        (f"reliable_change.{_ARM}.{{n, improved, unchanged, deteriorated, n_improved, "
         "n_unchanged, n_deteriorated}", "shares and counts of reliable change"),
        ("heterogeneity.{pilot_p, client_group_p}", "interaction tests (primary outcome)"),
    )),
    Section("satisfaction", "`satisfaction` — client experience", "", (
        ("items.<item>.{n_HB, n_Verrokki, share_agree_HB, share_agree_Verrokki, "
         "mann_whitney_p, rank_biserial}", "per item C1–C8: answers 1–5, share agreeing "
         "(4–5), Mann–Whitney p, rank-biserial r (positive: HB higher)"),
        ("scale.{n_HB, n_Verrokki, share_agree_HB, share_agree_Verrokki, mann_whitney_p, "
         "rank_biserial}", "the same for the mean of C1–C8"),
        ("grade.{n_HB, n_Verrokki, mean_HB, mean_Verrokki, mann_whitney_p, rank_biserial}",
         "overall grade 4–10"),
        ("hb_only.<item>.{n, share_agree}", "HB-only items H1–H4"),
        ("transitions.{n_paired, n_not_in_work_or_study_at_start, n_into_work_or_study, "
         "share_into_work_or_study}", "ESR work and study transitions (HB clients)"),
    )),
    Section("costs.<perspective>", "`costs.<perspective>` — costs per client", "", (
        (f"mean.{_ARM}", "mean cost per client over the client-ship, euros of `price_year`"),
        (f"components.<component>.{_ARM}", "mean per component: `worker_time`, `worker_km`, "
         "`worker_expenses`, `assistant_time`, `assistant_expenses`, `client_time`, "
         "`client_expenses`, `services_hb_budget`, `services_usual`, `client_fees` (signed; "
         "they add up to the mean)"),
        (f"n.{_ARM}", "clients"),
        ("{currency, price_year}", "`EUR` and the price year"),
    )),
    Section("cea.<perspective>", "`cea.<perspective>` — cost-effectiveness", "", (
        ("{delta_cost, delta_effect, icer}", "ΔC (euros), ΔE (points), ΔC/ΔE"),
        ("{delta_cost_ci, delta_effect_ci, nmb_ci}", "BCa intervals `[low, high]` "
         "(`ci_method`)"),
        ("{delta_cost_ci_percentile, delta_effect_ci_percentile, nmb_ci_percentile}",
         "percentile intervals beside them"),
        ("{icer_ci, icer_ci_note}", "ICER interval when meaningful, else `null` and the "
         "reason"),
        ("{fieller_ci, fieller_variance}", "Fieller's interval (`null` when unbounded) and the "
         "variance used"),
        ("quadrant_shares.{NE, NW, SE, SW}", "shares of bootstrap replicates per quadrant of "
         "the CE plane"),
        ("{wtp, nmb_at_wtp}", "λ and NMB(λ) = λΔE − ΔC"),
        ("ceac[].{wtp, p_cost_effective}", "the acceptability curve"),
        ("wtp_crossing_0_5", "the λ where the probability of cost-effectiveness crosses 0.5"),
        (f"n.{_ARM}", "clients in the CEA sample"),
        ("{n_clusters, excluded_no_cost}", "workers, and clients left out for want of a cost"),
        ("{bootstrap_reps, resample, level, ci_method, perspective, sign_convention}",
         "how it was computed"),
        ("methods.{perspective, price_year, currency, time_horizon, effect_measure, valuation, "
         "uncertainty, missing_data, sign_convention}", "the reporting checklist (CHEERS 2022) "
         "in words"),
        ("sur.{estimator, covariates, delta_cost, delta_cost_ci, delta_effect, "
         "delta_effect_ci, icer, icer_ci, bootstrap_reps, sign_convention}",
         "the adjusted (SUR) analysis"),
        ("sur.note", "why the SUR analysis could not be run (its only key then)"),
        ("evpi[].{wtp, evpi}", "expected value of perfect information per client on the CEAC's "
         "λ grid (euros)"),
        ("evpi_at_wtp", "EVPI per client at `wtp`"),
        ("population_evpi[].{wtp, evpi}", "population EVPI (with `analysis.population`)"),
        ("population_evpi_at_wtp", "population EVPI at `wtp`"),
        ("population_evpi_note", "why there is no population EVPI (no `analysis.population`)"),
        ("evpi_settings.{per, population, horizon_years, discount_rate, population_factor, "
         "replicates}", "how EVPI was computed: `population_factor` = P · Σ_{t=1..T} "
         "(1 + r)^−t"),
        ("cost_neutrality.{delta_cost, margin, upper_95, lower_95, noninferior, "
         "p_noninferiority, p_lower, tost_p, equivalent}", "cost neutrality against the margin "
         "δ (`analysis.cost_margin`): one-sided 95 % bounds of ΔC, non-inferiority and "
         "equivalence (TOST) p-values"),
        ("cost_neutrality.margin_setting", "the setting the margin came from: "
         "`analysis.cost_margin` (one number for every perspective) or "
         "`analysis.cost_margin.<perspective>` (a margin per perspective)"),
        ("cost_neutrality.{p_noninferiority_at_floor, p_lower_at_floor, tost_p_at_floor}",
         "whether each bootstrap p-value is at the floor: `true` when no replicate lies beyond "
         "the boundary, so the value is an upper bound and the report writes \"p < value\""),
        ("cost_neutrality.p_floor", "1/(2B), the smallest share of replicates the p-values "
         "resolve"),
        ("cost_neutrality.{alpha, bootstrap_reps, ci_method, p_method, sign_convention}",
         "how it was computed"),
        (f"cost_neutrality.n.{_ARM}", "clients"),
    )),
    Section("sensitivity.confounding", "`sensitivity.confounding` — robustness to "
            "unmeasured confounding", "The adjusted change-score regression of the primary "
            "outcome by OLS, as Cinelli & Hazlett (2020) define the method.", (
        ("{outcome, treatment, covariates, estimate, se, se_type, t, df}", "the regression's "
         "HB coefficient (classical OLS standard error)"),
        (f"n.{_ARM}", "clients"),
        ("{partial_r2, rv_q1, rv_q1_alpha05, q, alpha}", "partial R² of HB with the outcome "
         "and the robustness values RV_q and RV_{q,α}"),
        ("benchmarks[].{covariate, k, r2dz_x, r2yz_dx, adjusted_estimate, adjusted_se, "
         "adjusted_t, note}", "bounds on a confounder k times as strong as an observed "
         "covariate, and the estimate adjusted for it"),
    )),
    Section("plan", "`plan` — planning the next phase", "From the primary outcome's change "
            "score.", (
        ("{outcome, sd_change, icc, icc_ci, icc_method, clients_per_worker, n_workers, "
         "design_effect, attrition}", "the inputs taken from this evaluation"),
        (f"n.{_ARM}", "clients the inputs come from"),
        ("{alpha, power}", "test level and power"),
        ("rows[].{n_per_arm, effective_per_arm, mde, mde_d}", "minimum detectable effect "
         "(points and standardised) for each number of clients recruited per arm"),
        ("targets", "clients per arm needed for each requested effect (empty when none was "
         "requested)"),
        ("targets[].{mde, n_per_arm, n_per_arm_exact}", "per requested effect: clients to "
         "recruit per arm (rounded up, and exact)"),
    )),
    Section("budget", "`budget` — budget follow-up (HB clients with a budget decision)",
            "Nominal euros as granted and paid.", (
        ("{n_clients, n_utilisation, n_no_granted}", "clients followed up; with a "
         "utilisation; with nothing granted inside the client-ship"),
        ("{granted_mean, realised_mean, granted_per_month_mean, realised_per_month_mean}",
         "mean granted and realised budget per client, over the client-ship and per month"),
        ("{utilisation_median, utilisation_q1, utilisation_q3, share_under_half, "
         "share_over_full}", "utilisation (realised / granted): quartiles and the shares "
         "under 50 % and over 100 %"),
        ("{n_hb_clients_without_decision, n_hb_rows_outside_clientship}", "HB-budget rows not "
         "followed up, counted"),
        ("{currency, cutoff}", "`EUR` and the date ongoing client-ships are cut at"),
        ("by_pilot[].{pilot, n, granted_mean, realised_mean, utilisation_median}", "per pilot"),
        ("by_group[].{client_group, n, granted_mean, realised_mean, utilisation_median}",
         "per client group"),
    )),
    Section("providers", "`providers` — provider mix", "", (
        ("by_sector[].{sector, hb_euros, hb_share, n_clients_hb, usual_share_HB, "
         "usual_share_Verrokki}", "HB-budget euros and clients by provider sector beside the "
         "usual services' sector shares in each arm"),
        ("{n_providers, n_clients_with_provider, n_clients_no_provider, "
         "distinct_per_client_median}", "providers used and distinct providers per client"),
        ("{n_new_entrants, new_entrant_share, new_entrant_rule, evaluation_start, cutoff}",
         "providers approved during the evaluation and their share of HB euros"),
        ("{hb_euros_unregistered, hb_euros_no_approval_date}", "HB euros to providers not in "
         "the register, or without an approval date"),
    )),
    Section("manifest", "`manifest`", "", (
        ("{seed, created_with}", "the seed and the package version"),
        ("config*", "the configuration as used (paths as written)"),
        ("versions*", "the versions of Python and every library"),
    )),
)

#: Key patterns present only in some runs (a refused file, few clusters, an estimator that is not
#: estimable, a failed SUR, a population for EVPI, planning targets asked for): the rest must
#: each match a key of the demo's results.json.
CONDITIONAL: frozenset[str] = frozenset({
    "data.files[].{reason, message, rows_unread}",
    "outcomes.<outcome>.did.inference_reason",
    "outcomes.<outcome>.did.{p_cr2, ci_cr2_low, ci_cr2_high}",
    "outcomes.<outcome>.<estimator>.reason",
    "cea.<perspective>.sur.note",
    "cea.<perspective>.population_evpi[].{wtp, evpi}",
    "cea.<perspective>.population_evpi_at_wtp",
    "plan.targets[].{mde, n_per_arm, n_per_arm_exact}",
})

#: Report table -> (one row per, columns).
TABLES: dict[str, tuple[str, str]] = {
    "configuration": ("setting", "every configuration value used"),
    "files": ("input file", "path, status, sha256, rows read / kept / quarantined"),
    "quarantine_by_reason": ("reason", "count"),
    "plausibility": ("limit", "the plausibility limits used (dates, durations)"),
    "table1": ("covariate × level", "counts, shares, means, SDs per arm; SMD"),
    "attrition": ("arm × pilot", "clients, baseline, completers, dropouts (ongoing, ended), "
                  "share"),
    "within_arm": ("outcome × arm", "n, means, mean change with CI, d_z with CI, g_av"),
    "estimators_primary": ("estimator", "estimate, se, CI, p (each estimate's primary "
                           "inference; `inference` and the CR2 `p_cr2`, `ci_cr2_low`, "
                           "`ci_cr2_high` beside a primary wild bootstrap), n per arm, "
                           "clusters, se_type (primary outcome)"),
    "outcome_effects": ("outcome × estimator", "the same for every outcome, with holm_p and "
                        "wild_p (and `inference`, `p_cr2`, `ci_cr2_low`, `ci_cr2_high` when "
                        "the wild bootstrap is primary)"),
    "heterogeneity": ("pilot or client group", "subgroup DiD with CI, n, se_type"),
    "reliability": ("scale × wave", "Cronbach's α with CI, n, k"),
    "reliable_change": ("outcome × arm", "counts and shares improved / unchanged / "
                        "deteriorated"),
    "mice": ("outcome", "the DiD after multiple imputation: m, fmi, df method"),
    "confounding": ("benchmark covariate × k", "bounds on a confounder k times as strong as "
                    "the covariate; the adjusted estimate"),
    "satisfaction_items": ("item C1–C8", "n, shares agreeing, difference with Newcombe CI, "
                           "Mann–Whitney p, rank-biserial r"),
    "satisfaction_hb_items": ("item H1–H4", "n, share agreeing with CI, mean"),
    "satisfaction_grade": ("—", "n, means, difference with CI, Mann–Whitney p, rank-biserial "
                           "r"),
    "esr_transitions": ("—", "pairs, into work or study, share with CI"),
    "services_by_funding": ("arm × funding", "clients, episodes, euros"),
    "services_by_sector": ("arm × sector", "clients, episodes, euros"),
    "budget_followup": ("—", "granted and realised budget per client, utilisation"),
    "budget_by_pilot": ("pilot", "the same by pilot (public: under 5 clients suppressed)"),
    "budget_by_group": ("client group", "the same by client group"),
    "provider_mix": ("provider sector", "HB euros and clients, usual services' shares per "
                     "arm"),
    "provider_summary": ("—", "providers, distinct providers per client, new entrants"),
    "providers_paid": ("provider", "HB euros paid, with the provider's name (internal "
                       "reports only)"),
    "costs_by_arm": ("perspective × component × arm", "mean, sd, n"),
    "imputed": ("arm", "clients with an imputed diary rate per role"),
    "unit_costs": ("setting", "the unit costs used"),
    "cea": ("perspective × quantity", "ΔC, ΔE with CIs, ICER, NMB at λ"),
    "sensitivity": ("parameter", "low/high values and their ΔC, ICER, NMB against the base "
                    "case"),
    "plan": ("clients per arm", "minimum detectable effect in points and standardised"),
}

#: Figure -> what it shows.
FIGURES: dict[str, str] = {
    "change_by_arm": "mean change per arm with CI",
    "estimator_comparison": "the estimators side by side (also the summary's headline figure)",
    "forest_pilot": "pilot-specific DiD",
    "love_plot": "SMDs before and after weighting",
    "satisfaction_items": "answers to C1–C8 per arm, diverging bars",
    "cost_components": "mean cost per client by component and arm",
    "ce_plane": "bootstrap replicates of (ΔE, ΔC)",
    "ceac": "probability that HB is cost-effective against λ",
    "tornado": "one-way sensitivity of ΔC",
    "confounding_contour": "the adjusted estimate against a confounder's strength, with "
                           "benchmarks",
    "evpi": "EVPI per client against λ",
    "plan_curve": "minimum detectable effect against clients per arm",
    "budget_utilisation": "budget utilisation by pilot (quantile boxes; no box under 5 "
                          "clients)",
}


# -- matching ------------------------------------------------------------------------------------
def _pattern_regex(pattern: str) -> str:
    """The regex of one key pattern (``<x>`` one key, ``{a, b}`` alternatives, ``*`` the rest)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "<":
            j = pattern.index(">", i)
            out.append(r"[^.\[\]]+")
            i = j + 1
        elif c == "{":
            j = pattern.index("}", i)
            alts = [a.strip() for a in pattern[i + 1:j].split(",")]
            out.append("(?:" + "|".join(re.escape(a) for a in alts) + ")")
            i = j + 1
        elif c == "*":
            out.append(r"(?:[.\[].*)?")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _registry_regex() -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(_pattern_regex(p) for p in full_patterns()) + ")")


def results_paths(results: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every leaf path of a results dict: ``a.b.c``, ``a.list[].key``; a list of plain
    values (an interval) and an empty block are leaves."""
    for k, v in results.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v:
            yield from results_paths(v, path)
        elif isinstance(v, list) and v and all(isinstance(e, Mapping) for e in v):
            seen: dict[str, None] = {}
            for e in v:
                for p in results_paths(e, path + "[]"):
                    seen.setdefault(p)
            yield from seen
        else:
            yield path


def documented(path: str) -> bool:
    """Whether a concrete results.json path is covered by the registry."""
    return _registry_regex().fullmatch(path) is not None


def full_patterns() -> list[str]:
    """Every key pattern of the registry with its section's prefix, in order."""
    return [f"{sec.prefix}.{pat}" if sec.prefix else pat
            for sec in RESULTS_SECTIONS for pat, _ in sec.keys]


def unused_patterns(results: Mapping[str, Any]) -> list[str]:
    """The registry's patterns that match no key of ``results``."""
    paths = list(results_paths(results))
    return [p for p in full_patterns()
            if not any(re.fullmatch(_pattern_regex(p), x) for x in paths)]


def undocumented(results: Mapping[str, Any]) -> list[str]:
    """The paths of ``results`` the registry does not cover (sorted)."""
    return sorted({p for p in results_paths(results) if not documented(p)})


# -- the page ------------------------------------------------------------------------------------
_HEAD = """\
# Outputs

<!-- generated from hb_eval.report.results_keys by `make generated`; do not edit by hand -->

`hb-eval report evaluation.yaml --out OUT/` writes:

| file | what |
|---|---|
| `report.html` | the report, in Finnish or English, for the internal or the public audience |
| `results.json` | every number of the report, machine-readable (below) |
| `manifest.json` | what the run used: configuration, seed, input files with SHA-256, versions (below) |
| `figures/*.png`, `figures/*.svg` | the report's figures |
| `tables/*.csv` | the report's tables (below) |
| `tables.xlsx` | the same tables, one sheet each |
| `report.pdf` | with `--pdf`: the report printed (below) |
| `output_check.json`, `output_check.html` | the output check: every published table and figure, the disclosure rules applied and how many cells each rule suppressed and why, with no suppressed value ([Disclosure control](disclosure.md)) |

`hb-eval validate evaluation.yaml --json` prints the `data` block of `results.json` (and
`schema_version`) without running any analysis. In Python, `hb_eval.evaluate()` returns the same
numbers as `ev.results`, the tables as `ev.tables` and the figures as `ev.figures`.

## `report.pdf` (`--pdf`)

`hb-eval report ... --pdf` prints `report.html` to `report.pdf` with headless Chromium (Debian:
`apt-get install chromium`; any Chromium or Chrome named by `HB_EVAL_CHROMIUM`), offline, through
the report's print stylesheet: A4, tables too wide for a portrait page on a landscape one,
figures and table rows not split across pages, the contents on the first page as links with
each section's page (read from a first printing and printed again), the headings as the PDF's
bookmarks, and a footer with the report's title and "page N / M"; the
PDF is tagged (structure and language for screen readers). Chromium's time stamps are removed,
so the same `report.html` printed by the same Chromium gives the same bytes. Without Chromium
the rest of the report is written whole, `manifest.json` lists `"pdf: <reason>"` under
`failures`, one line says how to get Chromium and the exit status is 1. Like every output, the
PDF's SHA-256 is in the manifest and `hb-eval reproduce` checks it in the folder; the re-run
does not print a PDF (the fonts of another machine would change its bytes), so the comparison
stays results.json, the tables, report.html, tables.xlsx and the figures.

## Accessibility

The report aims at WCAG 2.1 AA (the level Finland's act on the provision of digital services
asks of public bodies' web content): `<html lang>`, and `lang="fi"` on the data's Finnish job
titles in an English report's settings; headings in order; every table with a
caption and header cells with `scope`; scrolling tables reachable by keyboard; text and the
figures' marks and lines with enough contrast; and each figure's alternative text states what
it shows in numbers (the estimate and 95% interval of each estimator, each pilot's effect, the
acceptability curve's probability at the report's willingness to pay, and so on), built from the
same data the figure is drawn from. The browser test runs axe-core's WCAG 2.1 A and AA rules on
both languages and audiences at desktop and phone width and allows no serious or critical
violation.

## `results.json`

Numbers are plain JSON numbers (not formatted strings), rounded to 10 significant digits; missing
values and non-finite numbers are `null`; keys are sorted. The shape is a promise to scripts and
to people reproducing a published report: keys are added freely, and `schema_version` changes
when a key changes meaning. In a public report a count of 1–4 clients is the string `"<5"`, a count hidden so that no
suppressed value can be recovered is `".."`, and the statistics of a suppressed group are
`null` ([Disclosure control](disclosure.md)).

`<outcome>` is one of `kykyviisari_total` (primary), `kykyviisari_<domain>` with `<domain>` one of
`general_wellbeing`, `participation`, `mental_wellbeing`, `everyday_life`, `skills`,
`physical_functioning`, `work_and_future` (and `parenthood` where present), and `osallisuus`.
`<perspective>` is `organiser` or `societal`. All `ci_*` are intervals at `analysis.confidence`
(95 % by default). Estimates are **HB minus Verrokki**; `did.estimate` is in score points.
In a key, `{a, b}` lists several keys and `x[]` is a list of objects with the keys that follow.
Every key below is generated from the registry `hb_eval.report.results_keys`; a test fails when
the demo's `results.json` has a key that is not in it.
"""

_TAIL = """\
## `manifest.json`

`manifest_version`, `created_with`, `created` (UTC time; never compared), `seed`, `config`,
`config_file`, `config_dir` (the configuration's folder relative to the output folder),
`config_dir_in_out` (the inputs lie inside the output folder, as with `--demo`), `inputs[]`
(`source`, `path` relative to the configuration folder, `sha256`, `sheets[]` with rows read, kept
and quarantined), `versions`, `results_sha256` (of `results.json`), `outputs` (relative path →
SHA-256 of every output file), `foreign` (files of the user's kept beside the output with
`--force`), `failures` (analyses that failed, with their messages; `"pdf: <reason>"` when
`--pdf` gave no PDF), and with `--pdf` `pdf` (`pages`, `printed_with`: the browser's version).

## The public audience

`--audience public` (or `report.audience: public`) writes a report for publication: no client
numbers, no individual points, no free text; every table cell and JSON count
below 5 clients is `<5`, with secondary suppression wherever a published margin would let a
reader recover it by subtraction, and the statistics of a suppressed group are removed.

## The reproducibility promise

The same inputs, configuration and seed give a **byte-identical** `results.json`: floats are
rounded to 10 significant digits, keys are sorted, it holds no time stamps or absolute paths, and
every random step draws from the configured seed (never global state). The analyses run with one
BLAS thread (`hb_eval.support.threads.one_blas_thread`), so the number of cores does not change a
digit: with the machine's two threads the multiple-imputation DiD of a 20,000-client evaluation
moved in the fourth digit of its standard error, and the large-sample mixed model in the eighth.
A different processor family or BLAS build may still change the last bits of a sum; the pinned
versions and the same kind of machine give the same bytes. `manifest.json` records
the SHA-256 of every input file, the configuration, the seed and the versions of Python and every
library; `constraints.txt` pins the versions `make setup` installs. `hb-eval reproduce OUT/`
first checks the inputs against the manifest's SHA-256, then re-runs the evaluation and compares
the new `results.json` with the recorded one, byte by byte.

## Analysis data for SPSS, Stata and R (`hb-eval export`)

`hb-eval export evaluation.yaml --format sav --out data/` (or `dta`, `parquet`; in Python
`ev.export("data/", format="sav")`) writes the client-level frames behind the analyses, one file
per frame, for evaluators who go on in SPSS or Stata and students who check in R (`haven`
reads both):

| file | one row per | variables |
|---|---|---|
| `outcomes_by_wave` | client × outcome × wave | client_id, arm, pilot, client_group, worker, sex, age_group, outcome, wave, score, harmonised |
| `outcomes_change` | client × outcome with a baseline | … outcome, baseline, end, change (end and change empty without an end score), harmonised |
| `costs_<perspective>` | client | the cost components, total, days, months, total_per_month, imputed_*, rule, price_year |
| `cea_<perspective>` | client in the CEA sample | baseline, end, change of the primary outcome, cost (the sample `cea.<perspective>.n` counts) |

- **Labels** in the report's language (`--language fi|en`): each variable has its label and the
  file its title; `arm`, `pilot`, `client_group`, `sex`, `age_group`, `wave` and `outcome` are
  numbers with value labels (pilots 1–6 and client groups 1–6 as in the client number, arm HB 1,
  Verrokki 2, waves alku 1, väli 2, loppu 3); yes/no variables are 0/1 with labels.
- **Names** follow R `haven`'s rules: ASCII, letters, digits and `_`, at most 32 characters.
- **Privacy**: the files hold client numbers (as the internal report does), so the export is for
  the internal audience only and refuses a public one. Every text passes the identity-code gate.
  The folder is written whole or not at all, files owner-only (0600, folder 0700), with a
  `manifest.json` (inputs, configuration, frames with their rows and variables).
- **Parquet** needs `pyarrow` or `fastparquet` (otherwise one line says what to install);
  categories are stored as their labels and yes/no as booleans, without variable labels. Do not
  install `pyarrow` into an environment shared with hb_eval runs that must stay byte-stable: it
  changes pandas' default string type.

## Input paths in every output

Every output (results.json, manifest.json, `tables/files.csv`, `tables/configuration.csv`,
the quarantine file, validate's text and JSON, the report) names an input file relative to the
configuration's folder. A file outside that folder (a `../` path or an absolute path elsewhere)
is shown as `[outside]/<file name>`, and a configured pattern outside it as
`[outside]/<last part>` (e.g. `[outside]/*.xlsx`): no user or folder name outside the
configuration's folder is written. A personal identity code in a name becomes its placeholder
`[hetu-N]`; the gate reads every Unicode space (no-break, thin, narrow no-break, figure space …)
as a space and invisible characters (zero-width space, joiners, word joiner, BOM, soft hyphen,
direction marks) as nothing, so a code split by them is found too. In a public report client
numbers in names are masked (`•••••••`); hashes (32 or more hex digits) and UUIDs are never
masked. `reproduce` matches inputs shown as `[outside]/…`, `[hetu-N]` or masked by their
SHA-256 (the real paths come from the configuration file, found with `--inputs` or the
recorded `config_dir`).

## `hb-eval reproduce`

`hb-eval reproduce OUT/ [--inputs DIR] [--out DIR2]` checks the folder against its manifest
(exit 2 when a file is missing, changed or foreign), the inputs against their SHA-256 (exit 1,
each changed file named), re-runs the evaluation with the recorded configuration and seed, and
compares everything the re-run re-creates:

| output | compared |
|---|---|
| `results.json` | byte for byte |
| `tables/*.csv` | byte for byte (first differing file, line and column named) |
| `report.html` | byte for byte; else its text with the embedded images taken out must be equal (first differing line shown), then the embedded images byte for byte |
| `tables.xlsx` | byte for byte; else the canonical form — every sheet's name and every non-empty cell's value and number format — must be equal (first differing sheet and cell named) |
| `figures/*` | the same files, byte for byte |

So a report.html or tables.xlsx edited after the run fails even when its SHA-256 in
manifest.json was rewritten. The **environment** — the `versions` of the two manifests
(Python, hb_eval and the packages behind the numbers) — is compared separately and reported as
a difference of environment, not of results. When it differs and every number is the same,
the run is still reproduced (exit 0): results.json may then differ only in
`manifest.versions` and `manifest.created_with`, the figures (also those embedded in
report.html) may be drawn with other bytes, tables.xlsx may have other bytes with the same
cells, and report.html may name another hb_eval version; each such difference is listed under
the environment line. In the same environment every byte must match.
"""

_TABLES_HEAD = """\
## Report tables (`tables/*.csv`, `tables.xlsx`)

CSV files follow the report's language (Finnish: `;` and decimal comma; English: `,` and `.`),
UTF-8 with a byte-order mark so that Excel opens them correctly. They stay machine-readable:
numbers are plain numbers at full precision (10 significant digits, no thousands separator),
dates ISO 8601, categories the data's codes, columns the English snake-case names. In
report.html and for the widths of tables.xlsx, numbers, percentages, euros and dates are
formatted by Babel from the locale's CLDR data (`hb_eval.report.format`; Finnish `−1 234,5`,
`42,5 %`, `1 234 €`, `14.1.2019`; English `-1,234.5`, `42.5%`, `€1,234`, ISO dates). Counts of
clients are columns named `n`, `n_*`, `*_n`, `count`, `*_count` or `rows_*`; in a public report
those below 5 are `<5`. In `tables.xlsx` sheet names, headers and categories are in the
report's language, and every text is a text: one that begins with `=` (a file or provider name
from the inputs) is never a formula. The CSV files keep such a text as it is, for scripts;
Excel may take a cell beginning with `=`, `+`, `-` or `@` for a formula when it opens a CSV
file, so open the tables for reading in `tables.xlsx`.

| table | one row per | columns |
|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def outputs_markdown() -> str:
    """docs/outputs.md, written from the registry."""
    parts = [_HEAD]
    for sec in RESULTS_SECTIONS:
        parts.append(f"\n### {sec.heading}\n\n")
        if sec.intro:
            parts.append(sec.intro + "\n\n")
        parts.append("| key | meaning |\n|---|---|\n")
        for pat, meaning in sec.keys:
            parts.append(f"| `{_cell(pat)}` | {_cell(meaning)} |\n")
    parts.append("\n" + _TABLES_HEAD)
    for name, (row, cols) in TABLES.items():
        parts.append(f"| `{name}` | {_cell(row)} | {_cell(cols)} |\n")
    parts.append("\n## Figures\n\nEach is drawn from a tidy table by a function of "
                 "`hb_eval.report.figures` (PNG and SVG in `figures/`; in Python "
                 "`ev.figures[name]`).\n\n| figure | what |\n|---|---|\n")
    for name, what in FIGURES.items():
        parts.append(f"| `{name}` | {_cell(what)} |\n")
    parts.append("\n" + _TAIL)
    return "".join(parts)
