"""Loading the RunConfig (transforms/config.py) from YAML files and --set overrides.

Order: dataclass defaults < --config FILE < --set section.key=value.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.errors import ConfigError

DEFAULT_CONFIG_NAME = "default.yaml"


def find_config_dir() -> Path | None:
    """The packaged profiles' folder (``scrapeclean.configs``: the repository's configs/)."""
    folder = importlib.resources.files("scrapeclean.configs")
    return Path(str(folder)) if folder.joinpath(DEFAULT_CONFIG_NAME).is_file() else None


def profile_names() -> list[str]:
    """The packaged profiles by name (``default``, ``training``), for ``--config NAME``."""
    folder = find_config_dir()
    return sorted(path.stem for path in folder.glob("*.yaml")) if folder else []


def resolve_config(path: Path) -> Path:
    """``--config``'s file: the path when it exists, else the packaged profile of that name.

    A profile is found from any folder, so an installed user reaches ``training`` as a name;
    a value that is neither is one ConfigError that lists the profiles.
    """
    if path.exists() or path.parent != Path():  # a path: _read_yaml says why it cannot read it
        return path
    name = path.name.removesuffix(".yaml")
    folder = find_config_dir()
    if folder is not None and name in profile_names():
        return folder / f"{name}.yaml"
    raise ConfigError(
        f"--config {str(path)!r}: no such file, and not a packaged profile "
        f"({', '.join(profile_names())})"
    )


def load_config(path: Path | None = None, overrides: typing.Sequence[str] = ()) -> RunConfig:
    """Resolve the run config: the dataclass defaults, the user's file, then overrides.

    ``path`` is a YAML file or a packaged profile's name (``resolve_config``). The defaults are
    the one source: configs/default.yaml lists the same values for people to read
    (tests/pipeline/test_config.py checks it), so it is not read here.
    """
    merged: dict[str, dict[str, Any]] = {}
    if path is not None:
        _merge(merged, _read_yaml(resolve_config(path)))
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
