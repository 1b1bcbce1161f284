"""Render report.html from the Jinja2 templates in ``reports/templates/``.

Headline numbers are never recomputed here: the template asks for them by their dotted key in
the results dict (the one written to results.json) through ``R(key, ...)``, which formats the
value for the language and wraps it in ``<span class="num" data-key=... data-value=...>`` so a
test (or a reader) can check every number against results.json.
"""
from __future__ import annotations

import base64
import html as _html
import json
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ..support.resources import template_dir
from .format import MISSING, fmt_ci, fmt_date, fmt_eur, fmt_int, fmt_num, fmt_p, fmt_pct
from .format import is_p_column as _is_p_col
from .i18n import display_value, setting_label, setting_value, t
from .results_json import get_path, to_jsonable
from .suppression import is_suppressed
from .tables import Table

__all__ = ["render_html", "table_html", "number_span", "img_tag", "headline_img"]

_KINDS = {
    "num": lambda v, lang, d: fmt_num(v, lang, d),
    "int": lambda v, lang, d: fmt_int(v, lang),
    "pct": lambda v, lang, d: fmt_pct(v, lang, d),
    "p": lambda v, lang, d: fmt_p(v, lang),
    "eur": lambda v, lang, d: fmt_eur(v, lang, d),
    "signed": lambda v, lang, d: fmt_num(v, lang, d, sign=True),
}


_DEFAULT_DIGITS = {"num": 2, "int": 0, "pct": 0, "p": 3, "eur": 0, "signed": 2}


def number_span(results: Mapping[str, Any], key: str, lang: str, kind: str = "num",
                digits: int | None = None) -> Markup:
    """One number from ``results`` formatted for ``lang``, tagged with its key and raw value.

    ``kind`` is ``num``, ``int``, ``pct``, ``p``, ``eur`` or ``signed``; ``digits`` defaults by
    kind (euros and counts 0, p-values 3, others 2). A p-value below 0.001 is written
    ``< 0,001`` (the template writes no ``=`` before it: see ``P()``).
    """
    if digits is None:
        digits = _DEFAULT_DIGITS[kind]
    value = get_path(results, key, default=None)
    if isinstance(value, (dict, list)):
        raise ValueError(f"{key} is not a number in the results")
    text = _KINDS[kind](value, lang, digits)
    raw = json.dumps(to_jsonable(value), ensure_ascii=False)
    return Markup('<span class="num" data-key="{}" data-value="{}" data-kind="{}" '
                  'data-digits="{}">{}</span>').format(key, raw, kind, digits, text)


def _cell(v: Any, col: str, lang: str, digits: int, count: bool) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return MISSING
    if isinstance(v, str):
        return display_value(col, v, lang)
    if isinstance(v, (bool, np.bool_)):
        return "✓" if v else ""
    if isinstance(v, (int, np.integer)):
        return fmt_int(v, lang)
    if isinstance(v, (float, np.floating)):
        if count and float(v).is_integer():
            return fmt_int(v, lang)
        if col == "value":  # a setting: as many decimals as it has (0.336 stays 0.336)
            return setting_value(repr(float(v)), lang)
        return fmt_p(v, lang) if _is_p_col(col) else fmt_num(v, lang, digits)
    if isinstance(v, pd.Timestamp):
        return fmt_date(v, lang)
    return str(v)


def _setting_label_html(key: str, lang: str) -> str:
    """A setting's label; the data's own word after ``: `` (a job title of the unit costs such
    as ``sosiaalityöntekijä``) is Finnish, so an English report marks it ``lang="fi"``."""
    label = setting_label(key, lang)
    head, sep, rest = label.partition(": ")
    if lang == "fi" or not sep or not key.endswith(": " + rest):
        return _html.escape(label)
    return f'{_html.escape(head)}: <span lang="fi">{_html.escape(rest)}</span>'


