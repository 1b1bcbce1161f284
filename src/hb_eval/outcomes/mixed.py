"""Linear mixed model over all waves (alku, väli, loppu).

``score ~ HB + väli + loppu + HB:väli + HB:loppu`` with a random intercept for worker and a
random intercept for client nested in worker (statsmodels ``MixedLM``: ``groups=worker``,
``vc_formula={"client": "0 + C(client_id)"}``), fitted by REML. The HB x loppu coefficient
is the DiD contrast (HB change alku -> loppu minus Verrokki change). Every observed wave is used
(missing at random). Inference is model-based Wald (normal), ``se_type="MixedLM-Wald"``.

A variance component estimated at its boundary (0) is a *singular fit*, as lme4 calls it: the
fit is fine, and it is the fit of the model without that component (same estimate and
log-likelihood). When statsmodels warns that the optimum may be on the boundary (or a component
comes out at 0), the model without each such component is fitted as well; if it fits at least as
well (REML log-likelihood within ``LLF_TOL``), that is the boundary optimum and is reported,
with the component's variance 0, ``singular=True`` and the note "worker variance estimated at 0
(singular fit)" -- not as non-convergence (statsmodels' own optimiser often stops a little inside
the boundary, at a worse likelihood). The boundary warnings are then not a failure. If the optimiser really does not converge (or the fit fails) the row says so in
``converged`` (and ``note``); the estimate of a non-converged fit is still shown, a failed fit
gives NaN.

If the optimiser does not converge (or the fit fails) the row says so in ``converged`` (and
``note``); the estimate of a non-converged fit is still shown, a failed fit gives NaN.

Above :data:`CLOSED_FORM_FROM` clients the same REML fit is computed in closed form per worker
(:mod:`hb_eval.stats.mixed_nested`); the ``fit`` column names which
(``statsmodels_mixedlm`` or ``closed_form_reml``).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .did import ESTIMATE_COLUMNS, TREATED, CONTROL, outcome_of
from .scores import text_equals
from ..stats.mixed_nested import text_codes
from ..support.checks import LONG_FRAME, check_confidence, require_columns

WAVES = ("alku", "väli", "loppu")
#: A variance component below this fraction of the residual variance is at its boundary (0).
SINGULAR_TOL = 1e-6
#: statsmodels' warnings that come with a variance component at the boundary, not a failure.
_BOUNDARY_WARNINGS = ("on the boundary of the parameter space", "not positive definite",
                      "Retrying MixedLM optimization")
#: A reduced model "fits as well" when its log-likelihood is at most this much lower.
LLF_TOL = 1e-6
#: Components below this fraction of the residual variance are candidates for the boundary.
NEAR_ZERO = 1e-2


def singular_components(var_worker: float, var_client: float, var_residual: float,
                        group: str = "worker", tol: float = SINGULAR_TOL) -> list[str]:
    """The random-effect levels whose variance is estimated at 0 (a singular fit).

    A component counts as 0 when it is at most ``tol`` times the residual variance.
    """
    scale = var_residual if np.isfinite(var_residual) and var_residual > 0 else 1.0
    return [name for name, v in ((group, var_worker), ("client", var_client))
            if np.isfinite(v) and v <= tol * scale]


def _model(d: pd.DataFrame, terms: list[str], drop: str | None = None):
    """MixedLM with design matrices built directly (same model as the formula
    ``score ~ terms``, ``groups=grp``, ``vc_formula={"client": "0 + C(client_id)"}``, which is
    much slower to build). ``drop="group"`` / ``"client"`` leaves that random intercept out."""
    import statsmodels.api as sm
    from statsmodels.regression.mixed_linear_model import VCSpec

    d = d.sort_values(["grp", "client_id"], kind="stable").reset_index(drop=True)
    exog = pd.concat([pd.Series(1.0, index=d.index, name="Intercept"), d[terms]], axis=1)
    if drop is not None:  # one random intercept: the client's or the group's
        groups = d["client_id"] if drop == "group" else d["grp"]
        return sm.MixedLM(d["score"], exog, groups=groups, exog_re=np.ones((len(d), 1)))
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
        A long frame (:func:`hb_eval.outcomes.scores.long_frame`): client_id, arm, worker, wave, score.
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
        ``n_obs``, ``converged``, ``singular``, ``var_worker``, ``var_client``,
        ``var_residual``, ``note``.
    """
    check_confidence(confidence)
    require_columns(long, ["client_id", "arm", "wave", "score"], func="mixed_did",
                    maker=LONG_FRAME, arg="long")
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    d = long.loc[long["score"].notna()]
    # text comparisons on the categories / objects (text_equals), not the string array's
    hb = text_equals(d["arm"], TREATED)
    if not (hb | text_equals(d["arm"], CONTROL)).all():
        raise ValueError("arm must be HB or Verrokki")
    wave = {w: text_equals(d["wave"], w) for w in WAVES}
    if not (wave["alku"] | wave["väli"] | wave["loppu"]).all():
        raise ValueError(f"wave must be one of {WAVES}")
    d = pd.DataFrame({
        "score": d["score"].to_numpy(float),
        "hb": hb.astype(float),
        "vali": wave["väli"].astype(float),
        "loppu": wave["loppu"].astype(float),
        "client_id": d["client_id"].astype(str).to_numpy(),
        "grp": d[group].astype(str).to_numpy(),
    })
    d["hb_vali"] = d["hb"] * d["vali"]
    d["hb_loppu"] = d["hb"] * d["loppu"]
    # the clients (each one's first row, as drop_duplicates("client_id") keeps)
    client_codes = text_codes(d["client_id"].to_numpy())
    first = np.unique(client_codes, return_index=True)[1]
    n_clients = len(first)
    n_hb = int(d["hb"].to_numpy()[first].sum())
    row = {"outcome": outcome_of(long, outcome), "estimator": "mixed", "n_HB": n_hb,
           "n_Verrokki": int(n_clients - n_hb), "n_clusters": int(d["grp"].nunique()),
           "se_type": "MixedLM-Wald", "cluster": group, "confidence": confidence,
           "df": np.inf, "n_obs": len(d), "converged": False, "singular": False,
           "note": ""}
    from ..stats.estimability import require_clusters, require_se

    require_clusters(row["n_clusters"], group, "mixed model (random intercept per " + group + ")")
    terms = ["vali", "loppu", "hb_vali", "hb_loppu"]
    if d["vali"].sum() == 0:  # no middle wave at all: leave its terms out
        terms = ["loppu", "hb_loppu"]
    if reml and n_clients > CLOSED_FORM_FROM:
        return _closed_form(d, ["hb", *terms], row, confidence, client_codes)

    def fit(drop: str | None = None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = _model(d, ["hb", *terms], drop).fit(reml=reml, method=["lbfgs", "powell"])
        conv = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
        if drop is None:
            var = (float(res.cov_re.iloc[0, 0]), float(res.vcomp[0]) if len(res.vcomp) else np.nan)
        else:  # the dropped component is 0; the other is the model's only random intercept
            v = float(res.cov_re.iloc[0, 0])
            var = (0.0, v) if drop == "group" else (v, 0.0)
        return res, var, conv

    try:
        res, (var_worker, var_client), conv = fit()
        at_zero = singular_components(var_worker, var_client, float(res.scale), group)
        boundary = [m for m in conv if any(b in m for b in _BOUNDARY_WARNINGS)]
        if boundary or at_zero:  # is the optimum on the boundary? fit without the component
            best = None
            # refit without the component(s) near 0 (both when neither is: the warning alone)
            near = [k for k, v in (("group", var_worker), ("client", var_client))
                    if np.isfinite(v) and v <= NEAR_ZERO * float(res.scale)]
            for drop in near or ["group", "client"]:
                try:
                    cand = fit(drop)
                except (np.linalg.LinAlgError, ValueError):  # that reduced model cannot be fitted
                    continue
                llf = float(cand[0].llf)  # statsmodels gives +inf for a degenerate fit
                if np.isfinite(llf) and llf >= res.llf - LLF_TOL * max(1.0, abs(res.llf)) and (
                        best is None or llf > best[0].llf):
                    best = cand
            if best is not None:
                res, (var_worker, var_client), conv = best
                at_zero = singular_components(var_worker, var_client, float(res.scale), group)
        warned = any(not (at_zero and any(b in m for b in _BOUNDARY_WARNINGS)) for m in conv)
        est = float(res.fe_params["hb_loppu"])
        se = float(res.bse_fe["hb_loppu"])
        require_se(se, est, "mixed")
        z = stats.norm.ppf(1 - (1 - confidence) / 2)
        row.update(estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se,
                   p=float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan,
                   converged=bool(res.converged) and not warned and np.isfinite(se),
                   singular=bool(at_zero), var_worker=var_worker, var_client=var_client,
                   var_residual=float(res.scale))
        notes = [f"{c} variance estimated at 0 (singular fit)" for c in at_zero]
        if not row["converged"]:
            notes.append("optimiser did not converge cleanly; treat with caution")
        row["note"] = "; ".join(notes)
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
        "n_obs", "converged", "singular", "var_worker", "var_client", "var_residual", "note",
        "fit"])


def _closed_form(d: pd.DataFrame, terms: list[str], row: dict, confidence: float,
                 client_codes: np.ndarray) -> pd.DataFrame:
    """The same REML fit by :func:`.mixed_nested.fit_nested_reml` (``fit="closed_form_reml"``);
    ``client_codes`` are ``text_codes`` of ``d["client_id"]``."""
    from ..stats.mixed_nested import fit_nested_reml

    X = np.column_stack([np.ones(len(d)), d[terms].to_numpy(float)])
    row["fit"] = "closed_form_reml"
    try:
        res = fit_nested_reml(X, d["score"].to_numpy(float), d["client_id"].to_numpy(),
                              d["grp"].to_numpy(), client_codes=client_codes)
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
    at_zero = singular_components(res.var_worker, res.var_client, res.var_residual,
                                  row["cluster"])
    row["singular"] = bool(at_zero)
    notes = [f"{c} variance estimated at 0 (singular fit)" for c in at_zero]
    if not row["converged"]:
        notes.append("optimiser did not converge cleanly; treat with caution")
    row["note"] = "; ".join(notes)
    return _row_frame(row)
