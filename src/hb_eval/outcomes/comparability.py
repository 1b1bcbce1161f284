"""Comparability of the arms: Table 1 with standardised mean differences, propensity scores and
ATT weights, balance before and after weighting (love plot data), and attrition.

Standardised mean differences (SMD), always HB minus Verrokki (or completers minus dropouts):

* continuous: ``(m1 − m2) / sqrt((s1² + s2²) / 2)`` (``smd_formula="pooled_sd"``);
* each level of a categorical covariate, as a binary indicator:
  ``(p1 − p2) / sqrt((p1(1 − p1) + p2(1 − p2)) / 2)`` (``smd_formula="binary"``).

Both groups having the same value gives 0; a zero denominator with a non-zero difference gives
±inf (complete separation). After weighting the same formulas are used with weighted means and
weighted variances (Austin 2009; variances with the reliability-weight correction
``Σw / ((Σw)² − Σw²)``; for a level, ``p_w(1 − p_w)``).

Decisions where the spec is silent:

* A missing categorical covariate is its own level ``"(puuttuu)"`` in Table 1 (never dropped),
  and a continuous one is counted in ``n_missing``; means/SDs use the observed values.
* Propensity-score clients with a missing covariate get no score (``ps`` NaN, weight NaN,
  ``missing_covariate`` True); they are counted in :func:`overlap`.
* Trimming: a client whose score lies outside ``trim`` is flagged and gets weight 0 in
  ``weight`` (both arms); ``weight_untrimmed`` keeps the untrimmed ATT weight.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..config import PRIMARY
from ..errors import HbEvalError
from ..support.values import plain_value
from ..support.display import ResultDisplay
from .scores import text_equals

__all__ = [
    "CATEGORICAL",
    "PS_COVARIATES",
    "MISSING_LEVEL",
    "smd_continuous",
    "smd_binary",
    "baseline_table",
    "propensity_scores",
    "overlap",
    "balance",
    "attrition",
    "completers_vs_dropouts",
    "end_reasons",
    "ComparabilityResults",
    "analyse_comparability",
]

CATEGORICAL: tuple[str, ...] = ("pilot", "client_group", "sex", "age_group")
PS_COVARIATES: tuple[str, ...] = ("pilot", "client_group", "sex", "age_group", "baseline")
MISSING_LEVEL = "(puuttuu)"
ARMS = ("HB", "Verrokki")
FORMULA_CONT = "pooled_sd"
FORMULA_BIN = "binary"


# --------------------------------------------------------------------------- SMD primitives

def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, float)
    den = np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(num == 0, 0.0, out)


def smd_continuous(m1: Any, s1: Any, m2: Any, s2: Any) -> np.ndarray:
    """``(m1 − m2) / sqrt((s1² + s2²) / 2)`` (vectorised; 0 when the means are equal)."""
    m1, s1, m2, s2 = (np.asarray(v, float) for v in (m1, s1, m2, s2))
    return _ratio(m1 - m2, np.sqrt((s1 ** 2 + s2 ** 2) / 2))


def smd_binary(p1: Any, p2: Any) -> np.ndarray:
    """``(p1 − p2) / sqrt((p1(1 − p1) + p2(1 − p2)) / 2)`` (vectorised; 0 when equal)."""
    p1, p2 = np.asarray(p1, float), np.asarray(p2, float)
    return _ratio(p1 - p2, np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2))


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and variance (reliability weights: Σw / ((Σw)² − Σw²) Σ w (x − m)²);
    with unit weights the usual mean and ddof=1 variance."""
    sw = w.sum()
    if sw <= 0:
        return np.nan, np.nan
    m = float((w * x).sum() / sw)
    den = sw ** 2 - (w ** 2).sum()
    v = float(sw / den * (w * (x - m) ** 2).sum()) if den > 0 else np.nan
    return m, v


# --------------------------------------------------------------------------- helpers

def _check_arm(frame: pd.DataFrame, col: str = "arm") -> np.ndarray:
    if col not in frame.columns:
        raise HbEvalError(f"table has no column {col!r}")
    a = frame[col].astype("string")
    bad = a.isna() | ~a.isin(ARMS)
    if bad.any():
        raise HbEvalError(f"{int(bad.sum())} row(s) with {col} not HB or Verrokki")
    return (a == "HB").to_numpy()


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype)


