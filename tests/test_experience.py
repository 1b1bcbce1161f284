"""Client experience: hand-worked satisfaction comparisons and ESR transitions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from hb_eval.errors import HbEvalError
from hb_eval.outcomes.experience import (
    analyse_experience,
    grade,
    hb_only_items,
    rank_biserial,
    satisfaction_distribution,
    satisfaction_items,
    satisfaction_scale,
    scale_scores,
    work_transition_summary,
    work_transitions,
)

NAN = np.nan


def _frame() -> pd.DataFrame:
    """3 HB and 4 Verrokki respondents. C1 hand-worked below; Verrokki row 4 answered
    don't-know (NaN) on C1."""
    c1 = [4, 5, 5, 1, 2, 4, NAN]
    rows = {
        "client_id": [f"01101{i:02d}" for i in range(7)],
        "version": ["HB"] * 3 + ["Verrokki"] * 4,
        "C1": c1,
    }
    rng = np.random.default_rng(1)
    for i in range(2, 9):
        rows[f"C{i}"] = rng.integers(1, 6, 7).astype(float)
    # respondent 6 answered only 3 items: no scale score
    for i in range(4, 9):
        rows[f"C{i}"][6] = NAN
    rows["H1"] = [5, 4, 2, NAN, NAN, NAN, NAN]
    rows["H2"] = [3, NAN, 4, NAN, NAN, NAN, NAN]
    rows["H3"] = [NAN, NAN, 5, NAN, NAN, NAN, NAN]  # two HB clients had no assistant
    rows["H4"] = [5, 5, 5, NAN, NAN, NAN, NAN]
    rows["grade"] = [9, 8, 10, 6, 7, 8, 7]
    return pd.DataFrame(rows)


def _wilson_hand(k, n, conf=0.95):
    z = stats.norm.ppf(0.5 + conf / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_c1_hand_worked():
    t = satisfaction_items(_frame()).set_index("item")
    r = t.loc["C1"]
    # don't-know excluded from the denominator
    assert (r["n_HB"], r["n_Verrokki"]) == (3, 3)
    assert (r["agree_HB"], r["agree_Verrokki"]) == (3, 1)
    assert r["share_agree_HB"] == 1.0
    assert r["share_agree_Verrokki"] == pytest.approx(1 / 3)
    lo, hi = _wilson_hand(1, 3)
    assert r["share_agree_Verrokki_ci_low"] == pytest.approx(lo)
    assert r["share_agree_Verrokki_ci_high"] == pytest.approx(hi)
    lo1, hi1 = _wilson_hand(3, 3)
    assert r["share_agree_HB_ci_low"] == pytest.approx(lo1)
    assert r["share_agree_HB_ci_high"] == pytest.approx(1.0)
    # Newcombe hybrid score interval from the Wilson limits (Newcombe 1998, method 10)
    d = 1 - 1 / 3
    assert r["diff_share"] == pytest.approx(d)
    assert r["diff_ci_low"] == pytest.approx(d - np.sqrt((1 - lo1) ** 2 + (hi - 1 / 3) ** 2))
    assert r["diff_ci_high"] == pytest.approx(d + np.sqrt((1 - hi1) ** 2 + (1 / 3 - lo) ** 2))
    # HB (4,5,5) vs Verrokki (1,2,4): 8 wins, 1 tie of 9 pairs -> U_HB = 8.5, r = 8/9
    assert r["U"] == 8.5
    assert r["rank_biserial"] == pytest.approx(8 / 9)
    assert r["mann_whitney_p"] == pytest.approx(
        stats.mannwhitneyu([4, 5, 5], [1, 2, 4], alternative="two-sided").pvalue)
    assert r["ci_method"] == "wilson" and r["diff_ci_method"] == "newcombe"


def test_rank_biserial_matches_pingouin_and_sign():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 23).astype(float)
    y = rng.integers(2, 6, 17).astype(float)
    u, p, r = rank_biserial(x, y)
    ref = pg.mwu(x, y, alternative="two-sided")
    assert r == pytest.approx(float(ref["RBC"].iloc[0]))
    assert u == pytest.approx(float(ref["U_val"].iloc[0]))
    assert p == pytest.approx(float(ref["p_val"].iloc[0]))
    # independent definition: P(x > y) - P(x < y) over all pairs
    diff = x[:, None] - y[None, :]
    assert r == pytest.approx((diff > 0).mean() - (diff < 0).mean())
    assert rank_biserial(y, x)[2] == pytest.approx(-r)


