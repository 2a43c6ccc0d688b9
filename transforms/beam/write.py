"""WriteArticles / WriteRejects: Parquet with the contract's schemas, through Beam's own sinks.

The written records are counted here, in one place: the manifest's final numbers, fixes and
boilerplate lines come from these counters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.parquet_files import RowsToTables, WriteParquetFiles
from scrapeclean.transforms.beam.run_stages import REJECTS
from scrapeclean.transforms.config import OutputConfig
from scrapeclean.transforms.records import Article, Reject, RejectReason, failure_detail
from scrapeclean.transforms.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, to_row
from scrapeclean.transforms.surrogates import drop_surrogates
from scrapeclean.transforms.text.stages import dead_letter

NAMESPACE = "write"
ROWS = "rows"
UNKNOWN_LANGUAGE = "unknown"  # the language counter of an article whose language is null
_LOG = logging.getLogger(__name__)


class CountArticleFn(beam.DoFn):
    """Count a written Article (``write``: ``articles``, ``fix.<fix>``, ``boilerplate_lines``,
    ``language.<code>``) and turn it into its Parquet row. An article without a row (``to_row``
    raised: a string with no UTF-8 form, or a bug) leaves on ``rejects`` as an
    ``internal_error`` reject."""

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, article: Article) -> Iterator[Any]:
        try:
            row = to_row(article)
        except Exception as error:  # the dead-letter output: the other rows are written
            yield TaggedOutput(REJECTS, dead_letter(NAMESPACE, article, error))
            return
        self._counters.inc(NAMESPACE, "articles")
        for fix in article.fixes:
            self._counters.inc(NAMESPACE, f"fix.{fix}")
        self._counters.inc(NAMESPACE, "boilerplate_lines", len(article.boilerplate_removed))
        self._counters.inc(NAMESPACE, f"language.{article.language or UNKNOWN_LANGUAGE}")
        yield row

    def finish_bundle(self) -> None:
        self._counters.flush()


class CountRejectFn(beam.DoFn):
    """Count a written Reject (``write``: ``rejects``, ``reason.<reason>``); yield its row.

    A reject is the last stop, so it is always written: if its row cannot be made, its strings
    lose their lone surrogates, and failing that it is written as an ``internal_error`` of the
    write with no raw bytes.
    """

    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, reject: Reject) -> Iterator[dict[str, Any]]:
        try:
            row = to_row(reject)
        except Exception as error:
            _LOG.debug("no Parquet row for %r", reject.source, exc_info=True)
            reject, row = _written_anyway(reject, error)
        self._counters.inc(NAMESPACE, "rejects")
        self._counters.inc(NAMESPACE, f"reason.{reject.reason}")
        yield row

    def finish_bundle(self) -> None:
        self._counters.flush()


def _written_anyway(reject: Reject, error: Exception) -> tuple[Reject, dict[str, Any]]:
    """The row of a reject whose own row failed: the same reject with its strings made valid,
    else an ``internal_error`` of the write naming the first error."""
    scrubbed = replace(
        reject,
        source=drop_surrogates(reject.source),
        doc_id=reject.doc_id and drop_surrogates(reject.doc_id),
        detail=drop_surrogates(reject.detail),
        input_format=drop_surrogates(reject.input_format),
    )
    try:
        return scrubbed, to_row(scrubbed)
    except Exception:
        detail = failure_detail(NAMESPACE, error)
        failed = Reject(
            scrubbed.source, None, RejectReason.INTERNAL_ERROR, detail, b"", scrubbed.input_format
        )
        return failed, to_row(failed)


class ArticleWrite(NamedTuple):
    """What WriteArticles returns."""

    files: beam.PCollection  # what the sink returns (file names; FileResults when windowed)
    rejects: beam.PCollection  # Rejects of articles that had no Parquet row


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

    def expand(self, records: beam.PCollection) -> Any:
        if self._kind == "articles":
            rows = records | "Count" >> beam.ParDo(CountArticleFn()).with_outputs(
                REJECTS, main=ROWS
            )
            return ArticleWrite(self._by_split(rows[ROWS], ARTICLE_SCHEMA), rows[REJECTS])
        return self._write(records | "Count" >> beam.ParDo(CountRejectFn()), REJECT_SCHEMA)

    def _by_split(self, rows: beam.PCollection, schema: Any) -> beam.PCollection:
        """One set of files per split, named by it (part-train-…): a reader that selects files
        (the dataset card's data_files, a glob) gets one split; rows keep their split column."""
        if not self._split_names or not rows.is_bounded:
            return self._write(rows, schema)
        parts = rows | "BySplit" >> beam.Partition(
            _SplitIndex(self._split_names), len(self._split_names)
        )
        written = [
            self._write(part, schema, name)
            for name, part in zip(self._split_names, parts, strict=True)
        ]
        return written | "AllFiles" >> beam.Flatten()

    def _write(
        self, rows: beam.PCollection, schema: Any, split: str | None = None
    ) -> beam.PCollection:
        prefix, label = (f"part-{split}", f"[{split}]") if split else ("part", "")
        temp = self._temp_directory
        if split and temp:  # WriteToFiles looks for orphans by destination in its temp folder
            temp = f"{temp}/{split}"
        if self._partition_by or not rows.is_bounded:
            return rows | f"Files{label}" >> WriteParquetFiles(
                self._folder, schema, self._output, self._partition_by, temp, prefix
            )
        # WriteToParquet's own row-to-table step, made cheaper (RowGroupBuffer): same tables.
        tables = rows | f"Tables{label}" >> beam.ParDo(
            RowsToTables(schema, self._output.row_group_buffer_bytes)
        )
        return tables | f"Parquet{label}" >> beam.io.WriteToParquetBatched(
            f"{self._folder}/{prefix}",
            schema,
            codec=self._output.compression,
            file_name_suffix=".parquet",
            # A fixed shard count adds a GroupByKey of every row (docs/beam-notes.md §3).
            num_shards=0,
        )


class WriteArticles(_WriteParquet):
    """Write Articles under ``folder``; counts articles, fixes, boilerplate lines.

    Returns ``ArticleWrite``: the written files, and a Reject for every article that had no
    Parquet row (``internal_error``), which the caller writes with the other rejects.

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
