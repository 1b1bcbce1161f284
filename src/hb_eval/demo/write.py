"""Write the demo evaluation as messy raw files, ``evaluation.yaml`` and ``planted.json``.

Every source is written in its docs/data_sources.md default layout from the truth of :func:`simulate`, with the
mess docs/data_sources.md describes. Two kinds of mess:

* *lossless* spellings a loader must undo (client-number spellings, arm spellings, Excel and
  ``d.m.yyyy`` dates, en dash / hyphen age groups, duration spellings, decimal commas, thousands
  separators, labels instead of codes, title rows and total rows);
* *planted anomalies*, each with exactly one quarantine reason, recorded in ``planted.json`` while
  they are planted: rows of clients without consent (``no_consent``), duplicate responses
  (``duplicate``), an orphan client number (``orphan``), a personal identity code typed into a
  client-number cell (``personal_id_found``), out-of-range answers (cell ``out_of_range``), a
  diary row outside the sample period (``outside_period``), a ``Summa`` that disagrees with
  quantity x unit price (cell flag ``sum_mismatch``, row kept), and a personal identity code in a
  free-text answer (redacted, listed under ``personal_id.redacted_free_text``).

Anomaly rows are *added* rows (truth rows keep their values), except the out-of-range cells and
the mismatching unit price, which overwrite one cell of a kept truth row (listed in
``planted.json`` with the true value's location).

Files are byte-identical for the same seed: workbook timestamps are fixed and the zip entries
are rewritten with a fixed date.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from ..config import SCHEMA_FILE, json_schema_text
from .budgets import BUDGET_FILE, PROVIDER_FILE
from .simulate import (ESR_FILE, FIRST_ROW, KOMPASSI_FILE, KYKY_FILES, KYKY_ITEMS, OSALLISUUS_FILE, SATISFACTION_FILES, DemoTruth, hetu, roster_for_clients, simulate)
from .xlsx_fast import FastWorkbook

__all__ = ["write_demo", "cli_demo", "FIXED_TIME"]

FIXED_TIME = dt.datetime(2020, 4, 1, 12, 0, 0)
_ZIP_TIME = (2020, 4, 1, 12, 0, 0)

ITEM_TEXT = {
    "YH1": "Kuinka tyytyväinen olet elämääsi nyt?", "YH2": "Millainen on työkykysi nyt?",
    "YH3": "Millainen on toimintakykysi nyt?", "OS1": "Tunnen kuuluvani yhteisöön",
    "OS2": "Minulla on ihmisiä, joihin voin luottaa",
    "OS3": "Voin vaikuttaa minua koskeviin asioihin", "MH1": "Olen ollut iloinen",
    "MH2": "Olen ollut rauhallinen", "MH3": "Olen ollut masentunut", "MH4": "Olen ollut ahdistunut",
    "AS1": "Raha-asiani ovat kunnossa", "AS2": "Asumiseni on kunnossa",
    "AS3": "Minulla on säännöllinen päivärytmi", "AS4": "Selviydyn kotitöistä",
    "TA1": "Osaan käyttää digitaalisia palveluita", "TA2": "Löydän tietoa palveluista",
    "TA3": "Kielitaitoni riittää arjen asioihin", "FT1": "Jaksan kävellä 500 m levähtämättä",
    "FT2": "Jaksan tehdä arjen askareet", "FT3": "Terveyteni on hyvä",
    "TT1": "Tulevaisuuteni näyttää hyvältä", "TT2": "Minulla on opiskelu- tai työtavoitteita",
    "TT3": "Tiedän mikä on seuraava askeleeni", "VA1": "Pärjään vanhempana",
    "VA2": "Saan tukea vanhemmuuteen", "VA3": "Perheemme arki sujuu",
}
SAT_STATEMENTS = {
    "C1": "Tulin kuulluksi ja kohdatuksi", "C2": "Saatoin luottaa työntekijään",
    "C3": "Keskustelut auttoivat hahmottamaan tilannetta", "C4": "Yhteistyö ja tiedonkulku toimivat",
    "C5": "Tuki ja palvelut vastasivat tarpeitani", "C6": "Sain riittävästi tietoa vaihtoehdoista",
    "C7": "Pystyin vaikuttamaan palveluihini", "C8": "Asiani hoituivat sujuvasti",
    "H1": "Budjetin käyttö oli selkeää", "H2": "Sain valita palveluntuottajan",
    "H3": "HB-avustajan tuki oli hyödyllistä", "H4": "Suosittelisin HB-mallia",
}
SAT_LABELS = {1: "Täysin eri mieltä", 2: "Jokseenkin eri mieltä", 3: "Ei samaa eikä eri mieltä",
              4: "Jokseenkin samaa mieltä", 5: "Täysin samaa mieltä"}
MATRIX_C = "7. Miten samaa mieltä olet seuraavista väittämistä? - "
MATRIX_H = "8. Henkilökohtainen budjetti: miten samaa mieltä olet? - "
ORPHAN_ID = "0329701"  # Tampere, aikuissosiaalityö, worker 97 (no such worker), client 01
DIARY_SHEET = "Päiväkirja"
UNKNOWN_PROVIDER = "T99999"  # a provider id missing from the register


# -- the record of what was planted ------------------------------------------------------------

class _Planted:
    """What the writer planted, counted while planting (never by reading files back)."""

    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}
        self.cells: list[dict[str, Any]] = []
        self.redacted: list[dict[str, Any]] = []
        self.orphans: set[str] = set()

    def file(self, path: str, source: str, sheet: str | None, rows: int) -> None:
        self.files[path] = {"source": source, "path": path, "sheet": sheet, "rows_read": int(rows),
                            "quarantined_by_reason": Counter()}

    def rows(self, path: str, reason: str, n: int = 1) -> None:
        if n:
            self.files[path]["quarantined_by_reason"][reason] += int(n)

    def cell(self, path: str, sheet: str | None, row: int, column: str, reason: str,
             note: str = "") -> None:
        self.cells.append({"file": path, "sheet": sheet, "row": int(row), "column": column,
                           "reason": reason, "note": note})

    def to_dict(self) -> dict[str, Any]:
        files = []
        by_row: Counter = Counter()
        for f in self.files.values():
            q = dict(sorted(f["quarantined_by_reason"].items()))
            nq = sum(q.values())
            by_row.update(q)
            cells = Counter(c["reason"] for c in self.cells if c["file"] == f["path"])
            files.append({"source": f["source"], "path": f["path"], "sheet": f["sheet"],
                          "rows_read": f["rows_read"], "rows_kept": f["rows_read"] - nq,
                          "rows_quarantined": nq, "quarantined_by_reason": q,
                          "cells_by_reason": dict(sorted(cells.items()))})
        by_cell = Counter(c["reason"] for c in self.cells)
        total = by_row + by_cell
        return {"files": sorted(files, key=lambda f: (f["source"], f["path"])),
                "row_quarantine_by_reason": dict(sorted(by_row.items())),
                "cell_quarantine_by_reason": dict(sorted(by_cell.items())),
                "quarantine_by_reason": dict(sorted(total.items())),
                "cells": self.cells}


# -- small writers ----------------------------------------------------------------------------

def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx (zip) with fixed entry timestamps so that bytes depend on content only."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" at save time
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                              + rb"\g<2>", data)
            dst.writestr(zi, data)
    return out.getvalue()


#: Set while a large demo is written: workbooks come from the streaming writer (xlsx_fast).
_FAST_XLSX: ContextVar[bool] = ContextVar("_FAST_XLSX", default=False)


def _save(wb: Workbook, path: Path) -> None:
    if isinstance(wb, FastWorkbook):
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "hb_eval demo"
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _sheet(title: str) -> tuple[Workbook, Any]:
    wb = FastWorkbook() if _FAST_XLSX.get() else Workbook()
    ws = wb.active
    ws.title = title
    return wb, ws


def _fi_date(x: Any) -> str:
    t = pd.Timestamp(x)
    return f"{t.day}.{t.month}.{t.year}"


def _fi_num(x: float, decimals: int = 2, thousands: str = "") -> str:
    s = f"{x:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", thousands)
    return s


def _excel_date(x: Any) -> dt.datetime:
    return pd.Timestamp(x).to_pydatetime()


def _id_spelling(cid: str, kind: int) -> Any:
    """0 canonical, 1 ``04-1-07-12``, 2 ``04 1 07 12``, 3 trailing space, 4 number (zero lost)."""
    if kind == 1:
        return f"{cid[:2]}-{cid[2]}-{cid[3:5]}-{cid[5:]}"
    if kind == 2:
        return f"{cid[:2]} {cid[2]} {cid[3:5]} {cid[5:]}"
    if kind == 3:
        return cid + " "
    if kind == 4:
        return int(cid)
    return cid


def _spellings(rng: np.random.Generator, n: int, p: tuple[float, ...] = (0.6, 0.1, 0.1, 0.1, 0.1)
               ) -> np.ndarray:
    kinds = rng.choice(len(p), size=n, p=np.asarray(p) / sum(p))
    # every spelling at least once when there is room
    if n >= 2 * len(p):
        kinds[: len(p)] = rng.permutation(len(p))
    return kinds


def _date_cell(x: Any, as_text: bool) -> Any:
    if pd.isna(x):
        return None
    return _fi_date(x) if as_text else _excel_date(x)


def _set_date_format(ws: Any, col: int, first_row: int) -> None:
    for row in ws.iter_rows(min_row=first_row, min_col=col, max_col=col):
        for c in row:
            if isinstance(c.value, dt.datetime):
                c.number_format = "d.m.yyyy"


# -- sources ----------------------------------------------------------------------------------

def _roster(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted) -> None:
    r = truth.roster
    n = len(r)
    arm_sp = {"HB": ["HB", "HB", "HB", "hb", "HB-asiakas"],
              "Verrokki": ["Verrokki", "Verrokki", "Verrokki", "VERROKKI", "verrokki"]}
    wb, ws = _sheet("Asiakkaat")
    ws.append(["Asiakasnumero", "Ryhmä", "Pilotti", "Asiakasryhmä", "Työntekijä", "Asiakkuus alkoi",
               "Asiakkuus päättyi", "Päättymisen syy", "Sukupuoli", "Ikäryhmä", "Suostumus"])
    blank_worker = rng.random(n) < 0.08
    text_date = rng.random(n) < 0.3
    hyphen = rng.random(n) < 0.3
    arm_pick = rng.integers(0, 5, n)
    for i, row in enumerate(r.itertuples(index=False)):
        cid = row.client_id
        age = str(row.age_group).replace("–", "-") if hyphen[i] else str(row.age_group)
        ws.append([
            cid, arm_sp[str(row.arm)][arm_pick[i]], str(row.pilot), str(row.client_group),
            None if blank_worker[i] else cid[3:5],
            _date_cell(row.start_date, text_date[i]), _date_cell(row.end_date, text_date[i]),
            None if pd.isna(row.end_reason) else str(row.end_reason), str(row.sex), age,
            row.consent or None])
    _set_date_format(ws, 6, 2)
    _set_date_format(ws, 7, 2)
    _save(wb, root / "roster.xlsx")
    rec.file("roster.xlsx", "roster", "Asiakkaat", n)
    rec.rows("roster.xlsx", "no_consent", int((r["consent"] != "kyllä").sum()))


def _kykyviisari(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
                 nocons: set[str]) -> None:
    resp = truth.full["responses"]
    items = truth.full["items"]
    kresp = resp[resp["source"] == "kykyviisari"]
    kit = items[items["source"] == "kykyviisari"]
    codes = [c for c, *_ in KYKY_ITEMS]
    val = kit.pivot(index="response_id", columns="item", values="value")[codes]
    mis = kit.assign(m=kit["missing"].astype(object)).pivot(index="response_id", columns="item",
                                                             values="m")[codes]
    wave_txt = {"alku": "Alku", "väli": "Väli", "loppu": "Loppu"}
    for fi, fname in enumerate(KYKY_FILES):
        recorded = fi == 0
        fr = kresp[kresp["file"] == fname].sort_values("row")
        wb, ws = _sheet("Vastaukset")
        ws.append(["Kykyviisari – vastaukset"])
        ws.append(["Organisaatio: HB-pilotit (Avain kansalaisuuteen)"])
        ws.append([f"Vienti: {'31.12.2018' if fi == 0 else '31.3.2020'}"])
        ws.append([])
        header = ["Vastaustunniste", "Asiakasnumero", "Vastauspäivä", "Kieli", "Lomakeversio"]
        if recorded:
            header.append("Mittauskerta")
        header += [f"{c} {ITEM_TEXT[c]}" for c in codes]
        ws.append(header)
        first_item_col = len(header) - len(codes) + 1
        n = len(fr)
        spell = _spellings(rng, n)
        text_date = rng.random(n) < (0.2 if recorded else 0.6)
        eos_long = rng.random(len(kit)) < 0.5
        rid = fr["response_id"].to_numpy(object)
        consenting = ~fr["client_id"].isin(nocons).to_numpy()
        # out-of-range cells: answered cells of consenting clients' responses
        oor: dict[tuple[int, str], float] = {}
        if fi == 0:
            for item, badv in (("OS2", 6.0), ("YH1", 11.0), ("AS3", 0.0)):
                answered = ~np.isnan(val.loc[rid, item].to_numpy())
                cand = [j for j in np.flatnonzero(consenting & answered)
                        if not any(k == j for k, _ in oor)]
                if cand:
                    oor[(int(rng.choice(cand)), item)] = badv
        eos_i = 0
        for j, row in enumerate(fr.itertuples(index=False)):
            excel_row = FIRST_ROW["kykyviisari"] + j
            assert excel_row == row.row
            cells: list[Any] = [row.response_id, _id_spelling(row.client_id, int(spell[j])),
                                _date_cell(row.date, text_date[j]), row.language, row.form_version]
            if recorded:
                cells.append(wave_txt[str(row.wave)])
            v = val.loc[row.response_id].to_numpy()
            m = mis.loc[row.response_id].to_numpy()
            for c, x, mm in zip(codes, v, m):
                if (j, c) in oor:
                    cells.append(int(oor[(j, c)]))
                    rec.cell(fname, "Vastaukset", excel_row, header[first_item_col - 1 + codes.index(c)],
                             "out_of_range", f"{c} true value {int(x)} overwritten")
                elif mm == "dont_know":
                    cells.append("En osaa sanoa" if eos_long[eos_i % len(eos_long)] else "EOS")
                    eos_i += 1
                elif np.isnan(x):
                    cells.append(None)
                else:
                    cells.append(int(x))
            ws.append(cells)
        rows = n
        rec.file(fname, "kykyviisari", "Vastaukset", 0)
        rec.rows(fname, "no_consent", int((~consenting).sum()))
        extra: list[list[Any]] = []
        if recorded:
            # duplicates: a second Alku response of a consenting client, dated later
            alku = fr[(fr["wave"] == "alku") & consenting]
            dup = alku.iloc[rng.choice(len(alku), size=min(3, len(alku)), replace=False)]
            for k, row in enumerate(dup.itertuples(index=False)):
                v = val.loc[row.response_id].to_numpy()
                vals = [None if np.isnan(x) else int(x) for x in v]
                extra.append([f"KV9{k:06d}", row.client_id,
                              _excel_date(row.date + pd.Timedelta(days=12 + 4 * k)), row.language,
                              row.form_version, "Alku"] + vals)
                rec.rows(fname, "duplicate")
            # an orphan client number
            extra.append(["KV9100000", ORPHAN_ID, _excel_date(pd.Timestamp("2018-03-14")), "fi", "2.0",
                          "Alku"] + [3] * 3 + [3] * (len(codes) - 3))
            rec.rows(fname, "orphan")
            rec.orphans.add(ORPHAN_ID)
        else:
            # a personal identity code typed into the client-number cell
            h = hetu(rng)[0]
            extra.append(["KV9200000", h, _fi_date(pd.Timestamp("2019-05-06")), "fi", "2.1"]
                         + [5] * 3 + [3] * (len(codes) - 3))
            rec.rows(fname, "personal_id_found")
        for e in extra:
            ws.append(e)
        rows += len(extra)
        rec.files[fname]["rows_read"] = rows
        ws.append([])
        ws.append([f"Yhteensä {rows} vastausta"])
        _set_date_format(ws, 3, 6)
        _save(wb, root / fname)


def _responses_wide(truth: DemoTruth, source: str, codes: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One source's responses in file-row order and their item values (response x item)."""
    resp = truth.full["responses"]
    fr = resp[resp["source"] == source].sort_values("row")
    it = truth.full["items"]
    it = it[it["source"] == source]
    return fr, it.pivot(index="response_id", columns="item", values="value")[codes]


