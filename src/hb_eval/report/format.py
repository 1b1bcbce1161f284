"""Numbers, percentages, euros and dates in the report's language, by Babel (CLDR data).

Every function takes the report's language (``fi``, ``en``; ``sv`` works too) and formats with
the locale's own patterns and symbols from Babel: Finnish and Swedish write a decimal comma, a
no-break space between thousands and before ``%`` and ``€``, and the minus sign U+2212;
English writes a decimal point, a comma between thousands, ``42.5%`` and ``€1,234``.

Two things are set here rather than taken from Babel's defaults:

- the number of decimals is explicit (``digits``), and the value is rounded as the stored
  double (half to even on its exact binary value, as Python's ``f"{x:.2f}"`` and ``round``;
  a share as the double ``100 * x``), not as the shortest decimal Babel would make of it;
- a negative number carries the locale's minus sign (CLDR ``minusSign``: U+2212 in Finnish),
  which Babel's ``format_decimal`` does not put in (its patterns write ``-``). A value that
  rounds to zero has no sign.

Missing values (None, NaN) are written as an en dash; strings (a suppressed count ``"<5"``)
pass through unchanged. Nothing here depends on the process's locale or decimal context, so
the same numbers give the same text on every machine.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import math
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, get_decimal_symbol, get_minus_sign_symbol
from babel.numbers import get_plus_sign_symbol, parse_decimal, parse_pattern

__all__ = ["fmt_num", "fmt_int", "fmt_pct", "fmt_p", "fmt_ci", "fmt_eur", "fmt_date",
           "parse_num", "MISSING", "is_p_column", "locale_of", "csv_dialect",
           "excel_date_format"]

MISSING = "–"
_NBSP = "\u00a0"

#: The Babel locale of each report language: Swedish as written in Finland.
LOCALES = {"fi": "fi_FI", "en": "en", "sv": "sv_FI"}

#: Date patterns that differ from the locale's CLDR short date: English reports write ISO 8601
#: (CLDR ``en`` would write the American ``1/14/19``).
_DATE_PATTERNS = {"en": "yyyy-MM-dd"}

#: Rounding of the exact binary value, half to even; precision enough for any double.
_CONTEXT = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_EVEN)


@lru_cache(maxsize=None)
def locale_of(lang: str) -> Locale:
    """The Babel :class:`~babel.Locale` of a report language (``fi``, ``en``, ``sv``)."""
    return Locale.parse(LOCALES.get(lang, lang))


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=None)
def _pattern(kind: str, lang: str, digits: int, sign: bool) -> NumberPattern:
    """The locale's ``decimal``, ``percent`` or ``currency`` pattern with exactly ``digits``
    decimals, the locale's minus sign and (``sign``) its plus sign."""
    loc = locale_of(lang)
    base = {"decimal": loc.decimal_formats[None], "percent": loc.percent_formats[None],
            "currency": loc.currency_formats["standard"]}[kind]
    number = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    body = base.prefix[0] + number + base.suffix[0]
    plus = get_plus_sign_symbol(loc) if sign else ""
    return parse_pattern(f"{plus}{body};{get_minus_sign_symbol(loc)}{body}")


def _exact(x: float, digits: int) -> decimal.Decimal:
    """``x`` rounded to ``digits`` decimals from its exact binary value; a result of zero is
    an unsigned zero."""
    d = decimal.Decimal(x)
    if d.is_infinite():
        return d
    q = d.quantize(decimal.Decimal(1).scaleb(-digits), context=_CONTEXT)
    return q.copy_abs() if q.is_zero() else q


def _apply(kind: str, x: Any, lang: str, digits: int, sign: bool = False) -> str:
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return MISSING
    return _layout(kind, float(x), lang, digits, sign)


@lru_cache(maxsize=1 << 16)
def _layout(kind: str, x: float, lang: str, digits: int, sign: bool) -> str:
    """The text of the double ``x`` (it alone decides the text, so it is kept: a report writes
    the same counts and values many times, and babel's layout is the cost)."""
    # a share is shown as the double 100·x (percent patterns scale by 100 themselves)
    scale = 2 if kind == "percent" else 0
    value = _exact(x * 10 ** scale, digits)
    pattern = _pattern(kind, lang, digits, sign and not value.is_zero())
    with decimal.localcontext(_CONTEXT):
        # the value is already rounded: the pattern only lays it out
        return pattern.apply(value.scaleb(-scale), locale_of(lang), currency="EUR",
                             currency_digits=False)


