"""tables.xlsx is for people, the CSVs for scripts: labels vs. stable snake-case names."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from hb_eval.report import i18n
from hb_eval.report.i18n import CATEGORIES, display_value, t
from hb_eval.report.tables import Table, write_csv
from hb_eval.report.workbook import number_format, sheet_names, write_workbook
from hb_eval.data.schema import load_schema


def _effects() -> Table:
    return Table("outcome_effects", "HB:n vaikutus", pd.DataFrame({
        "outcome": ["kykyviisari_total", "osallisuus"], "arm": ["HB", "Verrokki"],
        "sex": ["nainen", "ei halua sanoa"], "estimate": [0.8463765267, 1234.56789],
        "ci_low": [0.6667, -0.1], "p": [0.000012, 0.04567], "n_HB": [113, 7],
        "date": [pd.Timestamp("2024-03-05"), pd.NaT]}), digits={"estimate": 2})


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_workbook_speaks_the_report_language_and_keeps_full_values(tmp_path, lang):
    wb = load_workbook(write_workbook([_effects()], tmp_path / "t.xlsx", lang))
    sheet = "Vaikutukset" if lang == "fi" else "Effects"
    assert wb.sheetnames == [t("sheet_contents", lang), sheet]
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    assert headers == [t(c, lang) for c in ("outcome", "arm", "sex", "estimate", "ci_low", "p",
                                            "n_HB", "date")]
    assert headers[4] == ("lv. alaraja" if lang == "fi" else "CI low")
    # categories as labels: English readers see no Finnish codes
    assert ws["B3"].value == ("Verrokki" if lang == "fi" else "Comparison")
    assert ws["C3"].value == ("ei halua sanoa" if lang == "fi" else "prefers not to say")
    assert ws["A2"].value == t("kykyviisari_total", lang)
    # the stored value is the full double; the format rounds for reading
    assert ws["D2"].value == 0.8463765267 and ws["D2"].number_format == "#,##0.00"
    assert ws["F2"].value == 0.000012 and ws["F2"].number_format == "0.000"
    assert ws["G2"].value == 113 and ws["G2"].number_format == "#,##0"
    assert ws["H2"].value == dt.datetime(2024, 3, 5)
    assert ws["H2"].number_format == ("d.m.yyyy" if lang == "fi" else "yyyy-mm-dd")
    assert ws["H3"].value is None
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    # widths fit the displayed text ("1 234,57" / "1,234.57" is 8 characters), not the
    # 12 digits of the double
    est_header = t("estimate", lang)
    assert ws.column_dimensions["D"].width == max(8, len(est_header) // 2 + 1,
                                                   max(len(w) for w in est_header.split())) + 2
    contents = wb[t("sheet_contents", lang)]
    assert [c.value for c in contents[2]] == [sheet, "HB:n vaikutus",
                                              "tables/outcome_effects.csv"]


def test_csv_keeps_stable_english_names_and_codes(tmp_path):
    text = write_csv(_effects(), tmp_path, "en").read_text(encoding="utf-8-sig")
    head, first, second = text.splitlines()[:3]
    assert head == "outcome,arm,sex,estimate,ci_low,p,n_HB,date"
    assert first.startswith("kykyviisari_total,HB,nainen,0.8463765267,")
    assert second.startswith("osallisuus,Verrokki,ei halua sanoa,1234.56789,")


def test_sheet_names_short_unique_and_excel_safe(monkeypatch):
    monkeypatch.setitem(i18n.LABELS, "sheet_a", {"fi": "Vaikutus / alaryhmä [pilotti]: kaikki "
                                                       "mittarit ja estimaattorit", "en": "x"})
    monkeypatch.setitem(i18n.LABELS, "sheet_b", {"fi": "SISÄLLYS", "en": "y"})
    tabs = [Table(n, n, pd.DataFrame()) for n in ("a", "a", "b", "no_label_table")]
    names = sheet_names(tabs, "fi")
    assert names[0] == "Vaikutus - alaryhmä -pilotti--"  # cut at 31, forbidden marks replaced
    assert all(len(n) <= 31 for n in names)
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    assert len({n.casefold() for n in names} | {"sisällys"}) == len(names) + 1
    assert names[1].endswith(" (2)") and names[2] == "SISÄLLYS (2)"
    assert names[3] == "no_label_table"


def test_every_report_table_has_a_sheet_label_that_fits():
    for key, entry in i18n.LABELS.items():
        if key.startswith("sheet_"):
            for text in entry.values():
                assert len(text) <= 31, (key, text)


def test_number_format():
    assert number_format("n_HB", 2, count=True) == "#,##0"
    assert number_format("holm_p", 2, count=False) == "0.000"
    assert number_format("mean", 0, count=False) == "#,##0"
    assert number_format("mean", 3, count=False) == "#,##0.000"


@pytest.mark.parametrize("column,source", [
    ("sex", "roster"), ("client_group", "roster"), ("end_reason", "roster"),
    ("funding", "service_costs"), ("sector", "service_costs"), ("labour_status", "esr"),
    ("form", "esr"), ("wave", "kykyviisari")])
def test_every_finnish_category_has_an_english_label(column, source):
    codes = list(load_schema(source).columns[column].codes)
    assert codes
    for code in codes:
        en = display_value(column, code, "en")
        assert en != code, f"{column}={code!r} has no English label"
        assert display_value(column, code, "fi") == t(code, "fi")
    assert set(CATEGORIES) <= set(i18n.LABELS)


def test_settings_read_as_words_and_locale_numbers_with_the_key_as_code():
    from hb_eval.report.html import table_html
    from hb_eval.report.i18n import setting_value

    nb = "\u00a0"
    assert setting_value("20000.0", "fi") == "20" + nb + "000"
    assert setting_value("20000.0", "en") == "20,000"
    assert setting_value("0.95", "fi") == "0,95" and setting_value("0.336", "en") == "0.336"
    assert setting_value("[0.01, 0.99]", "fi") == "0,01; 0,99"
    assert setting_value("20190331", "fi") == "20190331"  # seeds and years stay as written
    assert setting_value("True", "en") == "yes" and setting_value("worker", "fi") == "työntekijä"
    assert setting_value("kykyviisari/*.xlsx", "fi") == "kykyviisari/*.xlsx"
    tab = Table("configuration", "Asetukset", pd.DataFrame({
        "setting": ["analysis.wtp_max", "sources.esr", "hourly_wage: HB-avustaja", "other.key"],
        "value": ["20000.0", "esr.xlsx", 14.0, "x"]}))
    html = str(table_html(tab, "fi"))
    assert "<td>Suurin maksuhalukkuus (hyväksyttävyyskäyrä) <code>analysis.wtp_max</code></td>" \
        in html
    assert "<td>Lähdeaineisto: ESR-lomakkeet <code>sources.esr</code></td>" in html
    assert "Tuntipalkka: HB-avustaja <code>hourly_wage: HB-avustaja</code>" in html
    assert "<td>other.key</td>" in html  # unknown keys are shown as they are
    assert ">20" + nb + "000<" in html and ">14<" in html and "20000.0" not in html


def test_quarantine_reasons_and_methods_as_words():
    assert display_value("reason", "no_consent", "en") == "no consent"
    assert display_value("reason", "personal_id_found", "fi") == "henkilötunnus löytyi"
    assert display_value("reason", "some_new_code", "fi") == "some_new_code"  # never lost
    assert display_value("scale", "kykyviisari_everyday_life", "en") == "Everyday life"
    assert display_value("df_method", "barnard_rubin", "en") == "Barnard–Rubin"
    assert display_value("path", "no_consent", "en") == "no_consent"  # not a coded column


def test_satisfaction_rows_name_the_statement():
    assert display_value("item", "C3", "en") == "C3 " + t("C3", "en")
    assert display_value("item", "scale", "en") == "Mean of items C1–C8"
    assert display_value("item", "scale", "fi") == "Väittämien C1–C8 keskiarvo"


def test_workbook_bytes_carry_no_time_of_writing(tmp_path):
    """The same tables give the same bytes: no member time, no modification time of the day."""
    import zipfile

    path = write_workbook([_effects()], tmp_path / "t.xlsx", "fi")
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert z.testzip() is None
    today = dt.date.today().isoformat()
    assert today not in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core
    load_workbook(path)  # still a workbook Excel and openpyxl open


def test_a_text_like_a_formula_stays_a_text(tmp_path):
    """Texts from the inputs (file names, providers) reach the workbook: one that begins with
    "=" is written as a string cell, never as a formula Excel would evaluate."""
    import zipfile

    texts = ['=HYPERLINK("http://example.invalid","x")', "=1+2", "=", "+1", "@SUM(A1)"]
    tab = Table(name="files", title="Files", frame=pd.DataFrame({
        "path": texts, "rows_read": list(range(len(texts)))}))
    path = write_workbook([tab], tmp_path / "t.xlsx", "en")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    ws = load_workbook(path)[sheet_names([tab], "en")[0]]
    assert [ws.cell(r, 1).value for r in range(2, 2 + len(texts))] == texts
    assert {ws.cell(r, 1).data_type for r in range(2, 2 + len(texts))} == {"s"}
