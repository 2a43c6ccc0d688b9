"""ReadDocuments: match the input globs, plan read tasks (a JSONL file is cut into chunks) and
read each task into Documents.

Counts ``documents_in`` once per input document (a file, a JSONL line, a WARC HTML response);
unreadable, oversized, binary and malformed inputs leave on the ``rejects`` output. Parsing and
decoding live in the pure modules decode.py, formats.py, lines.py and warc.py.
"""

from __future__ import annotations

import gzip
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.fileio import EmptyMatchTreatment
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from transforms.decode import ReadConfig, decode_document
from transforms.formats import JsonlConfig, detect_format, parse_jsonl_line
from transforms.lines import InflationLimitError, LimitedReader, plan_chunks, read_lines
from transforms.progress import ProgressLog
from transforms.records import Reject, RejectReason, make_doc_id
from transforms.stage import MAIN, REJECTS
from transforms.warc import SKIPPED, warc_documents

NAMESPACE = "read"


@dataclass(frozen=True, slots=True)
class ReadTask:
    """One unit of reading: a whole file, or the [start, end) chunk of a JSONL file."""

    path: str
    input_format: str
    size: int = 0  # bytes on disk, for the inflation limit of .jsonl.gz
    start: int = 0
    end: int | None = None
    first_line: int = 1


class _PlanFn(beam.DoFn):
    """One task per file; an uncompressed JSONL file is cut at newlines into chunks."""

    def __init__(self, config: ReadConfig, requested_format: str) -> None:
        self._config = config
        self._format = requested_format

    def process(self, metadata: FileMetadata) -> Iterator[ReadTask]:
        path = metadata.path
        input_format = detect_format(path, self._format)
        if input_format != "jsonl" or path.endswith(".gz"):
            yield ReadTask(path, input_format, metadata.size_in_bytes)
            return
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                chunks = list(plan_chunks(handle, self._config.jsonl_chunk_bytes))
        except OSError:
            chunks = [(0, None, 1)]  # _ReadFn reports it unreadable, once
        for start, end, first_line in chunks:
            yield ReadTask(path, input_format, metadata.size_in_bytes, start, end, first_line)


class _ReadFn(beam.DoFn):
    def __init__(self, config: ReadConfig, jsonl: JsonlConfig, progress_dir: str | None) -> None:
        self._config = config
        self._jsonl = jsonl
        self._progress = ProgressLog(progress_dir)
        self._documents_in = Metrics.counter(NAMESPACE, "documents_in")
        self._out = Metrics.counter(NAMESPACE, "out")
        self._skipped = Metrics.counter(NAMESPACE, "warc_records_skipped")
        self._blank = Metrics.counter(NAMESPACE, "jsonl_blank_lines")

    def setup(self) -> None:
        self._progress.open(uuid.uuid4().hex)

    def teardown(self) -> None:
        self._progress.close()

    def process(self, task: ReadTask) -> Iterator[Any]:
        documents = 0
        for output in self._outputs(task):  # one output per input document
            documents += 1
            yield output
        self._progress.record(task.path, documents)

    def _outputs(self, task: ReadTask) -> Iterator[Any]:
        try:
            for result in self._read(task):
                if result is SKIPPED:
                    continue
                self._documents_in.inc()
                if isinstance(result, Reject):
                    Metrics.counter(NAMESPACE, f"rejected.{result.reason}").inc()
                    yield TaggedOutput(REJECTS, result)
                else:
                    self._out.inc()
                    yield result
        except OSError as error:  # the file itself went away or cannot be read
            self._documents_in.inc()
            Metrics.counter(NAMESPACE, f"rejected.{RejectReason.UNREADABLE}").inc()
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
        with FileSystems.open(task.path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            if task.input_format == "warc":
                for result in warc_documents(handle, task.path, self._config):
                    if result is SKIPPED:
                        self._skipped.inc()
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

    def _read_jsonl(self, task: ReadTask) -> Iterator[Any]:
        config = self._config
        number = task.first_line - 1
        with FileSystems.open(task.path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
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
            self._blank.inc()
            return SKIPPED
        return parse_jsonl_line(line, source, self._jsonl, self._config.reject_raw_bytes)


def _line_reject(
    source: str, line: bytes, reason: RejectReason, detail: str, config: ReadConfig
) -> Reject:
    return Reject(
        source, make_doc_id(source, line), reason, detail, line[: config.reject_raw_bytes], "jsonl"
    )


class ReadDocuments(beam.PTransform):
    """Read every input document from the files matching the globs.

    Outputs: ``records`` (Documents; HTML still marked ``is_html`` for the extract stage) and
    ``rejects``. With ``progress_dir``, each worker notes every finished file there (for the
    launcher's progress display; best effort). A glob matching nothing yields nothing (the CLI
    refuses that up front unless --allow-empty). File names and JSONL chunks are reshuffled, so
    ``--direct_num_workers`` spreads reading and everything fused after it, even over one big
    JSONL file.
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
            | "Patterns" >> beam.Create(self._patterns)
            | "Match" >> fileio.MatchAll(EmptyMatchTreatment.ALLOW)
            | "SpreadFiles" >> beam.Reshuffle()
            | "Plan" >> beam.ParDo(_PlanFn(self._config, self._format))
            | "SpreadTasks" >> beam.Reshuffle()
            | "Decode"
            >> beam.ParDo(_ReadFn(self._config, self._jsonl, self._progress_dir)).with_outputs(
                REJECTS, main=MAIN
            )
        )
