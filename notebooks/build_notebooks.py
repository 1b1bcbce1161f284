"""Build the report notebooks from the cells below, with no outputs (run: python build_notebooks.py).

Editing the .ipynb files by hand is fine too; this script keeps them small, reviewable and
free of outputs in git. ``tests/test_notebooks.py`` executes every notebook in this folder.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICK_START = [
    new_markdown_cell(
        "# hb_eval quick start\n\n"
        "One call runs every analysis of the report in memory: `hb_eval.evaluate` loads the "
        "data, runs each analysis whose sources `evaluation.yaml` lists, and returns an "
        "`Evaluation` with the report's numbers and tables. Run this notebook in the folder of "
        "your `evaluation.yaml`; where there is none, the first cell writes the built-in demo "
        "(simulated clients with a planted effect) into a temporary folder."),
    new_code_cell(
        "import os\n"
        "import tempfile\n"
        "from pathlib import Path\n\n"
        "import hb_eval\n\n"
        "if not Path('evaluation.yaml').exists():  # no evaluation of your own here: the demo\n"
        "    from hb_eval.demo import write_demo\n"
        "    os.chdir(tempfile.mkdtemp(prefix='hb-eval-quick-start-'))\n"
        "    write_demo('.', seed=20190331)"),
    new_code_cell("ev = hb_eval.evaluate('evaluation.yaml')\n"
                  "ev"),
    new_markdown_cell("## What was run\n\nEach analysis has a status (`ok`, `absent` when its "
                      "source is not configured, `not_estimable` with the reason, `failed`)."),
    new_code_cell("{name: section.status for name, section in ev.sections.items()}"),
    new_markdown_cell("## The data\n\nPer source: files, rows read, kept and quarantined "
                      "(by reason). `ev.dataset.files` has the same per file; "
                      "`ev.dataset.quarantine` says why each row was set aside."),
    new_code_cell("ev.dataset.summary()"),
    new_markdown_cell("## The report's tables\n\n`ev.tables` holds every table of the report "
                      "as a tidy DataFrame with English column names (not rounded, not "
                      "translated)."),
    new_code_cell("sorted(ev.tables)"),
    new_code_cell("ev.tables['estimators_primary']"),
    new_code_cell("within = ev.tables['within_arm']\n"
                  "within[within['outcome'] == 'kykyviisari_total']"),
    new_code_cell("ev.tables['cea']"),
    new_markdown_cell("## The numbers of results.json\n\n`ev.results` is the dict the report "
                      "writes as results.json; the result objects behind it are on `ev` too."),
    new_code_cell("primary = ev.results['outcomes']['kykyviisari_total']\n"
                  "did = primary['did']\n"
                  "{**{k: did[k] for k in ('estimate', 'ci_low', 'ci_high', 'p', 'n_clusters')},\n"
                  " 'n': primary['n']}"),
    new_code_cell("ev.cea[ev.config.analysis.perspective]"),
    new_markdown_cell("## Your own analysis\n\nThe building blocks take the same tidy frames. "
                      "The change frame pairs each client's baseline and end score by client "
                      "id; the DiD on it is the report's number."),
    new_code_cell(
        "from hb_eval.outcomes import did_2x2\n"
        "from hb_eval.outcomes.scores import change_frame\n\n"
        "cf = change_frame(ev.scores, ev.dataset.clients, 'kykyviisari_total')\n"
        "mine = did_2x2(cf, cluster=ev.config.analysis.cluster, wild_reps=0)\n"
        "assert abs(mine['estimate'].iloc[0] - did['estimate']) < 1e-10\n"
        "mine[['estimator', 'estimate', 'ci_low', 'ci_high', 'n_HB', 'n_Verrokki', "
        "'n_clusters']]"),
    new_markdown_cell("## Figures\n\n`ev.figures` holds every figure of the report as a "
                      "matplotlib Figure, drawn when asked for (English labels); "
                      "`list(ev.figures)` names them."),
    new_code_cell("ev.figures['estimator_comparison']"),
    new_markdown_cell("The report's figure functions take the same tables, for a figure of "
                      "your own:"),
    new_code_cell(
        "from hb_eval.report import figures\n\n"
        "figures.change_by_arm(ev.tables['within_arm'], lang='en')"),
    new_markdown_cell("## The report\n\nThe same files as `hb-eval report evaluation.yaml "
                      "--out report/`: report.html, results.json, tables, figures, manifest."),
    new_code_cell("ev.write_report('report', language='en')"),
]

OUTCOMES = [
    new_markdown_cell(
        "# Outcome analysis: the HB effect on wellbeing and functioning\n\n"
        "This notebook walks through the outcome analysis on the built-in demo data (simulated "
        "clients with a planted effect of 0.8 points on the change of the Kykyviisari total). "
        "`hb_eval.evaluate` runs it all; below, every estimator of the HB effect is also run by "
        "hand, side by side, then the subgroup (forest) plot. Point `CONFIG` at your own "
        "`evaluation.yaml` to use real data."),
    new_code_cell(
        "import tempfile\n"
        "import warnings\n"
        "from pathlib import Path\n\n"
        "import pandas as pd\n\n"
        "import hb_eval\n"
        "from hb_eval.demo import write_demo\n\n"
        "warnings.simplefilter('ignore')\n"
        "pd.set_option('display.width', 160)\n"
        "work = Path(tempfile.mkdtemp(prefix='hb-eval-outcomes-'))\n"
        "write_demo(work / 'demo', seed=20190331)\n"
        "CONFIG = work / 'demo' / 'evaluation.yaml'\n"
        "ev = hb_eval.evaluate(CONFIG, progress=False)\n"
        "cfg = ev.config.analysis\n"
        "print('cluster level:', cfg.cluster, '| seed:', cfg.seed)"),
    new_markdown_cell(
        "## Scores and the change frame\n\n`ev.scores` holds every questionnaire score; "
        "`change_frame` pairs each client's baseline (alku) and end (loppu) score **by client "
        "id** and keeps the clients with both (the complete cases used by the 2×2 "
        "estimators). `long_frame` keeps every observed wave for the mixed model."),
    new_code_cell(
        "from hb_eval.outcomes.scores import change_frame, long_frame\n\n"
        "cf = change_frame(ev.scores, ev.dataset.clients, 'kykyviisari_total')\n"
        "lf = long_frame(ev.scores, ev.dataset.clients, 'kykyviisari_total')\n"
        "cf.groupby('arm', observed=True)[['baseline', 'end', 'change']].agg(['count', 'mean'])"),
    new_markdown_cell("## Change within each arm\n\nMean change with its t interval, d_z, d_av "
                      "and Hedges' g_av (noncentral-t intervals) and the Wilcoxon signed-rank "
                      "test."),
    new_code_cell(
        "from hb_eval.stats.effect_sizes import d_ppc2, within_arm\n\n"
        "within_arm(cf)[['arm', 'method', 'n', 'estimate', 'ci_low', 'ci_high', 'p']]"),
    new_markdown_cell(
        "## The estimators side by side\n\n"
        "* **did**: change score on arm; CR2 (Bell–McCaffrey) standard error clustered by "
        "worker with Satterthwaite degrees of freedom, plus a wild cluster bootstrap p-value "
        "and interval.\n"
        "* **did_panel_fe**: the same DiD from the long panel with client fixed effects "
        "(linearmodels `PanelOLS`) – the same point estimate.\n"
        "* **did_adjusted**: baseline covariates (pilot, client group, sex, age group, "
        "baseline score) in the change-score regression.\n"
        "* **dr_did**: doubly robust DiD (Sant'Anna & Zhao 2020, traditional panel "
        "estimator).\n"
        "* **ancova**: end score on arm and baseline score (a sensitivity analysis).\n"
        "* **mixed**: mixed model over all three waves, random intercepts for worker and "
        "client."),
    new_code_cell(
        "from hb_eval.outcomes import ancova, did_2x2, did_adjusted, did_panel_fe, dr_did, "
        "mixed_did\n\n"
        "side_by_side = pd.concat([\n"
        "    did_2x2(cf, cluster=cfg.cluster, wild_reps=399, seed=cfg.seed),\n"
        "    did_panel_fe(cf, cluster=cfg.cluster),\n"
        "    did_adjusted(cf, cluster=cfg.cluster),\n"
        "    dr_did(cf, cluster=cfg.cluster, ps_trim=cfg.ps_trim),\n"
        "    ancova(cf, cluster=cfg.cluster),\n"
        "    mixed_did(lf),\n"
        "], ignore_index=True)\n"
        "side_by_side[['estimator', 'estimate', 'se', 'df', 'ci_low', 'ci_high', 'p', "
        "'wild_p',\n"
        "              'n_HB', 'n_Verrokki', 'n_clusters', 'se_type']]"),
    new_markdown_cell(
        "The change-score DiD and the fixed-effects panel DiD are the same estimator: the "
        "point estimates agree to rounding error. Their standard errors differ only by the "
        "small-sample factor (linearmodels counts client-waves, the change score counts "
        "clients). Both equal the report's DiD in `ev.tables`."),
    new_code_cell(
        "est = side_by_side.set_index('estimator')['estimate']\n"
        "assert abs(est['did'] - est['did_panel_fe']) < 1e-10\n"
        "report = ev.tables['estimators_primary'].set_index('estimator')['estimate']\n"
        "assert abs(est['did'] - report['did']) < 1e-10\n"
        "print(f\"DiD {est['did']:.4f} points; panel FE {est['did_panel_fe']:.4f}; \"\n"
        "      f\"report {report['did']:.4f}\")"),
    new_markdown_cell("The between-arm standardised effect d_ppc2 (Morris 2008):"),
    new_code_cell("d_ppc2(cf)[['estimate', 'ci_low', 'ci_high', 'n_HB', 'n_Verrokki']]"),
    new_markdown_cell(
        "## Every outcome at once\n\n`ev.outcomes` is the outcome analysis of the report: all "
        "of the above for the primary outcome and each secondary one, Cronbach's α at baseline "
        "and reliable change, and Holm-adjusted p-values of the secondary outcomes (per "
        "estimator). `ev.tables['outcome_effects']` is its DiD table."),
    new_code_cell("ev.tables['outcome_effects']"),
    new_code_cell("ev.results['outcomes']['kykyviisari_total']['did']"),
    new_markdown_cell(
        "## Heterogeneity: pilots and client groups\n\nThe DiD within each pilot and client "
        "group (CR2 where each arm has at least two workers, otherwise HC2 – see `se_type`), "
        "and the joint test that the effect is the same everywhere."),
    new_code_cell("forest = ev.outcomes.forest_frame()\n"
                  "forest[['by', 'label', 'estimate', 'ci_low', 'ci_high', 'n', 'se_type']]"),
    new_code_cell("ev.outcomes.interactions[['by', 'test', 'statistic', 'df1', 'df2', 'p']]"),
    new_code_cell(
        "from hb_eval.report.figures import estimator_comparison, forest_plot\n\n"
        "forest_plot(forest[forest['by'] == 'pilot'], lang='en')"),
    new_code_cell(
        "prim = ev.outcomes.to_frame()\n"
        "estimator_comparison(prim[prim['outcome'] == 'kykyviisari_total'], lang='en')"),
    new_markdown_cell("The demo planted a true effect of 0.8 points; every estimator's interval "
                      "should usually contain it (see `tests/test_coverage.py` for how often)."),
]

REPRODUCE = [
    new_markdown_cell(
        "# Reproducing a published table from results.json\n\n"
        "A report run writes `results.json` beside the report: every number of the report as "
        "plain JSON, keyed as in `docs/outputs.md`. A thesis student who has the published report and "
        "its `results.json` can rebuild a table of the report from it, and with the input "
        "files and `manifest.json` re-run the whole analysis with `hb-eval reproduce`.\n\n"
        "Here the 'published' report is a demo report written first (with few bootstrap "
        "replicates, to keep the notebook quick): `hb_eval.evaluate` then `write_report`, "
        "which writes the same files as `hb-eval report`."),
    new_code_cell(
        "import json, tempfile\n"
        "from pathlib import Path\n\n"
        "import pandas as pd\n"
        "import hb_eval\n"
        "from hb_eval.cli import main as hb_eval_cli\n"
        "from hb_eval.demo import write_demo\n\n"
        "work = Path(tempfile.mkdtemp(prefix='hb-eval-reproduce-'))\n"
        "write_demo(work / 'demo')\n"
        "ev = hb_eval.evaluate(work / 'demo' / 'evaluation.yaml', reps=200, progress=False)\n"
        "published = work / 'published'\n"
        "ev.write_report(published)\n"
        "sorted(p.name for p in published.iterdir())"),
    new_markdown_cell("## Read results.json\n\nNumbers are JSON numbers; missing values are "
                      "`null`."),
    new_code_cell(
        "results = json.loads((published / 'results.json').read_text(encoding='utf-8'))\n"
        "results['schema_version'], sorted(results)"),
    new_markdown_cell("## Rebuild the table of estimators for the primary outcome\n\n"
                      "The report's table *Estimator comparison* (`tables/estimators_primary.csv`) "
                      "lists each estimator's effect on the Kykyviisari total score with its 95 % "
                      "interval and p-value."),
    new_code_cell(
        "primary = results['outcomes']['kykyviisari_total']\n"
        "rows = []\n"
        "for est in ['did', 'did_adjusted', 'dr_did', 'ancova', 'mixed']:\n"
        "    b = primary[est]\n"
        "    rows.append({'estimator': est, 'estimate': b['estimate'], 'ci_low': b['ci_low'],\n"
        "                 'ci_high': b['ci_high'], 'p': b['p']})\n"
        "mine = pd.DataFrame(rows)\n"
        "mine.round(3)"),
    new_markdown_cell("## Compare with the published table\n\nThe CSV uses the report's "
                      "language (Finnish: `;` separator, decimal comma)."),
    new_code_cell(
        "pub = pd.read_csv(published / 'tables' / 'estimators_primary.csv', sep=';', decimal=',',\n"
        "                  encoding='utf-8-sig')\n"
        "both = mine.merge(pub, on='estimator', suffixes=('', '_published'))\n"
        "for col in ['estimate', 'ci_low', 'ci_high', 'p']:\n"
        "    diff = (both[col] - both[col + '_published']).abs().max()\n"
        "    assert diff < 1e-8, (col, diff)\n"
        "both[['estimator', 'estimate', 'estimate_published', 'p', 'p_published']]"),
    new_markdown_cell("The evaluation in memory has the same table, unrounded: "
                      "`ev.tables['estimators_primary']`."),
    new_code_cell(
        "live = ev.tables['estimators_primary'].merge(pub, on='estimator', "
        "suffixes=('', '_published'))\n"
        "assert (live['estimate'] - live['estimate_published']).abs().max() < 1e-8\n"
        "len(live)"),
    new_markdown_cell("## Re-run everything from the manifest\n\n`hb-eval reproduce` checks the "
                      "inputs' SHA-256 against `manifest.json`, re-runs with the recorded "
                      "configuration and seed, and says whether `results.json` is "
                      "byte-identical."),
    new_code_cell(
        "rc = hb_eval_cli(['reproduce', str(published)])\n"
        "assert rc == 0\n"
        "rc"),
]

NOTEBOOKS = {"01_quick_start.ipynb": QUICK_START,
             "02_outcome_analysis.ipynb": OUTCOMES,
             "03_reproduce_published_table.ipynb": REPRODUCE}


def build() -> list[Path]:
    """Write the notebooks (no outputs, no execution counts) and return their paths."""
    out = []
    for name, cells in NOTEBOOKS.items():
        for i, cell in enumerate(cells):  # stable ids: rebuilding gives the same bytes
            cell["id"] = f"{name[:2]}-{i:02d}"
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        path = HERE / name
        nbformat.validate(nb)
        path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    for p in build():
        print(p)
