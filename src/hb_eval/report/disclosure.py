"""Disclosure control of the public audience: what a public output may publish.

One step between the analyses and every public output (:func:`disclose_tables`,
:func:`public_figure_data`, :func:`output_check`); the report floor decides what is published
and computes no analysis. The rules (``disclosure:`` block of the configuration, see
docs/disclosure.md) follow the ESSnet output-checking guidelines:

* **threshold**: a count below ``min_count`` is suppressed (primary), and so is every statistic
  computed over such a count (means, SDs, shares, SMDs, estimates and their intervals);
* **models**: a subgroup model with fewer than ``min_residual_df`` residual degrees of freedom
  (``n − 2`` for the DiD of change on arm) is not published;
* **dominance** (:func:`nk_dominated`, :func:`p_percent_unsafe`) for magnitude cells;
* **secondary suppression**: the counts of every public table, and the margins they share
  across tables (Table 1, attrition, heterogeneity, reliable change, within-arm, outcome
  effects, the data appendix), form one system of linear equations. After primary suppression
  each suppressed cell is audited by linear programming (its smallest and largest value
  given everything published, as τ-Argus audits a table); while one is narrower than its
  symbol allows, a further cell of an equation it is in is suppressed (:func:`protect`).

Symbols: ``<5`` for a primary cell (a count of 1–4), ``..`` (confidential) for secondary
suppression. A zero counts no one and is published (``0``) unless secondary suppression hides
it; a statistic over a zero count is removed like one over 1–4 clients. A primary cell is
protected when the equations leave the whole of 1..4 possible for it.
"""
from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config import PRIMARY as PRIMARY_OUTCOME

__all__ = ["Rules", "SECONDARY", "primary_symbol", "protect", "protect_table",
           "disclose_tables", "public_figure_data", "nk_dominated", "p_percent_unsafe",
           "CheckRecord"]

SECONDARY = ".."
PUBLISHED, PRIMARY, SECOND, PRIMARY_HIDDEN = 0, 1, 2, 3


@dataclass(frozen=True)
class Rules:
    """The disclosure rules (defaults: Finnish practice and the ESSnet guidelines)."""

    min_count: int = 5
    nk_n: int = 2
    nk_k: float = 85.0
    p_percent: float = 10.0
    min_residual_df: int = 10

    @classmethod
    def of(cls, config: Any) -> "Rules":
        """The rules of a configuration's ``disclosure:`` block (the defaults without one)."""
        d = getattr(config, "disclosure", None)
        if d is None:
            return cls()
        return cls(d.min_count, d.nk_n, d.nk_k, d.p_percent, d.min_residual_df)


def primary_symbol(rules: Rules = Rules()) -> str:
    """The symbol of a primary-suppressed count: ``<5`` for ``min_count`` 5."""
    return f"<{rules.min_count}"


def symbol(v: float, code: int, rules: Rules = Rules()) -> str:
    """``<5`` for a primary cell (1–4), ``..`` for a secondary cell (and for a primary cell
    whose ``<5`` would bound another's value, see :func:`protect`)."""
    return primary_symbol(rules) if code == PRIMARY and 1 <= v < rules.min_count else SECONDARY


# -- dominance ---------------------------------------------------------------------------------
def nk_dominated(contributions: Sequence[float], n: int = 2, k: float = 85.0) -> bool:
    """(n, k) rule: the ``n`` largest contributions make more than ``k`` % of the total."""
    x = np.sort(np.abs(np.asarray(contributions, float)))[::-1]
    total = x.sum()
    return bool(total > 0 and x[:n].sum() > k / 100 * total)


def p_percent_unsafe(contributions: Sequence[float], p: float = 10.0) -> bool:
    """p % rule: the total minus the two largest is within ``p`` % of the largest (the second
    largest contributor could estimate the largest to within p %)."""
    x = np.sort(np.abs(np.asarray(contributions, float)))[::-1]
    if len(x) == 0 or x[0] == 0:
        return False
    rest = x.sum() - x[0] - (x[1] if len(x) > 1 else 0.0)
    return bool(rest < p / 100 * x[0])


