"""Which document ``scrapeclean explain`` looks at, and the first record the reader makes of it.

A text or HTML file is one document. A JSONL line is named ``path#L<n>`` (the ``source`` a run
writes) or ``path --record N``; a WARC response record ``path#<offset>`` or ``path --record N``
(the N-th HTML response). The record is made by the functions the pipeline's reader calls
(``decode_file``, ``jsonl_document``, ``warc_documents``), so it is the one a run starts from.
No Beam.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from scrapeclean.pipeline.tools.stores import arrow_filesystem, is_remote
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.errors import UsageError
from scrapeclean.transforms.records import Document, Reject
from scrapeclean.transforms.text.decode import GZIP_MAGIC
from scrapeclean.transforms.text.formats import jsonl_document
from scrapeclean.transforms.text.lines import InflationLimitError, jsonl_stream, read_lines
from scrapeclean.transforms.text.sniff import BY_CONTENT, SNIFF_BYTES, decide_format, sniff_format
from scrapeclean.transforms.text.sources import (
    NotRegularFileError,
    open_regular,
    path_of,
    source_of,
)
from scrapeclean.transforms.text.stages import decode_file
from scrapeclean.transforms.text.warc import SKIPPED, warc_documents

_LINE = re.compile(r"^(?P<path>.+)#L(?P<number>[1-9][0-9]*)$")
_OFFSET = re.compile(r"^(?P<path>.+)#(?P<number>[0-9]+)$")
_LISTED_OFFSETS = 5  # record offsets named in the error for an offset that holds none


@dataclass(frozen=True, slots=True)
class Target:
    """One document to explain: its file and format, and for JSONL and WARC which record.

    ``line``: a JSONL line number. ``offset``: a WARC record's offset. ``index``: the N-th HTML
    response record of a WARC file (``--record N``).
    """

    path: str
    input_format: str
    line: int | None = None
    offset: int | None = None
    index: int | None = None
    beam_args: tuple[str, ...] = ()  # Beam's options for a store's URL (pipeline/tools/stores.py)


@dataclass(frozen=True, slots=True)
class Read:
    """What the reader made of the target, and a line that says what was read."""

    record: Document | Reject
    described: str


def locate(
    location: str,
    record: int | None,
    requested_format: str = "auto",
    beam_args: Sequence[str] = (),
) -> Target:
    """The Target FILE (a path, a store's URL, or a ``source`` as a run wrote it) and
    ``--record`` name."""
    path, line, offset = location, None, None
    if is_remote(location) or not os.path.lexists(location):  # a local path is taken as typed
        if match := _LINE.match(location):
            path, line = match["path"], int(match["number"])
        elif match := _OFFSET.match(location):
            path, offset = match["path"], int(match["number"])
        if not is_remote(path):
            path = path if os.path.lexists(path) else path_of(path)  # a source is escaped
    input_format, decided_by = decide_format(path, requested_format)
    if decided_by == BY_CONTENT:  # as `run` reads a .php page or an extensionless file
        with _open(Target(path, "auto", beam_args=tuple(beam_args))) as handle:
            input_format = sniff_format(handle.read(SNIFF_BYTES))
    named = line is not None or offset is not None
    if named and record is not None:
        raise UsageError(f"{location!r} names a record already; drop --record {record}")
    if input_format == "jsonl":
        target = _jsonl_target(location, path, line if line is not None else record, offset)
        return dataclasses.replace(target, beam_args=tuple(beam_args))
    if input_format == "warc":
        if line is not None:
            raise UsageError(f"{location!r}: a WARC record is named by its offset, PATH#<offset>")
        index = record if offset is None else None
        return Target(path, "warc", offset=offset, index=index, beam_args=tuple(beam_args))
    if named or record is not None:
        kind = "an HTML" if input_format == "html" else "a text"
        raise UsageError(f"{location!r}: {kind} file is one document; name the file alone")
    return Target(path, input_format, beam_args=tuple(beam_args))


def _jsonl_target(location: str, path: str, line: int | None, offset: int | None) -> Target:
    if offset is not None:
        raise UsageError(f"{location!r}: a JSONL record is named by its line, PATH#L<n>")
    if line is None:
        raise UsageError(
            f"{location!r} holds one document per line: name one as {location}#L<n> "
            "(the source a run writes) or with --record N"
        )
    return Target(path, "jsonl", line=line)


def read_target(target: Target, config: RunConfig) -> Read:
    """The record a run starts from for the target (a Document, or the reader's Reject)."""
    source = source_of(target.path)
    if target.input_format == "jsonl":
        return _read_line(target, source, config)
    if target.input_format == "warc":
        return _read_warc(target, source, config)
    with _open(target) as handle:
        data = handle.read(config.read.max_document_bytes + 1)  # one past it: too_large shows
    gzipped = " (gzip)" if data.startswith(GZIP_MAGIC) else ""
    record = decode_file(data, source, target.input_format, config)
    return Read(record, f"format {target.input_format} · {len(data):,} bytes{gzipped}")


def _read_line(target: Target, source: str, config: RunConfig) -> Read:
    assert target.line is not None
    with _open(target) as handle:
        stream = jsonl_stream(handle, target.path, _size(target), config.read)
        line, too_long = _find_line(
            read_lines(stream, config.read.max_line_bytes), target.line, source
        )
    named = f"{source}#L{target.line}"
    record = jsonl_document(line, too_long, named, config.jsonl, config.read)
    if record is None:
        raise UsageError(f"line {target.line:,} of {source!r} is blank: a run skips it")
    return Read(record, f"format jsonl · line {target.line:,} · {len(line):,} bytes")


def _size(target: Target) -> int:
    if is_remote(target.path):
        filesystem, key = arrow_filesystem(target.path, target.beam_args)
        return int(filesystem.get_file_info(key).size or 0)
    return os.path.getsize(target.path)


def _find_line(
    lines: Iterator[tuple[int, bytes, bool]], wanted: int, source: str
) -> tuple[bytes, bool]:
    number = 0
    try:
        for number, line, too_long in lines:
            if number == wanted:
                return line, too_long
    except (InflationLimitError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise UsageError(f"{source!r}: line {number + 1:,} cannot be read: {error}") from None
    raise UsageError(f"{source!r} has {number:,} lines, no line {wanted:,}")


def _read_warc(target: Target, source: str, config: RunConfig) -> Read:
    if target.offset is None and target.index is None:
        raise UsageError(
            f"{source!r} holds one document per HTML response record: name one as "
            f"{source}#<offset> (the source a run writes) or with --record N"
        )
    offsets: list[int] = []
    with _open(target) as handle:
        for record in warc_documents(handle, source, config.read):
            if record is SKIPPED:
                continue
            offsets.append(int(record.source.rsplit("#", 1)[1]))
            if offsets[-1] == target.offset or len(offsets) == target.index:
                which = f"HTML response {len(offsets):,}, at offset {offsets[-1]:,}"
                return Read(record, f"format warc · {which}")
    asked = f"record {target.index:,}" if target.offset is None else f"offset {target.offset:,}"
    shown = ", ".join(f"{offset:,}" for offset in offsets[:_LISTED_OFFSETS])
    more = ", …" if len(offsets) > _LISTED_OFFSETS else ""
    raise UsageError(
        f"{source!r} has no HTML response at {asked} ({len(offsets):,} found"
        + (f", at offsets {shown}{more})" if offsets else ")")
    )


def _open(target: Target) -> BinaryIO:
    """The file opened for reading: a store's object, or a local file only when it is a regular
    file (a FIFO would block)."""
    path = target.path
    if is_remote(path):
        filesystem, key = arrow_filesystem(path, target.beam_args)
        try:
            return filesystem.open_input_file(key)  # type: ignore[no-any-return]
        except OSError as error:
            raise UsageError(f"{path!r}: cannot read ({error})") from None
    if not os.path.lexists(path):
        raise UsageError(f"{source_of(path)!r} does not exist")
    try:
        return open_regular(path)
    except NotRegularFileError as error:
        raise UsageError(f"{source_of(path)!r} is {error.strerror}") from None
    except OSError as error:
        raise UsageError(f"{source_of(path)!r}: cannot read ({error.strerror})") from None
