"""WriteParquetFiles: rows to Parquet through ``fileio.WriteToFiles``, per window and partition.

Used where Beam's WriteToParquet falls short (docs/beam-notes.md §3): on an
unbounded (streaming) input it names files like ``articles-[1795730440.0, 1795730445.0)-…``
and once left a window file without its footer; and it has no Hive-style partitions. Files
are named by their window in compact UTC (free of ':' and spaces) and, with ``partition_by``,
go to ``language=en/``-style folders (``pyarrow.dataset(..., partitioning="hive")``, DuckDB's
``hive_partitioning`` and Spark read those). It does not window: apply ``WindowInto`` first.

Both write paths turn rows into Arrow tables with ``RowGroupBuffer``: this sink, and
``RowsToTables`` in front of Beam's WriteToParquetBatched on the flat batch path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import IntervalWindow

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.config import OutputConfig

_BATCH_ROWS = 1000  # rows per Arrow record batch, WriteToParquet's record_batch_size
_UTC_FORMAT = "%Y%m%dT%H%M%SZ"
# Hive's (and pyarrow's, Spark's) folder name for a null partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


class RowGroupBuffer:
    """Rows (dicts) gathered into Arrow record batches of ``_BATCH_ROWS``, then into a table of
    about ``row_group_bytes`` of Arrow data: one Parquet row group.

    ``RecordBatch.from_pylist`` converts a thousand rows at once: ~5 us a row, against ~24 us
    for the column-by-column appends of Beam's own WriteToParquet (measured on article rows).
    """

    def __init__(self, schema: pa.Schema, row_group_bytes: int) -> None:
        self._schema = schema
        self._row_group_bytes = row_group_bytes
        self._rows: list[dict[str, Any]] = []
        self._batches: list[pa.RecordBatch] = []
        self._buffered_bytes = 0

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer one row; True when a row group's worth of data is buffered."""
        self._rows.append(row)
        if len(self._rows) >= _BATCH_ROWS:
            self._to_batch()
        return self._buffered_bytes >= self._row_group_bytes

    def take(self) -> pa.Table | None:
        """Everything buffered as one table (None when empty); the buffer starts again."""
        self._to_batch()
        if not self._batches:
            return None
        table = pa.Table.from_batches(self._batches, schema=self._schema)
        self._batches = []
        self._buffered_bytes = 0
        return table

    def _to_batch(self) -> None:
        if self._rows:
            batch = pa.RecordBatch.from_pylist(self._rows, schema=self._schema)
            self._batches.append(batch)
            self._buffered_bytes += batch.nbytes
            self._rows = []


class RowsToTables(BufferedFn):
    """Rows to Arrow tables of about ``row_group_bytes`` each, per window and bundle: the input
    of Beam's WriteToParquetBatched, which writes each table as a row group."""

    def __init__(self, schema: pa.Schema, row_group_bytes: int) -> None:
        self._schema = schema
        self._row_group_bytes = row_group_bytes

    def new_buffer(self) -> RowGroupBuffer:
        return RowGroupBuffer(self._schema, self._row_group_bytes)

    def add(self, buffer: RowGroupBuffer, element: dict[str, Any]) -> bool:
        return buffer.add(element)

    def flush(self, buffer: RowGroupBuffer) -> Iterator[pa.Table]:
        table = buffer.take()
        if table is not None:
            yield table


class ParquetFileSink(fileio.FileSink):
    """Rows (dicts) to one Parquet file; a row group per ``row_group_bytes`` of Arrow data."""

    def __init__(self, schema: pa.Schema, compression: str, row_group_bytes: int) -> None:
        self._schema = schema
        self._compression = None if compression == "none" else compression
        self._buffer = RowGroupBuffer(schema, row_group_bytes)
        self._writer: pq.ParquetWriter | None = None

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
        if self._buffer.add(record):
            self._write_row_group()

    def flush(self) -> None:
        """Write what is buffered and the Parquet footer; a second call does nothing.

        Beam 2.77 calls flush() once, right before closing the handle, but the FileSink contract
        allows more calls (docs/beam-notes.md §3): only the first one closes the writer.
        """
        if self._writer is None:
            return
        self._write_row_group()
        self._writer.close()
        self._writer = None

    def _write_row_group(self) -> None:
        table = self._buffer.take()
        if table is not None and self._writer is not None:
            self._writer.write_table(table, row_group_size=table.num_rows)


