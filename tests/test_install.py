"""What an installed user meets first: --version, and the packaged profiles by name from any
folder (the installed ``scrapeclean`` script, run outside the repository)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from tests.conftest import SEEDS

SCRIPT = Path(sys.executable).parent / "scrapeclean"


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    result = run_script("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"scrapeclean {metadata.version('scrapeclean')}"


def test_the_training_profile_by_name_from_a_temporary_folder(tmp_path: Path) -> None:
    result = run_script(
        "run", "--input", str(SEEDS / "*"), "--output", "out", "--config", "training", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    config = manifest["config"]
    assert config["quality"]["enabled"] and config["dedup"]["enabled"]
    assert config["neardup"]["enabled"] and config["sitelines"]["enabled"]


def test_a_config_that_is_neither_file_nor_profile_lists_the_profiles(tmp_path: Path) -> None:
    result = run_script(
        "run", "--input", str(SEEDS / "*"), "--output", "out", "--config", "trainig",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "'trainig'" in line and "default, training" in line
    assert not (tmp_path / "out").exists()


def test_a_file_in_the_working_folder_wins_over_a_profile_of_its_name(tmp_path: Path) -> None:
    (tmp_path / "training.yaml").write_text("validate:\n  min_words: 1\n", encoding="utf-8")
    result = run_script(
        "run", "--input", str(SEEDS / "*"), "--output", "out", "--config", "training.yaml",
        "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["config"]
    assert config["validate"]["min_words"] == 1 and not config["quality"]["enabled"]
