"""Every label human: the text a reader sees in the demo report, in both languages and both
audiences, carries no identifier, code or Python float formatting.

The demo evaluation is run once (small bootstrap) and its report written four times. The
visible text is the HTML's text outside ``<code>`` (configuration keys in the settings
appendix, next to their label), ``<script>`` and ``<style>``, and the images' alternative texts
(what a screen reader reads), without other attributes. It fails on

* a snake_case token (``kykyviisari_everyday_life``, ``price_year``, ``diary_rule``);
* a quarantine reason code (``bad_client_id``, ``orphan``);
* in the English report, a Finnish category that has an English label (``nainen``,
  ``julkinen``, ``HB-budjetti``, the waves ``alku``, ``väli``, ``loppu``);
* a Python float repr (``20000.0``) anywhere, and a decimal point (``0.336``) in Finnish.

The technical terms a reader may see as they are written are in :data:`ALLOWED`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from hb_eval.data.quarantine import REASONS
from hb_eval.report.i18n import CATEGORIES, LABELS
from hb_eval.report.run import write_report

pytestmark = pytest.mark.slow

#: Technical terms a reader may see written as they are: the program's name (in the header and
#: footer, with its version).
ALLOWED: frozenset[str] = frozenset({"hb_eval"})

#: Finnish words the demo's categories use that are plain English words too (none yet).
SAME_IN_ENGLISH: frozenset[str] = frozenset()

_SKIP = {"code", "script", "style"}
#: snake_case, except in a file name the user gave (``tyytyvaisyys_hb.xlsx`` is shown as named)
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b(?!\.(?:xlsx|xls|csv|yaml|yml|json)\b)")
#: Python's float repr: no thousands separator (``20000.0``) or every digit of a double
FLOAT_REPR = re.compile(r"(?<![\d.,\u00a0])\d{4,}\.\d+|\d\.\d{6,}")
#: a decimal point in Finnish (0.336, 0.95); a date never starts with 0., a version 0.1.0 is no number
FI_DECIMAL_POINT = re.compile(r"(?<![\d.])0\.\d+(?![.\d])")
WAVES = ("alku", "väli", "loppu")


class _Visible(HTMLParser):
    """The text of an HTML page outside <code>, <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.depth += 1
        elif tag == "img" and not self.depth:  # a screen reader reads the alternative text
            self.parts.extend(v for k, v in attrs if k == "alt" and v)

    def handle_endtag(self, tag):
        if tag in _SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible text, one space between pieces."""
    p = _Visible()
    p.feed(html)
    p.close()
    return re.sub(r"\s+", " ", " ".join(p.parts))


def _finnish_categories() -> list[str]:
    """Finnish category codes whose English label differs (these must not reach English text)."""
    words = [k for k, v in CATEGORIES.items() if v.get("en", k) != k]
    words += [w for w in WAVES if LABELS.get(w, {}).get("en", w) != w]
    return [w for w in words if w not in SAME_IN_ENGLISH]


def offenders(text: str, lang: str) -> dict[str, list[str]]:
    """What in ``text`` is not for a reader: {kind: sorted distinct hits, with context}."""
    def ctx(m: re.Match[str]) -> str:
        return text[max(0, m.start() - 30):m.end() + 30]

    found: dict[str, set[str]] = {}
    for m in SNAKE.finditer(text):
        if m.group(0) not in ALLOWED:
            found.setdefault("snake_case", set()).add(f"{m.group(0)}  «{ctx(m)}»")
    for code in REASONS:
        if "_" in code or code == "orphan":
            for m in re.finditer(rf"\b{re.escape(code)}\b", text):
                found.setdefault("reason code", set()).add(f"{code}  «{ctx(m)}»")
    for m in FLOAT_REPR.finditer(text):
        found.setdefault("float repr", set()).add(f"{m.group(0)}  «{ctx(m)}»")
    if lang == "fi":
        for m in FI_DECIMAL_POINT.finditer(text):
            found.setdefault("decimal point", set()).add(f"«{ctx(m)}»")
    else:
        for word in _finnish_categories():
            for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                found.setdefault("Finnish category", set()).add(f"{word}  «{ctx(m)}»")
    return {k: sorted(v) for k, v in found.items()}


def test_the_checks_catch_what_they_are_for():
    """The detector itself: each kind of raw text is found, plain prose is not."""
    raw = visible_text(
        "<p>kykyviisari_everyday_life, orphan, 20000.0, 0.95, nainen, väli, HB-budjetti</p>"
        "<p><code>analysis.price_year</code> 12.3.2024 tyytyvaisyys_hb.xlsx hb_eval 0.1.0</p>"
        "<script>var a_b = 1.0;</script>")
    fi, en = offenders(raw, "fi"), offenders(raw, "en")
    assert [h.split()[0] for h in fi["snake_case"]] == ["kykyviisari_everyday_life"]
    assert [h.split()[0] for h in fi["reason code"]] == ["orphan"]
    assert [h.split()[0] for h in fi["float repr"]] == ["20000.0"]
    assert len(fi["decimal point"]) == 1 and "Finnish category" not in fi
    assert sorted(h.split()[0] for h in en["Finnish category"]) == ["HB-budjetti", "nainen",
                                                                  "väli"]
    assert "decimal point" not in en
    clean = visible_text("<p>Kustannus 15&nbsp;824,0 € (0,95; 12.3.2024), HB-asiakkaat</p>")
    assert offenders(clean, "fi") == {}


@pytest.fixture(scope="module")
def report_dirs(demo_evaluation, tmp_path_factory):
    """The session's demo evaluation written in both languages for both audiences."""
    tmp = tmp_path_factory.mktemp("visible_text")
    ev = demo_evaluation
    out = {}
    for lang in ("fi", "en"):
        for audience in ("internal", "public"):
            write_report(ev, tmp / f"{lang}_{audience}", lang, audience)
            out[lang, audience] = tmp / f"{lang}_{audience}"
    return out


