"""guard.zip_directory reads a workbook's ZIP directory as zipfile does, and answers a second
question about the same bytes (the guard, then the cell-error scan) from the first answer."""
from __future__ import annotations

import io
import zipfile

import openpyxl

from hb_eval.data.io import guard


def _book() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["Asiakasnumero", "Pvm"])
    wb.active.append(["0110202", "1.3.2018"])
    wb.create_sheet("Toinen").append([1, 2])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_directory_equals_zipfile_and_is_kept_for_the_same_bytes():
    data = _book()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        want = tuple((i.filename, i.compress_type, i.compress_size, i.file_size,
                      i.header_offset) for i in zf.infolist())
    first = guard.zip_directory(data)
    assert first == want
    assert guard.zip_directory(data) is first  # the same bytes: not read again
    other = bytes(bytearray(data))  # equal bytes, another object: read again, same answer
    assert other is not data and guard.zip_directory(other) == want
    assert guard.zip_directory(bytearray(data)) == want  # mutable: never kept
    assert guard._last_directory[0] is None  # (and the last bytes forgotten)
    assert guard.zip_directory(data[:-5]) is None  # a broken directory: zipfile decides
