"""RunStage: the one thin Beam wrapper around a pure per-record stage.

It counts, routes rejects to a tagged output and turns an unexpected exception into an
``internal_error`` reject for that one record. It holds no text logic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from transforms.records import Reject, RejectReason

REJECTS = "rejects"
MAIN = "records"
_LOG = logging.getLogger(__name__)


class _StageFn(beam.DoFn):
    def __init__(self, name: str, fn: Callable[[Any, Any], Any], section: Any) -> None:
        self._name = name
        self._fn = fn
        self._section = section
        self._in = Metrics.counter(name, "in")
        self._out = Metrics.counter(name, "out")

    def process(self, record: Any) -> Iterator[Any]:
        self._in.inc()
        try:
            result = self._fn(record, self._section)
        except Exception as error:  # the dead-letter output: never log-and-drop
            _LOG.debug("stage %s failed on %s", self._name, record.source, exc_info=True)
            detail = f"{self._name}: {error!r}"[:2000]
            result = Reject.of(record, RejectReason.INTERNAL_ERROR, detail)
        if isinstance(result, Reject):
            Metrics.counter(self._name, f"rejected.{result.reason}").inc()
            yield TaggedOutput(REJECTS, result)
        else:
            self._out.inc()
            yield result


class RunStage(beam.PTransform):
    """Apply a pure stage ``fn(record, section) -> record | Reject`` to every element.

    Outputs: ``records`` (main) with what the stage passed, ``rejects`` with a Reject for every
    element it refused or that raised (``internal_error``). Every input element comes out exactly
    once. Counters in namespace ``name``: ``in``, ``out``, ``rejected.<reason>``.
    """

    def __init__(self, name: str, fn: Callable[[Any, Any], Any], section: Any) -> None:
        super().__init__()
        self._name = name
        self._fn = fn
        self._section = section

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        fn = _StageFn(self._name, self._fn, self._section)
        return records | beam.ParDo(fn).with_outputs(REJECTS, main=MAIN)
