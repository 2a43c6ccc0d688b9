"""The contract's Parquet schemas (articles, rejects) and record-to-row conversion."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from scrapeclean.transforms.records import Article, Reject

SCHEMA_VERSION = 2  # 2: `split` column (README, "Contract changes")

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


def to_row(record: Article | Reject) -> dict[str, Any]:
    """The Parquet row for an article or a reject, with exactly its schema's columns."""
    schema = ARTICLE_SCHEMA if isinstance(record, Article) else REJECT_SCHEMA
    row: dict[str, Any] = {name: getattr(record, name, None) for name in schema.names}
    row["schema_version"] = SCHEMA_VERSION
    if isinstance(record, Article):
        row["fixes"] = list(record.fixes)
        row["boilerplate_removed"] = list(record.boilerplate_removed)
    else:
        row["reason"] = str(record.reason)
    return row
