"""The Dataset: every source of an evaluation loaded into tidy tables, and :func:`load`.

Order of work (ARCHITECTURE.md, DATA.md):

1. Each source's loader reads its files: headers found, the henkilötunnus guard run over every
   cell, bad rows and cells quarantined, codes and numbers parsed.
2. Consent: roster clients without consent ``kyllä`` are removed and only counted; their rows in
   the roster and in every other source are quarantined as ``no_consent`` without the client
   number.
3. Orphans: rows naming a client number absent from the roster are quarantined as ``orphan``; the
   distinct numbers are listed in :attr:`Dataset.orphans` (internal only).
4. Waves and duplicates (:mod:`hb_eval.data.loaders.waves`).
5. Per-file accounting: rows read = kept + quarantined, checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, load_config
from ..errors import HbEvalError, InputError
from .loaders.common import LoadContext, display_path
from .loaders.tables import ARMS, conform, empty
from .quarantine import REASONS, Quarantine

__all__ = ["Dataset", "load", "SCHEMA_VERSION"]

try:  # the results.json schema version is owned by the report
    from ..report.results_json import SCHEMA_VERSION
except Exception:  # pragma: no cover - report not importable
    SCHEMA_VERSION = "1.0"

#: tables whose rows come from input rows (file, row) and carry a client_id
_CLIENT_TABLES = ("responses", "satisfaction", "esr", "diary_rows", "service_costs")


@dataclass
class Dataset:
    """Tidy tables of one evaluation (see ARCHITECTURE.md for every column).

    Attributes
    ----------
    clients, responses, items, satisfaction, esr, diaries, diary_rows, service_costs
        The tidy tables; only consenting roster clients appear.
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
        source, path, message.
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
        default_factory=lambda: pd.DataFrame(columns=["source", "path", "message"]))

    # -- outputs ---------------------------------------------------------------------------
    def clients_per_arm(self) -> dict[str, int]:
        arm = self.clients["arm"].astype(str)
        return {a: int((arm == a).sum()) for a in ARMS}

    def quarantine_by_reason(self) -> dict[str, int]:
        """Quarantine records (rows and cells) per reason; every reason listed, 0 when none."""
        counts = self.quarantine["reason"].value_counts()
        return {r: int(counts.get(r, 0)) for r in REASONS}

    def data_block(self) -> dict[str, Any]:
        """The ``data`` block of results.json (RUNS.md): plain ints and strings only."""
        per_arm = self.clients_per_arm()
        files = [
            {"source": str(r.source), "path": str(r.path),
             "sheet": None if pd.isna(r.sheet) else str(r.sheet), "sha256": str(r.sha256),
             "rows_read": int(r.rows_read), "rows_kept": int(r.rows_kept),
             "rows_quarantined": int(r.rows_quarantined)}
            for r in self.files.itertuples(index=False)
        ]
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

    def summary(self) -> str:
        """A data-quality summary a person can act on (plain text)."""
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
            lines.append("Files that could not be used:")
            for r in self.file_errors.itertuples(index=False):
                lines.append(f"  {r.source:<14} {r.message}")
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

    def __repr__(self) -> str:  # pragma: no cover - convenience
        pa = self.clients_per_arm()
        return (f"<Dataset: {pa['HB']} HB + {pa['Verrokki']} Verrokki clients, "
                f"{len(self.responses)} responses, {len(self.quarantine)} quarantine records>")


# -- loading ------------------------------------------------------------------------------------

def _schemas(cfg: Config) -> dict[str, Any]:
    """Every source's schema; an adapted one in ``cfg.schemas`` replaces the shipped one."""
    from .schema import load_schemas

    return load_schemas(cfg.schemas)


