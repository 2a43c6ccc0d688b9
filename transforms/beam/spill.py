"""Hold records in files between two passes over a corpus, instead of in the runner's memory.

A corpus step decides from every article (which lines are a site's chrome, which articles are
duplicates) and then applies the decision to every article, so the articles wait while the
decision is computed. Where a runner keeps a waiting PCollection in memory (the local
FnApiRunner does), the step spills the articles to files and only the file names wait
(measured with the packed tables of transforms/beam/dedup.py: training profile, 100k dumps,
in-process peak 590 MB spilled, 1,432 MB held in memory). The step's DoFn then reads each file with
``read_spilled``, so the articles stream through one at a time.

Files are written per bundle and named uniquely, so a retried bundle writes new files and the
failed attempt's files are never named downstream; they live in the run's staging folder and go
with it. Per window, so a windowed input keeps its windows.
"""

from __future__ import annotations

import io
import pickle
import uuid
from collections.abc import Iterator
from typing import IO, Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.records import PickledAsArguments

RECORDS_PER_FILE = 4096  # ~11 MB of seed-sized articles; also the unit spread over workers
_WRITE_BYTES = 1 << 20  # pickled records held in memory before one write to the file


class SpillRecords(beam.PTransform):
    """Write records to files under ``folder``; the output is the files' paths (same windows).

    Read them back with ``read_spilled`` in the DoFn that needs them after a side input is ready.
    """

    def __init__(self, folder: str, records_per_file: int = RECORDS_PER_FILE) -> None:
        super().__init__()
        self._folder = folder
        self._records_per_file = records_per_file

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        return records | "Spill" >> beam.ParDo(_SpillFn(self._folder, self._records_per_file))


def read_spilled(path: str) -> Iterator[Any]:
    """The records of one file SpillRecords wrote, in the order they were written."""
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


class _SpillFn(BufferedFn):
    def __init__(self, folder: str, records_per_file: int) -> None:
        self._folder = folder
        self._records_per_file = records_per_file

    def new_buffer(self) -> _OpenFile:
        return _OpenFile(self._folder)

    def add(self, buffer: _OpenFile, element: Any) -> bool:
        buffer.write(element)
        return buffer.records >= self._records_per_file

    def flush(self, buffer: _OpenFile) -> Iterator[str]:
        yield buffer.close()

    def discard(self, buffer: _OpenFile) -> None:  # its file is never named downstream
        buffer.handle.close()


class _OpenFile:
    """One spill file. Records are pickled into memory and written _WRITE_BYTES at a time.
    Pickled straight to the file, each record would be a write call on it and its 8 KB buffer
    a system call every few records (a site-dump article pickles to ~1 KB). Measured
    standalone, 8,192 articles: 6-7 us per record this way, 8-9 us straight to the file; holds
    at most ~1 MB per open file."""

    def __init__(self, folder: str) -> None:
        self.path = FileSystems.join(folder, f"{uuid.uuid4().hex}.pickles")
        self.handle: IO[bytes] = FileSystems.create(
            self.path, compression_type=CompressionTypes.UNCOMPRESSED
        )
        self._pending = io.BytesIO()
        self._pickler = _PlainRecordPickler(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        self.records = 0

    def write(self, record: Any) -> None:
        self._pickler.dump(record)
        self._pickler.clear_memo()  # each record a whole pickle: read back one load at a time
        self.records += 1
        if self._pending.tell() >= _WRITE_BYTES:
            self._write_pending()

    def close(self) -> str:
        self._write_pending()
        self.handle.close()
        return self.path

    def _write_pending(self) -> None:
        with self._pending.getbuffer() as pending:
            self.handle.write(pending)
        self._pending.seek(0)
        self._pending.truncate()


class _PlainRecordPickler(pickle.Pickler):
    """Records as their constructor arguments, without the zlib step of their own pickling:
    that step saves runner memory, but here the bytes go to disk, and it cost ~5x the plain
    pickle's time (measured: 51 + 26 us against 9 + 8 us to write and read an article)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, PickledAsArguments):
            return type(obj), obj.arguments()
        return NotImplemented


def spill_subfolder(folder: str | None, name: str) -> str | None:
    """``folder``/``name``, where one step of a spilling transform keeps its files; None (no
    spill) stays None."""
    return None if folder is None else f"{folder}/{name}"


def hold(records: beam.PCollection, folder: str | None) -> beam.PCollection:
    """``records`` spilled under ``folder`` (their file paths), or as they are without a folder.

    The DoFn that consumes the result gets the records back with ``held_records``.
    """
    return records if folder is None else records | "Hold" >> SpillRecords(folder)


def held_records(element: Any, spilled: bool) -> Iterator[Any]:
    """The records behind one element of ``hold``'s output: a file's records, or the element."""
    if spilled:
        yield from read_spilled(element)
    else:
        yield element
