"""Hash what is read: an input file is read once into memory, its SHA-256 computed from those
very bytes, and the parsers work on the same bytes.

:func:`read_input` returns the bytes and an :class:`InputRead` record (path, SHA-256, size and
modification time at the moment of reading). :func:`check_unchanged` re-checks records at the
end of a run: a file that changed since it was read (or was read twice with different bytes)
fails the run with one line naming it, so that a manifest never pairs one file's hash with
another file's row counts.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputChangedError, InputError
from .guard import check_file, open_fault

__all__ = ["InputRead", "read_input", "sha256_bytes", "check_unchanged"]


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class InputRead:
    """One read of an input file: ``path`` (absolute), ``shown`` (as named in messages),
    ``sha256`` of the bytes read, ``size`` and ``mtime_ns`` when read."""

    path: str
    shown: str
    sha256: str
    size: int
    mtime_ns: int


def read_input(path: str | Path, *, file: str | None = None) -> tuple[bytes, InputRead]:
    """Read a whole input file once; returns ``(bytes, InputRead)``.

    Raises
    ------
    InputError
        When the file cannot be read (one line naming it and the fault).
    """
    p = path if isinstance(path, Path) else Path(path)
    shown = file if file is not None else str(p)
    check_file(p, shown)  # a link loop, a pipe, a file too large: one line, nothing read
    try:
        with open(p, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read the file ({open_fault(exc, p)})", file=shown,
                         code="unreadable") from None
    return data, InputRead(os.path.abspath(p), shown, sha256_bytes(data), len(data),
                           st.st_mtime_ns)


def check_unchanged(reads: Iterable[InputRead]) -> None:
    """Fail when an input file changed after it was read.

    Every file is hashed again (a rewrite may keep the size and the time). A file read twice
    with different bytes counts as changed too.

    Raises
    ------
    InputChangedError
        Naming the first file that changed, was removed, or was read with different bytes.
    """
    first: dict[str, InputRead] = {}
    for r in reads:
        seen = first.setdefault(r.path, r)
        if seen.sha256 != r.sha256:
            raise InputChangedError("the file changed while the run was reading it (it was read "
                                    "twice with different contents); nothing was written: "
                                    "run again when the file is no longer being written",
                                    file=r.shown)
    for r in first.values():
        try:
            with open(r.path, "rb") as fh:
                now = sha256_bytes(fh.read())
        except OSError:
            now = None
        if now != r.sha256:
            what = "was removed" if now is None else "changed"
            raise InputChangedError(f"the file {what} during the run (its SHA-256 differs from "
                                    "the bytes analysed); nothing was written: run again",
                                    file=r.shown)
