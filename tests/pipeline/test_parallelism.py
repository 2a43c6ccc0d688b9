"""When ``--workers N`` is worth its start-up: the input's size, measured at planning."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapeclean.pipeline.job import parallelism
from scrapeclean.pipeline.job.parallelism import COMPRESSED_WEIGHT, InputSize, measure_inputs


@pytest.mark.parametrize(
    ("files", "size", "small"),
    [
        (8, 30_000, True),
        (parallelism.SMALL_RUN_FILES, parallelism.SMALL_RUN_BYTES, True),
        (parallelism.SMALL_RUN_FILES + 1, 1_000, False),  # many tiny files: each costs its work
        (1, parallelism.SMALL_RUN_BYTES + 1, False),  # one big JSONL file
    ],
)
def test_small_means_few_files_and_few_bytes(files: int, size: int, small: bool) -> None:
    assert InputSize(files, size).small is small


def test_measures_files_and_weights_compressed_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x" * 100)
    (tmp_path / "b.txt.gz").write_bytes(b"y" * 10)
    assert measure_inputs([str(tmp_path / "*")]) == InputSize(2, 100 + 10 * COMPRESSED_WEIGHT)


def test_stops_counting_once_the_input_is_not_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallelism, "SMALL_RUN_FILES", 3)
    for index in range(10):
        (tmp_path / f"{index}.txt").write_bytes(b"z")
    size = measure_inputs([str(tmp_path / "*.txt")])
    assert size == InputSize(4, 4) and not size.small
