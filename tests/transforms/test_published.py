"""Dedup across runs, the rules and the index files: which earlier article a new one copies,
updates of the same input, and lookups that read only the row groups holding their keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrapeclean.transforms.beam import index_write
from scrapeclean.transforms.beam.index_write import write_index_table
from scrapeclean.transforms.beam.published import (
    PublishedIndex,
    published_from,
    read_rows,
    row_groups_holding,
)
from scrapeclean.transforms.corpus.neardup import NearDupConfig, minhash
from scrapeclean.transforms.corpus.published import (
    RANGES,
    closest_published,
    exact_published,
    file_key,
    live_segments,
    same_input,
    segments_to_merge,
)
from tests.transforms.test_neardup import edited
from tests.transforms.test_survivors import STORY

CONFIG = NearDupConfig(enabled=True)


def test_same_input_ignores_the_record_suffix() -> None:
    assert same_input("in/a.jsonl#L3", "in/a.jsonl#L9")
    assert same_input("in/a.warc.gz#1234", "in/a.warc.gz")
    assert not same_input("in/a.txt", "in/b.txt")
    assert file_key("in/a.jsonl#L3") == file_key("in/a.jsonl")


def test_exact_published_prefers_the_same_record_then_the_smallest_other_input() -> None:
    found = [("d9", "in/x.txt"), ("d2", "in/y.txt"), ("d1", "in/new.txt")]
    assert exact_published("d5", "in/new.txt", found) == "d2"  # d1: an earlier version
    assert exact_published("d1", "in/new.txt", found) == "d1"  # the same record, unchanged
    assert exact_published("d5", "in/new.txt", found[2:]) is None
    assert exact_published("d5", "in/new.txt", []) is None


def test_closest_published_is_the_most_similar_above_the_threshold() -> None:
    mine = minhash(STORY, CONFIG)
    close, closer = minhash(edited(STORY, 2), CONFIG), minhash(edited(STORY, 1), CONFIG)
    far = minhash(edited(STORY, 60), CONFIG)
    found = [("b", "in/b.txt", close), ("c", "in/c.txt", closer), ("a", "in/a.txt", far)]
    assert closest_published(mine, "in/new.txt", found, CONFIG) == "c"
    assert closest_published(mine, "in/c.txt", found, CONFIG) == "b"  # c: its earlier version
    tie = [("z", "in/z.txt", closer), ("y", "in/y.txt", closer)]
    assert closest_published(mine, "in/new.txt", tie, CONFIG) == "y"
    assert closest_published(mine, "in/new.txt", found[2:], CONFIG) is None


def test_a_lookup_reads_only_the_row_groups_holding_its_keys(tmp_path: Path) -> None:
    """A sorted range file in row groups of 64 signatures: two near keys read one group."""
    run = tmp_path / "index" / "run=a"
    run.mkdir(parents=True)
    keys = np.arange(0, 2048 * RANGES, RANGES, dtype=np.uint64)  # all in range 0
    rows = pa.table(
        {
            "key": keys,
            "doc_id": [f"d{k}" for k in keys.tolist()],
            "source": ["in/x.txt"] * len(keys),
            "signature": [b"s"] * len(keys),
        }
    )
    path = write_index_table((("signatures", 0), [rows]), str(run))
    metadata = pq.ParquetFile(path).metadata
    assert metadata.num_row_groups == 2048 // 64
    asked = np.array([keys[700], keys[701], 7 * RANGES * 10**9], dtype=np.uint64)
    assert row_groups_holding(metadata, np.sort(asked)) == [700 // 64]
    index = PublishedIndex(str(tmp_path / "index"), ("run=a", "run=b"))  # run=b: no files
    found = read_rows(index, "signatures", 0, asked)
    assert found.column("doc_id").to_pylist() == [f"d{keys[700]}", f"d{keys[701]}"]


def test_published_from_finds_what_an_input_published_before(tmp_path: Path) -> None:
    run = tmp_path / "index" / "run=a"
    run.mkdir(parents=True)
    sources = ["in/a.jsonl#L1", "in/a.jsonl#L2", "in/b.txt"]
    keys = [file_key(source) for source in sources]
    for number in {key % RANGES for key in keys}:
        mine = [(k, s) for k, s in zip(keys, sources, strict=True) if k % RANGES == number]
        rows = pa.table(
            {
                "key": pa.array([k for k, _ in mine], pa.uint64()),
                "doc_id": [f"id-{s}" for _, s in mine],
                "source": [s for _, s in mine],
            }
        )
        write_index_table((("files", number), [rows]), str(run))
    index = PublishedIndex(str(tmp_path / "index"), ("run=a",))
    assert published_from(index, ["in/a.jsonl#L7"]) == [
        ("id-in/a.jsonl#L1", "in/a.jsonl#L1"),
        ("id-in/a.jsonl#L2", "in/a.jsonl#L2"),
    ]
    assert published_from(index, ["in/c.txt"]) == []


def test_a_run_merges_the_newest_segments_no_bigger_than_twice_what_it_merges() -> None:
    segments = [("r1", 9000), ("r2", 2500), ("r3", 900), ("r4", 100)]
    assert segments_to_merge(segments, 100) == ("r4",)  # 900 > 2 x (100 + 100)
    assert segments_to_merge(segments, 400) == ("r2", "r3", "r4")  # 9,000 > 2 x 3,900
    assert segments_to_merge(segments, 1000) == ("r1", "r2", "r3", "r4")
    assert segments_to_merge([], 10) == ()
    assert segments_to_merge([("r1", 50)], 0) == ()  # nothing incoming: nothing to merge for


def test_live_segments_drop_what_a_later_run_merged() -> None:
    runs = [("r1", 10, []), ("r2", 5, []), ("r3", 4, ["r1", "r2"]), ("r4", 1, [])]
    assert live_segments(runs) == [("r3", 19), ("r4", 1)]
    assert live_segments([*runs, ("r5", 2, ["r3", "r4"])]) == [("r5", 22)]


def test_a_merge_writes_every_segment_s_rows_sorted_in_whole_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sorted inputs (the run's rows and two committed segments) merge into one sorted
    file, key window by key window (here ~50 rows each), in row groups of 64 signatures."""
    monkeypatch.setitem(index_write._MERGE_ROWS, "signatures", 50)
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 2**63, size=700, dtype=np.uint64) * np.uint64(2) * np.uint64(RANGES)
    parts = {"run=a": keys[:200], "run=b": keys[200:400], "run=c": keys[400:]}
    for name, part in parts.items():
        (tmp_path / "index" / name).mkdir(parents=True)
        write_index_table(
            (("signatures", 0), [_signature_rows(part)]), str(tmp_path / "index" / name)
        )
    merged = PublishedIndex(str(tmp_path / "index"), ("run=a", "run=b"))
    new = _signature_rows(parts["run=c"][::-1])  # the run's own rows need not come sorted
    path = write_index_table((("signatures", 0), [new]), str(tmp_path / "out"), merged)
    file = pq.ParquetFile(path)
    assert file.read().column("key").to_pylist() == sorted(keys.tolist())
    assert file.read().column("doc_id").to_pylist() == [f"d{k}" for k in sorted(keys.tolist())]
    groups = [file.metadata.row_group(g).num_rows for g in range(file.metadata.num_row_groups)]
    assert groups == [64] * (700 // 64) + [700 % 64]
    assert write_index_table((("signatures", 1), []), str(tmp_path / "out"), merged) is None


def _signature_rows(keys: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "key": pa.array(keys, pa.uint64()),
            "doc_id": [f"d{k}" for k in keys.tolist()],
            "source": ["in/x.txt"] * len(keys),
            "signature": [b"s"] * len(keys),
        }
    )
