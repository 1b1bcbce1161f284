"""Provider register and the check of the service rows' provider ids against it.

Register columns: ``Tuottajatunnus`` (provider id), ``Nimi``, ``Y-tunnus`` (Finnish business id
``NNNNNNN-N``), ``Sektori`` (``julkinen``, ``yksityinen``, ``järjestö``), ``Hyväksytty``
(approval date), ``Palvelut`` (service categories, ``;``-separated).

Row-level: provider id blank or sector blank (``missing_required``); a sector that spells none
of the three (``unknown_code``); a provider id listed twice (``duplicate``: the first row read
wins, over all register files; :func:`duplicate_ids`, applied by :func:`hb_eval.data.load`).
Cell-level: a business id whose form or check digit fails (``invalid_business_id``: the
row and the id as written are kept, ``business_id_valid`` is False); an unreadable approval date
(``bad_date``).

A sole trader's name can be a person's name: the ``name`` column is for internal reports only.

:func:`check_service_providers` checks the ``Tuottaja`` column of the service-cost rows against
the register: an id missing from the register is a cell flag ``unknown_provider`` (the row and
its cost are kept, ``provider_id`` becomes NA); a sector that disagrees with the register is a
cell flag ``sector_mismatch`` (the register's sector is used, the row is kept and counted).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import parse as P
from .common import LoadContext, open_sheet

__all__ = ["load", "is_valid_business_id", "check_service_providers", "duplicate_ids",
           "BUSINESS_ID_WEIGHTS"]

#: weights of the business-id check digit on the first seven digits
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_BID = re.compile(r"^(\d{7})-(\d)$")


def is_valid_business_id(text: object) -> bool:
    """Whether ``text`` is a Finnish business id (Y-tunnus) ``NNNNNNN-N`` with a valid check digit.

    The check digit: r = Σ weight × digit (weights 7, 9, 10, 5, 8, 4, 2 on the first seven
    digits) mod 11; the check digit is 0 when r = 0, the id is invalid when r = 1, else the
    check digit is 11 − r. Surrounding spaces are ignored; anything else must match exactly.

    Examples
    --------
    >>> is_valid_business_id("0737546-2"), is_valid_business_id("0737546-3")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    m = _BID.match(text.strip())
    if not m:
        return False
    r = sum(w * int(c) for w, c in zip(BUSINESS_ID_WEIGHTS, m.group(1))) % 11
    if r == 1:
        return False
    return int(m.group(2)) == (0 if r == 0 else 11 - r)


def _one(path: Path, ctx: LoadContext) -> pd.DataFrame:
    sh = open_sheet(ctx, path, sheet=None, required=["provider_id", "sector"])
    text = lambda name: sh.raw(name).map(  # noqa: E731
        lambda v: " ".join(v.split()) if isinstance(v, str) and v.strip() else None)
    pid = text("provider_id")
    sh.drop(pid.isna().to_numpy(), "missing_required", "the provider id (Tuottajatunnus) is blank",
            "provider_id")
    sector, sbad = P.codes(ctx.schema, "sector", sh.raw("sector"))
    sh.drop(sh.raw("sector").isna().to_numpy(), "missing_required", "the sector is blank",
            "sector")
    sh.drop(sbad.to_numpy(), "unknown_code", "not a known sector (julkinen, yksityinen, järjestö)",
            "sector")

    bid = text("business_id")
    valid = P.per_unique(bid, is_valid_business_id).astype(object)
    invalid = (bid.notna() & ~valid.fillna(False).astype(bool)).to_numpy()
    sh.bad_cells(invalid, "business_id", "invalid_business_id",
                 "not a valid business id (NNNNNNN-N with its check digit); provider kept")
    approved, abad = P.dates(sh.raw("approved"))
    sh.bad_cells(abad.to_numpy(), "approved", "bad_date", "not a readable date")

    df = pd.DataFrame({
        "provider_id": pid.to_numpy(), "name": text("name").to_numpy(),
        "business_id": bid.to_numpy(),
        "business_id_valid": np.where(bid.notna().to_numpy(), ~invalid, None),
        "sector": sector.to_numpy(), "approved": approved.mask(abad).to_numpy(),
        "services": text("services").to_numpy(), "file": sh.row_files, "row": sh.rows,
    })
    return df[sh.alive].reset_index(drop=True)


