"""The demo evaluation's tidy truth: clients, questionnaires, diaries and costs with planted values.

Design (every constant is in :data:`DESIGN` and in ``DemoTruth.params``)
-------------------------------------------------------------------------
Six pilots, 4-6 caseworkers each (about 30 worker clusters); each client belongs to one worker
and one client group; client ids are pilot + group + worker + the worker's n-th client.

Latent wellbeing lives on the 0-10 score scale. A client has a baseline level ``theta``
(depending on pilot, group and noise) and a latent score per Kykyviisari domain
``eta_d = theta + gamma_d + u_d``. The *untreated* change from alku to loppu is
``trend + worker effect + client noise + client-domain noise``: it does not depend on the arm,
the baseline level or any covariate. HB clients get ``+ effect`` on every domain at loppu (half
of it at väli).

Assumption planted: parallel trends hold unconditionally on the latent scale (and therefore also
conditionally on pilot, group, sex and age group). Selection into HB depends on the *latent*
baseline level and on pilot, group and age, so post-only comparisons are biased while the 2x2
DiD of the scored total is unbiased for ``effect``. Estimators that condition on the *observed*
baseline score (ANCOVA, DiD/DR-DiD with baseline score as covariate) carry a small
regression-to-the-mean bias because the observed baseline holds measurement error.

Items are the latent domain score plus item noise, clipped to the item's range and rounded
*stochastically* to the item grid (``floor(x) + Bernoulli(frac(x))``), so that the expected
rescaled item equals the latent value exactly except where clipping bites (rare by design). The
scored total (docs/data_sources.md rule: rescale to 0-10, domain mean, mean of the 7 core domains) therefore
has expected HB effect ``effect`` up to clipping; ``tests/test_demo.py`` measures it.

Costs: every client has a daily rate per cost component whose expectation depends on the arm
only; rates are independent of client-ship length, and completed client-ship lengths are
uniform integers on [240, 720] days (mean 480), independent of everything else. Diary minutes,
km and euros are drawn so that the sample-period total has expectation rate x period days and
every diarist names each of their clients at least once; service episodes are drawn with
stochastic rounding of quantities so that their expected amount (in price-year euros) is rate x
days. Hence the expected HB - Verrokki cost per completed client-ship is exactly
``480 x (daily rate HB - daily rate Verrokki)`` per perspective (``delta_cost``), and the docs/data_sources.md
diary extrapolation rule is unbiased for it (in expectation over the design: worker titles,
volunteer assistants and diary samples are redrawn with the seed).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DemoTruth", "simulate", "DESIGN", "PILOTS", "GROUPS", "hetu", "expected_delta_cost",
           "roster_for_clients"]

PILOTS = ["Hämeenlinna", "Pori", "Tampere", "Vantaa", "Eksote", "Kainuu"]
GROUPS = ["lapsiperhe", "aikuissosiaalityö", "jälkihuolto", "vammaispalvelu", "omaishoito",
          "ikääntyneet"]
ARMS = ["HB", "Verrokki"]
WAVES = ["alku", "väli", "loppu"]
SEXES = ["nainen", "mies", "muu", "ei halua sanoa"]
AGE_GROUPS = ["18–24", "25–34", "35–44", "45–54", "55–64", "65–74", "75+"]
END_REASONS = ["suunnitellusti", "keskeytyi", "muutto", "kuolema", "muu"]
LABOUR = ["työllinen", "työtön", "pitkäaikaistyötön", "opiskelija", "työvoiman ulkopuolella"]
#: diary tasks as codes (normalised lower case, ARCHITECTURE.md); diaries spell them capitalised
TASKS = ["palvelutarpeen arviointi", "asiakassuunnitelma", "budjetin laadinta ja seuranta",
         "palveluiden etsiminen ja hankinta", "yhteydenpito asiakkaaseen",
         "yhteydenpito verkostoon", "kirjaaminen", "matkat", "muu"]
SECTORS = ["julkinen", "yksityinen", "järjestö"]
FUNDING = ["HB-budjetti", "tavanomainen", "asiakasmaksu"]

#: Kykyviisari items: (code, domain, scale_min, scale_max, reverse)
DOMAIN_ITEMS: list[tuple[str, str, int]] = [
    ("YH", "general_wellbeing", 3), ("OS", "participation", 3), ("MH", "mental_wellbeing", 4),
    ("AS", "everyday_life", 4), ("TA", "skills", 3), ("FT", "physical_functioning", 3),
    ("TT", "work_and_future", 3), ("VA", "parenthood", 3)]
DOMAINS = [d for _, d, _ in DOMAIN_ITEMS]
CORE_DOMAINS = DOMAINS[:7]
KYKY_ITEMS: list[tuple[str, str, int, int, bool]] = [
    (f"{p}{i}", d, 0 if p == "YH" else 1, 10 if p == "YH" else 5, f"{p}{i}" in ("MH3", "MH4"))
    for p, d, k in DOMAIN_ITEMS for i in range(1, k + 1)]
#: Kompassi crosswalk (as outcomes/scores.py's default): three 1-4 items for each of four domains.
KOMPASSI_ITEMS: list[tuple[str, str]] = [
    (f"KOM{i:02d}", d) for i, d in enumerate(
        ["participation"] * 3 + ["mental_wellbeing"] * 3 + ["everyday_life"] * 3
        + ["physical_functioning"] * 3, start=1)]

#: The unit costs of the demo (docs/data_sources.md §8 shape).
UNIT_COSTS: dict[str, Any] = {
    "price_year": 2018,
    "hourly_wage": {"sosiaalityöntekijä": 24.50, "sosiaaliohjaaja": 19.80,
                    "palveluohjaaja": 20.40, "HB-avustaja": 14.00},
    "side_costs_pct": 22.5,
    "overhead_pct": 15,
    "km_allowance": 0.42,
    "volunteer_hour_value": 14.00,
    "client_hour_value": 0,
    "price_index": {2017: 98.6, 2018: 100.0, 2019: 101.7, 2020: 102.6},
}

#: Every design constant of the demo. Rates are per client-ship day, euros of the price year.
DESIGN: dict[str, Any] = {
    "workers_per_pilot": [5, 4, 6, 5, 5, 5],
    "max_clients_per_worker": 60,
    "pilot_weights": [0.15, 0.14, 0.2, 0.19, 0.16, 0.16],
    "group_mix": [0.24, 0.26, 0.12, 0.15, 0.1, 0.13],
    "worker_main_group_prob": 0.5,
    "start_window": ["2017-09-01", "2018-02-28"],
    "days_range": [240, 720],  # completed client-ship length, uniform integers, inclusive
    "ongoing_prob": 0.04,  # end not yet recorded (random, independent of everything)
    "export_date": "2020-03-31",
    "consent_probs": {"kyllä": 0.93, "ei": 0.04, "": 0.03},
    # latent wellbeing (0-10 scale)
    "theta_mean": 5.0,
    "theta_sd": 1.0,
    "theta_pilot_shift": [0.1, -0.2, 0.0, -0.1, 0.2, 0.0],
    "theta_group_shift": [0.0, -0.5, -0.2, 0.1, 0.3, 0.2],
    "domain_shift": [0.3, 0.1, 0.0, 0.2, 0.3, 0.2, -0.4, 0.4],
    "domain_sd": 0.7,
    "item_sd": 0.75,
    "item_shift_sd": 0.25,
    "trend": 0.2,
    "worker_change_sd": 0.35,
    "client_change_sd": 0.7,
    "domain_change_sd": 0.4,
    "vali_min_days": 420,
    "vali_sd": 0.3,
    # selection into HB: logit = a + slope*(theta - theta_mean) + pilot + group + age
    "select_intercept": -0.15,
    "select_slope": 0.6,
    "select_pilot": [0.3, -0.2, 0.0, 0.2, -0.3, 0.1],
    "select_group": [0.2, 0.1, 0.3, 0.2, -0.3, -0.6],
    # attrition at loppu: logit = a + arm + pilot
    "attrition_intercept": -1.7,
    "attrition_verrokki": 0.5,
    "attrition_pilot": [0.0, 0.3, -0.2, 0.2, 0.0, 0.4],
    "item_not_answered": 0.03,
    "item_dont_know": 0.02,
    "kompassi_share_hml": 0.45,  # Hämeenlinna clients answering Kompassi instead
    "osallisuus_prob": 0.85,
    "satisfaction_prob": 0.75,
    "satisfaction_hb_shift": 0.25,  # 1-5 scale
    "form_21_from": "2018-09-01",
    "languages": {"fi": 0.85, "sv": 0.05, "selko": 0.07, "en": 0.03},
    # diaries
    "diary_period": ["2018-03-05", "2018-04-01"],
    "worker_diary_share": 0.5,
    "client_diary_share": 0.15,
    "assistants_per_pilot": 2,
    "volunteer_prob": 0.3,
    "title_probs": {"sosiaalityöntekijä": 0.4, "sosiaaliohjaaja": 0.4, "palveluohjaaja": 0.2},
    "rates": {  # expected per client-ship day
        "worker_minutes": {"HB": 5.0, "Verrokki": 3.5},
        "worker_km": {"HB": 0.25, "Verrokki": 0.20},
        "assistant_minutes": {"HB": 6.0, "Verrokki": 0.0},
        "assistant_expenses": {"HB": 0.30, "Verrokki": 0.0},
        "client_minutes": {"HB": 10.0, "Verrokki": 5.0},
        "client_expenses": {"HB": 0.40, "Verrokki": 0.25},
        "services_usual": {"HB": 18.0, "Verrokki": 26.0},
        "services_hb_budget": {"HB": 10.0, "Verrokki": 0.0},
        "client_fees": {"HB": 1.5, "Verrokki": 2.0},
    },
    "rate_shape": 4.0,  # Gamma shape of client-level multipliers (mean 1)
}


def minute_cost(title: str, unit_costs: dict[str, Any] = UNIT_COSTS) -> float:
    """Cost of a staff minute (docs/data_sources.md §8): wage x (1+side) x (1+overhead) / 60."""
    w = unit_costs["hourly_wage"][title]
    return w * (1 + unit_costs["side_costs_pct"] / 100) * (1 + unit_costs["overhead_pct"] / 100) / 60


def expected_daily_cost(design: dict[str, Any] = DESIGN, unit_costs: dict[str, Any] = UNIT_COSTS
                        ) -> dict[str, dict[str, dict[str, float]]]:
    """Expected cost per client-ship day by perspective, arm and component (design expectation)."""
    r = design["rates"]
    p_title = design["title_probs"]
    e_worker_min = sum(p * minute_cost(t, unit_costs) for t, p in p_title.items())
    paid = minute_cost("HB-avustaja", unit_costs)
    vol = unit_costs["volunteer_hour_value"] / 60
    pv = design["volunteer_prob"]
    out: dict[str, dict[str, dict[str, float]]] = {"organiser": {}, "societal": {}}
    for arm in ARMS:
        common = {
            "worker_time": r["worker_minutes"][arm] * e_worker_min,
            "worker_km": r["worker_km"][arm] * unit_costs["km_allowance"],
            "assistant_expenses": r["assistant_expenses"][arm],
            "services_hb_budget": r["services_hb_budget"][arm],
            "services_usual": r["services_usual"][arm],
        }
        out["organiser"][arm] = {**common,
                                 "assistant_time": r["assistant_minutes"][arm] * (1 - pv) * paid,
                                 "client_fees": -r["client_fees"][arm]}
        out["societal"][arm] = {**common,
                                "assistant_time": r["assistant_minutes"][arm]
                                * ((1 - pv) * paid + pv * vol),
                                "client_time": r["client_minutes"][arm]
                                * unit_costs["client_hour_value"] / 60,
                                "client_expenses": r["client_expenses"][arm]}
    return out


def expected_delta_cost(design: dict[str, Any] = DESIGN, unit_costs: dict[str, Any] = UNIT_COSTS
                        ) -> dict[str, float]:
    """Expected HB - Verrokki cost per completed client-ship, by perspective (euros)."""
    lo, hi = design["days_range"]
    mean_days = (lo + hi) / 2
    daily = expected_daily_cost(design, unit_costs)
    return {p: mean_days * (sum(daily[p]["HB"].values()) - sum(daily[p]["Verrokki"].values()))
            for p in daily}


# -- helpers ---------------------------------------------------------------------------------

def _sround(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Stochastic rounding: floor(x) + Bernoulli(frac(x)); E[result] = x exactly."""
    f = np.floor(x)
    return f + (rng.random(np.shape(x)) < (x - f))


