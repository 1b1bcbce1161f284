"""report.html's context (:func:`page_context`), and the page made beside the figures: with a
marker where each figure goes, gated, then the figures put in.

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

from ..config import PRIMARY
from ..data.loaders.unit_costs import unit_cost_value
from .figure_gallery import CAPTIONS, FIGURES
from .format import fmt_int
from .html import headline_img
from .i18n import t
from .manifest import created_with
from .privacy_gate import gate_html
from .references import reference_rows

__all__ = ["SectionView", "marked_figures", "page_context", "with_figures"]

#: Section status -> (i18n key of its sentence, name of the sentence's placeholder).
_STATUS_NOTES = {"absent": ("not_configured", "source"),
                 "not_estimable": ("not_estimable", "reason"),
                 "failed": ("failed", "error")}


class SectionView:
    """A section's status and its sentence in the report's language (for the template)."""

    def __init__(self, status: str, reason: str, lang: str, note: str = "") -> None:
        self.status = status
        key = _STATUS_NOTES.get(status)
        self.note = t(key[0], lang, **{key[1]: reason}) if key else note


def _inference_note(results: dict[str, Any], lang: str, cluster: str) -> str:
    """The sentence saying why the wild bootstrap is primary, or why the DiD is missing."""
    did = ((results.get("outcomes") or {}).get(PRIMARY) or {}).get("did") or {}
    if did.get("inference") == "wild_cluster_bootstrap":
        n, reps = did.get("n_clusters"), did.get("wild_reps")
        reps_text = fmt_int(int(reps), lang) if isinstance(reps, (int, float)) else "–"
        power = str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))  # 6⁶
        weights = t("wild_enumerated" if did.get("wild_enumerated") else "wild_drawn", lang,
                    reps=reps_text, n=power)
        return t("wild_primary", lang, n=n, cluster=cluster, weights=weights)
    if did.get("reason"):
        return t("clusters_not_estimable", lang, reason=did["reason"])
    return ""


def _wild_primary(results: dict[str, Any]) -> bool:
    """Whether the primary outcome's DiD has the wild cluster bootstrap as primary inference."""
    did = ((results.get("outcomes") or {}).get(PRIMARY) or {}).get("did") or {}
    return did.get("inference") == "wild_cluster_bootstrap"


def page_context(ev: Any, config: Any, results: dict[str, Any], tables: Mapping[str, Any],
                 lang: str) -> dict[str, Any]:
    """What the template of report.html shows besides the figures: the sections' status and
    sentences, the tables and the settings the methods text names."""
    a = config.analysis
    uc = getattr(ev.dataset, "unit_costs", None)
    return {
        "title": config.name, "audience": config.report.audience, "created_with": created_with(),
        "sections": {k: SectionView(v.status, v.reason, lang, note=_inference_note(
            results, lang, a.cluster) if k == "outcomes" else "")
            for k, v in ev.sections.items()},
        "tables": tables, "primary": PRIMARY, "perspective": a.perspective,
        "cluster": a.cluster, "wild_primary": _wild_primary(results),
        "reps": a.bootstrap_reps, "seed": a.seed, "wtp_max": a.wtp_max,
        "diary_rule": a.diary_rule, "cea_resample": a.cea_resample,
        "price_year": unit_cost_value(uc, "price_year"),
        "references": reference_rows(lang),
    }


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
