"""Writing the dedup index: a run's own segment (its published articles' rows, one file per
table and range, sorted by key) and the merge of the newest committed segments into it.

Lookups, the file layout and the tables' schemas are ``beam.published``; which segments a run
merges is ``corpus.published.segments_to_merge``; deleting the merged folders once the run
has committed is the job's (``pipeline/job/incremental.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.neardup import SIGN_BATCH
from scrapeclean.transforms.beam.published import (
    ROWS_FLUSH,
    TABLES,
    PublishedIndex,
    open_index_file,
)
from scrapeclean.transforms.corpus.neardup import NearDupConfig, band_rows, doc_key, signatures
from scrapeclean.transforms.corpus.published import RANGES, file_key, hash_key
from scrapeclean.transforms.records import Article

# Rows per row group: the unit a lookup reads, so small enough that a batch's keys touch few of
# them in a big index (a band row is 16 bytes: 1,024 rows 16 KB; a signature row ~600 bytes:
# 64 rows ~38 KB). Measured, 1,000 new dumps against 90,991 indexed articles: 64 of the
# index's 82 MB read with groups of 8,192 bands and 512 signatures (the candidates' signatures
# were most of it).
_GROUP_ROWS = {"hashes": 1024, "bands": 1024, "signatures": 64, "files": 1024}


class WriteIndex(beam.PTransform):
    """Write the index rows of the published articles under ``folder`` (a staging folder):
    ``hashes`` and ``files`` always, ``bands`` and ``signatures`` when ``near`` is on; with
    ``merged`` (committed segments, ``segments_to_merge``), their rows too, so that the run's
    segment replaces theirs once the run commits.

    One file per table and range, sorted by key; a retried bundle rewrites the same file. The
    signatures are computed again here (only incremental runs pay for it). Output: the paths
    (None for a table and range without rows).
    """

    def __init__(
        self, folder: str, near: NearDupConfig, merged: PublishedIndex | None = None
    ) -> None:
        super().__init__()
        self._folder = folder
        self._near = near
        self._merged = merged

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        rows = articles | "IndexRows" >> beam.ParDo(_IndexRowsFn(self._near))
        if self._merged is not None:  # every table and range, where the run has no rows too
            every = [((t, n), TABLES[t].empty_table()) for t in TABLES for n in range(RANGES)]
            rows = (rows, articles.pipeline | "EveryRange" >> beam.Create(every)) | beam.Flatten()
        return (
            rows
            | "GroupTables" >> beam.GroupByKey()
            | "WriteTables" >> beam.Map(write_index_table, self._folder, self._merged)
        )


class _IndexRowsFn(BufferedFn):
    """((table, range), packed rows) for a batch of published articles. Texts are signed
    SIGN_BATCH at a time as they come, so a buffer holds ids, hashes and signatures, not
    ROWS_FLUSH articles: signing 4,096 texts at once, holding them, cost ~50 MB of a run's peak
    (11,000 dumps, training profile: 486 -> 434 MB)."""

    def __init__(self, near: NearDupConfig) -> None:
        self._near = near

    def new_buffer(self) -> _IndexBuffer:
        return _IndexBuffer()

    def add(self, buffer: _IndexBuffer, element: Article) -> bool:
        buffer.doc_ids.append(element.doc_id)
        buffer.sources.append(element.source)
        buffer.hashes.append(element.content_hash)
        if self._near.enabled:
            buffer.pending.append(element.text)
            if len(buffer.pending) >= SIGN_BATCH:
                buffer.sign(self._near)
        return len(buffer.doc_ids) >= ROWS_FLUSH

    def flush(self, buffer: _IndexBuffer) -> Iterator[tuple[tuple[str, int], pa.Table]]:
        records = {"doc_id": buffer.doc_ids, "source": buffer.sources}
        yield from _split("files", [file_key(source) for source in buffer.sources], records)
        keys = [hash_key(content_hash) for content_hash in buffer.hashes]
        yield from _split("hashes", keys, {"content_hash": buffer.hashes, **records})
        if not self._near.enabled:
            return
        buffer.sign(self._near)
        matrix = np.concatenate(buffer.signed)
        keys = np.array([doc_key(doc_id) for doc_id in buffer.doc_ids], dtype=np.uint64)
        bands = band_rows(matrix, keys, self._near)
        yield from _split("bands", bands[:, 0], {"doc_key": bands[:, 1]})
        signed = [row.tobytes() for row in matrix]
        yield from _split("signatures", keys, {**records, "signature": signed})


@dataclass
class _IndexBuffer:
    doc_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # texts not signed yet
    signed: list[np.ndarray] = field(default_factory=list)  # signature rows, in doc_ids order

    def sign(self, config: NearDupConfig) -> None:
        """Sign the pending texts at once."""
        if self.pending:
            self.signed.append(signatures(self.pending, config))
            self.pending = []


def _split(
    table: str, keys: Sequence[int] | np.ndarray, columns: dict[str, Any]
) -> Iterator[tuple[tuple[str, int], pa.Table]]:
    """A table of rows cut by range (key % RANGES)."""
    keys = np.asarray(keys, dtype=np.uint64)
    rows = pa.table({"key": keys, **columns}, schema=TABLES[table])
    ranges = keys % np.uint64(RANGES)
    for number in np.unique(ranges).tolist():
        yield (table, number), rows.filter(pa.array(ranges == number))


def write_index_table(
    group: tuple[tuple[str, int], Iterable[pa.Table]],
    folder: str,
    merged: PublishedIndex | None = None,
) -> str | None:
    """Write one table and range's rows, with those of the ``merged`` segments, sorted by key,
    as ``<table>-<range>.parquet`` under ``folder``; returns its path (None without rows).

    The merge streams: the sorted inputs are read one key window at a time (the row groups
    whose statistics meet it), so a worker holds about _MERGE_ROWS rows, not the segments.
    """
    (table, number), parts = group
    new = pa.concat_tables([TABLES[table].empty_table(), *parts]).sort_by("key")
    old = [] if merged is None else merged.files(table, number)
    handles = [open_index_file(path) for path in old if FileSystems.exists(path)]
    try:
        sources = [pq.ParquetFile(handle) for handle in handles]
        total = new.num_rows + sum(source.metadata.num_rows for source in sources)
        if not total:
            return None
        path = FileSystems.join(folder, f"{table}-{number:02d}.parquet")
        with (
            FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle,
            pq.ParquetWriter(handle, TABLES[table], **_WRITE_OPTIONS) as writer,
        ):
            _write_merged(writer, table, new, sources, -(-total // _MERGE_ROWS[table]))
        return path
    finally:
        for handle in handles:
            handle.close()


# Parquet options of every index file: statistics on the key only (the lookups' one filter;
# those of a 512-byte signature or a path were most of a signatures file's footer), and no
# dictionary (keys, hashes, ids and paths are all distinct: a dictionary only adds to them).
_WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "write_statistics": ["key"],
    "use_dictionary": False,
}
# Rows a merge holds per key window, per table (~16 MB: 16-byte band rows, ~600-byte signature
# rows).
_MERGE_ROWS = {"hashes": 1 << 17, "bands": 1 << 20, "signatures": 1 << 15, "files": 1 << 17}
_KEYS = 1 << 64


def _write_merged(
    writer: pq.ParquetWriter,
    table: str,
    new: pa.Table,
    sources: Sequence[pq.ParquetFile],
    windows: int,
) -> None:
    """Write ``new`` and the ``sources``' rows in key order, ``windows`` equal key windows at a
    time (keys are hashes: uniform), in row groups of _GROUP_ROWS[table]."""
    keys = new.column("key").to_numpy()
    carry = TABLES[table].empty_table()  # a last, partial row group joins the next window
    for window in range(windows):
        low, high = _KEYS * window // windows, _KEYS * (window + 1) // windows
        start = int(np.searchsorted(keys, np.uint64(low), side="left"))
        stop = int(np.searchsorted(keys, np.uint64(high - 1), side="right"))
        parts = [carry, new.slice(start, stop - start)]
        parts += [_window_rows(source, low, high) for source in sources]
        rows = pa.concat_tables(parts).sort_by("key")
        size = _GROUP_ROWS[table]
        whole = rows.num_rows - rows.num_rows % size if window < windows - 1 else rows.num_rows
        if whole:
            writer.write_table(rows.slice(0, whole), row_group_size=size)
        carry = rows.slice(whole)


def _window_rows(source: pq.ParquetFile, low: int, high: int) -> pa.Table:
    """The rows of a sorted index file whose key is in [low, high)."""
    metadata = source.metadata
    groups = []
    for number in range(metadata.num_row_groups):
        stats = metadata.row_group(number).column(0).statistics
        if stats is None or (int(stats.max) >= low and int(stats.min) < high):
            groups.append(number)
    if not groups:
        return source.schema_arrow.empty_table()
    rows = source.read_row_groups(groups)
    keys = rows.column("key").to_numpy()
    return rows.filter(pa.array((keys >= np.uint64(low)) & (keys <= np.uint64(high - 1))))
