"""``hb-eval validate CONFIG [--json] [--quarantine-out PATH]``: load everything, report data
quality, write the quarantine table (owner-only permissions).

The quarantine table goes to ``--quarantine-out`` or, by default, to
``hb-eval-karanteeni.csv`` in the working folder — never beside the inputs, which may be
read-only or shared: when the working folder holds a source's files (validate run from the
inputs folder), the default goes to the nearest folder above it that holds none
(:func:`default_quarantine_path`). A quarantine table is recognised and never read as an input
(:mod:`hb_eval.support.own_files`). It is written whole or not at all (temporary file and rename) under a lock
(a second validate writing the same file is refused with one line).

Exit codes: 0 when something usable was loaded and every file matched was read (quarantined rows
are listed, not failures); 1 when nothing usable could be loaded (no consenting roster client)
or when a file was refused (``files[]`` status ``refused``; ``--allow-refused`` relaxes this);
2 for errors raised as :class:`~hb_eval.errors.HbEvalError` (handled by the CLI), e.g. a broken
configuration or roster; 3 when another run holds the quarantine file's lock; 4 when the
quarantine table cannot be written (the summary is still printed, then one line names the path
and the fault). Everything printed or written passes the privacy gate.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..config import load_config
from ..errors import FileSystemError
from ..support.filesystem import FolderLock, atomic_write_bytes
from ..support.own_files import QUARANTINE_FILE_NAME
from ..support.versions import SCHEMA_VERSION
from .dataset import Dataset, load
from ..privacy import gate, gate_frame, gate_value

__all__ = ["run_validate", "write_quarantine", "validation_json", "DEFAULT_QUARANTINE_NAME",
           "default_quarantine_path", "input_folders"]

DEFAULT_QUARANTINE_NAME = QUARANTINE_FILE_NAME


def input_folders(cfg: Any) -> set[Path]:
    """The folders a configuration's sources read files from (a glob's folder up to its first
    glob character), resolved."""
    out: set[Path] = set()
    for patterns in cfg.sources.values():
        for pattern in patterns:
            head = os.path.dirname(pattern)
            parts = []
            for part in Path(head).parts:
                if any(ch in part for ch in "*?["):
                    break
                parts.append(part)
            folder = Path(*parts) if parts else Path(".")
            full = folder if folder.is_absolute() else Path(cfg.base_dir) / folder
            out.add(Path(os.path.realpath(full)))
    return out


def default_quarantine_path(cfg: Any, cwd: str | Path | None = None) -> Path:
    """Where the quarantine table goes without ``--quarantine-out``: the working folder, or,
    when the sources read files from it, the nearest folder above it that they do not."""
    here = Path(os.path.realpath(cwd if cwd is not None else Path.cwd()))
    inputs = input_folders(cfg)
    folder = here
    while folder in inputs and folder.parent != folder:
        folder = folder.parent
    return folder / DEFAULT_QUARANTINE_NAME


def write_quarantine(quarantine: pd.DataFrame, path: str | Path) -> Path:
    """Write the quarantine table as CSV (UTF-8 with BOM, ``;``, for Finnish Excel) readable and
    writable by the owner only (0600), also when the file already existed; whole or not at all.

    Raises
    ------
    FileSystemError
        One line naming the path and the fault (no space, read-only, a folder, ...); no partial
        file is left.
    """
    text = gate_frame(quarantine).to_csv(index=False, sep=";", lineterminator="\n")
    return atomic_write_bytes(path, text.encode("utf-8-sig"), mode=0o600)


def validation_json(ds: Dataset) -> dict[str, Any]:
    """``{"schema_version": ..., "data": ...}`` exactly as in results.json."""
    return gate_value({"schema_version": SCHEMA_VERSION, "data": ds.data_block()})


def run_validate(args: Any, out: TextIO | None = None) -> int:
    """Run ``hb-eval validate`` (``args``: the argparse Namespace of :mod:`hb_eval.cli`).

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    out = out or sys.stdout
    cfg = load_config(args.config)
    qpath = Path(args.quarantine_out) if getattr(args, "quarantine_out", None) else \
        default_quarantine_path(cfg)
    fault: FileSystemError | None = None
    lock = FolderLock(qpath, "quarantine file")
    try:
        lock.acquire()  # another run on the same file: refused here, before loading
    except FileSystemError as exc:  # its folder is not writable: said after the summary
        fault = exc
    try:
        ds = load(cfg, errors="collect")
        if fault is None:
            try:
                write_quarantine(ds.quarantine, qpath)
            except FileSystemError as exc:
                fault = exc
    finally:
        lock.release()
    usable = len(ds.clients) > 0
    refused = len(ds.file_errors)
    written = (f"written to {qpath} (readable by you only: it holds client numbers)"
               if fault is None else f"NOT written ({fault})")
    if getattr(args, "json", False):
        out.write(json.dumps(validation_json(ds), ensure_ascii=False, indent=2) + "\n")
        if fault is None:
            print(gate(f"quarantine table {written}"), file=sys.stderr)
    else:
        text = [f"hb-eval validate: {cfg.name}\n\n", ds.summary_text() + "\n\n",
                f"Quarantine table ({len(ds.quarantine)} records) {written}.\n"]
        if not usable:
            text.append("Nothing usable was loaded: no consenting client in the roster.\n")
        out.write(gate("".join(text)))
    if fault is not None:
        out.flush()
        print(gate(f"hb-eval: error: {fault}"), file=sys.stderr)
        return 4
    if refused and not getattr(args, "allow_refused", False):
        print(f"hb-eval validate: {refused} file(s) refused (listed above with the reason); "
              "fix them or pass --allow-refused", file=sys.stderr)
        return 1
    return 0 if usable else 1