# -- the audit and secondary suppression --------------------------------------------------------
class _Equations:
    """The published equations of one system, indexed by cell (built once per :func:`protect`)."""

    def __init__(self, rels: list[tuple[np.ndarray, int]]) -> None:
        self.terms = [np.append(ms, t) for ms, t in rels]
        self.coefs = [np.append(np.ones(len(ms)), -1.0) for ms, _ in rels]
        self.by_cell: dict[int, list[int]] = {}
        for r, cells in enumerate(self.terms):
            for c in cells.tolist():
                self.by_cell.setdefault(c, []).append(r)
        # copies: cells an equality ``([a], b)`` makes one number shown in two places
        self._copy: dict[int, list[int]] = {}
        for ms, t in rels:
            if len(ms) == 1:
                a, b = int(ms[0]), int(t)
                group = sorted({*self._copy.get(a, [a]), *self._copy.get(b, [b])})
                for m in group:
                    self._copy[m] = group

    def copies(self, c: int) -> list[int]:
        """``c`` and every cell an equality makes the same number (another table's copy)."""
        return self._copy.get(c, [c])

    def nearest(self, c: int, code: np.ndarray) -> tuple[list[int], set[int]]:
        """The hidden cells linked to ``c`` through shared equations, breadth first (``c``
        first, then the cells of its equations, ...), and those equations."""
        order, seen, eqs, at = [c], {c}, set(), 0
        while at < len(order):
            x = order[at]
            at += 1
            for r in self.by_cell.get(x, ()):
                if r in eqs:
                    continue
                eqs.add(r)
                for m in self.terms[r].tolist():
                    if m not in seen and code[m] != PUBLISHED:
                        seen.add(m)
                        order.append(m)
        return order, eqs

    def component(self, c: int, code: np.ndarray) -> tuple[list[int], list[int]]:
        """The hidden cells linked to ``c`` through shared equations, and those equations."""
        cells, eqs = self.nearest(c, code)
        return sorted(cells), sorted(eqs)

    def static_components(self, n: int) -> np.ndarray:
        """Component of every cell in the graph of all equations (hidden or not)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        if not self.terms:
            return np.arange(n)
        rows = np.concatenate([np.full(len(t), r) for r, t in enumerate(self.terms)])
        cols = np.concatenate(self.terms)
        inc = coo_matrix((np.ones(len(cols)), (rows + n, cols)), shape=(n + len(self.terms),) * 2)
        return connected_components(inc, directed=False)[1][:n]


def _bounds(v: np.ndarray, code: np.ndarray, cells: Sequence[int], rules: Rules
            ) -> np.ndarray:
    """A primary cell's value is known to be 1..min_count−1 (its symbol); any other ≥ 0
    (``(len(cells), 2)`` lower and upper bounds, ``inf`` for none)."""
    k = np.asarray(cells, int)
    known = (code[k] == PRIMARY) & (v[k] >= 1) & (v[k] < rules.min_count)
    return np.column_stack([np.where(known, 1.0, 0.0),
                            np.where(known, rules.min_count - 1.0, np.inf)])


def linprog(*args: Any, **kwargs: Any) -> Any:
    """:func:`scipy.optimize.linprog` (scipy.optimize is imported at the first audit: it takes
    a while, and a run's first line should not wait for it)."""
    from scipy.optimize import linprog as scipy_linprog

    return scipy_linprog(*args, **kwargs)


def _block_rows(col_of: dict[int, int], rs: Sequence[int], v: np.ndarray, code: np.ndarray,
                eqs: _Equations) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """One block's equations ``rs`` over its hidden cells (``col_of``: each one's column): the
    nonzeros' rows, columns and coefficients, and each equation's right-hand side (the
    published cells moved to it)."""
    rows, cols, data, rhs = [], [], [], []
    for i, r in enumerate(rs):
        b = 0.0
        for m, a in zip(eqs.terms[r].tolist(), eqs.coefs[r].tolist()):
            j = col_of.get(m) if code[m] != PUBLISHED else None
            if j is None:
                b -= a * v[m]
            else:
                rows.append(i)
                cols.append(j)
                data.append(a)
        rhs.append(b)
    return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
            np.array(data, dtype=float), rhs)


def _solve(blocks: Sequence[tuple[int, list[int], list[int]]], v: np.ndarray, code: np.ndarray,
           eqs: _Equations, rules: Rules) -> list[tuple[float, float]]:
    """Smallest and largest value of each block's target cell given the published cells.

    ``blocks``: ``(target, hidden cells, equations)``. Each block has its own copy of its
    variables, so blocks may share cells (several targets of one system), and all are solved
    together as one block-diagonal LP per direction: the blocks share no variable, so
    minimising the sum of the targets minimises each (one HiGHS call for all blocks instead
    of two per block). When a block's maximum is unbounded (or HiGHS fails), the blocks are
    solved again in two halves, down to that block alone. Returns the intervals in the order
    of ``blocks``.
    """
    from scipy.sparse import csr_matrix

    if not blocks:
        return []
    rows, cols, data, rhs, cells_of, targets = [], [], [], [], [], []
    made: dict[tuple[int, int], tuple] = {}  # a component's rows, made once for its targets
    n_row = n_col = 0
    for t, hidden, rs in blocks:
        key = (id(hidden), id(rs))  # (the lists of one component are shared: see protect)
        if key not in made:
            col_of = {k: j for j, k in enumerate(hidden)}
            made[key] = (col_of, *_block_rows(col_of, rs, v, code, eqs))
        col_of, r, c, d, b = made[key]
        rows.append(r + n_row)
        cols.append(c + n_col)
        data.append(d)
        rhs.extend(b)
        cells_of.extend(hidden)
        targets.append(n_col + col_of[t])
        n_row += len(b)
        n_col += len(hidden)
    a_eq = csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_row, n_col)) if n_row else None
    b_eq = np.array(rhs) if n_row else None
    bounds = _bounds(v, code, cells_of, rules)
    obj = np.zeros(n_col)
    obj[targets] = 1.0
    lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if len(blocks) > 1 and (lo.status != 0 or hi.status != 0):
        half = len(blocks) // 2
        return (_solve(blocks[:half], v, code, eqs, rules)
                + _solve(blocks[half:], v, code, eqs, rules))
    out = []
    for j in targets:
        low = math.ceil(lo.x[j] - 1e-6) if lo.status == 0 else 0.0
        high = math.floor(hi.x[j] + 1e-6) if hi.status == 0 else math.inf
        out.append((float(low), float(high)))
    return out


