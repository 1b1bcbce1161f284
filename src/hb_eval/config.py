"""The run configuration, ``evaluation.yaml`` (documented in ``docs/configuration.md``).

Paths are relative to the configuration file; a source may be one path, a glob, or a list of
either. Unknown keys are errors that name the key and the keys allowed, so that a typo cannot
silently switch an analysis off.

The file's shape is defined once, by the pydantic models below (:class:`Sources`,
:class:`AnalysisConfig`, :class:`ReportConfig`, :class:`EvaluationFile`). The JSON Schema
(:func:`json_schema`, published as ``evaluation.schema.json``) and the configuration reference
page (:func:`reference_markdown`) are generated from them. Adding a key is one field with a
default and a ``description``.
"""
from __future__ import annotations

import datetime as _dt

import glob as _glob
import json
import os
import re
import typing
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from .support.config_yaml import read_yaml
from .errors import ConfigError

__all__ = ["config_table", "PRIMARY", "SOURCES", "REQUIRED_SOURCES", "SCHEMA_FILE", "Sources", "AnalysisConfig",
           "ReportConfig", "DataConfig", "DisclosureConfig", "EvaluationFile", "Config", "parse_config", "load_config",
           "json_schema", "json_schema_text", "reference_rows", "reference_markdown",
           "write_generated"]

#: Where editors find the schema (repository root; the demo writes a copy beside its file).
SCHEMA_FILE = "evaluation.schema.json"

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


def _no_text_or_bool(value: Any) -> Any:
    # YAML "yes"/"5000" and true/false are not numbers here
    if isinstance(value, (str, bool)):
        raise ValueError("has the wrong type")
    return value


def _plain_bool(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("has the wrong type")
    return value


Int = Annotated[int, BeforeValidator(_no_text_or_bool)]
Float = Annotated[float, BeforeValidator(_no_text_or_bool)]
PositiveFloat = Annotated[pydantic.PositiveFloat, BeforeValidator(_no_text_or_bool)]
Bool = Annotated[bool, BeforeValidator(_plain_bool)]
#: One path or glob, or a list of them.
Paths = str | list[str]
PathList = Paths | None


def _iso_date(value: Any) -> Any:
    """A YAML date (``1990-01-01`` unquoted) as its ISO text; text is checked as a date."""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str) and value:
        try:
            _dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date such as 1990-01-01") from None
    return value


# -- the sections of evaluation.yaml ---------------------------------------------------------
@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Sources:
    """``sources``: where the raw files are (a path, a glob or a list of them, relative to the
    configuration file). Only ``roster`` and ``kykyviisari`` are required."""

    roster: Paths = Field(description="Roster (asiakasrekisteri): arm, pilot, group, worker, "
                             "dates, consent. One row per client. Required.")
    kykyviisari: Paths = Field(description="Kykyviisari exports (the primary outcome). "
                                  "Required.")
    kompassi: PathList = Field(None, description="Hämeenlinna's Kompassi CSV, harmonised to "
                               "Kykyviisari domains.")
    osallisuus: PathList = Field(None, description="Osallisuustesti (participation test).")
    satisfaction: PathList = Field(None, description="Satisfaction survey exports (HB and "
                                   "Verrokki versions).")
    esr: PathList = Field(None, description="ESR start and end forms (HB clients).")
    time_diary: PathList = Field(None, description="Time diaries of workers, clients and HB "
                                 "assistants, one workbook per diarist.")
    unit_costs: PathList = Field(None, description="The unit-cost YAML file (wages, side costs, "
                                 "overhead, allowances, price index).")
    service_costs: PathList = Field(None, description="Service-cost extracts (CSV), one row "
                                    "per service episode.")
    budgets: PathList = Field(None, description="HB budget decisions (päätökset): granted "
                              "budgets per client, revisions replacing earlier decisions.")
    providers: PathList = Field(None, description="The common register of approved service "
                                "providers (provider id, business id, sector, approval date).")


