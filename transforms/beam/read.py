"""ReadDocuments: match the input globs, plan read tasks (a JSONL file is cut into chunks),
batch them and read each batch into Documents.

Counts ``documents_in`` once per input document (a file, a JSONL line, a WARC HTML response);
unreadable, oversized, binary and malformed inputs leave on the ``rejects`` output. Parsing and
decoding live in the pure modules decode.py, formats.py, lines.py and warc.py.
"""

from __future__ import annotations

import gzip
import itertools
import uuid
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes, FileMetadata, FileSystem
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.matching import match_inputs
from scrapeclean.transforms.beam.progress_log import ProgressLog
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, route
from scrapeclean.transforms.records import PickledAsArguments, Reject, RejectReason, make_doc_id
from scrapeclean.transforms.text.decode import ReadConfig, decode_document
from scrapeclean.transforms.text.formats import JsonlConfig, detect_format, parse_jsonl_line
from scrapeclean.transforms.text.lines import (
    InflationLimitError,
    LimitedReader,
    plan_chunks,
    read_lines,
)
from scrapeclean.transforms.text.warc import SKIPPED, warc_documents

NAMESPACE = "read"


@dataclass(frozen=True, slots=True)
class ReadTask(PickledAsArguments):
    """One unit of reading: a whole file, or the [start, end) chunk of a JSONL file."""

    path: str
    input_format: str
    size: int = 0  # bytes on disk, for the inflation limit of .jsonl.gz
    start: int = 0
    end: int | None = None
    first_line: int = 1


@dataclass(frozen=True, slots=True)
class ReadBatch(PickledAsArguments):
    """Read tasks a worker takes at once; pickled compressed (paths share long prefixes)."""

    tasks: tuple[ReadTask, ...]


MIN_BATCHES = 64  # a small run is still cut into enough batches to keep every worker busy
_BATCH_BYTES = 16 * 1024 * 1024  # and a batch of big files stays a fair share of the work


