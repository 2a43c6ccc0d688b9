"""Line-oriented reading for JSONL: split a big file into chunks at newlines (with the line number
each chunk starts at), and read a chunk's lines with a cap on line length.

Pure Python over binary file objects; read.py opens the files and spreads the chunks.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import BinaryIO

from scrapeclean.transforms.text.decode import ReadConfig

MIB = 1024 * 1024
_BLOCK = 8 * MIB


def plan_chunks(
    stream: BinaryIO, chunk_bytes: int, block_bytes: int = _BLOCK
) -> Iterator[tuple[int, int, int]]:
    """Yield (start, end, first_line) chunks of about ``chunk_bytes``, cut just after a newline.

    One sequential scan that only counts newlines (memory: one block), so that the parsing of
    every chunk can run on another worker and still know its line numbers (1-based).
    """
    start, start_line = 0, 1
    offset, lines = 0, 0  # bytes and newlines before the current block
    while block := stream.read(block_bytes):
        position = 0
        while True:
            threshold = max(start + chunk_bytes - offset, position)
            newline = block.find(b"\n", threshold) if threshold < len(block) else -1
            if newline < 0:
                break
            cut = newline + 1
            yield start, offset + cut, start_line
            start, start_line = offset + cut, lines + block.count(b"\n", 0, cut) + 1
            position = cut
        offset += len(block)
        lines += block.count(b"\n")
    if offset > start:
        yield start, offset, start_line


def read_lines(
    stream: BinaryIO,
    max_line_bytes: int,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (line number, line without its newline, too_long) from ``start`` up to ``end``.

    A line longer than ``max_line_bytes`` is yielded as its first bytes with too_long=True and
    the rest is skipped in bounded reads: a 50 MB line never sits in memory whole.
    """
    if start:
        stream.seek(start)
    position, number = start, first_line
    while end is None or position < end:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            return
        position += len(line)
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while rest := stream.readline(MIB):  # skip the rest of the line, a MiB at a time
                position += len(rest)
                if rest.endswith(b"\n"):
                    break
            yield number, line, True
        else:
            yield number, line.rstrip(b"\r\n"), False
        number += 1


def jsonl_stream(handle: BinaryIO, path: str, size: int, config: ReadConfig) -> BinaryIO:
    """The stream ``read_lines`` reads from an open JSONL file: a ``.gz`` one inflated, with a
    cap on what it may inflate to (the larger of the size and ratio caps)."""
    if not path.endswith(".gz"):
        return handle
    limit = max(config.max_compression_ratio * size, config.max_document_bytes)
    return LimitedReader(gzip.GzipFile(fileobj=handle), limit)  # type: ignore[return-value]


class InflationLimitError(Exception):
    """Raised by LimitedReader when a decompressed stream grows past its limit."""


class LimitedReader:
    """A read-only view of a (decompressing) stream that refuses to yield more than ``limit``
    bytes in all: a gzip bomb of JSONL is stopped while streaming, not after."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self.consumed = 0

    def readline(self, size: int = -1) -> bytes:
        """Like ``readline``; raises InflationLimitError past the limit."""
        return self._count(self._stream.readline(size))

    def read(self, size: int = -1) -> bytes:
        """Like ``read``; raises InflationLimitError past the limit."""
        return self._count(self._stream.read(size))

    def _count(self, data: bytes) -> bytes:
        self.consumed += len(data)
        if self.consumed > self._limit:
            raise InflationLimitError(f"inflates past {self._limit} bytes")
        return data
