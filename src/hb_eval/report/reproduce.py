"""``hb-eval reproduce DIR``: re-run a previous report from its manifest and compare.

Steps: read ``DIR/manifest.json``; find the inputs (beside the output folder when they were
inside it, as with the demo, otherwise where the configuration was); check every input's SHA-256
and stop, naming each changed, missing or new file, if any differ; re-run with the recorded
configuration (seed, replicates, language and audience included) into ``--out`` or a temporary
folder; and say whether the new results.json is byte-identical to the old one or list the keys
that differ. The wall-clock time in the manifest is never compared.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from ..config import parse_config
from ..errors import InputError
from .manifest import input_files, read_manifest, sha256_file
from .results_json import diff_results, read_results

__all__ = ["check_inputs", "reproduce", "cli_reproduce", "ReproduceResult"]

MAX_KEYS_SHOWN = 40


class ReproduceResult:
    """Outcome of :func:`reproduce`: ``input_changes`` (file -> what), ``identical`` (bool or
    None when not re-run), ``differing_keys`` and ``new_dir``."""

    def __init__(self, input_changes: dict[str, str], identical: bool | None,
                 differing_keys: list[str], new_dir: Path | None) -> None:
        self.input_changes = input_changes
        self.identical = identical
        self.differing_keys = differing_keys
        self.new_dir = new_dir

    def summary(self) -> str:
        """What was compared and what differed, as printable lines."""
        if self.input_changes:
            lines = ["inputs differ from the manifest; not re-run:"]
            lines += [f"  {p}: {what}" for p, what in sorted(self.input_changes.items())]
            return "\n".join(lines)
        if self.identical:
            return "results.json matches: byte-identical"
        keys = self.differing_keys
        lines = [f"results.json differs in {len(keys)} key(s):"]
        lines += [f"  {k}" for k in keys[:MAX_KEYS_SHOWN]]
        if len(keys) > MAX_KEYS_SHOWN:
            lines.append(f"  … and {len(keys) - MAX_KEYS_SHOWN} more")
        if not keys:
            lines.append("  (same values, different bytes: formatting or rounding changed)")
        return "\n".join(lines)


def _base_dir(run_dir: Path, manifest: dict[str, Any]) -> Path:
    rel = manifest.get("base_dir_in_out")
    if rel is not None and (run_dir / rel).is_dir():
        return run_dir / rel
    return Path(manifest["base_dir"])


def check_inputs(manifest: dict[str, Any], base_dir: Path) -> dict[str, str]:
    """Input files whose SHA-256 differs from the manifest: path -> ``changed``/``missing``/``new``.

    A public report's manifest has client numbers redacted from its paths
    (``paths_redacted``), and any manifest has personal identity codes replaced by placeholders
    (``[hetu-1]``); such inputs are matched by their redacted path and SHA-256, and a
    difference is named by the redacted path.
    """
    from collections import Counter

    from ..data.privacy import PLACEHOLDER_RE, gate
    from .suppression import redact_client_numbers

    out: dict[str, str] = {}
    recorded = [(f["path"], f["sha256"]) for f in manifest.get("inputs", [])]
    config = parse_config(_config_data(manifest, base_dir), base_dir=base_dir)
    gated = any(PLACEHOLDER_RE.search(p) for p, _ in recorded)
    if manifest.get("paths_redacted") or gated:
        redacted = bool(manifest.get("paths_redacted"))

        def key(p: str) -> str:  # placeholders are numbered per run: compare them as one
            p = redact_client_numbers(p) if redacted else p
            return PLACEHOLDER_RE.sub("[hetu]", str(gate(p)))

        recorded = [(key(p), sha) for p, sha in recorded]
        try:
            now = [(key(f["path"]), f["sha256"]) for f in input_files(config)]
        except Exception:  # a configured pattern matches nothing any more
            now = []
        missing = Counter(recorded) - Counter(now)
        extra = Counter(now) - Counter(recorded)
        for (p, _sha) in missing:
            out[p] = "changed or missing (SHA-256 not found)"
        for (p, _sha) in extra:
            out.setdefault(p, "changed or new (SHA-256 not in the manifest)")
        return out
    for rel, sha in recorded:
        p = Path(rel) if Path(rel).is_absolute() else base_dir / rel
        if not p.exists():
            out[rel] = "missing"
        elif sha256_file(p) != sha:
            out[rel] = "changed (SHA-256 differs)"
    try:
        now_paths = {f["path"] for f in input_files(config)}
    except Exception:  # a pattern matching nothing: the missing files are already listed
        now_paths = {r for r, _ in recorded}
    for rel in sorted(now_paths - {r for r, _ in recorded}):
        out[rel] = "new (matched by the configuration, not in the manifest)"
    return out


def _config_data(manifest: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The recorded configuration; when a personal identity code in a configured path was
    replaced by its placeholder, the sources are taken from the configuration file itself."""
    import json

    from ..config import load_config
    from ..data.privacy import PLACEHOLDER_RE

    data = dict(manifest["config"])
    cfg_file = manifest.get("config_file")
    if PLACEHOLDER_RE.search(json.dumps(data.get("sources"), ensure_ascii=False)) and cfg_file \
            and (base_dir / cfg_file).is_file():
        data["sources"] = load_config(base_dir / cfg_file).to_dict()["sources"]
    return data


