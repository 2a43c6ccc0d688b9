"""WriteArticles / WriteRejects: Parquet with the contract's schemas, through Beam's own sink.

The written records are counted here, in one place: the manifest's final numbers, fixes and
boilerplate lines come from these counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam

from transforms.counters import BundleCounters
from transforms.records import Article, Reject
from transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row

NAMESPACE = "write"


class CountArticleFn(beam.DoFn):
    """Count a written Article (``write``: ``articles``, ``fix.<fix>``, ``boilerplate_lines``)
    and turn it into its Parquet row."""

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, article: Article) -> Iterator[dict[str, Any]]:
        self._counters.inc(NAMESPACE, "articles")
        for fix in article.fixes:
            self._counters.inc(NAMESPACE, f"fix.{fix}")
        self._counters.inc(NAMESPACE, "boilerplate_lines", len(article.boilerplate_removed))
        yield to_row(article)

    def finish_bundle(self) -> None:
        self._counters.flush()


class CountRejectFn(beam.DoFn):
    """Count a written Reject (``write``: ``rejects``, ``reason.<reason>``); yield its row."""

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, reject: Reject) -> Iterator[dict[str, Any]]:
        self._counters.inc(NAMESPACE, "rejects")
        self._counters.inc(NAMESPACE, f"reason.{reject.reason}")
        yield to_row(reject)

    def finish_bundle(self) -> None:
        self._counters.flush()


class _WriteParquet(beam.PTransform):
    def __init__(self, prefix: str, kind: str, output: Any) -> None:
        super().__init__()
        self._prefix = prefix
        self._kind = kind
        self._output = output

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        count, schema = (
            (CountArticleFn(), ARTICLE_SCHEMA)
            if self._kind == "articles"
            else (CountRejectFn(), REJECT_SCHEMA)
        )
        return (
            records
            | "Count" >> beam.ParDo(count)
            | "Parquet"
            >> beam.io.WriteToParquet(
                self._prefix,
                schema,
                codec=self._output.compression,
                file_name_suffix=".parquet",
                num_shards=0,  # a fixed shard count adds a GroupByKey of every row (notes §3)
                row_group_buffer_size=self._output.row_group_buffer_bytes,
                record_batch_size=1000,
            )
        )


class WriteArticles(_WriteParquet):
    """Write Articles as ``<prefix>-SSSSS-of-NNNNN.parquet``; counts articles, fixes, lines."""

    def __init__(self, prefix: str, output: Any) -> None:
        super().__init__(prefix, "articles", output)


class WriteRejects(_WriteParquet):
    """Write Rejects as ``<prefix>-SSSSS-of-NNNNN.parquet``; counts rejects per reason."""

    def __init__(self, prefix: str, output: Any) -> None:
        super().__init__(prefix, "rejects", output)
