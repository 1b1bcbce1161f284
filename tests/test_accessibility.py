"""Accessibility without a browser: the figures' alternative texts state the numbers the
figures draw (hand-worked frames), and Finnish data words in an English table are marked.

The rendered report (axe-core's WCAG 2.1 AA rules, headings, alt texts against results.json)
is checked in ``tests/test_browser.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hb_eval.report.alt_text import ALT_BUILDERS, figure_alt
from hb_eval.report.run import FIGURES


def test_every_figure_has_a_builder():
    assert set(ALT_BUILDERS) == set(FIGURES)


def test_estimator_comparison_gives_each_estimate_and_interval():
    df = pd.DataFrame({"estimator": ["did", "ancova", "mixed"],
                       "estimate": [0.8387, 0.9007, np.nan],
                       "ci_low": [0.6083, 0.6709, np.nan], "ci_high": [1.0693, 1.1305, np.nan]})
    fi = figure_alt("estimator_comparison", {"df": df}, "Kuva", "fi")
    assert fi.startswith("Kuva. ")
    assert "Erotusten erotus (DiD) +0,84 (95 %:n lv. 0,61 … 1,07)" in fi
    assert "+0,90 (95 %:n lv. 0,67 … 1,13)" in fi
    assert "Monitasomalli" not in fi  # not drawn (no estimate), not described
    en = figure_alt("estimator_comparison", {"df": df}, "Figure", "en")
    assert "Difference-in-differences +0.84 (95% CI 0.61 to 1.07)" in en


def test_ceac_is_read_at_the_reports_willingness_to_pay():
    df = pd.DataFrame({"perspective": ["organiser"] * 3, "wtp": [0.0, 1000.0, 2000.0],
                       "prob": [0.1, 0.4, 0.7]})
    # 1,500 lies halfway between 0.4 and 0.7: 55%; 50% is first reached at the 2,000 point
    en = figure_alt("ceac", {"df": df}, "CEAC", "en", wtp=1500.0)
    assert "55% at λ = €1,500" in en
    assert "above 50% from λ = €2,000" in en and "70% at the largest λ = €2,000" in en


def test_ce_plane_shares_of_replicates_by_quadrant():
    df = pd.DataFrame({"delta_effect": [0.5, 0.2, 0.1, 0.3], "delta_cost": [100, 50, 10, -5]})
    en = figure_alt("ce_plane", {"df": df, "point": (0.275, 38.75), "wtp": 5000.0}, "Plane",
                    "en")
    assert "4 bootstrap replicates" in en and "ΔE +0.28 points, ΔC €39" in en
    assert "more effective and more costly 75%, more effective and less costly 25%" in en
    assert "λ = €5,000" in en


def test_budget_boxes_as_drawn_and_small_pilots_without_numbers():
    df = pd.DataFrame({"pilot": ["A"] * 11 + ["B"] * 3,
                       "utilisation": list(np.linspace(0.0, 1.0, 11)) + [0.2, 0.9, 5.0]})
    en = figure_alt("budget_utilisation", {"df": df}, "Budget", "en")
    # eleven evenly spaced values 0, 0.1, ..., 1: quartiles 0.25 and 0.75, median 0.5
    assert "A: median 0.50, quartiles 0.25–0.75, 10th–90th percentile 0.10–0.90" in en
    assert "B: under 5 clients, no box" in en and "5.00" not in en


def test_no_data_says_so():
    assert figure_alt("tornado", None, "Tornado", "en") == "Tornado: no data."
    assert figure_alt("ceac", {"df": pd.DataFrame()}, "CEAC", "fi") == "CEAC: ei tietoja."


def test_finnish_job_titles_in_an_english_settings_table_carry_lang_fi():
    from hb_eval.report.html import table_html
    from hb_eval.report.tables import Table

    frame = pd.DataFrame({"setting": ["hourly_wage: sosiaalityöntekijä", "analysis.wtp"],
                          "value": [24.5, 5000.0]})
    en = str(table_html(Table("configuration", "Configuration", frame), "en"))
    assert 'Hourly wage: <span lang="fi">sosiaalityöntekijä</span>' in en
    assert '<th scope="col">' in en and "<caption>Configuration</caption>" in en
    fi = str(table_html(Table("configuration", "Asetukset", frame), "fi"))
    assert "lang=" not in fi and "Tuntipalkka: sosiaalityöntekijä" in fi
