"""Cluster-robust variance for OLS with the CR2 small-sample correction.

CR2 is the bias-reduced linearisation of Bell & McCaffrey (2002), in the form of Pustejovsky &
Tipton (2018, JBES 36:672): with ``M = (X'X)^-1`` and ``H_gg = X_g M X_g'``,

    V_CR2 = M [sum_g X_g' A_g e_g e_g' A_g X_g] M,   A_g = (I - H_gg)^(-1/2),

the inverse square root taken through a symmetric eigen-decomposition, as a pseudo-inverse
(eigenvalues at zero, e.g. a cluster that is a whole arm, get zero weight, as in clubSandwich).
Since ``H_gg`` has rank at most k, a cluster larger than k takes the decomposition of a k x k
matrix from the thin QR of ``X_g`` (:class:`_SizeBatch`), and clusters of one size go through
LAPACK together: large clusters cost O(n_g k^2), not O(n_g^3).
The degrees of freedom of one contrast ``c'beta`` are the Satterthwaite approximation of
Bell & McCaffrey under the working model of independent homoscedastic errors:

    q_g = (I - H)[:, g] A_g X_g M c     (an N-vector per cluster),  B = Q'Q  (G x G),
    df  = tr(B)^2 / tr(B^2).

No maintained Python library implements CR2; this module does, in numpy. Weighted least squares
is handled by scaling rows by sqrt(w); the working model is then "weights are inverse
variances". With every cluster a single observation CR2 is HC2 (tested against statsmodels).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from ..support.display import ResultDisplay

SE_TYPES = ("CR2", "CR1", "CR0", "HC2")
#: Up to this N x G the CR2 degrees of freedom use the N x G matrix Q as written in the module
#: notes; above it the algebraically equal O(N k + G^2 k) form (:meth:`ClusterFit._df_large`).
DF_DENSE_UP_TO = 2_000_000


def _codes(cluster: object, n: int) -> tuple[np.ndarray, int]:
    """Integer cluster codes 0..G-1 (every row its own cluster when ``cluster`` is None)."""
    if cluster is None:
        return np.arange(n), n
    codes, uniques = pd.factorize(pd.Series(np.asarray(cluster, dtype=object)), sort=True)
    if (codes < 0).any():
        raise ValueError("cluster ids must not be missing")
    return codes.astype(np.int64), len(uniques)


def _inv_sqrt_psd(m: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Symmetric pseudo-inverse square root of a symmetric PSD matrix."""
    vals, vecs = np.linalg.eigh((m + m.T) / 2)
    inv = np.zeros_like(vals)
    keep = vals > tol
    inv[keep] = 1.0 / np.sqrt(vals[keep])
    return (vecs * inv) @ vecs.T