@pytest.fixture(scope="module")
def reports(report_dirs):
    """(language, audience) -> the text of report.html."""
    return {k: (d / "report.html").read_text(encoding="utf-8") for k, d in report_dirs.items()}


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("audience", ["internal", "public"])
def test_visible_text_has_no_code_or_raw_number(reports, lang, audience):
    text = visible_text(reports[lang, audience])
    assert len(text) > 5000  # the whole report, not an empty page
    assert offenders(text, lang) == {}


def test_configuration_keys_only_as_code_beside_their_label(reports):
    """The settings appendix: each key as <code>, after its human label."""
    for (lang, _), html in reports.items():
        cells = re.findall(r"<td>([^<]+) <code>([^<]+)</code></td>", html)
        assert len(cells) > 10, lang
        assert all(label.strip() and label.strip() != key for label, key in cells)


#: English codes of the data model that reach a table cell unless labelled (file status,
#: cluster level, diary role, perspective); none may be a whole cell of a Finnish report.
ENGLISH_CODES = frozenset({"read", "refused", "unread", "worker", "pilot", "client",
                           "assistant", "organiser", "societal"})


def _cells(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", html)]


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_finnish_report_cells_have_no_english_code(reports, audience):
    """The files table's status (``read``) and the effects table's cluster (``worker``) were
    English in the Finnish report."""
    cells = _cells(reports["fi", audience])
    assert len(cells) > 500
    assert sorted({c for c in cells if c in ENGLISH_CODES}) == []
    # the English report shows the same cells in English
    assert {"read", "worker"} <= set(_cells(reports["en", audience]))


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_workbook_sheet_names_and_cells_in_the_language(report_dirs, lang):
    """Every sheet of tables.xlsx has a name in the report's language (none is a table's code
    name such as ``budget_followup``), and no Finnish cell is an English code."""
    import openpyxl

    wb = openpyxl.load_workbook(report_dirs[lang, "internal"] / "tables.xlsx", read_only=True)
    csvs = sorted(p.stem for p in (report_dirs[lang, "internal"] / "tables").glob("*.csv"))
    names = wb.sheetnames
    assert len(names) == len(csvs) + 1  # the contents sheet first
    assert not [n for n in names if SNAKE.search(n) or n in csvs]
    for name in csvs:
        label = LABELS.get(f"sheet_{name}", {})
        assert set(label) == {"fi", "en"}, f"sheet_{name} has no label in both languages"
    if lang == "fi":
        found = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                found |= {v for v in row if isinstance(v, str) and v in ENGLISH_CODES}
        assert found == set()
