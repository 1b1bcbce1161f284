"""EVPI: hand-computed values on a small replicate matrix, identities, population EVPI."""
from __future__ import annotations

import numpy as np
import pytest

from hb_eval.config import AnalysisConfig
from hb_eval.costs.cea import run_cea
from hb_eval.costs.evpi import run_evpi
from hb_eval.stats.evpi import evpi_curve, evpi_nmb, population_factor
from test_cea import frames

# four replicates of (ΔC, ΔE), HB minus Verrokki
REPS = np.array([[100.0, 0.10], [-50.0, -0.05], [200.0, 0.05], [0.0, 0.02]])


def test_hand_computed_evpi_on_small_replicate_matrix():
    # λ = 0:    INB = -100, 50, -200, 0     -> E[max(INB,0)] = 12.5, max(E[INB],0) = 0
    # λ = 1000: INB = 0, 0, -150, 20        -> 5 - max(-32.5, 0) = 5
    # λ = 5000: INB = 400, -200, 50, 100    -> 137.5 - 87.5 = 50
    c = evpi_curve(REPS, [0.0, 1000.0, 5000.0])
    np.testing.assert_allclose(c["evpi"], [12.5, 5.0, 50.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(c["enb_hb"], [-62.5, -32.5, 87.5], atol=1e-12)
    np.testing.assert_allclose(c["p_hb_best"], [0.25, 0.25, 0.75])


def test_evpi_of_strategy_matrix():
    # E[max] = (3 + 4 + 2)/3 = 3, max E = 7/3 -> 2/3
    assert evpi_nmb(np.array([[1.0, 3.0], [4.0, 2.0], [2.0, 2.0]])) == pytest.approx(2 / 3)
    # the incremental form equals the strategy form with any common NMB added to both
    lam = np.array([0.0, 1000.0, 5000.0])
    rng = np.random.default_rng(1)
    common = rng.normal(0, 1e4, size=(len(REPS), 1))
    hb = REPS[:, 1:2] * lam - REPS[:, 0:1] + common
    usual = np.zeros_like(hb) + common
    both = np.stack([hb, usual], axis=-1)                    # B × L × 2
    np.testing.assert_allclose(evpi_nmb(both), evpi_curve(REPS, lam)["evpi"], atol=1e-9)


def test_evpi_nonnegative_and_zero_without_uncertainty():
    rng = np.random.default_rng(3)
    reps = np.column_stack([rng.normal(500, 300, 4000), rng.normal(0.2, 0.15, 4000)])
    c = evpi_curve(reps, np.linspace(0, 20000, 41))
    assert (c["evpi"] >= -1e-9).all()
    certain = np.tile([[500.0, 0.2]], (10, 1))
    assert np.allclose(evpi_curve(certain, [0.0, 2500.0, 10000.0])["evpi"], 0.0)


def test_population_factor_by_hand():
    # 100 clients a year, 3 years, 3 %: 100 (1/1.03 + 1/1.03^2 + 1/1.03^3)
    assert population_factor(100, 3, 0.03) == pytest.approx(282.8611, abs=1e-4)
    assert population_factor(50, 10, 0.0) == 500.0


def test_run_evpi_results_block():
    costs, effects = frames(seed=2)
    cfg = AnalysisConfig(seed=5, bootstrap_reps=400)
    cea = run_cea(costs, effects, cfg)
    r = run_evpi(cea, cfg)
    res = r.to_results()
    assert len(res["evpi"]) == len(cea.ceac) and set(res["evpi"][0]) == {"wtp", "evpi"}
    assert "population_evpi" not in res and "population" in res["population_evpi_note"]
    # the same numbers as the CEA replicates give directly
    lam = cea.ceac["wtp"].to_numpy()
    inb = cea.reps[:, [1]] * lam - cea.reps[:, [0]]
    direct = np.maximum(inb, 0).mean(0) - np.maximum(inb.mean(0), 0)
    np.testing.assert_allclose([e["evpi"] for e in res["evpi"]], direct, rtol=0, atol=1e-8)
    cfg2 = AnalysisConfig(seed=5, bootstrap_reps=400, population=120, horizon_years=5)
    res2 = run_evpi(cea, cfg2).to_results()
    f = population_factor(120, 5, 0.03)
    np.testing.assert_allclose([e["evpi"] for e in res2["population_evpi"]], direct * f, atol=1e-5,
                               rtol=0)
    assert res2["evpi_settings"]["discount_rate"] == 0.03
    assert "largest per-client EVPI" in run_evpi(cea, cfg2).summary()


def test_config_keys_for_population_evpi(tmp_path):
    from hb_eval.config import parse_config
    from hb_eval.errors import ConfigError

    base = {"sources": {"roster": "r.xlsx", "kykyviisari": "k.xlsx"}}
    a = parse_config(base, tmp_path).analysis
    assert (a.population, a.horizon_years, a.discount_rate) == (None, 10, 0.03)
    a = parse_config({**base, "analysis": {"population": 150, "horizon_years": 5,
                                           "discount_rate": 0.035}}, tmp_path).analysis
    assert (a.population, a.horizon_years, a.discount_rate) == (150.0, 5, 0.035)
    for bad in ({"population": 0}, {"horizon_years": 0}, {"discount_rate": 1.5},
                {"population": True}):
        with pytest.raises(ConfigError):
            parse_config({**base, "analysis": bad}, tmp_path)
