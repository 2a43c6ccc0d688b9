"""DropDuplicates: exact (content_hash) and near (MinHash + LSH) duplicates, one survivor each.

Only ids, hashes, signatures and packed band tables are grouped; the articles meet the
decisions as side inputs (doc_id -> survivor), so they never move through a shuffle
themselves. The pure rules are ``corpus.dedup`` and ``corpus.neardup``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS
from scrapeclean.transforms.beam.spill import held_records, hold, spill_subfolder
from scrapeclean.transforms.corpus.dedup import DedupConfig, exact_survivors
from scrapeclean.transforms.corpus.neardup import (
    NearDupConfig,
    band_rows,
    cluster_survivors,
    colliding_buckets,
    doc_key,
    signatures,
    verified_edges,
)
from scrapeclean.transforms.records import Article, Reject, RejectReason

EXACT = "dedup"  # metrics namespaces: one per step, as the manifest lists stages
NEAR = "neardup"


class DropDuplicates(beam.PTransform):
    """Keep one article per exact duplicate group and per near-duplicate cluster.

    Exact: articles with equal ``content_hash`` keep the smallest doc_id; the others become
    ``duplicate`` rejects whose detail is that doc_id. Near: among what is left, articles whose
    estimated Jaccard (word 5-shingle MinHash) reaches ``near.threshold`` are linked, linked
    articles form clusters (connected components), and each cluster keeps its smallest doc_id;
    the others become ``near_duplicate`` rejects with the survivor's doc_id as detail.

    Outputs ``records`` (main) and ``rejects``; every input comes out exactly once on one of
    them. Doc ids are unique per input (ReadDocuments reads every file once). The result does
    not depend on input order, bundling or runner: survivors are minima, signatures are
    seeded hashes. Grouping is per window, so a windowed (streaming) input is deduplicated
    within each window. With ``spill_dir`` the articles wait for the decisions in files there.
    Counters: ``dedup`` and ``neardup`` namespaces, each with ``in``,
    ``out``, ``rejected.<reason>``; ``neardup`` also ``candidate_buckets``, ``edges``,
    ``clusters``.
    """

    def __init__(
        self, dedup: DedupConfig, near: NearDupConfig, spill_dir: str | None = None
    ) -> None:
        super().__init__()
        self._dedup = dedup
        self._near = near
        self._spill_dir = spill_dir

    def expand(self, articles: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        losers: dict[str, Any] = {}
        if self._dedup.enabled:
            exact = (
                articles
                | "HashTables" >> beam.ParDo(_HashTablesFn())
                | "GroupHashes" >> beam.GroupByKey()
                | "ExactLosers" >> beam.FlatMap(_exact_losers)
            )
            losers["exact"] = beam.pvalue.AsDict(exact)
        if self._near.enabled:
            near = articles | "NearDuplicates" >> _NearLosers(
                self._near, spill_subfolder(self._spill_dir, "signatures")
            )
            losers["near"] = beam.pvalue.AsDict(near)
        held = hold(articles, spill_subfolder(self._spill_dir, "articles"))
        resolve = _ResolveFn(spilled=self._spill_dir is not None)
        return held | "Resolve" >> beam.ParDo(resolve, **losers).with_outputs(REJECTS, main=MAIN)


class _NearLosers(beam.PTransform):
    """(doc_id, survivor) for every article that is not the smallest id of its near cluster."""

    def __init__(self, config: NearDupConfig, spill_dir: str | None = None) -> None:
        super().__init__()
        self._config = config
        self._spill_dir = spill_dir

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        tables = articles | "Signatures" >> beam.ParDo(_SignFn(self._config)).with_outputs(
            _BAND_TABLES, main=MAIN
        )
        # The signature tables (~0.5 KB per article) wait for the buckets in files too: on the
        # local runner they were held, and sent to the workers, whole.
        signed = hold(tables[MAIN], self._spill_dir)
        spilled = self._spill_dir is not None
        buckets = (
            tables[_BAND_TABLES]
            | "GroupBandTables" >> beam.GroupByKey()
            | "CandidateBuckets" >> beam.FlatMap(_bucket_members)
            | "BucketsPerDoc" >> beam.GroupByKey()  # a doc's buckets come from several shards
        )
        return (
            signed
            | "CandidateSignatures"
            >> beam.FlatMap(_candidate_signatures, spilled, beam.pvalue.AsDict(buckets))
            | "GroupCandidates" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(_verify, self._config)
            # Components need every edge of the window in one place. Edges are few (near
            # duplicates only, k-1 per cluster), so one key is cheap where it matters.
            | "OneKey" >> beam.Map(lambda edge: ("", edge))
            | "GroupEdges" >> beam.GroupByKey()
            | "Components" >> beam.FlatMap(_component_losers)
        )


_BAND_TABLES = "band_tables"
_TABLE_SHARDS = 64  # band tables are cut by band hash so buckets spread over workers
_TABLE_FLUSH_DOCS = 8192  # articles per table: bounds a DoFn's buffer (~6 MB)


class _SignFn(BufferedFn):
    """Sign the articles; emit the signatures and band-table rows packed, a few per bundle.

    Main output: signature tables (doc ids, doc keys, signatures) of up to _TABLE_FLUSH_DOCS
    articles; ``band_tables``: (shard, packed (band hash, doc key) rows). One element per article
    and band (16 per article), then one per article for the signature join, made near dedup
    cost more than the rest of the corpus steps on the local runner, in time and memory.
    Articles are signed _SIGN_BATCH at a time (``signatures``): a batch's word lists are the
    only per-article temporaries held.
    """

    def __init__(self, config: NearDupConfig) -> None:
        self._config = config

    def new_buffer(self) -> _SignBuffer:
        return _SignBuffer()

    def add(self, buffer: _SignBuffer, element: Article) -> bool:
        buffer.doc_ids.append(element.doc_id)
        buffer.pending.append(element.text)
        if len(buffer.pending) >= _SIGN_BATCH:
            buffer.sign(self._config)
        return len(buffer.doc_ids) >= _TABLE_FLUSH_DOCS

    def flush(self, buffer: _SignBuffer) -> Iterator[Any]:
        buffer.sign(self._config)
        matrix = np.concatenate(buffer.signed)
        keys = np.array([doc_key(doc_id) for doc_id in buffer.doc_ids], dtype=np.uint64)
        rows = band_rows(matrix, keys, self._config)
        shard = rows[:, 0] % np.uint64(_TABLE_SHARDS)
        for number in np.unique(shard).tolist():
            yield TaggedOutput(_BAND_TABLES, (number, rows[shard == number].tobytes()))
        yield tuple(buffer.doc_ids), keys.tobytes(), matrix.tobytes()


_SIGN_BATCH = 256


@dataclass
class _SignBuffer:
    doc_ids: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # texts not signed yet
    signed: list[np.ndarray] = field(default_factory=list)  # signature rows, in doc_ids order

    def sign(self, config: NearDupConfig) -> None:
        if self.pending:
            self.signed.append(signatures(self.pending, config))
            self.pending = []


_HASH_SHARDS = 16  # exact-dedup tables are cut by content hash so shards spread over workers


class _HashTablesFn(BufferedFn):
    """Per bundle and shard: (shard, ((doc_id, content_hash), ...)), up to _TABLE_FLUSH_DOCS
    articles at a time. One element per shard instead of one per article: on the local runner
    each grouped (hash, doc_id) element cost ~550 bytes of the runner's memory (tracemalloc,
    --workers 2, 100k dumps: 49 MB in 388k blocks).
    """

    def new_buffer(self) -> _HashTables:
        return _HashTables()

    def add(self, buffer: _HashTables, element: Article) -> bool:
        shard = int(element.content_hash[:4], 16) % _HASH_SHARDS
        buffer.shards[shard].append((element.doc_id, element.content_hash))
        buffer.rows += 1
        return buffer.rows >= _TABLE_FLUSH_DOCS

    def flush(self, buffer: _HashTables) -> Iterator[tuple[int, tuple[tuple[str, str], ...]]]:
        for shard, pairs in sorted(buffer.shards.items()):
            yield shard, tuple(pairs)


@dataclass
class _HashTables:
    rows: int = 0
    shards: defaultdict[int, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _exact_losers(
    group: tuple[int, Iterable[tuple[tuple[str, str], ...]]],
) -> Iterator[tuple[str, str]]:
    """(doc_id, survivor) for every exact duplicate among one shard's articles."""
    yield from sorted(exact_survivors(chain.from_iterable(group[1])).items())


