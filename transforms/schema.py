"""The contract's Parquet schemas (articles, rejects) and record-to-row conversion."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from scrapeclean.transforms.records import Article, Reject

# 2: `split` column; 3: `exact_copies`, `near_copies` (docs/contract-changes.md)
SCHEMA_VERSION = 3

ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("headline", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("lead", pa.string(), nullable=False),
        pa.field("body", pa.string(), nullable=False),
        pa.field("credits", pa.string()),
        pa.field("published", pa.timestamp("us", tz="UTC")),
        pa.field("language", pa.string()),
        pa.field("split", pa.string()),
        pa.field("exact_copies", pa.int64()),
        pa.field("near_copies", pa.int64()),
        pa.field("n_words", pa.int64(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("fixes", pa.list_(pa.string()), nullable=False),
        pa.field("boilerplate_removed", pa.list_(pa.string()), nullable=False),
        pa.field("input_format", pa.string(), nullable=False),
        pa.field("schema_version", pa.int32(), nullable=False),
    ],
    metadata={"scrapeclean.schema_version": str(SCHEMA_VERSION)},
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("doc_id", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("raw", pa.binary(), nullable=False),
        pa.field("input_format", pa.string(), nullable=False),
        pa.field("schema_version", pa.int32(), nullable=False),
    ],
    metadata={"scrapeclean.schema_version": str(SCHEMA_VERSION)},
)


# Column names once: pyarrow builds a new list on every ``schema.names``.
_ARTICLE_COLUMNS = tuple(ARTICLE_SCHEMA.names)
_REJECT_COLUMNS = tuple(REJECT_SCHEMA.names)


def to_row(record: Article | Reject) -> dict[str, Any]:
    """The Parquet row for an article or a reject, with exactly its schema's columns.

    Raises UnicodeEncodeError for a string that has no UTF-8 form (a lone surrogate): Parquet
    encodes a whole batch of rows at once, so one such row would fail the write of every row.
    """
    columns = _ARTICLE_COLUMNS if isinstance(record, Article) else _REJECT_COLUMNS
    row: dict[str, Any] = {name: getattr(record, name, None) for name in columns}
    row["schema_version"] = SCHEMA_VERSION
    if isinstance(record, Article):
        row["fixes"] = list(record.fixes)
        row["boilerplate_removed"] = list(record.boilerplate_removed)
    else:
        row["reason"] = str(record.reason)
    for value in row.values():
        for text in value if isinstance(value, list) else (value,):
            if isinstance(text, str) and not text.isascii():  # isascii is O(1) in CPython
                text.encode("utf-8")
    return row