@pydantic_dataclass(frozen=True, config=_STRICT)
class AnalysisConfig:
    """``analysis``: analysis settings; every default is stated in the report."""

    seed: Int = Field(20190331, ge=0, description="Seed of every random step (bootstraps, "
                      "imputation); the same seed gives the same results.json.")
    bootstrap_reps: Int = Field(5000, ge=1, description="Bootstrap replicates of the "
                                "cost-effectiveness analysis (B).")
    cluster: Literal["worker", "pilot"] = Field("worker", description="Cluster level of the "
                                                "standard errors and the wild bootstrap.")
    wtp_max: Float = Field(20000.0, gt=0, description="Upper end of the willingness to pay "
                           "on the acceptability curve, euros per score point.")
    wtp: Float = Field(5000.0, ge=0, description="Willingness to pay at which the net "
                       "monetary benefit is reported (nmb_at_wtp), euros per score point.")
    confidence: Float = Field(0.95, gt=0, lt=1, description="Confidence level of every "
                              "interval.")
    mice_m: Int = Field(20, ge=2, description="Imputations of the MICE sensitivity analysis.")
    ps_trim: tuple[Float, Float] = Field((0.01, 0.99), description="Propensity scores outside "
                                         "[low, high] are trimmed (weight 0) in DR-DiD and the "
                                         "weighted balance.")
    dr_did_trim: Literal["drdid", "clip"] = Field(
        "drdid", description="DR-DiD trimming: drdid drops comparison clients with a propensity "
        "score of at least 0.995 and counts them, as R's DRDID and Python's drdid do; clip "
        "clips the scores into ps_trim (the default before 0.2).")
    include_kompassi: Bool = Field(True, description="Use Kompassi-harmonised scores in the "
                                   "main analysis (false: a sensitivity run without them).")
    diary_rule: Literal["arm_pilot_role", "arm_role", "zero"] = Field(
        "arm_pilot_role", description="Imputation of time-diary rates for clients no diary "
        "names: mean of the same arm, pilot and role, then arm and role, then zero.")
    reliability: Float | None = Field(None, gt=0, lt=1, description="Test-retest reliability "
                                      "for the reliable change index; null: Cronbach's alpha "
                                      "of the baseline data.")
    cea_resample: Literal["clients", "workers"] = Field(
        "clients", description="Cost-effectiveness bootstrap: resample clients within arm, or "
        "whole workers within arm (two-stage cluster bootstrap).")
    perspective: Literal["organiser", "societal"] = Field("organiser", description="The "
                                                          "primary cost perspective.")
    cost_margin: PositiveFloat | dict[Literal["organiser", "societal"], PositiveFloat] = Field(
        2000.0, description="Cost-neutrality margin, euros per client over the client-ship "
        "(> 0): HB is non-inferior in cost when the upper 95 % bound of the cost difference is "
        "below it. One number applies to every perspective; a margin per perspective is a "
        "mapping such as `{organiser: 2000, societal: 3500}` (a perspective left out gets no "
        "cost-neutrality test). results.json's `cost_neutrality.margin_setting` says which "
        "was used.")
    population: Float | None = Field(None, gt=0, description="Clients facing the decision per "
                                     "year, for the population value of information (EVPI); "
                                     "null: no population EVPI.")
    horizon_years: Int = Field(10, ge=1, description="Years the decision holds, for the "
                               "population EVPI.")
    discount_rate: Float = Field(0.03, ge=0, lt=1, description="Annual discount rate of the "
                                 "population EVPI (0.03 is 3 %).")

    @field_validator("cost_margin")
    @classmethod
    def _margins_positive(cls, value: Any) -> Any:
        if isinstance(value, dict) and not value:
            raise ValueError("needs a margin for at least one perspective")
        return value

    def margin_for(self, perspective: str) -> tuple[float | None, str | None]:
        """The cost-neutrality margin of ``perspective`` and the setting it came from.

        Returns
        -------
        tuple
            ``(margin, setting)``: ``(2000.0, "analysis.cost_margin")`` for one number (every
            perspective), ``(3500.0, "analysis.cost_margin.societal")`` from a mapping, and
            ``(None, None)`` when the mapping leaves the perspective out.
        """
        if isinstance(self.cost_margin, dict):
            if perspective not in self.cost_margin:
                return None, None
            return float(self.cost_margin[perspective]), f"analysis.cost_margin.{perspective}"
        return float(self.cost_margin), "analysis.cost_margin"

    @field_validator("ps_trim")
    @classmethod
    def _trim_bounds(cls, value: tuple[float, float]) -> tuple[float, float]:
        lo, hi = value
        if not 0 <= lo < hi <= 1:
            raise ValueError("must be two numbers 0 <= low < high <= 1")
        return value