def _kompassi(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
              nocons: set[str]) -> None:
    codes = [f"KOM{i:02d}" for i in range(1, 13)]
    fr, val = _responses_wide(truth, "kompassi", codes)
    kerta = {"alku": "1", "väli": "2", "loppu": "3"}
    lines = [";".join(["asiakasnro", "pvm", "kerta"] + codes)]
    comma = rng.random(len(fr) * 12) < 0.15  # some exports write "3,0"
    for j, row in enumerate(fr.itertuples(index=False)):
        assert row.row == FIRST_ROW["kompassi"] + j
        v = val.loc[row.response_id].to_numpy()
        cells = [row.client_id, _fi_date(row.date), kerta[str(row.wave)]]
        for q, x in enumerate(v):
            cells.append("" if np.isnan(x) else (f"{int(x)},0" if comma[j * 12 + q] else str(int(x))))
        lines.append(";".join(cells))
    (root / KOMPASSI_FILE).write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    rec.file(KOMPASSI_FILE, "kompassi", None, len(fr))
    rec.rows(KOMPASSI_FILE, "no_consent", int(fr["client_id"].isin(nocons).sum()))


def _osallisuus(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
                nocons: set[str]) -> None:
    codes = [f"O{i}" for i in range(1, 9)]
    fr, val = _responses_wide(truth, "osallisuus", codes)
    wb, ws = _sheet("Osallisuus")
    ws.append(["Asiakasnumero", "Päivämäärä", "Mittauskerta"] + codes)
    spell = _spellings(rng, len(fr), (0.8, 0.05, 0.05, 0.05, 0.05))
    for j, row in enumerate(fr.itertuples(index=False)):
        assert row.row == FIRST_ROW["osallisuus"] + j
        v = val.loc[row.response_id].to_numpy()
        ws.append([_id_spelling(row.client_id, int(spell[j])), _excel_date(row.date), str(row.wave)]
                  + [None if np.isnan(x) else int(x) for x in v])
    ws.append([ORPHAN_ID, _excel_date(pd.Timestamp("2018-03-16")), "alku"] + [3] * 8)
    _set_date_format(ws, 2, 2)
    _save(wb, root / OSALLISUUS_FILE)
    rec.file(OSALLISUUS_FILE, "osallisuus", "Osallisuus", len(fr) + 1)
    rec.rows(OSALLISUUS_FILE, "no_consent", int(fr["client_id"].isin(nocons).sum()))
    rec.rows(OSALLISUUS_FILE, "orphan")