def _choice(rng: np.random.Generator, n: int, probs: dict[str, float] | list[float],
            labels: list[str] | None = None) -> np.ndarray:
    if isinstance(probs, dict):
        labels, p = list(probs), np.array(list(probs.values()), float)
    else:
        p = np.asarray(probs, float)
    p = p / p.sum()
    return np.asarray(labels, dtype=object)[rng.choice(len(p), size=n, p=p)]


def _cat(values: Any, categories: list[str], ordered: bool = False) -> pd.Categorical:
    return pd.Categorical(values, categories=categories, ordered=ordered)


def hetu(rng: np.random.Generator, n: int = 1) -> list[str]:
    """Synthetic, checksum-valid Finnish personal identity codes (individual number 900-999)."""
    out = []
    for _ in range(n):
        year = int(rng.integers(1940, 2000))
        month = int(rng.integers(1, 13))
        day = int(rng.integers(1, 29))
        ind = int(rng.integers(900, 1000))
        body = f"{day:02d}{month:02d}{year % 100:02d}{ind:03d}"
        check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(body) % 31]
        out.append(f"{body[:6]}-{body[6:]}{check}")
    return out


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)


# -- the truth object --------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoTruth:
    """Tidy truth of one simulated evaluation (consenting clients only) and what was planted.

    Attributes
    ----------
    clients, responses, items, satisfaction, esr, diaries, diary_rows, service_costs
        Tables in the ARCHITECTURE.md contract shapes, for consenting roster clients.
    unit_costs
        Plain dict in the ``yksikkokustannukset.yaml`` shape (docs/data_sources.md §8).
    effect
        True ATT of HB on the change (alku -> loppu) of ``kykyviisari_total`` in score points
        (0-10 scale), as planted on every latent domain.
    delta_cost
        Perspective (``organiser``, ``societal``) -> expected HB - Verrokki cost per client over a
        completed client-ship, euros of the price year (design expectation).
    params
        Every design constant, the seed and derived planted values.
    roster
        Every roster client, consenting or not (column ``consent``: ``kyllä``/``ei``/``""``);
        the writer needs the others to plant no-consent rows.
    full
        The tables above before the consent filter (name -> DataFrame), for the writer.
    latent
        Per client latent domain scores (``<domain>_alku``, ``<domain>_loppu0`` untreated,
        ``<domain>_loppu``), for checks.
    budgets, providers
        Budget decisions kept (consenting HB clients; the ``budgets`` table) and the provider
        register (the ``providers`` table), from :mod:`hb_eval.demo.budgets`.
    budget_truth
        Per consenting HB client the planted granted and realised budget over the client-ship
        and the utilisation (client_id, granted, realised, utilisation, n_decisions, days).
    """

    clients: pd.DataFrame
    responses: pd.DataFrame
    items: pd.DataFrame
    satisfaction: pd.DataFrame
    esr: pd.DataFrame
    diaries: pd.DataFrame
    diary_rows: pd.DataFrame
    service_costs: pd.DataFrame
    unit_costs: dict[str, Any]
    effect: float
    delta_cost: dict[str, float]
    params: dict[str, Any]
    roster: pd.DataFrame = field(repr=False, default=None)  # type: ignore[assignment]
    full: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    latent: pd.DataFrame = field(repr=False, default=None)  # type: ignore[assignment]
    budgets: pd.DataFrame = field(repr=False, default=None)  # type: ignore[assignment]
    providers: pd.DataFrame = field(repr=False, default=None)  # type: ignore[assignment]
    budget_truth: pd.DataFrame = field(repr=False, default=None)  # type: ignore[assignment]

    def summary(self) -> str:
        """A short printable description of what was planted."""
        c = self.clients
        lines = [f"demo truth: {len(c)} consenting clients "
                 f"({int((c['arm'] == 'HB').sum())} HB, {int((c['arm'] == 'Verrokki').sum())} "
                 f"Verrokki), {c['worker'].nunique()} workers, "
                 f"{len(self.responses)} questionnaire responses",
                 f"planted effect on kykyviisari_total change: {self.effect:+.3f} points",
                 "planted delta cost per client: " + ", ".join(
                     f"{k} {v:+.2f} EUR" for k, v in self.delta_cost.items())]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The planted values as a tidy frame: quantity, perspective, value."""
        rows = [("effect", None, float(self.effect)),
                ("effect_osallisuus", None, float(self.params["effect_osallisuus"]))]
        rows += [("delta_cost", k, float(v)) for k, v in self.delta_cost.items()]
        return pd.DataFrame(rows, columns=["quantity", "perspective", "value"])

    def to_results(self) -> dict[str, Any]:
        """Plain dict of the planted values (JSON-safe)."""
        return {"effect": float(self.effect),
                "delta_cost": {k: float(v) for k, v in self.delta_cost.items()},
                "n_clients": int(len(self.clients)),
                "seed": self.params.get("seed")}


# -- simulation --------------------------------------------------------------------------------

def _workers(rng: np.random.Generator, n_clients: int, design: dict[str, Any]) -> pd.DataFrame:
    base = np.asarray(design["workers_per_pilot"], int)
    scale = max(1, math.ceil(n_clients / (base.sum() * design["max_clients_per_worker"])))
    # worker numbers have two digits: at most 99 workers per pilot (large demos: caseloads grow
    # and client sequence numbers run within worker x client group, see _clients)
    per_pilot = np.minimum(base * scale, MAX_TWO_DIGITS)
    if n_clients > roster_capacity(per_pilot.sum()):
        raise ValueError(f"n_clients={n_clients} does not fit the 7-digit client number "
                         f"(at most {roster_capacity(6 * MAX_TWO_DIGITS):,} roster clients)")
    rows = []
    titles = design["title_probs"]
    for p, k in enumerate(per_pilot):
        # worker numbers as a pilot would have them: not 1..k but a sorted sample
        nums = np.sort(rng.choice(np.arange(1, min(99, 2 * k + 3) + 1), size=k, replace=False))
        for tt in nums:
            rows.append((p, int(tt)))
    w = pd.DataFrame(rows, columns=["pilot_idx", "tt"])
    w["worker"] = [f"{p + 1:02d}-{tt:02d}" for p, tt in zip(w["pilot_idx"], w["tt"])]
    w["main_group"] = rng.choice(6, size=len(w), p=np.asarray(design["group_mix"]))
    w["title"] = _choice(rng, len(w), titles)
    w["change_effect"] = rng.normal(0.0, design["worker_change_sd"], len(w))
    w["weight"] = rng.gamma(6.0, 1.0, len(w)) * np.asarray(design["pilot_weights"])[w["pilot_idx"]] \
        / np.bincount(w["pilot_idx"], minlength=6)[w["pilot_idx"]]
    # diary sample: at least one diarist per pilot
    keep = rng.random(len(w)) < design["worker_diary_share"]
    for p in range(6):
        idx = np.flatnonzero(w["pilot_idx"].to_numpy() == p)
        if not keep[idx].any():
            keep[rng.choice(idx)] = True
    w["diarist"] = keep
    return w


#: Two-digit fields of the client number: at most 99 workers per pilot, 99 clients per sequence.
MAX_TWO_DIGITS = 99
#: Average caseload up to which sequence numbers run per worker (beyond: per worker x group).
SEQ_PER_WORKER_UP_TO = 0.8


def roster_capacity(n_workers: int) -> int:
    """Roster clients that ``n_workers`` workers can hold with valid 7-digit client numbers:
    sequences run per worker x client group (6 groups, 99 each), filled to 60 % on average
    (groups are uneven)."""
    return int(0.6 * n_workers * 6 * MAX_TWO_DIGITS)


def roster_for_clients(clients: int, design: dict[str, Any] = DESIGN) -> int:
    """Roster size that gives about ``clients`` consenting clients (consent share of the
    design, 93 %)."""
    p = design["consent_probs"]
    share = p["kyllä"] / sum(p.values())
    return max(12, math.ceil(int(clients) / share))


def _cap_worker_groups(rng: np.random.Generator, w_idx: np.ndarray, group: np.ndarray,
                       worker_pilot: np.ndarray) -> np.ndarray:
    """Move clients beyond the 99th of a worker x group to another worker of the same pilot
    with room in that group (pilot and group stay; the sequence stays two digits)."""
    w_idx = w_idx.copy()
    n_w = len(worker_pilot)
    for _ in range(1000):
        cell = w_idx * 6 + group
        counts = np.bincount(cell, minlength=n_w * 6)
        rank = np.empty(len(cell), int)
        order = np.argsort(cell, kind="stable")
        first = np.searchsorted(cell[order], cell[order])
        rank[order] = np.arange(len(cell)) - first
        over = np.flatnonzero(rank >= MAX_TWO_DIGITS)
        if not over.size:
            return w_idx
        # each overflowing client draws a worker of its pilot, weighted by the room left
        room = np.maximum(MAX_TWO_DIGITS - counts.reshape(n_w, 6), 0).astype(float)
        for (p, g), idx in pd.Series(over).groupby([worker_pilot[w_idx[over]], group[over]]):
            cand = np.flatnonzero((worker_pilot == p) & (room[:, g] > 0))
            if not cand.size:
                raise ValueError("the demo's workers cannot hold this many clients")
            w = room[cand, g] / room[cand, g].sum()
            w_idx[idx.to_numpy()] = cand[rng.choice(len(cand), size=len(idx), p=w)]
    raise ValueError("could not place every client within two-digit sequence numbers")


def simulate(seed: int = 20190331, n_clients: int = 360, effect: float = 0.8,
             cost_effect: float | None = None, *, design: dict[str, Any] | None = None,
             outcomes_only: bool = False) -> DemoTruth:
    """Simulate one HB evaluation with a known effect and cost difference (no file I/O).

    Parameters
    ----------
    seed
        Seed of the ``numpy.random.Generator``; the same seed gives the same truth.
    n_clients
        Roster clients (consenting or not; about 93 % consent).
    effect
        True ATT of HB on the alku -> loppu change of the Kykyviisari total (0-10 points),
        planted on every latent domain score (parenthood included).
    cost_effect
        The organiser-perspective HB - Verrokki expected cost per client (euros). ``None`` keeps
        the design default (see :func:`expected_delta_cost`); otherwise the HB-budget daily rate
        of HB clients is shifted so that the organiser difference equals ``cost_effect`` (the
        societal difference moves by the same amount).
    design
        Overrides of :data:`DESIGN` keys (shallow).
    outcomes_only
        Skip satisfaction, ESR, diaries and service costs (their tables are empty); for fast
        repeated simulations of the outcome estimators. Each part draws from its own child
        generator, so the clients and questionnaires are identical either way.

    Returns
    -------
    DemoTruth
    """
    d = dict(DESIGN)
    if design:
        unknown = set(design) - set(DESIGN)
        if unknown:
            raise ValueError(f"unknown design keys: {sorted(unknown)}")
        d.update(design)
    d["rates"] = {k: dict(v) for k, v in d["rates"].items()}
    if cost_effect is not None:
        base = expected_delta_cost(d)["organiser"]
        lo, hi = d["days_range"]
        shift = (float(cost_effect) - base) / ((lo + hi) / 2)
        new = d["rates"]["services_hb_budget"]["HB"] + shift
        if new < 0:
            raise ValueError(f"cost_effect={cost_effect} needs a negative HB-budget rate")
        d["rates"]["services_hb_budget"]["HB"] = new
    if n_clients < 12:
        raise ValueError("n_clients must be at least 12")
    # one child generator per part: skipping a part leaves the others unchanged
    g_w, g_c, g_q, g_l, g_s, g_e, g_d, g_v = np.random.default_rng(seed).spawn(8)

    workers = _workers(g_w, n_clients, d)
    clients, latent = _clients(g_c, n_clients, workers, d, effect)
    responses, items = _questionnaires(g_q, clients, latent, d)
    if outcomes_only:
        satisfaction = esr = diaries = diary_rows = services = pd.DataFrame(
            {"client_id": pd.array([], dtype="string"), "diary_id": pd.array([], dtype="string"),
             "role": pd.array([], dtype="string"), "person": pd.array([], dtype="string")})
        assistants: dict[str, Any] = {}
    else:
        s0, s1 = _labour(g_l, clients)
        satisfaction = _satisfaction(g_s, clients, latent, responses, s1, d)
        esr = _esr(g_e, clients, s0, s1)
        diaries, diary_rows, assistants = _diaries(g_d, clients, workers, d)
        services = _services(g_v, clients, d)
    budgets = _budgets(seed, clients, services, d, outcomes_only)
    if not outcomes_only:
        services["provider_id"] = pd.array(budgets["provider_id"], dtype="string")

    full = {"clients": clients, "responses": responses, "items": items,
            "satisfaction": satisfaction, "esr": esr, "diaries": diaries,
            "diary_rows": diary_rows, "service_costs": services,
            "budgets": budgets["decisions"]}
    consenting = set(clients.loc[clients["consent"] == "kyllä", "client_id"])

    def only(df: pd.DataFrame) -> pd.DataFrame:
        keep = np.fromiter((c in consenting for c in df["client_id"].to_numpy(object)), bool, len(df))
        return df[keep].reset_index(drop=True)

    roster = clients
    cl = only(clients).drop(columns=["consent"])
    # a client diary of a non-consenting client is not part of the truth
    dr = only(diary_rows)
    di = diaries[diaries["diary_id"].isin(dr["diary_id"].unique()) | (diaries["role"] != "client")]
    di = di[~((di["role"] == "client") & ~di["person"].isin(consenting))].reset_index(drop=True)
    params = {**{k: v for k, v in d.items()}, "seed": seed, "n_clients": n_clients,
              "effect": effect, "effect_osallisuus": effect / 2.5,
              "workers": workers[["worker", "title", "diarist"]].to_dict("list"),
              "assistants": assistants,
              "cost_effect": cost_effect, "unit_costs": UNIT_COSTS}
    return DemoTruth(
        clients=cl, responses=only(responses), items=only(items),
        satisfaction=only(satisfaction), esr=only(esr), diaries=di, diary_rows=dr,
        service_costs=only(services), unit_costs=_plain_unit_costs(),
        effect=float(effect), delta_cost=expected_delta_cost(d), params=params,
        roster=roster, full=full, latent=latent, budgets=only(budgets["decisions"]),
        providers=budgets["providers"], budget_truth=only(budgets["budget_truth"]))


def _budgets(seed: int, clients: pd.DataFrame, services: pd.DataFrame, d: dict[str, Any],
             skip: bool) -> dict[str, Any]:
    """Provider register, providers of the service rows and budget decisions (their own random
    stream, :mod:`hb_eval.demo.budgets`); decisions get the file and Excel row the writer uses."""
    from .budgets import BUDGET_FILE, PROVIDER_FILE, simulate_budgets

    if skip:
        return {"decisions": pd.DataFrame({"client_id": pd.array([], dtype="string")}),
                "providers": pd.DataFrame(), "provider_id": None,
                "budget_truth": pd.DataFrame({"client_id": pd.array([], dtype="string")})}
    out = simulate_budgets(seed, clients, services, d, PILOTS)
    dec = out["decisions"]
    dec["file"] = BUDGET_FILE
    dec["row"] = np.arange(len(dec), dtype="int64") + FIRST_ROW["budgets"]
    reg = out["providers"]
    reg["file"] = PROVIDER_FILE
    reg["row"] = np.arange(len(reg), dtype="int64") + FIRST_ROW["providers"]
    return out


def _plain_unit_costs() -> dict[str, Any]:
    u = dict(UNIT_COSTS)
    u["hourly_wage"] = dict(u["hourly_wage"])
    u["price_index"] = dict(u["price_index"])
    return u


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _clients(rng: np.random.Generator, n: int, workers: pd.DataFrame, d: dict[str, Any],
             effect: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    w_idx = rng.choice(len(workers), size=n, p=(workers["weight"] / workers["weight"].sum()).to_numpy())
    # a client number's sequence is the worker's n-th client; when the workers cannot hold the
    # roster that way (two-digit sequences), the n-th client of the worker in that client group
    by_group = n > SEQ_PER_WORKER_UP_TO * MAX_TWO_DIGITS * len(workers)
    if not by_group:
        # keep caseloads within the two-digit sequence number
        counts = np.bincount(w_idx, minlength=len(workers))
        while counts.max() > 99:
            over = np.flatnonzero(w_idx == counts.argmax())[: counts.max() - 99]
            w_idx[over] = rng.integers(0, len(workers), len(over))
            counts = np.bincount(w_idx, minlength=len(workers))
    pilot = workers["pilot_idx"].to_numpy()[w_idx]
    main = workers["main_group"].to_numpy()[w_idx]
    group = np.where(rng.random(n) < d["worker_main_group_prob"], main,
                     rng.choice(6, size=n, p=np.asarray(d["group_mix"])))
    if by_group:
        w_idx = _cap_worker_groups(rng, w_idx, group, workers["pilot_idx"].to_numpy())
        pilot = workers["pilot_idx"].to_numpy()[w_idx]
    s0, s1 = _ts(d["start_window"][0]), _ts(d["start_window"][1])
    start = s0 + pd.to_timedelta(rng.integers(0, (s1 - s0).days + 1, n), unit="D")
    lo, hi = d["days_range"]
    days = rng.integers(lo, hi + 1, n).astype(float)
    ongoing = rng.random(n) < d["ongoing_prob"]
    # sequence: the worker's (large demos: the worker's in the group) n-th client in order of
    # start date
    seq_key = w_idx * 6 + group if by_group else w_idx
    order = np.lexsort((rng.random(n), start.values, seq_key))
    seq = np.empty(n, int)
    ws = seq_key[order]
    first = np.r_[True, ws[1:] != ws[:-1]]
    run_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    seq[order] = np.arange(n) - run_start + 1
    tt = workers["tt"].to_numpy()[w_idx]
    cid = np.char.add(np.char.add(np.char.zfill((pilot + 1).astype(str), 2),
                                  (group + 1).astype(str)),
                      np.char.add(np.char.zfill(tt.astype(str), 2), np.char.zfill(seq.astype(str), 2)))
    # sex and age group (age depends on the client group)
    sex = _choice(rng, n, [0.52, 0.45, 0.01, 0.02], SEXES)
    age_p = np.array([
        [0.08, 0.35, 0.38, 0.17, 0.02, 0.0, 0.0],  # lapsiperhe
        [0.2, 0.25, 0.2, 0.17, 0.15, 0.03, 0.0],  # aikuissosiaalityö
        [1.0, 0, 0, 0, 0, 0, 0],  # jälkihuolto
        [0.15, 0.2, 0.2, 0.2, 0.17, 0.08, 0.0],  # vammaispalvelu
        [0.0, 0.03, 0.1, 0.2, 0.3, 0.25, 0.12],  # omaishoito
        [0, 0, 0, 0, 0.05, 0.45, 0.5],  # ikääntyneet
    ])
    cum = age_p.cumsum(1)[group]
    age = (rng.random(n)[:, None] > cum).sum(1).clip(0, 6)
    # latent baseline
    theta = (d["theta_mean"] + np.asarray(d["theta_pilot_shift"])[pilot]
             + np.asarray(d["theta_group_shift"])[group] + rng.normal(0, d["theta_sd"], n))
    # self-selection on the latent baseline level and covariates
    lin = (d["select_intercept"] + d["select_slope"] * (theta - d["theta_mean"])
           + np.asarray(d["select_pilot"])[pilot] + np.asarray(d["select_group"])[group]
           - 0.3 * (age >= 5))
    hb = rng.random(n) < _expit(lin)
    # latent domains and the untreated change
    nd = len(DOMAINS)
    eta0 = theta[:, None] + np.asarray(d["domain_shift"])[None, :] + rng.normal(0, d["domain_sd"], (n, nd))
    change0 = (d["trend"] + workers["change_effect"].to_numpy()[w_idx]
               + rng.normal(0, d["client_change_sd"], n))[:, None] \
        + rng.normal(0, d["domain_change_sd"], (n, nd))
    eta1_0 = eta0 + change0
    eta1 = eta1_0 + effect * hb[:, None]
    eta_mid = eta0 + 0.5 * (eta1 - eta0) + rng.normal(0, d["vali_sd"], (n, nd))
    # attrition at loppu (depends on arm and pilot only)
    att = rng.random(n) < _expit(d["attrition_intercept"] + d["attrition_verrokki"] * (~hb)
                                 + np.asarray(d["attrition_pilot"])[pilot])
    has_loppu = ~att & ~ongoing
    end = start + pd.to_timedelta(days - 1, unit="D")
    end_reason = np.where(att, _choice(rng, n, [0.1, 0.45, 0.25, 0.05, 0.15], END_REASONS),
                          _choice(rng, n, [0.92, 0.02, 0.03, 0.0, 0.03], END_REASONS))
    consent = _choice(rng, n, d["consent_probs"])
    clients = pd.DataFrame({
        "client_id": pd.array(cid, dtype="string"),
        "arm": _cat(np.where(hb, "HB", "Verrokki"), ARMS),
        "pilot": _cat(np.asarray(PILOTS, object)[pilot], PILOTS),
        "pilot_code": pd.array(np.char.zfill((pilot + 1).astype(str), 2), dtype="string"),
        "client_group": _cat(np.asarray(GROUPS, object)[group], GROUPS),
        "group_code": pd.array((group + 1).astype(str), dtype="string"),
        "worker": pd.array(workers["worker"].to_numpy()[w_idx].astype(str), dtype="string"),
        "start_date": pd.DatetimeIndex(start).astype("datetime64[ns]"),
        "end_date": pd.DatetimeIndex(end).astype("datetime64[ns]").where(~ongoing),
        "end_reason": _cat(np.where(ongoing, None, end_reason), END_REASONS),
        "sex": _cat(sex, SEXES),
        "age_group": _cat(np.asarray(AGE_GROUPS, object)[age], AGE_GROUPS, ordered=True),
        "days": np.where(ongoing, np.nan, days),
        "consent": consent,
    })
    latent = pd.DataFrame({"client_id": clients["client_id"], "theta": theta, "hb": hb,
                           "has_loppu": has_loppu, "has_vali": days >= d["vali_min_days"]})
    for j, dom in enumerate(DOMAINS):
        latent[f"{dom}_alku"] = eta0[:, j]
        latent[f"{dom}_vali"] = eta_mid[:, j]
        latent[f"{dom}_loppu0"] = eta1_0[:, j]
        latent[f"{dom}_loppu"] = eta1[:, j]
    latent["true_days"] = days
    latent["ongoing"] = ongoing
    # roster order: by pilot, then start date (as the evaluators kept it)
    ordr = np.lexsort((start.values, pilot))
    return clients.iloc[ordr].reset_index(drop=True), latent.iloc[ordr].reset_index(drop=True)


# -- questionnaires ---------------------------------------------------------------------------

SOURCES = ["kykyviisari", "kompassi", "osallisuus"]
MISSING = ["not_answered", "dont_know", "quarantined", "not_in_form"]
KYKY_FILES = ("kykyviisari/kykyviisari_2017_2018.xlsx", "kykyviisari/kykyviisari_2019_2020.xlsx")
KYKY_SPLIT = "2019-01-01"  # responses before this date are in the first export (with Mittauskerta)
KOMPASSI_FILE = "kompassi_hml.csv"
OSALLISUUS_FILE = "osallisuus.xlsx"
SATISFACTION_FILES = {"HB": "tyytyvaisyys_hb.xlsx", "Verrokki": "tyytyvaisyys_verrokki.xlsx"}
ESR_FILE = "esr.xlsx"
#: first data row (Excel numbering) of each kind of file
FIRST_ROW = {"kykyviisari": 6, "kompassi": 2, "osallisuus": 2, "satisfaction": 2, "esr": 2,
             "time_diary": 6, "service_costs": 2, "roster": 2, "budgets": 2, "providers": 2}


def _wave_dates(rng: np.random.Generator, clients: pd.DataFrame, latent: pd.DataFrame,
                d: dict[str, Any]) -> pd.DataFrame:
    """One row per client x wave that has a questionnaire moment, with its date."""
    n = len(clients)
    start = clients["start_date"].to_numpy()
    days = latent["true_days"].to_numpy()
    export = np.datetime64(d["export_date"], "ns")
    alku = start + (rng.integers(0, 21, n) * 86400e9).astype("timedelta64[ns]")
    mid = start + ((days // 2 + rng.integers(-10, 11, n)) * 86400e9).astype("timedelta64[ns]")
    end = start + ((days - 1) * 86400e9).astype("timedelta64[ns]")
    loppu = end - (rng.integers(0, 26, n) * 86400e9).astype("timedelta64[ns]")
    has_vali = latent["has_vali"].to_numpy() & (mid <= export)
    has_loppu = latent["has_loppu"].to_numpy()
    parts = []
    for wave, date, has in (("alku", alku, np.ones(n, bool)), ("väli", mid, has_vali),
                            ("loppu", loppu, has_loppu)):
        parts.append(pd.DataFrame({"k": np.flatnonzero(has), "wave": wave, "date": date[has]}))
    return pd.concat(parts, ignore_index=True)


def _item_values(rng: np.random.Generator, x: np.ndarray, lo: np.ndarray, hi: np.ndarray
                 ) -> np.ndarray:
    """Latent 0-10 values -> answers on the lo..hi integer scale (clipped, stochastic rounding)."""
    raw = lo + x / 10.0 * (hi - lo)
    return _sround(rng, np.clip(raw, lo, hi))


def _questionnaires(rng: np.random.Generator, clients: pd.DataFrame, latent: pd.DataFrame,
                    d: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(clients)
    wd = _wave_dates(rng, clients, latent, d)
    k = wd["k"].to_numpy()
    pilot_code = clients["pilot_code"].to_numpy(str)
    group_code = clients["group_code"].to_numpy(str)
    uses_kompassi = (pilot_code == "01") & (rng.random(n) < d["kompassi_share_hml"])
    wave_key = {"alku": "alku", "väli": "vali", "loppu": "loppu"}
    waves = wd["wave"].to_numpy()
    wave_code = np.select([waves == w for w in WAVES], [0, 1, 2]).astype(np.int8)
    eta = {dom: np.select([waves == w for w in wave_key],
                          [latent[f"{dom}_{wave_key[w]}"].to_numpy()[k] for w in wave_key])
           for dom in DOMAINS}
    cid = clients["client_id"].to_numpy(object)
    resp_parts: list[pd.DataFrame] = []
    item_parts: list[pd.DataFrame] = []

    # Kykyviisari (or Kompassi) at every wave date
    is_kom = uses_kompassi[k]
    dates = wd["date"].to_numpy()
    kyky = ~is_kom
    nk = int(kyky.sum())
    r_ids = (1_000_000 + np.cumsum(rng.integers(1, 40, nk))).astype(str)
    r_ids = np.char.add("KV", r_ids).astype(object)
    kdates = dates[kyky]
    form = np.where(kdates >= np.datetime64(d["form_21_from"]), "2.1", "2.0")
    lang = _choice(rng, nk, d["languages"])
    file_i = (kdates >= np.datetime64(KYKY_SPLIT)).astype(int)
    resp_k = pd.DataFrame({
        "response_id": r_ids, "source": "kykyviisari", "client_id": cid[k[kyky]],
        "date": kdates, "wave": waves[kyky],
        "wave_rule": np.where(file_i == 0, "recorded", "date_rule"),
        "form_version": form, "language": lang,
        "file": np.asarray(KYKY_FILES, object)[file_i]})
    resp_parts.append(resp_k)
    codes = [c for c, *_ in KYKY_ITEMS]
    n_it = len(codes)
    lo = np.array([x[2] for x in KYKY_ITEMS], float)
    hi = np.array([x[3] for x in KYKY_ITEMS], float)
    rev = np.array([x[4] for x in KYKY_ITEMS])
    dom_of = [x[1] for x in KYKY_ITEMS]
    item_shift = rng.normal(0, d["item_shift_sd"], n_it)
    lat = np.column_stack([eta[dm][kyky] for dm in dom_of])  # (nk, n_it)
    x = lat + item_shift[None, :] + rng.normal(0, d["item_sd"], (nk, n_it))
    v = _item_values(rng, x, lo[None, :], hi[None, :])
    v = np.where(rev[None, :], lo + hi - v, v)  # stored as the respondent answered
    u = rng.random((nk, n_it))
    miss = np.full((nk, n_it), -1, dtype=np.int8)  # codes into MISSING; -1 answered
    miss[u < d["item_not_answered"]] = 0
    miss[(u >= d["item_not_answered"]) & (u < d["item_not_answered"] + d["item_dont_know"])] = 1
    is_va = np.array([c.startswith("VA") for c in codes])
    fam = group_code[k[kyky]] == "1"
    f20 = form == "2.0"
    miss[np.ix_(f20, is_va)] = 3
    miss[np.ix_(~f20 & ~fam, is_va)] = 0
    v = np.where(miss < 0, v, np.nan)
    item_parts.append({
        "response_id": np.repeat(r_ids, n_it), "client_id": np.repeat(cid[k[kyky]], n_it),
        "source": np.zeros(nk * n_it, np.int8), "wave": np.repeat(wave_code[kyky], n_it),
        "item": np.tile(np.asarray(codes, object), nk), "value": v.ravel(), "missing": miss.ravel()})

    # Kompassi (Hämeenlinna clients who answer it instead of Kykyviisari)
    nm = int(is_kom.sum())
    kc = [c for c, _ in KOMPASSI_ITEMS]
    resp_m = pd.DataFrame({
        "response_id": "", "source": "kompassi", "client_id": cid[k[is_kom]],
        "date": dates[is_kom], "wave": waves[is_kom], "wave_rule": "recorded",
        "form_version": None, "language": None, "file": KOMPASSI_FILE})
    lat = np.column_stack([eta[dm][is_kom] for _, dm in KOMPASSI_ITEMS]).reshape(nm, len(kc))
    x = lat + rng.normal(0, d["item_sd"], (nm, len(kc)))
    vm = _item_values(rng, x, 1.0, 4.0)
    missm = np.where(rng.random((nm, len(kc))) < d["item_not_answered"], 0, -1).astype(np.int8)
    vm = np.where(missm < 0, vm, np.nan)
    resp_parts.append(resp_m)

    # Osallisuustesti at alku and loppu
    is_o = (waves != "väli") & (rng.random(len(wd)) < d["osallisuus_prob"])
    no = int(is_o.sum())
    resp_o = pd.DataFrame({
        "response_id": "", "source": "osallisuus", "client_id": cid[k[is_o]],
        "date": dates[is_o] + np.timedelta64(2, "D").astype("timedelta64[ns]"),
        "wave": waves[is_o], "wave_rule": "recorded", "form_version": None, "language": None,
        "file": OSALLISUUS_FILE})
    o_lat = 0.5 * eta["participation"][is_o] + 0.5 * eta["general_wellbeing"][is_o]
    x = o_lat[:, None] + rng.normal(0, 1.0, (no, 8))
    vo = _item_values(rng, x, 1.0, 5.0)
    misso = np.where(rng.random((no, 8)) < d["item_not_answered"], 0, -1).astype(np.int8)
    vo = np.where(misso < 0, vo, np.nan)
    resp_parts.append(resp_o)

    responses = pd.concat(resp_parts, ignore_index=True)
    # rows: each file in date order from its first data row; ids for sources without one
    responses = responses.sort_values(["file", "date", "client_id"], kind="stable")
    src = responses["source"].to_numpy()
    first = np.array([FIRST_ROW[s] for s in src])
    responses["row"] = responses.groupby("file").cumcount().to_numpy() + first
    noid = src != "kykyviisari"
    responses.loc[noid, "response_id"] = (responses.loc[noid, "source"] + ":" + responses.loc[noid, "file"]
                                          + ":" + responses.loc[noid, "row"].astype(str))
    # back to creation order: each source's rows are then in the order of their item arrays
    responses = responses.sort_index().reset_index(drop=True)
    for sc, (source, mask, vals, misses, codes_) in enumerate((
            ("kompassi", is_kom, vm, missm, kc),
            ("osallisuus", is_o, vo, misso, [f"O{i}" for i in range(1, 9)])), start=1):
        ids = responses.loc[responses["source"] == source, "response_id"].to_numpy(object)
        m = len(codes_)
        nr = int(mask.sum())
        item_parts.append({
            "response_id": np.repeat(ids, m), "client_id": np.repeat(cid[k[mask]], m),
            "source": np.full(nr * m, sc, np.int8), "wave": np.repeat(wave_code[mask], m),
            "item": np.tile(np.asarray(codes_, object), nr), "value": vals.ravel(),
            "missing": misses.ravel()})
    responses["source"] = _cat(responses["source"], ["kykyviisari", "kompassi", "osallisuus"])
    responses["wave"] = _cat(responses["wave"], WAVES, ordered=True)
    responses["wave_rule"] = _cat(responses["wave_rule"], ["recorded", "date_rule"])
    responses["date"] = pd.to_datetime(responses["date"]).astype("datetime64[ns]")
    for c in ("response_id", "client_id", "form_version", "language", "file"):
        responses[c] = pd.array(responses[c].to_numpy(object), dtype="string")
    responses["row"] = responses["row"].astype("int64")
    responses = responses[["response_id", "source", "client_id", "date", "wave", "wave_rule",
                           "form_version", "language", "file", "row"]]
    cols = {c: np.concatenate([part[c] for part in item_parts]) for c in item_parts[0]}
    items = pd.DataFrame({
        "response_id": pd.array(cols["response_id"], dtype="string"),
        "client_id": pd.array(cols["client_id"], dtype="string"),
        "source": pd.Categorical.from_codes(cols["source"], SOURCES),
        "wave": pd.Categorical.from_codes(cols["wave"], dtype=pd.CategoricalDtype(WAVES, ordered=True)),
        "item": pd.array(cols["item"], dtype="string"),
        "value": cols["value"].astype(float),
        "missing": pd.Categorical.from_codes(cols["missing"], MISSING)})
    return responses, items


# -- labour status, satisfaction, ESR -----------------------------------------------------------

_LABOUR_P = np.array([
    [0.30, 0.30, 0.15, 0.10, 0.15],  # lapsiperhe
    [0.10, 0.35, 0.35, 0.10, 0.10],  # aikuissosiaalityö
    [0.10, 0.30, 0.05, 0.45, 0.10],  # jälkihuolto
    [0.15, 0.20, 0.15, 0.10, 0.40],  # vammaispalvelu
    [0.20, 0.10, 0.05, 0.00, 0.65],  # omaishoito
    [0.00, 0.00, 0.00, 0.00, 1.00],  # ikääntyneet
])


def _labour(rng: np.random.Generator, clients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Labour-market status at the start and end of the client-ship (codes into LABOUR)."""
    n = len(clients)
    g = clients["group_code"].to_numpy(str).astype(int) - 1
    cum = _LABOUR_P.cumsum(1)[g]
    s0 = (rng.random(n)[:, None] > cum).sum(1).clip(0, 4)
    old = clients["age_group"].cat.codes.to_numpy() >= 5
    s0 = np.where(old, 4, s0)
    hb = (clients["arm"] == "HB").to_numpy()
    move = (np.isin(s0, [1, 2]) & (rng.random(n) < np.where(hb, 0.22, 0.15)))
    s1 = np.where(move, np.where(rng.random(n) < 0.6, 0, 3), s0)
    return s0, s1


