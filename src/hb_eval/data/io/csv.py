"""Reading ``.csv`` files (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, or cp1252; ``;``,
``,`` or tab separated) into
:class:`~hb_eval.data.io.grid.RawGrid`."""
from __future__ import annotations

import csv as _csv
import io as _io
from pathlib import Path

import numpy as np

from ...errors import InputError
from .grid import RawGrid, cells_and_texts, gc_paused

__all__ = ["decode", "sniff_separator", "read_csv"]


def decode(raw: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-16 (BOM, or NUL bytes in every other position as
    Excel's "Unicode text" writes it), UTF-8, else cp1252. Returns (text, encoding)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    utf16 = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        utf16 = "utf-16"
    elif len(raw) >= 4 and len(raw) % 2 == 0:
        head = raw[:4096]
        odd_nul, even_nul = head[1::2].count(0), head[0::2].count(0)
        half = len(head) // 2
        if odd_nul > 0.9 * half and even_nul == 0:
            utf16 = "utf-16-le"
        elif even_nul > 0.9 * half and odd_nul == 0:
            utf16 = "utf-16-be"
    if utf16 is not None:
        try:
            return raw.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 decodes everything
        return raw.decode("latin-1"), "latin-1"


def _count_outside_quotes(line: str, ch: str) -> int:
    if '"' not in line:  # (the usual line: every one is outside)
        return line.count(ch)
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def _first_lines(text: str, n: int, size: int = 8192) -> list[str]:
    """``text.splitlines()[:n]``, splitting only a head of the text long enough to hold them
    (a head with more than ``n`` lines holds the first ``n`` whole, line breaks included);
    the first head tried has ``size`` characters."""
    while True:
        lines = text[:size].splitlines()
        if len(lines) > n or size >= len(text):
            return lines[:n]
        size *= 4


def sniff_separator(text: str, candidates: str = ";,\t") -> str:
    """The field separator: the candidate that splits the first lines most consistently.

    Counts each candidate outside quotes in the first non-empty lines; prefers a separator whose
    count is the same (and non-zero) on every line, then the larger count; ``;`` wins ties (Finnish
    Excel writes ``;`` and uses the comma as the decimal mark).
    """
    lines = [ln for ln in _first_lines(text, 20) if ln.strip()]
    if not lines:
        return ";"
    best, best_key = ";", (-1, -1, 0)
    for rank, ch in enumerate(candidates):
        counts = [_count_outside_quotes(ln, ch) for ln in lines]
        head = counts[0]
        consistent = sum(c == head for c in counts) / len(counts) if head else 0.0
        key = (consistent, head, -rank)
        if head and key > best_key:
            best, best_key = ch, key
    return best


def read_csv(path: str | Path, *, file: str | None = None, sep: str | None = None,
             data: bytes | None = None) -> RawGrid:
    """Read a CSV file as text cells, with their distinct texts (:attr:`RawGrid.texts`); the
    row number of record ``i`` is ``i + 1`` (as Excel numbers the rows when it opens the
    file). ``data``: the file's bytes when already read.

    Raises
    ------
    InputError
        When the file cannot be read or parsed as CSV.
    """
    path = Path(path)
    shown = file if file is not None else str(path)
    try:
        raw = path.read_bytes() if data is None else data
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=shown,
                         code="unreadable") from None
    text, _enc = decode(raw)
    sep = sep or sniff_separator(text)
    read = _c_reader_cells(text, sep)
    if read is None:  # what the C reader does not read exactly as the csv module does
        read = _csv_module_cells(text, sep, shown)
    cells, texts = read
    n = cells.shape[0]
    return RawGrid(cells=cells, rows=np.arange(1, n + 1), file=shown, sheet=None, path=path,
                   texts=texts)


def _csv_module_cells(text: str, sep: str, shown: str
                      ) -> tuple[np.ndarray, frozenset[str] | None]:
    """The cells of ``text`` as the standard csv module reads them (one record per row), and
    their distinct texts (:func:`~.grid.cells_and_texts`)."""
    with gc_paused():
        try:
            records = list(_csv.reader(_io.StringIO(text, newline=""), delimiter=sep,
                                       quotechar='"'))
        except _csv.Error as exc:
            raise InputError(f"not a valid CSV file ({exc})", file=shown,
                             code="unreadable") from None
        read = cells_and_texts(records)
        del records  # freed before the collector runs again
    return read


def _c_reader_cells(text: str, sep: str) -> tuple[np.ndarray, frozenset[str]] | None:
    """The cells of ``text`` read by pandas' C parser, and their distinct texts: exactly what
    :func:`_csv_module_cells` gives (every field as text, ``None`` for an empty or
    whitespace-only field or one a short record lacks), at a fraction of the time; None where
    the two could differ, for the csv module to read (tests/test_csv_reader.py draws messy
    files to check that they agree).

    Nothing is converted: ``dtype=object`` keeps every field as its text, and only the empty
    field counts as missing (``keep_default_na=False``: ``NA``, ``nan`` and ``NULL`` stay text).
    The csv module is left the files the C parser reads differently or refuses: a NUL
    character, a leading byte-order mark (the C parser drops it), a first line shorter than a
    later one, blank leading lines, a quote left open at the end, a field beyond the csv
    module's size limit (which it refuses).
    """
    if not text or "\x00" in text or text[0] in "\ufeff\r\n":
        return None
    try:
        import pandas as pd

        frame = pd.read_csv(_io.StringIO(text), sep=sep, header=None, dtype=object,
                            keep_default_na=False, na_values=[""], skip_blank_lines=False,
                            quotechar='"', doublequote=True, escapechar=None, comment=None,
                            skipinitialspace=False, engine="c", index_col=False)
    except Exception:  # noqa: BLE001 - ragged, unterminated, ...: the csv module decides
        return None
    cells = frame.to_numpy(dtype=object, copy=True)  # (a view of the frame is read-only)
    del frame
    if not cells.size:
        return None
    limit = _csv.field_size_limit()
    all_texts: set[str] = set()  # the grid's distinct texts, from each column's
    for j in range(cells.shape[1]):
        col = cells[:, j]
        distinct = set(col.tolist())  # each distinct text once
        texts = [v for v in distinct if type(v) is str]
        if max(map(len, texts), default=0) > limit:
            return None  # the csv module refuses a field this long
        if len(texts) < len(distinct):  # NaN: an empty field or one a short record lacks
            col[pd.isna(col)] = None
        spaces = [v for v in texts if not v or v.isspace()]
        if spaces:  # whitespace-only fields are empty
            col[pd.Series(col, dtype=object).isin(spaces).to_numpy()] = None
            all_texts.update(set(texts).difference(spaces))
        else:
            all_texts.update(texts)
    return cells, frozenset(all_texts)
