"""Provider choice: on which providers HB clients spent their budgets.

Realised HB-budget euros and clients by provider sector beside
the usual services' sector mix in both arms; distinct providers per client; the share of HB
euros going to providers approved during the evaluation (new entrants).

Conventions (where the evaluation plan leaves a choice):

* HB euros are the ``HB-budjetti`` rows of HB clients, usual services the ``tavanomainen`` rows
  of each arm; every row counts (as in the costs), euros as written (nominal). The sector of a
  row is the provider register's where the row names a registered provider (the data layer has
  already put it there), else the extract's.
* Distinct providers per client: among HB clients with HB-budget rows naming a registered
  provider; clients whose rows name none are counted in ``n_clients_no_provider``.
* **New entrants** are providers approved *during the evaluation*: on or after the earliest
  client-ship start among the clients analysed (the day the first client entered) and not after
  ``cutoff`` (the end of the data). The share is HB euros paid to them over HB euros paid to
  registered providers; providers without an approval date count as not new, and their HB
  euros are given in ``hb_euros_no_approval_date``.
* Provider names are personal data when the provider is a sole trader: :func:`provider_table`
  (with names) is for internal reports only; nothing else here carries a name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..support.values import plain_value

__all__ = ["ProviderMix", "provider_mix", "provider_table", "is_new_entrant", "SECTORS"]

SECTORS = ("julkinen", "yksityinen", "järjestö")


@dataclass
class ProviderMix:
    """Result of :func:`provider_mix`.

    Attributes
    ----------
    by_sector
        sector, hb_euros, hb_share, n_clients_hb (HB clients with HB euros in the sector),
        usual_euros_HB, usual_share_HB, usual_euros_Verrokki, usual_share_Verrokki.
    per_client
        client_id, n_providers, hb_euros (HB clients with HB-budget rows naming a registered
        provider; internal).
    n_providers
        Registered providers paid from HB budgets.
    distinct_per_client_median
        Median of ``per_client.n_providers``.
    new_entrant_share
        HB euros to new entrants / HB euros to registered providers (None without a register).
    evaluation_start, cutoff
        The window of "approved during the evaluation".
    notes
        n_clients_no_provider, hb_euros_unregistered, hb_euros_no_approval_date,
        n_new_entrants.
    """

    by_sector: pd.DataFrame
    per_client: pd.DataFrame
    n_providers: int
    distinct_per_client_median: float | None
    new_entrant_share: float | None
    evaluation_start: str | None
    cutoff: str | None
    notes: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The table by sector (a copy of ``by_sector``)."""
        return self.by_sector.copy()

    def summary(self) -> str:
        """The provider mix in a few lines of text."""
        f = lambda v, d=0: "NA" if v is None else f"{v:,.{d}f}"  # noqa: E731
        lines = ["Provider mix (HB-budget euros by sector; usual services' mix per arm):"]
        for r in self.by_sector.itertuples(index=False):
            lines.append(f"  {r.sector:<11} HB {r.hb_euros:>12,.0f} € ({r.hb_share:.1%}); usual "
                         f"HB {r.usual_share_HB:.1%}, Verrokki {r.usual_share_Verrokki:.1%}")
        lines.append(f"  providers paid from budgets {self.n_providers}; per client median "
                     f"{f(self.distinct_per_client_median, 1)}; new entrants' share "
                     f"{f(None if self.new_entrant_share is None else 100 * self.new_entrant_share, 1)} %")
        return "\n".join(lines)

    def to_results(self) -> dict[str, Any]:
        """The results.json ``providers`` block (by_sector, n_providers,
        distinct_per_client_median, new_entrant_share), plus stated extras."""
        keys = ("sector", "hb_euros", "hb_share", "n_clients_hb", "usual_share_HB",
                "usual_share_Verrokki")
        return {
            "by_sector": [{k: (str(r[k]) if k == "sector" else plain_value(r[k])) for k in keys}
                          for _, r in self.by_sector.iterrows()],
            "n_providers": int(self.n_providers),
            "distinct_per_client_median": plain_value(self.distinct_per_client_median),
            "new_entrant_share": plain_value(self.new_entrant_share),
            # extras (stated)
            "n_clients_with_provider": int(len(self.per_client)),
            "evaluation_start": self.evaluation_start, "cutoff": self.cutoff,
            "new_entrant_rule": "approved on or after the first client-ship start and not "
                                "after the end of the data",
            **{k: plain_value(v) for k, v in self.notes.items()},
        }


