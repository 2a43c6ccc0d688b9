"""run(): execute the job into a staging folder, check the accounting, publish, then _SUCCESS.

A failed or interrupted run leaves no _SUCCESS behind (pipeline/job/outputdir.py).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState

from scrapeclean.pipeline.job.card import write_card
from scrapeclean.pipeline.job.config import config_as_dict
from scrapeclean.pipeline.job.graph import build_graph
from scrapeclean.pipeline.job.ledger import (
    InputFile,
    confirm_unchanged,
    ledger_entries,
    write_index,
)
from scrapeclean.pipeline.job.lock import HeldLock
from scrapeclean.pipeline.job.manifest import (
    MERGED_KEY,
    SEQUENCE_KEY,
    Counters,
    build_manifest,
    totals,
    write_manifest,
)
from scrapeclean.pipeline.job.outputdir import (
    MANIFESTS,
    PUBLISHED_KEY,
    discard,
    join,
    list_files,
    mark_success,
    publish,
    retire,
    start_run,
)
from scrapeclean.pipeline.job.progress import PROGRESS_DIR, ProgressMonitor
from scrapeclean.pipeline.job.stopping import publishing
from scrapeclean.pipeline.job.store import RAW, is_remote, read
from scrapeclean.transforms.beam.corpus import TOP_LINES_FILE
from scrapeclean.transforms.beam.lifeline import mark_launcher
from scrapeclean.transforms.beam.published import PublishedIndex, published_from
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.corpus.sitelines import parse_top_lines
from scrapeclean.transforms.text.sources import source_of


@dataclass(frozen=True, slots=True)
class Progress:
    """How to show progress: the number of input files and the log-line interval."""

    total_files: int
    interval: float = 10.0


@dataclass(frozen=True, slots=True)
class Partition:
    """Where an incremental run publishes: its id, its place in commit order, its partition
    path, the input files it read, the committed runs' dedup index (None when no dedup step is
    on) and the sources of the inputs it reads again because they changed."""

    run_id: str
    sequence: int  # pipeline/job/manifest.py SEQUENCE_KEY
    path: str  # e.g. "run=20261127T101500Z", below articles/ and rejects/
    files: tuple[InputFile, ...]  # as selected; the ledger commits them as read (confirmed)
    index: PublishedIndex | None = None
    updates: tuple[str, ...] = ()


class RunFailedError(RuntimeError):
    """The pipeline did not finish, or its counts do not add up; nothing was published."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a finished run wrote, for the CLI's closing lines."""

    output: str
    documents_in: int
    articles: int
    rejects: int
    rejects_by_reason: dict[str, int]
    seconds: float
    stages: dict[str, dict[str, object]]
    reject_rate_exceeded: bool = False


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One batch run: what to read, where to publish it, with which config and guard rails.

    With ``max_reject_rate``, a run that rejected a larger share of its documents still
    publishes everything and its manifest, but not _SUCCESS (RunSummary.reject_rate_exceeded).
    With ``progress``, a live display (terminal) or log lines show files and documents read.
    With ``partition`` (incremental runs) the output goes to its own partition folders and its
    manifest to ``manifests/<run_id>.json``, the run's commit point.
    """

    config: RunConfig
    inputs: tuple[str, ...]
    output: str  # a local folder or a Beam filesystem URL (s3://bucket/prefix)
    beam_args: tuple[str, ...]
    input_format: str = "auto"
    max_reject_rate: float | None = None
    progress: Progress | None = None
    partition: Partition | None = None


def run(request: RunRequest, lock: HeldLock) -> RunSummary:
    """Run the pipeline over the request's inputs and publish a complete dataset; the caller
    holds the output's ``lock`` (pipeline/job/lock.py) from before this call until after it."""
    config, inputs, output = request.config, request.inputs, request.output
    partition = request.partition
    started = time.time()
    staging = start_run(output, incremental_layout=partition is not None)
    try:
        counters, top_lines = execute(request, staging)
        counts = totals(counters)
        if not counts["balanced"]:
            raise RunFailedError(f"documents_in != articles + rejects: {counts}")
        # The inputs as read: an input rewritten since it was selected fails the batch here,
        # before anything is published (its new bytes are the next batch's).
        files = confirm_unchanged(partition.files) if partition else []
        replaced = superseded(partition, staging) if partition else []
        publishing()
        publication = publish(staging, output, partition.path if partition else None)
    finally:
        discard(staging)
    finished = time.time()
    reject_rate = counts["rejects"] / counts["documents_in"] if counts["documents_in"] else 0.0
    exceeded = request.max_reject_rate is not None and reject_rate > request.max_reject_rate
    manifest = build_manifest(
        counters,
        config=config_as_dict(config),
        inputs=[source_of(pattern) for pattern in inputs],  # valid UTF-8 (docs/sources.md)
        input_format=request.input_format,
        beam_args=request.beam_args,
        timings={
            "started": _iso(started),
            "finished": _iso(finished),
            "seconds": round(finished - started, 3),
        },
    )
    manifest["site_boilerplate"] = top_lines
    manifest["guard_rails"] = {
        "reject_rate": round(reject_rate, 6),
        "max_reject_rate": request.max_reject_rate,
        "reject_rate_exceeded": exceeded,
    }
    manifest[PUBLISHED_KEY] = publication.published
    manifest_path = join(output, "manifest.json")
    if partition:
        manifest["partition"] = {
            "run_id": partition.run_id,
            SEQUENCE_KEY: partition.sequence,
            "path": partition.path,
        }
        if partition.index is not None and partition.index.merge:  # now in this run's index
            manifest["partition"][MERGED_KEY] = list(partition.index.merge)
        manifest["files"] = ledger_entries(files)
        manifest["supersedes"] = replaced
        manifest_path = join(output, MANIFESTS, f"{partition.run_id}.json")
    lock.confirm()  # a run that lost its lock (stalled past its lease) must not commit
    write_manifest(manifest_path, manifest)  # the commit point
    if partition:
        write_index(output)
    else:
        retire(output, publication)
    write_card(output)
    if not exceeded:
        mark_success(output, manifest_path[len(output) :].lstrip("/"))
    return RunSummary(
        output=output,
        documents_in=counts["documents_in"],
        articles=counts["articles"],
        rejects=counts["rejects"],
        rejects_by_reason=manifest["rejects_by_reason"],
        seconds=manifest["timings"]["seconds"],
        stages=manifest["stages"],
        reject_rate_exceeded=exceeded,
    )