def _inv_sqrt_psd_stack(m: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """:func:`_inv_sqrt_psd` of every matrix of an ``(m, s, s)`` stack, in one LAPACK call."""
    vals, vecs = np.linalg.eigh((m + np.swapaxes(m, -1, -2)) / 2)
    inv = np.zeros_like(vals)
    keep = vals > tol
    inv[keep] = 1.0 / np.sqrt(vals[keep])
    return (vecs * inv[:, None, :]) @ np.swapaxes(vecs, -1, -2)


def _size_batches(order: np.ndarray, bounds: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Clusters of equal size together: ``(cluster numbers, rows)`` per size, rows ``m x s``.

    Row ``j`` of ``rows`` is cluster ``gids[j]``'s observations in the order of
    ``order[bounds[g]:bounds[g + 1]]`` (the per-cluster index of :class:`ClusterOLS`).
    """
    sizes = np.diff(bounds)
    out = []
    for size in np.unique(sizes):
        gids = np.flatnonzero(sizes == size)
        out.append((gids, order[bounds[gids][:, None] + np.arange(size)]))
    return out


@dataclass(repr=False)
class _SizeBatch:
    """The CR2 adjustments ``A_g`` of clusters of one size ``s``, without s x s matrices.

    ``H_gg = X_g M X_g'`` has rank at most k. With ``X_g = Q_g R_g`` (thin QR, Q_g orthonormal,
    s x r, r = min(s, k)), ``I - H_gg = (I - Q_g Q_g') + Q_g (I - R_g M R_g') Q_g'``: eigenvalue 1
    off the span of Q_g, those of the r x r matrix on it. So the pseudo-inverse square root is
    ``A_g = I + Q_g (B_g - I) Q_g'`` with ``B_g = (I - R_g M R_g')^(-1/2)`` (the same
    pseudo-inverse rule), O(s k^2) a cluster instead of O(s^3). ``Q`` None: ``A_g`` is ``C``
    itself (m x s x s), or the identity when ``C`` is None too (CR0, CR1).
    """

    gids: np.ndarray
    rows: np.ndarray
    Q: np.ndarray | None
    C: np.ndarray | None

    def apply(self, v: np.ndarray) -> np.ndarray:
        """``A_g v_g`` for every cluster of the batch (``v``: m x s)."""
        if self.C is None:
            return v
        if self.Q is None:
            return np.einsum("mij,mj->mi", self.C, v)
        t = np.einsum("mij,mj->mi", self.C, np.einsum("msr,ms->mr", self.Q, v))
        return v + np.einsum("msr,mr->ms", self.Q, t)

    def matrices(self) -> np.ndarray:
        """The m x s x s adjustment matrices written out."""
        m, size = self.rows.shape
        eye = np.broadcast_to(np.eye(size), (m, size, size))
        return np.stack([self.apply(eye[:, :, j]) for j in range(size)], axis=2)


def _adjustments(Xg: np.ndarray, M: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """``(Q, C)`` of :class:`_SizeBatch` for CR2 of the stack ``Xg`` (m x s x k)."""
    size, k = Xg.shape[1:]
    if size <= k:  # small clusters: the s x s form directly
        return None, _inv_sqrt_psd_stack(np.eye(size) - (Xg @ M) @ np.swapaxes(Xg, 1, 2))
    Q, R = np.linalg.qr(Xg)
    B = _inv_sqrt_psd_stack(np.eye(k) - (R @ M) @ np.swapaxes(R, 1, 2))
    return Q, B - np.eye(k)


@dataclass(repr=False)
class ClusterOLS(ResultDisplay):
    """An OLS fit with a cluster-robust covariance.

    Attributes
    ----------
    coef, vcov
        Coefficients and their covariance (``se_type``).
    names
        Column names of the design.
    resid
        Residuals on the original (unweighted) scale.
    n, n_clusters
        Observations and clusters used.
    se_type
        ``"CR2"``, ``"CR1"``, ``"CR0"`` or ``"HC2"`` (CR2 with one observation per cluster).
    """

    coef: np.ndarray
    vcov: np.ndarray
    names: list[str]
    resid: np.ndarray
    n: int
    n_clusters: int
    se_type: str
    # internals kept for degrees of freedom and the wild bootstrap (weighted scale)
    _X: np.ndarray = field(repr=False)
    _M: np.ndarray = field(repr=False)
    _codes: np.ndarray = field(repr=False)
    _index: list[np.ndarray] = field(repr=False)
    # the adjustments A_g, clusters of equal size together
    _batches: list[_SizeBatch] = field(repr=False, default_factory=list)

    @property
    def _adjust(self) -> list[np.ndarray]:
        """Every cluster's adjustment matrix ``A_g`` written out (s x s each)."""
        out: list[np.ndarray] = [np.empty((0, 0))] * self.n_clusters
        for b in self._batches:
            for g, A in zip(b.gids, b.matrices()):
                out[g] = A
        return out

    def _u(self, mc: np.ndarray):
        """``u_g = A_g X_g M c`` per size batch: ``(cluster numbers, rows, X_g, u)``."""
        for b in self._batches:
            Xg = self._X[b.rows]                                # m x s x k
            yield b.gids, b.rows, Xg, b.apply(Xg @ mc)

    def _c(self, contrast: int | str | np.ndarray) -> np.ndarray:
        if isinstance(contrast, str):
            contrast = self.names.index(contrast)
        if isinstance(contrast, (int, np.integer)):
            c = np.zeros(len(self.coef))
            c[contrast] = 1.0
            return c
        return np.asarray(contrast, dtype=float)

    def df(self, contrast: int | str | np.ndarray) -> float:
        """Bell-McCaffrey / Satterthwaite degrees of freedom of one contrast.

        For ``se_type`` CR2 or HC2 the Pustejovsky-Tipton formula (module docstring); for CR1
        and CR0 the conventional G - 1.
        """
        if self.se_type not in ("CR2", "HC2"):
            return float(self.n_clusters - 1)
        c = self._c(contrast)
        X, M = self._X, self._M
        mc = M @ c
        if X.shape[0] * self.n_clusters > DF_DENSE_UP_TO:
            return self._df_large(mc)
        Q = np.zeros((X.shape[0], self.n_clusters))
        for gids, rows, Xg, u in self._u(mc):
            Q[:, gids] = -X @ (M @ np.einsum("msk,ms->km", Xg, u))
            Q[rows, gids[:, None]] += u
        B = Q.T @ Q
        tr = np.trace(B)
        tr2 = np.sum(B * B)
        return float(tr * tr / tr2) if tr2 > 0 else float("nan")

    def _df_large(self, mc: np.ndarray) -> float:
        """:meth:`df` without the N x G matrix Q (large samples).

        With ``u_g = A_g X_g M c`` and ``w_g = X_g' u_g``, ``Q = S - X M W`` (S holds u_g in
        cluster g's rows), and since ``M X'X M = M`` (pseudo-inverse),
        ``B = Q'Q = diag(u_g'u_g) - W' M W``: O(N k + G^2 k) instead of O(N G^2).
        """
        X, M = self._X, self._M
        uu = np.empty(self.n_clusters)
        W = np.empty((X.shape[1], self.n_clusters))
        for gids, _rows, Xg, u in self._u(mc):
            uu[gids] = np.einsum("ms,ms->m", u, u)
            W[:, gids] = np.einsum("msk,ms->km", Xg, u)
        B = np.diag(uu) - W.T @ (M @ W)
        tr = np.trace(B)
        tr2 = np.sum(B * B)
        return float(tr * tr / tr2) if tr2 > 0 else float("nan")

    def contrast(self, contrast: int | str | np.ndarray, confidence: float = 0.95,
                 null: float = 0.0) -> dict[str, float]:
        """Estimate, SE, df, t-interval and two-sided p of one contrast.

        Raises
        ------
        NotEstimable
            With fewer than 2 clusters (clustered SE types) or a zero or non-finite SE.
        """
        from .estimability import require_clusters, require_se

        if self.se_type not in ("HC2",):
            require_clusters(self.n_clusters, "cluster", "cluster-robust standard error")
        c = self._c(contrast)
        est = float(c @ self.coef)
        se = float(np.sqrt(max(c @ self.vcov @ c, 0.0)))
        require_se(se, est, "contrast")
        df = self.df(c)
        if se > 0 and np.isfinite(df) and df > 0:
            t = (est - null) / se
            q = stats.t.ppf(1 - (1 - confidence) / 2, df)
            p = float(2 * stats.t.sf(abs(t), df))
            lo, hi = est - q * se, est + q * se
        else:
            t = p = lo = hi = float("nan")
        return {"estimate": est, "se": se, "df": df, "t": float(t), "ci_low": float(lo),
                "ci_high": float(hi), "p": p}

    def summary(self) -> pd.DataFrame:
        """One row per term: coefficient, standard error, se_type, n, n_clusters."""
        se = np.sqrt(np.clip(np.diag(self.vcov), 0, None))
        return pd.DataFrame({"term": self.names, "coef": self.coef, "se": se,
                             "se_type": self.se_type, "n": self.n,
                             "n_clusters": self.n_clusters})


