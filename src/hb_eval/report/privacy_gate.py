"""The privacy gate (:func:`hb_eval.privacy.gate`) at the report's serialisation points.

Every string the report writes passes :func:`~hb_eval.privacy.gate`: results.json
(:func:`~hb_eval.report.results_json.dumps_results`), manifest.json
(:func:`~hb_eval.report.manifest.write_manifest`), the tables (CSV and workbook), the HTML and
the text drawn in figures (:func:`~hb_eval.report.figures.save_figure`). A personal identity
code becomes its placeholder ``[hetu-N]``.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..privacy import contains_hetu, gate, gate_frame

__all__ = ["gate_table", "gate_figure", "figure_holds_code", "gate_html"]

# embedded images are data, not text: gated text must not touch their base64
_DATA_URI = re.compile(r"(data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+)")


def gate_table(table: Any) -> Any:
    """A report :class:`~hb_eval.report.tables.Table` with its title and cells gated."""
    frame = gate_frame(table.frame)
    title = gate(table.title)
    if frame is table.frame and title == table.title:
        return table
    return dataclasses.replace(table, frame=frame, title=title)


class _Gated:
    """A formatter's method whose strings pass :func:`~hb_eval.privacy.gate` (a list of tick
    labels from ``format_ticks``, one string from ``get_offset``)."""

    def __init__(self, method: Any) -> None:
        self.method = method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.method(*args, **kwargs)
        return gate(out) if isinstance(out, str) else [gate(s) for s in out]


def _gate_formatter(formatter: Any) -> None:
    """Gate what ``formatter`` gives the axis when the figure is drawn: the tick labels
    (``format_ticks``, which the axis calls at every draw and layout) and the offset text. The
    formatter keeps its type and state; a formatter shared by two axes is wrapped once."""
    for name in ("format_ticks", "get_offset"):
        if not isinstance(vars(formatter).get(name), _Gated) and hasattr(formatter, name):
            setattr(formatter, name, _Gated(getattr(formatter, name)))


def _texts_and_axes(fig: Any) -> tuple[list[Any], list[Any]]:
    """The figure's text artists (in :meth:`~matplotlib.artist.Artist.findobj` order) and its
    axes' x and y :class:`~matplotlib.axis.Axis` objects, in one walk."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    found = fig.findobj(lambda a: isinstance(a, (Text, Axis)))
    return ([a for a in found if isinstance(a, Text)], [a for a in found if isinstance(a, Axis)])


def gate_figure(fig: Any) -> Any:
    """Gate every text of a matplotlib figure, as drawn.

    Titles, labels, legend entries and annotations hold their text: it is gated now. Tick
    labels (and an axis' offset text) get theirs from the axis' formatter at every draw, so
    the formatters are wrapped to gate what they give: a category or ``set_yticks(y, labels)``
    tick label with an identity code is drawn as its placeholder. Without a code nothing
    changes (the same bytes). :func:`hb_eval.report.figures.png_bytes` and ``save_figure``
    call this, and once more on the texts as laid out, right before the figure is drawn.
    """
    texts, axes = _texts_and_axes(fig)
    for artist in texts:
        text = artist.get_text()
        shown = gate(text)
        if shown != text:
            artist.set_text(shown)
    for axis in axes:
        for ticker in (axis.major, axis.minor):
            _gate_formatter(ticker.formatter)
    return fig


def _tick_labels(axis: Any) -> list[str]:
    """The tick labels ``axis`` would draw at its current ticks (and every label of a fixed
    formatter), without setting them on its ticks."""
    out: list[str] = []
    for ticker, locs in ((axis.major, axis.get_majorticklocs),
                         (axis.minor, axis.get_minorticklocs)):
        formatter = ticker.formatter
        fmt = vars(formatter).get("format_ticks")  # not through the gate: it numbers codes
        fmt = fmt.method if isinstance(fmt, _Gated) else formatter.format_ticks
        out.extend(str(s) for s in getattr(formatter, "seq", ()))
        out.extend(str(s) for s in fmt(locs()))
    return out


def figure_holds_code(fig: Any) -> bool:
    """Whether :func:`gate_figure` would replace an identity code in the figure's text: its
    texts, or its tick labels (category labels, ``set_yticks(y, labels)``, formatted ticks)."""
    texts, axes = _texts_and_axes(fig)
    return (any(contains_hetu(a.get_text()) for a in texts)
            or any(contains_hetu(s) for axis in axes for s in _tick_labels(axis)))


def gate_html(html: str) -> str:
    """Gate an HTML page, leaving embedded ``data:`` images untouched."""
    parts = _DATA_URI.split(html)
    # odd positions are the data URIs captured by the split
    return "".join(p if i % 2 else gate(p) for i, p in enumerate(parts))

