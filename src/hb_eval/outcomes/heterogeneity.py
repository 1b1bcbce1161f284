"""Subgroup-specific DiD estimates (for a forest plot) and an arm x subgroup interaction test.

Within each pilot (or client group) the DiD is the change-score regression on HB. The standard
error is CR2 clustered (Satterthwaite df) when the subgroup has at least two clusters with HB
clients and two with Verrokki clients; otherwise HC2 (each client its own cluster), which
ignores clustering and says so in ``se_type``. A subgroup with fewer than two clients in an arm
gets a row with NaN estimates and a ``note``.

The interaction test fits ``change ~ HB * subgroup`` and tests all identified HB x subgroup
coefficients jointly: Wald statistic with the CR2 covariance (pseudo-inverse, rank q), referred
to F(q, G - 1) (``test="wald_F_CR2"``; HC2 and F(q, n - k) without clusters).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import NotEstimable
from ..stats.estimability import require_clusters
from ..stats.cr2 import ols_cluster
from .did import ESTIMATE_COLUMNS, _row, check_arms, cluster_ids, complete_pairs, outcome_of
from ..support.checks import CHANGE_FRAME, check_confidence, require_columns

SUBGROUP_COLUMNS = ["by", "subgroup"] + ESTIMATE_COLUMNS + ["note"]


def _clusters_per_arm(g: pd.DataFrame, cluster: str | None) -> tuple[int, int]:
    if cluster is None:
        return 0, 0
    cl = g[cluster].astype("string")
    return int(cl[g["hb"] == 1].nunique()), int(cl[g["hb"] == 0].nunique())


def subgroup_estimates(frame: pd.DataFrame, by: Iterable[str] = ("pilot", "client_group"),
                       cluster: str | None = "worker", confidence: float = 0.95,
                       outcome: str | None = None) -> pd.DataFrame:
    """DiD (change ~ HB) within every level of each ``by`` variable.

    Returns
    -------
    DataFrame
        One row per by x subgroup: by, subgroup, the estimate columns
        (``estimator="did_subgroup"``, ``se_type`` ``"CR2"`` or ``"HC2"``) and ``note``.
    """
    check_confidence(confidence)
    require_columns(frame, ["arm", "baseline", "end"], func="subgroup_estimates", maker=CHANGE_FRAME)
    f = complete_pairs(frame)
    name = outcome_of(frame, outcome)
    rows = []
    for var in by:
        levels = f[var].astype("string").fillna("(puuttuu)")
        for level in sorted(levels.unique()):
            g = f.loc[levels == level].reset_index(drop=True)
            n1 = int(g["hb"].sum())
            n0 = len(g) - n1
            base = {"by": var, "subgroup": level}
            if n1 < 2 or n0 < 2:
                rows.append({**base, **_row(name, "did_subgroup", {}, g, 0, "none", cluster,
                                            confidence),
                             "note": "fewer than 2 clients in an arm"})
                continue
            c1, c0 = _clusters_per_arm(g, cluster)
            use_cr2 = cluster is not None and c1 >= 2 and c0 >= 2
            X = pd.DataFrame({"const": 1.0, "HB": g["hb"].to_numpy()})
            fit = ols_cluster(X, g["change"].to_numpy(float),
                              cluster=cluster_ids(g, cluster) if use_cr2 else None,
                              se_type="CR2" if use_cr2 else "HC2")
            try:
                res = fit.contrast("HB", confidence)
            except NotEstimable as exc:
                rows.append({**base, **_row(name, "did_subgroup", {}, g, fit.n_clusters,
                                            "none", cluster, confidence),
                             "note": f"not estimable: {exc}"})
                continue
            note = "" if use_cr2 or cluster is None else \
                f"fewer than 2 {cluster}s in an arm: HC2, clustering ignored"
            rows.append({**base, **_row(name, "did_subgroup", res, g, fit.n_clusters,
                                        fit.se_type, cluster if use_cr2 else None,
                                        confidence), "note": note})
    return pd.DataFrame(rows).reindex(columns=SUBGROUP_COLUMNS)


def interaction_test(frame: pd.DataFrame, by: str = "pilot", cluster: str | None = "worker",
                     outcome: str | None = None) -> pd.DataFrame:
    """Joint Wald test that the HB effect is the same in every level of ``by``.

    Returns
    -------
    DataFrame
        One row: outcome, by, test, statistic (F), df1, df2, p, n_clusters, se_type,
        n_HB, n_Verrokki.
    """
    f = complete_pairs(frame)
    check_arms(f, "interaction_test")
    lv = f[by].astype("string").fillna("(puuttuu)")
    levels = sorted(lv.unique())
    cols = {"const": np.ones(len(f)), "HB": f["hb"].to_numpy()}
    for level in levels[1:]:
        cols[f"{by}[{level}]"] = (lv == level).astype(float).to_numpy()
    inter = []
    for level in levels[1:]:
        cols[f"HB:{by}[{level}]"] = (f["hb"] * (lv == level)).to_numpy(float)
        inter.append(f"HB:{by}[{level}]")
    X = pd.DataFrame(cols)
    # keep only identified columns (a level with one arm has no interaction)
    keep: list[str] = []
    for c in X.columns:
        if np.linalg.matrix_rank(X[keep + [c]].to_numpy()) == len(keep) + 1:
            keep.append(c)
    X = X[keep]
    inter = [c for c in inter if c in keep]
    cl = cluster_ids(f, cluster)
    fit = ols_cluster(X, f["change"].to_numpy(float), cluster=cl,
                      se_type="CR2" if cl is not None else "HC2")
    require_clusters(fit.n_clusters, cluster if cl is not None else None, "interaction test")
    idx = [keep.index(c) for c in inter]
    out = {"outcome": outcome_of(frame, outcome), "by": by, "test": "wald_F_" + fit.se_type,
           "statistic": np.nan, "df1": 0, "df2": np.nan, "p": np.nan,
           "n_clusters": fit.n_clusters, "se_type": fit.se_type,
           "n_HB": int(f["hb"].sum()), "n_Verrokki": int(len(f) - f["hb"].sum())}
    if idx:
        b = fit.coef[idx]
        V = fit.vcov[np.ix_(idx, idx)]
        q = int(np.linalg.matrix_rank(V))
        df2 = (fit.n_clusters - 1) if cl is not None else (len(f) - len(keep))
        if q > 0 and df2 > 0:
            F = float(b @ np.linalg.pinv(V) @ b) / q
            out.update(statistic=F, df1=q, df2=float(df2), p=float(stats.f.sf(F, q, df2)))
    return pd.DataFrame([out])
