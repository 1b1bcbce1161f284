"""Multiple imputation by chained equations (MICE) with Rubin's rules, as the sensitivity
analysis of the complete-case difference-in-differences (docs/methods.md, "Comparability and
missing data").

Imputation: ``statsmodels.imputation.mice.MICEData`` with predictive mean matching (PMM; each
missing value is drawn from the ``k_pmm`` observed donors whose predicted values are nearest),
the imputation model's parameters perturbed by a Gaussian draw from their sampling
distribution. Every variable with missing values is imputed by a linear model on all the
others (main effects): the arm, baseline and end scores, and the dummy-coded baseline
covariates. One chain is run: ``n_burnin`` cycles, then one imputed data set every ``n_skip``
cycles. The change is recomputed as end − baseline in each imputed set.

Pooling (Rubin 1987): with estimates ``q_j`` and variances ``u_j`` of ``m`` imputed sets,
``Q̄ = mean(q)``, ``W = mean(u)``, ``B = var(q, ddof=1)``, ``T = W + (1 + 1/m) B``.
Degrees of freedom: Rubin's classic ``ν_old = (m − 1) / λ²`` with ``λ = (1 + 1/m) B / T``, or,
when the complete-data sample size is known, Barnard & Rubin (1999):
``ν_obs = (ν_com + 1) / (ν_com + 3) · ν_com (1 − λ)``, ``ν = ν_old ν_obs / (ν_old + ν_obs)``.

Decisions where the spec is silent: PMM with 5 donors (the R ``mice`` default; statsmodels'
default is 20, too many for samples this small); a missing categorical covariate is imputed
through its dummy columns (PMM gives 0/1 values), used only inside the imputation model; the
DiD variance in each imputed set is HC2 by default (for a two-group difference of means this is
``s²_HB/n_HB + s²_V/n_V``), the complete-data df for Barnard–Rubin is ``n − 2``.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.imputation.mice import MICEData

from ..errors import HbEvalError

__all__ = ["rubin_pool", "impute_frames", "mice_pool", "mice_did", "did_estimate",
           "MICE_COVARIATES"]

MICE_COVARIATES: tuple[str, ...] = ("pilot", "client_group", "sex", "age_group")


# --------------------------------------------------------------------------- Rubin's rules

def rubin_pool(estimates: Sequence[float] | np.ndarray, variances: Sequence[float] | np.ndarray,
               n: int | None = None, *, n_params: int = 2,
               confidence: float = 0.95) -> pd.DataFrame:
    """Pool ``m`` completed-data estimates by Rubin's rules.

    Parameters
    ----------
    estimates, variances
        One estimate and its squared standard error per imputed data set (m ≥ 2).
    n
        Complete-data sample size. Given: Barnard–Rubin (1999) degrees of freedom with
        ``ν_com = n − n_params``. None: Rubin's (1987) classic ``ν = (m − 1) / λ²``
        (infinite, i.e. a normal reference, when B = 0).
    n_params
        Parameters of the complete-data model (2 for an intercept and the arm contrast).
    confidence
        Level of the interval.

    Returns
    -------
    DataFrame
        One row: estimate, se (√T), df, ci_low, ci_high, p (two-sided, t with ``df``), m,
        within (W), between (B), total (T), riv (relative increase in variance
        ``(1 + 1/m) B / W``), ``lambda_`` (``(1 + 1/m) B / T``), fmi (fraction of missing
        information, ``(riv + 2/(ν + 3)) / (riv + 1)``), df_com, df_method
        (``barnard_rubin`` or ``rubin1987``), confidence.
    """
    q = np.asarray(estimates, float)
    u = np.asarray(variances, float)
    if q.ndim != 1 or q.shape != u.shape:
        raise HbEvalError("estimates and variances must be 1-d arrays of the same length")
    m = len(q)
    if m < 2:
        raise HbEvalError("Rubin's rules need at least 2 imputed data sets")
    if np.isnan(q).any() or np.isnan(u).any() or (u < 0).any():
        raise HbEvalError("estimates and variances must be finite and variances non-negative")
    qbar = float(q.mean())
    w = float(u.mean())
    b = float(q.var(ddof=1))
    t = w + (1 + 1 / m) * b
    riv = (1 + 1 / m) * b / w if w > 0 else np.inf
    lam = (1 + 1 / m) * b / t if t > 0 else 0.0
    with np.errstate(divide="ignore"):
        df_old = (m - 1) / lam ** 2 if lam > 0 else np.inf
    if n is not None:
        df_com = float(n - n_params)
        if df_com <= 0:
            raise HbEvalError(f"complete-data df n - n_params = {df_com:g} must be positive")
        df_obs = (df_com + 1) / (df_com + 3) * df_com * (1 - lam)
        df = df_obs if np.isinf(df_old) else df_old * df_obs / (df_old + df_obs)
        method = "barnard_rubin"
    else:
        df_com = np.nan
        df = df_old
        method = "rubin1987"
    se = float(np.sqrt(t))
    crit = stats.t.ppf(0.5 + confidence / 2, df) if np.isfinite(df) else stats.norm.ppf(
        0.5 + confidence / 2)
    if se > 0:
        z = qbar / se
        p = float(2 * (stats.t.sf(abs(z), df) if np.isfinite(df) else stats.norm.sf(abs(z))))
    else:
        p = np.nan
    fmi = (riv + 2 / (df + 3)) / (riv + 1) if np.isfinite(riv) else 1.0
    return pd.DataFrame([{
        "estimate": qbar, "se": se, "df": float(df), "ci_low": qbar - crit * se,
        "ci_high": qbar + crit * se, "p": p, "m": m, "within": w, "between": b, "total": t,
        "riv": float(riv), "lambda_": float(lam), "fmi": float(fmi), "df_com": df_com,
        "df_method": method, "confidence": confidence,
    }])


# --------------------------------------------------------------------------- the DiD

def did_estimate(frame: pd.DataFrame, se_type: str = "HC2",
                 change_col: str = "change") -> tuple[float, float]:
    """Difference of mean changes HB − Verrokki and its variance.

    ``se_type="HC2"``: ``s²_HB/n_HB + s²_V/n_V`` (OLS of change on arm with HC2 errors);
    ``"classical"``: the pooled-variance OLS variance.
    """
    hb = (frame["arm"].astype("string") == "HB").to_numpy()
    y = frame[change_col].to_numpy(float)
    if np.isnan(y).any():
        raise HbEvalError("the change has missing values; impute or use complete cases")
    y1, y0 = y[hb], y[~hb]
    n1, n0 = len(y1), len(y0)
    if n1 < 2 or n0 < 2:
        raise HbEvalError("each arm needs at least 2 clients for the DiD variance")
    est = float(y1.mean() - y0.mean())
    if se_type == "HC2":
        var = y1.var(ddof=1) / n1 + y0.var(ddof=1) / n0
    elif se_type == "classical":
        s2 = (((y1 - y1.mean()) ** 2).sum() + ((y0 - y0.mean()) ** 2).sum()) / (n1 + n0 - 2)
        var = s2 * (1 / n1 + 1 / n0)
    else:
        raise HbEvalError(f"se_type must be 'HC2' or 'classical', got {se_type!r}")
    return est, float(var)


# --------------------------------------------------------------------------- imputation

class _MainEffectsMICEData(MICEData):
    """``MICEData`` with its default imputation models (OLS of each variable on all the others,
    main effects, intercept), the design matrices built with numpy instead of a formula.

    Building the formula design dominated the run time (about 0.1 s per update); the matrices
    are the same (tested against the formula path).
    """

    def _xy(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
        others = [c for c in self.data.columns if c != vname]
        x = np.column_stack([np.ones(len(self.data)), self.data[others].to_numpy(float)])
        return self.data[vname].to_numpy(float), x

    def get_split_data(self, vname):  # type: ignore[override]
        # an update fits (get_fitting_data), perturbs the fit and imputes (here) without
        # changing the data in between: the design of its fit is this one, not made again
        made = self.__dict__.pop("_made", None)
        y, x = made[1:] if made is not None and made[0] == vname else self._xy(vname)
        ixo, ixm = self.ix_obs[vname], self.ix_miss[vname]
        return y[ixo], x[ixo], x[ixm], {}, {}

    def get_fitting_data(self, vname):  # type: ignore[override]
        y, x = self._xy(vname)
        self._made = (vname, y, x)      # for the get_split_data of the same update
        ixo = self.ix_obs[vname]
        return y[ixo], x[ixo], {}, {}


def _imputation_data(frame: pd.DataFrame, outcome_cols: Sequence[str],
                     covariates: Sequence[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric data for MICEData with formula-safe names (v0, v1, ...), and name map."""
    cols: dict[str, np.ndarray] = {}
    names: dict[str, str] = {}

    def add(label: str, values: np.ndarray) -> None:
        key = f"v{len(cols)}"
        cols[key] = values
        names[label] = key

    add("arm_HB", (frame["arm"].astype("string") == "HB").to_numpy(float))
    for c in outcome_cols:
        if c not in frame.columns:
            raise HbEvalError(f"column {c!r} is not in the frame")
        try:
            add(c, pd.to_numeric(frame[c]).to_numpy(float))
        except (ValueError, TypeError):  # never quote the cell: it could be personal data
            raise HbEvalError(f"column {c!r} holds a value that is not a number") from None
    for cov in covariates:
        if cov not in frame.columns:
            raise HbEvalError(f"covariate {cov!r} is not in the frame")
        s = frame[cov]
        if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            add(cov, s.to_numpy(float))
            continue
        st = s.astype("string")
        levels = sorted(str(v) for v in st.dropna().unique())
        miss = st.isna().to_numpy()
        for lv in levels[1:]:
            d = (st == lv).fillna(False).to_numpy(float)
            d[miss] = np.nan
            if np.nanstd(d) > 0:  # constant dummies carry nothing
                add(f"{cov}[{lv}]", d)
    data = pd.DataFrame(cols)
    data.columns = pd.Index(list(data.columns), dtype=object)
    return data, names


