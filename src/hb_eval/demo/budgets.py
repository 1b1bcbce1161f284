"""The demo's personal budgets: a provider register, providers on the service rows, and budget
decisions with a planted utilisation.

Everything here draws from its own generator (``numpy.random.default_rng([seed, 14])``), so the
rest of the demo (clients, questionnaires, diaries, service rows and their amounts) is the same
with or without it.

Design
------
* **Register**: per pilot one public provider (the municipality), private firms and
  associations, each with a valid business id (check digit computed); some approved before the
  evaluation, some during it (new entrants). One private provider is a sole trader whose name is
  a person's name (it must never reach a public report).
* **Providers on service rows**: each row gets a provider of its pilot and sector; a client keeps
  one or two providers per funding.
* **Budget decisions** (HB clients): the planted utilisation u is drawn per client (lognormal
  around 0.85, so some clients use less than half and some more than all of the budget); the
  monthly budget M is the client's realised HB-budget euros / u per client-month, rounded to
  whole euros. Decision kinds: one open decision in ``€/kk``; a revision (``€/kk`` at 0.8 M from
  the start, 1.2 M from a later date); one decision in ``€/vuosi`` (12 M); one ``€/jakso``
  decision over the whole client-ship. The planted granted budget is computed from these
  decisions as written (Σ euros per day × days in force inside the client-ship), the realised
  budget is the sum of the client's HB-budget rows (all inside the client-ship by construction),
  and the planted utilisation is realised / granted.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["simulate_budgets", "business_id", "DAYS_PER_MONTH", "UNIT_SPELLINGS",
           "BUDGET_FILE", "PROVIDER_FILE"]

DAYS_PER_MONTH = 365.25 / 12
BUDGET_FILE = "hb_paatokset.xlsx"
PROVIDER_FILE = "tuottajarekisteri.xlsx"
#: canonical unit -> spellings the decisions use (each appears at least once)
UNIT_SPELLINGS = {"€/kk": ["€/kk", "kk", "kuukausi"], "€/vuosi": ["€/vuosi", "vuosi"],
                  "€/jakso": ["€/jakso", "jakso"]}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_PRIVATE = ["Hoivapalvelu", "Kotiapu", "Arjen Tuki", "Avustajapalvelut", "Terapiakeskus",
            "Kuntoutus", "Liikuntapalvelut"]
_THIRD = ["Vertaistukiyhdistys", "Harrastusseura", "Kulttuuriyhdistys", "Setlementti"]
_SOLE_TRADER = "Toiminimi Aino Esimerkki"  # a sole trader: a person's name


def business_id(rng: np.random.Generator) -> str:
    """A random Finnish business id ``NNNNNNN-N`` with a valid check digit."""
    while True:
        d = rng.integers(0, 10, 7)
        r = int(np.dot(d, _WEIGHTS)) % 11
        if r != 1:
            return "".join(map(str, d)) + "-" + str(0 if r == 0 else 11 - r)


def _register(rng: np.random.Generator, pilots: list[str], eval_start: pd.Timestamp
              ) -> pd.DataFrame:
    rows = []
    for p, name in enumerate(pilots, start=1):
        k = 0

        def add(pname: str, sector: str, new: bool, services: str) -> None:
            nonlocal k
            k += 1
            before = eval_start - pd.Timedelta(days=int(rng.integers(60, 2000)))
            during = eval_start + pd.Timedelta(days=int(rng.integers(0, 540)))
            rows.append({"provider_id": f"T{p:02d}{k:03d}", "name": pname, "sector": sector,
                         "business_id": business_id(rng), "approved": during if new else before,
                         "services": services, "pilot_code": f"{p:02d}"})

        add(f"{name}n kaupunki, sosiaalipalvelut", "julkinen", False, "kotihoito; asumispalvelu")
        for j, firm in enumerate(_PRIVATE[:5]):
            add(f"{firm} {name} Oy", "yksityinen", j >= 3, "henkilökohtainen apu; kotiin vietävä tuki")
        if p == 1:
            add(_SOLE_TRADER, "yksityinen", True, "henkilökohtainen apu")
        for j, assoc in enumerate(_THIRD):
            add(f"{name}n {assoc} ry", "järjestö", j >= 2, "vertaistuki; harrastustoiminta")
    reg = pd.DataFrame(rows)
    reg["approved"] = reg["approved"].astype("datetime64[ns]")
    return reg


def _assign(rng: np.random.Generator, services: pd.DataFrame, reg: pd.DataFrame) -> np.ndarray:
    """A provider of the row's pilot and sector; one or two per client and funding."""
    pilot = services["client_id"].astype(str).str[:2].to_numpy()
    sector = services["sector"].astype(str).to_numpy()
    key = pd.factorize(pd.Series(services["client_id"].astype(str).to_numpy()) + "|"
                       + services["funding"].astype(str).to_numpy())[0]
    pref = rng.integers(0, 1000, key.max() + 1 if len(key) else 0)
    second = rng.random(len(services)) < 0.3
    out = np.empty(len(services), dtype=object)
    for (p, s), idx in pd.Series(np.arange(len(services))).groupby([pilot, sector]):
        cand = reg.loc[(reg["pilot_code"] == p) & (reg["sector"] == s), "provider_id"].to_numpy()
        i = idx.to_numpy()
        out[i] = cand[(pref[key[i]] + second[i]) % len(cand)]
    return out


