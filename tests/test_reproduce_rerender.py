"""Issue 21 item 7: ``reproduce`` re-renders and compares everything it re-creates, and tells a
difference of environment from a difference of results.

Before: a report.html whose headline was edited, or a tables.xlsx with a doubled number, passed
``reproduce`` (exit 0) once its SHA-256 in manifest.json was rewritten; a different PyYAML patch
version made ``reproduce`` fail although every number was identical. Each case here is a forged
copy of one report of the small hand-made evaluation (``loader_fixtures``).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest

import loader_fixtures as F
from hb_eval.cli import main

pytestmark = pytest.mark.slow


def _report(root: Path, **versions: str) -> Path:
    """A report of the small evaluation; ``versions`` pretend the run had these package
    versions (another environment)."""
    import hb_eval.evaluation as E
    import hb_eval.report.manifest as M
    from hb_eval.support.versions import package_versions

    cfg = F.write_evaluation(root / "ev")
    out = root / "out"
    real = (E.package_versions, M.package_versions)
    fake = lambda *a: {**package_versions(*a), **versions}  # noqa: E731
    E.package_versions = M.package_versions = fake
    try:
        assert main(["report", str(cfg), "--out", str(out), "--reps", "20", "--quiet"]) == 0
    finally:
        E.package_versions, M.package_versions = real
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return _report(tmp_path_factory.mktemp("rerender"))


@pytest.fixture(scope="module")
def other_env_run(tmp_path_factory) -> Path:
    """The same evaluation run where PyYAML was 6.0.2 and matplotlib 3.9.0."""
    return _report(tmp_path_factory.mktemp("rerender_env"), PyYAML="6.0.2",
                   matplotlib="3.9.0")


def _forge(out: Path, dest: Path, rel: str, edit) -> Path:
    """A copy of ``out`` with ``rel`` edited and its SHA-256 in manifest.json rewritten, so
    that the folder check passes and only the re-run can tell."""
    shutil.copytree(out, dest)
    edit(dest / rel)
    m = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    m["outputs"][rel] = hashlib.sha256((dest / rel).read_bytes()).hexdigest()
    if rel == "results.json":
        m["results_sha256"] = m["outputs"][rel]
    (dest / "manifest.json").write_text(json.dumps(m, indent=2, sort_keys=True,
                                                   ensure_ascii=False), encoding="utf-8")
    return dest


#: configuration and inputs -> the folder of their first re-run (see :func:`_reproduce`)
_RERUNS: dict[str, Path] = {}


def _rerun_once(real):
    """``run_report`` for ``reproduce``: the first re-run of a configuration and its inputs is
    real and kept; a later one is a copy of it. Every folder here is (a forged copy of) a run of
    the same files with the same settings, so each re-run would write the same bytes (the
    untouched folder's test shows the real re-run equal to the original)."""
    def run_report(config, out_dir, *args, **kwargs):
        base = Path(config.base_dir)
        files = sorted((str(f.relative_to(base)), hashlib.sha256(f.read_bytes()).hexdigest())
                       for f in base.rglob("*") if f.is_file())
        key = hashlib.sha256(repr((files, repr(config).replace(str(base), "<base>")))
                             .encode()).hexdigest()
        if key not in _RERUNS:
            kept = Path(tempfile.mkdtemp(prefix="hb-rerun-")) / "out"
            real(config, kept, *args, **kwargs)
            _RERUNS[key] = kept
        shutil.copytree(_RERUNS[key], out_dir)
        return Path(out_dir) / "report.html"
    return run_report


@pytest.fixture(scope="module", autouse=True)
def _forget_reruns():
    yield
    for kept in _RERUNS.values():
        shutil.rmtree(kept.parent, ignore_errors=True)
    _RERUNS.clear()


def _reproduce(folder: Path, capsys, inputs: Path | None = None) -> tuple[int, str]:
    import hb_eval.report.run as R

    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "run_report", _rerun_once(R.run_report))
        rc = main(["reproduce", str(folder)] + (["--inputs", str(inputs)] if inputs else []))
    return rc, capsys.readouterr().out


def _edit_headline(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    # the headline grade of the HB clients: 9,0 -> 9,5 (the visible text only)
    assert html.count('data-key="satisfaction.grade.mean_HB" data-value="9.0" data-kind="num" '
                      'data-digits="1">9,0</span>') == 1
    path.write_text(html.replace('data-digits="1">9,0</span>', 'data-digits="1">9,5</span>', 1),
                    encoding="utf-8")


def _double_a_number(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[1:]:  # past the contents sheet
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) \
                        and c.value:
                    c.value = 2 * c.value
                    wb.save(path)
                    return
    raise AssertionError("no number in the workbook")


def test_the_untouched_folder_is_reproduced_in_full(run, capsys):
    rc, text = _reproduce(run, capsys)
    assert rc == 0, text
    assert "results.json matches: byte-identical" in text
    assert "report.html, tables.xlsx and figures match" in text
    assert "environment differs" not in text


def test_an_edited_headline_fails_even_with_its_hash_rewritten(run, tmp_path, capsys):
    forged = _forge(run, tmp_path / "forged", "report.html", _edit_headline)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 1, text
    assert "results.json matches: byte-identical" in text  # the numbers are still right ...
    assert "report.html, tables.xlsx or figures differ: report.html: line" in text  # ... the page is not
    assert "9,5" in text and "9,0" in text


def test_a_doubled_number_in_the_workbook_fails_even_with_its_hash_rewritten(run, tmp_path,
                                                                           capsys):
    forged = _forge(run, tmp_path / "forged", "tables.xlsx", _double_a_number)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 1, text
    assert "tables.xlsx: sheet" in text and "value differs" in text


def test_a_redrawn_figure_fails_in_the_same_environment(run, tmp_path, capsys):
    def redraw(p: Path) -> None:
        p.write_bytes(p.read_bytes().replace(b"</svg>", b"<!-- x --></svg>"))

    forged = _forge(run, tmp_path / "forged", "figures/ceac.svg", redraw)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 1 and "figures/ceac.svg: other bytes (same environment)" in text, text


def test_another_environment_is_a_difference_of_environment_not_of_results(other_env_run,
                                                                           capsys):
    rc, text = _reproduce(other_env_run, capsys)
    assert rc == 0, text
    assert "results.json matches: every value the same; only the package versions" in text
    assert "environment differs (a difference of environment, not of results): " \
           "PyYAML 6.0.2 (recorded) -> " in text
    assert "matplotlib 3.9.0 (recorded)" in text


def test_another_environment_explains_pixels_not_numbers(other_env_run, tmp_path, capsys):
    run = other_env_run
    # another matplotlib draws other bytes from the same numbers: reported, still reproduced
    def redraw(p: Path) -> None:
        p.write_bytes(p.read_bytes().replace(b"</svg>", b"<!-- x --></svg>"))

    forged = _forge(other_env_run, tmp_path / "pixels", "figures/ceac.svg", redraw)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 0 and "figures/: 1 file(s) drawn differently" in text, text
    # ... but a doubled number is a difference of results in any environment
    forged = _forge(other_env_run, tmp_path / "number", "tables.xlsx", _double_a_number)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 1 and "value differs" in text and "environment differs" in text, text
    forged = _forge(other_env_run, tmp_path / "headline", "report.html", _edit_headline)
    rc, text = _reproduce(forged, capsys, inputs=run.parent / "ev")
    assert rc == 1 and "report.html: line" in text, text