_FREE_TEXT = [
    "Kiitos avusta, sain vihdoin itse päättää asioistani.",
    "Budjetin käyttö oli aluksi vaikeaa mutta avustaja auttoi.",
    "Toivoisin nopeampaa vastausta yhteydenottoihin.",
    "Työntekijä vaihtui kesken, se oli raskasta.",
    "Hyvä kokemus kaiken kaikkiaan.",
    "En tiennyt mihin kaikkeen olisin ollut oikeutettu.",
    "Palveluntuottajan löytäminen vei aikaa.",
    "Tunsin että minua kuunneltiin.",
]


def _satisfaction(rng: np.random.Generator, clients: pd.DataFrame, latent: pd.DataFrame,
                  responses: pd.DataFrame, labour_end: np.ndarray, d: dict[str, Any]
                  ) -> pd.DataFrame:
    lop = responses[(responses["wave"] == "loppu") & (responses["source"] != "osallisuus")]
    lop = lop.drop_duplicates("client_id")
    pos = pd.Index(clients["client_id"]).get_indexer(lop["client_id"])
    take = rng.random(len(pos)) < d["satisfaction_prob"]
    pos, dates = pos[take], lop["date"].to_numpy()[take]
    n = len(pos)
    hb = (clients["arm"].to_numpy() == "HB")[pos]
    gen = latent["general_wellbeing_loppu"].to_numpy()[pos]
    s = 3.5 + d["satisfaction_hb_shift"] * hb + 0.25 * (gen - 5.0) + rng.normal(0, 0.5, n)
    c = _sround(rng, np.clip(s[:, None] + rng.normal(0, 0.6, (n, 8)), 1, 5))
    c[rng.random((n, 8)) < 0.03] = np.nan
    h = _sround(rng, np.clip(s[:, None] + 0.2 + rng.normal(0, 0.6, (n, 4)), 1, 5))
    h[~hb, :] = np.nan
    h[rng.random(n) < 0.2, 2] = np.nan  # H3 blank: no assistant used
    grade = _sround(rng, np.clip(7.4 + 1.0 * (s - 3.5) + rng.normal(0, 0.7, n), 4, 10))
    has_text = rng.random(n) < 0.35
    text = np.where(has_text, np.asarray(_FREE_TEXT, object)[rng.integers(0, len(_FREE_TEXT), n)], None)
    version = np.where(hb, "HB", "Verrokki")
    out = pd.DataFrame({"client_id": clients["client_id"].to_numpy(str)[pos], "version": version,
                        "date": dates + (rng.integers(0, 15, n) * 86400e9).astype("timedelta64[ns]")})
    for j in range(8):
        out[f"C{j + 1}"] = c[:, j]
    for j in range(4):
        out[f"H{j + 1}"] = h[:, j]
    out["grade"] = grade
    out["work_status"] = _cat(np.asarray(LABOUR, object)[labour_end[pos]], LABOUR)
    out["free_text"] = pd.array(text, dtype="string")
    out["file"] = np.where(hb, SATISFACTION_FILES["HB"], SATISFACTION_FILES["Verrokki"])
    out = out.sort_values(["file", "date", "client_id"], kind="stable").reset_index(drop=True)
    out["row"] = out.groupby("file").cumcount().to_numpy() + FIRST_ROW["satisfaction"]
    out["version"] = _cat(out["version"], ARMS)
    out["date"] = out["date"].astype("datetime64[ns]")
    out["client_id"] = pd.array(out["client_id"].to_numpy(object), dtype="string")
    out["file"] = pd.array(out["file"].to_numpy(object), dtype="string")
    return out


