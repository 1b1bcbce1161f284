"""The report's figures: one style, colour-blind-safe, labelled in the report's language.

Every function takes a tidy DataFrame (columns documented on the function) and the language,
and returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG and SVG
deterministically (fixed ``svg.hashsalt``, no dates in the metadata) and returns the PNG bytes
for embedding. No function draws individual clients: the CE plane shows bootstrap replicates.

Every figure also has a phone rendition (:func:`phone_width`, :func:`draw`): a narrower canvas
with larger type, so that figure text stays about 11-13 CSS pixels when the report is read
400 px wide (the desktop rendition shrunk to a phone would leave it at about 6 px). Numbers on
the axes are written in the report's locale (decimal comma and no-break thousands space in
Finnish).

Nothing here touches pyplot or the global matplotlib backend: each figure is a
:class:`~matplotlib.figure.Figure` on its own Agg canvas, and the report's style is applied
inside :func:`report_style`, which restores the caller's ``rcParams`` afterwards (a notebook's
``plt.show()`` and its own plots are left as they were).
"""
from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd

if TYPE_CHECKING:  # matplotlib's figures, axes and Agg are imported at the first figure
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from .format import fmt_num
from .i18n import t
from .privacy_gate import gate_figure

__all__ = [
    "PALETTE",
    "ARM_COLOURS",
    "LINE_COLOURS",
    "ORANGE_ON_WHITE",
    "style",
    "report_style",
    "phone_width",
    "draw",
    "png_bytes",
    "save_figure",
    "empty_figure",
    "change_by_arm",
    "estimator_comparison",
    "forest_plot",
    "love_plot",
    "satisfaction_diverging",
    "cost_components",
    "ce_plane",
    "ceac",
    "tornado",
    "confounding_contour",
    "evpi_plot",
    "plan_curve",
    "budget_utilisation",
    "utilisation_boxes",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Okabe & Ito's orange darkened to 4.2:1 on white: marks and lines that carry meaning need
#: 3:1 against the background (WCAG 2.1 1.4.11); the light palette colours fill areas only.
ORANGE_ON_WHITE = "#B26B00"
#: Lines and markers in order (the palette's colours with 3:1 or more on white).
LINE_COLOURS = [PALETTE[0], ORANGE_ON_WHITE, PALETTE[2], PALETTE[5], PALETTE[3], "#000000"]
ARM_COLOURS = {"HB": PALETTE[0], "Verrokki": ORANGE_ON_WHITE}
#: Edges between adjacent filled areas (stacked bars): a boundary with 3:1 or more.
EDGE = "#404040"
#: Diverging colours for a 1-5 agreement scale (disagree = vermillion, agree = blue).
LIKERT_COLOURS = ["#D55E00", "#F4A582", "#CCCCCC", "#92C5DE", "#0072B2"]

_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": "medium",  # every size the phone rendition changes is reset here
    "ytick.labelsize": "medium",
    "legend.fontsize": "medium",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.hashsalt": "hb_eval",
    "svg.fonttype": "none",  # text stays text: searchable, smaller, faster
    "path.simplify": True,
    "axes.formatter.use_locale": False,
    "axes.axisbelow": True,
}


#: The phone rendition: canvas width (inches) and larger type.
PHONE_WIDTH = 4.0
_PHONE_RC = {"font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10,
             "xtick.labelsize": 9.5, "ytick.labelsize": 9.5, "legend.fontsize": 9}
_phone = False


def style() -> None:
    """Apply the report's matplotlib style (idempotent)."""
    matplotlib.rcParams.update(_RC)
    if _phone:
        matplotlib.rcParams.update(_PHONE_RC)


@contextmanager
def report_style() -> Iterator[None]:
    """Within the block, the report's style; the caller's ``rcParams`` are restored after."""
    with matplotlib.rc_context():
        style()
        yield


@contextmanager
def phone_width() -> Iterator[None]:
    """Within the block, figures are drawn for a phone (narrow canvas, larger type)."""
    global _phone
    saved, _phone = _phone, True
    try:
        yield
    finally:
        _phone = saved


def _styled(maker: Callable[..., Figure]) -> Callable[..., Figure]:
    """A figure function drawn in the report's style, leaving the caller's rcParams as they
    were (a notebook that calls it keeps its own style)."""

    @functools.wraps(maker)
    def styled(*args: Any, **kw: Any) -> Figure:
        with report_style():
            fig = maker(*args, **kw)
        fig._repr_png_ = functools.partial(_notebook_png, fig)  # shown in Jupyter, any backend
        return fig

    return styled


