"""How a run stops: the first SIGINT or SIGTERM ends it at once, its processes with it, unless
it is already publishing.

The handler kills every process below this one (transforms/beam/lifeline.py) and raises
``Stopped``; run() removes its staging folder on the way out, so nothing is published and the
output folder keeps what it held. The CLI turns ``Stopped`` into exit status 130 or 143
(docs/exit-codes.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator

from scrapeclean.transforms.beam.lifeline import end_children

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_LOG = logging.getLogger(__name__)


class Stopped(BaseException):
    """SIGINT or SIGTERM stopped the run. A BaseException, as KeyboardInterrupt is, so that no
    ``except Exception`` on the way up can swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Stopping:
    """The signal state of one stop_on_signals block."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.publishing = False

    def handle(self, signum: int, frame: object) -> None:
        if self.publishing:  # a few renames from done: the run finishes and exits as usual
            return
        if self.signum is not None:  # a second one: stop now (the next run removes leftovers,
            os._exit(128 + signum)  # as after a SIGKILL)
        self.signum = signum
        _quiet_teardown()
        end_children(spare_tracker=True)
        raise Stopped(signum)


_active: _Stopping | None = None


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM kills every child process and raises
    ``Stopped`` in the main thread; a second one ends the process at once.

    Beam re-raises an exception from inside a DoFn as another type (a RuntimeError that names
    the step); whatever comes out of the block after a signal leaves it as ``Stopped``. Only
    the main thread may handle signals; elsewhere (an embedding program) the block does nothing.
    """
    global _active
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state = _Stopping()
    previous = {sig: signal.signal(sig, state.handle) for sig in STOP_SIGNALS}
    _active = state
    try:
        yield
    except BaseException:
        if state.signum is None:
            raise
        raise Stopped(state.signum) from None
    finally:
        _active = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if state.signum is not None:  # undo _quiet_teardown
            logging.disable(logging.NOTSET)
            threading.excepthook = threading.__excepthook__


def publishing() -> None:
    """Note that the run has started to publish: a signal from now on no longer stops it.

    Publishing is a few renames and the manifest; stopped half-way, a folder of the previous
    output would already be swapped out while no manifest describes the new one.
    """
    if _active is None:
        return
    if _active.signum is not None:  # stopped already, whatever came of Stopped on its way
        raise Stopped(_active.signum)
    _active.publishing = True


def _quiet_teardown() -> None:
    """Silence what Beam logs while it winds down after a stop: errors of the worker processes
    just killed, which are the stop itself, not faults (they stay at DEBUG)."""
    logging.disable(logging.CRITICAL)
    threading.excepthook = lambda args: _LOG.debug(
        "thread %s after a stop", args.thread, exc_info=(args.exc_type, args.exc_value, None)
    )
