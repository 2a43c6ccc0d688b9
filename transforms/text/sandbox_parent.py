"""The parent of the sandbox's children: multiprocessing's forkserver, set up by importing this.

The sandbox (text/sandbox.py) forks its children from multiprocessing's forkserver, whose one
set-up hook is the modules it imports before it serves (``set_forkserver_preload``). Imported
there, this module makes the server ignore Ctrl-C while it sets up, die with the process that
started it, and import and warm the extraction stage once; each child is then a fork of a warm
process, where a spawned child paid ~2.5 s first (importing trafilatura, 0.3-0.6 s, and
dateparser's locales on the first text date, 1.8-3.8 s). Imported anywhere else it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
from multiprocessing import forkserver

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# This process's pid once it has set up as the server; its forks inherit it, and a child whose
# parent is not this server (it died meanwhile) exits (sandbox._die_with_parent).
SERVER_PID: int | None = None


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process the moment the thread that started it ends (Linux's
    PR_SET_PDEATHSIG; a watching thread could not run while a stuck regex holds the GIL)."""
    with contextlib.suppress(AttributeError, OSError):  # no prctl: not Linux
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _in_forkserver() -> bool:
    """True while multiprocessing's forkserver imports its preload modules: its ``main`` is on
    the stack. A module name or a flag could not tell: any process may import this module."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is forkserver.main.__code__:
            return True
        frame = frame.f_back
    return False


def _set_up() -> None:
    """The server's set-up: the sandbox's guarantees first, then the warm-up."""
    global SERVER_PID
    # Ctrl-C reaches the whole process group; the launcher decides what it stops. Ignored
    # first: the warm-up takes seconds, and an interrupt in it would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The server's parent is the sandbox's long-lived starting thread. Should the parent die
    # before this line, the server still ends: the write end of its "alive" pipe is then
    # closed, and it exits when it reads that, right after this import.
    die_with_parent()
    from scrapeclean.transforms.html.extract import warm_up

    # Only speed is at stake: a warm-up that fails leaves the children to pay their first
    # calls, where an exception out of this import would end the server, and every page.
    with contextlib.suppress(Exception):
        warm_up()
    # What the server holds now (modules, dateparser's locales) lives as long as its children:
    # frozen, their collections no longer walk it (Python's gc.freeze, meant for a server that
    # forks). The extraction of wcxb-dev's 549 dev pages after the warm-up spent 0.23 s in
    # collections, 0.05 s with it frozen.
    gc.freeze()
    # Back to Python's default, which forks inherit: the server ignores SIGINT by itself from
    # its next lines on, and a child ignoring it marks that child as set up (test_signals).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    SERVER_PID = os.getpid()


if _in_forkserver():
    _set_up()
