"""The closed-form nested REML fit (large evaluations) against statsmodels' MixedLM on the same
model, and against planted variance components."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hb_eval.outcomes import mixed
from hb_eval.stats.mixed_nested import fit_nested_reml
from hb_eval.outcomes.scores import long_frame, score_all


def _design(long):
    d = long[long["score"].notna()]
    hb = (d["arm"].astype(str) == "HB").to_numpy(float)
    w = d["wave"].astype(str)
    vali, lop = (w == "väli").to_numpy(float), (w == "loppu").to_numpy(float)
    X = np.column_stack([np.ones(len(d)), hb, vali, lop, hb * vali, hb * lop])
    return X, d["score"].to_numpy(float), d["client_id"].to_numpy(), d["worker"].to_numpy()


@pytest.mark.parametrize("outcome", ["kykyviisari_total", "kykyviisari_skills"])
def test_closed_form_equals_statsmodels_on_the_demo(demo_dataset, outcome):
    scores = score_all(demo_dataset)
    long = long_frame(scores, demo_dataset.clients, outcome)
    sm = mixed.mixed_did(long).iloc[0]          # 343 clients: statsmodels' MixedLM
    assert sm["fit"] == "statsmodels_mixedlm"
    res = fit_nested_reml(*_design(long))
    assert res.converged
    # statsmodels' side reports the boundary optimum when a variance is at 0 (singular fit),
    # the closed form stops near it on the flat ridge: equal to 1e-4
    assert res.params[5] == pytest.approx(sm["estimate"], rel=1e-4)
    assert res.bse[5] == pytest.approx(sm["se"], rel=1e-4)
    # where the worker variance is at 0 the two optimisers stop at different points of the
    # flat ridge (statsmodels' side reports the boundary fit): the client variance to 5e-3
    assert res.var_client == pytest.approx(sm["var_client"], rel=5e-3)
    assert res.var_residual == pytest.approx(sm["var_residual"], rel=1e-3)
    # both at or next to the boundary: statsmodels' side reports the singular fit (worker
    # variance 0), the closed form stops just inside it on the flat ridge
    assert res.var_worker <= sm["var_worker"] + 1e-2


def test_closed_form_recovers_planted_components_and_is_used_at_scale():
    rng = np.random.default_rng(7)
    n_w, per_w = 120, 25
    worker = np.repeat(np.arange(n_w), per_w)                  # 3000 clients
    client = np.arange(n_w * per_w)
    hb = (rng.random(len(client)) < 0.5).astype(float)
    u_w = rng.normal(0, 0.5, n_w)[worker]
    u_c = rng.normal(0, 1.0, len(client))
    rows = []
    for wave, t in (("alku", 0.0), ("väli", 0.5), ("loppu", 1.0)):
        keep = rng.random(len(client)) < (1.0 if wave == "alku" else 0.8)
        y = (5 + 0.3 * t + 0.7 * hb * (wave == "loppu") + 0.35 * hb * (wave == "väli")
             + u_w + u_c + rng.normal(0, 0.6, len(client)))
        rows.append(pd.DataFrame({"client_id": client.astype(str), "worker": worker.astype(str),
                                  "arm": np.where(hb > 0, "HB", "Verrokki"), "wave": wave,
                                  "score": y})[keep])
    long = pd.concat(rows, ignore_index=True)
    row = mixed.mixed_did(long).iloc[0]
    assert row["fit"] == "closed_form_reml" and bool(row["converged"])
    assert abs(row["estimate"] - 0.7) < 3 * row["se"]
    assert row["var_worker"] == pytest.approx(0.25, rel=0.35)
    assert row["var_client"] == pytest.approx(1.0, rel=0.1)
    assert row["var_residual"] == pytest.approx(0.36, rel=0.1)
    assert row["n_HB"] + row["n_Verrokki"] == 3000 and row["n_clusters"] == 120


def test_reml_parts_by_client_size_equal_the_dense_covariance():
    """The sums per client size give X'H^-1 X, X'H^-1 y, y'H^-1 y and log|H| of the dense H."""
    from hb_eval.stats import mixed_nested as mn

    rng = np.random.default_rng(3)
    n_c, n_w = 40, 7
    w_of_c = rng.integers(0, n_w, n_c)
    w_of_c[:n_w] = np.arange(n_w)
    n_i = rng.choice([1, 2, 2, 3, 5], size=n_c)               # unbalanced clients
    client = np.repeat(np.arange(n_c), n_i)
    n = len(client)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = rng.normal(size=n)
    tc, tw = 0.7, 0.3
    Zc = (client[:, None] == np.arange(n_c)).astype(float)
    Zw = (w_of_c[client][:, None] == np.arange(n_w)).astype(float)
    H = np.eye(n) + tc * Zc @ Zc.T + tw * Zw @ Zw.T
    Hi = np.linalg.inv(H)
    XVX, XVy, yVy, logdet = mn._parts(np.array([tc, tw]), mn._sums(X, y, client, w_of_c))
    np.testing.assert_allclose(XVX, X.T @ Hi @ X, rtol=1e-10)
    np.testing.assert_allclose(XVy, X.T @ Hi @ y, rtol=1e-10)
    assert yVy == pytest.approx(y @ Hi @ y, rel=1e-10)
    assert logdet == pytest.approx(np.linalg.slogdet(H)[1], rel=1e-10)


