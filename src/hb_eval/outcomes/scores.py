"""Item answers to scale scores: Kykyviisari domains and total, Kompassi harmonisation,
Osallisuustesti; and the change and long frames the estimators take.

Scoring rules come from the schemas (``hb_eval.data.schema.load_schema``) so that an evaluator can
change them in YAML. The defaults (docs/data_sources.md) are:

* Kykyviisari: reverse-code marked items (``min + max - x``), rescale every item to 0-10
  (``(x - min) / (max - min) * 10``); a domain score is the mean of its answered items when at
  least half of the domain's items are answered; the total is the mean of the seven core domain
  scores when at least five are present. Vanhemmuus (``parenthood``) is scored on its own and is
  never in the total.
* Kompassi (1-4): items go through the crosswalk into the Kykyviisari domains they cover, are
  rescaled to 0-10 the same way and scored with the same domain rule; the rows are flagged
  ``harmonised=True``. A Kompassi total is computed under the *same* rule as Kykyviisari (at
  least five of the seven core domains present), so a crosswalk covering fewer than five domains
  gives no Kompassi total. When a client has a Kykyviisari and a Kompassi response in the same
  wave, the Kompassi scores of that client and wave are not used.
* Osallisuustesti: mean of the answered items O1-O8 when at least six are answered, on the
  test's own 1-5 scale (not rescaled).

A score that fails its minimum-items rule is missing and is not a row of the scores table; the
items table keeps every answer.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..support.checks import CLIENTS, SCORES, check_outcome, require_columns
from ..errors import HbEvalError

log = logging.getLogger(__name__)

__all__ = [
    "CORE_DOMAINS",
    "ScaleRules",
    "rules_from_schema",
    "default_rules",
    "score_items",
    "score_all",
    "change_frame",
    "long_frame",
]

#: The seven Kykyviisari domains of the total score, in the order of the form.
CORE_DOMAINS: tuple[str, ...] = (
    "general_wellbeing",
    "participation",
    "mental_wellbeing",
    "everyday_life",
    "skills",
    "physical_functioning",
    "work_and_future",
)
#: Finnish domain names (as a schema may write them) -> English outcome suffix.
_FI_DOMAINS = {
    "yleinen hyvinvointi": "general_wellbeing",
    "osallisuus": "participation",
    "mielen hyvinvointi": "mental_wellbeing",
    "arjen sujuminen": "everyday_life",
    "taidot": "skills",
    "fyysinen toimintakyky": "physical_functioning",
    "työ ja tulevaisuus": "work_and_future",
    "vanhemmuus": "parenthood",
}
WAVES = ["alku", "väli", "loppu"]
SCORE_COLUMNS = ["client_id", "wave", "outcome", "score", "n_items", "harmonised", "source",
                 "n_domains"]


@dataclass(frozen=True)
class ScaleRules:
    """The scoring rules of one source, as plain tables.

    Attributes
    ----------
    source
        ``kykyviisari``, ``kompassi`` or ``osallisuus``.
    items
        One row per item: item, domain (English snake case; ``None``/NA for a single-scale
        source), scale_min, scale_max, reverse (bool).
    rescale
        Rescale items to ``rescale_to`` (0-10) before averaging.
    rescale_to
        Target range of the rescaling.
    domain_min_fraction
        A domain (or single scale) score needs at least this share of its items answered.
    min_items
        Alternatively an absolute minimum number of answered items (single scales; overrides
        the fraction when given).
    total_domains
        Domains that make up the total score (empty: Kykyviisari's, see :func:`score_items`).
    total_min_domains
        The total needs at least this many of ``total_domains`` present.
    outcome
        Outcome name of a single-scale source (``osallisuus``), or of the total score.
    """

    source: str
    items: pd.DataFrame
    rescale: bool = True
    rescale_to: tuple[float, float] = (0.0, 10.0)
    domain_min_fraction: float = 0.5
    min_items: int | None = None
    total_domains: tuple[str, ...] = ()
    total_min_domains: int = 5
    outcome: str | None = None
    extra: dict = field(default_factory=dict)


# -- schema adaptation ----------------------------------------------------------------------

def _get(obj: Any, key: str, default: Any = None) -> Any:
    """Attribute or mapping access, whichever the schema object offers."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _first(obj: Any, keys: Iterable[str], default: Any = None) -> Any:
    for k in keys:
        v = _get(obj, k, None)
        if v is not None:
            return v
    return default


def _domain_name(d: Any) -> Any:
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return None
    s = str(d).strip()
    return _FI_DOMAINS.get(s.lower(), s)


def _item_rows(items: Any) -> list[dict]:
    """Normalise a schema's item list (list of objects/dicts, or a dict code -> spec)."""
    if items is None:
        return []
    if isinstance(items, pd.DataFrame):
        return items.to_dict("records")
    if isinstance(items, Mapping):
        out = []
        for code, spec in items.items():
            row = dict(spec) if isinstance(spec, Mapping) else {
                k: getattr(spec, k) for k in dir(spec) if not k.startswith("_")}
            row.setdefault("code", code)
            out.append(row)
        return out
    out = []
    for spec in items:
        if isinstance(spec, Mapping):
            out.append(dict(spec))
        else:
            out.append({k: getattr(spec, k) for k in dir(spec)
                        if not k.startswith("_") and not callable(getattr(spec, k))})
    return out


def _scale_bounds(row: Mapping, default: tuple[float, float] | None) -> tuple[float, float]:
    scale = _first(row, ("scale", "range"))
    lo = _first(row, ("scale_min", "min"))
    hi = _first(row, ("scale_max", "max"))
    if scale is not None and (lo is None or hi is None):
        if isinstance(scale, str):
            parts = scale.replace("–", "-").split("-")
            lo, hi = float(parts[0]), float(parts[1])
        elif isinstance(scale, Mapping):
            lo, hi = scale.get("min"), scale.get("max")
        else:
            sc = list(scale)
            lo, hi = sc[0], sc[-1]
    if (lo is None or hi is None) and default is not None:
        lo, hi = default
    if lo is None or hi is None:
        raise HbEvalError(f"schema item {_first(row, ('code', 'item'))!r} has no scale")
    return float(lo), float(hi)


def rules_from_schema(source: str, schema: Any, crosswalk_of: Any = None) -> ScaleRules:
    """Read the scoring rules of ``source`` from its schema object (or a plain dict).

    Parameters
    ----------
    source
        ``kykyviisari``, ``kompassi`` or ``osallisuus``.
    schema
        The object ``hb_eval.data.schema.load_schema(source)`` returns, or a dict with keys
        ``items`` (code, domain, scale, reverse) and ``scoring`` (rescale,
        domain_min_fraction, min_items, total_domains, total_min_domains). For Kompassi the
        items' ``domain`` is the crosswalk target (or a ``crosswalk`` mapping item -> domain).
    crosswalk_of
        Unused; reserved.

    Returns
    -------
    ScaleRules
    """
    scoring = _first(schema, ("scoring", "score_rules", "rules"), {}) or {}
    crosswalk = _first(schema, ("crosswalk",), None) or _get(scoring, "crosswalk", None)
    default_scale = _first(schema, ("scale",), None)
    if default_scale is not None:
        default_scale = _scale_bounds({"scale": default_scale}, None)
    rows = []
    for r in _item_rows(_first(schema, ("items",), [])):
        code = str(_first(r, ("code", "item", "name")))
        dom = _first(r, ("domain", "harmonised_domain", "crosswalk"))
        if crosswalk is not None:
            cw = crosswalk.get(code) if isinstance(crosswalk, Mapping) else None
            cw = _get(cw, "domain", cw) if isinstance(cw, Mapping) else cw
            dom = cw if cw is not None else (dom if source != "kompassi" else None)
        lo, hi = _scale_bounds(r, default_scale)
        rows.append({"item": code, "domain": _domain_name(dom), "scale_min": lo,
                     "scale_max": hi, "reverse": bool(_get(r, "reverse", False) or False)})
    items = pd.DataFrame(rows, columns=["item", "domain", "scale_min", "scale_max", "reverse"])
    if source == "osallisuus":
        items["domain"] = None
    total_domains = _get(scoring, "total_domains", None)
    if not total_domains and source == "kykyviisari":
        total_domains = _get(schema, "total_domains", None)  # hb_eval.data.schema.Schema property
    total_domains = tuple(_domain_name(d) for d in total_domains) if total_domains else ()
    defaults = _DEFAULT_SCORING[source]
    rescale_to = _get(scoring, "rescale_to", None) or (0.0, 10.0)
    return ScaleRules(
        source=source,
        items=items,
        rescale=bool(_get(scoring, "rescale", defaults["rescale"])),
        rescale_to=(float(rescale_to[0]), float(rescale_to[-1])),
        domain_min_fraction=float(_get(scoring, "domain_min_fraction",
                                       defaults["domain_min_fraction"])),
        min_items=_get(scoring, "min_items", defaults["min_items"]),
        total_domains=() if source == "osallisuus" else total_domains,
        total_min_domains=int(_get(scoring, "total_min_domains", defaults["total_min_domains"])),
        outcome=(str(_get(scoring, "outcome", "osallisuus")) if source == "osallisuus"
                 else str(_get(scoring, "total_outcome", "kykyviisari_total"))),
    )


_DEFAULT_SCORING = {
    "kykyviisari": dict(rescale=True, domain_min_fraction=0.5, min_items=None,
                        total_min_domains=5),
    "kompassi": dict(rescale=True, domain_min_fraction=0.5, min_items=None, total_min_domains=5),
    "osallisuus": dict(rescale=False, domain_min_fraction=0.75, min_items=6,
                       total_min_domains=0),
}


SCORED_SOURCES: tuple[str, ...] = ("kykyviisari", "kompassi", "osallisuus")


def default_rules(sources: Iterable[str] = SCORED_SOURCES) -> dict[str, ScaleRules]:
    """Rules from the shipped schemas (``hb_eval.data.schema.load_schema``).

    A schema that is wrong raises :class:`~hb_eval.errors.SchemaError`; it is never replaced
    silently by defaults.
    """
    from ..support.resources import schema_dir

    # Parsing the YAML takes a noticeable fraction of a second: cache on the files' mtimes so
    # an edited schema is still picked up.
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in schema_dir().glob("*.y*ml")))
    return {src: _shipped_rules(src, stamp) for src in sources}