def _bucket_members(group: tuple[int, Iterable[bytes]]) -> Iterator[tuple[int, bytes]]:
    """(doc key, group id) per member of each colliding bucket. The id is the members' hash:
    a near-duplicate cluster shares most of its 16 bands, and buckets with the same members
    become one group, verified once."""
    rows = np.frombuffer(b"".join(group[1]), dtype=np.uint64).reshape(-1, 2)
    for _, keys in colliding_buckets(rows):
        Metrics.counter(NEAR, "candidate_buckets").inc()
        members = hashlib.blake2b(keys.tobytes(), digest_size=8).digest()
        for key in keys.tolist():
            yield key, members


def _candidate_signatures(
    element: Any, spilled: bool, buckets: dict[int, Iterable[bytes]]
) -> Iterator[tuple[bytes, tuple[str, bytes]]]:
    """(group, (doc_id, signature)) for the articles of the signature tables behind ``element``
    (``hold``'s output) that are in one."""
    for table in held_records(element, spilled):
        yield from _table_candidates(table, buckets)


def _table_candidates(
    table: tuple[tuple[str, ...], bytes, bytes], buckets: dict[int, Iterable[bytes]]
) -> Iterator[tuple[bytes, tuple[str, bytes]]]:
    doc_ids, keys, signatures = table
    width = len(signatures) // max(len(doc_ids), 1)
    for index, key in enumerate(np.frombuffer(keys, dtype=np.uint64).tolist()):
        for bucket in set(buckets.get(key, ())):
            yield bucket, (doc_ids[index], signatures[index * width : (index + 1) * width])


