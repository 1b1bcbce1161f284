"""Time diaries (docs/data_sources.md §7): one workbook per diarist (worker, client or HB assistant).

Rows 1–3 carry metadata, in one cell (``Työntekijä: 04-07``) or two (``Työntekijä:`` |
``04-07``): who (``Työntekijä``/``Asiakas``/``Avustaja``), the title (``Tehtävänimike``) and the
sample period (``Seurantajakso: 1.3.2018–31.3.2018``); the header is on row 5.
A diary whose diarist or sample period cannot be read is an :class:`InputError` naming the file
(nothing in it can be costed).

Row-level: date blank (``missing_required``), unreadable (``bad_date``) or outside the sample
period (``outside_period``); client number invalid (``bad_client_id``); in a worker's diary, a
client of another pilot (``pilot_mismatch``, *decision*); nothing recorded (no duration, km or
euros: ``missing_required``). A blank client number in a worker or assistant diary is kept with
client_id NA (time not attributed to one client; costing counts such rows). In a client's own
diary the client is the diarist.
Cell-level: unreadable duration, km or euros (``bad_value``, value NaN), unknown task or
volunteer answer (``unknown_code``).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import parsing
from ... import privacy
from ...errors import InputError
from ..io.batch import FileRows, PendingReads, start_reads
from ..io.grid import norm_header
from . import parse as P
from ..plausibility import screen_dates, screen_durations
from .accounting import check_source, unread_message
from .common import LoadContext, display_paths, hetu_mask, record_cell_errors

__all__ = ["load", "read_ahead", "read_meta", "ROLES"]

#: metadata label (normalised) -> role
ROLES = {"työntekijä": "worker", "asiakas": "client", "avustaja": "assistant",
         "hb-avustaja": "assistant"}
_TITLE = ("tehtävänimike", "nimike", "ammattinimike")
_PERIOD = ("seurantajakso", "jakso", "seuranta-aika")
_WORKER_RE = re.compile(r"^\s*(0[1-6])\s*[-–]\s*(\d{2})\s*$")
_ASSIST_RE = re.compile(r"^\s*A\s*[-–]\s*(0[1-6])\s*[-–]\s*(\d{2})\s*$", re.IGNORECASE)


def read_meta(meta: list[list[str]], file: str, sheet: str | None, *, gate: bool = True) -> dict:
    """Diarist, role, title and sample period from the metadata rows (``gate=False``: the
    title not yet through the privacy gate).

    Raises
    ------
    InputError
        When the diarist or the sample period is missing or unreadable (never quoting the
        cell, which might hold personal data).
    """
    fields: dict[str, str] = {}
    for cells in meta:
        cells = [str(c).strip() for c in cells]
        i = 0
        while i < len(cells):
            c = cells[i]
            if ":" in c:
                label, value = c.split(":", 1)
                if not value.strip() and i + 1 < len(cells) and ":" not in cells[i + 1]:
                    value = cells[i + 1]  # "Työntekijä:" | "04-07" in two cells
                    i += 1
                fields.setdefault(norm_header(label), value.strip())
            i += 1
    role = person = None
    for label, r in ROLES.items():
        if label in fields:
            role, raw = r, fields[label]
            break
    if role is None:
        raise InputError("diary metadata lacks the diarist (Työntekijä:, Asiakas: or Avustaja: "
                         "in rows 1–3)", file=file, sheet=sheet)
    if privacy.contains_hetu(raw):
        raise InputError("the diarist cell holds a personal identity code; not loaded",
                         file=file, sheet=sheet)
    if role == "worker":
        m = _WORKER_RE.match(raw)
        person = f"{m.group(1)}-{m.group(2)}" if m else None
    elif role == "assistant":
        m = _ASSIST_RE.match(raw)
        person = f"A-{m.group(1)}-{m.group(2)}" if m else None
    else:
        person = parsing.normalize_client_id(raw)  # as P.client_ids parses a cell
    if person is None:
        raise InputError(f"the diarist of this {role} diary is not a valid code "
                         "(worker 04-07, client 0410712, assistant A-04-03)", file=file, sheet=sheet)
    raw_period = next((fields[k] for k in _PERIOD if k in fields), None)
    period = _period(raw_period) if raw_period else None
    if period is None:
        raise InputError("diary metadata lacks a readable sample period (Seurantajakso: "
                         "1.3.2018–31.3.2018)", file=file, sheet=sheet)
    title = next((fields[k] for k in _TITLE if k in fields), None)
    title = " ".join(title.split()) if title else None
    if gate and title:
        title = privacy.gate(title)
    out = {"role": role, "person": person, "title": title if role != "client" else None,
           "period_start": period[0], "period_end": period[1]}
    if not gate:
        out["_title"] = title  # to be gated, whatever the role
    return out


@lru_cache(maxsize=4096)  # diaries of one sample period share its text
def _period(text: str):
    """:func:`parse.period` of a sample period's text (start and end Timestamps, or None)."""
    return P.period(text)


