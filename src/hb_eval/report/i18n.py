"""Labels of the report in Finnish (default) and English.

Codes (arm, pilot, wave, ...) keep the spec's Finnish spelling in the data; this module gives
the words shown to readers. :func:`t` falls back to the key itself for an unknown key so that a
missing label shows up in the report instead of breaking it.
"""
from __future__ import annotations

import numbers
import re

__all__ = ["LANGUAGES", "t", "outcome_label", "LABELS", "CATEGORIES", "CODED_COLUMNS",
           "display_value", "sensitivity_label", "setting_label", "setting_value"]

LANGUAGES = ("fi", "en")

LABELS: dict[str, dict[str, str]] = {
    # report frame
    "report_title": {"fi": "Arviointiraportti", "en": "Evaluation report"},
    "audience_internal": {"fi": "Sisäinen raportti (arviointitiimi)",
                          "en": "Internal report (evaluation team)"},
    "audience_public": {"fi": "Julkinen raportti", "en": "Public report"},
    "generated_by": {"fi": "Tuotettu ohjelmalla", "en": "Produced with"},
    "contents": {"fi": "Sisällys", "en": "Contents"},
    "pdf_page": {"fi": "sivu", "en": "page"},
    "sec_summary": {"fi": "Tiivistelmä", "en": "Summary"},
    "sec_wellbeing": {"fi": "Asiakkaiden hyvinvointi ja toimintakyky",
                      "en": "Client wellbeing and functioning"},
    "sec_experience": {"fi": "Asiakaskokemus", "en": "Client experience"},
    "sec_services": {"fi": "Palvelut ja palveluvalikoima", "en": "Services and the service mix"},
    "sec_costs": {"fi": "Kustannukset ja kustannusvaikuttavuus",
                  "en": "Costs and cost-effectiveness"},
    "sec_appendix": {"fi": "Liite: aineiston laatu", "en": "Appendix: data quality"},
    "sec_comparability": {"fi": "Ryhmien vertailukelpoisuus", "en": "Comparability of the arms"},
    "sec_methods": {"fi": "Menetelmät ja oletukset", "en": "Methods and assumptions"},
    "not_configured": {
        "fi": "Tätä analyysia ei tehty, koska sen lähdeaineistoa ({source}) ei ole määritelty "
              "ajon asetuksissa.",
        "en": "This analysis was not run because its input ({source}) is not in the run's "
              "configuration."},
    "not_estimable": {
        "fi": "Analyysia ei voitu tehdä tällä aineistolla: {reason}",
        "en": "This analysis could not be done with these data: {reason}"},
    "tab_plausibility": {
        "fi": "Uskottavuussäännöt: rajat ja karanteeniin siirretyt",
        "en": "Plausibility rules: limits and what was quarantined"},
    "wild_primary": {
        "fi": "Ensisijainen päättely on klusteroitu wild bootstrap (Webbin painot), koska "
              "klustereita ({cluster}) on vain {n} (< 12): CR2-luottamusväli ei ole näin "
              "harvoilla klustereilla luotettava. Erotusten erotuksen (myös vakioidun) ja ANCOVAn "
              "p-arvot, luottamusvälit ja Holmin korjaus ovat siksi bootstrapin; CR2-arvot "
              "ovat taulukoissa rinnalla. "
              "{weights}",
        "en": "The primary inference is the wild cluster bootstrap (Webb weights) because there "
              "are only {n} clusters ({cluster}; fewer than 12): the CR2 interval is not "
              "reliable with so few clusters. The p-values, intervals and Holm adjustment of "
              "the DiD, the adjusted DiD and ANCOVA are therefore the bootstrap's; the CR2 "
              "values are shown beside them in the tables. {weights}"},
    "wild_enumerated": {
        "fi": "Kaikki {reps} painovektoria (6{n}) käytiin läpi, joten tulos ei riipu "
              "satunnaisluvuista.",
        "en": "All {reps} weight vectors (6{n}) were enumerated, so the result does not "
              "depend on the random seed."},
    "wild_drawn": {
        "fi": "Painovektoreita arvottiin {reps}.",
        "en": "{reps} weight vectors were drawn."},
    "clusters_not_estimable": {
        "fi": "Klusteroituja estimaatteja ei voitu laskea: {reason}",
        "en": "The clustered estimates could not be computed: {reason}"},
    "failed": {
        "fi": "Analyysi epäonnistui ({error}); muut osat on laskettu. Aja uudelleen valitsimella "
              "--debug nähdäksesi syyn.",
        "en": "The analysis failed ({error}); the other parts were computed. Run again with "
              "--debug to see why."},
    "suppression_note": {
        "fi": "<5 = 1–4 asiakasta (ensisijainen salaus); .. = salassa pidettävä tieto "
              "(toissijainen salaus: piilotettua lukua ei voi päätellä summista eikä muista "
              "taulukoista); tyhjä tunnusluku = laskettu alle viidestä asiakkaasta.",
        "en": "<5 = 1–4 clients (primary suppression); .. = confidential (secondary "
              "suppression: no hidden count can be worked out from totals or other tables); a "
              "blank statistic = computed over fewer than five clients."},
    # arms, waves
    "HB": {"fi": "HB", "en": "HB"},
    "Verrokki": {"fi": "Verrokki", "en": "Comparison"},
    "arm": {"fi": "Ryhmä", "en": "Arm"},
    "total": {"fi": "Yhteensä", "en": "Total"},
    "alku": {"fi": "alku", "en": "baseline"},
    "väli": {"fi": "väli", "en": "interim"},
    "loppu": {"fi": "loppu", "en": "end"},
    # outcomes
    "kykyviisari_total": {"fi": "Kykyviisari, kokonaispistemäärä",
                          "en": "Kykyviisari total score"},
    "kykyviisari_general_wellbeing": {"fi": "Yleinen hyvinvointi", "en": "General wellbeing"},
    "kykyviisari_participation": {"fi": "Osallisuus (Kykyviisari)",
                                  "en": "Participation (Kykyviisari)"},
    "kykyviisari_mental_wellbeing": {"fi": "Mielen hyvinvointi", "en": "Mental wellbeing"},
    "kykyviisari_everyday_life": {"fi": "Arjen sujuminen", "en": "Everyday life"},
    "kykyviisari_skills": {"fi": "Taidot", "en": "Skills"},
    "kykyviisari_physical_functioning": {"fi": "Fyysinen toimintakyky",
                                         "en": "Physical functioning"},
    "kykyviisari_work_and_future": {"fi": "Työ ja tulevaisuus", "en": "Work and future"},
    "kykyviisari_parenthood": {"fi": "Vanhemmuus", "en": "Parenthood"},
    "osallisuus": {"fi": "Osallisuustesti", "en": "Participation test (Osallisuustesti)"},
    # estimators
    "did": {"fi": "Erotusten erotus (DiD)", "en": "Difference-in-differences"},
    "did_adjusted": {"fi": "DiD, kovariaattivakioitu", "en": "DiD, covariate-adjusted"},
    "dr_did": {"fi": "Kaksoisrobusti DiD", "en": "Doubly robust DiD"},
    "ancova": {"fi": "ANCOVA (loppu, alkutaso vakioitu)", "en": "ANCOVA (end, baseline-adjusted)"},
    "mixed": {"fi": "Monitasomalli, kaikki mittauskerrat", "en": "Mixed model, all waves"},
    "estimator": {"fi": "Estimaattori", "en": "Estimator"},
    "estimate": {"fi": "Estimaatti", "en": "Estimate"},
    "ci95": {"fi": "95 %:n luottamusväli", "en": "95% confidence interval"},
    "p_value": {"fi": "p-arvo", "en": "p-value"},
    "n": {"fi": "n", "en": "n"},
    "outcome": {"fi": "Mittari", "en": "Outcome"},
    "mean_baseline": {"fi": "Keskiarvo alussa", "en": "Mean at baseline"},
    "mean_end": {"fi": "Keskiarvo lopussa", "en": "Mean at end"},
    "mean_change": {"fi": "Muutos", "en": "Change"},
    "change_points": {"fi": "Muutos alusta loppuun (pistettä)",
                      "en": "Change from baseline to end (points)"},
    "effect_points": {"fi": "HB:n vaikutus (pistettä, 95 %:n lv.)",
                      "en": "Effect of HB (points, 95% CI)"},
    "pilot": {"fi": "Pilotti", "en": "Pilot"},
    "client_group": {"fi": "Asiakasryhmä", "en": "Client group"},
    "smd": {"fi": "Standardoitu keskiarvojen erotus", "en": "Standardised mean difference"},
    "unweighted": {"fi": "painottamaton", "en": "unweighted"},
    "weighted": {"fi": "painotettu", "en": "weighted"},
    "covariate": {"fi": "Taustamuuttuja", "en": "Covariate"},
    # satisfaction
    "sat_1": {"fi": "Täysin eri mieltä", "en": "Strongly disagree"},
    "sat_2": {"fi": "Jokseenkin eri mieltä", "en": "Somewhat disagree"},
    "sat_3": {"fi": "Ei samaa eikä eri mieltä", "en": "Neither agree nor disagree"},
    "sat_4": {"fi": "Jokseenkin samaa mieltä", "en": "Somewhat agree"},
    "sat_5": {"fi": "Täysin samaa mieltä", "en": "Strongly agree"},
    "share_pct": {"fi": "Osuus vastaajista (%)", "en": "Share of respondents (%)"},
    "share_agree": {"fi": "Samaa mieltä (4–5)", "en": "Agree (4–5)"},
    "grade": {"fi": "Kokonaisarvosana (4–10)", "en": "Overall grade (4–10)"},
    "C1": {"fi": "Tulin kuulluksi ja kohdatuksi", "en": "I was heard and met as a person"},
    "C2": {"fi": "Saatoin luottaa työntekijään", "en": "I could trust my worker"},
    "C3": {"fi": "Keskustelut auttoivat hahmottamaan tilannetta",
           "en": "Conversations helped me make sense of my situation"},
    "C4": {"fi": "Yhteistyö ja tiedonkulku toimivat", "en": "Co-operation and information flow worked"},
    "C5": {"fi": "Tuki ja palvelut vastasivat tarpeitani",
           "en": "Support and services met my needs"},
    "C6": {"fi": "Sain riittävästi tietoa vaihtoehdoista",
           "en": "I got enough information about my options"},
    "C7": {"fi": "Pystyin vaikuttamaan palveluihini", "en": "I could influence what services I got"},
    "C8": {"fi": "Asiani hoituivat sujuvasti", "en": "My matters were handled smoothly"},
    "H1": {"fi": "Budjetin käyttö oli selkeää", "en": "Using the budget was clear"},
    "H2": {"fi": "Sain valita palveluntuottajan", "en": "I could choose the service provider"},
    "H3": {"fi": "HB-avustajan tuki oli hyödyllistä", "en": "The HB assistant's support was useful"},
    "H4": {"fi": "Suosittelisin HB-mallia", "en": "I would recommend the HB model"},
    # costs
    "organiser": {"fi": "järjestäjän näkökulma", "en": "organiser's perspective"},
    "societal": {"fi": "yhteiskunnan näkökulma", "en": "societal perspective"},
    "perspective": {"fi": "Näkökulma", "en": "Perspective"},
    "cost_per_client": {"fi": "Kustannus asiakasta kohden (€)", "en": "Cost per client (€)"},
    "worker_time": {"fi": "Työntekijän työaika", "en": "Worker time"},
    "worker_km": {"fi": "Työntekijän matkat", "en": "Worker travel"},
    "worker_expenses": {"fi": "Työntekijän kulut", "en": "Worker expenses"},
    "sex": {"fi": "Sukupuoli", "en": "Sex"},
    "age_group": {"fi": "Ikäryhmä", "en": "Age group"},
    "baseline": {"fi": "Pistemäärä alussa", "en": "Baseline score"},
    "assistant_time": {"fi": "HB-avustajan aika", "en": "HB assistant time"},
    "assistant_expenses": {"fi": "HB-avustajan kulut", "en": "HB assistant expenses"},
    "client_time": {"fi": "Asiakkaan aika", "en": "Client time"},
    "client_expenses": {"fi": "Asiakkaan kulut", "en": "Client out-of-pocket costs"},
    "services_hb_budget": {"fi": "Palvelut HB-budjetista", "en": "Services from the HB budget"},
    "services_usual": {"fi": "Tavanomaiset palvelut", "en": "Usual services"},
    "client_fees": {"fi": "Asiakasmaksut", "en": "Client fees"},
    "delta_cost": {"fi": "Kustannusero ΔC (€)", "en": "Incremental cost ΔC (€)"},
    "delta_effect": {"fi": "Vaikutusero ΔE (pistettä)", "en": "Incremental effect ΔE (points)"},
    "icer": {"fi": "ICER (€ / piste)", "en": "ICER (€ per point)"},
    "wtp": {"fi": "Maksuhalukkuus λ (€ / piste)", "en": "Willingness to pay λ (€ per point)"},
    "prob_ce": {"fi": "Todennäköisyys olla kustannusvaikuttava",
                "en": "Probability cost-effective"},
    "nmb": {"fi": "Nettohyöty", "en": "Net monetary benefit"},
    "ce_plane": {"fi": "Kustannusvaikuttavuustaso", "en": "Cost-effectiveness plane"},
    "ceac": {"fi": "Hyväksyttävyyskäyrä (CEAC)", "en": "Acceptability curve (CEAC)"},
    "tornado": {"fi": "Herkkyysanalyysi (tornado)", "en": "Sensitivity analysis (tornado)"},
    "parameter": {"fi": "Parametri", "en": "Parameter"},
    "low": {"fi": "matala", "en": "low"},
    "high": {"fi": "korkea", "en": "high"},
    # table titles
    "tab_outcome_effects": {"fi": "HB:n vaikutus kaikilla mittareilla (DiD)",
                            "en": "Effect of HB on every outcome (DiD)"},
    "tab_estimators": {"fi": "Estimaattorien vertailu, Kykyviisarin kokonaispistemäärä",
                       "en": "Estimator comparison, Kykyviisari total score"},
    "tab_heterogeneity": {"fi": "Vaikutus piloteittain ja asiakasryhmittäin",
                          "en": "Effect by pilot and by client group"},
    "tab_within": {"fi": "Muutos alusta loppuun ryhmittäin", "en": "Change from baseline to end by arm"},
    "tab_reliable_change": {"fi": "Luotettava muutos (Jacobson–Truax)",
                            "en": "Reliable change (Jacobson–Truax)"},
    "tab_reliability": {"fi": "Mittarien reliabiliteetti (Cronbachin alfa)",
                        "en": "Reliability of the scales (Cronbach's alpha)"},
    "tab_table1": {"fi": "Taulukko 1: taustatiedot alussa ryhmittäin (analyysiotos)",
                   "en": "Table 1: baseline characteristics by arm (analysis sample)"},
    "tab_attrition": {"fi": "Poistuma: alkumittaus ilman loppumittausta",
                      "en": "Attrition: baseline without an end measure"},
    "tab_satisfaction": {"fi": "Tyytyväisyysväittämät C1–C8 ryhmittäin",
                         "en": "Satisfaction items C1–C8 by arm"},
    "tab_grade": {"fi": "Kokonaisarvosana ryhmittäin", "en": "Overall grade by arm"},
    "tab_hb_items": {"fi": "Vain HB-asiakkaiden väittämät H1–H4", "en": "HB-only items H1–H4"},
    "tab_esr": {"fi": "Siirtymät työhön tai opiskeluun (ESR, HB-asiakkaat)",
                "en": "Transitions into work or study (ESR, HB clients)"},
    "tab_services_by_funding": {"fi": "Palvelut rahoituksen mukaan", "en": "Services by funding"},
    "tab_services_by_sector": {"fi": "Palvelut tuottajasektorin mukaan",
                               "en": "Services by provider sector"},
    "tab_costs_by_arm": {"fi": "Kustannukset asiakasta kohden osatekijöittäin",
                         "en": "Cost per client by component"},
    "tab_imputed": {"fi": "Päiväkirjatiedon imputointi (asiakkaita)",
                    "en": "Diary rates imputed (clients)"},
    "tab_mice": {"fi": "Herkkyysanalyysi: moni-imputointi (MICE), ensisijainen mittari",
                 "en": "Sensitivity analysis: multiple imputation (MICE), primary outcome"},
    "did_mice": {"fi": "DiD, moni-imputointi (MICE)", "en": "DiD, multiple imputation (MICE)"},
    "means": {"fi": "keskiarvojen erotus", "en": "difference of means"},
    "sur": {"fi": "SUR, vakioitu (alkutaso, pilotti)", "en": "SUR, adjusted (baseline, pilot)"},
    "tab_unit_costs": {"fi": "Yksikkökustannukset", "en": "Unit costs"},
    "tab_cea": {"fi": "Kustannusvaikuttavuus", "en": "Cost-effectiveness"},
    "tab_sensitivity": {"fi": "Yksisuuntaiset herkkyysanalyysit", "en": "One-way sensitivity analyses"},
    "tab_files": {"fi": "Luetut tiedostot", "en": "Files read"},
    "tab_quarantine": {"fi": "Karanteeni syyn mukaan", "en": "Quarantine by reason"},
    "tab_configuration": {"fi": "Asetukset (myös oletusarvot)", "en": "Configuration (defaults included)"},
    # column headers
    "se": {"fi": "keskivirhe", "en": "SE"},
    "df": {"fi": "vapausasteet", "en": "df"},
    "ci_low": {"fi": "lv. alaraja", "en": "CI low"},
    "ci_high": {"fi": "lv. yläraja", "en": "CI high"},
    "p": {"fi": "p", "en": "p"},
    "holm_p": {"fi": "p (Holm)", "en": "p (Holm)"},
    "wild_p": {"fi": "p (villi bootstrap)", "en": "p (wild bootstrap)"},
    "inference": {"fi": "ensisijainen päättely", "en": "primary inference"},
    "inference_wild_cluster_bootstrap": {"fi": "villi klusteribootstrap (Webb)",
                                         "en": "wild cluster bootstrap (Webb)"},
    "p_cr2": {"fi": "p (CR2)", "en": "p (CR2)"},
    "ci_cr2_low": {"fi": "lv. alaraja (CR2)", "en": "CI low (CR2)"},
    "ci_cr2_high": {"fi": "lv. yläraja (CR2)", "en": "CI high (CR2)"},
    "n_HB": {"fi": "n HB", "en": "n HB"},
    "n_Verrokki": {"fi": "n Verrokki", "en": "n comparison"},
    "n_clusters": {"fi": "ryväitä", "en": "clusters"},
    "se_type": {"fi": "keskivirheen tyyppi", "en": "SE type"},
    "cluster": {"fi": "ryväs", "en": "cluster"},
    "by": {"fi": "jaottelu", "en": "by"},
    "subgroup": {"fi": "alaryhmä", "en": "subgroup"},
    "level": {"fi": "luokka", "en": "level"},
    "item": {"fi": "väittämä", "en": "item"},
    "diff": {"fi": "erotus", "en": "difference"},
    "diff_share": {"fi": "osuuksien erotus", "en": "difference in shares"},
    "diff_ci_low": {"fi": "erotuksen lv. alaraja", "en": "difference CI low"},
    "diff_ci_high": {"fi": "erotuksen lv. yläraja", "en": "difference CI high"},
    "mann_whitney_p": {"fi": "p (Mann–Whitney)", "en": "p (Mann–Whitney)"},
    "rank_biserial": {"fi": "rangbiseriaalinen r", "en": "rank-biserial r"},
    "share_agree_HB": {"fi": "samaa mieltä HB", "en": "agree HB"},
    "share_agree_Verrokki": {"fi": "samaa mieltä Verrokki", "en": "agree comparison"},
    "mean_HB": {"fi": "keskiarvo HB", "en": "mean HB"},
    "mean_Verrokki": {"fi": "keskiarvo Verrokki", "en": "mean comparison"},
    "share_HB": {"fi": "osuus HB", "en": "share HB"},
    "share_Verrokki": {"fi": "osuus Verrokki", "en": "share comparison"},
    "sd_HB": {"fi": "keskihajonta HB", "en": "SD HB"},
    "sd_Verrokki": {"fi": "keskihajonta Verrokki", "en": "SD comparison"},
    "n_improved": {"fi": "n parani", "en": "n improved"},
    "n_unchanged": {"fi": "n ennallaan", "en": "n unchanged"},
    "n_deteriorated": {"fi": "n heikkeni", "en": "n deteriorated"},
    "share_improved": {"fi": "parani", "en": "improved"},
    "share_unchanged": {"fi": "ennallaan", "en": "unchanged"},
    "share_deteriorated": {"fi": "heikkeni", "en": "deteriorated"},
    "n_clients": {"fi": "asiakkaita", "en": "clients"},
    "(kaikki)": {"fi": "(kaikki)", "en": "(all)"},
    "n_no_baseline": {"fi": "ei alkumittausta", "en": "no baseline"},
    "n_baseline": {"fi": "alkumittaus", "en": "baseline"},
    "n_completers": {"fi": "alku ja loppu", "en": "baseline and end"},
    "n_dropouts": {"fi": "ei loppumittausta", "en": "no end measure"},
    "n_dropouts_ongoing": {"fi": "…asiakkuus jatkuu", "en": "…client-ship ongoing"},
    "n_dropouts_ended": {"fi": "…asiakkuus päättynyt", "en": "…client-ship ended"},
    "share_dropouts": {"fi": "poistuma-osuus", "en": "share without end"},
    "n_episodes": {"fi": "palvelujaksoja", "en": "service episodes"},
    "amount": {"fi": "summa (€)", "en": "amount (€)"},
    "funding": {"fi": "rahoitus", "en": "funding"},
    "sector": {"fi": "tuottajasektori", "en": "provider sector"},
    "component": {"fi": "osatekijä", "en": "component"},
    "mean": {"fi": "keskiarvo", "en": "mean"},
    "sd": {"fi": "keskihajonta", "en": "SD"},
    "per": {"fi": "yksikkö", "en": "per"},
    "path": {"fi": "tiedosto", "en": "file"},
    "sha256": {"fi": "SHA-256", "en": "SHA-256"},
    "d_z": {"fi": "dz", "en": "dz"},
    "g_av": {"fi": "gav", "en": "gav"},
    "alpha": {"fi": "alfa", "en": "alpha"},
    "scale": {"fi": "mittari", "en": "scale"},
    "wave": {"fi": "mittauskerta", "en": "wave"},
    "k": {"fi": "väittämiä", "en": "items"},
    "ci_method": {"fi": "luottamusvälin menetelmä", "en": "CI method"},
    "confidence": {"fi": "luottamustaso", "en": "confidence level"},
    "d_z_ci_low": {"fi": "dz lv. alaraja", "en": "dz CI low"},
    "d_z_ci_high": {"fi": "dz lv. yläraja", "en": "dz CI high"},
    "m": {"fi": "imputointeja", "en": "imputations"},
    "fmi": {"fi": "puuttuvan tiedon osuus (FMI)", "en": "fraction of missing information"},
    "df_method": {"fi": "vapausasteiden menetelmä", "en": "df method"},
    "imputation": {"fi": "imputointimalli", "en": "imputation model"},
    "n_imputed_HB": {"fi": "imputoituja HB", "en": "imputed HB"},
    "n_imputed_Verrokki": {"fi": "imputoituja Verrokki", "en": "imputed comparison"},
    "n_imputed_worker": {"fi": "imputoitu: työntekijä", "en": "imputed: worker"},
    "n_imputed_client": {"fi": "imputoitu: asiakas", "en": "imputed: client"},
    "n_imputed_assistant": {"fi": "imputoitu: avustaja", "en": "imputed: assistant"},
    "n_paired": {"fi": "alku- ja lopputieto", "en": "with start and end"},
    "n_not_in_work_or_study_at_start": {"fi": "ei työssä tai opiskelemassa alussa",
                                        "en": "not in work or study at start"},
    "n_into_work_or_study": {"fi": "siirtyi työhön tai opiskelemaan",
                             "en": "moved into work or study"},
    "share_into_work_or_study": {"fi": "siirtyneiden osuus", "en": "share moved"},
    "delta_cost_ci_low": {"fi": "ΔC lv. alaraja", "en": "ΔC CI low"},
    "delta_cost_ci_high": {"fi": "ΔC lv. yläraja", "en": "ΔC CI high"},
    "delta_effect_ci_low": {"fi": "ΔE lv. alaraja", "en": "ΔE CI low"},
    "delta_effect_ci_high": {"fi": "ΔE lv. yläraja", "en": "ΔE CI high"},
    "nmb_at_wtp": {"fi": "nettohyöty (NMB) λ:lla", "en": "net monetary benefit at λ"},
    "low_value": {"fi": "alaraja-arvo", "en": "low value"},
    "high_value": {"fi": "yläraja-arvo", "en": "high value"},
    "delta_cost_low": {"fi": "ΔC alaraja-arvolla", "en": "ΔC at low"},
    "delta_cost_high": {"fi": "ΔC yläraja-arvolla", "en": "ΔC at high"},
    "icer_low": {"fi": "ICER alaraja-arvolla", "en": "ICER at low"},
    "icer_high": {"fi": "ICER yläraja-arvolla", "en": "ICER at high"},
    "nmb_low": {"fi": "NMB alaraja-arvolla", "en": "NMB at low"},
    "nmb_high": {"fi": "NMB yläraja-arvolla", "en": "NMB at high"},
    "base": {"fi": "perusarvo", "en": "base value"},
    "base_delta_cost": {"fi": "ΔC perusarvoilla", "en": "base ΔC"},
    "base_icer": {"fi": "ICER perusarvoilla", "en": "base ICER"},
    "base_nmb": {"fi": "NMB perusarvoilla", "en": "base NMB"},
    "sign_convention": {"fi": "etumerkki", "en": "sign convention"},
    # sensitivity to unmeasured confounding, value of information, planning (issue 13)
    "sec_confounding": {"fi": "Herkkyys havaitsemattomalle sekoittuneisuudelle",
                        "en": "Sensitivity to unmeasured confounding"},
    "sec_evpi": {"fi": "Lisätutkimuksen arvo (EVPI)",
                 "en": "Value of further research (EVPI)"},
    "sec_plan": {"fi": "Seuraavan vaiheen suunnittelu", "en": "Planning the next phase"},
    "confounding_sentence": {
        "fi": "Mallista puuttuvan sekoittavan tekijän pitäisi selittää vähintään {rv} sekä "
              "HB-osallistumisen että Kykyviisarin kokonaispistemäärän muutoksen "
              "jäännösvaihtelusta, jotta vaikutus häviäisi kokonaan, ja vähintään {rva} "
              "kummastakin, jotta vaikutus ei enää olisi tilastollisesti merkitsevä "
              "(5 %:n taso).",
        "en": "A confounder left out of the model would have to explain at least {rv} of the "
              "residual variance of both HB participation and the change in the Kykyviisari "
              "total score to bring the effect to zero, and at least {rva} of both to make it "
              "statistically non-significant (5 % level)."},
    "evpi_sentence": {
        "fi": "Täydellisen tiedon odotusarvo (EVPI) on {evpi} asiakasta kohden "
              "maksuhalukkuudella {wtp} € / piste.",
        "en": "The expected value of perfect information (EVPI) is {evpi} per client at a "
              "willingness to pay of {wtp} € per point."},
    "evpi_population_sentence": {
        "fi": "Kun päätös koskee {population} asiakasta vuodessa {horizon} vuoden ajan ja "
              "diskonttokorko on {rate}, väestötason EVPI on {evpi}. Lisätutkimus voi kannattaa "
              "vain, jos se maksaa vähemmän.",
        "en": "With {population} clients a year facing the decision over {horizon} years, "
              "discounted at {rate} a year, the population EVPI is {evpi}. A further study can "
              "be worth its cost only if it costs less than this."},
    "evpi_no_population": {
        "fi": "Väestötason EVPI:tä ei laskettu, koska asetusta päätöksen piiriin vuosittain "
              "tulevien asiakkaiden määrästä ei ole annettu (liitteen asetukset); silloin "
              "käytetään myös päätöksen aikahorisonttia (nyt {horizon} v, oletus 10) ja "
              "diskonttokorkoa (nyt {rate}, oletus 3 %).",
        "en": "The population EVPI was not computed because the number of clients facing the "
              "decision each year is not set (see the settings in the appendix); it would also "
              "use the decision's time horizon (now {horizon} years, default 10) and the "
              "discount rate (now {rate}, default 3%)."},
    "plan_sentence": {
        "fi": "Tämän arvioinnin muutoksen keskihajonnalla ({sd} pistettä), "
              "työntekijäkohtaisella ICC:llä ({icc}), {m} asiakkaalla työntekijää kohden ja "
              "{attrition}:n poistumalla tutkimus, jossa on 50 asiakasta ryhmää kohden, "
              "havaitsisi {mde50} pisteen vaikutuksen ja 100 asiakkaan ryhmin {mde100} pisteen "
              "vaikutuksen (α = 0,05 kaksisuuntaisesti, voima 0,8).",
        "en": "With this evaluation's SD of the change ({sd} points), worker ICC ({icc}), {m} "
              "clients per worker and {attrition} attrition, a study with 50 clients per arm "
              "could detect an effect of {mde50} points, and one with 100 per arm {mde100} "
              "points (α = 0.05 two-sided, power 0.8)."},
    "tab_confounding": {"fi": "Sekoittavan tekijän rajat havaittujen muuttujien voimakkuuden "
                              "monikertoina", "en": "Bounds on a confounder as strong as k "
                              "times an observed covariate"},
    "tab_plan": {"fi": "Havaittavissa oleva vähimmäisvaikutus ryhmäkoon mukaan",
                 "en": "Minimum detectable effect by clients per arm"},
    "fig_confounding": {"fi": "Vakioitu estimaatti sekoittavan tekijän voimakkuuden mukaan",
                        "en": "Adjusted estimate by strength of a confounder"},
    "fig_evpi": {"fi": "Täydellisen tiedon odotusarvo (EVPI)",
                 "en": "Expected value of perfect information (EVPI)"},
    "fig_plan": {"fi": "Havaittavissa oleva vähimmäisvaikutus",
                 "en": "Minimum detectable effect"},
    "unadjusted": {"fi": "vakioimaton {value}", "en": "unadjusted {value}"},
    "r2dz_x_axis": {"fi": "Osittais-R² HB-osallistumisen kanssa",
                    "en": "Partial R² with HB participation"},
    "r2yz_dx_axis": {"fi": "Osittais-R² muutoksen kanssa", "en": "Partial R² with the change"},
    "ceac_crossing": {"fi": "CEAC = 0,5 kohdassa {value}", "en": "CEAC = 0.5 at {value}"},
    "evpi_per_client": {"fi": "EVPI € / asiakas", "en": "EVPI € per client"},
    "evpi_population": {"fi": "Väestötason EVPI €", "en": "Population EVPI €"},
    "clients_per_arm": {"fi": "Asiakkaita ryhmää kohden", "en": "Clients per arm"},
    "mde_points": {"fi": "Vähimmäisvaikutus (pistettä)", "en": "Detectable effect (points)"},
    "multiple": {"fi": "k (monikerta)", "en": "k (multiple)"},
    "note": {"fi": "Huomautus", "en": "Note"},
    "effective_per_arm": {"fi": "Efektiivinen koko ryhmää kohden",
                          "en": "Effective size per arm"},
    "r2dz_x": {"fi": "R² HB ~ Z", "en": "R² HB ~ Z"},
    "r2yz_dx": {"fi": "R² muutos ~ Z", "en": "R² change ~ Z"},
    "adjusted_estimate": {"fi": "Vakioitu estimaatti", "en": "Adjusted estimate"},
    "adjusted_se": {"fi": "Vakioitu keskivirhe", "en": "Adjusted SE"},
    "adjusted_t": {"fi": "Vakioitu t", "en": "Adjusted t"},
    "n_per_arm": {"fi": "Asiakkaita ryhmää kohden", "en": "Clients per arm"},
    "mde": {"fi": "Vähimmäisvaikutus (pistettä)", "en": "MDE (points)"},
    "mde_d": {"fi": "Vähimmäisvaikutus (SD)", "en": "MDE (SD units)"},
    # figure titles
    "fig_change_by_arm": {"fi": "Muutos ryhmittäin (keskiarvo ja 95 %:n lv.)",
                          "en": "Change by arm (mean and 95% CI)"},
    "fig_estimators": {"fi": "Estimaattorien vertailu, ensisijainen mittari",
                       "en": "Estimator comparison, primary outcome"},
    "fig_forest": {"fi": "Vaikutus piloteittain", "en": "Effect by pilot"},
    "fig_love": {"fi": "Tasapaino ennen ja jälkeen painotuksen",
                 "en": "Balance before and after weighting"},
    "fig_satisfaction": {"fi": "Tyytyväisyysväittämät ryhmittäin",
                         "en": "Satisfaction items by arm"},
    "fig_cost_components": {"fi": "Kustannukset osatekijöittäin", "en": "Cost components by arm"},
    "fig_ce_plane": {"fi": "Kustannusvaikuttavuustaso (bootstrap-toistot)",
                     "en": "Cost-effectiveness plane (bootstrap replicates)"},
    "fig_ceac": {"fi": "Hyväksyttävyyskäyrä", "en": "Cost-effectiveness acceptability curve"},
    "fig_tornado": {"fi": "Yksisuuntainen herkkyysanalyysi (ΔC)",
                    "en": "One-way sensitivity analysis (ΔC)"},
    "no_data_figure": {"fi": "Ei tietoja", "en": "No data"},
    # budget follow-up, provider mix, cost neutrality (issue 14)
    "fig_budget_utilisation": {
        "fi": "Budjetin käyttöaste piloteittain (mediaani, kvartiilit, 10.–90. persentiili)",
        "en": "Budget utilisation by pilot (median, quartiles, 10th–90th percentile)"},
    "utilisation_axis": {"fi": "Käyttöaste (toteutunut / myönnetty budjetti)",
                         "en": "Utilisation (realised / granted budget)"},
    "sec_budget": {"fi": "Henkilökohtaisen budjetin seuranta", "en": "Personal budget follow-up"},
    "sec_providers": {"fi": "Palveluntuottajien valinta", "en": "Choice of providers"},
    "tab_budget_followup": {"fi": "Myönnetty ja toteutunut budjetti asiakasta kohden",
                            "en": "Granted and realised budget per client"},
    "tab_budget_by_pilot": {"fi": "Budjetin seuranta piloteittain", "en": "Budget follow-up by pilot"},
    "tab_budget_by_group": {"fi": "Budjetin seuranta asiakasryhmittäin",
                            "en": "Budget follow-up by client group"},
    "tab_provider_mix": {"fi": "HB-budjetin eurot tuottajasektoreittain ja tavanomaisten "
                               "palvelujen sektorijakauma",
                         "en": "HB-budget euros by provider sector and the usual services' "
                               "sector mix"},
    "tab_provider_summary": {"fi": "Palveluntuottajat", "en": "Providers"},
    "tab_providers_paid": {"fi": "HB-budjetista maksetut tuottajat (vain sisäinen raportti)",
                           "en": "Providers paid from HB budgets (internal report only)"},
    "granted_mean": {"fi": "Myönnetty, ka. €", "en": "Granted, mean €"},
    "realised_mean": {"fi": "Toteutunut, ka. €", "en": "Realised, mean €"},
    "granted_per_month_mean": {"fi": "Myönnetty / kk, ka. €", "en": "Granted per month, mean €"},
    "realised_per_month_mean": {"fi": "Toteutunut / kk, ka. €",
                                "en": "Realised per month, mean €"},
    "utilisation_median": {"fi": "Käyttöaste, mediaani", "en": "Utilisation, median"},
    "utilisation_q1": {"fi": "Käyttöaste, Q1", "en": "Utilisation, Q1"},
    "utilisation_q3": {"fi": "Käyttöaste, Q3", "en": "Utilisation, Q3"},
    "share_under_half": {"fi": "Alle puolet käyttäneiden osuus",
                         "en": "Share using less than half"},
    "share_over_full": {"fi": "Yli budjetin käyttäneiden osuus",
                        "en": "Share using more than all"},
    "hb_euros": {"fi": "HB-budjetin eurot", "en": "HB-budget euros"},
    "hb_share": {"fi": "Osuus HB-euroista", "en": "Share of HB euros"},
    "n_clients_hb": {"fi": "HB-asiakkaita", "en": "HB clients"},
    "usual_share_HB": {"fi": "Tavanomaiset palvelut, HB", "en": "Usual services, HB"},
    "usual_share_Verrokki": {"fi": "Tavanomaiset palvelut, verrokki",
                             "en": "Usual services, comparison"},
    "n_providers": {"fi": "Tuottajia (HB-budjetista maksettu)",
                    "en": "Providers paid from budgets"},
    "distinct_per_client_median": {"fi": "Tuottajia asiakasta kohden, mediaani",
                                   "en": "Providers per client, median"},
    "new_entrant_share": {"fi": "Arvioinnin aikana hyväksyttyjen tuottajien osuus HB-euroista",
                          "en": "Share of HB euros to providers approved during the evaluation"},
    "evaluation_start": {"fi": "Arviointi alkoi", "en": "Evaluation began"},
    "provider_id": {"fi": "Tuottajatunnus", "en": "Provider id"},
    "name": {"fi": "Nimi", "en": "Name"},
    "approved": {"fi": "Hyväksytty", "en": "Approved"},
    "new_entrant": {"fi": "Uusi tuottaja", "en": "New entrant"},
    "julkinen": {"fi": "julkinen", "en": "public"},
    "yksityinen": {"fi": "yksityinen", "en": "private"},
    "järjestö": {"fi": "järjestö", "en": "third sector"},
    # appendix
    "file": {"fi": "Tiedosto", "en": "File"},
    "source": {"fi": "Lähde", "en": "Source"},
    "rows_read": {"fi": "Rivejä luettu", "en": "Rows read"},
    "rows_kept": {"fi": "Rivejä mukana", "en": "Rows kept"},
    "rows_quarantined": {"fi": "Rivejä karanteenissa", "en": "Rows quarantined"},
    "reason": {"fi": "Syy", "en": "Reason"},
    "count": {"fi": "Lukumäärä", "en": "Count"},
    "setting": {"fi": "Asetus", "en": "Setting"},
    "rule": {"fi": "Sääntö", "en": "Rule"},
    "limit": {"fi": "Raja", "en": "Limit"},
    "status": {"fi": "Tila", "en": "Status"},
    "value": {"fi": "Arvo", "en": "Value"},
    "excluded_no_consent": {"fi": "Ilman suostumusta poissuljetut",
                            "en": "Excluded, no consent"},
    "orphans": {"fi": "Rekisterissä tuntemattomat asiakasnumerot",
                "en": "Client numbers not in the roster"},
    "clients_analysed": {"fi": "Analysoidut asiakkaat", "en": "Clients analysed"},
    # workbook (tables.xlsx): sheet names of at most 31 characters
    "sheet_contents": {"fi": "Sisällys", "en": "Contents"},
    "sheet_col_sheet": {"fi": "Välilehti", "en": "Sheet"},
    "sheet_col_title": {"fi": "Taulukko", "en": "Table"},
    "sheet_col_csv": {"fi": "Sama CSV-tiedostona", "en": "Same table as CSV"},
    "sheet_outcome_effects": {"fi": "Vaikutukset", "en": "Effects"},
    "sheet_estimators_primary": {"fi": "Estimaattorit", "en": "Estimators"},
    "sheet_heterogeneity": {"fi": "Alaryhmät", "en": "Subgroups"},
    "sheet_within_arm": {"fi": "Muutos ryhmittäin", "en": "Change by arm"},
    "sheet_reliable_change": {"fi": "Luotettava muutos", "en": "Reliable change"},
    "sheet_reliability": {"fi": "Reliabiliteetti", "en": "Reliability"},
    "sheet_mice": {"fi": "Moni-imputointi", "en": "Multiple imputation"},
    "sheet_table1": {"fi": "Taustatiedot", "en": "Baseline characteristics"},
    "sheet_attrition": {"fi": "Poistuma", "en": "Attrition"},
    "sheet_satisfaction_items": {"fi": "Tyytyväisyys C1–C8", "en": "Satisfaction C1–C8"},
    "sheet_satisfaction_grade": {"fi": "Kokonaisarvosana", "en": "Overall grade"},
    "sheet_satisfaction_hb_items": {"fi": "HB-väittämät H1–H4", "en": "HB items H1–H4"},
    "sheet_esr_transitions": {"fi": "Siirtymät (ESR)", "en": "Transitions (ESR)"},
    "sheet_services_by_funding": {"fi": "Palvelut rahoituksen mukaan",
                                  "en": "Services by funding"},
    "sheet_services_by_sector": {"fi": "Palvelut sektoreittain", "en": "Services by sector"},
    "sheet_costs_by_arm": {"fi": "Kustannukset", "en": "Costs"},
    "sheet_imputed": {"fi": "Imputoidut päiväkirjat", "en": "Imputed diary rates"},
    "sheet_unit_costs": {"fi": "Yksikkökustannukset", "en": "Unit costs"},
    "sheet_cea": {"fi": "Kustannusvaikuttavuus", "en": "Cost-effectiveness"},
    "sheet_sensitivity": {"fi": "Herkkyysanalyysit", "en": "Sensitivity analyses"},
    "sheet_files": {"fi": "Luetut tiedostot", "en": "Files read"},
    "sheet_quarantine_by_reason": {"fi": "Karanteeni", "en": "Quarantine"},
    "sheet_configuration": {"fi": "Asetukset", "en": "Configuration"},
    # one-way sensitivity analyses: parameters and their non-numeric values
    "hourly_wage": {"fi": "Palkat", "en": "Wages"},
    "side_costs_pct": {"fi": "Palkan sivukulut", "en": "Wage side costs"},
    "overhead_pct": {"fi": "Yleiskustannuslisä", "en": "Overhead"},
    "km_allowance": {"fi": "Kilometrikorvaus", "en": "Mileage allowance"},
    "client_hour_value": {"fi": "Asiakkaan ajan arvo", "en": "Value of client time"},
    "volunteer_hour_value": {"fi": "Vapaaehtoistyön tunnin arvo",
                             "en": "Value of a volunteer hour"},
    "diary_rule": {"fi": "Puuttuvan päiväkirjatiedon sääntö", "en": "Rule for missing diaries"},
    "kompassi": {"fi": "Kompassi-pisteet", "en": "Kompassi scores"},
    "arm_pilot_role": {"fi": "ryhmä, pilotti ja rooli", "en": "arm, pilot and role"},
    "arm_role": {"fi": "ryhmä ja rooli", "en": "arm and role"},
    "zero": {"fi": "nolla", "en": "zero"},
    "included": {"fi": "mukana", "en": "included"},
    "sens_organiser": {"fi": "järjestäjä", "en": "organiser"},
    "sens_societal": {"fi": "yhteiskunta", "en": "society"},
    "excluded": {"fi": "pois", "en": "excluded"},
    # column-specific value labels: "<column>_<code>" (see display_value)
    "scale_kompassi": {"fi": "Kompassi", "en": "Kompassi"},
    "item_scale": {"fi": "Väittämien C1–C8 keskiarvo", "en": "Mean of items C1–C8"},
    "source_roster": {"fi": "asiakasrekisteri", "en": "client roster"},
    "source_kykyviisari": {"fi": "Kykyviisari", "en": "Kykyviisari"},
    "source_kompassi": {"fi": "Kompassi", "en": "Kompassi"},
    "source_osallisuus": {"fi": "Osallisuustesti", "en": "Participation test"},
    "source_satisfaction": {"fi": "asiakaskokemuskysely", "en": "client experience survey"},
    "source_esr": {"fi": "ESR-lomakkeet", "en": "ESR forms"},
    "source_time_diary": {"fi": "ajankäyttöpäiväkirjat", "en": "time diaries"},
    "source_service_costs": {"fi": "palvelukustannukset", "en": "service costs"},
    "source_unit_costs": {"fi": "yksikkökustannukset", "en": "unit costs"},
    "source_budgets": {"fi": "HB-budjettipäätökset", "en": "HB budget decisions"},
    "source_providers": {"fi": "tuottajarekisteri", "en": "provider register"},
    "ci_method_feldt": {"fi": "Feldt", "en": "Feldt"},
    "ci_method_bootstrap": {"fi": "bootstrap", "en": "bootstrap"},
    "df_method_barnard_rubin": {"fi": "Barnard–Rubin", "en": "Barnard–Rubin"},
    "imputation_pmm": {"fi": "PMM (ennustettujen keskiarvojen vastaavuus)",
                       "en": "PMM (predictive mean matching)"},
    "reason_bad_client_id": {"fi": "virheellinen asiakasnumero", "en": "invalid client number"},
    "reason_out_of_range": {"fi": "arvo sallitun välin ulkopuolella", "en": "value out of range"},
    "reason_bad_value": {"fi": "lukukelvoton arvo", "en": "unreadable value"},
    "reason_duplicate": {"fi": "kaksoiskappale", "en": "duplicate"},
    "reason_orphan": {"fi": "asiakas ei ole rekisterissä", "en": "client not in the roster"},
    "reason_no_consent": {"fi": "ei suostumusta", "en": "no consent"},
    "reason_personal_id_found": {"fi": "henkilötunnus löytyi", "en": "personal identity code found"},
    "reason_bad_date": {"fi": "virheellinen päivämäärä", "en": "invalid date"},
    "reason_outside_period": {"fi": "päivämäärä jakson ulkopuolella",
                              "en": "date outside the period"},
    "reason_sum_mismatch": {"fi": "summa ei täsmää", "en": "total does not match"},
    "reason_group_mismatch": {"fi": "asiakasryhmä ristiriidassa numeron kanssa",
                              "en": "client group contradicts the number"},
    "reason_pilot_mismatch": {"fi": "pilotti ristiriidassa numeron kanssa",
                              "en": "pilot contradicts the number"},
    "reason_missing_required": {"fi": "pakollinen tieto puuttuu",
                                "en": "required field missing"},
    "reason_unknown_code": {"fi": "tuntematon koodi", "en": "unknown code"},
    "reason_arm_mismatch": {"fi": "verrokkiasiakkaalla budjettipäätös",
                            "en": "budget decision of a comparison client"},
    "reason_unknown_provider": {"fi": "tuottaja ei ole rekisterissä",
                                "en": "provider not in the register"},
    "reason_sector_mismatch": {"fi": "sektori ristiriidassa rekisterin kanssa",
                               "en": "sector contradicts the register"},
    "reason_invalid_business_id": {"fi": "virheellinen Y-tunnus", "en": "invalid business ID"},
    "reason_implausible_date": {"fi": "epäuskottava päivämäärä", "en": "implausible date"},
    "reason_implausible_duration": {"fi": "epäuskottava kesto", "en": "implausible duration"},
    "reason_conflict": {"fi": "ristiriitaiset rivit", "en": "conflicting rows"},
    "reason_excel_error": {"fi": "Excelin virhearvo", "en": "Excel error value"},
    "reason_implausible_amount": {"fi": "epäuskottava summa", "en": "implausible amount"},
    "reason_wave_order": {"fi": "seurantamittaus ennen alkumittausta",
                          "en": "follow-up dated before the baseline"},
    # the plausibility rules (appendix): rule and limit
    "rule_data.date_min – data.date_max": {"fi": "Päivämäärien sallittu väli",
                                           "en": "Plausible dates"},
    "rule_data.max_duration_minutes / data.max_day_minutes": {
        "fi": "Päiväkirjarivin / päiväkirjapäivän enimmäiskesto (min)",
        "en": "Longest diary row / diary day (min)"},
    "rule_data.max_service_row_eur / data.max_client_services_eur": {
        "fi": "Palvelurivin / asiakkaan palvelujen enimmäissumma",
        "en": "Largest service row / client's services in total"},
    "rule_follow-up (väli, loppu) dated before the baseline (alku)": {
        "fi": "Väli- tai loppumittaus ennen alkumittausta",
        "en": "Follow-up or end measurement dated before the baseline"},
    "limit_not before alku": {"fi": "ei ennen alkumittausta", "en": "not before the baseline"},
    "rule_codes (consent: kyllä / ei)": {"fi": "Koodit (esim. suostumus: kyllä / ei)",
                                         "en": "Codes (e.g. consent: yes / no)"},
    "rule_roster rows of a client": {"fi": "Asiakkaan rekisteririvit",
                                     "en": "A client's roster rows"},
    "limit_schema codes": {"fi": "tietokuvauksen koodit", "en": "the data description's codes"},
    "limit_identical": {"fi": "samat", "en": "identical"},
    # settings (configuration and unit costs): the key itself is shown beside, as code
    "setting_name": {"fi": "Arvioinnin nimi", "en": "Evaluation name"},
    "setting_analysis.seed": {"fi": "Satunnaislukujen siemen", "en": "Random seed"},
    "setting_analysis.bootstrap_reps": {"fi": "Bootstrap-toistoja", "en": "Bootstrap replicates"},
    "setting_analysis.cluster": {"fi": "Ryvästystaso", "en": "Clustering level"},
    "setting_analysis.wtp_max": {"fi": "Suurin maksuhalukkuus (hyväksyttävyyskäyrä)",
                                 "en": "Highest willingness to pay (acceptability curve)"},
    "setting_analysis.wtp": {"fi": "Maksuhalukkuus λ (€ / piste)",
                             "en": "Willingness to pay λ (€ per point)"},
    "setting_analysis.confidence": {"fi": "Luottamustaso", "en": "Confidence level"},
    "setting_analysis.mice_m": {"fi": "Imputointeja (MICE)", "en": "Imputations (MICE)"},
    "setting_analysis.ps_trim": {"fi": "Kaltaisuuspisteiden rajaus",
                                 "en": "Propensity score trimming"},
    "setting_analysis.include_kompassi": {"fi": "Kompassi-pisteet mukana",
                                          "en": "Kompassi scores included"},
    "setting_analysis.diary_rule": {"fi": "Puuttuvan päiväkirjatiedon sääntö",
                                    "en": "Rule for missing diaries"},
    "setting_analysis.reliability": {"fi": "Reliabiliteetti (luotettava muutos)",
                                     "en": "Reliability (reliable change)"},
    "setting_analysis.cea_resample": {"fi": "Uudelleenotannan yksikkö (kustannusvaikuttavuus)",
                                      "en": "Resampling unit (cost-effectiveness)"},
    "setting_analysis.perspective": {"fi": "Näkökulma", "en": "Perspective"},
    "setting_report.language": {"fi": "Raportin kieli", "en": "Report language"},
    "setting_report.audience": {"fi": "Yleisö", "en": "Audience"},
    "setting_sources": {"fi": "Lähdeaineisto", "en": "Input"},
    "setting_price_year": {"fi": "Hintavuosi", "en": "Price year"},
    "setting_hourly_wage": {"fi": "Tuntipalkka", "en": "Hourly wage"},
    "setting_side_costs_pct": {"fi": "Palkan sivukulut (%)", "en": "Wage side costs (%)"},
    "setting_overhead_pct": {"fi": "Yleiskustannuslisä (%)", "en": "Overhead (%)"},
    "setting_km_allowance": {"fi": "Kilometrikorvaus (€/km)", "en": "Mileage allowance (€/km)"},
    "setting_volunteer_hour_value": {"fi": "Vapaaehtoistyön tunnin arvo (€)",
                                     "en": "Value of a volunteer hour (€)"},
    "setting_client_hour_value": {"fi": "Asiakkaan tunnin arvo (€)",
                                  "en": "Value of a client hour (€)"},
    "value_worker": {"fi": "työntekijä", "en": "worker"},
    "value_pilot": {"fi": "pilotti", "en": "pilot"},
    "value_clients": {"fi": "asiakkaat", "en": "clients"},
    "value_True": {"fi": "kyllä", "en": "yes"},
    "value_False": {"fi": "ei", "en": "no"},
    "value_fi": {"fi": "suomi", "en": "Finnish"},
    "value_en": {"fi": "englanti", "en": "English"},
    "value_internal": {"fi": "sisäinen", "en": "internal"},
    "value_public": {"fi": "julkinen", "en": "public"},
    "value_organiser": {"fi": "järjestäjä", "en": "organiser"},
    "value_drdid": {"fi": "kuten DRDID (kaltaisuuspiste ≥ 0,995 pois)",
                    "en": "as DRDID (propensity score ≥ 0.995 dropped)"},
    "value_clip": {"fi": "rajaus väliin", "en": "clipped into the trimming range"},
    "setting_analysis.dr_did_trim": {"fi": "Kaltaisuuspisteiden rajaus (DR-DiD)",
                                     "en": "Propensity score trimming (DR-DiD)"},
    "setting_analysis.cost_margin": {"fi": "Kustannusneutraaliuden marginaali (€ / asiakas)",
                                     "en": "Cost-neutrality margin (€ per client)"},
    "setting_analysis.population": {"fi": "Päätöksen piirissä asiakkaita vuodessa (EVPI)",
                                    "en": "Clients facing the decision each year (EVPI)"},
    "setting_analysis.horizon_years": {"fi": "Päätöksen aikahorisontti (v, EVPI)",
                                       "en": "Time horizon of the decision (years, EVPI)"},
    "setting_analysis.discount_rate": {"fi": "Diskonttokorko (EVPI)",
                                       "en": "Discount rate (EVPI)"},
    "value_societal": {"fi": "yhteiskunta", "en": "society"},
    # satisfaction statements, short (figure labels; the full wording is in the table)
    "short_C1": {"fi": "Tulin kuulluksi", "en": "Heard as a person"},
    "short_C2": {"fi": "Luottamus työntekijään", "en": "Trust in worker"},
    "short_C3": {"fi": "Tilanne selkeytyi", "en": "Situation clearer"},
    "short_C4": {"fi": "Yhteistyö ja tiedonkulku", "en": "Co-operation, information"},
    "short_C5": {"fi": "Tuki vastasi tarpeita", "en": "Support met needs"},
    "short_C6": {"fi": "Tietoa vaihtoehdoista", "en": "Information on options"},
    "short_C7": {"fi": "Vaikutin palveluihin", "en": "Influence on services"},
    "short_C8": {"fi": "Asiat hoituivat sujuvasti", "en": "Matters handled smoothly"},
    "short_H1": {"fi": "Budjetin käyttö selkeää", "en": "Budget use clear"},
    "short_H2": {"fi": "Sain valita tuottajan", "en": "Chose the provider"},
    "short_H3": {"fi": "Avustajasta hyötyä", "en": "Assistant useful"},
    "short_H4": {"fi": "Suosittelisin HB:tä", "en": "Would recommend HB"},
    # hb-eval export: variable labels (var_<column>, else the column's own label), file labels
    "var_client_id": {"fi": "Asiakasnumero", "en": "Client number"},
    "var_worker": {"fi": "Työntekijä (pilotti-työntekijä)", "en": "Worker (pilot-worker)"},
    "var_wave": {"fi": "Mittauskerta", "en": "Wave"},
    "var_score": {"fi": "Pistemäärä", "en": "Score"},
    "var_harmonised": {"fi": "Pistemäärä muunnettu Kompassista", "en": "Score harmonised from Kompassi"},
    "var_baseline": {"fi": "Pistemäärä alussa", "en": "Baseline score"},
    "var_end": {"fi": "Pistemäärä lopussa", "en": "End score"},
    "var_change": {"fi": "Muutos (loppu − alku)", "en": "Change (end − baseline)"},
    "var_cost": {"fi": "Kustannukset yhteensä (€)", "en": "Total cost (EUR)"},
    "var_total": {"fi": "Kustannukset yhteensä (€)", "en": "Total cost (EUR)"},
    "var_days": {"fi": "Asiakkuuden päivät", "en": "Days as a client"},
    "var_days_basis": {"fi": "Päivien peruste", "en": "Basis of the days"},
    "var_months": {"fi": "Asiakkuuden kuukaudet", "en": "Months as a client"},
    "var_total_per_month": {"fi": "Kustannukset kuukaudessa (€)", "en": "Cost per month (EUR)"},
    "var_imputed_worker": {"fi": "Työntekijän kirjaukset imputoitu", "en": "Worker diary imputed"},
    "var_imputed_client": {"fi": "Asiakkaan kirjaukset imputoitu", "en": "Client diary imputed"},
    "var_imputed_assistant": {"fi": "HB-avustajan kirjaukset imputoitu",
                              "en": "HB assistant diary imputed"},
    "var_rule": {"fi": "Puuttuvien päiväkirjojen sääntö", "en": "Rule for missing diaries"},
    "var_price_year": {"fi": "Hintavuosi", "en": "Price year"},
    "var_yes": {"fi": "kyllä", "en": "yes"},
    "var_no": {"fi": "ei", "en": "no"},
    "file_outcomes_by_wave": {"fi": "Mittarien pistemäärät asiakkaittain ja mittauskerroittain",
                              "en": "Scores by client, outcome and wave"},
    "file_outcomes_change": {"fi": "Pistemäärien muutos alusta loppuun asiakkaittain",
                             "en": "Change from baseline to end by client and outcome"},
    "file_costs": {"fi": "Kustannukset asiakkaittain", "en": "Costs by client"},
    "file_cea": {"fi": "Kustannusvaikuttavuusanalyysin otos", "en": "Cost-effectiveness sample"},
    # issue 21: the workbook's remaining sheets, and coded cells of the files and effect tables
    "sheet_confounding": {"fi": "Sekoittuneisuus", "en": "Confounding"},
    "sheet_budget_followup": {"fi": "Budjetin seuranta", "en": "Budget follow-up"},
    "sheet_budget_by_pilot": {"fi": "Budjetti piloteittain", "en": "Budget by pilot"},
    "sheet_budget_by_group": {"fi": "Budjetti asiakasryhmittäin", "en": "Budget by group"},
    "sheet_provider_mix": {"fi": "Tuottajasektorit", "en": "Provider mix"},
    "sheet_provider_summary": {"fi": "Palveluntuottajat", "en": "Providers"},
    "sheet_providers_paid": {"fi": "Maksetut tuottajat", "en": "Providers paid"},
    "sheet_plan": {"fi": "Otoskoko", "en": "Sample size"},
    "sheet_plausibility": {"fi": "Uskottavuusrajat", "en": "Plausibility limits"},
    "status_read": {"fi": "luettu", "en": "read"},
    "status_refused": {"fi": "hylätty", "en": "refused"},
    "status_unread": {"fi": "lukematta", "en": "not read"},
    "cluster_worker": {"fi": "työntekijä", "en": "worker"},
    "cluster_pilot": {"fi": "pilotti", "en": "pilot"},
    "sec_references": {"fi": "Lähteet", "en": "References"},
}


