"""The pure modules never import Apache Beam: they stay testable and fast without it.

The list is derived: every module of the ground floor (transforms/*.py) and of the pure rooms
text/, html/ and corpus/, plus the config loader the command line imports before any run
(its usage errors must answer without Beam's ~1 s import)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import scrapeclean.transforms as transforms

PURE_ROOMS = ("text", "html", "corpus")
EXTRA = ("scrapeclean.pipeline.job.config",)


def pure_modules() -> list[str]:
    """Ground-floor modules and every module of the pure rooms, found by walking the package."""
    names = []
    for info in pkgutil.iter_modules(transforms.__path__, f"{transforms.__name__}."):
        room = info.name.rsplit(".", 1)[-1]
        if not info.ispkg:
            names.append(info.name)
        elif room in PURE_ROOMS:
            package = __import__(info.name, fromlist=["_"])
            names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{info.name}.")]
    return sorted(names)


def test_the_walk_finds_every_pure_room() -> None:
    found = pure_modules()
    for room in PURE_ROOMS:
        assert any(name.startswith(f"scrapeclean.transforms.{room}.") for name in found), room
    assert "scrapeclean.transforms.records" in found
    assert not any(".beam" in name for name in found)


def test_pure_modules_do_not_import_beam() -> None:
    names = [*pure_modules(), *EXTRA]
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in names)
        + "print('apache_beam' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
