"""Readers: xlsx (calamine and openpyxl agree), csv encodings and separators, header rows, total
rows, Excel row numbers."""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from hb_eval.errors import InputError
from hb_eval.data.io import read_grid, read_table, read_xlsx
from hb_eval.data.io.csv import decode, sniff_separator
from hb_eval.data.io.grid import cell_text, is_total_row

KNOWN = ["Vastaustunniste", "Asiakasnumero", "Vastauspäivä", "Kieli", "Lomakeversio", "YH1"]


def _kyky_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Vastaukset"
    ws["A1"] = "Kykyviisari – vastaukset"
    ws["A2"] = "Vantaan kaupunki"
    ws["A3"] = "Vientipäivä 3.4.2019"
    ws.append([])  # row 4 is appended after row 3
    ws.append(["Vastaustunniste", "Asiakasnumero", "Vastauspäivä", "Kieli", "Lomakeversio",
               "YH1 Kuinka tyytyväinen olet elämääsi?"])
    ws.append(["R1", 410712, dt.datetime(2018, 3, 1), "fi", "2.1", 7])        # row 6
    ws.append([None] * 6)                                                     # row 7 blank
    ws.append(["R2", "04-1-07-13", "2.3.2018", "sv", 2.0, "EOS"])             # row 8
    ws.append([])                                                             # row 9
    ws.append(["Yhteensä 2 vastausta"])                                       # row 10
    wb.save(path)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_xlsx_header_after_title_rows_total_and_blank_rows_dropped(tmp_path, engine):
    p = tmp_path / "k.xlsx"
    _kyky_workbook(p)
    grid = read_xlsx(p, "Vastaukset", engine=engine)
    from hb_eval.data.io.grid import find_header_row, split_table

    t = split_table(grid, find_header_row(grid, KNOWN))
    assert t.header_row == 5
    assert t.meta == [["Kykyviisari – vastaukset"], ["Vantaan kaupunki"], ["Vientipäivä 3.4.2019"]]
    assert list(t.data.index) == [6, 8]            # blank row 7, total row 10 are not data rows
    assert t.data.loc[6].tolist() == ["R1", "410712", "2018-03-01", "fi", "2.1", "7"]
    assert t.data.loc[8].tolist() == ["R2", "04-1-07-13", "2.3.2018", "sv", "2", "EOS"]
    assert t.header[5].startswith("YH1 ")


def test_read_table_missing_sheet_names_the_sheets(tmp_path):
    p = tmp_path / "k.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "A"
    wb.create_sheet("B")
    wb.save(p)
    with pytest.raises(InputError, match="'Vastaukset' not found.*'A', 'B'"):
        read_table(p, KNOWN, sheet="Vastaukset")


def test_no_header_is_an_input_error_naming_the_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(InputError, match="x.csv.*no header row"):
        read_table(p, KNOWN)


def test_total_row_only_when_it_reads_like_one():
    assert is_total_row([None, "Yhteensä 57 vastausta"])
    assert is_total_row(["TOTAL"])
    assert not is_total_row(["0410712", "Yhteensä"])
    assert not is_total_row([None, None])


