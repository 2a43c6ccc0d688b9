"""warc: HTML responses become documents with their URL and HTTP charset; others are skipped;
a truncated archive (or one with header lines past the cap) ends in one corrupt_warc reject; a
record that fails alone is a reject of its own."""

from __future__ import annotations

import io
import tracemalloc
import zlib
from pathlib import Path

import pytest
from warcio.recordloader import ArcWarcRecord

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text import warc
from scrapeclean.transforms.text.decode import MIB, ReadConfig
from scrapeclean.transforms.text.warc import SKIPPED, warc_documents
from tests.transforms.test_read import write_warc


def test_html_responses_are_documents_and_the_rest_is_skipped(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz")
    results = list(warc_documents((tmp_path / "a.warc.gz").open("rb"), "a.warc.gz", ReadConfig()))
    documents = [r for r in results if isinstance(r, Document)]
    assert len(results) == 4 and results.count(SKIPPED) == 3
    (page,) = documents
    assert page.url == "https://example.com/a" and page.is_html and "<p>Hello</p>" in page.text
    assert page.source.startswith("a.warc.gz#") and page.input_format == "warc"


@pytest.mark.parametrize("name", ["a.warc", "a.warc.gz"])
@pytest.mark.parametrize("share", [0.1, 0.25, 0.4, 0.6, 0.75, 0.9])
def test_a_truncated_warc_ends_in_one_reject(tmp_path: Path, name: str, share: float) -> None:
    write_warc(tmp_path / name)
    data = (tmp_path / name).read_bytes()
    cut = io.BytesIO(data[: int(len(data) * share)])
    results = list(warc_documents(cut, "t.warc", ReadConfig()))
    rejects = [r for r in results if isinstance(r, Reject)]
    assert len(rejects) == 1 and results[-1] is rejects[0]
    assert rejects[0].reason == RejectReason.CORRUPT_WARC
    assert rejects[0].source.startswith("t.warc#")


def test_a_plain_warc_written_by_warcio_has_no_phantom_reject(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc")
    results = list(warc_documents((tmp_path / "a.warc").open("rb"), "a.warc", ReadConfig()))
    assert [type(r).__name__ for r in results if r is not SKIPPED] == ["Document"]
    assert len(results) == 4


@pytest.mark.parametrize("name", ["a.warc", "a.warc.gz"])
def test_bytes_after_the_last_record_are_one_reject(tmp_path: Path, name: str) -> None:
    write_warc(tmp_path / name)
    data = (tmp_path / name).read_bytes() + b"not a record\r\n"
    results = list(warc_documents(io.BytesIO(data), "t.warc", ReadConfig()))
    assert [r.reason for r in results if isinstance(r, Reject)] == [RejectReason.CORRUPT_WARC]


def response_record(uri: str, headers: bytes, body: bytes) -> bytes:
    """One uncompressed WARC response record, written by hand so its headers can be anything."""
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + headers + b"\r\n" + body
    return (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: " + uri.encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: " + str(len(block)).encode() + b"\r\n\r\n" + block + b"\r\n\r\n"
    )


def gzip_member(*parts: bytes | tuple[bytes, int]) -> bytes:
    """A gzip member of ``parts``; (chunk, n) stands for chunk repeated n times, never joined:
    a 64 MiB header line costs a 64 KB member and no 64 MiB buffer here."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    out = []
    for part in parts:
        chunk, times = part if isinstance(part, tuple) else (part, 1)
        out += [compressor.compress(chunk) for _ in range(times)]
    return b"".join(out) + compressor.flush()


PAGE = b"<html><body><p>Hello there.</p></body></html>"


@pytest.mark.parametrize("where", ["warc", "http"])
def test_a_huge_header_line_ends_the_file_without_being_held(where: str) -> None:
    long_line = (b"a" * MIB, 64)  # 64 MiB of one header line
    if where == "warc":
        bad = gzip_member(b"WARC/1.0\r\nWARC-Target-URI: https://e.com/", long_line, b"\r\n\r\n")
    else:
        record = response_record("https://e.com/2", b"X-Long: ", b"")
        head, tail = record.split(b"X-Long: ")
        bad = gzip_member(head, b"X-Long: ", long_line, tail)
    good = gzip_member(response_record("https://e.com/1", b"", PAGE))
    stream = io.BytesIO(good + bad + good)
    tracemalloc.start()
    try:
        results = list(warc_documents(stream, "t.warc.gz", ReadConfig()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(results[0], Document) and results[0].url == "https://e.com/1"
    (reject,) = results[1:]
    assert isinstance(reject, Reject) and reject.reason == RejectReason.CORRUPT_WARC
    assert "header lines of a record pass 1048576 bytes" in reject.detail
    # Less than the line itself: 45 MB, most of it warcio inflating one 16 KB block of it at
    # once (up to ~16 MB); without the cap 208 MB (measured).
    assert peak < 64 * MIB


def test_a_record_that_fails_alone_is_a_reject_and_the_next_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = warc.html_document

    def fail_on_second(record: ArcWarcRecord, payload: bytes, source: str, config: ReadConfig):
        if record.rec_headers.get_header("WARC-Target-URI").endswith("/2"):
            raise RuntimeError("decoder bug")
        return real(record, payload, source, config)

    monkeypatch.setattr(warc, "html_document", fail_on_second)
    data = b"".join(response_record(f"https://e.com/{n}", b"", PAGE) for n in (1, 2, 3))
    results = list(warc_documents(io.BytesIO(data), "t.warc", ReadConfig()))
    assert [type(r).__name__ for r in results] == ["Document", "Reject", "Document"]
    reject = results[1]
    assert isinstance(reject, Reject) and reject.reason == RejectReason.INTERNAL_ERROR
    assert reject.detail == "warc: RuntimeError: decoder bug" and reject.raw == PAGE
