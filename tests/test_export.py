"""``hb-eval export`` / ``Evaluation.export``: the analysis data read back by pyreadstat (and
Parquet) has the numbers of the evaluation and the labels of the report, R's naming rules,
owner-only modes, and nothing for a public audience or without a Parquet engine."""
from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from hb_eval.errors import ConfigError
from hb_eval.privacy import contains_hetu
from hb_eval.report import export as X

pyreadstat = pytest.importorskip("pyreadstat")
pytestmark = pytest.mark.slow

VALID_HETU = "131052-308T"  # the tax administration's example code (checksum valid)


@pytest.fixture(scope="module")
def ev(demo_evaluation):
    return demo_evaluation  # the session's (exporting reads it, changes nothing)


@pytest.fixture(scope="module")
def sav_fi(ev, tmp_path_factory):
    return ev.export(tmp_path_factory.mktemp("export") / "sav", format="sav", language="fi")


def _read(path):
    reader = {".sav": pyreadstat.read_sav, ".dta": pyreadstat.read_dta}[path.suffix]
    return reader(str(path))


def test_one_file_per_frame_owner_only(sav_fi):
    names = sorted(p.name for p in sav_fi.iterdir())
    assert names == ["cea_organiser.sav", "cea_societal.sav", "costs_organiser.sav",
                     "costs_societal.sav", "manifest.json", "outcomes_by_wave.sav",
                     "outcomes_change.sav"]
    assert stat.S_IMODE(os.stat(sav_fi).st_mode) == 0o700
    assert {stat.S_IMODE(os.stat(p).st_mode) for p in sav_fi.iterdir()} == {0o600}


def test_numbers_read_back_equal_the_evaluation(ev, sav_fi):
    res = ev.results
    # costs: each arm's mean total and n as in results.json (computed by the costing stage)
    df, _ = _read(sav_fi / "costs_organiser.sav")
    for code, arm in ((1, "HB"), (2, "Verrokki")):
        tot = df.loc[df["arm"] == code, "total"]
        assert len(tot) == res["costs"]["organiser"]["n"][arm]
        assert tot.mean() == pytest.approx(res["costs"]["organiser"]["mean"][arm], rel=1e-12)
    # the CEA sample: the n of the CEA, and the mean change per arm of the primary outcome
    df, _ = _read(sav_fi / "cea_organiser.sav")
    assert (df["arm"] == 1).sum() == res["cea"]["organiser"]["n"]["HB"]
    assert (df["arm"] == 2).sum() == res["cea"]["organiser"]["n"]["Verrokki"]
    # change by outcome: the primary outcome's complete pairs give the within-arm means
    df, meta = _read(sav_fi / "outcomes_change.sav")
    total = [k for k, v in meta.variable_value_labels["outcome"].items()
             if v == "Kykyviisari, kokonaispistemäärä"]
    prim = df[(df["outcome"] == total[0]) & df["change"].notna()]
    within = res["outcomes"]["kykyviisari_total"]["within"]["HB"]
    hb = prim.loc[prim["arm"] == 1]
    assert len(hb) == within["n"]
    assert hb["change"].mean() == pytest.approx(within["mean_change"], rel=1e-12)
    assert hb["baseline"].mean() == pytest.approx(within["mean_baseline"], rel=1e-12)
    # the scores by wave: every score of the evaluation, none lost or invented
    df, _ = _read(sav_fi / "outcomes_by_wave.sav")
    assert len(df) == len(ev.scores)
    assert np.sort(df["score"].to_numpy()) == pytest.approx(np.sort(ev.scores["score"].to_numpy()))


def test_codes_and_labels_in_the_report_language(ev, sav_fi, tmp_path):
    df, meta = _read(sav_fi / "outcomes_by_wave.sav")
    assert meta.file_label == "Mittarien pistemäärät asiakkaittain ja mittauskerroittain"
    vl = meta.variable_value_labels
    assert vl["arm"] == {1: "HB", 2: "Verrokki"}
    assert vl["wave"] == {1: "alku", 2: "väli", 3: "loppu"}
    assert vl["pilot"] == {1: "Hämeenlinna", 2: "Pori", 3: "Tampere", 4: "Vantaa", 5: "Eksote",
                           6: "Kainuu"}
    assert vl["client_group"][2] == "aikuissosiaalityö" and vl["sex"][1] == "nainen"
    assert meta.column_names_to_labels["arm"] == "Ryhmä"
    assert meta.column_names_to_labels["client_id"] == "Asiakasnumero"
    # pilot and client group codes are the spec's (the digits of the client number)
    clients = ev.dataset.clients.set_index("client_id")
    first = df.drop_duplicates("client_id").set_index("client_id")
    assert (first["pilot"].astype(int)
            == clients.loc[first.index, "pilot_code"].astype(int)).all()
    assert (first["client_group"].astype(int)
            == clients.loc[first.index, "group_code"].astype(int)).all()
    assert first.index.str.fullmatch(r"\d{7}").all()  # client numbers as in the internal report
    # Stata, in English
    out = ev.export(tmp_path / "dta", format="dta", language="en")
    df, meta = _read(out / "costs_societal.dta")
    assert meta.variable_value_labels["arm"] == {1: "HB", 2: "Comparison"}
    assert meta.variable_value_labels["sex"][1] == "female"
    assert meta.variable_value_labels["imputed_worker"] == {0: "no", 1: "yes"}
    assert meta.column_names_to_labels["total"] == "Total cost (EUR)"
    assert meta.file_label == "Costs by client (societal perspective)"
    assert df["total"].to_numpy() == pytest.approx(ev.costs["societal"]["total"].to_numpy())