@dataclass(frozen=True, slots=True)
class _NewSink:
    """WriteToFiles' sink factory: a fresh ParquetFileSink for every file it opens.

    It also creates the destination's partition folder: WriteToFiles only creates ``folder``
    itself, and its final rename into a missing sub-folder fails without an error
    (docs/beam-notes.md §3).
    """

    schema: pa.Schema
    compression: str
    row_group_bytes: int
    folder: str

    def __call__(self, destination: str) -> ParquetFileSink:
        if destination:
            path = FileSystems.join(self.folder, destination)
            if not FileSystems.exists(path):
                try:
                    FileSystems.mkdirs(path)
                except OSError:  # another worker made it first
                    if not FileSystems.exists(path):
                        raise
        return ParquetFileSink(self.schema, self.compression, self.row_group_bytes)


@dataclass(frozen=True, slots=True)
class HivePartition:
    """A row's partition folder, e.g. ``language=en/split=train`` ("" without columns).

    Values are percent-encoded as pyarrow's hive partitioning decodes them; null is Hive's
    ``__HIVE_DEFAULT_PARTITION__``.
    """

    columns: tuple[str, ...]

    def __call__(self, row: dict[str, Any]) -> str:
        parts = []
        for column in self.columns:
            value = row.get(column)
            shown = NULL_PARTITION if value is None else quote(str(value), safe="")
            parts.append(f"{column}={shown}")
        return "/".join(parts)


@dataclass(frozen=True, slots=True)
class ParquetFileNaming:
    """``[<partition>/]<start>-<end>-SSSSS-of-NNNNN-<token>.parquet``, window bounds in UTC.

    Outside any window (a batch run) the name starts with ``prefix`` instead of the bounds
    (``part``, or ``part-train`` for one split's files). No sub-folder per window: partition
    folders are made by the sink factory, which a window has no hook for. The random token
    keeps a second firing of the same window (late data) from renaming its files over the
    first one's: WriteToFiles names files by destination and window only and has no pane in
    hand.
    """

    prefix: str = "part"

    def __call__(
        self,
        window: Any,
        pane: Any,
        shard_index: int | None,
        total_shards: int | None,
        compression: str,
        destination: str,
    ) -> str:
        if isinstance(window, IntervalWindow):
            span = f"{_utc(window.start)}-{_utc(window.end)}"
        else:  # the global window
            span = self.prefix
        shard = f"{int(shard_index or 0):05d}-of-{int(total_shards or 1):05d}"
        name = f"{span}-{shard}-{uuid.uuid4().hex[:8]}.parquet"
        return f"{destination}/{name}" if destination else name


parquet_file_name = ParquetFileNaming()


def _utc(timestamp: Any) -> str:
    return timestamp.to_utc_datetime().strftime(_UTC_FORMAT)


class WriteParquetFiles(beam.PTransform):
    """Write rows (dicts of ``schema``) as Parquet files under ``folder``.

    One file per bundle, window and partition, named by ``ParquetFileNaming(prefix)``; each
    window's files appear (renamed from the temp folder) when its pane fires. ``partition_by`` names
    columns that make Hive-style sub-folders; those columns are then left out of the files.
    Temp files go to ``temp_directory`` (default: a ``.temp…`` folder inside ``folder``,
    which WriteToFiles leaves behind empty).
    Output: ``fileio.FileResult`` per written file.
    """

    def __init__(
        self,
        folder: str,
        schema: pa.Schema,
        output: OutputConfig,
        partition_by: Sequence[str] = (),
        temp_directory: str | None = None,
        prefix: str = "part",
    ) -> None:
        super().__init__()
        self._folder = folder
        self._naming = ParquetFileNaming(prefix)
        # As Hive, Spark and pyarrow write it: a partition column lives in the folder name
        # only (pyarrow refuses to merge a column that is in both the file and the path).
        file_schema = pa.schema(
            [f for f in schema if f.name not in partition_by], metadata=schema.metadata
        )
        self._sink = _NewSink(
            file_schema, output.compression, output.row_group_buffer_bytes, folder
        )
        self._partition = HivePartition(tuple(partition_by))
        self._temp_directory = temp_directory

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        return rows | fileio.WriteToFiles(
            path=self._folder,
            destination=self._partition,
            sink=self._sink,
            file_naming=self._naming,
            temp_directory=(
                None  # WriteToFiles wants a ValueProvider, not a string
                if self._temp_directory is None
                else StaticValueProvider(str, self._temp_directory)
            ),
        )
