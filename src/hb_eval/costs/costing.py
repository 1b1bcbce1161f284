"""From time diaries, unit costs and service-cost extracts to per-client costs.

docs/data_sources.md §7–9 and docs/methods.md "Costs". The pipeline is:

1. :func:`price_diaries` prices every diary row in euros of the price year, keeping the kinds
   apart (paid time, volunteer time, client time, kilometres, out-of-pocket euros).
2. :func:`diary_rates` turns the priced rows into a euro rate per day for each client and role
   (worker, client, assistant), imputes the rate of clients not observed in a role by the
   configurable cascade, and extrapolates over the client-ship.
3. :func:`service_costs_by_client` sums the service episodes by funding, in the price year.
4. :func:`client_costs` puts these together in one perspective (organiser or societal).

Decisions where the spec is silent (also in the docstrings below):

* An ongoing client-ship (no end date) is costed up to ``cutoff``; the default cut-off is the
  latest date anywhere in the costing data (diary dates, service-episode dates, client-ship
  start and end dates).
* Out-of-pocket euros in diaries are converted to the price year by the year of the diary row's
  date; staff and volunteer time are priced with the unit costs, which are already in the price
  year. Service episodes are converted by the year of their start date (end date when the start
  is missing).
* Kilometres in assistant diaries count as assistant expenses, in client diaries as client
  expenses; out-of-pocket euros in worker diaries make the extra component ``worker_expenses``.
* A worker diary without a title cannot be priced: its rows do not make the clients it names
  *observed*, so they get the imputed rate (docs/data_sources.md §7: rates are in euros so that a mean rate
  can be imputed where the title is unknown). A title that is given but missing from
  ``hourly_wage`` is an :class:`InputError`.
* Assistant time: a paid assistant's minute is priced like a staff minute (wage with side costs
  and overhead) at the diary's title, or at ``HB-avustaja`` when the diary has no title; a
  volunteer's hour at ``volunteer_hour_value`` (no side costs), societal perspective only.
* Component columns of :func:`client_costs` are signed contributions to ``total``: in the
  organiser perspective ``client_fees`` is the negative of the fees paid; in the societal
  perspective fees are transfers and the column is 0.
* Diary rows without a client, or naming a client not in the client table, do not enter any
  client's rate; they are counted in ``attrs["diary_rows_unattributed"]``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError, InputError

ROLES: tuple[str, ...] = ("worker", "client", "assistant")
PERSPECTIVES: tuple[str, ...] = ("organiser", "societal")
RULES: tuple[str, ...] = ("arm_pilot_role", "arm_role", "zero")
FUNDING: dict[str, str] = {
    "HB-budjetti": "services_hb_budget",
    "tavanomainen": "services_usual",
    "asiakasmaksu": "client_fees",
}
ASSISTANT_TITLE = "HB-avustaja"
DAYS_PER_MONTH = 365.25 / 12

# Diary components by role: component -> priced columns of price_diaries() that make it.
ROLE_COMPONENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "worker": {
        "worker_time": ("time_eur",),
        "worker_km": ("km_eur",),
        "worker_expenses": ("expenses_eur",),
    },
    "assistant": {
        "assistant_time_paid": ("time_eur",),
        "assistant_time_volunteer": ("volunteer_eur",),
        "assistant_expenses": ("km_eur", "expenses_eur"),
    },
    "client": {
        "client_time": ("client_time_eur",),
        "client_expenses": ("km_eur", "expenses_eur"),
    },
}
DIARY_COMPONENTS: tuple[str, ...] = tuple(c for r in ROLES for c in ROLE_COMPONENTS[r])

#: Component columns of :func:`client_costs`, in order.
COMPONENTS: tuple[str, ...] = (
    "worker_time", "worker_km", "worker_expenses", "assistant_time", "assistant_expenses",
    "client_time", "client_expenses", "services_hb_budget", "services_usual", "client_fees",
)


# -- unit costs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitCostValues:
    """The numbers of the unit-cost file (docs/data_sources.md §8), read from any object that has them.

    Built by :func:`unit_cost_values` from the loaders' ``UnitCosts`` dataclass, or from a dict
    in the YAML shape. Frozen, so that the sensitivity analyses vary it with
    :func:`dataclasses.replace`.
    """

    price_year: int
    hourly_wage: Mapping[str, float]
    side_costs_pct: float
    overhead_pct: float
    km_allowance: float
    volunteer_hour_value: float
    client_hour_value: float
    price_index: Mapping[int, float] = field(default_factory=dict)

    def minute_cost(self, title: str, diary: str | None = None) -> float:
        """Cost of a staff minute: wage × (1 + side costs) × (1 + overhead) / 60.

        Raises
        ------
        InputError
            When ``title`` is not in ``hourly_wage``; names the title and the diary file.
        """
        if title not in self.hourly_wage:
            raise InputError(
                f"title {title!r} has no hourly wage in the unit costs (hourly_wage has: "
                f"{', '.join(sorted(self.hourly_wage))})", file=diary)
        wage = float(self.hourly_wage[title])
        return wage * (1 + self.side_costs_pct / 100) * (1 + self.overhead_pct / 100) / 60

    def index_factor(self, year: int, *, file: str | None = None,
                     row: int | None = None) -> float:
        """Multiplier taking euros of ``year`` to euros of the price year."""
        if int(year) == int(self.price_year):
            return 1.0
        if int(year) not in self.price_index or int(self.price_year) not in self.price_index:
            raise InputError(
                f"price_index in the unit costs has no value for year {int(year)} (or for the "
                f"price year {int(self.price_year)}); cannot convert to the price year",
                file=file, row=row)
        return float(self.price_index[int(self.price_year)]) / float(self.price_index[int(year)])


def unit_cost_values(unit_costs: Any) -> UnitCostValues:
    """Read unit costs from a ``UnitCosts`` object (attributes) or a dict (docs/data_sources.md §8 YAML)."""
    if isinstance(unit_costs, UnitCostValues):
        return unit_costs

    def get(name: str, default: Any = None) -> Any:
        if isinstance(unit_costs, Mapping):
            return unit_costs.get(name, default)
        return getattr(unit_costs, name, default)

    missing = [k for k in ("price_year", "hourly_wage") if get(k) is None]
    if missing:
        raise HbEvalError(f"unit costs lack {', '.join(missing)}")
    index = {int(k): float(v) for k, v in (get("price_index") or {}).items()}
    return UnitCostValues(
        price_year=int(get("price_year")),
        hourly_wage={str(k): float(v) for k, v in dict(get("hourly_wage")).items()},
        side_costs_pct=float(get("side_costs_pct", 0.0) or 0.0),
        overhead_pct=float(get("overhead_pct", 0.0) or 0.0),
        km_allowance=float(get("km_allowance", 0.0) or 0.0),
        volunteer_hour_value=float(get("volunteer_hour_value", 0.0) or 0.0),
        client_hour_value=float(get("client_hour_value", 0.0) or 0.0),
        price_index=index,
    )


def _year_factors(years: pd.Series, uc: UnitCostValues, files: pd.Series,
                  rows: pd.Series) -> np.ndarray:
    """Price-year factor per row (vectorised over the distinct years)."""
    out = np.ones(len(years))
    y = years.to_numpy()
    for year in pd.unique(years.dropna()):
        mask = y == year
        first = int(np.flatnonzero(mask)[0])
        out[mask] = uc.index_factor(int(year), file=_s(files.iloc[first]),
                                    row=_i(rows.iloc[first]))
    return out


def _s(v: Any) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _i(v: Any) -> int | None:
    try:
        return None if pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


# -- diaries -----------------------------------------------------------------------------------
def price_diaries(diaries: pd.DataFrame, diary_rows: pd.DataFrame, unit_costs: Any) -> pd.DataFrame:
    """Price every diary row in euros of the price year.

    Parameters
    ----------
    diaries
        One row per diary workbook: diary_id, file, role, person, title, period_start,
        period_end, period_days.
    diary_rows
        diary_id, role, date, client_id, task, minutes, km, expenses, volunteer, file, row.
    unit_costs
        ``UnitCosts`` or a dict in the docs/data_sources.md §8 shape.

    Returns
    -------
    DataFrame
        ``diary_rows`` with title, period_days and the priced columns: ``time_eur`` (worker
        time, or paid assistant time, at wage × side costs × overhead), ``volunteer_eur``
        (volunteer assistant time at the shadow price), ``client_time_eur`` (client minutes ×
        client_hour_value), ``km_eur`` (km × allowance), ``expenses_eur`` (out-of-pocket euros
        in the price year) and ``priced`` (False for rows of a worker diary without a title).

    Raises
    ------
    InputError
        A diary title missing from ``hourly_wage`` (names the title and the diary file); a
        diary row whose diary is not in ``diaries``; a diary without sample-period days; a
        year missing from ``price_index``.
    """
    return _price_joined(_join_diaries(diaries, diary_rows), unit_cost_values(unit_costs))


@dataclass(frozen=True)
class _JoinedDiaries:
    """The diary rows joined to their diary, checked, with the unit-cost-free arrays."""
    frame: pd.DataFrame
    role: np.ndarray
    minutes: np.ndarray
    km: np.ndarray
    expenses: np.ndarray
    volunteer: np.ndarray
    pair: np.ndarray  # each row's (diary role, title) as a code, in order of first appearance
    pairs: tuple[tuple[Any, str, Any], ...]  # per code: (diary file of its first row, role, title)
    years: pd.Series | None  # only where some row has expenses


def _join_diaries(diaries: pd.DataFrame, diary_rows: pd.DataFrame) -> _JoinedDiaries:
    d = diaries.loc[:, ["diary_id", "file", "role", "title", "period_days"]].rename(
        columns={"file": "diary_file", "role": "diary_role"})
    r = diary_rows.merge(d, on="diary_id", how="left", validate="many_to_one")
    if r["diary_file"].isna().any():
        bad = r[r["diary_file"].isna()].iloc[0]
        raise InputError("diary row refers to a diary that is not in the diaries table",
                         file=_s(bad.get("file")), row=_i(bad.get("row")))
    pdays = pd.to_numeric(r["period_days"], errors="coerce")
    if (pdays.isna() | (pdays < 1)).any():
        bad = r[pdays.isna() | (pdays < 1)].iloc[0]
        raise InputError("the diary's sample period (Seurantajakso) has no days, so no rate "
                         "per day can be computed", file=_s(bad["diary_file"]))
    role = r["diary_role"].astype(str).to_numpy()
    minutes = pd.to_numeric(r["minutes"], errors="raise").fillna(0.0).to_numpy(float)
    km = pd.to_numeric(r["km"], errors="raise").fillna(0.0).to_numpy(float)
    exp = pd.to_numeric(r["expenses"], errors="raise").fillna(0.0).to_numpy(float)
    volunteer = r["volunteer"].fillna(False).astype(bool).to_numpy()
    title = r["title"].astype("object").where(r["title"].notna(), None).fillna("")
    # the minute cost depends on the diary's role and title only: one code per pair met (a
    # diary without a role has none), with the diary file of its first row for the errors
    keys = pd.DataFrame({"role": r["diary_role"], "title": title})
    pair = keys.groupby(["role", "title"], sort=False, observed=True).ngroup().to_numpy()
    codes, first = np.unique(pair, return_index=True)
    files = r["diary_file"].to_numpy(dtype=object)
    drole = r["diary_role"].to_numpy(dtype=object)
    t = title.to_numpy(dtype=object)
    pairs = tuple((files[i], drole[i], t[i]) for c, i in zip(codes, first) if c >= 0)
    years = pd.to_datetime(r["date"]).dt.year if exp.any() else None
    return _JoinedDiaries(r.drop(columns=["diary_role"]), role, minutes, km, exp, volunteer,
                          pair, pairs, years)


def _price_joined(j: _JoinedDiaries, uc: UnitCostValues) -> pd.DataFrame:
    r, role, minutes, volunteer = j.frame, j.role, j.minutes, j.volunteer
    # minute cost per (role, title), checked in the order the rows meet them, so that an
    # unknown title names the diary of its first row (the first such diary)
    cost = np.full(len(j.pairs) + 1, np.nan)  # the last entry: rows of a diary without a role
    for k, (diary_file, drole, t) in enumerate(j.pairs):
        if drole == "worker":
            if t == "":
                continue  # unknown title: not priced, clients imputed
            cost[k] = uc.minute_cost(t, diary_file)
        elif drole == "assistant":
            cost[k] = uc.minute_cost(t if t != "" else ASSISTANT_TITLE, diary_file)
    minute_cost = cost[j.pair]
    is_w, is_a, is_c = role == "worker", role == "assistant", role == "client"
    priced = ~(is_w & np.isnan(minute_cost))
    time_eur = np.where(is_w | (is_a & ~volunteer), minutes * np.nan_to_num(minute_cost), 0.0)
    time_eur = np.where(priced, time_eur, np.nan)
    volunteer_eur = np.where(is_a & volunteer, minutes * uc.volunteer_hour_value / 60, 0.0)
    client_time_eur = np.where(is_c, minutes * uc.client_hour_value / 60, 0.0)
    factor = (_year_factors(j.years, uc, r["diary_file"], r["row"])
              if j.years is not None else 1.0)
    out = r.copy()
    out["time_eur"] = time_eur
    out["volunteer_eur"] = volunteer_eur
    out["client_time_eur"] = client_time_eur
    out["km_eur"] = j.km * uc.km_allowance
    out["expenses_eur"] = j.expenses * factor
    out["priced"] = priced
    return out


def latest_data_date(clients: pd.DataFrame, diary_rows: pd.DataFrame | None = None,
                     service_costs: pd.DataFrame | None = None) -> pd.Timestamp:
    """The latest date in the costing data: the default cut-off for ongoing client-ships."""
    dates = [clients.get("start_date"), clients.get("end_date")]
    if diary_rows is not None and len(diary_rows):
        dates.append(diary_rows.get("date"))
    if service_costs is not None and len(service_costs):
        dates += [service_costs.get("start_date"), service_costs.get("end_date")]
    mx = [pd.to_datetime(s).max() for s in dates if s is not None]
    mx = [m for m in mx if not pd.isna(m)]
    if not mx:
        raise HbEvalError("no dates in the costing data: give an explicit cutoff")
    return max(mx).normalize()


def _check_unique_clients(client_id: pd.Series) -> None:
    """Costs are per client: a client listed twice would be costed twice."""
    if not client_id.is_unique:
        dup = int(client_id.duplicated().sum())
        raise HbEvalError(f"the clients table lists {dup} client(s) more than once; costs are "
                          "computed once per client")


def clientship_days(clients: pd.DataFrame, cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """Client-ship days, start to end inclusive; ongoing client-ships up to ``cutoff``.

    Returns
    -------
    DataFrame
        client_id, days, days_basis (``"end_date"`` or ``"cutoff"``).
    """
    start = pd.to_datetime(clients["start_date"])
    end = pd.to_datetime(clients["end_date"])
    ongoing = end.isna()
    last = end.where(~ongoing, pd.Timestamp(cutoff).normalize())
    days = (last - start).dt.days.astype(float) + 1.0
    return pd.DataFrame({
        "client_id": clients["client_id"].astype(str).to_numpy(),
        "days": days.to_numpy(),
        "days_basis": np.where(ongoing, "cutoff", "end_date"),
    })


@dataclass(frozen=True)
class RateLayout:
    """Where each priced diary row goes in :func:`diary_rates`: its client's position in the
    clients table (-1: no client of the table) and its role. It depends only on the rows and
    the clients, not on the unit costs, so costings of the same data share it.

    ``memo`` keeps what :func:`diary_rates` made with it for these clients: each component's
    imputed rates, by the rule and the bytes of the component's euros per day (a costing that
    changes one unit cost recomputes only the components it moves: the sensitivity analyses),
    and the client-ship days by cut-off."""

    client: np.ndarray
    roles: dict[str, np.ndarray]
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)


def rate_layout(priced: pd.DataFrame, client_ids: pd.Series) -> RateLayout:
    """The :class:`RateLayout` of diary rows (``client_id``, ``role``) for these clients."""
    ids = priced["client_id"].astype("object").where(priced["client_id"].notna(), None)
    client_ids = client_ids.astype(str)
    _check_unique_clients(client_ids)  # a position per client
    client = pd.Index(client_ids).get_indexer(ids.to_numpy(dtype=object))
    role = priced["role"].astype(str).to_numpy(dtype=object)
    return RateLayout(np.asarray(client, dtype=np.intp), {r: role == r for r in ROLES})


def diary_rates(priced: pd.DataFrame, clients: pd.DataFrame, rule: str = "arm_pilot_role",
                cutoff: pd.Timestamp | str | None = None, *,
                layout: RateLayout | None = None) -> pd.DataFrame:
    """Per client and role: euro rates per day, imputed where not observed, extrapolated.

    For each role, a client is *observed* when at least one priced diary row of that role names
    them. Their rate for each component is Σ over the role's diaries of (euros recorded for them
    in the diary / days in that diary's sample period). A client not observed in a role gets the
    mean rate of the observed clients of the same arm, pilot and role; where that cell is empty,
    of the same arm and role; where that is empty too, zero (``rule="arm_pilot_role"``).
    ``rule="arm_role"`` starts at the arm-and-role step; ``rule="zero"`` gives zero at once.
    The client-ship cost is rate × client-ship days.

    Parameters
    ----------
    priced
        From :func:`price_diaries`.
    clients
        client_id, arm, pilot, start_date, end_date.
    rule
        ``"arm_pilot_role"`` | ``"arm_role"`` | ``"zero"``.
    cutoff
        End date used for ongoing client-ships; default :func:`latest_data_date`.
    layout
        :func:`rate_layout` of ``priced`` and ``clients`` when already made (the same rows in
        the same order; :class:`PreparedCosts` keeps one).

    Returns
    -------
    DataFrame
        One row per client: client_id, arm, pilot, days, days_basis, for each diary component
        ``<component>_rate`` (€/day) and ``<component>`` (€ over the client-ship), the flags
        ``imputed_worker``, ``imputed_client``, ``imputed_assistant`` (True: not observed, the
        rate is imputed) and ``rule``. ``attrs["diary_rows_unattributed"]`` counts rows that
        named no client of the table.
    """
    if rule not in RULES:
        raise HbEvalError(f"rule must be one of {', '.join(RULES)}, not {rule!r}")
    c = clients.loc[:, ["client_id", "arm", "pilot"]].copy()
    c["client_id"] = c["client_id"].astype(str)
    if cutoff is None:
        cutoff = latest_data_date(clients, priced)
    memo = layout.memo if layout is not None else {}  # a layout of these clients: shared
    days_key = ("days", str(pd.Timestamp(cutoff)))
    if days_key not in memo:
        memo[days_key] = clientship_days(clients, cutoff)
    days = memo[days_key]
    if ("unique",) not in memo:  # checked once per layout's clients
        _check_unique_clients(c["client_id"])
        memo[("unique",)] = True
    out = _beside(c, days)  # both one row per client, same order

    if layout is None:
        layout = rate_layout(priced, c["client_id"])
    n_unattributed = int((layout.client < 0).sum())
    keep = (layout.client >= 0) & priced["priced"].to_numpy(bool)
    for role in ROLES:
        comps = ROLE_COMPONENTS[role]
        m = keep & layout.roles[role]
        code = layout.client[m]  # the row's client as its position in ``clients``
        observed = np.zeros(len(out), dtype=bool)
        observed[code] = True
        # euros per day of each row: its columns summed as pandas sums a row (missing as 0,
        # left to right) over the diary's days
        days_of = priced["period_days"].to_numpy()[m].astype(float)
        per_day = {}
        for comp, cols in comps.items():
            parts = [priced[c].to_numpy(dtype=float)[m] for c in cols]
            euros = np.where(np.isnan(parts[0]), 0.0, parts[0])
            for x in parts[1:]:
                euros = euros + np.where(np.isnan(x), 0.0, x)
            per_day[comp] = euros / days_of
        # the components whose euros per day (and rows) an earlier costing had: its rates
        rows_key = _digest(m)
        keys = {comp: (role, comp, rule, rows_key, _digest(v)) for comp, v in per_day.items()}
        if any(np.isnan(v).any() for v in per_day.values()):  # pandas sums NaN blocks otherwise
            keys = {}
        todo = [comp for comp in comps if keys.get(comp) not in memo]
        if todo:
            frame = pd.DataFrame({comp: per_day[comp] for comp in todo})
            # Σ over diaries of euros/period_days == Σ over rows of euros/that row's
            # period_days; grouped by the client's position (the same groups, rows and order
            # as by its number)
            rates = frame.groupby(code, sort=False).sum()
            at = rates.index.to_numpy(dtype=np.intp)
            r = out[["client_id", "arm", "pilot"]].copy()
            for comp in todo:
                col = np.full(len(out), np.nan)
                col[at] = rates[comp].to_numpy(dtype=float)
                r[comp] = col
            imputed = _impute(r, todo, observed, rule)
            made = {comp: imputed[comp].to_numpy(dtype=float) for comp in todo}
            if keys:
                memo.update({keys[comp]: v for comp, v in made.items()})
        else:
            made = {}
        for comp in comps:
            rate = made[comp] if comp in made else memo[keys[comp]]
            out[f"{comp}_rate"] = rate.copy()
            out[comp] = out[f"{comp}_rate"] * out["days"]
        out[f"imputed_{role}"] = ~observed
    out["rule"] = rule
    out.attrs["diary_rows_unattributed"] = n_unattributed
    out.attrs["cutoff"] = str(pd.Timestamp(cutoff).date())
    return out


def _digest(a: np.ndarray) -> bytes:
    """A short fingerprint of an array's bytes (a memo key)."""
    return hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=20).digest()


