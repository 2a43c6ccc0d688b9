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
from transforms.sandbox import Sandbox, StageTimeoutError

REJECTS = "rejects"
MAIN = "records"
_LOG = logging.getLogger(__name__)


class _StageFn(beam.DoFn):
    def __init__(
        self,
        name: str,
        fn: Callable[[Any, Any], Any],
        section: Any,
        timeout_seconds: float | None,
        applies: Callable[[Any], bool] | None,
    ) -> None:
        self._name = name
        self._fn = fn
        self._section = section
        self._timeout = timeout_seconds
        self._applies = applies
        self._sandbox: Sandbox | None = None
        self._in = Metrics.counter(name, "in")
        self._out = Metrics.counter(name, "out")

    def setup(self) -> None:
        if self._timeout is not None:
            self._sandbox = Sandbox(self._timeout)

    def teardown(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()

    def process(self, record: Any) -> Iterator[Any]:
        self._in.inc()
        if self._applies is not None and not self._applies(record):
            result = record
        else:
            result = self._call(record)
        if isinstance(result, Reject):
            Metrics.counter(self._name, f"rejected.{result.reason}").inc()
            yield TaggedOutput(REJECTS, result)
        else:
            self._out.inc()
            yield result

    def _call(self, record: Any) -> Any:
        try:
            if self._sandbox is not None:
                return self._sandbox.call(self._fn, record, self._section)
            return self._fn(record, self._section)
        except StageTimeoutError as error:
            return Reject.of(record, RejectReason.TIMEOUT, f"{self._name}: {error}")
        except Exception as error:  # the dead-letter output: never log-and-drop
            _LOG.debug("stage %s failed on %s", self._name, record.source, exc_info=True)
            detail = f"{self._name}: {error!r}"[:2000]
            return Reject.of(record, RejectReason.INTERNAL_ERROR, detail)


class RunStage(beam.PTransform):
    """Apply a pure stage ``fn(record, section) -> record | Reject`` to every element.

    Outputs: ``records`` (main) with what the stage passed, ``rejects`` with a Reject for every
    element it refused, that raised (``internal_error``) or that ran past ``timeout_seconds``
    (``timeout``; the call then runs in a killable child process, transforms/sandbox.py).
    Elements for which ``applies`` is false pass untouched. Every input element comes out
    exactly once. Counters in namespace ``name``: ``in``, ``out``, ``rejected.<reason>``.
    """

    def __init__(
        self,
        name: str,
        fn: Callable[[Any, Any], Any],
        section: Any,
        timeout_seconds: float | None = None,
        applies: Callable[[Any], bool] | None = None,
    ) -> None:
        super().__init__()
        self._fn = _StageFn(name, fn, section, timeout_seconds, applies)

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return records | beam.ParDo(self._fn).with_outputs(REJECTS, main=MAIN)
