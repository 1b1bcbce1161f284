"""Checks on an input file before it is parsed: what it is, and whether it is small enough.

Every check reads only what it needs (the file's status, its first bytes, a workbook's ZIP
directory and the first bytes of its XML parts), so that a file that would take the process
down -- a ZIP bomb, a workbook declaring millions of shared strings -- is refused with one line
in milliseconds, and the run goes on with the other files.

Limits (documented in docs/data_sources.md, "Files refused before reading"):

- :data:`MAX_FILE_BYTES`: an input file's size on disk;
- :data:`MAX_UNCOMPRESSED_BYTES`: a workbook's parts together, uncompressed, as declared in its
  ZIP directory; :data:`MAX_ZIP_ENTRIES` parts;
- :data:`MAX_SHARED_STRINGS`: distinct texts in ``xl/sharedStrings.xml`` (``<sst
  uniqueCount=...>``, else ``count``);
- :data:`MAX_CELLS`: cells of one sheet, rows × columns of its ``<dimension ref=...>``.

Beyond a limit the file is refused with reason ``too_large``. An OLE compound file (signature
``D0 CF 11 E0 A1 B1 1A E1``) with an ``EncryptionInfo`` stream is a password-protected workbook
(``password_protected``); without one it is an old Excel 97-2003 workbook (``unsupported_type``).
"""
from __future__ import annotations

import errno
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from ...errors import InputError

__all__ = ["MAX_FILE_BYTES", "MAX_UNCOMPRESSED_BYTES", "MAX_ZIP_ENTRIES", "MAX_SHARED_STRINGS",
           "MAX_CELLS", "OLE_SIGNATURE", "check_file", "check_workbook", "open_fault", "zip_directory",
           "unsupported_message"]

#: An input file's size on disk (1 GiB): the file is read into memory whole.
MAX_FILE_BYTES = 1 << 30
#: A workbook's parts together, uncompressed (512 MiB), as its ZIP directory declares them.
MAX_UNCOMPRESSED_BYTES = 512 << 20
#: Parts of a workbook's ZIP (a workbook has tens).
MAX_ZIP_ENTRIES = 10_000
#: Distinct texts of a workbook (Excel's own limit on a sheet's rows is about 1 million).
MAX_SHARED_STRINGS = 10_000_000
#: Cells of one sheet (rows × columns of its used range): 50 columns of 400,000 rows.
MAX_CELLS = 20_000_000

#: The first eight bytes of an OLE compound file (old .xls, or an encrypted .xlsx).
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
#: The stream an encrypted OOXML file holds, as its name is stored in the OLE directory.
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
#: Bytes of an XML part inflated to find its header element (``<sst>``, ``<dimension>``).
_HEAD = 16 * 1024

_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_COUNT = re.compile(rb'\b(uniqueCount|count)\s*=\s*["\'](\d+)["\']')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref\s*=\s*["\']([A-Za-z]*)(\d*)'
                        rb'(?::([A-Za-z]*)(\d*))?["\']')


def _too_large(what: str, file: str) -> InputError:
    return InputError(f"too large to read safely: {what}; split the file or ask for a smaller "
                      "extract (limits in the documentation, Files refused before reading)",
                      file=file, code="too_large")


def open_fault(exc: OSError, path: str | Path) -> str:
    """The fault of an :class:`OSError` met on opening an input, in words a user can act on
    (a link loop, a dangling link, no permission, ...)."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (the link points back to itself); remove or fix the link"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return "a dangling symbolic link (its target does not exist); remove or fix the link"
    if exc.errno == errno.ENOENT:
        return "the file no longer exists"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: the file cannot be read by this user"
    if exc.errno == errno.EISDIR:
        return "it is a folder, not a file"
    return exc.strerror or type(exc).__name__


def check_file(path: str | Path, file: str) -> os.stat_result:
    """Status of an input before it is opened: a regular file within :data:`MAX_FILE_BYTES`.

    Raises
    ------
    InputError
        ``unreadable`` for a link loop, a dangling link, no permission, a folder or a special
        file (a pipe would block the run); ``too_large`` beyond the size limit.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(f"cannot read the file: {open_fault(exc, path)}", file=file,
                         code="unreadable") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("cannot read the file: it is a folder, not a file", file=file,
                         code="unreadable")
    if not stat.S_ISREG(st.st_mode):
        raise InputError("cannot read the file: not a regular file (a pipe, socket or device)",
                         file=file, code="unreadable")
    if st.st_size > MAX_FILE_BYTES:
        raise _too_large(f"{st.st_size:,} bytes on disk (limit {MAX_FILE_BYTES:,})", file)
    return st