def _impute(r: pd.DataFrame, comps: list[str], observed: np.ndarray,
            rule: str) -> pd.DataFrame:
    """The cascade: observed rate, else mean of the arm × pilot cell, else arm, else zero."""
    obs = r[comps].astype(float).where(pd.Series(observed, index=r.index), axis=0)
    x = obs
    if rule != "zero":
        steps = [["arm", "pilot"], ["arm"]] if rule == "arm_pilot_role" else [["arm"]]
        # grouped by the cells' columns beside the rates (pandas formats a key Series that is
        # not a column of the frame into an error message it then discards: ~30 ms a key)
        keyed = pd.concat([obs, r[["arm", "pilot"]]], axis=1)
        for keys in steps:  # means over observed clients only, never over imputed ones
            cell_mean = keyed.groupby(keys, observed=True, dropna=False)[comps].transform("mean")
            x = x.fillna(cell_mean)
    return x.fillna(0.0)


# -- services ----------------------------------------------------------------------------------
def price_services(service_costs: pd.DataFrame, unit_costs: Any) -> pd.DataFrame:
    """Service episodes in euros of the price year (by the year of the episode's start date).

    Returns
    -------
    DataFrame
        ``service_costs`` with ``price_year_amount`` (amount × index[price year] / index[year])
        and ``price_year_basis`` (the year used). Rows flagged ``sum_mismatch`` are kept as
        given; their count is in ``attrs["sum_mismatch"]``.

    Raises
    ------
    InputError
        An episode with neither a start nor an end date, an unknown funding code, or a year
        missing from ``price_index`` (names the file and row).
    """
    uc = unit_cost_values(unit_costs)
    s = service_costs.copy(deep=False)  # new columns only: the rows' own stay shared
    unknown = _funding_codes(s["funding"], {f: 0 for f in FUNDING}) < 0
    if unknown.any():
        bad = s[unknown].iloc[0]
        raise InputError(f"unknown funding code; expected one of {', '.join(FUNDING)}",
                         file=_s(bad.get("file")), row=_i(bad.get("row")), column="Rahoitus")
    year = pd.to_datetime(s["start_date"]).dt.year.fillna(pd.to_datetime(s["end_date"]).dt.year)
    if year.isna().any():
        bad = s[year.isna()].iloc[0]
        raise InputError("service episode has neither a start nor an end date, so its price "
                         "year is unknown", file=_s(bad.get("file")), row=_i(bad.get("row")))
    amount = pd.to_numeric(s["amount"], errors="raise").astype(float)
    if amount.isna().any():
        bad = s[amount.isna()].iloc[0]
        raise InputError("service episode has no amount", file=_s(bad.get("file")),
                         row=_i(bad.get("row")), column="Summa €")
    s["price_year_basis"] = year.astype(int)
    none = pd.Series([None] * len(s)) if not {"file", "row"} <= set(s.columns) else None
    s["price_year_amount"] = amount.to_numpy() * _year_factors(
        year.astype(int), uc, s["file"] if "file" in s else none,
        s["row"] if "row" in s else none)
    s.attrs["sum_mismatch"] = int(s.get("sum_mismatch", pd.Series(False, index=s.index))
                                  .fillna(False).astype(bool).sum())
    return s