def test_a_total_row_in_the_middle_is_a_data_row(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Asiakasnumero;Vastauspäivä\nYhteensä;1\n0410712;2\n", encoding="utf-8")
    t = read_table(p, KNOWN)
    assert list(t.data.index) == [2, 3]


@pytest.mark.parametrize("value, text", [
    (410712.0, "410712"), (1.5, "1.5"), (7, "7"), ("  ", None), ("", None), (None, None),
    (dt.date(2018, 3, 1), "2018-03-01"), (dt.datetime(2018, 3, 1), "2018-03-01"),
    (dt.datetime(2018, 3, 1, 12, 30), "2018-03-01 12:30:00"), (dt.time(0, 45), "0:45"),
    (dt.timedelta(hours=1, minutes=30), "1:30"), (True, "TRUE"), ("0410712 ", "0410712 "),
    (float("nan"), None),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    rows = [["Asiakasnumero", "Palvelu", "Summa €"], ["0410712", "Kotipalvelu, ilta", "1 234,50"],
            ["410712", "Päivätoiminta", "12,50"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    p = tmp_path / "s.csv"
    p.write_bytes(buf.getvalue().encode(encoding))
    g = read_grid(p)
    assert g.cells.tolist() == rows
    assert g.rows.tolist() == [1, 2, 3]


def test_decode_prefers_bom_then_utf8_then_cp1252():
    assert decode("ä".encode("utf-8-sig")) == ("ä", "utf-8-sig")
    assert decode("ä".encode("utf-8")) == ("ä", "utf-8")
    assert decode("ä€".encode("cp1252")) == ("ä€", "cp1252")


def test_sniff_semicolon_with_decimal_commas():
    assert sniff_separator("a;b;c\n1,5;2,5;3\n") == ";"
    assert sniff_separator('a,b,c\n"1,5",2,3\n') == ","


_cell = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                                     min_size=1, max_size=8).filter(lambda s: s.strip()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=8),
       st.sampled_from([";", ","]), st.sampled_from(["utf-8", "utf-8-sig"]))
def test_csv_round_trip(tmp_path_factory, rows, sep, encoding):
    """Whatever is written by a CSV writer is read back cell for cell (empty cells as None)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(["h1", "h2", "h3"])
    w.writerows([[c or "" for c in r] for r in rows])
    p = tmp_path_factory.mktemp("csv") / "r.csv"
    p.write_bytes(buf.getvalue().encode(encoding))
    g = read_grid(p, file="r.csv")
    assert g.cells[1:].tolist() == rows
    assert g.cells.shape[0] == len(rows) + 1


def test_calamine_and_openpyxl_agree_on_types(tmp_path):
    p = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b", "c", "d", "e"])
    ws.append([410712, 1.25, dt.datetime(2019, 1, 31), "1 h 15 min", None])
    ws.append([None, None, None, None, "x"])
    wb.save(p)
    a = read_xlsx(p, engine="calamine").cells
    b = read_xlsx(p, engine="openpyxl").cells
    assert a.tolist() == b.tolist()
    assert a[1].tolist() == ["410712", "1.25", "2019-01-31", "1 h 15 min", None]


_CELL_VALUES = st.one_of(
    st.none(), st.text(alphabet=" \t\u00a0aE0S1,.-", max_size=4), st.booleans(),
    st.integers(-3, 3), st.sampled_from([10**15, 10**16]),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.sampled_from([0.0, -0.0, 1.0, 1e15, 1e16, 410712.0, 2.5]),
    st.sampled_from([dt.date(2018, 3, 1), dt.datetime(2018, 3, 1), dt.datetime(2018, 3, 1, 12),
                     dt.time(0, 45), dt.timedelta(minutes=90)]),
    # equal instants in two time zones: equal values with different texts
    st.sampled_from([dt.datetime(2018, 3, 1, 12, tzinfo=dt.timezone.utc),
                     dt.datetime(2018, 3, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2)))]),
    st.sampled_from([np.float64(1.0), np.int64(3)]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELL_VALUES, max_size=5), max_size=12))
def test_grid_cells_are_cell_text_of_every_cell(rows):
    # the grid is converted through one dict of distinct values when that is exact (equal
    # values with different texts, such as True == 1 == 1.0 or one instant in two time zones,
    # take the per-column path)
    from hb_eval.data.io.grid import cells_and_texts

    cells = cells_and_texts(rows)[0]
    width = max((len(r) for r in rows), default=0)
    assert cells.shape == (len(rows), width)
    for i, r in enumerate(rows):
        for j in range(width):
            want = cell_text(r[j]) if j < len(r) else None
            got = cells[i, j]
            if want is None or got is None:
                assert want is got is None
            else:
                # within one column equal values share a text (first occurrence's)
                assert type(got) is str
                assert got == want or any(rows[k][j] == r[j] for k in range(i)
                                          if j < len(rows[k]))


def test_reading_restores_the_garbage_collector(tmp_path):
    import gc

    p = tmp_path / "t.csv"
    p.write_text("a;b\n1;2\n", encoding="utf-8")
    was = gc.isenabled()
    try:
        gc.enable()
        read_grid(p)
        assert gc.isenabled()
        gc.disable()
        read_grid(p)
        assert not gc.isenabled()
        gc.enable()
        with pytest.raises(InputError):
            read_grid(tmp_path / "missing.xlsx")
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_one_sheet_xml_read_from_the_zip_directory_equals_zipfile(tmp_path):
    """The short cut for one-sheet workbooks gives zipfile's bytes, and stands aside (None) for
    anything else: several sheets, a ZIP comment, a damaged file."""
    import zipfile

    from hb_eval.data.io import cell_errors as ce

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Päivämäärä", "Kesto"])
    ws.append(["1.3.2018", "#DIV/0!"])
    ws.append(["2.3.2018", "=1+1"])
    one = tmp_path / "one.xlsx"
    wb.save(one)
    data = one.read_bytes()
    with zipfile.ZipFile(one) as zf:
        assert ce._only_sheet_xml(data) == zf.read("xl/worksheets/sheet1.xml")
    assert sorted(ce.xlsx_cell_errors(one, ws.title, data)) == [
        (2, 1, "#DIV/0!"), (3, 1, "formula without a value")]
    wb.create_sheet("Toinen")
    two = tmp_path / "two.xlsx"
    wb.save(two)
    assert ce._only_sheet_xml(two.read_bytes()) is None
    assert sorted(ce.xlsx_cell_errors(two, ws.title, two.read_bytes())) == [
        (2, 1, "#DIV/0!"), (3, 1, "formula without a value")]
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = b"a comment"
    assert ce._only_sheet_xml(buf.getvalue()) is None
    assert ce._only_sheet_xml(data[:-10]) is None and ce._only_sheet_xml(b"") is None
