"""The CR2 degrees of freedom of large samples (no N x G matrix) equal the written-out form."""
from __future__ import annotations

import numpy as np
import pytest

from hb_eval.stats import cr2


@pytest.mark.parametrize("n, G, weighted", [(300, 30, False), (2000, 120, True),
                                            (500, 500, False), (400, 400, True)])
def test_large_sample_df_equals_the_dense_form(n, G, weighted):
    rng = np.random.default_rng(n + G)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = rng.normal(size=n)
    cl = rng.integers(0, G, n)
    w = rng.random(n) + 0.5 if weighted else None
    fit = cr2.ols_cluster(X, y, cluster=cl, weights=w, se_type="CR2")
    for j in range(3):
        c = np.zeros(3)
        c[j] = 1.0
        assert fit._df_large(fit._M @ c) == pytest.approx(fit.df(j), rel=1e-12)


def test_large_samples_take_the_large_sample_form(monkeypatch):
    rng = np.random.default_rng(1)
    n, G = 400, 40
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    fit = cr2.ols_cluster(X, rng.normal(size=n), cluster=rng.integers(0, G, n), se_type="CR2")
    dense = fit.df(1)
    monkeypatch.setattr(cr2, "DF_DENSE_UP_TO", n * G - 1)
    assert fit.df(1) == pytest.approx(dense, rel=1e-12)
