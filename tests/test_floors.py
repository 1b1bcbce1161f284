"""The package's floors, read from the code: no import circle, no import from a higher floor.

The floors (docs/ARCHITECTURE.md), lowest first; a module may import its own floor and the
floors below it, never one above:

0. ground: ``errors``, ``privacy``, ``config`` and ``support/``;
1. ``stats/``: domain-free kernels (and of hb_eval only ``errors`` and ``support/``);
2. ``data/`` and ``demo/``: raw files -> tidy tables;
3. HB analyses: ``outcomes/`` and ``costs/``;
4. ``pipeline``; 5. ``evaluation``; 6. ``report/``; 7. ``cli`` and the package's front door.

Every import counts for the floors, also one inside a function; the one exception is the thin
delegates ``Evaluation.write_report`` and ``Evaluation.figures`` (evaluation -> report.run,
inside the methods). Circles are
looked for among module-level imports (``if TYPE_CHECKING:`` blocks do not run).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "hb_eval"

FLOORS = [
    ("ground", ("hb_eval.errors", "hb_eval.privacy", "hb_eval.config", "hb_eval.support")),
    ("stats", ("hb_eval.stats",)),
    ("data", ("hb_eval.data", "hb_eval.demo")),
    ("analyses", ("hb_eval.outcomes", "hb_eval.costs")),
    ("pipeline", ("hb_eval.pipeline",)),
    ("evaluation", ("hb_eval.evaluation",)),
    ("report", ("hb_eval.report",)),
    ("front", ("hb_eval.cli", "hb_eval")),
]
#: (importer, imported): imports allowed across the floors, each with its reason
ALLOWED_UP = {("hb_eval.evaluation", "hb_eval.report.run"):
              "Evaluation.write_report delegates to the report and Evaluation.figures draws "
              "with it (inside the methods)",
              ("hb_eval.evaluation", "hb_eval.report.export"):
              "Evaluation.export delegates to the export writer (inside the method)"}
#: what stats/ may import of hb_eval besides itself
STATS_MAY_IMPORT = ("hb_eval.errors", "hb_eval.support")


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def floor_of(name: str) -> int:
    """Index of the floor of module ``name`` (the most specific prefix decides)."""
    best, length = None, -1
    for i, (_, prefixes) in enumerate(FLOORS):
        for p in prefixes:
            if _under(name, p) and len(p) > length:
                best, length = i, len(p)
    if best is None:
        raise AssertionError(f"{name} stands on no floor: add it to FLOORS")
    return best


def modules(root: Path = SRC) -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) of every module under ``root``."""
    out = {}
    for path in sorted((root / "hb_eval").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imports(name: str, path: Path, is_pkg: bool, known: set[str]
            ) -> list[tuple[str, bool]]:
    """(imported hb_eval module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            if isinstance(child, ast.Import):
                out.extend((a.name, top) for a in child.names if _under(a.name, "hb_eval"))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - child.level + 1]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                if not _under(mod, "hb_eval"):
                    continue
                for a in child.names:  # ``from . import parse`` imports a module
                    sub = f"{mod}.{a.name}"
                    out.append((sub if sub in known else mod, top))
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.ClassDef):
                visit(child, top)
            else:
                visit(child, top)

    visit(tree, True)
    return out


def graph(root: Path = SRC) -> tuple[dict[str, list[tuple[str, bool]]], set[str]]:
    mods = modules(root)
    known = set(mods)
    return {n: imports(n, p, k, known) for n, (p, k) in mods.items()}, known


def floor_breaks(edges: dict[str, list[tuple[str, bool]]]) -> list[str]:
    bad = []
    for src, targets in edges.items():
        for dst, _ in targets:
            if (src, dst) in ALLOWED_UP:
                continue
            if floor_of(dst) > floor_of(src):
                bad.append(f"{src} -> {dst}")
            if (_under(src, "hb_eval.stats") and not _under(dst, "hb_eval.stats")
                    and not any(_under(dst, p) for p in STATS_MAY_IMPORT)):
                bad.append(f"{src} -> {dst} (stats/ imports only errors and support/)")
    return sorted(set(bad))


def circles(edges: dict[str, list[tuple[str, bool]]]) -> list[list[str]]:
    """Every module-level import circle (strongly connected parts with more than one module)."""
    adj = {n: sorted({d for d, top in ts if top and d in edges and d != n})
           for n, ts in edges.items()}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adj[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(adj):
        if v not in index:
            strong(v)
    return out


@pytest.fixture(scope="module")
def edges():
    return graph()[0]


def test_every_module_stands_on_a_floor(edges):
    assert len(edges) > 80
    for name in edges:
        floor_of(name)


def test_no_import_from_a_higher_floor(edges):
    assert floor_breaks(edges) == []


def test_no_module_level_import_circle(edges):
    assert circles(edges) == []


def test_the_allowed_exception_is_still_needed(edges):
    # an exception no import uses any more is a stale promise: drop it from ALLOWED_UP
    used = {(s, d) for s, ts in edges.items() for d, _ in ts}
    assert set(ALLOWED_UP) <= used
    assert all(not top for s, ts in edges.items() for d, top in ts if (s, d) in ALLOWED_UP)


def test_at_most_eight_modules_at_the_top():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= 8, top


# -- the checker itself sees what it must (so that the tests above can fail) -------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / "hb_eval" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_finds_an_upward_import_inside_a_function(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "", "errors.py": "",
        "data/__init__.py": "", "data/dataset.py": "def f():\n    from ..report import run\n",
        "report/__init__.py": "", "report/run.py": "",
    })
    e, _ = graph(root)
    assert floor_breaks(e) == ["hb_eval.data.dataset -> hb_eval.report.run"]


def test_checker_finds_stats_importing_config(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "", "config.py": "", "support/__init__.py": "", "support/values.py": "",
        "stats/__init__.py": "", "stats/k.py": "from ..config import X\nfrom ..support import values\n",
    })
    e, _ = graph(root)
    assert floor_breaks(e) == [
        "hb_eval.stats.k -> hb_eval.config (stats/ imports only errors and support/)"]


def test_checker_finds_a_circle_but_not_a_type_checking_one(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "report/__init__.py": "",
        "report/tables.py": "from .workbook import w\n",
        "report/workbook.py": "from .tables import Table\n",
        "pipeline.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from .evaluation import Evaluation\n",
        "evaluation.py": "from .pipeline import run\n",
    })
    e, _ = graph(root)
    assert circles(e) == [["hb_eval.report.tables", "hb_eval.report.workbook"]]
    assert floor_breaks(e) == []
