"""Plausibility rules: values that parse but cannot be true are quarantined with a reason.

Defaults (configurable in the ``data:`` block of ``evaluation.yaml``, see
:class:`hb_eval.config.DataConfig`):

- every date (roster client-ship dates, response dates, diary days, service periods) between
  ``date_min`` = 1990-01-01 and ``date_max`` = the run date + 1 year (reason
  ``implausible_date``). The date the run counts as today is recorded in the manifest, and
  ``hb-eval reproduce`` uses it again, so results.json stays reproducible;
- a diary row longer than ``max_duration_minutes`` = 1440 (24 h), and every row of a diarist's
  day whose rows add up to more than ``max_day_minutes`` = 1440 (reason
  ``implausible_duration``);
- a service-cost row over ``max_service_row_eur`` = 1,000,000 €, and every service row of a
  client whose rows add up to more than ``max_client_services_eur`` = 5,000,000 € (reason
  ``implausible_amount``). Absolute limits, not limits derived from the data or the unit
  costs: the unit-cost file holds no service prices, and a ceiling taken from the rows would
  rise with the very row that is wrong. The defaults are far above a year of round-the-clock
  residential care (about 300,000 €), so only keying errors (a missing decimal point, a client
  number in the amount column) reach them;
- a follow-up (``väli`` or ``loppu``) response dated before the same client's baseline
  (``alku``) response of the same source (reason ``wave_order``): the follow-up is quarantined
  and the baseline kept. Which of the two dates is wrong cannot be known; the baseline alone is
  still a valid baseline, while a "change" measured backwards would enter the outcome analysis
  with the wrong sign.

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

__all__ = ["Limits", "screen_dates", "screen_durations", "screen_amounts", "client_amount_over",
           "wave_order", "plausibility_table"]


@dataclass(frozen=True)
class Limits:
    """The plausibility limits of one run."""

    date_min: _dt.date = _dt.date(1990, 1, 1)
    date_max: _dt.date = _dt.date(2100, 1, 1)
    max_duration_minutes: float = 1440.0
    max_day_minutes: float = 1440.0
    max_service_row_eur: float = 1_000_000.0
    max_client_services_eur: float = 5_000_000.0

    @classmethod
    def from_config(cls, cfg: Any) -> "Limits":
        """Limits of a :class:`~hb_eval.config.Config` (its ``data`` block and ``run_date``)."""
        dc = getattr(cfg, "data", None)
        if dc is None:
            return cls(date_max=_default_max(None))
        lo, hi = dc.window(getattr(cfg, "run_date", None))
        return cls(lo, hi, float(dc.max_duration_minutes), float(dc.max_day_minutes),
                   float(dc.max_service_row_eur), float(dc.max_client_services_eur))


def _default_max(run_date: _dt.date | None) -> _dt.date:
    today = run_date or _dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _outside(values: pd.Series, limits: Limits) -> np.ndarray:
    lo, hi = pd.Timestamp(limits.date_min), pd.Timestamp(limits.date_max)
    if values.dtype == "datetime64[ns]":  # (the parsed dates) compared as numpy: NaT is False
        try:
            lo64, hi64 = lo.as_unit("ns").to_datetime64(), hi.as_unit("ns").to_datetime64()
        except (OverflowError, ValueError):  # a limit beyond the nanosecond range
            pass
        else:
            v = values.to_numpy()
            return (v < lo64) | (v > hi64)
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


def screen_amounts(sh: Any, name: str, amount: pd.Series) -> None:
    """Quarantine service rows whose amount is over ``max_service_row_eur`` (row level; the
    record names the column, never the amount)."""
    limits = getattr(sh.ctx, "limits", None)
    if limits is None or not len(amount):
        return
    over = (amount.abs() > limits.max_service_row_eur).fillna(False).to_numpy(dtype=bool)
    sh.drop(over, "implausible_amount",
            f"an amount over the plausible maximum of a service row "
            f"({limits.max_service_row_eur:,.0f} €, data.max_service_row_eur)", name)


def client_amount_over(services: pd.DataFrame, limits: Limits | None) -> np.ndarray:
    """Mask of the service rows of clients whose rows add up to more than
    ``max_client_services_eur``."""
    if limits is None or not len(services):
        return np.zeros(len(services), dtype=bool)
    amount = pd.to_numeric(services["amount"], errors="coerce").abs().fillna(0.0)
    # grouped by the client number's code (blank: a group of its own, as its text "<NA>" was)
    total = amount.groupby(group_codes(services["client_id"])).transform("sum")
    return (total > limits.max_client_services_eur).to_numpy(dtype=bool)


def group_codes(*columns: pd.Series) -> np.ndarray:
    """One integer per distinct combination of the columns' texts (a missing value, NA in the
    text too, a value of its own): the groups of the texts joined, without building a joined
    text per row. Also the source x client groups of :func:`.loaders.waves.assign_waves`."""
    out = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        c, uniq = pd.factorize(col.astype(str))    # NA: -1, one more digit value below 0
        out = out * (len(uniq) + 1) + c
    return out


def wave_order(responses: pd.DataFrame) -> np.ndarray:
    """Mask of follow-up responses (``väli``, ``loppu``) dated before the same client's
    baseline (``alku``) of the same source."""
    if not len(responses):
        return np.zeros(0, dtype=bool)
    wave = responses["wave"]
    date = pd.to_datetime(responses["date"])
    key = group_codes(responses["source"], responses["client_id"])  # source x client
    base = date.where((wave == "alku").fillna(False).to_numpy(dtype=bool)).groupby(
        key).transform("min")
    follow = wave.isin(["väli", "loppu"]).to_numpy(dtype=bool)
    return (follow & (date < base).fillna(False).to_numpy(dtype=bool))


def plausibility_table(limits: Limits, counts: dict[str, Any]) -> pd.DataFrame:
    """The data-quality appendix's table: each rule, its limit and the records it quarantined
    (``counts``: quarantine records by reason)."""
    rows = [
        ("data.date_min – data.date_max",
         f"{limits.date_min.isoformat()} – {limits.date_max.isoformat()}", "implausible_date"),
        ("data.max_duration_minutes / data.max_day_minutes",
         f"{limits.max_duration_minutes:g} / {limits.max_day_minutes:g}",
         "implausible_duration"),
        ("data.max_service_row_eur / data.max_client_services_eur",
         f"{limits.max_service_row_eur:,.0f} / {limits.max_client_services_eur:,.0f} €"
         .replace(",", "\u202f"), "implausible_amount"),
        ("follow-up (väli, loppu) dated before the baseline (alku)", "not before alku",
         "wave_order"),
        ("codes (consent: kyllä / ei)", "schema codes", "unknown_code"),
        ("roster rows of a client", "identical", "conflict"),
    ]
    return pd.DataFrame({"rule": [r[0] for r in rows], "limit": [r[1] for r in rows],
                         "reason": [r[2] for r in rows],
                         "count": [counts.get(r[2], 0) for r in rows]})
