"""Loading the RunConfig (transforms/config.py) from YAML files and --set overrides.

Order: dataclass defaults < --config FILE < --set section.key=value.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import math
import reprlib
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.errors import ConfigError

DEFAULT_CONFIG_NAME = "default.yaml"
# configs/default.yaml, which lists every key with its reason, is 18 KB. Reading stops past
# 1 MiB, so a wrong path (`--config /dev/zero`, a data file) is refused, not read into memory.
MAX_CONFIG_BYTES = 1024 * 1024

# Values quoted in an error message are cut short: a config value can be megabytes long, and
# an error is one line on a terminal.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 40


class _ConfigLoader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases: a config is plain data, and an alias can stand for an
    exponentially large value (a few hundred bytes of nested aliases, the "billion laughs",
    print as gigabytes)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"alias *{event.anchor}: aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


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
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config ({error.strerror})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; not a config")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start})") from None
    data = parse_yaml(text, str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config is a mapping of sections, got {type(data).__name__}")
    return data


def _parse_override(override: str) -> dict[str, Any]:
    key, sep, value = override.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not section or not name:
        raise ConfigError(f"--set {show(override)}: expected section.key=value")
    parsed = parse_yaml(value, f"--set {key}") if value.strip() else ""
    return {section: {name: parsed}}


def parse_yaml(text: str, where: str) -> Any:
    """Parse a config's YAML; any failure is a ConfigError of one short line naming ``where``.

    Besides YAML errors: a structure nested past Python's recursion limit (a 50,000-deep
    list), and a value a YAML constructor itself refuses (an integer of 5,000 digits, month 13).
    """
    try:
        return yaml.load(text, Loader=_ConfigLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f" line {mark.line + 1}:" if mark else ""
        raise ConfigError(f"{where}:{line} invalid YAML ({error.problem})") from None
    except yaml.YAMLError as error:  # the reader's: a control character, e.g. a binary file
        raise ConfigError(f"{where}: invalid YAML ({getattr(error, 'reason', error)})") from None
    except RecursionError:
        raise ConfigError(f"{where}: invalid YAML (nested too deeply)") from None
    except ValueError as error:
        raise ConfigError(f"{where}: invalid YAML ({str(error)[:100]})") from None


def _merge(merged: dict[str, dict[str, Any]], layer: dict[str, Any]) -> None:
    for section, values in layer.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{section}: a section is a mapping of keys, got {show(values)}")
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
            raise ConfigError(f"{key}: expected a list, got {show(value)}")
        return tuple(_coerce(f"{key}[{i}]", item_type, item) for i, item in enumerate(value))
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(expected):
            return None
        (expected,) = [t for t in typing.get_args(expected) if t is not type(None)]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value) if abs(value) < 2**1024 else math.inf  # past 2**1024: refused below
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {expected.__name__}, got {show(value)}")
    if expected is float and not math.isfinite(value):  # YAML's .inf and .nan
        raise ConfigError(f"{key}: expected a finite number, got {value}")
    return value


def show(value: Any) -> str:
    """``repr(value)`` cut short for an error message (a few dozen characters at most)."""
    return _SHORT.repr(value)


def config_as_dict(config: RunConfig) -> dict[str, Any]:
    """The resolved config as plain JSON-able data, for the manifest."""
    return dataclasses.asdict(config)
