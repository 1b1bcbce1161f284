"""The Dataset: every source of an evaluation loaded into tidy tables, and :func:`load`.

Order of work (ARCHITECTURE.md, docs/data_sources.md):

1. Each source's loader reads its files: headers found, the henkilötunnus guard run over every
   cell, bad rows and cells quarantined, codes and numbers parsed.
2. Consent: roster clients without consent ``kyllä`` are removed and only counted; their rows in
   the roster and in every other source are quarantined as ``no_consent`` without the client
   number.
3. Orphans: rows naming a client number absent from the roster are quarantined as ``orphan``; the
   distinct numbers are listed in :attr:`Dataset.orphans` (internal only).
4. Waves and duplicates (:mod:`hb_eval.data.loaders.waves`).
5. Budget decisions: a decision of a Verrokki client is ``arm_mismatch``, two of one client with
   one start date ``duplicate`` (:func:`hb_eval.data.loaders.budgets.check_decisions`); service
   rows' provider ids and sectors are checked against the provider register
   (:func:`hb_eval.data.loaders.providers.check_service_providers`: cell flags, rows kept).
6. Per-file accounting: rows read = kept + quarantined, checked.

Steps 2–4 and the tables' conforming run for each source as soon as its tables are whole (the
questionnaires', satisfaction's and ESR's while the pool still reads the diaries); their
quarantine records are put back in the order above, so the result is that of doing them after
the last source.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, Folders, load_config, real_path
from ..errors import HbEvalError, InputError
from .. import privacy
from .io import batch
from .loaders.common import LoadContext, display_path, display_paths, parsed_for_taking, take_parsed
from .loaders.parse import layout_sheet
from .loaders.tables import ARMS, conform, empty
from .inventory import UNREAD_FILE_COLUMNS, unmatched_files
from .plausibility import Limits, client_amount_over, wave_order
from .parsing import forget_parsed
from .quarantine import LISTED_WHEN_FOUND, REASONS, Quarantine
from ..support.cores import fork_pool
from ..support.heap import return_freed_memory
from ..support.progress import RunProgress

__all__ = ["Dataset", "load", "FILE_ERROR_COLUMNS", "UNREAD_SHEET_COLUMNS", "UNREAD_FILE_COLUMNS"]

FILE_ERROR_COLUMNS = ["source", "path", "sha256", "reason", "message"]
UNREAD_SHEET_COLUMNS = ["source", "path", "sheet", "rows", "message"]


#: tables whose rows come from input rows (file, row) and carry a client_id
_CLIENT_TABLES = ("responses", "satisfaction", "esr", "diary_rows", "service_costs", "budgets")


@dataclass
class Dataset:
    """Tidy tables of one evaluation (see ARCHITECTURE.md for every column).

    Attributes
    ----------
    clients, responses, items, satisfaction, esr, diaries, diary_rows, service_costs
        The tidy tables; only consenting roster clients appear.
    budgets
        HB budget decisions kept (one row per decision; revisions are applied by the budget
        follow-up, :mod:`hb_eval.costs.budget`); empty when the source is absent.
    providers
        The provider register (no client data; ``name`` is for internal reports only); empty
        when the source is absent.
    unit_costs
        :class:`~hb_eval.data.loaders.unit_costs.UnitCosts`, or None when the source is absent.
    quarantine
        One row per quarantined row or cell.
    files
        Per-file accounting: source, path, sha256, sheet, rows_read, rows_kept, rows_quarantined.
    excluded_no_consent
        Roster clients without consent ``kyllä`` (a count: nothing else about them is kept).
    orphans
        client_id, source, n_rows of client numbers absent from the roster (internal only).
    file_errors
        Files that could not be used at all (only when loaded with ``errors="collect"``):
        source, path, sha256, reason (a code such as ``no_header``), message.
    unread_sheets
        Sheets with data that no schema reads (source, path, sheet, rows, message).
    unread_files
        Files in a source's folder that are not read (source, path, reason, message): reason
        ``not_matched`` (the source's pattern does not match a file that looks like its own)
        or ``own_output`` (a file hb-eval wrote; :mod:`hb_eval.data.inventory`).
    inputs_read
        One :class:`~hb_eval.data.io.snapshot.InputRead` per file read (absolute path, SHA-256
        of the bytes parsed, size, time): :meth:`check_inputs_unchanged` re-checks them.
    """

    clients: pd.DataFrame
    responses: pd.DataFrame
    items: pd.DataFrame
    satisfaction: pd.DataFrame
    esr: pd.DataFrame
    diaries: pd.DataFrame
    diary_rows: pd.DataFrame
    service_costs: pd.DataFrame
    unit_costs: Any
    quarantine: pd.DataFrame
    files: pd.DataFrame
    excluded_no_consent: int
    orphans: pd.DataFrame
    config: Config | None = None
    schemas: dict[str, Any] = field(default_factory=dict)
    file_errors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=FILE_ERROR_COLUMNS))
    budgets: pd.DataFrame = field(default_factory=lambda: empty("budgets"))
    providers: pd.DataFrame = field(default_factory=lambda: empty("providers"))
    unread_sheets: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=UNREAD_SHEET_COLUMNS))
    limits: Any = None
    inputs_read: list = field(default_factory=list, repr=False)
    unread_files: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=UNREAD_FILE_COLUMNS))

    def check_inputs_unchanged(self) -> None:
        """Raise :class:`~hb_eval.errors.InputChangedError` naming an input file whose bytes
        changed since they were read (a run ends with this check)."""
        from .io.snapshot import check_unchanged

        check_unchanged(self.inputs_read)

    # -- outputs ---------------------------------------------------------------------------
    def clients_per_arm(self) -> dict[str, int]:
        """Analysed (consenting roster) clients per arm."""
        arm = self.clients["arm"].astype(str)
        return {a: int((arm == a).sum()) for a in ARMS}

    def quarantine_by_reason(self) -> dict[str, int]:
        """Quarantine records (rows and cells) per reason; every reason listed, 0 when none
        (the reasons of ``quarantine.LISTED_WHEN_FOUND`` only when found)."""
        counts = self.quarantine["reason"].value_counts()
        return {r: int(counts.get(r, 0)) for r in REASONS
                if r not in LISTED_WHEN_FOUND or counts.get(r, 0)}

    def data_block(self) -> dict[str, Any]:
        """The ``data`` block of results.json (docs/outputs.md): plain ints and strings only."""
        per_arm = self.clients_per_arm()
        files = [
            {"source": str(r.source), "path": str(r.path),
             "sheet": None if pd.isna(r.sheet) else str(r.sheet), "sha256": str(r.sha256),
             "rows_read": int(r.rows_read), "rows_kept": int(r.rows_kept),
             "rows_quarantined": int(r.rows_quarantined), "status": "read"}
            for r in self.files.itertuples(index=False)
        ]
        files += file_status_entries(self.file_errors, self.unread_sheets, self.unread_files)
        return {
            "clients": {"HB": per_arm["HB"], "Verrokki": per_arm["Verrokki"],
                        "excluded_no_consent": int(self.excluded_no_consent),
                        "orphans": int(self.orphans["client_id"].nunique())},
            "files": files,
            "quarantine_by_reason": self.quarantine_by_reason(),
        }

    def clients_by(self, *columns: str) -> pd.DataFrame:
        """Client counts per arm and the given columns (e.g. ``"pilot"``), zeros included."""
        c = self.clients
        return (c.groupby(["arm", *columns], observed=False).size().rename("n").reset_index())

    def summary(self) -> pd.DataFrame:
        """Per source: files, rows read, kept, quarantined, and quarantined rows by reason.

        Returns
        -------
        DataFrame
            One row per source: source, n_files, rows_read, rows_kept, rows_quarantined, then
            one ``quarantined_<reason>`` column per reason of a quarantined row (they add up to
            rows_quarantined), and cells_flagged (cell-level records: the row is kept).
            Per-file detail is :attr:`files`; the text ``hb-eval validate`` prints is
            :meth:`summary_text`.
        """
        f = self.files
        out = (f.groupby("source", observed=True, sort=False)
               .agg(n_files=("path", "nunique"), rows_read=("rows_read", "sum"),
                    rows_kept=("rows_kept", "sum"), rows_quarantined=("rows_quarantined", "sum"))
               .reset_index())
        q = self.quarantine
        if len(q):
            level = q["level"].astype(str)
            rows = (q[level == "row"]
                    .assign(reason=lambda d: "quarantined_" + d["reason"].astype(str))
                    .groupby(["source", "reason"], observed=True).size().unstack(fill_value=0))
            cells = q[level == "cell"].groupby("source", observed=True).size().rename(
                "cells_flagged")
            rows.index = rows.index.astype(str)
            cells.index = cells.index.astype(str)
            out = out.merge(rows, left_on="source", right_index=True, how="left")
            out = out.merge(cells, left_on="source", right_index=True, how="left")
        else:
            out["cells_flagged"] = 0
        counts = [c for c in out.columns if c != "source"]
        out[counts] = out[counts].fillna(0).astype(int)
        return out

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.summary().to_html(index=False)

    def summary_text(self) -> str:
        """A data-quality summary a person can act on (plain text; ``hb-eval validate``)."""
        lines = []
        pa = self.clients_per_arm()
        lines.append(f"Clients analysed: HB {pa['HB']}, Verrokki {pa['Verrokki']}; "
                     f"excluded for missing consent: {self.excluded_no_consent}; orphan client "
                     f"numbers (not in the roster): {self.orphans['client_id'].nunique()}")
        lines.append("")
        lines.append("Files (rows read = kept + quarantined):")
        if len(self.files):
            f = self.files
            w = max(len(str(p)) for p in f["path"])
            for r in f.itertuples(index=False):
                sheet = f" [{r.sheet}]" if isinstance(r.sheet, str) and r.sheet else ""
                lines.append(f"  {r.source:<14} {str(r.path) + sheet:<{w + 14}} read "
                             f"{r.rows_read:>6}  kept {r.rows_kept:>6}  quarantined "
                             f"{r.rows_quarantined:>5}")
        if len(self.file_errors):
            lines.append("")
            lines.append("Files refused (not read at all):")
            for r in self.file_errors.itertuples(index=False):
                lines.append(f"  {r.source:<14} [{r.reason}] {r.message}")
        if len(self.unread_sheets):
            lines.append("")
            lines.append("Sheets with data that no schema reads (not read):")
            for r in self.unread_sheets.itertuples(index=False):
                lines.append(f"  {r.source:<14} {r.message}")
        if len(self.unread_files):
            lines.append("")
            lines.append("Files in a source's folder that are not read:")
            for r in self.unread_files.itertuples(index=False):
                lines.append(f"  {r.source:<14} [{r.reason}] {r.path}: {r.message}")
        if self.limits is not None:
            lim = self.limits
            lines.append("")
            lines.append(f"Plausibility limits: dates {lim.date_min} – {lim.date_max}; a diary "
                         f"row at most {lim.max_duration_minutes:g} min, a diarist's day at "
                         f"most {lim.max_day_minutes:g} min; a service row at most "
                         f"{lim.max_service_row_eur:,.0f} €, a client's services at most "
                         f"{lim.max_client_services_eur:,.0f} € (configurable under data:); "
                         "a follow-up dated before its baseline is quarantined (wave_order)")
        lines.append("")
        lines.append("Quarantine by reason (records; rows and cells):")
        q = self.quarantine
        if len(q):
            tab = q.groupby(["reason", "level"], observed=True).size().unstack(fill_value=0)
            for reason in tab.index:
                rw = int(tab.loc[reason].get("row", 0))
                cl = int(tab.loc[reason].get("cell", 0))
                lines.append(f"  {reason:<18} rows {rw:>5}  cells {cl:>5}")
        else:
            lines.append("  (nothing quarantined)")
        for col, title in (("pilot", "pilot"), ("client_group", "client group")):
            lines.append("")
            lines.append(f"Clients per arm and {title}:")
            t = self.clients_by(col).pivot(index=col, columns="arm", values="n")
            for name in t.index:
                lines.append(f"  {name:<20} HB {int(t.loc[name].get('HB', 0)):>5}  Verrokki "
                             f"{int(t.loc[name].get('Verrokki', 0)):>5}")
        if len(self.orphans):
            lines.append("")
            lines.append("Orphan rows per source (client numbers not in the roster):")
            for src, g in self.orphans.groupby("source", observed=True):
                lines.append(f"  {src:<14} {g['client_id'].nunique():>4} numbers, "
                             f"{int(g['n_rows'].sum()):>5} rows")
        return "\n".join(lines)

    def __repr__(self) -> str:
        pa = self.clients_per_arm()
        return (f"<Dataset: {pa['HB']} HB + {pa['Verrokki']} Verrokki clients, "
                f"{len(self.responses)} responses, {len(self.quarantine)} quarantine records>")


# -- loading ------------------------------------------------------------------------------------

def refused_entry(source: str, path: Path, shown: str, exc: InputError) -> dict[str, Any]:
    """A ``file_errors`` row: the file's SHA-256 when it can be read, the reason code and the
    message (through the privacy gate)."""
    try:
        from .io import sha256_file

        # a pipe would block, a huge file take long: only a regular file within the limit
        from .io.guard import MAX_FILE_BYTES

        sha = (sha256_file(path) if os.path.isfile(path)
               and os.path.getsize(path) <= MAX_FILE_BYTES else None)
    except OSError:
        sha = None
    return {"source": source, "path": shown, "sha256": sha,
            "reason": getattr(exc, "code", "unusable"), "message": privacy.gate(str(exc))}


def file_status_entries(file_errors: pd.DataFrame, unread: pd.DataFrame,
                        unread_files: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """``files[]`` entries of refused files (``status: refused``), unread sheets
    (``status: unread``, reason ``unread_sheet``) and unread files (``status: unread``, reason
    ``not_matched`` or ``own_output``), zero rows read, with the reason."""
    out: list[dict[str, Any]] = []
    for r in file_errors.itertuples(index=False):
        out.append({"source": str(r.source), "path": str(r.path), "sheet": None,
                    "sha256": None if r.sha256 is None or pd.isna(r.sha256) else str(r.sha256),
                    "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
                    "status": "refused", "reason": str(r.reason), "message": str(r.message)})
    for r in unread.itertuples(index=False):
        out.append({"source": str(r.source), "path": str(r.path), "sheet": str(r.sheet),
                    "sha256": None, "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
                    "rows_unread": int(r.rows), "status": "unread", "reason": "unread_sheet",
                    "message": str(r.message)})
    for r in (unread_files if unread_files is not None else []).itertuples(index=False):
        out.append({"source": str(r.source), "path": str(r.path), "sheet": None,
                    "sha256": None, "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
                    "status": "unread", "reason": str(r.reason), "message": str(r.message)})
    return out


def _without_ids(quarantine: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """The quarantine table with the client number blanked wherever it belongs to a client
    without a clear consent (records written by a loader before consent was applied)."""
    if not ids or not len(quarantine):
        return quarantine
    hit = _ids_in(quarantine["client_id"], ids)[0]  # isin, NA as False: once per number
    if hit.any():
        quarantine = quarantine.copy()
        quarantine.loc[hit, "client_id"] = pd.NA
    return quarantine


def _unmatched(cfg: Config, paths: list, folders: Folders | None = None
               ) -> list[dict[str, Any]]:
    """:func:`~hb_eval.data.inventory.unmatched_files` beside ``paths``, the files the
    sources match (done in the loading process, or in a pool's worker with the folders the
    load listed before the fork: :data:`_FORKED`)."""
    folders = _FORKED.get("folders", Folders()) if folders is None else folders
    return unmatched_files(cfg, {real_path(p, folders) for p in paths}, folders)


#: Sources whose files a pool parses whole, one task per file (:func:`_parsed_whole`), in the
#: order the load needs them: a small load's pool parses them all (the diaries in one task,
#: :func:`_diaries_whole`), a large load's the service costs (its workers read the diaries).
_PARSED_WHOLE = ("kykyviisari", "kompassi", "osallisuus", "satisfaction", "esr")
_PARSED_LATE = ("service_costs", "budgets", "providers")


#: What a pool's workers inherit when they are forked: the load's ``schemas``, ``base_dir``
#: and ``limits`` (set just before the fork, emptied after it; sent with each task instead,
#: the schemas alone cost ~2 ms of pickling per task), and ``folders``, the sources' folders as
#: the load listed them (:class:`~hb_eval.config.Folders`).
_FORKED: dict[str, Any] = {}


def _fork_load_pool(workers: int, **inherit: Any):
    """:func:`~hb_eval.support.cores.fork_pool` of ``workers`` that inherit ``inherit``
    (:data:`_FORKED`: schemas, base_dir, limits, folders), which is emptied again after the
    fork."""
    _FORKED.update(inherit)
    try:
        return fork_pool(workers)
    finally:
        _FORKED.clear()  # (the workers have theirs: all are forked at the pool's start)


def _worker_context(source: str) -> LoadContext:
    """A load context of a pool's worker (:data:`_FORKED`): its own quarantine, no reads
    ahead, and the placeholders forgotten, so that any code the privacy gate meets is numbered
    anew and seen (placeholders are numbered in the order of the whole load, in the loading
    process)."""
    privacy.reset_placeholders()
    schemas = _FORKED["schemas"]
    return LoadContext(source=source, schema=schemas.get(source), quarantine=Quarantine(),
                       base_dir=_FORKED["base_dir"], schemas=schemas, limits=_FORKED["limits"])


def _parsed_whole(path: Path, file: str, source: str):
    """The source's ``load([path], ctx)`` in a pool's worker (``GridsAhead.add_parsed``):
    ``(sha256, (result, files, records, unread sheets))``, or None when the result could differ
    from the loader's in the loading process: the file cannot be used (the loader then says
    why), is shown under another name, or the privacy gate numbered a placeholder.

    The service costs' text columns are cast to the tidy table's string dtype here, in the
    worker (``conform`` keeps a column that has its dtype already)."""
    import importlib

    loader = importlib.import_module(f"{__package__}.loaders.{source}")
    ctx = _worker_context(source)
    try:
        got = loader.load([path], ctx)
    except Exception:  # noqa: BLE001 - the loader reads it again and reports it
        return None
    if source == "service_costs":
        got = loader.with_string_columns(got)
    return parsed_for_taking(ctx.quarantine, file, got)


def _diaries_whole(paths: list[Path]):
    """The diaries' load in a small load's worker (a run of consecutive diaries): ``(paths,
    (diaries, rows), everything the quarantine recorded)`` (:meth:`Quarantine.take_all`), or
    None when the result could differ from the load in the loading process (a diary cannot be
    used, or the privacy gate numbered a placeholder)."""
    from .loaders import time_diary

    ctx = _worker_context("time_diary")
    try:
        got = time_diary.load(paths, ctx, workers=1)
    except Exception:  # noqa: BLE001 - loaded again in the loading process, which reports it
        return None
    if privacy.placeholders_numbered():
        return None
    return paths, got, ctx.quarantine.take_all()


def _schemas(cfg: Config) -> dict[str, Any]:
    """Every source's schema; an adapted one in ``cfg.schemas`` replaces the shipped one."""
    from .schema import load_schemas

    return load_schemas(cfg.schemas)


