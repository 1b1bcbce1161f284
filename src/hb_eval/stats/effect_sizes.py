"""Effect sizes: within-arm change (d_z, d_av, g_av, Wilcoxon), Morris's d_ppc2 between arms,
Jacobson-Truax reliable change, and Wilson / Newcombe intervals for shares.

Every table names its variant in a column (``method``, ``ci_method``, ``sd_average``) and the n
actually used. Definitions (Lakens 2013; Cumming 2012; Morris 2008; Jacobson & Truax 1991;
Newcombe 1998):

* ``d_z``  = mean change / SD of the change; CI by inverting the noncentral t (``ncp``; for
  large t or df, where scipy's noncentral t loses accuracy, the same inversion by quadrature,
  ``ncp_quadrature``: :mod:`hb_eval.stats.noncentral_t`).
* ``d_av`` = mean change / average SD of baseline and end. ``sd_average="mean"`` (default, the
  spec's "mean of the two SDs", Lakens's d_av) uses (SD1 + SD2) / 2; ``"rms"`` uses
  sqrt((SD1^2 + SD2^2) / 2), which is what ``pingouin.compute_effsize(paired=True,
  eftype="cohen")`` computes (Cumming 2012). The two agree when SD1 = SD2.
* ``g_av`` = d_av x (1 - 3 / (4 * 2n - 9)), Hedges's correction as Lakens (2013) and pingouin
  apply it to paired data (n1 = n2 = n).
* No exact interval exists for d_av / g_av. With ``ci_method="ncp"`` their interval is the d_z
  noncentral-t interval rescaled by SD_change / SD_av (the SD ratio treated as fixed; named
  ``ncp_scaled``); with ``ci_method="bootstrap"`` every standardised effect gets a percentile
  bootstrap interval over clients (``bootstrap_percentile``), seeded.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

from .noncentral_t import ncp_limits
from ..support.values import plain_value
from ..support.checks import check_confidence

__all__ = [
    "within_arm",
    "within_results",
    "ncp_ci",
    "d_ppc2",
    "d_ppc2_from_summary",
    "reliable_change",
    "reliable_change_results",
    "fisher_freeman_halton_2xk",
    "between_arm_test",
    "wilson_ci",
    "newcombe_diff_ci",
]

ARMS = ("HB", "Verrokki")
WITHIN_METHODS = ("mean_change", "d_z", "d_av", "g_av", "wilcoxon")


def _paired(frame: pd.DataFrame) -> pd.DataFrame:
    """Complete pairs only (baseline and end both present); n reported is this n."""
    need = {"arm", "baseline", "end"}
    if need - set(frame.columns):
        raise ValueError(f"frame lacks column(s) {sorted(need - set(frame.columns))}; "
                         "pass a change frame (hb_eval.outcomes.scores.change_frame)")
    f = frame.loc[frame["baseline"].notna() & frame["end"].notna()].copy()
    f["change"] = f["end"] - f["baseline"]
    return f


def _arms(frame: pd.DataFrame) -> list[str]:
    present = [str(a) for a in pd.unique(frame["arm"].astype(str))]
    return [a for a in ARMS if a in present] + sorted(a for a in present if a not in ARMS)


# -- noncentral t ---------------------------------------------------------------------------

def ncp_ci(t: Any, df: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for the noncentrality parameter of an observed t (vectorised).

    The lower limit solves ``nct.cdf(t, df, lam) = 1 - a/2`` and the upper
    ``nct.cdf(t, df, lam) = a/2`` (Steiger & Fouladi 1997), finite for any finite t and df > 0:
    scipy's noncentral t where it is accurate, else Gauss-Hermite/Legendre quadrature (see
    :func:`hb_eval.stats.noncentral_t.ncp_limits`, which also says which was used).

    Parameters
    ----------
    t, df
        Observed t statistic(s) and degrees of freedom (broadcast together).
    confidence
        Coverage.

    Returns
    -------
    (lower, upper)
        Arrays of noncentrality limits; divide by sqrt(n) for a one-sample / paired d.
    """
    check_confidence(confidence)
    lo, hi, _ = ncp_limits(t, df, confidence)
    return lo, hi


