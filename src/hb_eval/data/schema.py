"""Machine-readable schemas of the raw sources (``data_schemas/*.yaml``) and their validation.

One YAML file per source describes where the table is (layout), which columns it has (canonical
English name -> header aliases, dtype, required, code spellings) and, for questionnaires, the
items, domains, missing-value codes, value labels and scoring rules. An evaluator adapts a
source by copying its YAML into a folder named by ``schemas:`` in ``evaluation.yaml`` and
editing it; no Python is needed. The file format is described in ``data_schemas/README.md``.

A schema that is itself wrong is refused with :class:`~hb_eval.errors.SchemaError` naming the
file and the problem.
"""
from __future__ import annotations

import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..support import resources
from ..errors import InputError, SchemaError
from .parsing import normalize_text

_SPACE_DASH = re.compile(r"[\s\-_]+")


def match_key(value: object) -> str:
    """The key two spellings share when they match: :func:`~hb_eval.data.parsing.normalize_text`
    (case, Unicode spaces, dash kinds folded) with spaces, dashes and underscores removed, so
    ``"Työmarkkina-asema"``, ``"työmarkkina asema"`` and ``"TYÖMARKKINA–ASEMA"`` are one."""
    return _SPACE_DASH.sub("", normalize_text(value))

__all__ = [
    "SOURCES",
    "DTYPES",
    "ColumnSpec",
    "ItemSpec",
    "DomainSpec",
    "LayoutSpec",
    "Schema",
    "load_schema",
    "load_schemas",
    "schema_from_dict",
    "match_key",
]

#: Every source with a shipped schema, in load order (the crosswalk needs kykyviisari).
SOURCES: tuple[str, ...] = (
    "roster", "kykyviisari", "kompassi_crosswalk", "kompassi", "osallisuus", "satisfaction",
    "esr", "time_diary", "unit_costs", "service_costs", "budgets", "providers",
)
#: Column dtypes a schema may name.
DTYPES: tuple[str, ...] = (
    "client_id", "date", "number", "integer", "code", "text", "free_text", "duration",
)
#: Item header matching rules.
ITEM_HEADERS: tuple[str, ...] = ("code_prefix", "statement", "exact")

_TOP_KEYS = {
    "source", "description", "layout", "columns", "items", "item_header", "domains",
    "missing_codes", "value_labels", "scoring", "crosswalk", "fields", "metadata",
}
_LAYOUT_KEYS = {
    "format", "sheet", "header_row", "header_search", "title_rows", "total_row_pattern",
    "csv", "metadata",
}
_HEADER_SEARCH_KEYS = {"columns", "max_rows", "min_hits"}
_CSV_KEYS = {"separator", "decimal", "thousands", "encodings"}
_COLUMN_KEYS = {"aliases", "dtype", "required", "codes", "description", "min", "max"}
_ITEM_KEYS = {"domain", "scale", "reverse", "label", "aliases", "forms", "description"}
_DOMAIN_KEYS = {"outcome", "in_total", "forms", "label", "description"}
_SCORING_KEYS = {
    "rescale", "rescale_to", "domain_min_fraction", "min_items", "total_min_domains",
    "total_outcome", "outcome", "description",
}
_ITEM_HEADER_KEYS = {"match", "statement_separator", "prefix"}
_CROSSWALK_ITEM_KEYS = {"domain", "note"}
_FIELD_KEYS = {"dtype", "required", "description", "min", "max"}
_METADATA_KEYS = {"label", "aliases", "dtype", "required", "description"}