def fmt_num(x: Any, lang: str = "fi", digits: int = 2, *, sign: bool = False) -> str:
    """Format a number with a fixed number of decimals in the report's language.

    Parameters
    ----------
    x
        A number, None/NaN (written as an en dash) or an already-suppressed string such as
        ``"<5"`` (returned as it is).
    lang
        ``"fi"``, ``"en"`` or ``"sv"``.
    digits
        Decimals after the separator.
    sign
        Write a plus sign before positive numbers (not before one that rounds to zero).

    Examples
    --------
    >>> fmt_num(-1234.5, "fi", 1)
    '−1\\xa0234,5'
    >>> fmt_num(1234.5, "en", 1)
    '1,234.5'
    """
    return _apply("decimal", x, lang, digits, sign)


def fmt_int(x: Any, lang: str = "fi") -> str:
    """A count or other integer, with thousands grouped; ``"<5"`` passes through."""
    return fmt_num(x, lang, 0)


def fmt_pct(x: Any, lang: str = "fi", digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``0.425 -> '42,5 %'`` (fi) or ``'42.5%'`` (en)."""
    return _apply("percent", x, lang, digits)


def fmt_eur(x: Any, lang: str = "fi", digits: int = 0) -> str:
    """Euros: ``'1 234 €'`` (fi) or ``'€1,234'`` (en)."""
    return _apply("currency", x, lang, digits)


def fmt_p(x: Any, lang: str = "fi") -> str:
    """A p-value: three decimals, ``< 0,001`` below that."""
    if _is_missing(x):
        return MISSING
    if float(x) < 0.001:
        return "<" + _NBSP + fmt_num(0.001, lang, 3)
    return fmt_num(x, lang, 3)


def is_p_column(column: str) -> bool:
    """Whether a table column holds p-values (``p``, ``p_*``, ``*_p`` such as ``holm_p``)."""
    return column == "p" or column.startswith("p_") or column.endswith("_p")


def fmt_ci(lo: Any, hi: Any, lang: str = "fi", digits: int = 2) -> str:
    """A confidence interval: ``'−0,12 … 1,50'`` (fi) or ``'-0.12 to 1.50'`` (en)."""
    if _is_missing(lo) and _is_missing(hi):
        return MISSING
    a, b = fmt_num(lo, lang, digits), fmt_num(hi, lang, digits)
    return f"{a} to {b}" if lang == "en" else f"{a} … {b}"


def _date_pattern(lang: str) -> str:
    return _DATE_PATTERNS.get(lang) or locale_of(lang).date_formats["short"].pattern


def fmt_date(x: Any, lang: str = "fi") -> str:
    """A date: the locale's short date (``14.1.2019`` in Finnish), ISO 8601 in English."""
    if x is None or x != x:  # None, NaN, NaT
        return MISSING
    if isinstance(x, str):
        return x
    if isinstance(x, _dt.datetime):
        x = x.date()
    return format_date(x, _date_pattern(lang), locale=locale_of(lang))


def excel_date_format(lang: str) -> str:
    """The Excel number format of a date in ``lang``: :func:`fmt_date`'s pattern in Excel's
    codes (``d.M.y`` -> ``d.m.yyyy``, ``yyyy-MM-dd`` -> ``yyyy-mm-dd``)."""
    out, pattern, i = [], _date_pattern(lang), 0
    while i < len(pattern):
        ch, j = pattern[i], i
        while j < len(pattern) and pattern[j] == ch:
            j += 1
        run = j - i
        out.append({"y": "yyyy" if run != 2 else "yy", "M": "m" * min(run, 2),
                    "d": "d" * min(run, 2)}.get(ch, ch * run))
        i = j
    return "".join(out)


def csv_dialect(lang: str) -> tuple[str, str]:
    """``(separator, decimal)`` of the report's CSV files: the locale's decimal symbol, and
    ``;`` between fields where that is a comma (``fi``: ``;`` and ``,``; ``en``: ``,`` and ``.``)."""
    dec = get_decimal_symbol(locale_of(lang))
    return (";" if dec == "," else ","), dec


def parse_num(s: str, lang: str = "fi") -> float:
    """Read back a number written by :func:`fmt_num` (for tests and checks).

    Percent and euro signs are ignored; the locale's minus sign and no-break spaces are
    understood.
    """
    loc = locale_of(lang)
    t = s.replace(get_minus_sign_symbol(loc), "-").replace("€", "").replace("%", "")
    return float(parse_decimal(t.replace(_NBSP, "").strip(), locale=loc))
