"""WARC archives: each HTML ``response`` record is a document; other records are skipped.

Reads a stream with warcio (which also inflates per-record gzip members); a file that stops
being parseable ends in one ``corrupt_warc`` reject at the offset where it broke.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.decode import ReadConfig, decode_document

SKIPPED = None  # what warc_documents yields for a record that is not a document
_CHUNK = 1024 * 1024


def warc_documents(
    stream: BinaryIO, path: str, config: ReadConfig
) -> Iterator[Document | Reject | None]:
    """Yield a Document or Reject per HTML response record, and SKIPPED per other record.

    warcio stops silently at some truncations and raises on others; either way the file ends in
    one ``corrupt_warc`` reject: when it raises, or when bytes remain past the last record.
    """
    records = ArchiveIterator(stream, arc2warc=True)
    end = 0  # where the last complete record ended
    try:
        for record in records:
            html = is_html_response(record)
            payload = record.content_stream().read(config.max_document_bytes + 1) if html else b""
            while record.raw_stream.read(_CHUNK):  # the rest, so truncation shows in `limit`
                pass
            if record.raw_stream.limit > 0:
                raise ValueError(f"a record stops {record.raw_stream.limit} bytes short")
            offset = records.get_record_offset()  # only after the read: it skips the content
            end = offset + records.get_record_length()
            yield html_document(record, payload, f"{path}#{offset}", config) if html else SKIPPED
        if stream.tell() > end:
            raise ValueError(f"{stream.tell() - end} bytes after the last complete record")
    except Exception as error:  # warcio raises anything from EOFError to AttributeError
        detail = f"unparseable from offset {end}: {error!r}"[:500]
        yield Reject(f"{path}#{end}", None, RejectReason.CORRUPT_WARC, detail, b"", "warc")


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
