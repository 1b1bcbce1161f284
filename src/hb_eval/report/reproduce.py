"""``hb-eval reproduce DIR [--inputs IDIR]``: check a previous report folder, re-run it from its
manifest and compare.

Steps:

1. **The folder against its manifest**: every output file listed in ``manifest.json`` must be
   there with its SHA-256, results.json must match ``results_sha256``, and no file the run did
   not write may sit among them. A tampered, partial or mixed folder is named as such and not
   re-run (exit status 2).
2. **The inputs**: looked for beside the configuration file's recorded place (inside the output
   folder for the demo, else ``config_dir`` relative to it) or in ``--inputs``; one line says
   where it looked when something is missing; each input whose SHA-256 differs is named.
3. **The re-run**, with the recorded configuration (seed, replicates, language and audience
   included), into ``--out`` or into a temporary owner-only folder that is removed on any exit,
   including Ctrl-C and SIGTERM.
4. **The comparison** of everything the re-run re-creates: results.json byte for byte (the
   differing keys listed otherwise), every table (CSV, byte for byte), then report.html,
   tables.xlsx and the figures (:mod:`hb_eval.report.compare`), naming the first difference.
   So a report.html or tables.xlsx edited after the run fails even when its SHA-256 in
   manifest.json was rewritten to match.
5. **The environment** (the package versions in the two manifests) is compared separately: a
   difference is reported as one of environment, not of results. When every number is the
   same, results.json may differ only in the versions it records, and the figures (also
   those embedded in report.html) and the bytes of tables.xlsx may differ as another
   matplotlib or openpyxl writes them; the run is still reproduced (exit 0).

The wall-clock time in the manifest is never compared.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ..config import parse_config
from ..errors import InputError
from .manifest import input_files, read_manifest, sha256_file
from .output import MANIFEST, terminate_as_exit
from .results_json import diff_results, read_results

__all__ = ["check_folder", "check_inputs", "locate_inputs", "compare_tables", "reproduce",
           "cli_reproduce", "ReproduceResult"]

MAX_KEYS_SHOWN = 40
MAX_FILES_SHOWN = 5


class ReproduceResult:
    """Outcome of :func:`reproduce`.

    Attributes
    ----------
    folder_problems
        Output files that do not match the manifest (path -> what); the folder was not re-run.
    input_changes
        Input files that differ from the manifest (path -> what); not re-run.
    looked_in
        Where the inputs were looked for (one line).
    identical
        results.json byte-identical (None when not re-run).
    differing_keys
        Keys of results.json that differ.
    table_difference
        The first difference among the tables ("" when none).
    rendered_difference
        The first difference in report.html, tables.xlsx or the figures ("" when none).
    environment
        Package -> (recorded, now) for every version that differs.
    environment_notes
        Outputs whose bytes differ only as the other environment explains.
    results_environment_only
        results.json differs only in the package versions it records.
    new_dir
        The re-run's folder when kept (``out_dir`` given).
    """

    def __init__(self, input_changes: dict[str, str], identical: bool | None,
                 differing_keys: list[str], new_dir: Path | None, *,
                 folder_problems: dict[str, str] | None = None, looked_in: str = "",
                 table_difference: str = "", rendered_difference: str = "",
                 environment: dict[str, tuple] | None = None,
                 environment_notes: list[str] | None = None,
                 results_environment_only: bool = False) -> None:
        self.folder_problems = folder_problems or {}
        self.input_changes = input_changes
        self.looked_in = looked_in
        self.identical = identical
        self.differing_keys = differing_keys
        self.table_difference = table_difference
        self.rendered_difference = rendered_difference
        self.environment = environment or {}
        self.environment_notes = environment_notes or []
        self.results_environment_only = results_environment_only
        self.new_dir = new_dir

    @property
    def ok(self) -> bool:
        """results.json byte-identical (or different only in the package versions it
        records), every table the same, report.html, tables.xlsx and the figures the same."""
        return (bool(self.identical) or self.results_environment_only) and \
            not self.table_difference and not self.rendered_difference

    @property
    def exit_status(self) -> int:
        """0 reproduced, 1 inputs or results differ, 2 the folder does not match its manifest."""
        if self.folder_problems:
            return 2
        return 0 if self.ok else 1

    def summary(self) -> str:
        """What was checked, compared and found different, as printable lines."""
        if self.folder_problems:
            kinds = Counter(self.folder_problems.values())
            lines = ["the output folder does not match its manifest (tampered, partial or mixed "
                     "from several runs); not re-run: " + ", ".join(
                         f"{n} {k}" for k, n in sorted(kinds.items()))]
            items = sorted(self.folder_problems.items())
            lines += [f"  {p}: {what}" for p, what in items[:MAX_FILES_SHOWN]]
            if len(items) > MAX_FILES_SHOWN:
                lines.append(f"  … and {len(items) - MAX_FILES_SHOWN} more")
            return "\n".join(lines)
        if self.input_changes:
            missing = sorted(p for p, w in self.input_changes.items() if w == "missing")
            lines = [f"inputs differ from the manifest ({len(missing)} of "
                     f"{len(self.input_changes)} missing; looked in {self.looked_in}); "
                     "not re-run:"]
            # every changed file is named; missing ones (all of them when the data moved) only
            # up to a few
            lines += [f"  {p}: {what}" for p, what in sorted(self.input_changes.items())
                      if what != "missing"]
            lines += [f"  {p}: missing" for p in missing[:MAX_FILES_SHOWN]]
            if len(missing) > MAX_FILES_SHOWN:
                lines.append(f"  … and {len(missing) - MAX_FILES_SHOWN} more missing")
            return "\n".join(lines)
        lines = []
        if self.identical:
            lines.append("results.json matches: byte-identical")
        elif self.results_environment_only:
            lines.append("results.json matches: every value the same; only the package "
                         "versions it records differ (environment)")
        else:
            keys = self.differing_keys
            lines.append(f"results.json differs in {len(keys)} key(s):")
            lines += [f"  {k}" for k in keys[:MAX_KEYS_SHOWN]]
            if len(keys) > MAX_KEYS_SHOWN:
                lines.append(f"  … and {len(keys) - MAX_KEYS_SHOWN} more")
            if not keys:
                lines.append("  (same values, different bytes: formatting or rounding changed)")
        lines.append(f"tables differ: {self.table_difference}" if self.table_difference
                     else "tables match")
        if self.identical is not None:
            lines.append(f"report.html, tables.xlsx or figures differ: "
                         f"{self.rendered_difference}" if self.rendered_difference else
                         "report.html, tables.xlsx and figures match")
        if self.environment:
            lines.append("environment differs (a difference of environment, not of results): "
                         + ", ".join(f"{k} {a} (recorded) -> {b} (now)"
                                     for k, (a, b) in self.environment.items()))
            lines += [f"  {n}" for n in self.environment_notes]
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_folder(run_dir: str | Path, manifest: dict[str, Any]) -> dict[str, str]:
    """Output files of ``run_dir`` that do not match its manifest: path -> ``missing`` /
    ``changed`` / ``not written by this run``. Empty when the folder is whole and of one run."""
    run_dir = Path(run_dir)
    out: dict[str, str] = {}
    outputs = manifest.get("outputs")
    res_sha = manifest.get("results_sha256")
    if res_sha and (run_dir / "results.json").exists() and _sha256(
            run_dir / "results.json") != res_sha:
        out["results.json"] = "changed"
    if not isinstance(outputs, dict):  # a version-1 manifest lists no output file
        return out
    for rel, sha in outputs.items():
        p = run_dir / rel
        if not p.is_file():
            out[rel] = "missing"
        elif _sha256(p) != sha:
            out[rel] = "changed"
    skip = {MANIFEST} | set(outputs) | set(manifest.get("foreign") or [])
    inputs_dir = manifest.get("config_dir_in_out")
    for dirpath, _dirs, files in os.walk(run_dir):
        for name in files:
            rel = (Path(dirpath) / name).relative_to(run_dir).as_posix()
            top = rel.split("/", 1)[0]
            if rel in skip or top in skip or (inputs_dir and (
                    rel + "/").startswith(inputs_dir.rstrip("/") + "/")):
                continue
            out[rel] = "not written by this run"
    return out


def _missing_inputs(manifest: dict[str, Any], base: Path) -> list[str]:
    if manifest.get("paths_redacted"):
        return []
    return [f["path"] for f in manifest.get("inputs", [])
            if not (base / f["path"]).exists()]


def locate_inputs(run_dir: str | Path, manifest: dict[str, Any],
                  inputs: str | Path | None = None) -> tuple[Path, str]:
    """The folder to find the inputs in (the configuration file's folder, as the manifest
    records paths relative to it) and a line saying where it looked.

    ``inputs`` (``--inputs``) is used alone when given; otherwise the folder inside the output
    (the demo), then ``config_dir`` relative to the output folder, then (version-1 manifests)
    the absolute ``base_dir``.
    """
    run_dir = Path(run_dir)
    if inputs is not None:
        return Path(inputs), f"{inputs} (--inputs)"
    cands: list[tuple[Path, str]] = []
    for key, what in (("config_dir_in_out", "inside the output folder"),
                      ("base_dir_in_out", "inside the output folder"),
                      ("config_dir", "the configuration's folder recorded in the manifest")):
        rel = manifest.get(key)
        if rel is not None:
            cands.append((Path(os.path.normpath(run_dir / rel)), what))
    if manifest.get("base_dir"):
        cands.append((Path(manifest["base_dir"]), "the folder recorded in the manifest"))
    if not cands:
        cands.append((run_dir, "the output folder"))
    for base, _what in cands:
        if base.is_dir() and not _missing_inputs(manifest, base):
            return base, f"{base} ({_what})"
    seen: list[str] = []
    for b, w in cands:
        if f"{b} ({w})" not in seen:
            seen.append(f"{b} ({w})")
    base = next((b for b, _ in cands if b.is_dir()), cands[0][0])
    return base, "; ".join(seen) + " — pass --inputs DIR, the folder that held the configuration"


def check_inputs(manifest: dict[str, Any], base_dir: Path) -> dict[str, str]:
    """Input files whose SHA-256 differs from the manifest: path -> ``changed``/``missing``/``new``.

    A public report's manifest has client numbers redacted from its paths
    (``paths_redacted``), any manifest has personal identity codes replaced by placeholders
    (``[hetu-1]``) and files outside the configuration's folder named ``[outside]/<name>``;
    such inputs are matched by their shown path and SHA-256, and a difference is named by the
    shown path.
    """
    from ..privacy import OUTSIDE, PLACEHOLDER_RE, gate
    from .suppression import redact_client_numbers

    out: dict[str, str] = {}
    recorded = [(f["path"], f["sha256"]) for f in manifest.get("inputs", [])]
    config = parse_config(_config_data(manifest, base_dir), base_dir=base_dir)
    gated = any(PLACEHOLDER_RE.search(p) or p.startswith(OUTSIDE + "/") for p, _ in recorded)
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
    """The recorded configuration; when a configured path was shown as ``[outside]/<name>``
    or holds a personal identity code replaced by its placeholder, the sources (and the
    schema folder) are taken from the configuration file itself."""
    import json

    from ..config import load_config
    from ..privacy import OUTSIDE, PLACEHOLDER_RE

    data = dict(manifest["config"])
    cfg_file = manifest.get("config_file")
    paths = json.dumps([data.get("sources"), data.get("schemas")], ensure_ascii=False)
    if (PLACEHOLDER_RE.search(paths) or OUTSIDE in paths) and cfg_file \
            and (base_dir / cfg_file).is_file():
        written = load_config(base_dir / cfg_file)
        data["sources"] = {k: list(v) for k, v in written.sources.items()}
        if written.schemas is not None:
            data["schemas"] = str(written.schemas)
    return data


def _first_line_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode("utf-8-sig", "replace").splitlines(), b.decode("utf-8-sig",
                                                                      "replace").splitlines()
    sep = ";" if la and la[0].count(";") >= la[0].count(",") else ","
    header = la[0].split(sep) if la else []
    for i, (x, y) in enumerate(zip(la, lb), start=1):
        if x != y:
            fx, fy = x.split(sep), y.split(sep)
            for j, (u, v) in enumerate(zip(fx, fy)):
                if u != v:
                    col = header[j] if j < len(header) else f"field {j + 1}"
                    return f"line {i}, column {col!r}"
            return f"line {i}"
    return f"{len(la)} vs {len(lb)} lines"


def compare_tables(old_dir: Path, new_dir: Path) -> str:
    """The first difference between the ``tables/*.csv`` of two output folders ("" if none)."""
    old = {p.name for p in (old_dir / "tables").glob("*.csv")}
    new = {p.name for p in (new_dir / "tables").glob("*.csv")}
    for name in sorted(old | new):
        if name not in new:
            return f"tables/{name} is not written by the re-run"
        if name not in old:
            return f"tables/{name} is new in the re-run"
        a, b = (old_dir / "tables" / name).read_bytes(), (new_dir / "tables" / name).read_bytes()
        if a != b:
            return f"tables/{name}: {_first_line_difference(a, b)}"
    return ""


def reproduce(run_dir: str | Path, out_dir: str | Path | None = None,
              progress: bool = True, *, inputs: str | Path | None = None) -> ReproduceResult:
    """Check the folder of a previous report, re-run it from its manifest and compare.

    Parameters
    ----------
    run_dir
        Output folder of a previous ``hb-eval report``.
    out_dir
        Where to write the re-run; a temporary owner-only folder, removed on any exit (also
        Ctrl-C and SIGTERM), when None.
    progress
        Progress lines on stderr.
    inputs
        Folder holding the inputs, laid out as beside the configuration file (``--inputs``).

    Raises
    ------
    InputError
        When ``run_dir`` has no manifest.json or results.json, or the manifest is unreadable.
    """
    from .run import run_report

    run_dir = Path(run_dir)
    for name in (MANIFEST, "results.json"):
        if not (run_dir / name).exists():
            raise InputError(f"no {name} here: not the output folder of hb-eval report "
                             "(or one left partial)", file=str(run_dir))
    try:
        manifest = read_manifest(run_dir / MANIFEST)
    except (OSError, ValueError):
        raise InputError("manifest.json is not readable JSON: the folder is damaged",
                         file=str(run_dir)) from None
    problems = check_folder(run_dir, manifest)
    if problems:
        return ReproduceResult({}, None, [], None, folder_problems=problems)
    base, looked = locate_inputs(run_dir, manifest, inputs)
    changes = check_inputs(manifest, base)
    if changes:
        return ReproduceResult(changes, None, [], None, looked_in=looked)
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
    with terminate_as_exit():
        tmp = None
        if out_dir is None:
            tmp = Path(tempfile.mkdtemp(prefix="hb-eval-reproduce-"))  # mode 0700
            out_dir = tmp / "out"
        try:
            run_report(config, out_dir, progress=progress)
            new = Path(out_dir)
            return _compare(run_dir, new, manifest, keep=tmp is None, looked=looked)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


def _compare(run_dir: Path, new: Path, manifest: dict[str, Any], *, keep: bool,
             looked: str) -> ReproduceResult:
    """Compare a folder with its re-run: results, tables, rendered outputs, environment."""
    from .compare import (compare_figures, compare_html, compare_workbook,
                          environment_difference, results_apart_from_environment)

    new_manifest = read_manifest(new / MANIFEST)
    env = environment_difference(manifest, new_manifest)
    old_res, new_res = (run_dir / "results.json").read_bytes(), (new / "results.json").read_bytes()
    same = old_res == new_res
    env_only = not same and bool(env) and results_apart_from_environment(old_res, new_res)
    keys = [] if same or env_only else diff_results(read_results(run_dir / "results.json"),
                                                    read_results(new / "results.json"))
    rendered, notes = "", []
    for diff, note in (
            compare_html(run_dir / "report.html", new / "report.html", bool(env),
                         (manifest.get("created_with"), new_manifest.get("created_with"))),
            compare_workbook(run_dir / "tables.xlsx", new / "tables.xlsx", bool(env)),
            compare_figures(run_dir, new, bool(env))):
        rendered = rendered or diff
        if note:
            notes.append(note)
    return ReproduceResult({}, same, keys, new if keep else None, looked_in=looked,
                           table_difference=compare_tables(run_dir, new),
                           rendered_difference=rendered, environment=env,
                           environment_notes=notes, results_environment_only=env_only)


def cli_reproduce(args: Any) -> int:
    """``hb-eval reproduce DIR [--inputs IDIR] [--out DIR2]``: 0 when results.json, every
    table, report.html, tables.xlsx and the figures are the same (a difference of environment
    alone is reported and still 0), 1 when inputs or results differ, 2 when the folder does
    not match its manifest."""
    res = reproduce(args.dir, getattr(args, "out", None), progress=True,
                    inputs=getattr(args, "inputs", None))
    print(res.summary())
    if res.new_dir is not None:
        print(f"re-run written to {res.new_dir}", file=sys.stderr)
    return res.exit_status