# -- within-arm -----------------------------------------------------------------------------

def _sd_av(s1: np.ndarray, s2: np.ndarray, sd_average: str) -> np.ndarray:
    if sd_average == "mean":
        return (s1 + s2) / 2
    if sd_average == "rms":
        return np.sqrt((s1 ** 2 + s2 ** 2) / 2)
    raise ValueError(f"sd_average must be 'mean' or 'rms', not {sd_average!r}")


def _hedges_j(n: Any) -> Any:
    """Hedges's correction as pingouin and Lakens (2013) apply it to paired data."""
    return 1 - 3 / (4 * (2 * np.asarray(n, float)) - 9)


def _std_effects(x: np.ndarray, y: np.ndarray, sd_average: str) -> dict[str, np.ndarray]:
    """d_z, d_av, g_av along the last axis (works for one sample or B bootstrap rows)."""
    n = x.shape[-1]
    d = y - x
    m = d.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sdd = d.std(axis=-1, ddof=1)
        sav = _sd_av(x.std(axis=-1, ddof=1), y.std(axis=-1, ddof=1), sd_average)
        dz = np.where(sdd > 0, m / sdd, np.nan)
        dav = np.where(sav > 0, m / sav, np.nan)
    return {"d_z": dz, "d_av": dav, "g_av": dav * _hedges_j(n)}


