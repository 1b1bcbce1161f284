"""Files hb-eval wrote itself, recognised so that they are never read as inputs.

A source's glob may reach a file the package wrote: the quarantine table of ``hb-eval
validate`` (``hb-eval-karanteeni.csv``, or any name given with ``--quarantine-out``: its header
is recognised), a report's tables or workbook (listed in the ``outputs`` of the
``manifest.json`` of an output folder above it), a run's temporary or lock files. Such a file
is listed as not read, with the reason, and never parsed.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from collections.abc import Sequence
from pathlib import Path

__all__ = ["QUARANTINE_FILE_NAME", "QUARANTINE_HEADER", "own_file_reason", "own_file_reasons"]

#: The default name of the quarantine table ``hb-eval validate`` writes.
QUARANTINE_FILE_NAME = "hb-eval-karanteeni.csv"
#: The first line of a quarantine table as written (``;``-separated, after the BOM).
QUARANTINE_HEADER = "source;file;sheet;row;column;level;reason;detail;client_id"
#: Marks in the names of a run's temporary folders and lock files.
_MARKS = (".hb-eval-tmp-", ".hb-eval-old-", ".hb-eval.lock")
#: How many folders up an output folder's manifest is looked for (``tables/x.csv``).
_UP = 2


#: why a file is one of the package's own (the sentences of :func:`own_file_reason`)
_QUARANTINE_FILE = "the quarantine table hb-eval validate wrote (never an input)"
_RUN_FILE = "a temporary or lock file of an hb-eval run (never an input)"
_QUARANTINE_TABLE = "a quarantine table hb-eval validate wrote (never an input)"
_REPORT_OUTPUT = "an output of an hb-eval report (listed in its manifest.json; never an input)"


def own_file_reason(path: str | Path, base_dir: str | Path | None = None, *,
                    manifests: dict[str, frozenset[str]] | None = None) -> str | None:
    """Why ``path`` is a file hb-eval wrote (a sentence), or None when it is not one.

    ``base_dir``: the configuration's folder; a run's temporary folder counts only below it
    (the demo's inputs are written inside the temporary folder of its own run).
    ``manifests``: a cache of each folder's manifest outputs, for many files of few folders.
    """
    p = Path(path)
    name = p.name
    if name.lower() == QUARANTINE_FILE_NAME:
        return _QUARANTINE_FILE
    full = os.path.abspath(p)
    folder = os.path.dirname(full) if name else os.path.abspath(p.parent)
    base = None if base_dir is None else os.path.abspath(base_dir)
    prefix = _prefix(base)
    marked, chain = _folder_facts(folder, prefix, {} if manifests is None else manifests)
    # below the configuration's folder the marks are looked for in the parts of the full path
    # (its last one, not a name ".."); elsewhere in the name; in that folder itself nowhere
    last = os.path.basename(full) if prefix is not None and full.startswith(prefix) else name
    marked = full != base and (marked or any(m in last for m in _MARKS))
    return _decided(name, p, marked, chain)


def own_file_reasons(paths: Sequence[str | Path],
                     base_dir: str | Path | None = None) -> list[str | None]:
    """:func:`own_file_reason` of many paths (thousands of diaries in a few folders): what a
    file's folder decides (a run's temporary folder on the way, the manifests above it) is
    found once per folder, the rest per name."""
    out: list[str | None] = []
    manifests: dict[str, frozenset[str]] = {}
    per_folder: dict[str, tuple[bool, tuple[tuple[frozenset[str], str], ...]]] = {}
    base = None if base_dir is None else os.path.abspath(base_dir)
    prefix = _prefix(base)
    for path in paths:
        s = os.fspath(path)
        folder, name = os.path.split(os.path.abspath(s))
        if (not name or name in (".", "..") or name != os.path.basename(s)
                or _full_is_base(folder, name, base)):
            out.append(own_file_reason(path, base_dir, manifests=manifests))  # an odd name
            continue
        if name.lower() == QUARANTINE_FILE_NAME:
            out.append(_QUARANTINE_FILE)
            continue
        known = per_folder.get(folder)
        if known is None:
            known = per_folder[folder] = _folder_facts(folder, prefix, manifests)
        marked, chain = known
        out.append(_decided(name, Path(s), marked or any(m in name for m in _MARKS), chain))
    return out


def _decided(name: str, path: Path, marked: bool,
             chain: tuple[tuple[frozenset[str], str], ...]) -> str | None:
    """The reason of the file ``name`` at ``path`` (not the quarantine table's default name):
    ``marked`` (a run's mark in its name or its folders below the configuration's), the
    quarantine table's header, or an output listed in a manifest of ``chain``
    (:func:`_folder_facts`); None when none holds."""
    if marked:
        return _RUN_FILE
    if _suffix(name).lower() in (".csv", ".txt") and _quarantine_header(path):
        return _QUARANTINE_TABLE
    if any(rel + name in listed for listed, rel in chain):
        return _REPORT_OUTPUT
    return None


def _prefix(base: str | None) -> str | None:
    """The start of every path below the configuration's (absolute) folder ``base``."""
    return None if base is None else base.rstrip(os.sep) + os.sep


def _suffix(name: str) -> str:
    """``Path(name).suffix`` of a plain name."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _full_is_base(folder: str, name: str, base: str | None) -> bool:
    """Whether ``folder``/``name`` is the configuration's folder itself."""
    return base is not None and os.path.join(folder, name) == base


def _folder_facts(folder: str, prefix: str | None, manifests: dict[str, frozenset[str]]
                  ) -> tuple[bool, tuple[tuple[frozenset[str], str], ...]]:
    """(a part of ``folder`` below the configuration's folder holds a run's mark, the
    manifests' outputs of ``folder`` and the folders above it with the relative prefix of a
    name in each): :func:`own_file_reason`'s per-folder facts."""
    full = os.path.join(folder, "")
    parts = (full[len(prefix):].split(os.sep)[:-1]
             if prefix is not None and full.startswith(prefix) else [])
    marked = any(m in part for part in parts for m in _MARKS)
    chain = []
    rel = ""
    for _ in range(_UP + 1):
        if folder not in manifests:
            manifests[folder] = _manifest_outputs(folder)
        if manifests[folder]:
            chain.append((manifests[folder], rel))
        up = os.path.dirname(folder)
        if up == folder:
            break
        rel = f"{os.path.basename(folder)}/{rel}"
        folder = up
    return marked, tuple(chain)


def _quarantine_header(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            head = fh.read(len(QUARANTINE_HEADER) + 8)
    except OSError:
        return False  # reading it will say what is wrong
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    return text.startswith(QUARANTINE_HEADER)


@lru_cache(maxsize=256)
def _manifest_outputs_cached(folder: str, mtime_ns: int) -> frozenset[str]:
    try:
        with open(os.path.join(folder, "manifest.json"), "rb") as fh:
            m = json.loads(fh.read(32 << 20))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(m, dict) or not str(m.get("created_with", "")).startswith("hb_eval"):
        return frozenset()
    outputs = m.get("outputs")
    return frozenset(str(k) for k in outputs) if isinstance(outputs, dict) else frozenset()


def _manifest_outputs(folder: str) -> frozenset[str]:
    """The ``outputs`` of an hb-eval manifest.json in ``folder`` (empty when none)."""
    try:
        st = os.stat(os.path.join(folder, "manifest.json"))
    except OSError:
        return frozenset()
    return _manifest_outputs_cached(folder, st.st_mtime_ns)
