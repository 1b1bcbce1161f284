"""Small-cell suppression for the public audience.

Rule (docs/methods.md, "Reporting rules"): a public report suppresses every table cell that counts
fewer than :data:`THRESHOLD` clients, written ``"<5"``, including cells that could be recovered
by subtraction from a margin (secondary suppression).

Decisions where the spec is silent:

* The public tables and the counts results.json shares with them follow
  :mod:`hb_eval.report.disclosure` (an LP audit; a zero is published). The greedy rule below
  remains for results.json's own counts, whose shared counts then take the tables' decisions
  (:func:`hb_eval.report.disclosure.align_results`); its final sweep publishes a zero too.
* Secondary suppression is the usual greedy rule: in every shown relation
  ``cells + ... = total`` (a row with its row total, a column with its column total), the number
  of suppressed members must be 0 or at least 2; when it is exactly 1, the smallest remaining
  interior cell of that relation is suppressed as well (a margin only when no interior cell is
  left), repeated until nothing changes.
* Statistics computed from a suppressed count (a share, a mean of fewer than 5 clients) are
  removed (``None``), not shown as ``"<5"``, since they are not counts.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "THRESHOLD",
    "SUPPRESSED",
    "is_small",
    "suppress_matrix",
    "suppress_frame",
    "suppress_cells",
    "suppress_table",
    "suppress_mapping",
    "suppress_results",
    "is_count_column",
    "redact_client_numbers",
    "REDACTED_ID",
    "CONFIDENTIAL",
    "symbol_of",
    "is_suppressed",
]

THRESHOLD = 5
SUPPRESSED = "<5"
#: The symbol of a suppressed zero and of secondary suppression (confidential).
CONFIDENTIAL = ".."


def symbol_of(v: Any, threshold: int = THRESHOLD) -> str:
    """``<5`` for a count 1..4, ``..`` for anything else suppressed (a zero, a secondary)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return CONFIDENTIAL
    return SUPPRESSED if 1 <= x < threshold else CONFIDENTIAL


def is_suppressed(v: Any) -> bool:
    """True for a published symbol of suppression (``<5`` or ``..``)."""
    return isinstance(v, str) and (v == CONFIDENTIAL or v.startswith("<"))
_NOT_CLIENT_COUNTS = frozenset({"n_clusters", "n_items", "n_domains"})


#: A client number in a file name or text: 7 digits, or the docs/data_sources.md spaced/hyphenated
#: forms. Tokens that are not identifiers come first in the alternation and are kept: hex
#: digests (SHA-256, SHA-1, MD5: 32 or more hex digits standing alone) and UUIDs.
_CLIENT_NUMBER = re.compile(
    r"(?P<keep>(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{32,}"
    r"|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
    r"(?![0-9A-Za-z]))"
    r"|(?<!\d)(?:\d{7}|\d{2}[- ]\d[- ]\d{2}[- ]\d{2})(?!\d)")
REDACTED_ID = "•••••••"


def redact_client_numbers(text: str) -> str:
    """Replace anything shaped like a client number (e.g. in a diary file name
    ``asiakas_0410712.xlsx``) by ``•••••••``; hashes and UUIDs are not identifiers and are
    kept whole."""
    return _CLIENT_NUMBER.sub(lambda m: m.group(0) if m.group("keep") else REDACTED_ID,
                              str(text))


def is_small(n: Any, threshold: int = THRESHOLD) -> bool:
    """True for a count that must be suppressed (``0 <= n < threshold``); False for NaN/None."""
    if n is None or isinstance(n, str):
        return False
    try:
        v = float(n)
    except (TypeError, ValueError):
        return False
    return not np.isnan(v) and 0 <= v < threshold


def is_count_column(name: str) -> bool:
    """The naming convention for columns that count clients (or rows) in hb_eval's tables.

    ``n``, ``n_<anything>``, ``<anything>_n``, ``count``, ``<anything>_count``, ``rows_<anything>``;
    not ``n_clusters`` (workers or pilots, not clients).
    """
    name = str(name)
    if name in _NOT_CLIENT_COUNTS:
        return False
    return (name in ("n", "count") or name.startswith("n_") or name.endswith("_n")
            or name.endswith("_count") or name.startswith("rows_"))


