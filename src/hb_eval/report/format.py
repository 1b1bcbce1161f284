"""Number formatting for the report's language.

Finnish (``fi``) writes a decimal comma, a no-break space between thousands and the minus sign
U+2212; English (``en``) writes a decimal point and a comma between thousands. Missing values
(None, NaN) are written as an en dash. Suppressed counts (the string ``"<5"``) pass through.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt_num", "fmt_int", "fmt_pct", "fmt_p", "fmt_ci", "fmt_eur", "parse_num", "MISSING",
           "is_p_column"]

MISSING = "–"
_NBSP = "\u00a0"
_MINUS = "\u2212"


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def _group(int_part: str, sep: str) -> str:
    out = []
    while len(int_part) > 3:
        out.append(int_part[-3:])
        int_part = int_part[:-3]
    out.append(int_part)
    return sep.join(reversed(out))


def fmt_num(x: Any, lang: str = "fi", digits: int = 2, *, sign: bool = False) -> str:
    """Format a number with a fixed number of decimals in the report's language.

    Parameters
    ----------
    x
        A number, None/NaN (written as an en dash) or an already-suppressed string such as
        ``"<5"`` (returned as it is).
    lang
        ``"fi"`` or ``"en"``.
    digits
        Decimals after the separator.
    sign
        Write a plus sign before positive numbers.

    Examples
    --------
    >>> fmt_num(-1234.5, "fi", 1)
    '−1\\xa0234,5'
    >>> fmt_num(1234.5, "en", 1)
    '1,234.5'
    """
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return ("" if x > 0 else _MINUS if lang == "fi" else "-") + "∞"
    s = f"{abs(x):.{digits}f}"
    if float(s) == 0.0:
        neg = False
    else:
        neg = x < 0
    int_part, _, frac = s.partition(".")
    if lang == "fi":
        body = _group(int_part, _NBSP) + ("," + frac if frac else "")
        minus = _MINUS
    else:
        body = _group(int_part, ",") + ("." + frac if frac else "")
        minus = "-"
    if neg:
        return minus + body
    return ("+" + body) if (sign and x > 0) else body


def fmt_int(x: Any, lang: str = "fi") -> str:
    """A count or other integer, with thousands grouped; ``"<5"`` passes through."""
    return fmt_num(x, lang, 0)


def fmt_pct(x: Any, lang: str = "fi", digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``0.425 -> '42,5 %'`` (fi) or ``'42.5%'`` (en)."""
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return MISSING
    body = fmt_num(float(x) * 100, lang, digits)
    return f"{body}{_NBSP}%" if lang == "fi" else f"{body}%"


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
    return f"{a} … {b}" if lang == "fi" else f"{a} to {b}"


def fmt_eur(x: Any, lang: str = "fi", digits: int = 0) -> str:
    """Euros: ``'1 234 €'`` (fi) or ``'€1,234'`` (en)."""
    if isinstance(x, str):
        return x
    if _is_missing(x):
        return MISSING
    body = fmt_num(x, lang, digits)
    if lang == "fi":
        return f"{body}{_NBSP}€"
    if body.startswith("-"):
        return "-€" + body[1:]
    return "€" + body


def parse_num(s: str, lang: str = "fi") -> float:
    """Read back a number written by :func:`fmt_num` (for tests and checks).

    Percent and euro signs are ignored; the Finnish minus sign and no-break spaces are understood.
    """
    t = s.replace(_MINUS, "-").replace(_NBSP, "").replace("€", "").replace("%", "").strip()
    t = t.replace(",", ".") if lang == "fi" else t.replace(",", "")
    return float(t)
