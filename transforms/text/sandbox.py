"""Run a pure stage in a child process with a time limit.

A page that hangs an extractor, or a library that crashes, must cost one document (a
``timeout`` or ``internal_error`` reject), not the run. Threads cannot do this: a stuck regex or
parser holds the GIL and cannot be cancelled, so the child process is killed and replaced.
The child also dies with its parent, however the parent ends (issue 17).

Children are forks of one server per process (multiprocessing's forkserver, set up by
text/sandbox_parent.py), which has imported and warmed the extraction stage: a second child, and
every replacement, costs a fork instead of ~2.5 s of start-up. The chain of deaths: the server
dies with this process (the kernel's parent-death signal), each child with the server.

The sandboxes of one stage in a process are shared by the DoFn instances that run it
(SharedSandbox): a batch's records go to whichever child is free. A page run with ``--workers N``
runs Beam in one thread and gives its stage N children (``children_per_stage``).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import multiprocessing.context
import os
import queue
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import forkserver
from typing import Any, TypeVar

from scrapeclean.transforms.records import PickledAsArguments
from scrapeclean.transforms.text import sandbox_parent

MAX_STAGE_TIMEOUT_SECONDS = 86_400.0

# Children, and so the server they fork from, are started from this one thread, which lives as
# long as the process: Linux sends the parent-death signal when the *thread* that started a
# process ends, and a Beam bundle thread can end while its DoFn, and so its sandbox, lives on.
_STARTER = ThreadPoolExecutor(1, thread_name_prefix="sandbox-start")
# How many children a stage's pool in this process holds (children_per_stage): one, or N for a
# page run with --workers N.
_CHILDREN = 1

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """Per-document time limit of the stages that run sandboxed (HTML extraction)."""

    # Extraction takes 5-50 ms a page here; 30 s is far past any sane page, and a page past
    # it becomes a `timeout` reject instead of stalling its worker (issue 4).
    stage_timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        # At most a day: far past any page, and a wait longer than threading.TIMEOUT_MAX
        # (inf, say) raises OverflowError on every call, a reject for every page (issue 17).
        if not 0 < self.stage_timeout_seconds <= MAX_STAGE_TIMEOUT_SECONDS:
            raise ValueError(
                f"stage_timeout_seconds: must be > 0 and <= {MAX_STAGE_TIMEOUT_SECONDS:g}"
            )


class StageTimeoutError(Exception):
    """The stage ran past its time limit on this record; its process was killed."""


class StageCrashedError(Exception):
    """The stage's process died on this record (a segfault or an out-of-memory kill)."""


