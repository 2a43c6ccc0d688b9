"""NearDuplicates: MinHash signatures, LSH buckets, verified clusters and the stars inside them,
as packed tables, a few elements per bundle; with an incremental output's index, the near
copies of what earlier runs published too. The pure rules are ``corpus.neardup`` and
``corpus.survivors``; DropDuplicates (beam/dedup.py) turns the outcome into rejects.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.published import PublishedIndex, near_candidates
from scrapeclean.transforms.beam.run_stages import MAIN
from scrapeclean.transforms.beam.spill import held_records, hold
from scrapeclean.transforms.corpus.neardup import (
    NearDupConfig,
    band_rows,
    colliding_buckets,
    doc_key,
    signatures,
)
from scrapeclean.transforms.corpus.published import closest_published
from scrapeclean.transforms.corpus.survivors import components, star_survivors, verified_edges
from scrapeclean.transforms.records import Article, failure_detail

NEAR = "neardup"  # the metrics namespace
FAILED = "failed"  # the table steps' output of (doc_id, (namespace, detail)) they raised on
_LOG = logging.getLogger(__name__)


class NearOutputs(NamedTuple):
    """What NearDuplicates returns."""

    losers: beam.PCollection  # (doc_id, survivor of its star)
    failed: beam.PCollection  # (doc_id, (NEAR, detail)) of articles signing raised on
    earlier: beam.PCollection | None  # (doc_id, earlier doc_id): near copies of earlier runs'


class NearDuplicates(beam.PTransform):
    """Near duplicates among a run's articles: MinHash signatures, LSH buckets, verified
    clusters, and greedy stars inside each cluster (``corpus.survivors.star_survivors``).

    Returns ``NearOutputs``: ``losers``, (doc_id, survivor) for every article a star took;
    ``failed``, (doc_id, (NEAR, detail)) for an article signing raised on (left out of the
    tables); and, with ``published``, ``earlier``, (doc_id, earlier doc_id) for the near
    copies of what committed runs published, which take no part in the stars (nor do those
    of ``earlier_exact``, the exact copies). Deterministic: ids and signatures decide; grouped
    per window. With ``spill_dir`` the signature tables wait for the buckets in files there.
    """

    def __init__(
        self,
        config: NearDupConfig,
        spill_dir: str | None = None,
        published: PublishedIndex | None = None,
        earlier_exact: beam.PCollection | None = None,
    ) -> None:
        super().__init__()
        self._config = config
        self._spill_dir = spill_dir
        self._published = published
        self._earlier_exact = earlier_exact

    def expand(self, articles: beam.PCollection) -> NearOutputs:
        tables = articles | "Signatures" >> beam.ParDo(_SignFn(self._config)).with_outputs(
            _BAND_TABLES, FAILED, main=MAIN
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
        verified = (
            signed
            | "CandidateSignatures"
            >> beam.FlatMap(_candidate_signatures, spilled, beam.pvalue.AsDict(buckets))
            | "GroupCandidates" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(_verify, self._config).with_outputs(_LINKED, main=MAIN)
        )
        roots = (
            verified[MAIN]
            # Components need every edge of the window in one place. Edges are few (near
            # duplicates only, k-1 per cluster), so one key is cheap where it matters.
            | "OneKey" >> beam.Map(lambda edge: ("", edge))
            | "GroupEdges" >> beam.GroupByKey()
            | "Components" >> beam.FlatMap(lambda group: sorted(components(group[1]).items()))
        )
        earlier, taken = None, []
        if self._published is not None:
            candidates = near_candidates(tables[_BAND_TABLES], self._published)
            earlier = signed | "NearPublished" >> beam.FlatMap(
                _near_published, spilled, beam.pvalue.AsDict(candidates), self._config
            )
            taken = [earlier, *([self._earlier_exact] if self._earlier_exact else [])]
        # Each cluster's members with their signatures, for the stars: grouped by cluster, so
        # one worker holds one cluster's signatures at a time.
        losers = (
            {"root": roots, "signature": verified[_LINKED]}
            | "JoinSignatures" >> beam.CoGroupByKey()
            | "ByCluster" >> beam.FlatMap(_by_cluster)
            | "GroupClusters" >> beam.GroupByKey()
            | "Stars"
            >> beam.FlatMap(
                _star_losers,
                self._config,
                beam.pvalue.AsDict(taken | "Taken" >> beam.Flatten()) if taken else None,
            )
        )
        return NearOutputs(losers, tables[FAILED], earlier)


_LINKED = "linked"  # (doc_id, signature) of the articles on a verified edge
_BAND_TABLES = "band_tables"
_TABLE_SHARDS = 64  # band tables are cut by band hash so buckets spread over workers
TABLE_FLUSH_DOCS = 8192  # articles per table: bounds a DoFn's buffer (~6 MB)


class _SignFn(BufferedFn):
    """Sign the articles; emit the signatures and band-table rows packed, a few per bundle.

    Main output: signature tables (doc ids, sources, doc keys, signatures) of up to
    TABLE_FLUSH_DOCS
    articles; ``band_tables``: (shard, packed (band hash, doc key) rows). One element per article
    and band (16 per article), then one per article for the signature join, made near dedup
    cost more than the rest of the corpus steps on the local runner, in time and memory.
    Articles are signed SIGN_BATCH at a time (``signatures``): a batch's word lists are the
    only per-article temporaries held. An article signing raises on is left out of the tables
    and named on ``failed`` (the Resolve step rejects it).
    """

    def __init__(self, config: NearDupConfig) -> None:
        self._config = config

    def new_buffer(self) -> _SignBuffer:
        return _SignBuffer()

    def add(self, buffer: _SignBuffer, element: Article) -> bool:
        buffer.pending.append((element.doc_id, element.source, element.text))
        if len(buffer.pending) >= SIGN_BATCH:
            buffer.sign(self._config)
        return len(buffer.doc_ids) + len(buffer.pending) >= TABLE_FLUSH_DOCS

    def flush(self, buffer: _SignBuffer) -> Iterator[Any]:
        buffer.sign(self._config)
        for failure in buffer.failed:
            yield TaggedOutput(FAILED, failure)
        if not buffer.doc_ids:
            return
        matrix = np.concatenate(buffer.signed)
        keys = np.array([doc_key(doc_id) for doc_id in buffer.doc_ids], dtype=np.uint64)
        rows = band_rows(matrix, keys, self._config)
        shard = rows[:, 0] % np.uint64(_TABLE_SHARDS)
        for number in np.unique(shard).tolist():
            yield TaggedOutput(_BAND_TABLES, (number, rows[shard == number].tobytes()))
        yield tuple(buffer.doc_ids), tuple(buffer.sources), keys.tobytes(), matrix.tobytes()


SIGN_BATCH = 256


@dataclass
class _SignBuffer:
    doc_ids: list[str] = field(default_factory=list)  # signed, in the order of `signed`
    sources: list[str] = field(default_factory=list)  # their sources, in the same order
    # (doc_id, source, text) not signed yet
    pending: list[tuple[str, str, str]] = field(default_factory=list)
    signed: list[np.ndarray] = field(default_factory=list)  # signature rows, in doc_ids order
    failed: list[tuple[str, tuple[str, str]]] = field(default_factory=list)

    def sign(self, config: NearDupConfig) -> None:
        """Sign the pending texts at once; if that raises, one at a time, to find the culprits."""
        if not self.pending:
            return
        try:
            self._add(self.pending, signatures(self._texts(), config))
        except Exception:
            for doc_id, source, text in self.pending:
                try:
                    self._add([(doc_id, source, text)], signatures([text], config))
                except Exception as error:
                    _LOG.debug("signing %s failed", doc_id, exc_info=True)
                    self.failed.append((doc_id, (NEAR, failure_detail(NEAR, error))))
        self.pending = []

    def _texts(self) -> list[str]:
        return [text for _, _, text in self.pending]

    def _add(self, signed: list[tuple[str, str, str]], rows: np.ndarray) -> None:
        self.doc_ids.extend(doc_id for doc_id, _, _ in signed)
        self.sources.extend(source for _, source, _ in signed)
        self.signed.append(rows)


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
    table: _SignatureTable, buckets: dict[int, Iterable[bytes]]
) -> Iterator[tuple[bytes, tuple[str, bytes]]]:
    for doc_id, _, key, signature in _table_rows(table):
        for bucket in set(buckets.get(key, ())):
            yield bucket, (doc_id, signature)


# A signature table: doc ids, their sources, packed doc keys, packed signatures (_SignFn).
_SignatureTable = tuple[tuple[str, ...], tuple[str, ...], bytes, bytes]


def _table_rows(table: _SignatureTable) -> Iterator[tuple[str, str, int, bytes]]:
    """(doc_id, source, doc key, signature) per article of a signature table."""
    doc_ids, sources, keys, signatures = table
    width = len(signatures) // max(len(doc_ids), 1)
    for index, key in enumerate(np.frombuffer(keys, dtype=np.uint64).tolist()):
        signature = signatures[index * width : (index + 1) * width]
        yield doc_ids[index], sources[index], key, signature


def _near_published(
    element: Any,
    spilled: bool,
    candidates: dict[int, Iterable[tuple[str, str, bytes]]],
    config: NearDupConfig,
) -> Iterator[tuple[str, str]]:
    """(doc_id, earlier doc_id) for the articles behind ``element`` that are near copies of
    an article a committed run published (``closest_published``)."""
    for table in held_records(element, spilled):
        for doc_id, source, key, signature in _table_rows(table):
            found = candidates.get(key)
            earlier = closest_published(signature, source, found, config) if found else None
            if earlier is not None:
                yield doc_id, earlier


def _verify(
    group: tuple[bytes, Iterable[tuple[str, bytes]]], config: NearDupConfig
) -> Iterator[Any]:
    """The verified edges of one candidate group; tagged ``linked``, the signature of every
    article on one (the stars compare them again, against their survivor)."""
    members = dict(group[1])
    edges = verified_edges(members.items(), config)
    Metrics.counter(NEAR, "edges").inc(len(edges))
    yield from edges
    for doc_id in sorted({doc_id for edge in edges for doc_id in edge}):
        yield TaggedOutput(_LINKED, (doc_id, members[doc_id]))


def _by_cluster(
    joined: tuple[str, dict[str, list[Any]]],
) -> Iterator[tuple[str, tuple[str, bytes]]]:
    """(cluster root, (doc_id, signature)) for one article of a cluster."""
    doc_id, found = joined
    if found["root"]:  # every linked article has a root; its signature may come several times
        yield found["root"][0], (doc_id, found["signature"][0])


def _star_losers(
    group: tuple[str, Iterable[tuple[str, bytes]]],
    config: NearDupConfig,
    taken: dict[str, str] | None,
) -> Iterator[tuple[str, str]]:
    """The stars of one cluster, without the articles earlier runs' copies took (``taken``)."""
    members = [(d, signature) for d, signature in group[1] if not taken or d not in taken]
    losers = star_survivors(members, config)
    Metrics.counter(NEAR, "clusters").inc(len(set(losers.values())))
    yield from sorted(losers.items())
