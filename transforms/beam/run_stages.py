"""RunStages: the one thin Beam wrapper around a sequence of pure per-record stages.

It runs the stages in order on each element in one step, counts, routes rejects to a tagged
output and turns an unexpected exception into an ``internal_error`` reject for that one record.
It holds no text logic. One step for the whole chain, not one per stage: a Beam step costs
microseconds per element in wrapping and counting, which adds up over six light stages.

Elements are gathered into small batches that each stage takes in turn (``batch_steps``): the
stages then keep their code and tables in the CPU's caches, which one document at a time they
evict from each other (a quarter of the run's CPU on seed-like dumps, docs/speed.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue

from scrapeclean.transforms.beam.collector import settle_collector
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.lifeline import follow_launcher
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.sandbox import SharedSandbox
from scrapeclean.transforms.text.stages import StageCall, batch_steps

REJECTS = "rejects"
MAIN = "records"
# A batch is run when it holds this many records: on 20,000 seed-like dumps in-process, 30 a
# batch saved less CPU than 100, and 100 about as much as 300 or 1,000 (docs/speed.md).
BATCH_RECORDS = 100
# ... or this many characters of text, so that a batch of large pages (a 50 MB file is one
# hostile input) holds about as much memory as one such page, not a hundred.
BATCH_CHARS = 4 * 1024 * 1024


def route(counters: BundleCounters, namespace: str, record: Any) -> Any:
    """What a DoFn yields for ``record``: itself, counted ``out``, or for a Reject, the Reject
    on the ``rejects`` output, counted ``rejected.<reason>`` (in ``namespace``)."""
    if isinstance(record, Reject):
        counters.inc(namespace, f"rejected.{record.reason}")
        return TaggedOutput(REJECTS, record)
    counters.inc(namespace, "out")
    return record


class _StagesFn(beam.DoFn):
    """The stages over batches of records through ``batch_steps`` (the Steps the plain chain's
    ``stage_steps`` takes, stage by stage over the batch); sandboxed stages get their child
    process here, once per DoFn instance.

    A batch holds each element with its own timestamp, windows and pane, and each output leaves
    with them: a record comes out where it would have one at a time (``watch`` windows the
    records after this step, by their timestamps). The bundle's last batch runs in
    ``finish_bundle``.
    """

    def __init__(self, stages: Sequence[StageCall]) -> None:
        self._stages = tuple(stages)
        self._sandboxes: dict[str, SharedSandbox] = {}
        self._counters = BundleCounters()

    def setup(self) -> None:
        follow_launcher()
        settle_collector()
        self._sandboxes = {
            stage.name: SharedSandbox(stage.name, stage.timeout_seconds)
            for stage in self._stages
            if stage.timeout_seconds is not None
        }

    def teardown(self) -> None:
        for sandbox in self._sandboxes.values():
            sandbox.close()

    def start_bundle(self) -> None:
        self._batch: list[WindowedValue] = []
        self._chars = 0

    def process(self, record: Any, held: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        # The element as it came (value, timestamp, windows, pane): asking for the window
        # instead would make Beam call process once per window and rebuild its arguments per
        # call (~17 us a document in a run).
        self._batch.append(held)
        self._chars += len(record.text)
        if len(self._batch) >= BATCH_RECORDS or self._chars >= BATCH_CHARS:
            yield from self._run_batch()

    def finish_bundle(self) -> Iterator[Any]:
        yield from self._run_batch()
        self._counters.flush()

    def _run_batch(self) -> Iterator[Any]:
        batch, self._batch, self._chars = self._batch, [], 0
        records = [held.value for held in batch]
        for index, step in batch_steps(records, self._stages, self._sandboxes):
            self._counters.inc(step.name, "in")
            records[index] = step.after
            if isinstance(step.after, Reject):
                self._counters.inc(step.name, f"rejected.{step.after.reason}")
            else:
                self._counters.inc(step.name, "out")
        for held, record in zip(batch, records, strict=True):
            placed = held.with_value(record)
            yield TaggedOutput(REJECTS, placed) if isinstance(record, Reject) else placed


class RunStages(beam.PTransform):
    """Run ``stages`` in order on every element; the first reject ends that element's way.

    Outputs: ``records`` (main) with what every stage passed, ``rejects`` with a Reject for
    every element a stage refused, that raised (``internal_error``) or that ran past its
    timeout (``timeout``). Every input element comes out exactly once. Counters in each stage's
    namespace: ``in``, ``out``, ``rejected.<reason>`` (a stage after a reject does not see it).
    """

    def __init__(self, stages: Sequence[StageCall]) -> None:
        super().__init__()
        if len({stage.name for stage in stages}) != len(stages):
            raise ValueError("stage names must differ: they are the metrics namespaces")
        self._fn = _StagesFn(stages)

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return records | beam.ParDo(self._fn).with_outputs(REJECTS, main=MAIN)
