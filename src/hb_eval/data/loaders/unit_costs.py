"""Unit costs (docs/data_sources.md §8): a small YAML file set by the evaluators."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...errors import InputError
from ..io import read_input
from .common import LoadContext, display_path

__all__ = ["UnitCosts", "load", "read_unit_costs", "unit_cost_value"]

_KEYS = ("price_year", "hourly_wage", "side_costs_pct", "overhead_pct", "km_allowance",
         "volunteer_hour_value", "client_hour_value", "price_index")
_REQUIRED = ("price_year", "hourly_wage", "side_costs_pct", "overhead_pct", "km_allowance")


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs in euros of ``price_year``.

    Attributes
    ----------
    price_year
        The year all costs are expressed in.
    hourly_wage
        Title (as in the diary header) -> euros per hour.
    side_costs_pct, overhead_pct
        Employer's side costs on the wage, and overhead on wage + side costs, in per cent.
    km_allowance
        Euros per kilometre.
    volunteer_hour_value, client_hour_value
        Shadow prices of a volunteer assistant's hour and of the client's own hour.
    price_index
        Year -> price index (the price year's index is the base).
    file
        Where the values came from (for messages).
    """

    price_year: int
    hourly_wage: dict[str, float]
    side_costs_pct: float
    overhead_pct: float
    km_allowance: float
    volunteer_hour_value: float = 0.0
    client_hour_value: float = 0.0
    price_index: dict[int, float] = field(default_factory=dict)
    file: str | None = None

    def staff_minute_cost(self, title: str, diary: str | None = None) -> float:
        """Cost of one staff minute: wage × (1 + side costs) × (1 + overhead) / 60.

        Raises
        ------
        InputError
            When the title has no wage, naming the title and (when given) the diary.
        """
        key = _title_key(title)
        wages = {_title_key(k): v for k, v in self.hourly_wage.items()}
        if key not in wages:
            where = f" (diary {diary})" if diary else ""
            raise InputError(f"title {title!r}{where} has no hourly wage in the unit costs; "
                             f"known titles: {', '.join(sorted(self.hourly_wage))}",
                             file=self.file)
        return (wages[key] * (1 + self.side_costs_pct / 100) * (1 + self.overhead_pct / 100)
                / 60.0)

    def to_price_year(self, amount: float, year: int) -> float:
        """Euros of ``year`` in euros of the price year (amount × index[price year] / index[year]).

        Raises
        ------
        InputError
            When either year has no price index.
        """
        if int(year) == int(self.price_year):
            return float(amount)
        for y in (int(year), int(self.price_year)):
            if y not in self.price_index:
                raise InputError(f"no price index for {y} in the unit costs", file=self.file)
        return float(amount) * self.price_index[int(self.price_year)] / self.price_index[int(year)]


def unit_cost_value(uc: Any, key: str) -> Any:
    """``key`` of a :class:`UnitCosts` (or of a plain dict, as in YAML); None when absent."""
    if uc is None:
        return None
    return uc.get(key) if isinstance(uc, dict) else getattr(uc, key, None)


def _title_key(title: object) -> str:
    return " ".join(str(title).split()).casefold()


def _number(d: dict, key: str, file: str) -> float:
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise InputError(f"{key} must be a number", file=file)
    if float(v) < 0:
        raise InputError(f"{key} must not be negative", file=file)
    return float(v)


def read_unit_costs(path: str | Path, *, file: str | None = None,
                    data: bytes | None = None) -> UnitCosts:
    """Read and check the unit-cost YAML (``data``: its bytes, when already read).

    Raises
    ------
    InputError
        On an unknown or missing key, a non-numeric or negative value, or a bad price index.
    """
    path = Path(path)
    shown = file or str(path)
    try:
        raw = path.read_bytes() if data is None else data
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the unit costs ({type(exc).__name__})", file=shown) from None
    if not isinstance(data, dict):
        raise InputError("the unit costs must be a mapping of keys to values", file=shown)
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in the unit costs; allowed keys: "
                         f"{', '.join(_KEYS)}", file=shown)
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputError(f"missing key(s) in the unit costs: {', '.join(missing)}", file=shown)
    wages = data["hourly_wage"]
    if not isinstance(wages, dict) or not wages:
        raise InputError("hourly_wage must map each title to euros per hour", file=shown)
    hw = {str(k): _number(wages, k, shown) for k in wages}
    idx_raw = data.get("price_index") or {}
    if not isinstance(idx_raw, dict):
        raise InputError("price_index must map years to index values", file=shown)
    try:
        idx = {int(k): float(v) for k, v in idx_raw.items()}
    except (TypeError, ValueError):
        raise InputError("price_index must map years to index values", file=shown) from None
    if any(v <= 0 for v in idx.values()):
        raise InputError("price_index values must be positive", file=shown)
    py = data["price_year"]
    if isinstance(py, bool) or not isinstance(py, int):
        raise InputError("price_year must be a year such as 2018", file=shown)
    return UnitCosts(
        price_year=int(py), hourly_wage=hw,
        side_costs_pct=_number(data, "side_costs_pct", shown),
        overhead_pct=_number(data, "overhead_pct", shown),
        km_allowance=_number(data, "km_allowance", shown),
        volunteer_hour_value=_number(data, "volunteer_hour_value", shown)
        if "volunteer_hour_value" in data else 0.0,
        client_hour_value=_number(data, "client_hour_value", shown)
        if "client_hour_value" in data else 0.0,
        price_index=idx, file=shown,
    )


def load(files: list[Path], ctx: LoadContext) -> UnitCosts:
    """Loader entry point: the first (only) unit-cost file; registered for the file list with
    no data rows (it is settings, not records)."""
    if len(files) != 1:
        raise InputError(f"sources.unit_costs must be exactly one file, got {len(files)}")
    shown = display_path(files[0], ctx.base_dir)
    data, read = read_input(files[0], file=shown)
    uc = read_unit_costs(files[0], file=shown, data=data)
    ctx.quarantine.add_file(ctx.source, shown, read.sha256, None, [], read=read)
    return uc
