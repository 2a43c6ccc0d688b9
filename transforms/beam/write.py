"""WriteArticles / WriteRejects: Parquet with the contract's schemas, through Beam's own sinks.

The written records are counted here, in one place: the manifest's final numbers, fixes and
boilerplate lines come from these counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.parquet_files import WriteParquetFiles
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row

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
    def __init__(
        self, kind: str, folder: str, output: Any, temp_directory: str | None = None
    ) -> None:
        super().__init__()
        self._kind = kind
        self._folder = folder
        self._output = output
        self._partition_by = tuple(output.partition_by) if kind == "articles" else ()
        self._temp_directory = temp_directory

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        count, schema = (
            (CountArticleFn(), ARTICLE_SCHEMA)
            if self._kind == "articles"
            else (CountRejectFn(), REJECT_SCHEMA)
        )
        rows = records | "Count" >> beam.ParDo(count)
        if self._partition_by or not records.is_bounded:
            return rows | "Files" >> WriteParquetFiles(
                self._folder, schema, self._output, self._partition_by, self._temp_directory
            )
        return rows | "Parquet" >> beam.io.WriteToParquet(
            f"{self._folder}/part",
            schema,
            codec=self._output.compression,
            file_name_suffix=".parquet",
            num_shards=0,  # a fixed shard count adds a GroupByKey of every row (notes §3)
            row_group_buffer_size=self._output.row_group_buffer_bytes,
            record_batch_size=1000,
        )


class WriteArticles(_WriteParquet):
    """Write Articles under ``folder``; counts articles, fixes, boilerplate lines.

    Files: ``part-SSSSS-of-NNNNN.parquet`` through Beam's WriteToParquet; with
    ``output.partition_by`` (e.g. ``[language]``) in Hive-style folders such as
    ``language=en/part-SSSSS-of-NNNNN-<token>.parquet``, and on an unbounded (streaming) input
    one set of files per window (WriteParquetFiles). ``temp_directory`` is where
    WriteParquetFiles keeps its temp files (default: inside ``folder``).
    """

    def __init__(self, folder: str, output: Any, temp_directory: str | None = None) -> None:
        super().__init__("articles", folder, output, temp_directory)


class WriteRejects(_WriteParquet):
    """Write Rejects under ``folder`` as WriteArticles does (never partitioned); counts reasons."""

    def __init__(self, folder: str, output: Any, temp_directory: str | None = None) -> None:
        super().__init__("rejects", folder, output, temp_directory)
