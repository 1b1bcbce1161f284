"""Figures a reader can read: tornado bars both visible, statements named, phone renditions with
larger type, numbers on the axes in the report's locale."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.report import figures as F
from hb_eval.report.i18n import sensitivity_label, t

NBSP = "\u00a0"


def _drawn(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()  # lay out (constrained layout, tick labels)
    return fig


def _tornado_frame():
    # diary rule: both values below the base (the case whose low bar used to be hidden)
    return pd.DataFrame({"parameter": ["diary rule", "wages"], "low": [2743.0, 2642.0],
                         "high": [2327.0, 2985.0]})


def test_tornado_draws_each_value_from_the_base_and_both_show():
    fig = _drawn(F.tornado(_tornado_frame(), "fi", base=2813.0))
    ax = fig.axes[0]
    bars = [(p.get_x(), p.get_width(), p.get_y(), p.get_height()) for p in ax.patches]
    assert len(bars) == 4
    ends = sorted(round(x + w) for x, w, _y, _h in bars)
    assert ends == [2327, 2642, 2743, 2985]
    assert all(round(x) == 2813 for x, *_ in bars)  # every bar starts at the base
    # the two diary-rule bars (same side of the base) lie in separate, non-overlapping bands
    diary = sorted([b for b in bars if round(b[0] + b[1]) in (2743, 2327)], key=lambda b: b[2])
    (_, _, y0, h0), (_, _, y1, _h1) = diary
    assert y0 + h0 <= y1 + 1e-9
    # both values are written at their bar's end, in Finnish number format
    texts = {a.get_text() for a in ax.texts}
    assert {"2" + NBSP + "743", "2" + NBSP + "327", "2" + NBSP + "642",
            "2" + NBSP + "985"} <= texts
    assert any(s.startswith(t("base", "fi")) for s in texts)


def test_tornado_labels_in_the_report_language():
    assert sensitivity_label("km_allowance", 0.336, 0.504, "fi") == (
        "Kilometrikorvaus (0,336 / 0,504" + NBSP + "€/km)")
    assert sensitivity_label("km_allowance", 0.336, 0.504, "en") == (
        "Mileage allowance (0.336 / 0.504" + NBSP + "€/km)")  # the unit stays with its number
    assert sensitivity_label("diary_rule", "arm_role", "zero", "fi") == (
        "Puuttuvan päiväkirjatiedon sääntö (ryhmä ja rooli / nolla)")
    assert sensitivity_label("hourly_wage", np.float64(0.8), 1.2, "fi") == "Palkat (×0,8 / ×1,2)"
    assert sensitivity_label("side_costs_pct", 18.0, 27.0, "en") == "Wage side costs (18 / 27%)"
    assert sensitivity_label("side_costs_pct", 18.0, 27.0, "fi") == (
        "Palkan sivukulut (18 / 27" + NBSP + "%)")


def _satisfaction_frame():
    rng = np.random.default_rng(4)
    return pd.DataFrame([(f"C{i}", a, lv, s) for i in (1, 2, 3) for a in ("HB", "Verrokki")
                         for lv, s in zip(range(1, 6), rng.dirichlet(np.ones(5)))],
                        columns=["item", "arm", "level", "share"])


def test_satisfaction_names_each_statement_and_legend_sits_above_the_plot():
    fig = _drawn(F.satisfaction_diverging(_satisfaction_frame(), "fi"))
    ax = fig.axes[0]
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    assert ticks[0] == f"C1 {t('short_C1', 'fi')} · HB" and ticks[1] == "Verrokki"
    assert "C3 Tilanne selkeytyi · HB" in ticks
    legend = ax.get_legend()
    renderer = fig.canvas.get_renderer()
    lb, ab = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert lb.y0 >= ab.y1 - 1  # right above the plot, not below the axis label
    assert [x.get_text() for x in legend.get_texts()] == [t(f"sat_{k}", "fi") for k in range(1, 6)]


def test_satisfaction_phone_rendition_names_items_above_their_bars():
    with F.phone_width():
        fig = _drawn(F.satisfaction_diverging(_satisfaction_frame(), "en"))
    ax = fig.axes[0]
    assert [x.get_text() for x in ax.get_yticklabels()][:2] == ["HB", "Comparison"]
    assert [a.get_text() for a in ax.texts] == [f"C{i} {t(f'short_C{i}', 'en')}"
                                                for i in (1, 2, 3)]


def test_draw_gives_a_narrow_phone_rendition_with_larger_type():
    df = pd.DataFrame({"estimator": ["did", "ancova"], "estimate": [0.5, 0.4],
                       "ci_low": [0.1, 0.0], "ci_high": [0.9, 0.8]})
    wide, phone = F.draw(F.estimator_comparison, df, "fi")
    assert tuple(wide.get_size_inches())[0] == pytest.approx(6.5)
    assert tuple(phone.get_size_inches())[0] == pytest.approx(F.PHONE_WIDTH)
    _drawn(wide), _drawn(phone)
    wide_pt = wide.axes[0].get_yticklabels()[0].get_fontsize()
    phone_pt = phone.axes[0].get_yticklabels()[0].get_fontsize()
    assert phone_pt > wide_pt
    # shown 368 CSS px wide (on a 400 px phone) phone text is >= 11 px; the wide figure's
    # text would be about 7 px there
    dpi = F._RC["savefig.dpi"]

    def css_px(pt, width_in):
        return pt / 72 * dpi * 368 / (width_in * dpi)

    assert css_px(phone_pt, F.PHONE_WIDTH) >= 11
    assert css_px(wide_pt, 6.5) < 8
    assert F._phone is False  # the phone setting does not leak out of draw()


@pytest.mark.parametrize("lang,decimal", [("fi", ","), ("en", ".")])
def test_axis_numbers_in_the_report_locale(lang, decimal):
    df = pd.DataFrame({"outcome": ["kykyviisari_total"] * 2, "arm": ["HB", "Verrokki"],
                       "mean_change": [0.8, 0.2], "ci_low": [0.45, -0.15],
                       "ci_high": [1.25, 0.55]})
    fig = _drawn(F.change_by_arm(df, lang))
    labels = [x.get_text() for x in fig.axes[0].get_xticklabels() if x.get_text()]
    fractional = [s for s in labels if any(c in s for c in ",.")]
    assert fractional and all(decimal in s for s in fractional), labels
    plane = _drawn(F.ceac(pd.DataFrame({"wtp": [0, 10000, 20000], "prob": [0.1, 0.5, 0.9]}), lang))
    big = [x.get_text() for x in plane.axes[0].get_xticklabels() if x.get_text()]
    assert ("10" + NBSP + "000" if lang == "fi" else "10,000") in big
