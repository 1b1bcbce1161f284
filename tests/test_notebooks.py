"""Execute every notebook in notebooks/ (outputs are stripped in git; they must still run)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))


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


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the failing cell
