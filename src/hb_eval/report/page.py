"""report.html made beside the figures: the page with a marker where each figure goes, gated,
then the figures put in.

The page needs every figure's image, but nothing else of the figures (their captions are
known before they are drawn). So the other report process renders and gates the page while
this one still draws, with a marker in place of each ``<img>``/``<picture>`` and of the
summary's headline image; afterwards :func:`with_figures` replaces each marker with its image,
each gated by :func:`~hb_eval.report.privacy_gate.gate_html` in the order of the page.

The same bytes as gating the whole page: a marker and an image both begin with ``<`` or NUL and
end with ``>`` or NUL, characters no identity code (in any reading of its spaces) contains or
touches, so no code can span the edge of an image; and the caller uses the marked page only
when gating it numbered no new code (every code of the page's own text then keeps the number
the whole page's gate gives it, and the images' codes are numbered in page order, as there).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from .figure_gallery import CAPTIONS, FIGURES
from .html import headline_img
from .i18n import t
from .privacy_gate import gate_html

__all__ = ["marked_figures", "with_figures"]

_MARKER = re.compile("\0(fig|headline):([a-z_]+)\0")


def marked_figures(lang: str) -> dict[str, dict[str, Any]]:
    """The template's ``figures`` with a marker for each image (captions as drawn)."""
    return {name: {"img": Markup(f"\0fig:{name}\0"), "headline": Markup(f"\0headline:{name}\0"),
                   "caption": t(CAPTIONS[name], lang)} for name in FIGURES}


def with_figures(page: str, figures: Mapping[str, Mapping[str, Any]]) -> str:
    """The gated ``page`` of :func:`marked_figures` with each marker replaced by its figure's
    image (``<img>`` or ``<picture>``, or the headline image), gated in the order of the page."""
    parts = _MARKER.split(page)  # text, kind, name, text, kind, name, ..., text
    out = [parts[0]]
    for i in range(1, len(parts), 3):
        kind, name = parts[i], parts[i + 1]
        fig = figures[name]
        out.append(gate_html(str(fig["img"]) if kind == "fig" else headline_img(name, fig)))
        out.append(parts[i + 2])
    return "".join(out)
