"""Issue 8 (items 1-4): every fault of "Why", each from a small fault file made here.

The evaluation is the hand-made one of ``loader_fixtures`` (7 consenting clients); each test
breaks one thing and checks the behaviour the issue asks for.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import hb_eval
from hb_eval.cli import main

import loader_fixtures as F

# 300180321 = 31 * 9683236 + 5 -> check "5"; 131052308 -> "T" (the official example)
CODE = "300180-3215"
#: the digits of the seeded codes in any spelling (sign, case, dash, glued)
LEAK = re.compile(r"300180\W?.?\W?3215|131052\W?.?\W?308[Tt]")


def texts_of(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text: xlsx members unzipped, data URIs dropped."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        raw = p.read_bytes()
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as zf:
                out[str(p)] = p.name + "\n".join(zf.read(n).decode("utf-8", "replace")
                                                 for n in zf.namelist())
            continue
        text = raw.decode("utf-8", "replace") if p.suffix != ".png" else \
            raw.decode("latin-1")  # PNG metadata chunks are latin-1 text
        out[str(p)] = str(p.relative_to(folder)) + "\n" + re.sub(
            r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+", "", text)
    return out


def assert_no_code(*places: Path | str) -> None:
    for place in places:
        if isinstance(place, Path) and place.is_dir():
            found = {k: LEAK.search(v).group(0) for k, v in texts_of(place).items()
                     if LEAK.search(v)}
        elif isinstance(place, Path):
            t = place.read_text(encoding="utf-8-sig")
            found = {str(place): LEAK.search(t).group(0)} if LEAK.search(t) else {}
        else:
            found = {"text": LEAK.search(place).group(0)} if LEAK.search(place) else {}
        assert not found, found


def validate_json(cfg: Path, capsys, *extra: str) -> tuple[int, dict, str]:
    rc = main(["validate", str(cfg), "--json", "--quarantine-out",
               str(cfg.parent / "q.csv"), *extra])
    cap = capsys.readouterr()
    return rc, json.loads(cap.out), cap.err


@pytest.fixture()
def small(tmp_path) -> Path:
    return F.write_evaluation(tmp_path / "ev")


def _edit_ws(path: Path, fn) -> None:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


# -- item 1: identity codes ------------------------------------------------------------------

def test_code_in_a_diary_file_name_reaches_no_output(small, tmp_path, capsys):
    diaries = small.parent / "paivakirjat"
    (diaries / "tt_04-07.xlsx").rename(diaries / f"asiakas_{CODE}.xlsx")
    rc, js, err = validate_json(small, capsys)
    assert rc == 0
    paths = [f["path"] for f in js["data"]["files"]]
    assert "paivakirjat/asiakas_[hetu-1].xlsx" in paths
    assert_no_code(json.dumps(js), err, small.parent / "q.csv")
    for audience in ("internal", "public"):
        out = tmp_path / f"out_{audience}"
        assert main(["report", str(small), "--out", str(out), "--reps", "20", "--quiet",
                     "--audience", audience]) == 0
        capsys.readouterr()
        assert_no_code(out)
        names = [i["path"] for i in json.loads((out / "manifest.json").read_text())["inputs"]]
        assert any("[hetu-" in n for n in names)


def test_placeholder_does_not_break_reproduce(small, tmp_path, capsys):
    diaries = small.parent / "paivakirjat"
    (diaries / "tt_04-07.xlsx").rename(diaries / f"asiakas_{CODE}.xlsx")
    out = tmp_path / "out"
    assert main(["report", str(small), "--out", str(out), "--reps", "20", "--quiet"]) == 0
    assert main(["reproduce", str(out)]) == 0
    assert "byte-identical" in capsys.readouterr().out
    # a changed file behind the placeholder is still found by its SHA-256
    _edit_ws(diaries / f"asiakas_{CODE}.xlsx", lambda wb: wb.active.cell(6, 4, "50"))
    assert main(["reproduce", str(out)]) == 1
    cap = capsys.readouterr()
    assert "[hetu]" in cap.out and "SHA-256" in cap.out
    assert_no_code(cap.out, cap.err)


def test_code_in_sheet_name_header_title_and_config_name(small, capsys):
    kyky = small.parent / "kykyviisari" / "vantaa.xlsx"

    def sheet_and_header(wb):
        ws = wb.active
        ws.title = f"Vastaukset {CODE}"  # the only sheet: read whatever its name
        ws.cell(5, 30, f"Huom {CODE}")  # an extra column headed with a code ...
        ws.cell(6, 30, "131052-308T")  # ... holding a code: the cell is quarantined

    def second_sheet(wb):
        wb.create_sheet("muistiinpanot 131052-308T").append(["jotain", "muuta"])

    _edit_ws(kyky, sheet_and_header)
    _edit_ws(small.parent / "osallisuus.xlsx", second_sheet)
    _edit_ws(small.parent / "paivakirjat" / "tt_04-07.xlsx",
             lambda wb: wb.active.cell(2, 1, f"Tehtävänimike: ohjaaja {CODE}"))
    text = small.read_text(encoding="utf-8").replace("name: Pieni testiarviointi",
                                                     "name: Arvio 131052–308t")
    small.write_text(text, encoding="utf-8")
    rc, js, err = validate_json(small, capsys)
    assert_no_code(json.dumps(js, ensure_ascii=False), err, small.parent / "q.csv")
    q = pd.read_csv(small.parent / "q.csv", sep=";", encoding="utf-8-sig")
    hit = q[(q["reason"] == "personal_id_found") & (q["column"] == "Huom [hetu-1]")]
    assert len(hit) == 1 and (hit["sheet"] == "Vastaukset [hetu-1]").all()
    unread = [f for f in js["data"]["files"] if f["status"] == "unread"]
    assert unread and unread[0]["sheet"] == "muistiinpanot [hetu-2]"
    # the diary title is not in the unit costs: the report stops with one gated line
    rc = main(["report", str(small), "--out", str(small.parent / "out"), "--quiet"])
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("hb-eval:")]  # warnings aside
    assert rc == 2 and "ohjaaja [hetu-1]" in line
    assert_no_code(err)


def test_free_text_keeps_no_spelling_of_a_code(small):
    spellings = ["131052-308t", "131052–308T", "131052308T", "huom131052-308Tkiitos"]

    def plant(wb):
        ws = wb.active
        col = [c.column for c in ws[1] if c.value == "Mitä muuta haluat sanoa?"][0]
        ws.cell(2, col, " / ".join(spellings[:2]))
        ws.cell(3, col, f"Terveisin {spellings[2]} ja {spellings[3]}")

    _edit_ws(small.parent / "tyytyvaisyys_hb.xlsx", plant)
    ds = hb_eval.load(small)
    texts = ds.satisfaction["free_text"].dropna().astype(str).tolist()
    assert len(texts) == 3 and sum(t.count("[henkilötunnus poistettu]") for t in texts) == 4
    assert_no_code(" ".join(texts))


# -- item 2: every file and every sheet accounted for ----------------------------------------

def _refused(js) -> list[dict]:
    return [f for f in js["data"]["files"] if f["status"] == "refused"]


def test_missing_column_and_split_header_are_refused_not_silent(small, capsys):
    kyky = small.parent / "kykyviisari"
    shutil.copy(kyky / "vantaa.xlsx", kyky / "ilman_paivaa.xlsx")
    _edit_ws(kyky / "ilman_paivaa.xlsx", lambda wb: wb.active.delete_cols(3))  # Vastauspäivä

    def split(wb):  # "Asiakas" / "numero" over two rows
        ws = wb.active
        for j in range(1, 6):
            v = ws.cell(5, j).value
            ws.cell(4, j, v[:4])
            ws.cell(5, j, v[4:])

    shutil.copy(kyky / "vantaa.xlsx", kyky / "kaksirivinen.xlsx")
    _edit_ws(kyky / "kaksirivinen.xlsx", split)
    rc, js, err = validate_json(small, capsys)
    assert rc == 1 and "refused" in err
    ref = {f["path"]: f for f in _refused(js)}
    assert set(ref) == {"kykyviisari/ilman_paivaa.xlsx", "kykyviisari/kaksirivinen.xlsx"}
    for f in ref.values():
        assert f["reason"] in ("no_header", "missing_column") and f["message"]
        assert f["sha256"] and len(f["sha256"]) == 64
    assert validate_json(small, capsys, "--allow-refused")[0] == 0


def test_utf16_and_bom_csv_are_read(small, capsys):
    kom = small.parent / "kompassi_hml.csv"
    rc, js, _ = validate_json(small, capsys)
    before = [f for f in js["data"]["files"] if f["source"] == "kompassi"][0]
    text = kom.read_bytes().decode("utf-8-sig")
    for enc in ("utf-16", "utf-16-le", "utf-8-sig"):
        kom.write_bytes(text.encode(enc))
        rc, js, _ = validate_json(small, capsys)
        got = [f for f in js["data"]["files"] if f["source"] == "kompassi"][0]
        assert got["status"] == "read", enc
        assert (got["rows_read"], got["rows_kept"]) == (before["rows_read"], before["rows_kept"])


def test_rows_on_a_second_sheet_are_reported(small, capsys):
    def second(wb):
        ws = wb.create_sheet("Vastaukset (2)")
        for r in wb["Vastaukset"].iter_rows(min_row=1, max_row=8, values_only=True):
            ws.append(list(r))
        other = wb.create_sheet("Muistio")
        other.append(["vapaata tekstiä"])

    _edit_ws(small.parent / "kykyviisari" / "vantaa.xlsx", second)
    rc, js, err = validate_json(small, capsys)
    unread = {f["sheet"]: f for f in js["data"]["files"] if f["status"] == "unread"}
    assert set(unread) == {"Muistio"}  # the sheet with another header
    assert unread["Muistio"]["rows_unread"] == 1
    assert all(f["reason"] == "unread_sheet" for f in unread.values())
    # the same-header sheet is read: its own entry, rows 6-8 under the copied header, each a
    # copy of a response already read on the first sheet
    kyky = {f["sheet"]: f for f in js["data"]["files"]
            if f["source"] == "kykyviisari" and f["status"] == "read"}
    assert set(kyky) == {"Vastaukset", "Vastaukset (2)"}
    two = kyky["Vastaukset (2)"]
    assert (two["status"], two["path"]) == ("read", "kykyviisari/vantaa.xlsx")
    assert (two["rows_read"], two["rows_kept"], two["rows_quarantined"]) == (3, 0, 3)
    assert two["sha256"] == kyky["Vastaukset"]["sha256"]
    q = pd.read_csv(small.parent / "q.csv", sep=";", encoding="utf-8-sig")
    q2 = q[q["sheet"] == "Vastaukset (2)"]
    assert sorted(q2["row"]) == [6, 7, 8] and set(q2["reason"]) == {"duplicate"}
    assert set(q2["file"]) == {"kykyviisari/vantaa.xlsx"}


def test_extra_sheets_of_a_diary_are_reported_unread(small, capsys):
    # a diary is one sheet (read in a batch): a copy of it on a second sheet is reported,
    # not read, and so is a note sheet whose name holds a code
    def second(wb):
        ws = wb.create_sheet("Toinen viikko")
        for r in wb.active.iter_rows(values_only=True):
            ws.append(list(r))
        wb.create_sheet(f"muistio {CODE}").append(["vapaata tekstiä"])

    _edit_ws(small.parent / "paivakirjat" / "tt_04-07.xlsx", second)
    rc, js, err = validate_json(small, capsys)
    unread = {f["sheet"]: f for f in js["data"]["files"]
              if f["status"] == "unread" and f["source"] == "time_diary"}
    assert set(unread) == {"Toinen viikko", "muistio [hetu-1]"}
    assert unread["Toinen viikko"]["rows_unread"] == 10  # the diary's 10 data rows
    assert "same header" in unread["Toinen viikko"]["message"]
    assert unread["muistio [hetu-1]"]["rows_unread"] == 1
    read = [f for f in js["data"]["files"]
            if f["status"] == "read" and f["path"] == "paivakirjat/tt_04-07.xlsx"]
    assert len(read) == 1 and (read[0]["rows_read"], read[0]["rows_kept"]) == (10, 8)
    assert_no_code(json.dumps(js), err)


def _split_roster(path: Path) -> None:
    """The roster's rows 2-8 on sheet ``Asiakkaat``, the rest (rows 9-16 of the one-sheet
    roster) on ``Asiakkaat 2`` with the same header, and a note sheet with another header."""
    wb = openpyxl.Workbook()
    one = wb.active
    one.title = "Asiakkaat"
    two = wb.create_sheet("Asiakkaat 2")
    for ws, part in ((one, F.ROSTER_ROWS[:7]), (two, F.ROSTER_ROWS[7:])):
        ws.append(F.ROSTER_HEADER)
        for cells, _ in part:
            ws.append(cells)
    two.append([])
    two.append(["Yhteensä 8 asiakasta"])  # a total row: not a data row
    wb.create_sheet("Muistio").append(["Huomioita", "Pvm"])
    wb["Muistio"].append(["kysy pilotilta", "1.3.2018"])
    wb.save(path)


def test_a_same_header_second_sheet_of_the_roster_is_read(small, capsys):
    rc, js, _ = validate_json(small, capsys)
    whole = js["data"]
    _split_roster(small.parent / "roster.xlsx")
    rc, js, err = validate_json(small, capsys)
    files = {(f["source"], f["sheet"]): f for f in js["data"]["files"]}
    one, two = files[("roster", "Asiakkaat")], files[("roster", "Asiakkaat 2")]
    # one entry per sheet read, each adding up: sheet 1 keeps rows 2-6 (7, 8: no consent);
    # sheet 2 keeps its rows 6 and 7 (rows 13 and 14 of the one-sheet roster)
    assert (one["rows_read"], one["rows_kept"], one["rows_quarantined"]) == (7, 5, 2)
    assert (two["rows_read"], two["rows_kept"], two["rows_quarantined"]) == (8, 2, 6)
    assert one["path"] == two["path"] == "roster.xlsx" and two["status"] == "read"
    unread = files[("roster", "Muistio")]
    assert (unread["status"], unread["reason"], unread["rows_unread"]) == (
        "unread", "unread_sheet", 2)  # its non-empty rows, its own header included
    # nothing counted twice: the same clients and reasons as the one-sheet roster
    assert js["data"]["clients"] == whole["clients"]
    assert js["data"]["quarantine_by_reason"] == whole["quarantine_by_reason"]
    whole_roster = [f for f in whole["files"] if f["source"] == "roster"][0]
    assert one["rows_read"] + two["rows_read"] == whole_roster["rows_read"] == 15
    # each record names its sheet and the Excel row there (row 12 of the one-sheet roster, a
    # copy of row 2, is row 5 of sheet 2)
    q = pd.read_csv(small.parent / "q.csv", sep=";", encoding="utf-8-sig", dtype=str)
    q = q[q["source"] == "roster"]
    assert set(q["file"]) == {"roster.xlsx"}
    rows2 = q[(q["sheet"] == "Asiakkaat 2") & (q["level"] == "row")]
    assert dict(zip(rows2["row"].astype(int), rows2["reason"])) == {
        2: "bad_client_id", 3: "pilot_mismatch", 4: "group_mismatch", 5: "duplicate",
        8: "unknown_code", 9: "missing_required"}
    cells2 = q[(q["sheet"] == "Asiakkaat 2") & (q["level"] == "cell")]
    assert sorted(zip(cells2["row"].astype(int), cells2["reason"])) == [
        (6, "bad_date"), (6, "unknown_code"), (7, "personal_id_found")]
    rows1 = q[(q["sheet"] == "Asiakkaat") & (q["level"] == "row")]
    assert dict(zip(rows1["row"].astype(int), rows1["reason"])) == {7: "no_consent",
                                                                    8: "no_consent"}
    assert_no_code(json.dumps(js), err, small.parent / "q.csv")
    # the Python API: sheet 2's clients carry the sheet in their file key
    ds = hb_eval.load(small)
    got = sorted(zip(ds.clients["file"].astype(str), ds.clients["row"].astype(int)))
    assert got == [("roster.xlsx", r) for r in (2, 3, 4, 5, 6)] + [
        ("roster.xlsx [Asiakkaat 2]", 6), ("roster.xlsx [Asiakkaat 2]", 7)]


def test_zero_byte_and_half_written_optional_files_are_refused(small, capsys):
    svc = small.parent / "palvelukustannukset"
    (svc / "tyhja.csv").write_bytes(b"")
    sat = small.parent / "tyytyvaisyys_hb.xlsx"
    sat.write_bytes(sat.read_bytes()[:1500])
    rc, js, _ = validate_json(small, capsys)
    ref = {f["path"]: f["reason"] for f in _refused(js)}
    assert ref == {"palvelukustannukset/tyhja.csv": "empty",
                   "tyytyvaisyys_hb.xlsx": "unreadable"}
    assert rc == 1


def test_excel_errors_and_formulas_without_value_are_quarantined(small):
    def errors(wb):
        ws = wb.active
        ws.cell(6, 6, "#N/A")      # YH1 of R1: an error value
        ws.cell(7, 7, "=1+1")      # YH2 of R2: a formula without a saved value
        ws.cell(8, 8, "#DIV/0!")

    _edit_ws(small.parent / "kykyviisari" / "vantaa.xlsx", errors)
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "excel_error"]
    assert sorted(zip(q["row"], q["column"], q["level"])) == [
        (6, "YH1 Kysymys YH1", "cell"), (7, "YH2 Kysymys YH2", "cell"),
        (8, "YH3 Kysymys YH3", "cell")]
    assert set(q["detail"]) == {"Excel error value #N/A", "Excel error value #DIV/0!",
                                "a formula saved without its value (open and save the file "
                                "in Excel)"}
    # CSV exported from Excel: the error text itself
    kom = small.parent / "kompassi_hml.csv"
    kom.write_bytes(kom.read_bytes().replace(b";2;2;2;2", b";#N/A;2;2;2", 1))
    ds = hb_eval.load(small)
    assert (ds.quarantine["reason"] == "excel_error").sum() == 4


def test_wrong_source_is_refused_naming_both(small, capsys):
    text = small.read_text(encoding="utf-8").replace("kykyviisari: kykyviisari/*.xlsx",
                                                     "kykyviisari: osallisuus.xlsx")
    text = text.replace("  osallisuus: osallisuus.xlsx\n", "")
    small.write_text(text, encoding="utf-8")
    rc, js, _ = validate_json(small, capsys)
    (f,) = _refused(js)
    assert rc == 1 and f["reason"] == "wrong_source"
    assert "sources.osallisuus" in f["message"] and "sources.kykyviisari" in f["message"]
    rc = main(["report", str(small), "--out", str(small.parent / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "wrong_source" not in err and "sources.osallisuus" in err


def test_another_sources_workbook_among_the_diaries_is_refused_naming_both(small, capsys):
    # a service-cost extract saved as a workbook among the diaries: it has a date and a
    # duration column, so a diary header is found, but it fits the service costs better
    wb = openpyxl.Workbook()
    wb.active.append(["Asiakasnumero", "Palvelu", "Sektori", "Rahoitus", "Alkupvm",
                      "Loppupvm", "Päivämäärä", "Kesto", "Summa €"])
    wb.active.append(["0410712", "kotipalvelu", "julkinen", "tavanomainen", "1.3.2018",
                      "31.3.2018", "1.3.2018", "30", "100"])
    wb.save(small.parent / "paivakirjat" / "palvelut.xlsx")
    rc, js, _ = validate_json(small, capsys)
    (f,) = _refused(js)
    assert rc == 1 and f["path"] == "paivakirjat/palvelut.xlsx"
    assert f["reason"] == "wrong_source"
    assert "sources.service_costs" in f["message"] and "sources.time_diary" in f["message"]
    diaries = {g["path"] for g in js["data"]["files"] if g["source"] == "time_diary"
               and g["status"] == "read"}
    assert len(diaries) == 3  # the real diaries are read all the same


def test_same_file_under_two_sources_is_refused_not_a_bug(small, capsys):
    text = small.read_text(encoding="utf-8").replace(
        "esr: esr.xlsx", "esr: [esr.xlsx, osallisuus.xlsx]")
    small.write_text(text, encoding="utf-8")
    rc, js, err = validate_json(small, capsys)
    (f,) = _refused(js)
    assert f["reason"] == "same_file" and "bug" not in f["message"]
    assert "sources.osallisuus" in f["message"] and "sources.esr" in f["message"]


# -- item 3: plausibility ------------------------------------------------------------------------

def test_implausible_client_ship_dates_are_quarantined(small):
    def dates(wb):
        ws = wb.active
        ws.cell(3, 6, "1.1.1900")   # 0410713 start
        ws.cell(5, 7, "31.12.2100")  # 0410715 end

    _edit_ws(small.parent / "roster.xlsx", dates)
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_date"]
    assert sorted(zip(q["row"], q["column"])) == [(3, "Asiakkuus alkoi"),
                                                  (5, "Asiakkuus päättyi")]
    c = ds.clients.set_index("client_id")
    assert pd.isna(c.loc["0410713", "start_date"]) and pd.isna(c.loc["0410713", "days"])
    assert pd.isna(c.loc["0410715", "end_date"])
    assert c["days"].max() < 400


def test_date_window_is_configurable(small):
    small.write_text(small.read_text(encoding="utf-8")
                     + "data:\n  date_min: 2018-03-02\n  date_max: 2019-06-30\n",
                     encoding="utf-8")
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_date"]
    # roster starts on 1.3.2018 and 1.2.2018 fall before 2.3.2018: cells
    assert (q[q["source"] == "roster"]["level"] == "cell").all() and len(q) > 0
    assert str(ds.limits.date_max) == "2019-06-30"


@pytest.mark.parametrize("text", ["25 h", "1500 min", "25:00", "99999", "36 tuntia"])
def test_diary_row_over_24_hours(small, text):
    _edit_ws(small.parent / "paivakirjat" / "tt_04-07.xlsx",
             lambda wb: wb.active.cell(6, 4, text))
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_duration"]
    assert list(zip(q["file"], q["row"], q["level"])) == [("paivakirjat/tt_04-07.xlsx", 6,
                                                           "row")]
    assert ds.diary_rows["minutes"].max() <= 1440


def test_diarists_day_over_24_hours(small):
    def day(wb):
        ws = wb.active
        ws.cell(10, 1, "4.3.2018")  # row 10 on the day of row 9 ...
        ws.cell(9, 4, "13 h")
        ws.cell(10, 4, "12 h")      # ... 25 h together: both rows go

    _edit_ws(small.parent / "paivakirjat" / "tt_04-07.xlsx", day)
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_duration"]
    assert sorted(q["row"]) == [9, 10]
    assert "day adds up" in q["detail"].iloc[0]


@pytest.mark.parametrize("value", ["Kyllä.", "yes", "1", "x"])
def test_unknown_consent_is_flagged_and_excluded(small, value):
    _edit_ws(small.parent / "roster.xlsx", lambda wb: wb.active.cell(4, 11, value))
    ds = hb_eval.load(small)
    q = ds.quarantine
    row = q[(q["source"] == "roster") & (q["row"] == 4)]
    assert row["reason"].tolist() == ["unknown_code"] and row["client_id"].isna().all()
    assert "0410714" not in set(ds.clients["client_id"])
    # the client's rows elsewhere are excluded like those of a client without consent
    assert not (q["client_id"].astype(str) == "0410714").any()
    assert not (ds.diary_rows["client_id"].astype(str) == "0410714").any()
    assert ds.excluded_no_consent == 3


def test_conflicting_roster_rows_are_both_quarantined(small):
    _edit_ws(small.parent / "roster.xlsx", lambda wb: wb.active.cell(12, 2, "Verrokki"))
    ds = hb_eval.load(small)
    q = ds.quarantine[(ds.quarantine["source"] == "roster")]
    assert sorted(q.loc[q["reason"] == "conflict", "row"]) == [2, 12]
    assert q.loc[q["reason"] == "conflict", "client_id"].isna().all()
    assert "0410712" not in set(ds.clients["client_id"])
    assert not (ds.responses["client_id"].astype(str) == "0410712").any()
    acc = ds.files.set_index("source").loc["roster"]
    assert acc["rows_read"] == acc["rows_kept"] + acc["rows_quarantined"]


def test_plausibility_limits_and_counts_in_the_appendix(small, tmp_path, capsys):
    _edit_ws(small.parent / "roster.xlsx", lambda wb: wb.active.cell(3, 6, "1.1.1900"))
    out = tmp_path / "out"
    assert main(["report", str(small), "--out", str(out), "--reps", "20", "--quiet",
                 "--language", "en"]) == 0
    tab = pd.read_csv(out / "tables" / "plausibility.csv", encoding="utf-8-sig")
    got = dict(zip(tab.iloc[:, 2], tab.iloc[:, 3]))
    assert got["implausible_date"] == 1 and got["implausible_duration"] == 0
    assert got["conflict"] == 0
    assert tab.iloc[0, 1].startswith("1990-01-01 – ")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Plausibility rules" in html and "Longest diary row / diary day (min)" in html
    res = json.loads((out / "results.json").read_text())
    assert res["data"]["quarantine_by_reason"]["implausible_date"] == 1


# -- item 4: no estimate without the information -------------------------------------------------

def _change_frame(n_workers: int, n: int = 48, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.where(np.arange(n) % 2 == 0, "HB", "Verrokki")
    base = rng.normal(50, 10, n)
    change = rng.normal(0, 5, n) + 3 * (arm == "HB")
    return pd.DataFrame({"client_id": [f"{i:07d}" for i in range(n)], "arm": arm,
                         "worker": [f"04-{i % n_workers:02d}" for i in range(n)],
                         "pilot": "Vantaa", "baseline": base, "end": base + change,
                         "change": change, "outcome": "kykyviisari_total"})


def test_one_cluster_is_not_estimable():
    from hb_eval.errors import NotEstimable
    from hb_eval.outcomes.did import did_2x2

    with pytest.raises(NotEstimable, match="1 worker|cluster"):
        did_2x2(_change_frame(1), cluster="worker", wild_reps=99, seed=1)


def test_zero_standard_error_is_never_a_result():
    from hb_eval.errors import NotEstimable
    from hb_eval.outcomes.did import did_2x2

    f = _change_frame(6)
    f["change"] = np.where(f["arm"] == "HB", 3.0, 0.0)  # no variation left: SE 0
    f["end"] = f["baseline"] + f["change"]
    with pytest.raises(NotEstimable, match="standard error is zero"):
        did_2x2(f, cluster="worker", wild_reps=0)


def test_few_clusters_make_the_wild_bootstrap_primary():
    from hb_eval.outcomes.did import did_2x2

    few = did_2x2(_change_frame(6), cluster="worker", wild_reps=199, seed=3).iloc[0]
    assert few["inference"] == "wild_cluster_bootstrap" and few["wild_weights"] == "webb"
    assert "6 worker clusters" in few["inference_reason"]
    many = did_2x2(_change_frame(12), cluster="worker", wild_reps=0).iloc[0]
    assert many["inference"] == "CR2" and many["inference_reason"] is None


def test_one_cluster_in_results_json_is_null_with_reason(tmp_path, capsys):
    # one pilot left (the others do not consent) and cluster: pilot -> one cluster
    from hb_eval.demo import write_demo

    cfg = write_demo(tmp_path / "demo", n_clients=150)
    root = cfg.parent
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("cluster: worker", "cluster: pilot"),
                   encoding="utf-8")
    wb = openpyxl.load_workbook(root / "roster.xlsx")
    ws = wb.active
    head = {c.value: c.column for row in ws.iter_rows(max_row=10) for c in row
            if c.value in ("Asiakasnumero", "Suostumus")}
    top = min(c.row for row in ws.iter_rows(max_row=10) for c in row if c.value == "Suostumus")
    for r in range(top + 1, ws.max_row + 1):
        cid = str(ws.cell(r, head["Asiakasnumero"]).value or "")
        if not cid.replace("-", "").replace(" ", "").startswith("01"):
            ws.cell(r, head["Suostumus"], "ei")
    wb.save(root / "roster.xlsx")
    out = tmp_path / "out"
    main(["report", str(cfg), "--out", str(out), "--reps", "20", "--quiet",
          "--language", "en"])
    capsys.readouterr()
    res = json.loads((out / "results.json").read_text())
    did = res["outcomes"]["kykyviisari_total"]["did"]
    assert did["estimate"] is None and did["se"] is None and did["p"] is None
    assert did["wild_p"] is None and "1 cluster" in did["reason"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "clustered estimates could not be computed" in html


def test_report_without_any_consenting_client_exits_nonzero(small, tmp_path, capsys):
    def nobody(wb):
        ws = wb.active
        for r in range(2, ws.max_row + 1):
            ws.cell(r, 11, "ei")

    _edit_ws(small.parent / "roster.xlsx", nobody)
    rc = main(["report", str(small), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("hb-eval:")]
    assert rc == 2 and "no consenting client" in line