def _satisfaction(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
                  nocons: set[str]) -> None:
    sat = truth.full["satisfaction"]
    for version, fname in SATISFACTION_FILES.items():
        fr = sat[sat["file"] == fname].sort_values("row")
        labels = version == "Verrokki"  # this export writes labels, the HB one codes
        items = [f"C{i}" for i in range(1, 9)] + (["H1", "H2", "H3", "H4"] if version == "HB" else [])
        header = ["Vastausaika", "Asiakasnumero"]
        header += [(MATRIX_C if c.startswith("C") else MATRIX_H) + SAT_STATEMENTS[c] for c in items]
        header += ["Kokonaisarvosana", "Työtilanne nyt", "Mitä muuta haluat sanoa?"]
        wb, ws = _sheet("Vastaukset")
        ws.append(header)
        # a personal identity code in one free-text answer of the HB file (consenting client)
        hetu_row = None
        if version == "HB":
            cand = np.flatnonzero(fr["free_text"].notna().to_numpy()
                                  & ~fr["client_id"].isin(nocons).to_numpy())
            hetu_row = int(cand[0]) if len(cand) else 0
        for j, row in enumerate(fr.itertuples(index=False)):
            assert row.row == FIRST_ROW["satisfaction"] + j
            rd = row._asdict()
            cells: list[Any] = [_excel_date(row.date + pd.Timedelta(hours=9 + j % 8, minutes=7 * (j % 8))),
                                row.client_id]
            for c in items:
                x = rd[c]
                if pd.isna(x):
                    blank = c == "H3" or rng.random() < 0.4
                    cells.append(None if blank else "En osaa sanoa")
                else:
                    cells.append(SAT_LABELS[int(x)] if labels else int(x))
            cells += [int(row.grade), str(row.work_status)]
            text = None if pd.isna(row.free_text) else str(row.free_text)
            if j == hetu_row:
                text = (text or "") + f" Henkilötunnukseni on {hetu(rng)[0]}, jos tarvitsette."
                rec.redacted.append({"file": fname, "sheet": "Vastaukset", "row": int(row.row),
                                     "column": "Mitä muuta haluat sanoa?"})
            cells.append(text)
            ws.append(cells)
        for row in ws.iter_rows(min_row=2, min_col=1, max_col=1):
            row[0].number_format = "d.m.yyyy h:mm"
        _save(wb, root / fname)
        rec.file(fname, "satisfaction", "Vastaukset", len(fr))
        rec.rows(fname, "no_consent", int(fr["client_id"].isin(nocons).sum()))


