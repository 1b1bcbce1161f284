"""Execute every notebook in notebooks/ (outputs are stripped in git; they must still run)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))


@pytest.fixture
def kernel_env(monkeypatch):
    """The kernel imports the hb_eval under test (a relative PYTHONPATH would not reach it from
    the kernel's working folder)."""
    import hb_eval

    src = str(Path(hb_eval.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [src] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_quick_start.ipynb", "02_outcome_analysis.ipynb",
            "03_reproduce_published_table.ipynb"} <= names


def _code(name: str) -> list[str]:
    nb = json.loads((NB_DIR / name).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_notebooks_use_the_evaluation_api():
    """01 opens with evaluate("evaluation.yaml") and works from ev.tables; 02 and 03 start
    from an Evaluation too (none re-assembles the report's pipeline by hand)."""
    quick = _code("01_quick_start.ipynb")
    assert quick[1].startswith("ev = hb_eval.evaluate('evaluation.yaml')")
    assert sum("ev.tables[" in c for c in quick) >= 4
    for name in ("01_quick_start.ipynb", "02_outcome_analysis.ipynb",
                 "03_reproduce_published_table.ipynb"):
        code = "\n".join(_code(name))
        assert "hb_eval.evaluate(" in code, name
        assert "analyse_outcomes(" not in code and "hb_eval.load(" not in code, name


def test_notebooks_are_built_by_the_script(tmp_path, monkeypatch):
    """The committed notebooks are what build_notebooks.py writes (no hand edits drift)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  NB_DIR / "build_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "HERE", tmp_path)
    for path in mod.build():
        assert path.read_bytes() == (NB_DIR / path.name).read_bytes(), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_outputs_stripped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


#: Notebooks that show figures, and how many at least.
SHOW_FIGURES = {"01_quick_start.ipynb": 2, "02_outcome_analysis.ipynb": 2}


def _images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for out in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, kernel_env):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    # the worked examples show their plots (they showed none while the report switched the
    # backend to Agg on import)
    assert _images(nb) >= SHOW_FIGURES.get(path.name, 0), path.name


def _run_cells(cells: list[str], tmp_path) -> object:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


@pytest.mark.slow
def test_backend_and_style_unchanged_after_write_report(demo_evaluation, tmp_path, kernel_env):
    """In a notebook (Jupyter's inline backend), writing the report leaves matplotlib's backend
    and style as they were, so that ``plt.show()`` still shows a figure, and a report figure
    from ``ev.figures`` shows as an image."""
    import pickle

    (tmp_path / "ev.pickle").write_bytes(pickle.dumps(demo_evaluation))
    nb = _run_cells([
        "import pickle\n"
        "import matplotlib\n"
        "import matplotlib.pyplot as plt\n"
        "backend = matplotlib.get_backend()\n"
        "rc = {k: matplotlib.rcParams[k] for k in ('font.size', 'axes.grid', 'figure.dpi',\n"
        "      'savefig.dpi', 'svg.fonttype', 'axes.spines.top')}\n"
        "ev = pickle.loads(open('ev.pickle', 'rb').read())",
        "ev.write_report('report')\n"
        "fig = ev.figures['ceac']",
        "assert matplotlib.get_backend() == backend, (backend, matplotlib.get_backend())\n"
        "assert {k: matplotlib.rcParams[k] for k in rc} == rc\n"
        "print(backend)\n"
        "plt.plot([1, 2, 3])\n"
        "plt.show()",
        "fig",
    ], tmp_path)
    outs = [c.outputs for c in nb.cells]
    backend = "".join(o.get("text", "") for o in outs[2] if o.get("name") == "stdout")
    assert "inline" in backend
    assert any("image/png" in o.get("data", {}) for o in outs[2]), "plt.show() showed nothing"
    assert any("image/png" in o.get("data", {}) for o in outs[3]), "ev.figures did not display"
    assert (tmp_path / "report" / "report.html").exists()