def _items_of(items: pd.DataFrame | None, responses: pd.DataFrame | None,
              n_responses: int) -> pd.DataFrame | None:
    """Items of the responses kept, with response_id, client_id, source and wave taken from
    their response by position (``_rix``), never by joining on text."""
    if items is None or not len(items) or responses is None or not len(responses):
        return None
    from .loaders.waves import WAVE_DTYPE

    rix = responses["_rix"].to_numpy(dtype=np.int64)
    kept = np.zeros(n_responses, dtype=bool)
    kept[rix] = True
    at = items["_rix"].to_numpy()
    mask = kept[at]
    it = items if mask.all() else items[mask]
    at = it["_rix"].to_numpy()

    def spread(values, fill=None, dtype=object):
        arr = np.full(n_responses, fill, dtype=dtype)
        arr[rix] = values
        return arr[at]

    src = pd.Categorical(responses["source"].astype(str), categories=["kykyviisari", "kompassi",
                                                                      "osallisuus"])
    wave = pd.Categorical(responses["wave"], dtype=WAVE_DTYPE)
    # response_id, client_id and item are categoricals of str built from integer codes: the
    # long table never holds millions of Python strings
    rid_codes = np.full(n_responses, -1, dtype=np.int64)
    rid_codes[rix] = np.arange(len(rix))
    cid_cat = pd.Categorical(responses["client_id"].astype(str))
    item_cat = pd.Categorical(it["item"]) if not isinstance(it["item"].dtype, pd.CategoricalDtype) \
        else it["item"].array
    return pd.DataFrame({
        "response_id": pd.Categorical.from_codes(
            rid_codes[at], categories=pd.Index(responses["response_id"].astype(str), dtype=object)),
        "client_id": pd.Categorical.from_codes(spread(cid_cat.codes, -1, np.int64),
                                               dtype=cid_cat.dtype),
        "source": pd.Categorical.from_codes(spread(src.codes, -1, np.int8), dtype=src.dtype),
        "wave": pd.Categorical.from_codes(spread(wave.codes, -1, np.int8), dtype=WAVE_DTYPE),
        "item": item_cat,
        "value": it["value"].to_numpy(),
        # the categorical itself: .to_numpy() would give millions of str to convert back
        "missing": it["missing"].array,
    })


