"""Property: evaluations with small groups (1-4 clients in a pilot × arm, a category) pass the
independent differencing attacker over all public tables, figure data and results.json."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_attacker import attack, small_statistics
from test_disclosure_attack import small_evaluation


def _public(ev):
    """The public tables, figure data and results of ``ev``, as the report renders them, with
    the internal ones (the truth)."""
    from hb_eval.report.disclosure import (Rules, align_results, disclose_tables,
                                           public_figure_data)
    from hb_eval.report.suppression import suppress_results
    from hb_eval.report.table_specs import make_tables

    rules = Rules.of(ev.config)
    internal = make_tables(ev.tables, "en")
    tables, _ = disclose_tables(internal, rules)
    figures = public_figure_data(ev, tables, rules)
    results = align_results(suppress_results(ev.results), tables)
    return ({k: t.frame for k, t in tables.items()}, results,
            {k: v["df"] for k, v in figures.items() if v and v.get("df") is not None},
            ({k: t.frame for k, t in internal.items()}, ev.results))


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(small=st.integers(1, 4), other=st.integers(1, 4), drop=st.integers(0, 3),
       seed=st.integers(1, 1000))
def test_small_groups_recover_nothing(tmp_path_factory, small, other, drop, seed):
    cells = {(0, 1, "HB"): 9, (0, 1, "Verrokki"): 8, (1, 3, "HB"): small,
             (1, 3, "Verrokki"): 7, (2, 0, "HB"): 6, (2, 0, "Verrokki"): other + 5}
    ev = small_evaluation(tmp_path_factory.mktemp("prop"), cells, seed=seed,
                          dropouts=((0, "HB", drop), (2, "Verrokki", min(drop, 2))),
                          sex_other=(other, small % 3),
                          sources=("roster", "kykyviisari"))
    tables, results, figures, internal = _public(ev)
    found = attack((tables, results), internal, figures=figures)
    assert not found, "\n".join(map(str, found))
    stats = small_statistics(tables, internal[0], figures=figures)
    assert not stats, "\n".join(stats)
    assert any(isinstance(v, str) for f in tables.values() for c in f.columns for v in f[c])
