"""``hb-eval validate CONFIG [--json] [--quarantine-out PATH]``: load everything, report data
quality, write the quarantine table (owner-only permissions).

Exit codes: 0 when something usable was loaded and every file matched was read (quarantined rows
are listed, not failures); 1 when nothing usable could be loaded (no consenting roster client)
or when a file was refused (``files[]`` status ``refused``; ``--allow-refused`` relaxes this);
2 for errors raised as :class:`~hb_eval.errors.HbEvalError` (handled by the CLI), e.g. a broken
configuration or roster. Everything printed or written passes the privacy gate.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..config import load_config
from .dataset import SCHEMA_VERSION, Dataset, load
from .privacy import gate, gate_frame, gate_value

__all__ = ["run_validate", "write_quarantine", "validation_json", "DEFAULT_QUARANTINE_NAME"]

DEFAULT_QUARANTINE_NAME = "hb-eval-karanteeni.csv"


def write_quarantine(quarantine: pd.DataFrame, path: str | Path) -> Path:
    """Write the quarantine table as CSV (UTF-8 with BOM, ``;``, for Finnish Excel) readable and
    writable by the owner only (0600), also when the file already existed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = gate_frame(quarantine).to_csv(index=False, sep=";", lineterminator="\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            fd = -1
            fh.write(text)
    finally:
        if fd != -1:
            os.close(fd)
    return path


def validation_json(ds: Dataset) -> dict[str, Any]:
    """``{"schema_version": ..., "data": ...}`` exactly as in results.json."""
    return gate_value({"schema_version": SCHEMA_VERSION, "data": ds.data_block()})


def run_validate(args: Any, out: TextIO | None = None) -> int:
    """Run ``hb-eval validate`` (``args``: the argparse Namespace of :mod:`hb_eval.cli`).

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    out = out or sys.stdout
    cfg = load_config(args.config)
    ds = load(cfg, errors="collect")
    qpath = Path(args.quarantine_out) if getattr(args, "quarantine_out", None) else \
        Path(args.config).resolve().parent / DEFAULT_QUARANTINE_NAME
    write_quarantine(ds.quarantine, qpath)
    usable = len(ds.clients) > 0
    refused = len(ds.file_errors)
    if getattr(args, "json", False):
        out.write(json.dumps(validation_json(ds), ensure_ascii=False, indent=2) + "\n")
        print(gate(f"quarantine table written to {qpath} (owner-only)"), file=sys.stderr)
    else:
        text = [f"hb-eval validate: {cfg.name}\n\n", ds.summary_text() + "\n\n",
                f"Quarantine table ({len(ds.quarantine)} records) written to {qpath} "
                "(readable by you only: it holds client numbers).\n"]
        if not usable:
            text.append("Nothing usable was loaded: no consenting client in the roster.\n")
        out.write(gate("".join(text)))
    if refused and not getattr(args, "allow_refused", False):
        print(f"hb-eval validate: {refused} file(s) refused (listed above with the reason); "
              "fix them or pass --allow-refused", file=sys.stderr)
        return 1
    return 0 if usable else 1
