"""Deprecated alias of :mod:`hb_eval.data.privacy` (moved in 0.2; the alias goes in 0.3)."""
from __future__ import annotations

import sys
import warnings

from .data import privacy as _moved

warnings.warn(
    "hb_eval.privacy has moved to hb_eval.data.privacy; the old name will be removed in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = _moved