# ---------------------------------------------------------------------------------------------
# Spec objects
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column of a source.

    Attributes
    ----------
    name
        Canonical English snake-case name (``client_id``).
    aliases
        Header spellings (the canonical name itself also matches).
    dtype
        One of :data:`DTYPES`.
    required
        A file without this column is refused.
    codes
        For ``dtype: code``: canonical code -> accepted spellings.
    min, max
        Optional plausible range for numbers.
    """

    name: str
    aliases: tuple[str, ...] = ()
    dtype: str = "text"
    required: bool = False
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    description: str = ""
    _lookup: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for code, spellings in self.codes.items():
            self._lookup[match_key(code)] = code
            for sp in spellings:
                self._lookup[match_key(sp)] = code

    def match_code(self, value: object) -> str | None:
        """The canonical code ``value`` spells, or None (blank or unknown)."""
        key = match_key(value)
        if not key:
            return None
        return self._lookup.get(key)


@dataclass(frozen=True)
class ItemSpec:
    """One questionnaire item.

    Attributes
    ----------
    code
        Item code (``YH1``, ``KOM01``, ``O1``, ``C1``).
    domain
        English outcome name of the domain (``general_wellbeing``); None for a single scale.
    scale_min, scale_max
        The item's raw scale.
    reverse
        Reverse-coded (``scale_min + scale_max - value``).
    label
        The item wording (placeholder for the licensed text).
    aliases
        Further header spellings (satisfaction statements).
    forms
        Form versions that contain the item (empty: all).
    """

    code: str
    domain: str | None
    scale_min: float
    scale_max: float
    reverse: bool = False
    label: str = ""
    aliases: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainSpec:
    """A domain (osa-alue) of an instrument.

    Attributes
    ----------
    name
        Finnish name as the schema writes it (``yleinen hyvinvointi``).
    outcome
        English outcome suffix used in results (``general_wellbeing``).
    in_total
        Part of the total score.
    forms
        Form versions that contain the domain (empty: all); e.g. vanhemmuus only in ``2.1``.
    items
        Item codes of the domain.
    """

    name: str
    outcome: str
    in_total: bool = True
    forms: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class LayoutSpec:
    """Where the table is in a file.

    Attributes
    ----------
    format
        Accepted file kinds (``xlsx``, ``csv``, ``yaml``).
    sheet
        Sheet name; None means the first sheet.
    header_row
        Fixed Excel row number of the header, or None to search for it.
    header_search
        Canonical columns whose presence marks the header row when searching.
    max_search_rows
        How many rows from the top to search.
    title_rows
        Rows above the header that are title/metadata, not data.
    total_row_pattern
        Regular expression of the first cell of a total row below the data.
    csv
        ``separator``, ``decimal``, ``thousands``, ``encodings``.
    metadata
        For diaries: metadata key -> label spellings found above the header
        (``person: [Työntekijä, Asiakas, Avustaja]``).
    """

    format: tuple[str, ...] = ("xlsx", "csv")
    sheet: str | None = None
    header_row: int | None = None
    header_search: tuple[str, ...] = ()
    max_search_rows: int = 20
    min_hits: int = 2
    title_rows: int = 0
    total_row_pattern: str | None = None
    csv: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Schema:
    """The parsed, validated schema of one source.

    Attributes
    ----------
    source
        Source name (``kykyviisari``).
    path
        The YAML file it came from.
    layout
        :class:`LayoutSpec`.
    columns
        Canonical name -> :class:`ColumnSpec`.
    items
        Item code -> :class:`ItemSpec` (questionnaires only).
    domains
        Outcome name -> :class:`DomainSpec`.
    missing_codes
        Missing reason (``dont_know``) -> spellings (``EOS``, ``En osaa sanoa``).
    value_labels
        Answer label -> numeric code (satisfaction matrix).
    scoring
        Scoring rules: rescale, rescale_to, domain_min_fraction, min_items, total_min_domains,
        total_domains (outcome names of the domains in the total).
    crosswalk
        Item code -> outcome name of the Kykyviisari domain it feeds (Kompassi only).
    item_header
        How item columns are recognised: ``match`` (code_prefix/statement/exact) and for
        statements the ``statement_separator``.
    fields
        Plain settings of a YAML source (unit costs): key -> spec dict.
    """

    source: str
    path: Path | None = None
    layout: LayoutSpec = field(default_factory=LayoutSpec)
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    items: dict[str, ItemSpec] = field(default_factory=dict)
    domains: dict[str, DomainSpec] = field(default_factory=dict)
    missing_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    value_labels: dict[str, float] = field(default_factory=dict)
    scoring: dict[str, Any] = field(default_factory=dict)
    crosswalk: dict[str, str] = field(default_factory=dict)
    item_header: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""

    # -- helpers for the loaders ---------------------------------------------------------------

    def resolve_columns(self, header: list[object], file: str | None = None,
                        sheet: str | None = None) -> dict[str, int]:
        """Positions of the schema's columns and items in a header row.

        Column aliases match case-, space- and dash-insensitively. Item columns match by the
        code before the first space (``"YH1 Elämääni tyytyväisyys"`` -> ``YH1``), or for
        statement matrices by the text after the separator (``"7. Miten samaa mieltä ... -
        <statement>"``) against the item's label and aliases.

        Parameters
        ----------
        header
            Header cells, in order (None for empty cells).
        file, sheet
            Named in the error.

        Returns
        -------
        dict
            Canonical column name or item code -> 0-based position. Optional columns and items
            that are absent are left out.

        Raises
        ------
        InputError
            A required column is missing (names the column and its aliases), or two header
            cells match the same column.
        """
        norm = [normalize_text(h) for h in header]
        out: dict[str, int] = {}
        where: dict[int, str] = {}

        def put(name: str, pos: int) -> None:
            if name in out and out[name] != pos:
                raise InputError(
                    f"column {name!r} matches two header cells (columns {_col_letter(out[name])} "
                    f"and {_col_letter(pos)}); rename one or adjust the schema's aliases",
                    file=file, sheet=sheet, column=name, code="duplicate_column")
            out[name] = pos
            where[pos] = name

        # a survey export may number its questions ("8. Kokonaisarvosana"): an alias also
        # matches after such a number when no header cell matches it exactly
        exact = [_SPACE_DASH.sub("", h) for h in norm]
        bare = [_SPACE_DASH.sub("", _QNUM.sub("", h)) for h in norm]
        for name, spec in self.columns.items():
            keys = {match_key(name)} | {match_key(a) for a in spec.aliases}
            hits = [pos for pos, h in enumerate(exact) if h and h in keys]
            if not hits:
                hits = [pos for pos, h in enumerate(bare) if h and h in keys]
            for pos in hits:
                put(name, pos)
        if self.items:
            item_keys = self._item_header_keys()
            mode = self.item_header.get("match", "code_prefix")
            sep = normalize_text(self.item_header.get("statement_separator", " - "))
            for pos, h in enumerate(norm):
                if not h or pos in where:
                    continue
                if mode == "code_prefix":
                    key = h.split(" ", 1)[0].rstrip(".:)")  # "YH1 ...", "YH1. ...", "YH1: ..."
                elif mode == "statement":
                    key = h.rsplit(sep, 1)[-1].strip() if sep in h else h
                else:
                    key = h
                code = item_keys.get(_SPACE_DASH.sub("", key))
                if code is not None:
                    put(code, pos)
        missing = [(n, c) for n, c in self.columns.items() if c.required and n not in out]
        if missing:
            parts = [f"{n} (header {' / '.join(repr(a) for a in c.aliases) or repr(n)})"
                     for n, c in missing]
            raise InputError("required column(s) missing: " + "; ".join(parts)
                             + ". Check the header row or add the spelling to the schema's "
                             f"aliases ({self.path.name if self.path else self.source})",
                             file=file, sheet=sheet, column=missing[0][0],
                             code="missing_column")
        return out

    def _item_header_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        mode = self.item_header.get("match", "code_prefix")
        for code, it in self.items.items():
            keys[match_key(code)] = code
            if mode == "statement" or it.aliases:
                if it.label:
                    keys[match_key(it.label)] = code
                for a in it.aliases:
                    keys[match_key(a)] = code
        return keys

    def match_code(self, column: str, value: object) -> str | None:
        """The canonical code that ``value`` spells in ``column``; None when blank or unknown.

        Raises
        ------
        KeyError
            ``column`` is not a code column of this schema.
        """
        spec = self.columns.get(column)
        if spec is None or not spec.codes:
            raise KeyError(f"{self.source}: {column!r} is not a code column of the schema")
        return spec.match_code(value)

    def match_missing(self, value: object) -> str | None:
        """The missing-value reason (``dont_know``) that ``value`` spells, or None."""
        key = match_key(value)
        if not key:
            return None
        for reason, spellings in self.missing_codes.items():
            if key in {match_key(s) for s in spellings}:
                return reason
        return None

    def match_value_label(self, value: object) -> float | None:
        """The numeric code of an answer label (``Täysin samaa mieltä`` -> 5), or None."""
        key = match_key(value)
        if not key:
            return None
        for label, code in self.value_labels.items():
            if match_key(label) == key:
                return float(code)
        return None

    @property
    def required_columns(self) -> list[str]:
        """Canonical names of the required columns."""
        return [n for n, c in self.columns.items() if c.required]

    @property
    def total_domains(self) -> tuple[str, ...]:
        """Outcome names of the domains in the total score."""
        return tuple(d.outcome for d in self.domains.values() if d.in_total)

    def summary(self) -> str:
        """A short printable description."""
        lines = [f"schema {self.source} ({self.path})",
                 f"  columns: {', '.join(self.columns)}"]
        if self.items:
            lines.append(f"  items: {', '.join(self.items)}")
        if self.domains:
            lines.append(f"  domains: {', '.join(self.domains)}")
        return "\n".join(lines)


_QNUM = re.compile(r"^[0-9]{1,2}[.)]\s*")


def _col_letter(pos: int) -> str:
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------

class _Ctx:
    """Raises SchemaError naming the file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, problem: str) -> SchemaError:
        return SchemaError(f"schema {self.file}: {problem}")

    def keys(self, d: Any, allowed: set[str], where: str) -> Mapping[str, Any]:
        if d is None:
            return {}
        if not isinstance(d, Mapping):
            raise self.fail(f"{where} must be a mapping (key: value), not {type(d).__name__}")
        unknown = sorted(str(k) for k in d if k not in allowed)
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; "
                            f"allowed: {', '.join(sorted(allowed))}")
        return d

    def str_list(self, v: Any, where: str) -> tuple[str, ...]:
        if v is None:
            return ()
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            return (str(v),)
        if isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v):
            return tuple(str(x) for x in v)
        raise self.fail(f"{where} must be a text or a list of texts")

    def boolean(self, v: Any, where: str, default: bool) -> bool:
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.fail(f"{where} must be true or false")
        return v

    def number(self, v: Any, where: str) -> float | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"{where} must be a number")
        return float(v)


