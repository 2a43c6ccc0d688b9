"""run(): execute the job into a staging folder, check the accounting, publish, then _SUCCESS.

Readers see either the previous complete output or the new one with _SUCCESS written last;
a failed run leaves no _SUCCESS behind.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState

from pipeline.config import RunConfig, config_as_dict
from pipeline.graph import build_graph
from pipeline.manifest import Counters, build_manifest, totals, write_manifest

SUCCESS = "_SUCCESS"
PUBLISHED = ("articles", "rejects")


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


def run(
    config: RunConfig,
    inputs: Sequence[str],
    output: Path,
    beam_args: Sequence[str],
    input_format: str = "auto",
) -> RunSummary:
    """Run the pipeline over ``inputs`` and publish a complete dataset under ``output``."""
    started = time.time()
    output.mkdir(parents=True, exist_ok=True)
    (output / SUCCESS).unlink(missing_ok=True)
    staging = output / f"_staging-{uuid.uuid4().hex[:12]}"  # "_": dataset readers skip it
    try:
        pipeline = beam.Pipeline(options=PipelineOptions(list(beam_args)))
        build_graph(pipeline, config, inputs, str(staging), input_format)
        result = pipeline.run()
        state = result.wait_until_finish()
        if state != PipelineState.DONE:
            raise RunFailedError(f"the pipeline ended in state {state}")
        counters = read_counters(result)
        counts = totals(counters)
        if not counts["balanced"]:
            raise RunFailedError(f"documents_in != articles + rejects: {counts}")
        publish(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    finished = time.time()
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
    write_manifest(output / "manifest.json", manifest)
    (output / SUCCESS).write_text("", encoding="utf-8")
    return RunSummary(
        output=output,
        documents_in=counts["documents_in"],
        articles=counts["articles"],
        rejects=counts["rejects"],
        rejects_by_reason=manifest["rejects_by_reason"],
        seconds=manifest["timings"]["seconds"],
    )


def read_counters(result: PipelineResult) -> Counters:
    """Every Beam counter of a finished run as {(namespace, name): value}."""
    counters: dict[tuple[str, str], int] = {}
    for counter in result.metrics().query()["counters"]:
        key = (counter.key.metric.namespace, counter.key.metric.name)
        value = counter.committed if counter.committed is not None else counter.attempted
        counters[key] = counters.get(key, 0) + int(value or 0)
    return counters


def publish(staging: Path, output: Path) -> None:
    """Replace the published folders with the staged ones, each by one rename."""
    for name in PUBLISHED:
        target = output / name
        if target.exists():
            shutil.rmtree(target)
        (staging / name).mkdir(parents=True, exist_ok=True)
        (staging / name).rename(target)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