def _levels(s: pd.Series) -> list[str]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        lv = [str(c) for c in s.cat.categories]
    else:
        lv = sorted(str(v) for v in s.dropna().unique())
    return lv


def _texts(st: pd.Series) -> np.ndarray:
    """A ``string`` column's values as Python objects, a missing value as an object equal to no
    text, so that ``_texts(st) == lv`` is ``(st == lv).fillna(False).to_numpy()`` (numpy's
    comparison of objects, several times faster than the string array's)."""
    return st.to_numpy(dtype=object, na_value=_NO_TEXT)


_NO_TEXT = object()


def _group_table(frame: pd.DataFrame, in_g1: np.ndarray, covariates: Sequence[str],
                 names: tuple[str, str], weights: np.ndarray | None = None) -> pd.DataFrame:
    """Counts/shares/means/SDs for two groups with SMDs (group 1 minus group 2)."""
    g1, g2 = names
    rows = []
    masks = {g1: in_g1, g2: ~in_g1}
    w_all = np.ones(len(frame)) if weights is None else np.asarray(weights, float)
    for cov in covariates:
        if cov not in frame.columns:
            raise HbEvalError(f"covariate {cov!r} is not a column of the table")
        s = frame[cov]
        if _is_categorical(s):
            st = s.astype("string")
            levels = _levels(s)
            extra = sorted(set(st.dropna().unique()) - set(levels))
            levels = levels + extra
            if st.isna().any():
                levels.append(MISSING_LEVEL)
            vals = _texts(st)
            ind = {lv: vals == lv for lv in levels if lv != MISSING_LEVEL}
            if st.isna().any():
                ind[MISSING_LEVEL] = st.isna().to_numpy()
            for lv in levels:
                r: dict[str, Any] = {"covariate": cov, "level": lv, "type": "categorical"}
                ps = {}
                for g, m in masks.items():
                    x = ind[lv][m].astype(float)
                    w = w_all[m]
                    r[f"n_{g}"] = int(x.sum())
                    r[f"n_group_{g}"] = int(m.sum())
                    p = float((w * x).sum() / w.sum()) if w.sum() > 0 else np.nan
                    r[f"share_{g}"] = p
                    r[f"mean_{g}"] = np.nan
                    r[f"sd_{g}"] = np.nan
                    r[f"n_missing_{g}"] = 0
                    ps[g] = p
                r["smd"] = float(smd_binary(ps[g1], ps[g2]))
                r["smd_formula"] = FORMULA_BIN
                rows.append(r)
        else:
            v = pd.to_numeric(s).astype(float).to_numpy()
            r = {"covariate": cov, "level": pd.NA, "type": "continuous"}
            mv = {}
            for g, m in masks.items():
                x = v[m]
                ok = ~np.isnan(x)
                mean, var = _wmean_var(x[ok], w_all[m][ok])
                r[f"n_{g}"] = int(ok.sum())
                r[f"n_group_{g}"] = int(m.sum())
                r[f"share_{g}"] = np.nan
                r[f"mean_{g}"] = mean
                r[f"sd_{g}"] = float(np.sqrt(var)) if not np.isnan(var) else np.nan
                r[f"n_missing_{g}"] = int((~ok).sum())
                mv[g] = (mean, r[f"sd_{g}"])
            r["smd"] = float(smd_continuous(mv[g1][0], mv[g1][1], mv[g2][0], mv[g2][1]))
            r["smd_formula"] = FORMULA_CONT
            rows.append(r)
    cols = ["covariate", "level", "type"]
    for g in names:
        cols += [f"n_{g}", f"n_group_{g}", f"share_{g}", f"mean_{g}", f"sd_{g}", f"n_missing_{g}"]
    cols += ["smd", "smd_formula"]
    return pd.DataFrame(rows, columns=cols)