def within_arm(frame: pd.DataFrame, confidence: float = 0.95, ci_method: str = "ncp",
               sd_average: str = "mean", n_boot: int = 2000,
               seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Change within each arm: mean change, d_z, d_av, g_av with CIs, and Wilcoxon.

    Parameters
    ----------
    frame
        A change frame (:func:`hb_eval.outcomes.scores.change_frame`): arm, baseline, end. Only complete
        pairs are used.
    confidence
        Coverage of every interval.
    ci_method
        ``"ncp"``: noncentral t (d_z exact; d_av, g_av ``ncp_scaled``). ``"bootstrap"``:
        percentile bootstrap over clients for d_z, d_av and g_av (``n_boot`` replicates).
        The mean change always has the t interval.
    sd_average
        Standardiser of d_av: ``"mean"`` of the two SDs or ``"rms"`` (see module notes).
    n_boot, seed
        Bootstrap replicates and seed (int or Generator); used only with ``"bootstrap"``.

    Returns
    -------
    DataFrame
        One row per arm x method (``mean_change``, ``d_z``, ``d_av``, ``g_av``,
        ``wilcoxon``): outcome (when the frame has one), arm, method, n, mean_baseline,
        mean_end, mean_change, sd_baseline, sd_end, sd_change, r_pre_post, estimate, ci_low,
        ci_high, ci_method, confidence, statistic (t for mean_change, W for wilcoxon), p,
        sd_average. The wilcoxon row's estimate is NaN (a test, not an effect size); it is
        ``scipy.stats.wilcoxon`` on the changes with its defaults (zero changes dropped,
        ``zero_method="wilcox"``; exact p for small n without ties, else normal approximation).
    """
    check_confidence(confidence)
    if ci_method not in ("ncp", "bootstrap"):
        raise ValueError(f"ci_method must be 'ncp' or 'bootstrap', not {ci_method!r}")
    _sd_av(np.ones(1), np.ones(1), sd_average)  # validates sd_average
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    f = _paired(frame)
    outcome = (str(f["outcome"].iloc[0]) if "outcome" in f.columns and len(f) else None)
    a = 1 - confidence
    rows = []
    for arm in _arms(f):
        g = f[f["arm"].astype(str) == arm]
        x = g["baseline"].to_numpy(float)
        y = g["end"].to_numpy(float)
        d = y - x
        n = len(d)
        base = {"outcome": outcome, "arm": arm, "n": n, "mean_baseline": x.mean(),
                "mean_end": y.mean(), "mean_change": d.mean(), "confidence": confidence,
                "sd_average": sd_average}
        nan = float("nan")
        if n >= 2:
            sdd = d.std(ddof=1)
            base.update(sd_baseline=x.std(ddof=1), sd_end=y.std(ddof=1), sd_change=sdd)
            with np.errstate(invalid="ignore", divide="ignore"):
                base["r_pre_post"] = (np.corrcoef(x, y)[0, 1]
                                      if x.std() > 0 and y.std() > 0 else nan)
            se = sdd / math.sqrt(n)
            tcrit = stats.t.ppf(1 - a / 2, n - 1)
            tstat = d.mean() / se if se > 0 else nan
            p_t = 2 * stats.t.sf(abs(tstat), n - 1) if se > 0 else nan
            rows.append({**base, "method": "mean_change", "estimate": d.mean(),
                         "ci_low": d.mean() - tcrit * se, "ci_high": d.mean() + tcrit * se,
                         "ci_method": "t", "statistic": tstat, "p": p_t})
            eff = {k: float(v) for k, v in _std_effects(x, y, sd_average).items()}
            if ci_method == "ncp":
                lo, hi, how = ncp_limits(tstat, n - 1, confidence)
                how = str(how) if np.isfinite(tstat) else "ncp"
                dz_lo, dz_hi = float(lo) / math.sqrt(n), float(hi) / math.sqrt(n)
                sav = _sd_av(np.array(base["sd_baseline"]), np.array(base["sd_end"]),
                             sd_average)
                scale = float(sdd / sav) if sav > 0 else nan
                j = float(_hedges_j(n))
                cis = {"d_z": (dz_lo, dz_hi, how),
                       "d_av": (dz_lo * scale, dz_hi * scale, f"{how}_scaled"),
                       "g_av": (dz_lo * scale * j, dz_hi * scale * j, f"{how}_scaled")}
            else:
                # replicates in blocks of about 2 million cells to bound memory
                block = max(1, 2_000_000 // n)
                parts = [_std_effects(x[i], y[i], sd_average) for i in
                         (rng.integers(0, n, size=(min(block, n_boot - b), n))
                          for b in range(0, n_boot, block))]
                boot = {k: np.concatenate([p_[k] for p_ in parts]) for k in parts[0]}
                cis = {}
                for k, v in boot.items():
                    v = v[np.isfinite(v)]
                    lo_, hi_ = (np.quantile(v, [a / 2, 1 - a / 2]) if len(v) else (nan, nan))
                    cis[k] = (float(lo_), float(hi_), "bootstrap_percentile")
            for k in ("d_z", "d_av", "g_av"):
                lo_, hi_, how = cis[k]
                if not np.isfinite(eff[k]):
                    lo_ = hi_ = nan
                rows.append({**base, "method": k, "estimate": eff[k], "ci_low": lo_,
                             "ci_high": hi_, "ci_method": how, "statistic": nan, "p": nan})
            if np.any(d != 0):
                w = stats.wilcoxon(d)
                wstat, wp = float(w.statistic), float(w.pvalue)
            else:
                wstat, wp = nan, nan
            rows.append({**base, "method": "wilcoxon", "estimate": nan, "ci_low": nan,
                         "ci_high": nan, "ci_method": "none", "statistic": wstat, "p": wp})
        else:
            for k in WITHIN_METHODS:
                rows.append({**base, "method": k, "estimate": nan, "ci_low": nan,
                             "ci_high": nan, "ci_method": "none", "statistic": nan, "p": nan})
    cols = ["outcome", "arm", "method", "n", "mean_baseline", "mean_end", "mean_change",
            "sd_baseline", "sd_end", "sd_change", "r_pre_post", "estimate", "ci_low", "ci_high",
            "ci_method", "confidence", "statistic", "p", "sd_average"]
    out = pd.DataFrame(rows, columns=cols)
    out["n"] = out["n"].astype(int)
    return out


def within_results(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The ``within`` block of results.json from a :func:`within_arm` table.

    Returns ``{arm: {n, mean_baseline, mean_end, mean_change, ci_low, ci_high, d_z,
    d_z_ci_low, d_z_ci_high, d_av, g_av, g_av_ci_low, g_av_ci_high, wilcoxon_p}}`` with NaN as
    None.
    """
    out: dict[str, dict[str, Any]] = {}
    for arm, g in table.groupby("arm", sort=False):
        m = g.set_index("method")
        r: dict[str, Any] = {k: plain_value(m[k].iloc[0]) for k in
                             ("n", "mean_baseline", "mean_end", "mean_change")}
        r["ci_low"] = plain_value(m.at["mean_change", "ci_low"])
        r["ci_high"] = plain_value(m.at["mean_change", "ci_high"])
        for k in ("d_z", "d_av", "g_av"):
            r[k] = plain_value(m.at[k, "estimate"])
            r[f"{k}_ci_low"] = plain_value(m.at[k, "ci_low"])
            r[f"{k}_ci_high"] = plain_value(m.at[k, "ci_high"])
        r["wilcoxon_p"] = plain_value(m.at["wilcoxon", "p"])
        out[str(arm)] = r
    return out


# -- between arms: Morris (2008) d_ppc2 -----------------------------------------------------

def d_ppc2_from_summary(m_pre_t: float, m_post_t: float, sd_pre_t: float, n_t: int,
                        m_pre_c: float, m_post_c: float, sd_pre_c: float, n_c: int,
                        r: float, confidence: float = 0.95) -> dict[str, float]:
    """Morris (2008) d_ppc2 and its normal-theory CI from summary statistics.

    d_ppc2 = c_p [(M_post,T - M_pre,T) - (M_post,C - M_pre,C)] / SD_pre,pooled with
    c_p = 1 - 3 / (4(n_T + n_C - 2) - 1). Variance: Morris (2008) eq. 25,

        2 c_p^2 (1 - r) ((n_T + n_C) / (n_T n_C)) ((n_T + n_C - 2) / (n_T + n_C - 4))
        (1 + d^2 / (2 (1 - r) (n_T + n_C) / (n_T n_C))) - d^2,

    with the population effect replaced by d_ppc2 and rho by ``r`` (the pre-post
    correlation); interval d +/- z sqrt(variance).
    """
    check_confidence(confidence)
    n = n_t + n_c
    sd_pool = math.sqrt(((n_t - 1) * sd_pre_t ** 2 + (n_c - 1) * sd_pre_c ** 2) / (n - 2))
    cp = 1 - 3 / (4 * (n - 2) - 1)
    d = cp * ((m_post_t - m_pre_t) - (m_post_c - m_pre_c)) / sd_pool
    k = n / (n_t * n_c)
    var = (2 * cp ** 2 * (1 - r) * k * ((n - 2) / (n - 4))
           * (1 + d ** 2 / (2 * (1 - r) * k)) - d ** 2) if n > 4 else float("nan")
    se = math.sqrt(var) if var >= 0 else float("nan")
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    return {"estimate": d, "se": se, "ci_low": d - z * se, "ci_high": d + z * se,
            "sd_pre_pooled": sd_pool, "c_p": cp, "r_pre_post": r}


def d_ppc2(frame: pd.DataFrame, confidence: float = 0.95, treated: str = "HB",
           control: str = "Verrokki") -> pd.DataFrame:
    """Between-arm pretest-posttest-control effect size d_ppc2 (Morris 2008) with its CI.

    The pre-post correlation in the variance is the pooled within-arm correlation (pooled
    within-arm covariance over the root of the pooled baseline and end variances, each pooled
    with n - 1 weights).

    Parameters
    ----------
    frame
        A change frame: arm, baseline, end (complete pairs used).
    confidence
        Coverage of the normal-theory interval (``ci_method="normal_morris2008"``).
    treated, control
        Arm labels.

    Returns
    -------
    DataFrame
        One row: outcome, method (``d_ppc2``), estimate, se, ci_low, ci_high, ci_method,
        confidence, n_HB, n_Verrokki, mean_change_HB, mean_change_Verrokki, sd_pre_pooled,
        r_pre_post, c_p.
    """
    check_confidence(confidence)
    f = _paired(frame)
    arm = f["arm"].astype(str)
    t, c = f[arm == treated], f[arm == control]
    nt, nc = len(t), len(c)
    outcome = str(f["outcome"].iloc[0]) if "outcome" in f.columns and len(f) else None
    row: dict[str, Any] = {"outcome": outcome, "method": "d_ppc2", "ci_method":
                           "normal_morris2008", "confidence": confidence,
                           f"n_{treated}": nt, f"n_{control}": nc,
                           f"mean_change_{treated}": t["change"].mean() if nt else np.nan,
                           f"mean_change_{control}": c["change"].mean() if nc else np.nan}
    if nt >= 2 and nc >= 2 and nt + nc > 4:
        def pooled(fun):
            return ((nt - 1) * fun(t) + (nc - 1) * fun(c)) / (nt + nc - 2)
        cov = pooled(lambda g: np.cov(g["baseline"], g["end"], ddof=1)[0, 1])
        vb = pooled(lambda g: g["baseline"].var(ddof=1))
        ve = pooled(lambda g: g["end"].var(ddof=1))
        r = cov / math.sqrt(vb * ve) if vb > 0 and ve > 0 else np.nan
        res = d_ppc2_from_summary(t["baseline"].mean(), t["end"].mean(),
                                  t["baseline"].std(ddof=1), nt, c["baseline"].mean(),
                                  c["end"].mean(), c["baseline"].std(ddof=1), nc, r,
                                  confidence) if vb > 0 else {}
        row.update(res)
    cols = ["outcome", "method", "estimate", "se", "ci_low", "ci_high", "ci_method",
            "confidence", f"n_{treated}", f"n_{control}", f"mean_change_{treated}",
            f"mean_change_{control}", "sd_pre_pooled", "r_pre_post", "c_p"]
    return pd.DataFrame([row]).reindex(columns=cols)


# -- reliable change ------------------------------------------------------------------------

def reliable_change(frame: pd.DataFrame, reliability: float, confidence: float = 0.95,
                    sd_baseline: float | None = None) -> pd.DataFrame:
    """Jacobson-Truax reliable change per arm, with a between-arm comparison.

    RCI = change / S_diff, S_diff = sqrt(2) x SD_baseline x sqrt(1 - reliability). A client
    improved when RCI > z_(1 - a/2), deteriorated when RCI < -z, else unchanged (a higher score
    is better). SD_baseline is, unless given, the SD (n - 1) of the baseline scores of all
    complete pairs of both arms, so both arms share one threshold.

    Parameters
    ----------
    frame
        A change frame (complete pairs used).
    reliability
        Cronbach's alpha of the scale at baseline or a test-retest value, in (0, 1).
    confidence
        1.96 for 0.95.
    sd_baseline
        Override for the standardiser.

    Returns
    -------
    DataFrame
        One row per arm: outcome, arm, n, improved, unchanged, deteriorated (counts),
        share_improved, share_unchanged, share_deteriorated, share_improved_ci_low/high
        (Wilson), reliability, sd_baseline, s_diff, threshold (the smallest reliable change in
        score points), and the between-arm comparison (the same on every row): test
        (``fisher_freeman_halton`` exact test of the arm x category table), p, and the
        difference in share improved (first arm minus second) with its Newcombe interval
        (diff_improved, diff_ci_low, diff_ci_high).
    """
    check_confidence(confidence)
    if not (0 <= reliability < 1):
        raise ValueError(f"reliability must be in [0, 1), not {reliability}")
    f = _paired(frame)
    sd = float(f["baseline"].std(ddof=1)) if sd_baseline is None else float(sd_baseline)
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - reliability)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rci = f["change"].to_numpy(float) / s_diff
    cat = np.where(rci > z, "improved", np.where(rci < -z, "deteriorated", "unchanged"))
    f = f.assign(category=pd.Categorical(cat, ["improved", "unchanged", "deteriorated"]),
                 arm=f["arm"].astype(str))
    arms = _arms(f)
    tab = pd.crosstab(f["arm"], f["category"], dropna=False).reindex(
        index=arms, columns=["improved", "unchanged", "deteriorated"], fill_value=0)
    n = tab.sum(axis=1)
    out = tab.reset_index().rename_axis(None, axis=1)
    out.insert(1, "n", n.to_numpy())
    for k in ("improved", "unchanged", "deteriorated"):
        out[f"share_{k}"] = np.where(n > 0, tab[k] / n.where(n > 0, 1), np.nan)
    lo, hi = wilson_ci(tab["improved"].to_numpy(), n.to_numpy(), confidence)
    out["share_improved_ci_low"], out["share_improved_ci_high"] = lo, hi
    out.insert(0, "outcome", str(f["outcome"].iloc[0]) if "outcome" in f.columns and len(f)
               else None)
    out["reliability"], out["sd_baseline"], out["s_diff"] = reliability, sd, s_diff
    out["threshold"] = z * s_diff
    out["confidence"] = confidence
    # Between arms: exact Fisher-Freeman-Halton on the non-empty columns (chi-square if huge).
    p = diff = dlo = dhi = np.nan
    test = "fisher_freeman_halton"
    if len(arms) == 2 and (n > 0).all():
        t2 = tab.loc[:, tab.sum(axis=0) > 0].to_numpy()
        p, test = between_arm_test(t2)
        diff, dlo, dhi = (float(v) for v in newcombe_diff_ci(
            tab["improved"].iloc[0], n.iloc[0], tab["improved"].iloc[1], n.iloc[1],
            confidence))
    out["test"] = test
    out["p"], out["diff_improved"], out["diff_ci_low"], out["diff_ci_high"] = p, diff, dlo, dhi
    out["diff_ci_method"] = "newcombe_hybrid_score"
    return out


