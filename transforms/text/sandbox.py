"""Run a pure stage in a child process with a time limit.

A page that hangs an extractor, or a library that crashes, must cost one document (a
``timeout`` or ``internal_error`` reject), not the run. Threads cannot do this: a stuck regex or
parser holds the GIL and cannot be cancelled, so the child process is killed and replaced.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """Per-document time limit of the stages that run sandboxed (HTML extraction)."""

    # Extraction takes 5-50 ms a page here; 30 s is far past any sane page, and a page past
    # it becomes a `timeout` reject instead of stalling its worker (issue 4).
    stage_timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.stage_timeout_seconds > 0:
            raise ValueError("stage_timeout_seconds: must be > 0")


class StageTimeoutError(Exception):
    """The stage ran past its time limit on this record; its process was killed."""


class StageCrashedError(Exception):
    """The stage's process died on this record (a segfault or an out-of-memory kill)."""


class Sandbox:
    """One long-lived child process that runs ``fn(record, section)`` calls one at a time.

    The child starts on first use ("spawn": no forked gRPC threads from a Beam worker) and is
    killed and replaced after a timeout or a crash. Functions and records are pickled, so
    ``fn`` must be a module-level function.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._pool: ProcessPoolExecutor | None = None

    def call(self, fn: Callable[[Any, Any], Any], record: Any, section: Any) -> Any:
        """``fn(record, section)`` in the child; StageTimeoutError or StageCrashedError if not."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            # Start the child and import the stage's module outside the time limit: a cold
            # start on a loaded machine takes seconds and is no fault of the first record.
            self._pool.submit(_import, fn.__module__).result()
        future = self._pool.submit(fn, record, section)
        try:
            return future.result(timeout=self._timeout)
        except FutureTimeoutError:
            self.close()
            raise StageTimeoutError(f"took longer than {self._timeout:g} s") from None
        except BrokenProcessPool:
            self.close()
            raise StageCrashedError("the stage's process died") from None

    def close(self) -> None:
        """Kill the child process, if any; the next call starts a new one."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())  # no public API for this
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)


def _import(module: str) -> None:
    """Import a module in the child (returns nothing: a module object does not pickle)."""
    importlib.import_module(module)