def suppress_matrix(cells: np.ndarray, *, row_totals: bool = False, col_totals: bool = False,
                    threshold: int = THRESHOLD) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Primary and secondary suppression of a table of counts with optional margins.

    Parameters
    ----------
    cells
        ``r x c`` counts (NaN = no value, never suppressed and not part of a relation's
        secondary choice).
    row_totals, col_totals
        Whether the row totals (sum over columns) and column totals (sum over rows) are shown.
        The grand total is shown when both are.
    threshold
        Counts ``0 <= n < threshold`` are suppressed.

    Returns
    -------
    mask, row_mask, col_mask, grand_mask
        Boolean ``r x c`` mask of suppressed cells, length-``r`` mask of suppressed row totals,
        length-``c`` mask of suppressed column totals, and whether the grand total is suppressed.
        Margins that are not shown are never marked.
    """
    x = np.asarray(cells, dtype=float)
    if x.ndim != 2:
        raise ValueError("cells must be a 2-D array")
    r, c = x.shape
    if row_totals and not col_totals:  # each row with its total is a relation of its own
        mask, total_mask = _row_relations(x, threshold)
        return mask, total_mask, np.zeros(c, bool), False
    # (from here row totals come only with column totals)
    # Work on the table bordered by its margins: last column = row totals, last row = col totals.
    full = np.zeros((r + 1, c + 1))
    full[:r, :c] = np.nan_to_num(x)
    full[:r, c] = np.nansum(x, axis=1)
    full[r, :c] = np.nansum(x, axis=0)
    full[r, c] = np.nansum(x)
    shown = np.zeros((r + 1, c + 1), dtype=bool)
    shown[:r, :c] = ~np.isnan(x)
    if row_totals:
        shown[:r, c] = shown[r, c] = True
    if col_totals:
        shown[r, :c] = True
    mask = shown & (full >= 0) & (full < threshold)

    # Relations: each row (cells + its total) if row totals are shown; each column likewise.
    relations: list[tuple[np.ndarray, np.ndarray]] = []  # (index tuples of members, total idx)
    if row_totals:
        for i in range(r + 1):
            relations.append((np.array([(i, j) for j in range(c)]), np.array([i, c])))
    if col_totals:
        cols = range(c + 1) if row_totals else range(c)
        for j in cols:
            relations.append((np.array([(i, j) for i in range(r)]), np.array([r, j])))

    changed = True
    while changed:
        changed = False
        for members, total in relations:
            mi, mj = members[:, 0], members[:, 1]
            member_shown = shown[mi, mj]
            n_supp = int(mask[mi, mj][member_shown].sum()) + int(mask[total[0], total[1]])
            if n_supp != 1:
                continue
            cand = member_shown & ~mask[mi, mj]
            if cand.any():
                vals = np.where(cand, full[mi, mj], np.inf)
                k = int(np.argmin(vals))
                mask[mi[k], mj[k]] = True
            elif not mask[total[0], total[1]]:
                mask[total[0], total[1]] = True
            else:  # pragma: no cover - a lone member equals its total, both already handled
                continue
            changed = True
    return (mask[:r, :c], mask[:r, c] if row_totals else np.zeros(r, bool),
            mask[r, :c] if col_totals else np.zeros(c, bool),
            bool(mask[r, c]) if (row_totals and col_totals) else False)


def _row_relations(x: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`suppress_matrix` with row totals alone: every row and its total is one relation
    and no two relations share a cell, so one pass over all rows at once decides them (a
    public results.json has one such row per input file, 16,410 at 100,000 clients): the
    cell mask and the row totals' mask."""
    full = np.nan_to_num(x)
    shown = ~np.isnan(x)
    mask = shown & (full >= 0) & (full < threshold)
    total = np.nansum(x, axis=1)
    total_mask = (total >= 0) & (total < threshold)
    # a relation with one suppressed member: the smallest other shown cell (the first of
    # equal ones) is suppressed too, or the total when there is none
    one = mask.sum(axis=1) + total_mask == 1
    cand = shown & ~mask
    has = cand.any(axis=1)
    rows = np.flatnonzero(one & has)
    mask[rows, np.argmin(np.where(cand, full, np.inf), axis=1)[rows]] = True
    total_mask |= one & ~has
    return mask, total_mask


