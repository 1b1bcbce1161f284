"""The cases of issue 20 ("Why"), each built as small data here, attacked by an independent
differencing attacker (:mod:`disclosure_attacker`) over everything a public report publishes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disclosure_attacker import (System, attack, read_publication, recovered, small_statistics,
                                 value)
from test_report_synthetic import make_dataset

# pilot 0 (Hämeenlinna): 12 + 12, with 2 HB and 3 Verrokki dropouts
# pilot 1 (Pori): 3 HB clients only (the "3-client arm")
# pilot 2 (Tampere): 10 + 10
CELLS = {(0, 1, "HB"): 12, (0, 1, "Verrokki"): 12, (1, 3, "HB"): 3, (1, 3, "Verrokki"): 9,
         (2, 0, "HB"): 10, (2, 0, "Verrokki"): 10}


def small_evaluation(tmp: Path, cells=CELLS, *, dropouts=((0, "HB", 2), (0, "Verrokki", 3)),
                     sex_other=(3, 1), seed: int = 3, sources=None):
    """An evaluation of ``cells`` with dropouts (pilot index, arm, k: the first k clients lose
    their end measure) and ``sex_other`` = (HB, Verrokki) clients of sex "muu"."""
    import hb_eval
    from test_report_synthetic import PILOTS

    kw = {"sources": sources} if sources else {}
    cfg, ds = make_dataset(tmp, cells, reps=20, seed=seed, audience="public", **kw)
    c = ds.clients
    drop = []
    for pilot_i, arm, k in dropouts:
        ids = c.loc[(c["pilot"] == PILOTS[pilot_i]) & (c["arm"] == arm), "client_id"]
        drop += ids.iloc[:k].tolist()
    for name in ("responses", "items"):
        f = getattr(ds, name)
        keep = ~(f["client_id"].isin(drop) & (f["wave"] == "loppu"))
        setattr(ds, name, f.loc[keep].reset_index(drop=True))
    for arm, k in zip(("HB", "Verrokki"), sex_other):
        idx = c.index[(c["arm"] == arm) & ~c["client_id"].isin(drop)][-k:] if k else []
        c.loc[idx, "sex"] = "muu"
    return hb_eval.evaluate(cfg, dataset=ds, progress=False)


def published_figures(ev, public: bool = True) -> dict[str, pd.DataFrame]:
    """The data the report draws its figures from (after disclosure control when public)."""
    from hb_eval.report.disclosure import public_figure_data

    data = public_figure_data(ev) if public else ev.figure_data
    return {k: v["df"] for k, v in data.items() if v and v.get("df") is not None}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    ev = small_evaluation(tmp / "data")
    ev.write_report(tmp / "public", audience="public")
    ev.write_report(tmp / "internal", audience="internal")
    return ev, tmp / "public", tmp / "internal"


def test_differencing_recovers_no_attrition_count(small_run):
    ev, pub, internal = small_run
    found = attack(read_publication(pub), read_publication(internal))
    assert not [f for f in found if f.key[0] == "att"], "\n".join(map(str, found))


def test_three_client_arm_is_not_published_anywhere(small_run):
    ev, pub, internal = small_run
    found = attack(read_publication(pub), read_publication(internal),
                   figures=published_figures(ev))
    assert not found, "\n".join(map(str, found))
    stats = small_statistics(read_publication(pub)[0], read_publication(internal)[0],
                             figures=published_figures(ev))
    assert not [s for s in stats if "Pori" in s or "vammaispalvelu" in s], stats


def test_love_plot_hides_small_category(small_run):
    ev, pub, internal = small_run
    stats = small_statistics(read_publication(pub)[0], read_publication(internal)[0],
                             figures=published_figures(ev))
    assert not [s for s in stats if "muu" in s], stats


def test_no_statistic_over_fewer_than_five(small_run):
    ev, pub, internal = small_run
    stats = small_statistics(read_publication(pub)[0], read_publication(internal)[0],
                             figures=published_figures(ev))
    assert not stats, "\n".join(stats)


def test_symbols_say_what_they_hide(small_run):
    """``<5`` only where the true count is 1-4; every other suppressed cell is ``..``."""
    _, pub, internal = small_run
    ptab, _ = read_publication(pub)
    itab, _ = read_publication(internal)
    seen = 0
    for name, p in ptab.items():
        i = itab.get(name)
        if i is None or p.shape != i.shape:
            continue
        for col in p.columns:
            for a, b in zip(p[col], i[col]):
                if value(a) == "<5":
                    seen += 1
                    assert 1 <= float(b) <= 4, f"{name}.{col}: <5 hides {b}"
                elif value(a) == "..":
                    seen += 1
    assert seen > 0


def test_attacker_finds_the_classic_recoverable_cell():
    """Hand-worked 2 x 2: a = 3, b = 10, c = 6, d = 8 with all margins published. a suppressed
    alone is recovered (13 - 10); with all four suppressed a is anywhere in 1..4 (a = t,
    b = 13 - t, c = 9 - t, d = 5 + t); a ``..`` cell pinned below 5 is a zero or recovered."""
    s = System()
    for k, v in {"a": "<5", "b": 10.0, "c": 6.0, "d": 8.0, "r0": 13.0, "r1": 14.0, "c0": 9.0,
                 "c1": 18.0}.items():
        s.cell(k, v)
    s.sum_eq(["a", "b"], "r0")
    s.sum_eq(["c", "d"], "r1")
    s.sum_eq(["a", "c"], "c0")
    s.sum_eq(["b", "d"], "c1")
    assert [f.interval for f in recovered(s, {"a": 3.0})] == [(3.0, 3.0)]
    s2 = System(cells={**s.cells, "a": "<5", "b": "..", "c": "..", "d": ".."},
                equations=s.equations)
    assert recovered(s2, {"a": 3.0}) == []  # a in 1..4 and d free: not narrowed
    s3 = System(cells={**s.cells, "a": "..", "b": 10.0, "c": 6.0, "d": 8.0},
                equations=s.equations)
    assert [f.key for f in recovered(s3, {"a": 3.0})] == ["a"]


def test_suppression_of_a_5x4_table_survives_linear_programming():
    """The issue's case: the old rule (no relation with exactly one suppressed cell) leaves
    cells determined by several totals together. Found with the old suppress_matrix:
    this 5 x 4 table's cell (3, 0) followed from rows 1 and 4 and columns 0 and 2."""
    from hb_eval.report.disclosure import protect_table

    rng = np.random.default_rng(7)
    leaks = 0
    for _ in range(40):
        x = rng.integers(0, 12, size=(5, 4)).astype(float)
        x[rng.random((5, 4)) < 0.3] = rng.integers(0, 5)
        sym, rsym, csym = protect_table(x, row_totals=True, col_totals=True)
        s = System()
        for i in range(5):
            for j in range(4):
                s.cell((i, j), sym[i][j] or x[i, j])
            s.cell(("r", i), rsym[i] or x[i].sum())
            s.sum_eq([(i, j) for j in range(4)], ("r", i))
        for j in range(4):
            s.cell(("c", j), csym[j] or x[:, j].sum())
            s.sum_eq([(i, j) for i in range(5)], ("c", j))
        truth = {(i, j): x[i, j] for i in range(5) for j in range(4)}
        truth.update({("r", i): x[i].sum() for i in range(5)})
        truth.update({("c", j): x[:, j].sum() for j in range(4)})
        leaks += len(recovered(s, truth))
    assert leaks == 0
