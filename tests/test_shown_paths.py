"""privacy.shown_paths equals shown_path path by path (links, loops, outside, missing files)."""
from __future__ import annotations

import os

import pytest

from hb_eval import privacy

HETU = "131052-308T"


@pytest.fixture()
def tree(tmp_path):
    base, out = tmp_path / "config", tmp_path / "elsewhere"
    (base / "sub").mkdir(parents=True)
    out.mkdir()
    for f in (base / "a.xlsx", base / "sub" / "b.xlsx", out / "c.xlsx",
              base / f"diary {HETU}.xlsx"):
        f.write_bytes(b"x")
    links = {base / "link_in.xlsx": base / "sub" / "b.xlsx",
             base / "link_out.xlsx": out / "c.xlsx",
             base / "dangling.xlsx": base / "nowhere.xlsx",
             base / "loop1": base / "loop2", base / "loop2": base / "loop1",
             base / "linkdir": out, base / "sub" / "up": base,
             tmp_path / "config_link": base}
    for link, target in links.items():
        os.symlink(target, link)
    paths = [base / "a.xlsx", base / "sub" / "b.xlsx", base / "link_in.xlsx",
             base / "link_out.xlsx", base / "dangling.xlsx", base / "loop1",
             base / "linkdir" / "c.xlsx", base / "sub" / "up" / "a.xlsx",
             base / "sub" / ".." / "a.xlsx", base / "missing" / "m.xlsx", out / "c.xlsx",
             base / f"diary {HETU}.xlsx", base, base / ".", base / "sub" / "..",
             tmp_path / "config_link" / "sub" / "b.xlsx", "relative.xlsx"]
    return tmp_path, base, paths


def test_shown_paths_equals_shown_path_one_by_one(tree, monkeypatch):
    tmp, base, paths = tree
    monkeypatch.chdir(base)
    for base_dir in (base, tmp / "config_link", base / "sub", None):
        privacy.reset_placeholders()
        one = [privacy.shown_path(p, base_dir) for p in paths]
        privacy.reset_placeholders()
        assert privacy.shown_paths(paths, base_dir) == one
    privacy.reset_placeholders()
    shown = dict(zip(map(str, paths), privacy.shown_paths(paths, base)))
    assert shown[str(base / "link_out.xlsx")] == "link_out.xlsx"  # inside as written
    assert shown[str(base / "link_in.xlsx")] == "sub/b.xlsx"  # inside after resolving
    assert shown[str(tmp / "elsewhere" / "c.xlsx")] == "[outside]/c.xlsx"
    assert shown[str(base / f"diary {HETU}.xlsx")] == "diary [hetu-1].xlsx"
