"""WARC archives: each HTML ``response`` record is a document; other records are skipped.

Reads a stream with warcio (which also inflates per-record gzip members); a file that stops
being parseable ends in one ``corrupt_warc`` reject at the offset where it broke; a record that
fails on its own is a reject of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.recordloader import ArcWarcRecord
from warcio.utils import BUFF_SIZE

from scrapeclean.transforms.records import (
    Document,
    Reject,
    RejectReason,
    failure_detail,
    make_doc_id,
)
from scrapeclean.transforms.text.decode import ReadConfig, decode_document

SKIPPED = None  # what warc_documents yields for a record that is not a document
_CHUNK = 1024 * 1024


def warc_documents(
    stream: BinaryIO, path: str, config: ReadConfig
) -> Iterator[Document | Reject | None]:
    """Yield a Document or Reject per HTML response record, and SKIPPED per other record.

    warcio stops silently at some truncations and raises on others; either way the file ends in
    one ``corrupt_warc`` reject: when it raises, or when bytes remain past the last record.
    Header lines past ``config.max_header_bytes`` per record end the file the same way. A
    record whose payload fails to read or decode is an ``internal_error`` reject of its own.
    """
    records = ArchiveIterator(stream, arc2warc=True)
    reader = records.reader = HeaderCappedReader(records.fh, config.max_header_bytes)
    end = 0  # where the last complete record ended, its trailing blank lines included
    try:
        for record in records:
            html = is_html_response(record)
            payload = _read_payload(record, config) if html else b""
            while record.raw_stream.read(_CHUNK):  # the rest, so truncation shows in `limit`
                pass
            if record.raw_stream.limit > 0:
                raise ValueError(f"a record stops {record.raw_stream.limit} bytes short")
            offset = records.get_record_offset()  # only after the read: it skips the content
            # Not offset + get_record_length(): in an uncompressed WARC the length leaves out
            # the blank lines that end every record, which warcio has read by now.
            end = records.offset
            reader.spent = 0  # the next record's header lines start from here
            yield record_document(record, payload, f"{path}#{offset}", config) if html else SKIPPED
        if stream.tell() > end:
            raise ValueError(f"{stream.tell() - end} bytes after the last complete record")
    except Exception as error:  # warcio raises anything from EOFError to AttributeError
        detail = f"unparseable from offset {end}: {error!r}"[:500]
        yield Reject(f"{path}#{end}", None, RejectReason.CORRUPT_WARC, detail, b"", "warc")


class HeaderTooLargeError(ValueError):
    """A WARC record's header lines (WARC and HTTP) run past ``max_header_bytes``."""


class HeaderCappedReader(DecompressingBufferedReader):
    """warcio's reader, with a budget on the bytes its ``readline`` returns per record.

    warcio reads WARC and HTTP header lines with an unbounded ``readline``: one 400 MiB header
    line, 400 KB as .warc.gz, took 1.4 GB (issue 17). Payloads are read with ``read`` and do not
    count; the caller sets ``spent`` back to 0 after each record.
    """

    def __init__(self, stream: BinaryIO, budget: int) -> None:
        super().__init__(stream, block_size=BUFF_SIZE)
        self.budget = budget
        self.spent = 0

    def readline(self, length: int | None = None) -> bytes:
        """warcio's readline, stopped one byte past the budget; then HeaderTooLargeError."""
        room = self.budget - self.spent + 1
        line: bytes = super().readline(room if length is None else min(length, room))
        self.spent += len(line)
        if self.spent > self.budget:
            raise HeaderTooLargeError(f"header lines of a record pass {self.budget} bytes")
        return line


def _read_payload(record: ArcWarcRecord, config: ReadConfig) -> bytes | Exception:
    """The HTTP body, inflated per its Content-Encoding and capped; the error if that fails."""
    try:
        payload: bytes = record.content_stream().read(config.max_document_bytes + 1)
    except Exception as error:  # e.g. a Content-Encoding that does not inflate: this record
        return error
    return payload


def record_document(
    record: ArcWarcRecord, payload: bytes | Exception, source: str, config: ReadConfig
) -> Document | Reject:
    """html_document for one response record; a payload that failed to read, or a decoder
    that raises, makes this record an ``internal_error`` reject and the next record goes on."""
    if isinstance(payload, Exception):
        data, error = b"", payload
    else:
        try:
            return html_document(record, payload, source, config)
        except Exception as raised:
            data, error = payload, raised
    doc_id, raw = make_doc_id(source, data), data[: config.reject_raw_bytes]
    detail = failure_detail("warc", error)
    return Reject(source, doc_id, RejectReason.INTERNAL_ERROR, detail, raw, "warc")


def html_document(
    record: ArcWarcRecord, payload: bytes, source: str, config: ReadConfig
) -> Document | Reject:
    """Decode one HTML response's body by its HTTP charset, with its target URI as the URL."""
    return decode_document(
        payload,
        source,
        "warc",
        config,
        is_html=True,
        url=record.rec_headers.get_header("WARC-Target-URI"),
        charset=http_charset(record),
    )


def is_html_response(record: ArcWarcRecord) -> bool:
    """An HTTP response record whose body is HTML (or XHTML)."""
    if record.rec_type != "response" or record.http_headers is None:
        return False
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    return "html" in content_type


def http_charset(record: ArcWarcRecord) -> str | None:
    """The charset parameter of the HTTP Content-Type header, if any."""
    content_type = record.http_headers.get_header("Content-Type") or ""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None
