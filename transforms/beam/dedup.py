"""DropDuplicates: exact (content_hash) and near (MinHash + LSH) duplicates, one survivor each.

Only ids, hashes, signatures and packed band tables are grouped; the articles meet the
decisions as side inputs (doc_id -> (reason, survivor)), so they never move through a shuffle
themselves. Near dedup's steps are beam/neardup.py, the index of earlier runs
beam/published.py; the pure rules are ``corpus.dedup``, ``corpus.survivors`` and
``corpus.published``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.neardup import FAILED, NEAR, TABLE_FLUSH_DOCS, NearDuplicates
from scrapeclean.transforms.beam.published import (
    PublishedIndex,
    exact_matches,
)
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, route
from scrapeclean.transforms.beam.spill import held_records, hold, spill_subfolder
from scrapeclean.transforms.corpus.dedup import DedupConfig, exact_survivors
from scrapeclean.transforms.corpus.neardup import (
    NearDupConfig,
)
from scrapeclean.transforms.corpus.survivors import (
    copy_counts,
    decide,
    with_copies,
)
from scrapeclean.transforms.records import Article, Reject, RejectReason, failure_detail

EXACT = "dedup"  # metrics namespaces: one per step, as the manifest lists stages
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
                FAILED, main=MAIN
            )
            losers[EXACT] = (
                tables[MAIN]
                | "GroupHashes" >> beam.GroupByKey()
                | "ExactLosers" >> beam.FlatMap(_exact_losers)
            )
            failures.append(tables[FAILED])
            if self._published is not None:
                losers[_EARLIER_EXACT] = exact_matches(articles, self._published)
        if self._near.enabled:
            near = articles | "NearDuplicates" >> NearDuplicates(
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


_HASH_SHARDS = 16  # exact-dedup tables are cut by content hash so shards spread over workers


class _HashTablesFn(BufferedFn):
    """Per bundle and shard: (shard, ((doc_id, content_hash), ...)), up to TABLE_FLUSH_DOCS
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
        return buffer.rows >= TABLE_FLUSH_DOCS

    def flush(self, buffer: _HashTables) -> Iterator[Any]:
        for failure in buffer.failed:
            yield TaggedOutput(FAILED, failure)
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
