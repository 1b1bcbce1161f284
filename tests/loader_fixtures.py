"""Small hand-made messy input files for the loader tests (every spelling docs/data_sources.md lists).

Each ``write_*`` function writes one file and returns its path; :func:`write_evaluation` writes a
complete small evaluation with ``evaluation.yaml``. Expected outcomes are written beside the rows
as comments so that the tests can state them by hand.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

#: a checksum-valid henkilötunnus (the classic example); must never appear in any output
HETU = "131052-308T"

ROSTER_HEADER = ["Asiakasnumero", "Ryhmä", "Pilotti", "Asiakasryhmä", "Työntekijä",
                 "Asiakkuus alkoi", "Asiakkuus päättyi", "Päättymisen syy", "Sukupuoli",
                 "Ikäryhmä", "Suostumus"]

# row number in Excel -> (cells, expected outcome)
ROSTER_ROWS = [
    (["0410712", "HB", "Vantaa", "lapsiperhe", "07", "1.3.2018", "31.12.2018", "suunnitellusti",
      "nainen", "25–34", "kyllä"], "kept"),                                          # 2
    ([410713, "hb", "Vantaa", "lapsiperhe", None, dt.datetime(2018, 3, 1), None, None, "mies",
      "35-44", "Kyllä"], "kept"),                                                     # 3
    (["04-1-07-14", "HB-asiakas", None, None, "7", "1.3.2018", "1.10.2018", "keskeytyi", "muu",
      "45–54", "kyllä"], "kept"),                                                     # 4
    (["04 1 07 15", "VERROKKI", "Vantaa", "lapsiperhe", "04-07", "1.3.2018", "31.12.2018",
      "muutto", "ei halua sanoa", "55-64", "kyllä"], "kept"),                         # 5
    (["0410716 ", "verrokki", "Vantaa", "lapsiperhe", None, "1.3.2018", None, None, "nainen",
      "75+", "kyllä"], "kept"),                                                       # 6
    (["0420801", "Verrokki", "Vantaa", "aikuissosiaalityö", None, "1.3.2018", None, None,
      "nainen", "18–24", "ei"], "no_consent"),                                        # 7
    (["0420802", "HB", "Vantaa", "aikuissosiaalityö", None, "1.3.2018", None, None, "mies",
      "18–24", None], "no_consent"),                                                  # 8
    (["0710101", "HB", "Vantaa", "lapsiperhe", None, "1.3.2018", None, None, "mies", "18–24",
      "kyllä"], "bad_client_id"),                                                     # 9
    (["0130101", "HB", "Pori", "jälkihuolto", None, "1.3.2018", None, None, "mies", "18–24",
      "kyllä"], "pilot_mismatch"),                                                    # 10
    (["0130102", "HB", "Hämeenlinna", "lapsiperhe", None, "1.3.2018", None, None, "mies",
      "18–24", "kyllä"], "group_mismatch"),                                           # 11
    (["0410712", "hb", "Vantaa", "Lapsiperhe", "07", "1.3.2018", "31.12.2018", "suunnitellusti",
      "nainen", "25–34", " Kyllä"], "duplicate"),  # 12: row 2 again (case, spaces: a copy)
    (["0130103", "HB", "Hämeenlinna", "jälkihuolto", None, "1.2.2018", "31.2.2018", None, "x",
      "18–24", "kyllä"], "kept"),            # 13: cells: end date bad_date, sex unknown_code
    (["0110101", "Verrokki", "Hämeenlinna", "lapsiperhe", None, "1.2.2018", "31.12.2018", None,
      HETU, "25–34", "kyllä"], "kept"),      # 14: cell personal_id_found (Sukupuoli)
    (["0130104", "abc", "Hämeenlinna", "jälkihuolto", None, "1.2.2018", None, None, "mies",
      "18–24", "kyllä"], "unknown_code"),                                             # 15
    ([None, "HB", "Vantaa", "lapsiperhe", None, "1.3.2018", None, None, "mies", "18–24",
      "kyllä"], "missing_required"),                                                  # 16
]


def write_roster(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asiakkaat"
    ws.append(ROSTER_HEADER)
    for cells, _ in ROSTER_ROWS:
        ws.append(cells)
    ws.append([])
    ws.append(["Yhteensä 15 asiakasta"])
    wb.save(path)
    return path


KYKY_ITEMS = ([f"YH{i}" for i in (1, 2, 3)] + [f"OS{i}" for i in (1, 2, 3)]
              + [f"MH{i}" for i in (1, 2, 3, 4)] + [f"AS{i}" for i in (1, 2, 3, 4)]
              + [f"TA{i}" for i in (1, 2, 3)] + [f"FT{i}" for i in (1, 2, 3)]
              + [f"TT{i}" for i in (1, 2, 3)] + [f"VA{i}" for i in (1, 2, 3)])


def _answers(yh=7, other=3, va=3, **override):
    a = {c: (yh if c.startswith("YH") else va if c.startswith("VA") else other) for c in KYKY_ITEMS}
    a.update(override)
    return [a[c] for c in KYKY_ITEMS]


# (cells before items, answers, expected)
KYKY_ROWS = [
    (["R1", "0410712", "5.3.2018", "fi", "2.1"], _answers(), "alku"),                   # 6
    (["R2", 410712, "20.12.2018", "fi", "2.1"], _answers(yh=8, other=4), "loppu"),       # 7
    (["R3", "04-1-07-13", dt.datetime(2018, 3, 10), "sv", 2.0],
     _answers(YH1="EOS", OS1="En osaa sanoa", MH1=7, AS1="abc", TA1=4.5, VA1=None, VA2=None,
              VA3=None), "alku"),                                                        # 8
    (["R4", "0410712", "6.3.2018", "fi", "2.1"], _answers(), "duplicate"),              # 9
    (["R5", "0420801", "6.3.2018", "fi", "2.1"], _answers(), "no_consent"),             # 10
    (["R6", "0591101", "6.3.2018", "fi", "2.1"], _answers(), "bad_client_id"),          # 11
    (["R7", "0610101", "6.3.2018", "fi", "2.1"], _answers(), "orphan"),                 # 12
    (["R8", "0410714", None, "fi", "2.1"], _answers(), "missing_required"),             # 13
    (["R9", "0410715", "31.2.2018", "fi", "2.1"], _answers(), "bad_date"),              # 14
    ([None, "0410716", "7.3.2018", "selko", "2.1"], _answers(OS2=HETU), "alku"),        # 15
]


def write_kykyviisari(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Vastaukset"
    ws["A1"] = "Kykyviisari – vastaukset"
    ws["A2"] = "Vantaan kaupunki"
    ws["A3"] = "Vientipäivä 3.1.2019"
    header = ["Vastaustunniste", "Asiakasnumero", "Vastauspäivä", "Kieli", "Lomakeversio"]
    header += [f"{c} Kysymys {c}" for c in KYKY_ITEMS]
    for j, h in enumerate(header, start=1):
        ws.cell(row=5, column=j, value=h)
    r = 6
    for fixed, answers, _ in KYKY_ROWS:
        for j, v in enumerate(fixed + answers, start=1):
            ws.cell(row=r, column=j, value=v)
        r += 1
    ws.cell(row=r + 1, column=1, value=f"Yhteensä {len(KYKY_ROWS)} vastausta")
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list], *, sep=";", encoding="utf-8-sig") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


KOMPASSI_ROWS = [
    (["0110101", "5.2.2018", "1"] + ["2"] * 12, "alku"),                               # 2
    (["0110101", "15.12.2018", "3"] + ["3"] * 11 + ["5"], "loppu"),  # 3: KOM12 out_of_range
    (["01-1-01-01", "1.7.2018", "4"] + ["3"] * 12, "väli"),    # 4: kerta unknown -> date rule
]


def write_kompassi(path: Path) -> Path:
    header = ["asiakasnro", "pvm", "kerta"] + [f"KOM{i:02d}" for i in range(1, 13)]
    return _csv(path, [header] + [r for r, _ in KOMPASSI_ROWS], encoding="cp1252")


OSALLISUUS_ROWS = [
    (["0410712", "5.3.2018", "alku"] + [4] * 8, "alku"),                               # 2
    (["0410712", "20.12.2018", "Loppu"] + [5] * 7 + [0], "loppu"),   # 3: O8 out_of_range
]


def write_osallisuus(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Osallisuus"
    ws.append(["Asiakasnumero", "Päivämäärä", "Mittauskerta"] + [f"O{i}" for i in range(1, 9)])
    for cells, _ in OSALLISUUS_ROWS:
        ws.append(cells)
    wb.save(path)
    return path


ESR_ROWS = [
    (["0410712", "aloitus", "5.3.2018", "pitkäaikaistyötön"], "kept"),                 # 2
    (["0410712", "päättö", "20.12.2018", "työllinen"], "kept"),                        # 3
    (["0410713", "väliarvio", "5.3.2018", "työtön"], "unknown_code"),                  # 4
    (["0410713", "aloitus", "5.3.2018", "eläkkeellä"], "kept"),   # 5: cell unknown_code
]


def write_esr(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Asiakasnumero", "Lomake", "Päivämäärä", "Työmarkkina-asema"])
    for cells, _ in ESR_ROWS:
        ws.append(cells)
    wb.save(path)
    return path


SERVICE_HEADER = ["Asiakasnumero", "Palvelu", "Tuottajasektori", "Rahoitus", "Alkupvm",
                  "Loppupvm", "Määrä", "Yksikkö", "Yksikköhinta", "Summa €"]
SERVICE_ROWS = [
    (["0410712", "Kotipalvelu", "yksityinen", "HB-budjetti", "1.4.2018", "30.4.2018", "10",
      "h", "32,50", "325,00"], ("kept", 325.0, False)),                                 # 2
    (["0410712", "Päivätoiminta", "järjestö", "tavanomainen", "1.5.2018", "31.5.2018", "4",
      "pv", "1 234,50", "4\u00a0938,00"], ("kept", 4938.0, False)),                     # 3
    (["0410713", "Asumispalvelu", "julkinen", "asiakasmaksu", "1.5.2018", "31.5.2018", "1",
      "kk", "120,00", ""], ("kept", 120.0, False)),           # 4: blank sum -> q x p
    (["0410713", "Kotipalvelu", "yksityinen", "HB-budjetti", "1.6.2018", "30.6.2018", "3",
      "h", "30,00", "100,00"], ("kept", 100.0, True)),        # 5: sum_mismatch, kept as given
    (["0410714", "Kotipalvelu", "yksityinen", "HB-budjetti", "1.6.2018", "30.6.2018", "3",
      "h", "30,00", "90,01"], ("kept", 90.01, False)),        # 6: within a cent
    (["0410714", "Kuljetus", "yksityinen", "HB-budjetti", "1.6.2018", "30.6.2018", "", "",
      "", ""], ("missing_required", None, None)),                                       # 7
]


def write_service_costs(path: Path, encoding="cp1252") -> Path:
    return _csv(path, [SERVICE_HEADER] + [r for r, _ in SERVICE_ROWS], encoding=encoding)


DIARY_HEADER = ["Päivämäärä", "Asiakasnumero", "Tehtävä", "Kesto", "Matka km", "Kulut €",
                "Vapaaehtoinen"]
WORKER_DIARY_ROWS = [
    (["1.3.2018", "0410712", "Palvelutarpeen arviointi", "45", "12,5", None, None], 45.0),  # 6
    (["2.3.2018", "410713", "Asiakassuunnitelma", "1 h 15 min", None, None, None], 75.0),   # 7
    (["3.3.2018", "04-1-07-14", "Kirjaaminen", "1,5 h", None, None, None], 90.0),          # 8
    (["4.3.2018", "0410712", "Matkat", "0:45", "20", None, None], 45.0),                   # 9
    (["5.3.2018", "0410712", "Muu", "1.5h", None, None, None], 90.0),                      # 10
    (["6.3.2018", "0410712", "Muu", "45 min", None, None, None], 45.0),                    # 11
    (["7.3.2018", "0410712", "Muu", "1:30", None, None, None], 90.0),                      # 12
    (["2.4.2018", "0410712", "Muu", "30", None, None, None], "outside_period"),            # 13
    (["8.3.2018", "0130103", "Muu", "30", None, None, None], "pilot_mismatch"),            # 14
    (["9.3.2018", None, "Kirjaaminen", "30", None, None, None], 30.0),   # 15: unattributed
]


def write_worker_diary(path: Path, title="sosiaaliohjaaja") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Työntekijä: 04-07"
    ws["A2"] = f"Tehtävänimike: {title}"
    ws["A3"] = "Seurantajakso: 1.3.2018–31.3.2018"
    for j, h in enumerate(DIARY_HEADER, start=1):
        ws.cell(row=5, column=j, value=h)
    for i, (cells, _) in enumerate(WORKER_DIARY_ROWS):
        for j, v in enumerate(cells, start=1):
            ws.cell(row=6 + i, column=j, value=v)
    wb.save(path)
    return path


def write_client_diary(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Asiakas:"
    ws["B1"] = "0410712"
    ws["A3"] = "Seurantajakso: 1.3.2018 - 28.3.2018"
    for j, h in enumerate(DIARY_HEADER, start=1):
        ws.cell(row=5, column=j, value=h)
    ws.append(["2.3.2018", None, "Yhteydenpito verkostoon", "20", None, "1 234,50", None])  # 6
    ws.append(["3.3.2018", None, "Muu", None, None, "12,50", None])                        # 7
    wb.save(path)
    return path


def write_assistant_diary(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Avustaja: A-04-03"
    ws["A2"] = "Tehtävänimike: HB-avustaja"
    ws["A3"] = "Seurantajakso: 1.3.2018–31.3.2018"
    for j, h in enumerate(DIARY_HEADER, start=1):
        ws.cell(row=5, column=j, value=h)
    ws.append(["2.3.2018", "0410712", "Muu", "2 h", None, "5,00", "kyllä"])               # 6
    ws.append(["3.3.2018", "0410712", "Muu", "1 h", None, None, None])                    # 7
    wb.save(path)
    return path


UNIT_COSTS = """price_year: 2018
hourly_wage:
  sosiaalityöntekijä: 24.50
  sosiaaliohjaaja: 19.80
  palveluohjaaja: 20.40
  HB-avustaja: 14.00