def suppress_cells(values: np.ndarray, relations: Sequence[tuple[Sequence[int], int]],
                   threshold: int = THRESHOLD) -> np.ndarray:
    """Primary and secondary suppression of counts bound by arbitrary additive relations.

    Parameters
    ----------
    values
        1-D counts (NaN = no value: never suppressed, never chosen).
    relations
        ``(members, total)`` index pairs meaning ``sum(values[members]) == values[total]``, each
        of them published (e.g. a row and its row total, or sub-groups and their group).
    threshold
        Counts ``0 <= n < threshold`` are suppressed.

    Returns
    -------
    ndarray of bool
        The suppressed cells. In every relation the number of suppressed cells is 0 or >= 2.
    """
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    mask = ok & (v >= 0) & (v < threshold)
    rels = [(np.asarray(list(m), dtype=int), int(tot)) for m, tot in relations]
    changed = True
    while changed:
        changed = False
        for members, tot in rels:
            n_supp = int(mask[members].sum()) + int(mask[tot])
            if n_supp != 1:
                continue
            cand = members[ok[members] & ~mask[members]]
            if cand.size:
                mask[cand[np.argmin(v[cand])]] = True
            elif ok[tot] and not mask[tot]:
                mask[tot] = True
            else:
                continue
            changed = True
    return mask


def suppress_table(df: pd.DataFrame, count_cols: Sequence[str], *,
                   row_relations: Sequence[tuple[Sequence[str], str]] = (),
                   col_relations: Sequence[tuple[Sequence[Any], Any]] = (),
                   linked: Mapping[str, str] | None = None,
                   threshold: int = THRESHOLD) -> pd.DataFrame:
    """Suppress small counts of a table whose cells obey several additive relations.

    Parameters
    ----------
    df
        The table.
    count_cols
        Every count column (members and totals).
    row_relations
        ``([member columns], total column)``: holds within every row (e.g.
        ``(["n_completers", "n_dropouts"], "n_baseline")``).
    col_relations
        ``([member row labels], total row label)``: holds within every count column (e.g. the
        pilots of an arm and the arm's row).
    linked
        Derived column -> the count column it depends on (set to None where that is suppressed).
    """
    count_cols = list(count_cols)
    rows = list(df.index)
    r, c = len(rows), len(count_cols)
    vals = df.loc[:, count_cols].apply(pd.to_numeric, errors="coerce").to_numpy(float).ravel()
    ci = {col: j for j, col in enumerate(count_cols)}
    ri = {lab: i for i, lab in enumerate(rows)}
    rels: list[tuple[list[int], int]] = []
    for members, total in row_relations:
        for i in range(r):
            rels.append(([i * c + ci[m] for m in members], i * c + ci[total]))
    for members, total in col_relations:
        for j in range(c):
            rels.append(([ri[m] * c + j for m in members], ri[total] * c + j))
    mask = suppress_cells(vals, rels, threshold).reshape(r, c)
    out = df.copy()
    for j, col in enumerate(count_cols):
        out[col] = out[col].astype(object)
        for lab in np.array(rows, dtype=object)[mask[:, j]].tolist():
            out.loc[lab, col] = symbol_of(df.loc[lab, col], threshold)
    _apply_linked(out, linked)
    return out


def _apply_linked(out: pd.DataFrame, linked: Mapping[str, str] | None) -> None:
    for derived, base in (linked or {}).items():
        if derived in out.columns and base in out.columns:
            hit = out[base].map(is_suppressed)
            out[derived] = out[derived].astype(object)
            out.loc[hit, derived] = None