def _intervals(v: np.ndarray, code: np.ndarray, rels: list[tuple[np.ndarray, int]],
               cells: Sequence[int], rules: Rules) -> dict[int, tuple[float, float]]:
    """Smallest and largest value of each of ``cells`` given the published cells (each cell
    in the linear system of its component only)."""
    eqs = _Equations(rels)
    return {c: _solve([(c, *eqs.component(c, code))], v, code, eqs, rules)[0] for c in cells}


def _exposed(v: float, interval: tuple[float, float], rules: Rules) -> bool:
    """A primary cell is exposed when the published numbers leave it fewer than
    ``min_count - 2`` possible values (3 of the symbol's 1..4 by default)."""
    lo, hi = interval
    return hi - lo + 1 < rules.min_count - 2


def protect(values: Sequence[float], relations: Sequence[tuple[Sequence[int], int]],
            rules: Rules = Rules(), primary: np.ndarray | None = None) -> np.ndarray:
    """Primary and secondary suppression of counts bound by additive relations.

    The primary cells are audited in order; while one is exposed (:func:`_exposed`) a further
    cell of its equations is hidden (:func:`_candidate`) and it is audited again. Hiding a cell
    only widens the others' intervals, so a cell once found safe stays safe and each is
    audited until it is. Then hidden cells that protect nothing are published again (see
    :func:`_work`). The equations fall apart into independent systems (the files table: one
    per file); each is worked through on its own, and one round audits the current cell of
    every system in one LP (:func:`_solve`), which gives the same cells as working through
    them one after another.

    Parameters
    ----------
    values
        Counts (NaN: no value; never suppressed, never chosen, not in an equation).
    relations
        ``(members, total)`` index pairs: ``sum(values[members]) == values[total]``, every one
        of them published (an equality across tables is ``([a], b)``).
    rules
        The rules (``min_count``).
    primary
        Further cells to suppress as primary (e.g. by a dominance rule).

    Returns
    -------
    ndarray of int
        0 published, 1 primary, 2 secondary. No primary cell's interval under the published
        equations is narrower than its symbol allows.
    """
    v = np.asarray(values, float)
    ok = ~np.isnan(v)
    code = np.where(ok & (v >= 1) & (v < rules.min_count), PRIMARY, PUBLISHED)
    if primary is not None:
        code[np.asarray(primary, bool) & ok & (code == PUBLISHED)] = PRIMARY
    v0 = np.nan_to_num(v)
    rels = [(np.asarray([m for m in ms if ok[m]], int), int(t)) for ms, t in relations
            if ok[t]]
    eqs = _Equations(rels)
    static = eqs.static_components(len(v0))
    queues: dict[int, list[int]] = {}
    for c in np.flatnonzero(code == PRIMARY).tolist():
        if c in eqs.by_cell:
            queues.setdefault(int(static[c]), []).append(c)
    work = {s: _work(q, v0, code, eqs, rules) for s, q in queues.items()}
    asked = {s: next(w) for s, w in work.items()}
    while asked:  # one round: every system's current questions in one LP
        blocks, span, comps = [], {}, {}
        for s, cells in asked.items():
            span[s] = (len(blocks), len(blocks) + len(cells))
            for c in cells:
                got = comps.get(c)
                if got is None:
                    got = eqs.component(c, code)
                    if code[c] != PUBLISHED:  # (the component of each of its cells too)
                        comps.update(dict.fromkeys(got[0], got))
                blocks.append((c, *got))
        iv = _solve(blocks, v0, code, eqs, rules)
        for s in list(asked):
            try:
                asked[s] = work[s].send(iv[slice(*span[s])])
            except StopIteration:
                del asked[s]
    return code


