"""MinHash and LSH: determinism, estimation, the S-curve, band tables and buckets."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from scrapeclean.transforms.corpus.neardup import (
    NearDupConfig,
    band_hashes,
    band_rows,
    candidate_probability,
    colliding_buckets,
    estimated_jaccard,
    minhash,
    shingle_hashes,
    signatures,
    smallest_shingle,
)
from scripts.make_site_corpus import jaccard

CONFIG = NearDupConfig(enabled=True)
TEXT = (
    "The city council voted on Tuesday to extend the harbour ferry service until midnight, "
    "after a year in which evening passenger numbers grew by almost a third. People who work "
    "late deserve a way home that does not cost a taxi fare, said councillor Maria Lind."
)


def edited(text: str, changes: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"x{rng.randrange(10**6)}"
    return " ".join(words)


def test_signature_is_deterministic_and_pinned() -> None:
    signature = minhash(TEXT, CONFIG)
    assert len(signature) == 4 * CONFIG.num_perm
    assert signature == minhash(TEXT, NearDupConfig(enabled=True))
    # Pinned: a change here changes every signature, so every near-dup decision across runs.
    assert signature[:8].hex() == "b475810a29614300"


def test_shingles_ignore_case_punctuation_and_spacing() -> None:
    assert minhash("Hello, World! Big  news today", CONFIG) == minhash(
        "hello world big news\ntoday", CONFIG
    )
    assert len(shingle_hashes("one two three", 5)) == 1  # shorter than a shingle: one shingle
    assert len(shingle_hashes("", 5)) == 0


def test_smallest_shingle_is_the_minimum_of_the_shingles() -> None:
    for text in (TEXT, "one two three", "Hello, World!"):
        assert smallest_shingle(text, 5) == int(shingle_hashes(text, 5).min())
    assert smallest_shingle("  ...  ", 5) is None


def test_estimate_tracks_true_jaccard() -> None:
    base = " ".join([TEXT] * 3)
    errors = []
    for seed in range(40):
        copy = edited(base, 1 + seed % 8, seed)
        truth = jaccard(base, copy)
        errors.append(estimated_jaccard(minhash(base, CONFIG), minhash(copy, CONFIG)) - truth)
    assert abs(sum(errors) / len(errors)) < 0.03  # unbiased within noise
    assert max(abs(e) for e in errors) < 0.15  # ~4.5 standard errors of 128 slots
    unrelated = minhash("Completely different words about a football match on Sunday.", CONFIG)
    assert estimated_jaccard(minhash(TEXT, CONFIG), unrelated) < 0.05


def test_s_curve_matches_the_table() -> None:
    assert candidate_probability(0.85, CONFIG) > 0.99
    assert candidate_probability(0.8, CONFIG) > 0.94
    assert candidate_probability(0.5, CONFIG) < 0.07
    assert candidate_probability(0.3, CONFIG) < 0.002


def test_band_hashes_equal_for_equal_bands_and_distinct_per_band() -> None:
    hashes, other = band_hashes(signatures([TEXT, edited(TEXT, 1)], CONFIG), CONFIG).tolist()
    assert len(hashes) == CONFIG.bands == len(set(hashes))
    assert 0 < len(set(hashes) & set(other)) < CONFIG.bands
    same_rows = np.zeros((1, CONFIG.num_perm), dtype=np.uint32)  # the band index separates
    assert len(set(band_hashes(same_rows, CONFIG)[0].tolist())) == CONFIG.bands


def test_signatures_of_a_batch_equal_one_by_one() -> None:
    texts = ["", "one two", TEXT, edited(TEXT, 3), " ".join([TEXT] * 400), "Tiny.", TEXT]
    batch = signatures(texts, CONFIG)  # the 400x text spans several shingle blocks
    assert [row.tobytes() for row in batch] == [minhash(text, CONFIG) for text in texts]
    assert [row.tobytes() for row in signatures(texts[::-1], CONFIG)] == [
        row.tobytes() for row in batch[::-1]
    ]
    assert set(batch[0].tolist()) == {0xFFFFFFFF}  # no words


def test_colliding_buckets_find_shared_band_hashes_once_per_doc() -> None:
    close = edited(TEXT, 1)
    texts = [TEXT, close, close, "Nothing in common with the others at all."]
    # the same doc (key 3) twice: counted once
    rows = band_rows(signatures(texts, CONFIG), np.array([7, 3, 3, 5]), CONFIG)
    shuffled = rows[np.random.default_rng(1).permutation(len(rows))]
    buckets = list(colliding_buckets(shuffled))
    first, second = band_hashes(signatures([TEXT, close], CONFIG), CONFIG).tolist()
    shared = set(first) & set(second)
    assert {bucket for bucket, _ in buckets} == shared
    assert all(keys.tolist() == [3, 7] for _, keys in buckets)
    assert list(colliding_buckets(rows[:1])) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bands": 15}, r"^bands:"),
        ({"threshold": 0.0}, r"^threshold:"),
        ({"shingle_words": 0}, r"^shingle_words:"),
    ],
)
def test_config_checks(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NearDupConfig(**kwargs)


def test_corpus_pure_modules_do_not_import_beam() -> None:
    pure = (
        "scrapeclean.transforms.corpus.neardup",
        "scrapeclean.transforms.corpus.quality",
        "scrapeclean.transforms.corpus.sitelines",
        "scrapeclean.transforms.corpus.split",
        "scrapeclean.transforms.corpus.survivors",
    )
    code = (
        "".join(f"import {name}\n" for name in pure)
        + "import sys\nprint('apache_beam' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