def _concat_items(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame | None, bool]:
    """The questionnaires' item parts as one frame, and whether their ``item`` categories
    differ (several sources).

    Parts whose categoricals differ would be concatenated by pandas as 7 million Python
    objects (then factorised again by :func:`_items_of`): here they share one dtype (the union
    of the categories, recoded per part), and ``_items_of(sort_items=True)`` gives the column
    the categories pandas would have inferred from those texts.
    """
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return None, False
    dts = [p["item"].dtype for p in parts]
    if not (all(isinstance(d, pd.CategoricalDtype) for d in dts)
            and any(d != dts[0] for d in dts)):
        return pd.concat(parts, ignore_index=True), False
    cats = pd.Index(pd.unique(np.concatenate([np.asarray(d.categories, dtype=object)
                                              for d in dts])), dtype=object)
    parts = [p.assign(item=p["item"].cat.set_categories(cats)) for p in parts]
    return pd.concat(parts, ignore_index=True), True


def _present_sorted(item: pd.Categorical) -> pd.Categorical:
    """``pd.Categorical(item.astype(object))``: the categories present, in the order pandas
    infers for those values, found on the distinct values only."""
    codes = np.asarray(item.codes)
    n_cat = len(item.categories)
    used = np.bincount(codes[codes >= 0] if (codes < 0).any() else codes,
                       minlength=n_cat) > 0
    present = np.flatnonzero(used)
    inferred = pd.Categorical(pd.Series(np.asarray(item.categories, dtype=object)[present],
                                        dtype=object))  # (as the concatenated object column)
    to = np.full(n_cat + 1, -1, dtype=inferred.codes.dtype)  # the last: NA (code -1)
    to[present] = inferred.codes
    return pd.Categorical.from_codes(to[codes], dtype=inferred.dtype)


