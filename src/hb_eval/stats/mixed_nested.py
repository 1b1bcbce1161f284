"""REML fit of the linear model with random intercepts for clients nested in workers, in closed
form per worker (for large evaluations, where statsmodels' ``MixedLM`` loops over workers in
Python and inverts a client x client matrix per worker at every iteration).

Model: ``y = X b + u_worker + u_client + e`` with variances ``s2_w``, ``s2_c``, ``s2``. For a
worker g with clients i of n_i observations, ``V_g = s2 I + s2_c blockdiag(J_{n_i}) + s2_w J``.
Within a client ``A_i = s2 I + s2_c J`` has ``a' A_i^-1 b = (sum ab - g_i sum a sum b) / s2`` with
``g_i = s2_c / (s2 + n_i s2_c)``; the worker term is added by Sherman-Morrison, and
``log|V_g| = sum_i [n_i log s2 + log(1 + n_i s2_c / s2)] + log(1 + s2_w 1'A^-1 1)``. So
``X'V^-1 X``, ``X'V^-1 y``, ``y'V^-1 y`` and ``log|V|`` need only sums per client and per worker:
one REML evaluation costs O(observations x k^2), vectorised. The REML criterion is profiled
over the residual variance and maximised over the two variance ratios (L-BFGS-B, polished by
Nelder-Mead; further starts when the result is not a local maximum; bounded below by zero: a
variance may sit at its boundary). Fixed-effect standard errors are
``sqrt(diag((X'V^-1 X)^-1))`` at the optimum.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

__all__ = ["NestedREML", "fit_nested_reml", "text_codes"]

#: Bounds of the variance ratios (s2_c / s2, s2_w / s2); zero is allowed (a boundary fit).
_RATIO_BOUNDS = (0.0, 1e8)


@dataclass
class NestedREML:
    """Result of :func:`fit_nested_reml`."""

    params: np.ndarray
    bse: np.ndarray
    cov: np.ndarray
    var_residual: float
    var_client: float
    var_worker: float
    converged: bool
    reml_loglik: float


def _group_sums(codes: np.ndarray, M: np.ndarray, size: int) -> np.ndarray:
    """Column sums of M per code (size x k)."""
    return np.column_stack([np.bincount(codes, weights=M[:, j], minlength=size)
                            for j in range(M.shape[1])])


@dataclass(frozen=True)
class _Sums:
    """The data reduced for the REML criterion: clients grouped by their number of
    observations m (``g_i`` and ``d_i`` depend on the client only through m), so one evaluation
    costs O(workers x distinct m x k) whatever the number of clients."""

    count: np.ndarray  # clients with each m (M)
    m: np.ndarray      # the distinct m (M)
    G: np.ndarray      # sum over those clients of sx sx' (M x k x k)
    h: np.ndarray      # ... of sx sy (M x k)
    q: np.ndarray      # ... of sy^2 (M)
    S: np.ndarray      # per worker and m: sum of sx (W x M x k)
    T: np.ndarray      # ... of sy (W x M)
    N: np.ndarray      # ... of n_i (W x M)
    xx: np.ndarray
    xy: np.ndarray
    yy: float


def _sums(X: np.ndarray, y: np.ndarray, client: np.ndarray,
          worker_of_client: np.ndarray) -> _Sums:
    """Per-client counts and sums of x and y, grouped by count and by worker and count."""
    n_c = client.max() + 1
    n_i = np.bincount(client, minlength=n_c)
    sx = _group_sums(client, X, n_c)
    sy = np.bincount(client, weights=y, minlength=n_c)
    m, j = np.unique(n_i, return_inverse=True)
    M, k = len(m), X.shape[1]
    G = np.einsum("ia,ib->iab", sx, sx)
    n_w = worker_of_client.max() + 1
    cell = worker_of_client * M + j  # (worker, m) cell of each client
    S = _group_sums(cell, sx, n_w * M).reshape(n_w, M, k)
    return _Sums(
        count=np.bincount(j, minlength=M).astype(float), m=m.astype(float),
        G=_group_sums(j, G.reshape(n_c, k * k), M).reshape(M, k, k),
        h=_group_sums(j, sx * sy[:, None], M), q=np.bincount(j, weights=sy * sy, minlength=M),
        S=S, T=np.bincount(cell, weights=sy, minlength=n_w * M).reshape(n_w, M),
        N=np.bincount(cell, weights=n_i.astype(float), minlength=n_w * M).reshape(n_w, M),
        xx=X.T @ X, xy=X.T @ y, yy=float(y @ y))


def _parts(ratios: np.ndarray, s: _Sums) -> tuple[np.ndarray, np.ndarray, float, float]:
    """X'H^-1 X, X'H^-1 y, y'H^-1 y and log|H| for H = V / s2."""
    tc, tw = ratios
    d = 1.0 + s.m * tc                       # (s2 + m s2_c) / s2, per count m
    g = tc / d                               # g s2, scale-free
    # within clients: a'A^-1 b = sum ab - g_i sum a sum b  (times 1 / s2)
    XAX = s.xx - np.einsum("j,jab->ab", g, s.G)
    XAy = s.xy - g @ s.h
    yAy = s.yy - float(g @ s.q)
    # a'A^-1 1 per client = sum a / d_i; summed per worker
    tx = np.einsum("wjk,j->wk", s.S, 1.0 / d)
    ty = s.T @ (1.0 / d)
    s_g = s.N @ (1.0 / d)
    f_g = tw / (1.0 + tw * s_g)
    XVX = XAX - (tx * f_g[:, None]).T @ tx
    XVy = XAy - (tx * f_g[:, None]).T @ ty
    yVy = yAy - float((f_g * ty) @ ty)
    logdet = float(s.count @ np.log(d) + np.log1p(tw * s_g).sum())
    return XVX, XVy, yVy, logdet


