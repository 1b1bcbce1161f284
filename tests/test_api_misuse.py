"""The public API refuses misuse with a message that says what to do instead.

Each case was found by trying the library as a new notebook user would: before, they returned
empty frames, NaN intervals, a crash inside scipy or a bare ``KeyError``.
"""
from __future__ import annotations

import numpy as np
import pytest

from hb_eval import costs, outcomes
from hb_eval.outcomes import scores as scoring
from hb_eval.stats import effect_sizes
from hb_eval.support.checks import check_confidence
from hb_eval.errors import HbEvalError, OutcomeError


@pytest.fixture(scope="module")
def scores(demo_dataset):
    return scoring.score_all(demo_dataset)


@pytest.fixture(scope="module")
def cf(scores, demo_dataset):
    return scoring.change_frame(scores, demo_dataset.clients, "kykyviisari_total")


# -- outcomes ---------------------------------------------------------------------------------
def test_misspelt_outcome_lists_the_outcomes(scores, demo_dataset):
    with pytest.raises(ValueError) as err:
        scoring.change_frame(scores, demo_dataset.clients, "kykyviisari_totl")
    msg = str(err.value)
    assert "kykyviisari_totl" in msg
    for o in ("kykyviisari_total", "kykyviisari_skills", "osallisuus"):
        assert o in msg
    assert isinstance(err.value, OutcomeError) and isinstance(err.value, HbEvalError)
    with pytest.raises(ValueError, match="kykyviisari_total"):
        scoring.long_frame(scores, demo_dataset.clients, "kykyviisari_totl")


def test_outcome_without_baseline_says_so(scores, demo_dataset):
    no_base = scores[~((scores["outcome"] == "osallisuus") & (scores["wave"] == "alku"))]
    with pytest.raises(ValueError, match=r"'osallisuus' has no scores at wave\(s\) alku "
                                         r"\(it has loppu\)"):
        scoring.change_frame(no_base, demo_dataset.clients, "osallisuus")
    no_end = scores[~((scores["outcome"] == "osallisuus") & (scores["wave"] == "loppu"))]
    with pytest.raises(ValueError, match=r"no scores at wave\(s\) loppu"):
        scoring.change_frame(no_end, demo_dataset.clients, "osallisuus")
    # attrition frames need only the baseline
    part = scoring.change_frame(no_end, demo_dataset.clients, "osallisuus", complete=False)
    assert len(part) > 0 and part["end"].isna().all()
    # the outcome analysis keeps its per-estimator notes instead of raising
    empty = scoring.change_frame(no_end, demo_dataset.clients, "osallisuus", check_waves=False)
    assert len(empty) == 0


def test_swapped_scores_and_clients_name_the_maker(scores, demo_dataset):
    with pytest.raises(ValueError, match=r"scores lacks column\(s\) wave, outcome, score, "
                                         r"harmonised; .*score_all"):
        scoring.change_frame(demo_dataset.clients, scores, "kykyviisari_total")


# -- confidence -------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda cf: effect_sizes.within_arm(cf, confidence=95),
    lambda cf: outcomes.did_2x2(cf, confidence=95, wild_reps=0),
    lambda cf: outcomes.did_adjusted(cf, confidence=95),
    lambda cf: outcomes.ancova(cf, confidence=95),
    lambda cf: effect_sizes.d_ppc2(cf, confidence=95),
], ids=["within_arm", "did_2x2", "did_adjusted", "ancova", "d_ppc2"])
def test_confidence_95_suggests_0_95(cf, call):
    with pytest.raises(ValueError, match=r"confidence must be between 0 and 1.*not 95; "
                                         r"did you mean 0\.95\?"):
        call(cf)


@pytest.mark.parametrize("bad", [0, 1, 1.0, -0.5, 100, 250, float("nan"), "0.95", True])
def test_confidence_out_of_range(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_confidence(bad)


def test_confidence_hint_only_for_percentages():
    with pytest.raises(ValueError) as err:
        check_confidence(250)
    assert "did you mean" not in str(err.value)
    with pytest.raises(ValueError, match="did you mean 0.9"):
        check_confidence(90)
    assert check_confidence(np.float64(0.9)) == 0.9


def test_valid_confidence_changes_the_interval(cf):
    w90 = effect_sizes.within_arm(cf, confidence=0.90).set_index(["arm", "method"])
    w95 = effect_sizes.within_arm(cf, confidence=0.95).set_index(["arm", "method"])
    key = ("HB", "mean_change")
    assert w90.loc[key, "estimate"] == w95.loc[key, "estimate"]
    assert (w95.loc[key, "ci_high"] - w95.loc[key, "ci_low"]) > \
        (w90.loc[key, "ci_high"] - w90.loc[key, "ci_low"])


# -- frames of the wrong kind -----------------------------------------------------------------
@pytest.mark.parametrize("fn", [outcomes.did_2x2, outcomes.did_panel_fe, outcomes.did_adjusted,
                                outcomes.dr_did, outcomes.ancova],
                         ids=lambda f: f.__name__)
def test_clients_table_instead_of_change_frame(demo_dataset, fn):
    with pytest.raises(ValueError) as err:
        fn(demo_dataset.clients)
    msg = str(err.value)
    assert f"{fn.__name__}: frame lacks column(s) baseline, end" in msg
    assert "hb_eval.outcomes.scores.change_frame(scores, ds.clients, outcome)" in msg


def test_mixed_did_wants_a_long_frame(cf):
    with pytest.raises(ValueError, match=r"mixed_did: long lacks column\(s\) wave, score; "
                                         r".*long_frame"):
        outcomes.mixed_did(cf)


def test_within_arm_names_the_change_frame(demo_dataset):
    with pytest.raises(ValueError, match=r"baseline.*end.*change_frame"):
        effect_sizes.within_arm(demo_dataset.clients)


def test_run_cea_with_swapped_arguments(cf, demo_dataset):
    c = costs.client_costs(demo_dataset)
    with pytest.raises(ValueError, match=r"run_cea: costs lacks column\(s\) total; pass a frame "
                                         r"made by hb_eval\.costs\.client_costs"):
        costs.run_cea(cf, c, B=50)
    with pytest.raises(ValueError, match=r"run_cea: effects lacks column\(s\) baseline, end, "
                                         r"change; .*change_frame"):
        costs.run_cea(c, c, B=50)
    with pytest.raises(ValueError, match=r"level must be between 0 and 1.*0\.95"):
        costs.run_cea(c, cf, B=50, level=95)
    with pytest.raises(TypeError, match="Evaluation"):
        costs.run_cea(42)


def test_public_names_are_exported():
    import hb_eval

    assert {"load", "evaluate"} <= set(hb_eval.__all__)
    for mod, names in ((scoring, {"score_all", "change_frame", "long_frame"}),
                       (effect_sizes, {"within_arm", "d_ppc2", "reliable_change"}),
                       (outcomes, {"did_2x2", "dr_did", "ancova", "mixed_did",
                                   "analyse_outcomes"}),
                       (costs, {"client_costs", "run_cea"})):
        assert names <= set(mod.__all__), mod.__name__
        for n in mod.__all__:
            assert callable(getattr(mod, n)) or n.isupper(), (mod.__name__, n)
