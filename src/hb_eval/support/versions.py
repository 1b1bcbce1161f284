"""Versions a run records: the results.json schema, hb_eval and the packages behind its numbers."""
from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata
from typing import Any

__all__ = ["__version__", "SCHEMA_VERSION", "PACKAGES", "package_versions", "created_with"]

#: hb_eval's own version (``hb_eval.__version__``; the same as in pyproject.toml).
__version__ = "0.1.0"
#: Version of the shape of results.json (and of ``hb-eval validate --json``).
SCHEMA_VERSION = "1.0"
#: Packages whose version can change a number in results.json.
PACKAGES = ("hb_eval", "numpy", "pandas", "scipy", "statsmodels", "linearmodels", "pingouin",
            "matplotlib", "seaborn", "jinja2", "openpyxl", "python-calamine", "PyYAML")


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` and of Python (``None`` for one not installed)."""
    out: dict[str, Any] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def created_with() -> str:
    """``"hb_eval <version>"``."""
    return f"hb_eval {__version__}"
