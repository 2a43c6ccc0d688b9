"""CleanCorpus: the corpus-level steps for ML training, after the per-document stages.

Site boilerplate -> quality -> language filter -> exact and near dedup -> split, each skipped
when its config section turns it off: survivors are chosen among articles every other rule
kept (docs/corpus-steps.md). Text rules live in the pure modules; this is Beam wiring only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput

from scrapeclean.transforms.beam.buffered import BufferedFn
from scrapeclean.transforms.beam.counters import BundleCounters
from scrapeclean.transforms.beam.dedup import EXACT, DropDuplicates
from scrapeclean.transforms.beam.neardup import NEAR
from scrapeclean.transforms.beam.published import PublishedIndex
from scrapeclean.transforms.beam.run_stages import MAIN, REJECTS, RunStages, route
from scrapeclean.transforms.beam.spill import held_records, hold, spill_subfolder
from scrapeclean.transforms.config import RunConfig
from scrapeclean.transforms.corpus.dedup import DedupConfig
from scrapeclean.transforms.corpus.neardup import NearDupConfig
from scrapeclean.transforms.corpus.quality import (
    LanguageFilterConfig,
    QualityConfig,
)
from scrapeclean.transforms.corpus.record_steps import rule_steps, split_steps
from scrapeclean.transforms.corpus.sitelines import (
    SiteLinesConfig,
    content_key,
    line_key,
    rank_lines,
    short_line_keys,
    site_chrome,
    site_line_keys,
    site_of,
    strip_site_lines,
)
from scrapeclean.transforms.corpus.split import SplitConfig
from scrapeclean.transforms.records import Article
from scrapeclean.transforms.text.stages import dead_letter

SITELINES = "sitelines"
TOP_LINES_FILE = "site_boilerplate.jsonl"  # under the run's output folder, for the manifest
# Every metrics namespace CleanCorpus counts in, in pipeline order (for the manifest's stages).
# ("language_filter": the per-document stage `language` already counts under "language".)
NAMESPACES = (SITELINES, "quality", "language_filter", EXACT, NEAR, "split")
_REMOVED = "removed"


class CorpusOutputs(NamedTuple):
    """What CleanCorpus and StripSiteBoilerplate return."""

    records: beam.PCollection  # Article
    rejects: beam.PCollection  # Reject
    top_lines: beam.PCollection  # (site, [(line, documents), ...]), most frequent first


class CleanCorpus(beam.PTransform):
    """Clean a corpus of Articles for ML training: site chrome, duplicates, quality, split.

    Steps, in order: StripSiteBoilerplate, check_quality, filter_language, DropDuplicates
    (exact and near), assign_split; a step whose section is off is skipped. Dedup comes after
    every step that can refuse an article, so the survivor a duplicate names is published. Returns
    ``CorpusOutputs``: ``records`` (Articles, ``split`` set when that step is on), ``rejects``
    (every refused input, with its reason and raw bytes) and ``top_lines`` (per site, the most
    frequent removed lines).
    Every input comes out exactly once, on records or rejects; an exception on one article in a
    per-record step is an ``internal_error`` reject (RunStages). The output does not depend on
    input order or bundling; on a windowed input every cross-document step works per window.
    Counters: one namespace per step (``NAMESPACES``), each with ``in``, ``out`` and
    ``rejected.<reason>``. With ``spill_dir`` the articles wait for each step's decisions in
    files there (``scrapeclean.transforms.beam.spill``) instead of in the runner's memory.
    With ``published`` (incremental runs), copies of what earlier runs published are dropped
    for those earlier articles (``DropDuplicates``).
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
        published: PublishedIndex | None = None,
    ) -> None:
        super().__init__()
        self._spill_dir = spill_dir
        self._published = published
        self._sitelines = sitelines
        self._dedup = dedup
        self._neardup = neardup
        self._rules = rule_steps(quality, language_filter)  # before dedup: survivors publishable
        self._split = split_steps(split)

    @classmethod
    def from_config(
        cls,
        config: RunConfig,
        spill_dir: str | None = None,
        published: PublishedIndex | None = None,
    ) -> CleanCorpus:
        """Build from a RunConfig holding the six sections under their namespaces' names."""
        return cls(
            config.sitelines,
            config.dedup,
            config.neardup,
            config.quality,
            config.language_filter,
            config.split,
            spill_dir,
            published,
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
        if self._rules:
            result = records | "Rules" >> RunStages(self._rules)
            records = result[MAIN]
            rejects.append(result[REJECTS])
        if self._dedup.enabled or self._neardup.enabled:
            deduped = records | "Dedup" >> DropDuplicates(
                self._dedup,
                self._neardup,
                spill_subfolder(self._spill_dir, "dedup"),
                self._published,
            )
            records = deduped[MAIN]
            rejects.append(deduped[REJECTS])
        if self._split:
            result = records | "Split" >> RunStages(self._split)
            records = result[MAIN] | "CountSplits" >> beam.ParDo(_CountSplitFn())
            rejects.append(result[REJECTS])
        return CorpusOutputs(records, rejects | "AllRejects" >> beam.Flatten(), top_lines)

    def _any_step_on(self) -> bool:
        steps = (self._sitelines.enabled, self._dedup.enabled, self._neardup.enabled)
        return any(steps) or bool(self._rules or self._split)


class StripSiteBoilerplate(beam.PTransform):
    """Remove short lines that recur in ``min_docs`` or more documents of one site.

    Hashes each article's short lines once (``short_line_keys``), counts the distinct contents
    (``content_key``: copies of one article count once) of every (site, line key) from packed
    per-bundle site tables, decides per (site, line) with
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
        # (article, site, its short_line_keys, content_key): hashed once, counted here, the line
        # keys matched by the strip.
        keyed = articles | "LineKeys" >> beam.ParDo(_LineKeysFn(config)).with_outputs(
            REJECTS, main=MAIN
        )
        chrome = (
            keyed[MAIN]
            | "LineTables" >> beam.ParDo(_LineTablesFn(config))
            | "GroupSites" >> beam.GroupByKey()
            | "Decide" >> beam.FlatMap(_decide, config)
        )
        stripped = hold(keyed[MAIN], self._spill_dir) | "Strip" >> beam.ParDo(
            _StripFn(config, spilled=self._spill_dir is not None), beam.pvalue.AsDict(chrome)
        ).with_outputs(REJECTS, _REMOVED, main=MAIN)
        top_lines = stripped[_REMOVED] | "TopLines" >> beam.CombinePerKey(
            _TopLinesFn(config.top_lines)
        )
        rejects = (keyed[REJECTS], stripped[REJECTS]) | "Rejects" >> beam.Flatten()
        return CorpusOutputs(stripped[MAIN], rejects, top_lines)


class WriteTopLines(beam.PTransform):
    """Write top_lines as one JSON-lines file at ``path`` ({"site": ..., "lines": [[l, n]]});
    no file when no site has boilerplate lines.

    Gathered into one list (a few KB) and written whole, not with WriteToText: that writes an
    empty file for an empty input, which Beam's S3 filesystem cannot (S3 refuses a multipart
    upload of no parts), and its skip_if_empty logs a warning on every run without any.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    def expand(self, top_lines: beam.PCollection) -> beam.PCollection:
        return (
            top_lines
            | "ToJson" >> beam.Map(lambda kv: json.dumps({"site": kv[0], "lines": kv[1]}))
            | "All" >> beam.combiners.ToList()
            | "Write" >> beam.Map(_write_lines, self._path)
        )


