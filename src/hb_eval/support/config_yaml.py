"""Reading ``evaluation.yaml`` safely: UTF-8 only, a size limit, no aliases.

A configuration is a short hand-written file. Anything else is refused with one line naming the
file and the reason, before a parser can be made to spend time or memory on it: a file over
:data:`MAX_BYTES`, text that is not UTF-8 (a UTF-8 byte-order mark is fine), YAML aliases
(``*name``, the building block of an "alias bomb"), and nesting deeper than :data:`MAX_DEPTH`.
"""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

#: Largest configuration file read, in bytes (1 MiB).
MAX_BYTES = 1 << 20
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 20

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases and with a depth limit."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _Refused(f"YAML aliases (*name) are not allowed, at line {mark.line + 1}")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels, at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Refused(Exception):
    pass


def decode_utf8(raw: bytes, path: Path | str) -> str:
    """The text of a UTF-8 file (BOM removed), or a one-line :class:`ConfigError`.

    Parameters
    ----------
    raw
        The file's bytes.
    path
        The file, for the message.

    Returns
    -------
    str
        The decoded text.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise ConfigError(f"{path}: the file is {name} text; save it as UTF-8 (the "
                              "expected encoding)")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}); "
                          "save the file as UTF-8, the expected encoding") from None


def read_yaml(path: Path | str) -> Any:
    """Parse a configuration file with the limits above.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    object
        The parsed document (``None`` for an empty file).

    Raises
    ------
    ConfigError
        One line naming the file and the reason: too large, not UTF-8, aliases, too deep, or
        not valid YAML (with the line).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: the file is {size} bytes; a configuration may be at "
                              f"most {MAX_BYTES} bytes (1 MiB)")
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{path}: a configuration may be at most {MAX_BYTES} bytes (1 MiB)")
    text = decode_utf8(raw, path)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    finally:
        loader.dispose()
