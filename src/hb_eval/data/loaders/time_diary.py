"""Time diaries (docs/data_sources.md §7): one workbook per diarist (worker, client or HB assistant).

Rows 1–3 carry metadata, in one cell (``Työntekijä: 04-07``) or two (``Työntekijä:`` |
``04-07``): who (``Työntekijä``/``Asiakas``/``Avustaja``), the title (``Tehtävänimike``) and the
sample period (``Seurantajakso: 1.3.2018–31.3.2018``); the header is on row 5.
A diary whose diarist or sample period cannot be read is an :class:`InputError` naming the file
(nothing in it can be costed).

Row-level: date blank (``missing_required``), unreadable (``bad_date``) or outside the sample
period (``outside_period``); client number invalid (``bad_client_id``); in a worker's diary, a
client of another pilot (``pilot_mismatch``, *decision*); nothing recorded (no duration, km or
euros: ``missing_required``). A blank client number in a worker or assistant diary is kept with
client_id NA (time not attributed to one client; costing counts such rows). In a client's own
diary the client is the diarist.
Cell-level: unreadable duration, km or euros (``bad_value``, value NaN), unknown task or
volunteer answer (``unknown_code``).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import privacy
from ...errors import InputError
from ..io.grid import norm_header
from . import parse as P
from ..plausibility import screen_dates, screen_durations
from .common import LoadContext, SourceSheet, open_table

__all__ = ["load", "read_meta", "ROLES"]

#: metadata label (normalised) -> role
ROLES = {"työntekijä": "worker", "asiakas": "client", "avustaja": "assistant",
         "hb-avustaja": "assistant"}
_TITLE = ("tehtävänimike", "nimike", "ammattinimike")
_PERIOD = ("seurantajakso", "jakso", "seuranta-aika")
_WORKER_RE = re.compile(r"^\s*(0[1-6])\s*[-–]\s*(\d{2})\s*$")
_ASSIST_RE = re.compile(r"^\s*A\s*[-–]\s*(0[1-6])\s*[-–]\s*(\d{2})\s*$", re.IGNORECASE)


def read_meta(meta: list[list[str]], file: str, sheet: str | None) -> dict:
    """Diarist, role, title and sample period from the metadata rows.

    Raises
    ------
    InputError
        When the diarist or the sample period is missing or unreadable (never quoting the
        cell, which might hold personal data).
    """
    fields: dict[str, str] = {}
    for cells in meta:
        cells = [str(c).strip() for c in cells]
        i = 0
        while i < len(cells):
            c = cells[i]
            if ":" in c:
                label, value = c.split(":", 1)
                if not value.strip() and i + 1 < len(cells) and ":" not in cells[i + 1]:
                    value = cells[i + 1]  # "Työntekijä:" | "04-07" in two cells
                    i += 1
                fields.setdefault(norm_header(label), value.strip())
            i += 1
    role = person = None
    for label, r in ROLES.items():
        if label in fields:
            role, raw = r, fields[label]
            break
    if role is None:
        raise InputError("diary metadata lacks the diarist (Työntekijä:, Asiakas: or Avustaja: "
                         "in rows 1–3)", file=file, sheet=sheet)
    if privacy.contains_hetu(raw):
        raise InputError("the diarist cell holds a personal identity code; not loaded",
                         file=file, sheet=sheet)
    if role == "worker":
        m = _WORKER_RE.match(raw)
        person = f"{m.group(1)}-{m.group(2)}" if m else None
    elif role == "assistant":
        m = _ASSIST_RE.match(raw)
        person = f"A-{m.group(1)}-{m.group(2)}" if m else None
    else:
        person = P.client_ids(pd.Series([raw], dtype=object))["client_id"].iloc[0]
        person = None if pd.isna(person) else str(person)
    if person is None:
        raise InputError(f"the diarist of this {role} diary is not a valid code "
                         "(worker 04-07, client 0410712, assistant A-04-03)", file=file, sheet=sheet)
    title = next((fields[k] for k in _TITLE if k in fields), None)
    title = privacy.gate(" ".join(title.split())) if title else None
    raw_period = next((fields[k] for k in _PERIOD if k in fields), None)
    period = P.period(raw_period) if raw_period else None
    if period is None:
        raise InputError("diary metadata lacks a readable sample period (Seurantajakso: "
                         "1.3.2018–31.3.2018)", file=file, sheet=sheet)
    return {"role": role, "person": person, "title": title if role != "client" else None,
            "period_start": period[0], "period_end": period[1]}


def _one(path: Path, ctx: LoadContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = open_table(ctx, path, sheet=P.layout_sheet(ctx.schema, None))
    meta = read_meta(table.meta, table.file, table.sheet)
    sh = SourceSheet(ctx, table, P.resolve(ctx.schema, table))
    sh.guard_personal_ids()
    diary_id = table.file
    role = meta["role"]

    if role == "client":
        sh.client_id = np.full(sh.n, meta["person"], dtype=object)
    else:
        ids = sh.read_client_ids(blank_ok=True)
        if role == "worker":
            other = (ids["pilot_code"].notna() & (ids["pilot_code"] != meta["person"][:2])).to_numpy()
            sh.drop(other, "pilot_mismatch", "the client belongs to another pilot than the worker",
                    "client_id")

    raw_date = sh.raw("date")
    date, dbad = P.dates(raw_date)
    sh.drop(raw_date.isna().to_numpy(), "missing_required", "date is blank", "date")
    sh.drop(dbad.to_numpy(), "bad_date", "not a readable date", "date")
    date = screen_dates(sh, "date", date, row_level=True)
    outside = ((date < meta["period_start"]) | (date > meta["period_end"])).fillna(False)
    sh.drop(outside.to_numpy(dtype=bool), "outside_period",
            "dated outside the diary's sample period", "date")

    minutes, mbad = P.durations(sh.raw("minutes"))
    km, kbad = P.numbers(sh.raw("km"))
    eur, ebad = P.numbers(sh.raw("expenses"))
    nothing = (sh.raw("minutes").isna() & sh.raw("km").isna() & sh.raw("expenses").isna()).to_numpy()
    sh.drop(nothing, "missing_required", "nothing recorded (no duration, km or euros)", "minutes")
    sh.bad_cells(mbad.to_numpy(), "minutes", "bad_value", "not a duration")
    screen_durations(sh, "minutes", minutes, date)
    sh.bad_cells(kbad.to_numpy(), "km", "bad_value", "not a number")
    sh.bad_cells(ebad.to_numpy(), "expenses", "bad_value", "not a number")
    km = km.where(kbad | sh.raw("km").notna(), 0.0)
    eur = eur.where(ebad | sh.raw("expenses").notna(), 0.0)

    task, tbad = P.codes(ctx.schema, "task", sh.raw("task"))
    sh.bad_cells(tbad.to_numpy(), "task", "unknown_code", "not a known task")
    vol, vbad = P.codes(ctx.schema, "volunteer", sh.raw("volunteer"))
    sh.bad_cells(vbad.to_numpy(), "volunteer", "unknown_code", "not kyllä / ei")
    volunteer = vol.eq("kyllä").fillna(False).to_numpy(dtype=bool)

    rows = pd.DataFrame({
        "diary_id": diary_id, "role": role, "date": date.to_numpy(), "client_id": sh.client_id,
        "task": task.where(~tbad).to_numpy(), "minutes": minutes.to_numpy(),
        "km": km.to_numpy(), "expenses": eur.to_numpy(), "volunteer": volunteer,
        "file": sh.file, "row": sh.rows,
    })[sh.alive].reset_index(drop=True)
    days = int((meta["period_end"] - meta["period_start"]).days) + 1
    diary = pd.DataFrame([{"diary_id": diary_id, "file": table.file, "role": role,
                           "person": meta["person"], "title": meta["title"],
                           "period_start": meta["period_start"], "period_end": meta["period_end"],
                           "period_days": days}])
    return diary, rows


def load(files: list[Path], ctx: LoadContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load diary workbooks: (``diaries``, ``diary_rows``)."""
    outs = [_one(p, ctx) for p in files]
    if not outs:
        return pd.DataFrame(), pd.DataFrame()
    return (pd.concat([o[0] for o in outs], ignore_index=True),
            pd.concat([o[1] for o in outs], ignore_index=True))
