"""Duplicate detection beyond content_hash: MinHash signatures, LSH bands and clustering.

Pure and deterministic (no Python ``hash()``, no unseeded randomness): the same text gives the
same signature on every machine and run. The Beam wiring is ``scrapeclean.transforms.beam.dedup``.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from scrapeclean.transforms.corpus.dedup import DedupConfig, exact_survivors
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text.words import words_of

# Locality-sensitive hashing, the S-curve (Leskovec, Rajaraman & Ullman, "Mining of Massive
# Datasets", §3.4): with b bands of r rows, two documents of Jaccard similarity s share at least
# one band with probability P(s) = 1 - (1 - s^r)^b; the curve's midpoint is ~(1/b)^(1/r).
# Defaults b=16, r=8 (128 permutations), midpoint (1/16)^(1/8) = 0.71:
#     s     0.30    0.50    0.60    0.70    0.80    0.85    0.90
#     P   0.0010  0.061   0.237   0.613   0.947   0.994   0.9999
# The midpoint sits below the 0.8 threshold on purpose: a missed band is a lost duplicate, an
# extra candidate only costs one signature comparison (every candidate pair is verified).
# Verification estimates Jaccard as the share of equal signature slots: its standard error is
# sqrt(s(1-s)/128) = 0.032 at s = 0.85, so ~94% of pairs at exactly 0.85 pass a 0.8 threshold
# and nearly all pairs above 0.9 do; clusters (connected components) recover most of the rest.
_WORD_CACHE_SIZE = 200_000
_POLYNOMIAL_PRIME = np.uint64(0x100000001B3)  # shingle and band keys: polynomial hashes mod 2**64
_BLOCK_SHINGLES = 2048


class _WordHashes(dict[str, int]):
    """Word -> 64-bit hash, computed on first lookup and shared by the calls in one process:
    news vocabulary is Zipfian, so most words are hashed once (measured: blake2b per word was
    half of the signature time)."""

    def __missing__(self, word: str) -> int:
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
        value = self[word] = int.from_bytes(digest, "little")
        return value


_WORD_HASHES = _WordHashes()


@dataclass(frozen=True, slots=True)
class NearDupConfig:
    """MinHash + LSH near-duplicate detection; see the S-curve table above for the trade-off."""

    # Off: no signatures are computed and near duplicates are kept.
    enabled: bool = False  # configs/training.yaml turns it on
    # Estimated Jaccard of word 5-shingles at or above which two articles are near duplicates:
    # Lee et al. 2022 ("Deduplicating Training Data Makes Language Models Better", NearDup) use
    # 0.8 on 5-grams; FineWeb's 112 hashes in 14 bands of 8 aim at ~0.75.
    threshold: float = 0.8
    # Signature length: more slots, less estimation noise (standard error sqrt(s(1-s)/n)).
    num_perm: int = 128
    # LSH bands; rows per band = num_perm / bands. 16x8 puts P(candidate | s=0.85) at 0.994.
    bands: int = 16
    # Words per shingle: 5 as Lee et al. 2022 and FineWeb; shorter shingles match more by chance.
    shingle_words: int = 5
    # Seed of the permutation family. Changing it changes every signature: keep it fixed.
    seed: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold: must be in (0, 1]")
        if self.num_perm < 1 or self.bands < 1 or self.num_perm % self.bands:
            raise ValueError("bands: must be >= 1 and divide num_perm")
        if self.shingle_words < 1:
            raise ValueError("shingle_words: must be >= 1")

    @property
    def rows(self) -> int:
        """Signature slots per LSH band."""
        return self.num_perm // self.bands


def candidate_probability(similarity: float, config: NearDupConfig) -> float:
    """P(two texts of this Jaccard share an LSH band) = 1 - (1 - s^r)^b: the S-curve above."""
    return 1.0 - (1.0 - similarity**config.rows) ** config.bands


def shingle_hashes(text: str, words_per_shingle: int) -> np.ndarray:
    """Distinct 64-bit hashes of the text's word n-grams (casefolded words, punctuation dropped)."""
    words = words_of(text)
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes, _ = _shingle_table([words], np.array([len(words)]), words_per_shingle)
    return np.unique(hashes)


