"""WriteWindowedParquet: Parquet files per event-time window, for the streaming graph.

Beam's WriteToParquet names unbounded output like ``articles-[1795730440.0, 1795730445.0)-…``
and once left a window file without its footer (notes/beam-on-this-machine.md §3, §5), so this
writes through ``fileio.WriteToFiles`` with a small pyarrow sink and names files by their window
in compact UTC, free of ':' and spaces. It does not window: apply ``WindowInto`` first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.transforms.window import IntervalWindow

from transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA

# Batch and streaming count the same "write" metrics.
from transforms.write import CountArticleFn, CountRejectFn

Kind = Literal["articles", "rejects"]
_BATCH_ROWS = 1000  # rows per Arrow record batch, as the batch path's record_batch_size
_UTC_FORMAT = "%Y%m%dT%H%M%SZ"


class ParquetFileSink(fileio.FileSink):
    """Rows (dicts) to one Parquet file; a row group per ``row_group_bytes`` of Arrow data."""

    def __init__(self, schema: pa.Schema, compression: str, row_group_bytes: int) -> None:
        self._schema = schema
        self._compression = None if compression == "none" else compression
        self._row_group_bytes = row_group_bytes
        self._writer: pq.ParquetWriter | None = None
        self._rows: list[dict[str, Any]] = []
        self._batches: list[pa.RecordBatch] = []
        self._buffered_bytes = 0

    def create_metadata(self, destination: str, full_file_name: str) -> fileio.FileMetadata:
        """Uncompressed at the file level: Parquet compresses its own pages."""
        return fileio.FileMetadata(
            mime_type="application/vnd.apache.parquet",
            compression_type=CompressionTypes.UNCOMPRESSED,
        )

    def open(self, fh: BinaryIO) -> None:
        """Start a Parquet writer on Beam's temp-file handle (WriteToFiles closes the handle)."""
        self._writer = pq.ParquetWriter(fh, self._schema, compression=self._compression)

    def write(self, record: dict[str, Any]) -> None:
        """Buffer one row; full batches become Arrow data, enough of it becomes a row group."""
        if self._writer is None:  # never drop a row silently after the footer
            raise RuntimeError("ParquetFileSink.write() after flush() closed the file")
        self._rows.append(record)
        if len(self._rows) >= _BATCH_ROWS:
            self._to_batch()
            if self._buffered_bytes >= self._row_group_bytes:
                self._write_row_group()

    def flush(self) -> None:
        """Write what is buffered and the Parquet footer; a second call does nothing.

        Beam 2.77 calls flush() once, right before closing the handle, but the FileSink contract
        allows more calls (notes §3): only the first one closes the writer.
        """
        if self._writer is None:
            return
        self._to_batch()
        self._write_row_group()
        self._writer.close()
        self._writer = None

    def _to_batch(self) -> None:
        if self._rows:
            batch = pa.RecordBatch.from_pylist(self._rows, schema=self._schema)
            self._batches.append(batch)
            self._buffered_bytes += batch.nbytes
            self._rows = []

    def _write_row_group(self) -> None:
        if self._batches and self._writer is not None:
            table = pa.Table.from_batches(self._batches, schema=self._schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
            self._batches = []
            self._buffered_bytes = 0


@dataclass(frozen=True, slots=True)
class _NewSink:
    """WriteToFiles' sink factory: a fresh ParquetFileSink for every file it opens."""

    schema: pa.Schema
    compression: str
    row_group_bytes: int

    def __call__(self, destination: str) -> ParquetFileSink:
        return ParquetFileSink(self.schema, self.compression, self.row_group_bytes)


def window_file_name(
    window: Any,
    pane: Any,
    shard_index: int | None,
    total_shards: int | None,
    compression: str,
    destination: str,
) -> str:
    """``<start>-<end>-SSSSS-of-NNNNN-<token>.parquet`` with the window's bounds in UTC.

    Flat names: a sub-folder per window is only created on a local filesystem and otherwise
    loses the files silently (notes §3). The random token keeps a second firing of the same
    window (late data) from renaming its files over the first one's: WriteToFiles names files
    by destination and window only and has no pane in hand.
    """
    if isinstance(window, IntervalWindow):
        span = f"{_utc(window.start)}-{_utc(window.end)}"
    else:  # the global window: the caller did not window; still a valid name
        span = "global"
    shard = f"{int(shard_index or 0):05d}-of-{int(total_shards or 1):05d}"
    return f"{span}-{shard}-{uuid.uuid4().hex[:8]}.parquet"


def _utc(timestamp: Any) -> str:
    return timestamp.to_utc_datetime().strftime(_UTC_FORMAT)


class WriteWindowedParquet(beam.PTransform):
    """Write Articles or Rejects as Parquet, one set of files per window, under ``path``.

    Input: windowed Articles (``kind="articles"``) or Rejects (``"rejects"``). Each window's
    files appear (renamed from ``path/.temp…``) when its pane fires; one file per bundle and
    window, named by ``window_file_name``, with the contract's schema. Counts the same ``write``
    metrics as the batch writers. Output: ``fileio.FileResult`` per written file.
    """

    def __init__(self, kind: Kind, path: str, output: Any) -> None:
        super().__init__()
        if kind not in ("articles", "rejects"):
            raise ValueError(f"kind must be 'articles' or 'rejects', not {kind!r}")
        self._kind = kind
        self._path = path
        self._output = output

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        articles = self._kind == "articles"
        count = CountArticleFn() if articles else CountRejectFn()
        schema = ARTICLE_SCHEMA if articles else REJECT_SCHEMA
        sink = _NewSink(schema, self._output.compression, self._output.row_group_buffer_bytes)
        return (
            records
            | "Count" >> beam.ParDo(count)
            | "Files"
            >> fileio.WriteToFiles(
                path=self._path,
                destination=self._kind,
                sink=sink,
                file_naming=window_file_name,
            )
        )
