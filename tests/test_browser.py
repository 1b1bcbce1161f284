"""The demo report in a real browser: headless Chromium at 1,400 px and at phone width (400 px).

Rendered in both languages for both audiences (one evaluation, four reports). At both widths:
no broken image and no console error; the summary starts on the first screen. At 400 px: no
horizontal overflow, every figure shows its phone rendition and its text is at least 11 CSS
pixels. In print (print media emulated at the width of an A4 page): every table fits its page
whole (wide tables on a landscape page), every figure is kept with its caption.

Accessibility (WCAG 2.1 AA): axe-core's WCAG 2.1 A/AA rules run in the page at both widths
with no serious or critical violation (axe-core is installed by ``.ci/run`` with ``npm ci
--prefix .ci/axe``; elsewhere set ``HB_EVAL_AXE_JS``); headings never skip a level, every
header cell has a scope and every table a caption, and each figure's alternative text states
the numbers it shows. report.pdf (``--pdf``): its page count, the contents, the outline, the
page numbers in the footer and the headline numbers in its text (pypdf).

Screenshots for a person to look at are kept in ``reports/out/browser/`` (not in git): the
first screen at each width and every figure at 400 px. Without Chromium (Debian: ``apt-get
install chromium``; elsewhere set ``HB_EVAL_CHROMIUM``) the tests are skipped with that reason.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_probe import Browser, find_axe, find_chromium
from hb_eval.report import figures as F
from hb_eval.report.format import fmt_num
from hb_eval.report.i18n import t
from hb_eval.report.run import FIGURES

pytestmark = pytest.mark.slow

CHROMIUM = find_chromium()
AXE = find_axe()
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "out" / "browser"
WIDE, PHONE = (1400, 900), (400, 800)
#: CSS pixels of an A4 page's text width in portrait and landscape (the @page margins).
A4_PORTRAIT, A4_LANDSCAPE = 702, 1032
MIN_TEXT_PX = 11.0

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found (Debian: apt-get install chromium; or set "
                             "HB_EVAL_CHROMIUM): the browser test did not run")


@pytest.fixture(scope="module")
def demo_ev(request):
    """The session's demo evaluation, for the four reports of this module."""
    if CHROMIUM is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium; or set "
                    "HB_EVAL_CHROMIUM): the browser test did not run")
    return request.getfixturevalue("demo_evaluation")


@pytest.fixture(scope="module", params=[("fi", "internal"), ("en", "public"),
                                        ("fi", "public"), ("en", "internal")],
                ids=["fi-internal", "en-public", "fi-public", "en-internal"])
def seen(request, demo_ev, tmp_path_factory):
    """Render the demo report (and its PDF) and look at it at both widths and in print."""
    lang, audience = request.param
    tmp = tmp_path_factory.mktemp(f"browser_{lang}_{audience}")
    html = demo_ev.write_report(tmp / "out", language=lang, audience=audience, pdf=True)
    shots = SHOTS / f"{lang}_{audience}"
    if shots.exists():
        shutil.rmtree(shots)
    out = {"lang": lang, "audience": audience, "html": html, "axe": {}}
    with Browser(CHROMIUM, tmp / "profile") as b:
        for w, h in (WIDE, PHONE):
            out[w] = b.look(html, w, h, shots / f"first_screen_{w}.png")
            out[w]["structure"] = b.structure()
            if AXE is not None:
                out["axe"][w] = b.axe(AXE)
        for name in FIGURES:  # the page is still at phone width
            b.shoot(f'[data-figure="{name}"]', shots / f"figure_{name}_{PHONE[0]}.png")
        out["print"] = {w: b.print_layout(html, w) for w in (A4_PORTRAIT, A4_LANDSCAPE)}
    return out


@needs_chromium
@pytest.mark.parametrize("width", [WIDE[0], PHONE[0]])
def test_no_broken_image_no_console_error(seen, width):
    r = seen[width]
    assert r["images"] == len(FIGURES) + 1  # and the summary's headline figure
    assert r["broken"] == []
    assert r["errors"] == []


@needs_chromium
@pytest.mark.parametrize("width", [WIDE[0], PHONE[0]])
def test_summary_on_first_screen(seen, width):
    r = seen[width]
    assert r["summary_top"] is not None and r["summary_text_top"] is not None
    # the heading and the first lines of the summary are visible without scrolling
    assert r["summary_text_top"] + 60 < r["height"], r


@needs_chromium
def test_no_horizontal_overflow_at_phone_width(seen):
    r = seen[PHONE[0]]
    assert r["width"] == PHONE[0]
    assert r["overflow"] <= 0, r["offenders"]
    assert r["offenders"] == []


@needs_chromium
def test_figure_text_legible_at_phone_width(seen):
    r = seen[PHONE[0]]
    # every figure shows its phone rendition (the summary's headline figure is one always)
    assert r["phone_renditions"] == r["images"] - 1
    smallest_pt = min(v for k, v in F._PHONE_RC.items() if k.endswith("size"))
    smallest_px = smallest_pt / 72 * F._RC["savefig.dpi"] * r["min_image_scale"]
    assert smallest_px >= MIN_TEXT_PX, smallest_px
    assert seen[WIDE[0]]["phone_renditions"] == 0  # the desktop keeps the full figure