def _header_of(header: list[str], pos: int | None, name: str) -> str:
    """The column as headed in a file (as :meth:`SourceSheet.header_of`)."""
    if pos is None:
        return name
    return header[pos] if header[pos] else f"column {pos + 1}"


#: canonical columns a diary row is parsed from
_COLUMNS = ("client_id", "date", "minutes", "km", "expenses", "task", "volunteer")


class _Batch:
    """The data rows of many diaries as one frame, with per-row file, role and period, and
    row / cell quarantine as :class:`~.common.SourceSheet` does it for one file."""

    def __init__(self, ctx: LoadContext, reads: list[FileRows], metas: list[dict],
                 cols: list[dict[str, int]]) -> None:
        self.ctx = ctx
        sizes = np.array([len(r.rows) for r in reads], dtype=np.int64)
        self.fi = np.repeat(np.arange(len(reads)), sizes)  # file index of each row
        self.n = int(sizes.sum())
        self.rows = (np.concatenate([r.rows for r in reads]) if reads
                     else np.zeros(0, np.int64))
        self.files = np.array([r.file for r in reads], dtype=object)
        self.sheets = np.array([r.sheet for r in reads], dtype=object)
        self.alive = np.ones(self.n, dtype=bool)
        self.client_id = np.full(self.n, None, dtype=object)
        self._reads, self._cols = reads, cols
        self.role = np.array([m["role"] for m in metas], dtype=object)[self.fi]
        self.person = np.array([m["person"] for m in metas], dtype=object)[self.fi]
        # a worker's pilot (the first two digits of the diarist code), per file then per row
        self.diarist_pilot = np.array([m["person"][:2] if isinstance(m["person"], str) else None
                                       for m in metas], dtype=object)[self.fi]
        self._wide: np.ndarray | None = None  # every body at once when they share a layout
        self.start = np.array([m["period_start"] for m in metas], dtype="datetime64[ns]")[self.fi]
        self.end = np.array([m["period_end"] for m in metas], dtype="datetime64[ns]")[self.fi]

    def column_of(self, name: str) -> np.ndarray:
        """Per row the column as headed in its file (quarantine records)."""
        per_file = np.array([_header_of(r.header, c.get(name), name)
                             for r, c in zip(self._reads, self._cols)], dtype=object)
        return per_file[self.fi]

    def raw(self, name: str) -> pd.Series:
        """Raw text of a canonical column over all rows (None where empty or absent)."""
        wide = self._one_layout()
        if wide is not None:
            pos = self._cols[0].get(name)
            return pd.Series(wide[:, pos] if pos is not None
                             else np.full(self.n, None, dtype=object), dtype=object)
        parts = []
        for r, c in zip(self._reads, self._cols):
            pos = c.get(name)
            parts.append(r.body[:, pos] if pos is not None
                         else np.full(len(r.rows), None, dtype=object))
        arr = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
        return pd.Series(arr, dtype=object)

    def _one_layout(self) -> np.ndarray | None:
        """The bodies of all files as one array when every file has the same columns (diaries
        share their template; read after the cell checks and the identity-code guard, which
        write into the bodies), else None."""
        if self._wide is None and self._reads:
            first, width = self._cols[0], self._reads[0].body.shape[1]
            if all(c == first for c in self._cols) and all(
                    r.body.ndim == 2 and r.body.shape[1] == width for r in self._reads):
                self._wide = np.concatenate([r.body for r in self._reads])
            else:
                self._wide = np.zeros((0, 0), dtype=object)  # (not one layout)
        return self._wide if self._wide is not None and self._wide.shape[0] == self.n \
            and self.n else None

    def _where(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.files[self.fi[m]], self.sheets[self.fi[m]]

    def drop(self, mask, reason: str, detail: str, column: str | None = None) -> None:
        m = np.asarray(mask, dtype=bool) & self.alive
        if m.any():
            files, sheets = self._where(m)
            self.ctx.quarantine.rows(self.ctx.source, files, sheets, self.rows[m], reason, detail,
                                     client_id=self.client_id[m],
                                     column=self.column_of(column)[m] if column else None)
            self.alive &= ~m

    def bad_cells(self, mask, name: str, reason: str, detail: str) -> None:
        m = np.asarray(mask, dtype=bool) & self.alive
        if m.any():
            files, sheets = self._where(m)
            self.ctx.quarantine.cells(self.ctx.source, files, sheets, self.rows[m],
                                      self.column_of(name)[m], reason, detail,
                                      client_id=self.client_id[m])

    def guard_personal_ids(self) -> None:
        """The henkilötunnus guard of :meth:`SourceSheet.guard_personal_ids` over every cell of
        every file at once (key column: the client number; free-text columns redacted)."""
        schema_cols = getattr(self.ctx.schema, "columns", None) or {}
        free = [n for n, c in schema_cols.items() if getattr(c, "dtype", "") == "free_text"]
        flat = [r.body.ravel() for r in self._reads]
        if not flat:
            return
        cells = pd.Series(np.concatenate(flat), dtype=object)
        mask = hetu_mask(cells)
        if not mask.any():
            return
        start = 0
        key_rows = np.zeros(self.n, dtype=bool)
        offsets = np.r_[0, np.cumsum([len(r.rows) for r in self._reads])]
        for i, (r, c) in enumerate(zip(self._reads, self._cols)):
            size = r.body.size
            hit = mask[start:start + size].reshape(r.body.shape)
            start += size
            if not hit.any():
                continue
            free_pos = {c[n] for n in free if n in c}
            key_pos = c.get("client_id")
            for pos in np.flatnonzero(hit.any(axis=0)):
                rows_hit = hit[:, pos]
                if pos in free_pos:
                    r.body[rows_hit, pos] = [privacy.redact(v) for v in r.body[rows_hit, pos]]
                    continue
                if pos == key_pos:
                    key_rows[offsets[i]:offsets[i + 1]] |= rows_hit
                else:
                    head = r.header[pos] if pos < len(r.header) else ""
                    self.ctx.quarantine.cells(
                        self.ctx.source, r.file, r.sheet, r.rows[rows_hit],
                        head or f"column {pos + 1}", "personal_id_found",
                        "the cell holds a personal identity code; not loaded")
                r.body[rows_hit, pos] = None
        # a code where the client number should be: the row cannot be loaded
        self.drop(key_rows, "personal_id_found",
                  "a personal identity code where the client number should be; row not loaded",
                  "client_id")


def _meta_of(r: FileRows) -> dict:
    """:func:`read_meta` of a workbook read (run in the reading process; the title is gated
    in the loading process, where the placeholders are numbered)."""
    return read_meta(r.meta, r.file, r.sheet, gate=False)


def _rows(b: _Batch, schema) -> pd.DataFrame:
    """Parse and check the rows of all diaries together (the checks of docs/data_sources.md §7)."""
    b.guard_personal_ids()
    is_client = b.role == "client"
    ids = P.client_ids(b.raw("client_id"))
    # a client's own diary: the client is the diarist (its client-number column is not read)
    b.drop(ids["status"].eq("invalid").to_numpy() & ~is_client, "bad_client_id",
           "not a valid client number (7 digits: pilot 01-06, group 1-6, worker, sequence)",
           "client_id")
    b.client_id = np.where(is_client, b.person,
                           ids["client_id"].astype(object).where(ids["client_id"].notna(), None)
                           .to_numpy())
    pilot = ids["pilot_code"].to_numpy(dtype=object)
    other = (b.role == "worker") & ids["pilot_code"].notna().to_numpy() & (pilot != b.diarist_pilot)
    b.drop(other, "pilot_mismatch", "the client belongs to another pilot than the worker",
           "client_id")

    raw_date = b.raw("date")
    date, dbad = P.dates(raw_date)
    b.drop(raw_date.isna().to_numpy(), "missing_required", "date is blank", "date")
    b.drop(dbad.to_numpy(), "bad_date", "not a readable date", "date")
    date = screen_dates(b, "date", date, row_level=True)
    d = date.to_numpy()
    outside = ~np.isnat(d) & ((d < b.start) | (d > b.end))
    b.drop(outside, "outside_period", "dated outside the diary's sample period", "date")

    raw_min, raw_km, raw_eur = b.raw("minutes"), b.raw("km"), b.raw("expenses")
    minutes, mbad = P.durations(raw_min)
    km, kbad = P.numbers(raw_km)
    eur, ebad = P.numbers(raw_eur)
    nothing = (raw_min.isna() & raw_km.isna() & raw_eur.isna()).to_numpy()
    b.drop(nothing, "missing_required", "nothing recorded (no duration, km or euros)", "minutes")
    b.bad_cells(mbad.to_numpy(), "minutes", "bad_value", "not a duration")
    day = pd.Series(b.fi.astype(str), dtype=object).where(~np.isnat(d), None)
    day = day.where(day.isna(), day + "|" + pd.Series(d).astype(str))  # diarist x date
    screen_durations(b, "minutes", minutes, day)
    b.bad_cells(kbad.to_numpy(), "km", "bad_value", "not a number")
    b.bad_cells(ebad.to_numpy(), "expenses", "bad_value", "not a number")
    km = km.where(kbad | raw_km.notna(), 0.0)
    eur = eur.where(ebad | raw_eur.notna(), 0.0)

    task, tbad = P.codes(schema, "task", b.raw("task"))
    b.bad_cells(tbad.to_numpy(), "task", "unknown_code", "not a known task")
    vol, vbad = P.codes(schema, "volunteer", b.raw("volunteer"))
    b.bad_cells(vbad.to_numpy(), "volunteer", "unknown_code", "not kyllä / ei")
    volunteer = vol.eq("kyllä").fillna(False).to_numpy(dtype=bool)

    file = b.files[b.fi]
    return pd.DataFrame({
        "diary_id": file, "role": b.role, "date": d, "client_id": b.client_id,
        "task": task.where(~tbad).to_numpy(), "minutes": minutes.to_numpy(),
        "km": km.to_numpy(), "expenses": eur.to_numpy(), "volunteer": volunteer,
        "file": file, "row": b.rows,
    })[b.alive].reset_index(drop=True)


def read_ahead(files: list[Path], ctx: LoadContext, *, workers: int | None = None,
               shown: list[str | None] | None = None, pool=None) -> PendingReads:
    """Start reading the diary workbooks (a process pool for many, :func:`~hb_eval.data.io.
    batch.start_reads`) so that :func:`load` (``ahead=``) finds them read; the reads are the
    same whenever they are made.

    ``shown``: how each file is named (default: :func:`~.common.display_paths`). Read ahead of
    time, the files are named without the privacy gate (``display_paths(gate=False)``: the gate
    numbers its placeholders in the order it meets codes, so it runs when :func:`load` comes to
    the diaries); a file whose name the gate changes (or None) is read again there.
    ``pool``: a running pool to read with (:func:`~hb_eval.support.cores.fork_pool`).
    """
    if shown is None:
        shown = display_paths(files, ctx.base_dir)
    keep = [i for i, f in enumerate(shown) if f is not None]
    return start_reads([files[i] for i in keep], [shown[i] for i in keep],
                       P.header_known(ctx.schema), sheet=P.layout_sheet(ctx.schema, None),
                       min_hits=P.min_hits(ctx.schema), workers=workers, post=_meta_of,
                       pool=pool)


def _collect(ahead: PendingReads, files: list[Path], ctx: LoadContext,
             on_read: Callable[[int], None] | None) -> list:
    """The reads of ``files`` from ``ahead`` (:func:`read_ahead`); a file it did not read
    under the name shown now (or at all) is read in this process."""
    shown = display_paths(files, ctx.base_dir)
    paths = [p if isinstance(p, Path) else Path(p) for p in files]  # (no new Path per file)
    if ahead.paths == paths and ahead.files == shown:
        return ahead.collect(on_read=on_read)
    got = dict(zip(zip(ahead.paths, ahead.files), ahead.collect()))
    missing = [(p, f) for p, f in zip(paths, shown) if (p, f) not in got]
    if missing:
        got.update(zip(missing, read_ahead([p for p, _ in missing], ctx, workers=1,
                                           shown=[f for _, f in missing]).collect()))
    if on_read is not None:
        on_read(len(files))
    return [got[k] for k in zip(paths, shown)]


def load(files: list[Path], ctx: LoadContext, *,
         on_error: Callable[[Path, InputError], None] | None = None,
         workers: int | None = None, on_read: Callable[[int], None] | None = None,
         ahead: PendingReads | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load diary workbooks: (``diaries``, ``diary_rows``).

    The workbooks are read first (a process pool for many: :func:`hb_eval.data.io.batch.read_many`),
    then the rows of all of them are parsed and checked together, once. Quarantine records and
    per-file accounting are those of loading the files one by one, in the order given.

    Parameters
    ----------
    files
        The diary workbooks.
    ctx
        The load context (schema, quarantine collector, config folder).
    on_error
        Called with the path and the :class:`InputError` of a workbook that cannot be used (no
        header, no diarist or sample period, ...); that file is then left out. None: raise the
        first such error.
    workers
        Reading processes (None: one per core when there are many files); results do not
        depend on it.
    on_read
        Called with the number of workbooks read so far, as the reading goes (progress).
    ahead
        The workbooks' reading started earlier (:func:`read_ahead` of these files or more):
        collected here instead of reading them now.
    """
    if not files:
        if ahead is not None:
            ahead.close()
        return pd.DataFrame(), pd.DataFrame()
    if ahead is None:
        reads = read_ahead(files, ctx, workers=workers).collect(on_read=on_read)
    else:
        reads = _collect(ahead, files, ctx, on_read)
    for r in reads:  # titles through the gate here, in file order, whoever read them
        if isinstance(r, FileRows) and isinstance(r.extra, dict):
            title = r.extra.pop("_title", None)
            if title:
                title = privacy.gate(title)
                if r.extra["title"] is not None:
                    r.extra["title"] = title
    ok: list[FileRows] = []
    metas: list[dict] = []
    cols: list[dict[str, int]] = []
    resolved: dict[tuple[str, ...], dict[str, int]] = {}
    gated_headers: dict[tuple[str, ...], list[str]] = {}
    gated_sheets: dict[str | None, str | None] = {}
    for path, r in zip(files, reads):
        try:
            if isinstance(r, InputError):
                raise r
            key = tuple(r.header)
            if key not in resolved:  # once per distinct header: diaries share theirs
                check_source(ctx, r)  # another source's file among the diaries is refused
                resolved[key] = P.resolve(ctx.schema, r)
            if isinstance(r.extra, InputError):
                raise r.extra
            meta = r.extra
            c = resolved[key]
        except InputError as exc:
            if on_error is None:
                raise
            on_error(Path(path), exc)
            continue
        # one sheet per diary: the workbook's other sheets with data are reported
        for name, n, same in r.others:
            if n:
                ctx.quarantine.add_unread_sheet(ctx.source, r.file, privacy.gate(name), n,
                                                unread_message(r.file, r.sheet, name, n, same))
        # sheet names and headers leave the package in quarantine records and messages (the
        # gate once per distinct sheet name and header: diaries share theirs)
        if r.sheet not in gated_sheets:
            gated_sheets[r.sheet] = privacy.gate(r.sheet)
        r.sheet = gated_sheets[r.sheet]
        if key not in gated_headers:
            gated_headers[key] = [privacy.gate(h) for h in r.header]
        r.header = list(gated_headers[key])
        ctx.quarantine.add_file(ctx.source, r.file, r.sha256, r.sheet, r.rows, read=r.read)
        for col, rows in record_cell_errors(ctx, r.file, r.sheet, r.header, r.rows,
                                            r.body.shape[1], r.cell_errors):
            r.body[np.searchsorted(r.rows, rows), col] = None
        ok.append(r)
        metas.append(meta)
        cols.append(c)
    if not ok:
        return pd.DataFrame(), pd.DataFrame()
    rows = _rows(_Batch(ctx, ok, metas, cols), ctx.schema)
    diaries = pd.DataFrame({
        "diary_id": [r.file for r in ok], "file": [r.file for r in ok],
        "role": [m["role"] for m in metas], "person": [m["person"] for m in metas],
        "title": [m["title"] for m in metas],
        "period_start": [m["period_start"] for m in metas],
        "period_end": [m["period_end"] for m in metas],
        "period_days": [int((m["period_end"] - m["period_start"]).days) + 1 for m in metas]})
    return diaries, rows
