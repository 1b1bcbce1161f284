"""The disclosure rules on hand-worked cases (threshold, secondary, dominance, configuration)."""
from __future__ import annotations

import numpy as np
import pytest

from hb_eval.config import DisclosureConfig, parse_config
from hb_eval.errors import ConfigError
from hb_eval.report.disclosure import (PRIMARY, SECOND, Rules, nk_dominated, output_check,
                                       CheckRecord, p_percent_unsafe, protect, protect_table)


def test_nk_rule_hand_worked():
    # 50 + 40 = 90 of 100 > 85 %: dominated; 40 + 40 = 80 of 100: not
    assert nk_dominated([50, 40, 5, 5], n=2, k=85)
    assert not nk_dominated([40, 40, 10, 10], n=2, k=85)
    assert nk_dominated([100], n=2, k=85)  # one contributor is all of it


def test_p_percent_rule_hand_worked():
    # total 100, largest 60, second 35: the rest 5 < 10 % of 60 = 6 -> unsafe
    assert p_percent_unsafe([60, 35, 3, 2], p=10)
    # rest 7 >= 6 -> safe
    assert not p_percent_unsafe([60, 33, 4, 3], p=10)


def test_secondary_makes_a_row_safe():
    # a = 3, b = 10, c = 6, d = 8 with totals 13, 14 / 9, 18. Hiding a, b, c leaves
    # c = 14 - 8 and a = 9 - c: the audit then hides the totals of a's row and column, after
    # which c = 6 and b = 10 are known but a + 10 = r0 and a + 6 = c0 leave a anywhere in 1..4.
    # b and c then protect nothing and are published again (r0 - c0 = 4 holds for every a).
    sym, rows, cols = protect_table(np.array([[3.0, 10.0], [6.0, 8.0]]), row_totals=True,
                                    col_totals=True)
    assert sym == [["<5", None], [None, None]]
    assert rows == ["..", None] and cols == ["..", None]


def test_protect_zero_published_and_equality_across_tables():
    # cells 0..2: a table row 3 + 10 = 13; cell 3 is the same 3 in another table; cell 4 = 0
    code = protect([3, 10, 13, 3, 0], [([0, 1], 2), ([0], 3)])
    assert code[0] == PRIMARY and code[3] == PRIMARY  # the copy is primary too
    assert code[1] == SECOND  # the row partner
    assert code[4] == 0  # a zero counts no one


def test_small_total_shows_dots_not_a_bound():
    # 2 + 2 = 4: both members and the total are 1-4; "<5" on the total would bound them to 1..3
    code = protect([2, 2, 4], [([0, 1], 2)])
    assert set(code.tolist()) <= {PRIMARY, 3}


def test_configuration_block():
    cfg = parse_config({"sources": {"roster": "r.xlsx", "kykyviisari": "k.xlsx"},
                        "disclosure": {"min_count": 10}}, ".")
    assert Rules.of(cfg).min_count == 10 and cfg.to_dict()["disclosure"]["min_count"] == 10
    default = parse_config({"sources": {"roster": "r.xlsx", "kykyviisari": "k.xlsx"}}, ".")
    assert "disclosure" not in default.to_dict() and default.disclosure == DisclosureConfig()
    with pytest.raises(ConfigError, match="disclosure.min_count"):
        parse_config({"sources": {"roster": "r.xlsx", "kykyviisari": "k.xlsx"},
                      "disclosure": {"min_count": 1}}, ".")


def test_output_check_has_counts_only():
    rec = CheckRecord("attrition", "table", cells=20, primary=2, secondary=3, rules=["threshold"])
    oc = output_check([rec], Rules(), "public")
    assert oc["applied"] and oc["totals"]["primary"] == 2
    assert set(oc["outputs"][0]) == {"name", "kind", "cells", "primary", "secondary",
                                     "statistics_removed", "residual_df", "dominance",
                                     "rows_removed", "rules"}


