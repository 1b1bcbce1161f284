"""Waves (alku, väli, loppu) of questionnaire responses, and duplicates.

Rules (docs/data_sources.md §2):

* A response whose wave is recorded (Kykyviisari ``Mittauskerta``, Osallisuustesti
  ``Mittauskerta``, Kompassi ``kerta``) keeps that wave (``wave_rule="recorded"``).
* Otherwise, per client and source (``wave_rule="date_rule"``): **alku** is the earliest response
  dated on or before the client-ship start + ``window`` days; **loppu** is the latest *other*
  response dated on or after the end date − ``window`` days (only when the end date is known);
  responses outside both windows are **väli**.
* Two or more responses of one client, source and wave: the one that fits the rule best is kept
  (alku the earliest, loppu the latest, väli the one nearest the middle of the client-ship) and the
  others are duplicates (quarantined by the caller with reason ``duplicate``).

Decisions where docs/data_sources.md is silent:

* A non-winning response inside the alku window is an alku duplicate, inside the loppu window a
  loppu duplicate; a response inside both windows (client-ships shorter than 2 × window) goes to
  the window whose anchor date (start, end) is nearer, alku on a tie.
* The middle of an ongoing client-ship (end unknown) is the midpoint of the start and the
  client's latest response of that source. A client without a start date is anchored at their
  earliest response.
* Ties on date are broken by input order (file, row): the first is kept.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plausibility import group_codes

__all__ = ["WAVES", "WAVE_DTYPE", "assign_waves"]

WAVES = ["alku", "väli", "loppu"]
WAVE_DTYPE = pd.CategoricalDtype(WAVES, ordered=True)


def _first_per_group(mask: np.ndarray, key: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Bool mask: the row with the smallest ``order`` per ``key`` (integer codes) among rows
    where ``mask``; ties go to the earlier row."""
    out = np.zeros(len(mask), dtype=bool)
    idx = np.flatnonzero(mask)
    if idx.size:
        o = np.lexsort((idx, order[idx], key[idx]))  # key, then order, then position
        k = key[idx][o]
        first = np.ones(len(o), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        out[idx[o[first]]] = True
    return out


def assign_waves(responses: pd.DataFrame, clients: pd.DataFrame, *,
                 window: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign a wave to every response and separate duplicates.

    Parameters
    ----------
    responses
        Columns ``source``, ``client_id``, ``date`` (datetime, may be NaT when the wave is
        recorded), ``wave_recorded`` (``alku``/``väli``/``loppu`` or NA), ``file``, ``row``; any
        other columns are carried along.
    clients
        Columns ``client_id``, ``start_date``, ``end_date``.
    window
        Days of the alku and loppu windows (docs/data_sources.md: 60).

    Returns
    -------
    kept, duplicates
        ``responses`` split in two, each with columns ``wave`` (ordered categorical) and
        ``wave_rule`` (``recorded``/``date_rule``) added; ``duplicates`` also has ``kept_row``
        (Excel row of the response kept in its place) and ``kept_file``. Responses with neither a
        recorded wave nor a date get wave NA and are returned in ``kept`` (the loaders quarantine
        undated responses before this).
    """
    r = responses.reset_index(drop=True)  # a new frame (copy-on-write): responses unchanged
    n = len(r)
    if n == 0:
        empty = r.assign(wave=pd.Series([], dtype=WAVE_DTYPE), wave_rule=pd.Series([], dtype=object))
        return empty, empty.assign(kept_row=pd.Series([], dtype="Int64"),
                                   kept_file=pd.Series([], dtype=object))
    c = clients[["client_id", "start_date", "end_date"]].drop_duplicates("client_id")
    m = r[["client_id"]].astype(str).merge(c.assign(client_id=c["client_id"].astype(str)),
                                           on="client_id", how="left")
    date = pd.to_datetime(r["date"])
    start = pd.to_datetime(m["start_date"]).set_axis(r.index)
    end = pd.to_datetime(m["end_date"]).set_axis(r.index)
    # source x client as integer codes (sorting and grouping without building text keys)
    key = group_codes(r["source"], r["client_id"])
    # input order: position in the table as given (file, row order of reading)
    pos = np.arange(n, dtype=np.int64)
    first_date = date.groupby(key).transform("min")
    last_date = date.groupby(key).transform("max")
    start = start.fillna(first_date)

    rec = r["wave_recorded"].astype(object).where(r["wave_recorded"].notna(), None)
    recorded = rec.notna()
    rule = ~recorded & date.notna()
    win = pd.Timedelta(days=window)
    in_alku = rule & (date <= start + win)
    in_loppu = rule & end.notna() & (date >= end - win)

    # order keys: date then input position (earliest first) / negated for latest first
    day = (date - pd.Timestamp("1900-01-01")).dt.days.astype("float64")
    asc = (day.fillna(np.inf) * n + pos).to_numpy()
    alku_win = pd.Series(_first_per_group(in_alku.to_numpy(), key, asc), index=r.index)
    loppu_win = pd.Series(_first_per_group((in_loppu & ~alku_win).to_numpy(), key,
                                           (-day.fillna(-np.inf) * n + pos).to_numpy()),
                          index=r.index)

    # (the masks as numpy arrays: each assignment below is one array operation)
    recorded_, rule_ = recorded.to_numpy(dtype=bool), rule.to_numpy(dtype=bool)
    in_alku_, in_loppu_ = in_alku.to_numpy(dtype=bool), in_loppu.to_numpy(dtype=bool)
    alku_, loppu_ = alku_win.to_numpy(dtype=bool), loppu_win.to_numpy(dtype=bool)
    wave_np = np.full(n, None, dtype=object)
    wave_np[recorded_] = rec.to_numpy(dtype=object)[recorded_]
    wave_np[alku_] = "alku"
    wave_np[loppu_] = "loppu"
    rest = rule_ & ~alku_ & ~loppu_
    both = rest & in_alku_ & in_loppu_
    nearer_start = ((date - start).abs() <= (end - date).abs()).to_numpy(dtype=bool)
    wave_np[rest & in_alku_ & ~in_loppu_] = "alku"
    wave_np[rest & in_loppu_ & ~in_alku_] = "loppu"
    wave_np[both & nearer_start] = "alku"
    wave_np[both & ~nearer_start] = "loppu"
    wave_np[rest & ~in_alku_ & ~in_loppu_] = "väli"

    r["wave"] = pd.Categorical(wave_np, dtype=WAVE_DTYPE)
    r["wave_rule"] = np.where(recorded_, "recorded", np.where(rule_, "date_rule", None))

    # duplicates: per source × client × wave keep the best by the wave's rule
    middle = start + ((end.fillna(last_date) - start) / 2)
    dist = (date - middle).abs().dt.total_seconds().fillna(np.inf)
    score = np.where(wave_np == "alku", day.fillna(np.inf),
                     np.where(wave_np == "loppu", -day.fillna(-np.inf), dist))
    has_wave = r["wave"].notna().to_numpy()
    # source × client × wave: the wave's text as its own code (a recorded wave that is not one
    # of WAVES has no wave here and takes no part)
    gkey = key * 4 + (r["wave"].cat.codes.to_numpy(dtype=np.int64) + 1)
    hw = np.flatnonzero(has_wave)
    o = np.lexsort((hw, score[hw], gkey[hw]))  # group, then score, then position
    rows_sorted = hw[o]
    g_sorted = gkey[rows_sorted]
    first = np.ones(len(o), dtype=bool)
    first[1:] = g_sorted[1:] != g_sorted[:-1]
    # the kept row of each group: the group's first row in that order
    head = np.maximum.accumulate(np.where(first, np.arange(len(o)), 0)) if len(o) else o
    winner_of = np.full(n, -1, dtype=np.int64)
    winner_of[rows_sorted] = rows_sorted[head]
    is_best = np.zeros(n, dtype=bool)
    is_best[rows_sorted[first]] = True
    dup = has_wave & ~is_best
    kept = r[~dup]
    dups = r[dup].copy()
    winner = winner_of[dup]
    dups["kept_row"] = pd.array(r["row"].to_numpy()[winner], dtype="Int64")
    dups["kept_file"] = r["file"].to_numpy()[winner]
    return kept.reset_index(drop=True), dups.reset_index(drop=True)