def _work(queue: list[int], v: np.ndarray, code: np.ndarray, eqs: _Equations, rules: Rules
          ) -> Generator[list[int], list[tuple[float, float]], None]:
    """The suppression of one independent system, as a generator: it yields the cells it
    needs audited and is sent their intervals (:func:`protect` answers every system's
    questions of a round in one LP).

    1. The primary cells in order: while one is exposed, :func:`_fix` hides one more cell.
       Hiding only widens intervals, so every cell not yet found safe is audited at once and
       the first exposed one is fixed: the same cells as auditing one cell at a time.
    2. A hidden cell with a published copy (the same number in another table) protects
       nothing: the equality pins it, so it is published again (no interval changes).
    3. Publish again every secondary cell the others make unnecessary (the greedy choice
       hides one cell at a time, and some become redundant), the largest count first: it
       stays published when every primary cell of its component is still safe (only those
       intervals can narrow; they are audited together).
    """
    given_up = set()
    pending = list(queue)
    while pending:
        intervals = yield pending
        exposed = [c for c, iv in zip(pending, intervals) if _exposed(v[c], iv, rules)]
        if not exposed:
            break
        c = exposed[0]
        if _fix(c, v, code, eqs):
            pending = exposed
        else:
            given_up.add(c)
            pending = exposed[1:]
    hidden: set[int] = set()
    for c in queue:
        hidden.update(eqs.component(c, code)[0])
    second = [c for c in hidden if code[c] == SECOND]
    for c in second:
        if any(code[m] == PUBLISHED for m in eqs.copies(c)):
            code[c] = PUBLISHED
    for c in sorted((c for c in second if code[c] == SECOND), key=lambda k: (-v[k], k)):
        code[c] = PUBLISHED
        ask = [k for k in eqs.nearest(c, code)[0][1:]
               if code[k] in (PRIMARY, PRIMARY_HIDDEN) and k not in given_up]
        if ask and any(_exposed(v[k], iv, rules) for k, iv in zip(ask, (yield ask))):
            code[c] = SECOND


def _fix(c: int, v: np.ndarray, code: np.ndarray, eqs: _Equations) -> bool:
    """Hide one more cell for the exposed cell ``c``; False when nothing is left to hide."""
    choice = _candidate(c, v, code, eqs)
    if choice is not None:
        code[choice] = SECOND
        return True
    # nothing left to hide: a small total's "<5" itself bounds its members, so the primary
    # cells of c's equations (c last) are shown ".." (no bound of 1..4)
    near = [m for r in eqs.by_cell.get(c, []) for m in eqs.terms[r].tolist()
            if code[m] == PRIMARY and m != c] + ([c] if code[c] == PRIMARY else [])
    if near:
        code[near[0]] = PRIMARY_HIDDEN
        return True
    return False  # all hidden, all ".." and still narrow: the equations alone bound it


def _candidate(c: int, v: np.ndarray, code: np.ndarray, eqs: _Equations) -> int | None:
    """The published cell to hide next: in an equation of ``c`` (or, breadth first, of a
    hidden cell linked to it), a cell without a copy in another table before one with (its
    published copies pin it), a member before a total, the smallest count first."""
    seen, frontier = {c}, [c]
    while frontier:
        best = None
        for x in frontier:
            for r in eqs.by_cell.get(x, []):
                cells = eqs.terms[r].tolist()
                for i, m in enumerate(cells):
                    if code[m] == PUBLISHED:
                        key = (len(eqs.copies(m)) > 1, i == len(cells) - 1, v[m], m)
                        if best is None or key < best:
                            best = key
        if best is not None:
            return best[-1]
        nxt = []
        for x in frontier:
            for r in eqs.by_cell.get(x, []):
                for m in eqs.terms[r].tolist():
                    if m not in seen and code[m] != PUBLISHED:
                        seen.add(m)
                        nxt.append(m)
        frontier = nxt
    return None


def protect_table(cells: np.ndarray, *, row_totals: bool = False, col_totals: bool = False,
                  rules: Rules = Rules()) -> tuple[list[list[str | None]], list, list]:
    """:func:`protect` of an ``r × c`` count table with its shown margins: the symbols (None
    where published) of the interior, the row totals and the column totals."""
    x = np.asarray(cells, float)
    r, c = x.shape
    vals = list(x.ravel())
    rels = []
    if row_totals:
        for i in range(r):
            vals.append(np.nansum(x[i]))
            rels.append(([i * c + j for j in range(c)], len(vals) - 1))
    if col_totals:
        for j in range(c):
            vals.append(np.nansum(x[:, j]))
            rels.append(([i * c + j for i in range(r)], len(vals) - 1))
    code = protect(vals, rels, rules)
    value = np.asarray(vals, dtype=float)
    sym = [symbol(vals[k], code[k], rules) if code[k] else None for k in range(len(vals))]
    inner = [sym[i * c:(i + 1) * c] for i in range(r)]
    rest = sym[r * c:]
    return inner, rest[:r] if row_totals else [], rest[r:] if row_totals else rest


# -- the public tables ----------------------------------------------------------------------------
@dataclass
class CheckRecord:
    """What disclosure control did to one output (for output_check.json; no values)."""

    name: str
    kind: str  # table | figure | results
    cells: int = 0
    primary: int = 0
    secondary: int = 0
    statistics_removed: int = 0
    residual_df: int = 0
    dominance: int = 0
    rows_removed: int = 0
    rules: list[str] = field(default_factory=list)


def _is_count(name: str) -> bool:
    from .suppression import is_count_column

    return is_count_column(name)


