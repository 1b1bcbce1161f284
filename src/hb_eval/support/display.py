"""Concise notebook display for result objects: a few lines of ``repr``, a small HTML table.

A result class that has ``summary()`` (a string or a DataFrame) gets both by inheriting
:class:`ResultDisplay` (with ``@dataclass(repr=False)``, so the dataclass does not write its
field-by-field repr, which would print every replicate of a bootstrap).
"""
from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["ResultDisplay", "MAX_LINES"]

#: Longest repr, in lines (the full text is ``summary()``).
MAX_LINES = 14


def _text(summary: Any) -> str:
    if isinstance(summary, pd.DataFrame):
        return summary.to_string(max_rows=MAX_LINES - 3, max_cols=8, max_colwidth=24,
                                 index=False)
    return str(summary)


class ResultDisplay:
    """``__repr__`` and ``_repr_html_`` from ``self.summary()``."""

    def summary(self) -> Any:  # pragma: no cover - every subclass has its own
        """The result as a printable string or DataFrame (each result object has its own)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = _text(self.summary()).splitlines()
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES] + [f"… {len(lines) - MAX_LINES} more lines: .summary()"]
        return f"<{type(self).__name__}>\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        s = self.summary()
        head = f"<p><b>{html.escape(type(self).__name__)}</b></p>"
        if isinstance(s, pd.DataFrame):
            return head + s.to_html(max_rows=20, max_cols=14, index=False, na_rep="–")
        return head + f"<pre>{html.escape(str(s))}</pre>"