def _drop_rows(q: Quarantine, table: pd.DataFrame, mask: pd.Series | np.ndarray, source_of,
               reason: str, detail: str, sheets: dict[str, str | None]) -> pd.DataFrame:
    """Quarantine the input rows of ``table`` where ``mask`` (one record per input row)."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return table
    gone = table.loc[m, ["file", "row", "client_id"]].copy()
    gone["source"] = source_of(table.loc[m])
    gone = gone.drop_duplicates(["file", "row"])
    for (src, f), g in gone.groupby(["source", "file"], sort=False):
        q.rows(str(src), str(f), sheets.get(str(f)), g["row"].to_numpy(), reason, detail,
               client_id=g["client_id"].astype(object).to_numpy())
    return table.loc[~m].reset_index(drop=True)


def load(config: Config | str | Path, *, errors: str = "raise") -> Dataset:
    """Load every source of an evaluation.

    Parameters
    ----------
    config
        A :class:`~hb_eval.config.Config` or the path of ``evaluation.yaml``.
    errors
        ``"raise"``: a file that cannot be used at all raises :class:`InputError`.
        ``"collect"``: such files are listed in :attr:`Dataset.file_errors` and the rest is
        loaded (``hb-eval validate`` uses this). The roster must load either way.

    Returns
    -------
    Dataset
    """
    from .loaders import (esr as l_esr, kompassi as l_kom, kykyviisari as l_kyky,
                          osallisuus as l_osa, roster as l_roster, satisfaction as l_sat,
                          service_costs as l_svc, time_diary as l_diary, unit_costs as l_uc)
    from .loaders.waves import assign_waves

    if errors not in ("raise", "collect"):
        raise HbEvalError("errors must be 'raise' or 'collect'")
    cfg = config if isinstance(config, Config) else load_config(config)
    schemas = _schemas(cfg)
    q = Quarantine()
    file_errors: list[dict[str, str]] = []

    def ctx(source: str) -> LoadContext:
        return LoadContext(source=source, schema=schemas.get(source), quarantine=q,
                           base_dir=cfg.base_dir)

    def files(source: str) -> list[Path]:
        return cfg.source_files(source) if cfg.has_source(source) else []

    def file_error(source: str):
        """What to do with a file that cannot be used: raise, or (errors='collect') list it."""
        def handle(p: Path, exc: InputError) -> None:
            if errors == "raise":
                raise exc
            shown = display_path(p, cfg.base_dir)
            q.discard_file(shown)
            file_errors.append({"source": source, "path": shown, "message": str(exc)})
        return handle

    def guarded(source: str, fn, paths, *args):
        """Run a loader per file; with errors='collect' an unusable file is listed, not fatal."""
        outs = []
        for p in paths:
            try:
                outs.append(fn([p], ctx(source), *args))
            except InputError as exc:
                file_error(source)(p, exc)
        return outs

    # 1. roster (must load)
    roster = l_roster.load(files("roster"), ctx("roster"))
    consent = roster["consent"].astype(str).eq("kyllä")
    no_consent_ids = set(roster.loc[~consent, "client_id"].astype(str))
    excluded = len(no_consent_ids)
    sheets = {r.path: r.sheet for r in q.file_records}
    for (f,), g in roster.loc[~consent].groupby(["file"]):
        q.rows("roster", str(f), sheets.get(str(f)), g["row"].to_numpy(), "no_consent",
               "client without consent kyllä: excluded from everything")
    clients = conform(roster.loc[consent].reset_index(drop=True), "clients")
    roster_ids = set(roster["client_id"].astype(str))

    # 2. other sources
    def cat_tables(parts, i=None):
        parts = [p if i is None else p[i] for p in parts]
        parts = [p for p in parts if p is not None and len(p)]
        return pd.concat(parts, ignore_index=True) if parts else None

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
    items = cat_tables(item_parts)
    satisfaction = cat_tables(guarded("satisfaction", l_sat.load, files("satisfaction")))
    esr = cat_tables(guarded("esr", l_esr.load, files("esr")))
    # diaries: many small workbooks, read first (in parallel) and parsed together
    d_outs = [l_diary.load(files("time_diary"), ctx("time_diary"),
                           on_error=file_error("time_diary"))]
    diaries, diary_rows = cat_tables(d_outs, 0), cat_tables(d_outs, 1)
    service_costs = cat_tables(guarded("service_costs", l_svc.load, files("service_costs")))
    unit_costs = None
    if cfg.has_source("unit_costs"):
        ucs = guarded("unit_costs", l_uc.load, files("unit_costs"))
        unit_costs = ucs[0] if ucs else None

    sheets = {r.path: r.sheet for r in q.file_records}
    tables = {"responses": responses, "satisfaction": satisfaction, "esr": esr,
              "diary_rows": diary_rows, "service_costs": service_costs}
    src_of = {"responses": lambda t: t["source"].astype(str).to_numpy(),
              "satisfaction": lambda t: "satisfaction", "esr": lambda t: "esr",
              "diary_rows": lambda t: "time_diary", "service_costs": lambda t: "service_costs"}

    # 3. consent and orphans, before anything else uses the rows
    orphan_parts = []
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
                orphan_parts.append(dr.loc[m_or].assign(source="time_diary"))
            dr = _drop_rows(q, dr, m_or, src_of["diary_rows"], "orphan",
                            "diary of a client number not in the roster", sheets)
            tables["diary_rows"] = dr
        diaries = diaries[~diaries["diary_id"].isin(nc_diaries | orphan_diaries)].reset_index(drop=True)

    for name, t in tables.items():
        if t is None or not len(t):
            continue
        cid = t["client_id"].astype("string")
        m_nc = cid.isin(no_consent_ids).fillna(False).to_numpy(dtype=bool)
        t = _drop_rows(q, t, m_nc, src_of[name], "no_consent", "client without consent", sheets)
        cid = t["client_id"].astype("string")
        m_or = (cid.notna() & ~cid.isin(roster_ids)).fillna(False).to_numpy(dtype=bool)
        if m_or.any():
            o = t.loc[m_or, ["client_id", "file", "row"]].copy()
            o["source"] = src_of[name](t.loc[m_or])
            orphan_parts.append(o)
        t = _drop_rows(q, t, m_or, src_of[name], "orphan", "client number not in the roster",
                       sheets)
        tables[name] = t

    # 4. waves and duplicates
    responses = tables["responses"]
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
        tables["responses"] = kept
    items = _items_of(items, tables["responses"], offset)

    out = {n: (conform(t, n) if t is not None else empty(n)) for n, t in tables.items()}
    items_df = conform(items, "items") if items is not None else empty("items")
    diaries_df = conform(diaries, "diaries") if diaries is not None else empty("diaries")

    # 5. accounting
    kept_parts = [clients[["file", "row"]]] + [out[n][["file", "row"]] for n in _CLIENT_TABLES]
    kept = pd.concat(kept_parts, ignore_index=True)
    kept["sheet"] = kept["file"].astype(str).map(sheets)
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

    return Dataset(
        clients=clients, responses=out["responses"], items=items_df,
        satisfaction=out["satisfaction"], esr=out["esr"], diaries=diaries_df,
        diary_rows=out["diary_rows"], service_costs=out["service_costs"], unit_costs=unit_costs,
        quarantine=q.frame(), files=files_df, excluded_no_consent=excluded, orphans=orphans,
        config=cfg, schemas=schemas,
        file_errors=pd.DataFrame(file_errors, columns=["source", "path", "message"]),
    )
