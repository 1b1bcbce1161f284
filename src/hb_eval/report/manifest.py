"""manifest.json: what a report run used and wrote, so that it can be reproduced and checked.

The manifest lists every input file with the SHA-256 of the bytes the loaders parsed and its row
accounting, the configuration (as plain data), the seed, the versions of Python and of the
packages that compute results, where the configuration lived (as a path relative to the output
folder: no absolute path), and the SHA-256 of every output file (``outputs``, added when the
folder is sealed by :class:`hb_eval.report.output.OutputFolder`). Input paths are relative to the
configuration file's folder. The ``created`` wall-clock time is the only thing that changes
between identical runs; it is never part of what ``hb-eval reproduce`` compares.

``manifest_version`` 2: ``base_dir`` (absolute) is gone; ``config_dir``,
``config_dir_in_out``, ``outputs`` and ``foreign`` are new.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import SOURCES, Config
from ..privacy import OUTSIDE, shown_path, shown_paths
from ..support.versions import PACKAGES, created_with, package_versions
from .results_json import to_jsonable

__all__ = ["MANIFEST_VERSION", "PACKAGES", "sha256_file", "package_versions", "input_files",
           "inputs_read", "build_manifest", "Dumped", "dumped_inputs",
           "write_manifest", "read_manifest", "created_with", "redact_manifest"]

#: Version of the manifest's own shape.
MANIFEST_VERSION = 2
def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _rel(path: str | Path, base: str | Path) -> str:
    """``path`` relative to ``base`` (``../`` where it lies outside), POSIX style."""
    p = Path(base) / path  # an absolute ``path`` stays as it is
    try:
        return Path(os.path.relpath(p.resolve(), Path(base).resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return p.resolve().as_posix()


def inputs_read(config: Config, files_table: Any) -> list[dict[str, Any]]:
    """The manifest's ``inputs``: as the loaders read them (one entry per file, its sheets'
    accounting; ``Dataset.files``), paths shown as :func:`~hb_eval.privacy.shown_paths`."""
    out: dict[tuple[str, Any], dict[str, Any]] = {}
    base = os.path.abspath(config.base_dir)
    records = files_table.to_dict("records")
    # as the loaders show it: relative, or [outside]/<name>; each distinct path shown once
    read = list(dict.fromkeys(p for p in (str(r.get("path")) for r in records)
                              if not p.startswith(OUTSIDE + "/")))
    shown = dict(zip(read, shown_paths([os.path.join(base, p) for p in read], base)))
    for rec in records:
        path = str(rec.get("path"))
        path = shown.get(path, path)
        # two files outside the folder may share a name: one entry per file read
        f = out.setdefault((path, rec.get("sha256")), {
            "source": rec.get("source"), "path": path, "sha256": rec.get("sha256"),
            "sheets": []})
        f["sheets"].append({k: rec.get(k) for k in ("sheet", "rows_read", "rows_kept",
                                                    "rows_quarantined")})
    return list(out.values())


class Dumped:
    """A manifest value given as its text in manifest.json (to_jsonable'd, gated and, in a
    public report, redacted already): the report makes its ``inputs`` (16,410 files at 100,000
    clients) beside its figures, and :func:`write_manifest` puts the text in its place."""

    def __init__(self, text: str, redacted: bool) -> None:
        self.text = text
        self.redacted = redacted


def _json(value: Any) -> str:
    """manifest.json's JSON form of a value (sorted keys, two-space indent, UTF-8 text)."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)


def _redact_inputs(inputs: list[dict[str, Any]]) -> None:
    """Client numbers in the inputs' file names redacted, in place (see :func:`redact_manifest`)."""
    from .suppression import redact_client_numbers

    for f in inputs:
        f["path"] = redact_client_numbers(f["path"])


def dumped_inputs(inputs: list[dict[str, Any]], public: bool) -> Dumped:
    """The manifest's ``inputs`` (:func:`inputs_read`) as :func:`write_manifest` writes them,
    after :func:`build_manifest` and, with ``public``, :func:`redact_manifest`: the same text,
    made ahead (its codes are numbered by the gate now, so the caller uses it only when the gate
    numbered no new code making it)."""
    from ..privacy import gate_value

    value = to_jsonable(inputs)
    if public:
        _redact_inputs(value)
    return Dumped(_json(gate_value(value)), public)


