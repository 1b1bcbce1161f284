"""Linear mixed model over all waves (alku, väli, loppu).

``score ~ HB + väli + loppu + HB:väli + HB:loppu`` with a random intercept for worker and a
random intercept for client nested in worker (statsmodels ``MixedLM``: ``groups=worker``,
``vc_formula={"client": "0 + C(client_id)"}``), fitted by REML. The HB x loppu coefficient
is the DiD contrast (HB change alku -> loppu minus Verrokki change). Every observed wave is used
(missing at random). Inference is model-based Wald (normal), ``se_type="MixedLM-Wald"``.

If the optimiser does not converge (or the fit fails) the row says so in ``converged`` (and
``note``); the estimate of a non-converged fit is still shown, a failed fit gives NaN.

Above :data:`CLOSED_FORM_FROM` clients the same REML fit is computed in closed form per worker
(:mod:`hb_eval.outcomes.mixed_nested`); the ``fit`` column names which
(``statsmodels_mixedlm`` or ``closed_form_reml``).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .did import ESTIMATE_COLUMNS, TREATED, CONTROL, outcome_of

WAVES = ("alku", "väli", "loppu")


def _model(d: pd.DataFrame, terms: list[str]):
    """MixedLM with design matrices built directly (same model as the formula
    ``score ~ terms``, ``groups=grp``, ``vc_formula={"client": "0 + C(client_id)"}``, which is
    much slower to build)."""
    import statsmodels.api as sm
    from statsmodels.regression.mixed_linear_model import VCSpec

    d = d.sort_values(["grp", "client_id"], kind="stable").reset_index(drop=True)
    exog = pd.concat([pd.Series(1.0, index=d.index, name="Intercept"), d[terms]], axis=1)
    mats, colnames = [], []
    for _, sub in d.groupby("grp", sort=True)["client_id"]:
        codes, uniq = pd.factorize(sub, sort=True)
        m = np.zeros((len(sub), len(uniq)))
        m[np.arange(len(sub)), codes] = 1.0
        mats.append(m)
        colnames.append([f"C(client_id)[{u}]" for u in uniq])
    vc = VCSpec(["client"], [colnames], [mats])
    return sm.MixedLM(d["score"], exog, groups=d["grp"], exog_re=np.ones((len(d), 1)),
                      exog_vc=vc)


def mixed_did(long: pd.DataFrame, confidence: float = 0.95, group: str = "worker",
              outcome: str | None = None, reml: bool = True) -> pd.DataFrame:
    """HB x loppu interaction of a mixed model with client and worker random intercepts.

    Parameters
    ----------
    long
        A long frame (:func:`hb_eval.scoring.long_frame`): client_id, arm, worker, wave, score.
        Rows with a missing score are not used.
    confidence
        Interval coverage (normal).
    group
        The upper random-intercept level (``"worker"``); clients are nested in it.
    reml
        REML (default) or ML.

    Returns
    -------
    DataFrame
        One row: estimate columns (``estimator="mixed"``, ``cluster`` = the random-effect
        level, ``n_clusters`` its count, ``n_HB``/``n_Verrokki`` clients with any score) plus
        ``n_obs``, ``converged``, ``var_worker``, ``var_client``, ``var_residual``, ``note``.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    d = long.loc[long["score"].notna()].copy()
    arm = d["arm"].astype("string")
    if (~arm.isin([TREATED, CONTROL])).any():
        raise ValueError("arm must be HB or Verrokki")
    wave = d["wave"].astype("string")
    if (~wave.isin(WAVES)).any():
        raise ValueError(f"wave must be one of {WAVES}")
    d = pd.DataFrame({
        "score": d["score"].to_numpy(float),
        "hb": (arm == TREATED).astype(float).to_numpy(),
        "vali": (wave == "väli").astype(float).to_numpy(),
        "loppu": (wave == "loppu").astype(float).to_numpy(),
        "client_id": d["client_id"].astype(str).to_numpy(),
        "grp": d[group].astype(str).to_numpy(),
    })
    d["hb_vali"] = d["hb"] * d["vali"]
    d["hb_loppu"] = d["hb"] * d["loppu"]
    clients = d.drop_duplicates("client_id")
    n_hb = int(clients["hb"].sum())
    row = {"outcome": outcome_of(long, outcome), "estimator": "mixed", "n_HB": n_hb,
           "n_Verrokki": int(len(clients) - n_hb), "n_clusters": int(d["grp"].nunique()),
           "se_type": "MixedLM-Wald", "cluster": group, "confidence": confidence,
           "df": np.inf, "n_obs": len(d), "converged": False, "note": ""}
    terms = ["vali", "loppu", "hb_vali", "hb_loppu"]
    if d["vali"].sum() == 0:  # no middle wave at all: leave its terms out
        terms = ["loppu", "hb_loppu"]
    if reml and len(clients) > CLOSED_FORM_FROM:
        return _closed_form(d, ["hb", *terms], row, confidence)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = _model(d, ["hb", *terms])
            res = model.fit(reml=reml, method=["lbfgs", "powell"])
        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        est = float(res.fe_params["hb_loppu"])
        se = float(res.bse_fe["hb_loppu"])
        z = stats.norm.ppf(1 - (1 - confidence) / 2)
        row.update(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se,
                   p=float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
                   converged=bool(res.converged) and not warned and np.isfinite(se),
                   var_worker=float(res.cov_re.iloc[0, 0]),
                   var_client=float(res.vcomp[0]) if len(res.vcomp) else np.nan,
                   var_residual=float(res.scale))
        if not row["converged"]:
            row["note"] = "optimiser did not converge cleanly; treat with caution"
    except (np.linalg.LinAlgError, ValueError) as exc:
        row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan,
                   note=f"fit failed: {type(exc).__name__}")
    row["fit"] = "statsmodels_mixedlm"
    return _row_frame(row)


#: Above this many clients the REML fit is the closed form of :mod:`.mixed_nested` (statsmodels'
#: MixedLM costs minutes at thousands of clients); both fit the same model (they agree to 1e-6).
CLOSED_FORM_FROM = 1500


def _row_frame(row: dict) -> pd.DataFrame:
    return pd.DataFrame([row]).reindex(columns=ESTIMATE_COLUMNS + [
        "n_obs", "converged", "var_worker", "var_client", "var_residual", "note", "fit"])


def _closed_form(d: pd.DataFrame, terms: list[str], row: dict, confidence: float
                 ) -> pd.DataFrame:
    """The same REML fit by :func:`.mixed_nested.fit_nested_reml` (``fit="closed_form_reml"``)."""
    from .mixed_nested import fit_nested_reml

    X = np.column_stack([np.ones(len(d)), d[terms].to_numpy(float)])
    row["fit"] = "closed_form_reml"
    try:
        res = fit_nested_reml(X, d["score"].to_numpy(float), d["client_id"].to_numpy(),
                              d["grp"].to_numpy())
    except (np.linalg.LinAlgError, ValueError) as exc:
        row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan,
                   note=f"fit failed: {type(exc).__name__}")
        return _row_frame(row)
    j = 1 + terms.index("hb_loppu")
    est, se = float(res.params[j]), float(res.bse[j])
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    row.update(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se,
               p=float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
               converged=res.converged and np.isfinite(se), var_worker=res.var_worker,
               var_client=res.var_client, var_residual=res.var_residual)
    if not row["converged"]:
        row["note"] = "optimiser did not converge cleanly; treat with caution"
    return _row_frame(row)
