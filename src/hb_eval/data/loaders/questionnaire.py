"""Shared loader for the item questionnaires: Kykyviisari, Kompassi, Osallisuustesti.

One row per response (``responses``, with ``wave_recorded`` still to be resolved by
:mod:`hb_eval.data.loaders.waves`) and one row per response × schema item (``items``).

Row-level reasons (the response is not loaded): client number blank (``missing_required``) or
invalid (``bad_client_id``); no date and no recorded wave (``missing_required``); an unreadable
date without a recorded wave (``bad_date``); a response id already seen (``duplicate``).

Cell-level (the response stays, the item is missing with ``missing="quarantined"``): a number
outside the item's scale (``out_of_range``), a value that is neither a number, blank nor a
don't-know code (``bad_value``), a personal identity code (``personal_id_found``).
Don't-know answers (``EOS``, ``En osaa sanoa``) are missing with ``missing="dont_know"``, blanks
``not_answered``; items a form version does not have (Vanhemmuus in Kykyviisari 2.0) or that the
file has no column for are ``not_in_form``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import parse as P
from ..plausibility import screen_dates
from .common import LoadContext, open_sheet
from .tables import ITEM_MISSING

__all__ = ["load_questionnaire", "MISSING_DTYPE"]

MISSING_DTYPE = pd.CategoricalDtype(ITEM_MISSING)
MISSING_CODE = {m: i for i, m in enumerate(ITEM_MISSING)}
MISSING_CODE["bad"] = MISSING_CODE["quarantined"]
#: Item cells parsed together at most (a questionnaire's item columns are taken this many
#: cells at a time).
_CHUNK_CELLS = 1 << 21

def load_questionnaire(files: list[Path], ctx: LoadContext, *, sheet: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the files of one questionnaire source.

    Returns
    -------
    responses, items
        ``responses``: response_id, source, client_id, date, wave_recorded, form_version,
        language, file, row, ``_rix`` (0..n-1). ``items``: ``_rix`` (the response's
        ``_rix``), item, value, missing (categorical); response-major, items in schema order.
    """
    rs, its = [], []
    offset = 0
    for path in files:
        r, i = _one(path, ctx, sheet)
        r["_rix"] += offset
        i["_rix"] += offset
        offset += len(r)
        rs.append(r)
        its.append(i)
    if not rs:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(rs, ignore_index=True), pd.concat(its, ignore_index=True)


