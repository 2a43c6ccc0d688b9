"""Duplicate detection beyond content_hash: MinHash signatures, LSH bands and candidate buckets.

Pure and deterministic (no Python ``hash()``, no unseeded randomness): the same text gives the
same signature on every machine and run. Which article survives for which is
``corpus.survivors``; the Beam wiring is ``beam.dedup``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

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
# and nearly all pairs above 0.9 do. A pair is compared with its survivor's signature, never
# joined through a third article (corpus/survivors.py: no chains).
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


def smallest_shingle(text: str, words_per_shingle: int) -> int | None:
    """The smallest of ``shingle_hashes(text, n)``, None for a text without words: a one-slot
    MinHash, which two texts share with probability equal to their Jaccard."""
    words = words_of(text)
    if not words:
        return None
    ids = _word_ids(words)
    if len(ids) < words_per_shingle:  # one shingle, padded in front as _shingle_table does
        ids = np.concatenate([np.zeros(words_per_shingle - len(ids), dtype=np.uint64), ids])
    return int(_mix(_polynomial(ids, words_per_shingle)).min())


def minhash(text: str, config: NearDupConfig) -> bytes:
    """The MinHash signature of a text: num_perm little-endian uint32 minima, as bytes."""
    return signatures([text], config)[0].tobytes()


def signatures(texts: Sequence[str], config: NearDupConfig) -> np.ndarray:
    """The MinHash signatures of many texts, one row each: (len(texts), num_perm) uint32.

    A text without words gets all 0xFFFFFFFF. The texts are hashed together, a block of
    shingles per numpy call instead of a dozen calls per text: 105 us per seed-sized
    article against 155 us text by text (minimum of 15 alternating runs over 600 articles).
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
    flat = list(chain.from_iterable(words))
    ids = _word_ids(flat)
    padding = np.maximum(n - lengths, 0)
    padded = lengths + padding
    padded_starts = np.cumsum(padded) - padded
    word_starts = np.cumsum(lengths) - lengths
    table = np.zeros(int(padded.sum()), dtype=np.uint64)
    table[np.arange(len(flat)) + np.repeat(padded_starts + padding - word_starts, lengths)] = ids
    combined = _polynomial(table, n)
    shingles = padded - n + 1  # shingles may not cross texts: keep each text's own starts
    starts = np.cumsum(shingles) - shingles
    own = np.arange(int(shingles.sum())) + np.repeat(padded_starts - starts, shingles)
    return _mix(combined[own]), starts


def _word_ids(words: list[str]) -> np.ndarray:
    """Each word's 64-bit hash (the shared cache), as a uint64 array."""
    if len(_WORD_HASHES) > _WORD_CACHE_SIZE:  # bounded: a worker may see millions of words
        _WORD_HASHES.clear()
    return np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def _polynomial(ids: np.ndarray, n: int) -> np.ndarray:
    """The polynomial combination of every run of n word ids, wrapping mod 2**64 (uint64)."""
    combined = ids[: len(ids) - n + 1].copy()
    for offset in range(1, n):
        combined *= _POLYNOMIAL_PRIME
        combined += ids[offset : offset + len(combined)]
    return combined


def _minima(hashes: np.ndarray, starts: np.ndarray, config: NearDupConfig) -> np.ndarray:
    """Per text (a run of ``hashes`` from each of ``starts``): the signature, uint32."""
    a, b = _permutations(config.num_perm, config.seed)
    ends = np.r_[starts[1:], len(hashes)]
    minima = np.full((len(starts), config.num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    # One work buffer (~2 MB) for every block: a fresh temporary per block is a fresh mmap
    # under the --workers malloc settings (pipeline/cli/main.py), and its page faults
    # doubled the signature time (176 us per article against 81 us, measured standalone).
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
