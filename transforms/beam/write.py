"""WriteArticles / WriteRejects: Parquet with the contract's schemas, through Beam's own sinks.

The written records are counted here, in one place: the manifest's final numbers, fixes and
boilerplate lines come from these counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.parquet_files import WriteParquetFiles
from scrapeclean.transforms.config import OutputConfig
from scrapeclean.transforms.records import Article, Reject
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row

NAMESPACE = "write"
UNKNOWN_LANGUAGE = "unknown"  # the language counter of an article whose language is null


class CountArticleFn(beam.DoFn):
    """Count a written Article (``write``: ``articles``, ``fix.<fix>``, ``boilerplate_lines``,
    ``language.<code>``) and turn it into its Parquet row."""

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, article: Article) -> Iterator[dict[str, Any]]:
        self._counters.inc(NAMESPACE, "articles")
        for fix in article.fixes:
            self._counters.inc(NAMESPACE, f"fix.{fix}")
        self._counters.inc(NAMESPACE, "boilerplate_lines", len(article.boilerplate_removed))
        self._counters.inc(NAMESPACE, f"language.{article.language or UNKNOWN_LANGUAGE}")
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
        self,
        kind: str,
        folder: str,
        output: OutputConfig,
        temp_directory: str | None = None,
        split_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self._kind = kind
        self._folder = folder
        self._output = output
        self._partition_by = tuple(output.partition_by) if kind == "articles" else ()
        self._temp_directory = temp_directory
        self._split_names = split_names

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        count = CountArticleFn() if self._kind == "articles" else CountRejectFn()
        rows = records | "Count" >> beam.ParDo(count)
        if not self._split_names or not records.is_bounded:
            return self._write(rows, "part", self._temp_directory)
        # One set of files per split, named by it (part-train-…): a reader that selects files
        # (the dataset card's data_files, a glob) gets one split; rows keep their split column.
        parts = rows | "BySplit" >> beam.Partition(
            _SplitIndex(self._split_names), len(self._split_names)
        )
        written = [
            self._write(
                part,
                f"part-{name}",
                f"{self._temp_directory}/{name}" if self._temp_directory else None,
                f"[{name}]",
            )
            for name, part in zip(self._split_names, parts, strict=True)
        ]
        return written | "AllFiles" >> beam.Flatten()

    def _write(
        self, rows: beam.PCollection, prefix: str, temp_directory: str | None, label: str = ""
    ) -> beam.PCollection:
        schema = ARTICLE_SCHEMA if self._kind == "articles" else REJECT_SCHEMA
        if self._partition_by or not rows.is_bounded:
            return rows | f"Files{label}" >> WriteParquetFiles(
                self._folder, schema, self._output, self._partition_by, temp_directory, prefix
            )
        return rows | f"Parquet{label}" >> beam.io.WriteToParquet(
            f"{self._folder}/{prefix}",
            schema,
            codec=self._output.compression,
            file_name_suffix=".parquet",
            # A fixed shard count adds a GroupByKey of every row (docs/beam-notes.md §3).
            num_shards=0,
            row_group_buffer_size=self._output.row_group_buffer_bytes,
            record_batch_size=1000,
        )


class WriteArticles(_WriteParquet):
    """Write Articles under ``folder``; counts articles, fixes, boilerplate lines.

    Files: ``part-SSSSS-of-NNNNN.parquet`` through Beam's WriteToParquet; with
    ``output.partition_by`` (e.g. ``[language]``) in Hive-style folders such as
    ``language=en/part-SSSSS-of-NNNNN-<token>.parquet``, and on an unbounded (streaming) input
    one set of files per window (WriteParquetFiles). With ``split_names`` (the split step on;
    bounded input) each split gets files of its own, ``part-<split>-…``, at least one per split
    without partitions. ``temp_directory`` is where WriteParquetFiles keeps its temp files
    (default: inside ``folder``).
    """

    def __init__(
        self,
        folder: str,
        output: OutputConfig,
        temp_directory: str | None = None,
        split_names: tuple[str, ...] = (),
    ) -> None:
        super().__init__("articles", folder, output, temp_directory, split_names)


@dataclass(frozen=True, slots=True)
class _SplitIndex:
    """beam.Partition's function: a row's split, as its index in ``names``."""

    names: tuple[str, ...]

    def __call__(self, row: dict[str, Any], partitions: int) -> int:
        return self.names.index(row["split"])  # the split step names every article from these


class WriteRejects(_WriteParquet):
    """Write Rejects under ``folder`` as WriteArticles does (never partitioned); counts reasons."""

    def __init__(
        self, folder: str, output: OutputConfig, temp_directory: str | None = None
    ) -> None:
        super().__init__("rejects", folder, output, temp_directory)
