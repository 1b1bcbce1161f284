"""Wild cluster bootstrap with the null imposed (WCR).

Cameron, Gelbach & Miller (2008); the algebra is the "fast and wild" one of Roodman, Nielsen,
MacKinnon & Webb (2019): everything is computed at the cluster level, so a replicate costs a
G x G product and all B replicates are one matrix product with the B x G weight matrix (no
loop over replicates).

For the hypothesis ``beta_j = r`` the restricted model drops column j and uses ``y - r x_j``;
its residuals ``u(r)`` are perturbed cluster by cluster, ``y* = y_fit(r) + u(r) v_g``, and the
bootstrap t-statistic ``(beta*_j - r) / se*(beta*_j)`` uses the same cluster-robust standard error
as the original t (``se_type`` "CR1", the usual choice, or "CR2"). The p-value is symmetric:
the share of replicates with ``|t*| >= |t|``. The interval collects the ``r`` not rejected at
``1 - confidence``; its ends are found by bisection on p(r), with the same weight matrix at
every ``r``. A replicate's numerator is linear and its variance quadratic in ``r``, so the
B x G x G products are made once (five numbers per replicate) and every p(r) of the
bisection costs O(B).

Weights: Rademacher (+/-1), or Webb's six-point distribution (+/-sqrt(1/2), +/-1, +/-sqrt(3/2))
which ``weights="auto"`` picks when there are fewer than 12 clusters. Enumeration instead of
sampling (the p-value and interval then do not depend on the seed): all 6^G Webb vectors when
G <= :data:`WEBB_ENUMERATE_MAX_G` (6^7 = 279,936), all 2^G Rademacher vectors when
2^G <= ``reps``.
The replicates are processed in chunks of at most :data:`CHUNK_ELEMENTS` weights (enumerated
vectors are made chunk by chunk from their index), so memory stays bounded whatever B and G.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cr2 import ols_cluster
from ..support.display import ResultDisplay

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
RADEMACHER = np.array([1.0, -1.0])
#: Webb weights are enumerated (all 6^G vectors) up to this many clusters: 6^7 = 279,936.
WEBB_ENUMERATE_MAX_G = 7
#: Weights per chunk of replicates (B_chunk x G), about 8 MB of float64.
CHUNK_ELEMENTS = 1 << 20
#: Enumerated weights up to this many (32 MB) are made once and kept for every null value.
KEEP_ELEMENTS = 1 << 22


@dataclass(repr=False)
class WildResult(ResultDisplay):
    """Result of :func:`wild_cluster_bootstrap`."""

    estimate: float
    t: float
    p: float
    ci_low: float
    ci_high: float
    weights: str
    reps: int
    enumerated: bool
    se_type: str
    n_clusters: int
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame."""
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        """The p-value and interval in one printable line."""
        return (f"wild cluster bootstrap ({self.weights}, {self.reps} reps"
                f"{', enumerated' if self.enumerated else ''}, {self.se_type} t, "
                f"G={self.n_clusters}): p = {self.p:.4f}, {self.confidence:.0%} CI "
                f"[{self.ci_low:.4g}, {self.ci_high:.4g}]")


