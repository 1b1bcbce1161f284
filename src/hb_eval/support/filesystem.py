"""File-system safety shared by every command that writes: one-line faults, locks, atomic
writes.

* :func:`fs_error` / :func:`fs_errors`: an :class:`OSError` (no space, read-only, permission, a
  file where a folder is needed, ...) becomes a :class:`~hb_eval.errors.FileSystemError` with
  one line naming the path and the fault.
* :class:`FolderLock`: an exclusive ``flock`` on ``.<name>.hb-eval.lock`` beside a folder or
  file; a second run is refused with one line naming the run that holds it.
* :func:`atomic_write_bytes`: a file written whole or not at all (temporary file, fsync, rename),
  with its mode set whatever the umask.
* :func:`fsync_tree`: modes, fsync and SHA-256 of every file of a folder.
* :func:`terminate_as_exit`: SIGTERM/SIGHUP raise ``SystemExit`` so that ``finally`` blocks
  remove temporary files, as on Ctrl-C.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import FileSystemError, OutputBusyError

__all__ = ["fs_error", "fs_errors", "FolderLock", "atomic_write_bytes", "fsync_tree",
           "fsync_path", "ensure_folder", "terminate_as_exit", "LOCK_SUFFIX"]

LOCK_SUFFIX = ".hb-eval.lock"

_FAULTS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.EISDIR: "it is a folder, not a file",
    errno.EEXIST: "it already exists",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error",
}


def fs_error(exc: OSError, path: str | Path | None = None, verb: str = "write") -> FileSystemError:
    """One-line :class:`FileSystemError` for an :class:`OSError`: the path and the fault."""
    where = path if path is not None else (exc.filename or "?")
    fault = _FAULTS.get(exc.errno or -1) or exc.strerror or type(exc).__name__
    code = errno.errorcode.get(exc.errno or -1)
    return FileSystemError(f"cannot {verb} {where}: {fault}" + (f" ({code})" if code else ""))


@contextlib.contextmanager
def fs_errors(path: str | Path, verb: str = "write") -> Iterator[None]:
    """Turn an :class:`OSError` inside the block into a one-line :class:`FileSystemError`."""
    try:
        yield
    except OSError as exc:
        raise fs_error(exc, path, verb) from None


class _Terminated(SystemExit):
    """SIGTERM/SIGHUP turned into an exception so that ``finally`` blocks run."""


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP raise :class:`SystemExit` (status 128 + signal), so
    that temporary folders are removed as on Ctrl-C. A no-op outside the main thread."""
    def handler(signum: int, _frame: Any) -> None:
        raise _Terminated(128 + signum)

    old: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread
            pass
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def ensure_folder(path: str | Path) -> Path:
    """Create ``path`` (and its parents); a file where a folder is needed is ``ENOTDIR``
    naming that file (not the ``EEXIST`` that ``mkdir`` would give)."""
    path = Path(path)
    for p in (path, *path.parents):
        if os.path.lexists(p):
            if not p.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(p))
            break
    path.mkdir(parents=True, exist_ok=True)
    return path


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it (created with
    ``mode``, whatever the umask), fsync, rename over ``path``. On any error the temporary file
    is removed and :class:`FileSystemError` names ``path``."""
    path = Path(path)
    with fs_errors(path):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        ensure_folder(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as fh:
                fd = -1
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
        finally:
            if fd != -1:
                os.close(fd)
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        with contextlib.suppress(OSError):
            fsync_path(path.parent)
    return path


def fsync_tree(root: Path, *, file_mode: int, dir_mode: int,
               private: Callable[[str], bool] = lambda rel: False) -> dict[str, str]:
    """Set modes, fsync and hash every file under ``root``; returns ``{relative path: sha256}``
    (POSIX paths, sorted). ``private(rel)`` marks files and folders kept at 0600/0700."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        d = Path(dirpath)
        rel_dir = d.relative_to(root).as_posix()
        os.chmod(d, 0o700 if rel_dir != "." and private(rel_dir) else dir_mode)
        for name in sorted(filenames):
            p = d / name
            rel = p.relative_to(root).as_posix()
            os.chmod(p, 0o600 if private(rel) else file_mode)
            h = hashlib.sha256()
            with open(p, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
                os.fsync(fh.fileno())
            out[rel] = h.hexdigest()
        fsync_path(d)
    return dict(sorted(out.items()))


class FolderLock:
    """An exclusive ``flock`` on ``.<name>.hb-eval.lock`` beside ``target`` (a folder or file).

    The lock file holds the pid, host and start time of the run that holds it, for the message
    a second run gets. The lock is released when the process ends, however it ends.
    """

    def __init__(self, target: str | Path, what: str = "output folder") -> None:
        self.target = Path(target)
        self.what = what
        self.path = self.target.parent / f".{self.target.name}{LOCK_SUFFIX}"
        self._fd: int | None = None

    def acquire(self) -> "FolderLock":
        """Take the lock (non-blocking); another run holding it raises ``OutputBusyError``."""
        import fcntl

        with fs_errors(self.target):
            ensure_folder(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # the holder writes who it is just after it takes the lock: give it a moment
            holder = ""
            for _ in range(50):
                holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
                if holder:
                    break
                time.sleep(0.01)
            holder = holder or "unknown run"
            os.close(fd)
            raise OutputBusyError(
                f"{self.target}: the {self.what} is being written by another hb-eval run "
                f"({holder}); wait for it to finish or choose another path") from None
        started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        info = f"pid {os.getpid()} on {socket.gethostname()}, started {started}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            import fcntl

            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