def _esr(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
         nocons: set[str]) -> None:
    e = truth.full["esr"].sort_values("row")
    wb, ws = _sheet("ESR")
    ws.append(["Asiakasnumero", "Lomake", "Päivämäärä", "Työmarkkina-asema"])
    text_date = rng.random(len(e)) < 0.3
    for j, row in enumerate(e.itertuples(index=False)):
        ws.append([row.client_id, str(row.form), _date_cell(row.date, text_date[j]),
                   str(row.labour_status)])
    _set_date_format(ws, 3, 2)
    _save(wb, root / ESR_FILE)
    rec.file(ESR_FILE, "esr", "ESR", len(e))
    rec.rows(ESR_FILE, "no_consent", int(e["client_id"].isin(nocons).sum()))


DURATION_KINDS = ("min_plain", "min_suffix", "h_min", "h_comma", "h_dot", "hmm")


def _duration(minutes: int, kind: str) -> Any:
    """Spell a duration (multiple of 5 minutes) the way a diarist might type it."""
    h, m = divmod(minutes, 60)
    if kind == "min_suffix":
        return f"{minutes} min"
    if kind == "h_min" and h:
        return f"{h} h {m} min" if m else f"{h} h"
    if kind in ("h_comma", "h_dot") and minutes % 15 == 0:
        x = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
        return x.replace(".", ",") + " h" if kind == "h_comma" else x + "h"
    if kind == "hmm":
        return f"{h}:{m:02d}"
    return minutes if kind == "min_plain" and minutes % 2 else str(minutes)


