"""The report on the demo evaluation (real files, every stage), and ``hb-eval reproduce``.

* every section and figure is in the HTML and the headline numbers equal results.json;
* results.json agrees with what the demo generator planted (planted.json): clients per arm,
  excluded, and the DiD interval covers the planted effect;
* ``reproduce`` re-runs from the manifest and finds results.json byte-identical, and names an
  input file that changed since.
"""
from __future__ import annotations

import json
import shutil

import pytest

from hb_eval.report.reproduce import reproduce
from hb_eval.report.run import FIGURES
from test_report import SECTION_IDS, check_numbers_match, parse_html

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(demo_dir, demo_evaluation, tmp_path_factory):
    """The session's demo evaluation written as ``hb-eval report`` writes it (test_evaluate
    shows the two byte-identical), beside a copy of its inputs for ``reproduce --inputs``."""
    tmp = tmp_path_factory.mktemp("demo_report")
    data = tmp / "data"
    shutil.copytree(demo_dir, data)
    out = tmp / "out"
    demo_evaluation.write_report(out)
    return data, out


def test_demo_report_complete(demo_run):
    _, out = demo_run
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(res["analyses"].values()) == {"ok"}, res["analyses"]
    p = parse_html(out / "report.html")
    for sid in SECTION_IDS:
        assert sid in p.ids
    assert sorted(p.figures) == sorted(FIGURES)
    for name in FIGURES:
        assert (out / "figures" / f"{name}.svg").exists()
    assert check_numbers_match(out, "fi") >= 10


def test_demo_results_match_planted(demo_run):
    data, out = demo_run
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    planted = json.loads((data / "planted.json").read_text(encoding="utf-8"))
    for k in ("HB", "Verrokki", "excluded_no_consent"):
        assert res["data"]["clients"][k] == planted["clients"][k]
    did = res["outcomes"]["kykyviisari_total"]["did"]
    assert did["ci_low"] < planted["effect"] < did["ci_high"]
    for block in ("outcomes", "satisfaction", "costs", "cea"):
        assert res[block]
    for outcome in ("kykyviisari_total", "osallisuus"):
        assert set(res["outcomes"][outcome]) >= {"n", "within", "did", "did_adjusted", "dr_did",
                                                 "ancova", "mixed", "d_ppc2"}


def test_reproduce_identical_then_names_changed_input(demo_run, tmp_path):
    data, out = demo_run
    res = reproduce(out, tmp_path / "rerun", progress=False, inputs=data)
    assert res.input_changes == {}
    assert res.identical, res.summary()
    assert "byte-identical" in res.summary()
    # change one input: reproduce refuses and names it
    roster = sorted(data.glob("roster*"))[0]
    roster.write_bytes(roster.read_bytes() + b"\n")
    try:
        res2 = reproduce(out, progress=False, inputs=data)
        assert res2.identical is None
        assert any(roster.name in p for p in res2.input_changes), res2.input_changes
        assert roster.name in res2.summary()
    finally:
        roster.write_bytes(roster.read_bytes()[:-1])


def test_public_demo_report_has_no_client_number_or_small_count(demo_evaluation, demo_dataset,
                                                                tmp_path):
    """The public audience on the real demo (loaded from messy files): no roster client number
    (nor an orphan's), no count below 5 in results.json, the CSVs or the workbook."""
    from test_report_public import (_count_leaves, _is_count_key, _texts,
                                    check_csv_and_workbook_counts)

    out = tmp_path / "public"
    demo_evaluation.write_report(out, audience="public")
    ids = set(demo_dataset.clients["client_id"].astype(str)) | set(
        demo_dataset.orphans["client_id"].astype(str))
    import re

    for name, text in _texts(out):
        assert not (set(re.findall(r"(?<!\d)\d{7}(?!\d)", text)) & ids), name
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for path, v in _count_leaves(res):
        if not path.startswith("manifest.") and _is_count_key(path) and \
                isinstance(v, (int, float)) and not isinstance(v, bool):
            assert v >= 5 or v == 0, path  # a zero counts no one
    check_csv_and_workbook_counts(out)
    check_numbers_match(out, "fi")


