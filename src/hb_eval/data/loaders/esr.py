"""ESR start and end forms (docs/data_sources.md §6), HB clients only.

Row-level: client number blank (``missing_required``) or invalid (``bad_client_id``); form
blank (``missing_required``) or not ``aloitus``/``päättö`` (``unknown_code``).
Cell-level: unknown labour-market status (``unknown_code``), unreadable date (``bad_date``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import parse as P
from ..plausibility import screen_dates
from .common import LoadContext, open_sheet

__all__ = ["load"]


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=None, required=["client_id", "form"])
    sh.check_client_ids()

    form, fbad = P.codes(ctx.schema, "form", sh.raw("form"))
    sh.drop(sh.raw("form").isna().to_numpy(), "missing_required", "form (Lomake) is blank", "form")
    sh.drop(fbad.to_numpy(), "unknown_code", "form is not aloitus or päättö", "form")
    status, sbad = P.codes(ctx.schema, "labour_status", sh.raw("labour_status"))
    sh.bad_cells(sbad.to_numpy(), "labour_status", "unknown_code",
                 "not a known labour-market status")
    date, dbad = P.dates(sh.raw("date"))
    sh.bad_cells(dbad.to_numpy(), "date", "bad_date", "not a readable date")
    date = screen_dates(sh, "date", date)
    df = pd.DataFrame({"client_id": sh.client_id, "form": form.to_numpy(), "date": date.to_numpy(),
                       "labour_status": status.where(~sbad).to_numpy(), "file": sh.row_files,
                       "row": sh.rows})
    return df[sh.alive].reset_index(drop=True)


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load ESR files: client_id, form, date, labour_status, file, row."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