def plan_file(path: str, size: int, config: ReadConfig, requested_format: str) -> list[ReadTask]:
    """The read tasks of one file: the whole file, or an uncompressed JSONL file's chunks."""
    input_format = detect_format(path, requested_format)
    if input_format != "jsonl" or path.endswith(".gz"):
        return [ReadTask(path, input_format, size)]
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            chunks = list(plan_chunks(handle, config.jsonl_chunk_bytes))
    except OSError:
        chunks = [(0, None, 1)]  # _ReadFn reports it unreadable, once
    return [ReadTask(path, input_format, size, start, end, line) for start, end, line in chunks]


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

    def process(self, patterns: tuple[str, ...]) -> Iterator[ReadBatch]:
        # Every glob at once (an empty match is allowed: the CLI refuses that up front unless
        # --allow-empty): a file that two globs match is one input, read once, and files are
        # batched here instead of moving each file name through the shuffle. Lazily, file by
        # file: the runner's peak does not grow with the number of files (transforms/matching).
        tasks = (
            task
            for path, size in match_inputs(patterns)
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
        self._filesystems: dict[str | None, FileSystem] = {}
        self._progress.open(uuid.uuid4().hex)

    def teardown(self) -> None:
        self._progress.close()

    def process(self, batch: ReadBatch) -> Iterator[Any]:
        for task in batch.tasks:
            documents = 0
            for output in self._outputs(task):  # one output per input document
                documents += 1
                yield output
            self._progress.record(task.path, documents)

    def finish_bundle(self) -> None:
        self._counters.flush()

    def _outputs(self, task: ReadTask) -> Iterator[Any]:
        try:
            for result in self._read(task):
                if result is SKIPPED:
                    continue
                self._counters.inc(NAMESPACE, "documents_in")
                yield route(self._counters, NAMESPACE, result)
        except OSError as error:  # the file itself went away or cannot be read
            self._counters.inc(NAMESPACE, "documents_in")
            self._counters.inc(NAMESPACE, f"rejected.{RejectReason.UNREADABLE}")
            yield TaggedOutput(
                REJECTS,
                Reject(
                    task.path, None, RejectReason.UNREADABLE, repr(error), b"", task.input_format
                ),
            )

    def _read(self, task: ReadTask) -> Iterator[Any]:
        if task.input_format == "jsonl":
            yield from self._read_jsonl(task)
            return
        # Raw bytes, not Beam's auto-decompression: decode.inflate guards against bombs;
        # warcio inflates WARC record by record.
        with self._open(task.path) as handle:
            if task.input_format == "warc":
                for result in warc_documents(handle, task.path, self._config):
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
        is_html = task.input_format == "html"
        yield decode_document(data, task.path, task.input_format, self._config, is_html=is_html)

    def _open(self, path: str) -> BinaryIO:
        # FileSystems.open looks up and builds the path's filesystem on every call: 10 of the
        # 31 us it takes to open and read a seed-sized file (measured). Once per scheme here.
        scheme = FileSystems.get_scheme(path)
        filesystem = self._filesystems.get(scheme)
        if filesystem is None:
            filesystem = self._filesystems[scheme] = FileSystems.get_filesystem(path)
        return filesystem.open(path, compression_type=CompressionTypes.UNCOMPRESSED)

    def _read_jsonl(self, task: ReadTask) -> Iterator[Any]:
        config = self._config
        number = task.first_line - 1
        with self._open(task.path) as handle:
            stream: Any = handle
            if task.path.endswith(".gz"):  # Beam's CompressedFile has no readline(size)
                limit = max(config.max_compression_ratio * task.size, config.max_document_bytes)
                stream = LimitedReader(gzip.GzipFile(fileobj=handle), limit)
            lines = read_lines(stream, config.max_line_bytes, task.start, task.end, task.first_line)
            try:
                for number, line, too_long in lines:
                    yield self._jsonl_line(f"{task.path}#L{number}", line, too_long)
            except (InflationLimitError, EOFError, gzip.BadGzipFile, zlib.error) as error:
                bomb = isinstance(error, InflationLimitError)
                reason = (
                    RejectReason.DECOMPRESSION_BOMB if bomb else RejectReason.CORRUPT_COMPRESSION
                )
                detail = f"the rest of the file: {error}"[:500]
                yield _line_reject(f"{task.path}#L{number + 1}", b"", reason, detail, config)

    def _jsonl_line(self, source: str, line: bytes, too_long: bool) -> Any:
        if too_long:
            detail = f"line longer than {self._config.max_line_bytes} bytes"
            return _line_reject(source, line, RejectReason.LINE_TOO_LONG, detail, self._config)
        if not line.strip():
            self._counters.inc(NAMESPACE, "jsonl_blank_lines")
            return SKIPPED
        return parse_jsonl_line(line, source, self._jsonl, self._config.reject_raw_bytes)


def _line_reject(
    source: str, line: bytes, reason: RejectReason, detail: str, config: ReadConfig
) -> Reject:
    return Reject(
        source, make_doc_id(source, line), reason, detail, line[: config.reject_raw_bytes], "jsonl"
    )


class ReadTasks(beam.PTransform):
    """Read batches of ReadTasks into documents, spread over the workers.

    Outputs: ``records`` (Documents; HTML still marked ``is_html`` for the extract stage) and
    ``rejects``. The Reshuffle is the fusion break that lets ``--direct_num_workers`` (or any
    runner) spread the batches, and everything fused after it, over workers. With
    ``progress_dir``, each worker notes every finished file there (for the launcher's progress
    display; best effort). Counters (``read``): ``documents_in``, ``out``,
    ``rejected.<reason>``, ``warc_records_skipped``, ``jsonl_blank_lines``.
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
            | "Patterns" >> beam.Create([tuple(self._patterns)])
            | "Plan" >> beam.ParDo(_PlanFn(self._config, self._format))
            | "Read" >> ReadTasks(self._config, self._jsonl, self._progress_dir)
        )
