"""The benchmarks are not run by the tests (they take minutes), but every name they import
from hb_eval must exist: a refactoring once left ``bench_scale.py`` importing a moved function."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", BENCH, ids=[p.name for p in BENCH])
def test_every_hb_eval_name_a_benchmark_imports_exists(script):
    missing = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hb_eval"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(module, alias.name):
                    continue
                try:  # a submodule imported by name
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    missing.append(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hb_eval"):
                    importlib.import_module(alias.name)
    assert not missing, f"{script.name} imports names hb_eval does not have: {missing}"


def test_the_check_sees_a_missing_name(tmp_path, monkeypatch):
    fake = tmp_path / "bench_fake.py"
    fake.write_text("def f():\n    from hb_eval.report.run import no_such_function\n")
    with pytest.raises(AssertionError, match="no_such_function"):
        test_every_hb_eval_name_a_benchmark_imports_exists(fake)
