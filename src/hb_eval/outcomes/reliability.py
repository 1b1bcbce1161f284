"""Internal consistency of the multi-item scales: Cronbach's alpha with a confidence interval.

Alpha comes from :func:`pingouin.cronbach_alpha` on complete cases (listwise deletion, so ``n``
is the number of respondents actually used). The interval is Feldt's F-based interval (Feldt,
Woodruff & Salih 1987), the one pingouin reports; we recompute it unrounded from the same
formula because pingouin rounds its bounds to three decimals.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from .scores import (CORE_DOMAINS, WAVES, ScaleRules, _category_rules, _coded_answers,
                     _flagged_missing, _is_text, _outside_scale, _prepare, _resolve_rules)

__all__ = ["cronbach_alpha", "alpha_table"]

CI_METHODS = ("feldt",)


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    a = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - alpha) * stats.f.isf(a / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.isf(1 - a / 2, df1, df2)
    return float(lo), float(hi)


def cronbach_alpha(items_wide: pd.DataFrame, ci_method: str = "feldt",
                   confidence: float = 0.95) -> pd.Series:
    """Cronbach's alpha of one scale, with its confidence interval.

    Parameters
    ----------
    items_wide
        One row per respondent, one numeric column per item, already reverse-coded. Rows with
        any missing item are left out (listwise); ``n`` says how many were used.
    ci_method
        ``"feldt"``: the F-distribution interval of Feldt, Woodruff & Salih (1987).
    confidence
        Coverage of the interval.

    Returns
    -------
    Series
        alpha, ci_low, ci_high, ci_method, confidence, n (complete cases), k (items).
        alpha and the bounds are NaN when fewer than 2 complete cases or 2 items.
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {CI_METHODS}, not {ci_method!r}")
    data = items_wide.apply(pd.to_numeric).astype(float).dropna(axis=0, how="any")
    n, k = data.shape
    alpha = lo = hi = np.nan
    if n >= 2 and k >= 2 and np.isfinite(data.var(ddof=1).sum()) and data.sum(axis=1).var() > 0:
        alpha = float(pg.cronbach_alpha(data=data, nan_policy="listwise", ci=confidence)[0])
        lo, hi = _feldt(alpha, n, k, confidence)
    return pd.Series({"alpha": alpha, "ci_low": lo, "ci_high": hi, "ci_method": ci_method,
                      "confidence": confidence, "n": int(n), "k": int(k)})


