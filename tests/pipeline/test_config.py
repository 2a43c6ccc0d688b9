"""Config: every file in configs/ loads, default.yaml lists every key, bad values name the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from scrapeclean.pipeline.job.config import find_config_dir, load_config
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.errors import ConfigError

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_config_file_loads(path: Path) -> None:
    assert isinstance(load_config(path), RunConfig)


def test_default_yaml_lists_every_key() -> None:
    config_dir = find_config_dir()
    assert config_dir is not None
    listed = yaml.safe_load((config_dir / "default.yaml").read_text(encoding="utf-8"))
    for section in dataclasses.fields(RunConfig):
        keys = {f.name for f in dataclasses.fields(getattr(RunConfig(), section.name))}
        assert set(listed[section.name]) == keys, section.name


def test_default_yaml_equals_the_dataclass_defaults() -> None:
    config_dir = find_config_dir()
    assert config_dir is not None
    assert load_config(config_dir / "default.yaml") == RunConfig() == load_config()


def test_layers_apply_in_order(tmp_path: Path) -> None:
    user = tmp_path / "run.yaml"
    user.write_text("validate:\n  min_words: 50\nread:\n  max_compression_ratio: 20\n")
    config = load_config(user, ["validate.min_words=70", "repair.fix_mojibake=false"])
    assert config.validate.min_words == 70
    assert config.read.max_compression_ratio == 20
    assert config.repair.fix_mojibake is False
    assert config.boilerplate.phrases  # the catalog from default.yaml is still there


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("validate:\n  min_wrods: 5\n", "validate.min_wrods: unknown key"),
        ("validat:\n  min_words: 5\n", "validat: unknown section"),
        ("validate:\n  min_words: many\n", "validate.min_words: expected int, got 'many'"),
        ("validate:\n  min_words: true\n", "validate.min_words: expected int, got True"),
        ("validate:\n  min_words: -1\n", "validate.min_words: must be >= 0"),
        ("read:\n  max_control_ratio: 2\n", "read.max_control_ratio: must be between 0 and 1"),
        (
            "boilerplate:\n  headline_sure_max_lines: -1\n",
            "boilerplate.headline_sure_max_lines: must be >= 0",
        ),
        ("boilerplate:\n  extra_phrases: oops\n", "boilerplate.extra_phrases: expected a list"),
        ("boilerplate:\n  extra_patterns: ['(x']\n", "boilerplate.extra_patterns: bad pattern"),
        ("output:\n  compression: lz9\n", "output.compression: must be one of"),
        ("- just\n- a list\n", "a config is a mapping of sections"),
        ("validate: [1\n", "invalid YAML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_override_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"expected section\.key=value"):
        load_config(None, ["min_words=3"])
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_config_pickles_for_workers() -> None:
    import pickle

    config = load_config()
    assert pickle.loads(pickle.dumps(config)) == config