_LINKED_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "heterogeneity": {c: ("n_HB", "n_Verrokki") for c in
                      ("estimate", "se", "df", "ci_low", "ci_high", "p")},
    "table1": {"smd": ("n_HB", "n_Verrokki")},
    # a share goes with its count and with its denominator (share × n gives the count)
    "reliable_change": {f"share_{k}": (f"n_{k}", "n") for k in
                        ("improved", "unchanged", "deteriorated")},
    "attrition": {"share_dropouts": ("n_dropouts", "n_baseline")},
    "satisfaction_items": {"share_agree_HB": ("n_HB",), "share_agree_Verrokki": ("n_Verrokki",)},
    "outcome_effects": {c: ("n_HB", "n_Verrokki") for c in
                        ("estimate", "se", "df", "ci_low", "ci_high", "p", "holm_p", "wild_p")},
}
_MODEL_TABLES = {"heterogeneity": 2}  # table -> parameters of its model (change ~ arm)


def _shared_margins(frames: Mapping[str, pd.DataFrame], cell: Any) -> list[tuple[list, Any]]:
    """Equations between tables (cells keyed (table, row, column)); ``cell`` gives the key of
    a cell when it exists, else None."""
    rel: list[tuple[list, Any]] = []

    def eq(a: Any, b: Any) -> None:
        if a is not None and b is not None:
            rel.append(([a], b))

    primary = PRIMARY_OUTCOME
    wa, rc, oe, ep = (frames.get(k) for k in ("within_arm", "reliable_change",
                                               "outcome_effects", "estimators_primary"))
    n_of: dict[tuple[str, str], Any] = {}
    if wa is not None:
        for i in range(len(wa)):
            n_of[(str(wa["outcome"].iloc[i]), str(wa["arm"].iloc[i]))] = cell("within_arm", i, "n")
    if rc is not None:
        for i in range(len(rc)):
            k = (str(rc["outcome"].iloc[i]), str(rc["arm"].iloc[i]))
            c = cell("reliable_change", i, "n")
            if k in n_of:
                eq(c, n_of[k])
            else:
                n_of[k] = c
    if oe is not None:
        for i in range(len(oe)):
            for arm in ("HB", "Verrokki"):
                eq(cell("outcome_effects", i, f"n_{arm}"),
                   n_of.get((str(oe["outcome"].iloc[i]), arm)))
    if ep is not None:
        for i in range(len(ep)):
            if ep["estimator"].iloc[i] != "mixed":
                for arm in ("HB", "Verrokki"):
                    eq(cell("estimators_primary", i, f"n_{arm}"), n_of.get((primary, arm)))
    t1, het, att = frames.get("table1"), frames.get("heterogeneity"), frames.get("attrition")
    if t1 is not None and "level" in t1.columns:
        lv = t1["level"]
        for cov in pd.unique(t1["covariate"]):
            rows = [i for i in range(len(t1)) if t1["covariate"].iloc[i] == cov
                    and isinstance(lv.iloc[i], str) and lv.iloc[i] != ""]
            if not rows:
                continue
            for arm in ("HB", "Verrokki"):
                tot = n_of.get((primary, arm))
                if tot is not None:
                    rel.append(([cell("table1", i, f"n_{arm}") for i in rows], tot))
        for i in range(len(t1)):
            cov, level = str(t1["covariate"].iloc[i]), t1["level"].iloc[i]
            if not (isinstance(level, str) and level):  # a continuous row: n = the sample
                for arm in ("HB", "Verrokki"):
                    eq(cell("table1", i, f"n_{arm}"), n_of.get((primary, arm)))
            if het is not None:
                for j in range(len(het)):
                    if het["by"].iloc[j] == cov and het["subgroup"].iloc[j] == level:
                        for arm in ("HB", "Verrokki"):
                            eq(cell("heterogeneity", j, f"n_{arm}"), cell("table1", i, f"n_{arm}"))
            if att is not None and cov == "pilot":
                for j in range(len(att)):
                    if att["pilot"].iloc[j] == level and att["arm"].iloc[j] in ("HB", "Verrokki"):
                        eq(cell("attrition", j, "n_completers"),
                           cell("table1", i, f"n_{att['arm'].iloc[j]}"))
    if att is not None:
        for j in range(len(att)):
            if att["pilot"].iloc[j] == "(kaikki)" and att["arm"].iloc[j] in ("HB", "Verrokki"):
                eq(cell("attrition", j, "n_completers"), n_of.get((primary, att["arm"].iloc[j])))
    return [r for r in rel if None not in r[0] and r[1] is not None]