def _notebook_png(fig: Figure) -> bytes:
    """The PNG Jupyter shows for a report figure (at screen resolution)."""
    gate_figure(fig)  # a notebook's output is an output too
    buf = io.BytesIO()
    with report_style():
        fig.savefig(buf, format="png", dpi=matplotlib.rcParams["figure.dpi"])
    return buf.getvalue()


def draw(maker: Callable[..., Figure], df: pd.DataFrame, lang: str,
         **kw: Any) -> tuple[Figure, Figure]:
    """The desktop and the phone rendition of one figure: ``(wide, phone)``."""
    wide = maker(df, lang, **kw)
    with phone_width():
        phone = maker(df, lang, **kw)
    return wide, phone


def _title(ax, text: str) -> None:
    """The axes title, wrapped. The phone rendition has none: it is only shown in the report,
    right above its caption, which says the same."""
    if not _phone:
        ax.set_title(textwrap.fill(text, 80))


def _xlabel(ax, text: str) -> None:
    """The x-axis label; on a phone wrapped and flush right (centred it could run off the
    canvas when long tick labels narrow the axes)."""
    if _phone:
        ax.set_xlabel(textwrap.fill(text, 36), loc="right")
    else:
        ax.set_xlabel(text)


def _title_and_legend_above(fig: Figure, ax, text: str, ncol: int, **kw: Any) -> None:
    """The title on top, the legend right under it, then the plot (on a phone no title, the
    legend at the top of the canvas)."""
    if _phone:
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper center", ncol=ncol, frameon=False,
                   fontsize=_legend_size(), **kw)
        return
    fig.suptitle(textwrap.fill(text, 80), fontsize=matplotlib.rcParams["axes.titlesize"])
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol, frameon=False,
              fontsize=_legend_size(), borderaxespad=0.2, **kw)


def _legend_size() -> float:
    return 9 if _phone else 8


def _axis_decimal(ax, lang: str, which: str = "both", digits: int | None = None) -> None:
    """Tick labels in the report's locale (decimal comma and thousands space in Finnish)."""

    def f(x, _pos):
        d = digits
        if d is None:
            d = 0 if float(x).is_integer() else (1 if abs(x * 10 - round(x * 10)) < 1e-9 else 2)
        return fmt_num(x, lang, d)

    fmt = matplotlib.ticker.FuncFormatter(f)
    if which in ("both", "x"):
        ax.xaxis.set_major_formatter(fmt)
    if which in ("both", "y"):
        ax.yaxis.set_major_formatter(fmt)


def _drawing_disabled(renderer: Any) -> bool:
    """Whether ``renderer`` (or the vector renderer inside a mixed-mode one) is within
    matplotlib's ``_draw_disabled``, which sets no-op ``draw_*`` methods on the instance."""
    for r in (renderer, getattr(renderer, "_renderer", None)):
        try:
            if "draw_path" in vars(r):
                return True
        except TypeError:  # no instance dictionary (Agg's C++ renderer)
            continue
    return False


@contextmanager
def _layout_before_saving(fig: Figure) -> Iterator[None]:
    """Within ``savefig``: the draw it makes before saving only to lay the figure out (on a
    renderer whose drawing is disabled) runs what ``Figure.draw`` runs up to and including the
    layout engine, not the rest of the draw, which draws nothing and is done again in full
    right after (a third of the cost of saving a figure; the same bytes). Then every text as
    laid out (tick labels hold theirs now) passes the privacy gate
    (:func:`~hb_eval.report.privacy_gate.gate_figure`), before the figure is drawn for real."""

    from matplotlib.figure import Figure

    def draw(renderer: Any) -> None:
        if not _drawing_disabled(renderer):  # drawing for real
            return Figure.draw(fig, renderer)
        if not hasattr(fig, "_get_draw_artists") or not hasattr(fig, "_render_lock"):
            Figure.draw(fig, renderer)  # another matplotlib: its whole no-op draw
        elif fig.get_visible():
            with fig._render_lock:
                fig._get_draw_artists(renderer)  # as Figure.draw: aspects and locators first
                if fig.axes and fig.get_layout_engine() is not None:
                    try:
                        fig.get_layout_engine().execute(fig)
                    except ValueError:  # as Figure.draw
                        pass
        gate_figure(fig)
        return None

    fig.draw = draw
    try:
        yield
    finally:
        del fig.draw