def _write_lines(lines: list[str], path: str) -> None:
    if lines:  # a retried bundle writes the same file again
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            handle.write("".join(f"{line}\n" for line in sorted(lines)).encode("utf-8"))


_TABLE_FLUSH_ROWS = 65_536  # candidate lines buffered per window before a table goes out


class _LineKeysFn(beam.DoFn):
    """(article, its site, its short_line_keys, its content_key) per article; an article they
    fail on leaves as an ``internal_error`` reject (counted ``in`` and ``rejected.<reason>`` in
    ``sitelines``)."""

    def __init__(self, config: SiteLinesConfig) -> None:
        self._config = config
        self._counters = BundleCounters()

    def process(self, article: Article) -> Iterator[Any]:
        try:
            site = site_of(article.url, article.source)
            keys = short_line_keys(article, self._config)
            keyed = (article, site, keys, content_key(article, self._config))
        except Exception as error:  # one article's failure is its reject, as in RunStages
            self._counters.inc(SITELINES, "in")
            yield route(self._counters, SITELINES, dead_letter(SITELINES, article, error))
            return
        yield keyed

    def finish_bundle(self) -> None:
        self._counters.flush()


class _LineTablesFn(BufferedFn):
    """Per bundle and site: (site, (packed content keys, packed rows)), one uint64 content key
    per document (``content_key``) and one (content key, line key) row per document and
    distinct candidate line (``site_line_keys``).

    One element per site and bundle instead of one per candidate line: counted with combiners,
    the ~5 lines per article made this step cost as much as the strip itself on the local runner.
    Counting needs no document ids: lines are counted in distinct content keys.
    """

    def __init__(self, config: SiteLinesConfig) -> None:
        self._config = config

    def new_buffer(self) -> _SiteTables:
        return _SiteTables()

    def add(self, buffer: _SiteTables, element: tuple[Article, str, list[int], int]) -> bool:
        _, site, short_keys, content = element
        keys = site_line_keys(short_keys)
        table = buffer.sites.setdefault(site, _SiteTable())
        table.contents.append(content)
        for key in keys:
            table.rows += (content, key)
        buffer.rows += len(keys)
        return buffer.rows >= _TABLE_FLUSH_ROWS

    def flush(self, buffer: _SiteTables) -> Iterator[tuple[str, tuple[bytes, bytes]]]:
        for site, table in buffer.sites.items():
            contents = np.array(table.contents, dtype=np.uint64).tobytes()
            yield site, (contents, np.array(table.rows, dtype=np.uint64).tobytes())


