"""results.json serialisation: deterministic bytes, rounding, NaN -> null, dotted keys, diffs."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hb_eval.report.results_json import (diff_results, dumps_results, flatten, get_path,
                                         to_jsonable)


def test_nan_inf_become_null_and_numpy_scalars_plain():
    d = {"a": np.float64("nan"), "b": float("inf"), "c": np.int64(3), "d": np.float32(0.5),
         "e": np.bool_(True), "f": (1, 2), "g": np.array([1.5, np.nan])}
    out = json.loads(dumps_results(d))
    assert out == {"a": None, "b": None, "c": 3, "d": 0.5, "e": True, "f": [1, 2],
                   "g": [1.5, None]}
    assert isinstance(out["c"], int)


def test_keys_sorted_and_fixed_layout():
    text = dumps_results({"b": 1, "a": {"z": 1, "y": 2}})
    assert text == '{\n  "a": {\n    "y": 2,\n    "z": 1\n  },\n  "b": 1\n}\n'


def test_rounding_removes_last_bit_noise():
    # 0.1 + 0.2 != 0.3 in binary floating point; both must write the same bytes
    assert 0.1 + 0.2 != 0.3
    assert dumps_results({"x": 0.1 + 0.2}) == dumps_results({"x": 0.3})
    # summation order noise
    v = np.random.default_rng(1).normal(size=1000)
    assert dumps_results({"m": float(np.sum(v))}) == dumps_results({"m": float(np.sum(v[::-1]))})


def test_ten_significant_digits_and_negative_zero():
    assert to_jsonable(1234.567890123456) == 1234.56789
    assert to_jsonable(-0.0) == 0.0 and math.copysign(1, to_jsonable(-0.0)) == 1.0
    assert to_jsonable(1.23456789012e-7) == pytest.approx(1.23456789e-7, rel=0, abs=1e-17)


def test_unknown_types_refused():
    with pytest.raises(TypeError, match="DataFrame"):
        import pandas as pd

        to_jsonable({"x": pd.DataFrame()})


def test_largest_floats_do_not_round_to_infinity():
    big = 1.7976931345e308  # rounds up past the largest float at 10 significant digits
    assert json.loads(dumps_results({"x": big}))["x"] == big
    assert json.loads(dumps_results({"x": -big}))["x"] == -big


def test_get_path_and_flatten():
    d = {"a": {"b": [{"c": 1}, {"c": None}]}}
    assert get_path(d, "a.b.0.c") == 1
    assert get_path(d, "a.b.1.c") is None
    assert get_path(d, "a.x", default="missing") == "missing"
    with pytest.raises(KeyError):
        get_path(d, "a.x")
    assert flatten(d) == {"a.b.0.c": 1, "a.b.1.c": None}


def test_diff_lists_changed_added_removed_and_ignores_prefixes():
    a = {"x": 1, "y": {"z": 2, "w": 3}, "manifest": {"versions": {"numpy": "1"}}}
    b = {"x": 1, "y": {"z": 5}, "v": 0, "manifest": {"versions": {"numpy": "2"}}}
    assert diff_results(a, b) == ["manifest.versions.numpy", "v", "y.w", "y.z"]
    assert diff_results(a, b, ignore=("manifest.versions",)) == ["v", "y.w", "y.z"]


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
json_tree = st.recursive(json_leaf, lambda ch: st.one_of(
    st.lists(ch, max_size=4), st.dictionaries(st.text(max_size=6), ch, max_size=4)), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(json_tree)
def test_roundtrip_is_a_fixed_point(tree):
    """Writing, reading and writing again gives the same bytes; nothing is lost but NaN/inf."""
    text = dumps_results({"r": tree})
    again = dumps_results(json.loads(text))
    assert text == again
    flat_in = flatten({"r": tree})
    flat_out = flatten(json.loads(text))
    assert set(flat_in) == set(flat_out)  # no key lost