class Sandbox:
    """One long-lived child process that runs ``fn(record, section)`` calls one at a time.

    The child starts on first use, forked from the warm server (not from this process: no
    forked gRPC threads from a Beam worker), and is killed and replaced after a timeout or a
    crash. Functions and records are pickled, so ``fn`` must be a module-level function.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._pool: ProcessPoolExecutor | None = None

    def call(self, fn: Callable[[Any, Any], Any], record: Any, section: Any) -> Any:
        """``fn(record, section)`` in the child; StageTimeoutError or StageCrashedError if not.

        A record whose child dies goes once more to a new child, and is a crash only if that
        one dies too: a child can die between records (the OOM killer picks the biggest
        process, a user kills it), and the next record, no cause of it, must not pay. A fork of
        the warm server makes the second try cheap; a timeout is not tried again.
        """
        flat = _flat(record)
        for _ in range(2):
            if self._pool is None:
                self._pool = _STARTER.submit(_start, fn.__module__).result()
            try:
                future = self._pool.submit(_call, fn, flat, section)
                return _rebuilt(future.result(timeout=self._timeout))
            except FutureTimeoutError:
                self.close()
                raise StageTimeoutError(f"took longer than {self._timeout:g} s") from None
            except BrokenProcessPool:
                self.close()
        raise StageCrashedError("the stage's process died on this record, twice")

    def map(self, work: Callable[[T], U], items: Sequence[T]) -> list[U]:
        """``work`` on each item in order, here: each of its calls to this sandbox waits for
        the one before (SharedSandbox.map spreads them over a process's children)."""
        return [work(item) for item in items]

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


@contextlib.contextmanager
def children_per_stage(count: int) -> Iterator[None]:
    """Meanwhile, a stage's pool in this process holds ``count`` children: the SharedSandboxes
    made meanwhile bring their pool up to that many. A page run with ``--workers N`` runs Beam
    in one thread (pipeline/cli/main.py's plan_workers) and its extraction in N children."""
    global _CHILDREN
    before, _CHILDREN = _CHILDREN, count
    try:
        yield
    finally:
        _CHILDREN = before


class SharedSandbox:
    """One DoFn instance's share of the sandboxes its process runs a stage in: its own
    Sandboxes join a pool (one per stage name and time limit in the process), and a call goes
    to whichever Sandbox of the pool is free. It brings one Sandbox, or as many as bring the
    pool up to ``children_per_stage``.

    Why: a page's time is in its child (45 of ~55 ms of CPU on wcxb-dev's dev part), so one
    Beam thread feeds N children, without the in-process gRPC data plane and contending
    threads of Beam's multi_threading mode (the tree's CPU on those 549 pages, medians of three
    rounds: 27.7 s as two Beam threads, 26.2 s as one feeding two children, 26.0 s with one
    child; docs/html-quality.md). Pages of a batch go to every free child at once, and a second
    thread's instance, should there be one, shares the children instead of idling its own.
    A page's result does not depend on which child extracted it (html/extract.py's warm_up).
    """

    def __init__(self, name: str, timeout_seconds: float) -> None:
        self._pool = _shared_pool((name, timeout_seconds))
        self._own = self._pool.join_up_to(_CHILDREN, timeout_seconds)

    def size(self) -> int:
        """How many Sandboxes the pool holds: how many calls it serves at once."""
        return self._pool.size()

    def call(self, fn: Callable[[Any, Any], Any], record: Any, section: Any) -> Any:
        """``Sandbox.call`` in the first free sandbox of the pool (this one's own included)."""
        return self._pool.call(fn, record, section)

    def map(self, work: Callable[[T], U], items: Sequence[T]) -> list[U]:
        """``work`` on each item, results in order; as many items at once as the pool holds
        sandboxes, so ``work``'s calls to this SharedSandbox keep every free child busy."""
        size = self._pool.size()
        if size < 2 or len(items) < 2:
            return [work(item) for item in items]
        with ThreadPoolExecutor(min(size, len(items)), thread_name_prefix="sandbox-call") as calls:
            return list(calls.map(work, items))

    def close(self) -> None:
        """Leave the pool: this one's own children are killed once no call is using them."""
        for sandbox in self._own:
            self._pool.leave(sandbox)


class _Pool:
    """The Sandboxes that have joined and not left; each serves one call at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: set[Sandbox] = set()
        self._busy: set[Sandbox] = set()
        # Free members; one that left while free stays queued, closed, and is passed over.
        self._free: queue.SimpleQueue[Sandbox] = queue.SimpleQueue()

    def size(self) -> int:
        with self._lock:
            return len(self._members)

    def join_up_to(self, count: int, timeout_seconds: float) -> list[Sandbox]:
        """New Sandboxes, joined: one, or as many as make ``count`` members."""
        with self._lock:
            joined = [Sandbox(timeout_seconds) for _ in range(max(1, count - len(self._members)))]
            self._members.update(joined)
        for sandbox in joined:
            self._free.put(sandbox)
        return joined

    def leave(self, sandbox: Sandbox) -> None:
        self._settle(sandbox, self._members)

    def call(self, fn: Callable[[Any, Any], Any], record: Any, section: Any) -> Any:
        sandbox = self._acquire()
        try:
            return sandbox.call(fn, record, section)
        finally:
            self._release(sandbox)

    def _acquire(self) -> Sandbox:
        # A caller is itself a member until it leaves, so a member is always on its way back.
        while True:
            sandbox = self._free.get()
            with self._lock:
                if sandbox in self._members:
                    self._busy.add(sandbox)
                    return sandbox

    def _release(self, sandbox: Sandbox) -> None:
        self._settle(sandbox, self._busy)

    def _settle(self, sandbox: Sandbox, was_in: set[Sandbox]) -> None:
        """Take ``sandbox`` out of ``was_in`` (the members when it leaves, the busy when its
        call returns), then put it where it now belongs: with the call that holds it, which
        settles it when it returns; back in the free queue while a member; else closed."""
        with self._lock:
            was_in.discard(sandbox)
            busy, member = sandbox in self._busy, sandbox in self._members
        if busy:
            return
        if member:
            self._free.put(sandbox)
        else:
            sandbox.close()


_POOLS: dict[tuple[str, float], _Pool] = {}
_POOLS_LOCK = threading.Lock()


def _shared_pool(key: tuple[str, float]) -> _Pool:
    with _POOLS_LOCK:
        return _POOLS.setdefault(key, _Pool())


def start_server() -> None:
    """Start this process's server now, in the background: its warm-up (~2.5 s) then runs while
    the caller starts the rest of the run (the launcher builds and starts the Beam pipeline,
    ~3 s), and the first child is a fork instead of a wait. Without this the first call starts
    it."""
    _STARTER.submit(_ensure_server)


def _ensure_server() -> None:
    _server_context()
    forkserver.ensure_running()


def _server_context() -> multiprocessing.context.ForkServerContext:
    """multiprocessing's forkserver context, its server set up by text/sandbox_parent.py. The
    server is one per process; the preload list is set for its first start, and again for a
    start after it died."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([sandbox_parent.__name__])
    return context


def _start(module: str) -> ProcessPoolExecutor:
    """A pool of one child that has imported ``module``: started here, outside the time limit,
    because the server's first start on a loaded machine takes seconds and is no fault of the
    first record.
    """
    pool = ProcessPoolExecutor(1, mp_context=_server_context(), initializer=_die_with_parent)
    with _main_left_behind():
        future = pool.submit(_import, module)  # the pool launches its child here
    future.result()
    return pool


@contextlib.contextmanager
def _main_left_behind() -> Iterator[None]:
    """While a child is launched, ``__main__`` is a copy that names no module or file.

    A child forked from the server runs the parent's main module again (multiprocessing's
    preparation data names it); in a Beam worker that is sdk_worker_main, which imports all of
    Beam (1.3 s a child here, against 0.1 s without), and in the CLI the whole command line.
    The child needs only the stage's module (``fn`` pickles by reference to it). The copy
    keeps main's names for any thread that looks there meanwhile.
    """
    main = sys.modules["__main__"]
    stand_in = types.ModuleType("__main__")
    stand_in.__dict__.update(main.__dict__)
    stand_in.__spec__ = None
    stand_in.__dict__.pop("__file__", None)
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _die_with_parent() -> None:
    """In the child, first: the kernel kills it the moment the server it was forked from dies
    (which dies with this sandbox's process), and it ignores SIGINT, which Ctrl-C sends to the
    whole process group: the launcher decides."""
    sandbox_parent.die_with_parent()
    # The server died before the signal was asked for, or the process's forkserver is not ours
    # (started before the sandbox's, without its preload): nothing would end this child.
    if os.getppid() != sandbox_parent.SERVER_PID:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # last: tests take it as "set up"


def _flat(record: Any) -> Any:
    """A record as (its class, its constructor's arguments), so the pipe to the child carries the
    text as it is. A record's own pickling compresses it (records.PickledAsArguments) for Beam's
    buffers; across a local pipe that is lost work: sending an HTML page to the child and
    reading it there took 3.8 ms that way, 0.4 ms flat (wcxb-dev's dev part, 180k characters a
    page on average).
    """
    return (
        (_Flat, type(record), record.arguments())
        if isinstance(record, PickledAsArguments)
        else record
    )


class _Flat:
    """Marks a record sent as (class, arguments) by ``_flat``."""


def _rebuilt(value: Any) -> Any:
    """The record ``_flat`` sent, built again; anything else as it came."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] is _Flat:
        return value[1](*value[2])
    return value


def _call(fn: Callable[[Any, Any], Any], record: Any, section: Any) -> Any:
    """In the child: ``fn`` on the record ``_flat`` sent, its result flat for the way back."""
    return _flat(fn(_rebuilt(record), section))


def _import(module: str) -> None:
    """Import a module in the child (returns nothing: a module object does not pickle)."""
    importlib.import_module(module)