@functools.lru_cache(maxsize=16)
def _shipped_rules(source: str, stamp: tuple) -> ScaleRules:
    from ..data.schema import load_schema

    return rules_from_schema(source, load_schema(source))


def _resolve_rules(schemas: Mapping[str, Any] | None) -> dict[str, ScaleRules]:
    given = {src: sch for src, sch in (schemas or {}).items()
             if src in SCORED_SOURCES and sch is not None}
    rules = default_rules([s for s in SCORED_SOURCES if s not in given])
    for src, sch in given.items():
        rules[src] = sch if isinstance(sch, ScaleRules) else rules_from_schema(src, sch)
    # A harmonised total is built from Kykyviisari's total domains unless its schema says.
    kyky_total = rules["kykyviisari"].total_domains or CORE_DOMAINS
    for src in ("kykyviisari", "kompassi"):
        if not rules[src].total_domains:
            rules[src] = replace(rules[src], total_domains=kyky_total)
    return {s: rules[s] for s in SCORED_SOURCES}


# -- scoring --------------------------------------------------------------------------------

def _prepare(items: pd.DataFrame, rules: ScaleRules) -> pd.DataFrame:
    """Join one source's items to its rules; reverse-code and rescale (vectorised).

    Returns response_id, client_id, wave, item, domain and the prepared answer ``x`` (the
    rules' scale columns and the raw value are let go once ``x`` is made)."""
    # (copy on write: the selection is the frame's own, setting its columns leaves ``items``)
    df = items.loc[:, ["response_id", "client_id", "wave", "item", "value"]]
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    flagged = _flagged_missing(items)
    if flagged is not None:
        df.loc[flagged, "value"] = np.nan
    df = _join_rules(df, rules.items)
    unknown = df["scale_min"].isna()
    if unknown.any():
        codes = sorted(df.loc[unknown, "item"].unique())
        raise HbEvalError(f"{rules.source}: items not in the schema: {', '.join(codes[:10])}")
    v = df["value"].to_numpy()
    lo = df["scale_min"].to_numpy(float)
    hi = df["scale_max"].to_numpy(float)
    bad = _outside_scale(v, lo, hi)
    if bad.any():
        first = df.loc[bad].iloc[0]
        raise HbEvalError(
            f"{rules.source}: {int(bad.sum())} answer(s) outside the item's scale reached "
            f"scoring (first: response {first['response_id']}, item {first['item']}); "
            "they should have been quarantined by the loader")
    v = _coded_answers(v, lo, hi, df["reverse"].to_numpy(bool), rules)
    df = df.drop(columns=["value", "scale_min", "scale_max", "reverse"])
    df["x"] = v
    return df


