"""The run's last check of its inputs, split so that its cost is paid beside the figures.

A report must describe the bytes analysed: before the output folder is committed every input
is hashed again (``Dataset.check_inputs_unchanged``, 16,410 files at 100,000 clients). That
hashing now runs beside the figures (:func:`hashed`), which first notes each file's
``os.stat`` identity: device, inode, size, modification and change time. Right before the
commit :func:`confirm` compares the files' identities again (a stat per file, no reading) and
hashes everything again when any differs: a file rewritten after it was hashed has another
change time (``st_ctime``, which no program can set back). The one limit is the file system's
clock: a rewrite keeping the size within the same timestamp tick as the hash (a few
milliseconds on kernels with coarse timestamps) keeps the identity too.
"""
from __future__ import annotations

import os
from typing import Any

from ..errors import InputChangedError

__all__ = ["hashed", "confirm"]


def _identities(paths: list[str]) -> list[tuple[int, ...] | None]:
    out: list[tuple[int, ...] | None] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append(None)
            continue
        out.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return out


def _paths(dataset: Any) -> list[str]:
    return list(dict.fromkeys(r.path for r in getattr(dataset, "inputs_read", ())))


def hashed(dataset: Any) -> tuple[str, str | None] | list[tuple[int, ...] | None]:
    """Every input hashed again (``dataset.check_inputs_unchanged()``), with the files'
    identities noted before: the identities, or the reason and file of the error (an error
    object does not survive the way back from the other process)."""
    check = getattr(dataset, "check_inputs_unchanged", None)
    before = _identities(_paths(dataset))
    try:
        if check is not None:
            check()
    except InputChangedError as exc:
        return exc.reason, exc.location.file
    return before


def confirm(dataset: Any, result: tuple[str, str | None] | list[tuple[int, ...] | None]
            ) -> None:
    """Raise :class:`~hb_eval.errors.InputChangedError` for the error :func:`hashed` met, or
    for any file whose identity changed since (hashing them all again, to name it)."""
    if isinstance(result, tuple):
        reason, file = result
        raise InputChangedError(reason, file=file)
    check = getattr(dataset, "check_inputs_unchanged", None)
    if check is not None and _identities(_paths(dataset)) != result:
        check()