def input_files(config: Config) -> list[dict[str, Any]]:
    """Every input file the configuration matches now: source, path (relative to the config
    folder), sha256 (hashing the files again; a run records what it read instead).

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
            out.append({"source": source, "path": shown_path(f, config.base_dir),
                        "sha256": sha256_file(f)})
    return out


def build_manifest(config: Config, *, files_table: Any = None, out_dir: str | Path | None = None,
                   results_sha256: str | None = None, timestamp: bool = True,
                   inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The manifest of one report run.

    Parameters
    ----------
    config
        The configuration actually used (after command-line overrides).
    files_table
        ``Dataset.files`` (source, path, sha256, sheet, rows_read, rows_kept, rows_quarantined):
        the inputs are recorded as read (SHA-256 of the bytes parsed) with their accounting.
        When None, the configured files are hashed now (no accounting).
    out_dir
        The (final) output folder: the configuration's folder is recorded relative to it
        (``config_dir``), and as ``config_dir_in_out`` when it lies inside it (the demo), so
        that a moved output folder still finds its inputs.
    results_sha256
        SHA-256 of the results.json written by the run.
    timestamp
        Record the wall-clock time of the run (``created``, UTC).
    inputs
        ``inputs_read(config, files_table)`` when already made (the report makes it beside its
        figures), or its text (:func:`dumped_inputs`).
    """
    if inputs is None:
        inputs = (inputs_read(config, files_table) if files_table is not None
                  else input_files(config))
    base = Path(config.base_dir).resolve()
    m: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "created_with": created_with(),
        "seed": config.analysis.seed,
        "config": config.to_dict(),
        "config_file": config.path.name if config.path is not None else None,
        "inputs": inputs,
        "versions": package_versions(),
        "results_sha256": results_sha256,
    }
    if out_dir is not None:
        out = Path(out_dir).resolve()
        m["config_dir"] = _rel(base, out)
        try:
            m["config_dir_in_out"] = base.relative_to(out).as_posix()
        except ValueError:
            m["config_dir_in_out"] = None
    if timestamp:
        m["created"] = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    if isinstance(inputs, Dumped):  # its text is made: in its place again after to_jsonable
        return {**to_jsonable({**m, "inputs": []}), "inputs": inputs}
    return to_jsonable(m)


def redact_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a public report: client numbers in file names and configured paths are
    redacted (``paths_redacted: true``); ``hb-eval reproduce`` then matches inputs by their
    redacted path and SHA-256."""
    import copy

    from .suppression import redact_client_numbers

    m = copy.deepcopy(dict(manifest))
    inputs = m.get("inputs", [])
    if isinstance(inputs, Dumped):  # made redacted (dumped_inputs); else not a public one
        if not inputs.redacted:
            raise ValueError("the manifest's inputs were made for an internal report")
    else:
        _redact_inputs(inputs)
    srcs = (m.get("config") or {}).get("sources")
    if isinstance(srcs, dict):
        m["config"]["sources"] = {k: [redact_client_numbers(p) for p in v]
                                  for k, v in srcs.items()}
    for key in ("config_dir", "config_dir_in_out"):
        if isinstance(m.get(key), str):
            m[key] = redact_client_numbers(m[key])
    if isinstance(m.get("foreign"), list):
        m["foreign"] = [redact_client_numbers(str(e)) for e in m["foreign"]]
    m["paths_redacted"] = True
    return m


def write_manifest(manifest: Mapping[str, Any], path: str | Path) -> Path:
    """Write manifest.json (sorted keys, UTF-8; every string through the privacy gate); see
    :meth:`OutputFolder.commit` for the fsync and the place of the manifest in the run."""
    from ..privacy import gate_value

    path = Path(path)
    m = dict(manifest)
    # a value made ahead (Dumped) stands in as a short marker the gate leaves alone; its text,
    # one level deeper, then takes the marker's place
    made = {k: v for k, v in m.items() if isinstance(v, Dumped)}
    m.update({k: f"\0{k}\0" for k in made})
    text = _json(gate_value(m))
    for k, v in made.items():
        marker = _json({k: f"\0{k}\0"})[2:-2]  # '"inputs": "\u0000inputs\u0000"'
        text = text.replace(marker, marker[:-len(_json(f"\0{k}\0"))] + v.text.replace(
            "\n", "\n  "), 1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest.json."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
