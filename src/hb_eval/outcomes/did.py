"""Two-by-two difference-in-differences of the HB effect on the change in an outcome.

Three forms, all on the change frame (one row per client: baseline, end, change; see
docs/ARCHITECTURE.md):

* :func:`did_2x2` -- the change score regressed on the HB indicator (OLS), CR2 standard error
  clustered by worker (or pilot) with Bell-McCaffrey/Satterthwaite df, and a wild cluster
  bootstrap p-value and interval.
* :func:`did_panel_fe` -- the same effect from the long panel (two rows per client) by
  linearmodels ``PanelOLS``: score ~ post + HB x post with client (entity) effects. The point
  estimate equals :func:`did_2x2` exactly; so does the unadjusted cluster-robust (CR0) SE.
* :func:`did_adjusted` -- covariates interacted with post in the panel are, in the change
  score regression, covariates: change ~ HB + pilot + client_group + sex + age_group + baseline.

Only clients with both scores are used (rows with a missing change are left out and the n
used is reported). A missing categorical covariate is its own level (``"(puuttuu)"``) so no
client is dropped for it.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..stats.cr2 import ClusterOLS, ols_cluster
from ..stats.estimability import WILD_PRIMARY_MIN_REPS, primary_inference
from ..stats.wild_bootstrap import wild_cluster_bootstrap
from ..support.checks import CHANGE_FRAME, check_confidence, require_columns
from ..errors import TooFewClients
from .scores import text_equals

TREATED, CONTROL = "HB", "Verrokki"
MISSING_LEVEL = "(puuttuu)"
DEFAULT_COVARIATES = ("pilot", "client_group", "sex", "age_group", "baseline")
ESTIMATE_COLUMNS = ["outcome", "estimator", "estimate", "se", "df", "ci_low", "ci_high", "p",
                    "n_HB", "n_Verrokki", "n_clusters", "se_type", "cluster", "confidence"]
WILD_COLUMNS = ["wild_p", "wild_ci_low", "wild_ci_high", "wild_weights", "wild_reps",
                "wild_enumerated", "wild_se_type"]
#: ``inference``: ``CR2`` or ``wild_cluster_bootstrap`` (primary with < 12 clusters, Webb
#: weights) and ``inference_reason`` saying why; ``p_cr2``, ``ci_cr2_low``, ``ci_cr2_high``:
#: the CR2 values (equal to ``p``, ``ci_low``, ``ci_high`` when CR2 is primary).
INFERENCE_COLUMNS = ["inference", "inference_reason", "p_cr2", "ci_cr2_low", "ci_cr2_high"]


# -- helpers shared by the estimators in this package --------------------------------------
def complete_pairs(frame: pd.DataFrame, columns: Iterable[str] = ("baseline", "end")
                   ) -> pd.DataFrame:
    """Rows with every one of ``columns`` observed; ``change`` recomputed if absent.

    Raises
    ------
    ValueError
        When an arm is not HB/Verrokki.
    """
    f = frame.copy()
    if "change" not in f.columns:
        f["change"] = f["end"] - f["baseline"]
    hb = text_equals(f["arm"], TREATED)          # (a missing arm is neither)
    bad = ~(hb | text_equals(f["arm"], CONTROL))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) have an arm other than HB/Verrokki")
    keep = f.loc[:, list(columns) + ["change"]].notna().all(axis=1).to_numpy()
    f = f.loc[keep].reset_index(drop=True)
    f["hb"] = hb[keep].astype(float)
    return f


def outcome_of(frame: pd.DataFrame, outcome: str | None) -> str | None:
    """The outcome name: the one given, else the frame's ``outcome`` column value."""
    if outcome is not None:
        return outcome
    if "outcome" in frame.columns and len(frame):
        return str(frame["outcome"].iloc[0])
    return None


def cluster_ids(f: pd.DataFrame, cluster: str | None) -> np.ndarray | None:
    """The cluster id of every row, from column ``cluster`` (None: no clustering)."""
    if cluster is None:
        return None
    if cluster not in f.columns:
        raise ValueError(f"cluster column {cluster!r} is not in the frame")
    ids = f[cluster].astype("string")
    if ids.isna().any():
        raise ValueError(f"{int(ids.isna().sum())} client(s) have no {cluster}; cannot cluster")
    return ids.to_numpy(dtype=object)