def _scale(ctx: _Ctx, v: Any, where: str) -> tuple[float, float]:
    if isinstance(v, list) and len(v) == 2:
        lo, hi = ctx.number(v[0], where), ctx.number(v[1], where)
    elif isinstance(v, Mapping):
        ctx.keys(v, {"min", "max"}, where)
        lo, hi = ctx.number(v.get("min"), where), ctx.number(v.get("max"), where)
    else:
        raise ctx.fail(f"{where} must be [min, max]")
    if lo is None or hi is None:
        raise ctx.fail(f"{where} needs both min and max")
    if lo >= hi:
        raise ctx.fail(f"{where}: scale min {lo:g} must be below max {hi:g}")
    return lo, hi


def schema_from_dict(data: Any, *, file: str = "<dict>", source: str | None = None,
                     kykyviisari: Schema | None = None) -> Schema:
    """Build and validate a :class:`Schema` from parsed YAML.

    Parameters
    ----------
    data
        The YAML mapping.
    file
        Shown in errors.
    source
        Expected source name (must agree with ``source:`` in the data when both are given).
    kykyviisari
        The Kykyviisari schema, needed to check a crosswalk's target domains.

    Raises
    ------
    SchemaError
        Naming ``file`` and the problem.
    """
    ctx = _Ctx(file)
    d = ctx.keys(data, _TOP_KEYS, "the top level")
    if not d:
        raise ctx.fail("the file is empty")
    src = d.get("source", source)
    if not isinstance(src, str) or not src:
        raise ctx.fail("'source' (the source name) is missing")
    if source is not None and src != source:
        raise ctx.fail(f"'source' says {src!r} but the file is for {source!r}")

    layout = _layout(ctx, d.get("layout"))
    columns = _columns(ctx, d.get("columns"))
    missing_codes = {}
    for reason, spellings in ctx.keys(d.get("missing_codes"), {"dont_know", "not_answered"},
                                      "missing_codes").items():
        missing_codes[reason] = ctx.str_list(spellings, f"missing_codes.{reason}")
    value_labels = {}
    vl = d.get("value_labels")
    if vl is not None:
        if not isinstance(vl, Mapping):
            raise ctx.fail("value_labels must map an answer label to its number")
        for label, code in vl.items():
            value_labels[str(label)] = ctx.number(code, f"value_labels.{label}")
    item_header = dict(ctx.keys(d.get("item_header"), _ITEM_HEADER_KEYS, "item_header"))
    if item_header.get("match", "code_prefix") not in ITEM_HEADERS:
        raise ctx.fail(f"item_header.match must be one of {', '.join(ITEM_HEADERS)}")

    domains = _domains(ctx, d.get("domains"))
    items = _items(ctx, d.get("items"), domains)
    # fill domain item lists; a domain with no items is refused
    for key, dom in list(domains.items()):
        its = tuple(c for c, it in items.items() if it.domain == dom.outcome)
        if not its:
            raise ctx.fail(f"domain {dom.name!r} has no items")
        domains[key] = DomainSpec(dom.name, dom.outcome, dom.in_total, dom.forms, its, dom.label)
    domains = {dom.outcome: dom for dom in domains.values()}

    scoring = dict(ctx.keys(d.get("scoring"), _SCORING_KEYS, "scoring"))
    for k in ("domain_min_fraction",):
        if k in scoring:
            v = ctx.number(scoring[k], f"scoring.{k}")
            if not 0 < v <= 1:
                raise ctx.fail(f"scoring.{k} must be in (0, 1]")
    for k in ("min_items", "total_min_domains"):
        if k in scoring and scoring[k] is not None:
            v = scoring[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ctx.fail(f"scoring.{k} must be a non-negative whole number")
    if "rescale" in scoring:
        ctx.boolean(scoring["rescale"], "scoring.rescale", True)
    if "rescale_to" in scoring:
        scoring["rescale_to"] = _scale(ctx, scoring["rescale_to"], "scoring.rescale_to")
    if domains:
        scoring["total_domains"] = tuple(dm.outcome for dm in domains.values() if dm.in_total)
        tmin = scoring.get("total_min_domains")
        if tmin is not None and tmin > len(scoring["total_domains"]):
            raise ctx.fail(f"scoring.total_min_domains ({tmin}) exceeds the number of domains "
                           f"in the total ({len(scoring['total_domains'])})")
    if items and scoring.get("min_items") is not None and scoring["min_items"] > len(items):
        raise ctx.fail(f"scoring.min_items ({scoring['min_items']}) exceeds the number of "
                       f"items ({len(items)})")

    crosswalk = _crosswalk(ctx, d.get("crosswalk"), kykyviisari)
    fields = {}
    for name, spec in ctx.keys(d.get("fields"), set(_as_keys(d.get("fields"))),
                               "fields").items():
        fields[str(name)] = dict(ctx.keys(spec, _FIELD_KEYS, f"fields.{name}"))
        dt = fields[str(name)].get("dtype", "number")
        if dt not in ("number", "mapping", "text", "integer"):
            raise ctx.fail(f"fields.{name}.dtype must be number, integer, text or mapping")
    if d.get("metadata") is not None:
        raise ctx.fail("'metadata' belongs under 'layout'")

    return Schema(source=src, path=None, layout=layout, columns=columns, items=items,
                  domains=domains, missing_codes=missing_codes, value_labels=value_labels,
                  scoring=scoring, crosswalk=crosswalk, item_header=item_header, fields=fields,
                  description=str(d.get("description") or ""))


def _as_keys(d: Any) -> list[str]:
    return [str(k) for k in d] if isinstance(d, Mapping) else []


def _layout(ctx: _Ctx, v: Any) -> LayoutSpec:
    d = ctx.keys(v, _LAYOUT_KEYS, "layout")
    fmt = ctx.str_list(d.get("format", ["xlsx", "csv"]), "layout.format")
    for f in fmt:
        if f not in ("xlsx", "csv", "yaml"):
            raise ctx.fail(f"layout.format {f!r} is not one of xlsx, csv, yaml")
    sheet = d.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise ctx.fail("layout.sheet must be a sheet name")
    header_row = d.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                   or header_row < 1):
        raise ctx.fail("layout.header_row must be an Excel row number (1 or more)")
    hs = ctx.keys(d.get("header_search"), _HEADER_SEARCH_KEYS, "layout.header_search")
    search_cols = ctx.str_list(hs.get("columns"), "layout.header_search.columns")
    max_rows = hs.get("max_rows", 20)
    min_hits = hs.get("min_hits", 2)
    for k, x in (("max_rows", max_rows), ("min_hits", min_hits)):
        if isinstance(x, bool) or not isinstance(x, int) or x < 1:
            raise ctx.fail(f"layout.header_search.{k} must be a whole number of 1 or more")
    title_rows = d.get("title_rows", 0)
    if isinstance(title_rows, bool) or not isinstance(title_rows, int) or title_rows < 0:
        raise ctx.fail("layout.title_rows must be a whole number of 0 or more")
    pat = d.get("total_row_pattern")
    if pat is not None:
        try:
            re.compile(str(pat))
        except re.error as e:
            raise ctx.fail(f"layout.total_row_pattern is not a valid regular expression: {e}")
    csv = dict(ctx.keys(d.get("csv"), _CSV_KEYS, "layout.csv"))
    if "encodings" in csv:
        csv["encodings"] = list(ctx.str_list(csv["encodings"], "layout.csv.encodings"))
    meta = {}
    for key, spec in ctx.keys(d.get("metadata"), set(_as_keys(d.get("metadata"))),
                              "layout.metadata").items():
        m = dict(ctx.keys(spec, _METADATA_KEYS, f"layout.metadata.{key}"))
        m["aliases"] = ctx.str_list(m.get("aliases"), f"layout.metadata.{key}.aliases")
        meta[str(key)] = m
    return LayoutSpec(format=fmt, sheet=sheet, header_row=header_row, header_search=search_cols,
                      max_search_rows=max_rows, min_hits=min_hits, title_rows=title_rows,
                      total_row_pattern=str(pat) if pat is not None else None, csv=csv,
                      metadata=meta)