def _verify(
    group: tuple[bytes, Iterable[tuple[str, bytes]]], config: NearDupConfig
) -> Iterator[tuple[str, str]]:
    edges = verified_edges(group[1], config)
    Metrics.counter(NEAR, "edges").inc(len(edges))
    yield from edges


def _component_losers(group: tuple[str, Iterable[tuple[str, str]]]) -> Iterator[tuple[str, str]]:
    survivors = cluster_survivors(group[1])
    Metrics.counter(NEAR, "clusters").inc(len(set(survivors.values())))
    for doc_id in sorted(survivors):
        yield doc_id, survivors[doc_id]


class _ResolveFn(beam.DoFn):
    """Apply the exact, then the near decision ({doc_id: survivor} side inputs) to an article;
    a step whose side input is not given is off."""

    def __init__(self, spilled: bool) -> None:
        self._spilled = spilled
        self._counters = BundleCounters()

    def process(
        self,
        element: Any,
        exact: dict[str, str] | None = None,
        near: dict[str, str] | None = None,
    ) -> Iterator[Any]:
        for article in held_records(element, self._spilled):
            yield self._resolve(article, exact, near)

    def _resolve(
        self, article: Article, exact: dict[str, str] | None, near: dict[str, str] | None
    ) -> Any:
        for namespace, losers, reason in (
            (EXACT, exact, RejectReason.DUPLICATE),
            (NEAR, near, RejectReason.NEAR_DUPLICATE),
        ):
            if losers is None:
                continue
            self._counters.inc(namespace, "in")
            survivor = losers.get(article.doc_id)
            if survivor is not None:
                self._counters.inc(namespace, f"rejected.{reason}")
                return TaggedOutput(REJECTS, Reject.of(article, reason, survivor))
            self._counters.inc(namespace, "out")
        return article

    def finish_bundle(self) -> None:
        self._counters.flush()
