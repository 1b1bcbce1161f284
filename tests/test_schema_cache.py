"""load_schemas reads each schema once per call and, on unchanged files, returns a fresh copy
of its last answer: equal to reading every schema anew, never the same objects, and a changed
file is read again."""
from __future__ import annotations

import shutil

from hb_eval.data import schema as S
from hb_eval.support import resources


def test_second_call_equals_fresh_and_shares_nothing():
    fresh = {s: S.load_schema(s) for s in S.SOURCES}
    first, second = S.load_schemas(), S.load_schemas()
    assert first == fresh and second == fresh
    assert all(first[k] is not second[k] for k in fresh)
    second["roster"].columns.clear()  # a caller's change stays its own
    assert S.load_schemas()["roster"] == fresh["roster"]


def test_changed_schema_file_is_read_again(tmp_path):
    src = resources.schema_dir() / "esr.yaml"
    shutil.copy(src, tmp_path / "esr.yaml")
    before = S.load_schemas(tmp_path)["esr"]
    text = (tmp_path / "esr.yaml").read_text(encoding="utf-8")
    (tmp_path / "esr.yaml").write_text(text.replace("[Lomake]", "[Lomake, Lomaketyyppi]"),
                                       encoding="utf-8")
    after = S.load_schemas(tmp_path)["esr"]
    assert after != before and "Lomaketyyppi" in after.columns["form"].aliases
    (tmp_path / "esr.yaml").unlink()  # the shipped one again
    assert S.load_schemas(tmp_path)["esr"] == S.load_schema("esr")
    assert S.load_schemas(tmp_path)["esr"].path == src.resolve()