@pydantic_dataclass(frozen=True, config=_STRICT)
class ReportConfig:
    """``report``: language and audience of the report."""

    language: Literal["fi", "en"] = Field("fi", description="Language of the report, tables "
                                          "and figures (number format follows it).")
    audience: Literal["internal", "public"] = Field("internal", description="public: no "
                                                    "client numbers or free text, cells under "
                                                    "5 clients suppressed.")


@pydantic_dataclass(frozen=True, config=_STRICT)
class DataConfig:
    """``data``: plausibility limits of the raw data; values outside are quarantined."""

    date_min: Annotated[str, BeforeValidator(_iso_date)] = Field(
        "1990-01-01", description="Earliest plausible date in any source (ISO date); earlier "
        "dates are quarantined as implausible_date.")
    date_max: Annotated[str, BeforeValidator(_iso_date)] = Field(
        "", description="Latest plausible date (ISO date); empty: the run date plus one year "
        "(the date used is recorded in the manifest and reused by hb-eval reproduce).")
    max_duration_minutes: Float = Field(1440.0, gt=0, description="Longest plausible diary "
                                        "row, minutes; longer rows are quarantined as "
                                        "implausible_duration.")
    max_day_minutes: Float = Field(1440.0, gt=0, description="Longest plausible day of one "
                                   "diarist (sum of the day's rows), minutes.")
    max_service_row_eur: Float = Field(1_000_000.0, gt=0, description="Largest plausible "
                                       "amount of one service-cost row, euros; larger rows "
                                       "are quarantined as implausible_amount.")
    max_client_services_eur: Float = Field(5_000_000.0, gt=0, description="Largest plausible "
                                           "sum of one client's service-cost rows, euros; "
                                           "above it every service row of the client is "
                                           "quarantined as implausible_amount.")

    def window(self, run_date: Any = None) -> tuple[Any, Any]:
        """``(first, last)`` plausible dates as ``datetime.date``."""
        lo = _dt.date.fromisoformat(self.date_min)
        if self.date_max:
            return lo, _dt.date.fromisoformat(self.date_max)
        today = run_date or _dt.date.today()
        try:
            return lo, today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            return lo, today.replace(year=today.year + 1, day=28)

    def __post_init__(self) -> None:
        try:
            lo, hi = self.window()
        except ValueError:
            raise ValueError("must be dates such as 1990-01-01") from None
        if hi <= lo:
            raise ValueError("must have date_max after date_min")


@pydantic_dataclass(frozen=True, config=_STRICT)
class DisclosureConfig:
    """``disclosure``: the output-checking rules of the public audience (docs/disclosure.md)."""

    min_count: Int = Field(5, ge=2, description="Threshold rule: no published count, and no "
                           "statistic computed over, fewer than this many clients.")
    nk_n: Int = Field(2, ge=1, description="Dominance (n, k) rule: the number of largest "
                      "contributors of a magnitude cell (costs, budgets, euros by group).")
    nk_k: Float = Field(85.0, gt=0, le=100, description="Dominance (n, k) rule: a magnitude "
                        "cell whose nk_n largest contributors make more than this per cent of "
                        "its total is suppressed.")
    p_percent: Float = Field(10.0, ge=0, le=100, description="p % rule: a magnitude cell whose "
                             "total minus its two largest contributors is within this per cent "
                             "of the largest is suppressed.")
    min_residual_df: Int = Field(10, ge=1, description="An estimate of a model with fewer "
                                 "residual degrees of freedom is not published.")


def _name(value: Any) -> Any:
    if value is None or value == "":
        return "HB-arviointi"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


class EvaluationFile(BaseModel):
    """The whole of ``evaluation.yaml``, as written (paths not yet resolved)."""

    model_config = ConfigDict(extra="forbid", title="evaluation.yaml")

    name: Annotated[str, BeforeValidator(_name)] = Field(
        "HB-arviointi", description="Title of the evaluation, shown on the report.")
    sources: Sources = Field(description="Where the raw files are.")
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig,
                                     description="Analysis settings.")
    report: ReportConfig = Field(default_factory=ReportConfig, description="Report settings.")
    schemas: str | None = Field(None, description="Folder of adapted data schemas; a schema "
                                "found there replaces the shipped one.")
    data: DataConfig = Field(default_factory=DataConfig, description="Plausibility limits "
                             "of the raw data.")
    disclosure: DisclosureConfig = Field(default_factory=DisclosureConfig, description="The "
                                         "disclosure-control rules of public outputs.")