def _diaries(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
             nocons: set[str]) -> None:
    di = truth.full["diaries"]
    dr = truth.full["diary_rows"]
    period = f"{_fi_date(di['period_start'].iloc[0])}–{_fi_date(di['period_end'].iloc[0])}"
    label = {"worker": "Työntekijä", "client": "Asiakas", "assistant": "Avustaja"}
    forced = list(DURATION_KINDS)
    outside_done = False
    by_diary = {k: g for k, g in dr.groupby("diary_id", sort=False, observed=True)}
    for d in di.itertuples(index=False):
        rows = by_diary.get(d.diary_id, dr.iloc[:0]).sort_values("row")
        role = str(d.role)
        wb, ws = _sheet(DIARY_SHEET)
        ws.append([f"{label[role]}: {d.person}"])
        if role == "client":
            ws.append([f"Seurantajakso: {period}"])
            ws.append([])
        else:
            ws.append([f"Tehtävänimike: {d.title}"])
            ws.append([f"Seurantajakso: {period}"])
        ws.append([])
        header = ["Päivämäärä"] + ([] if role == "client" else ["Asiakasnumero"]) + [
            "Tehtävä", "Kesto", "Matka km", "Kulut €"] + (["Vapaaehtoinen"] if role == "assistant" else [])
        ws.append(header)
        text_date = rng.random(len(rows)) < 0.25
        dashed = rng.random(len(rows)) < 0.1
        kinds = rng.integers(0, len(DURATION_KINDS), len(rows))
        for j, row in enumerate(rows.itertuples(index=False)):
            assert row.row == FIRST_ROW["time_diary"] + j
            kind = forced.pop() if forced and int(row.minutes) >= 90 and int(row.minutes) % 30 == 0 \
                else DURATION_KINDS[kinds[j]]
            cells: list[Any] = [_date_cell(row.date, text_date[j])]
            if role != "client":
                cells.append(_id_spelling(row.client_id, 1 if dashed[j] else 0))
            cells += [str(row.task).capitalize(), _duration(int(row.minutes), kind),
                      _fi_num(row.km, 1) if row.km > 0 else None,
                      _fi_num(row.expenses, 2, " ") if row.expenses > 0 else None]
            if role == "assistant":
                cells.append("kyllä" if row.volunteer else None)
            ws.append(cells)
        n = len(rows)
        rec.file(d.file, "time_diary", DIARY_SHEET, n)
        if role == "client":
            if d.person in nocons:
                rec.rows(d.file, "no_consent", n)
        else:
            rec.rows(d.file, "no_consent", int(rows["client_id"].isin(nocons).sum()))
        # one row outside the sample period (in the first worker diary), with a large expense
        if not outside_done and role == "worker" and n:
            first = rows.iloc[0]
            if first["client_id"] not in nocons:
                ws.append([_excel_date(di["period_end"].iloc[0] + pd.Timedelta(days=9)),
                           first["client_id"], "Muu", "1 h 15 min", None, "1 234,50"])
                rec.files[d.file]["rows_read"] += 1
                rec.rows(d.file, "outside_period")
                outside_done = True
        _set_date_format(ws, 1, 6)
        _save(wb, root / str(d.file))


