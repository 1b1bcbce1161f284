"""Roster (asiakasrekisteri, docs/data_sources.md §1): one row per client.

Checks, in order (a row gets one row-level reason, the first that applies):

1. client number blank (``missing_required``) or not a valid number (``bad_client_id``);
2. consent: kept as a column here; :func:`hb_eval.data.dataset.load` removes clients without ``kyllä``
   (all their rows, as ``no_consent``; a consent value that is no known answer as
   ``unknown_code``) before anything else;
3. arm blank (``missing_required``) or not a known spelling (``unknown_code``);
4. ``Pilotti`` / ``Asiakasryhmä`` naming another pilot / group than the client number
   (``pilot_mismatch`` / ``group_mismatch``); a blank cell takes the number's;
5. a client number on two or more rows that disagree (``conflict``: all of them), or an
   identical copy of an earlier row (``duplicate``; the first row is kept) — among consenting
   rows only.

Cell-level (the client stays): unknown spellings of end reason, sex, age group, pilot or group
names (``unknown_code``), unreadable or impossible dates (``bad_date``; an end before the start
too), and personal identity codes in any cell (``personal_id_found``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from . import parse as P
from ..plausibility import screen_dates
from .common import LoadContext, open_sheet
from .tables import AGE_GROUPS, GROUPS, PILOTS

__all__ = ["load"]

SHEET = "Asiakkaat"
_OUT = ["client_id", "arm", "pilot", "pilot_code", "client_group", "group_code", "worker",
        "start_date", "end_date", "end_reason", "sex", "age_group", "days", "consent", "file",
        "row"]


def _read_one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=SHEET, required=["client_id", "arm", "consent"])
    ids = sh.read_client_ids()

    consent, consent_bad = P.codes(ctx.schema, "consent", sh.raw("consent"))
    consenting = consent.eq("kyllä").to_numpy(dtype=bool)
    # consent written as no known answer ("yes", "1", "x", "Kyllä."): excluded until fixed
    consent_unknown = consent_bad.to_numpy(dtype=bool)
    # from here on only consenting rows are checked: the others are only counted
    live = sh.alive & consenting

    arm, arm_bad = P.codes(ctx.schema, "arm", sh.raw("arm"))
    raw_arm = sh.raw("arm")
    sh.drop(live & raw_arm.isna().to_numpy(), "missing_required", "arm (Ryhmä) is blank", "arm")
    sh.drop(live & arm_bad.to_numpy(), "unknown_code", "arm (Ryhmä) is not HB or Verrokki", "arm")

    pilot_code = ids["pilot_code"]
    group_code = ids["group_code"]
    # once per distinct code (the codes are texts, or None where the number is not valid)
    pilot_from_id = P.per_unique(pilot_code, lambda c: PILOTS[int(c) - 1])
    group_from_id = P.per_unique(group_code, lambda c: GROUPS[int(c) - 1])
    for name, from_id, reason, what in (("pilot", pilot_from_id, "pilot_mismatch", "pilot"),
                                        ("client_group", group_from_id, "group_mismatch",
                                         "client group")):
        if not sh.has(name):
            continue
        given, bad = P.codes(ctx.schema, name, sh.raw(name))
        sh.bad_cells(sh.alive & consenting & bad.to_numpy(), name, "unknown_code",
                     f"not a known {what} name; the client number's {what} is used")
        differs = given.notna() & from_id.notna() & (given.astype(object) != from_id.astype(object))
        sh.drop(sh.alive & consenting & differs.to_numpy(), reason,
                f"the {what} named differs from the client number's {what}", name)

    # a client on rows that disagree (consent included): every such row is a conflict,
    # marked here and quarantined by dataset.load with the client excluded everywhere
    cid = pd.Series(sh.client_id)
    present = pd.Series(sh.alive) & cid.notna()
    many = cid.where(present).duplicated(keep=False) & present
    conflict = np.zeros(sh.n, dtype=bool)
    if many.any():
        conflict = (_row_signature(sh).where(many).groupby(cid.where(many))
                    .transform("nunique").reindex(cid.index).fillna(0).to_numpy() > 1)
    consenting = consenting & ~conflict
    # identical copies among consenting rows: the first row of a client is kept
    live = pd.Series(sh.alive & consenting)
    dup = (cid.where(live).duplicated(keep=False) & live).to_numpy()
    if dup.any():
        first = ~cid.where(live).duplicated(keep="first").to_numpy()
        sh.drop(dup & ~first, "duplicate", "client number already on an earlier roster row",
                "client_id")

    keep = sh.alive
    ok = keep & consenting
    worker_digits = ids["worker"].astype(object)  # "04-07" from the number
    if sh.has("worker"):
        w, wbad = P.worker_codes(sh.raw("worker"))
        sh.bad_cells(ok & wbad.to_numpy(), "worker", "unknown_code",
                     "not a worker number; the client number's worker is used")
        given = pilot_code.astype(object) + "-" + w.astype(object)
        worker_digits = given.where(w.notna() & pilot_code.notna(), worker_digits)

    start, start_bad = P.dates(sh.raw("start_date"))
    end, end_bad = P.dates(sh.raw("end_date"))
    sh.bad_cells(ok & start_bad.to_numpy(), "start_date", "bad_date", "not a readable date")
    sh.bad_cells(ok & end_bad.to_numpy(), "end_date", "bad_date", "not a readable date")
    start = start.where(ok)  # only consenting rows are checked (the others are only counted)
    end = end.where(ok)
    start = screen_dates(sh, "start_date", start)
    end = screen_dates(sh, "end_date", end)
    before = (end < start).fillna(False).to_numpy(dtype=bool)
    sh.bad_cells(ok & before, "end_date", "bad_date", "the end date is before the start date")
    end = end.mask(before)

    cats = {}
    for name, what in (("end_reason", "end reason"), ("sex", "sex"), ("age_group", "age group")):
        val, bad = P.codes(ctx.schema, name, sh.raw(name))
        if name == "age_group":
            val = P.per_unique(val, P.age_group)  # once per distinct spelling
            bad = bad | (val.notna() & ~val.isin(AGE_GROUPS))
            val = val.where(val.isin(AGE_GROUPS))
        sh.bad_cells(ok & bad.to_numpy(), name, "unknown_code", f"not a known {what}")
        cats[name] = val.where(~bad)

    days = (end - start).dt.days + 1
    df = pd.DataFrame({
        "client_id": sh.client_id, "arm": arm.to_numpy(), "pilot": pilot_from_id.to_numpy(),
        "pilot_code": pilot_code.to_numpy(), "client_group": group_from_id.to_numpy(),
        "group_code": group_code.to_numpy(), "worker": worker_digits.to_numpy(),
        "start_date": start.to_numpy(), "end_date": end.to_numpy(),
        "end_reason": cats["end_reason"].to_numpy(), "sex": cats["sex"].to_numpy(),
        "age_group": cats["age_group"].to_numpy(), "days": days.astype("float64").to_numpy(),
        "consent": np.where(conflict, "conflict", np.where(
            consenting, "kyllä", np.where(consent_unknown, "unknown", "ei"))),
        "file": sh.row_files, "row": sh.rows,
    })
    return df[keep].reset_index(drop=True)


def _row_signature(sh) -> pd.Series:
    """Each row's cells as one text (spaces and case normalised), to tell identical copies of
    a row from rows that disagree."""
    parts = [sh.raw(name).map(lambda v: " ".join(v.split()).casefold() if isinstance(v, str)
                              else "", na_action=None) for name in sorted(sh.cols)]
    sig = parts[0].astype(str)
    for p in parts[1:]:
        sig = sig + "\x1f" + p.astype(str)
    return sig


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load the roster file(s).

    Returns
    -------
    DataFrame
        The ``clients`` columns plus ``consent`` (``kyllä``, ``ei`` for ``ei`` or blank,
        ``unknown`` for a value that is no known answer, ``conflict`` for rows of a client
        that disagree), for every roster row not quarantined. Consent is applied by
        :func:`hb_eval.data.dataset.load` (``unknown`` rows are quarantined as
        ``unknown_code``, ``conflict`` rows as ``conflict``; both excluded like ``ei``).

    Raises
    ------
    InputError
        When there is no roster file or a required column is missing.
    """
    if not files:
        raise InputError("sources.roster is required: no roster file")
    parts = [_read_one(p, ctx) for p in files]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:
        # the same client in two roster files: the later rows are duplicates
        cons = out["consent"].eq("kyllä")
        dup = cons & out["client_id"].where(cons).duplicated(keep="first")
        if dup.any():
            g = out[dup]
            sheets = {r.path: r.sheet for r in ctx.quarantine.file_records}
            for f, gg in g.groupby("file"):
                ctx.quarantine.rows(ctx.source, f, sheets.get(f), gg["row"].to_numpy(), "duplicate",
                                    "client number already in an earlier roster file",
                                    client_id=gg["client_id"].to_numpy())
            out = out[~dup].reset_index(drop=True)
    return out