def _one(path: Path, ctx: LoadContext, sheet: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    source = ctx.source
    schema = ctx.schema
    sh = open_sheet(ctx, path, sheet=sheet)
    item_pos = P.item_columns(schema, sh.table, sh.cols)
    n = sh.n

    sh.check_client_ids()

    wave, wave_bad = (P.codes(schema, "wave", sh.raw("wave")) if sh.has("wave")
                      else (pd.Series([None] * n, dtype=object), pd.Series(False, index=range(n))))
    sh.bad_cells(wave_bad.to_numpy(), "wave", "unknown_code",
                 "not a known wave; the wave is taken from the dates")
    wave = wave.where(~wave_bad)
    recorded = wave.notna().to_numpy()

    raw_date = sh.raw("date")
    date, date_bad = P.dates(raw_date)
    blank_date = raw_date.isna().to_numpy()
    sh.drop(blank_date & ~recorded, "missing_required",
            "response date is blank and no wave is recorded", "date")
    sh.drop(date_bad.to_numpy() & ~recorded, "bad_date",
            "response date is not a readable date and no wave is recorded", "date")
    sh.bad_cells(date_bad.to_numpy() & recorded, "date", "bad_date", "not a readable date")
    date = screen_dates(sh, "date", date, row_level=~recorded)

    rid = np.empty(n, dtype=object)
    rid[:] = [v.strip() if isinstance(v, str) else v for v in sh.values("response_id")]
    no_id = pd.isna(rid)
    if no_id.any():  # <source>:<file>:<row> where the file gives no id
        rid[no_id] = [f"{source}:{f}:{r}" for f, r in zip(sh.row_files[no_id], sh.rows[no_id])]
    dup_id = pd.Series(rid, dtype=object).duplicated(keep="first").to_numpy() & sh.alive
    # a repeated id can only be a repeated response if it is not already gone
    first_alive = ~pd.Series(np.where(sh.alive, rid, np.nan), dtype=object).duplicated(
        keep="first").to_numpy()
    sh.drop(dup_id & ~first_alive, "duplicate", "response id already on an earlier row",
            "response_id")

    form = pd.Series([None] * n, dtype=object)
    if sh.has("form_version"):
        form, form_bad = P.codes(schema, "form_version", sh.raw("form_version"))
        sh.bad_cells(form_bad.to_numpy(), "form_version", "unknown_code",
                     "not a known form version")
    language = P.per_unique(sh.raw("language"),
                            lambda v: v.strip().lower() if isinstance(v, str) else None)

    keep = sh.alive
    n_keep = int(keep.sum())
    responses = pd.DataFrame({
        "response_id": rid, "source": source, "client_id": sh.client_id,
        "date": date.to_numpy(), "wave_recorded": wave.to_numpy(), "form_version": form.to_numpy(),
        "language": language.to_numpy(), "file": sh.row_files, "row": sh.rows,
    })[keep].reset_index(drop=True)
    responses["_rix"] = np.arange(n_keep, dtype=np.int64)

    # items, long, response-major: a (responses x items) grid of values and missing codes.
    # The item columns are parsed together (each distinct answer once, over all of them),
    # then checked column by column as whole arrays
    scales = P.item_scales(schema)
    not_in_form = P.items_not_in_form(schema, form)
    codes = list(scales)
    V = np.full((n, len(codes)), np.nan)
    M = np.full((n, len(codes)), MISSING_CODE["not_in_form"], dtype=np.int8)
    present = [k for k, code in enumerate(codes) if code in item_pos]
    for k in present:
        sh.cols[f"item:{codes[k]}"] = item_pos[codes[k]]
    # a few item columns at a time (a chunk's temporaries stay small at any scale)
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for at in range(0, len(present), step):
        ks = present[at:at + step]
        names = [f"item:{codes[k]}" for k in ks]
        cell_codes, miss, v, bad = P.item_block(schema, sh.block(names))
        m = missing_table(miss)[cell_codes]
        del cell_codes
        lo = np.array([scales[codes[k]][0] for k in ks])
        hi = np.array([scales[codes[k]][1] for k in ks])
        answered = ~np.isnan(v)
        out_rng = answered & ((v < lo) | (v > hi))
        non_int = answered & ~out_rng & (v != np.round(v))
        for j, (k, name) in enumerate(zip(ks, names)):
            lo_k, hi_k = scales[codes[k]]
            sh.bad_cells(out_rng[:, j], name, "out_of_range",
                         f"outside the item's scale {lo_k:g}–{hi_k:g}")
            sh.bad_cells(non_int[:, j], name, "bad_value", "not a whole number on the item's scale")
            sh.bad_cells(bad[:, j], name, "bad_value", "neither a number nor a known code")
        q_mask = out_rng | non_int | bad
        m[q_mask] = MISSING_CODE["quarantined"]
        v[q_mask] = np.nan
        for j, k in enumerate(ks):
            structural = not_in_form.get(codes[k])
            if structural is not None:
                col = m[:, j]
                col[structural & (col == MISSING_CODE["not_answered"])] = MISSING_CODE["not_in_form"]
        V[:, ks] = v
        M[:, ks] = m
    items = pd.DataFrame({
        "_rix": np.repeat(np.arange(n_keep, dtype=np.int64), len(codes)),
        "item": pd.Categorical.from_codes(np.tile(np.arange(len(codes)), n_keep),
                                          categories=pd.Index(codes, dtype=object)),
        "value": V[keep].ravel(),
        "missing": pd.Categorical.from_codes(M[keep].ravel(), dtype=MISSING_DTYPE),
    })
    return responses, items


def missing_table(markers) -> np.ndarray:
    """Category codes (int8) of the item ``missing`` markers of :func:`parse.item_answers`.

    None (answered) is NA (-1); a schema missing reason that is not one of the contract's
    categories counts as ``dont_know`` (*decision*: every shipped missing code is a don't-know).
    """
    def code(m):
        if m is None:
            return -1
        return MISSING_CODE.get(m, MISSING_CODE["dont_know"])

    return np.array([code(u) for u in markers], dtype=np.int8)