def test_internal_demo_report_has_no_personal_identity_code(demo_run):
    """The demo plants henkilötunnus values in cells and free text; none reaches any output."""
    from hb_eval.privacy import find_hetu
    from test_report_public import _texts

    data, out = demo_run
    planted = json.loads((data / "planted.json").read_text(encoding="utf-8"))
    assert "personal_id_found" in json.dumps(planted)  # the demo does plant them
    n = 0
    for name, text in _texts(out):
        assert not find_hetu(text), name
        n += 1
    assert n > 20


def test_every_table_column_has_a_label_in_both_languages(demo_run):
    """An evaluator hands the report on: no raw column code in its table headers."""
    import csv

    from hb_eval.report.i18n import LABELS

    _, out = demo_run
    missing = set()
    for f in sorted((out / "tables").glob("*.csv")):
        with f.open(encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh, delimiter=";"))
        missing |= {c for c in header if c not in LABELS or set(LABELS[c]) < {"fi", "en"}}
    assert not missing, sorted(missing)


def _methods_sections_ok(out, lang):
    """Confounding sensitivity, EVPI and planning: sections, sentences, figures, results keys."""
    from hb_eval.report.i18n import t

    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["analyses"]["confounding"] == "ok" and res["analyses"]["plan"] == "ok"
    conf = res["sensitivity"]["confounding"]
    assert set(conf) >= {"outcome", "estimate", "se", "t", "df", "partial_r2", "rv_q1",
                         "rv_q1_alpha05", "benchmarks"}
    assert {(b["covariate"], b["k"]) for b in conf["benchmarks"]} == {
        (c, k) for c in ("baseline", "client_group") for k in (1.0, 2.0, 3.0)}
    assert all(set(b) >= {"covariate", "k", "r2dz_x", "r2yz_dx", "adjusted_estimate"}
               for b in conf["benchmarks"])
    for p in ("organiser", "societal"):
        cea = res["cea"][p]
        assert [e["wtp"] for e in cea["evpi"]] == [c["wtp"] for c in cea["ceac"]]
        assert "population_evpi" not in cea and cea["population_evpi_note"]
    plan = res["plan"]
    assert set(plan) >= {"sd_change", "icc", "icc_ci", "clients_per_worker", "attrition",
                         "alpha", "power", "rows"}
    assert [r["n_per_arm"] for r in plan["rows"]] == [50, 100, 200, 400]
    html = (out / "report.html").read_text(encoding="utf-8")
    p = parse_html(out / "report.html")
    for sid in ("confounding", "evpi", "planning"):
        assert sid in p.ids
    for name in ("confounding_contour", "evpi", "plan_curve"):
        assert name in p.figures
    for key in ("sec_confounding", "sec_evpi", "sec_plan"):
        assert t(key, lang) in html
    keys = {s["data-key"] for s in p.spans}
    assert {"sensitivity.confounding.rv_q1", "sensitivity.confounding.rv_q1_alpha05",
            "cea.organiser.evpi_at_wtp", "plan.rows.0.mde", "plan.rows.1.mde"} <= keys
    check_numbers_match(out, lang)


def test_demo_report_methods_sections_in_both_languages(demo_run, demo_evaluation, tmp_path):
    _, out = demo_run
    _methods_sections_ok(out, "fi")
    demo_evaluation.write_report(tmp_path / "en", language="en")
    _methods_sections_ok(tmp_path / "en", "en")


def test_demo_report_budget_parts_in_finnish(demo_run):
    """The budget follow-up, the provider mix (with names: internal) and the cost-neutrality
    sentence, in Finnish."""
    _, out = demo_run
    html = (out / "report.html").read_text(encoding="utf-8")
    for piece in ('id="budget"', 'id="providers"', 'data-figure="budget_utilisation"',
                  "Kustannusneutraalius:", "Myönnetty ja toteutunut budjetti",
                  "HB-budjetista maksetut tuottajat", "Toiminimi"):
        assert piece in html, piece
    for name in ("budget_followup", "budget_by_pilot", "budget_by_group", "provider_mix",
                 "providers_paid"):
        assert (out / "tables" / f"{name}.csv").exists(), name
