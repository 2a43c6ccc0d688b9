"""lines: chunk planning keeps every line exactly once with its number; long lines are capped."""

from __future__ import annotations

import gzip
import io
import random

import pytest

from scrapeclean.transforms.text.lines import (
    InflationLimitError,
    LimitedReader,
    plan_chunks,
    read_lines,
)

LINES = [b"x" * random.Random(n).randint(0, 60) for n in range(2000)]
DATA = b"\n".join(LINES) + b"\n"


@pytest.mark.parametrize("chunk_bytes", [1, 17, 1000, 10**9])
@pytest.mark.parametrize("block_bytes", [5, 4096])
def test_chunks_cover_every_line_once_with_its_number(chunk_bytes: int, block_bytes: int) -> None:
    got = []
    for start, end, first in plan_chunks(io.BytesIO(DATA), chunk_bytes, block_bytes):
        got += [(n, line) for n, line, _ in read_lines(io.BytesIO(DATA), 100, start, end, first)]
    assert got == [(n + 1, line) for n, line in enumerate(LINES)]


def test_a_file_without_final_newline_keeps_its_last_line() -> None:
    chunks = list(plan_chunks(io.BytesIO(b"a\nb"), 1))
    assert chunks == [(0, 2, 1), (2, 3, 2)]


def test_long_lines_are_capped_and_skipped_in_bounded_reads() -> None:
    data = b"short\n" + b"y" * 3_000_000 + b"\nafter\n"
    assert list(read_lines(io.BytesIO(data), 10)) == [
        (1, b"short", False),
        (2, b"y" * 11, True),
        (3, b"after", False),
    ]


def test_limited_reader_stops_a_gzip_bomb_while_streaming() -> None:
    stream = LimitedReader(gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(b"0" * 10**7))), 10**6)
    with pytest.raises(InflationLimitError):
        list(read_lines(stream, 100))
    assert stream.consumed < 2 * 10**6
