"""What ``hb-eval reproduce`` compares between a report folder and its re-run, beside the
tables: results.json apart from the environment it records, report.html, tables.xlsx, the
figures, and the environment itself.

Rules (docs/outputs.md, "reproduce"):

* **Environment**: the package versions of the two manifests (``versions``: Python, hb_eval and
  the packages behind the numbers). A difference is reported as a difference of environment,
  never as one of results.
* **results.json**: byte for byte; when the environments differ, the two are also equal when
  they differ only in the environment they record (``manifest.versions``,
  ``manifest.created_with``) and every other value is the same.
* **report.html**: byte for byte; otherwise its text (the page with each embedded ``data:``
  image taken out, and ``hb_eval <version>`` of the other environment read as this one) must
  be the same, and the embedded images the same bytes unless the environments differ
  (another matplotlib draws other pixels from the same numbers).
* **tables.xlsx**: byte for byte; otherwise the canonical form, every sheet's name and every
  cell's value and number format, must be the same, and only across environments are
  different bytes of the same cells accepted.
* **figures/**: the same files; the same bytes unless the environments differ.

Each function returns ``(difference, environment_note)``: the first difference of results in
one line ("" when none) and, when the bytes differ only as another environment explains, a
note saying so.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["environment_difference", "results_apart_from_environment", "compare_html",
           "compare_workbook", "compare_figures", "ENVIRONMENT_KEYS"]

#: Keys of results.json's ``manifest`` block that describe the environment, not results.
ENVIRONMENT_KEYS = ("versions", "created_with")
_DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")
_CONTEXT = 24


def environment_difference(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple]:
    """Package -> (recorded, now) for every version that differs between two manifests."""
    a, b = old.get("versions") or {}, new.get("versions") or {}
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def results_apart_from_environment(old: bytes, new: bytes) -> bool:
    """Whether two results.json hold the same values apart from :data:`ENVIRONMENT_KEYS`."""
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError:
        return False
    for d in (a, b):
        m = d.get("manifest") if isinstance(d, dict) else None
        if isinstance(m, dict):
            for k in ENVIRONMENT_KEYS:
                m.pop(k, None)
    return a == b


def _where(a: str, b: str) -> str:
    """Line and a short excerpt of both texts at their first difference."""
    from ..privacy import gate

    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    line = a.count("\n", 0, i) + 1

    def excerpt(s: str) -> str:
        part = s[max(0, i - _CONTEXT):i + _CONTEXT].replace("\n", " ")
        return repr(gate(part))

    return f"line {line}: {excerpt(a)} here, {excerpt(b)} in the re-run"


def compare_html(old: Path, new: Path, env_differs: bool,
                 created_with: tuple[str, str] | None = None) -> tuple[str, str]:
    """report.html of a folder against the re-run's (see the module's rules)."""
    if not new.is_file():
        return "report.html is not written by the re-run", ""
    a, b = old.read_bytes(), new.read_bytes()
    if a == b:
        return "", ""
    ta, tb = a.decode("utf-8", "replace"), b.decode("utf-8", "replace")
    ia, ib = _DATA_URI.findall(ta), _DATA_URI.findall(tb)
    xa, xb = _DATA_URI.sub("data:", ta), _DATA_URI.sub("data:", tb)
    if created_with and created_with[0] and created_with[1] and env_differs:
        xa = xa.replace(created_with[0], created_with[1])
    if xa != xb:
        return f"report.html: {_where(xa, xb)}", ""
    if len(ia) != len(ib):
        return f"report.html: {len(ia)} embedded images here, {len(ib)} in the re-run", ""
    n = sum(x != y for x, y in zip(ia, ib))
    if env_differs:
        return "", f"report.html: the same text; {n} embedded figure(s) drawn differently"
    first = next(k for k, (x, y) in enumerate(zip(ia, ib), start=1) if x != y)
    return f"report.html: embedded image {first} differs (same environment)", ""


def _workbook(path: Path) -> list[tuple[str, list[tuple[str, Any, str]]]]:
    """The canonical form: each sheet's name and its non-empty cells' (coordinate, value,
    number format), in order."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        out = []
        for ws in wb.worksheets:
            cells = [(c.coordinate, c.value, c.number_format) for row in ws.iter_rows()
                     for c in row if getattr(c, "value", None) is not None]
            out.append((ws.title, cells))
        return out
    finally:
        wb.close()


def compare_workbook(old: Path, new: Path, env_differs: bool) -> tuple[str, str]:
    """tables.xlsx of a folder against the re-run's (see the module's rules)."""
    if not new.is_file() or not old.is_file():
        return ("" if not new.is_file() and not old.is_file() else
                "tables.xlsx is written by only one of the two runs"), ""
    if old.read_bytes() == new.read_bytes():
        return "", ""
    try:
        a = _workbook(old)
    except Exception:  # noqa: BLE001 - any damage: not the workbook the run wrote
        return "tables.xlsx here is not a readable workbook", ""
    b = _workbook(new)
    names_a, names_b = [s for s, _ in a], [s for s, _ in b]
    if names_a != names_b:
        diff = sorted(set(names_a) ^ set(names_b)) or ["the order"]
        return f"tables.xlsx: sheets differ ({', '.join(map(repr, diff[:3]))})", ""
    for (sheet, ca), (_, cb) in zip(a, b):
        if ca == cb:
            continue
        for x, y in zip(ca, cb):
            if x != y:
                what = "number format" if x[:2] == y[:2] else "value"
                cell = x[0] if x[0] == y[0] else f"{x[0]}/{y[0]}"
                return f"tables.xlsx: sheet {sheet!r}, cell {cell}: {what} differs", ""
        return f"tables.xlsx: sheet {sheet!r}: {len(ca)} cells here, {len(cb)} in the re-run", ""
    if env_differs:
        return "", "tables.xlsx: the same cells and number formats, other bytes"
    return "tables.xlsx: the same cells and number formats, other bytes (same environment)", ""


def compare_figures(old_dir: Path, new_dir: Path, env_differs: bool) -> tuple[str, str]:
    """``figures/`` of a folder against the re-run's (see the module's rules)."""
    def files(d: Path) -> dict[str, Path]:
        return {p.name: p for p in sorted((d / "figures").glob("*")) if p.is_file()}

    a, b = files(old_dir), files(new_dir)
    if set(a) != set(b):
        only = sorted(set(a) ^ set(b))
        return f"figures/ differ in their files ({', '.join(only[:3])})", ""
    changed = [n for n in a if a[n].read_bytes() != b[n].read_bytes()]
    if not changed:
        return "", ""
    if env_differs:
        return "", f"figures/: {len(changed)} file(s) drawn differently"
    return f"figures/{changed[0]}: other bytes (same environment)", ""