#: The chain's defaults: PMM donors, cycles before the first imputed set, cycles between sets.
K_PMM, N_BURNIN, N_SKIP = 5, 10, 2


def impute_frames(frame: pd.DataFrame, outcome_cols: Sequence[str] = ("baseline", "end"),
                  covariates: Sequence[str] = MICE_COVARIATES, m: int = 20,
                  seed: int | np.random.Generator | None = None, k_pmm: int = K_PMM,
                  n_burnin: int = N_BURNIN, n_skip: int = N_SKIP) -> list[pd.DataFrame]:
    """``m`` imputed copies of ``frame`` (missing outcome columns and covariate values filled
    by MICE with PMM), with ``change = end − baseline`` recomputed when both columns exist.

    Categorical covariates are returned as given (their imputation is used only inside the
    imputation model). Each copy has an ``imputed`` column: True for rows with at least one
    imputed outcome value, and ``imputation`` (1..m).
    """
    return list(_imputed_frames(frame, outcome_cols, covariates, m, seed, k_pmm, n_burnin,
                                n_skip))


@contextmanager
def _statsmodels_mice() -> Iterator[None]:
    """statsmodels' MICE without its FutureWarnings, its ValueError (e.g. a variable with no
    observed values) raised as :class:`HbEvalError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=FutureWarning)
            yield
    except ValueError as exc:
        raise HbEvalError(f"MICE failed: {exc}") from exc


def _imputed_frames(frame: pd.DataFrame, outcome_cols: Sequence[str],
                    covariates: Sequence[str], m: int,
                    seed: int | np.random.Generator | None, k_pmm: int = K_PMM,
                    n_burnin: int = N_BURNIN, n_skip: int = N_SKIP) -> Iterator[pd.DataFrame]:
    """:func:`impute_frames` one imputed frame at a time: the chain runs on to the next set
    only when the caller asks for it, so one frame (not ``m``) is held at a time. The same
    frames: the caller's use of a frame draws nothing from the chain's generator."""
    if seed is None:
        raise HbEvalError("impute_frames needs a seed (int) or a numpy Generator")
    if m < 1:
        raise HbEvalError("m must be at least 1")
    if "arm" not in frame.columns:
        raise HbEvalError("the frame has no 'arm' column")
    arm = frame["arm"].astype("string")
    if (arm.isna() | ~arm.isin(["HB", "Verrokki"])).any():
        raise HbEvalError("every row needs arm HB or Verrokki")
    data, names = _imputation_data(frame, outcome_cols, covariates)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    miss_any = np.zeros(len(frame), bool)
    for c in outcome_cols:
        miss_any |= frame[c].isna().to_numpy()

    with _statsmodels_mice():
        mdata = _MainEffectsMICEData(data, perturbation_method="gaussian", k_pmm=k_pmm,
                                     rng=rng)
    if len(mdata.data) != len(data):
        raise HbEvalError("a row has every imputation variable missing")
    with _statsmodels_mice():
        mdata.update_all(n_burnin)
    for j in range(1, m + 1):
        with _statsmodels_mice():
            mdata.update_all(n_skip)
        d = mdata.data
        f = frame.copy()
        for c in outcome_cols:
            f[c] = d[names[c]].to_numpy(float, copy=True)   # the chain's values now
        if "baseline" in f.columns and "end" in f.columns:
            f["change"] = f["end"] - f["baseline"]
        f["imputed"] = miss_any
        f["imputation"] = j
        yield f


def mice_pool(frame: pd.DataFrame,
              estimator: Callable[[pd.DataFrame], tuple[float, float]],
              outcome_cols: Sequence[str] = ("baseline", "end"),
              covariates: Sequence[str] = MICE_COVARIATES, m: int = 20,
              seed: int | np.random.Generator | None = None, n_params: int = 2,
              confidence: float = 0.95, **mice_kwargs: Any) -> pd.DataFrame:
    """Impute ``m`` times, apply ``estimator`` (frame → (estimate, variance)) to each imputed
    set and pool by Rubin's rules with Barnard–Rubin df (``n`` = rows of ``frame``);
    ``mice_kwargs`` (``k_pmm``, ``n_burnin``, ``n_skip``) as :func:`impute_frames` takes them.

    Returns
    -------
    DataFrame
        The :func:`rubin_pool` row plus n, n_imputed (rows with an imputed outcome value).
    """
    if m < 2:
        raise HbEvalError("pooling needs m >= 2")
    res, n_imputed = [], 0
    # one imputed frame at a time (estimated, then let go), not all m held at once
    for f in _imputed_frames(frame, outcome_cols, covariates, m, seed, **mice_kwargs):
        res.append(estimator(f))
        n_imputed = int(f["imputed"].sum())
    res = np.array(res, float)
    pooled = rubin_pool(res[:, 0], res[:, 1], n=len(frame), n_params=n_params,
                        confidence=confidence)
    pooled["n"] = len(frame)
    pooled["n_imputed"] = n_imputed
    return pooled


def mice_did(frame_incomplete: pd.DataFrame, outcome_cols: Sequence[str] = ("baseline", "end"),
             covariates: Sequence[str] = MICE_COVARIATES, m: int = 20,
             seed: int | np.random.Generator | None = None, se_type: str = "HC2",
             confidence: float = 0.95, k_pmm: int = K_PMM, n_burnin: int = N_BURNIN,
             n_skip: int = N_SKIP) -> pd.DataFrame:
    """The DiD (difference of mean changes, HB − Verrokki) under multiple imputation.

    Parameters
    ----------
    frame_incomplete
        One row per client with arm, baseline, end and the covariates, missing end scores
        included: ``scoring.change_frame(..., complete=False)``.
    outcome_cols
        Score columns to impute (missing values are imputed; observed ones are kept).
    covariates
        Baseline covariates in the imputation model (imputed too where missing).
    m
        Number of imputed data sets (``AnalysisConfig.mice_m``).
    seed
        Seed or Generator (required).
    se_type
        Variance of the DiD in each imputed set: ``"HC2"`` or ``"classical"``.
    confidence
        Level of the interval.
    k_pmm, n_burnin, n_skip
        PMM donors; chain cycles before the first imputed set and between sets.

    Returns
    -------
    DataFrame
        One row: outcome (when the frame has one), estimator (``did_mice``), estimate, se, df,
        ci_low, ci_high, p, m, n, n_HB, n_Verrokki, n_imputed (clients with an imputed outcome),
        n_imputed_HB, n_imputed_Verrokki, within, between, total, riv, ``lambda_``, fmi, df_com,
        df_method (``barnard_rubin``), se_type, imputation (``pmm``), k_pmm, n_burnin, n_skip,
        cc_estimate, cc_se, n_complete (the complete-case DiD on the same frame), confidence.
    """
    f = frame_incomplete
    out = mice_pool(f, lambda d: did_estimate(d, se_type), outcome_cols, covariates, m, seed,
                    n_params=2, confidence=confidence, k_pmm=k_pmm, n_burnin=n_burnin,
                    n_skip=n_skip)
    hb = (f["arm"].astype("string") == "HB").to_numpy()
    miss = np.zeros(len(f), bool)
    for c in outcome_cols:
        miss |= f[c].isna().to_numpy()
    cc = f.loc[~miss].copy()
    cc["change"] = cc["end"] - cc["baseline"]
    try:
        cc_est, cc_var = did_estimate(cc, se_type)
    except HbEvalError:
        cc_est, cc_var = np.nan, np.nan
    out = out.assign(
        estimator="did_mice", n_HB=int(hb.sum()), n_Verrokki=int((~hb).sum()),
        n_imputed_HB=int((miss & hb).sum()), n_imputed_Verrokki=int((miss & ~hb).sum()),
        se_type=se_type, imputation="pmm", k_pmm=k_pmm, n_burnin=n_burnin, n_skip=n_skip,
        cc_estimate=cc_est, cc_se=float(np.sqrt(cc_var)), n_complete=int((~miss).sum()))
    if "outcome" in f.columns and f["outcome"].nunique() == 1:
        out.insert(0, "outcome", str(f["outcome"].iloc[0]))
    lead = [c for c in ("outcome", "estimator", "estimate", "se", "df", "ci_low", "ci_high", "p",
                        "m", "n", "n_HB", "n_Verrokki", "n_imputed") if c in out.columns]
    return out.loc[:, lead + [c for c in out.columns if c not in lead]]