@dataclass(repr=False)
class WildWeights:
    """The B x G wild weights: drawn (held as a matrix) or enumerated (made chunk by chunk).

    Attributes
    ----------
    name
        ``"rademacher"`` or ``"webb"``.
    enumerated
        Every one of the ``values``^G vectors (B = len(values)^G), in ``itertools.product``
        order; otherwise ``drawn`` holds B random vectors.
    reps, n_clusters
        B and G.
    """

    name: str
    enumerated: bool
    reps: int
    n_clusters: int
    values: np.ndarray
    drawn: np.ndarray | None = None
    _kept: list | None = None

    def chunks(self, elements: int = CHUNK_ELEMENTS):
        """The weight matrix in row blocks of at most ``elements`` weights."""
        G = self.n_clusters
        rows = max(1, elements // max(G, 1))
        if (self.drawn is None and elements == CHUNK_ELEMENTS
                and self.reps * G <= KEEP_ELEMENTS):
            if self._kept is None:           # small enough: make the chunks once
                self._kept = list(self._enumerate(rows))
            yield from self._kept
            return
        if self.drawn is not None:
            for start in range(0, self.reps, rows):
                yield self.drawn[start:start + rows]
            return
        yield from self._enumerate(rows)

    def _enumerate(self, rows: int):
        G = self.n_clusters
        base = len(self.values)
        powers = base ** np.arange(G - 1, -1, -1, dtype=np.int64)   # first cluster slowest
        for start in range(0, self.reps, rows):
            idx = np.arange(start, min(start + rows, self.reps), dtype=np.int64)
            yield self.values[(idx[:, None] // powers[None, :]) % base]

    def matrix(self) -> np.ndarray:
        """The whole B x G matrix (for small B x G only)."""
        return self.drawn if self.drawn is not None else np.concatenate(list(self.chunks()))


def wild_weights(n_clusters: int, reps: int, weights: str = "auto",
                 seed: int | np.random.Generator | None = None,
                 full_enumeration: bool | None = None) -> WildWeights:
    """The wild weights for G clusters: enumerated when that is feasible, else ``reps`` draws.

    Parameters
    ----------
    n_clusters, reps
        G and B (B is ignored when the weights are enumerated).
    weights
        ``"rademacher"``, ``"webb"`` or ``"auto"`` (Webb when G < 12, else Rademacher).
    seed
        Seed or Generator (unused when enumerated).
    full_enumeration
        Enumerate every vector. ``None``: Webb when G <= :data:`WEBB_ENUMERATE_MAX_G`,
        Rademacher when 2^G <= ``reps``.
    """
    if weights == "auto":
        weights = "webb" if n_clusters < 12 else "rademacher"
    if weights not in ("rademacher", "webb"):
        raise ValueError(f"weights must be 'rademacher', 'webb' or 'auto', not {weights!r}")
    values = WEBB if weights == "webb" else RADEMACHER
    if full_enumeration is None:
        full_enumeration = (n_clusters <= WEBB_ENUMERATE_MAX_G if weights == "webb"
                            else 2 ** n_clusters <= reps)
    if full_enumeration:
        return WildWeights(weights, True, len(values) ** n_clusters, n_clusters, values)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if weights == "rademacher":
        drawn = rng.integers(0, 2, size=(reps, n_clusters)) * 2.0 - 1.0
    else:
        drawn = WEBB[rng.integers(0, 6, size=(reps, n_clusters))]
    return WildWeights(weights, False, reps, n_clusters, values, drawn)


def weight_matrix(n_clusters: int, reps: int, weights: str = "auto",
                  seed: int | np.random.Generator | None = None,
                  full_enumeration: bool | None = None) -> tuple[np.ndarray, str, bool]:
    """The B x G matrix of wild weights as one array (see :func:`wild_weights`).

    Returns
    -------
    (matrix, weights name, enumerated)
    """
    w = wild_weights(n_clusters, reps, weights, seed, full_enumeration)
    return w.matrix(), w.name, w.enumerated


class _WildEngine:
    """Cluster-level quantities that make p(r) cheap for every null value r."""

    def __init__(self, X, y, cluster, j: int, se_type: str, weights_arr=None):
        fit = ols_cluster(X, y, cluster=cluster, weights=weights_arr, se_type=se_type)
        self.fit = fit
        Xw, M = fit._X, fit._M
        sw = np.sqrt(np.ones(len(y)) if weights_arr is None else np.asarray(weights_arr, float))
        yw = np.asarray(y, float) * sw
        n, k = Xw.shape
        G = fit.n_clusters
        c = np.zeros(k)
        c[j] = 1.0
        self.est = float(fit.coef[j])
        self.se = float(np.sqrt(fit.vcov[j, j]))
        # restricted residuals u(r) = u0 - r u1 (column j removed, y - r x_j)
        X0 = np.delete(Xw, j, axis=1)
        P0 = np.linalg.pinv(X0)
        u0 = yw - X0 @ (P0 @ yw)
        u1 = Xw[:, j] - X0 @ (P0 @ Xw[:, j])
        Mc = M @ c
        S0, S1 = np.empty((G, k)), np.empty((G, k))
        d0, d1 = np.empty(G), np.empty(G)
        P = np.empty((G, k))
        for b in fit._batches:  # clusters of equal size together
            Xg, g, v0, v1 = Xw[b.rows], b.gids, u0[b.rows], u1[b.rows]
            S0[g], S1[g] = np.einsum("msk,ms->mk", Xg, v0), np.einsum("msk,ms->mk", Xg, v1)
            a = b.apply(Xg @ Mc)  # c'M X_g' A_g as a vector (A_g symmetric)
            d0[g], d1[g] = np.einsum("ms,ms->m", a, v0), np.einsum("ms,ms->m", a, v1)
            P[g] = np.einsum("ms,msk->mk", a, Xg)
        self.a0, self.a1 = S0 @ Mc, S1 @ Mc          # numerator: (a0 - r a1)' v
        PM = P @ M
        self.K0 = np.diag(d0) - PM @ S0.T              # scores: (K0 - r K1) v
        self.K1 = np.diag(d1) - PM @ S1.T
        factor = 1.0
        if se_type == "CR1":
            rank = np.linalg.matrix_rank(Xw)
            factor = (G / (G - 1)) * ((n - 1) / (n - rank))
        self.factor = factor
        self.G = G

    def replicates(self, W: "WildWeights | np.ndarray") -> np.ndarray:
        """Per replicate the five numbers that give its t-statistic at every null value r.

        With ``V`` the replicate's weights, its numerator is ``n0 - r n1`` (``n0 = V a0``,
        ``n1 = V a1``) and its scores ``s0 - r s1`` (``s0 = V K0'``, ``s1 = V K1'``), so its
        variance is ``factor (q00 - 2 r q01 + r^2 q11)`` with ``q00 = s0's0``, ``q01 = s0's1``,
        ``q11 = s1's1``. The B x G x G products are made once, chunk by chunk; every p(r) after
        that is O(B). Returns a 5 x B array (n0, n1, q00, q01, q11), kept for the weights ``W``.
        """
        if isinstance(W, np.ndarray):
            W = WildWeights("given", False, len(W), W.shape[1], np.empty(0), W)
        cache = self.__dict__.setdefault("_replicates", {})
        if id(W) in cache and cache[id(W)][0] is W:
            return cache[id(W)][1]
        out = np.empty((5, W.reps))
        K0, K1 = self.K0.T, self.K1.T
        start = 0
        for V in W.chunks():
            stop = start + len(V)
            s0, s1 = V @ K0, V @ K1                     # B_chunk x G each
            out[0, start:stop], out[1, start:stop] = V @ self.a0, V @ self.a1
            out[2, start:stop] = np.einsum("bg,bg->b", s0, s0)
            out[3, start:stop] = np.einsum("bg,bg->b", s0, s1)
            out[4, start:stop] = np.einsum("bg,bg->b", s1, s1)
            start = stop
        cache[id(W)] = (W, out)
        return out

    def pvalue(self, r: float, W: "WildWeights | np.ndarray") -> float:
        """Symmetric bootstrap p-value of H0: beta_j = r with weights W (B x G).

        The share of replicates with ``|t*(r)| >= |t(r)|`` (a relative tolerance of 1e-12 keeps
        exact ties), from the per-replicate numbers of :meth:`replicates`.
        """
        n0, n1, q00, q01, q11 = self.replicates(W)
        t_obs = (self.est - r) / self.se
        tol = 1e-12 * max(1.0, abs(t_obs))
        num = n0 - r * n1
        var = self.factor * np.maximum(q00 - 2.0 * r * q01 + r * r * q11, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = num / np.sqrt(var)
        return int(np.count_nonzero(np.abs(t_star) >= abs(t_obs) - tol)) / len(n0)


def wild_cluster_bootstrap(X: np.ndarray | pd.DataFrame, y: np.ndarray | pd.Series,
                           cluster: object, coef: int | str, *, reps: int = 999,
                           weights: str = "auto", se_type: str = "CR1",
                           confidence: float = 0.95, null: float = 0.0, ci: bool = True,
                           seed: int | np.random.Generator | None = None,
                           full_enumeration: bool | None = None,
                           reg_weights: np.ndarray | None = None) -> WildResult:
    """Wild cluster bootstrap (null imposed) p-value and test-inversion interval.

    Parameters
    ----------
    X, y
        Design (with intercept) and outcome.
    cluster
        Cluster ids, one per row.
    coef
        Index or name (DataFrame column) of the coefficient tested.
    reps
        Bootstrap replicates B (ignored when the weights are enumerated).
    weights
        ``"auto"`` (Webb when G < 12, else Rademacher), ``"rademacher"`` or ``"webb"``.
    se_type
        Standard error of the bootstrapped t: ``"CR1"`` (default) or ``"CR2"``.
    confidence
        Interval coverage.
    null
        The value tested for the p-value.
    ci
        Whether to invert the test for an interval.
    seed
        Seed or Generator (weights are drawn once and reused for every null value).
    full_enumeration
        See :func:`weight_matrix`.
    reg_weights
        Optional regression (WLS) weights.

    Returns
    -------
    WildResult
    """
    if se_type not in ("CR1", "CR2"):
        raise ValueError("se_type must be 'CR1' or 'CR2'")
    j = list(X.columns).index(coef) if isinstance(coef, str) else int(coef)
    eng = _WildEngine(X, y, cluster, j, se_type, reg_weights)
    G = eng.G
    nan = float("nan")
    if G < 2 or not np.isfinite(eng.se) or eng.se <= 0:
        return WildResult(eng.est, nan, nan, nan, nan, weights, 0, False, se_type, G,
                          confidence)
    V = wild_weights(G, reps, weights, seed, full_enumeration)
    p = eng.pvalue(null, V)
    lo = hi = nan
    if ci:
        alpha = 1 - confidence
        lo = _invert(eng, V, alpha, -1)
        hi = _invert(eng, V, alpha, +1)
    return WildResult(eng.est, (eng.est - null) / eng.se, p, lo, hi, V.name, V.reps,
                      V.enumerated, se_type, G, confidence)


def _invert(eng: _WildEngine, V: WildWeights, alpha: float, side: int,
            max_iter: int = 60) -> float:
    """The end of the interval on one side: the boundary where p(r) drops to alpha."""
    inside = eng.est                      # p = 1 here (t = 0)
    step = eng.se
    outside = eng.est + side * step
    for _ in range(40):
        if eng.pvalue(outside, V) <= alpha:
            break
        inside, step = outside, step * 2
        outside = eng.est + side * step
    else:
        return float(side * np.inf)       # never rejected: unbounded (too few clusters)
    for _ in range(max_iter):
        mid = (inside + outside) / 2
        if eng.pvalue(mid, V) <= alpha:
            outside = mid
        else:
            inside = mid
        if abs(outside - inside) < 1e-4 * eng.se:  # p(r) is a step function
            break
    return float((inside + outside) / 2)
