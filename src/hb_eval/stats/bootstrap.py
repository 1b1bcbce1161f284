"""Vectorised non-parametric bootstrap of per-stratum means, and its intervals.

Every statistic of the cost-effectiveness analysis (ΔC, ΔE, NMB(λ), the ICER) is a function of
the per-arm means of the per-client values (total cost, change in score), and the adjusted (SUR)
analysis of per-replicate weighted sums. So the bootstrap draws each replicate as multinomial
resampling *counts* per stratum and computes the replicate sums of any number of columns as one
matrix product, counts × values — in chunks of replicates so that memory stays bounded — and
never loops over replicates. The strata run in a small thread pool (numpy releases the GIL while
drawing and multiplying).

* :func:`stratified_sums` — resample units with replacement within each stratum (arm): the
  replicate sums of every column, from one draw of counts.
* :func:`stratified_means` — the same, over the stratum's size.
* :func:`cluster_means` — two-stage: clusters (workers) with replacement within each stratum,
  then clients with replacement within each drawn cluster; the replicate mean is the mean over
  all drawn clients.
* :func:`stratified_counts` — client resampling within strata as a B × n matrix of counts
  (weights), drawn from one stream (not the replicates of :func:`stratified_sums`).
* :func:`jackknife_means` — delete-one (client, or cluster) means per stratum in closed form,
  for the BCa acceleration.
* :func:`percentile_interval`, :func:`bca_interval` — vectorised over extra dimensions.

Each stratum draws from its own random stream, spawned from the seed (``Generator.spawn``), and
draws its chunks in order. So the replicates depend only on the seed, the data's shape and ``B``
(chunk sizes are a function of the shape), not on the number of threads or their scheduling: a
fixed seed gives identical replicates. (Before issue 23 the client bootstrap gathered the drawn
units' values, drawn otherwise; a seed now gives other replicates than before, equal in
distribution.)
"""
from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from ..errors import HbEvalError

Progress = Callable[[int, int], None]
#: Elements of one chunk of the cluster bootstrap's draws (512 kB of intp, one per thread):
#: bounds memory for large n, and keeps the temporaries in cache.
CHUNK_ELEMENTS = 1 << 16
#: Replicates × units of one chunk of resampling counts (:func:`stratified_sums`): about
#: 3 × 16 MB of temporaries per thread; large, so that the matrix product reads the values
#: once for many replicates.
COUNT_CHUNK_ELEMENTS = 1 << 21
#: Threads for the strata: None for one per available CPU; never more than the strata. The
#: results do not depend on it.
THREADS: int | None = None
#: Replicates × units below which the strata run in the calling thread (starting a pool costs
#: about 0.3 ms; measured break-even near 2^18 at n = 600).
MIN_THREADED_ELEMENTS = 1 << 18


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from a seed, or the Generator itself."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise HbEvalError("a seed or a numpy Generator is required (no global random state)")
    return np.random.default_rng(seed)


def stderr_progress(label: str = "bootstrap") -> Progress:
    """A progress callback writing ``label: done/total`` to stderr."""
    def report(done: int, total: int) -> None:
        sys.stderr.write(f"\r{label}: {done}/{total} replicates")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return report


def _progress(progress: Progress | bool | None, label: str) -> Progress | None:
    if progress is True:
        return stderr_progress(label)
    return progress or None


def _codes(strata: Any) -> tuple[np.ndarray, int]:
    codes = np.asarray(strata)
    if codes.dtype.kind not in "iu":
        _, codes = np.unique(codes, return_inverse=True)
    codes = codes.astype(np.intp)
    return codes, int(codes.max()) + 1 if codes.size else 0


def _setup(values: np.ndarray, strata: Any, rng: int | np.random.Generator,
           progress: Progress | bool | None, label: str
           ) -> tuple[np.ndarray, np.ndarray, int, list[np.random.Generator], Progress | None]:
    """Values as n × k floats, stratum codes, their count, one Generator per stratum (spawned
    from ``rng``), the progress hook."""
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    codes, S = _codes(strata)
    return x, codes, S, as_rng(rng).spawn(S), _progress(progress, label)


def _chunks(B: int, width: int) -> list[tuple[int, int]]:
    step = max(1, CHUNK_ELEMENTS // max(1, width))
    return [(s, min(B, s + step)) for s in range(0, B, step)]


def _threads(S: int, elements: int) -> int:
    """Threads for ``S`` strata and ``elements`` replicates × units of work."""
    if S < 2 or elements < MIN_THREADED_ELEMENTS:
        return 1
    if THREADS is not None:
        return max(1, min(S, THREADS))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(S, cpus or 1))