def disclose_tables(tables: Mapping[str, Any], rules: Rules = Rules()
                    ) -> tuple[dict[str, Any], list[CheckRecord]]:
    """The public form of the report's tables (:class:`~hb_eval.report.tables.Table`), with
    one record per table of what was suppressed and why.

    Every count column (``is_count_column``) of every table is a cell of one system; the
    tables' own relations (``row_relations``, ``col_relations``, ``total_col``) and the
    margins they share (:func:`_shared_margins`) are its equations.
    """
    keys: dict[tuple[str, int, str], int] = {}
    vals: list[float] = []
    frames = {k: t.frame for k, t in tables.items()}
    for name, t in tables.items():
        f = t.frame
        cols = [c for c in f.columns if _is_count(c)]
        for c in cols:
            num = pd.to_numeric(f[c], errors="coerce").to_numpy(float)
            for i in range(len(f)):
                keys[(name, i, c)] = len(vals)
                vals.append(num[i])

    def cell(name: str, i: int, col: str) -> int | None:
        return keys.get((name, i, col))

    rels: list[tuple[list[int], int]] = []
    for name, t in tables.items():
        f = t.frame
        n = len(f)
        for members, total in t.row_relations:
            for i in range(n):
                ms = [cell(name, i, m) for m in members]
                if None not in ms and cell(name, i, total) is not None:
                    rels.append((ms, cell(name, i, total)))
        counts = [c for c in f.columns if _is_count(c)]
        for members, total in t.col_relations:
            pos = {lab: i for i, lab in enumerate(f.index)}
            for c in counts:
                rels.append(([cell(name, pos[m], c) for m in members], cell(name, pos[total], c)))
        if t.total_col is not None and not t.row_relations:
            inner = [c for c in counts if c != t.total_col]
            for i in range(n):
                rels.append(([cell(name, i, c) for c in inner], cell(name, i, t.total_col)))
    rels += _shared_margins(frames, cell)
    code = protect(vals, rels, rules)
    value = np.asarray(vals, dtype=float)

    out, records = {}, []
    for name, t in tables.items():
        f = t.frame.copy()
        rec = CheckRecord(name, "table")
        counts = [c for c in f.columns if _is_count(c)]
        hidden = pd.DataFrame(False, index=f.index, columns=counts)
        for c in counts:
            at = np.array([keys[(name, i, c)] for i in range(len(f))], dtype=np.int64)
            v, cd = value[at], np.asarray(code)[at]
            rec.cells += int((~np.isnan(v)).sum())
            col = f[c].astype(object).to_numpy(copy=True)
            on = np.flatnonzero(cd)
            for i in on:  # the hidden cells only (set one by one, they were seconds at 100k)
                col[i] = symbol(v[i], cd[i], rules)
            hidden[c] = cd != PUBLISHED
            rec.primary += int(np.isin(cd, (PRIMARY, PRIMARY_HIDDEN)).sum())
            rec.secondary += int((cd == SECOND).sum())
            f[c] = pd.Series(col, index=f.index, dtype=object)
        linked = {d: (b,) if isinstance(b, str) else tuple(b) for d, b in t.linked.items()}
        for d, b in _LINKED_EXTRA.get(name, {}).items():
            if d in f.columns:
                linked[d] = b
        for d, bases in linked.items():
            bases = [b for b in bases if b in hidden.columns]
            if d not in f.columns or not bases:
                continue
            small = pd.concat([pd.to_numeric(t.frame[b], errors="coerce") < rules.min_count
                               for b in bases], axis=1).any(axis=1)
            hit = hidden[bases].any(axis=1) | small
            had = f[d].notna()
            f[d] = f[d].astype(object)
            f.loc[hit, d] = None
            rec.statistics_removed += int((hit & had).sum())
        if name in _MODEL_TABLES and {"n_HB", "n_Verrokki"} <= set(t.frame.columns):
            n = (pd.to_numeric(t.frame["n_HB"], errors="coerce")
                 + pd.to_numeric(t.frame["n_Verrokki"], errors="coerce"))
            low = (n - _MODEL_TABLES[name] < rules.min_residual_df).to_numpy()
            for d in _LINKED_EXTRA[name]:
                if d in f.columns:
                    had = f[d].notna().to_numpy()
                    rec.residual_df += int((low & had).sum())
                    f[d] = f[d].astype(object)
                    f.loc[low, d] = None
        if name == "table1":  # shares over the sample: gone when the sample's n is hidden
            for arm in ("HB", "Verrokki"):
                if f"share_{arm}" in f.columns and f[f"n_{arm}"].map(
                        lambda v: isinstance(v, str)).any():
                    rec.statistics_removed += int(f[f"share_{arm}"].notna().sum())
                    f[f"share_{arm}"] = None
        rec.rules = _rules_of(rec)
        import dataclasses

        out[name] = dataclasses.replace(t, frame=f)
        records.append(rec)
    return out, records


def _rules_of(rec: CheckRecord) -> list[str]:
    r = []
    if rec.cells:
        r.append("threshold")
    if rec.secondary:
        r.append("secondary")
    if rec.residual_df:
        r.append("residual_df")
    if rec.dominance:
        r.append("dominance")
    return r