def test_names_follow_haven_conventions(sav_fi):
    for p in sav_fi.glob("*.sav"):
        _, meta = _read(p)
        for name in meta.column_names:
            assert len(name) <= 32 and name.isascii() and name[0].isalpha(), name
            assert all(ch.isalnum() or ch == "_" for ch in name), name


def test_haven_name():
    assert X.haven_name("kykyviisari_total") == "kykyviisari_total"
    assert X.haven_name("päivät_ä") == "paivat_a"
    assert X.haven_name("2nd wave") == "v_2nd_wave"
    used: set[str] = set()
    long = "kykyviisari_physical_functioning_change"
    a, b = X.haven_name(long, used), X.haven_name(long, used)
    assert a == long[:32] and b == long[:30] + "_2" and len(b) == 32


def test_identity_codes_never_leave(tmp_path):
    frame = pd.DataFrame({"client_id": ["0110201", "0110202"],
                          "arm": pd.Categorical(["HB", "Verrokki"]),
                          "note": [f"soitto {VALID_HETU}", "ok"], "total": [1.5, np.nan]})
    lab = X.labelled_frame("costs_organiser", frame, "fi")
    assert not any(contains_hetu(v) for v in lab.frame["note"])
    path = tmp_path / "x.sav"
    X._write(lab, path, "sav")
    df, meta = pyreadstat.read_sav(str(path))
    assert not df["note"].map(contains_hetu).any()
    assert VALID_HETU not in path.read_bytes().decode("latin-1")
    assert df["total"].isna().tolist() == [False, True]


def test_public_audience_is_refused(ev, tmp_path):
    with pytest.raises(ConfigError, match="internal audience only"):
        ev.export(tmp_path / "pub", format="sav", audience="public")
    assert not (tmp_path / "pub").exists()


def test_parquet_without_an_engine_says_what_to_install(demo_config_path, tmp_path,
                                                        monkeypatch, capsys):
    from hb_eval.cli import main

    monkeypatch.setattr(X, "parquet_engine", lambda: None)
    code = main(["export", str(demo_config_path), "--format", "parquet", "--out",
                 str(tmp_path / "pq")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["hb-eval: error: --format parquet needs pyarrow or fastparquet: install one "
                   "(pip install fastparquet), or use --format sav or dta"]
    assert not (tmp_path / "pq").exists()


def test_cli_refuses_public_before_evaluating(demo_config_path, tmp_path, capsys):
    from hb_eval.cli import main

    code = main(["export", str(demo_config_path), "--audience", "public", "--out",
                 str(tmp_path / "pub")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "internal audience only" in err[0]
    assert not (tmp_path / "pub").exists()


def test_parquet_round_trip(ev, tmp_path):
    if X.parquet_engine() is None:
        pytest.skip("no Parquet engine installed (pyarrow or fastparquet)")
    out = ev.export(tmp_path / "pq", format="parquet", language="en")
    df = pd.read_parquet(out / "cea_organiser.parquet")
    assert list(df["arm"].cat.categories) == ["HB", "Comparison"]
    assert df["cost"].to_numpy() == pytest.approx(
        ev.analysis_frames()["cea_organiser"]["cost"].to_numpy())
    assert df["harmonised"].dtype == "boolean"


def test_cli_export(demo_config_path, tmp_path, capsys):
    from hb_eval.cli import main

    out = tmp_path / "cli"
    assert main(["export", str(demo_config_path), "--format", "dta", "--out", str(out),
                 "--reps", "20", "--quiet", "--language", "en"]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".dta"] * 6 + [".json"]
    _, meta = _read(out / "outcomes_change.dta")
    assert meta.column_names_to_labels["change"] == "Change (end − baseline)"
