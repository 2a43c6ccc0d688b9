"""Run a command and measure it: wall time, /usr/bin/time's max RSS of the largest process, the
peak summed RSS of the whole process tree (Beam workers and sandbox children included), polled
every 0.1 s from /proc, and the CPU time of every process of the tree. Shared by the benchmark
scripts."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one measured command cost."""

    returncode: int
    seconds: float
    max_rss_mb: float  # /usr/bin/time -v: the largest single process
    tree_peak_mb: float  # the whole process tree, polled
    stdout: str
    cpu_seconds: float = 0.0  # user + system of every process of the tree


def tree_rss_kb(pid: int) -> int:
    """Summed VmRSS of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue  # exited meanwhile, or a kernel thread without VmRSS
    return total


_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def children() -> set[int]:
    """This process's children, from /proc: orphans it adopted as a subreaper included."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def reap_adopted(before: set[int], seconds: float = 30.0) -> None:
    """Wait for the processes the command left behind and this one adopted: the sandbox's
    forkserver outlives the launcher by a moment, and only a reaped process's CPU counts."""
    deadline = time.monotonic() + seconds
    while (adopted := children() - before) and time.monotonic() < deadline:
        for pid in adopted:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def measure(command: list[str]) -> Measurement:
    """Run ``command`` under /usr/bin/time -v, poll its process tree's memory, and sum its CPU.

    This process becomes a subreaper, so a process whose parent ended first (the sandbox's
    forkserver) is reaped here and its CPU counted (RUSAGE_CHILDREN), not lost to init.
    """
    with contextlib.suppress(AttributeError, OSError):  # no prctl: not Linux
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)
    before = children()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.monotonic()
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", report.name, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.1)
        seconds = time.monotonic() - started
        reap_adopted(before)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stdout = process.stdout.read() if process.stdout else ""
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())
    return Measurement(
        process.returncode,
        seconds,
        int(match.group(1)) / 1024 if match else 0.0,
        peak / 1024,
        stdout,
        (after.ru_utime + after.ru_stime) - (used.ru_utime + used.ru_stime),
    )