def _profile(ratios: np.ndarray, sums: _Sums, n: int, k: int) -> tuple[float, np.ndarray, float,
                                                                    np.ndarray]:
    """Minus the REML log-likelihood (up to a constant) with s2 profiled out."""
    XVX, XVy, yVy, logdet = _parts(ratios, sums)
    chol = np.linalg.cholesky(XVX)
    beta = np.linalg.solve(XVX, XVy)
    rss = max(yVy - float(beta @ XVy), 1e-300)
    s2 = rss / (n - k)
    # -2 l_R = (n - k) log s2 + log|H| + log|X'H^-1 X| + (n - k)   (constants dropped)
    val = 0.5 * ((n - k) * np.log(s2) + logdet + 2 * np.log(np.diag(chol)).sum())
    return val, beta, s2, XVX


def _sorted_text_runs(lab: np.ndarray) -> np.ndarray | None:
    """The codes of :func:`text_codes` when ``lab`` holds only texts, in sorted (code point)
    order: each text is one run of equal neighbours and its code is the run's number (the
    text's place among the sorted distinct texts). None otherwise."""
    if len(lab) < 2 or lab.dtype != object or pd.api.types.infer_dtype(
            lab, skipna=False) != "string":
        return None
    new = lab[1:] != lab[:-1]
    if not (lab[1:][new] > lab[:-1][new]).all():  # not sorted (a text after a larger one)
        return None
    out = np.zeros(len(lab), dtype=np.int64)
    np.cumsum(new, out=out[1:])
    return out


def text_codes(labels: np.ndarray) -> np.ndarray:
    """``np.unique(np.asarray(labels).astype(str), return_inverse=True)[1]`` (codes in the
    order of the labels as text), with the text made and sorted for the distinct labels only
    (they are hashed first), not for every observation. Texts already in sorted order (a long
    frame sorted by client) are not hashed at all: their codes are the run numbers."""
    lab = np.asarray(labels).reshape(-1)
    runs = _sorted_text_runs(lab)
    if runs is not None:
        return runs
    raw, uniq = pd.factorize(lab, use_na_sentinel=False)
    return np.unique(np.asarray(uniq).astype(str), return_inverse=True)[1].reshape(-1)[raw]


def fit_nested_reml(X: np.ndarray, y: np.ndarray, client: np.ndarray,
                    worker: np.ndarray, client_codes: np.ndarray | None = None) -> NestedREML:
    """REML fit of ``y ~ X`` with random intercepts for ``client`` nested in ``worker``.

    Parameters
    ----------
    X
        Fixed-effects design (n x k, with the intercept column).
    y
        Outcome (n).
    client, worker
        Client and worker of each observation (any labels); each client belongs to one worker.
    client_codes
        Optional: must equal ``text_codes(client)``, the codes made here when None (the
        default); given by a caller that has them already, so they are not made twice. Only
        their length is checked.

    Returns
    -------
    NestedREML
        Fixed effects, their standard errors and covariance, the three variances, whether the
        optimiser converged, and the REML log-likelihood (up to a constant).
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    c_codes = text_codes(client) if client_codes is None else np.asarray(client_codes)
    if len(c_codes) != len(y):
        raise ValueError("client_codes must have one code per observation")
    w_codes = text_codes(worker)
    n_c = c_codes.max() + 1
    w_of_c = np.zeros(n_c, dtype=np.int64)
    w_of_c[c_codes] = w_codes
    if np.any(w_of_c[c_codes] != w_codes):
        raise ValueError("every client must belong to one worker")
    sums = _sums(X, y, c_codes, w_of_c)
    n, k = X.shape
    fun = lambda th: _profile(th, sums, n, k)[0]  # noqa: E731
    def local_min(r) -> bool:
        """No relative step of 1e-5 (within the bounds) lowers the criterion."""
        h = 1e-5 * (1.0 + r.x)
        steps = [np.clip(r.x + d, *_RATIO_BOUNDS) for d in
                 (np.array([h[0], 0]), np.array([-h[0], 0]), np.array([0, h[1]]),
                  np.array([0, -h[1]]))]
        return all(fun(x) >= r.fun - 1e-9 * max(1.0, abs(r.fun)) for x in steps)

    best = None
    for start in ((1.0, 0.1), (0.1, 0.01), (5.0, 1.0)):  # further starts only when needed
        r = optimize.minimize(fun, np.array(start), method="L-BFGS-B",
                              bounds=[_RATIO_BOUNDS] * 2, options={"maxiter": 1000})
        # polished without derivatives (the finite-difference gradient stops L-BFGS-B short)
        r = optimize.minimize(fun, r.x, method="Nelder-Mead", bounds=[_RATIO_BOUNDS] * 2,
                              options={"xatol": 1e-10, "fatol": 1e-14 * max(1.0, abs(r.fun)),
                                       "maxiter": 4000})
        if best is None or r.fun < best.fun:
            best = r
        if local_min(best):
            break
    converged = local_min(best)
    val, beta, s2, XVX = _profile(best.x, sums, n, k)
    cov = s2 * np.linalg.inv(XVX)
    tc, tw = best.x
    return NestedREML(params=beta, bse=np.sqrt(np.diag(cov)), cov=cov, var_residual=float(s2),
                      var_client=float(tc * s2), var_worker=float(tw * s2),
                      converged=bool(converged), reml_loglik=-float(val))