# -- figures ----------------------------------------------------------------------------------
def public_figure_data(ev: Any, tables: Mapping[str, Any] | None = None,
                       rules: Rules | None = None) -> dict[str, dict[str, Any]]:
    """The figures' data after disclosure control: a point whose table cell was suppressed
    (or whose group is under ``min_count``) is not drawn.

    * ``love_plot``: levels whose Table 1 count of either arm is suppressed;
    * ``forest_pilot``: pilots whose heterogeneity estimate is not published;
    * ``change_by_arm``: arms whose within-arm n is suppressed.
    """
    rules = rules or Rules.of(getattr(ev, "config", None))
    if tables is None:
        from .table_specs import make_tables

        tables, _ = disclose_tables(make_tables(ev.tables, "en"), rules)
    data = dict(ev.figure_data)
    t1 = tables.get("table1")
    if "love_plot" in data and t1 is not None:
        f = t1.frame
        bad = {(str(c), str(lv)) for c, lv, a, b in zip(f["covariate"], f["level"], f["n_HB"],
                                                       f["n_Verrokki"])
               if isinstance(a, str) or isinstance(b, str) or min(a, b) < rules.min_count}
        df = data["love_plot"]["df"]
        keep = [(str(c), str(lv)) not in bad for c, lv in zip(df["covariate"], df["level"])]
        data["love_plot"] = {**data["love_plot"], "df": df.loc[keep].reset_index(drop=True)}
    het = tables.get("heterogeneity")
    if "forest_pilot" in data and het is not None:
        f = het.frame
        shown = {str(s) for b, s, e in zip(f["by"], f["subgroup"], f["estimate"])
                 if b == "pilot" and e is not None and not pd.isna(e)}
        df = data["forest_pilot"]["df"]
        lab = df["label"] if "label" in df.columns else df.iloc[:, 0]
        df = df.loc[[str(x) in shown for x in lab]].reset_index(drop=True)
        data["forest_pilot"] = {**data["forest_pilot"], "df": df.drop(columns="n", errors="ignore")}
    wa = tables.get("within_arm")
    if "change_by_arm" in data and wa is not None:
        f = wa.frame
        bad = {(str(o), str(a)) for o, a, n in zip(f["outcome"], f["arm"], f["n"])
               if isinstance(n, str)}
        df = data["change_by_arm"]["df"]
        if {"outcome", "arm"} <= set(df.columns):
            keep = [(str(o), str(a)) not in bad for o, a in zip(df["outcome"], df["arm"])]
            data["change_by_arm"] = {**data["change_by_arm"],
                                     "df": df.loc[keep].reset_index(drop=True)}
    return data


# -- results.json ---------------------------------------------------------------------------------
def align_results(results: dict[str, Any], tables: Mapping[str, Any]) -> dict[str, Any]:
    """Give the counts results.json shares with the public tables the tables' decisions
    (a count hidden in a table is hidden in results.json, with its statistics)."""
    import copy

    res = copy.deepcopy(results)
    outcomes = res.get("outcomes") if isinstance(res.get("outcomes"), dict) else {}
    wa = tables.get("within_arm")
    if wa is not None:
        for o, arm, n in zip(wa.frame["outcome"], wa.frame["arm"], wa.frame["n"]):
            block = outcomes.get(str(o))
            if isinstance(n, str) and isinstance(block, dict):
                if isinstance(block.get("n"), dict) and arm in block["n"]:
                    block["n"][arm] = n
                within = (block.get("within") or {}).get(arm)
                if isinstance(within, dict):
                    for k in within:
                        within[k] = None
    rc = tables.get("reliable_change")
    if rc is not None:
        f = rc.frame
        for i in range(len(f)):
            block = outcomes.get(str(f["outcome"].iloc[i]))
            cats = ((block or {}).get("reliable_change") or {}).get(str(f["arm"].iloc[i]))
            if not isinstance(cats, dict):
                continue
            if isinstance(f["n"].iloc[i], str):
                cats["n"] = f["n"].iloc[i]
            for k in ("improved", "unchanged", "deteriorated"):
                v = f[f"n_{k}"].iloc[i] if f"n_{k}" in f.columns else None
                if f"n_{k}" in cats and v is not None:  # the table's decision, zeros too
                    cats[f"n_{k}"] = _plain(v)
                    if isinstance(cats[f"n_{k}"], str) or isinstance(f["n"].iloc[i], str):
                        cats[k] = None
    data = res.get("data") if isinstance(res.get("data"), dict) else {}
    ft, files = tables.get("files"), data.get("files")
    if ft is not None and isinstance(files, list) and len(files) == len(ft.frame):
        # the table lists data.files in order; its rows as arrays (DataFrame.values), not a
        # Series per row (16,410 files at 100,000 clients)
        names = list(ft.frame.columns)
        cols = {k: names.index(k) for k in ("rows_read", "rows_kept", "rows_quarantined")
                if k in names}
        for entry, row in zip(files, ft.frame.values):
            if isinstance(entry, dict):
                entry.update({k: _plain(row[j]) for k, j in cols.items() if k in entry})
    qt, reasons = tables.get("quarantine_by_reason"), data.get("quarantine_by_reason")
    if qt is not None and isinstance(reasons, dict):
        for reason, count in zip(qt.frame["reason"], qt.frame["count"]):
            if str(reason) in reasons:
                reasons[str(reason)] = _plain(count)
    si = tables.get("satisfaction_items")
    items = (res.get("satisfaction") or {}).get("items") if isinstance(
        res.get("satisfaction"), dict) else None
    if si is not None and isinstance(items, dict):
        for _, row in si.frame.iterrows():
            item = items.get(str(row["item"]))
            if not isinstance(item, dict):
                continue
            for arm in ("HB", "Verrokki"):
                for k in (f"n_{arm}", f"share_agree_{arm}"):
                    if k in item and k in row.index:
                        item[k] = _plain(row[k])
    att = tables.get("attrition")
    clients = data.get("clients")
    if att is not None and isinstance(clients, dict):
        f = att.frame
        for arm, pilot, n in zip(f["arm"], f["pilot"], f["n_clients"]):
            if pilot == "(kaikki)" and arm in clients and isinstance(n, str):
                clients[arm] = n
    return res


