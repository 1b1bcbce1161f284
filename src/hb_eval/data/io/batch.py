"""Reading many small files of one source: each file's read (cells, header, data rows, SHA-256)
is independent, so a process pool can do it on every core; the caller parses the rows of all
files together.

The results are those of a one-by-one read in the order of ``paths`` whatever the number of
workers (each file is read by the same function; the pool only changes where).
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...support.cores import fork_pool, usable_cores
from .cell_errors import cell_errors, may_hold_errors
from .grid import find_header_row, gc_paused, split_rows

__all__ = ["FileRows", "read_many", "start_reads", "PendingReads", "GridsAhead",
           "POOL_FROM", "PARSE_FROM", "default_workers"]

#: Below this many files the pool costs more than it saves (its start, and sending each file's
#: cells back: measured on 2 cores, 200 diaries read in 0.3 s in this process and 0.45 s with
#: the pool, 80 ms more CPU): read in this process.
POOL_FROM = 1000
#: From this many input files (every source) a load with fewer than :data:`POOL_FROM` diaries
#: forks a pool all the same, which parses whole files (each workbook, the diaries in one
#: task) while the loading process does the rest (hb_eval.data.dataset).
PARSE_FROM = 150
#: Files per task sent to a worker (amortises the inter-process round trip).
_CHUNK = 32
#: Files per task given to another's pool (the load's): a pool feeds its workers from a
#: thread of this process, which waits for the interpreter while this process runs long
#: pandas steps (the questionnaires' after-read steps at 100,000 clients); with tasks of 32
#: diaries (~15 ms) the workers stood idle then, with 128 they have work four times longer.
_SHARED_CHUNK = 128


@dataclass
class FileRows:
    """One file as read: header, metadata rows above it, data cells and their Excel rows.

    Attributes
    ----------
    path, file
        The path read and the path as shown to a person.
    sheet
        The sheet read (None for CSV).
    sha256
        Hex SHA-256 of the file's bytes.
    header
        Header cell texts (``""`` for an empty cell), one per column of ``body``.
    header_row
        Excel row number of the header.
    meta
        The rows above the header, each a list of its non-empty cell texts.
    body
        2-D object array of the data rows' cell texts (None when empty).
    rows
        Excel row numbers of the rows of ``body``.
    others
        The workbook's other sheets with data: (sheet name, rows, same header as the sheet
        read), from the same bytes (reported as ``unread_sheet`` by the caller).
    cell_errors
        ``(excel_row, column, what)`` of the data cells holding an Excel error value or a
        formula without a value (:func:`~hb_eval.data.io.cell_errors.cell_errors`), for the
        caller to quarantine as ``excel_error`` and empty in ``body``.
    extra
        What the caller's ``post`` function made of the file in the reading process (see
        :func:`read_many`), or the :class:`~hb_eval.errors.InputError` it raised.
    """

    path: Path
    file: str
    sheet: str | None
    sha256: str
    header: list[str]
    header_row: int
    body: np.ndarray
    rows: np.ndarray
    meta: list[list[str]] = field(default_factory=list)
    read: object = None  # the InputRead of the bytes parsed (hb_eval.data.io.snapshot)
    others: list[tuple[str, int, bool]] = field(default_factory=list)
    cell_errors: list[tuple[int, int, str]] = field(default_factory=list)
    extra: object = None


def default_workers() -> int:
    """The cores this process may use (at least 1)."""
    return usable_cores()


def _error_parts(exc: InputError) -> tuple[str, str, str | None, str | None, str]:
    loc = exc.location
    return ("InputError", exc.reason, loc.file, loc.sheet, getattr(exc, "code", "unusable"))


def _error_back(r: object) -> object:
    """An :class:`InputError` sent back from a reading process as its parts, rebuilt."""
    if isinstance(r, tuple) and r and r[0] == "InputError":
        return InputError(r[1], file=r[2], sheet=r[3], code=r[4])
    return r


def _read_one(path: Path, file: str, sheet: str | None, known: Sequence[str],
              min_hits: int, post: Callable[[FileRows], object] | None = None
              ) -> FileRows | tuple[str, str, str | None, str | None, str]:
    """Read one file; an :class:`InputError` comes back as its parts (it does not pickle)."""
    from . import read_grid
    from .snapshot import read_input
    from ..loaders.accounting import other_sheets

    try:
        data, read = read_input(path, file=file)  # one read: the bytes hashed are those parsed
        grid = read_grid(path, sheet, file=file, data=data)
        if grid.cells.shape[0] == 0:
            raise InputError("the file is empty", file=grid.file, sheet=grid.sheet, code="empty")
        at = find_header_row(grid, known, min_hits=min_hits)
        header, meta, body, rows = split_rows(grid, at)
        errors = cell_errors(path, grid.sheet, data, body, rows, texts=grid.texts)
        others = [(name, n, same is not None) for name, _, same, n
                  in other_sheets(path, file, grid.sheet, header, data=data,
                                  names=grid.sheets)]
        out = FileRows(path=path, file=file, sheet=grid.sheet, sha256=read.sha256,
                       header=header, header_row=int(grid.rows[at]), body=body,
                       rows=rows.astype(np.int64), meta=meta, read=read, others=others,
                       cell_errors=errors)
    except InputError as exc:
        return _error_parts(exc)
    if post is not None:
        try:
            out.extra = post(out)
        except InputError as exc:
            out.extra = _error_parts(exc)
    return out


def _read_chunk(args: list[tuple]) -> list:
    """Read files in a worker. Equal cell texts become one object, so the pickle sent back
    holds each distinct text once (a quarter of the unpickling in the parent)."""
    with gc_paused():  # small files, no reference cycles: the collector finds nothing
        out = [_read_one(*a) for a in args]
    memo: dict[str, str] = {}
    for r in out:
        if isinstance(r, FileRows) and r.body.size:
            flat = r.body.reshape(-1)
            r.body = np.fromiter((memo.setdefault(c, c) if c is not None else None
                                  for c in flat), dtype=object,
                                 count=flat.size).reshape(r.body.shape)
    return out


def read_many(paths: Sequence[str | Path], files: Sequence[str], known: Sequence[str], *,
              sheet: str | None = None, min_hits: int = 2, workers: int | None = None,
              post: Callable[[FileRows], object] | None = None,
              on_read: Callable[[int], None] | None = None
              ) -> list[FileRows | InputError]:
    """Read files into :class:`FileRows`, in the order given, with a process pool for many.

    Parameters
    ----------
    paths, files
        The files and how each is shown to a person.
    known
        Column spellings that identify the header row (:func:`~.grid.find_header_row`).
    sheet
        Sheet to read (None: the first; a workbook of one sheet is read whatever its name).
    min_hits
        Known columns the header row must name.
    workers
        Processes; None: one per available core when there are at least :data:`POOL_FROM`
        files and processes can be forked (Linux), else 1 (this process). The result does not
        depend on it.
    post
        A module-level function of a :class:`FileRows` run on each file read, in the reading
        process (per-file work that then needs no time in this one); its result, or the
        :class:`~hb_eval.errors.InputError` it raised, is the file's ``extra``.
    on_read
        Called in this process with the number of files read so far (in order), as they come
        in (a progress display).

    Returns
    -------
    list
        Per file its :class:`FileRows`, or the :class:`InputError` that made it unreadable.
    """
    return start_reads(paths, files, known, sheet=sheet, min_hits=min_hits, workers=workers,
                       post=post).collect(on_read=on_read)


def start_reads(paths: Sequence[str | Path], files: Sequence[str], known: Sequence[str], *,
                sheet: str | None = None, min_hits: int = 2, workers: int | None = None,
                post: Callable[[FileRows], object] | None = None,
                pool: ProcessPoolExecutor | None = None) -> "PendingReads":
    """:func:`read_many` started now and collected later (:meth:`PendingReads.collect`): with a
    pool the workers read while this process does other work (the load parses the
    questionnaires meanwhile); in this process (one worker) the files are read at collection.
    Same parameters as :func:`read_many`; ``pool``: a running pool (:func:`~hb_eval.support.cores.fork_pool`) to
    read with instead of one of their own."""
    known = list(known)
    args = [(p if isinstance(p, Path) else Path(p), f, sheet, known, min_hits, post)
            for p, f in zip(paths, files)]
    # only where processes can be forked (Linux): a spawned worker re-imports the caller's
    # script, which breaks scripts without an ``if __name__ == "__main__"`` guard
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers is None:
        workers = default_workers() if len(args) >= POOL_FROM and can_fork else 1
    workers = max(1, min(int(workers), -(-len(args) // _CHUNK) if args else 1))
    if pool is not None:
        return PendingReads(args, 1, can_fork, pool=pool)
    return PendingReads(args, workers, can_fork)


class PendingReads:
    """Files being read (:func:`start_reads`); :meth:`collect` gives them in order."""

    def __init__(self, args: list[tuple], workers: int, can_fork: bool,
                 pool: ProcessPoolExecutor | None = None) -> None:
        self.paths = [a[0] for a in args]
        self.files = [a[1] for a in args]
        self._args, self._pool, self._futures = args, None, None
        if pool is not None:  # another's pool: it is stopped by its owner
            self._futures = [pool.submit(_read_chunk, args[i:i + _SHARED_CHUNK])
                             for i in range(0, len(args), _SHARED_CHUNK)]
        elif workers > 1:
            self._pool = fork_pool(workers) if can_fork else ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            if self._pool is not None:  # (None: cannot fork here after all; read in turn)
                try:
                    self._futures = [self._pool.submit(_read_chunk, args[i:i + _CHUNK])
                                     for i in range(0, len(args), _CHUNK)]
                except BaseException:
                    self.close()
                    raise

    def collect(self, on_read: Callable[[int], None] | None = None
                ) -> list[FileRows | InputError]:
        """Per file (in the order given) its :class:`FileRows` or :class:`InputError`;
        ``on_read`` is called with the number of files read so far, as they come in."""
        out: list = []
        if self._futures is None:
            with gc_paused():
                for a in self._args:
                    out.append(_read_one(*a))
                    if on_read is not None and (len(out) % _CHUNK == 0
                                                or len(out) == len(self._args)):
                        on_read(len(out))
        else:
            try:
                for fut in self._futures:
                    out.extend(fut.result())
                    if on_read is not None:
                        on_read(len(out))
            finally:
                self.close()
        out = [_error_back(r) for r in out]
        for r in out:
            if isinstance(r, FileRows):
                r.extra = _error_back(r.extra)
        return out

    def close(self) -> None:
        """Stop the workers (unread files are not read); collecting afterwards is an error."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _grid_ahead(path: Path, sheet: str | None, file: str) -> tuple[str, object] | None:
    """A file's SHA-256 and :func:`~hb_eval.data.io.read_grid` of its bytes (a worker's
    part of :class:`GridsAhead`); None when it cannot be read (the loader then says why)."""
    from . import read_grid
    from .snapshot import read_input

    try:
        with gc_paused():
            data, read = read_input(path, file=file)
            grid = read_grid(path, sheet, file=file, data=data)
            # the sheet's cell-error pre-scan (inflating its XML) here, not in the loader
            grid.error_scan = {grid.sheet: may_hold_errors(path, grid.sheet, data)}
    except InputError:
        return None
    if grid.cells.size:  # equal texts as one object: each is pickled once
        memo: dict[str, str] = {}
        flat = grid.cells.reshape(-1)
        grid.cells = np.fromiter((memo.setdefault(c, c) if c is not None else None
                                  for c in flat), dtype=object,
                                 count=flat.size).reshape(grid.cells.shape)
    return read.sha256, grid


