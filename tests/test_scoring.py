"""Scoring: hand-scored respondents, minimum-items boundaries, harmonisation, pairing."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.errors import HbEvalError
from hb_eval.outcomes.scores import change_frame, long_frame, score_items

NA = np.nan


def _resp(client_id: str, wave: str, answers: dict, source: str = "kykyviisari",
          rid: str | None = None) -> pd.DataFrame:
    rid = rid or f"{source}:{client_id}:{wave}"
    return pd.DataFrame({
        "response_id": rid, "client_id": client_id, "source": source, "wave": wave,
        "item": list(answers), "value": [float(v) for v in answers.values()],
        "missing": [pd.NA if not np.isnan(v) else "not_answered" for v in answers.values()],
    })


# A hand-scored Kykyviisari 2.1 respondent (items 1-5 rescaled by (x-1)/4*10; YH on 0-10 as is).
HAND = {
    "YH1": 7, "YH2": 5, "YH3": NA,            # 2/3 answered: (7 + 5) / 2 = 6.0
    "OS1": 5, "OS2": 3, "OS3": 1,             # 10, 5, 0 -> 5.0
    "MH1": 4, "MH2": 4, "MH3": 2, "MH4": 1,   # MH3, MH4 reversed: 2->4, 1->5; 7.5,7.5,7.5,10 -> 8.125
    "AS1": 2, "AS2": NA, "AS3": NA, "AS4": 3,  # exactly half (2/4): 2.5, 5 -> 3.75
    "TA1": NA, "TA2": NA, "TA3": 5,           # 1/3 < half -> missing
    "FT1": 3, "FT2": 3, "FT3": 4,             # 5, 5, 7.5 -> 17.5/3
    "TT1": NA, "TT2": NA, "TT3": NA,          # missing
    "VA1": 5, "VA2": 4, "VA3": NA,            # 10, 7.5 -> 8.75 (own outcome, not in total)
}
HAND_TOTAL = (6.0 + 5.0 + 8.125 + 3.75 + 17.5 / 3) / 5  # five of seven core domains


def _get(scores, outcome, client="0110101", wave="alku"):
    r = scores[(scores.outcome == outcome) & (scores.client_id == client)
               & (scores.wave == wave)]
    return r


def test_hand_scored_respondent():
    s = score_items(_resp("0110101", "alku", HAND))
    expect = {"kykyviisari_general_wellbeing": (6.0, 2),
              "kykyviisari_participation": (5.0, 3),
              "kykyviisari_mental_wellbeing": (8.125, 4),
              "kykyviisari_everyday_life": (3.75, 2),
              "kykyviisari_physical_functioning": (17.5 / 3, 3),
              "kykyviisari_parenthood": (8.75, 2),
              "kykyviisari_total": (HAND_TOTAL, 14)}
    assert set(s.outcome) == set(expect)  # skills, work_and_future: too few items -> no row
    for outcome, (score, n) in expect.items():
        r = _get(s, outcome)
        assert len(r) == 1
        assert r.score.iloc[0] == pytest.approx(score, abs=1e-12)
        assert r.n_items.iloc[0] == n
    assert _get(s, "kykyviisari_total").n_domains.iloc[0] == 5
    assert not s.harmonised.any()


def test_four_of_seven_domains_gives_no_total():
    a = dict(HAND, FT1=NA, FT2=NA, FT3=NA)
    s = score_items(_resp("0110101", "alku", a))
    assert "kykyviisari_total" not in set(s.outcome)
    assert "kykyviisari_mental_wellbeing" in set(s.outcome)


def test_one_of_four_items_is_below_half():
    a = dict(HAND, AS4=NA)  # 1 of 4 answered
    s = score_items(_resp("0110101", "alku", a))
    assert "kykyviisari_everyday_life" not in set(s.outcome)
    # now only 4 core domains remain -> no total either
    assert "kykyviisari_total" not in set(s.outcome)


def test_reverse_coding_extremes():
    a = {f"MH{i}": v for i, v in zip(range(1, 5), (5, 5, 1, 1))}  # best answers everywhere
    s = score_items(_resp("0110101", "alku", a))
    assert _get(s, "kykyviisari_mental_wellbeing").score.iloc[0] == 10.0
    a = {f"MH{i}": v for i, v in zip(range(1, 5), (1, 1, 5, 5))}  # worst
    s = score_items(_resp("0110101", "alku", a))
    assert _get(s, "kykyviisari_mental_wellbeing").score.iloc[0] == 0.0


def test_form_20_without_parenthood_rows_and_not_in_form():
    base = {k: v for k, v in HAND.items() if not k.startswith("VA")}
    s1 = score_items(_resp("0110101", "alku", base))  # VA rows absent
    s2 = score_items(_resp("0110101", "alku", dict(base, VA1=NA, VA2=NA, VA3=NA)))
    for s in (s1, s2):
        assert "kykyviisari_parenthood" not in set(s.outcome)
        assert _get(s, "kykyviisari_total").score.iloc[0] == pytest.approx(HAND_TOTAL)


def test_parenthood_never_in_total():
    a = dict(HAND, VA1=1, VA2=1, VA3=1)
    s = score_items(_resp("0110101", "alku", a))
    assert _get(s, "kykyviisari_parenthood").score.iloc[0] == 0.0
    assert _get(s, "kykyviisari_total").score.iloc[0] == pytest.approx(HAND_TOTAL)


# -- Kompassi ---------------------------------------------------------------------------------

KOMPASSI_SCHEMA = {  # an explicit crosswalk so the test does not depend on the shipped YAML
    "items": [{"code": "KOM01", "domain": "participation", "scale": [1, 4]},
              {"code": "KOM02", "domain": "participation", "scale": [1, 4]},
              {"code": "KOM03", "domain": "mental_wellbeing", "scale": [1, 4], "reverse": True},
              {"code": "KOM04", "domain": "everyday_life", "scale": [1, 4]},
              {"code": "KOM05", "domain": "physical_functioning", "scale": [1, 4]},
              {"code": "KOM06", "domain": None, "scale": [1, 4]}],
}


def test_kompassi_harmonised_and_flagged():
    a = {"KOM01": 4, "KOM02": 2, "KOM03": 1, "KOM04": 3, "KOM05": NA, "KOM06": 2}
    s = score_items(_resp("0110101", "alku", a, source="kompassi"),
                    schemas={"kompassi": KOMPASSI_SCHEMA})
    # (x-1)/3*10: KOM01 10, KOM02 10/3 -> participation 20/3; KOM03 reversed 1->4 -> 10
    assert _get(s, "kykyviisari_participation").score.iloc[0] == pytest.approx(20 / 3)
    assert _get(s, "kykyviisari_mental_wellbeing").score.iloc[0] == pytest.approx(10.0)
    assert _get(s, "kykyviisari_everyday_life").score.iloc[0] == pytest.approx(20 / 3)
    assert "kykyviisari_physical_functioning" not in set(s.outcome)
    assert "kykyviisari_total" not in set(s.outcome)  # 3 domains < 5
    assert s.harmonised.all() and (s.source == "kompassi").all()
    none = score_items(_resp("0110101", "alku", a, source="kompassi"),
                       schemas={"kompassi": KOMPASSI_SCHEMA}, include_kompassi=False)
    assert len(none) == 0


def test_kompassi_total_rule_is_configurable():
    sch = dict(KOMPASSI_SCHEMA, scoring={"total_min_domains": 3})
    a = {"KOM01": 4, "KOM02": 2, "KOM03": 1, "KOM04": 3, "KOM05": NA, "KOM06": 2}
    s = score_items(_resp("0110101", "alku", a, source="kompassi"), schemas={"kompassi": sch})
    assert _get(s, "kykyviisari_total").score.iloc[0] == pytest.approx((20 / 3 + 10 + 20 / 3) / 3)


def test_kykyviisari_wins_over_kompassi_in_same_wave(caplog):
    kom = {"KOM01": 4, "KOM02": 4, "KOM03": 1, "KOM04": 4, "KOM05": 4, "KOM06": 4}
    items = pd.concat([
        _resp("0110101", "alku", HAND),
        _resp("0110101", "alku", kom, source="kompassi"),
        _resp("0110101", "loppu", kom, source="kompassi"),
    ])
    with caplog.at_level("INFO", logger="hb_eval.outcomes.scores"):
        s = score_items(items, schemas={"kompassi": KOMPASSI_SCHEMA})
    alku = s[s.wave == "alku"]
    assert not alku.harmonised.any()
    assert _get(s, "kykyviisari_participation").score.iloc[0] == 5.0
    assert s[s.wave == "loppu"].harmonised.all() and len(s[s.wave == "loppu"]) == 4
    assert "Kompassi scores of 1 client-wave(s) not used" in caplog.text


def test_shipped_kompassi_crosswalk_covers_the_four_domains():
    kom = {f"KOM{i:02d}": 3 for i in range(1, 13)}
    s = score_items(_resp("0110101", "alku", kom, source="kompassi"))
    doms = set(s.outcome)
    for d in ("participation", "mental_wellbeing", "everyday_life", "physical_functioning"):
        assert f"kykyviisari_{d}" in doms
    assert s.harmonised.all()


# -- Osallisuustesti --------------------------------------------------------------------------

def test_osallisuus_six_of_eight():
    a = {"O1": 5, "O2": 4, "O3": 4, "O4": 3, "O5": 2, "O6": 1, "O7": NA, "O8": NA}
    s = score_items(_resp("0110101", "alku", a, source="osallisuus"))
    r = _get(s, "osallisuus")
    assert r.score.iloc[0] == pytest.approx((5 + 4 + 4 + 3 + 2 + 1) / 6)  # 1-5 scale, 19/6
    assert r.n_items.iloc[0] == 6
    a["O6"] = NA  # five answered
    s = score_items(_resp("0110101", "alku", a, source="osallisuus"))
    assert len(s) == 0


# -- errors -----------------------------------------------------------------------------------

def test_out_of_scale_answer_is_an_error_not_a_score():
    with pytest.raises(HbEvalError, match="outside"):
        score_items(_resp("0110101", "alku", dict(HAND, OS1=7)))


def test_unknown_item_is_an_error():
    with pytest.raises(HbEvalError, match="XX9"):
        score_items(_resp("0110101", "alku", dict(HAND, XX9=3)))


def test_two_responses_same_wave_is_an_error():
    items = pd.concat([_resp("0110101", "alku", HAND, rid="a"),
                       _resp("0110101", "alku", HAND, rid="b")])
    with pytest.raises(HbEvalError, match="more than one response"):
        score_items(items)


# -- change and long frames -------------------------------------------------------------------

def _clients(ids, arms):
    return pd.DataFrame({"client_id": ids, "arm": pd.Categorical(arms, ["HB", "Verrokki"]),
                         "pilot": "Pori", "client_group": "lapsiperhe", "worker": "02-01",
                         "sex": "nainen", "age_group": "25–34"})


def _scores(rows):
    return pd.DataFrame(rows, columns=["client_id", "wave", "score"]).assign(
        outcome="kykyviisari_total", n_items=20, harmonised=False)


def test_change_frame_pairs_by_client_and_drops_end_only():
    sc = _scores([("0210101", "loppu", 7.0), ("0210102", "alku", 3.0), ("0210101", "alku", 4.0),
                  ("0210103", "loppu", 9.0), ("0210102", "väli", 5.0), ("0210104", "alku", 2.0),
                  ("0210104", "loppu", 2.5)])
    cl = _clients(["0210104", "0210103", "0210102", "0210101"], ["HB", "HB", "Verrokki", "HB"])
    f = change_frame(sc, cl, "kykyviisari_total")
    assert list(f.client_id) == ["0210101", "0210104"]
    assert list(f.change) == [3.0, 0.5]
    assert list(f.arm) == ["HB", "HB"]
    g = change_frame(sc, cl, "kykyviisari_total", complete=False)
    assert list(g.client_id) == ["0210101", "0210102", "0210104"]  # 0210103 has no baseline
    assert np.isnan(g.set_index("client_id").loc["0210102", "end"])
    h = change_frame(sc, cl, "kykyviisari_total", baseline="alku", end="väli")
    assert list(h.client_id) == ["0210102"] and h.change.iloc[0] == 2.0
    lf = long_frame(sc, cl, "kykyviisari_total")
    assert len(lf) == 7
    assert list(lf[lf.client_id == "0210102"].wave.astype(str)) == ["alku", "väli"]


def test_change_frame_rejects_unknown_clients():
    sc = _scores([("0210101", "alku", 1.0), ("0210101", "loppu", 2.0)])
    with pytest.raises(HbEvalError, match="not in the clients table"):
        change_frame(sc, _clients(["0210199"], ["HB"]), "kykyviisari_total")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["alku", "väli", "loppu"]),
                          st.floats(0, 10)), min_size=1, max_size=60,
                unique_by=lambda t: (t[0], t[1])),
       st.randoms(use_true_random=False))
def test_pairing_survives_shuffled_rows(rows, rnd):
    rows = [(f"03101{c:02d}", w, x) for c, w, x in rows]
    ids = sorted({r[0] for r in rows})
    cl = _clients(ids, ["HB" if i % 2 else "Verrokki" for i in range(len(ids))])
    sc = _scores(rows)
    # check_waves=False: data without any baseline give an empty frame here (the default raises,
    # see test_api_misuse.py); the property is about pairing
    f1 = change_frame(sc, cl, "kykyviisari_total", complete=False, check_waves=False)
    perm = list(range(len(rows)))
    rnd.shuffle(perm)
    cperm = list(range(len(ids)))
    rnd.shuffle(cperm)
    f2 = change_frame(sc.iloc[perm], cl.iloc[cperm], "kykyviisari_total", complete=False,
                      check_waves=False)
    pd.testing.assert_frame_equal(f1, f2)
    # nothing lost: every client with a baseline is there; each change is its own end - baseline
    d = {(c, w): x for c, w, x in rows}
    assert set(f1.client_id) == {c for c, w in d if w == "alku"}
    if not any(w == "alku" for _, w in d):
        with pytest.raises(ValueError, match="no scores at wave"):
            change_frame(sc, cl, "kykyviisari_total", complete=False)
    for c, b, e in zip(f1.client_id, f1.baseline, f1.end):
        assert b == d[(c, "alku")]
        assert (np.isnan(e) and (c, "loppu") not in d) or e == d[(c, "loppu")]


# -- property: scores equal a plain reference implementation of docs/data_sources.md's rules ----------------

_SCALES = {"YH": (0, 10, 3), "OS": (1, 5, 3), "MH": (1, 5, 4), "AS": (1, 5, 4), "TA": (1, 5, 3),
           "FT": (1, 5, 3), "TT": (1, 5, 3), "VA": (1, 5, 3)}
_NAMES = {"YH": "general_wellbeing", "OS": "participation", "MH": "mental_wellbeing",
          "AS": "everyday_life", "TA": "skills", "FT": "physical_functioning",
          "TT": "work_and_future", "VA": "parenthood"}


@st.composite
def _answers(draw):
    out = {}
    for p, (lo, hi, k) in _SCALES.items():
        for i in range(1, k + 1):
            out[f"{p}{i}"] = draw(st.one_of(st.none(), st.integers(lo, hi)))
    return out


def _reference(ans: dict) -> dict:
    scores = {}
    for p, (lo, hi, k) in _SCALES.items():
        xs = []
        for i in range(1, k + 1):
            v = ans[f"{p}{i}"]
            if v is None:
                continue
            if f"{p}{i}" in ("MH3", "MH4"):
                v = lo + hi - v
            xs.append((v - lo) / (hi - lo) * 10)
        if 2 * len(xs) >= k:
            scores[_NAMES[p]] = sum(xs) / len(xs)
    core = [v for d, v in scores.items() if d != "parenthood"]
    if len(core) >= 5:
        scores["total"] = sum(core) / len(core)
    return scores


@settings(max_examples=30, deadline=None)
@given(_answers())
def test_scores_match_reference_rules(ans):
    items = _resp("0110101", "alku", {k: (NA if v is None else v) for k, v in ans.items()})
    s = score_items(items)
    got = {o.removeprefix("kykyviisari_"): v for o, v in zip(s.outcome, s.score)}
    ref = _reference(ans)
    assert set(got) == set(ref)
    for k in ref:
        assert got[k] == pytest.approx(ref[k], abs=1e-12)


def test_flagged_missing_cell_is_missing_even_with_a_value():
    items = _resp("0110101", "alku", {"OS1": 5, "OS2": 5, "OS3": 1})
    items.loc[items.item == "OS3", "missing"] = "quarantined"
    s = score_items(items)
    assert _get(s, "kykyviisari_participation").score.iloc[0] == 10.0


def test_rules_come_from_an_edited_schema(tmp_path):
    # an evaluator copies kykyviisari.yaml and demands every item of a domain
    import shutil

    from hb_eval.support.resources import schema_dir
    from hb_eval.data.schema import load_schema

    text = (schema_dir() / "kykyviisari.yaml").read_text(encoding="utf-8")
    assert "domain_min_fraction: 0.5" in text
    for name in ("kompassi.yaml", "kompassi_crosswalk.yaml"):
        shutil.copy(schema_dir() / name, tmp_path / name)
    (tmp_path / "kykyviisari.yaml").write_text(
        text.replace("domain_min_fraction: 0.5", "domain_min_fraction: 1.0"), encoding="utf-8")
    sch = load_schema("kykyviisari", tmp_path)
    s = score_items(_resp("0110101", "alku", HAND), schemas={"kykyviisari": sch})
    # complete domains only: participation, mental_wellbeing, physical_functioning; no total
    assert set(s.outcome) == {"kykyviisari_participation", "kykyviisari_mental_wellbeing",
                              "kykyviisari_physical_functioning"}
    assert _get(s, "kykyviisari_mental_wellbeing").score.iloc[0] == 8.125


def test_score_all_on_the_demo(demo_dataset):
    from hb_eval.outcomes.scores import score_all

    ds = demo_dataset
    s = score_all(ds)
    assert set(s.client_id) <= set(ds.clients.client_id.astype(str))
    assert not s.duplicated(["client_id", "wave", "outcome"]).any()
    assert (s.harmonised == (s.source == "kompassi")).all()
    assert s.harmonised.any()
    assert not s[s.outcome == "kykyviisari_total"].harmonised.any()  # 4 domains < 5
    kyky = s[s.outcome.str.startswith("kykyviisari")]
    assert kyky.score.between(0, 10).all()
    assert s[s.outcome == "osallisuus"].score.between(1, 5).all()
    without = score_all(ds, include_kompassi=False)
    assert not without.harmonised.any()
    pd.testing.assert_frame_equal(s[~s.harmonised].reset_index(drop=True), without)
    cf = change_frame(s, ds.clients, "kykyviisari_total")
    assert set(cf.arm.astype(str)) == {"HB", "Verrokki"}
    np.testing.assert_allclose(cf.change, cf.end - cf.baseline)


def test_outcome_index_gives_the_frames_of_change_frame_and_long_frame(demo_dataset):
    """OutcomeIndex (the outcome analysis' one pass over the scores) makes exactly the frames
    of change_frame / long_frame, and raises their errors for rows they would refuse."""
    from hb_eval.outcomes.scores import OutcomeIndex, same_clients, score_all

    ds = demo_dataset
    s = score_all(ds)
    with same_clients(ds.clients):
        ix = OutcomeIndex(s, ds.clients)
        assert set(ix.rows_of) == set(s["outcome"].astype(str))
        for o in ix.rows_of:
            for complete in (True, False):
                pd.testing.assert_frame_equal(
                    ix.change_frame(o, complete=complete),
                    change_frame(s, ds.clients, o, complete=complete, check_waves=False),
                    check_exact=True)
            pd.testing.assert_frame_equal(ix.long_frame(o), long_frame(s, ds.clients, o),
                                          check_exact=True)
    twice = pd.concat([s, s[s["outcome"] == "osallisuus"].iloc[:1]], ignore_index=True)
    stray = s.copy()
    stray["client_id"] = stray["client_id"].where(stray.index != 0, "9999999")
    for bad, msg in ((twice, "appear twice"), (stray, "not in the clients table")):
        o = str(bad["outcome"].iloc[-1] if bad is twice else bad["outcome"].iloc[0])
        with same_clients(ds.clients):
            with pytest.raises(HbEvalError, match=msg):
                OutcomeIndex(bad, ds.clients).change_frame(o)


def test_text_equals_is_astype_str_equals():
    from hb_eval.outcomes.scores import text_equals

    vals = ["a", None, "b", "a", "<NA>", "nan"]
    for dtype in ("str", "string", "object", "category"):
        col = pd.Series(vals, dtype=dtype)
        for text in ("a", "b", "nan", "<NA>", "c"):
            np.testing.assert_array_equal(text_equals(col, text),
                                          (col.astype(str) == text).to_numpy(bool))


def test_outcome_rows_are_the_groupby_indices_sorted_or_not():
    """OutcomeIndex finds each outcome's rows as runs of the sorted scores; shuffled scores
    (and a missing outcome) take the groupby, with the same answer."""
    from hb_eval.outcomes.scores import _outcome_rows
    s = pd.DataFrame({"outcome": pd.array(["a", "a", "b", "c", "c", "c"], dtype="str")})
    for frame in (s, s.iloc[[3, 0, 2, 1, 5, 4]], s.assign(outcome=pd.array(
            ["a", None, "b", "a", "c", "c"], dtype="str"))):
        got = _outcome_rows(frame)
        want = frame.groupby(frame["outcome"].astype(str).to_numpy(), sort=False).indices
        assert list(got) == list(want)
        assert all(got[k].tolist() == want[k].tolist() for k in want)


def _categorical(items: pd.DataFrame) -> pd.DataFrame:
    """The items as the loader gives them: ids, source, wave and item as categoricals."""
    return items.astype({"response_id": "category", "client_id": "category",
                         "source": "category", "item": "category",
                         "wave": pd.CategoricalDtype(["alku", "väli", "loppu"], ordered=True)})


def test_scores_from_the_codes_equal_those_from_the_texts(demo_dataset, caplog):
    """score_items on categorical items (the codes' path) gives the text path's table: the
    demo's items, and a Kompassi response superseded by a Kykyviisari one (logged the same)."""
    from hb_eval.outcomes import scores as scoring

    items = demo_dataset.items
    assert isinstance(items["client_id"].dtype, pd.CategoricalDtype)
    as_text = items.astype({"client_id": object, "wave": object})
    coded = score_items(items)
    assert scoring._coded_order(pd.concat(scoring._one_category_set(
        [scoring._score_source(items[items.source == "osallisuus"],
                               scoring._resolve_rules(None)["osallisuus"])], "outcome")),
        items) is not None
    pd.testing.assert_frame_equal(coded, score_items(as_text), check_exact=True)
    kom = {"KOM01": 4, "KOM02": 4, "KOM03": 1, "KOM04": 4, "KOM05": 4, "KOM06": 4}
    small = pd.concat([_resp("0110101", "alku", HAND), _resp("0110102", "alku", HAND),
                       _resp("0110101", "alku", kom, source="kompassi"),
                       _resp("0110101", "loppu", kom, source="kompassi"),
                       _resp("0110102", "loppu", kom, source="kompassi")], ignore_index=True)
    logs = []
    for frame in (small, _categorical(small)):
        caplog.clear()
        with caplog.at_level("INFO", logger="hb_eval.outcomes.scores"):
            logs.append((score_items(frame, schemas={"kompassi": KOMPASSI_SCHEMA}),
                         caplog.text.count("Kompassi scores of 1 client-wave(s) not used")))
    pd.testing.assert_frame_equal(logs[0][0], logs[1][0], check_exact=True)
    assert logs[0][1] == logs[1][1] == 1 and len(logs[1][0]) == 2 * 7 + 2 * 4  # 6 domains + total
    twice = pd.concat([_resp("0110101", "alku", HAND, rid="a"),
                       _resp("0110101", "alku", HAND, rid="b")], ignore_index=True)
    with pytest.raises(HbEvalError, match="first: client 0110101, wave alku"):
        score_items(_categorical(twice))
