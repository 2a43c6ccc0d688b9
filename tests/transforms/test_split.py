"""Deterministic split: stable per key, fractions honoured over 100k ids, config checks."""

from __future__ import annotations

from collections import Counter

import pytest

from scrapeclean.transforms.corpus.split import SplitConfig, assign_split, split_of, unit_hash
from tests.transforms.test_sitelines import make_article

IDS = [f"{i:032x}" for i in range(100_000)]


def test_split_is_a_function_of_the_key_alone() -> None:
    config = SplitConfig()
    first = [split_of(doc_id, config) for doc_id in IDS[:1000]]
    again = [split_of(doc_id, config) for doc_id in reversed(IDS[:1000])]
    assert first == list(reversed(again))
    assert split_of("abc", config) == split_of("abc", SplitConfig())
    assert unit_hash("abc") == int("ba7816bf8f01cfea", 16) / 2**64  # sha256("abc"), pinned


def test_fractions_hold_over_100k_ids() -> None:
    counts = Counter(split_of(doc_id, SplitConfig()) for doc_id in IDS)
    assert abs(counts["train"] / len(IDS) - 0.98) < 0.002
    assert abs(counts["validation"] / len(IDS) - 0.01) < 0.0015
    assert abs(counts["test"] / len(IDS) - 0.01) < 0.0015


def test_growing_held_out_sets_never_moves_a_document_into_train() -> None:
    small = SplitConfig(fractions=(0.98, 0.01, 0.01))
    large = SplitConfig(fractions=(0.90, 0.05, 0.05))
    moved = [(split_of(i, small), split_of(i, large)) for i in IDS[:20_000]]
    assert all(after == "test" for before, after in moved if before == "test")
    assert all(before == "train" for before, after in moved if after == "train")
    assert sum(before != after for before, after in moved) > 0


def test_assign_split_by_doc_id_or_url() -> None:
    article = make_article("doc-1", ["Lead."], url="https://example.com/a")
    assert assign_split(article, SplitConfig()).split == split_of("doc-1", SplitConfig())
    by_url = SplitConfig(key="url")
    assert assign_split(article, by_url).split == split_of("https://example.com/a", by_url)
    no_url = make_article("doc-2", ["Lead."])
    assert assign_split(no_url, by_url).split == split_of("doc-2", by_url)
    assert assign_split(article, SplitConfig(enabled=False)).split is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fractions": (0.9, 0.05, 0.04)}, r"^fractions: must sum to 1"),
        ({"fractions": (1.1, -0.05, -0.05)}, r"^fractions: must be >= 0"),
        ({"fractions": (0.5, 0.5)}, r"^fractions: need one fraction per name"),
        ({"names": ("a", "a", "b")}, r"^names:"),
        ({"key": "source"}, r"^key:"),
    ],
)
def test_config_checks(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SplitConfig(**kwargs)
