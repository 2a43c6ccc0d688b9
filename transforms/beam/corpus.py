"""CleanCorpus: the corpus-level steps for ML training, after the per-document stages.

Site boilerplate -> exact dedup -> near dedup -> quality -> language filter -> split, each
skipped when its config section turns it off. Text rules live in the pure modules; this is
Beam wiring only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.dedup import EXACT, NEAR, DropDuplicates
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, RunStages, route
from scrapeclean.transforms.beam.spill import held_records, hold, spill_subfolder
from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import (
    LanguageFilterConfig,
    QualityConfig,
    check_quality,
    filter_language,
)
from scrapeclean.transforms.corpus.sitelines import (
    SiteLinesConfig,
    line_key,
    rank_lines,
    short_line_keys,
    site_chrome,
    site_line_keys,
    site_of,
    strip_site_lines,
)
from scrapeclean.transforms.corpus.split import SplitConfig, assign_split
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text.stages import StageCall

SITELINES = "sitelines"
TOP_LINES_FILE = "site_boilerplate.jsonl"  # under the run's output folder, for the manifest
# Every metrics namespace CleanCorpus counts in, in pipeline order (for the manifest's stages).
# ("language_filter": the per-document stage `language` already counts under "language".)
NAMESPACES = (SITELINES, EXACT, NEAR, "quality", "language_filter", "split")
_REMOVED = "removed"


class CorpusOutputs(NamedTuple):
    """What CleanCorpus and StripSiteBoilerplate return."""

    records: beam.PCollection  # Article
    rejects: beam.PCollection  # Reject
    top_lines: beam.PCollection  # (site, [(line, documents), ...]), most frequent first


class CleanCorpus(beam.PTransform):
    """Clean a corpus of Articles for ML training: site chrome, duplicates, quality, split.

    Steps, in order: StripSiteBoilerplate, DropDuplicates (exact, then near), check_quality,
    filter_language, assign_split; a step whose section is off is skipped. Returns
    ``CorpusOutputs``: ``records`` (Articles, ``split`` set when that step is on), ``rejects``
    (every refused input, with its reason and raw bytes) and ``top_lines`` (per site, the most
    frequent removed lines).
    Every input comes out exactly once, on records or rejects; an exception on one article in a
    per-record step is an ``internal_error`` reject (RunStages). The output does not depend on
    input order or bundling; on a windowed input every cross-document step works per window.
    Counters: one namespace per step (``NAMESPACES``), each with ``in``, ``out`` and
    ``rejected.<reason>``. With ``spill_dir`` the articles wait for each step's decisions in
    files there (``scrapeclean.transforms.beam.spill``) instead of in the runner's memory.
    """

    def __init__(
        self,
        sitelines: SiteLinesConfig,
        dedup: DedupConfig,
        neardup: NearDupConfig,
        quality: QualityConfig,
        language_filter: LanguageFilterConfig,
        split: SplitConfig,
        spill_dir: str | None = None,
    ) -> None:
        super().__init__()
        self._spill_dir = spill_dir
        self._sitelines = sitelines
        self._dedup = dedup
        self._neardup = neardup
        self._record_steps = tuple(  # the enabled per-record steps, in order
            StageCall(name, fn, section)
            for name, fn, section, enabled in (
                ("quality", check_quality, quality, quality.enabled),
                # an empty list keeps every language: no step
                ("language_filter", filter_language, language_filter, bool(language_filter.keep)),
                ("split", assign_split, split, split.enabled),
            )
            if enabled
        )
        self._count_splits = split.enabled

    @classmethod
    def from_config(cls, config: Any, spill_dir: str | None = None) -> CleanCorpus:
        """Build from a RunConfig holding the six sections under their namespaces' names."""
        return cls(
            config.sitelines,
            config.dedup,
            config.neardup,
            config.quality,
            config.language_filter,
            config.split,
            spill_dir,
        )

    def expand(self, articles: beam.PCollection) -> CorpusOutputs:
        if not self._any_step_on():
            nothing = articles.pipeline | "NoRejects" >> beam.Create([])
            return CorpusOutputs(
                articles, nothing, articles.pipeline | "NoTopLines" >> beam.Create([])
            )
        records = articles
        rejects: list[beam.PCollection] = []
        if self._sitelines.enabled:
            stripped = records | "SiteLines" >> StripSiteBoilerplate(
                self._sitelines, spill_subfolder(self._spill_dir, "sitelines")
            )
            records, top_lines = stripped.records, stripped.top_lines
            rejects.append(stripped.rejects)
        else:
            top_lines = articles.pipeline | "NoTopLines" >> beam.Create([])
        if self._dedup.enabled or self._neardup.enabled:
            deduped = records | "Dedup" >> DropDuplicates(
                self._dedup, self._neardup, spill_subfolder(self._spill_dir, "dedup")
            )
            records = deduped[MAIN]
            rejects.append(deduped[REJECTS])
        if self._record_steps:
            result = records | "RecordSteps" >> RunStages(self._record_steps)
            records = result[MAIN]
            rejects.append(result[REJECTS])
        if self._count_splits:
            records = records | "CountSplits" >> beam.ParDo(_CountSplitFn())
        return CorpusOutputs(records, rejects | "AllRejects" >> beam.Flatten(), top_lines)

    def _any_step_on(self) -> bool:
        steps = (self._sitelines.enabled, self._dedup.enabled, self._neardup.enabled)
        return any(steps) or bool(self._record_steps)


