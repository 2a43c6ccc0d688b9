"""formats: the format an extension names; the JSONL record parser with its exact reason codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.formats import (
    JsonlConfig,
    format_by_extension,
    parse_jsonl_line,
    parse_published,
)

CONFIG = JsonlConfig()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a/b.txt", "text"),
        ("a/b.TXT.gz", "text"),
        ("a/page.htm", "html"),
        ("a/page.html.gz", "html"),
        ("a/x.jsonl", "jsonl"),
        ("a/x.ndjson.gz", "jsonl"),
        ("a/crawl.warc.gz", "warc"),
        ("a/dump.md", None),
        ("a/story.php", None),
        ("a/noext", None),
        ("a/.hidden", None),
    ],
)
def test_format_by_extension(path: str, expected: str | None) -> None:
    assert format_by_extension(path) == expected


def parse(record: object) -> Document | Reject:
    return parse_jsonl_line(json.dumps(record).encode(), "f.jsonl#L3", CONFIG, 100)


def test_a_full_record_states_its_fields() -> None:
    document = parse(
        {
            "url": "https://e.com/a",
            "html": "<p>x</p>",
            "title": "A Title",
            "description": "A dek.",
            "published": "2025-11-30T10:04:00-05:00",
        }
    )
    assert isinstance(document, Document)
    assert (document.source, document.input_format, document.is_html) == (
        "f.jsonl#L3",
        "jsonl",
        True,
    )
    assert (document.url, document.headline, document.summary) == (
        "https://e.com/a",
        "A Title",
        "A dek.",
    )
    assert document.summary_known
    assert document.published == datetime(2025, 11, 30, 15, 4, tzinfo=UTC)


def test_text_records_go_the_text_path_and_html_wins_over_text() -> None:
    text_only = parse({"text": "Body."})
    assert isinstance(text_only, Document) and not text_only.is_html and not text_only.summary_known
    both = parse({"text": "Body.", "html": "<p>Body.</p>"})
    assert isinstance(both, Document) and both.is_html and both.text == "<p>Body.</p>"


@pytest.mark.parametrize("html", ["", "  \n", None])
def test_a_blank_html_field_leaves_the_text_to_stand(html: str | None) -> None:
    document = parse({"html": html, "text": "Body."})
    assert isinstance(document, Document) and not document.is_html and document.text == "Body."


def test_lone_surrogates_in_fields_are_dropped() -> None:
    line = rb'{"url": "https://e.com/\ud800a", "title": "T\udfff", "text": "Body\ud800."}'
    document = parse_jsonl_line(line, "f.jsonl#L1", CONFIG, 100)
    assert isinstance(document, Document)
    assert (document.url, document.headline, document.text) == ("https://e.com/a", "T", "Body.")


def test_json_nested_past_the_parser_is_invalid_json() -> None:
    line = b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    result = parse_jsonl_line(line, "f.jsonl#L2", CONFIG, 10)
    assert isinstance(result, Reject) and result.reason == RejectReason.INVALID_JSON


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", RejectReason.INVALID_JSON),
        (b"\xff\xfe{}", RejectReason.INVALID_JSON),
        (b"[1, 2]", RejectReason.NOT_AN_OBJECT),
        (b'"a string"', RejectReason.NOT_AN_OBJECT),
        (b'{"text": 5}', RejectReason.WRONG_FIELD_TYPE),
        (b'{"text": "ok", "title": ["list"]}', RejectReason.WRONG_FIELD_TYPE),
        (b'{"text": "ok", "published": true}', RejectReason.WRONG_FIELD_TYPE),
        (b'{"url": "https://e.com"}', RejectReason.EMPTY_RECORD),
        (b'{"text": "   "}', RejectReason.EMPTY_RECORD),
    ],
)
def test_bad_records_are_rejected_with_their_reason(line: bytes, reason: RejectReason) -> None:
    result = parse_jsonl_line(line, "f.jsonl#L9", CONFIG, 4)
    assert isinstance(result, Reject)
    assert (result.reason, result.source, result.raw) == (reason, "f.jsonl#L9", line[:4])


def test_field_names_are_mapped_by_config() -> None:
    config = JsonlConfig(text_fields=("content",), headline_fields=("h",))
    document = parse_jsonl_line(b'{"content": "Body.", "h": "Head"}', "s", config, 10)
    assert isinstance(document, Document) and (document.text, document.headline) == (
        "Body.",
        "Head",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-30", datetime(2025, 11, 30, tzinfo=UTC)),
        ("2025-11-30T10:04:00Z", datetime(2025, 11, 30, 10, 4, tzinfo=UTC)),
        (1764496800, datetime(2025, 11, 30, 10, 0, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        ("9999-12-31T23:59:59-23:59", None),  # past datetime.max once in UTC
        ("0001-01-01T00:00:00+23:59", None),  # before datetime.min once in UTC
        (1e300, None),
    ],
)
def test_parse_published(value: str | int | None, expected: datetime | None) -> None:
    assert parse_published(value) == expected
