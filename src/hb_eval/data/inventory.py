"""Every file in a source's folder accounted for.

A source given by a glob (``kykyviisari/*.xlsx``) reads the files it matches. A file beside
them that the pattern does not match but that looks like the source's (an extension of the
same family: ``.xlsx``, ``.xlsm``, ``.xls``, ``.ods`` for a workbook pattern, ``.csv`` and
``.txt`` for a CSV pattern) is listed as not read (``status: unread``, reason
``not_matched``) with the reason, and so is a file the package wrote itself that a pattern
matched (reason ``own_output``; :mod:`hb_eval.support.own_files`). Nothing is dropped without
a line.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..config import Config, Folders, SOURCES, folder_names, real_path
from ..support.own_files import own_file_reason

__all__ = ["UNREAD_FILE_COLUMNS", "FAMILIES", "unmatched_files"]

UNREAD_FILE_COLUMNS = ["source", "path", "reason", "message"]

#: Extensions that look like one kind of input (lower case).
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}),
    frozenset({".csv", ".txt", ".tsv"}),
    frozenset({".yaml", ".yml"}),
)
_HINTS = {".xls": "an old Excel 97-2003 workbook: save it as .xlsx",
          ".xlsb": "a binary Excel workbook: save it as .xlsx",
          ".ods": "an OpenDocument spreadsheet: save it as .xlsx"}


def _family(ext: str) -> frozenset[str]:
    for fam in FAMILIES:
        if ext.lower() in fam:
            return fam
    return frozenset()


def unmatched_files(cfg: Config, taken: set[str], folders: Folders | None = None
                    ) -> list[dict[str, Any]]:
    """Files in the folder of a source's glob, of the pattern's extension family, that no
    source reads (``taken``: real paths of every file matched by any source; ``folders``:
    the folders' listings the load made, each folder listed once).

    Returns
    -------
    list of dict
        source, path (the file as given to :func:`display` later: a Path), reason
        ``not_matched``, message.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    folders = Folders() if folders is None else folders  # (thousands of diaries)
    for source in SOURCES:
        for pattern in cfg.sources.get(source, []):
            head, tail = os.path.split(pattern)
            if not any(ch in tail for ch in "*?[") or any(ch in head for ch in "*?["):
                continue  # a literal name (or a folder pattern): nothing beside it is implied
            fam = _family(os.path.splitext(tail)[1])
            if not fam:
                continue
            folder = os.fspath(Path(head) if os.path.isabs(head) else Path(cfg.base_dir) / head)
            names = folder_names(folder, folders)
            for name in names or ():
                ext = os.path.splitext(name)[1].lower()
                if ext not in fam:
                    continue
                path = os.path.join(folder, name)
                real = real_path(path, folders)  # os.path.realpath, folder cached
                if real in taken or real in seen or os.path.isdir(path):
                    continue
                seen.add(real)
                if own_file_reason(path, cfg.base_dir) is not None:
                    continue  # the package's own: neither read nor an input left out
                hint = _HINTS.get(ext)
                what = (f"{hint}; then it is matched by sources.{source} ({pattern})" if hint
                        else "a hidden file (e.g. macOS metadata)" if name.startswith(".")
                        else f"sources.{source} ({pattern}) does not match this file name")
                out.append({"source": source, "path": Path(path), "reason": "not_matched",
                            "message": f"not read: in the folder of sources.{source}, but "
                                       f"{what}"})
    return out
