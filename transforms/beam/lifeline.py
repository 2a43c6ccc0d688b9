"""The processes of a run end with the ``scrapeclean`` process that launched it, however it
ends (issue 17): Beam's ``--workers`` processes watch the launcher from their DoFns' setup,
and the launcher kills every process below it when a signal stops the run.

Linux only (pidfd, /proc); elsewhere nothing here acts. The sandbox's child has its own
guard (transforms/text/sandbox.py). docs/exit-codes.md says what a user sees.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import select
import signal
import threading
from multiprocessing import resource_tracker
from pathlib import Path
from typing import NoReturn

LAUNCHER_ENV = "SCRAPECLEAN_LAUNCHER_PID"


def mark_launcher() -> None:
    """Name this process as the launcher in the environment its worker processes inherit."""
    os.environ[LAUNCHER_ENV] = str(os.getpid())


@functools.cache  # once per process, whichever DoFn sets up first
def follow_launcher() -> None:
    """In a Beam worker process: exit as soon as the launcher is gone, and leave Ctrl-C to it.

    A thread blocks on a pidfd of the launcher, which becomes readable when the launcher dies,
    by any signal: no polling, no pid reuse. Not os.getppid(): Beam starts its workers through
    ``/bin/sh -c``, and the shell outlives the launcher. Not PR_SET_PDEATHSIG: the launcher's
    thread that started the worker may end before the launcher does. In the launcher itself
    (no worker processes: in_memory) this does nothing.
    """
    launcher = int(os.environ.get(LAUNCHER_ENV, "0"))
    if launcher in (0, os.getpid()):
        return
    # Ctrl-C signals the whole process group, and Python's KeyboardInterrupt would print a
    # traceback here while the launcher ends the run. signal.signal() works only in the main
    # thread, and DoFns set up in Beam's bundle threads; the disposition is per process, so
    # libc sets it from this thread.
    with contextlib.suppress(AttributeError, OSError):
        libc = ctypes.CDLL(None)
        libc.signal.restype = ctypes.c_void_p
        libc.signal(signal.SIGINT, ctypes.c_void_p(signal.SIG_IGN))
    try:
        handle = os.pidfd_open(launcher)
    except ProcessLookupError:  # gone before this worker set up
        _exit_orphaned()
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+): Beam's gRPC errors end us
        return
    watcher = threading.Thread(target=_exit_when_ready, args=(handle,), daemon=True)
    watcher.name = "scrapeclean-launcher-watch"
    watcher.start()


def _exit_when_ready(handle: int) -> None:
    select.select([handle], [], [])
    _exit_orphaned()


def _exit_orphaned() -> NoReturn:
    # Its own children first, resource tracker included: once this process is gone the tracker
    # would print a warning about the semaphores it held; nothing here is worth a clean exit.
    end_children(spare_tracker=False)
    os._exit(1)


def end_children(spare_tracker: bool) -> None:
    """SIGKILL every process below this one.

    All are stopped (SIGSTOP) first, the tree walked again until no new process shows up, and
    only then killed: killed one by one, a worker whose sandbox child had just died would
    start another, and a resource tracker whose process had died would print warnings.

    With ``spare_tracker``, multiprocessing's resource tracker of this process lives on: it
    exits by itself once this process does, and killed early it would be relaunched, with a
    warning, when this process releases its semaphores. Its pid is private to multiprocessing;
    where it is missing, no process is spared.
    """
    spared = getattr(resource_tracker._resource_tracker, "_pid", None) if spare_tracker else None
    frozen: set[int] = set()
    while new := [p for p in descendants(os.getpid()) if p not in frozen and p != spared]:
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen.update(new)
    for pid in frozen:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already
        os.kill(pid, signum)


def descendants(root: int) -> list[int]:
    """Every process below ``root``, parents before their children (from Linux's /proc; none
    where there is no /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        parent = int(text.rpartition(")")[2].split()[1])  # the name in (...) may hold spaces
        children.setdefault(parent, []).append(int(stat.parent.name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found