SOURCES: tuple[str, ...] = tuple(f.name for f in fields(Sources))
#: The analysis plan's primary outcome (the Kykyviisari total score); every other outcome is
#: secondary. Defined here, on the ground floor, so that every floor names it from one place.
PRIMARY = "kykyviisari_total"
REQUIRED_SOURCES: tuple[str, ...] = tuple(
    name for name, info in Sources.__pydantic_fields__.items() if info.is_required())
_SECTIONS: dict[str, Any] = {"sources": Sources, "analysis": AnalysisConfig,
                             "report": ReportConfig, "data": DataConfig,
                             "disclosure": DisclosureConfig}


# -- the parsed configuration the rest of the package uses -----------------------------------
@dataclass(frozen=True)
class Config:
    """A parsed ``evaluation.yaml``.

    Attributes
    ----------
    name
        Title of the evaluation, shown on the report.
    base_dir
        Folder of the configuration file; relative paths are resolved against it.
    sources
        Source name -> list of patterns (paths or globs) exactly as written.
    analysis
        The analysis settings (:class:`AnalysisConfig`).
    report
        The report settings (:class:`ReportConfig`).
    schemas
        Optional folder of adapted schemas; a schema found there replaces the shipped one.
    path
        The configuration file, when it was read from one.
    """

    name: str = "HB-arviointi"
    base_dir: Path = field(default_factory=Path.cwd)
    sources: dict[str, list[str]] = field(default_factory=dict)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    schemas: Path | None = None
    path: Path | None = None
    data: DataConfig = field(default_factory=DataConfig)
    disclosure: DisclosureConfig = field(default_factory=DisclosureConfig)
    # "today" for the default plausibility window (None: the real date); not part of
    # :meth:`to_dict` -- ``hb-eval reproduce`` sets it from the manifest
    run_date: Any = None

    # -- paths -----------------------------------------------------------------------------
    def source_files(self, source: str) -> list[Path]:
        """The files of one source, globs expanded, sorted, each listed once.

        A pattern naming an existing file is that file, whatever characters its name holds
        (``ESR-lomakkeet (kopio) [1].xlsx``); otherwise a pattern with ``*``, ``?`` or ``[`` is
        a glob. File extensions match in any case (``*.xlsx`` finds ``VANTAA.XLSX``). Files
        the package wrote (:func:`hb_eval.support.own_files.own_file_reason`) are never
        inputs: :meth:`source_listing` lists them apart.

        Parameters
        ----------
        source
            A source name (one of :data:`SOURCES`).

        Returns
        -------
        list of Path
            The files, in the order the patterns list them.

        Raises
        ------
        ConfigError
            When a pattern matches no file.
        """
        return self.source_listing(source)[0]

    def source_listing(self, source: str, folders: Folders | None = None
                       ) -> tuple[list[Path], list[tuple[Path, str]]]:
        """``(files, own)``: :meth:`source_files`, and the files the patterns matched that the
        package wrote itself (path, why), which are not read. ``folders``: what is known of
        the folders (:class:`Folders`; a load lists each once for all its sources)."""
        from .support.own_files import own_file_reasons

        if source not in SOURCES:
            raise ConfigError(f"unknown source {source!r}; known sources: {', '.join(SOURCES)}")
        out: list[Path] = []
        for pattern in self.sources.get(source, []):
            p = Path(pattern)
            full = p if p.is_absolute() else self.base_dir / p
            if os.path.lexists(full):  # an existing name is taken literally, before any glob
                out.append(full)
                continue
            matches = _glob_any_case(pattern, self.base_dir)
            if any(ch in pattern for ch in "*?["):
                if not matches:
                    raise ConfigError(f"sources.{source}: pattern {pattern!r} matches no file")
                out.extend(matches)
            elif len(matches) == 1:  # the name with its extension in another case
                out.extend(matches)
            else:
                raise ConfigError(f"sources.{source}: file {pattern!r} does not exist "
                                  f"(looked in {self.base_dir})")
        seen: set[str] = set()
        first: list[Path] = []
        folders = Folders() if folders is None else folders  # each folder listed once
        for f in out:
            r = real_path(f, folders)  # never raises on a link loop (reading it says so)
            if r in seen:
                continue
            seen.add(r)
            first.append(f)
        unique: list[Path] = []
        own: list[tuple[Path, str]] = []
        for f, why in zip(first, own_file_reasons(first, self.base_dir)):
            if why is not None:
                own.append((f, why))
            else:
                unique.append(f)
        return unique, own

    def has_source(self, source: str) -> bool:
        """Whether the configuration lists any file for ``source``."""
        return bool(self.sources.get(source))

    # -- overrides -------------------------------------------------------------------------
    def with_overrides(self, *, seed: int | None = None, bootstrap_reps: int | None = None,
                       language: str | None = None, audience: str | None = None) -> "Config":
        """A copy with command-line overrides applied (None leaves a value as it is).

        Raises
        ------
        ConfigError
            When an override is not an allowed value.
        """
        a = {k: v for k, v in (("seed", seed), ("bootstrap_reps", bootstrap_reps))
             if v is not None}
        r = {k: v for k, v in (("language", language), ("audience", audience)) if v is not None}
        sections = {}
        for name, changes in (("analysis", a), ("report", r)):
            try:
                sections[name] = replace(getattr(self, name), **changes)
            except ValidationError as exc:
                raise ConfigError(_one_line(exc, prefix=(name,))) from None
        return replace(self, **sections)

    def with_analysis(self, **settings: Any) -> "Config":
        """A copy with analysis settings changed (``wtp_max=30000``, ``cost_margin=0``):
        validated as in the file.

        Raises
        ------
        ConfigError
            An unknown setting (the known ones are listed) or a value not allowed.
        """
        known = [f.name for f in fields(AnalysisConfig)]
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(f"unknown analysis setting {unknown[0]!r}; the settings are: "
                              f"{', '.join(known)}")
        try:
            return replace(self, analysis=replace(self.analysis, **settings))
        except ValidationError as exc:
            raise ConfigError(_one_line(exc, prefix=("analysis",))) from None

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for results.json and the manifest).

        Paths are written as given (relative), so the same run in another folder gives the
        same bytes; one outside the configuration's folder (``../``, absolute) as
        ``[outside]/<last part>`` (:func:`hb_eval.privacy.shown_pattern`): no folder name
        outside it reaches an output.
        """
        from .privacy import shown_pattern

        a = asdict(self.analysis)
        a["ps_trim"] = list(a["ps_trim"])
        d: dict[str, Any] = {
            "name": self.name,
            "sources": {k: [shown_pattern(p, self.base_dir) for p in v]
                        for k, v in sorted(self.sources.items())},
            "analysis": a,
            "report": asdict(self.report),
        }
        if self.schemas is not None:
            d["schemas"] = _relative(self.schemas, self.base_dir)
        if self.data != DataConfig():  # only when set: the default keeps results.json as it was
            d["data"] = asdict(self.data)
        if self.disclosure != DisclosureConfig():  # only when set, as ``data``
            d["disclosure"] = asdict(self.disclosure)
        return d


def _any_case(ext: str) -> str:
    """A glob of an extension in any case: ``.xlsx`` -> ``.[xX][lL][sS][xX]``."""
    return "." + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else _glob.escape(c)
                         for c in ext[1:])


@dataclass
class Folders:
    """What :func:`real_path` learned of each folder (as written), so that it asks once.

    Attributes
    ----------
    real
        Folder -> its resolved path (``os.path.realpath``).
    links
        Folder -> the names of the symbolic links in it (``os.scandir``: the entries' types,
        no ``lstat`` per file), or False when it cannot be listed.
    names
        Folder -> the names of all its entries, sorted (from the same listing; absent when
        it cannot be listed).
    """

    real: dict[str, str] = field(default_factory=dict)
    links: dict[str, frozenset[str] | bool] = field(default_factory=dict)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)


def real_path(path: str | os.PathLike[str], folders: Folders) -> str:
    """``os.path.realpath(path)``, with each folder resolved once (``folders``: the cache): a
    file that is no link is its resolved folder joined with its name; a link (or ``.``,
    ``..``) is resolved whole. Never raises on a link loop.

    Whether a name is a link is looked up in its folder's listing, read once per folder; a
    folder that cannot be listed is asked per file (``os.path.islink``)."""
    head, tail = os.path.split(os.fspath(path))
    if not tail or tail in (".", ".."):
        return os.path.realpath(path)
    links = folders.links.get(head)
    if links is None:
        links = _listed(head, folders)
    if (tail in links) if links is not False else os.path.islink(path):
        return os.path.realpath(path)
    real = folders.real.get(head)
    if real is None:
        real = folders.real[head] = os.path.realpath(head or ".")
    return os.path.join(real, tail)


def folder_names(folder: str, folders: Folders) -> tuple[str, ...] | None:
    """The names in ``folder`` (as written), sorted, listed once per ``folders`` (the
    listing :func:`real_path` reads); None when it cannot be listed."""
    if folder not in folders.links:
        _listed(folder, folders)
    return folders.names.get(folder)


def _listed(folder: str, folders: Folders) -> frozenset[str] | bool:
    """List ``folder`` into ``folders``: its links' names (False when it cannot be listed)
    and all its names."""
    try:
        with os.scandir(folder or ".") as entries:
            found = [(e.name, e.is_symlink()) for e in entries]
    except OSError:
        folders.links[folder] = False
        return False
    folders.names[folder] = tuple(sorted(name for name, _ in found))
    links = folders.links[folder] = frozenset(name for name, link in found if link)
    return links


def _glob_any_case(pattern: str, base_dir: Path) -> list[Path]:
    """Files matching ``pattern`` (relative to ``base_dir``; the folder's own name is never
    read as a pattern) with the extension in any case; a pattern without glob characters is
    the literal name."""
    head, tail = os.path.split(pattern)
    if not any(ch in pattern for ch in "*?["):
        head, tail = _glob.escape(head), _glob.escape(tail)
    m = re.fullmatch(r"(.*)(\.[A-Za-z0-9]{1,5})", tail)
    if m and not any(ch in m.group(2) for ch in "*?["):
        tail = m.group(1) + _any_case(m.group(2))
    pat = os.path.join(head, tail)
    if os.path.isabs(pat):
        found = list(map(Path, _glob.glob(pat)))
    else:  # (a child of the folder's Path: only the relative part is parsed)
        base = Path(base_dir)
        found = [base / f for f in _glob.glob(pat, root_dir=base_dir)]
    # Path order is the order of the paths' parts: compared once per path, not per pair
    return sorted(found, key=_parts)


def _parts(p: Path) -> tuple[str, ...]:
    return p.parts


def _relative(p: Path, base: Path) -> str:
    from .privacy import shown_pattern

    try:
        return str(Path(p).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return shown_pattern(str(p), base)


# -- validation errors as one line -----------------------------------------------------------
def _section_of(loc: tuple) -> Any:
    return _SECTIONS.get(loc[0]) if len(loc) >= 2 else EvaluationFile


def _allowed(model: Any) -> tuple[str, ...]:
    if model is EvaluationFile:
        return tuple(EvaluationFile.model_fields)
    return tuple(f.name for f in fields(model))


def _one_line(exc: ValidationError, prefix: tuple = ()) -> str:
    """The first error of a pydantic ValidationError as ``key = value: reason`` in one line."""
    err = exc.errors(include_url=False)[0]
    loc = prefix + tuple(err["loc"])
    kind = err["type"]
    if loc[:1] == ("sources",) and len(loc) > 2:  # sources.x.0 / sources.x.str: one message
        return f"sources.{loc[1]} must be a path, a glob or a list of them"
    if loc[:2] == ("analysis", "ps_trim") and len(loc) > 2:
        return "analysis.ps_trim must be two numbers 0 <= low < high <= 1"
    if loc[:2] == ("analysis", "cost_margin") and len(loc) > 2:  # one of the union's members
        return (f"analysis.cost_margin = {_Shown(err.get('input'))!r} is not allowed: give a "
                "positive number of euros, or a mapping of perspectives (organiser, societal) "
                "to positive numbers")
    key = ".".join(str(p) for p in loc)
    value = _Shown(err.get("input"))
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        section = ".".join(str(p) for p in loc[:-1])
        where = f" in {section}" if section else ""
        allowed = _allowed(_section_of(loc))
        return (f"unknown key {key} in the configuration; allowed keys{where}: "
                f"{', '.join(allowed)}")
    if kind == "missing":
        if loc == ("sources",):
            return "sources is required (at least sources.roster and sources.kykyviisari)"
        return f"{key} is required"
    if kind == "literal_error":
        choices = typing.get_args(_annotation(loc))  # the Literal's values
        return f"{key} = {value!r} is not allowed; choose one of {', '.join(choices)}"
    if kind in ("dataclass_type", "model_type", "dataclass_args_type", "model_attributes_type"):
        return f"{key or 'the configuration'} must be a mapping of keys to values"
    if kind == "finite_number":
        return f"{key} = {value!r} is not allowed: the value must be a finite number"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{key} = {value!r} is out of range: {err['msg'][0].lower()}{err['msg'][1:]}"
    if kind == "value_error" and "wrong type" not in err["msg"]:
        reason = str(err.get("ctx", {}).get("error", err["msg"]))
        return f"{key} {reason}"
    expected = _default_of(loc)
    hint = f" (expected like {expected!r})" if expected is not None else ""
    return f"{key} = {value!r} has the wrong type{hint}"


class _Shown:
    """A value as a message may show it: repr, cut, identity codes masked."""

    def __init__(self, value: Any) -> None:
        from .privacy import safe_value  # late: the data layer imports this module

        self.text = safe_value(repr(value))

    def __repr__(self) -> str:
        return self.text


def _annotation(loc: tuple) -> Any:
    model = _section_of(loc)
    if model is EvaluationFile:
        return EvaluationFile.model_fields[loc[0]].annotation
    return model.__pydantic_fields__[loc[1]].annotation


def _default_of(loc: tuple) -> Any:
    model = _section_of(loc)
    try:
        if model is EvaluationFile:
            return EvaluationFile.model_fields[loc[0]].get_default(call_default_factory=True)
        return model.__pydantic_fields__[loc[1]].get_default(call_default_factory=True)
    except (KeyError, IndexError, TypeError):
        return None


# -- reading ---------------------------------------------------------------------------------
def parse_config(data: dict, base_dir: Path | str, path: Path | None = None) -> Config:
    """Build a :class:`Config` from already-parsed YAML data.

    Parameters
    ----------
    data
        The parsed YAML (a mapping).
    base_dir
        Folder that relative paths are resolved against.
    path
        The file the data came from, if any (kept in :attr:`Config.path`).

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        On an unknown key, a missing required source, a wrong type or value (one line naming
        the key and the reason).
    """
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a mapping of keys to values")
    data = dict(data)
    if isinstance(data.get("sources"), dict):  # a source set to null is not configured
        data["sources"] = {k: v for k, v in data["sources"].items() if v is not None
                           or k not in SOURCES}
    elif data.get("sources") is not None:
        raise ConfigError("sources must be a mapping of source name to path(s)")
    else:
        data.pop("sources", None)
    for section in ("analysis", "report", "data", "disclosure"):
        if data.get(section, 0) is None:
            data[section] = {}
    try:
        model = EvaluationFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    sources: dict[str, list[str]] = {}
    for key in SOURCES:
        value = getattr(model.sources, key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if not items or not all(items):
            raise ConfigError(f"sources.{key} must be a path, a glob or a list of them")
        sources[key] = list(items)
    base = Path(base_dir)
    return Config(name=model.name, base_dir=base, sources=sources, analysis=model.analysis,
                  report=model.report, schemas=(base / model.schemas) if model.schemas else None,
                  path=path, data=model.data, disclosure=model.disclosure)


def load_config(path: str | Path) -> Config:
    """Read and validate ``evaluation.yaml``.

    The file must be UTF-8 (a byte-order mark is fine), at most 1 MiB, and may not use YAML
    aliases; see :func:`hb_eval.support.config_yaml.read_yaml`.

    Parameters
    ----------
    path
        The configuration file. Relative source paths are resolved against its folder.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        One line naming the file or key and the reason.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"configuration file {path} does not exist")
    data = read_yaml(path)
    return parse_config(data, base_dir=path.parent, path=path)