def _baseline_wide(scores_or_change: pd.DataFrame, baseline: str = "alku") -> pd.DataFrame:
    """client_id plus one column of baseline score per outcome (from a long scores table) or
    the change frame's ``baseline`` (named after its outcome when it has one)."""
    f = scores_or_change
    if {"outcome", "wave", "score", "client_id"} <= set(f.columns):
        b = f[f["wave"].astype(str) == baseline]
        if b.duplicated(["client_id", "outcome"]).any():
            raise HbEvalError("scores: a client has two baseline scores for one outcome")
        w = b.pivot(index="client_id", columns="outcome", values="score")
        w.columns = [str(c) for c in w.columns]
        return w.reset_index().assign(client_id=lambda d: d["client_id"].astype(str))
    if {"client_id", "baseline"} <= set(f.columns):
        name = "baseline"
        if "outcome" in f.columns and f["outcome"].nunique() == 1:
            name = str(f["outcome"].iloc[0])
        out = f.loc[:, ["client_id", "baseline"]].rename(columns={"baseline": name})
        return out.assign(client_id=out["client_id"].astype(str))
    raise HbEvalError("expected a long scores table (client_id, wave, outcome, score) or a "
                      "change frame (client_id, baseline)")


# --------------------------------------------------------------------------- Table 1

def baseline_table(clients: pd.DataFrame, change_frame_or_scores: pd.DataFrame | None = None,
                   covariates: Sequence[str] = CATEGORICAL,
                   continuous: Sequence[str] | None = None) -> pd.DataFrame:
    """Table 1: baseline characteristics by arm with standardised mean differences.

    Parameters
    ----------
    clients
        The Dataset's ``clients`` table.
    change_frame_or_scores
        A change frame (:func:`hb_eval.outcomes.scores.change_frame`): the table then describes the
        clients in it (the analysis sample) and adds their baseline score; or a long scores
        table (:func:`hb_eval.outcomes.scores.score_all`): the table describes every client in
        ``clients`` with one baseline (``alku``) column per outcome. None: covariates only.
    covariates
        Categorical covariates (default pilot, client group, sex, age group).
    continuous
        Baseline-score columns to summarise; default every score column found.

    Returns
    -------
    DataFrame
        One row per covariate level (categorical) or covariate (continuous): covariate, level,
        type, n_HB (clients in the level, or with an observed value), n_group_HB (clients in
        the arm), share_HB, mean_HB, sd_HB, n_missing_HB, the same for Verrokki, smd
        (HB − Verrokki), smd_formula (``binary`` or ``pooled_sd``; see the module docstring).
    """
    c = clients.copy()
    c["client_id"] = c["client_id"].astype(str)
    if c["client_id"].duplicated().any():
        raise HbEvalError("clients table has a client_id twice")
    cont: list[str] = []
    if change_frame_or_scores is not None:
        wide = _baseline_wide(change_frame_or_scores)
        cont = [x for x in wide.columns if x != "client_id"]
        # isin with the ids themselves (one hash table), not a Python set built row by row
        stray = ~wide["client_id"].isin(c["client_id"])
        if stray.any():
            raise HbEvalError(f"{int(stray.sum())} scored client(s) are not in the clients table")
        is_change = "baseline" in change_frame_or_scores.columns
        c = c.merge(wide, on="client_id", how="inner" if is_change else "left",
                     validate="one_to_one")
    if continuous is not None:
        cont = list(continuous)
    in_hb = _check_arm(c)
    return _group_table(c, in_hb, list(covariates) + cont, ARMS)


# --------------------------------------------------------------------------- propensity

