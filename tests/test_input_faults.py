"""Issue 22: faults of new kinds in the input -- no silent loss, no silent wrong number, no crash.

Each fault of the issue's "Why" is made here from the small hand-made evaluation of
``loader_fixtures`` (7 consenting clients); the ZIP bomb is built in memory.
"""
from __future__ import annotations

import functools
import io
import json
import os
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import hb_eval
from hb_eval.cli import main
from hb_eval.data.io import guard, read_xlsx
from hb_eval.errors import InputError
from hb_eval.support.own_files import own_file_reason

import loader_fixtures as F


@pytest.fixture()
def small(tmp_path) -> Path:
    return F.write_evaluation(tmp_path / "ev")


def validate_json(cfg: Path, capsys, *extra: str) -> tuple[int, dict, str]:
    rc = main(["validate", str(cfg), "--json", "--quarantine-out",
               str(cfg.parent.parent / "q.csv"), *extra])
    cap = capsys.readouterr()
    return rc, json.loads(cap.out), cap.err


def entries(js: dict, status: str) -> list[dict]:
    return [f for f in js["data"]["files"] if f["status"] == status]


def set_source(cfg: Path, source: str, value: str) -> None:
    lines = [f"  {source}: {value}" if ln.startswith(f"  {source}:") else ln
             for ln in cfg.read_text(encoding="utf-8").splitlines()]
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- 1. every file in a source's folder accounted for ----------------------------------------

def test_upper_case_extension_is_read(small):
    before = hb_eval.load(small)
    kyky = small.parent / "kykyviisari"
    (kyky / "vantaa.xlsx").rename(kyky / "KYKYVIISARI_VANTAA.XLSX")
    after = hb_eval.load(small)
    assert len(after.responses) == len(before.responses) > 0
    assert "kykyviisari/KYKYVIISARI_VANTAA.XLSX" in set(after.files["path"])
    assert set(after.responses["client_id"]) == set(before.responses["client_id"])


def test_csv_extension_in_any_case(small):
    folder = small.parent / "palvelukustannukset"
    (folder / "vantaa.csv").rename(folder / "Vantaa.Csv")
    ds = hb_eval.load(small)
    assert len(ds.service_costs) == 5


def test_a_file_the_pattern_does_not_match_is_listed_unread(small, capsys):
    kyky = small.parent / "kykyviisari"
    set_source(small, "kykyviisari", "kykyviisari/vantaa*.xlsx")
    F.write_kykyviisari(kyky / "espoo.xlsx")
    (kyky / "vanha.xls").write_bytes(guard.OLE_SIGNATURE + bytes(504))
    (kyky / "muistiinpanot.docx").write_bytes(b"not a source")  # another family: not listed
    rc, js, err = validate_json(small, capsys)
    unread = {f["path"]: f for f in entries(js, "unread")}
    assert set(unread) == {"kykyviisari/espoo.xlsx", "kykyviisari/vanha.xls"}
    assert {f["reason"] for f in unread.values()} == {"not_matched"}
    assert "does not match" in unread["kykyviisari/espoo.xlsx"]["message"]
    assert "save it as .xlsx" in unread["kykyviisari/vanha.xls"]["message"]
    assert rc == 0  # listed, not refused
    main(["validate", str(small), "--quarantine-out", str(small.parent.parent / "q.csv")])
    text = capsys.readouterr().out
    assert "Files in a source's folder that are not read:" in text
    assert "[not_matched] kykyviisari/espoo.xlsx" in text


def test_exact_name_with_glob_characters_is_taken_literally(small):
    before = hb_eval.load(small)
    name = "ESR-lomakkeet (kopio) [1].xlsx"
    (small.parent / "esr.xlsx").rename(small.parent / name)
    set_source(small, "esr", f'"{name}"')
    ds = hb_eval.load(small)
    assert name in set(ds.files["path"])
    pd.testing.assert_frame_equal(ds.esr.drop(columns="file"), before.esr.drop(columns="file"))


def test_exact_name_with_a_star_is_taken_literally(small):
    name = "esr*kopio.xlsx"
    (small.parent / "esr.xlsx").rename(small.parent / name)
    F.write_esr(small.parent / "esr-muu-kopio.xlsx")  # a glob would match this one too
    set_source(small, "esr", f'"{name}"')
    ds = hb_eval.load(small)
    assert [p for p in ds.files["path"] if "esr" in p] == [name]


# -- 2. plausibility of amounts and of the waves' order --------------------------------------

