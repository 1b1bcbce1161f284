"""Service costs (docs/data_sources.md §9): CSV extracts, one row per service episode.

``Summa`` must equal ``Määrä × Yksikköhinta`` within a cent where all three are given; a row where
they disagree is kept with ``sum_mismatch=True`` and a cell-level ``sum_mismatch`` record, and is
never fixed. A blank ``Summa`` is computed as quantity × unit price when both are given.

Row-level: client number blank (``missing_required``) or invalid (``bad_client_id``); no amount
(blank or unreadable ``Summa`` and no quantity × unit price) (``missing_required``); an amount
over ``data.max_service_row_eur`` (``implausible_amount``, :mod:`hb_eval.data.plausibility`).
Cell-level: unreadable numbers (``bad_value``), dates (``bad_date``, also an end before the
start), unknown sector or funding spellings (``unknown_code``).

The optional ``Tuottaja`` column (provider id) is read as text into ``provider_id`` (NA when
the column is absent or blank); :func:`hb_eval.data.load` checks it against the provider register
(:func:`hb_eval.data.loaders.providers.check_service_providers`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import parse as P
from ..plausibility import screen_amounts, screen_dates
from .common import LoadContext, open_sheet

__all__ = ["load", "CENT"]

#: tolerance of the sum check, euros ("within a cent")
CENT = 0.01


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=None, required=["client_id", "amount"])
    sh.read_client_ids()

    nums = {}
    for name in ("quantity", "unit_price", "amount"):
        v, bad = P.numbers(sh.raw(name))
        sh.bad_cells(bad.to_numpy(), name, "bad_value", "not a number")
        nums[name] = v
    q, p, a = nums["quantity"], nums["unit_price"], nums["amount"]
    computed = q * p
    amount = a.where(a.notna(), computed)
    sh.drop(amount.isna().to_numpy(), "missing_required",
            "no amount: Summa is blank and quantity × unit price cannot be computed", "amount")
    screen_amounts(sh, "amount", amount)  # a keying error of 1,000,000,000 € never a cost
    mismatch = (a.notna() & computed.notna() & ((a - computed).abs() > CENT + 1e-9)).to_numpy()
    sh.bad_cells(mismatch, "amount", "sum_mismatch",
                 "Summa differs from Määrä × Yksikköhinta by more than a cent (kept, flagged)")

    cats = {}
    for name, what in (("sector", "provider sector"), ("funding", "funding")):
        v, bad = P.codes(ctx.schema, name, sh.raw(name))
        sh.bad_cells(bad.to_numpy(), name, "unknown_code", f"not a known {what}")
        cats[name] = v.where(~bad)
    start, sbad = P.dates(sh.raw("start_date"))
    end, ebad = P.dates(sh.raw("end_date"))
    sh.bad_cells(sbad.to_numpy(), "start_date", "bad_date", "not a readable date")
    sh.bad_cells(ebad.to_numpy(), "end_date", "bad_date", "not a readable date")
    start = screen_dates(sh, "start_date", start)
    end = screen_dates(sh, "end_date", end)
    before = (end < start).fillna(False).to_numpy(dtype=bool)
    sh.bad_cells(before, "end_date", "bad_date", "the end date is before the start date")
    end = end.mask(before)

    def text(name: str) -> pd.Series:  # inner spaces collapsed, once per distinct text
        return P.per_unique(sh.raw(name),
                            lambda v: " ".join(v.split()) if isinstance(v, str) else None)

    df = pd.DataFrame({
        "client_id": sh.client_id, "service": text("service").to_numpy(),
        "sector": cats["sector"].to_numpy(), "funding": cats["funding"].to_numpy(),
        "start_date": start.to_numpy(), "end_date": end.to_numpy(),
        "quantity": q.to_numpy(), "unit": text("unit").to_numpy(), "unit_price": p.to_numpy(),
        "amount": amount.to_numpy(), "sum_mismatch": mismatch,
        "provider_id": text("provider_id").to_numpy(), "file": sh.row_files, "row": sh.rows,
    })
    return df[sh.alive].reset_index(drop=True)


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load service-cost extracts: the ``service_costs`` table columns."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