def _esr(rng: np.random.Generator, clients: pd.DataFrame, s0: np.ndarray, s1: np.ndarray
         ) -> pd.DataFrame:
    hb = (clients["arm"] == "HB").to_numpy()
    ended = clients["end_date"].notna().to_numpy()
    a = np.flatnonzero(hb)
    p = np.flatnonzero(hb & ended & (rng.random(len(clients)) < 0.9))
    cid = clients["client_id"].to_numpy(str)
    out = pd.DataFrame({
        "client_id": np.r_[cid[a], cid[p]],
        "form": ["aloitus"] * len(a) + ["päättö"] * len(p),
        "date": np.r_[clients["start_date"].to_numpy()[a], clients["end_date"].to_numpy()[p]],
        "labour_status": np.r_[np.asarray(LABOUR, object)[s0[a]], np.asarray(LABOUR, object)[s1[p]]],
    })
    out = out.sort_values(["date", "client_id"], kind="stable").reset_index(drop=True)
    out["form"] = _cat(out["form"], ["aloitus", "päättö"])
    out["labour_status"] = _cat(out["labour_status"], LABOUR)
    out["client_id"] = pd.array(out["client_id"].to_numpy(object), dtype="string")
    out["date"] = out["date"].astype("datetime64[ns]")
    out["file"] = pd.array([ESR_FILE] * len(out), dtype="string")
    out["row"] = np.arange(len(out), dtype="int64") + FIRST_ROW["esr"]
    return out


