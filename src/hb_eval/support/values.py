"""Plain Python values for result blocks (the ``results.json`` tree).

Estimators return numpy and pandas scalars; the result blocks that go into ``results.json`` hold
plain ``int``, ``float`` or ``None``. This is the one conversion every stage uses.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plain_value"]


def plain_value(x: Any) -> Any:
    """A plain Python value: numpy integers become ``int``, floats ``float``, and NaN, ±inf,
    ``None`` and ``pd.NA`` become ``None``; anything else is returned unchanged.

    Examples
    --------
    >>> plain_value(np.float64(1.5)), plain_value(np.int64(3)), plain_value(float("nan"))
    (1.5, 3, None)
    """
    if x is None or x is pd.NA:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    return x