def _items_of(items: pd.DataFrame | None, responses: pd.DataFrame | None,
              n_responses: int, *, sort_items: bool = False) -> pd.DataFrame | None:
    """Items of the responses kept, with response_id, client_id, source and wave taken from
    their response by position (``_rix``), never by joining on text (``sort_items``: the
    item categories of :func:`_concat_items`' parts differed)."""
    if items is None or not len(items) or responses is None or not len(responses):
        return None
    from .loaders.waves import WAVE_DTYPE

    rix = responses["_rix"].to_numpy(dtype=np.int64)
    kept = np.zeros(n_responses, dtype=bool)
    kept[rix] = True
    at = items["_rix"].to_numpy()
    mask = kept[at]
    # the items of the responses kept, by position: no copy of the whole long table
    sel = None if mask.all() else np.flatnonzero(mask)
    mask = None
    if sel is not None:
        at = at[sel]

    def column(name):
        return items[name] if sel is None else items[name].take(sel)

    def spread(values, fill, dtype):
        arr = np.full(n_responses, fill, dtype=dtype)
        arr[rix] = values
        return arr[at]

    src = pd.Categorical(responses["source"].astype(str), categories=["kykyviisari", "kompassi",
                                                                      "osallisuus"])
    wave = pd.Categorical(responses["wave"], dtype=WAVE_DTYPE)
    # response_id, client_id and item are categoricals of str built from integer codes: the
    # long table never holds millions of Python strings
    n_kept = len(rix)
    rid_codes = np.full(n_responses, -1,
                        dtype=np.int32 if n_kept < np.iinfo(np.int32).max else np.int64)
    rid_codes[rix] = np.arange(n_kept)
    rid_codes = rid_codes[at]
    cid_cat = pd.Categorical(responses["client_id"].astype(str))
    item = column("item")
    item_cat = (_present_sorted(item.array) if sort_items
                else item.array if isinstance(item.dtype, pd.CategoricalDtype)
                else pd.Categorical(item))
    item = None
    out = {
        "response_id": pd.Categorical.from_codes(
            rid_codes, categories=pd.Index(responses["response_id"].astype(str), dtype=object)),
        "client_id": pd.Categorical.from_codes(spread(cid_cat.codes, -1, cid_cat.codes.dtype),
                                               dtype=cid_cat.dtype),
        "source": pd.Categorical.from_codes(spread(src.codes, -1, np.int8), dtype=src.dtype),
        "wave": pd.Categorical.from_codes(spread(wave.codes, -1, np.int8), dtype=WAVE_DTYPE),
        "item": item_cat,
        "value": column("value").to_numpy(),
        # the categorical itself: .to_numpy() would give millions of str to convert back
        "missing": column("missing").array,
    }
    return pd.DataFrame(out, copy=False)


