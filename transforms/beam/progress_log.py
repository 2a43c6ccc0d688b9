"""The worker side of run progress: one line ``path<TAB>documents`` per finished read task,
appended to a file of the DoFn instance's own; pipeline/job/progress.py tallies them."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO


class ProgressLog:
    """The worker side: one line ``path<TAB>documents`` per finished read task, appended to a
    file of this DoFn instance's own (no locking, no shared writes). Best effort: a folder the
    worker cannot write (a remote runner) turns it off silently."""

    def __init__(self, folder: str | None) -> None:
        self._folder = folder
        self._handle: TextIO | None = None

    def open(self, name: str) -> None:
        """Open this worker's progress file (called from DoFn.setup)."""
        if self._folder is None:
            return
        try:
            Path(self._folder).mkdir(parents=True, exist_ok=True)
            self._handle = (Path(self._folder) / f"{name}.tsv").open("a", encoding="utf-8")
        except OSError:
            self._handle = None

    def record(self, path: str, documents: int) -> None:
        """Note one finished read task; flushed at once so the launcher sees it."""
        if self._handle is not None:
            try:
                self._handle.write(f"{path}\t{documents}\n")
                self._handle.flush()
            except OSError:
                self._handle = None

    def close(self) -> None:
        """Close the file (called from DoFn.teardown)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
