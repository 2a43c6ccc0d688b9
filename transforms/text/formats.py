"""Input formats: which parser a file goes to, and the JSONL record parser.

One JSONL line is one document: a bad line is a reject with its own reason code while the other
lines of the file still come through. Reading files and splitting them is read.py's concern.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapeclean.transforms.records import (
    Document,
    Reject,
    RejectReason,
    failure_detail,
    make_doc_id,
)
from scrapeclean.transforms.surrogates import loads_json
from scrapeclean.transforms.text.decode import ReadConfig

_LOG = logging.getLogger(__name__)

FORMATS = ("text", "html", "jsonl", "warc")
_EXTENSIONS = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
}


@dataclass(frozen=True, slots=True)
class JsonlConfig:
    """Which fields of a scraper record hold what; the first present field of each list wins."""

    url_fields: tuple[str, ...] = ("url",)
    html_fields: tuple[str, ...] = ("html",)  # goes through HTML extraction
    text_fields: tuple[str, ...] = ("text",)  # goes through the text-dump path
    headline_fields: tuple[str, ...] = ("title", "headline")
    summary_fields: tuple[str, ...] = ("summary", "description")
    published_fields: tuple[str, ...] = ("published",)  # ISO 8601 string or Unix seconds


def format_by_extension(path: str) -> str | None:
    """The format a file's extension names (``.gz`` looked through), None when it names none."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".gz"):
        name = name[:-3]
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:]) if dot > 0 else None


def jsonl_document(
    line: bytes, too_long: bool, source: str, jsonl: JsonlConfig, config: ReadConfig
) -> Document | Reject | None:
    """One line of a JSONL file as the reader takes it (``read_lines`` gives ``too_long``): a
    Document or a Reject, None for a blank line (not a document). A parser that raises makes
    the line an ``internal_error`` reject; the file's next lines go on."""
    if too_long:
        detail = f"line longer than {config.max_line_bytes} bytes"
        return line_reject(source, line, RejectReason.LINE_TOO_LONG, detail, config)
    if not line.strip():
        return None
    try:
        return parse_jsonl_line(line, source, jsonl, config.reject_raw_bytes)
    except Exception as error:  # this line is a dead letter
        _LOG.debug("parsing %s failed", source, exc_info=True)
        detail = failure_detail("jsonl", error)
        return line_reject(source, line, RejectReason.INTERNAL_ERROR, detail, config)


def line_reject(
    source: str, line: bytes, reason: RejectReason, detail: str, config: ReadConfig
) -> Reject:
    """The Reject of one JSONL line, its raw bytes capped."""
    return Reject(
        source, make_doc_id(source, line), reason, detail, line[: config.reject_raw_bytes], "jsonl"
    )


def parse_jsonl_line(
    line: bytes, source: str, config: JsonlConfig, raw_cap: int
) -> Document | Reject:
    """One JSONL line to a Document (``html`` marked for extraction), or a Reject saying why."""
    doc_id = make_doc_id(source, line)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(source, doc_id, reason, detail, line[:raw_cap], "jsonl")

    try:
        record = loads_json(line)
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        return reject(RejectReason.INVALID_JSON, str(error)[:300])
    except RecursionError:  # json's C parser recurses once per level of nesting
        return reject(RejectReason.INVALID_JSON, "nested deeper than the JSON parser goes")
    if not isinstance(record, dict):
        return reject(RejectReason.NOT_AN_OBJECT, f"a JSON {type(record).__name__}, not an object")
    try:
        fields = {
            name: _pick(record, getattr(config, f"{name}_fields"))
            for name in ("url", "html", "text", "headline", "summary")
        }
        published = parse_published(_pick(record, config.published_fields, (str, int, float)))
    except TypeError as error:
        return reject(RejectReason.WRONG_FIELD_TYPE, str(error))
    # A blank html field (scrapers write "" when the fetch failed) leaves the text to stand.
    is_html = bool(fields["html"] and fields["html"].strip())
    body = fields["html"] if is_html else fields["text"]
    if not body or not body.strip():
        return reject(RejectReason.EMPTY_RECORD, "no html or text field with content")
    return Document(
        source=source,
        doc_id=doc_id,
        input_format="jsonl",
        raw=line[:raw_cap],
        text=body,
        url=fields["url"],
        is_html=is_html,
        headline=fields["headline"] or None,
        summary=fields["summary"] or None,
        summary_known=any(name in record for name in config.summary_fields),
        published=published,
    )


def parse_published(value: str | float | None) -> datetime | None:
    """An ISO 8601 string or Unix seconds as an aware UTC datetime; None when it is neither, or
    when it has no UTC time (9999-12-31T23:59:59-23:59 is past datetime.max in UTC)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _pick(record: dict[str, Any], names: tuple[str, ...], types: tuple[type, ...] = (str,)) -> Any:
    """The first of ``names`` present and not null in ``record``; TypeError naming a bad type."""
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            raise TypeError(f"field {name!r} is a {type(value).__name__}")
        return value
    return None
