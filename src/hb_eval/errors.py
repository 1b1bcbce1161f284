"""Exceptions with a location a person can act on.

Every error about input names the file, sheet, row (as Excel shows it) and column where it
applies, and the reason. Messages never contain cell values that could be personal data.
"""
from __future__ import annotations

from dataclasses import dataclass


class HbEvalError(Exception):
    """Base class for every error hb_eval raises on purpose."""


class ConfigError(HbEvalError):
    """The evaluation configuration (evaluation.yaml) is wrong."""


class SchemaError(HbEvalError):
    """A data schema in data_schemas/ is itself wrong (unknown key, item in two domains, ...)."""


@dataclass
class Location:
    """Where in the input something is: any part may be unknown (None)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts) if parts else "unknown location"


class InputError(HbEvalError):
    """An input file cannot be used at all (as opposed to rows that are quarantined).

    Parameters
    ----------
    reason
        What is wrong, in words; must not quote a cell value that could be personal data.
    file, sheet, row, column
        Where. ``row`` is the row number as a person sees it in Excel (1-based, header included).
    code
        A short reason code for the ``files[]`` list of a refused file (``no_header``,
        ``missing_column``, ``empty``, ``unreadable``, ``wrong_source``, ...).
    """

    def __init__(self, reason: str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None,
                 code: str = "unusable") -> None:
        from .privacy import gate  # a file or sheet name may hold an identity code

        self.code = code
        self.reason = gate(reason)
        self.location = Location(gate(file), gate(sheet), row, gate(column))
        super().__init__(f"{self.location}: {self.reason}")


class NotEstimable(HbEvalError):
    """The data cannot support this estimate (e.g. fewer than 2 clusters, a zero standard
    error); the message is the reason, reported with the estimate left empty."""


class OutcomeError(HbEvalError, ValueError):
    """An outcome that the scores do not have (misspelt, or without the waves asked for)."""


class TooFewClients(NotEstimable, ValueError):
    """An arm has too few clients with the scores an estimate needs (also a ``ValueError``,
    as the estimators raised before)."""


class OutputError(HbEvalError):
    """An output folder or file cannot be written as asked (not an hb-eval folder, a file where
    a folder should be, ...). Nothing was written."""


class OutputBusyError(OutputError):
    """Another hb-eval run holds the lock of the output folder (or quarantine file)."""


class FileSystemError(OutputError):
    """The file system refused a write or read (no space, read-only, permission, path is a file
    or a folder). The message names the path and the fault in one line."""


class InputChangedError(InputError):
    """An input file changed between the moment it was read and the end of the run."""
