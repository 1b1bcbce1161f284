"""The Dataset on the demo evaluation (counts against the generator's planted.json), consent,
orphans, privacy, empty optional sources, and the "nothing is lost" property under corruption."""
from __future__ import annotations

import json
import shutil

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import hb_eval
from hb_eval import privacy
from hb_eval.data.loaders.tables import COLUMNS

import loader_fixtures as F


@pytest.fixture(scope="module")
def planted(demo_dir):
    return json.loads((demo_dir / "planted.json").read_text(encoding="utf-8"))


def test_clients_match_planted(demo_dataset, planted):
    db = demo_dataset.data_block()
    for k in ("HB", "Verrokki", "excluded_no_consent", "orphans"):
        assert db["clients"][k] == planted["clients"][k], k
    c = demo_dataset.clients
    assert c["pilot"].astype(str).value_counts().to_dict() == planted["clients"]["by_pilot"]
    assert c["client_group"].astype(str).value_counts().to_dict() == planted["clients"]["by_group"]
    by = (c["arm"].astype(str) + "|" + c["pilot"].astype(str)).value_counts().to_dict()
    assert by == planted["clients"]["by_arm_pilot"]


def test_files_and_reasons_match_planted(demo_dataset, planted):
    got = {f["path"]: f for f in demo_dataset.data_block()["files"]}
    for f in planted["files"]:
        g = got[f["path"]]
        assert (g["rows_read"], g["rows_kept"], g["rows_quarantined"]) == \
            (f["rows_read"], f["rows_kept"], f["rows_quarantined"]), f["path"]
        q = demo_dataset.quarantine
        q = q[(q["file"] == f["path"]) & (q["level"] == "row")]
        assert q["reason"].value_counts().to_dict() == f["quarantined_by_reason"], f["path"]
    reasons = {k: v for k, v in demo_dataset.quarantine_by_reason().items() if v}
    assert reasons == planted["quarantine_by_reason"]


def test_planted_cells_are_quarantined_where_planted(demo_dataset, planted):
    q = demo_dataset.quarantine
    cells = set(zip(q["file"], q["row"], q["column"], q["reason"]))
    for c in planted["cells"]:
        assert (c["file"], c["row"], c["column"], c["reason"]) in cells