def test_text_codes_of_sorted_runs_equal_numpy_unique():
    """The run codes of ids sorted as text (a long frame sorted by client) are numpy's codes of
    the ids as text; unsorted ids, missing ones and non-texts take the hashing path."""
    from hb_eval.stats.mixed_nested import _sorted_text_runs, text_codes

    rng = np.random.default_rng(3)
    for t in range(60):
        ids = np.array([f"c{v}" for v in rng.integers(0, 25, size=rng.integers(2, 40))],
                       dtype=object)
        if t % 2:
            ids = np.sort(ids)
            assert _sorted_text_runs(ids) is not None
        ref = np.unique(ids.astype(str), return_inverse=True)[1].reshape(-1)
        np.testing.assert_array_equal(text_codes(ids), ref)
    odd = np.array(sorted(["ä", "a", "Z", "b", "å", "aa", "a"]), dtype=object)
    np.testing.assert_array_equal(text_codes(odd), [0, 1, 1, 2, 3, 4, 5])
    assert _sorted_text_runs(np.array(["b", "a"], dtype=object)) is None
    assert _sorted_text_runs(np.array(["a", None], dtype=object)) is None
    assert _sorted_text_runs(np.array([1, 2], dtype=object)) is None


def test_given_client_codes_are_used_as_made():
    """Codes passed in (as outcomes.mixed does) give the fit the labels give; other codes (each
    worker's clients as one) another fit; codes of the wrong length are refused."""
    from hb_eval.stats.mixed_nested import text_codes

    rng = np.random.default_rng(11)
    worker = np.repeat(np.arange(12), 8)
    client = np.array([f"k{i}" for i in range(len(worker))], dtype=object)
    obs = np.repeat(np.arange(len(client)), 3)
    X = np.column_stack([np.ones(len(obs)), rng.random(len(obs)) < 0.5])
    y = rng.normal(size=len(obs)) + rng.normal(size=len(client))[obs]
    lab, wk = client[obs], worker[obs].astype(str)
    own = fit_nested_reml(X, y, lab, wk)
    given = fit_nested_reml(X, y, lab, wk, client_codes=text_codes(lab))
    np.testing.assert_array_equal(given.params, own.params)
    assert (given.var_client, given.reml_loglik) == (own.var_client, own.reml_loglik)
    merged = fit_nested_reml(X, y, lab, wk, client_codes=worker[obs])
    assert merged.reml_loglik != own.reml_loglik
    with pytest.raises(ValueError, match="one code per observation"):
        fit_nested_reml(X, y, lab, wk, client_codes=text_codes(lab)[1:])