def _edit_service_row(small: Path, row: int, col: int, value: str) -> None:
    path = small.parent / "palvelukustannukset" / "vantaa.csv"
    rows = [r for r, _ in F.SERVICE_ROWS]
    rows[row - 2] = list(rows[row - 2])
    rows[row - 2][col] = value
    F._csv(path, [F.SERVICE_HEADER] + rows, encoding="cp1252")


def test_a_billion_euro_service_row_is_quarantined(small):
    _edit_service_row(small, 2, 9, "1 000 000 000,00")
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_amount"]
    assert list(zip(q["row"], q["level"], q["column"])) == [(2, "row", "Summa €")]
    assert "1,000,000 €" in q["detail"].iloc[0] and "1 000 000 000" not in q["detail"].iloc[0]
    assert ds.service_costs["amount"].max() == 4938.0
    acc = ds.files.set_index("source").loc["service_costs"]
    assert acc["rows_read"] == acc["rows_kept"] + acc["rows_quarantined"] == 6
    assert ds.quarantine_by_reason()["implausible_amount"] == 1


def test_a_clients_services_over_the_ceiling_are_quarantined(small):
    small.write_text(small.read_text(encoding="utf-8")
                     + "data:\n  max_client_services_eur: 5000\n", encoding="utf-8")
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "implausible_amount"]
    # 0410712: 325 + 4938 = 5263 € > 5000 €; 0410713: 220 €; 0410714: 90.01 €
    assert sorted(q["row"]) == [2, 3]
    assert set(ds.service_costs["client_id"]) == {"0410713", "0410714"}
    assert ds.limits.max_client_services_eur == 5000


def _osallisuus_end_before_start(small: Path) -> None:
    wb = openpyxl.load_workbook(small.parent / "osallisuus.xlsx")
    wb.active.cell(3, 2, "5.9.2017")  # loppu 181 days before the alku of 5.3.2018
    wb.save(small.parent / "osallisuus.xlsx")


def test_an_end_measurement_before_the_baseline_is_quarantined(small):
    _osallisuus_end_before_start(small)
    ds = hb_eval.load(small)
    q = ds.quarantine[ds.quarantine["reason"] == "wave_order"]
    assert list(zip(q["source"], q["row"], q["level"])) == [("osallisuus", 3, "row")]
    o = ds.responses[ds.responses["source"] == "osallisuus"]
    assert o["wave"].astype(str).tolist() == ["alku"]  # the baseline is kept
    assert not ((ds.items["source"] == "osallisuus") & (ds.items["wave"] == "loppu")).any()


def test_amount_and_wave_order_in_the_appendix_with_their_limits(small, tmp_path):
    _osallisuus_end_before_start(small)
    _edit_service_row(small, 2, 9, "1 000 000 000,00")
    out = tmp_path / "out"
    assert main(["report", str(small), "--out", str(out), "--reps", "20", "--quiet",
                 "--language", "en"]) == 0
    tab = pd.read_csv(out / "tables" / "plausibility.csv", encoding="utf-8-sig")
    got = dict(zip(tab.iloc[:, 2], tab.iloc[:, 3]))
    lim = dict(zip(tab.iloc[:, 2], tab.iloc[:, 1]))
    assert got["implausible_amount"] == 1 and got["wave_order"] == 1
    assert lim["implausible_amount"] == "1\u202f000\u202f000 / 5\u202f000\u202f000 €"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Largest service row / client" in html
    assert "Follow-up or end measurement dated before the baseline" in html
    res = json.loads((out / "results.json").read_text())
    assert res["data"]["quarantine_by_reason"]["implausible_amount"] == 1
    assert res["data"]["quarantine_by_reason"]["wave_order"] == 1


# -- 3. bounded reading ---------------------------------------------------------------------

def _workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["Asiakasnumero", "Vastauspäivä"])
    wb.active.append(["0410712", "teksti"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP written by hand: (name, stored bytes, method, crc, uncompressed size) each."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, payload, method, crc, size in members:
        n = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                              len(payload), size, len(n), 0) + n + payload)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0,
                                  0x21, crc, len(payload), size, len(n), 0, 0, 0, 0, 0,
                                  offset) + n)
    cd = central.getvalue()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd),
                      out.tell(), 0)
    return out.getvalue() + cd + end


