"""The run configuration, ``evaluation.yaml`` (see shared/spec/RUNS.md).

Paths are relative to the configuration file; a source may be one path, a glob, or a list of
either. Unknown keys are errors that name the key and the keys allowed, so that a typo cannot
silently switch an analysis off.
"""
from __future__ import annotations

import copy
import glob as _glob
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

SOURCES: tuple[str, ...] = (
    "roster",
    "kykyviisari",
    "kompassi",
    "osallisuus",
    "satisfaction",
    "esr",
    "time_diary",
    "unit_costs",
    "service_costs",
)
REQUIRED_SOURCES: tuple[str, ...] = ("roster", "kykyviisari")


@dataclass(frozen=True)
class AnalysisConfig:
    """Analysis settings; every default is stated in the report."""

    seed: int = 20190331
    bootstrap_reps: int = 5000
    cluster: str = "worker"  # or "pilot"
    wtp_max: float = 20000.0  # euros per score point, upper end of the CEAC
    wtp: float = 5000.0  # the lambda at which NMB is reported (nmb_at_wtp)
    confidence: float = 0.95
    mice_m: int = 20
    ps_trim: tuple[float, float] = (0.01, 0.99)  # propensity-score trimming bounds
    include_kompassi: bool = True  # use Kompassi-harmonised scores in the main analysis
    diary_rule: str = "arm_pilot_role"  # imputation cascade; or "arm_role", "zero"
    reliability: float | None = None  # test-retest value for the RCI; None = baseline alpha
    cea_resample: str = "clients"  # or "workers" (two-stage cluster bootstrap)
    perspective: str = "organiser"  # the primary cost perspective; or "societal"


@dataclass(frozen=True)
class DataConfig:
    """Plausibility limits of the data (``data:``); values outside are quarantined.

    ``date_max`` empty means the run date plus one year; the date used is recorded in the
    manifest and ``hb-eval reproduce`` uses it again.
    """

    date_min: str = "1990-01-01"  # earliest plausible date in any source
    date_max: str = ""  # latest plausible date; "" = the run date + 1 year
    max_duration_minutes: float = 1440.0  # longest plausible diary row
    max_day_minutes: float = 1440.0  # longest plausible diarist's day (sum of rows)

    def window(self, run_date: Any = None) -> tuple[Any, Any]:
        """``(first, last)`` plausible dates as ``datetime.date``."""
        import datetime as _dt

        lo = _dt.date.fromisoformat(self.date_min)
        if self.date_max:
            return lo, _dt.date.fromisoformat(self.date_max)
        today = run_date or _dt.date.today()
        try:
            return lo, today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            return lo, today.replace(year=today.year + 1, day=28)


@dataclass(frozen=True)
class ReportConfig:
    language: str = "fi"  # or "en"
    audience: str = "internal"  # or "public"


_CHOICES = {
    ("analysis", "cluster"): ("worker", "pilot"),
    ("analysis", "diary_rule"): ("arm_pilot_role", "arm_role", "zero"),
    ("analysis", "cea_resample"): ("clients", "workers"),
    ("analysis", "perspective"): ("organiser", "societal"),
    ("report", "language"): ("fi", "en"),
    ("report", "audience"): ("internal", "public"),
}
_TOP_KEYS = ("name", "sources", "analysis", "report", "schemas", "data")


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
    schemas
        Optional folder of adapted schemas; a schema found there replaces the shipped one.
    """

    name: str = "HB-arviointi"
    base_dir: Path = field(default_factory=Path.cwd)
    sources: dict[str, list[str]] = field(default_factory=dict)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    schemas: Path | None = None
    path: Path | None = None
    data: DataConfig = field(default_factory=DataConfig)
    #: "today" for the default plausibility window (None: the real date); not part of
    #: :meth:`to_dict` -- ``hb-eval reproduce`` sets it from the manifest
    run_date: Any = None

    # -- paths -----------------------------------------------------------------------------
    def source_files(self, source: str) -> list[Path]:
        """The files of one source, globs expanded, sorted, each listed once.

        Raises
        ------
        ConfigError
            When a pattern matches no file.
        """
        if source not in SOURCES:
            raise ConfigError(f"unknown source {source!r}; known sources: {', '.join(SOURCES)}")
        out: list[Path] = []
        for pattern in self.sources.get(source, []):
            p = Path(pattern)
            full = p if p.is_absolute() else self.base_dir / p
            if any(ch in pattern for ch in "*?["):
                matches = sorted(Path(m) for m in _glob.glob(str(full)))
                if not matches:
                    raise ConfigError(f"sources.{source}: pattern {pattern!r} matches no file")
                out.extend(matches)
            else:
                if not full.exists():
                    raise ConfigError(f"sources.{source}: file {pattern!r} does not exist "
                                      f"(looked in {self.base_dir})")
                out.append(full)
        seen: set[Path] = set()
        unique = []
        for f in out:
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                unique.append(f)
        return unique

    def has_source(self, source: str) -> bool:
        return bool(self.sources.get(source))

    # -- overrides -------------------------------------------------------------------------
    def with_overrides(self, *, seed: int | None = None, bootstrap_reps: int | None = None,
                       language: str | None = None, audience: str | None = None) -> "Config":
        """A copy with command-line overrides applied (None leaves a value as it is)."""
        a = self.analysis
        if seed is not None:
            a = replace(a, seed=int(seed))
        if bootstrap_reps is not None:
            a = replace(a, bootstrap_reps=int(bootstrap_reps))
        r = self.report
        if language is not None:
            r = replace(r, language=language)
        if audience is not None:
            r = replace(r, audience=audience)
        new = replace(self, analysis=a, report=r)
        _validate_choices(new)
        return new

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for results.json and the manifest).

        Paths are written as given (relative), so the same run in another folder gives the
        same bytes.
        """
        a = asdict(self.analysis)
        a["ps_trim"] = list(a["ps_trim"])
        d: dict[str, Any] = {
            "name": self.name,
            "sources": {k: list(v) for k, v in sorted(self.sources.items())},
            "analysis": a,
            "report": asdict(self.report),
        }
        if self.schemas is not None:
            d["schemas"] = _relative(self.schemas, self.base_dir)
        if self.data != DataConfig():  # only when set: the default keeps results.json as it was
            d["data"] = asdict(self.data)
        return d