def _ids_in(client_id: pd.Series, *sets: set[str]) -> tuple[np.ndarray, ...]:
    """(in the first set, in the next, ..., not blank) per row: for each set
    ``client_id.astype("string").isin(ids)`` with NA as False, then ``notna()``; each
    distinct number decided once (one factorisation for all the sets)."""
    codes, uniq = pd.factorize(client_id.to_numpy(dtype=object), use_na_sentinel=True)
    texts = [str(u) for u in uniq]
    out = []
    for ids in sets:
        hit = np.zeros(len(uniq) + 1, dtype=bool)  # the last: blank (code -1)
        hit[:-1] = [u in ids for u in texts]
        out.append(hit[codes])
    return (*out, codes >= 0)


def _record_rows(q: Quarantine, table: pd.DataFrame, m: np.ndarray, source_of, reason: str,
                 detail: str, sheets: dict[str, str | None]) -> None:
    """Quarantine records of the input rows of ``table`` where ``m`` (one per input row: a
    (file, row) met twice is recorded once), as one batch; ``source_of(table, positions)``
    gives their source. Only the columns recorded are gathered, never the rows' frame."""
    idx = np.flatnonzero(m)
    files = table["file"].take(idx).astype(object).to_numpy()
    rows = table["row"].to_numpy()[idx]
    source = source_of(table, idx)
    client_id = table["client_id"].take(idx).astype(object).to_numpy()
    codes, names = pd.factorize(files, use_na_sentinel=False)
    if len(idx) > 1:  # the first record of each (file, row), in table order
        key = codes.astype(np.int64) * (int(rows.max()) - int(rows.min()) + 1) + (rows - rows.min())
        uniq, first = np.unique(key, return_index=True)
        if len(uniq) < len(idx):
            keep = np.sort(first)
            codes, rows, client_id = codes[keep], rows[keep], client_id[keep]
            source = source if isinstance(source, str) else np.asarray(source)[keep]
            used, codes = np.unique(codes, return_inverse=True)  # (names in order met)
            names = np.asarray(names, dtype=object)[used]
    # one batch of records (the quarantine table is sorted by source, file, sheet and row)
    names = np.array([str(f) for f in names], dtype=object)
    where = np.array([sheets.get(f) for f in names], dtype=object)
    q.rows(source if isinstance(source, str) else np.asarray(source, dtype=object),
           names[codes], where[codes], rows, reason, detail, client_id=client_id)