def minhash(text: str, config: NearDupConfig) -> bytes:
    """The MinHash signature of a text: num_perm little-endian uint32 minima, as bytes."""
    return signatures([text], config)[0].tobytes()


def signatures(texts: Sequence[str], config: NearDupConfig) -> np.ndarray:
    """The MinHash signatures of many texts, one row each: (len(texts), num_perm) uint32.

    A text without words gets all 0xFFFFFFFF. The texts are hashed together, a block of
    shingles per numpy call instead of a dozen calls per text: 155 -> 105 us per seed-sized
    article (minimum of 15 alternating runs over 600 articles).
    """
    words = [words_of(text) for text in texts]
    lengths = np.array([len(found) for found in words], dtype=np.int64)
    result = np.full((len(texts), config.num_perm), 0xFFFFFFFF, dtype="<u4")
    present = np.flatnonzero(lengths)
    if len(present):
        kept = [words[index] for index in present.tolist()]
        hashes, starts = _shingle_table(kept, lengths[present], config.shingle_words)
        result[present] = _minima(hashes, starts, config)
    return result


def _shingle_table(
    words: list[list[str]], lengths: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every text's shingle hashes (with repeats: a minimum ignores them) in one array, and
    where each text's run starts. Each text needs at least one word.

    A text shorter than a shingle is one shingle of all its words: its word ids are padded in
    front with zeros, which add nothing to the polynomial combination.
    """
    if len(_WORD_HASHES) > _WORD_CACHE_SIZE:  # bounded: a worker may see millions of words
        _WORD_HASHES.clear()
    flat = list(chain.from_iterable(words))
    ids = np.fromiter(map(_WORD_HASHES.__getitem__, flat), dtype=np.uint64, count=len(flat))
    padding = np.maximum(n - lengths, 0)
    padded = lengths + padding
    padded_starts = np.cumsum(padded) - padded
    word_starts = np.cumsum(lengths) - lengths
    table = np.zeros(int(padded.sum()), dtype=np.uint64)
    table[np.arange(len(flat)) + np.repeat(padded_starts + padding - word_starts, lengths)] = ids
    combined = table[: len(table) - n + 1].copy()
    for offset in range(1, n):  # polynomial combination, wrapping mod 2**64 (numpy uint64)
        combined *= _POLYNOMIAL_PRIME
        combined += table[offset : offset + len(combined)]
    shingles = padded - n + 1  # shingles may not cross texts: keep each text's own starts
    starts = np.cumsum(shingles) - shingles
    own = np.arange(int(shingles.sum())) + np.repeat(padded_starts - starts, shingles)
    return _mix(combined[own]), starts


def _minima(hashes: np.ndarray, starts: np.ndarray, config: NearDupConfig) -> np.ndarray:
    """Per text (a run of ``hashes`` from each of ``starts``): the signature, uint32."""
    a, b = _permutations(config.num_perm, config.seed)
    ends = np.r_[starts[1:], len(hashes)]
    minima = np.full((len(starts), config.num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    # One work buffer (~2 MB) for every block: a fresh temporary per block is a fresh mmap
    # under the --workers malloc settings (pipeline/cli/main.py), and its page faults
    # doubled the signature time (81 -> 176 us per article, measured standalone).
    work = np.empty((config.num_perm, min(_BLOCK_SHINGLES, len(hashes))), dtype=np.uint64)
    for low in range(0, len(hashes), _BLOCK_SHINGLES):
        high = min(low + _BLOCK_SHINGLES, len(hashes))
        first = int(np.searchsorted(ends, low, side="right"))  # the texts in this block
        last = int(np.searchsorted(starts, high, side="left"))
        # Multiply-add-shift (Dietzfelbinger): a universal family, no modulo, wraps mod 2**64.
        values = np.multiply(a, hashes[None, low:high], out=work[:, : high - low])
        values += b  # (num_perm, shingles)
        cuts = np.maximum(starts[first:last], low) - low
        block = np.minimum.reduceat(values, cuts, axis=1).T
        np.minimum(minima[first:last], block, out=minima[first:last])
    # The shift is monotone: applied to the minima, not to every value.
    return (minima >> np.uint64(32)).astype("<u4")


def band_hashes(signatures: np.ndarray, config: NearDupConfig) -> np.ndarray:
    """One 64-bit LSH key per signature (a uint32 row) and band: (signatures, bands) uint64.

    Equal keys are candidates. Each band starts from its own salt, so equal rows in two bands
    give different keys. A key only proposes a pair: verification compares the signatures.
    """
    rows = signatures.astype(np.uint64).reshape(len(signatures), config.bands, config.rows)
    combined = np.tile(_band_salts(config.bands), (len(signatures), 1))
    for column in range(config.rows):
        combined *= _POLYNOMIAL_PRIME
        combined += rows[:, :, column]
    return _mix(combined)


def doc_key(doc_id: str) -> int:
    """A 64-bit hash of a doc id: what band tables store instead of the id itself.

    Verification compares the real signatures of every id under a key, so a shared key never
    merges unrelated articles; it could only hide a pair that shares it (chance ~n^2 / 2^65).
    """
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "little")


def band_rows(signatures: np.ndarray, keys: np.ndarray, config: NearDupConfig) -> np.ndarray:
    """Rows of the band table, (band hash, doc key) uint64, bands rows per signature in order."""
    rows = np.empty((len(signatures) * config.bands, 2), dtype=np.uint64)
    rows[:, 0] = band_hashes(signatures, config).ravel()
    rows[:, 1] = np.repeat(np.asarray(keys, dtype=np.uint64), config.bands)
    return rows


def colliding_buckets(rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Band-table rows (band hash, doc key) -> (band hash, its distinct doc keys) per bucket of 2+.

    Sorting a packed uint64 table costs ~16 bytes per row, where a GroupByKey on every band key
    holds an encoded key, value and list entry per row on the local runner (~250 bytes,
    estimated): the table is the cheap way to find equal keys.
    """
    if len(rows) < 2:
        return
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]  # by band hash, then doc key
    rows = rows[np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)]]  # a doc once per bucket
    hashes = rows[:, 0]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        yield int(hashes[start]), rows[start : start + size, 1]


