"""``hb_eval.evaluate()`` and the report as its renderer.

* ``evaluate(config).write_report(dir)`` writes the same results.json and tables/*.csv bytes as
  ``hb-eval report --demo`` (the command is evaluate + write_report; before the pipeline moved
  out of report/run.py the demo's results.json and tables were checked by hand to be unchanged);
* ``ev.tables`` are untranslated tidy frames; the report alone adds titles and language;
* no module under ``hb_eval/report/`` imports an estimator, costing or pipeline module;
* ``run_cea(ev)`` / ``run_cea(ds)`` give the report's CEA numbers;
* reprs are short and never dump arrays.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import hb_eval
from hb_eval.cli import main
from hb_eval.pipeline import STAGES

REPORT_DIR = Path(hb_eval.__file__).parent / "report"
REPS = 200


@pytest.fixture(scope="module")
def cli_and_ev(tmp_path_factory, demo_evaluation):
    """``hb-eval report --demo`` and write_report of the session's demo evaluation (the same
    seed and replicates: evaluate on the same files)."""
    tmp = tmp_path_factory.mktemp("evaluate")
    cli_out = tmp / "cli"
    assert main(["report", "--demo", "--out", str(cli_out), "--reps", str(REPS),
                 "--quiet"]) == 0
    ev = demo_evaluation
    api_out = tmp / "api"
    ev.write_report(api_out)
    return cli_out, api_out, ev


@pytest.mark.slow
def test_write_report_byte_identical_to_cli(cli_and_ev):
    cli_out, api_out, _ = cli_and_ev
    assert (api_out / "results.json").read_bytes() == (cli_out / "results.json").read_bytes()
    cli_tables = sorted(p.name for p in (cli_out / "tables").glob("*.csv"))
    assert cli_tables == sorted(p.name for p in (api_out / "tables").glob("*.csv"))
    assert len(cli_tables) >= 20
    for name in cli_tables:
        assert (api_out / "tables" / name).read_bytes() == \
            (cli_out / "tables" / name).read_bytes(), name


@pytest.mark.slow
def test_evaluation_holds_the_report_numbers(cli_and_ev):
    cli_out, _, ev = cli_and_ev
    results = json.loads((cli_out / "results.json").read_text(encoding="utf-8"))
    assert set(ev.results) == set(results)
    assert ev.results["analyses"] == {k: s.status for k, s in sorted(ev.sections.items())}
    assert {s.name for s in STAGES} <= set(ev.sections)
    assert all(s.status == "ok" for s in ev.sections.values()), ev.sections
    # tables: every CSV of the report, as untranslated tidy frames with snake-case columns
    assert set(ev.tables) == {p.stem for p in (cli_out / "tables").glob("*.csv")}
    for name, frame in ev.tables.items():
        assert isinstance(frame, pd.DataFrame), name
        for col in frame.columns:
            assert re.fullmatch(r"[a-z][a-z0-9_]*(_HB|_Verrokki)?", col), (name, col)
    # the within-arm table equals the outcomes block of results.json, number for number
    w = ev.tables["within_arm"].set_index(["outcome", "arm"])
    block = results["outcomes"]["kykyviisari_total"]["within"]["HB"]
    assert w.loc[("kykyviisari_total", "HB"), "mean_change"] == pytest.approx(
        block["mean_change"], rel=1e-9)
    # the result objects are there and agree with the results dict
    assert ev.outcomes is ev.objects["outcomes"]
    assert ev.outcomes.to_results()["kykyviisari_total"]["did"]["estimate"] == pytest.approx(
        results["outcomes"]["kykyviisari_total"]["did"]["estimate"], rel=1e-9)
    assert set(ev.cea) == {"organiser", "societal"} and set(ev.costs) == set(ev.cea)


@pytest.mark.slow
def test_tables_are_untranslated_and_report_translates(cli_and_ev, tmp_path):
    cli_out, _, ev = cli_and_ev
    assert "Asiakkaita" not in " ".join(ev.tables["configuration"]["setting"])
    html_fi = (cli_out / "report.html").read_text(encoding="utf-8")
    assert 'lang="fi"' in html_fi
    # the same evaluation rendered in English: only language-dependent bytes change
    ev.write_report(tmp_path / "en", language="en")
    html_en = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert 'lang="en"' in html_en and "Client experience" in html_en
    res_en = json.loads((tmp_path / "en" / "results.json").read_text(encoding="utf-8"))
    res_fi = json.loads((cli_out / "results.json").read_text(encoding="utf-8"))
    assert res_en["manifest"]["config"]["report"]["language"] == "en"
    res_en["manifest"]["config"]["report"]["language"] = "fi"
    assert res_en == res_fi
    conf = (tmp_path / "en" / "tables" / "configuration.csv").read_text(encoding="utf-8-sig")
    assert "report.language,en" in conf
    assert ev.config.report.language == "fi"  # the evaluation itself is unchanged


@pytest.mark.slow
def test_public_rendering_leaves_the_evaluation_alone(cli_and_ev, tmp_path):
    from hb_eval.report.results_json import dumps_results

    _, api_out, ev = cli_and_ev
    before = dumps_results(ev.results)
    frames = {k: v.copy() for k, v in ev.tables.items()}
    ev.write_report(tmp_path / "pub", audience="public")
    pub = json.loads((tmp_path / "pub" / "results.json").read_text(encoding="utf-8"))
    assert pub["manifest"]["config"]["report"]["audience"] == "public"
    assert dumps_results(ev.results) == before
    for k, v in frames.items():
        pd.testing.assert_frame_equal(ev.tables[k], v)
    # small counts suppressed in the public tables, not in the evaluation's
    rc = (tmp_path / "pub" / "tables" / "heterogeneity.csv").read_text(encoding="utf-8-sig")
    small = (ev.tables["heterogeneity"][["n_HB", "n_Verrokki"]] < 5).to_numpy().any()
    assert ("<5" in rc) == bool(small)


@pytest.mark.slow
def test_run_cea_from_evaluation_and_dataset(cli_and_ev):
    from hb_eval.costs import run_cea

    _, _, ev = cli_and_ev
    main_p = ev.config.analysis.perspective
    want = ev.results["cea"][main_p]
    got = run_cea(ev).to_results()
    assert got["delta_cost"] == pytest.approx(want["delta_cost"], rel=1e-12)
    assert got["delta_cost_ci"] == pytest.approx(want["delta_cost_ci"], rel=1e-12)
    got_ds = run_cea(ev.dataset, perspective="societal", B=REPS).to_results()
    assert got_ds["delta_cost"] == pytest.approx(ev.results["cea"]["societal"]["delta_cost"],
                                                 rel=1e-12)
    assert got_ds["delta_cost_ci"] == pytest.approx(
        ev.results["cea"]["societal"]["delta_cost_ci"], rel=1e-12)


@pytest.mark.slow
def test_reprs_are_short(cli_and_ev):
    _, _, ev = cli_and_ev
    objects = [ev, ev.dataset, ev.outcomes, ev.objects["experience"], *ev.cea.values()]
    for obj in objects:
        r = repr(obj)
        assert len(r.splitlines()) <= 16 and len(r) < 2500, (type(obj).__name__, r)
        assert "array(" not in r and "[[" not in r, type(obj).__name__
        h = obj._repr_html_()
        assert "<table" in h or "<pre>" in h, type(obj).__name__
    cea = ev.cea[ev.config.analysis.perspective]
    assert cea.reps.shape[0] == REPS  # the replicates are there, just not printed
    assert "ΔC" in repr(cea)
    s = ev.summary()
    assert "kykyviisari_total" in s and "HB" in s and len(s.splitlines()) < 12
    head = ev.headline()
    did = ev.results["outcomes"]["kykyviisari_total"]["did"]["estimate"]
    assert head.loc[0, "value"] == pytest.approx(did)
    assert head.loc[0, "n"] == sum(ev.results["outcomes"]["kykyviisari_total"]["n"].values())
    main_p = ev.config.analysis.perspective
    assert head.loc[1, "value"] == pytest.approx(ev.results["cea"][main_p]["delta_cost"])
    assert head.loc[1, "n"] == sum(ev.results["cea"][main_p]["n"].values())
    assert f"HB {ev.results['data']['clients']['HB']}," in s


def test_dataset_summary_is_a_frame(demo_dataset):
    s = demo_dataset.summary()
    assert isinstance(s, pd.DataFrame)
    f = demo_dataset.files
    by_source = f.groupby("source", observed=True)[["rows_read", "rows_kept",
                                                     "rows_quarantined"]].sum()
    s = s.set_index("source")
    for col in ("rows_read", "rows_kept", "rows_quarantined"):
        assert (s[col] == by_source.loc[s.index, col]).all(), col
    assert (s["n_files"] == f.groupby("source", observed=True)["path"].nunique()
            .loc[s.index]).all()
    # quarantined rows by reason add up to the rows quarantined of each source
    reasons = [c for c in s.columns if c.startswith("quarantined_")]
    assert reasons and (s[reasons].sum(axis=1) == s["rows_quarantined"]).all()
    q = demo_dataset.quarantine
    assert int(s[reasons].to_numpy().sum() + s["cells_flagged"].sum()) == len(q)
    assert "Files (rows read = kept + quarantined)" in demo_dataset.summary_text()


# ------------------------------------------------------------------------------ structure
_FORBIDDEN = ("hb_eval.outcomes", "hb_eval.costs", "hb_eval.stats", "hb_eval.pipeline")


def _imports(path: Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    pkg = ["hb_eval", "report"]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = pkg[:len(pkg) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]  # from .. import scoring
    return out


def test_report_imports_no_estimator():
    files = sorted(REPORT_DIR.glob("*.py"))
    assert len(files) >= 10
    bad = {}
    for path in files:
        hits = [m for m in _imports(path)
                if any(m == f or m.startswith(f + ".") for f in _FORBIDDEN)]
        if hits:
            bad[path.name] = hits
    assert bad == {}


def test_import_checker_sees_relative_imports(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("from ..costs import cea\nfrom .. import scoring\nimport hb_eval.outcomes.did\n"
                 "from .tables import Table\n", encoding="utf-8")
    got = _imports(p)
    assert "hb_eval.costs" in got and "hb_eval.scoring" in got
    assert "hb_eval.outcomes.did" in got and "hb_eval.report.tables" in got


def test_report_run_is_small_and_has_no_scaffolding():
    text = (REPORT_DIR / "run.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 697 // 2
    assert "_Unavailable" not in text and "_module(" not in text
    assert "importlib" not in text


def test_every_stage_documents_its_sources():
    names = [s.name for s in STAGES]
    assert len(names) == len(set(names))
    assert dict((s.name, s.needs) for s in STAGES)["costs"] == ("unit_costs",)
