"""Benchmark: loading the demo evaluation, and a 100,000-row Kykyviisari export.

The export is generated here (openpyxl write-only; not timed) in the docs/data_sources.md layout: title rows
1-3, blank row 4, header on row 5, 26 item columns, spellings mixed (canonical, dashed, number
without the leading zero), a few EOS answers, and a total row. 25,000 roster clients with four
responses each. Target: the 100,000-row export loads in under 5 s (roster included).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_ROWS = 100_000
N_CLIENTS = 25_000
ITEMS = ([f"YH{i}" for i in (1, 2, 3)] + [f"OS{i}" for i in (1, 2, 3)]
         + [f"MH{i}" for i in (1, 2, 3, 4)] + [f"AS{i}" for i in (1, 2, 3, 4)]
         + [f"TA{i}" for i in (1, 2, 3)] + [f"FT{i}" for i in (1, 2, 3)]
         + [f"TT{i}" for i in (1, 2, 3)] + [f"VA{i}" for i in (1, 2, 3)])


def client_ids(n: int) -> list[str]:
    # pilot 01-06, group 1-6, worker 01-99, sequence 01-99: enough distinct numbers
    out = []
    i = 0
    for p in range(1, 7):
        for g in range(1, 7):
            for w in range(1, 100):
                for s in range(1, 100):
                    out.append(f"{p:02d}{g}{w:02d}{s:02d}")
                    i += 1
                    if i == n:
                        return out
    return out


def write_files(root: Path, seed: int = 1) -> Path:
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    ids = client_ids(N_CLIENTS)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Asiakkaat")
    ws.append(["Asiakasnumero", "Ryhmä", "Asiakkuus alkoi", "Asiakkuus päättyi", "Suostumus"])
    for k, cid in enumerate(ids):
        ws.append([cid, "HB" if k % 2 else "Verrokki", "1.1.2018", "31.12.2019", "kyllä"])
    wb.save(root / "roster.xlsx")

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Vastaukset")
    ws.append(["Kykyviisari – vastaukset"])
    ws.append(["Benchmark"])
    ws.append(["Vientipäivä 1.1.2020"])
    ws.append([])
    ws.append(["Vastaustunniste", "Asiakasnumero", "Vastauspäivä", "Kieli", "Lomakeversio"]
              + [f"{c} Kysymys" for c in ITEMS])
    days = ["1.2.2018", "1.8.2018", "1.12.2019", "15.12.2019"]
    answers = rng.integers(1, 6, size=(N_ROWS, len(ITEMS))).astype(object)
    answers[:, :3] = rng.integers(0, 11, size=(N_ROWS, 3))
    answers[rng.random((N_ROWS, len(ITEMS))) < 0.01] = "EOS"
    for r in range(N_ROWS):
        cid = ids[r // 4]
        spelled = cid if r % 3 else (f"{cid[:2]}-{cid[2]}-{cid[3:5]}-{cid[5:]}" if r % 2
                                     else int(cid))
        ws.append([f"R{r:06d}", spelled, days[r % 4], "fi", "2.1"] + list(answers[r]))
    ws.append([])
    ws.append([f"Yhteensä {N_ROWS} vastausta"])
    wb.save(root / "kykyviisari.xlsx")
    cfg = root / "evaluation.yaml"
    cfg.write_text("sources:\n  roster: roster.xlsx\n  kykyviisari: kykyviisari.xlsx\n",
                   encoding="utf-8")
    return cfg


def main() -> int:
    import hb_eval
    from hb_eval.demo import write_demo
    from hb_eval.data.io import read_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        demo = write_demo(root / "demo", seed=20190331)
        cfg_demo = demo if demo.name == "evaluation.yaml" else root / "demo" / "evaluation.yaml"
        hb_eval.load(cfg_demo)  # warm imports and schema cache
        t0 = time.perf_counter()
        ds = hb_eval.load(cfg_demo)
        t_demo = time.perf_counter() - t0
        print(f"demo evaluation (360 roster clients, {int(ds.files['rows_read'].sum())} rows in "
              f"{len(ds.files)} files): load {t_demo:.2f} s")

        t0 = time.perf_counter()
        (root / "big").mkdir()
        cfg = write_files(root / "big")
        print(f"generated the {N_ROWS:,}-row export in {time.perf_counter() - t0:.1f} s (not timed)")
        t0 = time.perf_counter()
        read_xlsx(root / "big" / "kykyviisari.xlsx", "Vastaukset")
        t_read = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        ds = hb_eval.load(cfg)
        t_load, c_load = time.perf_counter() - t0, time.process_time() - c0
        n = int(ds.files.set_index("source").loc["kykyviisari", "rows_read"])
        print(f"{n:,}-row Kykyviisari export + {N_CLIENTS:,}-client roster: load {t_load:.2f} s "
              f"wall, {c_load:.2f} s CPU (reading the xlsx grid alone: {t_read:.2f} s wall); "
              f"{len(ds.responses):,} responses, {len(ds.items):,} item rows; "
              f"target < 5 s: {'met' if t_load < 5 else 'NOT met'}")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(other work on the machine slows every figure above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