def png_bytes(fig: Figure, close: bool = False) -> bytes:
    """The figure as deterministic PNG bytes (no software or date metadata).

    ``close`` is kept for callers of earlier versions: the figures are not registered with
    pyplot, so there is nothing to close (they are freed with their last reference).
    """
    gate_figure(fig)  # no personal identity code in any figure text (phone renditions too)
    buf = io.BytesIO()
    with report_style(), _layout_before_saving(fig):  # the report's resolution
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def save_figure(fig: Figure, fig_dir: str | Path, name: str) -> bytes:
    """Write ``<name>.png`` and ``<name>.svg`` under ``fig_dir``; return the PNG bytes.

    The files are deterministic: the SVG has no date and a fixed hash salt, the PNG only
    the matplotlib version as metadata.
    """
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    png = png_bytes(fig)  # gates the figure's texts first, so the SVG too
    (fig_dir / f"{name}.png").write_bytes(png)
    with report_style(), _layout_before_saving(fig):  # fixed hash salt, text as text
        fig.savefig(fig_dir / f"{name}.svg", format="svg",
                    metadata={"Date": None, "Creator": None})
    return png


def _fig(width: float = 6.5, height: float = 3.6) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style()
    if _phone:  # narrower canvas, a little taller for the larger type
        width, height = PHONE_WIDTH, height * 1.15 + 0.3
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # its own Agg canvas: no pyplot, no global backend
    ax = fig.add_subplot()
    return fig, ax


@_styled
def empty_figure(title: str, lang: str = "fi") -> Figure:
    """A placeholder figure saying there are no data (keeps the report's figure list stable)."""
    fig, ax = _fig(6.5, 1.6)
    ax.set_axis_off()
    ax.text(0.5, 0.5, t("no_data_figure", lang), ha="center", va="center", fontsize=11)
    _title(ax, title)
    return fig