class _Coded:
    """Integer codes of a frame's columns, each column factorized once (categoricals by their
    own codes, in category order) and shared by every scale cut from the frame."""

    def __init__(self, df: pd.DataFrame, as_text: tuple[str, ...] = ()):
        self.df, self.as_text, self._codes = df, as_text, {}

    def __call__(self, col: str, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
        if col not in self._codes:
            s = self.df[col]
            if isinstance(s.dtype, pd.CategoricalDtype):   # the codes as they are (int8..32)
                codes, uniq = s.cat.codes.to_numpy(), s.cat.categories
            else:
                codes, uniq = pd.factorize(s, sort=sort)
                uniq = pd.Index(uniq)
            if col in self.as_text:
                uniq = uniq.astype(str)
            self._codes[col] = (codes, uniq)
        return self._codes[col]

    def constant(self, col: str, value: Any) -> None:
        """``col`` holds ``value`` in every row (one group, no factorization)."""
        self._codes[col] = (np.zeros(len(self.df), dtype=np.int8), pd.Index([value]))

    def items_from(self, item: pd.Series, derived: tuple[str, ...] = (),
                   per_category: dict[str, pd.Series] | None = None) -> None:
        """Code ``item`` (the text of the frame's ``item`` column) from the categorical it was
        made of, in the order of the text, and the columns ``derived`` from the item (a value
        per item: the rules' domain) from the first row of each item, or, given
        ``per_category``, from its value per category of ``item``."""
        if not isinstance(item.dtype, pd.CategoricalDtype) or (item.cat.codes < 0).any():
            return
        names = pd.Index(item.cat.categories.astype(str))
        if not names.is_unique:
            return
        order = np.argsort(names.to_numpy(dtype=object), kind="stable")
        rank = np.empty(len(names), dtype=np.int64)
        rank[order] = np.arange(len(names))
        cat_codes = item.cat.codes.to_numpy()
        codes = rank.astype(cat_codes.dtype)[cat_codes]   # small integers, as the categories'
        self._codes["item"] = (codes, names.take(order))
        seen = np.zeros(len(names), dtype=bool)
        seen[codes] = True
        present = np.flatnonzero(seen)                   # the items used, in text order
        for col in derived:
            if per_category is not None:
                values = per_category[col].take(order[present])
            else:       # each item's first row (all rows of an item hold its value)
                values = self.df[col].take(np.unique(codes, return_index=True)[1])
            vcodes, uniq = pd.factorize(values)
            per_item = np.full(len(names), -1, dtype=np.int64)
            per_item[present] = vcodes
            self._codes[col] = (per_item.astype(np.int8 if len(uniq) < 127 else np.int64)
                                [codes], pd.Index(uniq))


def _ranks(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for codes in ``0..size-1``, by counting."""
    seen = np.zeros(size, dtype=bool)
    seen[codes] = True
    present = np.flatnonzero(seen)
    rank = np.cumsum(seen) - 1
    return present, rank[codes]


def _group_rows(g: np.ndarray, rows: np.ndarray):
    """``rows`` split by their group number ``g`` (small non-negative integers), groups in
    ascending order and each group's rows in their order in ``rows`` (the parts of a stable
    sort by ``g``). A few groups are found by one comparison each, without sorting (or
    copying) all rows; many by the stable sort."""
    if not len(g):
        return
    counts = np.bincount(g) if g.dtype == np.int16 else np.zeros(0)
    groups = np.flatnonzero(counts)
    if 0 < len(groups) <= 64:
        for value in groups:
            yield rows[g == value]
        return
    perm = np.argsort(g, kind="stable")      # the same permutation whatever the algorithm
    order, g = rows[perm], g[perm]
    yield from np.split(order, np.flatnonzero(np.diff(g)) + 1)


def _wide_blocks(coded: _Coded, rows: np.ndarray, group_by: list[str]):
    """``(key, wide)`` per group of ``group_by`` among ``rows`` of the coded frame: the group's
    answers ``x`` as one row per response and one column per item.

    The same frames as ``df.iloc[rows].groupby(group_by, observed=True)`` followed by
    ``g.pivot(index="response_id", columns="item", values="x")`` (rows in the order of the
    response ids, columns in the order of the item codes, a group's own responses and items
    only; rows with a missing key are left out, an item answered twice in a response
    raises), made from integer codes.
    """
    keys = [coded(c) for c in group_by]
    rcodes, rnames = coded("response_id", sort=True)
    icodes, inames = coded("item", sort=True)
    x = coded.df["x"].to_numpy(float)
    known = (rcodes[rows] >= 0) & (icodes[rows] >= 0)
    size = int(np.prod([max(len(uniq), 1) for _, uniq in keys]))
    gcode = np.zeros(len(rows), dtype=np.int16 if size < np.iinfo(np.int16).max else np.int64)
    for codes, uniq in keys:
        c = codes[rows]
        known &= c >= 0
        gcode *= max(len(uniq), 1)
        gcode += c
        del c
    every = bool(known.all())
    gk = gcode if every else gcode[known]
    rows_k = rows if every else rows[known]
    del gcode, known
    for part in _group_rows(gk, rows_k):
        key = tuple(uniq[codes[part[0]]] for codes, uniq in keys)
        ur, rinv = _ranks(rcodes[part], len(rnames))
        ui, iinv = _ranks(icodes[part], len(inames))
        if np.bincount(rinv * len(ui) + iinv).max() > 1:
            raise ValueError("Index contains duplicate entries, cannot reshape")
        wide = np.full((len(ur), len(ui)), np.nan)
        wide[rinv, iinv] = x[part]
        yield key, pd.DataFrame(wide, index=pd.Index(rnames.take(ur), name="response_id"),
                                columns=pd.Index(inames.take(ui), name="item"))


def _coded(items: pd.DataFrame, in_source: np.ndarray, r: ScaleRules,
           total_domains: Sequence[str]) -> tuple[_Coded, np.ndarray, np.ndarray]:
    """One source's answers (rows ``in_source`` of ``items``) prepared as in scoring
    (:func:`~hb_eval.outcomes.scores._prepare`) and coded, and which rows are in a domain and
    in one of ``total_domains``."""
    sub = items[in_source]
    df = _prepare(sub, r)
    df["source"] = r.source
    coded = _Coded(df, as_text=("wave",))   # the wave as text, as the table shows it
    coded.items_from(sub["item"], () if r.source == "osallisuus" else ("domain",))
    coded.constant("source", r.source)
    return coded, df["domain"].notna().to_numpy(), df["domain"].isin(total_domains).to_numpy()


#: Answers prepared per chunk in :func:`_lean_coded` (the expressions' temporaries stay small).
_CHUNK = 1 << 20


def _lean_coded(items: pd.DataFrame, in_source: np.ndarray, r: ScaleRules,
                by: Sequence[str], total_domains: Sequence[str]
                ) -> tuple[_Coded, np.ndarray, np.ndarray] | None:
    """:func:`_coded` from the categorical codes of ``items``, or None where it cannot be
    (then :func:`_coded` decides, and raises as scoring does).

    The same answers ``x`` (reverse-coded and rescaled by the same expressions, from the
    rules of each item category), the same codes and the same rows in a domain; but only the
    response, wave and answer are kept per row, not the prepared frame of scoring (about a
    gigabyte at 100,000 clients).
    """
    cat = [c for c in ("response_id", "wave", "item") if c in items.columns
           and isinstance(items[c].dtype, pd.CategoricalDtype)]
    if len(cat) < 3 or items["value"].dtype != np.float64 or set(by) - {"source", "wave"}:
        return None
    item = pd.Series(items["item"].array[in_source], copy=False)
    codes = item.cat.codes.to_numpy()
    if (codes < 0).any() or not pd.Index(item.cat.categories.astype(str)).is_unique:
        return None
    small, at = _category_rules(item, r.items)      # the rules of each item category
    lo_c = small["scale_min"].to_numpy(float)
    if np.isnan(lo_c).any():                        # an item not in the schema
        return None
    at = np.maximum(at, 0)                          # (categories no answer uses: any row)
    lo_c, hi_c = lo_c[at], small["scale_max"].to_numpy(float)[at]
    rev_c = small["reverse"].to_numpy(bool)[at]
    x = items["value"].to_numpy(float)[in_source]   # the answers, made x chunk by chunk
    miss = _flagged_missing(items)
    miss = None if miss is None else miss[in_source]
    for start in range(0, len(x), _CHUNK):
        part = slice(start, start + _CHUNK)
        c, v = codes[part], x[part]
        if miss is not None:
            v[miss[part]] = np.nan
        lo, hi = lo_c[c], hi_c[c]
        if _outside_scale(v, lo, hi).any():
            return None
        x[part] = _coded_answers(v, lo, hi, rev_c[c], r)
    del miss
    df = pd.DataFrame({"response_id": items["response_id"].array[in_source],
                       "wave": items["wave"].array[in_source], "x": x}, copy=False)
    coded = _Coded(df, as_text=("wave",))
    per_category = {"domain": small["domain"].take(at).reset_index(drop=True)}
    coded.items_from(item, () if r.source == "osallisuus" else ("domain",), per_category)
    coded.constant("source", r.source)
    dom = per_category["domain"]
    return coded, dom.notna().to_numpy()[codes], dom.isin(total_domains).to_numpy()[codes]


def alpha_table(items: pd.DataFrame, schemas: Mapping[str, Any] | None = None,
                by: Sequence[str] = ("source", "wave"), ci_method: str = "feldt",
                confidence: float = 0.95, include_kompassi: bool = True) -> pd.DataFrame:
    """Cronbach's alpha of every multi-item scale at each wave.

    Items are reverse-coded and rescaled exactly as in scoring (rescaling is linear per item, so
    a domain's alpha does not change; the total's items are on the scale the total uses).

    Scales: each Kykyviisari domain (``kykyviisari_<domain>``); ``kykyviisari_total`` over all
    items of the core domains (complete cases over those items); each Kompassi-harmonised
    domain (source ``kompassi``; a Kompassi total only when its crosswalk covers enough domains
    for a total to exist); and ``osallisuus`` (O1-O8). A scale with fewer than two items is
    left out.

    Parameters
    ----------
    items
        The Dataset's ``items`` table.
    schemas
        As in :func:`hb_eval.outcomes.scores.score_items`.
    by
        Grouping besides the scale; ``("source", "wave")`` gives one row per scale x wave.
    ci_method, confidence
        See :func:`cronbach_alpha`.
    include_kompassi
        Include the Kompassi-harmonised domains.

    Returns
    -------
    DataFrame
        scale, source, wave, alpha, ci_low, ci_high, ci_method, confidence, n (complete cases),
        k (items).
    """
    rules = _resolve_rules(schemas)
    cols = ["scale", "source", "wave", "alpha", "ci_low", "ci_high", "ci_method", "confidence",
            "n", "k"]
    keys = ["scale", *by]
    rows: list[dict] = []
    found = False
    # one source at a time (its coded answers are let go before the next source's are made)
    for source, r in rules.items():
        if source == "kompassi" and not include_kompassi:
            continue
        in_source = _is_text(items["source"], source)
        if not in_source.any():
            continue
        found = True
        # (scale, or None: one per domain; its rows of the source's coded answers)
        total_domains = r.total_domains or CORE_DOMAINS
        coded, in_domain, in_total = (_lean_coded(items, in_source, r, by, total_domains)
                                      or _coded(items, in_source, r, total_domains))
        # (scale, or None: one per domain; which of the source's rows), rows found when used
        if source == "osallisuus":
            pieces = [("osallisuus", None)]
        else:
            pieces = [(None, in_domain)]
            covered = set(r.items["domain"].dropna()) & set(total_domains)
            if len(covered) >= r.total_min_domains:  # a total can exist for this source
                pieces.append((r.outcome or "kykyviisari_total", in_domain & in_total))
        del in_domain, in_total
        # One wide matrix per scale x group (a handful of scales and waves), made from integer
        # codes: no groupby or pivot over the long frame (each would rehash its text columns).
        for scale, which in pieces:
            group_by = list(by) if scale is not None else ["domain", *by]
            rows_of = np.arange(len(coded.df)) if which is None else np.flatnonzero(which)
            for key, wide in _wide_blocks(coded, rows_of, group_by):
                if wide.shape[1] < 2:
                    continue
                name = scale if scale is not None else "kykyviisari_" + str(key[0])
                res = cronbach_alpha(wide, ci_method=ci_method, confidence=confidence)
                rows.append({"scale": name, **dict(zip(by, key[-len(by):] if by else ())),
                             **res.to_dict()})
            del rows_of
        del coded, pieces
    if not found:
        return pd.DataFrame(columns=cols)
    if rows:  # the order of a sorted groupby over the keys
        rows = pd.DataFrame(rows).sort_values(keys, kind="stable").to_dict("records")
    out = pd.DataFrame(rows)
    for c in cols:
        if c not in out.columns:
            out[c] = pd.NA
    out = out.loc[:, [c for c in cols if c in out.columns] + [c for c in keys if c not in cols]]
    if "wave" in out.columns:
        out["wave"] = pd.Categorical(out["wave"], categories=WAVES, ordered=True)
        out = out.sort_values(["scale", "source", "wave"]).reset_index(drop=True)
    out["n"] = out["n"].astype(int)
    out["k"] = out["k"].astype(int)
    return out