def _service_costs(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
                   nocons: set[str]) -> None:
    sc = truth.full["service_costs"]
    header = ["Asiakasnumero", "Palvelu", "Tuottajasektori", "Rahoitus", "Alkupvm", "Loppupvm",
              "Määrä", "Yksikkö", "Yksikköhinta", "Summa €", "Tuottaja"]
    provider_faults = _provider_faults(sc, nocons)
    mismatch_done = False
    blank_done = False
    for pc in sorted(sc["file"].unique()):
        fr = sc[sc["file"] == pc].sort_values("row")
        k = int(str(pc).split("_")[-1][:2])
        enc = "utf-8-sig" if k % 2 else "cp1252"
        thousands = " " if k % 3 else "\u00a0"
        lines = [";".join(header)]
        for j, row in enumerate(fr.itertuples(index=False)):
            assert row.row == FIRST_ROW["service_costs"] + j
            price = row.unit_price
            amount = _fi_num(row.amount, 2, thousands)
            qty = _fi_num(row.quantity, 0 if float(row.quantity).is_integer() else 1)
            if not mismatch_done and row.client_id not in nocons and row.amount > 100:
                # the unit price was mistyped; the sum is the true amount
                price = round(row.unit_price * 1.1, 2)
                rec.cell(str(pc), None, row.row, "Summa €", "sum_mismatch",
                         "Yksikköhinta mistyped (x1.1); Summa is the true amount")
                mismatch_done = True
            elif not blank_done and row.client_id not in nocons and j > 5:
                amount = ""  # blank sum: amount = quantity x unit price (not a quarantine)
                blank_done = True
            sector, provider = str(row.sector), str(row.provider_id)
            fault = provider_faults.get((str(pc), int(row.row)))
            if fault is not None:
                column, written, note = fault
                sector, provider = (written, provider) if column == "Tuottajasektori" else (
                    sector, written)
                rec.cell(str(pc), None, row.row, column, "sector_mismatch" if column ==
                         "Tuottajasektori" else "unknown_provider", note)
            lines.append(";".join([row.client_id, row.service, sector, str(row.funding),
                                   _fi_date(row.start_date), _fi_date(row.end_date), qty, row.unit,
                                   _fi_num(price, 2, thousands), amount, provider]))
        path = root / str(pc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(enc))
        rec.file(str(pc), "service_costs", None, len(fr))
        rec.rows(str(pc), "no_consent", int(fr["client_id"].isin(nocons).sum()))


