"""Run a command and measure it: wall time, /usr/bin/time's max RSS of the largest process, and
the peak summed RSS of the whole process tree (Beam workers and sandbox children included),
polled every 0.1 s from /proc. Shared by the benchmark scripts."""

from __future__ import annotations

import re
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


def measure(command: list[str]) -> Measurement:
    """Run ``command`` under /usr/bin/time -v and poll its process tree's memory."""
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
        stdout = process.stdout.read() if process.stdout else ""
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())
    return Measurement(
        process.returncode,
        seconds,
        int(match.group(1)) / 1024 if match else 0.0,
        peak / 1024,
        stdout,
    )
