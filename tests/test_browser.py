"""The demo report in a real browser: headless Chromium at 1,400 px and at phone width (400 px).

Rendered twice: Finnish for the evaluation team and English for the public. At both widths:
no broken image and no console error; the summary starts on the first screen. At 400 px: no
horizontal overflow, every figure shows its phone rendition and its text is at least 11 CSS
pixels. In print (print media emulated at the width of an A4 page): every table fits its page
whole (wide tables on a landscape page), every figure is kept with its caption.

Screenshots for a person to look at are kept in ``reports/out/browser/`` (not in git): the
first screen at each width and every figure at 400 px. Without Chromium (Debian: ``apt-get
install chromium``; elsewhere set ``HB_EVAL_CHROMIUM``) the tests are skipped with that reason.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_probe import Browser, find_chromium
from hb_eval.config import load_config
from hb_eval.report import figures as F
from hb_eval.report.run import FIGURES, run_report

pytestmark = pytest.mark.slow

CHROMIUM = find_chromium()
SHOTS = Path(__file__).resolve().parents[1] / "reports" / "out" / "browser"
WIDE, PHONE = (1400, 900), (400, 800)
#: CSS pixels of an A4 page's text width in portrait and landscape (the @page margins).
A4_PORTRAIT, A4_LANDSCAPE = 702, 1032
MIN_TEXT_PX = 11.0

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found (Debian: apt-get install chromium; or set "
                             "HB_EVAL_CHROMIUM): the browser test did not run")


@pytest.fixture(scope="module", params=[("fi", "internal"), ("en", "public")],
            ids=["fi-internal", "en-public"])
def seen(request, demo_dir, demo_dataset, tmp_path_factory):
    """Render the demo report and look at it at both widths and in print."""
    if CHROMIUM is None:
        pytest.skip("no Chromium found (Debian: apt-get install chromium; or set "
                    "HB_EVAL_CHROMIUM): the browser test did not run")
    lang, audience = request.param
    tmp = tmp_path_factory.mktemp(f"browser_{lang}")
    cfg = load_config(demo_dir / "evaluation.yaml").with_overrides(
        bootstrap_reps=200, language=lang, audience=audience)
    html = run_report(cfg, tmp / "out", progress=False, dataset=demo_dataset)
    shots = SHOTS / f"{lang}_{audience}"
    if shots.exists():
        shutil.rmtree(shots)
    out = {"lang": lang}
    with Browser(CHROMIUM, tmp / "profile") as b:
        for w, h in (WIDE, PHONE):
            out[w] = b.look(html, w, h, shots / f"first_screen_{w}.png")
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
