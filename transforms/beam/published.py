"""The dedup index of an incremental output: its files and how a run looks its articles up in
the committed ones (``beam.index_write`` writes them).

The index is a few segments, ``dedup-index/<partition>/`` each: a committed run's, holding its
published articles and those of the segments it merged (``corpus.published.segments_to_merge``).
A segment holds four tables, each cut into ``published.RANGES`` Parquet files by key
(``<table>-<range>.parquet``), sorted by key, in small row groups:

- ``hashes``: key (a content_hash's first 64 bits), content_hash, doc_id, source;
- ``bands``: key (an LSH band hash), doc_key;
- ``signatures``: key (a doc_key), doc_id, source, signature (the MinHash, 512 bytes);
- ``files``: key (the input file's ``file_key``), doc_id, source: what a changed input
  published before, which its new version supersedes.

A lookup groups the run's keys by range and, per live segment, opens only that range's file
and reads only the row groups whose [min, max] hold one of the keys: no worker holds the whole
index, and bytes read grow with the keys asked for and the segments, not with the runs. A
segment is published with its run's partition and committed by its manifest, like
``articles/``. The rules (which earlier article a new one is a copy of) are
``corpus.published``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.corpus.published import (
    RANGES,
    exact_published,
    file_key,
    hash_key,
)
from scrapeclean.transforms.records import Article
from scrapeclean.transforms.text.sources import file_source

INDEX = "dedup-index"  # beside articles/ and rejects/ in an incremental output
NAMESPACE = "dedup_index"
TABLES = {
    "hashes": pa.schema(
        [("key", pa.uint64()), ("content_hash", pa.string()), ("doc_id", pa.string()),
         ("source", pa.string())]
    ),
    "bands": pa.schema([("key", pa.uint64()), ("doc_key", pa.uint64())]),
    "signatures": pa.schema(
        [("key", pa.uint64()), ("doc_id", pa.string()), ("source", pa.string()),
         ("signature", pa.binary())]
    ),
    "files": pa.schema(
        [("key", pa.uint64()), ("doc_id", pa.string()), ("source", pa.string())]
    ),
}  # fmt: skip
ROWS_FLUSH = 4096  # articles per packed batch of index rows


@dataclass(frozen=True, slots=True)
class PublishedIndex:
    """The committed runs' index: the index folder and the partition paths of its live
    segments, oldest first; ``merge``: those the next run rewrites into its own segment."""

    root: str  # <output>/dedup-index
    partitions: tuple[str, ...]
    merge: tuple[str, ...] = ()

    def merged(self) -> PublishedIndex | None:
        """The segments to merge, as an index of their own (None when there are none)."""
        return PublishedIndex(self.root, self.merge) if self.merge else None

    def files(self, table: str, number: int) -> list[str]:
        """The files of one table and range, one per committed run (some may not exist)."""
        name = f"{table}-{number:02d}.parquet"
        return [FileSystems.join(self.root, *p.split("/"), name) for p in self.partitions]


def read_rows(index: PublishedIndex, table: str, number: int, keys: np.ndarray) -> pa.Table:
    """The rows of one table and range, over every live segment, whose key is in ``keys``.

    Per file: the key column of the row groups whose [min, max] hold a key (the files are
    sorted, so the statistics are tight), then the other columns of only the groups where a
    key is found; most keys a run asks for (its band keys) are in no earlier article. Counts
    the bytes read (compressed, footers included), the row groups opened and the files opened
    in ``dedup_index``.
    """
    keys = np.unique(np.asarray(keys, dtype=np.uint64))
    found = [TABLES[table].empty_table()]
    for path in index.files(table, number):
        if not FileSystems.exists(path):  # that run published nothing in this range
            continue
        with open_index_file(path) as handle:
            parquet = pq.ParquetFile(handle)
            metadata = parquet.metadata
            groups = row_groups_holding(metadata, keys)
            rows = [_matching_rows(parquet, group, keys) for group in groups]
        read = sum(
            _compressed_size(metadata.row_group(g), key_only=not len(r))
            for g, r in zip(groups, rows, strict=True)
        )
        Metrics.counter(NAMESPACE, "bytes_read").inc(read + metadata.serialized_size)
        Metrics.counter(NAMESPACE, "row_groups_read").inc(len(groups))
        Metrics.counter(NAMESPACE, "files_opened").inc()
        found += [group for group in rows if len(group)]
    return pa.concat_tables(found)


def open_index_file(path: str) -> Any:
    """An index file opened for reading, on any Beam filesystem."""
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def _matching_rows(parquet: pq.ParquetFile, group: int, keys: np.ndarray) -> pa.Table:
    """The rows of a row group whose key is in ``keys``: its key column first, its other
    columns only when a key is found there (the key column is not read a second time)."""
    column = parquet.read_row_group(group, columns=["key"]).column("key")
    matching = np.isin(column.to_numpy(), keys)
    schema = parquet.schema_arrow
    if not matching.any():
        return schema.empty_table()
    others = parquet.read_row_group(group, columns=schema.names[1:])
    return others.add_column(0, schema.field("key"), column).filter(pa.array(matching))


def _compressed_size(group: pq.RowGroupMetaData, key_only: bool) -> int:
    """Bytes read on disk of a row group: its key column, or all of its columns."""
    columns = 1 if key_only else group.num_columns
    return sum(group.column(c).total_compressed_size for c in range(columns))


def _columns(rows: pa.Table, *names: str) -> Iterator[tuple[Any, ...]]:
    """The rows of ``rows`` as tuples of the named columns' Python values."""
    return zip(*(rows.column(name).to_pylist() for name in names), strict=True)