def _ole_kind(data: bytes) -> str:
    return "encrypted" if _ENCRYPTION_INFO in data else "xls"


def unsupported_message(ext: str, data: bytes | None = None) -> tuple[str, str]:
    """``(message, code)`` for a file that is no ``.xlsx`` or ``.csv``."""
    if data is not None and data[:8] == OLE_SIGNATURE and _ole_kind(data) == "encrypted":
        return ("password-protected: save an unprotected copy (in Excel: File > Info > "
                "Protect Workbook > Encrypt with Password, clear the password)",
                "password_protected")
    hints = {".xls": "an old Excel 97-2003 workbook: open it in Excel and save it as an Excel "
                     "workbook (.xlsx)",
             ".ods": "an OpenDocument spreadsheet: save it as an Excel workbook (.xlsx)"}
    hint = hints.get(ext.lower())
    if hint:
        return f"unsupported file type {ext}: {hint}", "unsupported_type"
    return (f"unsupported file type {ext or '(none)'}; expected .xlsx or .csv",
            "unsupported_type")


def check_workbook(path: str | Path, data: bytes | None, file: str) -> None:
    """Refuse a workbook before parsing when it is not a ZIP workbook or is beyond the limits.

    Reads the ZIP directory and the first bytes of ``xl/sharedStrings.xml`` and of each sheet;
    nothing else is inflated. A file that is no ZIP at all is left to the parsers (their
    message stands).

    Raises
    ------
    InputError
        ``password_protected`` / ``unsupported_type`` for an OLE file (encrypted workbook /
        old .xls content), ``too_large`` beyond a limit.
    """
    if data is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(8)
        except OSError:
            return  # the parsers say what is wrong
    else:
        head = data[:8]
    if head == OLE_SIGNATURE:
        if data is None:
            data = Path(path).read_bytes()
        if _ole_kind(data) == "encrypted":
            message, code = unsupported_message(".xlsx", data)
        else:
            message, code = ("an old Excel 97-2003 workbook (.xls format) under an .xlsx name: "
                             "open it in Excel and save it as an Excel workbook (.xlsx)",
                             "unsupported_type")
        raise InputError(message, file=file, code=code)
    entries = zip_directory(data) if data is not None else None
    if entries is not None:  # the common case, without zipfile's per-entry objects
        _check_parts(entries, file, lambda e, n: _head_raw(data, e, n))
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a ZIP: the parsers say what it is
    with zf:
        infos = zf.infolist()
        by_name = {i.filename: i for i in infos}
        _check_parts([(i.filename, i.compress_type, i.compress_size, i.file_size, i)
                      for i in infos], file, lambda e, n: _head(zf, by_name[e[0]], n))


