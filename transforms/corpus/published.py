"""Dedup across runs: the index rows a published article leaves behind, where a key is filed,
and which earlier article a new one is a copy of.

An incremental output keeps, per committed run, the content hashes, LSH band keys and MinHash
signatures of every article it published (``beam.published`` reads and writes the files). A
new article equal to, or near, one of them is a ``duplicate`` / ``near_duplicate`` naming it:
earlier runs win. A new version of the same input (same source) is an update, never a copy of
its earlier version. Pure: no file access here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence

import numpy as np

from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.text.sources import file_source

# Each index table of a run is cut into RANGES files by its key modulo RANGES, so a lookup
# reads, per run, only the files of the ranges its keys fall in, and within a file only the row
# groups whose [min, max] hold one of them (the files are sorted by key).
RANGES = 16


def hash_key(content_hash: str) -> int:
    """A content_hash as the 64-bit key the index sorts and files it by: its first 16 hex
    digits (uniform, as the hash is)."""
    return int(content_hash[:16], 16)


def same_input(source: str, other: str) -> bool:
    """True when two sources are the same input file (a JSONL line or a WARC record of it
    included): a new version of a changed file is an update of what it published before."""
    return file_source(source) == file_source(other)


def file_key(source: str) -> int:
    """The 64-bit key the index files a record under by its input file (``file_source``)."""
    digest = hashlib.blake2b(file_source(source).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def exact_published(doc_id: str, source: str, found: Iterable[tuple[str, str]]) -> str | None:
    """The earlier article a new one has the same content_hash as, from (doc_id, source) of the
    index rows with that hash: the same doc_id (the same record, read again because its file
    changed elsewhere), else the smallest doc_id from another input; None when there is none."""
    others = []
    for old_id, old_source in found:
        if old_id == doc_id:
            return old_id
        if not same_input(source, old_source):
            others.append(old_id)
    return min(others, default=None)


def closest_published(
    signature: bytes,
    source: str,
    found: Iterable[tuple[str, str, bytes]],
    config: NearDupConfig,
) -> str | None:
    """The earlier article a new one is a near copy of, from (doc_id, source, signature) of the
    index's candidates: the most similar at or above ``threshold`` (ties: the smallest doc_id),
    never one from the same input; None when none is similar enough."""
    needed = math.ceil(config.threshold * config.num_perm - 1e-9)
    mine = np.frombuffer(signature, dtype="<u4")
    best: tuple[int, str] | None = None
    for old_id, old_source, old_signature in found:
        if same_input(source, old_source):
            continue
        matches = int(np.count_nonzero(np.frombuffer(old_signature, dtype="<u4") == mine))
        if matches >= needed and (best is None or (-matches, old_id) < (-best[0], best[1])):
            best = (matches, old_id)
    return None if best is None else best[1]


# A run merges into its own index the newest committed segments no bigger than MERGE_FACTOR
# times what it merges already (its own articles first), so that segment sizes grow at least
# (1 + MERGE_FACTOR)-fold from newest to oldest and a lookup opens O(log) segments per range,
# not one per run. Simulated for runs of 1,000 articles up to 10M (scripts/bench_index.py
# --simulate, the factor changed by hand for the others): factor 2 keeps at most 7 segments
# up to 1M indexed articles and 9 up to 10M, each article written ~9 times in all; factor 1
# keeps up to 13, factor 4 writes each article ~13 times.
MERGE_FACTOR = 2


def segments_to_merge(segments: Sequence[tuple[str, int]], incoming: int) -> tuple[str, ...]:
    """The newest of the live index ``segments`` ((partition, articles), oldest first) that a
    run of about ``incoming`` articles merges into its own, oldest first (a size-tiered
    log-structured merge: a segment joins while it is at most MERGE_FACTOR times the
    articles merged so far)."""
    merged: list[str] = []
    total = max(incoming, 1)
    for partition, articles in reversed(segments):
        if articles > MERGE_FACTOR * total:
            break
        merged.append(partition)
        total += articles
    return tuple(reversed(merged))


def live_segments(runs: Sequence[tuple[str, int, Sequence[str]]]) -> list[tuple[str, int]]:
    """The index segments lookups read, oldest first, from the committed runs' (partition,
    articles published, partitions its index merged), oldest first: a run's segment holds its
    own articles and those of the segments it merged, which are no longer live."""
    size: dict[str, int] = {}
    for partition, articles, merged in runs:
        size[partition] = articles + sum(size.pop(old, 0) for old in merged)
    return list(size.items())