side_costs_pct: 22.5
overhead_pct: 15
km_allowance: 0.42
volunteer_hour_value: 14.00
client_hour_value: 0
price_index: {2017: 98.6, 2018: 100.0}
"""


def write_evaluation(root: Path, *, optional: bool = True) -> Path:
    """A complete small evaluation in ``root``; returns the path of evaluation.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    write_roster(root / "roster.xlsx")
    (root / "kykyviisari").mkdir(exist_ok=True)
    write_kykyviisari(root / "kykyviisari" / "vantaa.xlsx")
    lines = ["name: Pieni testiarviointi", "sources:", "  roster: roster.xlsx",
             "  kykyviisari: kykyviisari/*.xlsx"]
    if optional:
        write_kompassi(root / "kompassi_hml.csv")
        write_osallisuus(root / "osallisuus.xlsx")
        write_esr(root / "esr.xlsx")
        write_satisfaction(root / "tyytyvaisyys_hb.xlsx", "HB")
        write_satisfaction(root / "tyytyvaisyys_verrokki.xlsx", "Verrokki")
        (root / "paivakirjat").mkdir(exist_ok=True)
        write_worker_diary(root / "paivakirjat" / "tt_04-07.xlsx")
        write_client_diary(root / "paivakirjat" / "as_0410712.xlsx")
        write_assistant_diary(root / "paivakirjat" / "av_A-04-03.xlsx")
        (root / "yksikkokustannukset.yaml").write_text(UNIT_COSTS, encoding="utf-8")
        (root / "palvelukustannukset").mkdir(exist_ok=True)
        write_service_costs(root / "palvelukustannukset" / "vantaa.csv")
        lines += ["  kompassi: kompassi_hml.csv", "  osallisuus: osallisuus.xlsx",
                  "  esr: esr.xlsx",
                  "  satisfaction: [tyytyvaisyys_hb.xlsx, tyytyvaisyys_verrokki.xlsx]",
                  "  time_diary: paivakirjat/*.xlsx",
                  "  unit_costs: yksikkokustannukset.yaml",
                  "  service_costs: palvelukustannukset/*.csv"]
    p = root / "evaluation.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


