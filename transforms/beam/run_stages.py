"""RunStages: the one thin Beam wrapper around a sequence of pure per-record stages.

It runs the stages in order on each element in one step, counts, routes rejects to a tagged
output and turns an unexpected exception into an ``internal_error`` reject for that one record.
It holds no text logic. One step for the whole chain, not one per stage: a Beam step costs
microseconds per element in wrapping and counting, which adds up over six light stages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.records import Reject, RejectReason
from scrapeclean.transforms.text.sandbox import Sandbox, StageTimeoutError
from scrapeclean.transforms.text.stages import StageCall

REJECTS = "rejects"
MAIN = "records"
_LOG = logging.getLogger(__name__)


def route(counters: BundleCounters, namespace: str, record: Any) -> Any:
    """What a DoFn yields for ``record``: itself, counted ``out``, or for a Reject, the Reject
    on the ``rejects`` output, counted ``rejected.<reason>`` (in ``namespace``)."""
    if isinstance(record, Reject):
        counters.inc(namespace, f"rejected.{record.reason}")
        return TaggedOutput(REJECTS, record)
    counters.inc(namespace, "out")
    return record


class _StagesFn(beam.DoFn):
    def __init__(self, stages: Sequence[StageCall]) -> None:
        self._stages = tuple(stages)
        self._sandboxes: dict[str, Sandbox] = {}
        self._counters = BundleCounters()

    def setup(self) -> None:
        self._sandboxes = {
            stage.name: Sandbox(stage.timeout_seconds)
            for stage in self._stages
            if stage.timeout_seconds is not None
        }

    def teardown(self) -> None:
        for sandbox in self._sandboxes.values():
            sandbox.close()

    def process(self, record: Any) -> Iterator[Any]:
        for stage in self._stages:
            self._counters.inc(stage.name, "in")
            if stage.applies is None or stage.applies(record):
                record = self._call(stage, record)
            if isinstance(record, Reject):
                self._counters.inc(stage.name, f"rejected.{record.reason}")
                yield TaggedOutput(REJECTS, record)
                return
            self._counters.inc(stage.name, "out")
        yield record

    def finish_bundle(self) -> None:
        self._counters.flush()

    def _call(self, stage: StageCall, record: Any) -> Any:
        try:
            sandbox = self._sandboxes.get(stage.name)
            if sandbox is not None:
                return sandbox.call(stage.fn, record, stage.section)
            return stage.fn(record, stage.section)
        except StageTimeoutError as error:
            return Reject.of(record, RejectReason.TIMEOUT, f"{stage.name}: {error}")
        except Exception as error:  # the dead-letter output: never log-and-drop
            _LOG.debug("stage %s failed on %s", stage.name, record.source, exc_info=True)
            detail = f"{stage.name}: {error!r}"[:2000]
            return Reject.of(record, RejectReason.INTERNAL_ERROR, detail)


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