@functools.lru_cache(maxsize=1)
def zip_bomb(shared_strings_bytes: int = 2 << 30) -> bytes:
    """A real workbook whose sharedStrings.xml inflates to ``shared_strings_bytes`` (2 GiB)
    from about 2 MiB: one deflated block of spaces, repeated after full flushes."""
    block = 1 << 20
    head = b'<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="1"><si><t>'
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    spaces = c.compress(b" " * block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(b" " * block) + c.flush(zlib.Z_FULL_FLUSH)
    assert again == spaces  # a full flush: the same block compresses to the same bytes
    n = (shared_strings_bytes - len(head)) // block
    tail = b"</t></si></sst>"
    stream = first + spaces * n + c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    chunk = b" " * block
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + n * block + len(tail)
    members = []
    with zipfile.ZipFile(io.BytesIO(_workbook_bytes())) as zf:
        for info in zf.infolist():
            if info.filename == "xl/sharedStrings.xml":
                continue
            data = zf.read(info)
            members.append((info.filename, data, 0, zlib.crc32(data), len(data)))
    members.append(("xl/sharedStrings.xml", stream, 8, crc, size))
    return _raw_zip(members)


def _with_part(name: str, text: bytes) -> bytes:
    """The small workbook with one part replaced."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook_bytes())) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, text if info.filename == name else src.read(info))
        if name not in src.namelist():
            dst.writestr(name, text)
    return buf.getvalue()


def test_zip_bomb_is_refused_before_parsing_without_memory(tmp_path):
    bomb = zip_bomb()
    assert len(bomb) < 3 << 20
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:  # a valid ZIP that inflates to 2 GiB
        assert zf.getinfo("xl/sharedStrings.xml").file_size > 2_000_000_000
    path = tmp_path / "pommi.xlsx"
    path.write_bytes(bomb)
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_xlsx(path, data=bomb, file="pommi.xlsx")
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.code == "too_large"
    assert "uncompressed" in str(info.value) and "\n" not in str(info.value)
    assert peak < 16 << 20  # nothing inflated: the directory and a few KiB
    print(f"bomb refused in {seconds * 1000:.1f} ms, peak {peak / 1024:.0f} KiB")


def test_zip_bomb_among_the_questionnaires_leaves_the_rest_loaded(small, capsys):
    (small.parent / "kykyviisari" / "pommi.xlsx").write_bytes(zip_bomb())
    rc, js, err = validate_json(small, capsys)
    refused = entries(js, "refused")
    assert [(f["path"], f["reason"]) for f in refused] == [("kykyviisari/pommi.xlsx",
                                                           "too_large")]
    assert js["data"]["clients"]["HB"] + js["data"]["clients"]["Verrokki"] == 7
    assert rc == 1 and "1 file(s) refused" in err
    # the report run stops with one line, not a dead process
    rc = main(["report", str(small), "--out", str(small.parent.parent / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc != 0 and err.strip().count("\n") == 0 and "too large" in err


@pytest.mark.parametrize("part, text, what", [
    ("xl/sharedStrings.xml",
     b'<?xml version="1.0"?><sst xmlns="x" count="90000000" uniqueCount="90000000"></sst>',
     "shared strings"),
    ("xl/worksheets/sheet1.xml",
     b'<?xml version="1.0"?><worksheet xmlns="x"><dimension ref="A1:XFD1048576"/>'
     b"<sheetData/></worksheet>", "cells"),
])
def test_declared_counts_beyond_the_limits_are_refused(tmp_path, part, text, what):
    data = _with_part(part, text)
    with pytest.raises(InputError) as info:
        read_xlsx(tmp_path / "x.xlsx", data=data, file="x.xlsx")
    assert info.value.code == "too_large" and what in str(info.value)


def test_a_normal_workbook_passes_the_guard():
    guard.check_workbook("x.xlsx", _workbook_bytes(), "x.xlsx")  # no error


# -- 4. the tool never reads what it wrote -------------------------------------------------

def test_validate_from_the_inputs_folder_writes_the_quarantine_table_outside(small, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(small.parent)
    assert main(["validate", str(small)]) == 0
    assert not (small.parent / "hb-eval-karanteeni.csv").exists()
    written = small.parent.parent / "hb-eval-karanteeni.csv"
    assert written.exists() and str(written) in capsys.readouterr().out
    # run from a source's glob folder: the table goes above every input folder too
    written.unlink()
    monkeypatch.chdir(small.parent / "palvelukustannukset")
    assert main(["validate", str(small)]) == 0
    assert not (small.parent / "palvelukustannukset" / "hb-eval-karanteeni.csv").exists()
    assert written.exists()


def test_a_quarantine_table_among_the_inputs_is_never_read(small, capsys):
    folder = small.parent / "palvelukustannukset"
    # the default name, and another name recognised by its header
    assert main(["validate", str(small), "--quarantine-out",
                 str(folder / "hb-eval-karanteeni.csv")]) == 0
    assert main(["validate", str(small), "--quarantine-out", str(folder / "q.csv")]) == 0
    capsys.readouterr()
    rc, js, err = validate_json(small, capsys)
    assert rc == 0 and not entries(js, "refused")
    unread = {f["path"]: f["reason"] for f in entries(js, "unread")}
    assert unread == {"palvelukustannukset/hb-eval-karanteeni.csv": "own_output",
                      "palvelukustannukset/q.csv": "own_output"}


def test_a_reports_own_tables_are_recognised(tmp_path):
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "files.csv").write_text("path\n", encoding="utf-8")
    (out / "tables" / "mine.csv").write_text("path\n", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(
        {"created_with": "hb_eval 0.1.0", "outputs": {"tables/files.csv": "0" * 64}}))
    assert "manifest.json" in own_file_reason(out / "tables" / "files.csv")
    assert own_file_reason(out / "tables" / "mine.csv") is None


# -- 5. one line for every file-system oddity ----------------------------------------------

def _refused_by_path(js: dict) -> dict[str, dict]:
    return {f["path"]: f for f in entries(js, "refused")}


def test_symlink_loop_and_dangling_link_among_the_diaries(small, capsys):
    d = small.parent / "paivakirjat"
    os.symlink("b.xlsx", d / "a.xlsx")
    os.symlink("a.xlsx", d / "b.xlsx")
    os.symlink("poistettu.xlsx", d / "c.xlsx")
    rc, js, err = validate_json(small, capsys)
    refused = _refused_by_path(js)
    assert set(refused) == {"paivakirjat/a.xlsx", "paivakirjat/b.xlsx", "paivakirjat/c.xlsx"}
    assert "symbolic link loop" in refused["paivakirjat/a.xlsx"]["message"]
    assert "dangling symbolic link" in refused["paivakirjat/c.xlsx"]["message"]
    assert all(f["reason"] == "unreadable" for f in refused.values())
    assert "Traceback" not in err and rc == 1
    assert len(hb_eval.load(small, errors="collect").diaries) == 3  # the others are read


def test_a_pipe_among_the_diaries_does_not_block(small, capsys):
    os.mkfifo(small.parent / "paivakirjat" / "putki.xlsx")
    rc, js, err = validate_json(small, capsys)
    assert "not a regular file" in _refused_by_path(js)["paivakirjat/putki.xlsx"]["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_one_line(small, capsys):
    p = small.parent / "paivakirjat" / "tt_04-07.xlsx"
    p.chmod(0)
    try:
        rc, js, err = validate_json(small, capsys)
    finally:
        p.chmod(0o600)
    assert "permission denied" in _refused_by_path(js)["paivakirjat/tt_04-07.xlsx"]["message"]


def test_permission_denied_in_words():
    assert guard.open_fault(PermissionError(13, "Permission denied"), "x") == (
        "permission denied: the file cannot be read by this user")


def _ole(encrypted: bool) -> bytes:
    """An OLE compound file: header sector, then a directory sector naming its streams."""
    names = ["Root Entry"] + (["EncryptionInfo", "EncryptedPackage"] if encrypted
                              else ["Workbook"])
    directory = b"".join(n.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", 2 * len(n) + 2)
                         + bytes(62) for n in names)
    return guard.OLE_SIGNATURE + bytes(504) + directory.ljust(512, b"\0")


def test_password_protected_workbook_says_what_to_do(small, capsys):
    (small.parent / "kykyviisari" / "salattu.xlsx").write_bytes(_ole(True))
    (small.parent / "kykyviisari" / "vanha.xlsx").write_bytes(_ole(False))
    rc, js, err = validate_json(small, capsys)
    refused = _refused_by_path(js)
    enc, old = refused["kykyviisari/salattu.xlsx"], refused["kykyviisari/vanha.xlsx"]
    assert enc["reason"] == "password_protected"
    assert "salattu.xlsx: password-protected: save an unprotected copy" in enc["message"]
    assert old["reason"] == "unsupported_type" and "97-2003" in old["message"]


@pytest.mark.parametrize("name, hint", [("esr.xls", "save it as an Excel workbook (.xlsx)"),
                                        ("esr.ods", "OpenDocument")])
def test_old_xls_and_ods_are_one_clear_line(small, capsys, name, hint):
    (small.parent / name).write_bytes(guard.OLE_SIGNATURE + bytes(504))
    set_source(small, "esr", name)
    rc, js, err = validate_json(small, capsys)
    f = _refused_by_path(js)[name]
    assert f["reason"] == "unsupported_type" and hint in f["message"]
