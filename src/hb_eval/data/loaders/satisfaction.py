"""Client experience and satisfaction survey (docs/data_sources.md §5), one export per version.

The version (``HB``/``Verrokki``) is taken from the file's layout: a file with any HB-only item
column (H1–H4) is the HB version, otherwise Verrokki (*decision*: the exports carry no version
field). Matrix columns are found through the schema's aliases (statement texts after
``7. … - ``). A cell holds a code 1–5 or its label; ``En osaa sanoa`` is missing (don't know).

Row-level: client number blank (``missing_required``) or invalid (``bad_client_id``).
Cell-level: a number outside 1–5 (items) or 4–10 (grade) (``out_of_range``), a text that is no
code or label (``bad_value``), an unknown work status (``unknown_code``), an unreadable date
(``bad_date``). The free-text answer has personal identity codes redacted; a code in any other
cell quarantines that cell (``personal_id_found``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import parse as P
from ..plausibility import screen_dates
from .common import LoadContext, open_sheet

__all__ = ["load", "ITEMS", "HB_ITEMS"]

ITEMS = [f"C{i}" for i in range(1, 9)]
HB_ITEMS = [f"H{i}" for i in range(1, 5)]


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path)
    version = "HB" if any(sh.has(h) for h in HB_ITEMS) else "Verrokki"

    sh.check_client_ids()

    out = {"client_id": sh.client_id, "version": version}
    scales = P.item_scales(ctx.schema)
    have = [code for code in ITEMS + HB_ITEMS if sh.has(code)]
    if have:  # the item columns parsed together: each distinct answer once
        _, _, values, bads = P.item_block(ctx.schema, sh.block(have))
    for code in ITEMS + HB_ITEMS:
        if not sh.has(code):
            out[code] = np.full(sh.n, np.nan)
            continue
        lo, hi = scales.get(code, (1, 5))
        j = have.index(code)
        v = values[:, j].copy()
        out_rng = ~np.isnan(v) & ((v < lo) | (v > hi) | (v != np.round(v)))
        bad = bads[:, j]
        sh.bad_cells(out_rng, code, "out_of_range", f"not a code {lo:g}–{hi:g}")
        sh.bad_cells(bad, code, "bad_value", "neither a code nor a known answer label")
        v[out_rng | bad] = np.nan
        out[code] = v

    grade, gbad = P.numbers(sh.raw("grade"))
    g = grade.to_numpy(dtype="float64")
    g_out = ~np.isnan(g) & ((g < 4) | (g > 10))
    sh.bad_cells(gbad.to_numpy(), "grade", "bad_value", "not a number")
    sh.bad_cells(g_out, "grade", "out_of_range", "not a grade 4–10")
    out["grade"] = np.where(g_out, np.nan, g)

    ws, wbad = P.codes(ctx.schema, "work_status", sh.raw("work_status"))
    sh.bad_cells(wbad.to_numpy(), "work_status", "unknown_code", "not a known work status")
    out["work_status"] = ws.where(~wbad).to_numpy()

    date, dbad = P.dates(sh.raw("date"))
    sh.bad_cells(dbad.to_numpy(), "date", "bad_date", "not a readable date")
    date = screen_dates(sh, "date", date)
    out["date"] = date.to_numpy()
    out["free_text"] = sh.raw("free_text").to_numpy()
    out["file"] = sh.row_files
    out["row"] = sh.rows
    return pd.DataFrame(out)[sh.alive].reset_index(drop=True)


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load the satisfaction exports (one per version): the ``satisfaction`` table columns."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