#: The data's Finnish category codes (sex, client group, end reason, funding, sector, labour
#: status, ESR form, diary activity) as shown to readers. Waves, arms and pilots are in LABELS.
CATEGORIES: dict[str, dict[str, str]] = {
    # sex
    "nainen": {"fi": "nainen", "en": "female"},
    "mies": {"fi": "mies", "en": "male"},
    "muu": {"fi": "muu", "en": "other"},
    "ei halua sanoa": {"fi": "ei halua sanoa", "en": "prefers not to say"},
    # client groups
    "lapsiperhe": {"fi": "lapsiperhe", "en": "families with children"},
    "aikuissosiaalityö": {"fi": "aikuissosiaalityö", "en": "adult social work"},
    "jälkihuolto": {"fi": "jälkihuolto", "en": "aftercare (child welfare)"},
    "vammaispalvelu": {"fi": "vammaispalvelu", "en": "disability services"},
    "omaishoito": {"fi": "omaishoito", "en": "informal care"},
    "ikääntyneet": {"fi": "ikääntyneet", "en": "older people"},
    # end reasons
    "suunnitellusti": {"fi": "suunnitellusti", "en": "as planned"},
    "keskeytyi": {"fi": "keskeytyi", "en": "discontinued"},
    "muutto": {"fi": "muutto", "en": "moved away"},
    "kuolema": {"fi": "kuolema", "en": "death"},
    # funding and provider sector
    "HB-budjetti": {"fi": "HB-budjetti", "en": "HB budget"},
    "tavanomainen": {"fi": "tavanomainen", "en": "usual services"},
    "asiakasmaksu": {"fi": "asiakasmaksu", "en": "client fee"},
    "julkinen": {"fi": "julkinen", "en": "public"},
    "yksityinen": {"fi": "yksityinen", "en": "private"},
    "järjestö": {"fi": "järjestö", "en": "non-profit"},
    # labour-market status and ESR forms
    "työllinen": {"fi": "työllinen", "en": "employed"},
    "työtön": {"fi": "työtön", "en": "unemployed"},
    "pitkäaikaistyötön": {"fi": "pitkäaikaistyötön", "en": "long-term unemployed"},
    "opiskelija": {"fi": "opiskelija", "en": "student"},
    "työvoiman ulkopuolella": {"fi": "työvoiman ulkopuolella", "en": "outside the labour force"},
    "aloitus": {"fi": "aloitus", "en": "start form"},
    "päättö": {"fi": "päättö", "en": "end form"},
    # diary activities
    "palvelutarpeen arviointi": {"fi": "palvelutarpeen arviointi",
                                 "en": "service needs assessment"},
    "asiakassuunnitelma": {"fi": "asiakassuunnitelma", "en": "client plan"},
    "budjetin laadinta ja seuranta": {"fi": "budjetin laadinta ja seuranta",
                                      "en": "drawing up and following the budget"},
    "palveluiden etsiminen ja hankinta": {"fi": "palveluiden etsiminen ja hankinta",
                                          "en": "finding and buying services"},
    "yhteydenpito asiakkaaseen": {"fi": "yhteydenpito asiakkaaseen",
                                  "en": "contact with the client"},
    "yhteydenpito verkostoon": {"fi": "yhteydenpito verkostoon", "en": "contact with the network"},
    "kirjaaminen": {"fi": "kirjaaminen", "en": "record keeping"},
    "matkat": {"fi": "matkat", "en": "travel"},
    "kyllä": {"fi": "kyllä", "en": "yes"},
    "ei": {"fi": "ei", "en": "no"},
}
for _k, _v in CATEGORIES.items():
    LABELS.setdefault(_k, _v)