@_styled
def change_by_arm(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Mean change per arm with its CI, one row per outcome.

    Columns: outcome, arm (HB/Verrokki), mean_change, ci_low, ci_high.
    """
    title = t("fig_change_by_arm", lang)
    d = df.dropna(subset=["mean_change"])
    if d.empty:
        return empty_figure(title, lang)
    outcomes = list(dict.fromkeys(d["outcome"]))
    fig, ax = _fig(6.5, 0.45 * len(outcomes) + 1.4)
    y = np.arange(len(outcomes))[::-1].astype(float)
    pos = dict(zip(outcomes, y))
    for k, arm in enumerate(("HB", "Verrokki")):
        a = d[d["arm"] == arm]
        if a.empty:
            continue
        yy = a["outcome"].map(pos).to_numpy(float) + (0.15 if k == 0 else -0.15)
        m = a["mean_change"].to_numpy(float)
        err = np.vstack([m - a["ci_low"].to_numpy(float), a["ci_high"].to_numpy(float) - m])
        ax.errorbar(m, yy, xerr=np.nan_to_num(err), fmt="o", color=ARM_COLOURS[arm],
                    capsize=2, label=t(arm, lang), ms=4)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_yticks(y, [t(o, lang) for o in outcomes])
    _xlabel(ax, t("change_points", lang))
    if _phone:
        _title_and_legend_above(fig, ax, title, 2)
    else:
        _title(ax, title)
        ax.legend(loc="best", frameon=False)
    _axis_decimal(ax, lang, "x")
    return fig


def _interval_plot(d: pd.DataFrame, labels: list[str], title: str, xlabel: str, lang: str,
                   colour: str = PALETTE[0]) -> Figure:
    fig, ax = _fig(6.5, 0.4 * len(d) + 1.3)
    y = np.arange(len(d))[::-1].astype(float)
    m = d["estimate"].to_numpy(float)
    err = np.vstack([m - d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float) - m])
    ax.errorbar(m, y, xerr=np.nan_to_num(err), fmt="s", color=colour, capsize=2, ms=4)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_yticks(y, labels)
    _xlabel(ax, xlabel)
    _title(ax, title)
    _axis_decimal(ax, lang, "x")
    return fig


@_styled
def estimator_comparison(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Effect estimates of the estimators side by side (primary outcome).

    Columns: estimator, estimate, ci_low, ci_high.
    """
    title = t("fig_estimators", lang)
    d = df.dropna(subset=["estimate"])
    if d.empty:
        return empty_figure(title, lang)
    return _interval_plot(d, [t(e, lang) for e in d["estimator"]], title,
                          t("effect_points", lang), lang)


@_styled
def forest_plot(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Subgroup (pilot) effects with CIs; an ``overall`` row is drawn in black.

    Columns: label, estimate, ci_low, ci_high, and optionally n (shown in the label).
    """
    title = t("fig_forest", lang)
    d = df.dropna(subset=["estimate"]).reset_index(drop=True)
    if d.empty:
        return empty_figure(title, lang)
    labels = []
    for _, r in d.iterrows():
        lab = str(r["label"])
        if "n" in d.columns and pd.notna(r["n"]):
            lab += f" (n = {r['n']})"
        labels.append(lab)
    fig = _interval_plot(d, labels, title, t("effect_points", lang), lang)
    return fig


@_styled
def love_plot(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Absolute standardised mean differences before and after weighting.

    Columns: covariate, smd_unweighted, and optionally smd_weighted.
    """
    title = t("fig_love", lang)
    if df.empty:
        return empty_figure(title, lang)
    d = df.copy()
    fig, ax = _fig(6.5, 0.3 * len(d) + 1.4)
    y = np.arange(len(d))[::-1].astype(float)
    ax.scatter(np.abs(d["smd_unweighted"].to_numpy(float)), y, marker="o", color=ORANGE_ON_WHITE,
               label=t("unweighted", lang), zorder=3)
    if "smd_weighted" in d.columns and d["smd_weighted"].notna().any():
        ax.scatter(np.abs(d["smd_weighted"].to_numpy(float)), y, marker="D", color=PALETTE[0],
                   label=t("weighted", lang), zorder=3)
    ax.axvline(0.1, color="#555555", lw=0.8, ls="--")
    ax.set_yticks(y, [str(c) for c in d["covariate"]])
    _xlabel(ax, "|" + t("smd", lang) + "|")
    _title_and_legend_above(fig, ax, title, 2)
    _axis_decimal(ax, lang, "x")
    return fig


@_styled
def satisfaction_diverging(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Diverging stacked bars of 1-5 agreement, one bar per item and arm.

    Columns: item, arm, level (1-5), share (0-1 of the arm's answers to the item). Levels 1-2
    extend left of zero, 4-5 right, 3 is split across zero. Each item is named by its code and
    short label (``short_<item>`` in :mod:`hb_eval.report.i18n`); the full statement is in the
    report's table. The legend sits right above the plot.
    """
    title = t("fig_satisfaction", lang)
    if df.empty:
        return empty_figure(title, lang)
    wide = (df.pivot_table(index=["item", "arm"], columns="level", values="share",
                           aggfunc="sum", observed=True)
            .reindex(columns=[1, 2, 3, 4, 5]).fillna(0.0) * 100)
    items = sorted(dict.fromkeys(df["item"]), key=str)
    rows = [(i, a) for i in items for a in ("HB", "Verrokki") if (i, a) in wide.index]
    wide = wide.loc[rows]
    fig, ax = _fig(7.0, 0.32 * len(rows) + 1.9)
    # one band per item, its arms 0.85 apart; a wider gap between items
    y, pos = [], 0.0
    for k, (i, _a) in enumerate(rows):
        if k and rows[k - 1][0] != i:
            pos += 1.0 if _phone else 0.55
        y.append(-pos)
        pos += 0.85
    y = np.asarray(y)
    v = wide.to_numpy(float)
    left_start = -(v[:, 0] + v[:, 1] + v[:, 2] / 2)
    starts = np.column_stack([left_start, left_start + v[:, 0], left_start + v[:, 0] + v[:, 1],
                              v[:, 2] / 2, v[:, 2] / 2 + v[:, 3]])
    for k in range(5):
        ax.barh(y, v[:, k], left=starts[:, k], color=LIKERT_COLOURS[k], height=0.75,
                label=t(f"sat_{k + 1}", lang), edgecolor=EDGE, linewidth=0.4)
    ax.axvline(0, color="#333333", lw=0.8)

    def short(item: Any) -> str:
        label = t(f"short_{item}", lang)
        return str(item) if label == f"short_{item}" else f"{item} {label}"

    if _phone:  # the item's name above its bars, the arms as tick labels: room for the bars
        ax.set_yticks(y, [t(a, lang) for _i, a in rows])
        for k, (i, _a) in enumerate(rows):
            if k == 0 or rows[k - 1][0] != i:
                ax.annotate(short(i), (0, y[k] + 0.42), xycoords=("axes fraction", "data"),
                            va="bottom", ha="left", fontsize=_legend_size(), weight="bold")
        ax.set_ylim(y.min() - 0.6, 1.0)
    else:
        ax.set_yticks(y, [f"{short(i)} · {t(a, lang)}" if k == 0 or rows[k - 1][0] != i
                          else t(a, lang) for k, (i, a) in enumerate(rows)])
        ax.set_ylim(y.min() - 0.6, 0.6)
    ax.grid(axis="y", visible=False)
    _xlabel(ax, t("share_pct", lang))
    _axis_decimal(ax, lang, "x", 0)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda x, _p: fmt_num(abs(x), lang, 0)))
    _title_and_legend_above(fig, ax, title, 2 if _phone else 3, handlelength=1.2,
                            columnspacing=0.8)
    return fig


@_styled
def cost_components(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Mean cost per client by component, stacked per arm (negative components below zero).

    Columns: arm, component, mean (euros per client).
    """
    title = t("fig_cost_components", lang)
    if df.empty or df["mean"].abs().sum() == 0:
        return empty_figure(title, lang)
    wide = df.pivot_table(index="arm", columns="component", values="mean", aggfunc="sum",
                          observed=True).reindex(["HB", "Verrokki"]).fillna(0.0)
    comps = list(dict.fromkeys(df["component"]))
    wide = wide.reindex(columns=comps).fillna(0.0)
    fig, ax = _fig(6.5, 3.8)
    x = np.arange(len(wide.index))
    pos_base = np.zeros(len(x))
    neg_base = np.zeros(len(x))
    colours = ["#0072B2", "#56B4E9", "#E69F00", "#F0E442", "#CC79A7", "#D55E00", "#009E73",
               "#332288", "#999999", "#882255", "#44AA99"]
    for k, c in enumerate(comps):
        v = wide[c].to_numpy(float)
        base = np.where(v >= 0, pos_base, neg_base)
        ax.bar(x, v, bottom=base, color=colours[k % len(colours)], label=t(c, lang), width=0.6,
               edgecolor=EDGE, linewidth=0.4)
        pos_base += np.where(v >= 0, v, 0)
        neg_base += np.where(v < 0, v, 0)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x, [t(a, lang) for a in wide.index])
    ax.set_ylabel(t("cost_per_client", lang))
    _title(ax, title)
    if _phone:  # no room beside the bars on a phone: legend below them, within the canvas
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False,
                   fontsize=_legend_size(), columnspacing=0.8, handlelength=1.2)
    else:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                  fontsize=_legend_size())
    _axis_decimal(ax, lang, "y", 0)
    return fig


@_styled
def ce_plane(df: pd.DataFrame, lang: str = "fi", *, point: tuple[float, float] | None = None,
             wtp: float | None = None) -> Figure:
    """Bootstrap replicates of (ΔE, ΔC), the point estimate and a willingness-to-pay line.

    Columns: delta_effect, delta_cost (one row per replicate; never per client).
    """
    title = t("fig_ce_plane", lang)
    if df.empty:
        return empty_figure(title, lang)
    fig, ax = _fig(6.0, 4.2)
    ax.scatter(df["delta_effect"], df["delta_cost"], s=3, alpha=0.3, color=PALETTE[0],
               edgecolors="none", rasterized=True)
    if point is not None and np.all(np.isfinite(point)):
        ax.scatter([point[0]], [point[1]], s=40, color=PALETTE[5], zorder=3, marker="X")
    ax.axhline(0, color="#333333", lw=0.8)
    ax.axvline(0, color="#333333", lw=0.8)
    if wtp is not None and np.isfinite(wtp):
        xs = np.array(ax.get_xlim())
        ax.plot(xs, wtp * xs, color="#555555", ls="--", lw=0.8,
                label=f"λ = {fmt_num(wtp, lang, 0)}")
        ax.set_xlim(*xs)
        ax.legend(loc="best", frameon=False)
    _xlabel(ax, t("delta_effect", lang))
    ax.set_ylabel(t("delta_cost", lang))
    _title(ax, title)
    _axis_decimal(ax, lang)
    return fig


@_styled
def ceac(df: pd.DataFrame, lang: str = "fi") -> Figure:
    """Probability that HB is cost-effective against willingness to pay.

    Columns: wtp, prob (0-1); optionally perspective (one line each).
    """
    title = t("fig_ceac", lang)
    if df.empty:
        return empty_figure(title, lang)
    fig, ax = _fig(6.0, 3.4)
    groups = df.groupby("perspective", sort=True) if "perspective" in df.columns else [(None, df)]
    for k, (p, g) in enumerate(groups):
        ax.plot(g["wtp"], g["prob"], color=LINE_COLOURS[k % len(LINE_COLOURS)],
                label=t(p, lang) if p else None)
    ax.axhline(0.5, color="#888888", lw=0.7, ls=":")
    ax.set_ylim(-0.02, 1.02)
    _xlabel(ax, t("wtp", lang))
    ax.set_ylabel(t("prob_ce", lang))
    _title(ax, title)
    if "perspective" in df.columns:
        ax.legend(loc="best", frameon=False)
    _axis_decimal(ax, lang, "y", 1)
    _axis_decimal(ax, lang, "x", 0)
    return fig


@_styled
def tornado(df: pd.DataFrame, lang: str = "fi", *, base: float | None = None) -> Figure:
    """One-way sensitivity analysis: ΔC at each parameter's low and high value.

    Columns: parameter (a label), low, high (ΔC at the low/high value); sorted by swing.
    Each value is its own bar from the base ΔC to the value (low above, high below within a
    parameter's band), so both show even when they lie on the same side of the base; each bar
    end is labelled with its ΔC.
    """
    title = t("fig_tornado", lang)
    d = df.dropna(subset=["low", "high"], how="all")
    if d.empty:
        return empty_figure(title, lang)
    d = d.assign(_swing=(d["high"] - d["low"]).abs()).sort_values("_swing", kind="stable")
    if base is None:
        base = float(np.nanmedian(np.r_[d["low"], d["high"]]))
    fig, ax = _fig(6.5, 0.55 * len(d) + 1.5)
    y = np.arange(len(d)).astype(float)
    h = 0.38
    for vals, off, colour, key in ((d["low"], h / 2, PALETTE[5], "low"),
                                   (d["high"], -h / 2, PALETTE[0], "high")):
        v = vals.to_numpy(float)
        ax.barh(y + off, np.nan_to_num(v - base), left=base, color=colour, height=h,
                label=t(key, lang))
        for yy, x in zip(y + off, v):
            if np.isfinite(x) and abs(x - base) >= 0.5:  # no bar, no label
                ax.annotate(fmt_num(x, lang, 0), (x, yy), xytext=(3 if x >= base else -3, 0),
                            textcoords="offset points", va="center",
                            ha="left" if x >= base else "right", fontsize=_legend_size())
    ax.axvline(base, color="#333333", lw=0.8)
    lo, hi = np.nanmin(np.r_[d["low"], d["high"], base]), np.nanmax(np.r_[d["low"], d["high"], base])
    pad = (0.45 if _phone else 0.2) * (hi - lo) if hi > lo else max(abs(base), 1.0) * 0.1
    ax.set_xlim(lo - pad, hi + pad)  # room for the value labels
    right_half = base > (lo + hi) / 2  # the base's label goes where there is room
    ax.annotate(f"{t('base', lang)} {fmt_num(base, lang, 0)}", (base, 0.0),
                xycoords=("data", "axes fraction"), xytext=(-3 if right_half else 3, 3),
                textcoords="offset points", ha="right" if right_half else "left",
                va="bottom", fontsize=_legend_size(), color="#333333")
    labels = [str(p) for p in d["parameter"]]
    ax.set_yticks(y, [textwrap.fill(s, 24 if _phone else 40) for s in labels])
    ax.grid(axis="y", visible=False)
    _xlabel(ax, t("delta_cost", lang))
    _title_and_legend_above(fig, ax, title, 2)
    _axis_decimal(ax, lang, "x", 0)
    return fig


# -- sensitivity to confounding, value of information, planning (issue 13) ----------------------
@_styled
def confounding_contour(df: pd.DataFrame, lang: str = "fi", *, estimate: float | None = None,
                        benchmarks: pd.DataFrame | None = None) -> Figure:
    """Sensemakr-style contours of the estimate adjusted for a confounder of given strength.

    Columns of ``df``: r2dz_x, r2yz_dx, adjusted_estimate (a full grid, from
    :meth:`hb_eval.outcomes.confounding.ConfoundingResult.contour_grid`). ``benchmarks``:
    covariate, k, r2dz_x, r2yz_dx, adjusted_estimate (drawn as red diamonds). The zero contour
    is red and dashed; the unadjusted estimate is the triangle at the origin.
    """
    title = t("fig_confounding", lang)
    if df.empty:
        return empty_figure(title, lang)
    xs = np.unique(df["r2dz_x"].to_numpy(float))
    ys = np.unique(df["r2yz_dx"].to_numpy(float))
    z = (df.sort_values(["r2yz_dx", "r2dz_x"], kind="stable")["adjusted_estimate"]
         .to_numpy(float).reshape(len(ys), len(xs)))
    fig, ax = _fig(5.2, 4.6)
    ax.grid(False)
    levels = matplotlib.ticker.MaxNLocator(9).tick_values(np.nanmin(z), np.nanmax(z))
    levels = levels[np.abs(levels) > 1e-12]
    cs = ax.contour(xs, ys, z, levels=levels, colors="#555555", linewidths=0.7)
    ax.clabel(cs, fontsize=7, fmt=lambda v: fmt_num(v, lang, 2))
    if np.nanmin(z) < 0 < np.nanmax(z):
        zero = ax.contour(xs, ys, z, levels=[0.0], colors=PALETTE[5], linewidths=1.4,
                          linestyles="--")
        ax.clabel(zero, fontsize=7, fmt=lambda v: fmt_num(0.0, lang, 0))
    ax.plot([0], [0], marker="^", color="#000000", ms=7, clip_on=False, ls="none")
    if estimate is not None:
        ax.annotate(t("unadjusted", lang, value=fmt_num(estimate, lang, 2)), (0, 0),
                    xytext=(6, 6), textcoords="offset points", fontsize=7)
    if benchmarks is not None and len(benchmarks):
        b = benchmarks.dropna(subset=["r2dz_x", "r2yz_dx"])
        ax.plot(b["r2dz_x"], b["r2yz_dx"], marker="D", color=PALETTE[5], ms=5, ls="none")
        for _, r in b.iterrows():
            label = f"{r['k']:g}× {t(str(r['covariate']), lang)} " \
                    f"({fmt_num(r['adjusted_estimate'], lang, 2)})"
            ax.annotate(label, (r["r2dz_x"], r["r2yz_dx"]), xytext=(5, -3),
                        textcoords="offset points", fontsize=7, color=PALETTE[5])
    ax.set_xlim(0, xs.max())
    ax.set_ylim(0, ys.max())
    ax.set_xlabel(t("r2dz_x_axis", lang))
    ax.set_ylabel(t("r2yz_dx_axis", lang))
    ax.set_title(title)
    _axis_decimal(ax, lang, "both", 2)
    return fig


@_styled
def evpi_plot(df: pd.DataFrame, lang: str = "fi", *, crossing: float | None = None,
              population_factor: float | None = None) -> Figure:
    """EVPI per client against willingness to pay, the CEAC's 0.5 crossing marked.

    Columns: wtp, evpi (euros per client). With ``population_factor`` a right-hand axis gives
    the population EVPI (the same curve times the factor).
    """
    title = t("fig_evpi", lang)
    if df.empty:
        return empty_figure(title, lang)
    fig, ax = _fig(6.0, 3.4)
    ax.plot(df["wtp"], df["evpi"], color=PALETTE[0])
    if crossing is not None and np.isfinite(crossing):
        ax.axvline(crossing, color="#888888", lw=0.8, ls=":")
        ax.annotate(t("ceac_crossing", lang, value=fmt_num(crossing, lang, 0)), (crossing, 0),
                    xytext=(4, 4), textcoords="offset points", fontsize=7, color="#555555",
                    xycoords=("data", "axes fraction"))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(t("wtp", lang))
    ax.set_ylabel(t("evpi_per_client", lang))
    ax.set_title(title)
    fmt0 = matplotlib.ticker.FuncFormatter(lambda x, _p: fmt_num(x, lang, 0))
    ax.xaxis.set_major_formatter(fmt0)
    ax.yaxis.set_major_formatter(fmt0)
    if population_factor:
        sec = ax.secondary_yaxis("right", functions=(lambda v: v * population_factor,
                                                     lambda v: v / population_factor))
        sec.set_ylabel(t("evpi_population", lang))
        sec.yaxis.set_major_formatter(fmt0)
    return fig


@_styled
def plan_curve(df: pd.DataFrame, lang: str = "fi", *, marks: pd.DataFrame | None = None
               ) -> Figure:
    """Minimum detectable effect (score points) against clients recruited per arm.

    Columns: n_per_arm, mde; ``marks`` (same columns) are labelled points (e.g. 50, 100, 200,
    400 per arm).
    """
    title = t("fig_plan", lang)
    d = df.dropna(subset=["mde"])
    if d.empty:
        return empty_figure(title, lang)
    fig, ax = _fig(6.0, 3.4)
    ax.plot(d["n_per_arm"], d["mde"], color=PALETTE[0])
    if marks is not None and len(marks):
        m = marks.dropna(subset=["mde"])
        ax.plot(m["n_per_arm"], m["mde"], marker="o", color=PALETTE[5], ls="none", ms=4)
        for _, r in m.iterrows():
            ax.annotate(fmt_num(r["mde"], lang, 2), (r["n_per_arm"], r["mde"]), xytext=(4, 4),
                        textcoords="offset points", fontsize=7)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(t("clients_per_arm", lang))
    ax.set_ylabel(t("mde_points", lang))
    ax.set_title(title)
    _axis_decimal(ax, lang, "y", 2)
    return fig


@_styled
def budget_utilisation(df: pd.DataFrame, lang: str = "fi", *, min_n: int = 5) -> Figure:
    """Distribution of budget utilisation (realised / granted) by pilot, as quantile boxes.

    Columns: pilot, utilisation (one row per HB client with a budget). Each pilot with at least
    ``min_n`` clients gets a box from the first to the third quartile, its median, and whiskers
    from the 10th to the 90th percentile; no individual client is drawn. Smaller pilots are
    named with ``<5`` and no box. Dashed lines mark half and full use.
    """
    from matplotlib.patches import Rectangle

    title = t("fig_budget_utilisation", lang)
    d = df.loc[np.isfinite(pd.to_numeric(df["utilisation"], errors="coerce").to_numpy(float))]
    if d.empty:
        return empty_figure(title, lang)
    groups = utilisation_boxes(d, min_n)
    fig, ax = _fig(6.5, 0.5 + 0.45 * len(groups) + 1.0)
    labels = []
    for i, (pilot, box) in enumerate(groups):
        y = len(groups) - 1 - i
        if box is None:
            labels.append(f"{pilot} (<{min_n})")
            continue
        p10, q1, med, q3, p90 = box
        ax.plot([p10, q1], [y, y], color="#333333", lw=1)
        ax.plot([q3, p90], [y, y], color="#333333", lw=1)
        ax.add_patch(Rectangle((q1, y - 0.3), q3 - q1, 0.6, facecolor=PALETTE[0],
                               alpha=0.35, edgecolor=PALETTE[0]))
        ax.plot([med, med], [y - 0.3, y + 0.3], color=PALETTE[0], lw=2)
        labels.append(pilot)
    for x in (0.5, 1.0):
        ax.axvline(x, color="#767676", ls="--", lw=0.8)
    ax.set_yticks(np.arange(len(groups))[::-1], labels)
    ax.set_ylim(-0.7, len(groups) - 0.3)
    ax.set_xlabel(t("utilisation_axis", lang))
    ax.set_title(title)
    _axis_decimal(ax, lang, "x", 1)
    return fig


def utilisation_boxes(df: pd.DataFrame, min_n: int = 5
                      ) -> list[tuple[str, tuple[float, ...] | None]]:
    """The boxes :func:`budget_utilisation` draws: (pilot, (p10, q1, median, q3, p90)) in the
    data's pilot order, None for a pilot under ``min_n`` clients (its figure text and its
    alternative text use the same numbers)."""
    u = pd.to_numeric(df["utilisation"], errors="coerce")
    d = df.loc[np.isfinite(u.to_numpy(float))]
    out: list[tuple[str, tuple[float, ...] | None]] = []
    for p, g in d.groupby(d["pilot"].astype(str), sort=False):
        v = g["utilisation"].to_numpy(float)
        out.append((str(p), None if v.size < min_n else
                    tuple(float(q) for q in np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9]))))
    return out