class StripSiteBoilerplate(beam.PTransform):
    """Remove short lines that recur in ``min_docs`` or more documents of one site.

    Hashes each article's short lines once (``short_line_keys``), counts the documents of every
    (site, line key) from packed per-bundle site tables, decides per (site, line) with
    ``is_site_boilerplate``, and strips every article against its site's decided lines, a side
    input: only line keys and the decisions move between workers, never the articles. Returns
    ``CorpusOutputs``: ``records``, ``rejects`` (``empty`` when nothing but chrome was left, or
    ``internal_error``) and ``top_lines``. Every input comes out exactly once; deterministic;
    on a windowed input it works per window. With ``spill_dir`` the articles wait for the
    decisions in files there. Counters (``sitelines``): ``in``, ``out``,
    ``rejected.<reason>``, ``lines_removed``, ``boilerplate_lines`` (distinct (site, line)
    pairs found).
    """

    def __init__(self, config: SiteLinesConfig, spill_dir: str | None = None) -> None:
        super().__init__()
        self._config = config
        self._spill_dir = spill_dir

    def expand(self, articles: beam.PCollection) -> CorpusOutputs:
        config = self._config
        # (article, its short_line_keys): hashed once, counted here and matched by the strip.
        keyed = articles | "LineKeys" >> beam.Map(lambda a: (a, short_line_keys(a, config)))
        chrome = (
            keyed
            | "LineTables" >> beam.ParDo(_LineTablesFn(config))
            | "GroupSites" >> beam.GroupByKey()
            | "Decide" >> beam.FlatMap(_decide, config)
        )
        stripped = hold(keyed, self._spill_dir) | "Strip" >> beam.ParDo(
            _StripFn(config, spilled=self._spill_dir is not None), beam.pvalue.AsDict(chrome)
        ).with_outputs(REJECTS, _REMOVED, main=MAIN)
        top_lines = stripped[_REMOVED] | "TopLines" >> beam.CombinePerKey(
            _TopLinesFn(config.top_lines)
        )
        return CorpusOutputs(stripped[MAIN], stripped[REJECTS], top_lines)


