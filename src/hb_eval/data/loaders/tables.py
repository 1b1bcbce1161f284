"""Column contracts of the tidy tables (ARCHITECTURE.md) and their empty forms.

Every loader returns frames with exactly these columns (in this order); an absent optional source
gives the empty frame with the right columns and dtypes.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ARMS", "PILOTS", "GROUPS", "WAVES", "END_REASONS", "SEXES", "AGE_GROUPS",
           "LABOUR_STATUS", "SECTORS", "FUNDING", "BUDGET_UNITS", "TASKS", "COLUMNS", "empty", "cat"]

ARMS = ["HB", "Verrokki"]
PILOTS = ["Hämeenlinna", "Pori", "Tampere", "Vantaa", "Eksote", "Kainuu"]
GROUPS = ["lapsiperhe", "aikuissosiaalityö", "jälkihuolto", "vammaispalvelu", "omaishoito",
          "ikääntyneet"]
WAVES = ["alku", "väli", "loppu"]
END_REASONS = ["suunnitellusti", "keskeytyi", "muutto", "kuolema", "muu"]
SEXES = ["nainen", "mies", "muu", "ei halua sanoa"]
AGE_GROUPS = ["18–24", "25–34", "35–44", "45–54", "55–64", "65–74", "75+"]
LABOUR_STATUS = ["työllinen", "työtön", "pitkäaikaistyötön", "opiskelija",
                 "työvoiman ulkopuolella"]
SECTORS = ["julkinen", "yksityinen", "järjestö"]
FUNDING = ["HB-budjetti", "tavanomainen", "asiakasmaksu"]
BUDGET_UNITS = ["€/kk", "€/vuosi", "€/jakso"]
TASKS = ["palvelutarpeen arviointi", "asiakassuunnitelma", "budjetin laadinta ja seuranta",
         "palveluiden etsiminen ja hankinta", "yhteydenpito asiakkaaseen",
         "yhteydenpito verkostoon", "kirjaaminen", "matkat", "muu"]
ITEM_MISSING = ["not_answered", "dont_know", "quarantined", "not_in_form"]

_S = "string"
_D = "datetime64[ns]"
_STRING = pd.api.types.pandas_dtype(_S)


def cat(values, categories, ordered: bool = False) -> pd.Categorical:
    """A categorical with fixed categories (values outside them become NA)."""
    return pd.Categorical(values, categories=categories, ordered=ordered)


#: table -> list of (column, dtype); dtype ``("cat", categories, ordered)`` for categoricals
COLUMNS: dict[str, list[tuple[str, object]]] = {
    "clients": [("client_id", _S), ("arm", ("cat", ARMS, False)), ("pilot", ("cat", PILOTS, False)),
                ("pilot_code", _S), ("client_group", ("cat", GROUPS, False)), ("group_code", _S),
                ("worker", _S), ("start_date", _D), ("end_date", _D),
                ("end_reason", ("cat", END_REASONS, False)), ("sex", ("cat", SEXES, False)),
                ("age_group", ("cat", AGE_GROUPS, True)), ("days", "float64"),
                ("file", _S), ("row", "int64")],
    "responses": [("response_id", _S), ("source", ("cat", ["kykyviisari", "kompassi", "osallisuus"], False)),
                  ("client_id", _S), ("date", _D), ("wave", ("cat", WAVES, True)),
                  ("wave_rule", ("cat", ["recorded", "date_rule"], False)), ("form_version", _S),
                  ("language", _S), ("file", _S), ("row", "int64")],
    # items is long (responses x items): its text columns are categoricals of str, built from
    # integer codes (no millions of Python strings)
    "items": [("response_id", "category"), ("client_id", "category"),
              ("source", ("cat", ["kykyviisari", "kompassi", "osallisuus"], False)),
              ("wave", ("cat", WAVES, True)), ("item", "category"), ("value", "float64"),
              ("missing", ("cat", ITEM_MISSING, False))],
    "satisfaction": [("client_id", _S), ("version", ("cat", ARMS, False)), ("date", _D)]
    + [(f"C{i}", "float64") for i in range(1, 9)] + [(f"H{i}", "float64") for i in range(1, 5)]
    + [("grade", "float64"), ("work_status", ("cat", LABOUR_STATUS, False)), ("free_text", _S),
       ("file", _S), ("row", "int64")],
    "esr": [("client_id", _S), ("form", ("cat", ["aloitus", "päättö"], False)), ("date", _D),
            ("labour_status", ("cat", LABOUR_STATUS, False)), ("file", _S), ("row", "int64")],
    "diaries": [("diary_id", _S), ("file", _S), ("role", ("cat", ["worker", "client", "assistant"], False)),
                ("person", _S), ("title", _S), ("period_start", _D), ("period_end", _D),
                ("period_days", "int64")],
    "diary_rows": [("diary_id", _S), ("role", ("cat", ["worker", "client", "assistant"], False)),
                   ("date", _D), ("client_id", _S), ("task", ("cat", TASKS, False)),
                   ("minutes", "float64"), ("km", "float64"), ("expenses", "float64"),
                   ("volunteer", "bool"), ("file", _S), ("row", "int64")],
    "service_costs": [("client_id", _S), ("service", _S), ("sector", ("cat", SECTORS, False)),
                      ("funding", ("cat", FUNDING, False)), ("start_date", _D), ("end_date", _D),
                      ("quantity", "float64"), ("unit", _S), ("unit_price", "float64"),
                      ("amount", "float64"), ("sum_mismatch", "bool"), ("provider_id", _S),
                      ("file", _S), ("row", "int64")],
    "budgets": [("client_id", _S), ("decision_date", _D), ("start_date", _D), ("end_date", _D),
                ("amount", "float64"), ("unit", ("cat", BUDGET_UNITS, False)),
                ("eur_per_day", "float64"), ("file", _S), ("row", "int64")],
    "providers": [("provider_id", _S), ("name", _S), ("business_id", _S),
                  ("business_id_valid", "boolean"), ("sector", ("cat", SECTORS, False)),
                  ("approved", _D), ("services", _S), ("file", _S), ("row", "int64")],
}


def _dtype(spec):
    if isinstance(spec, tuple):
        return pd.CategoricalDtype(spec[1], ordered=spec[2])
    return spec


#: each table's columns: (name, dtype, kind), made once (a categorical dtype checks its
#: categories when made, pandas parses a dtype's name on each cast)
_DTYPES: dict[str, list] = {}


def _columns_of(table: str) -> list[tuple[str, Any, str]]:
    if table not in _DTYPES:
        out = []
        for name, spec in COLUMNS[table]:
            dt = _dtype(spec)
            kind = ("cat" if isinstance(dt, pd.CategoricalDtype) else "date" if dt == _D
                    else "str" if dt == _S else "other")
            out.append((name, dt if kind == "cat" else pd.api.types.pandas_dtype(dt), kind))
        _DTYPES[table] = out
    return _DTYPES[table]


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Select and order the contract columns of ``table`` and cast them to their dtypes.

    Columns missing from ``df`` are added empty. Categorical values outside the categories would
    become NA silently, so they are checked: the loaders map codes before this. A column
    already of its dtype is kept as it is.
    """
    out = {}
    n = len(df)
    have = set(df.columns)
    for name, dt, kind in _columns_of(table):
        if name in have:
            col = df[name]
            if col.dtype == dt:
                pass  # (e.g. cast already by the pool's worker: the same values and dtype)
            elif kind == "cat":
                col = pd.Series(_categorical(col, dt, f"{table}.{name}"), index=df.index)
            elif kind == "date":
                col = pd.to_datetime(col).astype(dt)
            elif kind == "str" and (col.dtype == object or isinstance(col.dtype, pd.StringDtype)):
                col = shared_strings(col)
            else:
                col = col.astype(dt)
        else:
            if kind == "other" and dt == np.dtype(bool):
                col = pd.Series(False, index=df.index)
            elif kind == "cat":
                col = pd.Series(pd.Categorical([None] * n, dtype=dt), index=df.index)
            else:
                col = pd.Series([None] * n, index=df.index, dtype=object).astype(dt)
        out[name] = col
    # no copy of columns already in their dtype (copy-on-write keeps ``df`` and the result apart)
    return pd.DataFrame(out, index=df.index, copy=False).reset_index(drop=True)


