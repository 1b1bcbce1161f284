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

import numpy as np
import pandas as pd

from . import parse as P
from ..plausibility import screen_amounts, screen_dates
from .common import LoadContext, open_sheet
from .tables import shared_strings

__all__ = ["load", "with_string_columns", "CENT"]

#: tolerance of the sum check, euros ("within a cent")
CENT = 0.01


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=None, required=["client_id", "amount"])
    sh.check_client_ids()
    # each column's cells once, as an array; the checks on arrays (no Series per step)
    raw = {name: sh.values(name) for name in _COLUMNS}

    # the three number columns parsed together (each distinct text once), checked in turn
    names = ("quantity", "unit_price", "amount")
    v, bad = P.numbers_array(np.concatenate([raw[name] for name in names]))
    q, p, a = np.split(v, 3)
    for name, b in zip(names, np.split(bad, 3)):
        sh.bad_cells(b, name, "bad_value", "not a number")
    computed = q * p
    given = ~np.isnan(a)
    amount = np.where(given, a, computed)
    sh.drop(np.isnan(amount), "missing_required",
            "no amount: Summa is blank and quantity × unit price cannot be computed", "amount")
    screen_amounts(sh, "amount", pd.Series(amount))  # a keying error of 1,000,000,000 € never a cost
    with np.errstate(invalid="ignore"):
        mismatch = given & ~np.isnan(computed) & (np.abs(a - computed) > CENT + 1e-9)
    sh.bad_cells(mismatch, "amount", "sum_mismatch",
                 "Summa differs from Määrä × Yksikköhinta by more than a cent (kept, flagged)")

    cats = {}
    for name, what in (("sector", "provider sector"), ("funding", "funding")):
        v, bad = P.codes_array(ctx.schema, name, raw[name])
        sh.bad_cells(bad, name, "unknown_code", f"not a known {what}")
        v[bad] = np.nan  # (as Series.where leaves an unknown code)
        cats[name] = v
    (start, end), (sbad, ebad) = (np.split(x, 2) for x in P.dates_array(
        np.concatenate([raw["start_date"], raw["end_date"]])))
    sh.bad_cells(sbad, "start_date", "bad_date", "not a readable date")
    sh.bad_cells(ebad, "end_date", "bad_date", "not a readable date")
    start = screen_dates(sh, "start_date", pd.Series(start)).to_numpy()
    end = screen_dates(sh, "end_date", pd.Series(end)).to_numpy()
    before = end < start  # (False where either is NaT)
    sh.bad_cells(before, "end_date", "bad_date", "the end date is before the start date")
    end = np.where(before, np.datetime64("NaT", "ns"), end)

    # the text columns: inner spaces collapsed, once per distinct text
    service, unit, provider = np.split(P.per_unique_array(
        np.concatenate([raw["service"], raw["unit"], raw["provider_id"]]),
        lambda v: " ".join(v.split()) if isinstance(v, str) else None), 3)

    df = pd.DataFrame({
        "client_id": sh.client_id, "service": service,
        "sector": cats["sector"], "funding": cats["funding"],
        "start_date": start, "end_date": end,
        "quantity": q, "unit": unit, "unit_price": p,
        "amount": amount, "sum_mismatch": mismatch,
        "provider_id": provider, "file": sh.row_files, "row": sh.rows,
    })
    return df[sh.alive].reset_index(drop=True)


#: the columns :func:`_one` reads
_COLUMNS = ("quantity", "unit_price", "amount", "sector", "funding", "start_date", "end_date",
            "service", "unit", "provider_id")


def with_string_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The table with its text columns (client_id, never blank here; service, unit, file) in
    the tidy table's string dtype, as ``conform`` casts them: done by the pool's worker that
    parsed the file, so that the loading process need not."""
    for c in ("client_id", "service", "unit", "file"):
        df[c] = shared_strings(df[c])
    return df


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load service-cost extracts: the ``service_costs`` table columns."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
