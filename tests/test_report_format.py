"""Formatting, labels, tables/workbook and figures of the report (no data layer needed)."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.report import figures as F
from hb_eval.report.format import fmt_ci, fmt_eur, fmt_int, fmt_num, fmt_p, fmt_pct, parse_num
from hb_eval.report.i18n import LABELS, t
from hb_eval.report.tables import Table, public_table, write_csv
from hb_eval.report.workbook import write_workbook

NBSP = "\u00a0"


def test_finnish_and_english_numbers():
    assert fmt_num(-1234.567, "fi", 2) == "\u22121" + NBSP + "234,57"
    assert fmt_num(-1234.567, "en", 2) == "-1,234.57"
    assert fmt_num(1234567, "fi", 0) == "1" + NBSP + "234" + NBSP + "567"
    assert fmt_num(-0.004, "fi", 2) == "0,00"  # no negative zero
    assert fmt_num(0.5, "en", 1, sign=True) == "+0.5"
    assert fmt_num(None, "fi") == "–" and fmt_num(float("nan"), "en") == "–"
    assert fmt_int("<5", "fi") == "<5"
    assert fmt_pct(0.425, "fi", 1) == "42,5" + NBSP + "%"
    assert fmt_pct(0.425, "en", 1) == "42.5%"
    assert fmt_p(0.0312, "fi") == "0,031"
    assert fmt_p(0.00001, "en") == "<" + NBSP + "0.001"
    assert fmt_ci(-0.1, 1.5, "fi") == "\u22120,10 … 1,50"
    assert fmt_ci(-0.1, 1.5, "en") == "-0.10 to 1.50"
    assert fmt_eur(1234.4, "fi") == "1" + NBSP + "234" + NBSP + "€"
    assert fmt_eur(-1234.4, "en") == "-€1,234"


def test_babel_formats_swedish_dates_and_csv_by_locale():
    """Swedish works by locale (as written in Finland); dates; the CSV dialect; a value that
    rounds to zero has no sign."""
    from hb_eval.report.format import csv_dialect, excel_date_format, fmt_date

    assert fmt_num(-1234.5, "sv", 1) == "\u22121" + NBSP + "234,5"
    assert fmt_eur(1234.4, "sv") == "1" + NBSP + "234" + NBSP + "€"
    assert fmt_pct(0.425, "sv", 1) == "42,5" + NBSP + "%"
    assert fmt_eur(1234.5, "en", 2) == "€1,234.50"
    assert fmt_num(0.004, "fi", 2, sign=True) == "0,00" == fmt_num(-0.004, "fi", 2, sign=True)
    assert fmt_num(0.006, "en", 2, sign=True) == "+0.01"
    assert fmt_num(float("-inf"), "fi") == "\u2212∞" and fmt_num(float("inf"), "en") == "∞"
    assert fmt_date(pd.Timestamp("2019-01-14"), "fi") == "14.1.2019"
    assert fmt_date(pd.Timestamp("2019-01-14"), "en") == "2019-01-14"
    assert fmt_date(pd.NaT, "fi") == "–"
    assert excel_date_format("fi") == "d.m.yyyy" and excel_date_format("en") == "yyyy-mm-dd"
    assert csv_dialect("fi") == (";", ",") and csv_dialect("en") == (",", ".")
    assert csv_dialect("sv") == (";", ",")


def test_formatting_rounds_the_stored_double_whatever_the_decimal_context():
    """Half to even on the exact binary value, as Python's own formatting (2.675 is stored as
    2.67499999…), and independent of the caller's decimal context (byte-stable reports)."""
    import decimal

    assert fmt_num(2.675, "en", 2) == f"{2.675:.2f}" == "2.67"
    assert fmt_num(0.125, "en", 2) == "0.12" and fmt_num(0.375, "en", 2) == "0.38"
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_UP)):
        assert fmt_num(1234567.891, "fi", 2) == "1" + NBSP + "234" + NBSP + "567,89"
        assert fmt_pct(0.1234, "en", 1) == "12.3%"


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e7, 1e7, allow_nan=False), st.integers(0, 4), st.sampled_from(["fi", "en"]))
def test_parse_inverts_format(x, digits, lang):
    assert parse_num(fmt_num(x, lang, digits), lang) == pytest.approx(round(x, digits), abs=1e-9)


def test_labels_exist_in_both_languages():
    for key, entry in LABELS.items():
        assert set(entry) == {"fi", "en"}, key
    assert t("Verrokki", "en") == "Comparison"
    assert t("unknown_key_xyz", "fi") == "unknown_key_xyz"
    assert "sources.esr" in t("not_configured", "fi", source="sources.esr")


def _table():
    return Table("by_group", "Ryhmittäin", pd.DataFrame({
        "group": ["a", "b"], "n_HB": [10, 3], "n_Verrokki": [20, 30], "mean": [1.23456, np.nan]}),
        digits={"mean": 1})


