"""Output folders that are whole or absent, locked while written, owner-only when internal.

A report run never writes into its output folder directly. :class:`OutputFolder`:

1. takes a lock beside the folder (``.<name>.hb-eval.lock``, ``fcntl.flock``): a second run
   into the same folder is refused with one line naming the run that holds it (its pid, host
   and start time); the lock goes away with the process, also when it is killed;
2. checks the folder: a file where the folder should be, or a non-empty folder holding files
   that no hb-eval run wrote (no manifest lists them) is refused; ``force=True`` lets the run
   write beside such files, which are kept and never moved, unless one of them has a name the
   report needs (``tables/``, ``report.html``, ...);
3. gives the run a fresh temporary folder beside the output (``.<name>.hb-eval-tmp-*``, same
   file system, mode 0700) to write everything into;
4. :meth:`OutputFolder.commit` sets the modes (internal: files 0600 and folders 0700 whatever
   the umask; public: 0644/0755, inputs inside the folder stay owner-only), fsyncs every file,
   records the SHA-256 of every output file in the manifest, writes the manifest last, and
   moves the new folder into place: one atomic exchange of the two folders where the system
   offers it (Linux ``renameat2``), otherwise two renames; the earlier output is then removed;
5. on any exception, Ctrl-C or SIGTERM, the temporary folder is removed and the earlier output
   stays as it was. A folder left by a killed run (SIGKILL, power loss) is removed by the next
   run into the same folder.

File-system faults (no space, read-only, permission, a file where a folder is needed) are
raised as :class:`~hb_eval.errors.FileSystemError` with one line naming the path and the fault.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..support.filesystem import (FolderLock, fs_error, fs_errors, fsync_path, fsync_tree, terminate_as_exit)

__all__ = ["OutputFolder", "OWNED_NAMES", "owned_files"]

#: Top-level names an hb-eval output folder may hold (a foreign entry with one of these names
#: blocks the run even with ``--force``: it would have to be replaced).
OWNED_NAMES = ("report.html", "report.pdf", "results.json", "manifest.json", "tables.xlsx",
               "tables",
               "figures", "demo_data")
MANIFEST = "manifest.json"
TMP_MARK = ".hb-eval-tmp-"
OLD_MARK = ".hb-eval-old-"

def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the system
    or the file system does not offer it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _manifest(folder: Path) -> dict[str, Any] | None:
    """The hb-eval manifest of ``folder``; None when there is none (or it is not one)."""
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and "created_with" in m else None


def owned_files(folder: Path) -> set[str] | None:
    """Files of ``folder`` an earlier hb-eval run wrote (relative POSIX paths), from its
    manifest; None when the folder has no readable hb-eval manifest."""
    m = _manifest(folder)
    if m is None:
        return None
    owned = {MANIFEST}
    outputs = m.get("outputs")
    inputs_dir = m.get("config_dir_in_out") or m.get("base_dir_in_out")
    if isinstance(outputs, Mapping):
        owned |= set(outputs)
    else:  # a version-1 manifest does not list its files: its fixed names are its own
        for name in OWNED_NAMES:
            p = folder / name
            if p.is_dir():
                owned |= {q.relative_to(folder).as_posix() for q in p.rglob("*") if not q.is_dir()}
            elif p.exists():
                owned.add(name)
    if inputs_dir:
        top = Path(inputs_dir).parts[0] if Path(inputs_dir).parts else None
        if top and (folder / top).is_dir():
            owned |= {q.relative_to(folder).as_posix() for q in (folder / top).rglob("*")
                      if not q.is_dir()}
    return owned


class OutputFolder:
    """The output folder of one run; use as a context manager (see the module docstring).

    Parameters
    ----------
    out
        The output folder.
    force
        Write beside files hb-eval did not write (they are kept, never moved).

    Attributes
    ----------
    path
        The temporary folder to write into (inside the ``with`` block).
    out
        The final output folder.
    """

    def __init__(self, out: str | Path, *, force: bool = False) -> None:
        self.out = Path(os.path.abspath(out))
        self.force = force
        self.path: Path = Path()
        self.foreign: list[str] = []
        self._lock = FolderLock(self.out)
        self._stack = contextlib.ExitStack()

    # -- entering --------------------------------------------------------------------------
    def __enter__(self) -> "OutputFolder":
        self._lock.acquire()
        try:
            self._check_target()
            self._clean_stale()
            with fs_errors(self.out.parent):
                self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}{TMP_MARK}",
                                                  dir=self.out.parent))
            self._stack.enter_context(terminate_as_exit())
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, et: Any, ev: Any, tb: Any) -> None:
        try:
            if self.path != Path() and self.path.exists():
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._stack.close()
            self._lock.release()
        if isinstance(ev, OSError) and not isinstance(ev, OutputError):
            raise fs_error(ev, self.shown(ev.filename)) from None

    def shown(self, path: str | Path | None) -> Path:
        """A path inside the temporary folder as the user will know it (inside ``out``)."""
        if path is None:
            return self.out
        p = Path(os.fsdecode(path))
        try:
            return self.out / p.relative_to(self.path)
        except ValueError:
            return p

    @contextlib.contextmanager
    def writing(self, rel: str) -> Iterator[Path]:
        """Yield the temporary path of ``rel``; an :class:`OSError` becomes one line naming
        ``out/rel``."""
        with fs_errors(self.out / rel):
            yield self.path / rel

    def _check_target(self) -> None:
        out = self.out
        if os.path.lexists(out) and not out.is_dir():
            raise OutputError(f"{out} is a file, not a folder: choose a folder for the output")
        if not out.exists():
            return
        with fs_errors(out, "read"):
            entries = sorted(p.name for p in out.iterdir())
        if not entries:
            return
        owned = owned_files(out)
        if owned is None:
            foreign = entries
        else:
            tops = {Path(r).parts[0] for r in owned}
            foreign = [e for e in entries if e not in tops]
            # a file of the user's inside a folder of the report (tables/notes.txt) is foreign
            for top in sorted(tops & set(entries)):
                p = out / top
                if p.is_dir():
                    stray = sorted(q.relative_to(out).as_posix() for q in p.rglob("*")
                                   if not q.is_dir() and q.relative_to(out).as_posix() not in owned)
                    if stray:
                        raise OutputError(
                            f"{out / stray[0]} was not written by hb-eval; it is kept, so the "
                            "report cannot replace its folder: move it or choose another output "
                            "folder")
        if not foreign:
            return
        # entries an earlier run was allowed (--force) to write beside need no --force again
        known = set((_manifest(out) or {}).get("foreign") or [])
        unknown = [e for e in foreign if e not in known]
        if unknown and not self.force:
            shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more"
                                              if len(unknown) > 3 else "")
            raise OutputError(
                f"{out} is not empty and holds files no hb-eval run wrote ({shown}): choose a "
                "new or empty folder, or pass --force to write beside these files (they are "
                "kept)")
        clash = [e for e in foreign if e in OWNED_NAMES]
        if clash:
            raise OutputError(
                f"{out / clash[0]} was not written by hb-eval; it is kept, even with --force: "
                "move it or choose another output folder")
        self.foreign = foreign

    def _clean_stale(self) -> None:
        """Folders left by a killed run into this output (we hold the lock: nobody else uses
        them). A previous output moved aside by an interrupted swap is put back."""
        parent, name = self.out.parent, self.out.name
        if not parent.is_dir():
            return
        for p in sorted(parent.iterdir()):
            if not p.is_dir() or not p.name.startswith(f".{name}."):
                continue
            rest = p.name[len(name) + 1:]
            if rest.startswith(OLD_MARK) and not os.path.lexists(self.out):
                with fs_errors(self.out):
                    os.rename(p, self.out)
            elif rest.startswith((TMP_MARK, OLD_MARK)):
                shutil.rmtree(p, ignore_errors=True)

    # -- committing ------------------------------------------------------------------------
    def commit(self, manifest: dict[str, Any], write_manifest: Callable[[Mapping, Path], Any],
               *, public: bool = False, inputs_dir: str | None = None,
               finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Path:
        """Seal the temporary folder and move it into place.

        Parameters
        ----------
        manifest
            The run's manifest; ``outputs`` (relative path -> SHA-256 of every file but the
            manifest and the inputs folder) is added here.
        write_manifest
            Writes the manifest dict to a path.
        public
            Public audience: files 0644, folders 0755 (the inputs folder stays owner-only).
        inputs_dir
            Top-level folder of inputs inside the output (the demo's ``demo_data``).
        finish
            Applied to the complete manifest before it is written (the public redaction).
        """
        def private(rel: str) -> bool:
            return not public or (inputs_dir is not None and
                                  (rel == inputs_dir or rel.startswith(inputs_dir + "/")))

        fmode, dmode = (0o644, 0o755) if public else (0o600, 0o700)
        with fs_errors(self.out):
            hashes = fsync_tree(self.path, file_mode=fmode, dir_mode=dmode, private=private)
            manifest = dict(manifest)
            # the inputs inside the folder are checked as inputs, by their own SHA-256
            manifest["outputs"] = {k: v for k, v in hashes.items() if k != MANIFEST and not (
                inputs_dir is not None and k.startswith(inputs_dir + "/"))}
            if self.foreign:
                manifest["foreign"] = list(self.foreign)
            if finish is not None:
                manifest = finish(manifest)
            mpath = self.path / MANIFEST
            write_manifest(manifest, mpath)
            os.chmod(mpath, fmode)
            fsync_path(mpath)
            fsync_path(self.path)
            self._swap()
            fsync_path(self.out.parent)
        return self.out

    def _swap(self) -> None:
        out, new = self.out, self.path
        if self.foreign:
            self._swap_entries()
            return
        if not os.path.lexists(out):
            os.rename(new, out)
            return
        if not any(out.iterdir()):
            os.rename(new, out)  # replaces an empty folder
            return
        if _exchange(new, out):
            old = new  # the previous output now sits at the temporary name
        else:  # two renames; a run killed between them is repaired by the next run
            old = out.parent / f".{out.name}{OLD_MARK}{os.getpid()}"
            os.rename(out, old)
            os.rename(new, out)
        shutil.rmtree(old, ignore_errors=True)

    def _swap_entries(self) -> None:
        """Place the new entries one by one into a folder that also holds the user's files
        (which are never moved); the manifest goes last."""
        out, new = self.out, self.path
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}{TMP_MARK}", dir=out.parent))
        names = sorted(os.listdir(new), key=lambda n: (n == MANIFEST, n))
        owned = owned_files(out) or set()
        for top in sorted({Path(r).parts[0] for r in owned} - set(names)):
            if os.path.lexists(out / top):
                os.rename(out / top, trash / top)
        for n in names:
            if (out / n).is_dir():
                os.rename(out / n, trash / n)
            os.replace(new / n, out / n)
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(new, ignore_errors=True)
