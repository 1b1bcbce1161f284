"""``hb-eval export``: the client-level analysis data for SPSS, Stata, R and Parquet readers.

One file per frame of :meth:`hb_eval.evaluation.Evaluation.analysis_frames` (scores by wave,
change by outcome, costs and the CEA sample by perspective), written by ``pyreadstat``
(``.sav`` for SPSS, ``.dta`` for Stata; both read by R's ``haven``) or as Parquet (when
``pyarrow`` or ``fastparquet`` is installed):

- variable labels and value labels in the report's language (:mod:`hb_eval.report.i18n`);
  categories are numbered in the data's order, so that the codes are the spec's (pilots 1–6
  as ``pilot_code``, client groups 1–6 as ``group_code``; ``arm`` HB 1, Verrokki 2; waves
  alku 1, väli 2, loppu 3); a yes/no column is 0/1 with labels. Parquet keeps the
  categories as their labels (it has no value labels);
- variable names as R's ``haven`` wants them: ASCII (``ä`` -> ``a``), letters, digits and
  ``_``, at most 32 characters, unique;
- client numbers as in the internal report, so the audience must be internal (a public
  configuration is refused); every string passes the privacy gate, so no identity code
  leaves; the folder is written whole or not at all, files 0600 and folders 0700 (as the
  other internal outputs: :class:`~hb_eval.report.output.OutputFolder`), with a manifest.
"""
from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import load_config
from ..errors import ConfigError
from ..privacy import gate, gate_frame
from .i18n import LABELS, display_value, t
from .manifest import build_manifest, write_manifest
from .output import OutputFolder

__all__ = ["export", "cli_export", "labelled_frame", "haven_name", "Labelled", "FORMATS",
           "parquet_engine"]

#: Export formats: file extension of each.
FORMATS = {"sav": ".sav", "dta": ".dta", "parquet": ".parquet"}
#: The one line shown when Parquet is asked for and no engine is installed.
PARQUET_MISSING = ("--format parquet needs pyarrow or fastparquet: install one "
                   "(pip install fastparquet), or use --format sav or dta")
_MAX_NAME = 32
#: Stata's limits on labels (SPSS allows more).
_MAX_STATA_LABEL, _MAX_STATA_FILE_LABEL = 80, 80
_ORDINAL = ("wave", "age_group")


def parquet_engine() -> str | None:
    """The installed Parquet engine pandas would use (``pyarrow`` first), or None."""
    for name in ("pyarrow", "fastparquet"):
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def haven_name(name: str, used: set[str] | None = None) -> str:
    """A variable name R's ``haven`` (and SPSS, Stata) accepts: ASCII letters, digits and
    ``_``, starting with a letter, at most 32 characters; unique within ``used`` (which it
    extends) by a numbered suffix.

    >>> haven_name("kykyviisari_total"), haven_name("päivät ä/ö")
    ('kykyviisari_total', 'paivat_a_o')
    """
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_).strip("_") or "v"
    if not s[0].isalpha():
        s = "v_" + s
    s = s[:_MAX_NAME]
    if used is None:
        return s
    base, k = s, 2
    while s.lower() in used:
        suffix = f"_{k}"
        s = base[:_MAX_NAME - len(suffix)] + suffix
        k += 1
    used.add(s.lower())
    return s


@dataclass
class Labelled:
    """A frame ready for a statistics package: numeric codes for categories, ASCII names.

    Attributes
    ----------
    frame
        The data (categories and yes/no as numbers; strings as text).
    labels
        Variable name -> variable label.
    value_labels
        Variable name -> {code: label}.
    measure
        Variable name -> SPSS measurement level (``nominal``, ``ordinal``, ``scale``).
    title
        The file's label.
    flags
        The yes/no variables (0/1).
    """

    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    title: str = ""
    flags: set[str] = field(default_factory=set)


def _variable_label(column: str, lang: str) -> str:
    for key in (f"var_{column}", column):
        if key in LABELS:
            return t(key, lang)
    return column


def _title(name: str, lang: str) -> str:
    kind, _, perspective = name.partition("_")
    if f"file_{name}" in LABELS:
        return t(f"file_{name}", lang)
    return f"{t(f'file_{kind}', lang)} ({t(perspective, lang)})"


def labelled_frame(name: str, frame: pd.DataFrame, lang: str = "fi") -> Labelled:
    """One analysis frame with codes, ASCII names and labels in ``lang`` (every string and
    label through the privacy gate).

    Parameters
    ----------
    name
        The frame's name (``outcomes_by_wave``, ``costs_organiser``, ...): its file label.
    frame
        A frame of :meth:`~hb_eval.evaluation.Evaluation.analysis_frames`.
    lang
        ``"fi"`` or ``"en"``.
    """
    frame = gate_frame(frame)
    used: set[str] = set()
    out: dict[str, Any] = {}
    lab = Labelled(pd.DataFrame(), title=str(gate(_title(name, lang))))
    for col in frame.columns:
        s = frame[col]
        var = haven_name(str(col), used)
        lab.labels[var] = str(gate(_variable_label(str(col), lang)))
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy().astype("int64")  # -1: missing
            out[var] = np.where(codes < 0, np.nan, codes + 1.0) if (codes < 0).any() \
                else codes + 1
            lab.value_labels[var] = {i + 1: str(gate(display_value(str(col), str(c), lang)))
                                     for i, c in enumerate(s.cat.categories)}
            lab.measure[var] = "ordinal" if s.cat.ordered or col in _ORDINAL else "nominal"
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[var] = s.astype("float64").to_numpy() if s.isna().any() \
                else s.astype("int64").to_numpy()
            lab.value_labels[var] = {0: t("var_no", lang), 1: t("var_yes", lang)}
            lab.measure[var] = "nominal"
            lab.flags.add(var)
        elif pd.api.types.is_numeric_dtype(s.dtype):
            out[var] = s.astype("float64").to_numpy()
            lab.measure[var] = "scale"
        else:  # text: client numbers, workers, codes
            out[var] = [None if v is None or v is pd.NA or v != v else str(v)
                        for v in s.astype(object)]
            lab.measure[var] = "nominal"
    lab.frame = pd.DataFrame(out, index=range(len(frame)))
    for var, values in out.items():
        if isinstance(values, list):
            lab.frame[var] = pd.Series(values, dtype=object)
    return lab


