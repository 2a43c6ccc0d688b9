"""The pure stage modules never import Apache Beam: they stay testable and fast without it."""

from __future__ import annotations

import subprocess
import sys

PURE_MODULES = [
    "transforms.records",
    "transforms.decode",
    "transforms.formats",
    "transforms.sniff",
    "transforms.repair",
    "transforms.boilerplate",
    "transforms.segment",
    "transforms.validate",
    "transforms.schema",
    "transforms.dedup",
    "transforms.chain",
    "transforms.extract",
    "transforms.html",
    "transforms.language",
    "transforms.lines",
    "transforms.warc",
    "transforms.sandbox",
    "transforms.neardup",
    "transforms.quality",
    "transforms.sitelines",
    "transforms.split",
    "pipeline.config",
]


def test_pure_modules_do_not_import_beam() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in PURE_MODULES)
        + "print('apache_beam' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