# -- diaries ------------------------------------------------------------------------------------

def _diary_block(rng: np.random.Generator, owner_pos: np.ndarray, minutes_mean: np.ndarray,
                 km_mean: np.ndarray, exp_mean: np.ndarray, shape: float, period_days: int
                 ) -> pd.DataFrame:
    """Diary rows for (diary, client) pairs: minutes in 5-minute units with E = rate x days.

    Every pair gets at least one row; totals are Gamma draws (mean = rate x period days) rounded
    stochastically to 5 minutes, 0.1 km and 1 cent, so that expectations are exact.
    """
    m = len(owner_pos)
    if m == 0:
        return pd.DataFrame({"pair": [], "minutes": [], "km": [], "expenses": [], "day": []})
    t = rng.gamma(shape, minutes_mean * period_days / shape)
    units = np.maximum(1, _sround(rng, t / 5.0)).astype(int)
    k = np.minimum(units, 1 + rng.poisson(units * 5 / 60.0)).astype(int)
    offs = np.r_[0, np.cumsum(k)[:-1]]
    total_rows = int(k.sum())
    extra = units - k
    owner = np.repeat(np.arange(m), extra)
    row_of = offs[owner] + np.floor(rng.random(len(owner)) * k[owner]).astype(int)
    minutes = 5.0 * (1 + np.bincount(row_of, minlength=total_rows))
    pair = np.repeat(np.arange(m), k)
    km = np.zeros(total_rows)
    exp = np.zeros(total_rows)
    # totals for the period, rounded stochastically to 0.1 km and 1 cent
    km_draw = rng.gamma(shape, np.maximum(km_mean, 1e-12) * period_days / shape)
    kmt = np.where(km_mean > 0, _sround(rng, km_draw * 10) / 10, 0.0)
    exp_draw = rng.gamma(shape, np.maximum(exp_mean, 1e-12) * period_days / shape)
    ext = np.where(exp_mean > 0, _sround(rng, exp_draw * 100) / 100, 0.0)
    km[offs] = kmt
    exp[offs] = ext
    day = rng.integers(0, period_days, total_rows)
    return pd.DataFrame({"pair": pair, "minutes": minutes, "km": km, "expenses": exp, "day": day})


