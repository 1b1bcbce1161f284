"""HB budget decisions: one row per budget decision (päätös).

Columns: ``Asiakasnumero``, ``Päätöspvm`` (decision date), ``Alkaa`` (start of the budget
period), ``Päättyy`` (end; blank while ongoing), ``Summa €`` and ``Yksikkö`` (``€/kk`` per month,
``€/vuosi`` per year, ``€/jakso`` for the whole period; ``kk``, ``kuukausi``, ``vuosi``,
``jakso`` and the other spellings of the schema also accepted). Each decision is turned into
euros per day (``eur_per_day``): a month is 365.25/12 days, a year 365.25 days, and a
``€/jakso`` sum is spread evenly over the days from ``Alkaa`` to ``Päättyy`` inclusive.

Row-level (the loader): client number blank (``missing_required``) or invalid
(``bad_client_id``); ``Alkaa``, ``Summa`` or ``Yksikkö`` blank (``missing_required``);
``Alkaa`` or ``Päättyy`` unreadable, or ``Päättyy`` before ``Alkaa`` (``bad_date``); ``Summa``
unreadable (``bad_value``) or negative (``out_of_range``); a unit that spells none of the three
(``unknown_code``); a ``€/jakso`` decision without ``Päättyy`` (``missing_required``: its sum
cannot be spread over an open period). Cell-level: an unreadable ``Päätöspvm`` (``bad_date``;
the decision is kept, without a decision date).

Row-level after the roster (:func:`check_decisions`, called by :func:`hb_eval.data.load`): a
decision for a Verrokki client (``arm_mismatch``); two decisions of one client with the same
``Alkaa`` (``duplicate``: the later ``Päätöspvm`` wins, a missing one counting as earlier than
any date; with equal decision dates the row read last wins).

Revisions (a later ``Alkaa`` replaces the earlier decision from that date) are applied by the
budget follow-up (:func:`hb_eval.costs.budget.decision_periods`), not here: every decision kept
is a row of the ``budgets`` table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import parse as P
from .common import LoadContext, open_sheet

__all__ = ["load", "check_decisions", "DAYS_PER_MONTH", "DAYS_PER_YEAR", "UNITS"]

#: a month and a year in days
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25
#: canonical units -> days the sum covers (None: the decision's own period)
UNITS: dict[str, float | None] = {"€/kk": DAYS_PER_MONTH, "€/vuosi": DAYS_PER_YEAR,
                                  "€/jakso": None}


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=None, required=["client_id", "start_date", "amount", "unit"])
    sh.check_client_ids()
    # each column's cells once, as an array; the checks on arrays (no Series per step)
    raw = {name: sh.values(name)
           for name in ("start_date", "end_date", "amount", "unit", "decision_date")}

    start, sbad = P.dates_array(raw["start_date"])
    sh.drop(pd.isna(raw["start_date"]), "missing_required",
            "the budget period's start (Alkaa) is blank", "start_date")
    sh.drop(sbad, "bad_date", "the start (Alkaa) is not a readable date", "start_date")
    end, ebad = P.dates_array(raw["end_date"])
    sh.drop(ebad, "bad_date", "the end (Päättyy) is not a readable date", "end_date")
    before = end < start  # (False where either is NaT)
    sh.drop(before, "bad_date", "the end (Päättyy) is before the start (Alkaa)", "end_date")

    amount, abad = P.numbers_array(raw["amount"])
    sh.drop(pd.isna(raw["amount"]), "missing_required", "the sum (Summa) is blank", "amount")
    sh.drop(abad, "bad_value", "the sum (Summa) is not a number", "amount")
    sh.drop(amount < 0, "out_of_range", "the sum (Summa) is negative", "amount")

    unit, ubad = P.codes_array(ctx.schema, "unit", raw["unit"])
    sh.drop(pd.isna(raw["unit"]), "missing_required", "the unit (Yksikkö) is blank", "unit")
    sh.drop(ubad, "unknown_code", "the unit (Yksikkö) is not €/kk, €/vuosi or €/jakso", "unit")
    jakso = (unit == "€/jakso") & np.isnat(end)
    sh.drop(jakso, "missing_required",
            "a €/jakso decision without an end (Päättyy): its sum cannot be spread over days",
            "end_date")

    decided, dbad = P.dates_array(raw["decision_date"])
    sh.bad_cells(dbad, "decision_date", "bad_date",
                 "the decision date (Päätöspvm) is not a readable date")

    df = pd.DataFrame({
        "client_id": sh.client_id, "decision_date": decided, "start_date": start,
        "end_date": end, "amount": amount, "unit": unit, "file": sh.row_files, "row": sh.rows,
    })
    df = df[sh.alive].reset_index(drop=True)
    df["eur_per_day"] = eur_per_day(df)
    return df


def eur_per_day(decisions: pd.DataFrame) -> np.ndarray:
    """Euros per day of each decision: amount / days its unit covers.

    ``€/kk``: amount / (365.25/12); ``€/vuosi``: amount / 365.25; ``€/jakso``: amount / the
    days from ``start_date`` to ``end_date`` inclusive. NaN where the unit is unknown.
    """
    unit = decisions["unit"].astype(object).to_numpy()
    amount = decisions["amount"].to_numpy(dtype=float)
    per = np.full(len(decisions), np.nan)
    for u, days in UNITS.items():
        m = unit == u
        if days is not None:
            per[m] = amount[m] / days
        elif m.any():
            span = (pd.to_datetime(decisions["end_date"]) - pd.to_datetime(decisions["start_date"])
                    ).dt.days.to_numpy(dtype=float)[m] + 1.0
            per[m] = amount[m] / span
    return per


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load budget-decision files: the ``budgets`` table columns (ARCHITECTURE.md)."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def check_decisions(decisions: pd.DataFrame, clients: pd.DataFrame
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decisions that contradict the roster or each other, after consent and orphans.

    Parameters
    ----------
    decisions
        The loaded decisions (client_id, decision_date, start_date, file, row, ...), of
        consenting roster clients only.
    clients
        The clients table (client_id, arm).

    Returns
    -------
    kept, dropped
        ``kept``: the decisions that stay. ``dropped``: file, row, client_id, reason
        (``arm_mismatch`` or ``duplicate``), detail — one row per input row to quarantine.
    """
    cols = ["file", "row", "client_id", "reason", "detail"]
    if decisions is None or not len(decisions):
        return decisions, pd.DataFrame(columns=cols)
    d = decisions.reset_index(drop=True)
    arm = d["client_id"].astype(str).map(
        clients.assign(client_id=clients["client_id"].astype(str)).set_index("client_id")["arm"]
        .astype(str))
    verrokki = arm.eq("Verrokki").to_numpy()
    parts = [d.loc[verrokki, ["file", "row", "client_id"]].assign(
        reason="arm_mismatch", detail="a budget decision for a Verrokki client")]
    d = d.loc[~verrokki].reset_index(drop=True)

    # one decision per client and start date: the later decision date wins, then the later row
    order = d.assign(_pos=np.arange(len(d)), _dd=pd.to_datetime(d["decision_date"]))
    order = order.sort_values(["client_id", "start_date", "_dd", "_pos"], kind="stable",
                              na_position="first")
    last = ~order.duplicated(["client_id", "start_date"], keep="last")
    winner = order.loc[last].set_index(["client_id", "start_date"])
    losers = order.loc[~last]
    if len(losers):
        keyed = winner.loc[list(zip(losers["client_id"], losers["start_date"]))]
        detail = [f"a second decision with the same start date (Alkaa); the one kept is row {r}"
                  + ("" if f == lf else f" of {f}")
                  for r, f, lf in zip(keyed["row"].tolist(), keyed["file"].tolist(),
                                      losers["file"].tolist())]
        parts.append(losers.loc[:, ["file", "row", "client_id"]].assign(reason="duplicate",
                                                                       detail=detail))
    kept = d.loc[np.sort(order.loc[last, "_pos"].to_numpy())].reset_index(drop=True)
    dropped = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else pd.DataFrame(columns=cols)
    return kept, dropped[cols]