def _check_parts(entries: list[tuple], file: str, head_of) -> None:
    """The limits over a workbook's parts ``(name, method, compressed, size, where)``;
    ``head_of(entry, n)`` gives the first ``n`` bytes of a part, inflated (2 KiB first: the
    header element is near the start; up to :data:`_HEAD` when it is not there)."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _too_large(f"{len(entries):,} parts in the workbook (limit "
                         f"{MAX_ZIP_ENTRIES:,})", file)
    total = sum(e[3] for e in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _too_large(f"{total:,} bytes uncompressed (limit "
                         f"{MAX_UNCOMPRESSED_BYTES:,})", file)
    for e in entries:
        name = e[0].lower()
        if name.endswith("sharedstrings.xml"):
            n = _first(e, head_of, _shared_strings)
            if n is not None and n > MAX_SHARED_STRINGS:
                raise _too_large(f"{n:,} shared strings (limit {MAX_SHARED_STRINGS:,})", file)
        elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
            n = _first(e, head_of, _cells)
            if n is not None and n > MAX_CELLS:
                raise _too_large(f"a sheet of {n:,} cells (limit {MAX_CELLS:,})", file)


def _first(entry: tuple, head_of, find) -> int | None:
    found = find(head_of(entry, 2048))
    if found is None and entry[3] > 2048:
        found = find(head_of(entry, _HEAD))
    return found


#: A workbook of at most this many bytes keeps its ZIP directory for the next question about
#: the same bytes (the guard, then the cell-error scan: thousands of diaries).
_KEEP_DIRECTORY = 1 << 20
#: The last such workbook's bytes and directory.
_last_directory: list = [None, None]


def zip_directory(data: bytes) -> tuple[tuple, ...] | None:
    """``(name, method, compressed size, size, local header offset)`` of every part, read
    straight from the ZIP's central directory; None for anything unusual (a comment, ZIP64, a
    broken directory), which :mod:`zipfile` then reads. Asked again about the same bytes
    object (a small workbook: the guard, then the cell-error scan), the answer is given again
    without reading the directory twice."""
    last = _last_directory
    if last[0] is data:
        return last[1]
    out = _zip_directory(data)
    if type(data) is bytes and len(data) <= _KEEP_DIRECTORY:  # (bytes cannot change)
        last[0], last[1] = data, out
    else:
        last[0] = last[1] = None  # a big workbook's bytes are not held on to
    return out


def _zip_directory(data: bytes) -> tuple[tuple, ...] | None:
    from .cell_errors import _CDIR, _EOCD

    try:
        if len(data) < _EOCD.size:
            return None
        sig, disk, _d, n_here, n, _size, pos, comment = _EOCD.unpack_from(
            data, len(data) - _EOCD.size)
        if sig != b"PK\x05\x06" or comment or disk or n != n_here or n >= 0xFFFF:
            return None
        out = []
        for _ in range(n):
            (sig, _v, _vn, _fl, method, _t, _dt, _crc, csize, size, name_len, extra_len,
             com_len, _ds, _ia, _ea, local) = _CDIR.unpack_from(data, pos)
            if sig != b"PK\x01\x02" or 0xFFFFFFFF in (csize, size, local):
                return None
            name = data[pos + _CDIR.size:pos + _CDIR.size + name_len].decode("utf-8", "replace")
            pos += _CDIR.size + name_len + extra_len + com_len
            out.append((name, method, csize, size, local))
        return tuple(out)
    except struct.error:
        return None


def _head_raw(data: bytes, entry: tuple, n: int = _HEAD) -> bytes:
    """The first ``n`` bytes of a part, inflated no further."""
    from .cell_errors import _LOCAL

    _name, method, csize, _size, local = entry
    try:
        sig, *_rest, name_len, extra_len = _LOCAL.unpack_from(data, local)
        if sig != b"PK\x03\x04":
            return b""
        start = local + _LOCAL.size + name_len + extra_len
        raw = data[start:start + min(csize, 4 * n if method == 8 else n)]
        if method == 0:
            return raw
        if method == 8:
            return zlib.decompressobj(-15).decompress(raw, n)
    except (struct.error, zlib.error):
        pass
    return b""  # the parsers report a broken part


def _head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, n: int = _HEAD) -> bytes:
    try:
        with zf.open(info) as fh:
            return fh.read(n)
    except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError, EOFError,
            ValueError):
        return b""  # the parsers report a broken part


def _shared_strings(head: bytes) -> int | None:
    if b"sst" not in head:  # (the pattern's literal, found without the pattern: 7x faster)
        return None
    m = _SST.search(head)
    if m is None:
        return None
    counts = dict(_COUNT.findall(m.group(0)))
    n = counts.get(b"uniqueCount", counts.get(b"count"))
    return int(n) if n is not None else None


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _cells(head: bytes) -> int | None:
    if b"dimension" not in head:  # (the pattern's literal; most diaries have no dimension)
        return None
    m = _DIMENSION.search(head)
    if m is None or not m.group(2):
        return None
    c1, r1, c2, r2 = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if not c2 or not r2:
        return 1
    rows = abs(int(r2) - r1) + 1
    cols = abs(_column(c2) - _column(c1 or b"A")) + 1
    return rows * cols
