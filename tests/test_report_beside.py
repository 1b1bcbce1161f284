"""What the other report process makes beside the figures (report.html with its figures put
in afterwards, manifest.json's inputs, the inputs' check) leaves every output as one process
makes it, and every identity code gated: codes planted where that work moved, on one process
and on two."""
from __future__ import annotations

import copy
import dataclasses
import json
import os

import pandas as pd
import pytest

from hb_eval import privacy
from hb_eval.errors import InputChangedError
from hb_eval.report import page as P
from hb_eval.report import run as R

CODE_A, CODE_B, CODE_C, CODE_D = "131052-308T", "010190-123M", "311299-999E", "150565-123E"


def _outputs(out) -> dict[str, bytes]:
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
             if p.is_file()}
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("created")  # the only difference between two runs
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def _render(ev, tmp_path, monkeypatch, audience: str = "internal"
            ) -> dict[int, dict[str, bytes]]:
    import hb_eval.report.figure_jobs as FJ

    got, marked = {}, []
    real = P.with_figures
    monkeypatch.setattr(R, "with_figures", lambda *a: marked.append(1) or real(*a))
    for workers in (1, 2):
        monkeypatch.setattr(FJ, "default_workers", lambda w=workers: w)
        privacy.reset_placeholders()
        marked.clear()
        out = ev.write_report(tmp_path / str(workers), audience=audience, progress=False).parent
        got[workers] = _outputs(out)
        got[workers]["marked"] = b"1" if marked else b""
    for name, data in got[2].items():  # nothing leaves with a code in it
        assert not privacy.contains_hetu(data.decode("utf-8", "replace")), name
    return got


def _with_codes(demo_evaluation, page_code: bool):
    ev = copy.copy(demo_evaluation)  # the session's evaluation is shared: copies
    # a table's code is numbered before the figures, a figure's (its labels and alt text)
    # after them; a failed analysis's reason and a file's name only in the page and manifest
    table = ev.tables["unit_costs"].copy()
    table.iloc[0, 0] = f"rivi {CODE_A}"
    ev.tables = {**ev.tables, "unit_costs": table}
    ev.figure_data = {"forest_pilot": {"df": pd.DataFrame({
        "label": [f"Pori {CODE_B}", "overall"], "estimate": [1.0, 0.5],
        "ci_low": [0.2, 0.1], "ci_high": [1.8, 0.9]})}}
    if page_code:
        ev.sections = {**ev.sections, "satisfaction": dataclasses.replace(
            ev.sections["satisfaction"], status="failed", reason=f"virhe {CODE_C}")}
        ev.dataset = copy.copy(ev.dataset)
        files = ev.dataset.files.copy()
        files.loc[0, "path"] = f"{CODE_D}.xlsx"
        ev.dataset.files = files
    return ev


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_page_made_beside_the_figures_is_the_page_of_one_process(
        demo_evaluation, tmp_path, monkeypatch, audience):
    got = _render(_with_codes(demo_evaluation, False), tmp_path, monkeypatch, audience)
    assert got[2].pop("marked") == b"1"  # the other process made the page
    assert got[1].pop("marked") == b""
    assert got[2] == got[1]  # public: the manifest's inputs redacted there as here
    if audience == "internal":  # where both planted texts are shown
        html = got[1]["report.html"].decode()
        assert "rivi [hetu-1]" in html and "Pori [hetu-2]" in html  # the figure's alt text


def test_a_code_new_in_the_page_or_manifest_sends_them_back_to_one_process(
        demo_evaluation, tmp_path, monkeypatch):
    got = _render(_with_codes(demo_evaluation, True), tmp_path, monkeypatch)
    assert got[2].pop("marked") == got[1].pop("marked") == b""
    assert got[2] == got[1]
    assert "virhe [hetu-4]" in got[1]["report.html"].decode()
    assert b"[hetu-3].xlsx" in got[1]["manifest.json"]  # inputs before the page


def test_with_figures_gates_the_images_as_the_whole_page_does():
    """The marked page gated (its own codes numbered already, as the other process requires),
    then the images put in: the whole page gated, to the byte."""
    from hb_eval.report.html import headline_img

    figs = {name: {"img": f'<img class="fig" id="fig-{name}" alt="{name} {CODE_A}" '
                          f'src="data:image/png;base64,AAAA">', "caption": name, "alt": name}
            for name in P.marked_figures("fi")}
    marks = P.marked_figures("fi")
    head = "estimator_comparison"

    def page(img, headline):
        return (f"<p>{CODE_B}\n</p>{headline}" + "".join(f"<div>{img(n)}</div>\n" for n in figs)
                + f"<p>12\u00a0345 {CODE_C}</p>")

    def known():  # the page's own codes, numbered before (from the tables)
        privacy.reset_placeholders()
        privacy.gate(f"{CODE_B} {CODE_C}")

    known()
    marked = R.gate_html(page(lambda n: marks[n]["img"], marks[head]["headline"]))
    assert privacy.placeholders_numbered() == 2
    made = P.with_figures(marked, figs)
    known()
    whole = R.gate_html(page(lambda n: figs[n]["img"], headline_img(head, figs[head])))
    assert made == whole
    assert CODE_A not in made and made.count("[hetu-3]") == len(figs) + 1


def test_an_input_changed_after_the_check_beside_the_figures_fails_the_run(tmp_path):
    from hb_eval.data.io.snapshot import read_input
    from hb_eval.report.unchanged import confirm, hashed

    class Data:
        def __init__(self, reads):
            self.inputs_read = reads

        def check_inputs_unchanged(self):
            from hb_eval.data.io.snapshot import check_unchanged
            check_unchanged(self.inputs_read)

    f = tmp_path / "roster.csv"
    f.write_bytes(b"a;b\n1;2\n")
    ds = Data([read_input(f, file="roster.csv")[1]])
    noted = hashed(ds)
    confirm(ds, noted)  # unchanged
    f.write_bytes(b"a;b\n1;3\n")  # same size, after the hash
    st = f.stat()  # in a later tick even where the kernel's timestamps are coarse
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(InputChangedError, match="file roster.csv: the file changed"):
        confirm(ds, noted)
    with pytest.raises(InputChangedError, match="file roster.csv: the file changed"):
        confirm(ds, hashed(ds))  # met while hashing: raised here, as its own error
