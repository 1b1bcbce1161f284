"""Kompassi export, Hämeenlinna only (docs/data_sources.md §3): CSV with ``asiakasnro``, ``pvm``, ``kerta`` (1 alku, 2 väli, 3 loppu) and KOM01–KOM12 on 1–4.

Rows and cells are checked as described in :mod:`hb_eval.data.loaders.questionnaire`.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .common import LoadContext
from .questionnaire import load_questionnaire

__all__ = ["load", "SHEET"]

SHEET: str | None = None


def load(files: list[Path], ctx: LoadContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load kompassi files: (responses with ``wave_recorded``, items long)."""
    return load_questionnaire(files, ctx, sheet=SHEET)
