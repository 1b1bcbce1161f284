"""Service episodes summed by arm and a category (funding, sector): the services tables.

One row per observed ``arm`` × category group, sorted: the distinct clients, the episodes and
the euros (price year) of the group. The priced episodes come from
:func:`~hb_eval.costs.costing.price_services` with each row's arm beside them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["services_by", "group_numbers"]


def services_by(services: pd.DataFrame, by: str, client: np.ndarray) -> pd.DataFrame:
    """Clients, episodes and euros of the priced episodes by ``arm`` × ``by``.

    Parameters
    ----------
    services
        Priced episodes with ``arm``, ``by`` and ``price_year_amount``.
    by
        The category column (``funding``, ``sector``).
    client
        A code per row for its client (-1: none; :func:`pandas.factorize` of the ids or of
        the clients' positions): clients are counted distinct per group by these codes.

    Returns
    -------
    pandas.DataFrame
        ``arm``, ``by``, ``n_clients``, ``n_episodes``, ``amount`` (observed groups, sorted).
    """
    grouped = services.loc[:, ["arm", by, "price_year_amount"]].groupby(
        ["arm", by], observed=True, sort=True)
    g = grouped.agg(n_episodes=("price_year_amount", "size"),
                    amount=("price_year_amount", "sum")).reset_index()
    # distinct clients per group: the (group, client) pairs met, counted by group
    group = group_numbers(services["arm"], services[by], g, by)
    n_codes = int(client.max()) + 1 if len(client) else 0
    met = np.zeros((len(g), n_codes), dtype=bool)
    ok = (group >= 0) & (client >= 0)  # a group, a client (a missing id is not one)
    met[group[ok], client[ok]] = True
    g.insert(2, "n_clients", met.sum(axis=1).astype(np.int64))
    return g


def group_numbers(arm: pd.Series, by: pd.Series, table: pd.DataFrame, name: str) -> np.ndarray:
    """Each row's row in ``table`` (the observed, sorted ``arm`` × ``by`` groups; -1: in none),
    from the categories' codes when both are categorical (no sort of the rows); otherwise, or
    when the table's groups are not the codes' order, pandas' own numbering."""
    if isinstance(arm.dtype, pd.CategoricalDtype) and isinstance(by.dtype, pd.CategoricalDtype):
        a, b = arm.cat.codes.to_numpy(np.int64), by.cat.codes.to_numpy(np.int64)
        nb = len(by.cat.categories)
        key = np.where((a >= 0) & (b >= 0), a * nb + b, -1)
        met = np.bincount(key[key >= 0], minlength=len(arm.cat.categories) * nb) > 0
        keys = np.flatnonzero(met)
        if (len(keys) == len(table)
                and list(arm.cat.categories[keys // nb]) == list(table["arm"])
                and list(by.cat.categories[keys % nb]) == list(table[name])):
            rank = np.cumsum(met) - 1
            return np.where(key >= 0, rank[np.maximum(key, 0)], -1)
    n = pd.DataFrame({"arm": arm, name: by}).groupby(
        ["arm", name], observed=True, sort=True).ngroup()  # NaN: in no group
    return n.fillna(-1).to_numpy(dtype=np.int64)