def table_html(table: Table, lang: str, headers: Mapping[str, str] | None = None) -> Markup:
    """A :class:`Table` as an HTML table, numbers formatted for ``lang``."""
    headers = headers or {}
    counts = set(table.count_cols) | ({table.total_col} if table.total_col else set())
    out = [f'<table class="data" id="tab-{escape(table.name)}">',
           f"<caption>{escape(table.title)}</caption><thead><tr>"]
    for c in table.frame.columns:
        out.append(f'<th scope="col">{escape(headers.get(c, t(str(c), lang)))}</th>')
    out.append("</tr></thead><tbody>")
    cols = list(table.frame.columns)
    for row in table.frame.itertuples(index=False, name=None):
        out.append("<tr>")
        for c, v in zip(cols, row):
            if c == "setting" and isinstance(v, str) and setting_label(v, lang) != v:
                # the human label, and the key as code so that a reader can reproduce the run
                out.append(f"<td>{_setting_label_html(v, lang)} "
                           f"<code>{_html.escape(v)}</code></td>")
                continue
            text = _cell(v, str(c), lang, table.digits.get(c, 2), c in counts)
            cls = ' class="r"' if not isinstance(v, str) or is_suppressed(v) else ""
            out.append(f"<td{cls}>{_html.escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))


_SRCSET = re.compile(r'srcset="(data:image/png;base64,[A-Za-z0-9+/=]+)"')

#: Below this viewport width the phone rendition of a figure is shown.
PHONE_MEDIA = "(max-width: 40rem)"


def img_tag(png: bytes, alt: str, name: str, phone: bytes | None = None) -> Markup:
    """An ``<img>`` with the PNG embedded as base64 (the report stays one file).

    With ``phone`` (the phone rendition, see :func:`hb_eval.report.figures.draw`) the image is
    a ``<picture>`` that shows it on narrow screens.
    """
    b64 = base64.b64encode(png).decode("ascii")
    img = Markup('<img class="fig" id="fig-{}" alt="{}" src="data:image/png;base64,{}">').format(
        name, alt, Markup(b64))
    if phone is None:
        return img
    return Markup('<picture><source media="{}" srcset="data:image/png;base64,{}">{}'
                  '</picture>').format(PHONE_MEDIA, Markup(base64.b64encode(phone).decode("ascii")),
                                       img)


def headline_img(name: str, fig: Mapping[str, Any]) -> str:
    """Figure ``name``'s image as the summary's headline: its phone rendition (drawn for a
    narrow column, legible beside the text) with its own id (see ``H()`` of
    :func:`render_html`)."""
    img = str(fig["img"])
    phone = _SRCSET.search(img)
    if phone:
        return str(Markup('<img class="fig" id="headline-{}" alt="{}" src="{}">').format(
            name, fig.get("alt", fig["caption"]), Markup(phone.group(1))))
    return img.replace(f'id="fig-{name}"', f'id="headline-{name}"', 1)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_html(results: Mapping[str, Any], context: Mapping[str, Any], lang: str = "fi",
                template: str = "report.html.j2") -> str:
    """Render the report.

    Parameters
    ----------
    results
        The results dict, exactly as written to results.json (public form for a public report).
    context
        Everything else the template shows: sections (status and notes), figures (embedded
        ``<img>``), tables (:class:`Table`), configuration rows, audience.
    lang
        ``"fi"`` or ``"en"``.
    """
    env = _env()

    def R(key: str, kind: str = "num", digits: int | None = None) -> Markup:  # noqa: N802
        return number_span(results, key, lang, kind, digits)

    def P(key: str) -> Markup:  # noqa: N802
        """``p = 0,031`` or ``p < 0,001``; a bootstrap p at its floor (``<key>_at_floor``
        true in the results) is a bound: ``p < 0,025``."""
        v = get_path(results, key, default=None)
        small = isinstance(v, (int, float)) and v < 0.001
        floor = get_path(results, key + "_at_floor", default=None) is True and not small
        # no-break spaces: "p", "=" or "<" and the number stay on one line
        sign = Markup("") if small else Markup("&lt;\u00a0") if floor else Markup("=\u00a0")
        return Markup("p\u00a0") + sign + number_span(results, key, lang, "p")

    def has(key: str) -> bool:
        v = get_path(results, key, default=None)
        return v is not None and not (isinstance(v, float) and np.isnan(v))

    def get(key: str, default: Any = None) -> Any:
        return get_path(results, key, default=default)

    def L(key: str, **kw: Any) -> str:  # noqa: N802
        return t(key, lang, **kw)

    def S(key: str, **kw: Any) -> Markup:  # noqa: N802
        """A sentence of :mod:`i18n` with ``{placeholders}`` filled by R() spans or text."""
        return Markup(escape(t(key, lang))).format(**kw)

    def T(table: Table, headers: Mapping[str, str] | None = None) -> Markup:  # noqa: N802
        return table_html(table, lang, headers)

    def H(name: str) -> Markup:  # noqa: N802
        """Figure ``name`` again as the summary's headline figure: its phone rendition (drawn
        for a narrow column, legible beside the text), its own id and no ``data-figure`` (the
        figure stays listed once, in its section)."""
        fig = context.get("figures", {}).get(name)
        if fig is None:
            return Markup("")
        img = fig["headline"] if "headline" in fig else headline_img(name, fig)
        return Markup('<figure class="headline" data-headline="{}">{}<figcaption>{}'
                      '</figcaption></figure>').format(name, Markup(img), fig["caption"])

    tmpl = env.get_template(template)
    return tmpl.render(R=R, P=P, S=S, H=H, has=has, get=get, L=L, T=T, lang=lang,
                       results=results,
                       fmt_num=lambda v, d=2: fmt_num(v, lang, d),
                       fmt_ci=lambda a, b, d=2: fmt_ci(a, b, lang, d),
                       fmt_eur=lambda v, d=0: fmt_eur(v, lang, d),
                       fmt_pct=lambda v, d=0: fmt_pct(v, lang, d),
                       **context)