def _plain(v: Any) -> Any:
    """A table cell as results.json writes it (a symbol, None for a removed statistic)."""
    if isinstance(v, str) or v is None:
        return v
    if pd.isna(v):
        return None
    return int(v) if float(v).is_integer() else float(v)


# -- the output-check file ------------------------------------------------------------------------
_LEGEND = {
    "fi": ("<5 = 1–4 asiakasta (ensisijainen salaus); .. = salassa pidettävä tieto "
           "(toissijainen salaus, jotta piilotettua lukua ei voi päätellä muista luvuista); "
           "tyhjä tunnusluku = laskettu alle {k} asiakkaasta tai mallista, jossa on alle {df} "
           "jäännösvapausastetta."),
    "en": ("<5 = 1–4 clients (primary suppression); .. = confidential (secondary suppression, so "
           "that no hidden count can be worked out from the others); a blank statistic = "
           "computed over fewer than {k} clients or from a model with fewer than {df} residual "
           "degrees of freedom."),
}


def legend(lang: str, rules: Rules = Rules()) -> str:
    """The symbols' legend in the report's language."""
    return _LEGEND.get(lang, _LEGEND["en"]).format(k=rules.min_count, df=rules.min_residual_df)


def figure_records(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[CheckRecord]:
    """One record per figure: how many points disclosure control removed."""
    out = []
    for name in sorted(before):
        b = (before.get(name) or {}).get("df")
        a = (after.get(name) or {}).get("df")
        rec = CheckRecord(name, "figure")
        if b is not None:
            rec.cells = len(b)
            rec.rows_removed = len(b) - (len(a) if a is not None else 0)
            rec.rules = ["threshold"] if rec.rows_removed else []
        out.append(rec)
    return out


def output_check(records: Sequence[CheckRecord], rules: Rules, audience: str) -> dict[str, Any]:
    """The machine-readable output check (no value of any suppressed cell in it)."""
    from dataclasses import asdict

    return {
        "output_check_version": 1,
        "audience": audience,
        "applied": audience == "public",
        "rules": {"threshold": {"min_count": rules.min_count,
                                "applies_to": "counts, and every statistic over fewer clients"},
                  "dominance_nk": {"n": rules.nk_n, "k_percent": rules.nk_k},
                  "p_percent": {"p": rules.p_percent},
                  "residual_df": {"min": rules.min_residual_df},
                  "secondary": "linear-programming audit over every table and the margins "
                               "they share; each primary cell keeps the whole of 1..4"},
        "symbols": {f"<{rules.min_count}": "primary suppression: 1 to "
                                          f"{rules.min_count - 1} clients",
                    "..": "secondary suppression (confidential)"},
        "outputs": [asdict(r) for r in records],
        "totals": {k: sum(getattr(r, k) for r in records) for k in
                   ("cells", "primary", "secondary", "statistics_removed", "residual_df",
                    "dominance", "rows_removed")},
    }


def output_check_html(check: Mapping[str, Any], lang: str, rules: Rules) -> str:
    """A readable page of the output check (the appendix for the reviewer)."""
    from html import escape

    title = "Tulosteiden tarkistus" if lang == "fi" else "Output check"
    applied = ("Julkinen raportti: säännöt on sovellettu." if lang == "fi" else
               "Public report: the rules were applied.") if check["applied"] else (
        "Sisäinen raportti: luvut näkyvät sellaisinaan; taulukko kertoo, mitä julkinen raportti "
        "salaisi." if lang == "fi" else "Internal report: numbers are shown as they are; the "
        "table says what a public report would suppress.")
    head = ["output", "kind", "cells", "primary", "secondary", "statistics_removed",
            "residual_df", "dominance", "rows_removed", "rules"]
    rows = "".join("<tr>" + "".join(
        f"<td>{escape(', '.join(r[h]) if isinstance(r[h], list) else str(r[h]))}</td>"
        for h in ["name", *head[1:]]) + "</tr>" for r in check["outputs"])
    return (f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title></head><body><main><h1>{title}</h1><p>{escape(applied)}</p>"
            f"<p>{escape(legend(lang, rules))}</p><table><thead><tr>"
            + "".join(f"<th scope=\"col\">{h}</th>" for h in head)
            + f"</tr></thead><tbody>{rows}</tbody></table></main></body></html>\n")