def reproduce(run_dir: str | Path, out_dir: str | Path | None = None,
              progress: bool = True) -> ReproduceResult:
    """Re-run the report of ``run_dir`` from its manifest and compare results.json.

    Parameters
    ----------
    run_dir
        Output folder of a previous ``hb-eval report`` (holds manifest.json and results.json).
    out_dir
        Where to write the re-run; a temporary folder (removed afterwards) when None.
    progress
        Progress lines on stderr.

    Raises
    ------
    InputError
        When ``run_dir`` has no manifest.json or results.json.
    """
    from .run import run_report

    run_dir = Path(run_dir)
    for name in ("manifest.json", "results.json"):
        if not (run_dir / name).exists():
            raise InputError(f"no {name} here: not the output folder of hb-eval report",
                             file=str(run_dir))
    manifest = read_manifest(run_dir / "manifest.json")
    base = _base_dir(run_dir, manifest)
    changes = check_inputs(manifest, base)
    if changes:
        return ReproduceResult(changes, None, [], None)
    cfg_file = manifest.get("config_file")
    config = parse_config(_config_data(manifest, base), base_dir=base,
                          path=(base / cfg_file) if cfg_file else None)
    recorded = (manifest.get("plausibility") or {}).get("date_max")
    if recorded and not config.data.date_max:  # "run date + 1 year" of the original run
        import dataclasses
        import datetime as _dt

        d = _dt.date.fromisoformat(recorded)
        try:
            run_date = d.replace(year=d.year - 1)
        except ValueError:
            run_date = d.replace(year=d.year - 1, day=28)
        config = dataclasses.replace(config, run_date=run_date)
    tmp = None
    if out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hb-eval-reproduce-")
        out_dir = Path(tmp.name)
    try:
        run_report(config, out_dir, progress=progress)
        old = (run_dir / "results.json").read_bytes()
        new = (Path(out_dir) / "results.json").read_bytes()
        if old == new:
            return ReproduceResult({}, True, [], None if tmp else Path(out_dir))
        keys = diff_results(read_results(run_dir / "results.json"),
                            read_results(Path(out_dir) / "results.json"))
        return ReproduceResult({}, False, keys, None if tmp else Path(out_dir))
    finally:
        if tmp is not None:
            tmp.cleanup()


def cli_reproduce(args: Any) -> int:
    """``hb-eval reproduce DIR [--out DIR2]``: 0 when results match, 1 otherwise."""
    res = reproduce(args.dir, getattr(args, "out", None), progress=True)
    print(res.summary())
    if res.new_dir is not None:
        print(f"re-run written to {res.new_dir}", file=sys.stderr)
    return 0 if res.identical else 1