def is_new_entrant(approved: pd.Series, evaluation_start: Any, cutoff: Any) -> pd.Series:
    """Approved during the evaluation: on or after ``evaluation_start`` and not after ``cutoff``
    (None: no upper end); a missing approval date is not new."""
    appr = pd.to_datetime(approved)
    new = appr >= pd.Timestamp(evaluation_start) if evaluation_start is not None else appr.notna()
    if cutoff is not None:
        new &= appr <= pd.Timestamp(cutoff)
    return new.fillna(False).astype(bool)


def _with_provider(service_costs: pd.DataFrame) -> pd.DataFrame:
    """Service rows with client_id as str and a ``provider_id`` column (NA when the extract has
    no ``Tuottaja`` column)."""
    s = service_costs.assign(client_id=service_costs["client_id"].astype(str))
    if "provider_id" not in s:
        s["provider_id"] = pd.Series(pd.NA, index=s.index, dtype="string")
    return s


def _arm_rows(service_costs: pd.DataFrame, clients: pd.DataFrame,
              client_pos: np.ndarray | None, funding: str, arm: str,
              columns: list[str]) -> pd.DataFrame:
    """The rows of ``funding`` whose client is a client of ``arm`` in ``clients``, in their
    order, with client_id as text and ``provider_id`` (:func:`_with_provider`): the rows of
    the inner merge with the clients, selected by the rows' client positions in ``clients``
    (``client_pos``; None: by the merge)."""
    if client_pos is None:
        c = clients.loc[:, ["client_id", "arm"]].assign(
            client_id=clients["client_id"].astype(str), arm=clients["arm"].astype(str))
        s = _with_provider(service_costs).merge(c, on="client_id", how="inner")
        s = s[(s["funding"].astype(str) == funding) & (s["arm"] == arm)]
        return s.loc[:, columns]
    pos = np.asarray(client_pos, dtype=np.intp)
    of_arm = clients["arm"].astype(str).to_numpy(dtype=object) == arm
    m = (service_costs["funding"] == funding).fillna(False).to_numpy(dtype=bool) & (pos >= 0)
    m[m] = of_arm[pos[m]]
    have = [c for c in columns if c in service_costs]
    rows = service_costs.loc[m, have].reset_index(drop=True)
    if "client_id" in rows:
        rows["client_id"] = rows["client_id"].astype(str)
    if "provider_id" in columns and "provider_id" not in rows:
        rows["provider_id"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    return rows.loc[:, columns]


def _sector_sums(rows: pd.DataFrame) -> pd.Series:
    return rows.groupby(rows["sector"].astype(str))["amount"].sum().reindex(
        list(SECTORS), fill_value=0.0)


def provider_mix(service_costs: pd.DataFrame, clients: pd.DataFrame,
                 providers: pd.DataFrame | None = None,
                 cutoff: pd.Timestamp | str | None = None, *,
                 client_pos: np.ndarray | None = None) -> ProviderMix:
    """HB euros by sector beside the usual services' sector mix, providers per client, and new
    entrants' share (see the module notes).

    Parameters
    ----------
    service_costs
        The ``service_costs`` table (client_id, sector, funding, amount, provider_id).
    clients
        The clients table (client_id, arm, start_date).
    providers
        The provider register (provider_id, sector, approved); None or empty: no provider
        statistics beyond the sector mix.
    cutoff
        End of the data (the latest date of the costing data); default the latest service date.
    client_pos
        Each service row's client as its position in ``clients`` (-1: none), when already
        made (:func:`hb_eval.costs.costing.service_client_positions`): the rows of each arm
        are then taken by position instead of by a merge on the ids (the same rows).
    """
    c = clients.loc[:, ["client_id", "arm", "start_date"]].assign(
        client_id=clients["client_id"].astype(str), arm=clients["arm"].astype(str))
    cols = ["client_id", "sector", "amount", "provider_id"]
    hb = _arm_rows(service_costs, clients, client_pos, "HB-budjetti", "HB", cols)
    hb_sum = _sector_sums(hb)
    hb_tot = hb_sum.sum()
    t = pd.DataFrame({"sector": list(SECTORS), "hb_euros": hb_sum.to_numpy(),
                      "hb_share": (hb_sum / hb_tot).to_numpy() if hb_tot > 0 else np.nan,
                      "n_clients_hb": hb.groupby(hb["sector"].astype(str))["client_id"].nunique()
                      .reindex(list(SECTORS), fill_value=0).astype(int).to_numpy()})
    for arm in ("HB", "Verrokki"):
        u = _sector_sums(_arm_rows(service_costs, clients, client_pos, "tavanomainen", arm,
                                   ["sector", "amount"]))
        t[f"usual_euros_{arm}"] = u.to_numpy()
        t[f"usual_share_{arm}"] = (u / u.sum()).to_numpy() if u.sum() > 0 else np.nan

    reg = providers if providers is not None and len(providers) else None
    pid = hb["provider_id"].astype(object)
    registered = pid.notna() & (pid.isin(set(reg["provider_id"].astype(str))) if reg is not None
                                else False)
    hbr = hb[registered.to_numpy(dtype=bool)].assign(provider_id=pid[registered].astype(str))
    per_client = (hbr.groupby("client_id").agg(n_providers=("provider_id", "nunique"),
                                               hb_euros=("amount", "sum")).reset_index())
    if cutoff is None:  # the latest end date of the clients' rows
        s = service_costs.loc[:, ["client_id", "end_date"]].merge(
            c[["client_id"]], on="client_id", how="inner") if client_pos is None else \
            service_costs.loc[np.asarray(client_pos) >= 0, ["end_date"]]
        dates = pd.to_datetime(s["end_date"]).max() if len(s) else pd.NaT
        cutoff = None if pd.isna(dates) else dates
    start = pd.to_datetime(c["start_date"]).min()
    share = None
    notes: dict[str, Any] = {
        "n_clients_no_provider": int(hb.loc[~hb["client_id"].isin(per_client["client_id"]),
                                            "client_id"].nunique()),
        "hb_euros_unregistered": float(hb.loc[~registered.to_numpy(dtype=bool), "amount"].sum()),
        "hb_euros_no_approval_date": None, "n_new_entrants": None,
    }
    if reg is not None and len(hbr):
        appr = pd.to_datetime(reg.drop_duplicates("provider_id").set_index(
            reg.drop_duplicates("provider_id")["provider_id"].astype(str))["approved"])
        when = hbr["provider_id"].map(appr)
        new = is_new_entrant(when, None if pd.isna(start) else start, cutoff)
        share = float(hbr.loc[new, "amount"].sum() / hbr["amount"].sum())
        notes["hb_euros_no_approval_date"] = float(hbr.loc[when.isna(), "amount"].sum())
        notes["n_new_entrants"] = int(hbr.loc[new, "provider_id"].nunique())
    return ProviderMix(
        by_sector=t, per_client=per_client, n_providers=int(hbr["provider_id"].nunique()),
        distinct_per_client_median=(float(per_client["n_providers"].median())
                                    if len(per_client) else None),
        new_entrant_share=share,
        evaluation_start=None if pd.isna(start) else str(start.date()),
        cutoff=None if cutoff is None else str(pd.Timestamp(cutoff).date()), notes=notes)


def provider_table(service_costs: pd.DataFrame, clients: pd.DataFrame,
                   providers: pd.DataFrame, mix: ProviderMix, *,
                   client_pos: np.ndarray | None = None) -> pd.DataFrame:
    """Registered providers paid from HB budgets, with their names: **internal reports only**.

    ``client_pos``: as in :func:`provider_mix`.

    Returns
    -------
    DataFrame
        provider_id, name, sector, approved, new_entrant, hb_euros, n_clients; most euros first.
    """
    s = _arm_rows(service_costs, clients, client_pos, "HB-budjetti", "HB",
                  ["client_id", "amount", "provider_id"])
    s = s[s["provider_id"].notna()]
    g = (s.assign(provider_id=s["provider_id"].astype(str)).groupby("provider_id")
         .agg(hb_euros=("amount", "sum"), n_clients=("client_id", "nunique")).reset_index())
    reg = providers.drop_duplicates("provider_id").assign(
        provider_id=lambda d: d["provider_id"].astype(str))
    out = g.merge(reg.loc[:, ["provider_id", "name", "sector", "approved"]], on="provider_id",
                  how="inner")
    out["new_entrant"] = is_new_entrant(out["approved"], mix.evaluation_start, mix.cutoff)
    out["sector"] = out["sector"].astype(str)
    out = out.sort_values(["hb_euros", "provider_id"], ascending=[False, True], kind="stable")
    return out.loc[:, ["provider_id", "name", "sector", "approved", "new_entrant", "hb_euros",
                       "n_clients"]].reset_index(drop=True)
