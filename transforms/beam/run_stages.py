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

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue

from scrapeclean.transforms.beam.collector import settle_collector
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.lifeline import follow_launcher
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.sandbox import SharedSandbox
from scrapeclean.transforms.text.stages import StageCall, Step, batch_steps

REJECTS = "rejects"
MAIN = "records"
# A batch is run when it holds this many records: on 20,000 seed-like dumps in-process, 30 a
# batch saved less CPU than 100, and 100 about as much as 300 or 1,000 (docs/speed.md).
BATCH_RECORDS = 100
# ... or this many characters of text, so that a batch of large pages (a 50 MB file is one
# hostile input) holds about as much memory as one such page, not a hundred.
BATCH_CHARS = 4 * 1024 * 1024
# Batches under way at once when a stage's children are two or more: one in the text stages
# here while the next is in the children (overlapped batches, _StagesFn).
BATCHES_IN_FLIGHT = 2
# A batch under way: its elements as they came, and the Steps its stages will give.
_Underway = tuple[list[WindowedValue], Future[list[tuple[int, Step]]]]


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

    Overlapped batches: when a sandboxed stage has two or more children (a page run with
    ``--workers N``, text/sandbox.py), a full batch's stages run on a background thread and
    up to BATCHES_IN_FLIGHT batches are under way, so batch k's text stages run here while
    batch k+1's pages are in the children, which would otherwise wait for them. Outputs leave
    in the batches' order, counted on this DoFn's own thread (BundleCounters is not
    thread-safe).
    """

    def __init__(self, stages: Sequence[StageCall]) -> None:
        self._stages = tuple(stages)
        self._sandboxes: dict[str, SharedSandbox] = {}
        self._counters = BundleCounters()
        self._batches: ThreadPoolExecutor | None = None

    def setup(self) -> None:
        follow_launcher()
        settle_collector()
        self._sandboxes = {
            stage.name: SharedSandbox(stage.name, stage.timeout_seconds)
            for stage in self._stages
            if stage.timeout_seconds is not None
        }
        if any(sandbox.size() >= 2 for sandbox in self._sandboxes.values()):
            self._batches = ThreadPoolExecutor(BATCHES_IN_FLIGHT, thread_name_prefix="batch")

    def teardown(self) -> None:
        if self._batches is not None:
            self._batches.shutdown(wait=False, cancel_futures=True)
        for sandbox in self._sandboxes.values():
            sandbox.close()

    def start_bundle(self) -> None:
        self._batch: list[WindowedValue] = []
        self._chars = 0
        self._pending: deque[_Underway] = deque()  # oldest first

    def process(self, record: Any, held: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        # The element as it came (value, timestamp, windows, pane): asking for the window
        # instead would make Beam call process once per window and rebuild its arguments per
        # call (~17 us a document in a run).
        self._batch.append(held)
        self._chars += len(record.text)
        if len(self._batch) >= BATCH_RECORDS or self._chars >= BATCH_CHARS:
            if self._batches is None:
                yield from self._run_batch()
            else:
                self._start_batch()
                if len(self._pending) >= BATCHES_IN_FLIGHT:
                    yield from self._finish_oldest()

    def finish_bundle(self) -> Iterator[Any]:
        if self._batches is None:
            yield from self._run_batch()
        else:
            self._start_batch()
            while self._pending:
                yield from self._finish_oldest()
        self._counters.flush()

    def _run_batch(self) -> Iterator[Any]:
        batch, self._batch, self._chars = self._batch, [], 0
        records = [held.value for held in batch]
        yield from self._outputs(batch, batch_steps(records, self._stages, self._sandboxes))

    def _start_batch(self) -> None:
        """The batch gathered so far, on its way on a background thread (if it holds any)."""
        batch, self._batch, self._chars = self._batch, [], 0
        if batch and self._batches is not None:
            records = [held.value for held in batch]
            steps = self._batches.submit(_all_steps, records, self._stages, self._sandboxes)
            self._pending.append((batch, steps))

    def _finish_oldest(self) -> Iterator[Any]:
        """The oldest batch under way, once done: its outputs (its exception raised here)."""
        batch, steps = self._pending.popleft()
        yield from self._outputs(batch, steps.result())

    def _outputs(
        self, batch: list[WindowedValue], steps: Iterable[tuple[int, Step]]
    ) -> Iterator[Any]:
        """Count a batch's Steps and yield each element's last record, in the batch's order."""
        records = [held.value for held in batch]
        for index, step in steps:
            self._counters.inc(step.name, "in")
            records[index] = step.after
            if isinstance(step.after, Reject):
                self._counters.inc(step.name, f"rejected.{step.after.reason}")
            else:
                self._counters.inc(step.name, "out")
        for held, record in zip(batch, records, strict=True):
            placed = held.with_value(record)
            yield TaggedOutput(REJECTS, placed) if isinstance(record, Reject) else placed


def _all_steps(
    records: list[Any], stages: Sequence[StageCall], sandboxes: dict[str, SharedSandbox]
) -> list[tuple[int, Step]]:
    """``batch_steps`` run to the end (on a background thread): what the DoFn counts and yields."""
    return list(batch_steps(records, stages, sandboxes))


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