def test_swapping_arms_flips_signs():
    f = _frame()
    g = f.assign(version=f["version"].map({"HB": "Verrokki", "Verrokki": "HB"}))
    a = satisfaction_items(f).set_index("item")
    b = satisfaction_items(g).set_index("item")
    np.testing.assert_allclose(a["rank_biserial"], -b["rank_biserial"])
    np.testing.assert_allclose(a["diff_share"], -b["diff_share"])
    np.testing.assert_allclose(a["mann_whitney_p"], b["mann_whitney_p"])


def test_scale_rule_and_row():
    f = _frame()
    s = scale_scores(f)
    assert np.isnan(s.iloc[6])  # only 3 of 8 answered
    assert s.iloc[0] == pytest.approx(f.loc[0, [f"C{i}" for i in range(1, 9)]].mean())
    row = satisfaction_scale(f).iloc[0]
    assert row["item"] == "scale"
    assert (row["n_HB"], row["n_Verrokki"]) == (3, 3)
    assert row["agree_HB"] == int((s.iloc[:3] >= 4).sum())
    assert row["mean_Verrokki"] == pytest.approx(s.iloc[3:6].mean())
    t = satisfaction_items(f)
    assert list(t["item"]) == [f"C{i}" for i in range(1, 9)] + ["scale"]


def test_distribution_counts():
    d = satisfaction_distribution(_frame(), items=["C1"])
    hb = d[d["arm"] == "HB"].set_index("answer")
    ve = d[d["arm"] == "Verrokki"].set_index("answer")
    assert list(hb["n"]) == [0, 0, 0, 1, 2]
    assert list(ve["n"]) == [1, 1, 0, 1, 0]
    assert ve["n_no_answer"].iloc[0] == 1 and ve["n_answered"].iloc[0] == 3
    assert hb["share"].sum() == pytest.approx(1.0)


def test_grade_against_scipy_welch():
    g = grade(_frame()).iloc[0]
    hb, ve = np.array([9, 8, 10.0]), np.array([6, 7, 8, 7.0])
    assert g["mean_HB"] == pytest.approx(9.0) and g["mean_Verrokki"] == pytest.approx(7.0)
    ci = stats.ttest_ind(hb, ve, equal_var=False).confidence_interval(0.95)
    assert g["diff_ci_low"] == pytest.approx(ci.low)
    assert g["diff_ci_high"] == pytest.approx(ci.high)
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)  # HB sd = 1
    assert g["mean_HB_ci_low"] == pytest.approx(9 - half)


def test_hb_only_h3_blank_is_no_assistant():
    h = hb_only_items(_frame()).set_index("item")
    assert h.loc["H3", "n"] == 1
    assert h.loc["H3", "n_no_assistant"] == 2
    assert h.loc["H3", "n_missing"] == 0
    assert h.loc["H2", "n_missing"] == 1
    assert h.loc["H1", "agree"] == 2 and h.loc["H1", "share_agree"] == pytest.approx(2 / 3)
    assert h.loc["H4", "n_5"] == 3


def test_out_of_scale_and_bad_arm_raise():
    f = _frame()
    f.loc[0, "C2"] = 7
    with pytest.raises(HbEvalError, match="C2"):
        satisfaction_items(f)
    g = _frame()
    g.loc[0, "version"] = "hb"
    with pytest.raises(HbEvalError, match="HB or Verrokki"):
        satisfaction_items(g)


def _esr():
    return pd.DataFrame({
        "client_id": ["a", "a", "b", "b", "c", "c", "d", "e", "e", "e"],
        "form": ["aloitus", "päättö"] * 3 + ["aloitus", "aloitus", "aloitus", "päättö"],
        "date": pd.to_datetime(["2018-01-01", "2018-12-01"] * 3
                               + ["2018-01-01", "2018-01-01", "2018-02-01", "2018-12-01"]),
        "labour_status": ["työtön", "työllinen",          # a: into work
                          "opiskelija", "opiskelija",     # b: already studying
                          "pitkäaikaistyötön", "työtön",  # c: not into work or study
                          "työtön",                       # d: start only
                          "työvoiman ulkopuolella", "työtön", "opiskelija"],  # e: 2 starts
    })