#: Table columns whose cells are codes shown as labels (the CSVs keep the codes).
CODED_COLUMNS = frozenset({
    "arm", "by", "component", "perspective", "outcome", "estimator", "covariate", "pilot",
    "subgroup", "client_group", "sex", "end_reason", "funding", "sector", "wave", "form",
    "labour_status", "work_status", "activity", "level", "version", "parameter", "low_value",
    "high_value", "base", "scale", "source", "ci_method", "df_method", "imputation", "reason",
    "rule", "limit", "inference", "status", "cluster"})


def display_value(column: str, value: str, lang: str = "fi") -> str:
    """The text shown for a string cell of ``column``: its label when the column is coded.

    ``"Verrokki"`` in ``arm`` is "Comparison" in English; a cell of a column that is not coded
    (a file name, a reason already written for readers) is shown as it is.
    """
    if column == "item":  # a statement code: code and wording, "C1 Tulin kuulluksi ..."
        if f"item_{value}" in LABELS:
            return t(f"item_{value}", lang)
        label = t(value, lang)
        return value if label == value else f"{value} {label}"
    if column == "setting":
        return setting_label(value, lang)
    if column == "value":
        return setting_value(value, lang)
    if column in CODED_COLUMNS:
        specific = f"{column}_{value}"  # a label for this column only, e.g. reason_orphan
        return t(specific, lang) if specific in LABELS else t(value, lang)
    return value