def estimated_jaccard(first: bytes, second: bytes) -> float:
    """The share of equal signature slots: an unbiased estimate of the texts' Jaccard."""
    a, b = np.frombuffer(first, dtype="<u4"), np.frombuffer(second, dtype="<u4")
    return float(np.count_nonzero(a == b)) / len(a)


def verified_edges(
    members: Iterable[tuple[str, bytes]], config: NearDupConfig
) -> list[tuple[str, str]]:
    """Verify every pair in one LSH bucket; return (smallest id, member) for each cluster found.

    Star edges to the local cluster's smallest id keep exactly the connectivity of the verified
    pairs, with k-1 edges instead of up to k(k-1)/2. Cost: k(k-1)/2 signature comparisons,
    vectorised per row; a bucket of thousands of near-identical pages takes seconds.
    """
    by_id = dict(members)  # the same doc may arrive twice in a bucket: once is enough
    ids = sorted(by_id)
    if len(ids) < 2:
        return []
    matrix = np.stack([np.frombuffer(by_id[i], dtype="<u4") for i in ids])
    needed = math.ceil(config.threshold * config.num_perm - 1e-9)  # integer: no float ties
    sets = DisjointSets()
    for row in range(len(ids) - 1):
        matches = np.count_nonzero(matrix[row + 1 :] == matrix[row], axis=1)
        for offset in np.flatnonzero(matches >= needed):
            sets.union(ids[row], ids[row + 1 + int(offset)])
    return [(sets.find(doc_id), doc_id) for doc_id in ids if sets.find(doc_id) != doc_id]