# -- generated artefacts: the JSON Schema and the reference page ------------------------------
def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``evaluation.yaml``, generated from :class:`EvaluationFile`.

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12) that editors can use to check and complete the file.
    """
    schema = EvaluationFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def json_schema_text() -> str:
    """:func:`json_schema` as the exact text of ``evaluation.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _type_text(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is Annotated:
        return _type_text(args[0])
    if origin in (typing.Union, __import__("types").UnionType):
        parts = [_type_text(a) for a in args if a is not type(None)]
        text = " or ".join(parts)
        return text + " or null" if type(None) in args else text
    if origin is list:
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"mapping of {_type_text(args[0])} to {_type_text(args[1])}"
    if origin is tuple:
        return f"[{', '.join(_type_text(a) for a in args)}]"
    return {bool: "true/false", int: "integer", float: "number", str: "text"}.get(
        annotation, getattr(annotation, "__name__", str(annotation)))


def _range_text(info: Any) -> str:
    marks = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    out = []
    for m in info.metadata:
        for attr, sign in marks.items():
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sign} {v:g}" if isinstance(v, float) else f"{sign} {v}")
    return ", ".join(out)


def _default_text(info: Any) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(f"{v:g}" for v in value) + "]`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if hasattr(value, "__dataclass_fields__"):
        return "see below"
    return f"`{value}`"


