"""warc: HTML responses become documents with their URL and HTTP charset; others are skipped;
a truncated archive ends in one corrupt_warc reject."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.decode import ReadConfig
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