def _parquet_frame(lab: Labelled) -> pd.DataFrame:
    """Parquet has no value labels: categories as their labels, yes/no as booleans."""
    f = lab.frame.copy()
    for var in lab.flags:
        f[var] = f[var].map({0: False, 1: True}).astype("boolean")
    for var, labels in lab.value_labels.items():
        if var not in lab.flags:
            codes = f[var].fillna(0).astype(int).to_numpy() - 1
            f[var] = pd.Categorical.from_codes(codes, categories=list(labels.values()),
                                               ordered=lab.measure[var] == "ordinal")
    return f


def _write(lab: Labelled, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        if parquet_engine() == "pyarrow":
            _parquet_frame(lab).to_parquet(path, engine="pyarrow", index=False)
        else:  # pandas deprecates its fastparquet engine: the library's own writer
            import fastparquet

            fastparquet.write(str(path), _parquet_frame(lab), write_index=False)
        return
    import pyreadstat

    if fmt == "sav":
        pyreadstat.write_sav(lab.frame, str(path), file_label=lab.title,
                             column_labels=lab.labels, variable_value_labels=lab.value_labels,
                             variable_measure=lab.measure)
    else:
        labels = {k: v[:_MAX_STATA_LABEL] for k, v in lab.labels.items()}
        pyreadstat.write_dta(lab.frame, str(path), file_label=lab.title[:_MAX_STATA_FILE_LABEL],
                             column_labels=labels, variable_value_labels=lab.value_labels)


def _check(fmt: str, audience: str) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
    if audience != "internal":
        raise ConfigError("export writes client-level data with client numbers: it is for the "
                          "internal audience only (use --audience internal / "
                          "report.audience: internal)")
    if fmt == "parquet" and parquet_engine() is None:
        raise ConfigError(PARQUET_MISSING)


def export(ev: Any, out_dir: str | Path, format: str = "sav", language: str | None = None,
           audience: str | None = None, *, force: bool = False,
           progress: bool = False) -> Path:
    """Write the analysis frames of ``ev`` into ``out_dir``, one file per frame.

    Parameters
    ----------
    ev
        An :class:`~hb_eval.evaluation.Evaluation`.
    out_dir
        The output folder (whole or not at all; an earlier hb-eval output in it is replaced).
    format
        ``"sav"`` (SPSS), ``"dta"`` (Stata) or ``"parquet"``.
    language
        Labels in ``"fi"`` or ``"en"``; default: the configuration's ``report.language``.
    audience
        Must be ``"internal"`` (the default is the configuration's ``report.audience``).
    force
        Write into a non-empty folder that is not an hb-eval output (its files are kept).
    progress
        Progress lines on stderr.

    Returns
    -------
    Path
        The output folder.

    Raises
    ------
    ConfigError
        An unknown format, a public audience, or Parquet without an engine.
    """
    config = ev.config.with_overrides(language=language, audience=audience)
    _check(format, config.report.audience)
    lang = config.report.language
    frames = ev.analysis_frames()
    with OutputFolder(out_dir, force=force) as dest:
        written = {}
        for name, frame in frames.items():
            lab = labelled_frame(name, frame, lang)
            rel = f"{name}{FORMATS[format]}"
            if progress:
                print(f"[hb-eval] {rel} …", file=sys.stderr, flush=True)
            with dest.writing(rel) as path:
                _write(lab, path, format)
            written[name] = {"file": rel, "rows": int(len(lab.frame)),
                             "variables": list(lab.frame.columns)}
        check = getattr(ev.dataset, "check_inputs_unchanged", None)
        if check is not None:
            check()
        manifest = build_manifest(config, files_table=getattr(ev.dataset, "files", None),
                                  out_dir=dest.out)
        manifest["export"] = {"format": format, "language": lang, "frames": written}
        dest.commit(manifest, write_manifest)
    return dest.out


def cli_export(args: Any) -> int:
    """``hb-eval export CONFIG --format sav|dta|parquet --out DIR``."""
    from .run import evaluate_config

    progress = not getattr(args, "quiet", False)
    config = load_config(args.config).with_overrides(
        seed=args.seed, bootstrap_reps=args.reps, language=args.language, audience=args.audience)
    _check(args.format, config.report.audience)  # before the evaluation, not after it
    ev = evaluate_config(config, progress=progress, debug=getattr(args, "debug", False))
    out = export(ev, args.out, format=args.format, force=args.force, progress=progress)
    if progress:
        print(gate(str(out)))
    return 0