def test_many_independent_systems_are_audited_in_few_lps(monkeypatch):
    # 2,000 files: read = kept + quarantined with 1-4 quarantined rows. Each file is its own
    # system: its quarantined count is pinned by read - kept until kept is hidden too, after
    # which it lies anywhere in 1..min(4, read). All files are audited side by side, so the
    # LP count grows with the rounds (audit, hide, audit again), not with the files (the old
    # loop made two LPs per cell per round: over 8 minutes at 20,000 clients).
    import hb_eval.report.disclosure as disclosure

    calls = []
    real = disclosure.linprog
    monkeypatch.setattr(disclosure, "linprog", lambda *a, **k: calls.append(1) or real(*a, **k))
    n = 2000
    quarantined = np.arange(n) % 4 + 1.0
    kept = 100.0 + np.arange(n)
    vals = np.concatenate([kept, quarantined, kept + quarantined])
    rels = [([i, n + i], 2 * n + i) for i in range(n)]
    code = protect(vals, rels)
    assert (code[n:2 * n] == PRIMARY).all()
    assert (code[:n] == SECOND).all() and (code[2 * n:] == 0).all()
    assert len(calls) <= 6


def test_blocks_solved_together_equal_each_alone():
    # identity: the block-diagonal LP gives every block the interval it has alone, also when
    # blocks share cells (several targets of one table) and when one block is unbounded
    from hb_eval.report.disclosure import _Equations, _solve

    rng = np.random.default_rng(5)
    vals, rels, targets = [], [], []
    for _ in range(40):  # 40 independent 2 x 3 tables with row and column totals
        x = rng.choice([0, 1, 2, 3, 4, 6, 9, 20], size=(2, 3)).astype(float)
        b = len(vals)
        vals += list(x.ravel()) + list(x.sum(1)) + list(x.sum(0))
        rels += [([b + 3 * i + j for j in range(3)], b + 6 + i) for i in range(2)]
        rels += [([b + j, b + 3 + j], b + 8 + j) for j in range(3)]
        targets.append(b)
    v = np.asarray(vals)
    code = np.zeros(len(v), int)
    for b in targets:  # hide a 2 x 2 rectangle: one degree of freedom per table
        code[[b, b + 1, b + 3, b + 4]] = SECOND
    code[[b for b in targets if 1 <= v[b] < 5]] = PRIMARY
    b = targets[7]  # one table wholly hidden: its cells have no upper bound
    code[b:b + 11] = SECOND
    rels = [(np.asarray(m), t) for m, t in rels]
    eqs = _Equations(rels)
    asked = targets + [b + 1 for b in targets[:10]]  # second targets in ten of the tables
    blocks = [(c, *eqs.component(c, code)) for c in asked]
    together = _solve(blocks, v, code, eqs, Rules())
    alone = [_solve([blk], v, code, eqs, Rules())[0] for blk in blocks]
    assert together == alone
    assert any(lo < hi < np.inf for lo, hi in together)  # not all pinned: the test can tell
    assert together[7][1] == np.inf and together[7][0] == 0  # the unbounded block
    # as protect makes a round's blocks: the targets of one table share its component's lists
    # (and _solve makes that component's equations once for all of them)
    of_table = {**{b: b for b in targets}, **{b + 1: b for b in targets[:10]}}
    comp = {b: eqs.component(b, code) for b in targets}
    assert all(eqs.component(c, code) == comp[of_table[c]] for c in asked)
    assert _solve([(c, *comp[of_table[c]]) for c in asked], v, code, eqs, Rules()) == alone


def test_a_count_with_a_published_copy_is_not_hidden_for_nothing():
    # a = 3, b = 10, a + b = 13; b is shown again in another table (b' = 10). Hiding b would
    # protect nothing (b' pins it), so the total goes: a + 10 = T leaves a anywhere in 1..4.
    # (The old greedy hid b first, then the total: a ".." in one table, 10 in the other.)
    code = protect([3, 10, 13, 10], [([0, 1], 2), ([1], 3)])
    assert code.tolist() == [PRIMARY, 0, SECOND, 0]