class WriteTopLines(beam.PTransform):
    """Write top_lines as one JSON-lines file at ``path`` ({"site": ..., "lines": [[l, n]]})."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    def expand(self, top_lines: beam.PCollection) -> beam.PCollection:
        return (
            top_lines
            | "ToJson" >> beam.Map(lambda kv: json.dumps({"site": kv[0], "lines": kv[1]}))
            # One small file: its single shard costs one GroupByKey of a few KB.
            | "Write" >> beam.io.WriteToText(self._path, num_shards=1, shard_name_template="")
        )


_TABLE_FLUSH_ROWS = 65_536  # candidate lines buffered per window before a table goes out


class _LineTablesFn(BufferedFn):
    """Per bundle and site: (site, (documents, packed line keys)), one uint64 key per document
    and distinct candidate line (``site_line_keys``).

    One element per site and bundle instead of one per candidate line: counted with combiners,
    the ~5 lines per article made this step cost as much as the strip itself on the local runner.
    Counting needs no document ids: each document is read once and lists a line once.
    """

    def __init__(self, config: SiteLinesConfig) -> None:
        self._config = config

    def new_buffer(self) -> _SiteTables:
        return _SiteTables()

    def add(self, buffer: _SiteTables, element: tuple[Article, list[int]]) -> bool:
        article, short_keys = element
        keys = site_line_keys(short_keys)
        site = buffer.sites.setdefault(site_of(article), _SiteTable())
        site.documents += 1
        site.keys.extend(keys)
        buffer.rows += len(keys)
        return buffer.rows >= _TABLE_FLUSH_ROWS

    def flush(self, buffer: _SiteTables) -> Iterator[tuple[str, tuple[int, bytes]]]:
        for site, table in buffer.sites.items():
            yield site, (table.documents, np.array(table.keys, dtype=np.uint64).tobytes())


@dataclass
class _SiteTable:
    documents: int = 0
    keys: list[int] = field(default_factory=list)


@dataclass
class _SiteTables:
    rows: int = 0
    sites: dict[str, _SiteTable] = field(default_factory=dict)


def _decide(
    group: tuple[str, Iterable[tuple[int, bytes]]], config: SiteLinesConfig
) -> Iterator[tuple[str, frozenset[int]]]:
    site, tables = group
    tables = list(tables)
    documents = sum(count for count, _ in tables)
    rows = np.frombuffer(b"".join(packed for _, packed in tables), dtype=np.uint64)
    chrome = site_chrome(rows, documents, config)
    if chrome:
        Metrics.counter(SITELINES, "boilerplate_lines").inc(len(chrome))
        yield site, chrome


class _StripFn(beam.DoFn):
    """Strip the site's decided lines from each article; report removed lines for the top list."""

    def __init__(self, config: SiteLinesConfig, spilled: bool) -> None:
        self._config = config
        self._spilled = spilled
        self._counters = BundleCounters()

    def process(self, element: Any, chrome: dict[str, frozenset[int]]) -> Iterator[Any]:
        for article, short_keys in held_records(element, self._spilled):
            yield from self._strip(article, short_keys, chrome)

    def _strip(
        self, article: Article, short_keys: list[int], chrome: dict[str, frozenset[int]]
    ) -> Iterator[Any]:
        self._counters.inc(SITELINES, "in")
        site = site_of(article)
        drop = chrome.get(site, frozenset())
        try:
            record, removed = (
                strip_site_lines(article, drop, self._config, short_keys) if drop else (article, ())
            )
        except Exception as error:  # the dead-letter output, as RunStages does
            detail = f"{SITELINES}: {error!r}"[:2000]
            record, removed = Reject.of(article, RejectReason.INTERNAL_ERROR, detail), ()
        self._counters.inc(SITELINES, "lines_removed", len(removed))
        shown: dict[int, str] = {}
        for line in removed:
            key = line_key(line)
            shown[key] = min(shown.get(key, line), line)
        for key, line in sorted(shown.items()):
            yield TaggedOutput(_REMOVED, (site, (key, line)))
        yield route(self._counters, SITELINES, record)

    def finish_bundle(self) -> None:
        self._counters.flush()


class _TopLinesFn(beam.CombineFn):
    """Per site: each removed line's documents and smallest verbatim form; then the top ones.

    The accumulator holds one entry per distinct removed line of the site: a few dozen.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit

    def create_accumulator(self) -> dict[int, tuple[str, int]]:
        return {}

    def add_input(
        self, acc: dict[int, tuple[str, int]], item: tuple[int, str]
    ) -> dict[int, tuple[str, int]]:
        key, line = item
        first, count = acc.get(key, (line, 0))
        acc[key] = (min(first, line), count + 1)
        return acc

    def merge_accumulators(
        self, accumulators: Iterable[dict[int, tuple[str, int]]]
    ) -> dict[int, tuple[str, int]]:
        merged: dict[int, tuple[str, int]] = {}
        for acc in accumulators:
            for key, (line, count) in acc.items():
                first, total = merged.get(key, (line, 0))
                merged[key] = (min(first, line), total + count)
        return merged

    def extract_output(self, acc: dict[int, tuple[str, int]]) -> list[tuple[str, int]]:
        return rank_lines(acc.values(), self._limit)


class _CountSplitFn(beam.DoFn):
    def __init__(self) -> None:
        self._counters = BundleCounters()

    def process(self, article: Article) -> Iterator[Article]:
        self._counters.inc("split", f"assigned.{article.split}")
        yield article

    def finish_bundle(self) -> None:
        self._counters.flush()
