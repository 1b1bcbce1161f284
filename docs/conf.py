"""Sphinx configuration of the hb_eval documentation site (``make docs``)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from hb_eval import __version__  # noqa: E402
from hb_eval.config import reference_markdown  # noqa: E402
from hb_eval.report.docs_pages import generated_pages  # noqa: E402

project = "hb_eval"
author = "the hb_eval developers"
copyright = "the hb_eval developers"  # noqa: A001
version = release = __version__

extensions = [
    "myst_nb",  # Markdown pages (myst-parser) and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 shipped with the build: formulas render offline
    "numpydoc",
]
# the MathJax copy of sphinx-mathjax-offline, copied into _static/mathjax (no CDN: secure
# analysis environments have no internet; tests/test_docs.py checks the built pages)
mathjax_path = "mathjax/tex-chtml.js"
exclude_patterns = ["_build", "_notebooks/.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# -- the configuration reference is generated from the model, the outputs, the API page and the
# methods' reference list from the code; fail if a committed page drifted
if (HERE / "configuration.md").read_text(encoding="utf-8") != reference_markdown():
    raise RuntimeError("docs/configuration.md is out of date: run `make generated`")
for _page, _text in generated_pages(HERE).items():
    if _page.read_text(encoding="utf-8") != _text:
        raise RuntimeError(f"docs/{_page.name} is out of date: run `make generated`")

# -- worked examples: the notebooks of notebooks/ (outputs are not kept in git), executed here
_NB = HERE / "_notebooks"
shutil.rmtree(_NB, ignore_errors=True)
_NB.mkdir()
for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copy2(nb, _NB / nb.name)
nb_execution_mode = "cache"  # executed once, re-run only when a notebook changes
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a failing notebook fails the build
nb_execution_in_temp = True
nb_merge_streams = True

# -- API reference: every public name documented; a missing docstring is a warning (-W: error)
autodoc_default_options = {"members": True, "undoc-members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections say it
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = {"GL08"}  # GL08: the object does not have a docstring
# these are documented by "#:" comments, which numpydoc does not see
numpydoc_validation_exclude = {r"\._[a-z]", r"\.__[a-z]+__$", r"^hb_eval\..*\.model_config$",
                               r"^hb_eval\.stats\.bootstrap\.THREADS$",
                               r"^hb_eval\.data\.loaders\.common\.LoadContext\.(limits|schemas|ahead)$",
                               r"^hb_eval\.data\.io\.grid\.Raw(Grid|Table)\.texts$"}

html_theme = "pydata_sphinx_theme"
html_title = f"hb_eval {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False


def _skip_imported(app, what, name, obj, skip, options):
    """Document a module's own names only: imported ones are documented where they live."""
    current = app.env.temp_data.get("autodoc:module")
    owner = getattr(obj, "__module__", None)
    if what == "module" and current and isinstance(owner, str) and owner != current:
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_imported)