def cluster_survivors(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components of the edges: {doc_id: smallest doc_id of its component} for losers."""
    sets = DisjointSets()
    for first, second in edges:
        sets.union(first, second)
    return {doc_id: sets.find(doc_id) for doc_id in sets.members() if sets.find(doc_id) != doc_id}


def near_survivors(items: Iterable[tuple[str, bytes]], config: NearDupConfig) -> dict[str, str]:
    """Near duplicates from (doc_id, signature) on an in-memory corpus: {loser: survivor}.

    The reference the Beam transform must agree with, and the benchmark's pure-Python loop.
    """
    by_key: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    unique = dict(items)
    if not unique:
        return {}
    doc_keys = [doc_key(doc_id) for doc_id in unique]
    for key, member in zip(doc_keys, unique.items(), strict=True):
        by_key[key].append(member)
    matrix = np.frombuffer(b"".join(unique.values()), dtype="<u4").reshape(len(unique), -1)
    table = band_rows(matrix, np.array(doc_keys, dtype=np.uint64), config)
    edges = (
        edge
        for _, keys in colliding_buckets(table)
        for edge in verified_edges(
            (member for key in keys.tolist() for member in by_key[key]), config
        )
    )
    return cluster_survivors(edges)


def dedup_corpus(
    articles: Iterable[Article], dedup: DedupConfig, near: NearDupConfig
) -> list[Article | Reject]:
    """Exact, then near dedup of an in-memory corpus, in input order: DropDuplicates' rule."""
    articles = list(articles)
    exact = exact_survivors((a.doc_id, a.content_hash) for a in articles) if dedup.enabled else {}
    similar: dict[str, str] = {}
    if near.enabled:
        rows = signatures([a.text for a in articles], near)
        signed = ((a.doc_id, row.tobytes()) for a, row in zip(articles, rows, strict=True))
        similar = near_survivors(signed, near)
    seen: set[str] = set()
    records: list[Article | Reject] = []
    for article in articles:
        if article.doc_id in seen:  # the same input twice: a duplicate of its first copy
            reason = RejectReason.DUPLICATE if dedup.enabled else RejectReason.NEAR_DUPLICATE
            records.append(Reject.of(article, reason, article.doc_id))
        elif article.doc_id in exact:
            records.append(Reject.of(article, RejectReason.DUPLICATE, exact[article.doc_id]))
        elif article.doc_id in similar:
            detail = similar[article.doc_id]
            records.append(Reject.of(article, RejectReason.NEAR_DUPLICATE, detail))
        else:
            records.append(article)
        seen.add(article.doc_id)
    return records


class DisjointSets:
    """Union-find whose root is always the smallest member: the deterministic survivor."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        """The root (smallest member) of item's set; path halving keeps later finds short."""
        parents = self._parent
        parents.setdefault(item, item)
        while parents[item] != item:
            parents[item] = parents[parents[item]]
            item = parents[item]
        return item

    def union(self, first: str, second: str) -> None:
        """Merge the two sets; the smaller root wins, so the result is order independent."""
        root_a, root_b = self.find(first), self.find(second)
        if root_a != root_b:
            low, high = sorted((root_a, root_b))
            self._parent[high] = low

    def members(self) -> Iterator[str]:
        """Every item seen, in no particular order."""
        return iter(list(self._parent))


@lru_cache(maxsize=8)
def _permutations(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Derived with blake2b, not numpy's RNG: numpy does not promise the same stream across
    # versions, and a changed stream would silently change every signature.
    def draw(label: str, index: int) -> int:
        digest = hashlib.blake2b(f"{label}{index}".encode(), digest_size=8, key=b"%d" % seed)
        return int.from_bytes(digest.digest(), "little")

    a = np.array([draw("a", i) | 1 for i in range(count)], dtype=np.uint64)  # odd multipliers
    b = np.array([draw("b", i) for i in range(count)], dtype=np.uint64)
    return a[:, None], b[:, None]


@lru_cache(maxsize=8)
def _band_salts(bands: int) -> np.ndarray:
    # A distinct start per band (splitmix64 of the band number): equal rows, different keys.
    return _mix(np.arange(1, bands + 1, dtype=np.uint64))


def _mix(values: np.ndarray) -> np.ndarray:
    # splitmix64's finaliser: spreads the polynomial combination over all 64 bits.
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))
