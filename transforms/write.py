"""WriteArticles / WriteRejects: Parquet with the contract's schemas, through Beam's own sink.

The written records are counted here, in one place: the manifest's final numbers, fixes and
boilerplate lines come from these counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.records import Article, Reject
from transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row

NAMESPACE = "write"


class _CountArticleFn(beam.DoFn):
    def __init__(self) -> None:
        self._written = Metrics.counter(NAMESPACE, "articles")
        self._boilerplate = Metrics.counter(NAMESPACE, "boilerplate_lines")

    def process(self, article: Article) -> Iterator[dict[str, Any]]:
        self._written.inc()
        for fix in article.fixes:
            Metrics.counter(NAMESPACE, f"fix.{fix}").inc()
        self._boilerplate.inc(len(article.boilerplate_removed))
        yield to_row(article)


class _CountRejectFn(beam.DoFn):
    def __init__(self) -> None:
        self._written = Metrics.counter(NAMESPACE, "rejects")

    def process(self, reject: Reject) -> Iterator[dict[str, Any]]:
        self._written.inc()
        Metrics.counter(NAMESPACE, f"reason.{reject.reason}").inc()
        yield to_row(reject)


class _WriteParquet(beam.PTransform):
    def __init__(self, prefix: str, kind: str, output: Any) -> None:
        super().__init__()
        self._prefix = prefix
        self._kind = kind
        self._output = output

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        count, schema = (
            (_CountArticleFn(), ARTICLE_SCHEMA)
            if self._kind == "articles"
            else (_CountRejectFn(), REJECT_SCHEMA)
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
