"""The built wheel claims one import name, ``scrapeclean``: no generic ``pipeline`` or
``transforms`` lands in a user's environment, the console script points into it, and the run
profiles travel with it. Built offline from a copy of the sources (no build isolation)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO

SOURCES = ("pyproject.toml", "README.md", "transforms", "pipeline", "configs")


def build_wheel(folder: Path) -> Path:
    """Build the wheel from a copy of the package's sources (the build leaves files behind)."""
    source = folder / "src"
    for name in SOURCES:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy(REPO / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*command, "-q", "-w", str(folder), str(source)], check=True, capture_output=True
    )
    (wheel,) = folder.glob("scrapeclean-*.whl")
    return wheel


def test_wheel_holds_only_scrapeclean_its_script_and_profiles(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
        top = {name.split("/")[0] for name in names}
        (info,) = [entry for entry in top if entry.endswith(".dist-info")]
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert top == {"scrapeclean", info}
    assert "scrapeclean = scrapeclean.pipeline.cli.main:main" in entry_points
    assert {"scrapeclean/configs/default.yaml", "scrapeclean/configs/training.yaml"} <= set(names)
    assert "scrapeclean/transforms/beam/run_stages.py" in names
    assert not any(name.startswith("scrapeclean/__init__") for name in names)  # namespace
