"""A differencing attacker for public outputs, independent of hb_eval's suppression code.

It reads what a public report publishes (the tables as written in ``tables/*.csv``, the public
``results.json`` and the figures' data) the way a reader with a spreadsheet would, and knows
only what any reader knows about the tables: which counts add up to which (rows, columns,
totals), which counts are the same people in two tables (the shared margins of Table 1,
attrition, heterogeneity, reliable change, within-arm, the outcome effects and the data
appendix), and that a share is a count over its denominator. It imports nothing from
``hb_eval.report`` (its knowledge is written here, from the tables' definitions in
docs/ARCHITECTURE.md, not from the suppression code).

Every published number becomes a linear equation in the unknown (suppressed) cells; for each
suppressed cell ``scipy.optimize.linprog`` finds the smallest and largest value the equations
allow (bounds ``>= 0``; a ``<5`` cell is ``1..4`` by its symbol; bounds rounded to integers),
as τ-Argus audits a table. A suppressed cell whose true count is 1 to ``min_count - 1`` is
**recovered** when the interval leaves it fewer than ``min_count - 2`` possible values (the
protection level: 3 of the ``<5`` symbol's 1..4; a reader may not tell it within ±1).

:func:`small_statistics` is the second check: every statistic still published (a mean, share,
SD, SMD, estimate or interval, in a table, results.json or a figure) whose group has fewer
than ``min_count`` clients in the evaluation's own (internal) tables.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

MIN_COUNT = 5
ARMS = ("HB", "Verrokki")
ALL = "(kaikki)"


# -- the published values --------------------------------------------------------------------
def read_csv_table(path: Path) -> pd.DataFrame:
    """A published CSV as the reader sees it: text cells; numbers in the file's locale."""
    raw = path.read_text(encoding="utf-8-sig")
    head = raw.splitlines()[0] if raw else ""
    sep = ";" if head.count(";") >= head.count(",") else ","
    df = pd.read_csv(io.StringIO(raw), sep=sep, dtype=str, keep_default_na=False)
    if sep == ";":
        df = df.apply(lambda s: s.str.replace(",", ".", regex=False))
    return df