def row_groups_holding(metadata: pq.FileMetaData, keys: np.ndarray) -> list[int]:
    """The row groups whose key statistics [min, max] hold at least one of the sorted keys."""
    groups = []
    for number in range(metadata.num_row_groups):
        stats = metadata.row_group(number).column(0).statistics
        low, high = np.uint64(stats.min), np.uint64(stats.max)
        at = int(np.searchsorted(keys, low))
        if at < len(keys) and keys[at] <= high:
            groups.append(number)
    return groups


def published_from(index: PublishedIndex, sources: Iterable[str]) -> list[tuple[str, str]]:
    """(doc_id, source) of what the committed runs published from the input files of
    ``sources``; read in the job, not in a pipeline, for the few files a run finds changed."""
    files = {file_source(source) for source in sources}
    by_range: dict[int, list[int]] = {}
    for source in files:
        by_range.setdefault(file_key(source) % RANGES, []).append(file_key(source))
    found = []
    for number, keys in sorted(by_range.items()):
        rows = read_rows(index, "files", number, np.array(keys, dtype=np.uint64))
        for doc_id, source in _columns(rows, "doc_id", "source"):
            if file_source(source) in files:  # not an other file on the same 64-bit key
                found.append((doc_id, source))
    return sorted(found)


def exact_matches(articles: beam.PCollection, index: PublishedIndex) -> beam.PCollection:
    """(doc_id, earlier doc_id) for every article with the content_hash of an article a
    committed run published (``exact_published``)."""
    return (
        articles
        | "PublishedHashes" >> beam.ParDo(_HashKeysFn())
        | "GroupHashRanges" >> beam.GroupByKey()
        | "ExactPublished" >> beam.FlatMap(_exact_matches, index)
    )


class _HashKeysFn(BufferedFn):
    """(range, ((content_hash, doc_id, source), ...)) per bundle: one element per range."""

    def new_buffer(self) -> dict[int, list[tuple[str, str, str]]]:
        return {}

    def add(self, buffer: dict[int, list[tuple[str, str, str]]], element: Article) -> bool:
        number = hash_key(element.content_hash) % RANGES
        buffer.setdefault(number, []).append((element.content_hash, element.doc_id, element.source))
        return sum(map(len, buffer.values())) >= ROWS_FLUSH

    def flush(self, buffer: dict[int, list[tuple[str, str, str]]]) -> Iterator[Any]:
        for number, rows in sorted(buffer.items()):
            yield number, tuple(rows)


def _exact_matches(
    group: tuple[int, Iterable[tuple[tuple[str, str, str], ...]]], index: PublishedIndex
) -> Iterator[tuple[str, str]]:
    number, batches = group
    new = [row for batch in batches for row in batch]
    rows = read_rows(index, "hashes", number, [hash_key(h) for h, _, _ in new])
    found: dict[str, list[tuple[str, str]]] = {}
    for content_hash, doc_id, source in _columns(rows, "content_hash", "doc_id", "source"):
        found.setdefault(content_hash, []).append((doc_id, source))
    for content_hash, doc_id, source in sorted(new):
        earlier = exact_published(doc_id, source, found.get(content_hash, ()))
        if earlier is not None:
            yield doc_id, earlier


def near_candidates(band_tables: beam.PCollection, index: PublishedIndex) -> beam.PCollection:
    """(doc key, [(doc_id, source, signature) of the committed runs' articles it shares an
    LSH band with]) from the run's band tables ((shard, packed (band, doc key) rows), the shard
    a multiple of RANGES apart from the band's range)."""
    return (
        band_tables
        | "BandRanges" >> beam.Map(lambda kv: (kv[0] % RANGES, kv[1]))
        | "GroupBandRanges" >> beam.GroupByKey()
        | "PublishedBands" >> beam.FlatMap(_band_matches, index)
        | "GroupOldKeys" >> beam.GroupByKey()
        | "PublishedSignatures" >> beam.FlatMap(_old_signatures, index)
        | "CandidatesPerDoc" >> beam.GroupByKey()
    )


def _band_matches(
    group: tuple[int, Iterable[bytes]], index: PublishedIndex
) -> Iterator[tuple[int, tuple[int, int]]]:
    """(range of the earlier doc key, (earlier doc key, new doc key)) per shared band."""
    number, packed = group
    new = np.frombuffer(b"".join(packed), dtype=np.uint64).reshape(-1, 2)
    rows = read_rows(index, "bands", number, new[:, 0])
    if not rows.num_rows:
        return
    new = new[np.argsort(new[:, 0], kind="stable")]
    bands, old_keys = rows.column("key").to_numpy(), rows.column("doc_key").to_numpy()
    first = np.searchsorted(new[:, 0], bands, side="left")
    last = np.searchsorted(new[:, 0], bands, side="right")
    pairs = {
        (old_key, new_key)
        for old_key, low, high in zip(old_keys.tolist(), first.tolist(), last.tolist(), strict=True)
        for new_key in new[low:high, 1].tolist()
    }
    for old_key, new_key in sorted(pairs):
        yield old_key % RANGES, (old_key, new_key)


def _old_signatures(
    group: tuple[int, Iterable[tuple[int, int]]], index: PublishedIndex
) -> Iterator[tuple[int, tuple[str, str, bytes]]]:
    number, pairs = group
    pairs = list(pairs)
    rows = read_rows(index, "signatures", number, [old for old, _ in pairs])
    found = {
        key: (doc_id, source, signature)
        for key, doc_id, source, signature in _columns(rows, "key", "doc_id", "source", "signature")
    }
    for old_key, new_key in pairs:
        if old_key in found:
            yield new_key, found[old_key]