def execute(request: RunRequest, staging: str) -> tuple[Counters, dict[str, Any]]:
    """Run the pipeline into ``staging``; returns its counters and the site boilerplate lines.

    Progress files live on the launcher's disk (the staging folder when it is local, else a
    temporary folder): they are appended to line by line, which an object store cannot do.
    """
    progress, partition = request.progress, request.partition
    mark_launcher()  # worker processes (--workers) end with this one
    pipeline = beam.Pipeline(options=PipelineOptions(list(request.beam_args)))
    with (
        contextlib.nullcontext(staging)
        if not is_remote(staging)
        else tempfile.TemporaryDirectory(prefix="scrapeclean-progress-")
    ) as local:
        progress_dir = Path(local) / PROGRESS_DIR
        # Without a display (--quiet) the workers note nothing: a flushed line per file was 2%
        # of a --workers 2 worker's time (py-spy, 100k dumps).
        noted = str(progress_dir) if progress else None
        # An incremental run drops copies of what the committed runs published, and adds its
        # own articles to their dedup index (committed with its partition).
        index = partition.index if partition else None
        config, inputs, input_format = request.config, request.inputs, request.input_format
        build_graph(pipeline, config, inputs, staging, input_format, noted, index)
        with (
            ProgressMonitor(progress_dir, progress.total_files, progress.interval)
            if progress
            else contextlib.nullcontext()
        ):
            result = pipeline.run()
            state = result.wait_until_finish()
    if state != PipelineState.DONE:
        raise RunFailedError(f"the pipeline ended in state {state}")
    top_lines = read(join(staging, TOP_LINES_FILE))
    return read_counters(result), parse_top_lines(top_lines.decode("utf-8") if top_lines else "")


def superseded(partition: Partition, staging: str) -> list[str]:
    """The doc_ids earlier runs published from the inputs this run reads again (changed files)
    that this run does not publish again as they were: its new versions replace them."""
    if partition.index is None or not partition.updates:
        return []
    earlier = {doc_id for doc_id, _ in published_from(partition.index, partition.updates)}
    if not earlier:
        return []
    read_again: set[str] = set()
    for path in list_files(staging):  # an unchanged record keeps its id: not superseded
        if path.split("/", 1)[0] in ("articles", "rejects") and path.endswith(".parquet"):
            with FileSystems.open(join(staging, path), compression_type=RAW) as handle:
                ids = pq.read_table(handle, columns=["doc_id"]).column("doc_id").to_pylist()
            read_again.update(ids)
    return sorted(earlier - read_again)


def read_counters(result: PipelineResult) -> Counters:
    """Every Beam counter of a finished run as {(namespace, name): value}."""
    counters: dict[tuple[str, str], int] = {}
    for counter in result.metrics().query()["counters"]:
        key = (counter.key.metric.namespace, counter.key.metric.name)
        value = counter.committed if counter.committed is not None else counter.attempted
        counters[key] = counters.get(key, 0) + int(value or 0)
    return counters


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def run_streaming(
    config: RunConfig,
    inputs: Sequence[str],
    output: str,
    beam_args: Sequence[str],
    input_format: str,
    window_seconds: int,
    poll_seconds: float,
) -> str:
    """Start the never-ending streaming job and wait until it stops; returns its final state.

    Nothing is staged or published: each window's files appear as the window closes, and a
    stream has no end at which to check the accounting or write _SUCCESS. KeyboardInterrupt
    cancels the job (a cluster job would otherwise outlive the launcher).
    """
    from scrapeclean.pipeline.job.streaming import (
        build_streaming_graph,  # only streaming runs need it
    )

    pipeline = beam.Pipeline(options=PipelineOptions(list(beam_args)))
    build_streaming_graph(
        pipeline, config, inputs, output, window_seconds, poll_seconds, input_format
    )
    result = pipeline.run()
    try:
        return wait_for_end(result)
    except KeyboardInterrupt:
        result.cancel()
        return str(PipelineState.CANCELLED)


def wait_for_end(result: PipelineResult, check_seconds: float = 10.0) -> str:
    """Poll the job's state until it is terminal; a KeyboardInterrupt gets through at once.

    Not wait_until_finish(): on the portable runners its state stream dies with
    DEADLINE_EXCEEDED after --job_server_timeout (300 s) while the job still runs (measured
    on Beam's Python job service), and a signal waits for it; time.sleep is interruptible.
    """
    while not PipelineState.is_terminal(state := result.state):
        time.sleep(check_seconds)
    return str(state)
