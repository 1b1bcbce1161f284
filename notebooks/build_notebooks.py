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
        "Load an evaluation, look at the data, estimate the effect of HB on the primary outcome "
        "and plot it. This notebook uses the built-in demo data (simulated clients with a "
        "planted effect); point `CONFIG` at your own `evaluation.yaml` to use real data."),
    new_code_cell(
        "import tempfile\n"
        "from pathlib import Path\n\n"
        "import hb_eval\n"
        "from hb_eval.demo import write_demo\n\n"
        "work = Path(tempfile.mkdtemp(prefix='hb-eval-quick-start-'))\n"
        "write_demo(work / 'demo', seed=20190331)\n"
        "CONFIG = work / 'demo' / 'evaluation.yaml'"),
    new_markdown_cell("## Load\n\n`hb_eval.load` reads every source, quarantines bad rows with "
                      "their reason, and returns tidy tables."),
    new_code_cell("ds = hb_eval.load(CONFIG)\n"
                  "print(ds.summary())"),
    new_markdown_cell("## Look"),
    new_code_cell("ds.clients.groupby(['pilot', 'arm'], observed=True).size().unstack()"),
    new_code_cell("ds.data_block()['quarantine_by_reason']"),
    new_markdown_cell("## Estimate\n\nScore the questionnaires, build the change frame of the "
                      "primary outcome (clients with a baseline and an end score, paired by "
                      "client id) and compare the arms."),
    new_code_cell(
        "from hb_eval.scoring import score_all, change_frame\n"
        "from hb_eval.effect_sizes import within_arm\n\n"
        "scores = score_all(ds)\n"
        "cf = change_frame(scores, ds.clients, 'kykyviisari_total')\n"
        "within = within_arm(cf)\n"
        "within"),
    new_code_cell(
        "from hb_eval.outcomes.did import did_2x2\n\n"
        "# difference in differences, CR2 standard errors clustered by worker, wild bootstrap\n"
        "did_2x2(cf, cluster='worker', wild_reps=399, seed=1)"),
    new_markdown_cell("## Plot\n\nThe report's own figure functions take tidy frames."),
    new_code_cell(
        "from hb_eval.report import figures\n\n"
        "# one row per arm: the mean change with its confidence interval\n"
        "frame = within[within['method'] == 'mean_change'].assign(outcome='kykyviisari_total')\n"
        "fig = figures.change_by_arm(frame, lang='en')\n"
        "fig"),
    new_markdown_cell("The full report (HTML, figures, tables, results.json) is one command:\n\n"
                      "```\nhb-eval report evaluation.yaml --out report/\n```"),
]

REPRODUCE = [
    new_markdown_cell(
        "# Reproducing a published table from results.json\n\n"
        "A report run writes `results.json` beside the report: every number of the report as "
        "plain JSON, keyed as in `docs/outputs.md`. A thesis student who has the published report and "
        "its `results.json` can rebuild a table of the report from it, and with the input "
        "files and `manifest.json` re-run the whole analysis with `hb-eval reproduce`.\n\n"
        "Here the 'published' report is a demo report written first (with few bootstrap "
        "replicates, to keep the notebook quick)."),
    new_code_cell(
        "import json, tempfile\n"
        "from pathlib import Path\n\n"
        "import pandas as pd\n"
        "from hb_eval.cli import main as hb_eval\n\n"
        "work = Path(tempfile.mkdtemp(prefix='hb-eval-reproduce-'))\n"
        "published = work / 'published'\n"
        "assert hb_eval(['report', '--demo', '--out', str(published), '--reps', '200',\n"
        "                '--quiet']) == 0\n"
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
    new_markdown_cell("## Re-run everything from the manifest\n\n`hb-eval reproduce` checks the "
                      "inputs' SHA-256 against `manifest.json`, re-runs with the recorded "
                      "configuration and seed, and says whether `results.json` is "
                      "byte-identical."),
    new_code_cell(
        "rc = hb_eval(['reproduce', str(published)])\n"
        "assert rc == 0\n"
        "rc"),
]

NOTEBOOKS = {"01_quick_start.ipynb": QUICK_START,
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
