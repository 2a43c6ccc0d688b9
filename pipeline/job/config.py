"""RunConfig: one frozen dataclass tree with a section per stage, loaded from YAML + overrides.

Order: dataclass defaults < configs/default.yaml < --config FILE < --set section.key=value.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import LanguageFilterConfig, QualityConfig
from scrapeclean.transforms.corpus.sitelines import SiteLinesConfig
from scrapeclean.transforms.corpus.split import SplitConfig
from scrapeclean.transforms.errors import ConfigError
from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.text.boilerplate import BoilerplateConfig
from scrapeclean.transforms.text.decode import ReadConfig
from scrapeclean.transforms.text.formats import JsonlConfig
from scrapeclean.transforms.text.language import LanguageConfig
from scrapeclean.transforms.text.repair import RepairConfig
from scrapeclean.transforms.text.sandbox import LimitsConfig
from scrapeclean.transforms.text.segment import SegmentConfig
from scrapeclean.transforms.text.validate import ValidateConfig

DEFAULT_CONFIG_NAME = "default.yaml"


# Columns with few distinct values: a folder per value stays a handful of folders.
PARTITION_COLUMNS = ("language", "split")


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """How the Parquet files are written."""

    # zstd: ~1/3 smaller than snappy on article text at the same write speed (notes §3).
    compression: str = "zstd"
    # Bytes buffered per row group; 8 MiB held peak RSS at 231 MB against 408 MB at Beam's
    # 64 MiB default, at no measurable time cost (notes/beam-on-this-machine.md §3).
    row_group_buffer_bytes: int = 8 * 1024 * 1024
    # Article columns that make Hive-style folders (articles/language=en/...); empty: flat.
    partition_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.compression not in ("zstd", "snappy", "gzip", "none"):
            raise ValueError("compression: must be one of zstd, snappy, gzip, none")
        if self.row_group_buffer_bytes < 1024:
            raise ValueError("row_group_buffer_bytes: must be >= 1024")
        unknown = [name for name in self.partition_by if name not in PARTITION_COLUMNS]
        if unknown or len(set(self.partition_by)) != len(self.partition_by):
            allowed = ", ".join(PARTITION_COLUMNS)
            raise ValueError(f"partition_by: distinct names among {allowed}, not {unknown}")


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Every tunable of a run, one section per stage; passed explicitly, pickled into DoFns."""

    read: ReadConfig = field(default_factory=ReadConfig)
    jsonl: JsonlConfig = field(default_factory=JsonlConfig)
    html: HtmlConfig = field(default_factory=HtmlConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    repair: RepairConfig = field(default_factory=RepairConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    sitelines: SiteLinesConfig = field(default_factory=SiteLinesConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    neardup: NearDupConfig = field(default_factory=NearDupConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    language_filter: LanguageFilterConfig = field(default_factory=LanguageFilterConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


def find_config_dir() -> Path | None:
    """The packaged profiles' folder (``scrapeclean.configs``: the repository's configs/)."""
    folder = importlib.resources.files("scrapeclean.configs")
    return Path(str(folder)) if folder.joinpath(DEFAULT_CONFIG_NAME).is_file() else None


def load_config(path: Path | None = None, overrides: typing.Sequence[str] = ()) -> RunConfig:
    """Resolve the run config: defaults, configs/default.yaml, the user's file, then overrides."""
    merged: dict[str, dict[str, Any]] = {}
    config_dir = find_config_dir()
    for layer in (config_dir / DEFAULT_CONFIG_NAME if config_dir else None, path):
        if layer is not None:
            _merge(merged, _read_yaml(layer))
    for override in overrides:
        _merge(merged, _parse_override(override))
    return _build(merged)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config ({error.strerror})") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise ConfigError(f"{path}:{line} invalid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config is a mapping of sections, got {type(data).__name__}")
    return data


def _parse_override(override: str) -> dict[str, Any]:
    key, sep, value = override.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not section or not name:
        raise ConfigError(f"--set {override!r}: expected section.key=value")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        raise ConfigError(f"{key}: value {value!r} is not valid YAML") from None
    return {section: {name: parsed}}


def _merge(merged: dict[str, dict[str, Any]], layer: dict[str, Any]) -> None:
    for section, values in layer.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{section}: a section is a mapping of keys, got {values!r}")
        merged.setdefault(str(section), {}).update(values)


def _build(merged: dict[str, dict[str, Any]]) -> RunConfig:
    section_types = typing.get_type_hints(RunConfig)
    sections: dict[str, Any] = {}
    for section, values in merged.items():
        if section not in section_types:
            raise ConfigError(f"{section}: unknown section")
        sections[section] = _build_section(section, section_types[section], values)
    return RunConfig(**sections)


def _build_section(section: str, cls: type, values: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{section}.{key}: unknown key")
        kwargs[key] = _coerce(f"{section}.{key}", hints[key], value)
    try:
        return cls(**kwargs)
    except ValueError as error:
        raise ConfigError(f"{section}.{error}") from None


def _coerce(key: str, expected: Any, value: Any) -> Any:
    """Check a YAML value against a field's type; lists become tuples (configs are frozen)."""
    origin = typing.get_origin(expected)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(expected)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return tuple(_coerce(f"{key}[{i}]", item_type, item) for i, item in enumerate(value))
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(expected):
            return None
        (expected,) = [t for t in typing.get_args(expected) if t is not type(None)]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {expected.__name__}, got {value!r}")
    return value


def config_as_dict(config: RunConfig) -> dict[str, Any]:
    """The resolved config as plain JSON-able data, for the manifest."""
    return dataclasses.asdict(config)
