"""DropDuplicates: exact (content_hash) and near (MinHash + LSH) duplicates, one survivor each.

Only ids, hashes, signatures and packed band tables are grouped; the articles meet the
decisions as side inputs (doc_id -> survivor), so they never move through a shuffle
themselves. The pure rules are ``corpus.dedup`` and ``corpus.neardup``.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.published import (
    PublishedIndex,
    exact_matches,
    near_candidates,
)
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, route
from scrapeclean.transforms.beam.spill import held_records, hold, spill_subfolder
from scrapeclean.transforms.corpus.dedup import DedupConfig, exact_survivors
from scrapeclean.transforms.corpus.neardup import (
    NearDupConfig,
    band_rows,
    colliding_buckets,
    doc_key,
    signatures,
)
from scrapeclean.transforms.corpus.published import closest_published
from scrapeclean.transforms.corpus.survivors import (
    components,
    copy_counts,
    decide,
    star_survivors,
    verified_edges,
    with_copies,
)
from scrapeclean.transforms.records import Article, Reject, RejectReason, failure_detail

EXACT = "dedup"  # metrics namespaces: one per step, as the manifest lists stages
NEAR = "neardup"
_FAILED = "failed"  # the table steps' output of (doc_id, (namespace, detail)) they raised on
_LOG = logging.getLogger(__name__)


class DropDuplicates(beam.PTransform):
    """Keep one article per exact duplicate group and per near-duplicate star.

    Exact: articles with equal ``content_hash`` keep the smallest doc_id. Near: articles whose
    estimated Jaccard (word 5-shingle MinHash) reaches ``near.threshold`` are linked; within
    each linked cluster, in doc_id order, an article no earlier survivor is similar to survives,
    and every other goes to the survivor it is most similar to
    (``corpus.survivors.star_survivors``). A dropped article is a reject naming, as its detail,
    the survivor it was compared with, which is always published: ``duplicate`` when it has
    the survivor's content_hash, else ``near_duplicate``. Survivors carry ``exact_copies`` and
    ``near_copies``, the rejects that name them (None for a step that is off).

    With ``published`` (an incremental output's committed runs, ``beam.published``), an article
    that is a copy of one an earlier run published is first dropped for it (earlier runs win;
    a new version of the same input is not a copy of its earlier one), and takes no part in
    this run's stars.

    Outputs ``records`` (main) and ``rejects``; every input comes out exactly once on one of
    them. Doc ids are unique per input (ReadDocuments reads every file once). The result does
    not depend on input order, bundling or runner: survivors follow doc_id order, signatures
    are seeded hashes. Grouping is per window, so a windowed (streaming) input is deduplicated
    within each window. With ``spill_dir`` the articles wait for the decisions in files there.
    Counters: ``dedup`` and ``neardup`` namespaces, each with ``in``, ``out``,
    ``rejected.<reason>``; ``neardup`` also ``candidate_buckets``, ``edges``, ``clusters``
    (survivors with near copies).
    """

    def __init__(
        self,
        dedup: DedupConfig,
        near: NearDupConfig,
        spill_dir: str | None = None,
        published: PublishedIndex | None = None,
    ) -> None:
        super().__init__()
        self._dedup = dedup
        self._near = near
        self._spill_dir = spill_dir
        self._published = published

    def expand(self, articles: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        losers: dict[str, beam.PCollection] = {}  # (loser, survivor) per step that is on
        failures = []  # (doc_id, (namespace, detail)) of articles a table step raised on
        if self._dedup.enabled:
            tables = articles | "HashTables" >> beam.ParDo(_HashTablesFn()).with_outputs(
                _FAILED, main=MAIN
            )
            losers[EXACT] = (
                tables[MAIN]
                | "GroupHashes" >> beam.GroupByKey()
                | "ExactLosers" >> beam.FlatMap(_exact_losers)
            )
            failures.append(tables[_FAILED])
            if self._published is not None:
                losers[_EARLIER_EXACT] = exact_matches(articles, self._published)
        if self._near.enabled:
            near = articles | "NearDuplicates" >> _NearLosers(
                self._near,
                spill_subfolder(self._spill_dir, "signatures"),
                self._published,
                losers.get(_EARLIER_EXACT),
            )
            losers[NEAR] = near.losers
            failures.append(near.failed)
            if near.earlier is not None:
                losers[_EARLIER_NEAR] = near.earlier
        decisions = (
            losers
            | "JoinDecisions" >> beam.CoGroupByKey()
            | "Decide" >> beam.FlatMap(_decide, NEAR in losers)
        )
        copies = (
            decisions
            | "BySurvivor" >> beam.Map(lambda kv: (kv[1][1], kv[1][0]))
            | "GroupCopies" >> beam.GroupByKey()
            | "CountCopies" >> beam.Map(_copies)
        )
        failed = failures | "Failed" >> beam.Flatten()
        held = hold(articles, spill_subfolder(self._spill_dir, "articles"))
        resolve = _ResolveFn(self._dedup, self._near, spilled=self._spill_dir is not None)
        return held | "Resolve" >> beam.ParDo(
            resolve,
            beam.pvalue.AsDict(decisions),
            beam.pvalue.AsDict(copies),
            beam.pvalue.AsDict(failed),
        ).with_outputs(REJECTS, main=MAIN)


_EARLIER_EXACT = "earlier_exact"  # (doc_id, earlier doc_id): copies of what earlier runs published
_EARLIER_NEAR = "earlier_near"


def _decide(
    joined: tuple[str, dict[str, list[str]]], near_on: bool
) -> Iterator[tuple[str, tuple[RejectReason, str]]]:
    """The decision on one dropped article: a copy of an earlier run's article first, else
    from its exact and near outcomes in this run (``decide``)."""
    loser, found = joined
    for tag, reason in (
        (_EARLIER_EXACT, RejectReason.DUPLICATE),
        (_EARLIER_NEAR, RejectReason.NEAR_DUPLICATE),
    ):
        if found.get(tag):
            yield loser, (reason, found[tag][0])
            return
    exact = {loser: found[EXACT][0]} if found.get(EXACT) else {}
    near = ({loser: found[NEAR][0]} if found.get(NEAR) else {}) if near_on else None
    yield from decide(exact, near).items()


def _copies(group: tuple[str, Iterable[RejectReason]]) -> tuple[str, tuple[int, int]]:
    """(survivor, (exact copies, near copies)) from the reasons of the rejects naming it."""
    survivor, reasons = group
    return survivor, copy_counts((reason, survivor) for reason in reasons)[survivor]


class _NearOutputs(NamedTuple):
    losers: beam.PCollection  # (doc_id, survivor of its star)
    failed: beam.PCollection  # (doc_id, (NEAR, detail)) of articles signing raised on
    earlier: beam.PCollection | None  # (doc_id, earlier doc_id): near copies of earlier runs'


class _NearLosers(beam.PTransform):
    """(doc_id, survivor) for every article a near-duplicate star took (``star_survivors``);
    with ``published``, also the near copies of earlier runs' articles, which (with
    ``earlier_exact``, the exact ones) take no part in the stars."""

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

    def expand(self, articles: beam.PCollection) -> _NearOutputs:
        tables = articles | "Signatures" >> beam.ParDo(_SignFn(self._config)).with_outputs(
            _BAND_TABLES, _FAILED, main=MAIN
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
        return _NearOutputs(losers, tables[_FAILED], earlier)


_LINKED = "linked"  # (doc_id, signature) of the articles on a verified edge
_BAND_TABLES = "band_tables"
_TABLE_SHARDS = 64  # band tables are cut by band hash so buckets spread over workers
_TABLE_FLUSH_DOCS = 8192  # articles per table: bounds a DoFn's buffer (~6 MB)


class _SignFn(BufferedFn):
    """Sign the articles; emit the signatures and band-table rows packed, a few per bundle.

    Main output: signature tables (doc ids, sources, doc keys, signatures) of up to
    _TABLE_FLUSH_DOCS
    articles; ``band_tables``: (shard, packed (band hash, doc key) rows). One element per article
    and band (16 per article), then one per article for the signature join, made near dedup
    cost more than the rest of the corpus steps on the local runner, in time and memory.
    Articles are signed _SIGN_BATCH at a time (``signatures``): a batch's word lists are the
    only per-article temporaries held. An article signing raises on is left out of the tables
    and named on ``failed`` (the Resolve step rejects it).
    """

    def __init__(self, config: NearDupConfig) -> None:
        self._config = config

    def new_buffer(self) -> _SignBuffer:
        return _SignBuffer()

    def add(self, buffer: _SignBuffer, element: Article) -> bool:
        buffer.pending.append((element.doc_id, element.source, element.text))
        if len(buffer.pending) >= _SIGN_BATCH:
            buffer.sign(self._config)
        return len(buffer.doc_ids) + len(buffer.pending) >= _TABLE_FLUSH_DOCS

    def flush(self, buffer: _SignBuffer) -> Iterator[Any]:
        buffer.sign(self._config)
        for failure in buffer.failed:
            yield TaggedOutput(_FAILED, failure)
        if not buffer.doc_ids:
            return
        matrix = np.concatenate(buffer.signed)
        keys = np.array([doc_key(doc_id) for doc_id in buffer.doc_ids], dtype=np.uint64)
        rows = band_rows(matrix, keys, self._config)
        shard = rows[:, 0] % np.uint64(_TABLE_SHARDS)
        for number in np.unique(shard).tolist():
            yield TaggedOutput(_BAND_TABLES, (number, rows[shard == number].tobytes()))
        yield tuple(buffer.doc_ids), tuple(buffer.sources), keys.tobytes(), matrix.tobytes()


_SIGN_BATCH = 256


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


_HASH_SHARDS = 16  # exact-dedup tables are cut by content hash so shards spread over workers


class _HashTablesFn(BufferedFn):
    """Per bundle and shard: (shard, ((doc_id, content_hash), ...)), up to _TABLE_FLUSH_DOCS
    articles at a time. One element per shard instead of one per article: on the local runner
    each grouped (hash, doc_id) element cost ~550 bytes of the runner's memory (tracemalloc,
    --workers 2, 100k dumps: 49 MB in 388k blocks). An article whose hash cannot be sharded is
    named on ``failed`` instead (the Resolve step rejects it).
    """

    def new_buffer(self) -> _HashTables:
        return _HashTables()

    def add(self, buffer: _HashTables, element: Article) -> bool:
        try:
            shard = hash_shard(element.content_hash)
        except Exception as error:
            _LOG.debug("hashing %s failed", element.source, exc_info=True)
            buffer.failed.append((element.doc_id, (EXACT, failure_detail(EXACT, error))))
            return False
        buffer.shards[shard].append((element.doc_id, element.content_hash))
        buffer.rows += 1
        return buffer.rows >= _TABLE_FLUSH_DOCS

    def flush(self, buffer: _HashTables) -> Iterator[Any]:
        for failure in buffer.failed:
            yield TaggedOutput(_FAILED, failure)
        for shard, pairs in sorted(buffer.shards.items()):
            yield shard, tuple(pairs)


def hash_shard(content_hash: str) -> int:
    """The exact-dedup table shard of a content hash (its first 16 bits, hex)."""
    return int(content_hash[:4], 16) % _HASH_SHARDS


@dataclass
class _HashTables:
    rows: int = 0
    shards: defaultdict[int, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    failed: list[tuple[str, tuple[str, str]]] = field(default_factory=list)


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


class _ResolveFn(beam.DoFn):
    """Apply the decisions ({doc_id: (reason, survivor)}) to an article, and give a survivor
    its copy counts ({doc_id: (exact, near)}). An article a table step raised on (``failed``:
    {doc_id: (namespace, detail)}) is an ``internal_error`` reject of that step."""

    def __init__(self, dedup: DedupConfig, near: NearDupConfig, spilled: bool) -> None:
        self._dedup = dedup
        self._near = near
        self._spilled = spilled
        self._counters = BundleCounters()

    def process(
        self,
        element: Any,
        decisions: dict[str, tuple[RejectReason, str]],
        copies: dict[str, tuple[int, int]],
        failed: dict[str, tuple[str, str]],
    ) -> Iterator[Any]:
        for article in held_records(element, self._spilled):
            yield self._resolve(article, decisions, copies, failed.get(article.doc_id))

    def _resolve(
        self,
        article: Article,
        decisions: dict[str, tuple[RejectReason, str]],
        copies: dict[str, tuple[int, int]],
        failure: tuple[str, str] | None,
    ) -> Any:
        reason, survivor = decisions.get(article.doc_id, (None, ""))
        for namespace, enabled, step_reason in (
            (EXACT, self._dedup.enabled, RejectReason.DUPLICATE),
            (NEAR, self._near.enabled, RejectReason.NEAR_DUPLICATE),
        ):
            if not enabled:
                continue
            self._counters.inc(namespace, "in")
            if failure is not None and failure[0] == namespace:
                reject = Reject.of(article, RejectReason.INTERNAL_ERROR, failure[1])
                return route(self._counters, namespace, reject)
            if reason == step_reason:
                return route(self._counters, namespace, Reject.of(article, reason, survivor))
            self._counters.inc(namespace, "out")
        return with_copies(article, copies.get(article.doc_id), self._dedup, self._near)

    def finish_bundle(self) -> None:
        self._counters.flush()