def _relative(p: Path, base: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(p)


def _check_keys(section: str, given: dict, allowed: tuple[str, ...]) -> None:
    unknown = [k for k in given if k not in allowed]
    if unknown:
        where = f"{section}." if section else ""
        raise ConfigError(
            f"unknown key {where}{unknown[0]!s} in the configuration; allowed keys"
            f"{' in ' + section if section else ''}: {', '.join(allowed)}"
        )


def _validate_choices(cfg: Config) -> None:
    for (section, key), choices in _CHOICES.items():
        value = getattr(getattr(cfg, section), key)
        if value not in choices:
            raise ConfigError(f"{section}.{key} = {value!r} is not allowed; choose one of "
                              f"{', '.join(choices)}")
    a = cfg.analysis
    if a.bootstrap_reps < 1:
        raise ConfigError("analysis.bootstrap_reps must be at least 1")
    if not 0 < a.confidence < 1:
        raise ConfigError("analysis.confidence must be between 0 and 1")
    lo, hi = a.ps_trim
    if not 0 <= lo < hi <= 1:
        raise ConfigError("analysis.ps_trim must be two numbers 0 <= low < high <= 1")
    if a.mice_m < 2:
        raise ConfigError("analysis.mice_m must be at least 2")
    if a.wtp_max <= 0:
        raise ConfigError("analysis.wtp_max must be positive")
    dc = cfg.data
    try:
        lo, hi = dc.window()
    except ValueError:
        raise ConfigError("data.date_min and data.date_max must be dates such as 1990-01-01") \
            from None
    if hi <= lo:
        raise ConfigError("data.date_max must be after data.date_min")
    for key in ("max_duration_minutes", "max_day_minutes"):
        v = getattr(dc, key)
        if not v > 0 or v != v or v == float("inf"):
            raise ConfigError(f"data.{key} must be a positive number of minutes")


def _coerce(section: str, dc_type: type, given: dict) -> Any:
    allowed = tuple(f.name for f in fields(dc_type))
    _check_keys(section, given, allowed)
    defaults = dc_type()
    kwargs = {}
    for f in fields(dc_type):
        if f.name not in given:
            continue
        value = given[f.name]
        default = getattr(defaults, f.name)
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, bool) or int(value) != value:
                    raise TypeError
                value = int(value)
            elif isinstance(default, float):
                if isinstance(value, bool):
                    raise TypeError
                value = float(value)
            elif isinstance(default, tuple):
                value = tuple(float(v) for v in value)
                if len(value) != len(default):
                    raise TypeError
            elif f.name == "reliability" and value is not None:
                value = float(value)
            elif isinstance(default, str):
                value = str(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{section}.{f.name} = {value!r} has the wrong type "
                              f"(expected like {default!r})") from None
        kwargs[f.name] = value
    return dc_type(**kwargs)


def parse_config(data: dict, base_dir: Path | str, path: Path | None = None) -> Config:
    """Build a :class:`Config` from already-parsed YAML data.

    Raises
    ------
    ConfigError
        On an unknown key, a missing required source, a wrong type or value.
    """
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a mapping of keys to values")
    _check_keys("", data, _TOP_KEYS)
    sources_in = data.get("sources") or {}
    if not isinstance(sources_in, dict):
        raise ConfigError("sources must be a mapping of source name to path(s)")
    _check_keys("sources", sources_in, SOURCES)
    sources: dict[str, list[str]] = {}
    for key, value in sources_in.items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v for v in items):
            raise ConfigError(f"sources.{key} must be a path, a glob or a list of them")
        sources[key] = list(items)
    for key in REQUIRED_SOURCES:
        if key not in sources:
            raise ConfigError(f"sources.{key} is required")
    analysis = _coerce("analysis", AnalysisConfig, data.get("analysis") or {})
    report = _coerce("report", ReportConfig, data.get("report") or {})
    data_block = _coerce("data", DataConfig, data.get("data") or {})
    base = Path(base_dir)
    schemas = data.get("schemas")
    cfg = Config(
        name=str(data.get("name") or Config.name),
        base_dir=base,
        sources=sources,
        analysis=analysis,
        report=report,
        schemas=(base / schemas) if schemas else None,
        path=path,
        data=data_block,
    )
    _validate_choices(cfg)
    return cfg


def load_config(path: str | Path) -> Config:
    """Read and validate ``evaluation.yaml``.

    Parameters
    ----------
    path
        The configuration file. Relative source paths are resolved against its folder.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"configuration file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    return parse_config(copy.deepcopy(data), base_dir=path.parent, path=path)