MATRIX = "7. Miten samaa mieltä olet seuraavista väittämistä? - "
STATEMENTS = {"C1": "Tulin kuulluksi ja kohdatuksi", "C2": "Saatoin luottaa työntekijään",
              "C3": "Keskustelut auttoivat hahmottamaan tilannetta",
              "C4": "Yhteistyö ja tiedonkulku toimivat",
              "C5": "Tuki ja palvelut vastasivat tarpeitani",
              "C6": "Sain riittävästi tietoa vaihtoehdoista",
              "C7": "Pystyin vaikuttamaan palveluihini", "C8": "Asiani hoituivat sujuvasti",
              "H1": "Budjetin käyttö oli selkeää", "H2": "Sain valita palveluntuottajan",
              "H3": "HB-avustajan tuki oli hyödyllistä", "H4": "Suosittelisin HB-mallia"}

# HB version: (cells, expected C1..C8, H1..H4, grade)
SAT_HB_ROWS = [
    (["0410712"] + ["Täysin samaa mieltä", 4, "Jokseenkin samaa mieltä", "Ei samaa eikä eri mieltä",
                    "Jokseenkin eri mieltä", "Täysin eri mieltä", "En osaa sanoa", 5]
     + [5, 4, None, "5"] + ["9", "työllinen", f"Kiitos! Hetuni on {HETU}."],
     [5, 4, 4, 3, 2, 1, None, 5], [5, 4, None, 5], 9.0),                                  # 2
    (["410713"] + [6, "joo", 3, 3, 3, 3, 3, 3] + [3, 3, 3, 3] + ["11", "eläkkeellä", None],
     [None, None, 3, 3, 3, 3, 3, 3], [3, 3, 3, 3], None),  # 3: 6 out_of_range, joo bad_value,
                                                           # grade 11 out_of_range, unknown work
]


def write_satisfaction(path: Path, version: str = "HB") -> Path:
    codes = [f"C{i}" for i in range(1, 9)] + ([f"H{i}" for i in range(1, 5)] if version == "HB" else [])
    header = ["Asiakasnumero"] + [MATRIX + STATEMENTS[c] for c in codes] + [
        "Kokonaisarvosana", "Työtilanne nyt", "Mitä muuta haluat sanoa?"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    if version == "HB":
        for cells, *_ in SAT_HB_ROWS:
            ws.append(cells)
    else:
        ws.append(["0410715"] + [4] * 8 + ["8,5", "opiskelija", "Hyvä."])
    wb.save(path)
    return path