def test_csv_finnish_layout(tmp_path):
    p = write_csv(_table(), tmp_path, "fi")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "group;n_HB;n_Verrokki;mean"
    assert text.splitlines()[1] == "a;10;20;1,23456"
    back = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["n_HB"].tolist() == [10, 3]


def test_public_table_and_workbook(tmp_path):
    pub = public_table(_table())
    assert pub.frame["n_HB"].tolist() == ["<5", "<5"] or pub.frame["n_HB"].tolist()[1] == "<5"
    path = write_workbook([_table(), pub], tmp_path / "t.xlsx", "fi")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    # a table without a sheet label keeps its code name; a clash gets " (2)"
    assert wb.sheetnames == ["Sisällys", "by_group", "by_group (2)"]
    ws = wb["by_group"]
    assert [c.value for c in ws[1]] == ["group", "n HB", "n Verrokki", "keskiarvo"]
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws["B2"].number_format == "#,##0" and ws["D2"].number_format == "#,##0.0"
    assert ws["D2"].value == 1.23456  # the full value, rounded only by the format
    assert ws["D3"].value is None  # NaN -> empty cell
    assert wb["by_group (2)"]["B3"].value == "<5"
    assert wb["Sisällys"]["B2"].value == "Ryhmittäin"
    assert wb["Sisällys"]["C2"].value == "tables/by_group.csv"


def _digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_figures_deterministic_and_labelled(tmp_path):
    df = pd.DataFrame({"outcome": ["kykyviisari_total"] * 2, "arm": ["HB", "Verrokki"],
                       "mean_change": [0.8, 0.2], "ci_low": [0.4, -0.1], "ci_high": [1.2, 0.5]})
    for d in ("a", "b"):
        F.save_figure(F.change_by_arm(df, "fi"), tmp_path / d, "change")
    assert _digest(tmp_path / "a/change.svg") == _digest(tmp_path / "b/change.svg")
    assert _digest(tmp_path / "a/change.png") == _digest(tmp_path / "b/change.png")
    svg = (tmp_path / "a/change.svg").read_text()
    assert "<dc:date>" not in svg


def test_every_figure_draws_on_small_frames(tmp_path):
    rng = np.random.default_rng(3)
    sat = pd.DataFrame([{"item": f"C{i}", "arm": a, "level": lv, "share": 0.2}
                        for i in (1, 2) for a in ("HB", "Verrokki") for lv in range(1, 6)])
    figs = {
        "est": F.estimator_comparison(pd.DataFrame({"estimator": ["did", "ancova"],
                                                    "estimate": [0.5, 0.4], "ci_low": [0.1, 0.0],
                                                    "ci_high": [0.9, 0.8]}), "en"),
        "forest": F.forest_plot(pd.DataFrame({"label": ["Pori", "Vantaa"], "estimate": [0.3, 0.6],
                                              "ci_low": [-0.2, 0.1], "ci_high": [0.8, 1.1],
                                              "n": [20, 30]}), "fi"),
        "love": F.love_plot(pd.DataFrame({"covariate": ["age", "sex"], "smd_unweighted": [0.3, -0.2],
                                          "smd_weighted": [0.05, 0.01]}), "fi"),
        "sat": F.satisfaction_diverging(sat, "fi"),
        "cost": F.cost_components(pd.DataFrame({"arm": ["HB", "HB", "Verrokki", "Verrokki"],
                                                "component": ["worker_time", "client_fees"] * 2,
                                                "mean": [1000, -50, 800, -40]}), "fi"),
        "plane": F.ce_plane(pd.DataFrame({"delta_effect": rng.normal(0.5, 0.2, 200),
                                          "delta_cost": rng.normal(300, 100, 200)}), "fi",
                            point=(0.5, 300), wtp=5000),
        "ceac": F.ceac(pd.DataFrame({"wtp": [0, 1000, 2000], "prob": [0.1, 0.5, 0.9]}), "en"),
        "tornado": F.tornado(pd.DataFrame({"parameter": ["wage ±20 %", "overhead"],
                                           "low": [200, 280], "high": [400, 320]}), "fi", base=300),
        "empty": F.change_by_arm(pd.DataFrame({"outcome": [], "arm": [], "mean_change": [],
                                               "ci_low": [], "ci_high": []}), "fi"),
    }
    for name, fig in figs.items():
        png = F.save_figure(fig, tmp_path, name)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / f"{name}.svg").stat().st_size > 1000
    # labels in the figure's language, kept as text in the SVG
    assert "Vaikutus piloteittain" in (tmp_path / "forest.svg").read_text()
    assert "Cost-effectiveness acceptability curve" in (tmp_path / "ceac.svg").read_text()
