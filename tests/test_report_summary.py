"""The summary page on hand-made results: each headline number with its interval and n, the
ICER's interval only where it is meaningful (otherwise the quadrant shares in one sentence), and
one sentence when the cost means and the cost difference come from different samples."""
from __future__ import annotations

import copy
import re

import pytest

from hb_eval.report.html import render_html

RESULTS = {
    "data": {"clients": {"HB": 159, "Verrokki": 184}},
    "costs": {"organiser": {"mean": {"HB": 15824.4, "Verrokki": 12778.2},
                            "n": {"HB": 159, "Verrokki": 184}}},
    "cea": {"organiser": {
        "delta_cost": 2813.3, "delta_cost_ci": [1067.2, 5145.9],
        "delta_effect": 0.12, "delta_effect_ci": [-0.21, 0.43],
        "icer": 23444.2, "icer_ci": None,
        "quadrant_shares": {"NE": 0.751, "SE": 0.02, "SW": 0.004, "NW": 0.226},
        "nmb_at_wtp": -2213.3, "nmb_ci": [-4820.7, 310.9], "wtp": 5000.0,
        "n": {"HB": 113, "Verrokki": 128}}},
}


def _summary(results, lang):
    html = render_html(results, {"primary": "kykyviisari_total", "perspective": "organiser"},
                       lang, template=f"summary_{lang}.html.j2")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    keys = set(re.findall(r'data-key="([^"]+)"', html))
    return text, keys


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_no_icer_interval_gives_the_quadrant_shares(lang):
    text, keys = _summary(RESULTS, lang)
    p = "cea.organiser."
    assert {p + "delta_cost_ci.0", p + "delta_cost_ci.1", p + "delta_effect_ci.0",
            p + "delta_effect_ci.1", p + "nmb_ci.0", p + "nmb_ci.1", p + "n.HB",
            p + "n.Verrokki", "costs.organiser.n.HB", "costs.organiser.n.Verrokki"} <= keys
    assert {p + f"quadrant_shares.{q}" for q in ("NE", "NW", "SE", "SW")} <= keys
    assert p + "icer" not in keys  # a bare ratio without an interval is not given
    if lang == "fi":
        assert "75 % osoitti HB:n kalliimmaksi ja vaikuttavammaksi" in text
        assert "23 % kalliimmaksi mutta ei vaikuttavammaksi" in text
        assert "(95 %:n luottamusväli −4 821 € … 311 €)" in text
        assert "Väli sisältää nollan" in text and "Otokset ovat eri" in text
        assert "n = 159" in text and "113 HB- ja 128 verrokkiasiakasta" in text
    else:
        assert "75% showed HB costlier and more effective" in text
        assert "0% cheaper and not more effective" in text
        assert "(95% confidence interval -€4,821 to €311)" in text
        assert "The interval includes zero" in text and "The samples differ" in text
        assert "(n = 159)" in text and "113 HB and 128 comparison clients" in text


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_icer_with_its_interval_and_one_sample(lang):
    res = copy.deepcopy(RESULTS)
    cea = res["cea"]["organiser"]
    cea.update(delta_effect=0.84, delta_effect_ci=[0.69, 1.03], icer=3354.2,
               icer_ci=[648.1, 5926.4], nmb_at_wtp=1380.0, nmb_ci=[120.0, 3581.0])
    cea["n"] = {"HB": 159, "Verrokki": 184}  # the same clients as the cost means
    text, keys = _summary(res, lang)
    assert {"cea.organiser.icer", "cea.organiser.icer_ci.0", "cea.organiser.icer_ci.1"} <= keys
    assert not any("quadrant_shares" in k for k in keys)
    if lang == "fi":
        assert "(ICER) on 3 354 € (95 %:n luottamusväli 648 € … 5 926 €)" in text
        assert "Otokset ovat eri" not in text and "Väli sisältää nollan" not in text
    else:
        assert "(ICER) is €3,354 (95% confidence interval €648 to €5,926)" in text
        assert "The samples differ" not in text and "The interval includes zero" not in text