def reference_rows() -> list[dict[str, str]]:
    """One row per configuration key: key, type, default, meaning (from the models).

    Returns
    -------
    list of dict
        Keys ``key`` (dotted, e.g. ``analysis.seed``), ``type``, ``default``, ``meaning``.
    """
    rows = []
    for name, info in EvaluationFile.model_fields.items():
        if name in _SECTIONS:
            continue
        rows.append({"key": name, "type": _type_text(info.annotation),
                     "default": _default_text(info), "meaning": info.description or ""})
    for section, model in _SECTIONS.items():
        for name, info in model.__pydantic_fields__.items():
            rng = _range_text(info)
            rows.append({"key": f"{section}.{name}",
                         "type": _type_text(info.annotation) + (f" ({rng})" if rng else ""),
                         "default": _default_text(info), "meaning": info.description or ""})
    return rows


def reference_markdown() -> str:
    """The configuration reference page (Markdown), generated from the models.

    Returns
    -------
    str
        A page with one table per section of ``evaluation.yaml``: key, type, default, meaning.
    """
    rows = reference_rows()
    lines = [
        "# Configuration reference",
        "",
        "<!-- generated by hb_eval.config.reference_markdown(); do not edit by hand -->",
        "",
        "Every key of `evaluation.yaml`, its type, its default and what it means. This page is",
        "generated from the configuration model in `hb_eval.config`, so it cannot drift from",
        "what the package accepts. Paths are relative to the configuration file; a source may",
        "be one path, a glob (`kykyviisari/*.xlsx`) or a list of either. An unknown key is an",
        "error that names the key and the keys allowed. Numbers must be finite (`.nan` and",
        "`.inf` are refused); text such as `\"5000\"` is not a number.",
        "",
        "Editors that understand JSON Schema (VS Code with the YAML extension, PyCharm) check",
        f"and complete the file with `{SCHEMA_FILE}` (in the repository root; `hb-eval demo`",
        "writes a copy beside the demo's `evaluation.yaml`) when its first line is",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_FILE}",
        "```",
        "",
        "The file must be UTF-8 (with or without a byte-order mark), at most 1 MiB, and may not",
        "use YAML aliases (`*name`).",
        "",
    ]
    titles = {"": "Top level", "sources": "`sources`", "analysis": "`analysis`",
              "report": "`report`", "data": "`data` (plausibility limits)",
              "disclosure": "`disclosure` (public outputs; see [Disclosure control](disclosure.md))"}
    for section, title in titles.items():
        lines += [f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for r in rows:
            head, _, _ = r["key"].rpartition(".")
            if head == section:
                lines.append(f"| `{r['key']}` | {r['type']} | {r['default']} | {r['meaning']} |")
        lines.append("")
    return "\n".join(lines)


def write_generated(root: str | Path) -> list[Path]:
    """Write ``evaluation.schema.json`` and ``docs/configuration.md`` under a repository root.

    Parameters
    ----------
    root
        The repository root.

    Returns
    -------
    list of Path
        The files written.
    """
    root = Path(root)
    out = [(root / SCHEMA_FILE, json_schema_text()),
           (root / "docs" / "configuration.md", reference_markdown())]
    for p, text in out:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return [p for p, _ in out]


def config_table(config: Config) -> Any:
    """The configuration as a two-column table (setting, value) for the report's appendix."""
    import pandas as pd

    d = config.to_dict()
    rows = [("name", d["name"])]
    for k, v in d["analysis"].items():
        rows.append((f"analysis.{k}", v))
    for k, v in d["report"].items():
        rows.append((f"report.{k}", v))
    for k, v in d["sources"].items():
        rows.append((f"sources.{k}", ", ".join(v)))
    def text(v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, dict):  # a margin per perspective
            return ", ".join(f"{k}: {x:g}" if isinstance(x, float) else f"{k}: {x}"
                             for k, x in v.items())
        return str(v)

    return pd.DataFrame({"setting": [r[0] for r in rows],
                         "value": [text(r[1]) for r in rows]})
