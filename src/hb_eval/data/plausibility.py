"""Plausibility rules: values that parse but cannot be true are quarantined with a reason.

Defaults (configurable in the ``data:`` block of ``evaluation.yaml``, see
:class:`hb_eval.config.DataConfig`):

- every date (roster client-ship dates, response dates, diary days, service periods) between
  ``date_min`` = 1990-01-01 and ``date_max`` = the run date + 1 year (reason
  ``implausible_date``). The date the run counts as today is recorded in the manifest, and
  ``hb-eval reproduce`` uses it again, so results.json stays reproducible;
- a diary row longer than ``max_duration_minutes`` = 1440 (24 h), and every row of a diarist's
  day whose rows add up to more than ``max_day_minutes`` = 1440 (reason
  ``implausible_duration``).

Consent values outside the known codes (``unknown_code``, excluded until fixed) and conflicting
duplicate roster rows (``conflict``, both quarantined) are checked by the roster loader and
:func:`hb_eval.data.dataset.load`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Limits", "screen_dates", "screen_durations", "plausibility_table"]


@dataclass(frozen=True)
class Limits:
    """The plausibility limits of one run."""

    date_min: _dt.date = _dt.date(1990, 1, 1)
    date_max: _dt.date = _dt.date(2100, 1, 1)
    max_duration_minutes: float = 1440.0
    max_day_minutes: float = 1440.0

    @classmethod
    def from_config(cls, cfg: Any) -> "Limits":
        """Limits of a :class:`~hb_eval.config.Config` (its ``data`` block and ``run_date``)."""
        dc = getattr(cfg, "data", None)
        if dc is None:
            return cls(date_max=_default_max(None))
        lo, hi = dc.window(getattr(cfg, "run_date", None))
        return cls(lo, hi, float(dc.max_duration_minutes), float(dc.max_day_minutes))


def _default_max(run_date: _dt.date | None) -> _dt.date:
    today = run_date or _dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _outside(values: pd.Series, limits: Limits) -> np.ndarray:
    lo, hi = pd.Timestamp(limits.date_min), pd.Timestamp(limits.date_max)
    return ((values < lo) | (values > hi)).fillna(False).to_numpy(dtype=bool)


def screen_dates(sh: Any, name: str, values: pd.Series, *, row_level: bool | np.ndarray = False
                 ) -> pd.Series:
    """Quarantine dates of column ``name`` outside the window; returns the dates with those
    masked (NaT).

    Parameters
    ----------
    sh
        The :class:`~hb_eval.data.loaders.common.SourceSheet` (its context holds the limits).
    values
        Parsed dates aligned with the sheet's rows.
    row_level
        True (or a per-row mask) where the whole row goes (the date is needed to use the row);
        elsewhere only the cell.
    """
    limits = getattr(sh.ctx, "limits", None)
    if limits is None or not len(values):
        return values
    bad = _outside(values, limits)
    if not bad.any():
        return values
    detail = f"date outside the plausible window {limits.date_min} – {limits.date_max}"
    whole = np.broadcast_to(np.asarray(row_level, dtype=bool), bad.shape)
    sh.drop(bad & whole, "implausible_date", detail, name)
    sh.bad_cells(bad & ~whole, name, "implausible_date", detail)
    return values.mask(pd.Series(bad, index=values.index))


def screen_durations(sh: Any, name: str, minutes: pd.Series, day_keys: pd.Series) -> None:
    """Quarantine diary rows longer than the maximum, then every row of a day (``day_keys``:
    the date) whose remaining rows add up to more than the daily maximum."""
    limits = getattr(sh.ctx, "limits", None)
    if limits is None or not len(minutes):
        return
    m = minutes.to_numpy(dtype=float)
    long = np.nan_to_num(m, nan=0.0) > limits.max_duration_minutes
    sh.drop(long, "implausible_duration",
            f"a diary row over {limits.max_duration_minutes:g} minutes", name)
    live = sh.alive
    frame = pd.DataFrame({"day": day_keys.to_numpy(), "m": np.where(live, np.nan_to_num(m), 0.0)})
    total = frame.groupby("day", dropna=True)["m"].transform("sum").to_numpy(dtype=float)
    over = live & day_keys.notna().to_numpy() & (np.nan_to_num(total) > limits.max_day_minutes)
    sh.drop(over, "implausible_duration",
            f"the diarist's day adds up to over {limits.max_day_minutes:g} minutes", name)


def plausibility_table(limits: Limits, counts: dict[str, Any]) -> pd.DataFrame:
    """The data-quality appendix's table: each rule, its limit and the records it quarantined
    (``counts``: quarantine records by reason)."""
    rows = [
        ("data.date_min – data.date_max",
         f"{limits.date_min.isoformat()} – {limits.date_max.isoformat()}", "implausible_date"),
        ("data.max_duration_minutes / data.max_day_minutes",
         f"{limits.max_duration_minutes:g} / {limits.max_day_minutes:g}",
         "implausible_duration"),
        ("codes (consent: kyllä / ei)", "schema codes", "unknown_code"),
        ("roster rows of a client", "identical", "conflict"),
    ]
    return pd.DataFrame({"rule": [r[0] for r in rows], "limit": [r[1] for r in rows],
                         "reason": [r[2] for r in rows],
                         "count": [counts.get(r[2], 0) for r in rows]})
