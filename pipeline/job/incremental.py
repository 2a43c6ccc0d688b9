"""Incremental runs for schedulers: a ledger of processed inputs, so each run processes only new
or changed files and publishes them as a partition of its own.

The ledger is not a file of its own: each committed run's manifest (``manifests/<run_id>.json``,
written whole after its partition is in place, on a local folder or an object store alike)
lists the files it read, as they were once the run had read them, and the files it published.
So a run killed at any point is simply redone: a partition without a manifest is removed at
the next start, and its files are still new.
"""

from __future__ import annotations

import posixpath
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from scrapeclean.pipeline.job.ledger import InputFile, as_patterns, load_ledger
from scrapeclean.pipeline.job.lock import output_lock
from scrapeclean.pipeline.job.manifest import MERGED_KEY, committed_manifests, next_sequence
from scrapeclean.pipeline.job.outputdir import (
    MANIFESTS,
    MARKER,
    PUBLISHED,
    NotOursError,
    foreign_files,
    is_legacy,
    join,
    list_files,
    write_marker,
)
from scrapeclean.pipeline.job.store import delete_files, delete_folder, has_folders
from scrapeclean.transforms.beam.published import INDEX as DEDUP_INDEX
from scrapeclean.transforms.beam.published import PublishedIndex
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.corpus.published import live_segments, segments_to_merge
from scrapeclean.transforms.errors import UsageError
from scrapeclean.transforms.text.sources import source_of

_SAFE_PARTITION = re.compile(r"^[\w.=-]+(/[\w.=-]+)*$")
_RUN_ID_FIELD = ("run_id", "", None)  # "{run_id}" as string.Formatter parses it


