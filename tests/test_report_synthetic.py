"""A small synthetic Dataset in the ARCHITECTURE.md contract shapes, built without the file layer.

The report tests use it for constructed cases (few clients per cell, a planted effect) that do
not depend on the demo writer; ``make_dataset`` is imported by the other report tests.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from hb_eval.config import SOURCES, Config

PILOTS = ["Hämeenlinna", "Pori", "Tampere", "Vantaa", "Eksote", "Kainuu"]
GROUPS = ["lapsiperhe", "aikuissosiaalityö", "jälkihuolto", "vammaispalvelu", "omaishoito",
          "ikääntyneet"]
KYKY = ([f"YH{i}" for i in (1, 2, 3)] + [f"OS{i}" for i in (1, 2, 3)]
        + [f"MH{i}" for i in (1, 2, 3, 4)] + [f"AS{i}" for i in (1, 2, 3, 4)]
        + [f"TA{i}" for i in (1, 2, 3)] + [f"FT{i}" for i in (1, 2, 3)]
        + [f"TT{i}" for i in (1, 2, 3)])
UNIT_COSTS = {"price_year": 2018,
              "hourly_wage": {"sosiaalityöntekijä": 24.5, "sosiaaliohjaaja": 19.8,
                              "HB-avustaja": 14.0},
              "side_costs_pct": 22.5, "overhead_pct": 15, "km_allowance": 0.42,
              "volunteer_hour_value": 14.0, "client_hour_value": 0,
              "price_index": {2017: 98.6, 2018: 100.0}}


def _clients(rng, cells):
    rows = []
    for (pilot_i, group_i, arm), n in cells.items():
        pc = f"{pilot_i + 1:02d}"
        gc = str(group_i + 1)
        for k in range(n):
            w = 1 + (k % 3) + (0 if arm == "HB" else 3)
            rows.append({"client_id": f"{pc}{gc}{w:02d}{(k // 3) + 1 + 10 * (arm == 'HB'):02d}",
                         "arm": arm, "pilot": PILOTS[pilot_i], "pilot_code": pc,
                         "client_group": GROUPS[group_i], "group_code": gc,
                         "worker": f"{pc}-{w:02d}"})
    c = pd.DataFrame(rows)
    n = len(c)
    start = pd.Timestamp("2018-01-15") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    days = rng.integers(240, 480, n)
    c["start_date"] = start
    c["end_date"] = start + pd.to_timedelta(days - 1, unit="D")
    c["end_reason"] = pd.Categorical(["suunnitellusti"] * n)
    c["sex"] = pd.Categorical(rng.choice(["nainen", "mies"], n), categories=[
        "nainen", "mies", "muu", "ei halua sanoa"])
    c["age_group"] = pd.Categorical(rng.choice(["25–34", "35–44", "45–54"], n), categories=[
        "18–24", "25–34", "35–44", "45–54", "55–64", "65–74", "75+"], ordered=True)
    c["days"] = days.astype(float)
    c["arm"] = pd.Categorical(c["arm"], categories=["HB", "Verrokki"])
    c["pilot"] = pd.Categorical(c["pilot"], categories=PILOTS)
    c["client_group"] = pd.Categorical(c["client_group"], categories=GROUPS)
    return c


def _questionnaires(rng, c, effect):
    n = len(c)
    theta = rng.normal(5.0, 1.2, n)
    change = rng.normal(0.3, 0.8, n) + np.where(c["arm"] == "HB", effect, 0.0)
    resp, items = [], []
    for wave, shift in (("alku", 0.0), ("loppu", 1.0)):
        lat = theta + shift * change
        for src, codes in (("kykyviisari", KYKY), ("osallisuus", [f"O{i}" for i in range(1, 9)])):
            rid = [f"{src}:{wave}:{cid}" for cid in c["client_id"]]
            date = c["start_date"] if wave == "alku" else c["end_date"]
            resp.append(pd.DataFrame({"response_id": rid, "source": src, "client_id": c["client_id"],
                                      "date": date, "wave": wave, "wave_rule": "recorded",
                                      "form_version": "2.0" if src == "kykyviisari" else None,
                                      "language": "fi", "file": f"{src}.xlsx",
                                      "row": np.arange(n) + 2}))
            for code in codes:
                x = lat + rng.normal(0, 0.7, n)
                if code.startswith("YH"):
                    v = np.clip(np.round(x), 0, 10)
                else:
                    v = np.clip(np.round(1 + x * 0.4), 1, 5)
                    if code in ("MH3", "MH4"):
                        v = 6 - v
                items.append(pd.DataFrame({"response_id": rid, "client_id": c["client_id"],
                                           "source": src, "wave": wave, "item": code,
                                           "value": v.astype(float), "missing": None}))
    responses = pd.concat(resp, ignore_index=True)
    it = pd.concat(items, ignore_index=True)
    for f in (responses, it):
        f["wave"] = pd.Categorical(f["wave"], categories=["alku", "väli", "loppu"], ordered=True)
        f["source"] = pd.Categorical(f["source"], categories=["kykyviisari", "kompassi",
                                                              "osallisuus"])
    it["missing"] = pd.Categorical(it["missing"], categories=[
        "not_answered", "dont_know", "quarantined", "not_in_form"])
    return responses, it


def _satisfaction(rng, c):
    n = len(c)
    hb = (c["arm"] == "HB").to_numpy()
    s = pd.DataFrame({"client_id": c["client_id"], "version": c["arm"].astype(str),
                      "date": c["end_date"]})
    for i in range(1, 9):
        s[f"C{i}"] = np.clip(rng.integers(2, 6, n) + hb * rng.integers(0, 2, n), 1, 5).astype(float)
    for i in range(1, 5):
        s[f"H{i}"] = np.where(hb, rng.integers(3, 6, n), np.nan).astype(float)
    s["grade"] = rng.integers(6, 11, n).astype(float)
    s["work_status"] = "työtön"
    s["free_text"] = "kaikki hyvin"
    s["file"] = np.where(hb, "tyytyvaisyys_hb.xlsx", "tyytyvaisyys_verrokki.xlsx")
    s["row"] = np.arange(n) + 2
    return s


def _esr(c):
    hb = c[c["arm"] == "HB"]
    parts = []
    for form, date, status in (("aloitus", hb["start_date"], "työtön"),
                               ("päättö", hb["end_date"], "opiskelija")):
        parts.append(pd.DataFrame({"client_id": hb["client_id"], "form": form, "date": date,
                                   "labour_status": status}))
    return pd.concat(parts, ignore_index=True)


def _diaries(rng, c):
    diaries, rows = [], []
    for k, (worker, g) in enumerate(c.groupby("worker", sort=True)):
        did = f"d{k}"
        diaries.append({"diary_id": did, "file": f"paivakirjat/{did}.xlsx", "role": "worker",
                        "person": worker, "title": "sosiaaliohjaaja",
                        "period_start": pd.Timestamp("2018-03-01"),
                        "period_end": pd.Timestamp("2018-03-28"), "period_days": 28})
        for j, cid in enumerate(g["client_id"]):
            hb = g["arm"].iloc[j] == "HB"
            rows.append({"diary_id": did, "role": "worker", "date": pd.Timestamp("2018-03-05"),
                         "client_id": cid, "task": "Yhteydenpito asiakkaaseen",
                         "minutes": float(rng.integers(30, 120) + 60 * hb), "km": 10.0,
                         "expenses": 0.0, "volunteer": False, "file": f"paivakirjat/{did}.xlsx",
                         "row": 6 + j})
    return pd.DataFrame(diaries), pd.DataFrame(rows)


def _services(rng, c):
    n = len(c)
    hb = (c["arm"] == "HB").to_numpy()
    q = rng.integers(5, 20, n).astype(float)
    price = 50.0
    return pd.DataFrame({
        "client_id": c["client_id"], "service": "kotipalvelu",
        "sector": np.where(hb, "yksityinen", "julkinen"),
        "funding": np.where(hb, "HB-budjetti", "tavanomainen"),
        "start_date": c["start_date"], "end_date": c["end_date"], "quantity": q, "unit": "h",
        "unit_price": price, "amount": q * price, "sum_mismatch": False,
        "file": "palvelukustannukset/a.csv", "row": np.arange(n) + 2})


def make_dataset(tmp: Path, cells: dict | None = None, *, seed: int = 1, effect: float = 1.0,
                 reps: int = 200, audience: str = "internal", language: str = "fi",
                 sources: tuple[str, ...] = SOURCES):
    """A (Config, Dataset) pair: placeholder input files in ``tmp``, tidy tables in memory.

    ``cells`` maps (pilot index, group index, arm) -> number of clients.
    """
    from hb_eval.data.dataset import Dataset

    rng = np.random.default_rng(seed)
    cells = cells or {(0, 1, "HB"): 12, (0, 1, "Verrokki"): 12, (1, 3, "HB"): 9,
                      (1, 3, "Verrokki"): 3}
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    srcs = {}
    for s in sources:
        (tmp / f"{s}.txt").write_text(f"placeholder for {s}\n", encoding="utf-8")
        srcs[s] = [f"{s}.txt"]
    cfg = Config(name="Synteettinen arviointi", base_dir=tmp, sources=srcs,
                 path=tmp / "evaluation.yaml").with_overrides(
        bootstrap_reps=reps, audience=audience, language=language, seed=seed)
    c = _clients(rng, cells)
    responses, items = _questionnaires(rng, c, effect)
    diaries, diary_rows = _diaries(rng, c)
    n_q = 2
    roster_sha = hashlib.sha256((tmp / "roster.txt").read_bytes()).hexdigest()
    files = pd.DataFrame({"source": ["roster"], "path": ["roster.txt"], "sha256": [roster_sha],
                          "sheet": [None], "rows_read": [len(c) + n_q], "rows_kept": [len(c)],
                          "rows_quarantined": [n_q]})
    quarantine = pd.DataFrame({"source": "roster", "file": "roster.txt", "sheet": None,
                               "row": [2, 3], "column": None, "level": "row",
                               "reason": ["no_consent", "bad_client_id"], "detail": "",
                               "client_id": None})
    ds = Dataset(
        clients=c, responses=responses, items=items,
        satisfaction=_satisfaction(rng, c) if "satisfaction" in sources else None,
        esr=_esr(c) if "esr" in sources else None,
        diaries=diaries if "time_diary" in sources else None,
        diary_rows=diary_rows if "time_diary" in sources else None,
        service_costs=_services(rng, c) if "service_costs" in sources else None,
        unit_costs=dict(UNIT_COSTS) if "unit_costs" in sources else None,
        quarantine=quarantine, files=files, excluded_no_consent=1,
        orphans=pd.DataFrame({"client_id": pd.Series([], dtype=str), "source": [],
                              "n_rows": []}),
        config=cfg)
    return cfg, ds


def test_synthetic_dataset_shapes(tmp_path):
    cfg, ds = make_dataset(tmp_path)
    assert len(ds.clients) == 36
    assert ds.clients["client_id"].str.fullmatch(r"\d{7}").all()
    assert not ds.clients["client_id"].duplicated().any()
    assert ds.data_block()["clients"] == {"HB": 21, "Verrokki": 15, "excluded_no_consent": 1,
                                          "orphans": 0}
    assert cfg.source_files("roster")[0].exists()