#: Largest number of first rows :func:`fisher_freeman_halton_2xk` enumerates (about 100 MB).
FFH_MAX_TABLES = 2_000_000


def ffh_table_count(table: Any) -> int:
    """How many first rows the exact test of a 2 x K table enumerates (an upper bound)."""
    t = np.asarray(table, dtype=np.int64)
    cols = np.sort(t.sum(axis=0)[t.sum(axis=0) > 0])
    return int(np.prod(cols[:-1] + 1, dtype=float)) if len(cols) > 1 else 1


def fisher_freeman_halton_2xk(table: Any) -> float:
    """Exact Fisher-Freeman-Halton p-value of a 2 x K table, by full enumeration.

    Every first row with the observed margins is enumerated (vectorised; the largest column's
    cell is fixed by the row margin); its probability is the multivariate hypergeometric
    prod_k C(c_k, a_k) / C(N, r_1). The p-value sums the tables no more probable than the
    observed one (relative tolerance 1e-7), as ``scipy.stats.fisher_exact`` does for 2 x 2.
    (scipy's R x C default is an unseeded Monte Carlo, which would break reproducibility.)

    Raises
    ------
    ValueError
        When the table needs more than :data:`FFH_MAX_TABLES` first rows (large samples: use
        the chi-square test, as :func:`between_arm_test` does).
    """
    t = np.asarray(table, dtype=np.int64)
    if t.ndim != 2 or t.shape[0] != 2:
        raise ValueError("table must be 2 x K")
    t = t[:, t.sum(axis=0) > 0]
    if t.shape[1] < 2 or (t.sum(axis=1) == 0).any():
        return 1.0
    n_tables = ffh_table_count(t)
    if n_tables > FFH_MAX_TABLES:
        raise ValueError(f"the exact test would enumerate {n_tables:,} tables "
                         f"(more than {FFH_MAX_TABLES:,})")
    order = np.argsort(t.sum(axis=0), kind="stable")   # the largest column last
    t = t[:, order]
    cols, r1 = t.sum(axis=0), int(t[0].sum())
    # grow the first row one column at a time (first column slowest), pruning sums above r1;
    # each column kept as its own index array, its sum carried along
    parts: list[np.ndarray] = []
    tot = np.zeros(1, dtype=np.int64)
    for c in cols[:-1]:
        a = np.arange(c + 1, dtype=np.int64)
        grown = (tot[:, None] + a).ravel()
        keep = grown <= r1
        parts = [np.repeat(p, len(a))[keep] for p in parts] + [np.tile(a, len(tot))[keep]]
        tot = grown[keep]
    last = r1 - tot
    ok = (last >= 0) & (last <= cols[-1])
    parts = [p[ok] for p in parts] + [last[ok]]
    # log C(c_k, a_k) per cell from a table per column (log k! looked up once): the same
    # doubles in the same (tables x K) layout as computing gammaln per cell, so the same sum
    lf = special.gammaln(np.arange(int(cols.max()) + 2, dtype=np.float64))
    terms = np.empty((len(parts[0]), len(cols)))
    for k, (c, a) in enumerate(zip(cols, parts)):
        v = np.arange(c + 1)
        terms[:, k] = (lf[c + 1] - lf[v + 1] - lf[c - v + 1])[a]
    lp = terms.sum(axis=1)
    lp -= special.gammaln(cols.sum() + 1) - special.gammaln(r1 + 1) \
        - special.gammaln(cols.sum() - r1 + 1)
    obs = (special.gammaln(cols + 1) - special.gammaln(t[0] + 1)
           - special.gammaln(cols - t[0] + 1)).sum() - (
        special.gammaln(cols.sum() + 1) - special.gammaln(r1 + 1)
        - special.gammaln(cols.sum() - r1 + 1))
    pr = np.exp(lp)
    return float(min(1.0, pr[lp <= obs + 1e-7].sum()))


