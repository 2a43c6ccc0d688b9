"""Exact duplicates: articles with the same ``content_hash`` (text/words.py) keep one survivor,
the smallest doc_id. The pure rule; the Beam wiring is beam/dedup.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Exact duplicates: articles with the same content_hash keep one survivor."""

    # Off: exact duplicates are kept (near dedup, when on, still treats them as Jaccard 1).
    enabled: bool = False  # configs/training.yaml turns it on


def exact_survivors(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Exact duplicates from (doc_id, content_hash): {loser: smallest doc_id with that hash}."""
    groups: dict[str, set[str]] = defaultdict(set)
    for doc_id, digest in items:
        groups[digest].add(doc_id)
    return {doc_id: min(ids) for ids in groups.values() for doc_id in ids if doc_id != min(ids)}
