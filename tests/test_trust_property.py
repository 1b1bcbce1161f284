"""Issue 8, item 1: personal identity codes seeded in random places of random demo files and of
the configuration never reach any output byte of ``validate`` or a public report.

Places: a file name (and so the configuration's sources), a sheet name, a header, a data cell,
a title row above the header, the configuration's ``name``. Spellings: official, en dash,
no sign, lower-case check character, glued to letters. Every file of the output folder is read
(xlsx unzipped, SVG and PNG as text), plus validate's stdout/stderr and the quarantine file.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hb_eval.cli import main

from test_trust_faults import texts_of

_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}
PLACES = ("file_name", "sheet_name", "header", "cell", "title", "config_name")


@st.composite
def codes(draw):
    """A valid code in one of the spellings a person types, and a pattern finding it."""
    d = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)))
    n = draw(st.integers(2, 899))
    body = f"{d.day:02d}{d.month:02d}{d.year % 100:02d}"
    check = _CHECK[int(body + f"{n:03d}") % 31]
    sign = draw(st.sampled_from(_SIGNS[d.year // 100 * 100]))
    spelling = draw(st.sampled_from(("official", "en_dash", "no_sign", "lower", "glued")))
    if spelling == "en_dash" and sign == "-":
        sign = "\u2013"
    if spelling == "no_sign":
        sign = ""
    code = f"{body}{sign}{n:03d}{check.lower() if spelling == 'lower' else check}"
    if spelling == "glued":
        code = f"x{code}abc"
    found = re.compile(body + r"\W{0,3}\w?\W{0,3}" + f"{n:03d}{check}", re.IGNORECASE)
    return code, found


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from hb_eval.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "data", n_clients=60).parent


def _header_row(ws) -> int:
    for r in range(1, 12):
        if sum(c.value is not None for c in ws[r]) >= 3:
            return r
    return 1


def _seed_xlsx(path: Path, place: str, code: str, pick: int) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    h = _header_row(ws)
    if place == "sheet_name":
        ws.title = f"{ws.title[:10]} {code}"
    elif place == "header":
        col = ws.max_column + 1
        ws.cell(h, col, f"Huom {code}")
        ws.cell(min(h + 1 + pick % 5, ws.max_row), col, code)
    elif place == "cell":
        r = h + 1 + pick % max(1, ws.max_row - h)
        ws.cell(r, 1 + pick % ws.max_column, code)
    elif place == "title":
        ws.cell(max(1, h - 1), 1, f"Otsikko {code}")
    wb.save(path)


def _seed_csv(path: Path, place: str, code: str, pick: int) -> None:
    raw = path.read_bytes()
    enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "cp1252"
    try:
        lines = raw.decode(enc).split("\r\n" if b"\r\n" in raw else "\n")
    except UnicodeDecodeError:
        enc = "utf-8"
        lines = raw.decode(enc).split("\n")
    sep = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    if place in ("header", "sheet_name", "title"):
        lines[0] = lines[0] + sep + f"Huom {code}"
    else:
        i = 1 + pick % max(1, len([ln for ln in lines if ln]) - 1)
        fields = lines[i].split(sep)
        fields[pick % len(fields)] = code
        lines[i] = sep.join(fields)
    path.write_bytes(("\r\n" if b"\r\n" in raw else "\n").join(lines).encode(
        "utf-8" if enc == "utf-8-sig" else enc, errors="replace")
        if enc != "utf-8-sig" else b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))


def seed(root: Path, place: str, code: str, pick: int) -> None:
    cfg = root / "evaluation.yaml"
    if place == "config_name":
        text = cfg.read_text(encoding="utf-8")
        cfg.write_text(re.sub(r"^name: .*$", f"name: Arvio {code}", text, flags=re.M),
                       encoding="utf-8")
        return
    files = sorted(p for p in root.rglob("*") if p.suffix in (".xlsx", ".csv"))
    target = files[pick % len(files)]
    if place == "file_name":
        new = target.with_name(f"{target.stem}_{code}{target.suffix}")
        target.rename(new)
        text = cfg.read_text(encoding="utf-8")  # an explicitly listed file: list the new name
        cfg.write_text(text.replace(target.name, new.name), encoding="utf-8")
    elif target.suffix == ".xlsx":
        _seed_xlsx(target, place, code, pick)
    else:
        _seed_csv(target, place, code, pick)


def run_cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue() + "\n" + err.getvalue()


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seeds=st.lists(st.tuples(st.sampled_from(PLACES), codes(), st.integers(0, 10_000)),
                      min_size=1, max_size=4))
def test_seeded_codes_never_reach_an_output(demo, seeds):
    work = Path(tempfile.mkdtemp(prefix="hb-trust-"))
    try:
        root = work / "data"
        shutil.copytree(demo, root)
        for place, (code, _), pick in seeds:
            seed(root, place, code, pick)
        out = work / "out"
        out.mkdir()
        texts = []
        rc, text = run_cli("validate", str(root / "evaluation.yaml"), "--json",
                           "--allow-refused", "--quarantine-out", str(out / "q.csv"))
        texts.append(text)
        rc, text = run_cli("report", str(root / "evaluation.yaml"), "--out",
                           str(out / "report"), "--audience", "public", "--reps", "20",
                           "--quiet")
        texts.append(text)
        assert rc in (0, 1, 2)  # written (some analyses may fail on the damage) or one line
        everything = "\n".join(texts + list(texts_of(out).values()))
        for place, (code, found), _ in seeds:
            hit = found.search(everything)
            assert hit is None, (place, code, everything[max(0, hit.start() - 80):hit.end()])
    finally:
        shutil.rmtree(work, ignore_errors=True)
