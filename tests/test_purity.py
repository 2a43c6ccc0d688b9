"""The pure stage modules never import Apache Beam: they stay testable and fast without it."""

from __future__ import annotations

import subprocess
import sys

PURE_MODULES = [
    "scrapeclean.transforms.records",
    "scrapeclean.transforms.text.decode",
    "scrapeclean.transforms.text.formats",
    "scrapeclean.transforms.text.repair",
    "scrapeclean.transforms.text.boilerplate",
    "scrapeclean.transforms.text.segment",
    "scrapeclean.transforms.text.validate",
    "scrapeclean.transforms.schema",
    "scrapeclean.transforms.corpus.dedup",
    "scrapeclean.transforms.text.stages",
    "scrapeclean.transforms.html.extract",
    "scrapeclean.transforms.html.page",
    "scrapeclean.transforms.text.language",
    "scrapeclean.transforms.text.lines",
    "scrapeclean.transforms.text.warc",
    "scrapeclean.transforms.text.sandbox",
    "scrapeclean.transforms.corpus.neardup",
    "scrapeclean.transforms.corpus.quality",
    "scrapeclean.transforms.corpus.sitelines",
    "scrapeclean.transforms.corpus.split",
    "scrapeclean.pipeline.job.config",
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
