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
from ... import privacy
from ..quarantine import Quarantine
from .common import LoadContext, open_sheet, parsed_for_taking, take_parsed
from .tables import shared_strings

__all__ = ["load", "CENT"]

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


def parse_ahead(path: Path, file: str, source: str, schema, base_dir, schemas, limits):
    """:func:`_one` of a file in a pool's worker (``GridsAhead.add_parsed``): ``(sha256,
    (table, files, records, unread sheets))`` with the quarantine's part of it, or None when
    the result could differ from a parse in the loading process: the file cannot be used
    (the loader then says why), is shown under another name, or the privacy gate numbered a
    placeholder (placeholders are numbered in the order of the whole load).

    Only in a worker process: it forgets the worker's placeholders, so that any code the
    gate meets is numbered anew and seen."""
    q = Quarantine()
    ctx = LoadContext(source=source, schema=schema, quarantine=q, base_dir=base_dir,
                      schemas=schemas, limits=limits)
    privacy.reset_placeholders()
    try:
        df = _one(path, ctx)
    except Exception:  # noqa: BLE001 - the loader reads it again and reports it
        return None
    # cast here to the tidy table's string dtype, not by conform (client_id: never blank here)
    for c in ("client_id", "service", "unit", "file"):
        df[c] = shared_strings(df[c])
    return parsed_for_taking(q, file, df)


def _taken(path: Path, ctx: LoadContext) -> pd.DataFrame | None:
    """The file as parsed ahead by the pool (its records put in the quarantine as the parse
    here would), or None: parse it here. The bytes are read and hashed here: the file is
    taken only when they are the bytes the worker parsed."""
    if ctx.ahead is None or not hasattr(ctx.ahead, "take_parsed"):
        return None
    return take_parsed(ctx.ahead, path, ctx.quarantine, ctx.base_dir)


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load service-cost extracts: the ``service_costs`` table columns (a file parsed ahead by
    a pool, :func:`parse_ahead`, is taken from it)."""
    parts = []
    for p in files:
        got = _taken(p, ctx)
        parts.append(got if got is not None else _one(p, ctx))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
