"""Kykyviisari export (docs/data_sources.md §2): sheet ``Vastaukset``, title rows 1–3, header on row 5.

Rows and cells are checked as described in :mod:`hb_eval.data.loaders.questionnaire`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .common import LoadContext
from .questionnaire import load_questionnaire

__all__ = ["load", "SHEET"]

SHEET: str | None = "Vastaukset"


def load(files: list[Path], ctx: LoadContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load kykyviisari files: (responses with ``wave_recorded``, items long)."""
    return load_questionnaire(files, ctx, sheet=SHEET)
