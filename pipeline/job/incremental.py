"""Incremental runs for schedulers: a ledger of processed inputs, so each run processes only new
or changed files and publishes them as a partition of its own.

The ledger is not a file of its own: each committed run's manifest (``manifests/<run_id>.json``,
written by one atomic rename after its partition is in place) lists the files it read. So a run
killed at any point is simply redone: a partition without a manifest is removed at the next
start, and its files are still new.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from scrapeclean.pipeline.job.outputdir import PUBLISHED
from scrapeclean.transforms.errors import UsageError

MANIFESTS = "manifests"
INDEX = "runs.json"
_SAFE_PARTITION = re.compile(r"^[\w.=-]+(/[\w.=-]+)*$")


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file as the ledger knows it."""

    path: str
    size: int
    mtime: float
    sha256: str


def default_run_id(now: datetime | None = None) -> str:
    """A sortable UTC timestamp id, e.g. 20261127T101500Z."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def partition_path(template: str, run_id: str, run_date: str) -> str:
    """Fill a partition template ({run_id}, {run_date}); refuse anything path-like but plain."""
    try:
        path = template.format(run_id=run_id, run_date=run_date)
    except (KeyError, IndexError, ValueError) as error:
        raise UsageError(f"--partition {template!r}: {error!r}") from None
    if not _SAFE_PARTITION.match(path) or ".." in path.split("/"):
        raise UsageError(f"--partition {template!r} gives {path!r}: not a plain relative path")
    return path


def committed_manifests(output: Path) -> list[dict[str, Any]]:
    """Every committed run's manifest, oldest first."""
    folder = output / MANIFESTS
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def load_ledger(output: Path) -> dict[str, InputFile]:
    """The newest committed entry per input path."""
    ledger: dict[str, InputFile] = {}
    for manifest in committed_manifests(output):
        for entry in manifest.get("files", []):
            ledger[entry["path"]] = InputFile(**entry)
    return ledger


def remove_uncommitted(output: Path) -> None:
    """Delete partitions that no committed manifest names (left by a killed run)."""
    committed = {m["partition"]["path"] for m in committed_manifests(output)}
    orphans = {
        marker.parent
        for name in PUBLISHED
        if (output / name).is_dir()
        for marker in (output / name).rglob("*.parquet")
        if marker.parent.relative_to(output / name).as_posix() not in committed
    }
    for orphan in orphans:  # collected first: deleting while rglob walks would trip it
        shutil.rmtree(orphan, ignore_errors=True)


def select_new(
    paths: list[tuple[str, int, float]], ledger: dict[str, InputFile]
) -> list[InputFile]:
    """The inputs to process: unknown paths, and known ones whose content changed.

    Size and mtime decide cheaply; only a file whose size or mtime moved is hashed, and a file
    touched without a change in content is skipped.
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


def list_inputs(patterns: list[str]) -> list[tuple[str, int, float]]:
    """(path, size, mtime) of every file the patterns match, in a stable order."""
    found: dict[str, tuple[str, int, float]] = {}
    for result in FileSystems.match(patterns):
        for metadata in result.metadata_list:
            found[metadata.path] = (
                metadata.path,
                metadata.size_in_bytes,
                metadata.last_updated_in_seconds,
            )
    return [found[path] for path in sorted(found)]


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes as stored, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def as_patterns(files: list[InputFile]) -> list[str]:
    """Exact-match patterns for the selected files (glob characters in names escaped)."""
    return [glob.escape(entry.path) if "://" not in entry.path else entry.path for entry in files]


def ledger_entries(files: list[InputFile]) -> list[dict[str, object]]:
    """The ledger entries a run's manifest commits."""
    return [asdict(entry) for entry in files]


def write_index(output: Path) -> None:
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
    temporary = output / f".{INDEX}.tmp"
    temporary.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")
    temporary.replace(output / INDEX)


def check_incremental_output(output: Path, incremental: bool) -> None:
    """Refuse mixing layouts: one output folder is either incremental (partitions) or not."""
    holds_partitions = (output / MANIFESTS).is_dir()
    holds_plain_run = any((output / "articles").glob("*.parquet"))
    if incremental and holds_plain_run:
        raise UsageError(
            f"--output {str(output)!r} holds a plain run; incremental runs need their own"
        )
    if not incremental and holds_partitions:
        raise UsageError(f"--output {str(output)!r} holds incremental runs; pass --incremental")


def new_run_id(output: Path, requested: str | None) -> str:
    """The requested id (refused if committed already), or a fresh timestamp id."""
    if requested is None:
        run_id, suffix = default_run_id(), 1
        while (output / MANIFESTS / f"{run_id}.json").exists():  # two batches in one second
            run_id, suffix = f"{default_run_id()}-{suffix}", suffix + 1
        return run_id
    if not re.fullmatch(r"[\w.-]+", requested):
        raise UsageError(f"--run-id {requested!r}: letters, digits, '.', '-' and '_' only")
    if (output / MANIFESTS / f"{requested}.json").exists():
        raise UsageError(f"--run-id {requested!r} is already committed in {str(output)!r}")
    return requested


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """What every incremental batch of one command shares."""

    config: Any  # scrapeclean.pipeline.job.config.RunConfig
    output: Path
    beam_args: list[str]
    input_format: str
    partition_template: str
    run_date: str | None = None
    max_reject_rate: float | None = None


def run_batch(
    spec: BatchSpec, files: list[InputFile], run_id: str | None = None
) -> tuple[str, Any]:
    """Run and commit one incremental batch over ``files``; returns (run_id, RunSummary)."""
    from scrapeclean.pipeline.job.run import (  # Beam's runner machinery loads only for a batch
        Partition,
        run,
    )

    remove_uncommitted(spec.output)
    run_id = new_run_id(spec.output, run_id)
    run_date = spec.run_date or datetime.now(UTC).date().isoformat()
    path = partition_path(spec.partition_template, run_id, run_date)
    partition = Partition(run_id, path, ledger_entries(files))
    summary = run(
        spec.config,
        as_patterns(files),
        spec.output,
        spec.beam_args,
        spec.input_format,
        spec.max_reject_rate,
        None,
        partition,
    )
    write_index(spec.output)
    return run_id, summary