def _level_codes(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``pd.factorize(s.astype("string").fillna(MISSING_LEVEL))`` as (codes, levels): each
    row's level (its text, a missing value :data:`MISSING_LEVEL`). A categorical of text
    categories is coded from its own codes, without making and hashing every row's text (the
    levels are then in category order, not order of appearance: only the mapping matters)."""
    cats = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else None
    if cats is None or not all(isinstance(v, str) for v in cats):
        codes, uniq = pd.factorize(s.astype("string").fillna(MISSING_LEVEL))
        return codes, list(uniq)
    raw = s.cat.codes.to_numpy()
    seen = np.bincount(raw + 1, minlength=len(cats) + 1) > 0    # [missing, categories...]
    names = [MISSING_LEVEL, *cats]
    levels = list(dict.fromkeys(n for n, here in zip(names, seen) if here))
    level_of = np.array([levels.index(n) if here else -1 for n, here in zip(names, seen)],
                        dtype=np.int64)
    return level_of[raw + 1], levels


def covariate_design(f: pd.DataFrame, covariates: Iterable[str]) -> pd.DataFrame:
    """Dummy-coded (first level dropped) categorical covariates and numeric ones as they are.

    Constant columns are dropped; a missing category is its own level.
    """
    parts = []
    for c in covariates:
        if c not in f.columns:
            raise ValueError(f"covariate {c!r} is not in the frame")
        s = f[c]
        if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            if s.isna().any():
                raise ValueError(f"numeric covariate {c!r} has {int(s.isna().sum())} missing "
                                 "value(s); impute or drop those clients explicitly")
            parts.append(s.astype(float).rename(c).to_frame())
        else:
            codes, uniq = _level_codes(s)    # one code per row; dummies from the codes
            at = {lv: k for k, lv in enumerate(uniq)}
            levels = sorted(at)
            d = pd.DataFrame({f"{c}[{lv}]": (codes == at[lv]).astype(float)
                              for lv in levels[1:]}, index=f.index)
            parts.append(d)
    out = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=f.index)
    return out.loc[:, out.std(ddof=0) > 0] if len(out.columns) else out


def _row(outcome, estimator, res: dict, f: pd.DataFrame, n_clusters: int, se_type: str,
         cluster: str | None, confidence: float, **extra) -> dict:
    r = {"outcome": outcome, "estimator": estimator, **{k: res.get(k, np.nan) for k in
         ("estimate", "se", "df", "ci_low", "ci_high", "p")},
         "n_HB": int(text_equals(f["arm"], TREATED).sum()),
         "n_Verrokki": int(text_equals(f["arm"], CONTROL).sum()),
         "n_clusters": int(n_clusters), "se_type": se_type,
         "cluster": cluster if cluster is not None else "none", "confidence": confidence}
    r.update(extra)
    return r


def check_arms(f: pd.DataFrame, what: str) -> None:
    """Raise :class:`~hb_eval.errors.TooFewClients` (a ValueError) naming ``what`` unless both
    arms have at least one client."""
    n1 = int(f["hb"].sum())
    if n1 == 0 or n1 == len(f):
        raise TooFewClients(f"{what}: both arms need at least one client with both scores "
                         f"(HB {n1}, Verrokki {len(f) - n1})")


def fit_change_regression(f: pd.DataFrame, covariates: Iterable[str] = (),
                          cluster: str | None = "worker", se_type: str = "CR2",
                          response: str = "change") -> tuple[ClusterOLS, pd.DataFrame]:
    """OLS of ``response`` on intercept, HB and covariates with a cluster-robust covariance."""
    covariates = tuple(covariates)
    X = pd.concat([pd.DataFrame({"const": 1.0, "HB": f["hb"].to_numpy()}, index=f.index),
                   covariate_design(f, covariates)], axis=1)
    rank = np.linalg.matrix_rank(X.to_numpy())
    if rank == np.linalg.matrix_rank(X.drop(columns="HB").to_numpy()):
        raise ValueError("the HB effect is not identified: the arm is collinear with the "
                         f"covariates {', '.join(covariates) or '(none)'}")
    cl = cluster_ids(f, cluster)
    kind = se_type if cl is not None else "HC2"
    return ols_cluster(X, f[response].to_numpy(float), cluster=cl, se_type=kind), X


def primary_contrast(fit: ClusterOLS, X: pd.DataFrame, y: np.ndarray, f: pd.DataFrame,
                     cluster: str | None, confidence: float, wild_reps: int,
                     seed: int | np.random.Generator | None, wild_weights: str = "auto",
                     wild_se_type: str = "CR1", always: bool = False) -> tuple[dict, dict]:
    """The HB contrast under its primary inference, and the columns that say which.

    CR2 is primary with 12 clusters or more, the wild cluster bootstrap (Webb weights: all 6^G
    vectors up to 7 clusters, else at least 9,999 draws) with fewer
    (:func:`~hb_eval.stats.estimability.primary_inference`). ``always``: run the bootstrap
    (``wild_reps`` draws) also when CR2 is primary, to show it beside (the 2x2 DiD does).

    Returns
    -------
    (contrast, columns)
        ``contrast``: the CR2 contrast with ``p``, ``ci_low``, ``ci_high`` replaced by the
        bootstrap's when it is primary; ``columns``: :data:`WILD_COLUMNS` (when the bootstrap
        ran) and :data:`INFERENCE_COLUMNS`.
    """
    res = dict(fit.contrast("HB", confidence))
    cr2 = {"p_cr2": res["p"], "ci_cr2_low": res["ci_low"], "ci_cr2_high": res["ci_high"]}
    inference, why = primary_inference(fit.n_clusters, cluster)
    wild: dict = {k: np.nan for k in WILD_COLUMNS} if always else {}
    if cluster is not None and wild_reps > 0 and fit.n_clusters >= 2 and (always or why):
        reps = max(wild_reps, WILD_PRIMARY_MIN_REPS) if why else wild_reps
        w = wild_cluster_bootstrap(X, y, cluster_ids(f, cluster), "HB", reps=reps,
                                   weights=wild_weights, se_type=wild_se_type,
                                   confidence=confidence, seed=seed)
        wild = {"wild_p": w.p, "wild_ci_low": w.ci_low, "wild_ci_high": w.ci_high,
                "wild_weights": w.weights, "wild_reps": w.reps,
                "wild_enumerated": w.enumerated, "wild_se_type": w.se_type}
    elif why:
        # the bootstrap was skipped: CR2 is all there is, and the reason says so
        inference, why = "CR2", why.split(":")[0] + ": the wild bootstrap was skipped " \
            "(wild_reps=0), so CR2 is shown"
    if inference == "wild_cluster_bootstrap":
        res.update(p=wild["wild_p"], ci_low=wild["wild_ci_low"], ci_high=wild["wild_ci_high"])
    return res, {**wild, "inference": inference, "inference_reason": why, **cr2}


# -- estimators ------------------------------------------------------------------------------
def did_2x2(frame: pd.DataFrame, cluster: str | None = "worker", confidence: float = 0.95,
            wild_reps: int = 999, seed: int | np.random.Generator | None = None,
            wild_weights: str = "auto", wild_se_type: str = "CR1",
            outcome: str | None = None) -> pd.DataFrame:
    """Two-by-two DiD as the change-score regression ``change ~ 1 + HB``.

    Parameters
    ----------
    frame
        A change frame (clients with both scores are used).
    cluster
        Column of cluster ids: ``"worker"`` (default) or ``"pilot"``; None for HC2.
    confidence
        Coverage of the intervals.
    wild_reps
        Wild cluster bootstrap replicates; 0 skips the bootstrap (wild columns NaN, CR2
        primary). When the bootstrap is primary (fewer than 12 clusters) its Webb weights are
        enumerated up to 7 clusters, otherwise drawn at least 9,999 times.
    seed
        Seed or Generator of the wild bootstrap.
    wild_weights
        ``"auto"`` (Webb when clusters < 12), ``"rademacher"`` or ``"webb"``.
    wild_se_type
        Standard error inside the bootstrapped t: ``"CR1"`` (default) or ``"CR2"``.
    outcome
        Label; defaults to the frame's ``outcome`` column.

    Returns
    -------
    DataFrame
        One row with :data:`ESTIMATE_COLUMNS`, :data:`WILD_COLUMNS` and
        :data:`INFERENCE_COLUMNS`; ``estimator="did"``, ``se_type="CR2"`` (``"HC2"`` without
        clusters), ``df`` Bell-McCaffrey. With fewer than 12 clusters ``inference`` is
        ``wild_cluster_bootstrap``: ``p``, ``ci_low`` and ``ci_high`` are the wild bootstrap's
        (the primary inference) and ``p_cr2``, ``ci_cr2_low``, ``ci_cr2_high`` the CR2 ones;
        otherwise ``inference`` is ``CR2`` and those equal ``p``, ``ci_low``, ``ci_high``.

    Raises
    ------
    NotEstimable
        With fewer than 2 clusters, or a zero or non-finite standard error.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="did_2x2", maker=CHANGE_FRAME)
    f = complete_pairs(frame)
    check_arms(f, "did_2x2")
    fit, X = fit_change_regression(f, (), cluster)
    res, extra = primary_contrast(fit, X, f["change"].to_numpy(float), f, cluster, confidence,
                                  wild_reps, seed, wild_weights, wild_se_type, always=True)
    row = _row(outcome_of(frame, outcome), "did", res, f, fit.n_clusters, fit.se_type,
               cluster, confidence, **extra)
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + WILD_COLUMNS
                                       + INFERENCE_COLUMNS)