def ols_cluster(X: np.ndarray | pd.DataFrame, y: np.ndarray | pd.Series,
                cluster: object = None, weights: np.ndarray | None = None,
                se_type: str = "CR2") -> ClusterOLS:
    """OLS (optionally weighted) with a cluster-robust covariance.

    Parameters
    ----------
    X
        Design matrix (include the intercept yourself). A DataFrame's columns name the terms.
    y
        Outcome.
    cluster
        Cluster ids (any hashable), or None for one observation per cluster (then CR2 is HC2).
    weights
        Optional analytic weights (weighted least squares); treated as inverse variances.
    se_type
        ``"CR2"`` (default; Bell-McCaffrey), ``"CR1"`` (G/(G-1) (N-1)/(N-K), as statsmodels
        and Stata), ``"CR0"`` (no correction) or ``"HC2"`` (requires ``cluster=None``).

    Returns
    -------
    ClusterOLS
    """
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type must be one of {SE_TYPES}, not {se_type!r}")
    if se_type == "HC2" and cluster is not None:
        raise ValueError("se_type='HC2' means one observation per cluster: pass cluster=None")
    names = list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{i}" for i in
                                                                 range(np.shape(X)[1])]
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite (drop incomplete rows explicitly first)")
    sw = np.ones(n) if weights is None else np.sqrt(np.asarray(weights, dtype=float))
    Xw, yw = X * sw[:, None], y * sw
    M = np.linalg.pinv(Xw.T @ Xw)
    coef = M @ (Xw.T @ yw)
    ew = yw - Xw @ coef
    codes, G = _codes(cluster, n)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(G + 1))
    index = [order[bounds[g]:bounds[g + 1]] for g in range(G)]
    # clusters of equal size in one stack, A_g in low-rank form (:class:`_SizeBatch`)
    batches = []
    scores = np.empty((G, k))
    for gids, rows in _size_batches(order, bounds):
        Xg = Xw[rows]                                           # m x s x k
        Q, C = _adjustments(Xg, M) if se_type in ("CR2", "HC2") else (None, None)
        b = _SizeBatch(gids, rows, Q, C)
        batches.append(b)
        scores[gids] = np.einsum("msk,ms->mk", Xg, b.apply(ew[rows]))
    meat = scores.T @ scores
    vcov = M @ meat @ M
    if se_type == "CR1":
        rank = np.linalg.matrix_rank(Xw)
        vcov = vcov * (G / (G - 1)) * ((n - 1) / (n - rank))
    return ClusterOLS(coef=coef, vcov=vcov, names=names, resid=y - X @ coef, n=n,
                      n_clusters=G, se_type=se_type, _X=Xw, _M=M, _codes=codes,
                      _index=index, _batches=batches)
