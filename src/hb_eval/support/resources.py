"""Paths of the files shipped with the package (schemas, report templates)."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent  # the hb_eval package folder


def schema_dir() -> Path:
    """Folder of the default data schemas (``data_schemas/`` in the repository)."""
    return (_HERE / "data_schemas").resolve()


def template_dir() -> Path:
    """Folder of the report templates (``reports/templates/`` in the repository)."""
    return (_HERE / "report" / "templates").resolve()
