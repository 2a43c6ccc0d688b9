"""The incremental ledger: the committed runs' manifests, and their entries: which inputs a
batch reads (new, or changed since the ledger last saw them), and each as the batch read it,
checked once it has; runs.json, the index of committed runs.

Kept apart from pipeline/job/incremental.py (the partitions and the batch) so that run.py, which
confirms a batch's inputs before it publishes and rewrites the index after its commit, imports
no more than this.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from apache_beam.io.filesystems import FileSystems

from scrapeclean.pipeline.job.manifest import committed_manifests
from scrapeclean.pipeline.job.outputdir import join
from scrapeclean.pipeline.job.store import put
from scrapeclean.transforms.beam.matching import match_lazily
from scrapeclean.transforms.beam.read import open_input
from scrapeclean.transforms.text.sources import path_of, source_of

INDEX = "runs.json"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file as the ledger knows it."""

    path: str
    size: int
    mtime: float
    sha256: str


class InputChangedError(RuntimeError):
    """An input's bytes changed while a batch read it: the batch publishes nothing."""


def select_new(
    paths: list[tuple[str, int, float]], ledger: dict[str, InputFile]
) -> list[InputFile]:
    """The inputs to process: unknown paths, and known ones whose content changed.

    Size and mtime decide cheaply; only a file whose size or mtime moved is hashed, and a file
    touched without a change in content is skipped. Something that is not a regular file
    (a FIFO, a dangling link) hashes to "": the run rejects it `unreadable`, once.
    """
    selected = []
    for path, size, mtime in paths:
        known = ledger.get(path)
        if known and (known.size, known.mtime) == (size, mtime):
            continue
        digest = file_sha256(path)
        if known and known.sha256 == digest:
            continue
        selected.append(InputFile(path, size, mtime, digest))
    return selected


def list_inputs(patterns: Sequence[str]) -> list[tuple[str, int, float]]:
    """(path, size, mtime) of every file the patterns match (as the run matches them:
    transforms/beam/matching.py), in a stable order."""
    found: dict[str, tuple[str, int, float]] = {}
    for pattern in patterns:
        for metadata in match_lazily(pattern):
            found[metadata.path] = (
                metadata.path,
                metadata.size_in_bytes,
                metadata.last_updated_in_seconds,
            )
    return [found[path] for path in sorted(found)]


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes as stored, read in 1 MiB blocks; "" for what is not a regular
    file or cannot be read (never opened blocking: a FIFO would hang the run)."""
    digest = hashlib.sha256()
    try:
        with open_input(path, FileSystems.get_filesystem(path)) as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def confirm_unchanged(files: Sequence[InputFile]) -> list[InputFile]:
    """The selected inputs as the run read them, checked once the run has read them all.

    A file whose size or mtime moved since it was selected is hashed again: the same bytes
    (touched) commit with the new size and mtime; new bytes raise InputChangedError, since
    what the run read of them is unknown (old, new or half of each): the batch publishes
    nothing and the next one reads the file's bytes then, once. A file gone since then
    commits as selected: what the run read of it is published, once.
    """
    now = {path: (size, mtime) for path, size, mtime in list_inputs(as_patterns(files))}
    confirmed = []
    for entry in files:
        size, mtime = now.get(entry.path, (entry.size, entry.mtime))
        if (size, mtime) != (entry.size, entry.mtime):
            if file_sha256(entry.path) != entry.sha256:
                raise InputChangedError(
                    f"{source_of(entry.path)} changed while the run read it; nothing was "
                    "published, the next run reads it again"
                )
            entry = replace(entry, size=size, mtime=mtime)
        confirmed.append(entry)
    return confirmed


def as_patterns(files: Sequence[InputFile]) -> list[str]:
    """Exact-match patterns for the selected files (glob characters in names escaped)."""
    return [glob.escape(entry.path) if "://" not in entry.path else entry.path for entry in files]


def ledger_entries(files: Sequence[InputFile]) -> list[dict[str, object]]:
    """The ledger entries a run's manifest commits; paths as sources are written, valid UTF-8
    (docs/sources.md)."""
    return [{**asdict(entry), "path": source_of(entry.path)} for entry in files]


def load_ledger(manifests: Sequence[dict[str, Any]]) -> dict[str, InputFile]:
    """The newest entry per input path in an output's committed ``manifests`` (in commit order,
    as committed_manifests gives them)."""
    ledger: dict[str, InputFile] = {}
    for manifest in manifests:
        for entry in manifest.get("files", []):
            path = path_of(entry["path"])
            ledger[path] = InputFile(**{**entry, "path": path})
    return ledger


def write_index(output: str) -> None:
    """Rewrite runs.json, the human-readable index of committed runs (derived, not the ledger)."""
    runs = [
        {
            "run_id": manifest["partition"]["run_id"],
            "partition": manifest["partition"]["path"],
            "started": manifest["timings"]["started"],
            "finished": manifest["timings"]["finished"],
            "files": len(manifest.get("files", [])),
            **{k: manifest["counts"][k] for k in ("documents_in", "articles", "rejects")},
        }
        for manifest in committed_manifests(output)
    ]
    put(join(output, INDEX), (json.dumps({"runs": runs}, indent=2) + "\n").encode())
