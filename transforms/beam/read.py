"""ReadDocuments: match the input globs, plan read tasks (a JSONL file is cut into chunks),
batch them and read each batch into Documents.

Counts ``documents_in`` once per input document (a file, a JSONL line, a WARC HTML response);
unreadable, oversized, binary and malformed inputs leave on the ``rejects`` output. Parsing and
decoding live in the pure modules decode.py, formats.py, lines.py and warc.py.
"""

from __future__ import annotations

import gzip
import itertools
import logging
import os
import uuid
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes, FileMetadata, FileSystem
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.localfilesystem import LocalFileSystem
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.collector import settle_collector
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.lifeline import follow_launcher
from scrapeclean.transforms.beam.matching import match_inputs
from scrapeclean.transforms.beam.progress_log import ProgressLog
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, route
from scrapeclean.transforms.records import (
    PickledAsArguments,
    Reject,
    RejectReason,
    failure_detail,
    make_doc_id,
)
from scrapeclean.transforms.text.decode import ReadConfig, decode_document
from scrapeclean.transforms.text.formats import (
    JsonlConfig,
    jsonl_document,
    line_reject,
)
from scrapeclean.transforms.text.lines import (
    InflationLimitError,
    jsonl_stream,
    plan_chunks,
    read_lines,
)
from scrapeclean.transforms.text.sniff import (
    BY_CONTENT,
    BY_EXTENSION,
    SNIFF_BYTES,
    decide_format,
    sniff_format,
)
from scrapeclean.transforms.text.sources import NotRegularFileError, open_regular, source_of
from scrapeclean.transforms.text.warc import SKIPPED, warc_documents

NAMESPACE = "read"
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadTask(PickledAsArguments):
    """One unit of reading: a whole file, or the [start, end) chunk of a JSONL file."""

    path: str
    input_format: str
    size: int = 0  # bytes on disk, for the inflation limit of .jsonl.gz
    start: int = 0
    end: int | None = None
    first_line: int = 1
    decided_by: str = BY_EXTENSION  # flag, extension, or content: sniffed when read


@dataclass(frozen=True, slots=True)
class ReadBatch(PickledAsArguments):
    """Read tasks a worker takes at once; pickled compressed (paths share long prefixes)."""

    tasks: tuple[ReadTask, ...]


MIN_BATCHES = 64  # a small run is still cut into enough batches to keep every worker busy
_BATCH_BYTES = 16 * 1024 * 1024  # and a batch of big files stays a fair share of the work


def plan_file(path: str, size: int, config: ReadConfig, requested_format: str) -> list[ReadTask]:
    """The read tasks of one file: the whole file, or an uncompressed JSONL file's chunks."""
    input_format, decided_by = decide_format(path, requested_format)
    if input_format != "jsonl" or path.endswith(".gz"):
        return [ReadTask(path, input_format, size, decided_by=decided_by)]
    try:
        with open_input(path, FileSystems.get_filesystem(path)) as handle:
            chunks = list(plan_chunks(handle, config.jsonl_chunk_bytes))
    except OSError:
        chunks = [(0, None, 1)]  # _ReadFn reports it unreadable, once
    return [
        ReadTask(path, input_format, size, start, end, line, decided_by)
        for start, end, line in chunks
    ]


