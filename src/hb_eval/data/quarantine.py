"""The quarantine collector and per-file accounting.

Every loader records here each input row (``level="row"``) or cell (``level="cell"``) that did
not make it into the tidy tables, with a reason code. ``detail`` texts are written by us and never
copy a cell value (a cell may hold personal data). Accounting per file and sheet:
``rows_read == rows_kept + rows_quarantined``, where a row counts as quarantined when it has at
least one row-level record; a broken invariant is a bug and raises.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import HbEvalError

__all__ = ["REASONS", "LISTED_WHEN_FOUND", "QUARANTINE_COLUMNS", "FILE_COLUMNS", "Quarantine", "FileRecord",
           "sheet_key"]

#: Reason codes (ARCHITECTURE.md). ``sum_mismatch`` is a cell-level flag on a kept row.
REASONS: tuple[str, ...] = (
    "bad_client_id", "out_of_range", "bad_value", "duplicate", "orphan", "no_consent",
    "personal_id_found", "bad_date", "outside_period", "sum_mismatch", "group_mismatch",
    "pilot_mismatch", "missing_required", "unknown_code",
    # budgets and providers: a budget decision of a Verrokki client; a
    # service row naming a provider missing from the register (cell flag, row kept); a sector
    # that disagrees with the register (cell flag, the register's sector used); a business id
    # whose check digit fails (cell flag, provider kept)
    "arm_mismatch", "unknown_provider", "sector_mismatch", "invalid_business_id",
    "implausible_date", "implausible_duration", "conflict", "excel_error",
    # issue 22: a service amount over its ceiling; a follow-up dated before the baseline
    "implausible_amount", "wave_order",
)
#: Reasons that results.json's ``quarantine_by_reason`` lists only when found (added after
#: the results schema fixed the list; an evaluation without them keeps its bytes).
LISTED_WHEN_FOUND: tuple[str, ...] = ("implausible_amount", "wave_order")
#: What each reason means (the data-quality appendix and the quarantine file's readers).
REASON_DESCRIPTIONS: dict[str, str] = {
    "bad_client_id": "not a valid client number",
    "out_of_range": "a number outside the scale or range of its column",
    "bad_value": "a value that cannot be read as a number or duration",
    "duplicate": "a second copy of a row already kept (the first is kept)",
    "orphan": "a client number that is not in the roster",
    "no_consent": "a client without consent kyllä (nothing about them is kept)",
    "personal_id_found": "a personal identity code in a cell (never loaded)",
    "bad_date": "not a readable date, or an end before the start",
    "outside_period": "a diary row dated outside the diary's sample period",
    "sum_mismatch": "a sum differing from quantity x unit price (flagged, row kept)",
    "group_mismatch": "a client group differing from the client number's",
    "pilot_mismatch": "a pilot differing from the client number's",
    "missing_required": "a required cell is blank",
    "unknown_code": "a value outside the known codes (consent: excluded until fixed)",
    "implausible_date": "a date outside the plausible window (data.date_min .. data.date_max)",
    "implausible_duration": "a diary row or a diarist's day over its plausible maximum",
    "conflict": "the same client on two roster rows that disagree (both quarantined)",
    "excel_error": "an Excel error value (#N/A, #DIV/0!, ...) or a formula without a value",
    "implausible_amount": "a service amount over its plausible maximum (data.max_service_row_eur"
                          ", per client data.max_client_services_eur)",
    "wave_order": "a follow-up (väli, loppu) dated before the client's baseline (alku)",
}
QUARANTINE_COLUMNS = ["source", "file", "sheet", "row", "column", "level", "reason", "detail",
                      "client_id"]
FILE_COLUMNS = ["source", "path", "sha256", "sheet", "rows_read", "rows_kept", "rows_quarantined"]


@dataclass
class FileRecord:
    """One input file (and sheet) as read: which Excel rows were data rows."""

    source: str
    path: str
    sha256: str
    sheet: str | None
    rows: np.ndarray  # Excel row numbers of the data rows read
    read: Any = None  # the io.snapshot.InputRead of the bytes parsed (for the end-of-run check)
    # the file as shown when ``path`` is the key of a further sheet of it (``path [sheet]``,
    # :func:`sheet_key`); None when ``path`` is the file as shown
    display: str | None = None

    @property
    def shown(self) -> str:
        """The file as shown to a person (its path, never a sheet key)."""
        return self.display if self.display is not None else self.path


def sheet_key(path: str, sheet: str) -> str:
    """The ``file`` key of the rows of a further sheet of a workbook, ``path [sheet]``.

    A workbook's first sheet read keeps the path as its key; each further sheet with the same
    header (read as part of the file) gets this key, so that (file, row) stays one input row
    in the tidy tables. Quarantine records and ``files`` show the path and the sheet apart.
    """
    return f"{path} [{sheet}]"


class _Records:
    """One batch of quarantine records: per column of :data:`QUARANTINE_COLUMNS` a numpy
    array (object; ``row`` int64), made into the table once, by :meth:`Quarantine.frame`
    (a frame per batch cost more than the records' own work)."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["row"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def where(self, keep: np.ndarray) -> "_Records":
        """The records where ``keep``."""
        return _Records({c: v[keep] for c, v in self.columns.items()})

    def of_files(self, files: Iterable[str], source: str | None) -> np.ndarray:
        """Where the records' file is one of ``files`` (and their source ``source``, unless
        None): a mask."""
        mask = np.zeros(len(self), dtype=bool)
        for f in files:
            mask |= self.columns["file"] == f
        if source is not None:
            mask &= self.columns["source"] == source
        return mask


@dataclass
class Quarantine:
    """Collects quarantine records and the files read.

    Use :meth:`row` / :meth:`cell` for one record, :meth:`rows` / :meth:`cells` for many at
    once (vectorised: arrays of rows and client ids with one reason).
    """

    _parts: list[_Records] = field(default_factory=list)
    _files: list[FileRecord] = field(default_factory=list)
    _unread: list[dict] = field(default_factory=list)

    # -- files ---------------------------------------------------------------------------
    def add_file(self, source: str, path: str, sha256: str, sheet: str | None,
                 rows: Iterable[int], read: Any = None, display: str | None = None) -> FileRecord:
        """Register a file (and sheet) read, with the Excel row numbers of its data rows
        (``read``: the :class:`~hb_eval.data.io.snapshot.InputRead` of the bytes parsed;
        ``display``: the file as shown when ``path`` is a further sheet's :func:`sheet_key`)."""
        rec = FileRecord(source, str(path), sha256, sheet, np.asarray(list(rows), dtype=np.int64),
                         read, display)
        self._files.append(rec)
        return rec

    def discard_file(self, path: str, source: str | None = None) -> None:
        """Forget a file that turned out unusable (it is reported as a file error instead);
        with ``source``, only what that source recorded of it."""
        def mine(src: str) -> bool:
            return source is None or src == source

        keys = {f.path for f in self._files if f.shown == str(path)} | {str(path)}
        self._files = [f for f in self._files if f.path not in keys or not mine(f.source)]
        gone = [p.of_files(keys, source) for p in self._parts]
        self._parts = [p.where(~g) if g.any() else p for p, g in zip(self._parts, gone)]
        self._unread = [u for u in self._unread
                        if u["path"] != str(path) or not mine(u["source"])]

    def add_unread_sheet(self, source: str, path: str, sheet: str, rows: int,
                         message: str) -> None:
        """Record a sheet with data that no schema reads (reason ``unread_sheet``)."""
        self._unread.append({"source": source, "path": str(path), "sheet": sheet,
                             "rows": int(rows), "message": message})

    def unread_sheets_frame(self) -> pd.DataFrame:
        """The unread sheets: source, path, sheet, rows (non-blank rows), message."""
        return pd.DataFrame(self._unread, columns=["source", "path", "sheet", "rows", "message"])

    @property
    def file_records(self) -> list[FileRecord]:
        """The per-file accounting records, in the order the files were read."""
        return list(self._files)

    # -- records -------------------------------------------------------------------------
    def rows(self, source: str, file: str, sheet: str | None, rows, reason: str,
             detail, client_id=None, column=None) -> None:
        """Quarantine whole rows (one record per row)."""
        self._add(source, file, sheet, rows, column, "row", reason, detail, client_id)

    def cells(self, source: str, file: str, sheet: str | None, rows, column, reason: str,
              detail, client_id=None) -> None:
        """Quarantine cells (one record per row × column given); the row stays."""
        self._add(source, file, sheet, rows, column, "cell", reason, detail, client_id)

    def row(self, source: str, file: str, sheet: str | None, row: int, reason: str,
            detail: str, client_id: str | None = None, column: str | None = None) -> None:
        """Quarantine one whole row."""
        self.rows(source, file, sheet, [row], reason, detail, client_id, column)

    def cell(self, source: str, file: str, sheet: str | None, row: int, column: str,
             reason: str, detail: str, client_id: str | None = None) -> None:
        """Quarantine one cell; the rest of the row is kept."""
        self.cells(source, file, sheet, [row], column, reason, detail, client_id)

    def _add(self, source, file, sheet, rows, column, level, reason, detail, client_id) -> None:
        if reason not in REASONS:
            raise HbEvalError(f"unknown quarantine reason {reason!r} (a bug)")
        rows = np.asarray(rows, dtype=np.int64).ravel()
        n = rows.size
        if n == 0:
            return

        def col(v, dtype=object):
            if isinstance(v, (pd.Series, pd.Index, np.ndarray, list)):
                arr = np.asarray(v, dtype=object)
                if arr.size != n:
                    raise HbEvalError("quarantine record arrays of different length (a bug)")
                return arr
            return np.full(n, v, dtype=object)

        cid = col(client_id)
        if reason == "no_consent":
            cid = np.full(n, None, dtype=object)
        self._parts.append(_Records({
            "source": col(source), "file": col(file), "sheet": col(sheet), "row": rows,
            "column": col(column), "level": col(level), "reason": col(reason),
            "detail": col(detail), "client_id": cid,
        }))

    def mark(self) -> int:
        """A mark of the records made so far (for :meth:`take_since`)."""
        return len(self._parts)

    def take_since(self, mark: int) -> list[_Records]:
        """Remove and return the records made since ``mark``, to be put back later with
        :meth:`put_back` (a step done early keeps its records where a later step's go)."""
        taken = self._parts[mark:]
        del self._parts[mark:]
        return taken

    def put_back(self, parts: list[_Records]) -> None:
        """Append records taken with :meth:`take_since`, in their order."""
        self._parts.extend(parts)

    def take_all(self) -> tuple[list[FileRecord], list[_Records], list[dict]]:
        """Remove and return everything recorded (the files, the records, the unread sheets),
        to be appended to another quarantine with :meth:`put_all` (a pool worker's parse of
        some files, taken by the loading process)."""
        taken = (self._files, self.take_since(0), self._unread)
        self._files, self._unread = [], []
        return taken

    def put_all(self, taken: tuple[list[FileRecord], list[_Records], list[dict]],
                read: Any = None) -> None:
        """Append what :meth:`take_all` took from another quarantine, in its order;
        ``read``: the :class:`~hb_eval.data.io.snapshot.InputRead` to register its files with
        (the loading process's own read of the same bytes) instead of the other's."""
        files, parts, unread = taken
        self._files.extend(files if read is None else [replace(f, read=read) for f in files])
        self._parts.extend(parts)
        self._unread.extend(unread)

    def __len__(self) -> int:
        return int(sum(len(p) for p in self._parts))

    # -- tables --------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """The quarantine table (ARCHITECTURE.md columns), sorted by source, file, row; the
        records of a further sheet of a workbook name the file and the sheet apart."""
        q = self._frame()
        shown = {f.path: f.display for f in self._files if f.display is not None}
        if shown and len(q):
            key = q["file"].astype(object)
            q["file"] = key.map(shown).fillna(key).astype("string")
            q = q.sort_values(["source", "file", "sheet", "row", "level", "column"],
                              kind="stable", na_position="first").reset_index(drop=True)
        return q

    def _frame(self) -> pd.DataFrame:
        """:meth:`frame` with each sheet's file key (one key per sheet read)."""
        if self._parts:
            q = pd.DataFrame({c: np.concatenate([p[c] for p in self._parts])
                              for c in QUARANTINE_COLUMNS})
        else:
            q = pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS})
        q = q.astype({"row": "int64"})
        from .loaders.tables import shared_strings

        for c in ("source", "file", "sheet", "column", "level", "reason", "detail", "client_id"):
            q[c] = shared_strings(q[c])
        q["client_id"] = q["client_id"].mask(q["reason"] == "no_consent")
        q = q.sort_values(["source", "file", "sheet", "row", "level", "column"],
                          kind="stable", na_position="first").reset_index(drop=True)
        return q[QUARANTINE_COLUMNS]

    def quarantined_rows(self) -> pd.DataFrame:
        """Distinct (file, sheet, row) with a row-level record."""
        q = self.frame()
        q = q[q["level"] == "row"]
        return q[["file", "sheet", "row"]].drop_duplicates()

    def accounting(self, kept: pd.DataFrame) -> pd.DataFrame:
        """Per-file accounting from the rows kept in the final tables.

        Parameters
        ----------
        kept
            Columns ``file`` and ``row``: every (file, row) that is in a final table
            (duplicates allowed: a long table has many records per row). Each file is read
            with one sheet, or a further sheet is keyed ``path [sheet]`` (:func:`sheet_key`),
            so the file and the row identify an input row. Each sheet read is one entry
            (path, sheet) with its own counts.

        Raises
        ------
        HbEvalError
            When a row is both kept and quarantined, a kept or quarantined row was never read,
            or a file's rows do not add up (each is a bug).
        """
        big = np.int64(1 << 32)
        index = {rec.path: i for i, rec in enumerate(self._files)}

        def keys(files, rows) -> np.ndarray:
            # each distinct file name is looked up once
            files = pd.Series(files, dtype=object) if not isinstance(files, pd.Series) else files
            codes, names = pd.factorize(files.to_numpy(dtype=object), use_na_sentinel=False)
            at = np.array([index.get(str(n), -1) for n in names], dtype=np.int64)[codes]
            if (at < 0).any():
                name = files.iloc[int(np.flatnonzero(at < 0)[0])]
                raise HbEvalError(f"bug: rows of {name} are in a table but the file was never read")
            return _sorted_unique(at * big + np.asarray(rows, dtype=np.int64))

        # the row-level records' (file, row), straight from the records (no sorted table)
        rec_parts = [p for p in self._parts if len(p) and p["level"][0] == "row"]
        q_files = (np.concatenate([p["file"] for p in rec_parts])
                   if rec_parts else np.zeros(0, dtype=object))
        q_rows = (np.concatenate([p["row"] for p in rec_parts])
                  if rec_parts else np.zeros(0, dtype=np.int64))
        kept_keys = keys(kept["file"], kept["row"]) if len(kept) else np.zeros(0, np.int64)
        q_keys = keys(q_files, q_rows) if len(q_rows) else np.zeros(0, np.int64)
        both = np.intersect1d(kept_keys, q_keys, assume_unique=True)  # both sorted, unique
        if both.size:
            rec = self._files[int(both[0] // big)]
            raise HbEvalError(f"bug: file {rec.path} row {int(both[0] % big)} is both kept and "
                              "quarantined")
        # keys are sorted: each file's keys are one slice (found by bisection, not by a mask
        # over every key: thousands of diaries times millions of rows)
        n_files = len(self._files)
        bounds = np.arange(n_files + 1, dtype=np.int64) * big
        n_kept = np.diff(np.searchsorted(kept_keys, bounds))
        n_q = np.diff(np.searchsorted(q_keys, bounds))
        # each file's distinct rows read, as keys: the file's position first, so the keys of
        # all files at once sorted and made unique are those of each file in turn
        sizes = np.array([len(rec.rows) for rec in self._files], dtype=np.int64)
        read_keys = (_sorted_unique(np.repeat(np.arange(n_files, dtype=np.int64) * big, sizes)
                                    + np.concatenate([np.asarray(rec.rows, dtype=np.int64)
                                                      for rec in self._files]))
                     if n_files else np.zeros(0, np.int64))
        n_read = np.bincount(read_keys // big, minlength=n_files).astype(np.int64)
        # kept and quarantined keys never read, per file (all sets sorted and unique)
        used = np.concatenate([kept_keys, q_keys])
        at = np.searchsorted(read_keys, used)  # read_keys is sorted
        found = (at < read_keys.size) & (read_keys[np.minimum(at, read_keys.size - 1)] == used) \
            if read_keys.size else np.zeros(used.size, dtype=bool)
        stray_keys = used[~found]
        stray = np.bincount(stray_keys // big, minlength=n_files) if stray_keys.size \
            else np.zeros(n_files, dtype=np.int64)
        bad = np.flatnonzero((stray > 0) | (n_kept + n_q != n_read))
        if bad.size:  # the first file in order that does not add up
            i = int(bad[0])
            rec = self._files[i]
            raise HbEvalError(
                f"bug: rows of {rec.path} do not add up: read {n_read[i]}, kept {n_kept[i]}, "
                f"quarantined {n_q[i]}, unaccounted {n_read[i] - n_kept[i] - n_q[i]}, "
                f"not read {stray[i]}")
        recs = self._files
        df = pd.DataFrame({"source": [r.source for r in recs], "path": [r.shown for r in recs],
                           "sha256": [r.sha256 for r in recs], "sheet": [r.sheet for r in recs],
                           "rows_read": n_read, "rows_kept": n_kept, "rows_quarantined": n_q},
                          columns=FILE_COLUMNS)
        for c in ("rows_read", "rows_kept", "rows_quarantined"):
            df[c] = df[c].astype("int64")
        return df


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int64 array by sorting (numpy's hash-based unique has a fixed cost
    that thousands of small files' rows add up); an array already strictly increasing (a
    file's Excel rows, nearly always) is returned as it is."""
    if a.size < 2 or bool((a[1:] > a[:-1]).all()):
        return a
    a = np.sort(a, kind="stable")
    return a[np.concatenate(([True], a[1:] != a[:-1]))]