def _run(task: Callable[[int, int, int], None], S: int, chunks: list[tuple[int, int]], B: int,
         prog: Progress | None, threads: int) -> None:
    """Call ``task(s, lo, hi)`` for every stratum and chunk, each stratum's chunks in order.

    With ``threads`` > 1 each stratum runs all its chunks in a pool thread (no barrier per
    chunk); progress is still reported from the calling thread, once a chunk is done in every
    stratum.
    """
    if threads <= 1:
        for lo, hi in chunks:
            for s in range(S):
                task(s, lo, hi)
            if prog:
                prog(hi, B)
        return
    done: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    stop = threading.Event()

    def stratum(s: int) -> None:
        try:
            for c, (lo, hi) in enumerate(chunks):
                if stop.is_set():
                    return
                task(s, lo, hi)
                if prog:
                    done.put(c)
        except BaseException:
            stop.set()
            raise
        finally:
            done.put(None)

    with ThreadPoolExecutor(threads, "hb_eval-bootstrap") as pool:
        futures = [pool.submit(stratum, s) for s in range(S)]
        try:
            running, finished, reported = S, [0] * len(chunks), 0
            while running:
                c = done.get()
                if c is None:
                    running -= 1
                    continue
                finished[c] += 1
                while reported < len(chunks) and finished[reported] == S:
                    reported += 1
                    if prog:
                        prog(chunks[reported - 1][1], B)
        finally:
            stop.set()
        for f in futures:
            f.result()


def stratified_means(values: np.ndarray, strata: Any, B: int,
                     rng: int | np.random.Generator,
                     progress: Progress | bool | None = None) -> np.ndarray:
    """Bootstrap replicate means per stratum, resampling units within each stratum.

    The replicate sums of :func:`stratified_sums` (multinomial count weights, with its seed
    contract) over the stratum's size.

    Parameters
    ----------
    values
        n × k array (one row per client: e.g. total cost and change in score).
    strata
        Length-n stratum labels or integer codes 0..S-1 (e.g. the arm).
    B
        Number of replicates.
    rng, progress
        As in :func:`stratified_sums` (seed contract there).

    Returns
    -------
    ndarray
        B × S × k replicate means.
    """
    sums = stratified_sums(values, strata, B, rng, progress)
    codes, S = _codes(strata)
    return sums / np.bincount(codes, minlength=S)[None, :, None]