class GridsAhead:
    """Sheets read by a pool ahead of their loader (``LoadContext.ahead``): the loader reads
    the file's bytes itself and takes the grid read ahead only when it asks for the same
    sheet under the same name and the bytes have the same SHA-256, so the result is that of
    reading it then (else it reads the sheet itself).

    Parameters
    ----------
    pool
        A running pool (:func:`~hb_eval.support.cores.fork_pool`).
    items
        ``(path, sheet, file)`` to read, in the order wanted; ``file`` None: not read ahead.
    """

    def __init__(self, pool: ProcessPoolExecutor, items: Sequence[tuple[Path, str | None,
                                                                        str | None]]) -> None:
        self._futures: dict = {}
        self.add(pool, items)

    def add(self, pool: ProcessPoolExecutor, items: Sequence[tuple[Path, str | None,
                                                                   str | None]]) -> None:
        """Read these too (after the tasks already given to the pool)."""
        for p, sheet, file in items:
            if file is not None:
                self._futures[(Path(p), sheet, file)] = pool.submit(_grid_ahead, Path(p),
                                                                    sheet, file)

    def add_parsed(self, pool: ProcessPoolExecutor,
                   items: Sequence[tuple[Path, str | None]], parse: Callable, *args) -> None:
        """Files parsed whole by the pool: ``parse(path, file, *args)`` (a module-level
        function) runs in a worker and returns ``(sha256, result)``, or None when its result
        could differ from a parse in this process (the loader then parses the file itself);
        ``file`` None: not given to the pool."""
        for p, file in items:
            if file is not None:
                self._futures[(Path(p), None, file, "parsed")] = pool.submit(parse, Path(p), file,
                                                                       *args)

    def parsed(self, path: str | Path, file: str):
        """What :meth:`add_parsed`'s function made of ``path`` (named ``file``): ``(sha256 of
        the bytes it parsed, result)``, or None (no such task, a worker lost, or the function
        declined); the caller compares the SHA-256 with its own read of the file."""
        return self._done((Path(path), None, file, "parsed"))

    def take(self, path: str | Path, sheet: str | None, file: str, sha256: str):
        """The grid read ahead of ``path`` (its ``sheet``, named ``file``) when its bytes had
        ``sha256``, else None."""
        return self._result((Path(path), sheet, file), sha256)

    def _result(self, key: tuple, sha256: str):
        """The task's ``(sha256, result)`` result when it is of bytes with ``sha256``, else
        None (no such task, a worker lost, or other bytes: the loader reads it here)."""
        got = self._done(key)
        return got[1] if got is not None and got[0] == sha256 else None

    def _done(self, key: tuple):
        """The task's result, its task forgotten; None when there is no such task or its
        worker was lost."""
        fut = self._futures.pop(key, None)
        if fut is None:
            return None
        try:
            return fut.result()
        except Exception:  # noqa: BLE001 - a worker lost: read here
            return None

    def close(self) -> None:
        """Forget what was not taken (the tasks not begun are cancelled)."""
        for fut in self._futures.values():
            fut.cancel()
        self._futures.clear()
