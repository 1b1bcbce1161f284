"""Fieller's interval: hand-worked example, the defining equation, the limiting case."""
from __future__ import annotations

import math

import pytest

from hb_eval.stats.fieller import fieller_interval


def test_hand_worked_example():
    # ΔC = 1000, ΔE = 2, v_c = 40000, v_e = 0.25, cov = 0, z = 2 (so z² = 4):
    # a = 2² − 4·0.25 = 3; b = 1000·2 − 0 = 2000; c = 1000² − 4·40000 = 840000
    # disc = 2000² − 3·840000 = 1 480 000; limits = (2000 ∓ √1 480 000) / 3
    f = fieller_interval(1000, 2, 40000, 0.25, 0.0, z=2.0)
    r = math.sqrt(1_480_000)
    assert f.kind == "bounded"
    assert f.low == pytest.approx((2000 - r) / 3) and f.high == pytest.approx((2000 + r) / 3)
    assert f.low == pytest.approx(261.1492, abs=1e-3)


def test_limits_solve_the_defining_equation_with_covariance():
    dc, de, vc, ve, c, z = 850.0, 1.6, 52000.0, 0.31, 45.0, 1.959963984540054
    f = fieller_interval(dc, de, vc, ve, c, level=0.95)
    for r in (f.low, f.high):
        assert (dc - r * de) ** 2 == pytest.approx(z * z * (vc - 2 * r * c + r * r * ve))
    assert f.low < dc / de < f.high


def test_limit_no_effect_variance_is_delta_method():
    # v_e -> 0, cov = 0: R ± z √v_c / ΔE
    f = fieller_interval(1000, 2, 40000, 0.0, 0.0, z=1.96)
    assert f.low == pytest.approx(500 - 1.96 * 200 / 2)
    assert f.high == pytest.approx(500 + 1.96 * 200 / 2)


def test_unbounded_when_effect_not_significant():
    f = fieller_interval(1000, 0.5, 40000, 0.25, 0.0, z=1.96)   # ΔE² = .25 < 3.84·.25
    assert f.kind in ("exclusive", "unbounded") and f.to_list() is None
    g = fieller_interval(10, 0.1, 40000, 0.25, 0.0, z=1.96)     # ΔC not significant either
    assert g.kind == "unbounded"
