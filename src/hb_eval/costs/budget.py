"""Budget follow-up: the personal budget granted to each HB client against what was used.

For each HB client with at least one budget decision:

* **granted** = Σ over decisions of the decision's euros per day × the days it is in force
  inside the client-ship (start to end inclusive; an ongoing client-ship up to ``cutoff``);
* **realised** = Σ of the client's service-cost rows funded ``HB-budjetti`` inside the
  client-ship;
* **utilisation** = realised / granted, and both per client-month (a month is 365.25/12 days).

Conventions (where the evaluation plan leaves a choice):

* A decision is in force from its start (``Alkaa``) until the day before the next decision of the
  client starts (a revision replaces it from that date) or until its own end (``Päättyy``),
  whichever comes first; decisions are ordered by their start date. Between a decision's end and
  the next start no budget is in force.
* A service row is inside the client-ship when its start date (its end date when the start is
  blank) falls between the client-ship start and end (or ``cutoff``); rows outside are not
  realised budget and are counted in ``notes["n_hb_rows_outside_clientship"]``.
* Euros are as written in the decisions and the extracts (nominal euros, no price index): the
  budget was granted in those euros. The costs chapter uses price-year euros.
* Utilisation is undefined (NaN) when nothing was granted inside the client-ship (every
  decision outside it); such clients stay in the table and are left out of the utilisation
  statistics (``n_no_granted``). Quartiles are numpy's linear interpolation (type 7).
* HB-budget rows of HB clients without any decision are not followed up here; they are counted
  in ``notes["n_hb_clients_without_decision"]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError
from ..support.values import plain_value
from .costing import DAYS_PER_MONTH, clientship_days

__all__ = ["DAYS_PER_MONTH", "decision_periods", "realised_rows", "budget_followup",
           "BudgetFollowup", "followup_by"]

_DAY = np.timedelta64(1, "D")


def _clientship(clients: pd.DataFrame, cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """client_id, cs_start, cs_end (end date, or ``cutoff`` while ongoing)."""
    return pd.DataFrame({
        "client_id": clients["client_id"].astype(str).to_numpy(),
        "cs_start": pd.to_datetime(clients["start_date"]).to_numpy(),
        "cs_end": pd.to_datetime(clients["end_date"]).fillna(
            pd.Timestamp(cutoff).normalize()).to_numpy(),
    })


def decision_periods(budgets: pd.DataFrame, clients: pd.DataFrame,
                     cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """Each budget decision with the days it is in force inside the client-ship.

    Parameters
    ----------
    budgets
        The ``budgets`` table (client_id, start_date, end_date, eur_per_day, ...).
    clients
        The clients table (client_id, start_date, end_date).
    cutoff
        End of ongoing client-ships.

    Returns
    -------
    DataFrame
        The decisions of clients in ``clients``, ordered by client and start, with
        ``in_force_from``, ``in_force_to`` (NaT when never in force inside the client-ship),
        ``days_in_force`` (≥ 0), ``replaced`` (a later decision cut it short) and ``granted``
        (eur_per_day × days_in_force).
    """
    b = budgets.assign(client_id=budgets["client_id"].astype(str))
    cs = _clientship(clients, cutoff)
    ids = pd.Index(cs["client_id"])
    if ids.is_unique:  # the inner merge's rows (left order), by the clients' positions
        at = ids.get_indexer(b["client_id"])
        b = b.loc[at >= 0].reset_index(drop=True)
        at = at[at >= 0]
        for col in ("cs_start", "cs_end"):
            b[col] = cs[col].to_numpy()[at]
    else:  # a client listed twice: the merge says so
        b = b.merge(cs, on="client_id", how="inner", validate="many_to_one")
    b = b.sort_values(["client_id", "start_date"], kind="stable").reset_index(drop=True)
    start = pd.to_datetime(b["start_date"]).to_numpy()
    own_end = pd.to_datetime(b["end_date"]).to_numpy()
    nxt = pd.to_datetime(b.groupby("client_id")["start_date"].shift(-1)).to_numpy()
    replaced_at = nxt - _DAY
    to = np.where(np.isnat(own_end), b["cs_end"].to_numpy(), own_end)
    replaced = ~np.isnat(nxt) & (replaced_at < to)
    to = np.where(replaced, replaced_at, to)
    to = np.minimum(to, b["cs_end"].to_numpy())
    frm = np.maximum(start, b["cs_start"].to_numpy())
    days = np.maximum(((to - frm) / _DAY).astype(float) + 1.0, 0.0)
    b["in_force_from"] = np.where(days > 0, frm, np.datetime64("NaT"))
    b["in_force_to"] = np.where(days > 0, to, np.datetime64("NaT"))
    b["days_in_force"] = days
    b["replaced"] = replaced
    b["granted"] = b["eur_per_day"].to_numpy(float) * days
    return b.drop(columns=["cs_start", "cs_end"])


def realised_rows(service_costs: pd.DataFrame, clients: pd.DataFrame,
                  cutoff: pd.Timestamp | str) -> pd.DataFrame:
    """Service rows funded ``HB-budjetti`` of the clients, with ``inside`` (the row's start, or
    end when the start is blank, falls inside the client-ship)."""
    s = service_costs[service_costs["funding"].astype(str) == "HB-budjetti"]
    s = s.assign(client_id=s["client_id"].astype(str))
    cs = _clientship(clients, cutoff)
    s = s.merge(cs, on="client_id", how="inner", validate="many_to_one")
    when = pd.to_datetime(s["start_date"]).fillna(pd.to_datetime(s["end_date"]))
    s["inside"] = (when >= s["cs_start"]) & (when <= s["cs_end"])
    return s.drop(columns=["cs_start", "cs_end"])


@dataclass
class BudgetFollowup:
    """Result of :func:`budget_followup`.

    Attributes
    ----------
    clients
        One row per HB client with a budget decision: client_id, pilot, client_group, worker,
        days (client-ship days), days_basis, months, n_decisions, n_revisions, granted,
        realised, utilisation, granted_per_month, realised_per_month, under_half, over_full,
        n_hb_rows.
    periods
        The decisions with their days in force (:func:`decision_periods`).
    cutoff
        End date used for ongoing client-ships.
    notes
        Counts a reader needs: n_hb_rows_outside_clientship, n_hb_clients_without_decision,
        n_no_granted.
    """

    clients: pd.DataFrame
    periods: pd.DataFrame
    cutoff: str
    notes: dict[str, int] = field(default_factory=dict)
    _by: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    @property
    def utilisation(self) -> pd.Series:
        """Utilisation of the clients with something granted."""
        u = self.clients["utilisation"]
        return u[np.isfinite(u.to_numpy(float))]

    def to_frame(self) -> pd.DataFrame:
        """Per-client follow-up (internal: one row per client)."""
        return self.clients.copy()

    def by(self, column: str) -> pd.DataFrame:
        """Follow-up by ``pilot`` or ``client_group``: see :func:`followup_by` (made once per
        column; a copy)."""
        if column not in self._by:
            self._by[column] = followup_by(self.clients, column)
        return self._by[column].copy()

    def summary(self) -> str:
        """The follow-up in a few lines of text."""
        r = self.to_results()
        f = lambda v, d=0: "NA" if v is None else f"{v:,.{d}f}"  # noqa: E731
        return "\n".join([
            f"Budget follow-up: {r['n_clients']} HB clients with a budget decision "
            f"(ongoing client-ships up to {self.cutoff})",
            f"  granted mean {f(r['granted_mean'])} €, realised mean {f(r['realised_mean'])} €",
            f"  utilisation median {f(r['utilisation_median'], 2)} "
            f"(IQR {f(r['utilisation_q1'], 2)}–{f(r['utilisation_q3'], 2)}); under half "
            f"{f(r['share_under_half'], 3)}, over full {f(r['share_over_full'], 3)}",
        ])

    def to_results(self) -> dict[str, Any]:
        """The results.json ``budget`` block, plus stated extras (``n_utilisation``, per-month
        means, ``cutoff``, ``currency`` and the notes)."""
        c = self.clients
        u = self.utilisation.to_numpy(float)
        q = np.quantile(u, [0.25, 0.5, 0.75]) if u.size else [np.nan] * 3
        out = {
            "n_clients": int(len(c)),
            "granted_mean": plain_value(c["granted"].mean()) if len(c) else None,
            "realised_mean": plain_value(c["realised"].mean()) if len(c) else None,
            "utilisation_median": plain_value(q[1]),
            "utilisation_q1": plain_value(q[0]),
            "utilisation_q3": plain_value(q[2]),
            "share_under_half": plain_value(np.mean(u < 0.5)) if u.size else None,
            "share_over_full": plain_value(np.mean(u > 1.0)) if u.size else None,
            "by_pilot": _records(self.by("pilot"), "pilot"),
            "by_group": _records(self.by("client_group"), "client_group"),
            # extras (stated)
            "n_utilisation": int(u.size),
            "granted_per_month_mean": plain_value(c["granted_per_month"].mean()) if len(c) else None,
            "realised_per_month_mean": plain_value(c["realised_per_month"].mean()) if len(c) else None,
            "cutoff": self.cutoff,
            "currency": "EUR as written in the decisions and extracts (nominal)",
            **{k: int(v) for k, v in self.notes.items()},
        }
        return out


def _records(t: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    cols = [key, "n", "granted_mean", "realised_mean", "utilisation_median"]
    return [{k: (str(r[k]) if k == key else plain_value(r[k])) for k in cols}
            for _, r in t.iterrows()]


def followup_by(per_client: pd.DataFrame, column: str) -> pd.DataFrame:
    """Budget follow-up per level of ``column`` (``pilot`` or ``client_group``).

    Returns
    -------
    DataFrame
        <column>, n (clients), granted_mean, realised_mean, utilisation_median, utilisation_q1,
        utilisation_q3, n_under_half, n_over_full, share_under_half, share_over_full; levels
        without clients are left out.
    """
    d = per_client.assign(_u=per_client["utilisation"].where(
        np.isfinite(per_client["utilisation"].to_numpy(float))))
    g = d.groupby(column, observed=True, sort=True)
    t = g.agg(n=("client_id", "size"), granted_mean=("granted", "mean"),
              realised_mean=("realised", "mean"),
              utilisation_median=("_u", "median"),
              utilisation_q1=("_u", lambda s: s.quantile(0.25)),
              utilisation_q3=("_u", lambda s: s.quantile(0.75)),
              n_under_half=("_u", lambda s: int((s < 0.5).sum())),
              n_over_full=("_u", lambda s: int((s > 1.0).sum())),
              n_utilisation=("_u", "count")).reset_index()
    t[column] = t[column].astype(str)
    t["share_under_half"] = t["n_under_half"] / t["n_utilisation"].where(t["n_utilisation"] > 0)
    t["share_over_full"] = t["n_over_full"] / t["n_utilisation"].where(t["n_utilisation"] > 0)
    return t


def _realised_by_position(service_costs: pd.DataFrame, clients: pd.DataFrame,
                          cutoff: pd.Timestamp | str, pos: np.ndarray, has: set[str],
                          out_ids: pd.Series) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """What :func:`budget_followup` takes from :func:`realised_rows`, from the service rows'
    client positions in ``clients`` instead of a merge on the ids: for the clients
    ``out_ids``, realised euros and HB rows inside the client-ship, and the two row notes.

    A client's euros are summed over its rows in their order, grouped by a key that sorts as
    the client ids do (pandas sums a group in row order, or by ``reduceat`` when the rows come
    sorted by group): the very sums of the merge's groupby."""
    ids = clients["client_id"].astype(str).to_numpy(dtype=object)
    by_id = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.intp)
    rank[by_id] = np.arange(len(ids))
    hb = clients["arm"].astype(str).to_numpy(dtype=object) == "HB"
    fund = (service_costs["funding"] == "HB-budjetti").fillna(False).to_numpy(dtype=bool)
    sel = fund & (pos >= 0)
    sel[sel] = hb[pos[sel]]
    at = pos[sel]
    start = pd.to_datetime(service_costs["start_date"]).to_numpy()[sel]
    end = pd.to_datetime(service_costs["end_date"]).to_numpy()[sel]
    when = np.where(np.isnat(start), end, start)
    cs = _clientship(clients, cutoff)
    inside = (when >= cs["cs_start"].to_numpy()[at]) & (when <= cs["cs_end"].to_numpy()[at])
    amount = service_costs["amount"].to_numpy(dtype=float)[sel][inside]
    key = rank[at[inside]]
    sums = pd.Series(amount).groupby(key).sum()
    out_rank = rank[pd.Index(ids).get_indexer(out_ids.to_numpy(dtype=object))]
    realised = sums.reindex(out_rank).fillna(0.0).to_numpy(dtype=float)
    n_rows = np.bincount(key, minlength=len(ids))[out_rank]
    with_decision = pd.Index(ids).isin(list(has))[at]
    notes = {"n_hb_rows_outside_clientship": int((~inside & with_decision).sum()),
             "n_hb_clients_without_decision": int(len(np.unique(at[~with_decision])))}
    return realised, n_rows, notes