def service_costs_by_client(service_costs: pd.DataFrame, clients: pd.DataFrame,
                            unit_costs: Any, *, priced: pd.DataFrame | None = None,
                            client_pos: np.ndarray | None = None) -> pd.DataFrame:
    """Per client: price-year euros by funding (``services_hb_budget``, ``services_usual``,
    ``client_fees`` as fees paid, positive), every episode counted in full.

    ``attrs``: ``sum_mismatch`` (rows flagged and kept as given), ``rows_outside_clientship``
    (episodes starting before the client-ship start or after its end; counted in full all the
    same), ``rows_unknown_client`` (rows naming a client not in ``clients``; not counted).

    ``priced`` (:func:`price_services` of ``service_costs`` with these unit costs) and
    ``client_pos`` (:func:`service_client_positions`) when already made: then the rows are
    summed by their client's position instead of merged on the ids (the same sums).
    """
    c = clients.loc[:, ["client_id"]].astype(str)
    out = c.copy()
    for col in FUNDING.values():
        out[col] = 0.0
    if service_costs is None or len(service_costs) == 0:
        out.attrs.update(sum_mismatch=0, rows_outside_clientship=0, rows_unknown_client=0)
        return out
    if priced is not None and client_pos is not None:
        return _service_sums_by_position(priced, clients, client_pos, out)
    # the columns used here (pricing copies the frame; the others are large strings)
    s = price_services(service_costs.loc[:, [c for c in (
        "client_id", "funding", "start_date", "end_date", "amount", "sum_mismatch", "file",
        "row") if c in service_costs]], unit_costs)
    s["client_id"] = s["client_id"].astype(str)
    known = s["client_id"].isin(set(c["client_id"]))
    sums = (s[known].assign(component=s["funding"].astype(str).map(FUNDING))
            .pivot_table(index="client_id", columns="component", values="price_year_amount",
                         aggfunc="sum", fill_value=0.0))
    for col in FUNDING.values():
        if col in sums:
            out[col] = out["client_id"].map(sums[col]).fillna(0.0).to_numpy(float)
    cl = clients.assign(client_id=clients["client_id"].astype(str)).set_index("client_id")
    st = pd.to_datetime(s["start_date"])
    cs = pd.to_datetime(s["client_id"].map(cl["start_date"]))
    ce = pd.to_datetime(s["client_id"].map(cl["end_date"]))
    outside = known & ((st < cs) | (st > ce))
    out.attrs.update(sum_mismatch=s.attrs["sum_mismatch"],
                     rows_outside_clientship=int(outside.sum()),
                     rows_unknown_client=int((~known).sum()))
    return out


