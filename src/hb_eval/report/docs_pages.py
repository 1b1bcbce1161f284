"""The documentation pages written from the code (``make generated``), so that they cannot drift:

* ``docs/outputs.md`` from the registry :mod:`hb_eval.report.results_keys`;
* ``docs/api.md``: every public module of the package, floor by floor (:func:`api_markdown`);
* the reference list of ``docs/methods.md`` from :mod:`hb_eval.report.references` (the report's
  appendix lists the same works).

``docs/configuration.md`` is written from the configuration model by
:func:`hb_eval.config.write_generated`. ``docs/conf.py`` refuses to build from stale pages and
``tests/test_docs.py`` fails on them.
"""
from __future__ import annotations

from pathlib import Path

from .references import references_markdown
from .results_keys import outputs_markdown

__all__ = ["API_GROUPS", "public_modules", "api_markdown", "methods_with_references",
           "generated_pages", "write_generated_docs"]

#: The API page's sections: (heading, module prefixes), in the order of the floors.
API_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The evaluation (`hb_eval.evaluation`, `hb_eval.pipeline`)",
     ("hb_eval.evaluation", "hb_eval.pipeline")),
    ("Configuration, errors and the privacy gate", ("hb_eval.config", "hb_eval.errors",
                                                     "hb_eval.privacy")),
    ("Plumbing (`hb_eval.support`)", ("hb_eval.support",)),
    ("Statistical kernels (`hb_eval.stats`)", ("hb_eval.stats",)),
    ("Data layer (`hb_eval.data`)", ("hb_eval.data",)),
    ("Demo data (`hb_eval.demo`)", ("hb_eval.demo",)),
    ("Outcomes (`hb_eval.outcomes`)", ("hb_eval.outcomes",)),
    ("Costs (`hb_eval.costs`)", ("hb_eval.costs",)),
    ("Report (`hb_eval.report`)", ("hb_eval.report",)),
    ("Command line (`hb_eval.cli`)", ("hb_eval.cli",)),
)


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    pkg = Path(__file__).resolve().parents[1]  # src/hb_eval (read, not imported)
    names = []
    for path in pkg.rglob("*.py"):
        parts = ("hb_eval",) + path.relative_to(pkg).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(p.startswith("_") for p in parts):
            names.append(".".join(parts))
    return sorted(names)


def _group(name: str) -> int:
    best, length = -1, -1
    for i, (_, prefixes) in enumerate(API_GROUPS):
        for p in prefixes:
            if (name == p or name.startswith(p + ".")) and len(p) > length:
                best, length = i, len(p)
    if best < 0:
        raise ValueError(f"module {name} belongs to no section of the API page: add it to "
                         "API_GROUPS")
    return best


def api_markdown() -> str:
    """docs/api.md: the front door, then every public module, section by section."""
    parts = ["""\
# API reference

<!-- generated from the package by `make generated` (hb_eval.report.docs_pages); do not edit -->

Generated from the docstrings of every public module (numpydoc format), floor by floor as in
[Architecture](ARCHITECTURE.md), which also describes the tables each function returns. Names
starting with an underscore are internal and may change without notice.

## The front door (`hb_eval`)

`hb_eval.evaluate` and `hb_eval.Evaluation` are documented below under `hb_eval.evaluation`.

```{eval-rst}
.. automodule:: hb_eval
   :no-index:

.. autofunction:: hb_eval.load
.. autofunction:: hb_eval.load_config
```
"""]
    by_group: dict[int, list[str]] = {}
    for name in public_modules():
        if name == "hb_eval":  # the front door, above
            continue
        by_group.setdefault(_group(name), []).append(name)
    for i, (heading, prefixes) in enumerate(API_GROUPS):
        names = sorted(by_group.get(i, []),
                       key=lambda n: (min(k for k, p in enumerate(prefixes)
                                          if n == p or n.startswith(p + ".")), n))
        parts.append(f"\n## {heading}\n\n```{{eval-rst}}\n")
        parts.extend(f".. automodule:: {n}\n" for n in names)
        parts.append("```\n")
    return "".join(parts)


_REF_START = "<!-- references: generated from hb_eval.report.references by `make generated` -->\n"
_REF_END = "<!-- end of references -->\n"


def methods_with_references(text: str) -> str:
    """docs/methods.md with its reference list (between the markers) written from
    :data:`hb_eval.report.references.REFERENCES`."""
    start, end = text.index(_REF_START) + len(_REF_START), text.index(_REF_END)
    return text[:start] + "\n" + references_markdown() + "\n" + text[end:]


def generated_pages(docs: str | Path) -> dict[Path, str]:
    """Path -> the text the generated pages under ``docs`` must have."""
    docs = Path(docs)
    methods = docs / "methods.md"
    return {docs / "outputs.md": outputs_markdown(), docs / "api.md": api_markdown(),
            methods: methods_with_references(methods.read_text(encoding="utf-8"))}


def write_generated_docs(root: str | Path = ".") -> list[Path]:
    """Write the generated pages under ``root``/docs; return the paths written."""
    pages = generated_pages(Path(root) / "docs")
    for path, text in pages.items():
        path.write_text(text, encoding="utf-8")
    return list(pages)