def _provider_faults(sc: pd.DataFrame, nocons: set[str]) -> dict[tuple[str, int], tuple]:
    """(file, row) -> (column, written value, note): one unknown provider id on an HB-budget row
    and one sector that disagrees with the register, on rows of consenting clients."""
    ok = ~sc["client_id"].isin(nocons) & sc["provider_id"].notna()
    hb = sc[ok & (sc["funding"].astype(str) == "HB-budjetti")].sort_values(["file", "row"])
    usual = sc[ok & (sc["funding"].astype(str) == "tavanomainen")
               & (sc["sector"].astype(str) == "järjestö")].sort_values(["file", "row"])
    out: dict[tuple[str, int], tuple] = {}
    if len(hb):
        r = hb.iloc[len(hb) // 2]
        out[(str(r.file), int(r.row))] = ("Tuottaja", UNKNOWN_PROVIDER,
                                          f"provider id {r.provider_id} mistyped as "
                                          f"{UNKNOWN_PROVIDER} (not in the register)")
    if len(usual):
        r = usual.iloc[len(usual) // 3]
        out[(str(r.file), int(r.row))] = ("Tuottajasektori", "yksityinen",
                                          "sector written yksityinen; the register says järjestö")
    return out


def _budgets(truth: DemoTruth, root: Path, rng: np.random.Generator, rec: _Planted,
             nocons: set[str]) -> None:
    """Budget decisions: the truth rows, then a decision for a Verrokki client
    (``arm_mismatch``) and two second decisions with an existing start date and an earlier
    decision date (``duplicate``: the truth row wins)."""
    dec = truth.full["budgets"]
    wb, ws = _sheet("Päätökset")
    ws.append(["Asiakasnumero", "Päätöspvm", "Alkaa", "Päättyy", "Summa €", "Yksikkö"])
    n = len(dec)
    spell = _spellings(rng, n)
    text_date = rng.random(n) < 0.3
    text_sum = rng.random(n) < 0.5

    def amount(x: float, as_text: bool) -> Any:
        return _fi_num(x, 2, " ") if as_text else float(x)

    for i, row in enumerate(dec.itertuples(index=False)):
        assert row.row == i + 2
        ws.append([_id_spelling(row.client_id, int(spell[i])),
                   _date_cell(row.decision_date, text_date[i]), _date_cell(row.start_date, text_date[i]),
                   _date_cell(row.end_date, text_date[i]), amount(row.amount, text_sum[i]),
                   row.unit_text])
    row_no = n + 2
    verrokki = truth.clients[truth.clients["arm"].astype(str) == "Verrokki"]
    if len(verrokki):
        v = verrokki.iloc[0]
        ws.append([str(v.client_id), _excel_date(v.start_date), _excel_date(v.start_date), None,
                   450.0, "€/kk"])
        row_no += 1
    single = dec[~dec["client_id"].isin(nocons) & ~dec["client_id"].duplicated(keep=False)]
    dups = single.iloc[[len(single) // 4, len(single) // 2]] if len(single) >= 2 else single.iloc[:0]
    for row in dups.itertuples(index=False):
        ws.append([row.client_id, _excel_date(row.decision_date - pd.Timedelta(days=20)),
                   _excel_date(row.start_date), _date_cell(row.end_date, False),
                   amount(row.amount * 2, True), row.unit_text])
        row_no += 1
    for col in (2, 3, 4):
        _set_date_format(ws, col, 2)
    _save(wb, root / BUDGET_FILE)
    rec.file(BUDGET_FILE, "budgets", "Päätökset", row_no - 2)
    rec.rows(BUDGET_FILE, "no_consent", int(dec["client_id"].isin(nocons).sum()))
    rec.rows(BUDGET_FILE, "arm_mismatch", 1 if len(verrokki) else 0)
    rec.rows(BUDGET_FILE, "duplicate", len(dups))


def _providers(truth: DemoTruth, root: Path, rec: _Planted) -> None:
    """Provider register, one business id with a wrong check digit (flagged,
    ``invalid_business_id``; the provider is kept)."""
    reg = truth.providers
    wb, ws = _sheet("Tuottajat")
    ws.append(["Tuottajatunnus", "Nimi", "Y-tunnus", "Sektori", "Hyväksytty", "Palvelut"])
    bad = len(reg) // 2
    for i, row in enumerate(reg.itertuples(index=False)):
        bid = row.business_id
        if i == bad:
            bid = bid[:-1] + str((int(bid[-1]) + 1) % 10)
            rec.cell(PROVIDER_FILE, "Tuottajat", int(row.row), "Y-tunnus", "invalid_business_id",
                     "check digit changed; the provider is kept")
        ws.append([row.provider_id, row.name, bid, row.sector, _excel_date(row.approved),
                   row.services])
    _set_date_format(ws, 5, 2)
    _save(wb, root / PROVIDER_FILE)
    rec.file(PROVIDER_FILE, "providers", "Tuottajat", len(reg))


def _unit_costs(truth: DemoTruth, root: Path, rec: _Planted) -> None:
    u = truth.unit_costs
    lines = [f"price_year: {u['price_year']}", "hourly_wage:            # euros per hour, by diary title"]
    lines += [f"  {t}: {w:.2f}" for t, w in u["hourly_wage"].items()]
    lines += [f"side_costs_pct: {u['side_costs_pct']}", f"overhead_pct: {u['overhead_pct']}",
              f"km_allowance: {u['km_allowance']}",
              f"volunteer_hour_value: {u['volunteer_hour_value']:.2f}",
              f"client_hour_value: {u['client_hour_value']}",
              "price_index: {" + ", ".join(f"{y}: {v}" for y, v in u["price_index"].items()) + "}"]
    (root / "yksikkokustannukset.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rec.file("yksikkokustannukset.yaml", "unit_costs", None, 0)  # a settings file: no data rows


EVALUATION_YAML = """\
# yaml-language-server: $schema=evaluation.schema.json
name: HB-kokeilu – demoaineisto (synteettinen)
sources:
  roster: roster.xlsx
  kykyviisari: kykyviisari/*.xlsx
  kompassi: kompassi_hml.csv
  osallisuus: osallisuus.xlsx
  satisfaction: [tyytyvaisyys_hb.xlsx, tyytyvaisyys_verrokki.xlsx]
  esr: esr.xlsx
  time_diary: paivakirjat/*.xlsx
  unit_costs: yksikkokustannukset.yaml
  service_costs: palvelukustannukset/*.csv
  budgets: hb_paatokset.xlsx
  providers: tuottajarekisteri.xlsx
analysis:
  seed: {seed}
  bootstrap_reps: 5000
  cluster: worker
  wtp_max: 20000
report:
  language: fi
  audience: internal
"""


def write_demo(dir: str | Path, seed: int = 20190331, n_clients: int = 360,  # noqa: A002
               truth: DemoTruth | None = None, *, clients: int | None = None) -> Path:
    """Write a complete demo evaluation (messy raw files) and return the path of ``evaluation.yaml``.

    Parameters
    ----------
    dir
        Output folder (created if needed).
    seed
        Seed of the simulation and of the mess; the same seed gives byte-identical files.
    n_clients
        Roster clients.
    truth
        An already simulated truth to write (its own seed is then recorded).
    clients
        A demo of about this many *consenting* clients (a roster of ``clients / 0.93``;
        overrides ``n_clients``), with as many workers, diaries and service rows as that
        implies: for scale tests. Workbooks then come from a streaming writer
        (:mod:`hb_eval.demo.xlsx_fast`): the same cells, other bytes than openpyxl's.

    Returns
    -------
    Path
        ``dir/evaluation.yaml``; ``dir/planted.json`` and ``dir/evaluation.schema.json`` (the
        configuration's JSON Schema, linked from the first line) lie beside it.
    """
    if clients is not None:
        token = _FAST_XLSX.set(True)
        try:
            return write_demo(dir, seed=seed, n_clients=roster_for_clients(clients), truth=truth)
        finally:
            _FAST_XLSX.reset(token)
    root = Path(dir)
    root.mkdir(parents=True, exist_ok=True)
    if truth is None:
        truth = simulate(seed=seed, n_clients=n_clients)
    rng = np.random.default_rng([int(truth.params["seed"]), 7])  # the mess has its own stream
    rec = _Planted()
    nocons = set(truth.roster.loc[truth.roster["consent"] != "kyllä", "client_id"])
    _roster(truth, root, rng, rec)
    _kykyviisari(truth, root, rng, rec, nocons)
    _kompassi(truth, root, rng, rec, nocons)
    _osallisuus(truth, root, rng, rec, nocons)
    _satisfaction(truth, root, rng, rec, nocons)
    _esr(truth, root, rng, rec, nocons)
    _diaries(truth, root, rng, rec, nocons)
    _service_costs(truth, root, rng, rec, nocons)
    _unit_costs(truth, root, rec)
    if truth.budgets is not None and len(truth.providers):
        # their own stream: the files above are the same with or without budgets
        b_rng = np.random.default_rng([int(truth.params["seed"]), 15])
        _budgets(truth, root, b_rng, rec, nocons)
        _providers(truth, root, rec)
    cfg = root / "evaluation.yaml"
    cfg.write_text(EVALUATION_YAML.format(seed=int(truth.params["seed"])), encoding="utf-8")
    (root / SCHEMA_FILE).write_text(json_schema_text(), encoding="utf-8")  # for editors
    (root / "planted.json").write_text(
        json.dumps(_planted_dict(truth, rec), ensure_ascii=False, indent=1, sort_keys=False) + "\n",
        encoding="utf-8")
    return cfg


def _planted_dict(truth: DemoTruth, rec: _Planted) -> dict[str, Any]:
    c = truth.clients
    q = rec.to_dict()
    # duplicate questionnaire responses (duplicate budget decisions are under "budget")
    dup = sum(f["quarantined_by_reason"].get("duplicate", 0) for f in q["files"]
              if f["source"] != "budgets")
    return {
        "seed": int(truth.params["seed"]),
        "n_roster_clients": int(len(truth.roster)),
        "effect": float(truth.effect),
        "effect_osallisuus": float(truth.params["effect_osallisuus"]),
        "delta_cost": {k: round(float(v), 6) for k, v in truth.delta_cost.items()},
        "clients": {
            "HB": int((c["arm"] == "HB").sum()), "Verrokki": int((c["arm"] == "Verrokki").sum()),
            "excluded_no_consent": int((truth.roster["consent"] != "kyllä").sum()),
            "orphans": len(rec.orphans),
            "by_pilot": {str(k): int(v) for k, v in c["pilot"].value_counts(sort=False).items()},
            "by_group": {str(k): int(v) for k, v in c["client_group"].value_counts(sort=False).items()},
            "by_arm_pilot": {f"{a}|{p}": int(v) for (a, p), v in
                             c.groupby(["arm", "pilot"], observed=False).size().items()},
        },
        "orphans": {"count": len(rec.orphans), "rows": int(q["row_quarantine_by_reason"].get("orphan", 0))},
        "duplicates": int(dup),
        "budget": _budget_planted(truth, rec),
        "personal_id": {"quarantined_rows": int(q["row_quarantine_by_reason"].get("personal_id_found", 0)),
                        "redacted_free_text": rec.redacted,
                        "cells_total": int(q["row_quarantine_by_reason"].get("personal_id_found", 0))
                        + len(rec.redacted)},
        **q,
    }


def _budget_planted(truth: DemoTruth, rec: _Planted) -> dict[str, Any]:
    """The planted budget truth: granted, realised and utilisation per consenting HB client."""
    bt = truth.budget_truth
    if bt is None or not len(bt):
        return {"n_clients": 0, "clients": []}
    u = bt["utilisation"].to_numpy(float)
    return {
        "n_clients": int(len(bt)),
        "duplicates": int(rec.files[BUDGET_FILE]["quarantined_by_reason"].get("duplicate", 0))
        if BUDGET_FILE in rec.files else 0,
        "utilisation_median": float(np.median(u)),
        "share_under_half": float(np.mean(u < 0.5)), "share_over_full": float(np.mean(u > 1.0)),
        "clients": [{"client_id": str(r.client_id), "granted": round(float(r.granted), 6),
                     "realised": round(float(r.realised), 6),
                     "utilisation": round(float(r.utilisation), 9)}
                    for r in bt.itertuples(index=False)],
    }


def cli_demo(args: Any) -> int:
    """``hb-eval demo DIR [--seed N] [--n-clients N | --clients N]``: write the demo and say
    where it went (``--clients``: about N consenting clients, for scale tests)."""
    seed = 20190331 if getattr(args, "seed", None) is None else int(args.seed)
    n = 360 if getattr(args, "n_clients", None) is None else int(args.n_clients)
    clients = getattr(args, "clients", None)
    if clients is not None:
        n = roster_for_clients(int(clients))
    cfg = write_demo(args.dir, seed=seed, n_clients=n, clients=clients)
    print(f"demo evaluation written to {cfg.parent} (seed {seed}, {n} roster clients)")
    print(f"  configuration: {cfg}")
    print(f"  what was planted: {cfg.parent / 'planted.json'}")
    print(f"  check it with: hb-eval validate {cfg}")
    return 0
