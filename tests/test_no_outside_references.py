"""No tracked file of the repository points to a path outside it (a clone is all a user gets)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# built from parts so that this file does not match itself
_SPEC = "|".join(re.escape(n + ".md") for n in ("DATA", "ANALYSIS", "RUNS"))
PATTERN = re.compile(r"\.\./shared\b|/work/" + "shared|shared/" + r"spec|(?<![\w/])(?:" + _SPEC + ")")


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.decode().split("\0") if p]


def test_the_pattern_finds_what_it_must():
    for bad in ["see ../" + "shared/x.md", "(" + "DATA" + ".md §7)", "/work/" + "shared/x"]:
        assert PATTERN.search(bad), bad
    for fine in ["docs/data_sources.md §7", "a shared machine", "shared fixtures"]:
        assert not PATTERN.search(fine), fine


def test_no_tracked_file_refers_outside_the_repository():
    hits = []
    for path in _tracked():
        if not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files (xlsx, png) hold no references
        for no, line in enumerate(text.splitlines(), 1):
            if PATTERN.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()[:80]}")
    assert not hits, "\n".join(hits)


def test_docs_pages_named_in_docstrings_exist():
    named = set()
    for path in _tracked():
        if path.suffix in (".py", ".yaml", ".md", ".ipynb") and path.is_file():
            named |= set(re.findall(r"docs/[\w.-]+\.md", path.read_text(encoding="utf-8")))
    assert named, "the docstrings point to the docs pages"
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, missing
