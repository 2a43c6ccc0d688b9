"""RunStages: the one thin Beam wrapper around a sequence of pure per-record stages.

It runs the stages in order on each element in one step, counts, routes rejects to a tagged
output and turns an unexpected exception into an ``internal_error`` reject for that one record.
It holds no text logic. One step for the whole chain, not one per stage: a Beam step costs
microseconds per element in wrapping and counting, which adds up over six light stages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.lifeline import follow_launcher
from scrapeclean.transforms.records import Reject
from scrapeclean.transforms.text.sandbox import Sandbox
from scrapeclean.transforms.text.stages import StageCall, stage_steps

REJECTS = "rejects"
MAIN = "records"


def route(counters: BundleCounters, namespace: str, record: Any) -> Any:
    """What a DoFn yields for ``record``: itself, counted ``out``, or for a Reject, the Reject
    on the ``rejects`` output, counted ``rejected.<reason>`` (in ``namespace``)."""
    if isinstance(record, Reject):
        counters.inc(namespace, f"rejected.{record.reason}")
        return TaggedOutput(REJECTS, record)
    counters.inc(namespace, "out")
    return record


class _StagesFn(beam.DoFn):
    """The stages over each record through ``stage_steps``, the loop the plain chain runs too;
    sandboxed stages get their child process here, once per DoFn instance."""

    def __init__(self, stages: Sequence[StageCall]) -> None:
        self._stages = tuple(stages)
        self._sandboxes: dict[str, Sandbox] = {}
        self._counters = BundleCounters()

    def setup(self) -> None:
        follow_launcher()
        self._sandboxes = {
            stage.name: Sandbox(stage.timeout_seconds)
            for stage in self._stages
            if stage.timeout_seconds is not None
        }

    def teardown(self) -> None:
        for sandbox in self._sandboxes.values():
            sandbox.close()

    def process(self, record: Any) -> Iterator[Any]:
        for step in stage_steps(record, self._stages, self._sandboxes):
            self._counters.inc(step.name, "in")
            record = step.after
            if isinstance(record, Reject):
                self._counters.inc(step.name, f"rejected.{record.reason}")
                yield TaggedOutput(REJECTS, record)
                return
            self._counters.inc(step.name, "out")
        yield record

    def finish_bundle(self) -> None:
        self._counters.flush()


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