def setting_label(key: str, lang: str = "fi") -> str:
    """The human label of a configuration or unit-cost key (the key itself when unknown).

    ``"analysis.wtp_max"`` -> "Suurin maksuhalukkuus (hyväksyttävyyskäyrä)";
    ``"sources.esr"`` -> "Lähdeaineisto: ESR-lomakkeet"; ``"hourly_wage: HB-avustaja"`` ->
    "Tuntipalkka: HB-avustaja".
    """
    head, sep, rest = key.partition(": ")
    if sep and f"setting_{head}" in LABELS:
        return f"{t('setting_' + head, lang)}: {rest}"
    if key.startswith("sources."):
        src = key.split(".", 1)[1]
        return f"{t('setting_sources', lang)}: {t('source_' + src, lang)}"
    return t(f"setting_{key}", lang) if f"setting_{key}" in LABELS else key


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def setting_value(value: str, lang: str = "fi") -> str:
    """A configuration value for reading: numbers in the report's locale without a trailing
    ``.0`` (``"20000.0"`` -> "20 000"), lists of numbers, yes/no and known codes as words."""
    from .format import fmt_num

    def num(text: str) -> str:
        x = float(text)
        decimals = len(text.partition(".")[2].rstrip("0"))
        return fmt_num(x, lang, decimals)

    v = value.strip()
    if _NUMBER.match(v) and "." in v:  # integers (seeds, years, counts) stay as written
        return num(v)
    if v.startswith("[") and v.endswith("]"):
        parts = [p.strip() for p in v[1:-1].split(",")]
        if parts and all(_NUMBER.match(p) for p in parts):
            return ("; " if lang == "fi" else ", ").join(num(p) for p in parts)
    key = f"value_{v}"
    if key in LABELS:
        return t(key, lang)
    return t(v, lang) if v in CATEGORIES or v in ("arm_pilot_role", "arm_role", "zero") else value