def long_panel(f: pd.DataFrame) -> pd.DataFrame:
    """Two rows per client (post = 0 at baseline, 1 at end), indexed (client_id, post)."""
    base = pd.DataFrame({"client_id": f["client_id"].astype(str).to_numpy(), "post": 0,
                         "score": f["baseline"].to_numpy(float), "hb": f["hb"].to_numpy()})
    end = base.assign(post=1, score=f["end"].to_numpy(float))
    long = pd.concat([base, end], ignore_index=True)
    long["hb_post"] = long["hb"] * long["post"]
    for extra in ("worker", "pilot"):
        if extra in f.columns:
            long[extra] = np.tile(f[extra].astype("string").to_numpy(dtype=object), 2)
    long["post"] = long["post"].astype(float)
    return long.set_index(["client_id", "post"], drop=False).rename_axis(["client", "wave"])


def did_panel_fe(frame: pd.DataFrame, cluster: str | None = "worker",
                 confidence: float = 0.95, se_type: str = "CR1",
                 outcome: str | None = None) -> pd.DataFrame:
    """The 2x2 DiD on the long panel by linearmodels ``PanelOLS`` with client fixed effects.

    ``score ~ post + HB:post + EntityEffects``. The clustered covariance is linearmodels'
    ``cov_type="clustered"``: ``(X'X)^-1 [sum_g s_g s_g'] (X'X)^-1`` times a scale.
    ``se_type="CR1"`` (default) uses ``debiased=True, group_debias=True``, the Stata
    ``xtreg, fe vce(cluster)`` factor G/(G-1) (n-1)/(n-k) with n = 2 x clients (client-waves)
    and k = 2 (the client effects are nested in the clusters and not counted); this differs
    from the change-score CR1, which has n = clients. ``se_type="CR0"`` uses no factor and
    equals the change-score CR0 exactly. Without clusters: ``"robust"`` (HC0).

    Returns
    -------
    DataFrame
        One row, ``estimator="did_panel_fe"``; ``df`` = G - 1 for the interval.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="did_panel_fe", maker=CHANGE_FRAME)
    from linearmodels.panel import PanelOLS

    if se_type not in ("CR1", "CR0"):
        raise ValueError("se_type must be 'CR1' or 'CR0'")
    f = complete_pairs(frame)
    check_arms(f, "did_panel_fe")
    long = long_panel(f)
    mod = PanelOLS(long["score"], long[["post", "hb_post"]], entity_effects=True)
    if cluster is None:
        res = mod.fit(cov_type="robust")
        G, label = len(f), "HC0-linearmodels"
    else:
        cl = pd.Series(pd.factorize(long[cluster])[0], index=long.index, name=cluster)
        debias = se_type == "CR1"
        res = mod.fit(cov_type="clustered", clusters=cl, debiased=debias,
                      group_debias=debias)
        G = int(cl.nunique())
        label = f"{se_type}-linearmodels"
    est = float(res.params["hb_post"])
    se = float(res.std_errors["hb_post"])
    df = G - 1
    q = stats.t.ppf(1 - (1 - confidence) / 2, df)
    out = {"estimate": est, "se": se, "df": float(df), "ci_low": est - q * se,
           "ci_high": est + q * se, "p": float(2 * stats.t.sf(abs(est / se), df))}
    row = _row(outcome_of(frame, outcome), "did_panel_fe", out, f, G, label, cluster,
               confidence)
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS)


def did_adjusted(frame: pd.DataFrame, covariates: Iterable[str] = DEFAULT_COVARIATES,
                 cluster: str | None = "worker", confidence: float = 0.95,
                 outcome: str | None = None, wild_reps: int = 999,
                 seed: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Covariate-adjusted DiD: ``change ~ HB + covariates`` with CR2 and Satterthwaite df.

    Baseline covariates interacted with post in the panel regression are, after differencing,
    covariates of the change-score regression. Categorical covariates are dummy coded; a
    covariate constant in the sample (e.g. one pilot) is left out. With fewer than 12 clusters
    the wild cluster bootstrap is the primary inference, as in :func:`did_2x2`
    (:func:`primary_contrast`; ``wild_reps=0`` skips it).

    Returns
    -------
    DataFrame
        One row, ``estimator="did_adjusted"``, with a ``covariates`` column listing them and
        :data:`INFERENCE_COLUMNS` (and :data:`WILD_COLUMNS` when the bootstrap ran).
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="did_adjusted", maker=CHANGE_FRAME)
    covariates = tuple(covariates)
    f = complete_pairs(frame)
    check_arms(f, "did_adjusted")
    fit, X = fit_change_regression(f, covariates, cluster)
    res, extra = primary_contrast(fit, X, f["change"].to_numpy(float), f, cluster, confidence,
                                  wild_reps, seed)
    row = _row(outcome_of(frame, outcome), "did_adjusted", res, f, fit.n_clusters,
               fit.se_type, cluster, confidence, covariates=",".join(covariates), **extra)
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + ["covariates"]
                                       + [c for c in WILD_COLUMNS if c in extra]
                                       + INFERENCE_COLUMNS)
