"""results.json: deterministic serialisation, lookup by dotted key, and comparison.

The same inputs, configuration and seed must give byte-identical files, so:

* keys are sorted, indentation and separators are fixed, the file ends with one newline;
* floats are rounded to :data:`SIGNIFICANT_DIGITS` significant digits (last-bit noise from
  summation order does not leak into the file); ``-0.0`` is written ``0.0``;
* NaN and ±inf are written ``null`` (JSON has no such numbers);
* numpy and pandas scalars become plain Python numbers; tuples become lists.

No wall-clock time is ever written here (the manifest may carry one, outside the comparison).
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..support.versions import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "SIGNIFICANT_DIGITS",
    "to_jsonable",
    "dumps_results",
    "write_results",
    "read_results",
    "get_path",
    "flatten",
    "diff_results",
]

SIGNIFICANT_DIGITS = 10


def _round_float(x: float, digits: int) -> float | None:
    if math.isnan(x) or math.isinf(x):
        return None
    if x == 0.0:
        return 0.0
    rounded = float(f"{x:.{digits}g}")
    # Rounding up near the largest float overflows; such a number is kept as it is.
    return rounded if math.isfinite(rounded) else x


def to_jsonable(obj: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Convert a nested structure to plain JSON data with rounded floats.

    Parameters
    ----------
    obj
        Dicts, lists, tuples, numbers (Python, numpy), strings, booleans, None, pandas NA.
    digits
        Significant digits kept for every float.

    Raises
    ------
    TypeError
        For an object that has no JSON form (a DataFrame, a Path, ...): convert it first.
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _round_float(float(obj), digits)
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, digits) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v, digits) for v in obj.tolist()]
    try:
        import pandas as pd

        if obj is pd.NA or obj is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"results.json cannot hold a {type(obj).__name__}; convert it first")


def dumps_results(results: Mapping[str, Any], digits: int = SIGNIFICANT_DIGITS) -> str:
    """The exact text of results.json for ``results`` (sorted keys, rounded floats; every
    string through the privacy gate)."""
    from ..privacy import gate_value

    return json.dumps(gate_value(to_jsonable(results, digits)), sort_keys=True, indent=2,
                      ensure_ascii=False, allow_nan=False) + "\n"


def write_results(results: Mapping[str, Any], path: str | Path) -> Path:
    """Write results.json (UTF-8, ``\\n`` line ends) and return its path."""
    path = Path(path)
    path.write_bytes(dumps_results(results).encode("utf-8"))
    return path


def read_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json written by :func:`write_results`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def get_path(results: Mapping[str, Any], key: str, default: Any = KeyError) -> Any:
    """Look up a dotted key such as ``"outcomes.kykyviisari_total.did.estimate"``.

    List elements are addressed by their index (``"data.files.0.sha256"``).
    """
    node: Any = results
    for part in key.split("."):
        try:
            if isinstance(node, list):
                node = node[int(part)]
            else:
                node = node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            if default is KeyError:
                raise KeyError(key) from None
            return default
    return node


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> leaf value, for comparing two results files key by key."""
    out: dict[str, Any] = {}
    if isinstance(obj, Mapping):
        if not obj and prefix:
            out[prefix] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        if not obj and prefix:
            out[prefix] = []
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix] = obj
    return out


def diff_results(a: Mapping[str, Any], b: Mapping[str, Any],
                 ignore: tuple[str, ...] = ()) -> list[str]:
    """Dotted keys whose values differ between two results (missing on one side counts).

    Parameters
    ----------
    ignore
        Key prefixes left out of the comparison (e.g. ``("manifest.versions",)``).
    """
    fa, fb = flatten(a), flatten(b)
    keys = sorted(set(fa) | set(fb))
    out = []
    for k in keys:
        if any(k == p or k.startswith(p + ".") for p in ignore):
            continue
        if k not in fa or k not in fb or fa[k] != fb[k]:
            out.append(k)
    return out