def stratified_sums(values: np.ndarray, strata: Any, B: int, rng: int | np.random.Generator,
                    progress: Progress | bool | None = None) -> np.ndarray:
    """Bootstrap replicate sums per stratum, resampling units within each stratum, computed
    as multinomial count weights on the units' values.

    Replicate b of stratum s draws n_s units with replacement from the stratum's n_s units;
    unit i's count c_bi (how often it was drawn: the counts are multinomial) is its weight,
    and the replicate sum of a column v is Σ_i c_bi v_i. That is a matrix product of the
    b × n_s counts with the n_s × k values, so every column — and every statistic built from
    column sums: means, the normal equations of a regression — comes from the same resamples
    at the cost of one draw. Each distinct column is multiplied once.

    Parameters
    ----------
    values
        n × k array (one row per unit).
    strata
        Length-n stratum labels or integer codes 0..S-1 (e.g. the arm).
    B
        Number of replicates.
    rng
        Seed or Generator. **Seed contract**: stratum s (codes in the sorted order of the
        labels) draws from the s-th Generator of ``rng.spawn(S)`` (which leaves a Generator's
        own stream where it is), chunk after chunk of replicates in order,
        ``integers(0, n_s, size=(b, n_s))`` for a chunk of b replicates, row r holding
        replicate r's draws; a unit's count is how often its position within the stratum (the
        units in their order) is drawn. The chunk sizes depend only on B and the largest
        stratum (:data:`COUNT_CHUNK_ELEMENTS`). So the replicates depend only on the seed, B
        and the strata's sizes: not on the values, the number of columns or the number of
        threads (:data:`THREADS`).
    progress
        Callback ``(done, total)``, True for a line on stderr, or None. Called from the calling
        thread after each chunk of replicates.

    Returns
    -------
    ndarray
        B × S × k replicate sums.
    """
    x, codes, S, gens, prog = _setup(values, strata, rng, progress, "bootstrap")
    if any(not (codes == s).any() for s in range(S)):
        raise HbEvalError("a stratum of the bootstrap has no units")
    # each distinct column once (a constant, a dummy and its square are one column), found
    # by the columns' bytes (np.unique(axis=1) compares n-field records: slow for large n)
    first: dict[bytes, int] = {}
    keep: list[int] = []
    back = np.empty(x.shape[1], dtype=np.intp)
    for j in range(x.shape[1]):
        key = np.ascontiguousarray(x[:, j]).tobytes()
        if key not in first:
            first[key] = len(keep)
            keep.append(j)
        back[j] = first[key]
    distinct = x[:, keep]
    blocks = [np.ascontiguousarray(distinct[codes == s]) for s in range(S)]
    sums = np.empty((S, B, distinct.shape[1]))
    width = max(len(v) for v in blocks)
    step = max(1, COUNT_CHUNK_ELEMENTS // width)
    chunks = [(lo, min(B, lo + step)) for lo in range(0, B, step)]

    def task(s: int, lo: int, hi: int) -> None:
        v = blocks[s]
        b, n = hi - lo, len(v)
        draw = gens[s].integers(0, n, size=(b, n))
        draw += (np.arange(b) * n)[:, None]            # replicate r's units at r·n ... r·n + n-1
        counts = np.bincount(draw.ravel(), minlength=b * n).reshape(b, n)
        np.matmul(counts.astype(np.float64), v, out=sums[s, lo:hi])

    _run(task, S, chunks, B, prog, _threads(S, B * len(x)))
    return sums[:, :, back].transpose(1, 0, 2).copy()


def stratified_counts(strata: Any, B: int, rng: int | np.random.Generator) -> np.ndarray:
    """Resampling counts: B × n, each row drawing n_s units with replacement in stratum s.

    Row b, column i is how often unit i is in replicate b. Drawn from ``rng`` itself, stratum
    after stratum, in one thread: not the replicates :func:`stratified_means` draws for the same
    seed.
    """
    codes, S = _codes(strata)
    gen = as_rng(rng)
    n = len(codes)
    out = np.zeros((B, n), dtype=np.float64)
    for s in range(S):
        members = np.flatnonzero(codes == s)
        m = len(members)
        draw = gen.integers(0, m, size=(B, m))
        # counts within the stratum (B × m), then into its columns: the strata are disjoint
        draw += (np.arange(B) * m)[:, None]
        counts = np.bincount(draw.ravel(), minlength=B * m).reshape(B, m)
        if m and members[-1] - members[0] == m - 1:  # contiguous: a slice, no scatter
            out[:, members[0]:members[0] + m] = counts
        else:
            out[:, members] = counts
    return out


def cluster_means(values: np.ndarray, strata: Any, clusters: Any, B: int,
                  rng: int | np.random.Generator,
                  progress: Progress | bool | None = None) -> np.ndarray:
    """Two-stage cluster bootstrap replicate means per stratum.

    Within each stratum: draw as many clusters as it has, with replacement; within each drawn
    cluster draw as many units as it has, with replacement. The replicate mean is the sum of the
    drawn units' values over the number of drawn units. Vectorised: the second stage draws a
    uniform number for each (replicate, drawn cluster, slot up to the largest cluster) and masks
    the slots beyond the drawn cluster's size.

    Parameters
    ----------
    values
        n × k array.
    strata
        Length-n stratum labels (the arm).
    clusters
        Length-n cluster labels (the worker); a cluster is taken within its stratum, so a
        worker with clients in both arms is two clusters.
    B
        Number of replicates.
    rng
        Seed or Generator; each stratum draws from its own stream spawned from it, as in
        :func:`stratified_means`.
    progress
        As in :func:`stratified_means`.

    Returns
    -------
    ndarray
        B × S × k replicate means.
    """
    x, codes, S, gens, prog = _setup(values, strata, rng, progress, "cluster bootstrap")
    out = np.empty((B, S, x.shape[1]))
    prepared = []
    for s in range(S):
        members = np.flatnonzero(codes == s)
        if len(members) == 0:
            raise HbEvalError("a stratum of the bootstrap has no units")
        _, cl = np.unique(np.asarray(clusters, dtype=object)[members].astype(str),
                          return_inverse=True)
        order = np.argsort(cl, kind="stable")
        sizes = np.bincount(cl)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        prepared.append((x[members][order], sizes, starts))
    width = max(len(p[1]) * int(p[1].max()) for p in prepared)

    def task(s: int, lo: int, hi: int) -> None:
        xs, sizes, starts = prepared[s]
        gen, b = gens[s], hi - lo
        G, m = len(sizes), int(sizes.max())
        c = gen.integers(0, G, size=(b, G))
        n_c = sizes[c]                                        # b × G
        u = gen.random((b, G, m))
        pos = starts[c][..., None] + np.floor(u * n_c[..., None]).astype(np.intp)
        mask = np.arange(m) < n_c[..., None]                  # b × G × m
        pos = np.where(mask, pos, 0)
        total = n_c.sum(axis=1)
        for j in range(xs.shape[1]):
            out[lo:hi, s, j] = (xs[:, j][pos] * mask).sum(axis=(1, 2)) / total

    _run(task, S, _chunks(B, width), B, prog, _threads(S, B * width * S))
    return out


def jackknife_means(values: np.ndarray, strata: Any, clusters: Any = None) -> np.ndarray:
    """Delete-one means per stratum, in closed form.

    Deleting unit (or cluster) i of stratum s changes only stratum s's mean to
    (sum_s − sum_i) / (n_s − n_i); the other strata keep their full means.

    Returns
    -------
    ndarray
        J × S × k: for each deleted unit (J = n), or each deleted cluster when ``clusters`` is
        given, the per-stratum means.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    codes, S = _codes(strata)
    full_sum = np.stack([x[codes == s].sum(axis=0) for s in range(S)])      # S × k
    full_n = np.bincount(codes, minlength=S).astype(float)                  # S
    if clusters is None:
        del_sum, del_n, del_s = x, np.ones(len(x)), codes
    else:
        key = np.char.add(codes.astype(str), np.char.add("|", np.asarray(clusters).astype(str)))
        uniq, inv = np.unique(key, return_inverse=True)
        del_sum = np.zeros((len(uniq), x.shape[1]))
        np.add.at(del_sum, inv, x)
        del_n = np.bincount(inv).astype(float)
        del_s = np.zeros(len(uniq), dtype=np.intp)
        del_s[inv] = codes
    J = len(del_n)
    means = np.broadcast_to(full_sum / full_n[:, None], (J, S, x.shape[1])).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        means[np.arange(J), del_s] = (full_sum[del_s] - del_sum) / (full_n[del_s] - del_n)[:, None]
    return means


def percentile_interval(reps: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0 (linear interpolation between order statistics)."""
    a = (1 - level) / 2
    lo, hi = np.quantile(reps, [a, 1 - a], axis=0)
    return lo, hi


def bca_interval(theta_hat: np.ndarray | float, reps: np.ndarray, jack: np.ndarray,
                 level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated (BCa) interval (Efron 1987), vectorised.

    z0 = Φ⁻¹(share of replicates below the estimate, ties counted half), as in
    :func:`scipy.stats.bootstrap`; acceleration from the jackknife values
    a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 [Σ(θ̄ − θ₍ᵢ₎)²]^{3/2}).

    Parameters
    ----------
    theta_hat
        The estimate(s), shape ``reps.shape[1:]``.
    reps
        B × ... bootstrap replicates.
    jack
        J × ... jackknife values (delete-one estimates).
    level
        Confidence level.

    Returns
    -------
    (low, high)
        NaN where the replicates are all equal (z0 undefined).
    """
    reps = np.asarray(reps, dtype=float)
    th = np.asarray(theta_hat, dtype=float)
    B = reps.shape[0]
    below = (reps < th).sum(axis=0) + 0.5 * (reps == th).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ndtri(below / B)
        d = np.nanmean(jack, axis=0) - jack
        a = (d ** 3).sum(axis=0) / (6 * ((d ** 2).sum(axis=0)) ** 1.5)
    a = np.where(np.isfinite(a), a, 0.0)
    za = ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
    za = za.reshape((2,) + (1,) * th.ndim)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = ndtr(z0 + (z0 + za) / (1 - a * (z0 + za)))              # 2 × ...
    lo = np.full(th.shape, np.nan)
    hi = np.full(th.shape, np.nan)
    ok = np.isfinite(alpha).all(axis=0)
    if ok.any():
        flat = reps.reshape(B, -1)
        al = alpha.reshape(2, -1)
        okf = ok.reshape(-1)
        srt = np.sort(flat[:, okf], axis=0)
        pos = al[:, okf] * (B - 1)                                        # linear interpolation
        f = np.floor(pos).astype(int)
        c = np.minimum(f + 1, B - 1)
        cols = np.arange(srt.shape[1])
        val = srt[f, cols] + (pos - f) * (srt[c, cols] - srt[f, cols])
        lo.reshape(-1)[okf], hi.reshape(-1)[okf] = val[0], val[1]
    return lo, hi
