"""The documentation cannot drift from the code, and the site needs no network.

* docs/outputs.md, docs/api.md and the reference list of docs/methods.md are what the code
  writes (``make generated``);
* every key of the demo's results.json, every table and every figure of its report is in the
  registry docs/outputs.md is written from, and every key the registry promises is still there;
* the API page has every public module; methods.md has a section for every analysis the
  pipeline runs and cites only works of the reference list;
* the site loads no script or style sheet from the network (MathJax is shipped with the build).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hb_eval.pipeline import STAGES
from hb_eval.report import run
from hb_eval.report.docs_pages import api_markdown, generated_pages, public_modules
from hb_eval.report.references import REFERENCES
from hb_eval.report.results_json import to_jsonable
from hb_eval.report.results_keys import (CONDITIONAL, FIGURES, TABLES, documented,
                                         full_patterns, undocumented, unused_patterns)
from hb_eval.report.table_specs import make_tables

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# -- generated pages ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["outputs.md", "api.md", "methods.md"])
def test_generated_page_is_current(name):
    pages = {p.name: text for p, text in generated_pages(DOCS).items()}
    assert (DOCS / name).read_text(encoding="utf-8") == pages[name], (
        f"docs/{name} is out of date: run `make generated`")


def test_configuration_page_is_current():
    from hb_eval.config import reference_markdown

    assert (DOCS / "configuration.md").read_text(encoding="utf-8") == reference_markdown()


# -- the registry of results.json keys ------------------------------------------------------------
def test_registry_matcher():
    """The matcher sees what it must, so that the demo test below can fail."""
    assert documented("outcomes.kykyviisari_total.did.p")
    assert documented("outcomes.osallisuus.within.Verrokki.d_z_ci_low")
    assert documented("cea.societal.ceac[].wtp")
    assert documented("manifest.config.analysis.seed")  # a free-form block
    assert not documented("outcomes.kykyviisari_total.did.new_key")
    assert not documented("cea.organiser.ceac[].new_key")
    assert not documented("brand_new_block")
    assert undocumented({"plan": {"outcome": "x", "new": 1},
                         "cea": {"organiser": {"evpi": [{"wtp": 0, "evpi": 1, "x": 2}]}}}) == [
        "cea.organiser.evpi[].x", "plan.new"]
    assert set(CONDITIONAL) <= set(full_patterns())


@pytest.fixture(scope="module")
def demo_results(demo_evaluation):
    return to_jsonable(demo_evaluation.results)


@pytest.mark.slow
def test_every_results_key_of_the_demo_is_documented(demo_results):
    assert undocumented(demo_results) == [], (
        "results.json keys missing from hb_eval.report.results_keys (then `make generated`)")


@pytest.mark.slow
def test_every_documented_key_is_in_the_demo(demo_results):
    """A key the registry promises and results.json no longer has is a stale promise (the
    conditional ones appear only in some runs)."""
    assert sorted(set(unused_patterns(demo_results)) - CONDITIONAL) == []


@pytest.mark.slow
def test_every_table_and_figure_of_the_demo_is_documented(demo_evaluation):
    names = set(make_tables(demo_evaluation.tables, "en"))
    assert len(names) >= 30
    assert sorted(names - set(TABLES)) == []
    assert sorted(set(TABLES) - names) == []  # no table documented that the report lost
    assert set(FIGURES) == set(run.FIGURES)
    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    for name in list(names) + list(run.FIGURES):
        assert f"| `{name}` |" in text, name


# -- API page and methods -------------------------------------------------------------------------
def test_api_page_lists_every_public_module_and_evaluation():
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M))
    missing = sorted(set(public_modules()) - listed)
    assert missing == [], missing
    assert len(listed) > 100
    from hb_eval import evaluation

    assert "Evaluation" in evaluation.__all__ and "hb_eval.evaluation" in listed
    assert text == api_markdown()


#: Each analysis the pipeline runs -> a heading of docs/methods.md that describes it.
METHOD_SECTIONS = {
    "outcomes": "## Outcome estimators", "comparability": "## Comparability and missing data",
    "imputation": "## Comparability and missing data", "satisfaction": "### Satisfaction",
    "esr": "### Satisfaction", "services": "## Costs", "costs": "## Costs",
    "cea": "## Cost-effectiveness", "sensitivity": "## Cost-effectiveness",
    "confounding": "## Robustness to unmeasured confounding",
    "plan": "## Planning the next phase", "budget": "## Budget follow-up",
    "providers": "## Provider mix",
}


def test_methods_cover_every_analysis():
    text = (DOCS / "methods.md").read_text(encoding="utf-8")
    names = [s.name for s in STAGES]
    assert sorted(set(names) - set(METHOD_SECTIONS)) == [], "a new analysis needs its methods"
    for name in names:
        assert METHOD_SECTIONS[name] in text, name
    for heading in ("## Value of information", "## Cost neutrality"):
        assert heading in text
    # the conventions the code has (issue 21): EVPI discounted from year 1; DRDID trimming
    assert r"\sum_{t=1}^{T}" in text and "year 1 is\ndiscounted once" in text
    assert "0.995" in text and "dr_did_trim: clip" in text
    assert "winsorised: no client is dropped" not in text


def test_methods_cite_only_listed_references():
    """Every 'Author (year)' in methods.md names a work of the reference list (by its first
    author and year), and every listed work is cited in the text or the list."""
    text = (DOCS / "methods.md").read_text(encoding="utf-8")
    body = text[:text.index("## References")]
    known = {(r.authors.split(",")[0].strip(), r.year) for r in REFERENCES}
    cited = set()
    for m in re.finditer(r"\b(1[89]\d\d|20[0-3]\d)\b", body):
        year = int(m.group(1))
        before = body[max(0, m.start() - 60):m.start()]
        if not re.search(r"[A-Z][\w'’]+[^.\n]{0,40}[ (]$", before):
            continue  # a number, not a citation
        hit = [(a, y) for a, y in known if y == year and a in before]
        assert hit, f"uncited reference near {before!r} {year}"
        cited.update(hit)
    assert len(cited) >= 20


# -- no network -----------------------------------------------------------------------------------
class _External(HTMLParser):
    """<script src> and <link href> pointing at the network."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        url = a.get("src") if tag == "script" else a.get("href") if tag == "link" else None
        if url and re.match(r"(?i)(https?:)?//", url):
            self.found.append(f"<{tag}> {url}")


