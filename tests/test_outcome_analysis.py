"""analyse_outcomes: the results block of docs/outputs.md, consistency with the estimators, Holm,
seeds, and what happens when an outcome or an arm is missing."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hb_eval.config import AnalysisConfig
from hb_eval.outcomes.analysis import PRIMARY, SECONDARY, analyse_outcomes
from hb_eval.support.threads import one_blas_thread

RUNS_KEYS = {
    "n": {"HB", "Verrokki"},
    "did": {"estimate", "se", "df", "ci_low", "ci_high", "p", "n_clusters", "wild_p"},
    "did_adjusted": {"estimate", "se", "ci_low", "ci_high", "p"},
    "dr_did": {"estimate", "se", "ci_low", "ci_high", "p"},
    "ancova": {"estimate", "se", "ci_low", "ci_high", "p"},
    "mixed": {"estimate", "se", "ci_low", "ci_high", "p"},
    "d_ppc2": {"estimate", "ci_low", "ci_high"},
}
WITHIN_KEYS = {"mean_baseline", "mean_end", "mean_change", "ci_low", "ci_high", "d_z",
               "d_z_ci_low", "d_z_ci_high", "g_av"}


@pytest.fixture(scope="module")
def truth():
    from hb_eval.demo import simulate
    return simulate(seed=7, outcomes_only=True)


@pytest.fixture(scope="module")
def scores(truth):
    from hb_eval.outcomes.scores import score_items
    return score_items(truth.items)


@pytest.fixture(scope="module")
def result(truth, scores):
    return analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=11), items=truth.items,
                            wild_reps=199)


def test_results_block_has_every_runs_key_and_is_plain_json(result):
    res = result.to_results()
    assert set(res) == {PRIMARY, *SECONDARY}
    for outcome, block in res.items():
        for key, sub in RUNS_KEYS.items():
            assert sub <= set(block[key]), (outcome, key)
        for arm in ("HB", "Verrokki"):
            assert WITHIN_KEYS <= set(block["within"][arm])
            assert {"improved", "unchanged", "deteriorated"} <= set(
                block["reliable_change"][arm])
        assert "alpha_baseline" in block
    text = json.dumps(res, allow_nan=False)          # NaN would raise
    assert json.loads(text) == res
    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        else:
            assert x is None or type(x) in (int, float, str, bool), type(x)
    walk(res)


def test_blocks_equal_the_estimators_on_the_change_frame(result, truth, scores):
    from hb_eval.outcomes.did import did_2x2
    from hb_eval.outcomes.scores import change_frame
    cf = change_frame(scores, truth.clients, PRIMARY)
    d = did_2x2(cf, wild_reps=0).iloc[0]
    block = result.to_results()[PRIMARY]
    assert block["did"]["estimate"] == pytest.approx(d["estimate"], abs=1e-12)
    assert block["did"]["se"] == pytest.approx(d["se"], abs=1e-12)
    m = cf.groupby("arm", observed=True)["change"].mean()
    assert block["did"]["estimate"] == pytest.approx(m["HB"] - m["Verrokki"], abs=1e-12)
    assert block["n"] == {"HB": int((cf["arm"] == "HB").sum()),
                          "Verrokki": int((cf["arm"] == "Verrokki").sum())}
    assert block["within"]["HB"]["mean_change"] == pytest.approx(m["HB"], abs=1e-12)
    # alpha at baseline comes from the reliability module, on the baseline wave
    assert 0 < block["alpha_baseline"] < 1


def test_holm_across_secondary_outcomes(result):
    from statsmodels.stats.multitest import multipletests
    est = result.to_frame()
    for name in ("did", "dr_did"):
        sec = est[(est["estimator"] == name) & (est["outcome"] != PRIMARY)]
        assert len(sec) == len(SECONDARY)
        np.testing.assert_allclose(sec["holm_p"], multipletests(sec["p"], method="holm")[1])
        prim = est[(est["estimator"] == name) & (est["outcome"] == PRIMARY)]
        assert prim["holm_p"].iloc[0] == prim["p"].iloc[0]


def test_same_seed_same_numbers_and_forest(truth, scores, result):
    again = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=11), items=truth.items,
                             wild_reps=199)
    pd.testing.assert_frame_equal(result.to_frame(), again.to_frame())
    forest = result.forest_frame()
    assert set(forest["by"]) == {"pilot", "client_group"}
    assert {"label", "estimate", "ci_low", "ci_high", "n_HB", "n_Verrokki", "se_type"} <= set(
        forest.columns)
    assert set(result.interactions["by"]) == {"pilot", "client_group"}
    assert isinstance(result.summary(), pd.DataFrame)


def test_cluster_by_pilot(truth, scores):
    res = analyse_outcomes(scores, truth.clients, AnalysisConfig(cluster="pilot"),
                           outcomes=[PRIMARY], wild_reps=99, mixed=False, heterogeneity=False)
    row = res.to_frame().set_index("estimator").loc["did"]
    assert row["n_clusters"] == 6 and row["cluster"] == "pilot"
    assert row["wild_weights"] == "webb"            # fewer than 12 clusters


def test_missing_outcome_and_arm_are_reported_not_hidden(truth, scores):
    res = analyse_outcomes(scores[scores["outcome"] != "osallisuus"], truth.clients,
                           AnalysisConfig(), outcomes=[PRIMARY, "osallisuus"], wild_reps=0,
                           mixed=False, heterogeneity=False)
    assert "osallisuus" not in res.to_results()
    assert any("no scores" in s for s in res.notes["osallisuus"])
    # one arm only: rows with NaN and a note, no exception
    hb_only = truth.clients[truth.clients["arm"] == "HB"]
    sc = scores[scores["client_id"].isin(hb_only["client_id"])]
    res2 = analyse_outcomes(sc, hb_only, AnalysisConfig(), outcomes=[PRIMARY], wild_reps=0,
                            mixed=False, heterogeneity=False)
    row = res2.to_frame().iloc[0]
    assert np.isnan(row["estimate"]) and "both arms" in row["note"]
    assert res2.to_results()[PRIMARY]["did"]["estimate"] is None


def test_reliability_from_config_when_no_items(truth, scores):
    res = analyse_outcomes(scores, truth.clients, replace(AnalysisConfig(), reliability=0.8),
                           outcomes=[PRIMARY], wild_reps=0, mixed=False, heterogeneity=False)
    rc = res.reliable_change
    assert (rc["reliability"] == 0.8).all()
    assert res.to_results()[PRIMARY]["alpha_baseline"] is None


def test_end_to_end_on_the_demo_files(demo_dataset):
    from hb_eval.outcomes.scores import score_all
    ds = demo_dataset
    res = analyse_outcomes(score_all(ds), ds.clients, ds.config.analysis, items=ds.items,
                           wild_reps=99)
    block = res.to_results()[PRIMARY]
    assert block["did"]["n_clusters"] >= 20
    assert block["did"]["ci_low"] < block["did"]["estimate"] < block["did"]["ci_high"]
    assert not res.notes[PRIMARY]


def test_same_numbers_whatever_the_number_of_workers(truth, scores, result):
    """Each outcome's estimators in forked processes (two workers) give the very numbers, notes
    and subgroup rows of one process: every outcome has its own seed."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("processes cannot be forked here")
    outcomes = [PRIMARY, "osallisuus", SECONDARY[0]]
    one = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=11), outcomes=outcomes,
                           items=truth.items, wild_reps=199, mixed=False, workers=1)
    two = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=11), outcomes=outcomes,
                           items=truth.items, wild_reps=199, mixed=False, workers=2)
    pd.testing.assert_frame_equal(one.to_frame(), two.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(one.forest_frame(), two.forest_frame(), check_exact=True)
    pd.testing.assert_frame_equal(one.interactions, two.interactions, check_exact=True)
    assert one.notes == two.notes and one.to_results() == two.to_results()
    # and the same rows as the full analysis (seeds go by the outcome's place in the list)
    full = result.to_frame()
    assert np.array_equal(full.loc[full["outcome"] == PRIMARY, "estimate"].to_numpy()[:4],
                          one.to_frame().loc[lambda d: d["outcome"] == PRIMARY,
                                             "estimate"].to_numpy()[:4])


def test_the_mixed_model_fitted_in_a_worker_is_the_one_fitted_here(truth, scores):
    """statsmodels' MixedLM (the mixed model below 1,500 clients), which the default now fits
    in forked workers from 100 clients, gives the very numbers in a worker."""
    import multiprocessing

    from hb_eval.outcomes import analysis

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("processes cannot be forked here")
    kw = dict(outcomes=[PRIMARY, "osallisuus"], wild_reps=0, heterogeneity=False)
    with one_blas_thread():  # (as evaluate() runs the analyses)
        one = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=5), workers=1, **kw)
        two = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=5), workers=2, **kw)
    rows = one.to_frame()
    assert (rows["estimator"] == "mixed").sum() == 2 and rows["estimate"].notna().all()
    pd.testing.assert_frame_equal(rows, two.to_frame(), check_exact=True)
    assert one.to_results() == two.to_results()
    n = len(truth.clients)
    assert 100 <= n <= 1500
    if analysis.fork_workers() >= 2:  # (two usable cores: the default forks at this size)
        assert analysis._workers(None, 2, n) == 2


def _die(k: int) -> None:
    """A worker's task that kills its process (module level: the pool pickles it by name)."""
    import os

    os._exit(1)


def test_a_dead_worker_costs_time_not_numbers(truth, scores, monkeypatch):
    """A worker that dies (killed, out of memory) breaks the pool: its outcomes are estimated in
    this process, with the same seeds, so the numbers are those of one process."""
    import multiprocessing

    from hb_eval.outcomes import analysis

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("processes cannot be forked here")
    kw = dict(outcomes=[PRIMARY, "osallisuus"], wild_reps=99, mixed=False, heterogeneity=False)
    one = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=3), workers=1, **kw)
    monkeypatch.setattr(analysis, "_estimate_outcome", _die)
    dead = analyse_outcomes(scores, truth.clients, AnalysisConfig(seed=3), workers=2, **kw)
    pd.testing.assert_frame_equal(one.to_frame(), dead.to_frame(), check_exact=True)
