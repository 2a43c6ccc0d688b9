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


def test_stops_counting_once_the_input_is_not_small_and_the_sample_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallelism, "SMALL_RUN_FILES", 3)
    monkeypatch.setattr(parallelism, "SAMPLE_FILES", 6)
    for index in range(10):
        (tmp_path / f"{index}.txt").write_bytes(b"z")
    size = measure_inputs([str(tmp_path / "*.txt")])
    assert size == InputSize(6, 6) and not size.small


def test_pages_are_html_and_warc_files_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(b"p" * 100)
    (tmp_path / "b.htm.gz").write_bytes(b"p" * 10)
    (tmp_path / "c.warc").write_bytes(b"w" * 50)
    (tmp_path / "d.php").write_bytes(b"x" * 30)  # sniffed when read: not counted as a page
    (tmp_path / "e.txt").write_bytes(b"t" * 400)
    size = measure_inputs([str(tmp_path / "*")])
    assert (size.bytes, size.page_bytes) == (780, 100 + 10 * COMPRESSED_WEIGHT + 50)
    assert not size.mostly_pages  # 350 of 780 bytes
    (tmp_path / "e.txt").unlink()
    assert measure_inputs([str(tmp_path / "*")]).mostly_pages  # 350 of 380
