"""Deterministic train / validation / test assignment from a hash of each article's id.

A document's split depends only on its own key, never on the rest of the corpus or the order
of processing: re-runs and added data never move a document from one split to another.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from itertools import accumulate

from scrapeclean.transforms.records import Article

_KEYS = ("doc_id", "url")


@dataclass(frozen=True, slots=True)
class SplitConfig:
    """Split names and the share of documents each receives."""

    # Off: `split` stays null.
    enabled: bool = True
    # Names written to the `split` column, in the order of `fractions`.
    names: tuple[str, ...] = ("train", "validation", "test")
    # 98/1/1: held-out sets of ~1% are the usual choice for LM corpora of 10^5+ documents (C4
    # ships 0.05% as validation); they must sum to 1. Changing them moves only the documents
    # near a boundary, never reshuffles the rest (cumulative ranges over one uniform hash).
    fractions: tuple[float, ...] = (0.98, 0.01, 0.01)
    # What is hashed: doc_id (the contract's stable id), or url (falling back to doc_id when
    # absent) so a page scraped again with other bytes stays in the split it had.
    key: str = "doc_id"

    def __post_init__(self) -> None:
        if len(self.names) != len(self.fractions) or not self.names:
            raise ValueError("fractions: need one fraction per name in names")
        if len(set(self.names)) != len(self.names):
            raise ValueError("names: split names must be unique")
        if not all(re.fullmatch(r"\w+", name) for name in self.names):
            # a name is part of file names (part-train-…) and a Hugging Face split name
            raise ValueError("names: letters, digits and '_' only")
        if any(f < 0 for f in self.fractions):
            raise ValueError("fractions: must be >= 0")
        if not math.isclose(sum(self.fractions), 1.0, abs_tol=1e-9):
            raise ValueError(f"fractions: must sum to 1, got {sum(self.fractions):g}")
        if self.key not in _KEYS:
            raise ValueError(f"key: must be one of {', '.join(_KEYS)}")


def unit_hash(key: str) -> float:
    """A uniform float in [0, 1) from sha256 of the key: the same key, the same value, anywhere."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(key: str, config: SplitConfig) -> str:
    """The split a key falls in: the cumulative fraction range its unit hash lands in."""
    bounds = list(accumulate(config.fractions))
    index = min(bisect_right(bounds, unit_hash(key)), len(config.names) - 1)
    return config.names[index]


def assign_split(article: Article, config: SplitConfig) -> Article:
    """Set the article's `split` from its key (doc_id or url); skip when the step is off."""
    if not config.enabled:
        return article
    key = article.url if config.key == "url" and article.url else article.doc_id
    return replace(article, split=split_of(key, config))
