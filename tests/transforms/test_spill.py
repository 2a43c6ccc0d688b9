"""SpillRecords / read_spilled: records go to files and come back whole, per window."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to, equal_to_per_window
from apache_beam.transforms.window import FixedWindows, IntervalWindow, TimestampedValue

from scrapeclean.transforms.beam.spill import SpillRecords, held_records, hold, read_spilled
from tests.transforms.test_sitelines import make_article

RUNNER = "FnApiRunner"


def test_records_come_back_whole_from_several_files(tmp_path: Path) -> None:
    articles = [make_article(f"d{n:02d}", [f"Paragraph {n} " * 300]) for n in range(10)]
    with TestPipeline(runner=RUNNER) as pipeline:
        paths = pipeline | beam.Create(articles) | SpillRecords(str(tmp_path), records_per_file=3)
        assert_that(paths | beam.FlatMap(read_spilled), equal_to(articles), label="Same")
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 4  # 3 per file: at least 4 files for 10 records
    assert sum(len(list(read_spilled(str(f)))) for f in files) == 10


def test_a_file_larger_than_the_write_buffer_comes_back_whole(tmp_path: Path) -> None:
    # ~3 MB of ~10 KB articles in one file: written in several chunks, the last at close.
    articles = [make_article(f"d{n:03d}", [f"Paragraph {n} " * 800]) for n in range(300)]
    with TestPipeline(runner=RUNNER) as pipeline:
        paths = pipeline | beam.Create(articles) | SpillRecords(str(tmp_path), 1000)
        assert_that(paths | beam.FlatMap(read_spilled), equal_to(articles), label="Same")
    (spilled,) = tmp_path.iterdir()
    assert spilled.stat().st_size > 2 * (1 << 20)
    assert sorted(read_spilled(str(spilled)), key=lambda a: a.doc_id) == articles


def test_windows_stay_apart(tmp_path: Path) -> None:
    stamped = [TimestampedValue(f"r{n}", n) for n in range(6)]
    with TestPipeline(runner=RUNNER) as pipeline:
        windowed = pipeline | beam.Create(stamped) | beam.WindowInto(FixedWindows(3))
        back = windowed | SpillRecords(str(tmp_path)) | beam.FlatMap(read_spilled)
        expected = {
            IntervalWindow(0, 3): ["r0", "r1", "r2"],
            IntervalWindow(3, 6): ["r3", "r4", "r5"],
        }
        assert_that(back, equal_to_per_window(expected), reify_windows=True)


def test_hold_without_a_folder_passes_records_through() -> None:
    with TestPipeline(runner=RUNNER) as pipeline:
        records = pipeline | beam.Create(["a", "b"])
        assert hold(records, None) is records
    assert list(held_records("a", spilled=False)) == ["a"]