def suppress_frame(df: pd.DataFrame, count_cols: Sequence[str], *, total_col: str | None = None,
                   total_row: Any = None, linked: Mapping[str, str] | None = None,
                   threshold: int = THRESHOLD) -> pd.DataFrame:
    """Suppress small counts in a table, with secondary suppression against its margins.

    Parameters
    ----------
    df
        The table; one row per table row.
    count_cols
        The interior count columns (a row's cells).
    total_col
        A column holding the row total (sum of ``count_cols``), when the table shows one.
    total_row
        The index label of a row holding the column totals, when the table shows one.
    linked
        Derived column -> the count column it was computed from (e.g. ``{"share_HB": "n_HB"}``);
        a derived value is set to None where its count is suppressed.
    threshold
        Counts ``0 <= n < threshold`` are suppressed.

    Returns
    -------
    DataFrame
        A copy with suppressed cells replaced by ``"<5"`` (those columns become ``object``).
    """
    count_cols = list(count_cols)
    out = df.copy()
    body_idx = [i for i in df.index if total_row is None or i != total_row]
    body = df.loc[body_idx, count_cols].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    mask, rmask, cmask, gmask = suppress_matrix(
        body, row_totals=total_col is not None, col_totals=total_row is not None,
        threshold=threshold)
    cols = count_cols + ([total_col] if total_col is not None else [])
    for c in cols:
        out[c] = out[c].astype(object)
    for j, col in enumerate(count_cols):
        for lab in np.array(body_idx, dtype=object)[mask[:, j]].tolist():
            out.loc[lab, col] = symbol_of(df.loc[lab, col], threshold)
    if total_col is not None:
        for lab in np.array(body_idx, dtype=object)[rmask].tolist():
            out.loc[lab, total_col] = symbol_of(df.loc[lab, total_col], threshold)
    if total_row is not None:
        for j, col in enumerate(count_cols):
            if cmask[j]:
                out.loc[total_row, col] = symbol_of(df.loc[total_row, col], threshold)
        if total_col is not None and gmask:
            out.loc[total_row, total_col] = symbol_of(df.loc[total_row, total_col], threshold)
    _apply_linked(out, linked)
    return out


def suppress_mapping(counts: Mapping[str, Any], *, total_shown: bool = False,
                     threshold: int = THRESHOLD) -> dict[str, Any]:
    """Suppress a one-row table given as a dict (e.g. ``{"HB": 40, "Verrokki": 3}``).

    With ``total_shown`` the sum of the values is published somewhere, so one suppressed value
    forces a second one (secondary suppression). Non-numeric values pass through.
    """
    keys = [k for k, v in counts.items() if _numeric(v)]
    out = dict(counts)
    if not keys:
        return out
    row = [float(counts[k]) for k in keys]
    mask = suppress_matrix(np.array([row]), row_totals=total_shown, threshold=threshold)[0][0]
    for k, m in zip(keys, mask):
        if m:
            out[k] = symbol_of(counts[k], threshold)
    return out


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


# -- results.json ---------------------------------------------------------------------------
_RC = ("improved", "unchanged", "deteriorated")
_WITHIN_STATS = ("mean_baseline", "mean_end", "mean_change", "ci_low", "ci_high", "d_z",
                 "d_z_ci_low", "d_z_ci_high", "g_av", "d_av", "sd_change")


def _count_leaves(obj: Any, path: str = "") -> Any:
    """Generic sweep: suppress every remaining count of 1..4 under a count-like key (a zero
    counts no one and is published, as in the public tables)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            p = f"{path}.{k}" if path else k
            if _numeric(v) and _is_count_path(p) and is_small(v) and v != 0:
                out[k] = symbol_of(v)
            else:
                out[k] = _count_leaves(v, p)
        return out
    if isinstance(obj, list):
        return [_count_leaves(v, f"{path}.{i}") for i, v in enumerate(obj)]
    return obj


def _is_count_path(path: str) -> bool:
    parts = path.split(".")
    last = parts[-1]
    if is_count_column(last):
        return True
    if len(parts) >= 2 and parts[-2] in ("n", "clients", "quarantine_by_reason"):
        return True
    return False


_FILE_ROWS = ("rows_kept", "rows_quarantined")


def _suppress_files(files: list[Any], threshold: int) -> None:
    """``data.files`` in place: client numbers in file names redacted; per file, ``rows_read =
    rows_kept + rows_quarantined`` is one relation (:func:`suppress_mapping` with its total
    shown), every file's in one :func:`suppress_matrix` call."""
    numeric = []
    for f in files:
        if not isinstance(f, dict):
            continue
        if isinstance(f.get("path"), str):
            f["path"] = redact_client_numbers(f["path"])
        if all(k in f for k in _FILE_ROWS):
            if all(_numeric(f[k]) for k in _FILE_ROWS):
                numeric.append(f)
            else:  # a value that is no number passes through
                f.update(suppress_mapping({k: f[k] for k in _FILE_ROWS}, total_shown=True,
                                          threshold=threshold))
            if is_small(f.get("rows_read"), threshold):
                f["rows_read"] = symbol_of(f["rows_read"], threshold)
    if not numeric:
        return
    mask = suppress_matrix(np.array([[float(f[k]) for k in _FILE_ROWS] for f in numeric]),
                           row_totals=True, threshold=threshold)[0]
    for i, j in zip(*np.nonzero(mask)):
        f, k = numeric[i], _FILE_ROWS[j]
        f[k] = symbol_of(f[k], threshold)