def read_publication(out: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """(tables, results) of a written public report folder."""
    tables = {p.stem: read_csv_table(p) for p in sorted((out / "tables").glob("*.csv"))}
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return tables, results


def value(v: Any) -> float | str | None:
    """A published cell: a float, a symbol (``<5``, ``..``), or None (blank)."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return None if math.isnan(float(v)) else float(v)
    s = str(v).strip()
    if s in ("", "nan", "None", "null"):
        return None
    if s.startswith("<") or s == "..":
        return s
    try:
        return float(s.replace("\u2212", "-"))
    except ValueError:
        return s


# -- the equations ---------------------------------------------------------------------------
@dataclass
class System:
    """Cells (published or not) and linear equations between them."""

    cells: dict[Any, Any] = field(default_factory=dict)  # key -> published value
    equations: list[tuple[dict[Any, float], float]] = field(default_factory=list)

    def cell(self, key: Any, v: Any) -> Any:
        """Register a count cell; a cell published in two places must agree (or one hides)."""
        v = value(v)
        old = self.cells.get(key)
        if key not in self.cells or isinstance(old, str) or old is None:
            self.cells[key] = v if (key not in self.cells or v is not None) else old
        return key

    def eq(self, terms: Mapping[Any, float], rhs: float = 0.0) -> None:
        self.equations.append((dict(terms), float(rhs)))

    def sum_eq(self, members: Iterable[Any], total: Any) -> None:
        t = {m: 1.0 for m in members}
        t[total] = t.get(total, 0.0) - 1.0
        self.eq(t)

    def share_eq(self, share: Any, count: Any, denominator: Any) -> None:
        """A published share ``count / denominator`` (a linear equation once it is known)."""
        s = value(share)
        if isinstance(s, float):
            self.eq({count: 1.0, denominator: -s})

    # -- the audit ---------------------------------------------------------------------------
    def intervals(self, keys: Iterable[Any] | None = None, *, trust_symbols: bool = True
                  ) -> dict[Any, tuple[float, float]]:
        """For each unknown cell (or those in ``keys``) the interval the equations allow.

        A ``<k`` cell is ``1..k-1`` when ``trust_symbols``; when the publication contradicts
        that (a ``<5`` that hides a larger count), the symbols are read as ``>= 0`` instead.
        """
        unknown = [k for k, v in self.cells.items() if not isinstance(v, float)]
        for terms, _ in self.equations:  # a cell only in an equation: unknown, >= 0
            for k in terms:
                if k not in self.cells:
                    self.cells[k] = None
                    unknown.append(k)
        idx = {k: i for i, k in enumerate(unknown)}
        rows, rhs = [], []
        for terms, b in self.equations:
            row = np.zeros(len(unknown))
            c = b
            for k, a in terms.items():
                v = self.cells[k]
                if isinstance(v, float):
                    c -= a * v
                else:
                    row[idx[k]] += a
            if np.any(row != 0):
                rows.append(row)
                rhs.append(c)
        bounds = []
        for k in unknown:
            v = self.cells[k]
            if trust_symbols and isinstance(v, str) and v.startswith("<"):
                bounds.append((1.0, float(v[1:]) - 1.0))
            else:
                bounds.append((0.0, None))
        a_eq = np.array(rows) if rows else None
        b_eq = np.array(rhs) if rows else None
        out = {}
        for k in (unknown if keys is None else [k for k in keys if k in idx]):
            c = np.zeros(len(unknown))
            c[idx[k]] = 1.0
            lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if lo.status == 2:  # infeasible: the symbols lie, or the numbers disagree
                if trust_symbols:
                    return self.intervals(keys, trust_symbols=False)
                raise AssertionError(f"published equations are inconsistent ({lo.message})")
            low = math.ceil(lo.fun - 1e-6) if lo.status == 0 else 0.0
            high = math.floor(-hi.fun + 1e-6) if hi.status == 0 else math.inf
            out[k] = (float(low), float(high))
        return out


@dataclass
class Finding:
    key: Any
    symbol: Any
    truth: float
    interval: tuple[float, float]

    def __str__(self) -> str:
        return (f"{self.key}: published {self.symbol!r}, true {self.truth:g}, the equations "
                f"give {self.interval[0]:g}..{self.interval[1]:g}")


def recovered(system: System, truth: Mapping[Any, float], min_count: int = MIN_COUNT
              ) -> list[Finding]:
    """Suppressed cells with a true count below ``min_count`` that the equations reveal."""
    small = [k for k, v in system.cells.items()
             if not isinstance(v, float) and k in truth and 1 <= truth[k] < min_count]
    found = []
    for k, (lo, hi) in system.intervals(small).items():
        sym = system.cells[k]
        if hi - lo + 1 < min_count - 2:
            found.append(Finding(k, sym, truth[k], (lo, hi)))
    return found


# -- what a reader knows about hb_eval's tables ----------------------------------------------
def _num(df: pd.DataFrame, col: str, i: int) -> Any:
    return df[col].iloc[i] if col in df.columns else None


def build_system(tables: Mapping[str, pd.DataFrame], results: Mapping[str, Any],
                 figures: Mapping[str, pd.DataFrame] | None = None,
                 primary: str = "kykyviisari_total") -> System:
    """Every published count and share of a publication as equations (keys are semantic)."""
    s = System()
    att = tables.get("attrition")
    att_cols = ["n_clients", "n_no_baseline", "n_baseline", "n_completers", "n_dropouts",
                "n_dropouts_ongoing", "n_dropouts_ended"]
    if att is not None and len(att):
        for i in range(len(att)):
            arm, pilot = att["arm"].iloc[i], att["pilot"].iloc[i]
            k = {c: s.cell(("att", c, arm, pilot), _num(att, c, i)) for c in att_cols
                 if c in att.columns}
            s.sum_eq([k["n_no_baseline"], k["n_baseline"]], k["n_clients"])
            s.sum_eq([k["n_completers"], k["n_dropouts"]], k["n_baseline"])
            s.sum_eq([k["n_dropouts_ongoing"], k["n_dropouts_ended"]], k["n_dropouts"])
            if "share_dropouts" in att.columns:
                s.share_eq(att["share_dropouts"].iloc[i], k["n_dropouts"], k["n_baseline"])
        pilots = sorted(set(att["pilot"]) - {ALL})
        arms = sorted(set(att["arm"]) - {ALL})
        for c in att_cols:
            for arm in arms:
                s.sum_eq([("att", c, arm, p) for p in pilots
                          if ((att["arm"] == arm) & (att["pilot"] == p)).any()],
                         ("att", c, arm, ALL))
            s.sum_eq([("att", c, a, ALL) for a in arms], ("att", c, ALL, ALL))
        for arm in arms:  # the primary outcome's sample = the completers
            for p in pilots:
                if ((att["arm"] == arm) & (att["pilot"] == p)).any():
                    s.sum_eq([("att", "n_completers", arm, p)], ("grp", arm, "pilot", p))
            s.sum_eq([("att", "n_completers", arm, ALL)], ("N", primary, arm))
            s.sum_eq([("att", "n_clients", arm, ALL)], ("clients", arm))
    t1 = tables.get("table1")
    if t1 is not None and len(t1):
        for cov, g in t1.groupby("covariate", sort=False):
            categorical = g["level"].ne("").all() if "level" in g.columns else False
            if not categorical:
                continue
            for arm in ARMS:
                members = []
                for i in g.index:
                    key = ("grp", arm, cov, g.loc[i, "level"])
                    s.cell(key, g.loc[i, f"n_{arm}"])
                    members.append(key)
                    s.share_eq(g.loc[i, f"share_{arm}"], key, ("N", primary, arm))
                s.sum_eq(members, ("N", primary, arm))
    het = tables.get("heterogeneity")
    if het is not None and len(het):
        for i in range(len(het)):
            by, sub = het["by"].iloc[i], het["subgroup"].iloc[i]
            ks = [s.cell(("grp", arm, by, sub), _num(het, f"n_{arm}", i)) for arm in ARMS]
            s.sum_eq(ks, s.cell(("grp", "both", by, sub), _num(het, "n", i)))
    rc = tables.get("reliable_change")
    if rc is not None and len(rc):
        for i in range(len(rc)):
            o, arm = rc["outcome"].iloc[i], rc["arm"].iloc[i]
            n = s.cell(("N", o, arm), _num(rc, "n", i))
            parts = []
            for cat in ("improved", "unchanged", "deteriorated"):
                k = s.cell(("rc", o, arm, cat), _num(rc, f"n_{cat}", i))
                parts.append(k)
                if f"share_{cat}" in rc.columns:
                    s.share_eq(rc[f"share_{cat}"].iloc[i], k, n)
            s.sum_eq(parts, n)
    wa = tables.get("within_arm")
    if wa is not None and len(wa):
        for i in range(len(wa)):
            s.cell(("N", wa["outcome"].iloc[i], wa["arm"].iloc[i]), _num(wa, "n", i))
    oe = tables.get("outcome_effects")
    if oe is not None and len(oe):
        for i in range(len(oe)):
            for arm in ARMS:
                s.cell(("N", oe["outcome"].iloc[i], arm), _num(oe, f"n_{arm}", i))
    ep = tables.get("estimators_primary")
    if ep is not None and len(ep):
        for i in range(len(ep)):
            if ep["estimator"].iloc[i] in ("did", "did_adjusted", "ancova", "dr_did"):
                for arm in ARMS:
                    s.cell(("N", primary, arm), _num(ep, f"n_{arm}", i))
    files = tables.get("files")
    if files is not None and len(files) and "rows_read" in files.columns:
        for i in range(len(files)):
            ks = [s.cell(("file", i, c), _num(files, c, i))
                  for c in ("rows_read", "rows_kept", "rows_quarantined")]
            s.sum_eq(ks[1:], ks[0])
    _results_equations(s, results)
    for name, df in (figures or {}).items():
        if name == "love_plot" and df is not None and "n_HB" in df.columns:
            for i in range(len(df)):
                lv = df["level"].iloc[i] if "level" in df.columns else None
                if isinstance(lv, str) and lv:
                    for arm in ARMS:
                        s.cell(("grp", arm, df["covariate"].iloc[i], lv), df[f"n_{arm}"].iloc[i])
    return s


def _results_equations(s: System, results: Mapping[str, Any]) -> None:
    data = results.get("data") or {}
    clients = data.get("clients") or {}
    for arm in ARMS:
        if arm in clients:
            s.cell(("clients", arm), clients[arm])
    for o, block in (results.get("outcomes") or {}).items():
        if not isinstance(block, dict):
            continue
        for arm, n in (block.get("n") or {}).items():
            s.cell(("N", o, arm), n)
        for arm, cats in (block.get("reliable_change") or {}).items():
            if not isinstance(cats, dict):
                continue
            n = s.cell(("N", o, arm), cats.get("n"))
            parts = []
            for cat in ("improved", "unchanged", "deteriorated"):
                k = s.cell(("rc", o, arm, cat), cats.get(f"n_{cat}"))
                parts.append(k)
                s.share_eq(cats.get(cat), k, n)
            s.sum_eq(parts, n)


def truth_of(system: System, tables: Mapping[str, pd.DataFrame], results: Mapping[str, Any]
             ) -> dict[Any, float]:
    """The true value of every cell, from the internal (unsuppressed) publication."""
    internal = build_system(tables, results)
    return {k: v for k, v in internal.cells.items() if isinstance(v, float)}


def attack(public: tuple[Mapping[str, pd.DataFrame], Mapping[str, Any]],
           internal: tuple[Mapping[str, pd.DataFrame], Mapping[str, Any]],
           figures: Mapping[str, pd.DataFrame] | None = None,
           min_count: int = MIN_COUNT) -> list[Finding]:
    """Run the differencing attack on a public publication; the internal one gives the truth."""
    system = build_system(*public, figures=figures)
    return recovered(system, truth_of(system, *internal), min_count)


# -- statistics over small groups --------------------------------------------------------------
#: table -> (key columns, {statistic column: count columns it is computed over}).
STATISTICS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "table1": (("covariate", "level"), {
        "share_HB": ("n_HB",), "share_Verrokki": ("n_Verrokki",),
        "mean_HB": ("n_HB",), "sd_HB": ("n_HB",), "mean_Verrokki": ("n_Verrokki",),
        "sd_Verrokki": ("n_Verrokki",), "smd": ("n_HB", "n_Verrokki")}),
    "heterogeneity": (("by", "subgroup"), {
        c: ("n_HB", "n_Verrokki") for c in ("estimate", "se", "ci_low", "ci_high", "p")}),
    "within_arm": (("outcome", "arm"), {
        c: ("n",) for c in ("mean_baseline", "mean_end", "mean_change", "ci_low", "ci_high",
                            "d_z", "g_av")}),
    "reliable_change": (("outcome", "arm"), {
        f"share_{c}": (f"n_{c}",) for c in ("improved", "unchanged", "deteriorated")}),
    "attrition": (("arm", "pilot"), {"share_dropouts": ("n_dropouts",)}),
}


def small_statistics(public: Mapping[str, pd.DataFrame], internal: Mapping[str, pd.DataFrame],
                     figures: Mapping[str, pd.DataFrame] | None = None,
                     min_count: int = MIN_COUNT) -> list[str]:
    """Published statistics whose group has fewer than ``min_count`` clients (or, for the
    subgroup models, fewer than 10 residual degrees of freedom)."""
    found = []
    for name, (keys, stats) in STATISTICS.items():
        pub, inn = public.get(name), internal.get(name)
        if pub is None or inn is None or not len(pub):
            continue
        truth = {tuple(str(r[k]) for k in keys): r for _, r in inn.iterrows()}
        for _, r in pub.iterrows():
            t = truth.get(tuple(str(r[k]) for k in keys))
            if t is None:
                continue
            for col, counts in stats.items():
                if col not in pub.columns or not isinstance(value(r[col]), float):
                    continue
                ns = [float(t[c]) for c in counts if c in t.index]
                if any(n < min_count for n in ns):
                    found.append(f"{name}:{dict(zip(keys, (r[k] for k in keys)))}:{col} "
                                 f"over {ns} clients")
                elif name == "heterogeneity" and sum(ns) - 2 < 10:
                    found.append(f"{name}:{r['subgroup']}:{col}: {sum(ns) - 2:g} residual df")
    love = (figures or {}).get("love_plot")
    t1 = internal.get("table1")
    if love is not None and t1 is not None and "level" in love.columns:
        n = {(str(r["covariate"]), str(r["level"])): (float(r["n_HB"]), float(r["n_Verrokki"]))
             for _, r in t1.iterrows()}
        for _, r in love.iterrows():
            key = (str(r["covariate"]), str(r["level"]))
            if key in n and isinstance(value(r["smd_unweighted"]), float) and \
                    min(n[key]) < min_count:
                found.append(f"love_plot:{key}: SMD over {n[key]} clients")
    forest = (figures or {}).get("forest_pilot")
    het = internal.get("heterogeneity")
    if forest is not None and het is not None and len(forest):
        hp = het[het["by"] == "pilot"].set_index("subgroup")
        label = "label" if "label" in forest.columns else "subgroup"
        for _, r in forest.iterrows():
            p = str(r[label])
            if p in hp.index and isinstance(value(r.get("estimate")), float) and min(
                    float(hp.loc[p, "n_HB"]), float(hp.loc[p, "n_Verrokki"])) < min_count:
                found.append(f"forest_pilot:{p}: estimate over fewer than {min_count}")
    return found
