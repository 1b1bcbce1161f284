"""manifest.json: what a report run used, so that it can be reproduced and checked.

The manifest lists every input file with its SHA-256 and its row accounting, the configuration
(as plain data), the seed, the versions of Python and of the packages that compute results, and
where the configuration lived. The ``created`` wall-clock time is the only thing that changes
between identical runs; it is never part of what ``hb-eval reproduce`` compares.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ..config import SOURCES, Config
from .results_json import to_jsonable

__all__ = ["PACKAGES", "sha256_file", "package_versions", "input_files", "build_manifest",
           "write_manifest", "read_manifest", "created_with", "redact_manifest"]

#: Packages whose version can change a number in results.json.
PACKAGES = ("hb_eval", "numpy", "pandas", "scipy", "statsmodels", "linearmodels", "pingouin",
            "matplotlib", "seaborn", "jinja2", "openpyxl", "python-calamine", "PyYAML")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


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
    from .. import __version__

    return f"hb_eval {__version__}"


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return str(Path(path).resolve())


def input_files(config: Config) -> list[dict[str, Any]]:
    """Every input file of the configuration: source, path (relative to the config folder), sha256.

    Raises
    ------
    ConfigError
        When a configured pattern matches no file (from :meth:`Config.source_files`).
    """
    out = []
    for source in SOURCES:
        if not config.has_source(source):
            continue
        for f in config.source_files(source):
            out.append({"source": source, "path": _rel(f, config.base_dir),
                        "sha256": sha256_file(f)})
    return out


def build_manifest(config: Config, *, files_table: Any = None, out_dir: str | Path | None = None,
                   results_sha256: str | None = None, timestamp: bool = True) -> dict[str, Any]:
    """The manifest of one report run.

    Parameters
    ----------
    config
        The configuration actually used (after command-line overrides).
    files_table
        ``Dataset.files`` (source, path, sha256, sheet, rows_read, rows_kept, rows_quarantined);
        its row accounting is added per file. Optional (None when loading failed early).
    out_dir
        The output folder; when the inputs live inside it (the demo), their folder is also
        recorded relative to it so that a moved output folder still reproduces.
    results_sha256
        SHA-256 of the results.json written by the run.
    timestamp
        Record the wall-clock time of the run (``created``, UTC).
    """
    inputs = input_files(config)
    if files_table is not None and len(files_table):
        acc = {}
        for rec in files_table.to_dict("records"):
            key = str(rec.get("path"))
            acc.setdefault(key, []).append({
                k: rec.get(k) for k in ("sheet", "rows_read", "rows_kept", "rows_quarantined")})
        for f in inputs:
            f["sheets"] = acc.get(f["path"], [])
    base = Path(config.base_dir).resolve()
    m: dict[str, Any] = {
        "created_with": created_with(),
        "seed": config.analysis.seed,
        "config": config.to_dict(),
        "config_file": config.path.name if config.path is not None else None,
        "base_dir": str(base),
        "inputs": inputs,
        "versions": package_versions(),
        "results_sha256": results_sha256,
    }
    if out_dir is not None:
        try:
            m["base_dir_in_out"] = base.relative_to(Path(out_dir).resolve()).as_posix()
        except ValueError:
            m["base_dir_in_out"] = None
    if timestamp:
        m["created"] = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return to_jsonable(m)


def redact_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a public report: client numbers in file names and configured paths are
    redacted (``paths_redacted: true``); ``hb-eval reproduce`` then matches inputs by their
    redacted path and SHA-256."""
    import copy

    from .suppression import redact_client_numbers

    m = copy.deepcopy(dict(manifest))
    for f in m.get("inputs", []):
        f["path"] = redact_client_numbers(f["path"])
    srcs = (m.get("config") or {}).get("sources")
    if isinstance(srcs, dict):
        m["config"]["sources"] = {k: [redact_client_numbers(p) for p in v]
                                  for k, v in srcs.items()}
    m["paths_redacted"] = True
    return m


def write_manifest(manifest: Mapping[str, Any], path: str | Path) -> Path:
    """Write manifest.json (sorted keys, UTF-8; every string through the privacy gate)."""
    from ..data.privacy import gate_value

    path = Path(path)
    path.write_text(json.dumps(gate_value(dict(manifest)), sort_keys=True, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest.json."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