def external_resources(html: str) -> list[str]:
    p = _External()
    p.feed(html)
    return p.found


def test_external_resource_detector():
    assert external_resources('<script src="https://cdn.x/mathjax.js"></script>'
                              '<link rel="stylesheet" href="//fonts.x/css">'
                              '<script src="_static/a.js"></script><a href="https://x">x</a>'
                              ) == ["<script> https://cdn.x/mathjax.js", "<link> //fonts.x/css"]


def test_site_config_ships_mathjax():
    """conf.py loads MathJax from the build's _static, and the package that ships it is there."""
    sphinx_mathjax_offline = pytest.importorskip("sphinx-mathjax-offline")
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert '"sphinx-mathjax-offline"' in conf
    assert re.search(r'^mathjax_path = "mathjax/tex-chtml\.js"$', conf, flags=re.M)
    js = Path(sphinx_mathjax_offline.__file__).parent / "static" / "mathjax" / "tex-chtml.js"
    assert js.stat().st_size > 100_000


def test_theme_templates_load_nothing_from_the_network():
    """The pydata theme's own templates name no external script or style sheet."""
    theme = pytest.importorskip("pydata_sphinx_theme")
    root = Path(theme.__file__).parent / "theme"
    found = []
    for path in root.rglob("*.html"):
        found += [f"{path.name}: {x}" for x in external_resources(
            path.read_text(encoding="utf-8", errors="replace"))]
    assert found == []


def _site_of_make_docs() -> Path | None:
    """docs/_build/html when ``make docs`` built it after the last change to any file it is
    built from (docs/, notebooks/, src/): ``.ci/run`` builds it just before ``make test``."""
    out = DOCS / "_build" / "html"
    stamp = out / ".buildinfo"
    if not (stamp.is_file() and (out / "index.html").is_file()):
        return None
    built = stamp.stat().st_mtime
    sources = [p for folder in (DOCS, ROOT / "notebooks", ROOT / "src")
               for p in folder.rglob("*") if p.is_file()
               and not {"_build", "_notebooks", "__pycache__"} & set(p.relative_to(ROOT).parts)]
    return out if max(p.stat().st_mtime for p in sources) < built else None


@pytest.mark.slow
def test_built_site_loads_nothing_from_the_network(tmp_path):
    """The site (the one ``make docs`` built, if no source changed since; else built here with
    the notebooks not executed): no <script src> or <link href> on the network in any page;
    the formulas' MathJax is in _static."""
    sphinx_cmd = pytest.importorskip("sphinx.cmd.build")
    pytest.importorskip("myst_nb")
    out = _site_of_make_docs()
    if out is None:
        out = tmp_path / "html"
        rc = sphinx_cmd.build_main(["-b", "html", "-W", "--keep-going", "-q", "-D",
                                    "nb_execution_mode=off", "-d", str(tmp_path / "doctrees"),
                                    str(DOCS), str(out)])
        assert rc == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    found = {p.name: external_resources(p.read_text(encoding="utf-8")) for p in pages}
    assert {k: v for k, v in found.items() if v} == {}
    methods = (out / "methods.html").read_text(encoding="utf-8")
    assert 'src="_static/mathjax/tex-chtml.js' in methods
    assert (out / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (out / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
