"""Small-cell suppression: primary, secondary against margins, tables and results dicts."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.report.suppression import (CONFIDENTIAL, SUPPRESSED, is_small, is_suppressed, suppress_frame, suppress_mapping, suppress_table,
                                        suppress_cells, suppress_matrix, suppress_results,
                                        symbol_of)


def test_is_small_bounds():
    assert [is_small(v) for v in (0, 1, 4, 4.0, 5, 17, None, float("nan"), "<5")] == [
        True, True, True, True, False, False, False, False, False]


def test_no_margins_only_primary():
    mask, r, c, g = suppress_matrix(np.array([[10, 3], [20, 30]]))
    assert mask.tolist() == [[False, True], [False, False]]
    assert not r.any() and not c.any() and not g


def test_row_totals_force_a_second_cell_in_the_row():
    # row 0: 10 + 3 = 13 shown, so 3 is recoverable from 13 - 10: 10 must go too
    mask, *_ = suppress_matrix(np.array([[10, 3, 40], [20, 30, 50]]), row_totals=True)
    assert mask.tolist() == [[True, True, False], [False, False, False]]


def test_both_margins_classic_four_cell_pattern():
    # hand-worked: 3 is primary; row 0 forces 10; column 1 forces 30; column 0 forces 20
    mask, rmask, cmask, g = suppress_matrix(np.array([[10, 3], [20, 30]]),
                                            row_totals=True, col_totals=True)
    assert mask.all()
    assert not rmask.any() and not cmask.any() and not g


def test_secondary_picks_smallest_remaining_cell():
    mask, *_ = suppress_matrix(np.array([[2, 50, 7, 9]]), row_totals=True)
    assert mask.tolist() == [[True, False, True, False]]


def test_small_total_is_suppressed_too():
    mask, rmask, *_ = suppress_matrix(np.array([[1, 2], [10, 20]]), row_totals=True)
    assert mask[0].all() and rmask.tolist() == [True, False]


def _recoverable(values, mask, rmask, cmask, row_totals, col_totals):
    """Suppressed small cells that linear programming over the published totals narrows to
    fewer than 3 values (the independent attacker of tests/disclosure_attacker.py)."""
    from disclosure_attacker import System, recovered

    r, c = values.shape
    s = System()
    for i in range(r):
        for j in range(c):
            s.cell((i, j), "<5" if mask[i, j] and 1 <= values[i, j] <= 4 else
                   ".." if mask[i, j] else values[i, j])
    truth = {(i, j): values[i, j] for i in range(r) for j in range(c)}
    if row_totals:
        for i in range(r):
            s.cell(("r", i), ".." if rmask[i] else values[i].sum())
            s.sum_eq([(i, j) for j in range(c)], ("r", i))
    if col_totals:
        for j in range(c):
            s.cell(("c", j), ".." if cmask[j] else values[:, j].sum())
            s.sum_eq([(i, j) for i in range(r)], ("c", j))
    return recovered(s, truth)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.booleans(), st.booleans(), st.data())
def test_no_small_cell_survives_and_none_is_recoverable(r, c, rt, ct, data):
    """The LP-audited suppression (report.disclosure.protect_table) against the attacker."""
    from hb_eval.report.disclosure import protect_table

    vals = np.array(data.draw(st.lists(st.integers(0, 30), min_size=r * c, max_size=r * c)),
                    dtype=float).reshape(r, c)
    sym, rsym, csym = protect_table(vals, row_totals=rt, col_totals=ct)
    mask = np.array([[v is not None for v in row] for row in sym])
    small = (vals >= 1) & (vals < 5)
    assert (mask | ~small).all()  # every count of 1-4 suppressed
    rmask = np.array([v is not None for v in rsym]) if rt else np.zeros(r, bool)
    cmask = np.array([v is not None for v in csym]) if ct else np.zeros(c, bool)
    assert not _recoverable(vals, mask, rmask, cmask, rt, ct)


def test_suppress_frame_with_margins_and_linked_share():
    df = pd.DataFrame({"group": ["a", "b", "total"], "n_HB": [10, 3, 13], "n_Verrokki": [20, 30, 50],
                       "share_HB": [10 / 13, 3 / 13, 1.0], "n": [30, 33, 63]},
                      index=[0, 1, "tot"])
    out = suppress_frame(df, ["n_HB", "n_Verrokki"], total_col="n", total_row="tot",
                         linked={"share_HB": "n_HB"})
    assert out.loc[[0, 1], ["n_HB", "n_Verrokki"]].map(is_suppressed).all().all()
    assert out.loc[1, "n_HB"] == SUPPRESSED and out.loc[0, "n_HB"] == CONFIDENTIAL  # 3 vs 10
    assert out.loc["tot", "n"] == 63 and out.loc[0, "n"] == 30
    assert out.loc[0, "share_HB"] is None and out.loc[1, "share_HB"] is None
    assert out.loc["tot", "share_HB"] == 1.0
    assert df.loc[1, "n_HB"] == 3  # input untouched


def test_suppress_mapping_arm_counts():
    assert suppress_mapping({"HB": 40, "Verrokki": 3}) == {"HB": 40, "Verrokki": SUPPRESSED}
    assert suppress_mapping({"HB": 40, "Verrokki": 3}, total_shown=True) == {
        "HB": CONFIDENTIAL, "Verrokki": SUPPRESSED}  # 40 is secondary: "..", not "<5"
    assert suppress_mapping({"HB": 40, "Verrokki": 30}, total_shown=True) == {
        "HB": 40, "Verrokki": 30}


def test_suppress_results_blocks():
    res = {
        "data": {"clients": {"HB": 40, "Verrokki": 4, "excluded_no_consent": 2,
                             "orphans": ["0410712", "0420101"]},
                 "files": [{"path": "a.xlsx", "rows_read": 50, "rows_kept": 48,
                            "rows_quarantined": 2}],
                 "quarantine_by_reason": {"bad_value": 2, "duplicate": 7}},
        "outcomes": {"kykyviisari_total": {
            "n": {"HB": 30, "Verrokki": 3},
            "within": {"HB": {"mean_change": 0.5}, "Verrokki": {"mean_change": 0.1}},
            "did": {"estimate": 0.4, "n_clusters": 3},
            "reliable_change": {"HB": {"n": 30, "improved": 10 / 30, "unchanged": 18 / 30,
                                       "deteriorated": 2 / 30, "n_improved": 10,
                                       "n_unchanged": 18, "n_deteriorated": 2}}}},
        "satisfaction": {"items": {"C1": {"n_HB": 20, "n_Verrokki": 2, "share_agree_HB": 0.8,
                                          "share_agree_Verrokki": 0.5}}},
    }
    out = suppress_results(res)
    c = out["data"]["clients"]
    assert c["HB"] == CONFIDENTIAL and c["Verrokki"] == SUPPRESSED  # total is public
    assert c["excluded_no_consent"] == SUPPRESSED and c["orphans"] == SUPPRESSED
    f = out["data"]["files"][0]
    assert f["rows_quarantined"] == SUPPRESSED and f["rows_kept"] == CONFIDENTIAL
    assert f["rows_read"] == 50
    assert out["data"]["quarantine_by_reason"] == {"bad_value": SUPPRESSED, "duplicate": 7}
    o = out["outcomes"]["kykyviisari_total"]
    assert o["n"] == {"HB": 30, "Verrokki": SUPPRESSED}
    assert o["within"]["Verrokki"]["mean_change"] is None
    assert o["within"]["HB"]["mean_change"] == 0.5
    assert o["did"]["estimate"] == 0.4 and o["did"]["n_clusters"] == 3
    rc = o["reliable_change"]["HB"]
    # counts: 2 is small; with n shown, the smallest other count (10) goes too
    assert rc["n_deteriorated"] == SUPPRESSED and rc["n_improved"] == CONFIDENTIAL
    assert rc["n_unchanged"] == 18 and rc["n"] == 30
    # shares go with their counts; the unsuppressed share stays a number
    assert rc["deteriorated"] is None and rc["improved"] is None
    assert rc["unchanged"] == 18 / 30
    item = out["satisfaction"]["items"]["C1"]
    assert item["n_Verrokki"] == SUPPRESSED and item["share_agree_Verrokki"] is None
    assert item["share_agree_HB"] == 0.8
    assert res["data"]["clients"]["Verrokki"] == 4  # input untouched


def test_suppress_table_nested_relations():
    """Attrition-like table: pilots within an arm add up to the arm's row; within a row
    n_baseline = n_completers + n_dropouts."""
    df = pd.DataFrame({"arm": ["HB", "HB", "HB"], "pilot": ["Pori", "Vantaa", "(kaikki)"],
                       "n_baseline": [12, 20, 32], "n_completers": [9, 18, 27],
                       "n_dropouts": [3, 2, 5], "share_dropouts": [0.25, 0.1, 5 / 32]})
    out = suppress_table(df, ["n_baseline", "n_completers", "n_dropouts"],
                         row_relations=[(["n_completers", "n_dropouts"], "n_baseline")],
                         col_relations=[([0, 1], 2)], linked={"share_dropouts": "n_dropouts"})
    # primary: 3 and 2; rows force the completers of those rows; the column sums are fine
    assert out["n_dropouts"].tolist()[:2] == [SUPPRESSED, SUPPRESSED]
    assert out["n_completers"].tolist()[:2] == [CONFIDENTIAL, CONFIDENTIAL]
    assert out.loc[2, "n_dropouts"] == 5 and out.loc[2, "n_completers"] == 27
    assert out["share_dropouts"].tolist()[:2] == [None, None]
    # no relation has exactly one unknown
    m = out.loc[:, ["n_baseline", "n_completers", "n_dropouts"]].map(is_suppressed).to_numpy()
    for i in range(3):
        assert m[i, 1:].sum() + m[i, 0] != 1
    for j in range(3):
        assert m[:2, j].sum() + m[2, j] != 1


_VALUE = st.one_of(st.integers(-3, 12), st.sampled_from([0.5, 4.999, 5.0, -0.0, 2.5]),
                   st.just(float("nan")), st.just(float("inf")))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9).flatmap(lambda c: st.lists(st.lists(_VALUE, min_size=c, max_size=c),
                                                    min_size=1, max_size=6)),
       st.integers(1, 6))
def test_rows_are_suppressed_as_each_one_row_table(rows, threshold):
    # identity: suppress_matrix with row totals alone (all files' rows kept and quarantined
    # at once, one pass over the rows) marks what suppress_cells' relation loop marks for
    # each row alone with its total
    mask, total, col, grand = suppress_matrix(np.array(rows, dtype=float), row_totals=True,
                                              threshold=threshold)
    assert not col.any() and grand is False
    for i, row in enumerate(rows):
        values = np.array([*row, np.nansum(np.array(row, dtype=float))])
        m = suppress_cells(values, [(range(len(row)), len(row))], threshold=threshold)
        assert mask[i].tolist() == m[:-1].tolist() and bool(total[i]) == bool(m[-1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.integers(0, 9), st.none()), st.integers(0, 9),
                          st.integers(0, 12)), max_size=12))
def test_files_suppressed_together_as_one_by_one(triples):
    # data.files of a public results.json: the same as suppress_mapping per file
    files = [{"path": "paivakirjat/asiakas_0410712.xlsx", "rows_kept": k, "rows_quarantined": q,
              "rows_read": r} for k, q, r in triples]
    out = suppress_results({"data": {"files": files}})["data"]["files"]
    for f, o in zip(files, out):
        one = suppress_mapping({k: f[k] for k in ("rows_kept", "rows_quarantined")},
                               total_shown=True)
        assert {k: o[k] for k in one} == one
        assert o["rows_read"] == (symbol_of(f["rows_read"]) if is_small(f["rows_read"])
                                  else f["rows_read"])
        assert "0410712" not in o["path"]