def _categorical(col: pd.Series, dt: pd.CategoricalDtype, what: str) -> pd.Categorical:
    """``pd.Categorical(col, dtype=dt)`` with a value outside the categories refused (a
    bug: it would become NA silently), each distinct value looked up once."""
    codes, uniq = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    at = {c: i for i, c in enumerate(dt.categories)}
    to = np.empty(len(uniq) + 1, dtype=np.int64)
    to[-1] = -1  # NA stays NA
    for i, u in enumerate(uniq):
        if u not in at:
            raise ValueError(f"{what}: value outside the categories (a bug)")
        to[i] = at[u]
    return pd.Categorical.from_codes(to[codes], dtype=dt)


def shared_strings(col: pd.Series) -> pd.Series:
    """``col.astype("string")`` holding each distinct text once: pandas' cast (and its
    inference of ``str`` when a frame is made of texts) makes a new Python string per cell (a file name 1.5 million times at 100,000 clients), this one
    converts the distinct values and spreads them back by position (equal values, the same
    dtype). Columns with anything but text (numbers, whose texts could differ for equal
    values) are cast by pandas."""
    codes, uniq = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    if not set(map(type, uniq)) <= {str}:  # (each value exactly a str)
        return col.astype(_S)
    arr = pd.array(np.asarray(uniq, dtype=object), dtype=_S).take(codes, allow_fill=True)
    return pd.Series(arr, index=col.index)


def empty(table: str) -> pd.DataFrame:
    """The empty frame of ``table`` with its contract columns and dtypes."""
    return conform(pd.DataFrame(index=pd.RangeIndex(0)), table)