def test_work_transitions_hand_made():
    t = work_transitions(_esr())
    assert len(t) == 25
    cell = t.set_index(["start_status", "end_status"])["n"]
    assert cell[("työtön", "työllinen")] == 1
    assert cell[("opiskelija", "opiskelija")] == 1
    assert cell[("pitkäaikaistyötön", "työtön")] == 1
    # e keeps the earliest aloitus (työvoiman ulkopuolella)
    assert cell[("työvoiman ulkopuolella", "opiskelija")] == 1
    assert t["n"].sum() == 4
    s = work_transition_summary(_esr()).iloc[0]
    assert s["n_paired"] == 4 and s["n_start_only"] == 1 and s["n_extra_forms"] == 1
    assert s["n_not_in_work_or_study_at_start"] == 3
    assert s["n_into_work_or_study"] == 2
    assert s["share_into_work_or_study"] == pytest.approx(2 / 3)


def test_work_transitions_keeps_only_hb_when_clients_given():
    clients = pd.DataFrame({"client_id": list("abcde"),
                            "arm": ["HB", "HB", "Verrokki", "HB", "HB"]})
    s = work_transition_summary(_esr(), clients).iloc[0]
    assert s["n_not_hb"] == 1 and s["n_paired"] == 3


def test_results_block_shape():
    res = analyse_experience(_frame(), esr=_esr())
    out = res.to_results()
    assert set(out["items"]) == {f"C{i}" for i in range(1, 9)}
    assert set(out["items"]["C1"]) == {"n_HB", "n_Verrokki", "share_agree_HB",
                                       "share_agree_Verrokki", "mann_whitney_p", "rank_biserial"}
    assert out["items"]["C1"]["n_HB"] == 3 and isinstance(out["items"]["C1"]["n_HB"], int)
    assert out["grade"]["mean_HB"] == pytest.approx(9.0)
    assert out["transitions"]["n_into_work_or_study"] == 2
    assert "C1" in set(res.summary()["item"])
    assert "grade" in set(res.to_frame()["item"])


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_answer = st.one_of(st.none(), st.integers(1, 5))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["HB", "Verrokki"]), _answer), min_size=1,
                max_size=40))
def test_distribution_loses_no_respondent(rows):
    f = pd.DataFrame({"version": [r[0] for r in rows],
                      "C1": [np.nan if r[1] is None else float(r[1]) for r in rows]})
    d = satisfaction_distribution(f, items=["C1"])
    for arm in ("HB", "Verrokki"):
        da = d[d["arm"] == arm]
        n_rows = sum(r[0] == arm for r in rows)
        assert da["n"].sum() + da["n_no_answer"].iloc[0] == n_rows
        assert da["n"].sum() == da["n_answered"].iloc[0]
    t = satisfaction_items(f, items=["C1"], include_scale=False).iloc[0]
    assert t["n_HB"] + t["n_Verrokki"] == sum(r[1] is not None for r in rows)
    assert t["agree_HB"] == sum(r[0] == "HB" and r[1] is not None and r[1] >= 4 for r in rows)


def test_demo_planted_hb_satisfaction_shift_is_seen():
    """The demo plants a +0.25 shift of HB clients' answers: every item's rank-biserial r and
    the grade difference come out positive."""
    from hb_eval.demo import simulate

    tr = simulate(seed=20190331)
    res = analyse_experience(tr.satisfaction, tr.esr, tr.clients)
    items = res.items[res.items["item"] != "scale"]
    assert (items["rank_biserial"] > 0).all()
    assert (items["n_HB"] + items["n_Verrokki"] <= len(tr.satisfaction)).all()
    assert res.grade["mean_HB"].iloc[0] > res.grade["mean_Verrokki"].iloc[0]
    s = res.transition_summary.iloc[0]
    assert s["n_paired"] + s["n_start_only"] == tr.esr.loc[
        tr.esr["form"] == "aloitus", "client_id"].nunique()


def test_non_number_error_does_not_quote_the_cell():
    f = _frame()
    f["C3"] = f["C3"].astype(object)
    f.loc[2, "C3"] = "131052-308T"  # shaped like a personal identity code
    with pytest.raises(HbEvalError) as e:
        satisfaction_items(f)
    assert "C3" in str(e.value) and "131052" not in str(e.value)


def test_a_client_answering_twice_is_counted_once():
    f = _frame().assign(date=pd.Timestamp("2018-05-01"))
    dup = f.iloc[[0]].assign(date=pd.Timestamp("2018-06-01"), C1=1.0)
    g = pd.concat([f, dup], ignore_index=True)
    res = analyse_experience(g)
    assert res.n_duplicates == 1 and any("set aside" in n for n in res.notes)
    c1 = res.items.set_index("item").loc["C1"]
    assert c1["n_HB"] == 3 and c1["agree_HB"] == 2  # the later answer (1) replaced the 4