def _columns(ctx: _Ctx, v: Any) -> dict[str, ColumnSpec]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ctx.fail("columns must map a canonical column name to its spec")
    out: dict[str, ColumnSpec] = {}
    seen: dict[str, str] = {}
    for name, spec in v.items():
        name = str(name)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ctx.fail(f"column name {name!r} must be English snake case (a-z, 0-9, _)")
        where = f"columns.{name}"
        if isinstance(spec, Mapping) and "reverse" in spec:
            raise ctx.fail(f"{where}: 'reverse' applies to questionnaire items only and "
                           f"{name!r} is a column, not an item (list items under 'items')")
        s = ctx.keys(spec, _COLUMN_KEYS, where)
        dtype = s.get("dtype", "text")
        if dtype not in DTYPES:
            raise ctx.fail(f"{where}.dtype {dtype!r} is not one of {', '.join(DTYPES)}")
        aliases = ctx.str_list(s.get("aliases"), f"{where}.aliases")
        for a in (name, *aliases):
            k = match_key(a)
            if k in seen and seen[k] != name:
                raise ctx.fail(f"header spelling {a!r} is given for both {seen[k]!r} and {name!r}")
            seen[k] = name
        codes: dict[str, tuple[str, ...]] = {}
        cv = s.get("codes")
        if cv is not None:
            if isinstance(cv, list):
                cv = {str(c): [] for c in cv}
            if not isinstance(cv, Mapping):
                raise ctx.fail(f"{where}.codes must map each code to its spellings")
            spelled: dict[str, str] = {}
            for code, sp in cv.items():
                code = str(code)
                sps = ctx.str_list(sp, f"{where}.codes.{code}")
                for x in (code, *sps):
                    k = match_key(x)
                    if k in spelled and spelled[k] != code:
                        raise ctx.fail(f"{where}.codes: spelling {x!r} is given for both "
                                       f"{spelled[k]!r} and {code!r}")
                    spelled[k] = code
                codes[code] = sps
        if dtype == "code" and not codes:
            raise ctx.fail(f"{where} has dtype code but no codes")
        if codes and dtype != "code":
            raise ctx.fail(f"{where} has codes but dtype {dtype!r} (use dtype: code)")
        lo, hi = ctx.number(s.get("min"), f"{where}.min"), ctx.number(s.get("max"), f"{where}.max")
        if lo is not None and hi is not None and lo >= hi:
            raise ctx.fail(f"{where}: min {lo:g} must be below max {hi:g}")
        out[name] = ColumnSpec(name=name, aliases=aliases, dtype=dtype,
                               required=ctx.boolean(s.get("required"), f"{where}.required", False),
                               codes=codes, min=lo, max=hi,
                               description=str(s.get("description") or ""))
    return out