def default_run_id(now: datetime | None = None) -> str:
    """A sortable UTC timestamp id, e.g. 20261127T101500Z."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def partition_path(template: str, run_id: str, run_date: str) -> str:
    """Fill a partition template ({run_id}, {run_date}); refuse anything path-like but plain,
    and a template without a plain {run_id}.

    Refused rather than made unique: without {run_id} a second run (the same day, for
    {run_date}) would write the first one's partition again, and adding the id silently would
    move data where the user's readers do not look; "day={run_date}/run={run_id}" keeps a
    day's folder and is collision-free (run ids are unique in an output, new_run_id).
    """
    try:
        fields = [field[1:] for field in string.Formatter().parse(template) if field[1]]
        path = template.format(run_id=run_id, run_date=run_date)
    except KeyError as error:
        raise UsageError(
            f"--partition {template!r}: unknown field {{{error.args[0]}}}; "
            "the fields are {run_id} and {run_date}"
        ) from None
    except (IndexError, ValueError) as error:  # "{}", "{0}", an unmatched brace
        raise UsageError(
            f"--partition {template!r}: {error}; the fields are {{run_id}} and {{run_date}}"
        ) from None
    if _RUN_ID_FIELD not in fields:
        raise UsageError(
            f"--partition {template!r} has no plain {{run_id}}: two runs would write the same "
            "files (e.g. 'day={run_date}/run={run_id}')"
        )
    if not _SAFE_PARTITION.match(path) or ".." in path.split("/"):
        raise UsageError(f"--partition {template!r} gives {path!r}: not a plain relative path")
    return path


def published_index(
    output: str, committed: Sequence[dict[str, Any]], config: RunConfig, incoming: int
) -> PublishedIndex | None:
    """The dedup index of the ``committed`` runs (their manifests, in commit order) for the next
    run (of about ``incoming`` articles), when a dedup step is on: copies of what they published
    are rejects naming the earlier article (transforms/beam/published.py). Its ``merge`` names
    the newest segments the run rewrites into its own (``segments_to_merge``)."""
    if not (config.dedup.enabled or config.neardup.enabled):
        return None
    segments = live_segments(
        [(m["partition"]["path"], m["counts"]["articles"], merged_index(m)) for m in committed]
    )
    merge = segments_to_merge(segments, incoming)
    return PublishedIndex(join(output, DEDUP_INDEX), tuple(p for p, _ in segments), merge)


def merged_index(manifest: dict[str, Any]) -> list[str]:
    """The partitions whose dedup index a committed run merged into its own (MERGED_KEY)."""
    merged = manifest["partition"].get(MERGED_KEY, [])
    return [path for path in merged if isinstance(path, str)] if isinstance(merged, list) else []


def remove_uncommitted(output: str) -> None:
    """Delete the partitions no committed manifest names (published by a killed run): only a
    folder our marker marks as a partition and lists in full; a committed one is never
    touched, whatever its subfolders (``output.partition_by``)."""
    committed = {m["partition"]["path"] for m in committed_manifests(output)}
    files = list_files(output)
    if is_legacy(files):
        files = mark_partitions(output, files, committed)
    kept = {"", *committed}  # "": the marker of articles/ itself (a plain run's)
    orphans = set()
    for path in files:
        top, _, rest = path.partition("/")
        folder = posixpath.dirname(rest)  # a partition's marker sits at its top
        if top in PUBLISHED and posixpath.basename(rest) == MARKER and folder not in kept:
            orphans.add(f"{top}/{folder}")
    inside = [path for path in files if any(path.startswith(f"{o}/") for o in orphans)]
    foreign = foreign_files(output, inside)
    if foreign:
        raise NotOursError(f"{foreign[0]!r} in --output was not written by scrapeclean")
    if orphans and has_folders(output):
        for orphan in sorted(orphans):
            delete_folder(join(output, orphan))
    else:  # on a store, exactly the objects checked: a prefix may have gained one since
        delete_files([join(output, path) for path in inside])


def remove_merged(output: str) -> None:
    """Delete the dedup index folders of the partitions a committed run merged into its own
    (its segment holds their rows): after that run's commit, or at the next start when a run
    was killed in between. Only files their markers list are deleted, the marker last, so a
    deletion cut short is finished by the next run."""
    merged = {
        f"{DEDUP_INDEX}/{path}" for m in committed_manifests(output) for path in merged_index(m)
    }
    if not merged:
        return
    files = list_files(output)
    for folder in sorted(f for f in merged if f"{f}/{MARKER}" in files):
        inside = [path for path in files if path.startswith(f"{folder}/")]
        foreign = foreign_files(output, inside)
        if foreign:
            raise NotOursError(f"{foreign[0]!r} in --output was not written by scrapeclean")
        delete_files([join(output, path) for path in inside if not path.endswith(f"/{MARKER}")])
        delete_files([join(output, folder, MARKER)])
        if has_folders(output):
            delete_folder(join(output, folder))


def mark_partitions(output: str, files: list[str], committed: set[str]) -> list[str]:
    """Adopt an incremental output of a scrapeclean older than the markers: mark each
    committed partition as ours; return what the output then holds.

    An older output counts as ours only with its _SUCCESS (is_legacy), which no run killed
    before its commit left behind: a folder no committed manifest names is not adopted.
    """
    inside: dict[tuple[str, str], list[str]] = {}
    for path in files:
        top, _, rest = path.partition("/")
        partition = next((p for p in committed if rest.startswith(f"{p}/")), None)
        if top in PUBLISHED and partition is not None:
            inside.setdefault((top, partition), []).append(rest[len(partition) + 1 :])
    for (top, partition), names in inside.items():
        write_marker(join(output, top, *partition.split("/")), names)
    return list_files(output)


def check_incremental_output(output: str, files: list[str], incremental: bool) -> None:
    """Refuse mixing layouts: one output folder (holding ``files``, relative paths) is either
    incremental (partitions) or not."""
    holds_partitions = any(path.startswith(f"{MANIFESTS}/") for path in files)
    holds_plain_run = any(
        path.startswith("articles/") and path.count("/") == 1 and path.endswith(".parquet")
        for path in files
    )
    if incremental and holds_plain_run:
        raise UsageError(f"--output {output!r} holds a plain run; incremental runs need their own")
    if not incremental and holds_partitions:
        raise UsageError(f"--output {output!r} holds incremental runs; pass --incremental")


def new_run_id(output: str, requested: str | None) -> str:
    """The requested id (refused if committed already), or a fresh timestamp id."""

    def committed(run_id: str) -> bool:
        return bool(FileSystems.exists(join(output, MANIFESTS, f"{run_id}.json")))

    if requested is None:
        run_id, suffix = default_run_id(), 1
        while committed(run_id):  # two batches in one second
            # "_" sorts after "/" and ".": "run=...Z_1/" and "...Z_1.json" list after the
            # second's first run's folder and manifest, as readers going by name expect
            run_id, suffix = f"{default_run_id()}_{suffix}", suffix + 1
        return run_id
    if not re.fullmatch(r"[\w.-]+", requested):
        raise UsageError(f"--run-id {requested!r}: letters, digits, '.', '-' and '_' only")
    if committed(requested):
        raise UsageError(f"--run-id {requested!r} is already committed in {output!r}")
    return requested


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """What every incremental batch of one command shares."""

    config: RunConfig
    output: str
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
        RunRequest,
        run,
    )

    with output_lock(spec.output, PipelineOptions(spec.beam_args)) as lock:
        remove_uncommitted(spec.output)
        remove_merged(spec.output)  # a run killed after its commit left them
        run_id = new_run_id(spec.output, run_id)
        run_date = spec.run_date or datetime.now(UTC).date().isoformat()
        path = partition_path(spec.partition_template, run_id, run_date)
        committed = committed_manifests(spec.output)
        # A file the ledger knows is read again because it changed: its new version supersedes
        # what it published before (listed in the manifest).
        known = load_ledger(committed)
        updates = tuple(source_of(entry.path) for entry in files if entry.path in known)
        index = published_index(spec.output, committed, spec.config, len(files))
        sequence = next_sequence(committed)
        partition = Partition(run_id, sequence, path, tuple(files), index, updates)
        request = RunRequest(
            spec.config,
            tuple(as_patterns(files)),
            spec.output,
            tuple(spec.beam_args),
            spec.input_format,
            spec.max_reject_rate,
            partition=partition,
        )
        summary = run(request, lock)
        remove_merged(spec.output)
        return run_id, summary
