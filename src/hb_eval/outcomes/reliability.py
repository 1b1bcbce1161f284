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

from .scores import CORE_DOMAINS, WAVES, _prepare, _resolve_rules

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
    src_col = items["source"].astype(str)
    pieces: list[tuple[str | None, pd.DataFrame]] = []  # (scale, or None: one per domain)
    for source, r in rules.items():
        if source == "kompassi" and not include_kompassi:
            continue
        sub = items[src_col == source]
        if not len(sub):
            continue
        df = _prepare(sub, r)
        df["source"] = source
        df["wave"] = df["wave"].astype(str)
        if source == "osallisuus":
            pieces.append(("osallisuus", df))
        else:
            df = df[df["domain"].notna()]
            pieces.append((None, df))
            total_domains = r.total_domains or CORE_DOMAINS
            covered = set(r.items["domain"].dropna()) & set(total_domains)
            if len(covered) >= r.total_min_domains:  # a total can exist for this source
                pieces.append((r.outcome or "kykyviisari_total",
                               df[df["domain"].isin(total_domains)]))
    cols = ["scale", "source", "wave", "alpha", "ci_low", "ci_high", "ci_method", "confidence",
            "n", "k"]
    if not pieces:
        return pd.DataFrame(columns=cols)
    keys = ["scale", *by]
    rows = []
    # One pivot per scale x group (a handful of scales and waves, not a loop over respondents);
    # grouped within each source's frame, no long frame of scale names is built.
    for scale, df in pieces:
        group_by = list(by) if scale is not None else ["domain", *by]
        groups = (df.groupby(group_by, observed=True, sort=False) if group_by
                  else [((), df)])
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            name = scale if scale is not None else "kykyviisari_" + str(key[0])
            wide = g.pivot(index="response_id", columns="item", values="x")
            if wide.shape[1] < 2:
                continue
            res = cronbach_alpha(wide, ci_method=ci_method, confidence=confidence)
            rows.append({"scale": name, **dict(zip(by, key[-len(by):] if by else ())),
                         **res.to_dict()})
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