def open_input(path: str, filesystem: FileSystem) -> BinaryIO:
    """The input's raw bytes; a local one only when it is a regular file (NotRegularFileError).

    Object stores hold nothing but objects; a local name can be a FIFO, which a plain open
    waits on forever, or a device, socket, folder or dangling link (transforms/text/sources.py).
    """
    if isinstance(filesystem, LocalFileSystem):
        return open_regular(path)
    return filesystem.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def batch_tasks(tasks: Iterable[ReadTask], files_per_batch: int) -> Iterator[ReadBatch]:
    """Cut ``tasks`` into batches: the unit of work a worker takes, and of Beam's overhead.

    A batch holds at most ``files_per_batch`` tasks and, where the run is small, fewer, so that
    there are at least ``MIN_BATCHES``; a batch closes early once it holds ``_BATCH_BYTES``.
    Lazy: only a run too small for MIN_BATCHES full batches is counted (read ahead) first.
    """
    tasks = iter(tasks)
    ahead = list(itertools.islice(tasks, MIN_BATCHES * files_per_batch))
    per_batch = max(1, min(files_per_batch, -(-len(ahead) // MIN_BATCHES)))
    batch: list[ReadTask] = []
    batch_bytes = 0
    for task in itertools.chain(ahead, tasks):
        batch.append(task)
        batch_bytes += (task.end if task.end is not None else task.size) - task.start
        if len(batch) >= per_batch or batch_bytes >= _BATCH_BYTES:
            yield ReadBatch(tuple(batch))
            batch, batch_bytes = [], 0
    if batch:
        yield ReadBatch(tuple(batch))


class _PlanFn(beam.DoFn):
    """Match every glob, plan each matched file's read tasks once, and batch them."""

    def __init__(self, config: ReadConfig, requested_format: str) -> None:
        self._config = config
        self._format = requested_format

    def process(self, patterns: tuple[bytes, ...]) -> Iterator[ReadBatch]:
        # Every glob at once (an empty match is allowed: the CLI refuses that up front unless
        # --allow-empty): a file that two globs match is one input, read once, and files are
        # batched here instead of moving each file name through the shuffle. Lazily, file by
        # file: the runner's peak does not grow with the number of files (transforms/matching).
        tasks = (
            task
            for path, size in match_inputs([os.fsdecode(pattern) for pattern in patterns])
            for task in plan_file(path, size, self._config, self._format)
        )
        yield from batch_tasks(tasks, self._config.files_per_batch)


class _ReadFn(beam.DoFn):
    def __init__(self, config: ReadConfig, jsonl: JsonlConfig, progress_dir: str | None) -> None:
        self._config = config
        self._jsonl = jsonl
        self._progress = ProgressLog(progress_dir)
        self._counters = BundleCounters()

    def setup(self) -> None:
        follow_launcher()
        settle_collector()
        self._filesystems: dict[str | None, FileSystem] = {}
        self._progress.open(uuid.uuid4().hex)

    def teardown(self) -> None:
        self._progress.close()

    def process(self, batch: ReadBatch) -> Iterator[Any]:
        for task in batch.tasks:
            documents = 0
            source = source_of(task.path)  # valid UTF-8 whatever bytes the name holds
            for output in self._outputs(task, source):  # one output per input document
                documents += 1
                yield output
            self._progress.record(source, documents)

    def finish_bundle(self) -> None:
        self._counters.flush()

    def _outputs(self, task: ReadTask, source: str) -> Iterator[Any]:
        try:
            for result in self._read(task, source):
                if result is SKIPPED:
                    continue
                self._counters.inc(NAMESPACE, "documents_in")
                self._count_format(task, result.input_format)
                yield route(self._counters, NAMESPACE, result)
        except Exception as error:  # the rest of this file is one reject; the next file goes on
            # An OSError: the file went away, cannot be read, or is no file (`unreadable`);
            # anything else is a bug, kept as a dead letter. Documents read before it stay.
            _LOG.debug("reading %s failed", source, exc_info=True)
            if isinstance(error, NotRegularFileError):
                reason, detail = RejectReason.UNREADABLE, str(error.strerror)
            else:
                unreadable = isinstance(error, OSError)
                reason = RejectReason.UNREADABLE if unreadable else RejectReason.INTERNAL_ERROR
                detail = failure_detail("read", error)
            self._counters.inc(NAMESPACE, "documents_in")
            self._count_format(task, task.input_format)
            self._counters.inc(NAMESPACE, f"rejected.{reason}")
            reject = Reject(source, None, reason, detail, b"", task.input_format)
            yield TaggedOutput(REJECTS, reject)

    def _count_format(self, task: ReadTask, input_format: str) -> None:
        self._counters.inc(NAMESPACE, f"format_by_{task.decided_by}.{input_format}")

    def _read(self, task: ReadTask, source: str) -> Iterator[Any]:
        if task.decided_by == BY_CONTENT:
            # A second open of the file: opening, reading 8 KiB and sniffing take ~20 us a file
            # (2,790 dumps and pages, measured), against milliseconds to clean one; the readers
            # below stay the same for sniffed and named files.
            with self._open(task.path) as handle:
                task = replace(task, input_format=sniff_format(handle.read(SNIFF_BYTES)))
        if task.input_format == "jsonl":
            yield from self._read_jsonl(task, source)
            return
        # Raw bytes, not Beam's auto-decompression: decode.inflate guards against bombs;
        # warcio inflates WARC record by record.
        with self._open(task.path) as handle:
            if task.input_format == "warc":
                for result in warc_documents(handle, source, self._config):
                    if result is SKIPPED:
                        self._counters.inc(NAMESPACE, "warc_records_skipped")
                    yield result
                return
            # read(n) allocates n bytes up front: ask for the file's size, not the 10 MiB cap
            # (45 us a file; scripts/bench_scale.py), one byte more to see it is too large.
            cap = self._config.max_document_bytes
            data = handle.read(min(task.size, cap) + 1)
            if len(data) > task.size:  # it grew since it was matched: read on, to the cap
                data += handle.read(cap + 1 - len(data))
        yield _decoded(data, source, task.input_format, self._config)

    def _open(self, path: str) -> BinaryIO:
        # FileSystems.open looks up and builds the path's filesystem on every call: 10 of the
        # 31 us it takes to open and read a seed-sized file (measured). Once per scheme here.
        scheme = FileSystems.get_scheme(path)
        filesystem = self._filesystems.get(scheme)
        if filesystem is None:
            filesystem = self._filesystems[scheme] = FileSystems.get_filesystem(path)
        return open_input(path, filesystem)

    def _read_jsonl(self, task: ReadTask, source: str) -> Iterator[Any]:
        config = self._config
        number = task.first_line - 1
        with self._open(task.path) as handle:
            # not Beam's CompressedFile: it has no readline(size)
            stream = jsonl_stream(handle, task.path, task.size, config)
            lines = read_lines(stream, config.max_line_bytes, task.start, task.end, task.first_line)
            try:
                for number, line, too_long in lines:
                    yield self._jsonl_line(f"{source}#L{number}", line, too_long)
            except (InflationLimitError, EOFError, gzip.BadGzipFile, zlib.error) as error:
                bomb = isinstance(error, InflationLimitError)
                reason = (
                    RejectReason.DECOMPRESSION_BOMB if bomb else RejectReason.CORRUPT_COMPRESSION
                )
                detail = f"the rest of the file: {error}"[:500]
                yield line_reject(f"{source}#L{number + 1}", b"", reason, detail, config)

    def _jsonl_line(self, source: str, line: bytes, too_long: bool) -> Any:
        document = jsonl_document(line, too_long, source, self._jsonl, self._config)
        if document is None:  # a blank line
            self._counters.inc(NAMESPACE, "jsonl_blank_lines")
            return SKIPPED
        return document


def _decoded(data: bytes, source: str, input_format: str, config: ReadConfig) -> Any:
    """decode_document on a whole file's bytes; a decoder that raises makes the file an
    ``internal_error`` reject (with its id and raw bytes), not a failed run."""
    try:
        return decode_document(data, source, input_format, config, is_html=input_format == "html")
    except Exception as error:
        _LOG.debug("decoding %s failed", source, exc_info=True)
        raw = data[: config.reject_raw_bytes]
        detail = failure_detail("decode", error)
        doc_id = make_doc_id(source, data)
        return Reject(source, doc_id, RejectReason.INTERNAL_ERROR, detail, raw, input_format)


class ReadTasks(beam.PTransform):
    """Read batches of ReadTasks into documents, spread over the workers.

    Outputs: ``records`` (Documents; HTML still marked ``is_html`` for the extract stage) and
    ``rejects``. The Reshuffle is the fusion break that lets ``--direct_num_workers`` (or any
    runner) spread the batches, and everything fused after it, over workers. With
    ``progress_dir``, each worker notes every finished file there (for the launcher's progress
    display; best effort). Counters (``read``): ``documents_in``, ``out``,
    ``rejected.<reason>``, ``warc_records_skipped``, ``jsonl_blank_lines``, and per document
    ``format_by_<flag|extension|content>.<format>``: how its format was decided.
    """

    def __init__(
        self, config: ReadConfig, jsonl: JsonlConfig, progress_dir: str | None = None
    ) -> None:
        super().__init__()
        self._read = _ReadFn(config, jsonl, progress_dir)

    def expand(self, batches: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            batches
            | "Spread" >> beam.Reshuffle()
            | "Decode" >> beam.ParDo(self._read).with_outputs(REJECTS, main=MAIN)
        )


class ReadMatched(beam.PTransform):
    """ReadTasks from FileMetadata (as fileio's matching emits), one batch per read task.

    For the streaming graph: files arrive a few at a time, each keeps its own timestamp.
    """

    def __init__(self, config: ReadConfig, jsonl: JsonlConfig, input_format: str) -> None:
        super().__init__()
        self._config = config
        self._jsonl = jsonl
        self._format = input_format

    def expand(self, files: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            files
            | "Plan" >> beam.FlatMap(_one_batch_per_task, self._config, self._format)
            | "Read" >> ReadTasks(self._config, self._jsonl)
        )


def _one_batch_per_task(
    metadata: FileMetadata, config: ReadConfig, input_format: str
) -> list[ReadBatch]:
    tasks = plan_file(metadata.path, metadata.size_in_bytes, config, input_format)
    return [ReadBatch((task,)) for task in tasks]


class ReadDocuments(beam.PTransform):
    """Read every input document from the files matching the globs.

    Matches the globs, plans every matched file's read tasks (a big JSONL file is cut into
    chunks with exact line numbers; a file matched by two globs is read once) and batches them
    (``batch_tasks``), then ReadTasks: outputs ``records`` and ``rejects``. A glob matching
    nothing yields nothing (the CLI refuses that up front unless --allow-empty).
    """

    def __init__(
        self,
        patterns: Sequence[str],
        input_format: str,
        config: ReadConfig,
        jsonl: JsonlConfig,
        progress_dir: str | None = None,
    ) -> None:
        super().__init__()
        self._patterns = list(patterns)
        self._format = input_format
        self._config = config
        self._jsonl = jsonl
        self._progress_dir = progress_dir

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        return (
            pbegin
            # As bytes: Beam's str coder is strict UTF-8, and a glob naming a file by its
            # non-UTF-8 bytes (Python holds them as lone surrogates) would fail the run.
            | "Patterns" >> beam.Create([tuple(os.fsencode(p) for p in self._patterns)])
            | "Plan" >> beam.ParDo(_PlanFn(self._config, self._format))
            | "Read" >> ReadTasks(self._config, self._jsonl, self._progress_dir)
        )