@dataclass
class _SiteTable:
    contents: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # content key, line key, content key, ...


@dataclass
class _SiteTables:
    rows: int = 0
    sites: dict[str, _SiteTable] = field(default_factory=dict)


def _decide(
    group: tuple[str, Iterable[tuple[bytes, bytes]]], config: SiteLinesConfig
) -> Iterator[tuple[str, frozenset[int]]]:
    site, tables = group
    tables = list(tables)
    contents = np.frombuffer(b"".join(packed for packed, _ in tables), dtype=np.uint64)
    rows = np.frombuffer(b"".join(packed for _, packed in tables), dtype=np.uint64)
    chrome = site_chrome(contents, rows.reshape(-1, 2), config)
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
        for article, site, short_keys, _ in held_records(element, self._spilled):
            yield from self._strip(article, site, short_keys, chrome)

    def _strip(
        self,
        article: Article,
        site: str,
        short_keys: list[int],
        chrome: dict[str, frozenset[int]],
    ) -> Iterator[Any]:
        self._counters.inc(SITELINES, "in")
        drop = chrome.get(site, frozenset())
        try:
            record, removed = (
                strip_site_lines(article, drop, self._config, short_keys) if drop else (article, ())
            )
            shown = _shown_lines(removed)
        except Exception as error:  # one article's failure is its reject, as in RunStages
            record, removed, shown = dead_letter(SITELINES, article, error), (), {}
        self._counters.inc(SITELINES, "lines_removed", len(removed))
        for key, line in sorted(shown.items()):
            yield TaggedOutput(_REMOVED, (site, (key, line)))
        yield route(self._counters, SITELINES, record)

    def finish_bundle(self) -> None:
        self._counters.flush()


def _shown_lines(removed: Iterable[str]) -> dict[int, str]:
    """Each removed line's key and its smallest verbatim form, for the top-lines list."""
    shown: dict[int, str] = {}
    for line in removed:
        key = line_key(line)
        shown[key] = min(shown.get(key, line), line)
    return shown


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