def service_client_positions(service_costs: pd.DataFrame, clients: pd.DataFrame
                             ) -> np.ndarray | None:
    """Each service row's client as its position in ``clients`` (-1: a client not in it), the
    ids compared as text; None when ``clients`` lists a client twice (then the callers merge
    on the ids, and say so in their own words)."""
    ids = clients["client_id"].astype(str)
    if not ids.is_unique:
        return None
    return np.asarray(pd.Index(ids).get_indexer(service_costs["client_id"].astype(str)),
                      dtype=np.intp)


def _funding_codes(funding: pd.Series, codes: Mapping[str, int]) -> np.ndarray:
    """``codes`` of each row's funding as text (-1: another one), looked up once per distinct
    value (a category's code) rather than once per row."""
    f = funding if isinstance(funding.dtype, pd.CategoricalDtype) else funding.astype("category")
    table = np.array([codes.get(str(v), -1) for v in f.cat.categories] + [-1], dtype=np.intp)
    return table[f.cat.codes.to_numpy()]  # code -1 (missing) reads the last entry: -1


def _service_sums_by_position(s: pd.DataFrame, clients: pd.DataFrame, pos: np.ndarray,
                              out: pd.DataFrame) -> pd.DataFrame:
    """:func:`service_costs_by_client` from the priced rows and their clients' positions, with
    the very same sums: pandas sums a group in row order, or by ``reduceat`` when the rows
    come sorted by group, so the rows are grouped by a key that sorts as the pivot's (client
    id as text, then component), not by the position alone."""
    known = pos >= 0
    comps = sorted(FUNDING.values())
    code = _funding_codes(s["funding"], {f: comps.index(c) for f, c in FUNDING.items()})
    ids = clients["client_id"].astype(str).to_numpy(dtype=object)
    by_id = np.argsort(ids, kind="stable")           # position of the client of each rank
    rank = np.empty(len(ids), dtype=np.intp)
    rank[by_id] = np.arange(len(ids))
    key = rank[pos[known]] * len(comps) + code[known]
    sums = pd.Series(s["price_year_amount"].to_numpy(dtype=float)[known]).groupby(key).sum()
    k = sums.index.to_numpy(dtype=np.intp)
    at, comp = by_id[k // len(comps)], k % len(comps)
    for j, col in enumerate(comps):
        vals = np.zeros(len(out))
        vals[at[comp == j]] = sums.to_numpy(dtype=float)[comp == j]
        out[col] = vals
    st = s["start_date"].to_numpy(dtype="datetime64[ns]")
    at = np.where(known, pos, 0)
    cs = pd.to_datetime(clients["start_date"]).to_numpy(dtype="datetime64[ns]")[at]
    ce = pd.to_datetime(clients["end_date"]).to_numpy(dtype="datetime64[ns]")[at]
    outside = known & ((st < cs) | (st > ce))
    out.attrs.update(sum_mismatch=s.attrs["sum_mismatch"],
                     rows_outside_clientship=int(outside.sum()),
                     rows_unknown_client=int((~known).sum()))
    return out


def service_cost_table(service_costs: pd.DataFrame, clients: pd.DataFrame,
                       unit_costs: Any) -> pd.DataFrame:
    """Service costs by funding, provider sector and arm (price-year euros).

    Returns
    -------
    DataFrame
        funding, sector, arm, total_eur, mean_per_client (over all clients of the arm),
        n_rows, n_clients (clients with any such row), n_arm, price_year.
    """
    uc = unit_cost_values(unit_costs)
    s = price_services(service_costs, uc)
    c = clients.loc[:, ["client_id", "arm"]].assign(client_id=clients["client_id"].astype(str))
    s = s.assign(client_id=s["client_id"].astype(str)).merge(c, on="client_id", how="inner")
    n_arm = c.groupby("arm", observed=True).size()
    g = s.groupby(["funding", "sector", "arm"], observed=True, dropna=False)
    t = g.agg(total_eur=("price_year_amount", "sum"), n_rows=("price_year_amount", "size"),
              n_clients=("client_id", "nunique")).reset_index()
    t["n_arm"] = t["arm"].map(n_arm).astype(int)
    t["mean_per_client"] = t["total_eur"] / t["n_arm"]
    t["price_year"] = uc.price_year
    return t


# -- per-client costs ----------------------------------------------------------------------------
class PreparedCosts:
    """The tables of :func:`client_costs` with its unit-cost-free work done once.

    Pass it to :func:`client_costs` in place of the dataset when costing the same data many
    times (the sensitivity analyses do): the diary rows are joined to their diaries and checked
    once, and the per-client service costs are kept for each price index met. The costs are
    the very numbers :func:`client_costs` gives on the dataset itself.

    Parameters
    ----------
    ds_or_tables
        As :func:`client_costs`.
    """

    def __init__(self, ds_or_tables: Any) -> None:
        self.tables = _tables(ds_or_tables)
        self._joined: _JoinedDiaries | None = None
        self._layout: RateLayout | None = None
        self._services: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._priced: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._client_pos: tuple[np.ndarray | None] | None = None

    def joined(self) -> _JoinedDiaries:
        """The diary rows joined to their diaries (computed on first use)."""
        if self._joined is None:
            self._joined = _join_diaries(self.tables["diaries"], self.tables["diary_rows"])
        return self._joined

    def layout(self, priced: pd.DataFrame) -> RateLayout:
        """The :class:`RateLayout` of the joined diary rows (priced rows keep their order)."""
        if self._layout is None:
            self._layout = rate_layout(priced, self.tables["clients"]["client_id"])
        return self._layout

    def services(self, uc: UnitCostValues | None) -> pd.DataFrame:
        """:func:`service_costs_by_client`, once per price year and price index."""
        key = _price_key(uc)
        if key not in self._services:
            sc = self.tables["service_costs"]
            shared = uc is not None and sc is not None and len(sc) > 0 \
                and self.service_client_pos() is not None
            self._services[key] = service_costs_by_client(
                sc, self.tables["clients"], uc,
                priced=self.priced_services(uc) if shared else None,
                client_pos=self.service_client_pos() if shared else None)
        return self._services[key]  # read, never changed, by client_costs

    def priced_services(self, uc: UnitCostValues) -> pd.DataFrame:
        """:func:`price_services` of the service rows (every column), once per price year and
        price index; shared by the services, the costs and the sensitivity analyses (read,
        never changed)."""
        key = _price_key(uc)
        if key not in self._priced:
            self._priced[key] = price_services(self.tables["service_costs"], uc)
        return self._priced[key]

    def service_client_pos(self) -> np.ndarray | None:
        """:func:`service_client_positions` of the service rows (computed on first use)."""
        if self._client_pos is None:
            self._client_pos = (service_client_positions(self.tables["service_costs"],
                                                         self.tables["clients"]),)
        return self._client_pos[0]


def _price_key(uc: UnitCostValues | None) -> tuple[Any, ...]:
    """What the price-year euros of the service rows depend on."""
    return (uc.price_year, tuple(sorted(uc.price_index.items()))) if uc is not None else (None,)


def _tables(ds_or_tables: Any) -> dict[str, Any]:
    names = ("clients", "diaries", "diary_rows", "service_costs", "unit_costs")
    if isinstance(ds_or_tables, PreparedCosts):
        return ds_or_tables.tables
    if getattr(ds_or_tables, "dataset", None) is not None:  # an Evaluation
        ds_or_tables = ds_or_tables.dataset
    if isinstance(ds_or_tables, Mapping):
        return {k: ds_or_tables.get(k) for k in names}
    return {k: getattr(ds_or_tables, k, None) for k in names}


def client_costs(ds_or_tables: Any, perspective: str = "organiser",
                 rule: str = "arm_pilot_role", unit_costs: Any = None,
                 cutoff: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """Per-client cost over the client-ship in one perspective (euros of the price year).

    Perspectives (docs/methods.md): **organiser** — worker time, km and expenses, paid assistant time
    and assistant expenses, HB-budget and usual services, minus client fees. **societal** —
    the same plus volunteer assistant time at its shadow price, the client's time at its value and
    the client's out-of-pocket costs; services at gross cost (client fees net out, column 0).

    Parameters
    ----------
    ds_or_tables
        A ``Dataset``, an ``Evaluation`` (its dataset), a :class:`PreparedCosts` or a dict
        with clients, diaries, diary_rows, service_costs, unit_costs (diary and service tables
        may be None when the source is absent: those costs are 0).
    perspective
        ``"organiser"`` | ``"societal"``.
    rule
        Imputation cascade for clients without a diary, see :func:`diary_rates`.
    unit_costs
        Overrides the dataset's unit costs (used by the sensitivity analyses).
    cutoff
        End date for ongoing client-ships; default the latest date in the costing data.

    Returns
    -------
    DataFrame
        One row per client: client_id, arm, pilot, worker, perspective, the component columns
        (:data:`COMPONENTS`, signed contributions that add up to ``total``), total, days,
        days_basis, months (days / 30.4375), total_per_month, imputed_worker, imputed_client,
        imputed_assistant, rule, price_year. ``attrs`` carry the counts of unattributed diary
        rows, flagged service rows and the cut-off used.
    """
    if perspective not in PERSPECTIVES:
        raise HbEvalError(f"perspective must be one of {', '.join(PERSPECTIVES)}, "
                          f"not {perspective!r}")
    t = _tables(ds_or_tables)
    clients = t["clients"]
    uc_raw = unit_costs if unit_costs is not None else t["unit_costs"]
    has_diaries = t["diaries"] is not None and t["diary_rows"] is not None \
        and len(t["diary_rows"]) > 0
    has_services = t["service_costs"] is not None and len(t["service_costs"]) > 0
    if uc_raw is None:
        if has_diaries or has_services:
            raise HbEvalError("unit costs are needed to price diaries and services "
                              "(sources.unit_costs)")
        uc = None
    else:
        uc = unit_cost_values(uc_raw)
    if cutoff is None:
        cutoff = latest_data_date(clients, t["diary_rows"] if has_diaries else None,
                                  t["service_costs"] if has_services else None)
    prepared = (ds_or_tables if isinstance(ds_or_tables, PreparedCosts)
                else PreparedCosts(t))
    if has_diaries:
        priced = _price_joined(prepared.joined(), uc)
    else:
        priced = pd.DataFrame({"client_id": pd.Series(dtype=object), "role": [], "priced": [],
                               "period_days": [], **{c: [] for c in (
                                   "time_eur", "volunteer_eur", "client_time_eur", "km_eur",
                                   "expenses_eur")}})
    rates = diary_rates(priced, clients, rule=rule, cutoff=cutoff,
                        layout=prepared.layout(priced) if has_diaries else None)
    serv = prepared.services(uc)

    base = clients.loc[:, ["client_id", "arm", "pilot", "worker"]].copy()
    base["client_id"] = base["client_id"].astype(str)
    # rates and serv have one row per client (checked unique in diary_rates), in its order
    f = _beside(_beside(base, rates.drop(columns=["arm", "pilot"])), serv)
    societal = perspective == "societal"
    f["perspective"] = perspective
    f["assistant_time"] = f["assistant_time_paid"] + (
        f["assistant_time_volunteer"] if societal else 0.0)
    if not societal:
        f["client_time"] = 0.0
        f["client_expenses"] = 0.0
        f["client_fees"] = -f["client_fees"]
    else:
        f["client_fees"] = 0.0
    f["total"] = f.loc[:, list(COMPONENTS)].sum(axis=1, min_count=len(COMPONENTS))
    f["months"] = f["days"] / DAYS_PER_MONTH
    f["total_per_month"] = f["total"] / f["months"]
    f["price_year"] = uc.price_year if uc is not None else pd.NA
    cols = (["client_id", "arm", "pilot", "worker", "perspective", *COMPONENTS, "total",
             "days", "days_basis", "months", "total_per_month", "imputed_worker",
             "imputed_client", "imputed_assistant", "rule", "price_year"])
    out = f.loc[:, cols].reset_index(drop=True)
    out.attrs = {
        "cutoff": str(pd.Timestamp(cutoff).date()),
        "diary_rows_unattributed": rates.attrs.get("diary_rows_unattributed", 0),
        "diary_rows_unpriced": int((~priced["priced"].astype(bool)).sum()) if has_diaries else 0,
        **{f"service_{k}": v for k, v in serv.attrs.items()},
    }
    return out


def _beside(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """``left.merge(right, on="client_id", how="left")`` for tables of one row per client: side
    by side when both list the same clients in the same order (the tables made here from the
    clients table do), a merge otherwise."""
    ids = left["client_id"].to_numpy(dtype=object)
    if len(ids) != len(right) or not np.array_equal(ids, right["client_id"].to_numpy(
            dtype=object)):
        return left.merge(right, on="client_id", how="left")
    return pd.concat([left.reset_index(drop=True),
                      right.drop(columns="client_id").reset_index(drop=True)], axis=1)


def cost_summary(costs: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per client and per client-month by component and arm.

    Parameters
    ----------
    costs
        From :func:`client_costs` (one perspective, or several stacked).

    Returns
    -------
    DataFrame
        Tidy: perspective, component (the components and ``total``), arm, per (``"client"``
        over the client-ship, or ``"client_month"``: the component divided by the client's
        months), mean, sd, n. Means of the components add up to the mean total.
    """
    comps = [c for c in (*COMPONENTS, "total") if c in costs]
    keys = [pd.Series(costs["perspective"].to_numpy(), index=costs.index, name="perspective"),
            pd.Series(costs["arm"].to_numpy(), index=costs.index, name="arm")]
    rows = []
    for per in ("client", "client_month"):
        vals = costs[comps] if per == "client" else costs[comps].div(costs["months"], axis=0)
        # every component grouped at once on the wide table (the same groups, rows and order
        # as grouping it stacked), then laid out component by component
        g = vals.groupby(keys, observed=True, sort=False)
        stats = {"mean": g.mean(), "sd": g.std(), "n": g.count()}
        pairs = stats["mean"].index
        t = pd.DataFrame({
            "perspective": np.tile(pairs.get_level_values(0).to_numpy(dtype=object), len(comps)),
            "component": np.repeat(np.array(comps, dtype=object), len(pairs)),
            "arm": np.tile(pairs.get_level_values(1).to_numpy(dtype=object), len(comps)),
            **{k: np.concatenate([v[c].to_numpy() for c in comps]) for k, v in stats.items()}})
        t["per"] = per
        rows.append(t)
    out = pd.concat(rows, ignore_index=True)
    return out.loc[:, ["perspective", "component", "arm", "per", "mean", "sd", "n"]]


def costs_block(costs: pd.DataFrame, summary: pd.DataFrame | None = None) -> dict[str, Any]:
    """The results.json ``costs.<perspective>`` block: mean per arm and components per arm.

    ``summary``: :func:`cost_summary` of these costs when already made (it may hold other
    perspectives too, stacked: their rows are left out; the means are the same numbers)."""
    def f(v: Any) -> float | None:
        v = float(v)
        return None if not np.isfinite(v) else v

    if summary is None:
        s = cost_summary(costs)
    else:
        mine = set(costs["perspective"].astype(str)) if "perspective" in costs else set()
        s = summary[summary["perspective"].astype(str).isin(mine)]
    s = s[s["per"] == "client"]
    arms = ("HB", "Verrokki")
    get = {(r.component, str(r.arm)): r.mean for r in s.itertuples()}
    return {
        "mean": {a: f(get.get(("total", a), np.nan)) for a in arms},
        "components": {c: {a: f(get.get((c, a), np.nan)) for a in arms}
                       for c in COMPONENTS if c in costs},
        "n": {a: int((costs["arm"].astype(str) == a).sum()) for a in arms},
        "price_year": (int(costs["price_year"].iloc[0]) if len(costs)
                       and not pd.isna(costs["price_year"].iloc[0]) else None),
        "currency": "EUR",
    }


def vary_unit_costs(unit_costs: Any, **changes: Any) -> UnitCostValues:
    """A copy of the unit costs with some values changed (``wage_factor`` scales every wage)."""
    uc = unit_cost_values(unit_costs)
    factor = changes.pop("wage_factor", None)
    if factor is not None:
        changes["hourly_wage"] = {k: v * factor for k, v in uc.hourly_wage.items()}
    return replace(uc, **changes)
