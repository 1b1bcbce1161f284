"""Cronbach's alpha: a hand-computed example, pingouin's published example, the alpha table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from hb_eval.outcomes.reliability import alpha_table, cronbach_alpha


def test_hand_computed_alpha_and_feldt_interval():
    wide = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [2, 3, 4, 5]})
    # item variances 5/3, 19/12, 5/3 (sum 59/12); totals 5, 8, 10, 14 have variance 57/4
    # alpha = 3/2 * (1 - (59/12) / (57/4)) = 3/2 * 112/171 = 168/171
    res = cronbach_alpha(wide)
    assert res["alpha"] == pytest.approx(168 / 171, abs=1e-12)
    assert res["n"] == 4 and res["k"] == 3 and res["ci_method"] == "feldt"
    # Feldt: 1 - (1 - alpha) F_{.025 upper}(n-1, (n-1)(k-1)), df = 3, 6
    assert res["ci_low"] == pytest.approx(1 - (3 / 171) * stats.f.isf(0.025, 3, 6))
    assert res["ci_high"] == pytest.approx(1 - (3 / 171) * stats.f.isf(0.975, 3, 6))


def test_matches_pingouin_published_example():
    # pingouin's docstring example, checked there against R psych: 0.5917188485995826 [0.195, 0.84]
    data = pg.read_dataset("cronbach_alpha")
    wide = data.pivot(index="Subj", columns="Items", values="Scores")
    res = cronbach_alpha(wide)
    assert res["alpha"] == pytest.approx(0.5917188485995826, abs=1e-12)
    assert round(res["ci_low"], 3) == 0.195 and round(res["ci_high"], 3) == 0.84


def test_listwise_deletion_and_n():
    wide = pd.DataFrame({"a": [1, 2, 3, 4, np.nan], "b": [2, 3, 3, 5, 1], "c": [2, 3, 4, 5, 1]})
    res = cronbach_alpha(wide)
    assert res["n"] == 4
    assert res["alpha"] == pytest.approx(168 / 171)


def test_too_few_cases_is_nan_not_an_error():
    res = cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert np.isnan(res["alpha"]) and res["n"] == 1


def _items_from_latent(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for wave in ("alku", "loppu"):
        latent = rng.normal(size=n)
        for i in range(n):
            cid = f"0110{i:03d}"
            for j in range(1, 5):
                v = np.clip(np.round(3 + latent[i] + rng.normal(scale=0.5)), 1, 5)
                if j >= 3:  # MH3, MH4 are worded negatively: answers run the other way
                    v = 6 - v
                rows.append((f"{cid}{wave}", cid, "kykyviisari", wave, f"MH{j}", float(v)))
    return pd.DataFrame(rows, columns=["response_id", "client_id", "source", "wave", "item",
                                       "value"])


def test_alpha_table_reverse_codes_before_alpha():
    items = _items_from_latent(60, seed=3)
    tab = alpha_table(items)
    row = tab[(tab.scale == "kykyviisari_mental_wellbeing") & (tab.wave == "alku")].iloc[0]
    assert row.k == 4 and row.n == 60 and row.source == "kykyviisari"
    # by hand: reverse MH3, MH4 (6 - x) and compute alpha on the wide table
    a = items[items.wave == "alku"].pivot(index="response_id", columns="item", values="value")
    a[["MH3", "MH4"]] = 6 - a[["MH3", "MH4"]]
    assert row.alpha == pytest.approx(pg.cronbach_alpha(a)[0], abs=1e-12)
    assert row.alpha > 0.8
    # without reverse coding the same answers look inconsistent
    raw = items[items.wave == "alku"].pivot(index="response_id", columns="item", values="value")
    assert pg.cronbach_alpha(raw)[0] < 0
    assert set(tab.wave.astype(str)) == {"alku", "loppu"}


def test_alpha_table_from_the_codes_equals_the_prepared_answers(demo_dataset, monkeypatch):
    """The lean path (answers made from the items' categorical codes) gives the very table of
    the path through scoring's prepared frame, and leaves the items as they were."""
    from hb_eval.outcomes import reliability

    items, schemas = demo_dataset.items, getattr(demo_dataset, "schemas", None) or None
    before = items.copy()
    lean = []
    real = reliability._lean_coded
    monkeypatch.setattr(reliability, "_lean_coded", lambda *a: lean.append(real(*a)) or lean[-1])
    fast = alpha_table(items, schemas)
    assert len(lean) == 3 and all(x is not None for x in lean)   # every source the lean way
    pd.testing.assert_frame_equal(items, before, check_exact=True)
    monkeypatch.setattr(reliability, "_lean_coded", lambda *a: None)
    slow = alpha_table(items, schemas)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert len(fast) > 20