def test_every_file_adds_up(demo_dataset):
    f = demo_dataset.files
    assert (f["rows_read"] == f["rows_kept"] + f["rows_quarantined"]).all()
    assert f["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_only_consenting_roster_clients_anywhere(demo_dataset):
    ids = set(demo_dataset.clients["client_id"])
    for name in ("responses", "items", "satisfaction", "esr", "service_costs"):
        assert set(getattr(demo_dataset, name)["client_id"]) <= ids, name
    dr = demo_dataset.diary_rows["client_id"].dropna()
    assert set(dr) <= ids
    cd = demo_dataset.diaries[demo_dataset.diaries["role"] == "client"]
    assert set(cd["person"]) <= ids
    q = demo_dataset.quarantine
    assert q.loc[q["reason"] == "no_consent", "client_id"].isna().all()


def test_orphans_listed(demo_dataset, planted):
    o = demo_dataset.orphans
    assert o["client_id"].nunique() == planted["orphans"]["count"]
    assert int(o["n_rows"].sum()) == planted["orphans"]["rows"]


def test_free_text_redacted_where_planted(demo_dataset, planted):
    s = demo_dataset.satisfaction.set_index(["file", "row"])
    for r in planted["personal_id"]["redacted_free_text"]:
        assert privacy.REDACTED in s.loc[(r["file"], r["row"]), "free_text"]


def _blob(ds) -> str:
    parts = [getattr(ds, n).to_csv() for n in ("clients", "responses", "items", "satisfaction",
                                                 "esr", "diaries", "diary_rows", "service_costs",
                                                 "quarantine", "files", "orphans")]
    return "\n".join(parts) + ds.summary_text() + json.dumps(ds.data_block(), ensure_ascii=False)


def test_no_personal_identity_code_in_any_output(demo_dataset):
    assert privacy.find_hetu(_blob(demo_dataset)) == []


def test_tables_have_contract_columns_and_dtypes(demo_dataset):
    for name, cols in COLUMNS.items():
        df = getattr(demo_dataset, name)
        assert list(df.columns) == [c for c, _ in cols], name
    assert demo_dataset.responses["wave"].cat.ordered
    assert list(demo_dataset.responses["wave"].cat.categories) == ["alku", "väli", "loppu"]
    assert demo_dataset.responses["response_id"].is_unique


def test_data_block_is_plain_json(demo_dataset):
    db = demo_dataset.data_block()
    assert json.loads(json.dumps(db)) == db
    assert set(db) == {"clients", "files", "quarantine_by_reason"}
    assert set(db["files"][0]) >= {"path", "sha256", "rows_read", "rows_kept", "rows_quarantined"}


def test_optional_sources_absent_give_empty_tables(tmp_path):
    ds = hb_eval.load(F.write_evaluation(tmp_path, optional=False))
    for name in ("satisfaction", "esr", "diaries", "diary_rows", "service_costs"):
        df = getattr(ds, name)
        assert len(df) == 0 and list(df.columns) == [c for c, _ in COLUMNS[name]]
    assert ds.unit_costs is None
    assert (ds.responses["source"] == "kykyviisari").all()


def test_unusable_optional_file_is_collected_not_fatal(tmp_path):
    cfg = F.write_evaluation(tmp_path)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Työntekijä: 04-07"          # no sample period
    wb.active["A5"] = "Päivämäärä"
    wb.active["B5"] = "Kesto"
    wb.save(tmp_path / "paivakirjat" / "rikki.xlsx")
    with pytest.raises(hb_eval.errors.InputError, match="rikki.xlsx.*sample period"):
        hb_eval.load(cfg)
    ds = hb_eval.load(cfg, errors="collect")
    assert ds.file_errors["path"].tolist() == ["paivakirjat/rikki.xlsx"]
    assert "rikki.xlsx" not in set(ds.files["path"])


def test_a_file_refused_after_records_of_it_leaves_none(tmp_path, monkeypatch):
    """errors='collect': a satisfaction export whose Excel error cells (on two sheets) were
    recorded before its two client-number columns refused it leaves no record and no file
    entry; the other files' records stay."""
    from hb_eval.data.quarantine import Quarantine

    cfg = F.write_evaluation(tmp_path)
    wb = openpyxl.Workbook()
    header = (["Asiakasnumero", "Asiakasnro"]
              + [F.MATRIX + F.STATEMENTS[f"C{i}"] for i in range(1, 9)] + ["Kokonaisarvosana"])
    for ws in (wb.active, wb.create_sheet("Toinen")):
        ws.append(header)
        ws.append(["0410715", "0410715"] + [4] * 8 + ["#N/A"])  # (an Excel error value)
        ws.append(["0410716", "0410716"] + [3] * 8 + ["8"])
    wb.save(tmp_path / "tyytyvaisyys_verrokki.xlsx")
    shown, before = "tyytyvaisyys_verrokki.xlsx", []
    discard = Quarantine.discard_file

    def spy(q, path, source=None):
        if path == shown:
            before.append(sorted(set(q.frame().query("file == @shown")["sheet"])))
        discard(q, path, source)

    monkeypatch.setattr(Quarantine, "discard_file", spy)
    ds = hb_eval.load(cfg, errors="collect")
    assert before == [["Sheet", "Toinen"]]  # recorded on both sheets, then refused
    assert ds.file_errors["path"].tolist() == [shown]
    assert not ds.quarantine["file"].astype(str).str.startswith(shown).any()  # (sheet keys too)
    assert shown not in set(ds.files["path"])
    assert "tyytyvaisyys_hb.xlsx" in set(ds.quarantine["file"])


# -- nothing is lost: random corruption of a demo export --------------------------------------

_CORRUPT = st.sampled_from(["xyz?", 99, F.HETU, None, "9999999", "31.2.2018", "EOS", -1, "1,5"])


@pytest.fixture(scope="module")
def small_demo(demo_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("corrupt_base")
    shutil.copy(demo_dir / "roster.xlsx", root / "roster.xlsx")
    shutil.copy(demo_dir / "kykyviisari" / "kykyviisari_2019_2020.xlsx", root / "k.xlsx")
    (root / "evaluation.yaml").write_text("sources:\n  roster: roster.xlsx\n  kykyviisari: k.xlsx\n",
                                          encoding="utf-8")
    base = hb_eval.load(root / "evaluation.yaml")
    wb = openpyxl.load_workbook(root / "k.xlsx")
    ws = wb["Vastaukset"]
    return root, base, ws.max_row, ws.max_column


def _values(ds):
    it = ds.items.astype({"response_id": str, "client_id": str, "item": str}).merge(
        ds.responses[["response_id", "row", "date"]].astype({"response_id": str}), on="response_id")
    return it.set_index(["row", "item"])[["value", "client_id", "date"]]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corruption_loses_nothing_and_alters_no_kept_value(small_demo, tmp_path_factory, data):
    root, base, max_row, max_col = small_demo
    work = tmp_path_factory.mktemp("corrupt")
    shutil.copy(root / "roster.xlsx", work / "roster.xlsx")
    shutil.copy(root / "evaluation.yaml", work / "evaluation.yaml")
    wb = openpyxl.load_workbook(root / "k.xlsx")
    ws = wb["Vastaukset"]
    n = data.draw(st.integers(1, 25))
    touched = set()
    for _ in range(n):
        r = data.draw(st.integers(6, max_row - 2))      # data rows (not the total row)
        c = data.draw(st.integers(2, max_col))          # anything but the response id
        ws.cell(row=r, column=c, value=data.draw(_CORRUPT))
        touched.add(r)
    wb.save(work / "k.xlsx")
    ds = hb_eval.load(work / "evaluation.yaml")          # accounting raises if rows go missing
    f = ds.files.set_index("path").loc["k.xlsx"]
    b = base.files.set_index("path").loc["k.xlsx"]
    assert f["rows_read"] == b["rows_read"]
    assert f["rows_read"] == f["rows_kept"] + f["rows_quarantined"]
    got, want = _values(ds), _values(base)
    common = got.index.intersection(want.index)
    g, w = got.loc[common], want.loc[common]
    answered = g["value"].notna()
    # a kept value is the original value (corrupted cells are missing, never another number)
    assert np.allclose(g.loc[answered, "value"], w.loc[answered, "value"])
    assert (g["client_id"] == w["client_id"]).all()
    untouched = ~g.index.get_level_values("row").isin(touched)
    assert (g.loc[untouched, "date"] == w.loc[untouched, "date"]).all()
    assert privacy.find_hetu(_blob(ds)) == []


def test_load_reads_every_configured_source():
    from hb_eval.config import SOURCES as CONFIGURED
    from hb_eval.data.dataset import SOURCES as READ

    assert sorted(READ) == sorted(CONFIGURED) and len(set(READ)) == len(READ)