def _decisions(rng: np.random.Generator, clients: pd.DataFrame, services: pd.DataFrame,
               export_date: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decisions of every HB roster client, and the planted granted/realised budget."""
    hb = clients[clients["arm"].astype(str) == "HB"].reset_index(drop=True)
    n = len(hb)
    cid = hb["client_id"].astype(str).to_numpy()
    s0 = pd.to_datetime(hb["start_date"]).to_numpy().astype("datetime64[D]")
    e0 = pd.to_datetime(hb["end_date"]).fillna(export_date).to_numpy().astype("datetime64[D]")
    days = (e0 - s0).astype(int).astype(float) + 1
    s = services[services["funding"].astype(str) == "HB-budjetti"]
    real = pd.Series(cid).map(s.groupby(s["client_id"].astype(str))["amount"].sum()
                              ).fillna(0.0).to_numpy(float)
    u = np.exp(rng.normal(np.log(0.85), 0.35, n))
    per_day = np.where(real > 0, real / np.maximum(u, 1e-9) / days, 9.0)
    M = np.maximum(np.round(per_day * DAYS_PER_MONTH), 50.0)
    kind = rng.choice(4, size=n, p=[0.5, 0.25, 0.125, 0.125])
    if n >= 8:
        kind[:4] = rng.permutation(4)
    kind[(kind == 1) & (days < 120)] = 0  # a revision needs a long enough client-ship
    lag = rng.integers(1, 31, n).astype("timedelta64[D]")
    # revisions: from a day 60 .. days-30 into the client-ship, decided 1-19 days before
    r = s0 + rng.integers(60, np.maximum(days.astype(int) - 30, 61)).astype("timedelta64[D]")
    r_lag = rng.integers(1, 20, n).astype("timedelta64[D]")
    m1, m2 = np.round(0.8 * M), np.round(1.2 * M)
    total = np.round(M * days / DAYS_PER_MONTH)
    first_amount = np.select([kind == 1, kind == 2, kind == 3], [m1, 12 * M, total], M)
    first_unit = np.select([kind == 2, kind == 3], ["€/vuosi", "€/jakso"], "€/kk").astype(object)
    nat = np.datetime64("NaT", "D")
    first = pd.DataFrame({"_k": np.arange(n), "_seq": 0, "client_id": cid,
                          "decision_date": s0 - lag, "start_date": s0,
                          "end_date": np.where(kind == 3, e0, nat), "amount": first_amount,
                          "unit": first_unit})
    rev = kind == 1
    second = pd.DataFrame({"_k": np.flatnonzero(rev), "_seq": 1, "client_id": cid[rev],
                           "decision_date": (r - r_lag)[rev], "start_date": r[rev],
                           "end_date": np.full(rev.sum(), nat), "amount": m2[rev],
                           "unit": np.full(rev.sum(), "€/kk", dtype=object)})
    dec = (pd.concat([first, second], ignore_index=True)
           .sort_values(["_k", "_seq"], kind="stable").drop(columns=["_k", "_seq"])
           .reset_index(drop=True))
    for c in ("decision_date", "start_date", "end_date"):
        dec[c] = dec[c].astype("datetime64[ns]")
    # planted granted budget: euros per day x days in force, from the decisions as written
    r_days = (r - s0).astype(int).astype(float)
    granted = np.select(
        [kind == 1, kind == 2, kind == 3],
        [m1 / DAYS_PER_MONTH * r_days + m2 / DAYS_PER_MONTH * (days - r_days),
         12 * M / 365.25 * days, total], M / DAYS_PER_MONTH * days)
    truth = pd.DataFrame({"client_id": cid, "granted": granted, "realised": real,
                          "utilisation": real / granted, "n_decisions": 1 + rev.astype(int),
                          "days": days})
    # unit spellings: each spelling at least once
    sp = np.empty(len(dec), dtype=object)
    for unit, names in UNIT_SPELLINGS.items():
        idx = np.flatnonzero(dec["unit"].to_numpy() == unit)
        pick = rng.integers(0, len(names), len(idx))
        if len(idx) >= len(names):
            pick[: len(names)] = np.arange(len(names))
        sp[idx] = np.asarray(names, dtype=object)[pick]
    dec["unit_text"] = sp
    return dec, truth


def simulate_budgets(seed: int, clients: pd.DataFrame, services: pd.DataFrame,
                     design: dict[str, Any], pilots: list[str]) -> dict[str, Any]:
    """The register, the rows' provider ids and the budget decisions (own random stream).

    Parameters
    ----------
    seed
        The demo seed; the generator is ``default_rng([seed, 14])``.
    clients
        Every roster client (consenting or not).
    services
        Every service row (before the consent filter), with ``client_id``, ``sector``,
        ``funding`` and ``amount``.

    Returns
    -------
    dict
        ``providers`` (the register), ``provider_id`` (one per service row, aligned with
        ``services``), ``decisions`` (every HB roster client's decisions, with the written unit
        spelling in ``unit_text``) and ``budget_truth`` (client_id, granted, realised,
        utilisation, n_decisions, days).
    """
    rng = np.random.default_rng([int(seed), 14])
    eval_start = pd.to_datetime(clients["start_date"]).min()
    reg = _register(rng, pilots, eval_start)
    pid = _assign(rng, services, reg) if len(services) else np.empty(0, dtype=object)
    dec, truth = _decisions(rng, clients, services, pd.Timestamp(design["export_date"]))
    return {"providers": reg, "provider_id": pid, "decisions": dec, "budget_truth": truth}