def _flagged_missing(items: pd.DataFrame) -> np.ndarray | None:
    """The rows of ``items`` whose cell is flagged missing (don't know, quarantined): their
    answer is missing whatever its value. None when the table has no ``missing`` column."""
    return items["missing"].notna().to_numpy() if "missing" in items.columns else None


def _outside_scale(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The answers ``v`` outside their item's scale ``[lo, hi]`` (a missing answer is not)."""
    return ~np.isnan(v) & ((v < lo) | (v > hi))


def _coded_answers(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, reverse: np.ndarray,
                   rules: ScaleRules) -> np.ndarray:
    """The answers ``v`` as scored: reverse-coded (``lo + hi - v``) where ``reverse``, then,
    when the rules rescale, moved linearly from ``[lo, hi]`` onto ``rules.rescale_to``."""
    v = np.where(reverse, lo + hi - v, v)
    if rules.rescale:
        a, b = rules.rescale_to
        v = a + (v - lo) / (hi - lo) * (b - a)
    return v


def _is_text(col: pd.Series, text: str) -> np.ndarray:
    """``(col.astype(str) == text).to_numpy()``; for a categorical, the (few) categories are
    compared and the rows take their category's answer, rather than every row's text."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        hit = np.append(col.cat.categories.astype(str).to_numpy(dtype=object) == text, False)
        return hit[col.cat.codes.to_numpy()]     # code -1 (missing) takes the False at the end
    return (col.astype(str) == text).to_numpy()


def text_equals(col: pd.Series, text: str) -> np.ndarray:
    """``(col.astype(str) == text).to_numpy()`` without pandas' string comparison.

    A categorical compares its categories (:func:`_is_text`); a string column compares its
    values as Python objects in numpy (missing values, made ``""``, never equal a non-empty
    ``text``), several times faster than the string array's own comparison on millions of
    rows. Anything else takes the pandas expression itself.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        return _is_text(col, text)
    if isinstance(col.dtype, pd.StringDtype) and isinstance(text, str) and text != "":
        if col.dtype.na_value is np.nan:   # ``str``: a missing value is NaN, equal to no text
            return col.to_numpy(dtype=object) == text
        return col.to_numpy(dtype=object, na_value="") == text
    return (col.astype(str) == text).to_numpy()


def _join_rules(df: pd.DataFrame, rule_items: pd.DataFrame) -> pd.DataFrame:
    """``df`` left-joined to the rules' item table on ``item`` (as text).

    The same frame as ``df.assign(item=df["item"].astype(str)).merge(rule_items, on="item",
    how="left", validate="many_to_one")``; for a categorical ``item`` the join is made on the
    distinct items the rows use (a few dozen) and spread to the rows by their codes, instead of
    hashing millions of texts. Anything else (or a missing item) takes the merge itself.
    """
    item = df["item"]
    codes = item.cat.codes.to_numpy() if isinstance(item.dtype, pd.CategoricalDtype) else None
    if codes is None or (codes < 0).any():
        df["item"] = item.astype(str)
        return df.merge(rule_items, on="item", how="left", validate="many_to_one")
    small, at = _category_rules(item, rule_items)
    rows = at[codes]
    out = df.drop(columns="item").reset_index(drop=True)
    out.insert(out.columns.get_loc("wave") + 1, "item", small["item"].take(rows)
               .reset_index(drop=True))
    for c in small.columns.drop("item"):
        if c == "domain":      # a categorical of the domains in text order: grouping by it
            out[c] = _sorted_categorical(small[c], rows)    # takes its codes, not a hash
        else:
            out[c] = small[c].take(rows).reset_index(drop=True)
    return out


def _sorted_categorical(values: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """``values.take(rows)`` as a categorical whose categories are the distinct non-missing
    values in sorted order (so its codes are ``pd.factorize(..., sort=True)``'s)."""
    cats = pd.Index(sorted(set(values.dropna())))
    return pd.Categorical.from_codes(cats.get_indexer(values)[rows], categories=cats)


def _category_rules(item: pd.Series, rule_items: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rules of the items a categorical ``item`` column uses: the left join of its used
    categories (as text) to ``rule_items`` (``validate="many_to_one"``), and the row of that
    small table for each category (-1 for a category no row uses)."""
    codes = item.cat.codes.to_numpy()
    used = np.zeros(len(item.cat.categories), dtype=bool)
    used[codes[codes >= 0]] = True
    at = np.where(used, np.cumsum(used) - 1, -1)     # category -> row of the small join
    names = pd.Series(item.cat.categories[used], dtype=object).astype(str)
    small = pd.DataFrame({"item": names}).merge(rule_items, on="item", how="left",
                                                validate="many_to_one")
    return small, at


def _group_of(df: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row naming its group of ``keys``, ordered as a sorted
    ``groupby(keys, observed=True, dropna=False)`` orders the groups (categoricals by their
    categories, other columns by value, missing last), and the first row of each group in that
    order. Grouping on this integer instead of the text columns gives the same groups, the same
    rows in each and (the same cython reductions over them) the same numbers."""
    code = _code_of(df, keys)
    _, first = np.unique(code, return_index=True)
    return code, first


def _code_of(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """The integer per row of :func:`_group_of`."""
    code = np.zeros(len(df), dtype=np.int64)
    for col in keys:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            c, size = s.cat.codes.to_numpy().astype(np.int64), len(s.cat.categories)
        else:
            c, uniq = pd.factorize(s, sort=True, use_na_sentinel=True)
            size = len(uniq)
        c = np.where(c < 0, size, c)            # missing: after every value
        code = code * (size + 1) + c
    return code


def _dense_groups(df: pd.DataFrame, keys: list[str]) -> tuple[pd.Categorical, np.ndarray]:
    """:func:`_group_of` as a categorical of the groups' numbers 0..G-1 (in that order) and
    the first rows. Grouping on the categorical (``observed=True``) takes its codes as they are,
    where grouping on the integers hashes millions of them again; the groups, the rows in each
    and so the cython reductions are the same."""
    _, first, dense = np.unique(_code_of(df, keys), return_index=True, return_inverse=True)
    return pd.Categorical.from_codes(dense.reshape(-1), categories=pd.RangeIndex(len(first))), \
        first


def _domain_scores(df: pd.DataFrame, rules: ScaleRules, key: str) -> pd.DataFrame:
    """Mean of answered items per response x domain, where the minimum-items rule holds."""
    k_total = rules.items.groupby("domain", dropna=False)["item"].nunique()
    keys = ["response_id", "client_id", "wave", key]
    groups, first = _dense_groups(df, keys)
    agg = df["x"].groupby(groups, sort=True, observed=True).agg(["mean", "count"])
    out = pd.DataFrame({c: df[c].take(first).reset_index(drop=True) for c in keys})
    out["score"] = agg["mean"].to_numpy()
    out["n_items"] = agg["count"].to_numpy()
    # each row's number of domain items: a hash lookup per row (Series.map of a text
    # column maps every value in Python)
    k = (k_total.reindex(out[key].to_numpy(dtype=object)).to_numpy() if key == "domain"
         else len(rules.items))
    if rules.min_items is not None:
        need = np.minimum(float(rules.min_items), np.asarray(k, float))
    else:
        need = np.ceil(rules.domain_min_fraction * np.asarray(k, float) - 1e-9)
    ok = out["n_items"].to_numpy() >= need
    return out.loc[ok & (out["n_items"] > 0)].reset_index(drop=True)


def _totals(dom: pd.DataFrame, rules: ScaleRules) -> pd.DataFrame:
    core = dom[dom["domain"].isin(rules.total_domains)]
    keys = ["response_id", "client_id", "wave"]
    # observed, missing keys dropped: as groupby(keys, observed=True) does
    known = core[keys].notna().all(axis=1).to_numpy()
    core = core.loc[known]
    groups, first = _dense_groups(core, keys)
    g = core.groupby(groups, sort=True, observed=True)
    agg = g.agg(score=("score", "mean"), n_domains=("score", "count"),
                n_items=("n_items", "sum"))
    tot = pd.DataFrame({c: core[c].take(first).reset_index(drop=True) for c in keys})
    for c in ("score", "n_domains", "n_items"):
        tot[c] = agg[c].to_numpy()
    return tot[tot["n_domains"] >= rules.total_min_domains].reset_index(drop=True)


def _score_source(items: pd.DataFrame, rules: ScaleRules) -> pd.DataFrame:
    """One source's scores; ``outcome`` and ``source`` are categoricals (``source`` of
    :data:`SCORED_SOURCES`), ``n_domains`` an Int64 column (missing but for the totals)."""
    df = _prepare(items, rules)
    if rules.source == "osallisuus":
        df["scale"] = "osallisuus"
        s = _domain_scores(df, rules, "scale")
        s["outcome"] = _constant(rules.outcome, len(s))
        s["n_domains"] = _missing_ints(len(s))
    else:
        in_domain = df["domain"].notna().to_numpy()
        if not in_domain.all():        # items outside every domain are not scored
            df = df[in_domain]
        dom = _domain_scores(df, rules, "domain")
        tot = _totals(dom, rules)
        domain = dom["domain"]
        if isinstance(domain.dtype, pd.CategoricalDtype) and (domain.cat.codes >= 0).all():
            # the domains' outcome names made once per category, not per row
            dom["outcome"] = pd.Categorical.from_codes(
                domain.cat.codes.to_numpy(),
                categories=["kykyviisari_" + str(c) for c in domain.cat.categories])
        else:
            dom["outcome"] = pd.Categorical("kykyviisari_" + domain.astype(str))
        dom["n_domains"] = _missing_ints(len(dom))
        tot["outcome"] = _constant(rules.outcome, len(tot))
        parts = _one_category_set([dom.drop(columns="domain"), tot], "outcome")
        s = pd.concat(parts, ignore_index=True)
    s["source"] = pd.Categorical.from_codes(
        np.full(len(s), SCORED_SOURCES.index(rules.source), dtype=np.int8), dtype=_SOURCES)
    s["harmonised"] = rules.source == "kompassi"
    return s


#: The ``source`` column of the scores while scoring (the scores table has it as text).
_SOURCES = pd.CategoricalDtype(list(SCORED_SOURCES))


def _constant(value: str, n: int) -> pd.Categorical:
    """``n`` times ``value`` as a categorical of one category."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _missing_ints(n: int) -> pd.arrays.IntegerArray:
    """``n`` missing values of an Int64 column."""
    return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))


def _one_category_set(frames: list[pd.DataFrame], col: str) -> list[pd.DataFrame]:
    """The frames with their categorical ``col`` on one sorted set of categories (the union),
    so that concatenating them keeps the categorical (its codes then sort as the texts)."""
    cats = sorted(set().union(*(set(f[col].cat.categories) for f in frames)))
    return [f.assign(**{col: f[col].cat.set_categories(cats)}) for f in frames]


def score_items(items: pd.DataFrame, schemas: Mapping[str, Any] | None = None,
                include_kompassi: bool = True) -> pd.DataFrame:
    """Score questionnaire items into domain, total and Osallisuustesti scores.

    Parameters
    ----------
    items
        The ``items`` table of the Dataset (long: response_id, client_id, source, wave, item,
        value, missing). ``value`` NaN is a missing answer (not answered, don't know, ...).
    schemas
        Source name -> schema object (as ``hb_eval.data.schema.load_schema`` returns), plain dict or
        :class:`ScaleRules`. Sources not given use the shipped schemas.
    include_kompassi
        Score Kompassi responses through the crosswalk (rows flagged ``harmonised``).

    Returns
    -------
    DataFrame
        Long, one row per client x wave x outcome with a score: client_id, wave, outcome, score,
        n_items (answered items used; for totals summed over the domains used), harmonised,
        source, n_domains (totals only).

    Raises
    ------
    HbEvalError
        An item not in the schema, an answer outside its scale, or two responses of one source
        for the same client and wave (duplicates must be resolved by the loader).
    """
    rules = _resolve_rules(schemas)
    need = {"response_id", "client_id", "source", "wave", "item", "value"}
    missing = need - set(items.columns)
    if missing:
        raise HbEvalError(f"items table lacks column(s): {', '.join(sorted(missing))}")
    parts = []
    for source in ("kykyviisari", "kompassi", "osallisuus"):
        if source == "kompassi" and not include_kompassi:
            continue
        sub = items.loc[_is_text(items["source"], source),     # the columns scoring reads
                        [c for c in ("response_id", "client_id", "wave", "item", "value",
                                     "missing") if c in items.columns]]
        if len(sub):
            parts.append(_score_source(sub, rules[source]))
        del sub
    if not parts:
        return _empty_scores()
    s = pd.concat(_one_category_set(parts, "outcome"), ignore_index=True)
    order = _coded_order(s, items)
    if order is not None:
        return _finish(s, order)
    s["outcome"] = s["outcome"].astype(str)
    # one integer per client x wave x outcome cell (codes of the categoricals), for the check
    # of two responses in one cell below; rows with a missing key are not checked
    cell, _ = _group_of(s, ["client_id", "wave", "outcome"])
    cell = np.where(s[["client_id", "wave", "outcome"]].notna().all(axis=1).to_numpy(), cell, -1)
    s["client_id"] = s["client_id"].astype(str)
    s["wave"] = s["wave"].astype(str)

    # Only the Kompassi clients' Kykyviisari answers can supersede anything.
    komp = (s["source"] == "kompassi").to_numpy()
    if komp.any():
        kyky = items.loc[_is_text(items["source"], "kykyviisari"), ["client_id", "wave"]]
        kyky = kyky[kyky["client_id"].astype(str).isin(s.loc[komp, "client_id"]).to_numpy()]
        # client x wave of the scores and of those answers as codes of the texts (one set)
        both = pd.concat([s[["client_id", "wave"]], kyky.astype(str)], ignore_index=True)
        pair = _code_of(both, ["client_id", "wave"])
        superseded = _superseded(komp, pair[:len(s)], pair[len(s):])
        _log_superseded(pair[:len(s)], superseded)
        s = s[~superseded]
        cell = cell[~superseded]

    # Two responses of one source for one client x wave: the loader should have kept one.
    # (A response gives at most one row per outcome, so two rows in one cell are two
    # responses; only then are the responses counted, for the message.)
    resp = pd.Series(dtype=float)
    if _repeats(cell[cell >= 0]):
        resp = s.groupby(["client_id", "wave", "outcome"], observed=True)["response_id"].nunique()
    if (resp > 1).any():
        cid, wave, outc = resp[resp > 1].index[0]
        raise HbEvalError(f"{int((resp > 1).sum())} client x wave x outcome cell(s) have more "
                          f"than one response (first: client {cid}, wave {wave}, {outc}); "
                          "duplicates must be resolved by the loader (waves.py)")
    return _finish(s)


def _superseded(komp: np.ndarray, pair: np.ndarray, kyky_pairs: np.ndarray) -> np.ndarray:
    """Kykyviisari wins over Kompassi for the same client and wave (the whole response, all
    outcomes): the Kompassi rows (``komp``) whose client x wave code (``pair``) is among
    ``kyky_pairs``, the codes of the client x wave of the Kykyviisari answers."""
    out = np.zeros(len(pair), dtype=bool)
    if komp.any():
        out[komp] = np.isin(pair[komp], kyky_pairs)
    return out


def _log_superseded(pair: np.ndarray, superseded: np.ndarray) -> None:
    """Say how many client-waves' Kompassi scores :func:`_superseded` left out (if any)."""
    if superseded.any():
        log.info("Kompassi scores of %d client-wave(s) not used: the same client has a "
                 "Kykyviisari response in that wave", len(np.unique(pair[superseded])))


def _repeats(cell: np.ndarray) -> bool:
    """Whether a cell code stands twice in ``cell`` (two rows, so two responses, in one
    client x wave x outcome cell)."""
    cell = np.sort(cell)
    return bool((cell[1:] == cell[:-1]).any())


def _coded_order(s: pd.DataFrame, items: pd.DataFrame) -> np.ndarray | None:
    """The rest of :func:`score_items` on the codes of the categoricals: the rows of ``s``
    :func:`_finish` keeps, in its order (the Kompassi scores Kykyviisari supersedes left out,
    two responses in one cell checked), without turning millions of client ids into text and
    sorting them.

    None when this does not apply (client and wave not categoricals of the items' own dtypes,
    a missing key, a wave not in :data:`WAVES`, two responses in one cell, ...): the text path
    then does it (and raises its error)."""
    cid, wave, outcome = s["client_id"], s["wave"], s["outcome"]
    if not (isinstance(cid.dtype, pd.CategoricalDtype) and cid.dtype == items["client_id"].dtype
            and isinstance(wave.dtype, pd.CategoricalDtype) and wave.dtype == items["wave"].dtype
            and s["source"].dtype == _SOURCES):
        return None
    cc = cid.cat.codes.to_numpy().astype(np.int64)
    wc = wave.cat.codes.to_numpy().astype(np.int64)
    oc = outcome.cat.codes.to_numpy().astype(np.int64)
    ids = np.asarray(cid.cat.categories.astype(str), dtype=object)
    n_ids, n_waves = len(ids), len(wave.cat.categories)
    # the texts the text path compares: each category its own, none like a missing one's
    if ((cc < 0) | (wc < 0) | (oc < 0)).any() or len(set(ids)) < n_ids or "nan" in set(ids):
        return None
    at = _wave_places(wave.cat.categories)
    if (at[wc] < 0).any():       # a wave the table's categorical lacks: the text path's order
        return None
    pair = cc * n_waves + wc     # client x wave
    komp = s["source"].cat.codes.to_numpy() == SCORED_SOURCES.index("kompassi")
    kyky_pairs = np.zeros(0, dtype=np.int64)
    if komp.any():
        kyky = _is_text(items["source"], "kykyviisari")
        kc = items["client_id"].cat.codes.to_numpy()[kyky].astype(np.int64)
        kw = items["wave"].cat.codes.to_numpy()[kyky].astype(np.int64)
        kyky_pairs = kc[(kc >= 0) & (kw >= 0)] * n_waves + kw[(kc >= 0) & (kw >= 0)]
    superseded = _superseded(komp, pair, kyky_pairs)
    rows = np.flatnonzero(~superseded)
    if _repeats(pair[rows] * len(outcome.cat.categories) + oc[rows]):
        return None              # two responses in one cell: the text path's error
    _log_superseded(pair, superseded)
    # _finish's order: outcome, client id (as text), wave in WAVES' order; the keys are unique,
    # so any sort gives sort_values' rows
    rank = np.empty(n_ids, dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(n_ids)
    key = (oc[rows] * n_ids + rank[cc[rows]]) * len(WAVES) + at[wc[rows]]
    return rows[np.argsort(key, kind="stable")]


def _empty_scores() -> pd.DataFrame:
    return _finish(pd.DataFrame({c: [] for c in SCORE_COLUMNS}))


def _finish(s: pd.DataFrame, order: np.ndarray | None = None) -> pd.DataFrame:
    """The scores table: :data:`SCORE_COLUMNS` in their dtypes, the rows sorted by outcome,
    client id (as text) and wave. ``order``: the rows of ``s`` in that order, when known
    (:func:`_coded_order`); else they are sorted here."""
    s = s.loc[:, SCORE_COLUMNS]
    if order is not None:
        s = s.take(order)
    s["client_id"] = _as_text(s["client_id"], "string")
    s["wave"] = _as_waves(s["wave"])
    if isinstance(s["outcome"].dtype, pd.CategoricalDtype):   # (else text already)
        s["outcome"] = _as_text(s["outcome"], "str")
    s["score"] = s["score"].astype(float)
    s["n_items"] = s["n_items"].astype("Int64")
    s["n_domains"] = s["n_domains"].astype("Int64")
    s["harmonised"] = s["harmonised"].astype(bool)
    s["source"] = _as_text(s["source"], "string")
    if order is None:
        s = s.sort_values(["outcome", "client_id", "wave"])
    return s.reset_index(drop=True)


def _as_text(col: pd.Series, dtype: str) -> Any:
    """``col.astype(dtype)`` (a text dtype); for a categorical, the text is made for the
    categories and taken by the rows (a missing one NA)."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(dtype)
    texts = pd.array(np.asarray(col.cat.categories.astype(str), dtype=object), dtype=dtype)
    return texts.take(col.cat.codes.to_numpy().astype(np.int64), allow_fill=True)


def _wave_places(categories: pd.Index) -> np.ndarray:
    """The place in :data:`WAVES` of each category's text (-1: none)."""
    return np.array([WAVES.index(w) if w in WAVES else -1 for w in categories.astype(str)],
                    dtype=np.int64)


def _as_waves(col: pd.Series) -> pd.Categorical:
    """``pd.Categorical(col.astype(str), categories=WAVES, ordered=True)``; for a
    categorical, its categories are placed (:func:`_wave_places`), not every row's text."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return pd.Categorical(col.astype(str), categories=WAVES, ordered=True)
    at = np.append(_wave_places(col.cat.categories), -1)    # code -1 (missing): none
    return pd.Categorical.from_codes(at[col.cat.codes.to_numpy()], categories=WAVES,
                                     ordered=True)


def score_all(ds: Any, include_kompassi: bool | None = None) -> pd.DataFrame:
    """Score a :class:`~hb_eval.data.dataset.Dataset` (``ds.items`` with ``ds.schemas``).

    ``include_kompassi=None`` takes ``ds.config.analysis.include_kompassi``.
    """
    if include_kompassi is None:
        include_kompassi = bool(ds.config.analysis.include_kompassi)
    schemas = getattr(ds, "schemas", None)
    return score_items(ds.items, schemas=schemas, include_kompassi=include_kompassi)


# -- frames for the estimators --------------------------------------------------------------

_CLIENT_COLS = ["client_id", "arm", "pilot", "client_group", "worker", "sex", "age_group"]


#: id(clients) -> (clients, {what: value}) while :func:`same_clients` is active
_PREPARED: dict[int, tuple[pd.DataFrame, dict[str, Any]]] = {}


@contextlib.contextmanager
def same_clients(clients: pd.DataFrame):
    """Within the block, :func:`change_frame` and :func:`long_frame` prepare ``clients`` (its
    ids as text, the checked client columns, the positions in id order) once, not per call.

    For a caller that makes the frames of many outcomes from one clients table
    (:func:`~hb_eval.outcomes.analysis.analyse_outcomes`); the table must not change inside
    the block. Outside it nothing is kept.
    """
    key = id(clients)
    _PREPARED[key] = (clients, {})
    try:
        yield
    finally:
        _PREPARED.pop(key, None)


def _prepared(clients: pd.DataFrame, what: str, make) -> Any:
    """``make()``, kept for ``clients`` while :func:`same_clients` is active for it."""
    hit = _PREPARED.get(id(clients))
    if hit is None or hit[0] is not clients:
        return make()
    if what not in hit[1]:
        hit[1][what] = make()
    return hit[1][what]


def _one_outcome(scores: pd.DataFrame, clients: pd.DataFrame, outcome: str) -> pd.DataFrame:
    s = scores.loc[scores["outcome"] == outcome, ["client_id", "wave", "score", "harmonised"]]
    s = s.assign(client_id=s["client_id"].astype(str), wave=s["wave"].astype(str))
    s = s[s["score"].notna()]
    dup = s.duplicated(["client_id", "wave"])
    if dup.any():
        raise HbEvalError(f"{outcome}: {int(dup.sum())} client x wave score(s) appear twice")
    stray = ~s["client_id"].isin(_prepared(clients, "ids", lambda: clients["client_id"]
                                           .astype(str)))  # one hash table
    if stray.any():
        raise HbEvalError(f"{outcome}: {s.loc[stray, 'client_id'].nunique()} scored client(s) "
                          "are not in the clients table (not consenting roster clients)")
    return s


def _clients(clients: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in _CLIENT_COLS if c in clients.columns]
    c = clients.loc[:, cols].copy()
    c["client_id"] = c["client_id"].astype(str)
    if c["client_id"].duplicated().any():
        raise HbEvalError("clients table has a client_id twice")
    return c


def _check_inputs(scores: Any, clients: Any, func: str) -> None:
    require_columns(scores, ["client_id", "wave", "outcome", "score", "harmonised"], func=func,
                    maker=SCORES, arg="scores")
    require_columns(clients, ["client_id", "arm"], func=func, maker=CLIENTS, arg="clients")


def change_frame(scores: pd.DataFrame, clients: pd.DataFrame, outcome: str,
                 baseline: str = "alku", end: str = "loppu",
                 complete: bool = True, *, check_waves: bool = True) -> pd.DataFrame:
    """One row per client: baseline and end score of ``outcome``, paired by client id.

    Parameters
    ----------
    scores
        From :func:`score_items` / :func:`score_all`.
    clients
        The Dataset's ``clients`` table.
    outcome
        E.g. ``"kykyviisari_total"``.
    baseline, end
        The waves to pair.
    complete
        True: clients with both scores. False: also clients with a baseline and no end
        (end and change NaN), for attrition and imputation. A client with an end score and no
        baseline is never in the frame.
    check_waves
        True: an outcome with no scores at ``baseline`` (or, when ``complete``, at ``end``)
        raises. False: such an outcome gives an empty frame (the outcome analysis notes it).

    Returns
    -------
    DataFrame
        client_id, arm, pilot, client_group, worker, sex, age_group, baseline, end, change,
        harmonised (either score from Kompassi), outcome; sorted by client_id.

    Raises
    ------
    OutcomeError
        (a ValueError) ``outcome`` is not in ``scores`` (the message lists those that are), or
        it has no scores at a wave needed.
    ValueError
        ``scores`` or ``clients`` lack columns (e.g. the two swapped).
    """
    _check_inputs(scores, clients, "change_frame")
    # the outcome's rows found once (a scan of the long scores), then checked and paired;
    # the whole frame only to name the outcomes there are when this one has no score
    rows = scores.loc[text_equals(scores["outcome"], outcome)]
    check_outcome(rows if rows["score"].notna().any() else scores, outcome,
                  ((baseline, end) if complete else (baseline,)) if check_waves else ())
    s = _one_outcome(rows, clients, outcome)
    c, at, by_id = _client_positions(clients, s)
    wave = s["wave"].to_numpy(dtype=object)
    return _paired(c, by_id, at, wave == baseline, wave == end, s["score"].to_numpy(float),
                   s["harmonised"].to_numpy(dtype=bool), complete, outcome)


def _paired(c: pd.DataFrame, by_id: np.ndarray, at: np.ndarray, is_baseline: np.ndarray,
            is_end: np.ndarray, score: np.ndarray, harm: np.ndarray, complete: bool,
            outcome: str, ids: pd.Series | None = None) -> pd.DataFrame:
    """The change frame from one outcome's score rows: ``at`` their clients' positions in
    ``c``, ``is_baseline``/``is_end`` their wave, ``by_id`` the positions of ``c`` in
    client_id order; ``ids``: ``c``'s ids as ``string`` already (else converted here)."""
    values = {}
    for name, one in (("baseline", is_baseline), ("end", is_end)):
        # at most one score per client and wave
        v = np.full(len(c), np.nan)
        v[at[one]] = score[one]
        h = np.zeros(len(c), dtype=bool)
        h[at[one]] = harm[one]
        has = np.zeros(len(c), dtype=bool)
        has[at[one]] = True
        values[name] = (v, h, has)
    keep = values["baseline"][2] & (values["end"][2] if complete else True)
    rows_kept = by_id[keep[by_id]]            # the clients kept, in client_id order
    f = c.iloc[rows_kept].reset_index(drop=True)
    f["baseline"] = values["baseline"][0][rows_kept]
    f["end"] = values["end"][0][rows_kept]
    f["change"] = f["end"] - f["baseline"]
    f["harmonised"] = values["baseline"][1][rows_kept] | values["end"][1][rows_kept]
    f["outcome"] = outcome
    f["client_id"] = (f["client_id"].astype("string") if ids is None
                      else ids.take(rows_kept).reset_index(drop=True))
    return f


def _client_positions(clients: pd.DataFrame, s: pd.DataFrame
                      ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The checked client columns ``c`` (:func:`_clients`), each score row's position in
    ``c`` (every one is there: :func:`_one_outcome` checked), and the positions of ``c`` in
    client_id order (the order of ``sort_values("client_id")``; ids are unique, so the order is
    the same for any sort)."""
    c, index, by_id = _prepared(clients, "table", lambda: _client_table(clients))
    return c, index.get_indexer(s["client_id"]), by_id


def _client_table(clients: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index, np.ndarray]:
    """:func:`_clients`, its ids as an index, and its positions in client_id order."""
    c = _clients(clients)
    return c, pd.Index(c["client_id"]), np.argsort(c["client_id"].to_numpy(dtype=str),
                                                    kind="stable")


def long_frame(scores: pd.DataFrame, clients: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """All observed waves of ``outcome`` with the client's arm, pilot and worker.

    Returns
    -------
    DataFrame
        client_id, arm, pilot, worker, wave (ordered categorical), score, client_group,
        harmonised, outcome; sorted by client_id and wave.

    Raises
    ------
    OutcomeError
        (a ValueError) ``outcome`` is not in ``scores``; the message lists those that are.
    """
    _check_inputs(scores, clients, "long_frame")
    check_outcome(scores, outcome)
    s = _one_outcome(scores, clients, outcome)
    c, at, by_id = _client_positions(clients, s)
    return _stacked(c, by_id, at, pd.Categorical(s["wave"], categories=WAVES, ordered=True),
                    s["score"].to_numpy(float), s["harmonised"].to_numpy(), outcome)


def _stacked(c: pd.DataFrame, by_id: np.ndarray, at: np.ndarray, wave: pd.Categorical,
             score: np.ndarray, harm: np.ndarray, outcome: str,
             ids: pd.Series | None = None) -> pd.DataFrame:
    """The long frame from one outcome's score rows (as :func:`_paired`)."""
    rank = np.empty(len(c), dtype=np.int64)
    rank[by_id] = np.arange(len(c))
    # sorted by client_id and wave (each pair once: _one_outcome checked); a wave outside
    # WAVES (missing) sorts last within its client, as sort_values puts NA last
    wcode = np.where(wave.codes < 0, len(WAVES), wave.codes)
    order = np.lexsort((wcode, rank[at[:]]))
    f = c.iloc[at[order]].reset_index(drop=True)
    f["wave"] = wave.take(order)
    f["score"] = score[order]
    f["harmonised"] = harm[order]
    f["outcome"] = outcome
    f["client_id"] = (f["client_id"].astype("string") if ids is None
                      else ids.take(at[order]).reset_index(drop=True))
    cols = ["client_id", "arm", "pilot", "worker", "wave", "score"]
    cols += [x for x in ("client_group", "harmonised", "outcome") if x in f.columns]
    return f.loc[:, cols]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbouring values starts (``values`` without ``pd.NA``)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))


def _outcome_rows(scores: pd.DataFrame) -> dict[str, np.ndarray]:
    """``scores.groupby(scores["outcome"].astype(str).to_numpy(), sort=False).indices``: each
    outcome's rows. The scores come sorted by outcome, so each outcome is one run of rows,
    found without hashing every row's text; otherwise (or with a missing outcome) the groupby
    itself."""
    outcome = scores["outcome"]
    if isinstance(outcome.dtype, pd.StringDtype) and outcome.dtype.na_value is np.nan:
        values = outcome.to_numpy(dtype=object)
        starts = _run_starts(values)
        heads = values[starts]
        if all(isinstance(h, str) for h in heads) and len(set(heads)) == len(heads):
            ends = np.append(starts[1:], len(values))
            return {h: np.arange(a, b) for h, a, b in zip(heads, starts, ends)}
    return scores.groupby(outcome.astype(str).to_numpy(), sort=False).indices


class OutcomeIndex:
    """The long scores indexed once, for the change and long frames of every outcome.

    :func:`change_frame` and :func:`long_frame` each scan the scores, turn the client ids to
    text, check duplicates and strays on text and look every id up; for the outcome analysis
    (18 frames from one scores table) that is most of their cost. Here the client position of
    every score row, its wave code and the rows of each outcome are found once; a frame is then
    made from integer arrays. The frames are the very frames of :func:`change_frame` /
    :func:`long_frame` (same values, dtypes and order: tested); an outcome whose rows would
    make those functions raise (no observed score, a client x wave twice, a client not in
    ``clients``, a wave other than the three) is handed to them, so they raise as before.

    Use it inside :func:`same_clients` for ``clients`` (the prepared clients table is shared).
    """

    def __init__(self, scores: pd.DataFrame, clients: pd.DataFrame) -> None:
        _check_inputs(scores, clients, "change_frame")
        self.scores, self.clients = scores, clients
        self.rows_of = _outcome_rows(scores)
        c, index, by_id = _prepared(clients, "table", lambda: _client_table(clients))
        self.c, self.by_id = c, by_id
        ids = scores["client_id"]
        self.at = index.get_indexer(ids.astype(str))       # -1: not a client (or missing)
        w = scores["wave"]
        if isinstance(w.dtype, pd.CategoricalDtype) and list(w.cat.categories) == WAVES:
            self.wave = w.cat.codes.to_numpy().astype(np.int64)      # -1: missing
        else:                                                   # anything else: the slow path
            self.wave = None
        self.score = scores["score"].to_numpy(float)
        self.harm = scores["harmonised"].to_numpy(dtype=bool)
        self.ids = _prepared(clients, "ids_string", lambda: c["client_id"].astype("string"))

    def _rows(self, outcome: str) -> np.ndarray | None:
        """The outcome's rows with a score, or None when the public function must decide."""
        r = self.rows_of.get(outcome)
        if r is None or self.wave is None:
            return None
        r = r[~np.isnan(self.score[r])]
        if not len(r):
            return None
        at, wave = self.at[r], self.wave[r]
        if (at < 0).any() or (wave < 0).any():
            return None
        cell = np.sort(at * len(WAVES) + wave)
        if (cell[1:] == cell[:-1]).any():
            return None
        return r

    def change_frame(self, outcome: str, complete: bool = True) -> pd.DataFrame:
        """:func:`change_frame` ``(scores, clients, outcome, complete=complete,
        check_waves=False)`` (baseline ``alku``, end ``loppu``)."""
        r = self._rows(outcome)
        if r is None:
            return change_frame(self.scores.iloc[self.rows_of.get(outcome, [])]
                                if outcome in self.rows_of else self.scores, self.clients,
                                outcome, complete=complete, check_waves=False)
        wave = self.wave[r]
        return _paired(self.c, self.by_id, self.at[r], wave == 0, wave == 2, self.score[r],
                       self.harm[r], complete, outcome, self.ids)

    def long_frame(self, outcome: str) -> pd.DataFrame:
        """:func:`long_frame` ``(scores, clients, outcome)``."""
        r = self._rows(outcome)
        if r is None:
            return long_frame(self.scores.iloc[self.rows_of.get(outcome, [])]
                              if outcome in self.rows_of else self.scores, self.clients,
                              outcome)
        wave = pd.Categorical.from_codes(self.wave[r], categories=WAVES, ordered=True)
        return _stacked(self.c, self.by_id, self.at[r], wave, self.score[r], self.harm[r],
                        outcome, self.ids)
