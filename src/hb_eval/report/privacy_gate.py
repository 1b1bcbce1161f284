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


def gate_figure(fig: Any) -> Any:
    """Gate every text artist of a matplotlib figure (titles, labels, tick labels, legends)."""
    from matplotlib.text import Text

    for artist in fig.findobj(Text):
        text = artist.get_text()
        shown = gate(text)
        if shown != text:
            artist.set_text(shown)
    return fig


def figure_holds_code(fig: Any) -> bool:
    """Whether :func:`gate_figure` would replace an identity code in the figure's text."""
    from matplotlib.text import Text

    return any(contains_hetu(artist.get_text()) for artist in fig.findobj(Text))


def gate_html(html: str) -> str:
    """Gate an HTML page, leaving embedded ``data:`` images untouched."""
    parts = _DATA_URI.split(html)
    # odd positions are the data URIs captured by the split
    return "".join(p if i % 2 else gate(p) for i, p in enumerate(parts))

