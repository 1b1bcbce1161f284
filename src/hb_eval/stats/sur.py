"""Batched weighted least squares: many weight vectors (bootstrap counts) at once.

For a system of equations with identical regressors, SUR's feasible GLS coefficients equal
equation-by-equation OLS (Zellner 1962); so a bootstrap of SUR is a batch of weighted least
squares fits, computed here as batched normal equations (B × p × p). The test suite checks the
identity against :class:`linearmodels.system.SUR`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["batched_wls"]


def batched_wls(X: np.ndarray, Y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted least squares for many weight vectors at once.

    Parameters
    ----------
    X
        n × p regressors.
    Y
        n × q outcomes (one column per equation).
    W
        b × n weights (bootstrap counts).

    Returns
    -------
    ndarray
        b × p × q coefficients; a replicate whose XᵀWX is singular (e.g. a pilot absent from
        it) gets the minimum-norm solution of the pseudo-inverse.
    """
    n, p = X.shape
    XX = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    A = (W @ XX).reshape(-1, p, p)                                   # b × p × p
    rhs = np.stack([W @ (X * Y[:, [k]]) for k in range(Y.shape[1])], axis=-1)  # b × p × q
    try:
        return np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(A) @ rhs
