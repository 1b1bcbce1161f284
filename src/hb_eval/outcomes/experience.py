"""Client experience: the satisfaction survey at the end of the client-ship, and ESR transitions.

Everything here compares the arms at one time point (docs/methods.md, "Satisfaction (end only)").

Conventions (decisions where the spec is silent are marked *decision*):

* An answer is a value 1–5. Don't-know (``En osaa sanoa``) and blank are both NaN in the
  ``satisfaction`` table and are excluded from every denominator: ``n_HB``/``n_Verrokki`` count
  the clients who answered 1–5 (the ``denominator`` column says so).
* *Agree* is an answer of 4 or 5. For the mean scale, *agree* is a scale mean ≥ 4 (*decision*).
* The arm is the survey version (column ``version``: ``HB``/``Verrokki``), i.e. the form the
  client filled in.
* Mann–Whitney U is scipy's two-sided test (``method="auto"``: exact without ties for small
  samples, otherwise the normal approximation with tie correction and continuity correction).
  ``U`` is the HB arm's statistic.
* Rank-biserial correlation ``r = 2 U_HB / (n_HB n_Verrokki) − 1 = P(HB > V) − P(HB < V)``:
  **positive = HB answers higher**. It equals ``pingouin.mwu(hb, verrokki)["RBC"]`` in
  pingouin 0.7 (older pingouin versions had the opposite sign).
* Satisfaction scale: the mean of C1–C8 per respondent when at least half of the items
  (4 of 8) are answered, otherwise missing (*decision*, the same rule as a Kykyviisari domain).
* Overall grade 4–10: per-arm mean with a t interval, the difference HB − Verrokki with a Welch
  interval, and Mann–Whitney.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from ..support.values import plain_value as _clean
from ..stats.effect_sizes import newcombe_diff_ci, wilson_ci
from ..errors import HbEvalError
from ..support.display import ResultDisplay

__all__ = [
    "ITEMS",
    "HB_ITEMS",
    "ARMS",
    "WORK_OR_STUDY",
    "satisfaction_items",
    "satisfaction_distribution",
    "satisfaction_scale",
    "scale_scores",
    "grade",
    "hb_only_items",
    "work_transitions",
    "work_transition_summary",
    "rank_biserial",
    "ExperienceResults",
    "analyse_experience",
    "latest_per_client",
]

ITEMS: tuple[str, ...] = tuple(f"C{i}" for i in range(1, 9))
HB_ITEMS: tuple[str, ...] = tuple(f"H{i}" for i in range(1, 5))
ARMS: tuple[str, str] = ("HB", "Verrokki")
LABOUR_STATUSES: tuple[str, ...] = ("työllinen", "työtön", "pitkäaikaistyötön", "opiskelija",
                                    "työvoiman ulkopuolella")
WORK_OR_STUDY: frozenset[str] = frozenset({"työllinen", "opiskelija"})
DENOMINATOR = "answered 1-5 (don't know and blank excluded)"
SCALE_MIN_ITEMS = 4


# --------------------------------------------------------------------------- helpers

def _arm_values(satisfaction: pd.DataFrame, column: str,
                arm_col: str) -> tuple[np.ndarray, np.ndarray]:
    """Answers of one column for HB and Verrokki, NaN removed."""
    if arm_col not in satisfaction.columns:
        raise HbEvalError(f"satisfaction table has no column {arm_col!r} (the arm)")
    if column not in satisfaction.columns:
        raise HbEvalError(f"satisfaction table has no column {column!r}")
    arm = satisfaction[arm_col].astype("string")
    unknown = set(arm.dropna().unique()) - set(ARMS)
    if unknown or arm.isna().any():
        raise HbEvalError(f"satisfaction column {arm_col!r} must be HB or Verrokki on every row "
                          f"(found {sorted(unknown)}{' and blanks' if arm.isna().any() else ''})")
    v = _numeric(satisfaction[column], column)
    out = []
    for a in ARMS:
        x = v[(arm == a).to_numpy()].to_numpy()
        out.append(x[~np.isnan(x)])
    return out[0], out[1]


def _numeric(values: pd.Series, column: str) -> pd.Series:
    """Float values of a column; a non-number is an error that names the column but never
    quotes the cell (it could hold personal data)."""
    try:
        return pd.to_numeric(values, errors="raise").astype(float)
    except (ValueError, TypeError):
        raise HbEvalError(f"satisfaction column {column!r} holds a value that is not a "
                          "number") from None


def _check_scale(x: np.ndarray, column: str, low: float, high: float) -> None:
    bad = (x < low) | (x > high)
    if bad.any():
        raise HbEvalError(f"satisfaction column {column!r}: {int(bad.sum())} value(s) outside "
                          f"{low:g}-{high:g} (the loader should have quarantined them)")


def rank_biserial(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Mann–Whitney U of ``x`` vs ``y`` (two-sided, scipy) and the rank-biserial correlation.

    Returns
    -------
    (U_x, p, r)
        ``r = 2 U_x / (n_x n_y) − 1``; positive when ``x`` tends to be higher. NaN when either
        sample is empty.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) == 0 or len(y) == 0:
        return np.nan, np.nan, np.nan
    res = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
    u = float(res.statistic)
    p = float(res.pvalue)
    r = 2.0 * u / (len(x) * len(y)) - 1.0
    return u, p, r


def _wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    lo, hi = wilson_ci(k, n, confidence)
    return float(lo), float(hi)


def _newcombe(k1: int, n1: int, k2: int, n2: int, confidence: float) -> tuple[float, float]:
    _, lo, hi = newcombe_diff_ci(k1, n1, k2, n2, confidence)
    return float(lo), float(hi)


def _compare_row(hb: np.ndarray, ve: np.ndarray, agree_at: float,
                 confidence: float) -> dict[str, Any]:
    n1, n2 = len(hb), len(ve)
    k1, k2 = int((hb >= agree_at).sum()), int((ve >= agree_at).sum())
    l1, u1 = _wilson(k1, n1, confidence)
    l2, u2 = _wilson(k2, n2, confidence)
    p1 = k1 / n1 if n1 else np.nan
    p2 = k2 / n2 if n2 else np.nan
    dl, du = _newcombe(k1, n1, k2, n2, confidence)
    u, p, r = rank_biserial(hb, ve)
    return {
        "n_HB": n1, "n_Verrokki": n2,
        "agree_HB": k1, "agree_Verrokki": k2,
        "share_agree_HB": p1, "share_agree_HB_ci_low": l1, "share_agree_HB_ci_high": u1,
        "share_agree_Verrokki": p2, "share_agree_Verrokki_ci_low": l2,
        "share_agree_Verrokki_ci_high": u2,
        "diff_share": p1 - p2, "diff_ci_low": dl, "diff_ci_high": du,
        "mean_HB": float(hb.mean()) if n1 else np.nan,
        "mean_Verrokki": float(ve.mean()) if n2 else np.nan,
        "median_HB": float(np.median(hb)) if n1 else np.nan,
        "median_Verrokki": float(np.median(ve)) if n2 else np.nan,
        "U": u, "mann_whitney_p": p, "rank_biserial": r,
    }


_META = {"ci_method": "wilson", "diff_ci_method": "newcombe", "test": "mann_whitney_two_sided",
         "rank_biserial_sign": "positive = HB higher", "denominator": DENOMINATOR}


# --------------------------------------------------------------------------- items

def scale_scores(satisfaction: pd.DataFrame, items: Sequence[str] = ITEMS,
                 min_items: int = SCALE_MIN_ITEMS) -> pd.Series:
    """Satisfaction scale per respondent: mean of the answered items C1–C8.

    Missing when fewer than ``min_items`` (default 4, half of 8) items are answered.
    Returns a float Series aligned with ``satisfaction``.
    """
    missing = [c for c in items if c not in satisfaction.columns]
    if missing:
        raise HbEvalError(f"satisfaction table lacks item column(s) {missing}")
    x = pd.DataFrame({c: _numeric(satisfaction[c], c) for c in items})
    n_ans = x.notna().sum(axis=1)
    return x.mean(axis=1).where(n_ans >= min_items).rename("scale")


def satisfaction_items(satisfaction: pd.DataFrame, confidence: float = 0.95,
                       items: Sequence[str] = ITEMS, arm_col: str = "version",
                       include_scale: bool = True) -> pd.DataFrame:
    """Per item, the arms compared: share agreeing (4–5) with Wilson CIs, the difference in
    shares (HB − Verrokki) with Newcombe's interval, and Mann–Whitney U with rank-biserial r.

    Parameters
    ----------
    satisfaction
        The Dataset's ``satisfaction`` table (one row per respondent).
    confidence
        Level of every interval.
    items
        Item columns (default C1–C8).
    arm_col
        Column holding the arm (``HB``/``Verrokki``); the survey version by default.
    include_scale
        Add a last row ``item="scale"`` for the mean scale (see :func:`satisfaction_scale`).

    Returns
    -------
    DataFrame
        One row per item: item, n_HB, n_Verrokki (answered 1–5), agree_HB, agree_Verrokki,
        share_agree_* with ``_ci_low``/``_ci_high``, diff_share, diff_ci_low, diff_ci_high,
        mean_*, median_*, U (HB's), mann_whitney_p, rank_biserial (positive = HB higher),
        confidence, ci_method, diff_ci_method, test, rank_biserial_sign, denominator.
    """
    rows = []
    for item in items:
        hb, ve = _arm_values(satisfaction, item, arm_col)
        _check_scale(np.concatenate([hb, ve]), item, 1, 5)
        rows.append({"item": item, **_compare_row(hb, ve, 4, confidence)})
    out = pd.DataFrame(rows)
    if include_scale:
        out = pd.concat([out, satisfaction_scale(satisfaction, confidence, items, arm_col)],
                        ignore_index=True)
    return out.assign(confidence=confidence, **_META)


def satisfaction_scale(satisfaction: pd.DataFrame, confidence: float = 0.95,
                       items: Sequence[str] = ITEMS, arm_col: str = "version",
                       min_items: int = SCALE_MIN_ITEMS) -> pd.DataFrame:
    """The mean satisfaction scale (mean of C1–C8, at least ``min_items`` answered) compared
    between arms as in :func:`satisfaction_items`; *agree* = scale mean ≥ 4.

    Returns
    -------
    DataFrame
        One row, ``item="scale"``, the columns of :func:`satisfaction_items` plus
        ``scale_rule``.
    """
    s = scale_scores(satisfaction, items, min_items)
    frame = pd.DataFrame({arm_col: satisfaction[arm_col].to_numpy(), "scale": s.to_numpy()})
    hb, ve = _arm_values(frame, "scale", arm_col)
    row = {"item": "scale", **_compare_row(hb, ve, 4, confidence)}
    out = pd.DataFrame([row]).assign(confidence=confidence, **_META)
    out["scale_rule"] = (f"mean of {items[0]}-{items[-1]} when >= {min_items} answered; "
                         "agree = mean >= 4")
    out["denominator"] = f"scale defined (>= {min_items} items answered)"
    return out


def satisfaction_distribution(satisfaction: pd.DataFrame, items: Sequence[str] = ITEMS,
                              arm_col: str = "version") -> pd.DataFrame:
    """Distribution of the answers 1–5 per item and arm, for a diverging stacked bar chart.

    Returns
    -------
    DataFrame
        item, arm, answer (1–5), n (clients giving that answer), n_answered (the arm's
        denominator: answered 1–5), share (n / n_answered; NaN when nobody answered),
        n_no_answer (don't know or blank, not in the shares). 5 rows per item × arm.
    """
    rows = []
    for item in items:
        for arm, x in zip(ARMS, _arm_values(satisfaction, item, arm_col)):
            _check_scale(x, item, 1, 5)
            n_rows = int((satisfaction[arm_col].astype("string") == arm).sum())
            counts = np.array([(x == a).sum() for a in range(1, 6)])
            if counts.sum() != len(x):
                raise HbEvalError(f"satisfaction column {item!r}: answers must be whole numbers "
                                  "1-5")
            for a, c in zip(range(1, 6), counts):
                rows.append({"item": item, "arm": arm, "answer": a, "n": int(c),
                             "n_answered": len(x),
                             "share": c / len(x) if len(x) else np.nan,
                             "n_no_answer": n_rows - len(x)})
    out = pd.DataFrame(rows)
    out["arm"] = pd.Categorical(out["arm"], categories=list(ARMS))
    return out


def grade(satisfaction: pd.DataFrame, confidence: float = 0.95, column: str = "grade",
          arm_col: str = "version") -> pd.DataFrame:
    """Overall grade (4–10) per arm: mean with a t interval; HB − Verrokki difference with a
    Welch interval; Mann–Whitney with rank-biserial r (positive = HB higher).

    Returns
    -------
    DataFrame
        One row: n_HB, n_Verrokki, mean_HB, sd_HB, mean_HB_ci_low, mean_HB_ci_high, the same
        for Verrokki, diff, diff_ci_low, diff_ci_high, diff_df (Welch), U, mann_whitney_p,
        rank_biserial, confidence, ci_method (``t``), diff_ci_method (``welch``), test.
    """
    hb, ve = _arm_values(satisfaction, column, arm_col)
    _check_scale(np.concatenate([hb, ve]), column, 4, 10)
    q = 0.5 + confidence / 2
    row: dict[str, Any] = {}
    for arm, x in zip(ARMS, (hb, ve)):
        n = len(x)
        m = float(x.mean()) if n else np.nan
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        half = stats.t.ppf(q, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
        row.update({f"n_{arm}": n, f"mean_{arm}": m, f"sd_{arm}": sd,
                    f"mean_{arm}_ci_low": m - half, f"mean_{arm}_ci_high": m + half})
    n1, n2 = len(hb), len(ve)
    if n1 > 1 and n2 > 1:
        v1, v2 = row["sd_HB"] ** 2 / n1, row["sd_Verrokki"] ** 2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1)) if se > 0 else np.nan
        d = row["mean_HB"] - row["mean_Verrokki"]
        half = stats.t.ppf(q, df) * se if se > 0 else 0.0
        row.update({"diff": d, "diff_ci_low": d - half, "diff_ci_high": d + half, "diff_df": df})
    else:
        row.update({"diff": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan,
                    "diff_df": np.nan})
    u, p, r = rank_biserial(hb, ve)
    row.update({"U": u, "mann_whitney_p": p, "rank_biserial": r, "confidence": confidence,
                "ci_method": "t", "diff_ci_method": "welch", "test": "mann_whitney_two_sided",
                "rank_biserial_sign": "positive = HB higher"})
    return pd.DataFrame([row])


def hb_only_items(satisfaction: pd.DataFrame, confidence: float = 0.95,
                  items: Sequence[str] = HB_ITEMS, arm_col: str = "version") -> pd.DataFrame:
    """HB-only items H1–H4, descriptively, among HB respondents.

    H3 (the HB assistant's support) is blank when the client had no assistant: its blanks are
    counted in ``n_no_assistant``, not as missing answers (a don't-know on H3 is also blank in
    the satisfaction table and cannot be told apart).

    Returns
    -------
    DataFrame
        item, n_respondents (HB rows), n (answered 1–5), n_missing (blank/don't know; 0 for H3),
        n_no_assistant (H3 only; NA for the others), agree (4–5), share_agree with Wilson
        ci_low/ci_high, mean, sd, median, n_1 … n_5, confidence, ci_method.
    """
    arm = satisfaction[arm_col].astype("string")
    hb = satisfaction.loc[(arm == "HB").to_numpy()]
    rows = []
    for item in items:
        if item not in hb.columns:
            raise HbEvalError(f"satisfaction table has no column {item!r}")
        v = _numeric(hb[item], item).to_numpy()
        x = v[~np.isnan(v)]
        _check_scale(x, item, 1, 5)
        n, k = len(x), int((x >= 4).sum())
        lo, hi = _wilson(k, n, confidence)
        blanks = int(np.isnan(v).sum())
        row = {"item": item, "n_respondents": len(v), "n": n,
               "n_missing": 0 if item == "H3" else blanks,
               "n_no_assistant": blanks if item == "H3" else pd.NA,
               "agree": k, "share_agree": k / n if n else np.nan, "ci_low": lo, "ci_high": hi,
               "mean": float(x.mean()) if n else np.nan,
               "sd": float(x.std(ddof=1)) if n > 1 else np.nan,
               "median": float(np.median(x)) if n else np.nan}
        row.update({f"n_{a}": int((x == a).sum()) for a in range(1, 6)})
        rows.append(row)
    out = pd.DataFrame(rows)
    out["n_no_assistant"] = out["n_no_assistant"].astype("Int64")
    return out.assign(confidence=confidence, ci_method="wilson")


# --------------------------------------------------------------------------- ESR

def _pair_esr(esr: pd.DataFrame, clients: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    """Start and end forms paired by client id; counts of what was set aside."""
    need = {"client_id", "form", "date", "labour_status"}
    if not need <= set(esr.columns):
        raise HbEvalError(f"esr table lacks column(s) {sorted(need - set(esr.columns))}")
    e = esr.loc[:, ["client_id", "form", "date", "labour_status"]].copy()
    e["client_id"] = e["client_id"].astype(str)
    e["form"] = e["form"].astype(str)
    e["labour_status"] = e["labour_status"].astype("string")
    bad_form = ~e["form"].isin(["aloitus", "päättö"])
    if bad_form.any():
        raise HbEvalError(f"esr: {int(bad_form.sum())} row(s) with a form other than "
                          "aloitus/päättö")
    bad_status = e["labour_status"].notna() & ~e["labour_status"].isin(LABOUR_STATUSES)
    if bad_status.any():
        raise HbEvalError(f"esr: {int(bad_status.sum())} row(s) with an unknown labour status")
    n_not_hb = 0
    if clients is not None:
        hb_ids = set(clients.loc[(clients["arm"].astype("string") == "HB").to_numpy(),
                                 "client_id"].astype(str))
        keep = e["client_id"].isin(hb_ids)
        n_not_hb = int(e.loc[~keep, "client_id"].nunique())
        e = e[keep]
    e = e.sort_values(["client_id", "form", "date"], kind="stable")
    start = e[e["form"] == "aloitus"].drop_duplicates("client_id", keep="first")
    end = e[e["form"] == "päättö"].drop_duplicates("client_id", keep="last")
    pair = start.merge(end, on="client_id", how="outer", suffixes=("_start", "_end"))
    has_s = pair["labour_status_start"].notna()
    has_e = pair["labour_status_end"].notna()
    counts = {"n_paired": int((has_s & has_e).sum()), "n_start_only": int((has_s & ~has_e).sum()),
              "n_end_only": int((~has_s & has_e).sum()),
              "n_extra_forms": int(len(e) - len(start) - len(end)), "n_not_hb": n_not_hb}
    return pair[has_s & has_e].reset_index(drop=True), counts


def work_transitions(esr: pd.DataFrame, clients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Labour-market status at the start (``aloitus``) × end (``päättö``) for HB clients.

    Pairs the two forms by ``client_id``. A client with more than one form of a kind keeps the
    earliest ``aloitus`` and the latest ``päättö`` (*decision*); how many forms that set aside,
    and how many clients have only one of the two forms, is in
    :func:`work_transition_summary`.

    Parameters
    ----------
    esr
        The Dataset's ``esr`` table: client_id, form, date, labour_status.
    clients
        Optional ``clients`` table: when given, only HB clients are kept (the number set aside
        is ``n_not_hb`` in the summary).

    Returns
    -------
    DataFrame
        start_status, end_status, n, share_of_start (n / paired clients with that start status;
        NaN when none); all 5 × 5 combinations, in the ESR code order.
    """
    p, _ = _pair_esr(esr, clients)
    s_cat = pd.Categorical(p["labour_status_start"].astype(str), categories=LABOUR_STATUSES)
    e_cat = pd.Categorical(p["labour_status_end"].astype(str), categories=LABOUR_STATUSES)
    ct = pd.crosstab(s_cat, e_cat, dropna=False).reindex(
        index=LABOUR_STATUSES, columns=LABOUR_STATUSES, fill_value=0)
    n = ct.to_numpy().astype(int)
    row_tot = n.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(row_tot > 0, n / np.where(row_tot > 0, row_tot, 1), np.nan)
    k = len(LABOUR_STATUSES)
    return pd.DataFrame({
        "start_status": np.repeat(LABOUR_STATUSES, k),
        "end_status": np.tile(LABOUR_STATUSES, k),
        "n": n.ravel(),
        "share_of_start": share.ravel(),
    })


def work_transition_summary(esr: pd.DataFrame, clients: pd.DataFrame | None = None,
                            confidence: float = 0.95) -> pd.DataFrame:
    """The share of HB clients moving into work or study (työllinen or opiskelija at the end,
    neither at the start), among those in neither at the start, with a Wilson interval.

    Returns
    -------
    DataFrame
        One row: n_paired, n_start_only, n_end_only, n_extra_forms, n_not_hb,
        n_not_in_work_or_study_at_start, n_into_work_or_study, share_into_work_or_study,
        ci_low, ci_high, n_in_work_or_study_start, n_in_work_or_study_end, work_or_study,
        confidence, ci_method.
    """
    p, counts = _pair_esr(esr, clients)
    ws = sorted(WORK_OR_STUDY)
    s_in = p["labour_status_start"].isin(ws).to_numpy()
    e_in = p["labour_status_end"].isin(ws).to_numpy()
    n_out = int((~s_in).sum())
    k = int((~s_in & e_in).sum())
    lo, hi = _wilson(k, n_out, confidence)
    return pd.DataFrame([{
        **counts,
        "n_not_in_work_or_study_at_start": n_out, "n_into_work_or_study": k,
        "share_into_work_or_study": k / n_out if n_out else np.nan,
        "ci_low": lo, "ci_high": hi,
        "n_in_work_or_study_start": int(s_in.sum()), "n_in_work_or_study_end": int(e_in.sum()),
        "work_or_study": ", ".join(ws), "confidence": confidence, "ci_method": "wilson",
    }])


# --------------------------------------------------------------------------- result object

@dataclass(repr=False)
class ExperienceResults(ResultDisplay):
    """All client-experience results; see :func:`analyse_experience`."""

    items: pd.DataFrame
    distribution: pd.DataFrame
    grade: pd.DataFrame | None
    hb_only: pd.DataFrame | None
    transitions: pd.DataFrame | None = None
    transition_summary: pd.DataFrame | None = None
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    n_duplicates: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The item comparisons (C1–C8 and the scale) with the grade as a last row."""
        parts = [self.items]
        if self.grade is not None:
            g = self.grade.rename(columns={"diff": "diff_mean"}).assign(item="grade")
            parts.append(g)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """A compact table: n, share agreeing, p and r per item; grade means."""
        cols = ["item", "n_HB", "n_Verrokki", "share_agree_HB", "share_agree_Verrokki",
                "diff_share", "mean_HB", "mean_Verrokki", "mann_whitney_p", "rank_biserial"]
        f = self.to_frame()
        return f.loc[:, [c for c in cols if c in f.columns]]

    def to_results(self) -> dict[str, Any]:
        """The ``satisfaction`` block of results.json (docs/outputs.md), plus ``scale``,
        ``hb_only`` and ``transitions`` extensions."""
        keys = ["n_HB", "n_Verrokki", "share_agree_HB", "share_agree_Verrokki",
                "mann_whitney_p", "rank_biserial"]
        items = {}
        scale = None
        for _, r in self.items.iterrows():
            d = {k: _clean(r[k]) for k in keys}
            if r["item"] == "scale":
                scale = d
            else:
                items[str(r["item"])] = d
        out: dict[str, Any] = {"items": items}
        if scale is not None:
            out["scale"] = scale
        if self.grade is not None:
            g = self.grade.iloc[0]
            out["grade"] = {k: _clean(g[k]) for k in ("mean_HB", "mean_Verrokki", "n_HB",
                                                        "n_Verrokki", "mann_whitney_p",
                                                        "rank_biserial")}
        if self.hb_only is not None:
            out["hb_only"] = {str(r["item"]): {"n": _clean(r["n"]),
                                               "share_agree": _clean(r["share_agree"])}
                              for _, r in self.hb_only.iterrows()}
        if self.transition_summary is not None:
            s = self.transition_summary.iloc[0]
            out["transitions"] = {k: _clean(s[k]) for k in (
                "n_paired", "n_not_in_work_or_study_at_start", "n_into_work_or_study",
                "share_into_work_or_study")}
        return out


def latest_per_client(satisfaction: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One response per client: the latest by ``date`` (the last row on ties).

    Returns the de-duplicated table (original row order) and how many responses were set
    aside, so that a client who answered twice is counted once.
    """
    if "client_id" not in satisfaction.columns:
        raise HbEvalError("satisfaction table has no column 'client_id'")
    key = satisfaction["client_id"].astype(str)
    if not key.duplicated().any():
        return satisfaction, 0
    order = np.arange(len(satisfaction))
    tmp = pd.DataFrame({"k": key.to_numpy(), "o": order})
    if "date" in satisfaction.columns:
        tmp["d"] = pd.to_datetime(satisfaction["date"]).to_numpy()
        tmp = tmp.sort_values(["k", "d", "o"], kind="stable", na_position="first")
    else:
        tmp = tmp.sort_values(["k", "o"], kind="stable")
    keep = np.sort(tmp.drop_duplicates("k", keep="last")["o"].to_numpy())
    return satisfaction.iloc[keep], len(satisfaction) - len(keep)


def analyse_experience(satisfaction: pd.DataFrame, esr: pd.DataFrame | None = None,
                       clients: pd.DataFrame | None = None,
                       confidence: float = 0.95) -> ExperienceResults:
    """Run every client-experience analysis (one response per client: the latest, see
    :func:`latest_per_client`; how many were set aside is in ``notes`` and ``n_duplicates``).

    Parameters
    ----------
    satisfaction
        The Dataset's ``satisfaction`` table.
    esr
        The Dataset's ``esr`` table, or None when the source is absent.
    clients
        Optional ``clients`` table, to keep only HB clients in the ESR transitions.
    confidence
        Level of every interval.
    """
    satisfaction, n_dup = latest_per_client(satisfaction)
    has_grade = "grade" in satisfaction.columns
    has_h = all(h in satisfaction.columns for h in HB_ITEMS)
    notes = [f"Shares and tests use clients who answered 1-5; {DENOMINATOR}."]
    if n_dup:
        notes.append(f"{n_dup} earlier response(s) of clients who answered more than once were "
                     "set aside (the latest response per client is used).")
    return ExperienceResults(
        items=satisfaction_items(satisfaction, confidence),
        distribution=satisfaction_distribution(satisfaction),
        grade=grade(satisfaction, confidence) if has_grade else None,
        hb_only=hb_only_items(satisfaction, confidence) if has_h else None,
        transitions=work_transitions(esr, clients) if esr is not None else None,
        transition_summary=(work_transition_summary(esr, clients, confidence)
                            if esr is not None else None),
        confidence=confidence,
        notes=notes,
        n_duplicates=n_dup,
    )
