"""``scrapeclean watch``: continuous mode as a micro-batch loop over a landing folder.

Each poll lists the inputs, keeps those that are ready (a ``<file>.done`` marker beside them, or
not modified for ``settle`` seconds and unchanged since the previous poll: a file still being
written is never read half-way), and runs one incremental batch on the ready files the ledger
does not know. SIGINT/SIGTERM finish the current batch, then the loop exits 0; after a
crash the ledger makes the next start resume exactly where the last committed batch ended. A
batch whose input changed while it was read publishes nothing and is logged; the file is read
again once it settles. A batch that fails otherwise is retried file by file, and a file that
fails alone waits until it changes.
(Nothing here runs a true streaming graph: docs/beam-notes.md §5.)
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from scrapeclean.pipeline.job.ledger import (
    InputChangedError,
    InputFile,
    list_inputs,
    load_ledger,
    select_new,
)
from scrapeclean.pipeline.job.manifest import committed_manifests
from scrapeclean.pipeline.job.run import RunSummary

DONE_SUFFIX = ".done"
Published = tuple[int, RunSummary]  # a committed batch: how many files, what it wrote


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
    output: str,
    run_batch: Callable[[list[InputFile]], tuple[str, RunSummary]],
    options: WatchOptions,
    log: TextIO,
) -> int:
    """Poll until stopped (signal or max_batches); a line when it starts, one per batch, one
    when it stops; exit status 0."""
    stop = threading.Event()
    previous_handlers = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    seen: dict[str, tuple[int, float]] = {}
    failed: dict[str, tuple[int, float]] = {}  # files whose batch failed alone, until they change
    published: list[Published] = []
    _log(
        log,
        f"watching {', '.join(patterns)} every {options.interval:g} s into {output}; a file is "
        f"read once it has a {DONE_SUFFIX} marker or stays unchanged {options.settle:g} s; "
        "Ctrl-C or SIGTERM stops after the current batch",
    )
    try:
        while not stop.is_set():
            listed = list_inputs(list(patterns))
            ready = ready_files(listed, seen, time.time(), options.settle)
            seen = {path: (size, mtime) for path, size, mtime in listed}
            batch = [
                entry
                for entry in select_new(ready, load_ledger(committed_manifests(output)))
                if failed.get(entry.path) != (entry.size, entry.mtime)
            ]
            if batch:
                published += publish(batch, run_batch, failed, stop, log)
            if options.max_batches is not None and len(published) >= options.max_batches:
                break
            stop.wait(options.interval)
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    log_stop(log, published, "on a signal" if stop.is_set() else "at --max-batches")
    return 0


def log_stop(log: TextIO, published: list[Published], why: str) -> None:
    """The closing line: batches, files, articles and rejects published since the start."""
    batches = len(published)
    files = sum(count for count, _ in published)
    articles = sum(summary.articles for _, summary in published)
    rejects = sum(summary.rejects for _, summary in published)
    _log(
        log,
        f"watch stopped {why}: {batches:,} batch{'es' * (batches != 1)}, {files:,} files, "
        f"{articles:,} articles, {rejects:,} rejects published",
    )


def publish(
    batch: list[InputFile],
    run_batch: Callable[[list[InputFile]], tuple[str, RunSummary]],
    failed: dict[str, tuple[int, float]],
    stop: threading.Event,
    log: TextIO,
) -> list[Published]:
    """Run one batch and return the batches committed (one log line each).

    A batch whose input changed while it was read publishes nothing: its files are read again
    once they settle. A batch that fails otherwise is run again one file at a time, so that a
    file on which every run fails cannot hold back the files beside it (issue 17); a file that
    fails alone is noted in ``failed`` and left out until it changes.
    """
    try:
        run_id, summary = run_batch(batch)
    except InputChangedError as error:
        _log(log, f"batch discarded: {error}")
        return []
    except Exception as error:  # the batch left nothing behind (run() publishes atomically)
        reason = (str(error).splitlines() or [type(error).__name__])[0][:300]
        if len(batch) == 1:
            failed[batch[0].path] = (batch[0].size, batch[0].mtime)
            _log(log, f"batch failed on {batch[0].path}: {reason}; left out until it changes")
            return []
        _log(log, f"batch of {len(batch)} files failed: {reason}; one at a time")
        return [
            one
            for entry in batch
            if not stop.is_set()
            for one in publish([entry], run_batch, failed, stop, log)
        ]
    log_batch(run_id, summary, batch, log)
    return [(len(batch), summary)]


def _log(log: TextIO, line: str) -> None:
    log.write(f"scrapeclean: {line}\n")
    log.flush()


def log_batch(run_id: str, summary: RunSummary, batch: list[InputFile], log: TextIO) -> None:
    """One line: files, articles, rejects, and the lag from the oldest file landing to publish."""
    lag = time.time() - min(entry.mtime for entry in batch)
    _log(
        log,
        f"batch {run_id}: {len(batch):,} files, {summary.articles:,} articles, "
        f"{summary.rejects:,} rejects, lag {lag:,.1f} s",
    )