def _drop_rows(q: Quarantine, table: pd.DataFrame, mask: pd.Series | np.ndarray, source_of,
               reason: str, detail: str, sheets: dict[str, str | None]) -> pd.DataFrame:
    """Quarantine the input rows of ``table`` where ``mask`` (:func:`_record_rows`); the
    table without them."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return table
    _record_rows(q, table, m, source_of, reason, detail, sheets)
    return table.take(np.flatnonzero(~m)).reset_index(drop=True)


#: The sources in the order :func:`load` reads them.
SOURCES = ("roster", "kykyviisari", "kompassi", "osallisuus", "satisfaction", "esr", "time_diary",
           "service_costs", "unit_costs", "budgets", "providers")


def load(config: Config | str | Path, *, errors: str = "raise",
         progress: RunProgress | None = None) -> Dataset:
    """Load every source of an evaluation.

    Parameters
    ----------
    config
        A :class:`~hb_eval.config.Config` or the path of ``evaluation.yaml``.
    errors
        ``"raise"``: a file that cannot be used at all raises :class:`InputError`.
        ``"collect"``: such files are listed in :attr:`Dataset.file_errors` and the rest is
        loaded (``hb-eval validate`` uses this). The roster must load either way.
    progress
        The run's progress display: the load is its step ``load``, advanced per file (its
        share weighted by the files' bytes), with a part per source.

    Returns
    -------
    Dataset
    """
    started: list = []  # work started in other processes, stopped when the load fails
    try:
        return _load(config, errors=errors, progress=progress, started=started)
    finally:
        for pending in reversed(started):
            if hasattr(pending, "shutdown"):  # the pool
                pending.shutdown(wait=True, cancel_futures=True)
            else:
                pending.close()
        return_freed_memory()


def _load(config: Config | str | Path, *, errors: str, progress: RunProgress | None,
          started: list) -> Dataset:
    """:func:`load`; the diary reading it starts early is appended to ``started``."""
    from .loaders import (budgets as l_bud, esr as l_esr, kompassi as l_kom, kykyviisari as l_kyky, osallisuus as l_osa, providers as l_prov, roster as l_roster, satisfaction as l_sat, service_costs as l_svc, time_diary as l_diary, unit_costs as l_uc)
    from .loaders.waves import assign_waves

    if errors not in ("raise", "collect"):
        raise HbEvalError("errors must be 'raise' or 'collect'")
    privacy.reset_placeholders()  # a new run: the same inputs give the same placeholders
    forget_parsed()  # (parse memos: one load's time does not depend on the ones before)
    cfg = config if isinstance(config, Config) else load_config(config)
    schemas = _schemas(cfg)
    limits = Limits.from_config(cfg)
    q = Quarantine()
    file_errors: list[dict[str, Any]] = []
    owner: dict[Path, str] = {}  # each file belongs to one source

    grids_ahead = None  # sheets read ahead by the pool (set below)
    unmatched_ahead = None  # the pool's listing of the files no source matches (set below)
    parsed_whole: set[str] = set()  # sources whose files the pool parses whole (set below)

    def ctx(source: str) -> LoadContext:
        return LoadContext(source=source, schema=schemas.get(source), quarantine=q,
                           base_dir=cfg.base_dir, schemas=schemas, limits=limits,
                           ahead=grids_ahead)

    folders = Folders()  # each folder listed and resolved once in the load

    def claim(source: str, p: Path) -> None:
        key = real_path(p, folders)  # never raises on a link loop
        other = owner.setdefault(key, source)
        if other != source:
            raise InputError(f"the same file is configured for sources.{other} and "
                             f"sources.{source}; a file belongs to one source",
                             file=display_path(p, cfg.base_dir), code="same_file")

    listed: dict[str, list[Path]] = {}
    unread_files: list[dict[str, Any]] = []
    for source in SOURCES:
        if not cfg.has_source(source):
            listed[source] = []
            continue
        paths, own = cfg.source_listing(source, folders)
        listed[source] = paths
        for p, why in own:  # the package's own outputs: never read, listed
            unread_files.append({"source": source, "path": display_path(p, cfg.base_dir),
                                 "reason": "own_output",
                                 "message": privacy.gate(f"not read: {why}")})

    def files(source: str) -> list[Path]:
        return listed[source]

    configured = [p for src in SOURCES for p in listed[src]]  # every file a source matches

    # Many diaries (thousands of small workbooks): a pool reads them, and the questionnaires'
    # sheets, while this process loads the roster and parses each source in its turn (as if
    # read then: same results with one process). Names are taken without the privacy gate
    # here (it numbers placeholders in the order it meets codes); a file whose gated name
    # differs is read in its turn.
    # A small load (fewer diaries than batch.POOL_FROM, at least batch.PARSE_FROM files): the
    # pool parses whole files (the diaries all in one task) while this process loads the
    # roster and does each source's after-read steps; a file is taken from the pool only on
    # proof that its parse here would give the same (_parsed_whole).
    def shown_pairs(source: str) -> list[tuple[Path, str]]:
        """The source's files with their names as shown (not gated: see above)."""
        return list(zip(listed[source], display_paths(listed[source], cfg.base_dir, gate=False)))

    diary_ahead = pool = diaries_whole = None
    many = len(listed["time_diary"]) >= batch.POOL_FROM
    if many or sum(map(len, listed.values())) >= batch.PARSE_FROM:
        workers = batch.default_workers()
        pool = _fork_load_pool(workers, schemas=schemas, base_dir=cfg.base_dir, limits=limits,
                               folders=folders) if workers > 1 else None
    if pool is not None and not many:
        started.append(pool)
        grids_ahead = batch.GridsAhead(pool, [])
        started.append(grids_ahead)

        def parse_whole(sources):
            for src in sources:
                grids_ahead.add_parsed(pool, shown_pairs(src), _parsed_whole, src)

        parsed_whole.update(_PARSED_WHOLE + _PARSED_LATE)
        parse_whole(_PARSED_WHOLE)
        # the diaries in one task per worker (consecutive files: the records of a file are
        # made in the same order, the quarantine table is sorted, the tables concatenated)
        d_all = listed["time_diary"]
        step = -(-len(d_all) // workers)
        diaries_whole = [pool.submit(_diaries_whole, d_all[i:i + step])
                         for i in range(0, len(d_all), step)]
        parse_whole(_PARSED_LATE)
        unmatched_ahead = pool.submit(_unmatched, cfg, [os.fspath(p) for p in configured])
    elif pool is not None:
        started.append(pool)
        modules = {"kykyviisari": l_kyky, "kompassi": l_kom, "osallisuus": l_osa,
                   "roster": l_roster}

        def sheets_of(sources):
            out = []
            for src in sources:
                sheet = layout_sheet(schemas.get(src), getattr(modules.get(src), "SHEET", None))
                out += [(p, sheet, f) for p, f in zip(
                    listed[src], display_paths(listed[src], cfg.base_dir, gate=False))
                    if p.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".txt")]
            return out
        # (the sources after the diaries are given to the pool when the diaries' turn comes:
        # read from the start, their grids were all held at once and raised the peak memory)
        grids_ahead = batch.GridsAhead(pool, sheets_of(("kykyviisari", "kompassi", "osallisuus",
                                                    "satisfaction", "esr")))
        started.append(grids_ahead)
        diary_ahead = l_diary.read_ahead(
            listed["time_diary"], ctx("time_diary"), pool=pool,
            shown=display_paths(listed["time_diary"], cfg.base_dir, gate=False))

    # progress: one step, advanced per file by its bytes (a few large workbooks weigh as much
    # as many small diaries)
    run = progress if progress is not None else RunProgress(False)
    sizes = {p: _size(p) for ps in listed.values() for p in ps}
    n_files, n_bytes = sum(map(len, listed.values())), sum(sizes.values())
    done = [0, 0]
    run.step("load", "loading data", total=n_files, unit="files")

    def advance(paths: list[Path]) -> None:
        done[0] += len(paths)
        done[1] += sum(sizes.get(p, 0) for p in paths)
        run.update(done[1] if n_bytes else done[0], n_bytes or n_files,
                   count=f"{done[0]:,}/{n_files:,} files")

    def part(source: str) -> None:
        if listed[source]:
            n = len(listed[source])
            run.part(f"loading {source} ({n:,} file{'' if n == 1 else 's'})")

    def file_error(source: str):
        """What to do with a file that cannot be used: raise, or (errors='collect') list it."""
        def handle(p: Path, exc: InputError) -> None:
            if errors == "raise":
                raise exc
            shown = display_path(p, cfg.base_dir)
            q.discard_file(shown, source)
            file_errors.append(refused_entry(source, p, shown, exc))
        return handle

    def guarded(source: str, fn, paths, *args):
        """Run a loader per file; with errors='collect' an unusable file is listed, not fatal."""
        outs = []
        part(source)
        for p in paths:
            try:
                claim(source, p)
                got = (take_parsed(grids_ahead, p, q, cfg.base_dir)
                       if source in parsed_whole else None)
                outs.append(got if got is not None else fn([p], ctx(source), *args))
            except InputError as exc:
                file_error(source)(p, exc)
            advance([p])
        return outs

    # 1. roster (must load)
    for p in files("roster"):
        claim("roster", p)
    part("roster")
    roster = l_roster.load(files("roster"), ctx("roster"))
    advance(files("roster"))
    status = roster["consent"].astype(str)
    consent = status.eq("kyllä")
    no_consent_ids = set(roster.loc[~consent, "client_id"].astype(str))
    excluded = len(no_consent_ids)
    sheets = {r.path: r.sheet for r in q.file_records}
    # no client number in these records: without a clear kyllä nothing about them is kept
    for code, reason, detail in (
            ("ei", "no_consent", "client without consent kyllä: excluded from everything"),
            ("unknown", "unknown_code", "consent is not a known answer (kyllä / ei): the "
             "client is excluded from everything until it is fixed"),
            ("conflict", "conflict", "the client is on roster rows that disagree: excluded "
             "from everything until the roster is fixed")):
        for (f,), g in roster.loc[status.eq(code)].groupby(["file"]):
            q.rows("roster", str(f), sheets.get(str(f)), g["row"].to_numpy(), reason, detail,
                   column=None if code == "ei" else "consent" if code == "unknown"
                   else "client_id")
    clients = conform(roster.loc[consent].reset_index(drop=True), "clients")
    roster_ids = set(roster["client_id"].astype(str))
    roster = status = consent = None  # the tables below are the big ones: free what is done

    # 2. other sources
    def cat_tables(parts, i=None):
        parts = [p if i is None else p[i] for p in parts]
        parts = [p for p in parts if p is not None and len(p)]
        return pd.concat(parts, ignore_index=True) if parts else None

    # Each source's own steps after its read (consent, orphans, waves, items, conform) run as
    # soon as its tables are whole: the questionnaires', satisfaction's and ESR's while the
    # pool still reads the diaries, the diaries' while it reads the service costs. Their
    # quarantine records are kept aside (``parked``) and put back in the order of a load that
    # does every step after the last source, so the records, and the tables, are the same.
    src_of = {"responses": lambda t, i: t["source"].take(i).astype(str).to_numpy(),
              "satisfaction": lambda t, i: "satisfaction", "esr": lambda t, i: "esr",
              "diary_rows": lambda t, i: "time_diary",
              "service_costs": lambda t, i: "service_costs", "budgets": lambda t, i: "budgets"}
    parked: dict[str, list] = {}
    orphans_of: dict[str, pd.DataFrame] = {}  # the rows of client numbers not in the roster
    out: dict[str, pd.DataFrame] = {}  # the tidy tables, conformed

    def without_unconsented(name: str, t: pd.DataFrame | None, sheets) -> pd.DataFrame | None:
        """3. consent and orphans of a table, before anything else uses its rows."""
        if t is None or not len(t):
            return t
        m_nc, known, present = _ids_in(t["client_id"], no_consent_ids, roster_ids)
        m_or = present & ~known & ~m_nc
        if m_nc.any():
            _record_rows(q, t, m_nc, src_of[name], "no_consent", "client without consent",
                         sheets)
        if m_or.any():
            at = np.flatnonzero(m_or)
            o = t[["client_id", "file", "row"]].take(at).reset_index(drop=True)
            o["source"] = src_of[name](t, at)
            orphans_of[name] = o
            _record_rows(q, t, m_or, src_of[name], "orphan", "client number not in the roster",
                         sheets)
        gone = m_nc | m_or
        return t.take(np.flatnonzero(~gone)).reset_index(drop=True) if gone.any() else t

    def checked(tables: dict[str, pd.DataFrame | None], sheets: dict) -> tuple[list, list]:
        """:func:`without_unconsented` of tables whose sources are all read (``sheets``: each
        recorded file's sheet): the tables, and their quarantine records taken aside."""
        mark = q.mark()
        got = [without_unconsented(n, t, sheets) for n, t in tables.items()]
        return got, q.take_since(mark)

    def conformed(name: str, t: pd.DataFrame | None) -> pd.DataFrame:
        return conform(t, name) if t is not None else empty(name)

    resp_parts, item_parts = [], []
    offset = 0
    for mod, source in ((l_kyky, "kykyviisari"), (l_kom, "kompassi"), (l_osa, "osallisuus")):
        for r, i in guarded(source, mod.load, files(source)):
            if not len(r):
                continue
            # _rix links items to their response: make it global over all sources and files
            resp_parts.append(r.assign(_rix=r["_rix"] + offset))
            item_parts.append(i.assign(_rix=i["_rix"] + offset))
            offset += len(r)
    responses = cat_tables(resp_parts)
    items, mixed_items = _concat_items(item_parts)
    resp_parts = item_parts = r = i = None  # held twice otherwise (items: 7 million rows at 100k)
    satisfaction = cat_tables(guarded("satisfaction", l_sat.load, files("satisfaction")))
    esr = cat_tables(guarded("esr", l_esr.load, files("esr")))

    # the questionnaires', satisfaction's and ESR's steps
    sheets = {r.path: r.sheet for r in q.file_records}
    (responses, satisfaction, esr), parked["consent"] = checked(
        {"responses": responses, "satisfaction": satisfaction, "esr": esr}, sheets)
    # 4. waves and duplicates
    mark = q.mark()
    if responses is not None and len(responses):
        kept, dups = assign_waves(responses, clients)
        if len(dups):
            for (src, f), g in dups.groupby(["source", "file"], sort=False, observed=True):
                det = [f"second {w} response of the client; the one kept is row {kr}"
                       + ("" if kf == f else f" of {kf}")
                       for w, kr, kf in zip(g["wave"].astype(str).tolist(), g["kept_row"].tolist(),
                                            g["kept_file"].tolist())]
                q.rows(str(src), str(f), sheets.get(str(f)), g["row"].to_numpy(), "duplicate",
                       det, client_id=g["client_id"].astype(object).to_numpy())
        # a follow-up dated before the client's baseline: quarantined, the baseline kept
        bad = wave_order(kept)
        responses = _drop_rows(q, kept, bad, src_of["responses"], "wave_order", "a follow-up "
                               "(väli or loppu) dated before the client's baseline (alku) of "
                               "the same source; the baseline is kept", sheets)
        kept = dups = bad = None
    parked["waves"] = q.take_since(mark)
    items = _items_of(items, responses, offset, sort_items=mixed_items)
    out["responses"] = conformed("responses", responses)
    items_df = conformed("items", items)
    out["satisfaction"] = conformed("satisfaction", satisfaction)
    out["esr"] = conformed("esr", esr)
    responses = items = satisfaction = esr = None

    # diaries: many small workbooks, read first (in parallel) and parsed together
    diary_files: list[Path] = []
    done_d = [0]  # diaries read so far (their progress)
    for p in files("time_diary"):  # a file belongs to one source
        try:
            claim("time_diary", p)
            diary_files.append(p)
        except InputError as exc:
            file_error("time_diary")(p, exc)
    part("time_diary")
    claimed = set(diary_files)
    advance([p for p in files("time_diary") if p not in claimed])

    def diaries_read(k: int) -> None:  # the first k diaries are read
        advance(diary_files[done_d[0]:k])
        done_d[0] = k

    if diary_ahead is not None:  # read (the service costs parsed) while the diaries are parsed
        grids_ahead.add_parsed(pool, shown_pairs("service_costs"), _parsed_whole,
                               "service_costs")
        parsed_whole.add("service_costs")
        grids_ahead.add(pool, sheets_of(("budgets", "providers")))
        # 7.'s listing of the sources' folders, done by the pool while this process parses
        unmatched_ahead = pool.submit(_unmatched, cfg, [os.fspath(p) for p in configured])
    whole = None
    if diaries_whole:  # parsed by the pool: taken when they are these files
        try:
            whole = [f.result() for f in diaries_whole]
        except Exception:  # noqa: BLE001 - a worker lost: parsed here
            whole = None
        if whole is not None and (
                any(w is None for w in whole) or [p for w in whole for p in w[0]] != diary_files
                or [r.path for w in whole for r in w[2][0]]
                != display_paths(diary_files, cfg.base_dir)):
            whole = None
    if whole is not None:
        for w in whole:
            q.put_all(w[2])
        diaries_read(len(diary_files))
        d_outs = [w[1] for w in whole]
    else:
        d_outs = [l_diary.load(diary_files, ctx("time_diary"),
                               on_error=file_error("time_diary"), on_read=diaries_read,
                               ahead=diary_ahead)]
    whole = diaries_whole = None
    diaries, diary_rows = cat_tables(d_outs, 0), cat_tables(d_outs, 1)
    d_outs = None

    # the diaries' steps
    sheets = {r.path: r.sheet for r in q.file_records}
    mark = q.mark()
    if diaries is not None:
        # a client's own diary: the diarist decides for every row of it
        client_diary = diaries["role"].astype(str).eq("client")
        nc_diaries = set(diaries.loc[client_diary & diaries["person"].astype(str).isin(no_consent_ids),
                                     "diary_id"])
        orphan_diaries = set(diaries.loc[client_diary & ~diaries["person"].astype(str).isin(roster_ids),
                                         "diary_id"])
        if diary_rows is not None and (nc_diaries or orphan_diaries):
            dr = diary_rows
            m_nc = dr["diary_id"].isin(nc_diaries).to_numpy()
            dr = _drop_rows(q, dr, m_nc, src_of["diary_rows"], "no_consent",
                            "diary of a client without consent", sheets)
            m_or = dr["diary_id"].isin(orphan_diaries).to_numpy()
            if m_or.any():
                orphans_of["diarist"] = dr.loc[m_or].assign(source="time_diary")
            diary_rows = _drop_rows(q, dr, m_or, src_of["diary_rows"], "orphan",
                                    "diary of a client number not in the roster", sheets)
            dr = m_nc = m_or = None
        diaries = diaries[~diaries["diary_id"].isin(nc_diaries | orphan_diaries)].reset_index(drop=True)
    parked["diarist"] = q.take_since(mark)
    (diary_rows,), parked["diary_rows"] = checked({"diary_rows": diary_rows}, sheets)
    out["diary_rows"] = conformed("diary_rows", diary_rows)
    diaries_df = conformed("diaries", diaries)
    diaries = diary_rows = None

    service_costs = cat_tables(guarded("service_costs", l_svc.load, files("service_costs")))
    unit_costs = None
    if cfg.has_source("unit_costs"):
        ucs = guarded("unit_costs", l_uc.load, files("unit_costs"))
        unit_costs = ucs[0] if ucs else None
    budgets = cat_tables(guarded("budgets", l_bud.load, files("budgets")))
    providers = cat_tables(guarded("providers", l_prov.load, files("providers")))

    sheets = {r.path: r.sheet for r in q.file_records}
    (service_costs, budgets), late = checked({"service_costs": service_costs,
                                               "budgets": budgets}, sheets)
    # the records in the order of the steps done after the last source: consent and orphans
    # per table (the diarists' first), then waves
    for key in ("diarist", "consent", "diary_rows"):
        q.put_back(parked.pop(key))
    q.put_back(late)
    q.put_back(parked.pop("waves"))
    late = None

    # 5. budget decisions against the roster and each other; providers of service rows
    if budgets is not None and len(budgets):
        kept_b, dropped = l_bud.check_decisions(budgets, clients)
        for (reason, f), g in dropped.groupby(["reason", "file"], sort=False):
            q.rows("budgets", str(f), sheets.get(str(f)), g["row"].to_numpy(), str(reason),
                   g["detail"].to_numpy(), client_id=g["client_id"].astype(object).to_numpy())
        budgets = kept_b
        kept_b = dropped = None
    if providers is not None and len(providers):
        dup = l_prov.duplicate_ids(providers)
        for f, g in dup.groupby("file", sort=False):
            q.rows("providers", str(f), sheets.get(str(f)), g["row"].to_numpy(), "duplicate",
                   g["detail"].to_numpy(), column="Tuottajatunnus")
        providers = providers.drop(index=dup.index).reset_index(drop=True)
        if service_costs is not None and len(service_costs):
            service_costs, flags = l_prov.check_service_providers(service_costs, providers)
            heads = {c: (schemas["service_costs"].columns[c].aliases or (c,))[0]
                     for c in ("provider_id", "sector")} if schemas.get("service_costs") else {}
            for (col, reason, f), g in flags.groupby(["column", "reason", "file"], sort=False):
                q.cells("service_costs", str(f), sheets.get(str(f)), g["row"].to_numpy(),
                        heads.get(col, col), str(reason), g["detail"].to_numpy(),
                        client_id=g["client_id"].astype(object).to_numpy())
            flags = None

    if service_costs is not None and len(service_costs):  # a client's services over the plausible sum
        service_costs = _drop_rows(
            q, service_costs, client_amount_over(service_costs, limits),
            src_of["service_costs"], "implausible_amount", "the client's service rows add up to "
            f"more than the plausible maximum ({limits.max_client_services_eur:,.0f} €, "
            "data.max_client_services_eur)", sheets)

    # each table conformed and its loaded form freed in turn (the load's peak memory is here)
    out["service_costs"] = conformed("service_costs", service_costs)
    service_costs = None
    out["budgets"] = conformed("budgets", budgets)
    budgets = None
    providers_df = conformed("providers", providers)
    orphan_parts = [orphans_of[n] for n in ("diarist", "responses", "satisfaction", "esr",
                                            "diary_rows", "service_costs", "budgets")
                    if n in orphans_of]
    orphans_of = None

    # 6. accounting
    kept_parts = ([clients[["file", "row"]]] + [out[n][["file", "row"]] for n in _CLIENT_TABLES]
                  + [providers_df[["file", "row"]]])
    kept = pd.concat(kept_parts, ignore_index=True)  # (file, row): each file is one sheet read
    files_df = q.accounting(kept)

    if orphan_parts:
        o = pd.concat(orphan_parts, ignore_index=True)
        o["client_id"] = o["client_id"].astype(str)
        orphans = (o.drop_duplicates(["file", "row"]).groupby(["client_id", "source"])
                   .size().rename("n_rows").reset_index())
    else:
        orphans = pd.DataFrame({"client_id": pd.Series(dtype="string"),
                                "source": pd.Series(dtype="string"),
                                "n_rows": pd.Series(dtype="int64")})

    # 7. every file in a source's folder accounted for: the ones no pattern matched
    found = None
    if unmatched_ahead is not None:
        try:
            found = unmatched_ahead.result()
        except Exception:  # noqa: BLE001 - a worker lost: list them here
            found = None
    if found is None:
        found = _unmatched(cfg, configured, folders)
    for r in found:
        unread_files.append({**r, "path": display_path(r["path"], cfg.base_dir),
                             "message": privacy.gate(r["message"])})

    run.update(1, 1, count=f"{n_files:,}/{n_files:,} files")
    return Dataset(
        clients=clients, responses=out["responses"], items=items_df,
        satisfaction=out["satisfaction"], esr=out["esr"], diaries=diaries_df,
        diary_rows=out["diary_rows"], service_costs=out["service_costs"], unit_costs=unit_costs,
        quarantine=_without_ids(q.frame(), no_consent_ids), files=files_df, excluded_no_consent=excluded, orphans=orphans,
        config=cfg, schemas=schemas,
        file_errors=pd.DataFrame(file_errors, columns=FILE_ERROR_COLUMNS),
        budgets=out["budgets"], providers=providers_df,
        unread_sheets=q.unread_sheets_frame(), limits=limits,
        inputs_read=[r.read for r in q.file_records if r.read is not None],
        unread_files=pd.DataFrame(unread_files, columns=UNREAD_FILE_COLUMNS),
    )


def _size(path: Path) -> int:
    """The file's bytes (0 when it cannot be seen: its loader says why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
