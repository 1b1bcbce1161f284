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
    sym, rows, cols = protect_table(np.array([[3.0, 10.0], [6.0, 8.0]]), row_totals=True,
                                    col_totals=True)
    assert sym == [["<5", ".."], ["..", None]]
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