def _design(frame: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Dummy-coded design (first level dropped, constant columns dropped) with an intercept,
    and the mask of rows with every covariate observed."""
    parts = []
    ok = np.ones(len(frame), bool)
    for cov in covariates:
        if cov not in frame.columns:
            raise HbEvalError(f"covariate {cov!r} is not a column of the table")
        s = frame[cov]
        ok &= s.notna().to_numpy()
        if _is_categorical(s):
            st = s.astype("string")
            vals = _texts(st)
            levels = [lv for lv in _levels(s) if (vals == lv).any()]
            d = pd.DataFrame({f"{cov}[{lv}]": (vals == lv).astype(float)
                              for lv in levels[1:]}, index=frame.index)
            parts.append(d)
        else:
            parts.append(pd.DataFrame({cov: pd.to_numeric(s).astype(float).to_numpy()},
                                      index=frame.index))
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)
    x = x.loc[ok]
    keep = [col for col in x.columns if x[col].nunique() > 1]
    x = x.loc[:, keep]
    x.insert(0, "const", 1.0)
    return x, ok


def propensity_scores(frame: pd.DataFrame, covariates: Sequence[str] = PS_COVARIATES,
                      trim: tuple[float, float] = (0.01, 0.99)) -> pd.DataFrame:
    """Propensity of choosing HB from baseline covariates, and ATT weights.

    Logistic regression (statsmodels GLM, Binomial family, logit link) of ``arm == "HB"`` on
    the covariates; categorical covariates dummy-coded with the first level as reference.

    Parameters
    ----------
    frame
        One row per client with ``client_id``, ``arm`` and the covariates (a change frame).
    covariates
        Default pilot, client group, sex, age group and the baseline score.
    trim
        Scores outside ``[trim[0], trim[1]]`` are flagged ``trimmed`` and get weight 0.

    Returns
    -------
    DataFrame
        client_id, arm, ps, missing_covariate, trimmed, weight_untrimmed (HB 1, Verrokki
        ps / (1 − ps)), weight (0 when trimmed), estimand (``ATT``), trim_low, trim_high,
        model (``logit``), separation (True when the fit warned of perfect separation or a
        fitted score is within 1e-6 of 0 or 1, e.g. a covariate level seen in one arm only).
    """
    lo, hi = trim
    if not 0 <= lo < hi <= 1:
        raise HbEvalError(f"trim bounds must satisfy 0 <= low < high <= 1, got {trim}")
    in_hb = _check_arm(frame)
    x, ok = _design(frame, covariates)
    y = in_hb[ok].astype(float)
    if len(np.unique(y)) < 2:
        raise HbEvalError("propensity scores need clients of both arms with all covariates")
    separation = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sm.GLM(y, x.to_numpy(), family=sm.families.Binomial()).fit()
    for w in caught:
        if "separation" in type(w.message).__name__.lower() or "separation" in str(w.message):
            separation = True
    ps = np.full(len(frame), np.nan)
    ps[ok] = res.predict(x.to_numpy())
    # (quasi-)separation: some fitted scores at 0 or 1 (e.g. a level seen in one arm only)
    separation = separation or bool(((ps[ok] < 1e-6) | (ps[ok] > 1 - 1e-6)).any())
    w_att = np.where(in_hb, 1.0, ps / (1 - ps))
    w_att[~ok] = np.nan
    trimmed = ok & ((ps < lo) | (ps > hi))
    weight = np.where(trimmed, 0.0, w_att)
    return pd.DataFrame({
        "client_id": frame["client_id"].astype("string").to_numpy(),
        "arm": pd.Categorical(np.where(in_hb, "HB", "Verrokki"), categories=list(ARMS)),
        "ps": ps,
        "missing_covariate": ~ok,
        "trimmed": trimmed,
        "weight_untrimmed": w_att,
        "weight": weight,
        "estimand": "ATT",
        "trim_low": lo,
        "trim_high": hi,
        "model": "logit",
        "separation": separation,
    })


def overlap(ps_frame: pd.DataFrame) -> pd.DataFrame:
    """Overlap of the propensity-score distributions.

    The common support is ``[max(min_HB, min_V), min(max_HB, max_V)]``.

    Returns
    -------
    DataFrame
        One row per arm: arm, n (clients with a score), n_missing_covariate, ps_min, ps_max,
        ps_mean, support_low, support_high, n_outside_support, share_outside_support,
        n_trimmed, ess (Kish effective sample size of the trimmed weights).
    """
    in_hb = _check_arm(ps_frame)
    ps = ps_frame["ps"].to_numpy(float)
    has = ~np.isnan(ps)
    mins = [np.nanmin(ps[m & has]) if (m & has).any() else np.nan for m in (in_hb, ~in_hb)]
    maxs = [np.nanmax(ps[m & has]) if (m & has).any() else np.nan for m in (in_hb, ~in_hb)]
    low, high = max(mins), min(maxs)
    rows = []
    for arm, m in zip(ARMS, (in_hb, ~in_hb)):
        p = ps[m & has]
        out = int(((p < low) | (p > high)).sum())
        w = ps_frame["weight"].to_numpy(float)[m & has]
        ess = float(w.sum() ** 2 / (w ** 2).sum()) if (w ** 2).sum() > 0 else np.nan
        rows.append({"arm": arm, "n": int(len(p)),
                     "n_missing_covariate": int((m & ~has).sum()),
                     "ps_min": float(p.min()) if len(p) else np.nan,
                     "ps_max": float(p.max()) if len(p) else np.nan,
                     "ps_mean": float(p.mean()) if len(p) else np.nan,
                     "support_low": low, "support_high": high,
                     "n_outside_support": out,
                     "share_outside_support": out / len(p) if len(p) else np.nan,
                     "n_trimmed": int(ps_frame["trimmed"].to_numpy()[m & has].sum()),
                     "ess": ess})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- balance

def balance(frame: pd.DataFrame, weights: str | Sequence[float] | np.ndarray | None = None,
            covariates: Sequence[str] = PS_COVARIATES) -> pd.DataFrame:
    """Standardised mean differences before and after weighting, tidy for a love plot.

    Parameters
    ----------
    frame
        One row per client with ``arm`` and the covariates.
    weights
        A column name of ``frame`` or an array aligned with it (e.g. the ``weight`` column of
        :func:`propensity_scores`); None gives the unweighted SMDs only (``smd_weighted`` NaN).
        Rows with a NaN weight are left out of the weighted SMDs (counted in ``n_no_weight``).
    covariates
        Covariates; categorical ones get one row per level.

    Returns
    -------
    DataFrame
        covariate, level, type, smd_unweighted, smd_weighted, mean_HB_unweighted,
        mean_Verrokki_unweighted, mean_HB_weighted, mean_Verrokki_weighted (a share for a
        level), n_HB, n_Verrokki, n_no_weight, smd_formula, sd_denominator.
    """
    in_hb = _check_arm(frame)
    un = _group_table(frame, in_hb, covariates, ARMS)
    key = ["covariate", "level"]

    def _means(t: pd.DataFrame, g: str) -> pd.Series:
        return t[f"share_{g}"].where(t["type"] == "categorical", t[f"mean_{g}"])

    out = un.loc[:, key + ["type"]].copy()
    out["smd_unweighted"] = un["smd"]
    out["mean_HB_unweighted"] = _means(un, "HB")
    out["mean_Verrokki_unweighted"] = _means(un, "Verrokki")
    out["n_HB"] = un["n_group_HB"]
    out["n_Verrokki"] = un["n_group_Verrokki"]
    if weights is None:
        out["smd_weighted"] = np.nan
        out["mean_HB_weighted"] = np.nan
        out["mean_Verrokki_weighted"] = np.nan
        out["n_no_weight"] = 0
    else:
        w = frame[weights].to_numpy(float) if isinstance(weights, str) else np.asarray(
            weights, float)
        if w.shape != (len(frame),):
            raise HbEvalError("weights must have one value per row of the table")
        if (w < 0).any():
            raise HbEvalError("weights must not be negative")
        has = ~np.isnan(w)
        sub = frame.loc[has]
        wt = _group_table(sub, in_hb[has], covariates, ARMS, weights=w[has])
        wt = un.loc[:, key].merge(wt, on=key, how="left")
        out["smd_weighted"] = wt["smd"].to_numpy()
        out["mean_HB_weighted"] = _means(wt, "HB").to_numpy()
        out["mean_Verrokki_weighted"] = _means(wt, "Verrokki").to_numpy()
        out["n_no_weight"] = int((~has).sum())
    out["smd_formula"] = un["smd_formula"]
    out["sd_denominator"] = "pooled, weighted when weighted (Austin 2009)"
    return out.loc[:, ["covariate", "level", "type", "smd_unweighted", "smd_weighted",
                       "mean_HB_unweighted", "mean_Verrokki_unweighted", "mean_HB_weighted",
                       "mean_Verrokki_weighted", "n_HB", "n_Verrokki", "n_no_weight",
                       "smd_formula", "sd_denominator"]]


# --------------------------------------------------------------------------- attrition

def _completion(clients: pd.DataFrame, scores: pd.DataFrame, outcome: str,
                baseline: str, end: str) -> pd.DataFrame:
    """clients with has_baseline, has_end flags for ``outcome``."""
    c = clients.copy()
    c["client_id"] = c["client_id"].astype(str)
    own = text_equals(scores["outcome"], outcome) & scores["score"].notna().to_numpy()
    s = scores.loc[own, ["client_id", "wave"]]
    s = s.assign(client_id=s["client_id"].astype(str), wave=s["wave"].astype(str))
    # isin with the id columns themselves (one hash table each), not Python sets of them
    stray = ~s["client_id"].isin(c["client_id"])
    if stray.any():
        raise HbEvalError(f"{outcome}: {s.loc[stray, 'client_id'].nunique()} scored client(s) "
                          "are not in the clients table")
    c["has_baseline"] = c["client_id"].isin(s.loc[s["wave"] == baseline, "client_id"])
    c["has_end"] = c["client_id"].isin(s.loc[s["wave"] == end, "client_id"])
    return c


def attrition(clients: pd.DataFrame, scores: pd.DataFrame, outcome: str = PRIMARY,
              baseline: str = "alku", end: str = "loppu") -> pd.DataFrame:
    """Who has a baseline but no end measure, by arm and pilot.

    Parameters
    ----------
    clients
        The Dataset's ``clients`` table.
    scores
        Long scores (client_id, wave, outcome, score).
    outcome, baseline, end
        The outcome and the two waves.

    Returns
    -------
    DataFrame
        One row per arm × pilot, then per arm (``pilot="(kaikki)"``), then overall
        (``arm="(kaikki)"``): level (``arm_pilot``/``arm``/``total``), arm, pilot, n_clients,
        n_no_baseline, n_baseline, n_completers (baseline and end), n_dropouts (baseline, no
        end), n_dropouts_ongoing (client-ship not ended yet), n_dropouts_ended,
        share_dropouts (of n_baseline), outcome.
    """
    c = _completion(clients, scores, outcome, baseline, end)
    _check_arm(c)
    ongoing = c["end_date"].isna() if "end_date" in c.columns else pd.Series(False, c.index)
    c = c.assign(
        arm=c["arm"].astype(str), pilot=c["pilot"].astype(str),
        n_clients=1,
        n_no_baseline=(~c["has_baseline"]).astype(int),
        n_baseline=c["has_baseline"].astype(int),
        n_completers=(c["has_baseline"] & c["has_end"]).astype(int),
        n_dropouts=(c["has_baseline"] & ~c["has_end"]).astype(int),
        n_dropouts_ongoing=(c["has_baseline"] & ~c["has_end"] & ongoing).astype(int),
        n_dropouts_ended=(c["has_baseline"] & ~c["has_end"] & ~ongoing).astype(int),
    )
    cnt = ["n_clients", "n_no_baseline", "n_baseline", "n_completers", "n_dropouts",
           "n_dropouts_ongoing", "n_dropouts_ended"]
    by_ap = c.groupby(["arm", "pilot"], sort=True)[cnt].sum().reset_index().assign(
        level="arm_pilot")
    by_a = c.groupby("arm", sort=True)[cnt].sum().reset_index().assign(
        level="arm", pilot="(kaikki)")
    tot = pd.DataFrame([c[cnt].sum()]).assign(level="total", arm="(kaikki)", pilot="(kaikki)")
    out = pd.concat([by_ap, by_a, tot], ignore_index=True)
    out[cnt] = out[cnt].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_dropouts"] = np.where(out["n_baseline"] > 0,
                                         out["n_dropouts"] / out["n_baseline"].clip(lower=1),
                                         np.nan)
    out["outcome"] = outcome
    return out.loc[:, ["level", "arm", "pilot"] + cnt + ["share_dropouts", "outcome"]]


def completers_vs_dropouts(clients: pd.DataFrame, scores: pd.DataFrame,
                           outcome: str = PRIMARY,
                           covariates: Sequence[str] = CATEGORICAL,
                           baseline: str = "alku", end: str = "loppu") -> pd.DataFrame:
    """Baseline comparison of completers and dropouts (clients with a baseline of ``outcome``),
    overall and within each arm, with SMDs (completers − dropouts).

    Returns
    -------
    DataFrame
        The columns of :func:`baseline_table` with groups ``completers``/``dropouts``
        (n_completers, share_completers, …, smd) and ``arm`` (``(kaikki)``, HB, Verrokki),
        with the outcome's baseline score as the continuous covariate ``baseline``.
    """
    c = _completion(clients, scores, outcome, baseline, end)
    c = c[c["has_baseline"]].copy()
    b = scores.loc[(scores["outcome"] == outcome) & (scores["wave"].astype(str) == baseline),
                   ["client_id", "score"]]
    b = b.assign(client_id=b["client_id"].astype(str)).rename(columns={"score": "baseline"})
    c = c.merge(b, on="client_id", how="left", validate="one_to_one")
    _check_arm(c)
    parts = []
    for arm in ("(kaikki)",) + ARMS:
        sub = c if arm == "(kaikki)" else c[c["arm"].astype(str) == arm]
        t = _group_table(sub, sub["has_end"].to_numpy(), list(covariates) + ["baseline"],
                         ("completers", "dropouts"))
        parts.append(t.assign(arm=arm))
    out = pd.concat(parts, ignore_index=True)
    out["outcome"] = outcome
    return out.loc[:, ["arm"] + [x for x in out.columns if x != "arm"]]


def end_reasons(clients: pd.DataFrame, scores: pd.DataFrame | None = None,
                outcome: str = PRIMARY, baseline: str = "alku",
                end: str = "loppu") -> pd.DataFrame:
    """Why client-ships ended, by arm: every client, and (with ``scores``) the dropouts.

    A blank ``end_reason`` is ``"(ei päättynyt)"`` when the client-ship is ongoing and
    ``"(puuttuu)"`` when it ended without a reason.

    Returns
    -------
    DataFrame
        arm, end_reason, n_clients, share_clients (of the arm), and with ``scores``
        n_dropouts, share_dropouts (of the arm's dropouts).
    """
    c = clients.copy() if scores is None else _completion(clients, scores, outcome, baseline,
                                                           end)
    _check_arm(c)
    reason = c["end_reason"].astype("string")
    ongoing = c["end_date"].isna() if "end_date" in c.columns else pd.Series(False, c.index)
    reason = reason.mask(reason.isna() & ongoing, "(ei päättynyt)").fillna("(puuttuu)")
    c = c.assign(arm=c["arm"].astype(str), end_reason=reason.astype(str))
    levels = ["suunnitellusti", "keskeytyi", "muutto", "kuolema", "muu", "(puuttuu)",
              "(ei päättynyt)"]
    levels += sorted(set(c["end_reason"]) - set(levels))
    idx = pd.MultiIndex.from_product([list(ARMS), levels], names=["arm", "end_reason"])
    out = c.groupby(["arm", "end_reason"]).size().reindex(idx, fill_value=0).rename(
        "n_clients").reset_index()
    tot = out.groupby("arm")["n_clients"].transform("sum")
    out["share_clients"] = np.where(tot > 0, out["n_clients"] / tot.clip(lower=1), np.nan)
    if scores is not None:
        d = c[c["has_baseline"] & ~c["has_end"]]
        nd = d.groupby(["arm", "end_reason"]).size().reindex(idx, fill_value=0)
        out["n_dropouts"] = nd.to_numpy().astype(int)
        dt = out.groupby("arm")["n_dropouts"].transform("sum")
        out["share_dropouts"] = np.where(dt > 0, out["n_dropouts"] / dt.clip(lower=1), np.nan)
    out["n_clients"] = out["n_clients"].astype(int)
    return out


# --------------------------------------------------------------------------- all at once

@dataclass(repr=False)
class ComparabilityResults(ResultDisplay):
    """Every comparability table for one outcome; see :func:`analyse_comparability`."""

    outcome: str
    table1: pd.DataFrame
    propensity: pd.DataFrame
    overlap: pd.DataFrame
    balance: pd.DataFrame
    attrition: pd.DataFrame
    completers_vs_dropouts: pd.DataFrame
    end_reasons: pd.DataFrame
    mice: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """Table 1 (the main table); the others are attributes."""
        return self.table1

    def summary(self) -> pd.DataFrame:
        """One row per check: largest ``|SMD|`` before/after weighting, scores outside the common
        support, dropout shares per arm, and the MICE DiD beside the complete-case one."""
        b = self.balance
        a = self.attrition.set_index("level")
        arm_rows = self.attrition[self.attrition["level"] == "arm"].set_index("arm")
        rows = [
            ("max_abs_smd_unweighted", float(b["smd_unweighted"].abs().max())),
            ("max_abs_smd_weighted", float(b["smd_weighted"].abs().max())),
            ("n_trimmed", int(self.propensity["trimmed"].sum())),
            ("share_outside_support_HB",
             float(self.overlap.set_index("arm").loc["HB", "share_outside_support"])),
            ("share_outside_support_Verrokki",
             float(self.overlap.set_index("arm").loc["Verrokki", "share_outside_support"])),
            ("share_dropouts_HB", float(arm_rows.loc["HB", "share_dropouts"])
             if "HB" in arm_rows.index else np.nan),
            ("share_dropouts_Verrokki", float(arm_rows.loc["Verrokki", "share_dropouts"])
             if "Verrokki" in arm_rows.index else np.nan),
            ("share_dropouts_total", float(a.loc["total", "share_dropouts"])),
        ]
        if self.mice is not None:
            r = self.mice.iloc[0]
            rows += [("did_mice", float(r["estimate"])), ("did_complete_case",
                                                          float(r["cc_estimate"]))]
        return pd.DataFrame(rows, columns=["check", "value"]).assign(outcome=self.outcome)

    def to_results(self) -> dict[str, Any]:
        """A ``comparability`` block for results.json (an extension; docs/outputs.md lists none)."""
        s = self.summary().set_index("check")["value"]
        out: dict[str, Any] = {k: int(v) if k.startswith("n_") else plain_value(v)
                               for k, v in s.items() if not k.startswith("did_")}
        if self.mice is not None:
            r = self.mice.iloc[0]
            out["mice"] = {k: plain_value(r[k]) for k in (
                "estimate", "se", "df", "ci_low", "ci_high", "p", "m", "n_imputed", "cc_estimate")}
        return {"outcome": self.outcome, **out}


def analyse_comparability(clients: pd.DataFrame, scores: pd.DataFrame,
                          outcome: str = PRIMARY, config: Any = None,
                          run_mice: bool = True) -> ComparabilityResults:
    """Table 1, propensity scores and weights, overlap, balance, attrition, end reasons and the
    MICE sensitivity DiD for one outcome.

    Parameters
    ----------
    clients, scores
        The Dataset's ``clients`` and the long scores (:func:`hb_eval.outcomes.scores.score_all`).
    outcome
        The outcome (default the primary one).
    config
        An :class:`hb_eval.config.AnalysisConfig` (``ps_trim``, ``mice_m``, ``seed``,
        ``confidence``); None uses its defaults.
    run_mice
        Whether to run the MICE DiD (needs dropouts and completers in both arms).
    """
    from ..config import AnalysisConfig
    from ..stats.imputation import mice_did
    from .scores import change_frame

    cfg = config if config is not None else AnalysisConfig()
    cc = change_frame(scores, clients, outcome)
    inc = change_frame(scores, clients, outcome, complete=False)
    ps = propensity_scores(cc, trim=tuple(cfg.ps_trim))
    mice = None
    if run_mice and inc["end"].isna().any():
        mice = mice_did(inc, m=cfg.mice_m, seed=cfg.seed, confidence=cfg.confidence)
    return ComparabilityResults(
        outcome=outcome,
        table1=baseline_table(clients, cc),
        propensity=ps,
        overlap=overlap(ps),
        balance=balance(cc, ps["weight"].to_numpy()),
        attrition=attrition(clients, scores, outcome),
        completers_vs_dropouts=completers_vs_dropouts(clients, scores, outcome),
        end_reasons=end_reasons(clients, scores, outcome),
        mice=mice,
    )