def _diaries(rng: np.random.Generator, clients: pd.DataFrame, workers: pd.DataFrame,
             d: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    r = d["rates"]
    p0, p1 = _ts(d["diary_period"][0]), _ts(d["diary_period"][1])
    pdays = (p1 - p0).days + 1
    shape = d["rate_shape"]
    n = len(clients)
    hb = (clients["arm"] == "HB").to_numpy()
    arm = np.where(hb, "HB", "Verrokki")
    cid = clients["client_id"].to_numpy(str)
    pilot = clients["pilot_code"].to_numpy(str)
    rate = {key: np.array([r[key][a] for a in ("HB", "Verrokki")])[np.where(hb, 0, 1)]
            for key in r}
    diaries: list[dict[str, Any]] = []
    pairs: list[tuple[np.ndarray, int, int]] = []  # (client positions, diary number, volunteer)
    mins_l, km_l, exp_l = [], [], []

    def add(role: str, person: str, title: Any, file: str, pos: np.ndarray, mins: np.ndarray,
            kms: np.ndarray, exps: np.ndarray, volunteer: bool = False) -> None:
        diaries.append({"diary_id": file, "file": file, "role": role,
                        "person": person, "title": title, "volunteer": volunteer})
        pairs.append((pos, len(diaries) - 1))
        mins_l.append(mins)
        km_l.append(kms)
        exp_l.append(exps)

    wk = clients["worker"].to_numpy(str)
    for w, title in zip(workers["worker"][workers["diarist"]], workers["title"][workers["diarist"]]):
        pos = np.flatnonzero(wk == w)
        add("worker", w, title, f"paivakirjat/tyontekija_{w}.xlsx", pos,
            rate["worker_minutes"][pos], rate["worker_km"][pos], np.zeros(len(pos)))
    # clients keeping a diary of their own time and expenses
    cl = np.flatnonzero(rng.random(n) < d["client_diary_share"])
    for i in cl:
        add("client", cid[i], None, f"paivakirjat/asiakas_{cid[i]}.xlsx", np.array([i]),
            rate["client_minutes"][[i]], np.zeros(1), rate["client_expenses"][[i]])
    # HB assistants: a pool per pilot, each HB client has one; one assistant per pilot keeps a diary
    k_a = d["assistants_per_pilot"]
    assist_of = np.full(n, "", dtype=object)
    assistants: dict[str, Any] = {"volunteer": {}, "diarist": []}
    for p in range(1, 7):
        pc = f"{p:02d}"
        names = [f"A-{pc}-{j:02d}" for j in range(1, k_a + 1)]
        vol = rng.random(k_a) < d["volunteer_prob"]
        idx = np.flatnonzero(hb & (pilot == pc))
        assist_of[idx] = np.asarray(names, object)[rng.integers(0, k_a, len(idx))]
        j = int(rng.integers(0, k_a))
        for name, v in zip(names, vol):
            assistants["volunteer"][name] = bool(v)
        assistants["diarist"].append(names[j])
        pos = np.flatnonzero(assist_of == names[j])
        add("assistant", names[j], "HB-avustaja", f"paivakirjat/avustaja_{names[j]}.xlsx", pos,
            rate["assistant_minutes"][pos], np.zeros(len(pos)), rate["assistant_expenses"][pos],
            volunteer=bool(vol[j]))
    assistants["assistant_of"] = {c: a for c, a in zip(cid, assist_of) if a}
    di = pd.DataFrame(diaries)
    pos_all = np.concatenate([p for p, _ in pairs]).astype(int)
    dno = np.concatenate([np.full(len(p), k) for p, k in pairs]).astype(int)
    b = _diary_block(rng, pos_all, np.concatenate(mins_l), np.concatenate(km_l),
                     np.concatenate(exp_l), shape, pdays)
    pr = b["pair"].to_numpy().astype(int)
    c_pos, d_pos = pos_all[pr], dno[pr]
    rows = pd.DataFrame({
        "diary_id": di["diary_id"].to_numpy()[d_pos], "dno": d_pos,
        "role": di["role"].to_numpy()[d_pos], "client_id": cid[c_pos], "arm": arm[c_pos],
        "minutes": b["minutes"].to_numpy(), "km": b["km"].to_numpy(),
        "expenses": b["expenses"].to_numpy(), "volunteer": di["volunteer"].to_numpy()[d_pos],
        "file": di["file"].to_numpy()[d_pos],
        "date": p0.to_datetime64() + b["day"].to_numpy().astype("timedelta64[D]")})
    di = di.drop(columns=["volunteer"])
    di["period_start"] = p0
    di["period_end"] = p1
    di["period_days"] = pdays
    task_p = np.array([0.08, 0.1, 0.14, 0.12, 0.2, 0.12, 0.14, 0.04, 0.06])
    task_v = task_p.copy()
    task_v[2] = 0.0
    is_hb = (rows["arm"] == "HB").to_numpy()
    u = rng.random(len(rows))
    t_hb = np.searchsorted(np.cumsum(task_p / task_p.sum()), u, side="right").clip(0, 8)
    t_v = np.searchsorted(np.cumsum(task_v / task_v.sum()), u, side="right").clip(0, 8)
    tasks = np.where(is_hb, t_hb, t_v)
    tasks = np.where(rows["km"].to_numpy() > 0, 7, tasks)  # the row carrying kilometres is a trip
    rows["task"] = _cat(np.asarray(TASKS, object)[tasks], TASKS)
    rows = rows.sort_values(["dno", "date", "client_id"], kind="stable")
    rows["row"] = rows.groupby("dno").cumcount().to_numpy() + FIRST_ROW["time_diary"]
    rows = rows.reset_index(drop=True)
    out = rows[["diary_id", "role", "date", "client_id", "task", "minutes", "km", "expenses",
                "volunteer", "file", "row"]].copy()
    out["role"] = _cat(out["role"], ["worker", "client", "assistant"])
    out["date"] = out["date"].astype("datetime64[ns]")
    out["volunteer"] = out["volunteer"].astype(bool)
    for c in ("diary_id", "client_id", "file"):
        out[c] = pd.array(out[c].to_numpy(object), dtype="string")
    out["row"] = out["row"].astype("int64")
    di["role"] = _cat(di["role"], ["worker", "client", "assistant"])
    di["period_start"] = di["period_start"].astype("datetime64[ns]")
    di["period_end"] = di["period_end"].astype("datetime64[ns]")
    di["period_days"] = di["period_days"].astype("int64")
    for c in ("diary_id", "file", "person", "title"):
        di[c] = pd.array(di[c].to_numpy(object), dtype="string")
    return di, out, assistants


# -- service costs -----------------------------------------------------------------------------

#: (service, unit, unit price in price-year euros, sector)
SERVICES_USUAL = [("Kotihoito", "h", 42.00, "julkinen"), ("Asumispalvelu", "vrk", 95.00, "julkinen"),
                  ("Päivätoiminta", "pv", 55.00, "järjestö"), ("Tukihenkilö", "h", 30.00, "järjestö"),
                  ("Kuljetuspalvelu", "matka", 24.50, "yksityinen"), ("Terapia", "krt", 68.00, "yksityinen")]
SERVICES_HB = [("Henkilökohtainen apu", "h", 28.00, "yksityinen"),
               ("Harrastustoiminta", "krt", 18.50, "järjestö"),
               ("Kotiin vietävä tuki", "h", 36.00, "yksityinen"), ("Vertaistuki", "krt", 15.00, "järjestö")]
SERVICE_FEE = ("Asiakasmaksu", "kk", 45.80, "julkinen")


def service_file(pilot_code: str) -> str:
    """Service-cost extract of a pilot (one CSV per pilot)."""
    return f"palvelukustannukset/pilotti_{pilot_code}.csv"


def _services(rng: np.random.Generator, clients: pd.DataFrame, d: dict[str, Any]) -> pd.DataFrame:
    """Quarterly service episodes with E[amount in price-year euros] = rate x days exactly."""
    r = d["rates"]
    shape = d["rate_shape"]
    idx = UNIT_COSTS["price_index"]
    start = clients["start_date"].to_numpy()
    end = clients["end_date"].fillna(_ts(d["export_date"])).to_numpy()
    hb = (clients["arm"] == "HB").to_numpy()
    n = len(clients)
    # segments: client-ship cut at calendar quarters
    # quarters as month counts since 1970 (numpy only)
    m0 = start.astype("datetime64[M]").astype(int)
    m1 = end.astype("datetime64[M]").astype(int)
    q0, q1 = m0 // 3, m1 // 3
    nq = q1 - q0 + 1
    ci = np.repeat(np.arange(n), nq)
    step = np.arange(len(ci)) - np.repeat(np.r_[0, np.cumsum(nq)[:-1]], nq)
    qm = (q0[ci] + step) * 3
    qstart = qm.astype("datetime64[M]").astype("datetime64[ns]")
    qend = ((qm + 3).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
            ).astype("datetime64[ns]")
    seg_s = np.maximum(qstart, start[ci])
    seg_e = np.minimum(qend, end[ci])
    segdays = ((seg_e - seg_s) / np.timedelta64(1, "D")).astype(float) + 1
    year = seg_s.astype("datetime64[Y]").astype(int) + 1970
    years = np.arange(min(idx), max(idx) + 1)
    year_index = np.array([idx[y] for y in years])[year - years[0]] / 100.0
    parts = []
    for key, funding, catalogue in (("services_usual", "tavanomainen", SERVICES_USUAL),
                                    ("services_hb_budget", "HB-budjetti", SERVICES_HB),
                                    ("client_fees", "asiakasmaksu", [SERVICE_FEE])):
        rate_c = np.where(hb, r[key]["HB"], r[key]["Verrokki"])
        if not (rate_c > 0).any():
            continue
        g = rng.gamma(shape, 1.0 / shape, n)  # client-level multiplier, mean 1
        svc = rng.integers(0, len(catalogue), n)
        cat_svc = np.array([c[0] for c in catalogue], object)[svc][ci]
        cat_unit = np.array([c[1] for c in catalogue], object)[svc][ci]
        cat_sector = np.array([c[3] for c in catalogue], object)[svc][ci]
        real_price = np.array([c[2] for c in catalogue])[svc][ci]
        index = year_index
        nominal_price = np.round(real_price * index, 2)
        real_equiv = nominal_price / index
        expect = rate_c[ci] * g[ci] * segdays
        qty = _sround(rng, expect / real_equiv)
        keep = qty > 0
        parts.append(pd.DataFrame({
            "k": ci[keep], "service": cat_svc[keep], "sector": cat_sector[keep], "funding": funding,
            "start_date": seg_s[keep], "end_date": seg_e[keep], "quantity": qty[keep],
            "unit": cat_unit[keep], "unit_price": nominal_price[keep],
            "amount": np.round(qty[keep] * nominal_price[keep], 2),
            "amount_real": qty[keep] * real_equiv[keep]}))
    sc = pd.concat(parts, ignore_index=True)
    sc["client_id"] = clients["client_id"].to_numpy(str)[sc["k"].to_numpy()]
    files = np.array([service_file(f"{p:02d}") for p in range(1, 7)], dtype=object)
    sc["file"] = files[clients["pilot_code"].to_numpy(str).astype(int)[sc["k"].to_numpy()] - 1]
    sc = sc.sort_values(["file", "client_id", "start_date", "funding"], kind="stable").reset_index(drop=True)
    sc["row"] = sc.groupby("file").cumcount().to_numpy() + FIRST_ROW["service_costs"]
    sc["sum_mismatch"] = False
    sc["sector"] = _cat(sc["sector"], SECTORS)
    sc["funding"] = _cat(sc["funding"], FUNDING)
    for c in ("client_id", "service", "unit", "file"):
        sc[c] = pd.array(sc[c].to_numpy(object), dtype="string")
    sc["start_date"] = sc["start_date"].astype("datetime64[ns]")
    sc["end_date"] = sc["end_date"].astype("datetime64[ns]")
    sc["row"] = sc["row"].astype("int64")
    return sc[["client_id", "service", "sector", "funding", "start_date", "end_date", "quantity",
               "unit", "unit_price", "amount", "sum_mismatch", "file", "row", "amount_real"]]