def load(files: list[Path], ctx: LoadContext) -> pd.DataFrame:
    """Load provider-register files: the ``providers`` table columns (ARCHITECTURE.md)."""
    parts = [_one(p, ctx) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def duplicate_ids(providers: pd.DataFrame) -> pd.DataFrame:
    """Register rows repeating an earlier row's provider id, within a file or across files (the
    first row read wins): file, row, detail. :func:`hb_eval.data.load` quarantines them as
    ``duplicate``."""
    if providers is None or not len(providers):
        return pd.DataFrame(columns=["file", "row", "detail"])
    dup = providers["provider_id"].duplicated(keep="first")
    return providers.loc[dup, ["file", "row"]].assign(
        detail="the provider id is listed again (the first row is kept)")


def check_service_providers(service_costs: pd.DataFrame, providers: pd.DataFrame
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check the service rows' provider ids and sectors against the register.

    Parameters
    ----------
    service_costs
        The service-cost rows (client_id, provider_id, sector, file, row, ...).
    providers
        The provider register (provider_id, sector).

    Returns
    -------
    checked, flags
        ``checked``: the rows, all kept, with ``provider_id`` NA where the register does not
        know it and ``sector`` the register's where they disagree. ``flags``: file, row,
        client_id, column (``provider_id`` or ``sector``), reason (``unknown_provider``,
        ``sector_mismatch``), detail — one cell record each.
    """
    cols = ["file", "row", "client_id", "column", "reason", "detail"]
    if service_costs is None or not len(service_costs) or "provider_id" not in service_costs:
        return service_costs, pd.DataFrame(columns=cols)
    s = service_costs.copy(deep=False)  # (copy-on-write: the columns set below are new)
    reg = providers.drop_duplicates("provider_id").set_index("provider_id")["sector"].astype(str)
    # every step is per value: done on the distinct provider ids and sectors (a few dozen),
    # then spread to the rows by their codes
    p_codes, p_uniq = pd.factorize(s["provider_id"].to_numpy(dtype=object), use_na_sentinel=True)
    pid_u = pd.Series(list(p_uniq) + [None], dtype=object)  # the last: blank (code -1)
    given_u = pid_u.notna().to_numpy()
    known_u = pid_u.isin(reg.index).to_numpy()
    reg_u = pid_u.map(reg).to_numpy(dtype=object)
    sector = s["sector"].astype(object)
    s_codes, s_uniq = pd.factorize(sector.to_numpy(), use_na_sentinel=True)
    sec_u = pd.Series(list(s_uniq) + [None], dtype=object)  # the last: blank (code -1)
    has_sec_u = sec_u.notna().to_numpy()
    # (provider, sector) pairs: the register's sector differs from the row's (blank sectors
    # are left out by has_sec_u below)
    differs = np.array([[h and bool(sv != rv) for sv, h in zip(sec_u, has_sec_u)]
                        for rv in reg_u], dtype=bool).reshape(len(reg_u), len(sec_u))
    mism_u = known_u[:, None] & has_sec_u[None, :] & differs
    fill_u = known_u[:, None] & ~has_sec_u[None, :]
    unknown = (given_u & ~known_u)[p_codes]
    mism = mism_u[p_codes, s_codes]
    fill = fill_u[p_codes, s_codes]
    flags = [
        s.loc[unknown, ["file", "row", "client_id"]].assign(
            column="provider_id", reason="unknown_provider",
            detail="the provider id is not in the provider register (row kept, provider unknown)"),
        s.loc[mism, ["file", "row", "client_id"]].assign(
            column="sector", reason="sector_mismatch",
            detail="the sector disagrees with the provider register (the register's is used)"),
    ]
    pid_out = pid_u.to_numpy(dtype=object).copy()
    pid_out[(given_u & ~known_u)] = np.nan  # pid.mask(unknown)
    s["provider_id"] = pd.Series(pid_out[p_codes], index=s.index, dtype=object)
    new_sector = np.where(mism | fill, reg_u[p_codes], sector.to_numpy())
    s["sector"] = pd.Series(new_sector, index=s.index, dtype=object)
    out = pd.concat([f for f in flags if len(f)], ignore_index=True) if any(
        len(f) for f in flags) else pd.DataFrame(columns=cols)
    return s, out[cols]