def budget_followup(budgets: pd.DataFrame, service_costs: pd.DataFrame, clients: pd.DataFrame,
                    cutoff: pd.Timestamp | str, *,
                    client_pos: np.ndarray | None = None) -> BudgetFollowup:
    """Granted and realised budget per HB client over the client-ship (see the module notes).

    Parameters
    ----------
    budgets
        The ``budgets`` table of the Dataset (decisions kept; Verrokki and duplicate decisions
        are already quarantined).
    service_costs
        The ``service_costs`` table (client_id, funding, start_date, end_date, amount).
    clients
        The clients table (client_id, arm, pilot, client_group, worker, start_date, end_date).
    cutoff
        End date of ongoing client-ships; the costs use the latest date in the costing data
        (:func:`hb_eval.costs.costing.latest_data_date`), and so should this.
    client_pos
        Each service row's client as its position in ``clients`` (-1: none), when already
        made (:func:`hb_eval.costs.costing.service_client_positions`): the rows are then
        followed by position instead of merged on the ids (the same numbers).

    Returns
    -------
    BudgetFollowup

    Raises
    ------
    HbEvalError
        When no HB client has a budget decision (nothing to follow up).
    """
    cl = clients[clients["arm"].astype(str) == "HB"]
    cl = cl.assign(client_id=cl["client_id"].astype(str))
    has = (set(budgets["client_id"].astype(str).to_numpy(dtype=object))
           & set(cl["client_id"].to_numpy(dtype=object)))
    if not has:
        raise HbEvalError("no HB client has a budget decision: no budget follow-up")
    cl = cl[cl["client_id"].isin(has)].reset_index(drop=True)
    per = decision_periods(budgets, cl, cutoff)
    if client_pos is not None:
        realised_arr, n_rows, row_notes = _realised_by_position(
            service_costs, clients, cutoff, np.asarray(client_pos, dtype=np.intp), has,
            cl["client_id"])
    else:
        rows = realised_rows(service_costs, clients[clients["arm"].astype(str) == "HB"], cutoff)
        inside = rows[rows["inside"]]
        realised_arr = cl["client_id"].map(inside.groupby("client_id")["amount"].sum()
                                           ).fillna(0.0).to_numpy(float)
        n_rows = cl["client_id"].map(inside.groupby("client_id").size()).fillna(0).astype(int)
        row_notes = {
            "n_hb_rows_outside_clientship": int((~rows["inside"]
                                                 & rows["client_id"].isin(has)).sum()),
            "n_hb_clients_without_decision": int(rows.loc[~rows["client_id"].isin(has),
                                                          "client_id"].nunique()),
        }
    granted = per.groupby("client_id")["granted"].sum()
    cs = clientship_days(cl, cutoff)
    days = cs["days"].to_numpy(float)
    out = cl.loc[:, ["client_id", "pilot", "client_group", "worker"]].copy()
    out["days"] = days
    out["days_basis"] = cs["days_basis"].to_numpy()
    out["months"] = days / DAYS_PER_MONTH
    out["n_decisions"] = out["client_id"].map(per.groupby("client_id").size()).astype(int)
    out["n_revisions"] = out["client_id"].map(per.groupby("client_id")["replaced"].sum()
                                              ).astype(int)
    out["granted"] = out["client_id"].map(granted).fillna(0.0).to_numpy(float)
    out["realised"] = realised_arr
    g = out["granted"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["utilisation"] = np.where(g > 0, out["realised"].to_numpy(float) / g, np.nan)
    out["granted_per_month"] = out["granted"] / out["months"]
    out["realised_per_month"] = out["realised"] / out["months"]
    u = out["utilisation"]
    out["under_half"] = u < 0.5
    out["over_full"] = u > 1.0
    out["n_hb_rows"] = np.asarray(n_rows, dtype=int)
    notes = {**row_notes, "n_no_granted": int((g <= 0).sum())}
    return BudgetFollowup(clients=out, periods=per, cutoff=str(pd.Timestamp(cutoff).date()),
                          notes=notes)
