"""One BLAS thread while the analyses run, so that their numbers do not depend on the machine.

Multi-threaded BLAS splits a sum over as many threads as the machine has cores, and the
order of a floating-point sum changes its last bits. Most estimators never show that, but an
iterative one can carry it into printed digits: the mixed model's REML optimum, the doubly
robust DiD's logit, and above all the chained equations of multiple imputation, where a last-bit
change can pick another donor and move the pooled standard error in its fourth digit (measured
on 20,000 clients: one BLAS thread against two). :func:`hb_eval.evaluate` therefore runs every
analysis with one BLAS thread; the cost at 20,000 clients was about 2.5 s of 46 s.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["one_blas_thread"]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS (OpenBLAS, MKL, ...) limited to one thread.

    Use it around analyses called one by one in a notebook to get the numbers
    :func:`hb_eval.evaluate` gives on any machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
