"""Input formats: which parser a file goes to, and the JSONL record parser.

One JSONL line is one document: a bad line is a reject with its own reason code while the other
lines of the file still come through. Reading files and splitting them is read.py's concern.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapeclean.transforms.records import Document, Reject, RejectReason, make_doc_id

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


def detect_format(path: str, requested: str = "auto") -> str:
    """The input format of a file: the requested one, else by extension (``.gz`` looked through).

    Under ``auto`` an unknown extension is a text dump: scrapers name dumps freely (``.dump``,
    ``.md``, none at all), and decoding still refuses binary content.
    """
    if requested != "auto":
        return requested
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".gz"):
        name = name[:-3]
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:], "text") if dot > 0 else "text"


def parse_jsonl_line(
    line: bytes, source: str, config: JsonlConfig, raw_cap: int
) -> Document | Reject:
    """One JSONL line to a Document (``html`` marked for extraction), or a Reject saying why."""
    doc_id = make_doc_id(source, line)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(source, doc_id, reason, detail, line[:raw_cap], "jsonl")

    try:
        record = json.loads(line)
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        return reject(RejectReason.INVALID_JSON, str(error)[:300])
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
    body = fields["html"] or fields["text"]
    if not body or not body.strip():
        return reject(RejectReason.EMPTY_RECORD, "no html or text field with content")
    return Document(
        source=source,
        doc_id=doc_id,
        input_format="jsonl",
        raw=line[:raw_cap],
        text=body,
        url=fields["url"],
        is_html=bool(fields["html"]),
        headline=fields["headline"] or None,
        summary=fields["summary"] or None,
        summary_known=any(name in record for name in config.summary_fields),
        published=published,
    )


def parse_published(value: str | float | None) -> datetime | None:
    """An ISO 8601 string or Unix seconds as an aware UTC datetime; None when it is neither."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
