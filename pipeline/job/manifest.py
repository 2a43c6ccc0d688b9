"""manifest.json: counts per stage and reject reason (from Beam metrics), the resolved config,
versions, inputs and timings; written atomically."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from scrapeclean.transforms.beam.corpus import NAMESPACES as CORPUS_NAMESPACES
from scrapeclean.transforms.beam.read import NAMESPACE as READ
from scrapeclean.transforms.beam.write import NAMESPACE as WRITE
from scrapeclean.transforms.schema import SCHEMA_VERSION
from scrapeclean.transforms.text.stages import DOCUMENT_STAGES

Counters = Mapping[tuple[str, str], int]
_DISTRIBUTIONS = ("scrapeclean", "apache-beam", "pyarrow", "ftfy", "charset-normalizer", "PyYAML")


def totals(counters: Counters) -> dict[str, Any]:
    """The run's accounting: documents in, articles and rejects written, and whether they add up."""
    documents_in = counters.get((READ, "documents_in"), 0)
    articles = counters.get((WRITE, "articles"), 0)
    rejects = counters.get((WRITE, "rejects"), 0)
    return {
        "documents_in": documents_in,
        "articles": articles,
        "rejects": rejects,
        "balanced": documents_in == articles + rejects,
    }


def build_manifest(
    counters: Counters,
    *,
    config: dict[str, Any],
    inputs: Sequence[str],
    input_format: str,
    beam_args: Sequence[str],
    timings: dict[str, Any],
) -> dict[str, Any]:
    """The manifest document for a finished run."""
    return {
        "schema_version": SCHEMA_VERSION,
        "counts": totals(counters),
        "rejects_by_reason": _suffixed(counters, WRITE, "reason."),
        "stages": {name: stage_counts(counters, name) for name in _stage_names(counters)},
        "fixes": _suffixed(counters, WRITE, "fix."),
        "splits": _suffixed(counters, "split", "assigned."),
        "boilerplate_lines_removed": counters.get((WRITE, "boilerplate_lines"), 0),
        "inputs": list(inputs),
        "input_format": input_format,
        "beam_args": list(beam_args),
        "timings": timings,
        "versions": versions(),
        "config": config,
    }


def stage_counts(counters: Counters, stage: str) -> dict[str, Any]:
    """What one stage took in, passed on and rejected (per reason), from its counters."""
    counts: dict[str, Any] = {
        "in": counters.get((stage, "documents_in" if stage == READ else "in"), 0),
        "out": counters.get((stage, "out"), 0),
    }
    counts["rejected"] = _suffixed(counters, stage, "rejected.")
    return counts


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that decide the output."""
    found = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write JSON to a temporary name, then rename: a reader never sees half a manifest."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _stage_names(counters: Counters) -> list[str]:
    # Corpus steps are listed when they ran (counted something): most runs have them off.
    ran = {namespace for namespace, _ in counters}
    corpus = [name for name in CORPUS_NAMESPACES if name in ran]
    return [READ, *(stage.name for stage in DOCUMENT_STAGES), *corpus]


def _suffixed(counters: Counters, namespace: str, prefix: str) -> dict[str, int]:
    return {
        name[len(prefix) :]: value
        for (space, name), value in sorted(counters.items())
        if space == namespace and name.startswith(prefix)
    }
