"""run(): execute the job into a staging folder, check the accounting, publish, then _SUCCESS.

A failed or interrupted run leaves no _SUCCESS behind (pipeline/job/outputdir.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState

from scrapeclean.pipeline.job.config import RunConfig, config_as_dict
from scrapeclean.pipeline.job.graph import build_graph
from scrapeclean.pipeline.job.manifest import Counters, build_manifest, totals, write_manifest
from scrapeclean.pipeline.job.outputdir import discard, mark_success, publish, start_run
from scrapeclean.pipeline.job.progress import PROGRESS_DIR, ProgressMonitor
from scrapeclean.transforms.beam.corpus import TOP_LINES_FILE
from scrapeclean.transforms.corpus.sitelines import read_top_lines


@dataclass(frozen=True, slots=True)
class Progress:
    """How to show progress: the number of input files and the log-line interval."""

    total_files: int
    interval: float = 10.0


@dataclass(frozen=True, slots=True)
class Partition:
    """Where an incremental run publishes: its id, its partition path, the input files it read."""

    run_id: str
    path: str  # e.g. "run=20261127T101500Z", below articles/ and rejects/
    files: list[dict[str, object]]  # the ledger entries this run commits


class RunFailedError(RuntimeError):
    """The pipeline did not finish, or its counts do not add up; nothing was published."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a finished run wrote, for the CLI's closing lines."""

    output: Path
    documents_in: int
    articles: int
    rejects: int
    rejects_by_reason: dict[str, int]
    seconds: float
    stages: dict[str, dict[str, object]]
    reject_rate_exceeded: bool = False


def run(
    config: RunConfig,
    inputs: Sequence[str],
    output: Path,
    beam_args: Sequence[str],
    input_format: str = "auto",
    max_reject_rate: float | None = None,
    progress: Progress | None = None,
    partition: Partition | None = None,
) -> RunSummary:
    """Run the pipeline over ``inputs`` and publish a complete dataset under ``output``.

    With ``max_reject_rate``, a run that rejected a larger share of its documents still
    publishes everything and its manifest, but not _SUCCESS (RunSummary.reject_rate_exceeded).
    With ``progress``, a live display (terminal) or log lines show files and documents read.
    With ``partition`` (incremental runs) the output goes to its own partition folders and its
    manifest to ``manifests/<run_id>.json``, the run's commit point.
    """
    started = time.time()
    staging = start_run(output)
    try:
        pipeline = beam.Pipeline(options=PipelineOptions(list(beam_args)))
        progress_dir = staging / PROGRESS_DIR
        # Without a display (--quiet) the workers note nothing: a flushed line per file was 2%
        # of a --workers 2 worker's time (py-spy, 100k dumps).
        noted = str(progress_dir) if progress else None
        build_graph(pipeline, config, inputs, str(staging), input_format, noted)
        with (
            ProgressMonitor(progress_dir, progress.total_files, progress.interval)
            if progress
            else contextlib.nullcontext()
        ):
            result = pipeline.run()
            state = result.wait_until_finish()
        if state != PipelineState.DONE:
            raise RunFailedError(f"the pipeline ended in state {state}")
        counters = read_counters(result)
        counts = totals(counters)
        if not counts["balanced"]:
            raise RunFailedError(f"documents_in != articles + rejects: {counts}")
        top_lines = read_top_lines(staging / TOP_LINES_FILE)
        publish(staging, output, partition.path if partition else None)
    finally:
        discard(staging)
    finished = time.time()
    reject_rate = counts["rejects"] / counts["documents_in"] if counts["documents_in"] else 0.0
    exceeded = max_reject_rate is not None and reject_rate > max_reject_rate
    manifest = build_manifest(
        counters,
        config=config_as_dict(config),
        inputs=inputs,
        input_format=input_format,
        beam_args=beam_args,
        timings={
            "started": _iso(started),
            "finished": _iso(finished),
            "seconds": round(finished - started, 3),
        },
    )
    manifest["site_boilerplate"] = top_lines
    manifest["guard_rails"] = {
        "reject_rate": round(reject_rate, 6),
        "max_reject_rate": max_reject_rate,
        "reject_rate_exceeded": exceeded,
    }
    manifest_path = output / "manifest.json"
    if partition:
        manifest["partition"] = {"run_id": partition.run_id, "path": partition.path}
        manifest["files"] = partition.files
        manifest_path = output / "manifests" / f"{partition.run_id}.json"
        manifest_path.parent.mkdir(exist_ok=True)
    write_manifest(manifest_path, manifest)
    if not exceeded:
        mark_success(output)
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
