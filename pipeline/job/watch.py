"""``scrapeclean watch``: continuous mode as a micro-batch loop over a landing folder.

Each poll lists the inputs, keeps those that are ready (a ``<file>.done`` marker beside them, or
not modified for ``settle`` seconds and unchanged since the previous poll: a file still being
written is never read half-way), and runs one incremental batch on the ready files the ledger
does not know. SIGINT/SIGTERM finish the current batch, then the loop exits 0; after a
crash the ledger makes the next start resume exactly where the last committed batch ended.
(Nothing here runs a true streaming graph: notes/beam-on-this-machine.md §5.)
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from scrapeclean.pipeline.job.incremental import InputFile, list_inputs, load_ledger, select_new
from scrapeclean.pipeline.job.run import RunSummary

DONE_SUFFIX = ".done"


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """How often to poll and how long a file must stay unchanged before it is read."""

    interval: float = 5.0
    settle: float = 2.0
    max_batches: int | None = None  # stop after this many batches (tests, one-off catch-ups)


def ready_files(
    listed: list[tuple[str, int, float]],
    previous: dict[str, tuple[int, float]],
    now: float,
    settle: float,
) -> list[tuple[str, int, float]]:
    """The listed files complete enough to read: marked done, or stable and settled."""
    names = {path for path, _, _ in listed}
    ready = []
    for path, size, mtime in listed:
        if path.endswith(DONE_SUFFIX):
            continue
        marked = f"{path}{DONE_SUFFIX}" in names
        unchanged = previous.get(path, (size, mtime)) == (size, mtime)  # first sighting: by mtime
        stable = unchanged and now - mtime >= settle
        if marked or stable:
            ready.append((path, size, mtime))
    return ready


def watch(
    patterns: Sequence[str],
    output: Path,
    run_batch: Callable[[list[InputFile]], tuple[str, RunSummary]],
    options: WatchOptions,
    log: TextIO,
) -> int:
    """Poll until stopped (signal or max_batches); one log line per batch; exit status 0."""
    stop = threading.Event()
    previous_handlers = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    seen: dict[str, tuple[int, float]] = {}
    batches = 0
    try:
        while not stop.is_set():
            listed = list_inputs(list(patterns))
            ready = ready_files(listed, seen, time.time(), options.settle)
            seen = {path: (size, mtime) for path, size, mtime in listed}
            batch = select_new(ready, load_ledger(output))
            if batch:
                run_id, summary = run_batch(batch)
                batches += 1
                log_batch(run_id, summary, batch, log)
            if options.max_batches is not None and batches >= options.max_batches:
                break
            stop.wait(options.interval)
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    return 0


def log_batch(run_id: str, summary: RunSummary, batch: list[InputFile], log: TextIO) -> None:
    """One line: files, articles, rejects, and the lag from the oldest file landing to publish."""
    lag = time.time() - min(entry.mtime for entry in batch)
    log.write(
        f"scrapeclean: batch {run_id}: {len(batch)} files, {summary.articles} articles, "
        f"{summary.rejects} rejects, lag {lag:.1f} s\n"
    )
    log.flush()
