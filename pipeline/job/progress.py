"""Progress while a run goes: workers append one line per finished read task to a file of their
own under the staging folder; a thread in the launching process tallies those files and shows
files (and their share of the total) and documents read, rate, elapsed time and an ETA.

On a terminal it is one live status line (tqdm's conventions: count, rate, elapsed, redrawn in
place); otherwise (cron, CI) a plain log line every ``interval`` seconds; nothing with --quiet.
The Beam metrics of the finished run stay the source of truth for the counts in the manifest.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

PROGRESS_DIR = "_progress"


class ProgressMonitor:
    """Polls the workers' progress files and renders progress until stopped."""

    def __init__(
        self, folder: Path, total_files: int, interval: float, stream: TextIO | None = None
    ) -> None:
        self._folder = folder
        self._total = total_files
        self._interval = interval
        self._stream = stream or sys.stderr  # at construction: main may have redirected it
        self._live = self._stream.isatty()
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)

    def __enter__(self) -> ProgressMonitor:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._render(final=True)

    def tally(self) -> tuple[int, int]:
        """(files read, documents read) so far, from every worker's progress file."""
        files: set[str] = set()
        documents = 0
        for path in self._folder.glob("*.tsv"):
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for line in lines:
                name, _, count = line.rpartition("\t")
                if count.isdigit():  # a line still being written is skipped until complete
                    files.add(name)
                    documents += int(count)
        return len(files), documents

    def _loop(self) -> None:
        while not self._stop.wait(0.5 if self._live else self._interval):
            self._render(final=False)

    def _render(self, final: bool) -> None:
        files, documents = self.tally()
        elapsed = time.monotonic() - self._started
        text = progress_text(files, self._total, documents, elapsed)
        if self._live:
            self._stream.write(f"\r\x1b[2Kscrapeclean: {text}" + ("\n" if final else ""))
        else:
            self._stream.write(f"scrapeclean: progress: {text}\n")
        self._stream.flush()


def progress_text(files: int, total: int, documents: int, elapsed: float) -> str:
    """``files 3/8 (38%), documents 1,204 read, 120.4 docs/s, 0:10 elapsed, ETA 0:17``.

    The ETA assumes the remaining files take as long as the read ones did on average (files
    are the unit the total is known in); it shows once a file is done and until the last is.
    """
    rate = documents / elapsed if elapsed > 0 else 0.0
    share = f" ({files / total:.0%})" if total else ""
    text = (
        f"files {files:,}/{total:,}{share}, documents {documents:,} read, "
        f"{rate:,.1f} docs/s, {clock(elapsed)} elapsed"
    )
    if 0 < files < total:
        text += f", ETA {clock(elapsed / files * (total - files))}"
    return text


def clock(seconds: float) -> str:
    """Seconds as ``m:ss``, or ``h:mm:ss`` from an hour on."""
    minutes, second = divmod(int(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minutes}:{second:02d}"