@needs_chromium
def test_print_keeps_tables_whole_and_figures_with_captions(seen):
    portrait, landscape = seen["print"][A4_PORTRAIT], seen["print"][A4_LANDSCAPE]
    assert portrait["tables"] > 10
    # a table too wide for portrait goes on a landscape page and fits there
    assert portrait["cut_tables"] == [] or set(portrait["cut_tables"]) <= set(
        portrait["wide_tables"])
    assert [t for t in landscape["cut_tables"] if t in portrait["wide_tables"]] == []
    assert portrait["figures_split"] == [] and portrait["captions_apart"] == []


# -- accessibility (WCAG 2.1 AA) ------------------------------------------------------------
@needs_chromium
@pytest.mark.parametrize("width", [WIDE[0], PHONE[0]])
def test_axe_wcag21_aa_no_serious_or_critical_violation(seen, width):
    if AXE is None:
        pytest.skip("axe-core not installed (npm ci --prefix .ci/axe, as .ci/run does; or set "
                    "HB_EVAL_AXE_JS to axe.min.js): the WCAG check did not run")
    bad = [v for v in seen["axe"][width] if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


@needs_chromium
def test_structure_headings_in_order_tables_with_headers_and_captions(seen):
    s = seen[WIDE[0]]["structure"]
    assert s["lang"] == seen["lang"]
    levels = [lv for lv, _ in s["headings"]]
    assert levels[0] == 1 and levels.count(1) == 1
    jumps = [(a, b) for a, b in zip(s["headings"], s["headings"][1:]) if b[0] > a[0] + 1]
    assert jumps == []  # no heading skips a level
    assert s["th_without_scope"] == 0
    assert s["tables_without_caption"] == []


@needs_chromium
def test_figure_alt_texts_state_the_numbers(seen):
    """Every figure's alternative text is more than its caption, and the estimator comparison's
    states the primary DiD estimate and interval as results.json has them."""
    import json

    lang = seen["lang"]
    alts = dict(seen[WIDE[0]]["structure"]["alts"])
    assert set(alts) == {f"fig-{n}" for n in FIGURES} | {"headline-estimator_comparison"}
    for name in FIGURES:
        alt = alts[f"fig-{name}"]
        assert len(alt) > len(t("fig_estimators", lang)) + 20, (name, alt)
        assert any(ch.isdigit() for ch in alt), (name, alt)
    res = json.loads((seen["html"].parent / "results.json").read_text(encoding="utf-8"))
    did = res["outcomes"]["kykyviisari_total"]["did"]
    alt = alts["fig-estimator_comparison"]
    for v in (did["estimate"], did["ci_low"], did["ci_high"]):
        assert fmt_num(v, lang, 2) in alt, (v, alt)
    cea = res["cea"]["organiser"]  # the CEAC's probability at the report's λ
    ceac = alts["fig-ceac"]
    assert fmt_num(cea["wtp"], lang, 0) in ceac


# -- report.pdf ---------------------------------------------------------------------------
@needs_chromium
def test_pdf_pages_contents_outline_and_numbers(seen):
    pypdf = pytest.importorskip("pypdf")
    pdf = seen["html"].with_name("report.pdf")
    data = pdf.read_bytes()
    assert b"/CreationDate" not in data  # printed without the time: same HTML, same bytes
    reader = pypdf.PdfReader(pdf)
    n = len(reader.pages)
    assert 15 <= n <= 80, n
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages}
    assert sizes <= {(595, 842), (842, 595)} and (595, 842) in sizes  # A4, wide tables landscape
    lang = seen["lang"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang and root["/MarkInfo"]["/Marked"]  # tagged, in its language
    texts = [p.extract_text() for p in reader.pages]
    for i, text in enumerate(texts, 1):  # the footer: "sivu 3 / 35", "page 3 / 35"
        assert f"{t('pdf_page', lang)} {i} / {n}" in text, (i, text[-200:])
    sections = [t(k, lang) for k in ("sec_summary", "sec_wellbeing", "sec_experience",
                                     "sec_services", "sec_costs", "sec_plan", "sec_appendix")]
    first = reader.pages[0].extract_text(extraction_mode="layout")
    assert t("contents", lang) in first
    import re

    toc = {}  # the contents: each section with its page, and the section starts there
    for s in sections:
        m = re.search(re.escape(s) + r" +(\d+)", first)
        assert m, (s, first[:800])
        toc[s] = int(m.group(1))
        assert s in texts[toc[s] - 1], (s, toc[s])
    assert list(toc.values()) == sorted(toc.values()) and toc[sections[0]] == 1
    outline = [o["/Title"] for o in reader.outline if not isinstance(o, list)]
    flat = [o["/Title"] for o in reader.outline[1] if not isinstance(o, list)] \
        if len(reader.outline) > 1 and isinstance(reader.outline[1], list) else []
    assert all(s in outline + flat for s in sections), (outline, flat)
    import json

    res = json.loads((seen["html"].parent / "results.json").read_text(encoding="utf-8"))
    did = res["outcomes"]["kykyviisari_total"]["did"]
    assert fmt_num(did["estimate"], lang, 2, sign=True) in texts[0]  # the summary's headline
    manifest = json.loads((seen["html"].parent / "manifest.json").read_text(encoding="utf-8"))
    assert "report.pdf" in manifest["outputs"] and manifest["failures"] == []
    assert manifest["pdf"]["pages"] == n and "Chrome" in manifest["pdf"]["printed_with"]