def t(key: str, lang: str = "fi", **kwargs: object) -> str:
    """The label of ``key`` in ``lang``, with ``{placeholders}`` filled from ``kwargs``."""
    entry = LABELS.get(key)
    text = key if entry is None else entry.get(lang, entry.get("fi", key))
    return text.format(**kwargs) if kwargs else text


#: How a sensitivity parameter's numeric low/high values are written: (prefix, suffix, digits).
_SENSITIVITY_UNITS: dict[str, tuple[str, str, int]] = {
    "hourly_wage": ("×", "", 1), "side_costs_pct": ("", " %", 0),
    "overhead_pct": ("", " %", 0), "km_allowance": ("", " €/km", 3),
    "client_hour_value": ("", " €/h", 2), "volunteer_hour_value": ("", " €/h", 2)}


def sensitivity_label(parameter: str, low: object, high: object, lang: str = "fi") -> str:
    """A tornado row's label: the parameter and its two values, in the report's language.

    ``("km_allowance", 0.336, 0.504, "fi")`` gives
    ``"Kilometrikorvaus (0,336 / 0,504 €/km)"``;
    ``("diary_rule", "arm_role", "zero", "en")`` gives
    ``"Rule for missing diaries (arm and role / zero)"``.
    """
    from .format import fmt_num, fmt_pct

    pre, post, digits = _SENSITIVITY_UNITS.get(parameter, ("", "", 2))
    nbsp = "\u00a0"

    def v(x: object, unit: bool) -> str:
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            n = float(x)
            d = 0 if n.is_integer() else digits
            if unit and post == " %":  # the locale's percent: "27 %" (fi), "27%" (en)
                return pre + fmt_pct(n / 100, lang, d)
            return pre + fmt_num(n, lang, d) + (post.replace(" ", nbsp) if unit else "")
        key = f"sens_{x}"  # a short word where the general label is long
        return t(key, lang) if key in LABELS else t(str(x), lang)

    return f"{t(parameter, lang)} ({v(low, False)} / {v(high, True)})"


def outcome_label(outcome: str, lang: str = "fi") -> str:
    """Readable name of an outcome code such as ``kykyviisari_total``."""
    return t(outcome, lang)