def suppress_results(results: Mapping[str, Any], threshold: int = THRESHOLD) -> dict[str, Any]:
    """The public form of a results dict (a deep copy; the input is not changed).

    * ``data.clients``: arm counts suppressed with secondary suppression (their total is shown);
      a list of orphan client numbers becomes its count.
    * ``data.files``: client numbers in file names are redacted; per file,
      ``rows_read = rows_kept + rows_quarantined`` is one relation.
    * ``manifest.config.sources``: client numbers in listed paths are redacted.
    * ``outcomes.<o>``: small ``n`` per arm; the within-arm statistics of such an arm are
      removed; reliable-change counts suppressed with their arm ``n`` as the margin.
    * ``satisfaction.items``: small ``n_<arm>`` suppressed and that arm's share removed.
    * finally every count-like key left (``n``, ``n_*``, ``rows_*``, counts by reason) is swept.
    """
    import copy

    res = copy.deepcopy(dict(results))
    data = res.get("data")
    if isinstance(data, dict):
        clients = data.get("clients")
        if isinstance(clients, dict):
            orph = clients.get("orphans")
            if isinstance(orph, (list, tuple)):
                clients["orphans"] = len(orph)
            arms = {k: clients[k] for k in ("HB", "Verrokki") if k in clients}
            clients.update(suppress_mapping(arms, total_shown=True, threshold=threshold))
        files = data.get("files")
        if isinstance(files, list):
            _suppress_files(files, threshold)
    outcomes = res.get("outcomes")
    if isinstance(outcomes, dict):
        for o in outcomes.values():
            if not isinstance(o, dict):
                continue
            n = o.get("n") if isinstance(o.get("n"), dict) else {}
            for arm, narm in list(n.items()):
                if is_small(narm, threshold):
                    n[arm] = symbol_of(narm, threshold)
                    within = (o.get("within") or {}).get(arm)
                    if isinstance(within, dict):
                        for k in list(within):
                            within[k] = None
            rc = o.get("reliable_change")
            if isinstance(rc, dict):
                # {arm: {n, improved, unchanged, deteriorated (shares), n_improved, ... (counts)}}
                for arm, cats in rc.items():
                    if not isinstance(cats, dict):
                        continue
                    keys = [f"n_{k}" for k in _RC if f"n_{k}" in cats]
                    cats.update(suppress_mapping({k: cats[k] for k in keys},
                                                 total_shown="n" in cats, threshold=threshold))
                    if is_small(cats.get("n"), threshold):
                        cats.update({k: symbol_of(cats[k], threshold) for k in ["n", *keys]
                                     if not is_suppressed(cats[k])})
                    for k in _RC:  # a share is removed with its count
                        if is_suppressed(cats.get(f"n_{k}")) and k in cats:
                            cats[k] = None
    man = res.get("manifest")
    if isinstance(man, dict) and isinstance(man.get("config"), dict):
        srcs = man["config"].get("sources")
        if isinstance(srcs, dict):
            man["config"]["sources"] = {k: [redact_client_numbers(p) for p in v]
                                        for k, v in srcs.items()}
    sat = res.get("satisfaction")
    if isinstance(sat, dict) and isinstance(sat.get("items"), dict):
        for item in sat["items"].values():
            if not isinstance(item, dict):
                continue
            for arm in ("HB", "Verrokki"):
                if is_small(item.get(f"n_{arm}"), threshold):
                    item[f"n_{arm}"] = symbol_of(item[f"n_{arm}"], threshold)
                    if f"share_agree_{arm}" in item:
                        item[f"share_agree_{arm}"] = None
    return _count_leaves(res)
