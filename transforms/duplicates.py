"""DropDuplicates: exact (content_hash) and near (MinHash + LSH) duplicates, one survivor each.

Only ids, hashes and signatures are grouped; the articles meet the decisions as side inputs
(doc_id -> survivor), so they never move through a shuffle themselves. The pure rules are
``transforms.dedup`` and ``transforms.neardup``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from transforms.counters import BundleCounters
from transforms.neardup import (
    DedupConfig,
    NearDupConfig,
    band_keys,
    cluster_survivors,
    minhash,
    verified_edges,
)
from transforms.records import Article, Reject, RejectReason
from transforms.stage import MAIN, REJECTS

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
    within each window. Counters: ``dedup`` and ``neardup`` namespaces, each with ``in``,
    ``out``, ``rejected.<reason>``; ``neardup`` also ``candidate_buckets``, ``edges``,
    ``clusters``.
    """

    def __init__(self, dedup: DedupConfig, near: NearDupConfig) -> None:
        super().__init__()
        self._dedup = dedup
        self._near = near

    def expand(self, articles: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        losers: dict[str, Any] = {}
        if self._dedup.enabled:
            exact = (
                articles
                | "HashIds" >> beam.Map(lambda a: (a.content_hash, a.doc_id))
                | "GroupHashes" >> beam.GroupByKey()
                | "ExactLosers" >> beam.FlatMap(_exact_losers)
            )
            losers["exact"] = beam.pvalue.AsDict(exact)
        if self._near.enabled:
            near = articles | "NearDuplicates" >> _NearLosers(self._near)
            losers["near"] = beam.pvalue.AsDict(near)
        return articles | "Resolve" >> beam.ParDo(_ResolveFn(), **losers).with_outputs(
            REJECTS, main=MAIN
        )


class _NearLosers(beam.PTransform):
    """(doc_id, survivor) for every article that is not the smallest id of its near cluster."""

    def __init__(self, config: NearDupConfig) -> None:
        super().__init__()
        self._config = config

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        config = self._config
        signatures = articles | "Signatures" >> beam.Map(
            lambda a: (a.doc_id, minhash(a.text, config))
        )
        buckets = (
            signatures
            | "Bands" >> beam.FlatMap(lambda kv: ((key, kv[0]) for key in band_keys(kv[1], config)))
            | "GroupBands" >> beam.GroupByKey()
            | "CandidateBuckets" >> beam.FlatMap(_bucket_members)
        )
        return (
            {"signature": signatures, "bucket": buckets}
            | "AttachSignatures" >> beam.CoGroupByKey()
            | "SignaturePerBucket" >> beam.FlatMap(_signature_per_bucket)
            | "GroupCandidates" >> beam.GroupByKey()
            | "Verify" >> beam.FlatMap(_verify, config)
            # Components need every edge of the window in one place. Edges are few (near
            # duplicates only, k-1 per cluster), so one key is cheap where it matters.
            | "OneKey" >> beam.Map(lambda edge: ("", edge))
            | "GroupEdges" >> beam.GroupByKey()
            | "Components" >> beam.FlatMap(_component_losers)
        )


def _exact_losers(group: tuple[str, Iterable[str]]) -> Iterator[tuple[str, str]]:
    ids = set(group[1])
    survivor = min(ids)
    for doc_id in sorted(ids - {survivor}):
        yield doc_id, survivor


def _bucket_members(group: tuple[bytes, Iterable[str]]) -> Iterator[tuple[str, bytes]]:
    key, ids = group
    distinct = set(ids)
    if len(distinct) > 1:
        Metrics.counter(NEAR, "candidate_buckets").inc()
        for doc_id in sorted(distinct):
            yield doc_id, key


def _signature_per_bucket(
    joined: tuple[str, dict[str, Iterable[Any]]],
) -> Iterator[tuple[bytes, tuple[str, bytes]]]:
    doc_id, groups = joined
    signatures = list(groups["signature"])
    if signatures:
        for key in groups["bucket"]:
            yield key, (doc_id, signatures[0])


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

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(
        self,
        article: Article,
        exact: dict[str, str] | None = None,
        near: dict[str, str] | None = None,
    ) -> Iterator[Any]:
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
                yield TaggedOutput(REJECTS, Reject.of(article, reason, survivor))
                return
            self._counters.inc(namespace, "out")
        yield article

    def finish_bundle(self) -> None:
        self._counters.flush()