def between_arm_test(table: Any) -> tuple[float, str]:
    """p-value comparing the rows of a 2 x K table, and the test used.

    The exact Fisher-Freeman-Halton test while it enumerates at most :data:`FFH_MAX_TABLES`
    tables (every realistic evaluation); above that (thousands of clients, where every expected
    count is large) Pearson's chi-square test without continuity correction.
    """
    t = np.asarray(table, dtype=np.int64)
    t = t[:, t.sum(axis=0) > 0]
    if ffh_table_count(t) <= FFH_MAX_TABLES:
        return fisher_freeman_halton_2xk(t), "fisher_freeman_halton"
    return float(stats.chi2_contingency(t, correction=False).pvalue), "chi_square"


def reliable_change_results(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``reliable_change`` block of results.json: ``{arm: {improved, unchanged, deteriorated}}``
    as shares (0-1), plus ``n`` and the counts under ``n_improved`` etc."""
    out = {}
    for _, r in table.iterrows():  # one row per arm
        out[str(r["arm"])] = {
            "n": plain_value(r["n"]),
            **{k: plain_value(r[f"share_{k}"]) for k in ("improved", "unchanged", "deteriorated")},
            **{f"n_{k}": plain_value(r[k]) for k in ("improved", "unchanged", "deteriorated")}}
    return out


# -- proportions ----------------------------------------------------------------------------

def wilson_ci(k: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes of n (vectorised; NaN where n = 0).

    Uses ``statsmodels.stats.proportion.proportion_confint(method="wilson")``, with the limits
    exactly 0 at k = 0 and 1 at k = n.
    """
    check_confidence(confidence)
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    safe = np.where(n > 0, n, 1.0)
    lo, hi = proportion_confint(k, safe, alpha=1 - confidence, method="wilson")
    # exact ends at k = 0 and k = n (statsmodels leaves rounding residue such as 2.8e-17)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    return lo, hi


def newcombe_diff_ci(k1: Any, n1: Any, k2: Any, n2: Any,
                     confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of two independent proportions p1 - p2 with Newcombe's hybrid score
    interval (Newcombe 1998, method 10), vectorised.

    With Wilson limits (l_i, u_i) of each proportion:
    L = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2),
    U = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2).

    Returns
    -------
    (diff, lower, upper)
    """
    check_confidence(confidence)
    k1, n1, k2, n2 = (np.asarray(v, float) for v in (k1, n1, k2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.where(n1 > 0, k1 / np.where(n1 > 0, n1, 1), np.nan)
        p2 = np.where(n2 > 0, k2 / np.where(n2 > 0, n2, 1), np.nan)
    l1, u1 = wilson_ci(k1, n1, confidence)
    l2, u2 = wilson_ci(k2, n2, confidence)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi
