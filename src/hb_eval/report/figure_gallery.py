"""The report's figures drawn from an evaluation's figure data (``ev.figure_data``).

:func:`draw_figure` gives the desktop and phone renditions the report embeds (a placeholder when a
figure has no data); :class:`FigureGallery` is ``ev.figures``: the same figures as matplotlib
Figures, drawn on demand, which show in Jupyter. The figure functions themselves are in
:mod:`hb_eval.report.figures`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd

from . import figures as F
from .i18n import sensitivity_label, t

__all__ = ["FIGURES", "CAPTIONS", "MAKERS", "figure_input", "draw_figure", "desktop_only",
           "FigureGallery"]

#: Every figure of the report, in order (a placeholder is drawn when there are no data).
FIGURES = ("change_by_arm", "estimator_comparison", "forest_pilot", "love_plot",
           "satisfaction_items", "cost_components", "ce_plane", "ceac", "tornado",
           "confounding_contour", "evpi", "plan_curve", "budget_utilisation")
#: Figure name -> the i18n key of its caption.
CAPTIONS = {
    "change_by_arm": "fig_change_by_arm", "estimator_comparison": "fig_estimators",
    "forest_pilot": "fig_forest", "love_plot": "fig_love",
    "satisfaction_items": "fig_satisfaction", "cost_components": "fig_cost_components",
    "ce_plane": "fig_ce_plane", "ceac": "fig_ceac", "tornado": "fig_tornado",
    "confounding_contour": "fig_confounding", "evpi": "fig_evpi", "plan_curve": "fig_plan",
    "budget_utilisation": "fig_budget_utilisation",
}


def figure_input(name: str, spec: dict[str, Any], lang: str, public: bool) -> dict[str, Any]:
    """Language and audience adjustments of a figure's data."""
    df = spec["df"]
    if name == "love_plot" and "level" in df.columns:  # "covariate: level" in the language
        df = df.assign(covariate=[t(str(c), lang) if pd.isna(lv) or lv == ""
                                  else f"{t(str(c), lang)}: {t(str(lv), lang)}"
                                  for c, lv in zip(df["covariate"], df["level"])]
                       ).drop(columns="level")
    if name == "tornado" and "low_value" in df.columns:  # "parameter (low / high)" labelled
        df = df.assign(parameter=[sensitivity_label(p, lo, hi, lang) for p, lo, hi in zip(
            df["parameter"], df["low_value"], df["high_value"])]).drop(
            columns=["low_value", "high_value"])
    if public and name == "forest_pilot" and "n" in df.columns:
        df = df.drop(columns="n")  # no counts in figures
    return {**spec, "df": df}


#: Figure name -> the function of :mod:`hb_eval.report.figures` that draws it.
MAKERS = {
    "change_by_arm": F.change_by_arm, "estimator_comparison": F.estimator_comparison,
    "forest_pilot": F.forest_plot, "love_plot": F.love_plot,
    "satisfaction_items": F.satisfaction_diverging, "cost_components": F.cost_components,
    "ce_plane": F.ce_plane, "ceac": F.ceac, "tornado": F.tornado,
    "confounding_contour": F.confounding_contour, "evpi": F.evpi_plot,
    "plan_curve": F.plan_curve, "budget_utilisation": F.budget_utilisation,
}


def draw_figure(figure_data: dict[str, dict[str, Any]], name: str, lang: str, public: bool,
                say: Callable[[str], None], failures: list[str], *,
                draw: Callable[..., Any] = F.draw) -> tuple[Any, dict[str, Any] | None]:
    """The desktop and phone rendition of one report figure (a placeholder without data);
    ``draw=`` :func:`desktop_only` gives the desktop one alone. Also returns the figure's input
    as drawn (None for the placeholder): the alternative text states its numbers."""
    spec = figure_data.get(name)
    caption = t(CAPTIONS[name], lang)

    def empty(_df: Any, lg: str, _c: str = caption) -> Any:
        return F.empty_figure(_c, lg)

    if spec is None or spec.get("df") is None:
        return draw(empty, None, lang), None
    spec = figure_input(name, spec, lang, public)
    kw = {k: v for k, v in spec.items() if k != "df"}
    try:  # the desktop and the phone rendition
        return draw(MAKERS[name], spec["df"], lang, **kw), spec
    except (KeyError, ValueError, TypeError) as exc:  # wrong columns from a stage
        say(f"figure {name} could not be drawn ({type(exc).__name__})")
        failures.append(f"figure:{name}")
        return draw(empty, None, lang), None


def desktop_only(maker: Callable[..., Any], df: Any, lang: str, **kw: Any) -> Any:
    """Draw the desktop rendition only (the ``draw=`` of :func:`draw_figure` for notebooks)."""
    return maker(df, lang, **kw)


class FigureGallery(Mapping):
    """The report's figures of an evaluation as matplotlib Figures, drawn on demand.

    ``ev.figures["ceac"]`` draws the figure from ``ev.figure_data`` with the report's figure
    functions (internal audience; language ``lang``); in Jupyter it shows as an image. Nothing
    is written and the global matplotlib backend and style are left alone.
    """

    def __init__(self, figure_data: dict[str, dict[str, Any]], lang: str = "en") -> None:
        self.figure_data = figure_data
        self.lang = lang

    def __getitem__(self, name: str) -> Any:
        if name not in MAKERS:
            raise KeyError(f"no figure {name!r}; the report's figures: {', '.join(FIGURES)}")
        failures: list[str] = []
        fig, _ = draw_figure(self.figure_data, name, self.lang, False, lambda _m: None, failures,
                             draw=desktop_only)
        if failures:
            raise ValueError(f"figure {name} could not be drawn from ev.figure_data[{name!r}]")
        return fig

    def __iter__(self) -> Iterator[str]:
        return iter(FIGURES)

    def __len__(self) -> int:
        return len(FIGURES)

    def __repr__(self) -> str:
        return f"<figures ({self.lang}): {', '.join(FIGURES)}>"