def _domains(ctx: _Ctx, v: Any) -> dict[str, DomainSpec]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ctx.fail("domains must map a domain name to its spec")
    out: dict[str, DomainSpec] = {}
    outcomes: set[str] = set()
    for name, spec in v.items():
        name = str(name)
        where = f"domains.{name}"
        s = ctx.keys(spec, _DOMAIN_KEYS, where)
        outcome = s.get("outcome")
        if not isinstance(outcome, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", outcome):
            raise ctx.fail(f"{where}.outcome (English snake-case outcome name) is missing or "
                           "not snake case")
        if outcome in outcomes:
            raise ctx.fail(f"outcome {outcome!r} is given to two domains")
        outcomes.add(outcome)
        out[name] = DomainSpec(name=name, outcome=outcome,
                               in_total=ctx.boolean(s.get("in_total"), f"{where}.in_total", True),
                               forms=ctx.str_list(s.get("forms"), f"{where}.forms"),
                               label=str(s.get("label") or name))
    return out


def _items(ctx: _Ctx, v: Any, domains: dict[str, DomainSpec]) -> dict[str, ItemSpec]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ctx.fail("items must map an item code to its spec")
    by_name = {normalize_text(k): dm for k, dm in domains.items()}
    by_name.update({dm.outcome: dm for dm in domains.values()})
    out: dict[str, ItemSpec] = {}
    for code, spec in v.items():
        code = str(code)
        where = f"items.{code}"
        s = ctx.keys(spec, _ITEM_KEYS, where)
        dom = s.get("domain")
        if isinstance(dom, list):
            if len(dom) > 1:
                raise ctx.fail(f"item {code!r} is in two domains ({', '.join(map(str, dom))}); "
                               "an item belongs to one domain")
            dom = dom[0] if dom else None
        if dom is not None:
            dm = by_name.get(normalize_text(dom))
            if dm is None:
                raise ctx.fail(f"{where}.domain {dom!r} is not one of the domains "
                               f"({', '.join(domains) or 'none defined'})")
            dom_out: str | None = dm.outcome
        elif domains:
            raise ctx.fail(f"{where} has no domain (domains are defined)")
        else:
            dom_out = None
        if "scale" not in s:
            raise ctx.fail(f"{where}.scale [min, max] is missing")
        lo, hi = _scale(ctx, s["scale"], f"{where}.scale")
        forms = ctx.str_list(s.get("forms"), f"{where}.forms")
        if not forms and dom is not None:
            forms = by_name[normalize_text(dom)].forms
        out[code] = ItemSpec(code=code, domain=dom_out, scale_min=lo, scale_max=hi,
                             reverse=ctx.boolean(s.get("reverse"), f"{where}.reverse", False),
                             label=str(s.get("label") or ""),
                             aliases=ctx.str_list(s.get("aliases"), f"{where}.aliases"),
                             forms=forms)
    return out


def _crosswalk(ctx: _Ctx, v: Any, kyky: Schema | None) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ctx.fail("crosswalk must map an item code to a Kykyviisari domain")
    known: dict[str, str] = {}
    if kyky is not None:
        for dm in kyky.domains.values():
            known[normalize_text(dm.name)] = dm.outcome
            known[dm.outcome] = dm.outcome
    out = {}
    for code, target in v.items():
        code = str(code)
        if isinstance(target, Mapping):
            target = ctx.keys(target, _CROSSWALK_ITEM_KEYS, f"crosswalk.{code}").get("domain")
        if not isinstance(target, str):
            raise ctx.fail(f"crosswalk.{code} must name one Kykyviisari domain")
        if kyky is None:
            raise ctx.fail("a crosswalk needs the kykyviisari schema to check its domains")
        outcome = known.get(normalize_text(target))
        if outcome is None:
            raise ctx.fail(f"crosswalk.{code} points to unknown domain {target!r}; the "
                           f"Kykyviisari domains are {', '.join(kyky.domains)}")
        out[code] = outcome
    return out


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


class _NoDuplicateKeys:
    """A loader that refuses a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            try:
                seen.add(key)
            except TypeError:
                pass
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML would keep the last)."""


#: The same loader on libyaml's parser (several times faster: the schemas are read on every
#: load); a file it refuses is read again by :class:`_StrictLoader`, whose message stands.
_FastStrictLoader = (type("_FastStrictLoader", (_NoDuplicateKeys, yaml.CSafeLoader), {})
                     if getattr(yaml, "__with_libyaml__", False) else None)


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if _FastStrictLoader is not None:
            try:
                return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 (SafeLoader)
            except yaml.YAMLError:
                pass  # the pure parser's message (below)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except _DuplicateKey as e:
        raise SchemaError(f"schema {path}: key {e.key!r} is given twice (line {e.line}); "
                          "an item can be listed once and belong to one domain") from None
    except yaml.YAMLError as e:
        raise SchemaError(f"schema {path}: not valid YAML ({e})") from None
    except OSError as e:
        raise SchemaError(f"schema {path}: cannot be read ({e.strerror})") from None


def _find(source: str, schema_dir: Path | None) -> Path:
    if schema_dir is not None:
        p = Path(schema_dir) / f"{source}.yaml"
        if p.is_file():
            return p
    p = resources.schema_dir() / f"{source}.yaml"
    if not p.is_file():
        raise SchemaError(f"no schema for source {source!r} (looked for {source}.yaml in "
                          f"{schema_dir or 'the adapted schemas'} and {resources.schema_dir()})")
    return p


def load_schema(source: str, schema_dir: Path | None = None, *,
                _loaded: Mapping[str, Schema] | None = None) -> Schema:
    """Load and validate the schema of one source.

    Parameters
    ----------
    source
        One of :data:`SOURCES`.
    schema_dir
        Folder of adapted schemas; ``<source>.yaml`` there replaces the shipped one.

    Returns
    -------
    Schema

    Raises
    ------
    SchemaError
        The schema is missing or wrong (the message names the file and the problem).
    """
    def needed(name: str) -> Schema:  # read for this call unless ``_loaded`` holds it
        return _loaded[name] if _loaded and name in _loaded else load_schema(name, schema_dir)

    path = _find(source, schema_dir)
    data = _read_yaml(path)
    kyky = None
    crosswalk_schema = None
    if source in ("kompassi_crosswalk", "kompassi"):
        kyky = needed("kykyviisari")  # only read: its domains check the crosswalk
    if source == "kompassi":
        crosswalk_schema = needed("kompassi_crosswalk")  # only read (copied from)
    sch = schema_from_dict(data, file=str(path), source=source, kykyviisari=kyky)
    sch.path = path
    if crosswalk_schema is not None:
        _apply_crosswalk(sch, crosswalk_schema)
    return sch


def _apply_crosswalk(sch: Schema, cw: Schema) -> None:
    """Kompassi items take their domain from the crosswalk; unknown items are refused."""
    file = str(cw.path)
    unknown = sorted(set(cw.crosswalk) - set(sch.items))
    if unknown:
        raise SchemaError(f"schema {file}: crosswalk names item(s) {', '.join(unknown)} that "
                          f"the kompassi schema does not have")
    sch.crosswalk = dict(cw.crosswalk)
    sch.items = {c: ItemSpec(it.code, cw.crosswalk.get(c), it.scale_min, it.scale_max,
                             it.reverse, it.label, it.aliases, it.forms)
                 for c, it in sch.items.items()}
    for k in ("total_min_domains", "domain_min_fraction"):
        if k in cw.scoring and k not in sch.scoring:
            sch.scoring[k] = cw.scoring[k]


#: The last :func:`load_schemas` answer, pickled, under the stamps of the files it read.
_LAST: dict[tuple, bytes] = {}


def load_schemas(schema_dir: Path | None = None) -> dict[str, Schema]:
    """Every source's schema (:data:`SOURCES`), adapted ones from ``schema_dir`` first.

    Each schema is read once per call (kompassi takes the kykyviisari and crosswalk schemas
    read before it). A second call on unchanged files (the same path, size, modification and
    change times and inode of every schema file) returns a fresh copy of the first call's
    answer (unpickled: no object is shared between calls) instead of parsing them again."""
    try:
        key: tuple | None = (str(schema_dir),) + tuple(
            (s, *_stamp(_find(s, schema_dir))) for s in SOURCES)
    except (SchemaError, OSError):
        key = None  # loading says what is wrong
    blob = _LAST.get(key) if key is not None else None
    if blob is not None:
        return pickle.loads(blob)  # noqa: S301 (made by this process, below)
    loaded: dict[str, Schema] = {}
    for s in SOURCES:
        loaded[s] = load_schema(s, schema_dir, _loaded=loaded)
    _LAST.clear()
    if key is not None:
        _LAST[key] = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
    return loaded


def _stamp(path: Path) -> tuple:
    st = os.stat(path)
    return str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino
