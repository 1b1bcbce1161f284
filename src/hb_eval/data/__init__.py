"""The data layer: raw files -> tidy tables, quarantine and privacy.

Everything that touches a raw export lives here, and nothing here imports the analysis or the
report:

- :mod:`~hb_eval.data.io` reads ``.xlsx`` and ``.csv`` files into raw text grids;
- :mod:`~hb_eval.data.parsing` parses client numbers, Finnish numbers, dates and durations;
- :mod:`~hb_eval.privacy` finds and redacts personal identity codes;
- :mod:`~hb_eval.data.schema` reads the machine-readable schemas of ``data_schemas/``;
- :mod:`~hb_eval.data.loaders` turns each source's grids into a tidy table;
- :mod:`~hb_eval.data.quarantine` records every row set aside, with its reason;
- :mod:`~hb_eval.data.dataset` assembles the :class:`~hb_eval.data.dataset.Dataset`;
- :mod:`~hb_eval.data.validate` is ``hb-eval validate``.
"""
from __future__ import annotations

from .dataset import Dataset, load

__all__ = ["Dataset", "load"]
