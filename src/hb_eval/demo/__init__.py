"""The demo evaluation: ``simulate()`` (tidy truth with planted values) and ``write_demo()``
(the same data as messy raw files, ``evaluation.yaml`` and ``planted.json``)."""
from __future__ import annotations

from .simulate import DemoTruth, simulate

__all__ = ["DemoTruth", "simulate", "write_demo", "cli_demo"]


def write_demo(dir, seed: int = 20190331, n_clients: int = 360, truth: DemoTruth | None = None,  # noqa: A002
               *, clients: int | None = None):
    """Write the demo evaluation into ``dir`` and return the path of its ``evaluation.yaml``.

    See :func:`hb_eval.demo.write.write_demo` (imported lazily: ``simulate`` needs no openpyxl);
    ``clients``: about that many consenting clients, for scale tests.
    """
    from .write import write_demo as _w

    return _w(dir, seed=seed, n_clients=n_clients, truth=truth, clients=clients)


def cli_demo(args) -> int:
    """``hb-eval demo DIR [--seed N] [--n-clients N]``; see :func:`hb_eval.demo.write.cli_demo`."""
    from .write import cli_demo as _c

    return _c(args)
