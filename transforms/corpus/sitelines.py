"""Site-level boilerplate: short lines that recur across many documents of one site.

The pure rules: what a site is, which lines are candidates, when a line is boilerplate there and
how it is taken out of an article. Counting across documents is the Beam transform's job
(``beam.corpus.StripSiteBoilerplate``); ``strip_corpus`` is the same rule on a list.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import numpy as np

from scrapeclean.transforms.corpus.neardup import smallest_shingle
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text.boilerplate import normalize_line
from scrapeclean.transforms.text.segment import text_fields
from scrapeclean.transforms.text.sources import file_source


@dataclass(frozen=True, slots=True)
class SiteLinesConfig:
    """When a short line that recurs across one site's documents counts as that site's chrome."""

    # Off: the step is skipped and articles pass unchanged.
    enabled: bool = False  # configs/training.yaml turns it on
    # Documents of one site a line must appear in, counted in distinct contents (content_key:
    # copies of one article are one document, issue 21). CCNet (Wenzek et al. 2020, §3.2)
    # drops every paragraph seen twice in a shard; news sites legitimately repeat a quote or a
    # correction in a few follow-up stories (2-3 in our synthetic corpus), while chrome is on
    # nearly every page.
    min_docs: int = 5
    # Sites with fewer documents (distinct contents) are left alone: with 5-9 pages a shared
    # quote already reaches min_docs in half the site, and a line on "every page" of 3 pages
    # says little.
    min_site_docs: int = 10
    # Longer lines are never candidates: chrome lines are short (boilerplate.max_line_words is 40
    # for catalog lines; a 30-word line repeated 5 times is more likely syndicated prose).
    max_line_words: int = 30
    # Lines per site kept for the manifest's "most frequent removed lines" list.
    top_lines: int = 50

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError("min_docs: must be >= 2 (a line in one document is not repeated)")
        if self.min_site_docs < self.min_docs:
            raise ValueError("min_site_docs: must be >= min_docs")
        if self.max_line_words < 1:
            raise ValueError("max_line_words: must be >= 1")
        if self.top_lines < 0:
            raise ValueError("top_lines: must be >= 0")


def site_of(url: str | None, source: str | None) -> str:
    """The site a record belongs to: its URL's host (lower case) without "www.", else the folder
    of its input file ("." for a file without one). The one definition: the site-boilerplate
    step counts lines per site by it, and ``report`` and ``inspect --where site=`` group by it.
    """
    if url:
        try:
            host = urlsplit(url.strip()).hostname
        except ValueError:  # e.g. an unbalanced "[" in an IPv6 host: fall back to the folder
            host = None
        if host:
            return host.removeprefix("www.")
    return posixpath.dirname(file_source(source or "")) or "."


def line_key(line: str) -> int:
    """A stable 64-bit hash of a line's normalised form: the key lines are counted under."""
    return _normalized_key(normalize_line(line))


def _normalized_key(normalized: str) -> int:
    digest = hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def short_line_keys(article: Article, config: SiteLinesConfig) -> list[int]:
    """One key per short line of the article's lead and body, in order; 0 for a line with
    nothing to identify it once normalised (only punctuation, e.g. "* * *").

    Short lines are the only candidates for site chrome. The keys are computed once per
    article: the site tables count them (``site_line_keys``) and ``strip_site_lines`` matches
    them, so the lines are not normalised and hashed a second time.
    """
    lines = article.text.split("\n")
    forms = [normalize_line(line) for line in lines if _is_short(line, config)]
    return [_normalized_key(form) if form else 0 for form in forms]


def _is_short(line: str, config: SiteLinesConfig) -> bool:
    """A non-blank line of at most max_line_words words: the only kind counted as chrome."""
    return 0 < _words(line) <= config.max_line_words


def _words(line: str) -> int:
    return len(line.split())


def site_line_keys(short_keys: Sequence[int]) -> list[int]:
    """An article's rows of its site's line table: each distinct candidate line's key once."""
    return list(dict.fromkeys(key for key in short_keys if key))


def content_key(article: Article, config: SiteLinesConfig) -> int:
    """What a site's lines are counted once per: a one-slot MinHash of the word 5-shingles of
    the article's long lines (``smallest_shingle``), else its content_hash.

    Long lines (more than max_line_words) are never chrome, so copies of one article share the
    key whatever chrome each page carries, and a line in six copies counts once, not six times
    (issue 21). Two texts share a one-slot MinHash with probability equal to their Jaccard:
    exact copies always, a copy with one word changed in ~100 long-line words (5 shingles of
    ~100) about 9 times in 10, two different articles almost never. An article without long
    lines shares it with its exact copies that carry the same chrome.
    """
    long_lines = [line for line in article.text.split("\n") if _words(line) > config.max_line_words]
    key = smallest_shingle(" ".join(long_lines), _SHINGLE_WORDS) if long_lines else None
    return int(article.content_hash[:16], 16) if key is None else key


_SHINGLE_WORDS = 5  # as near dedup's shingles (neardup.shingle_words' default)


def site_chrome(contents: np.ndarray, rows: np.ndarray, config: SiteLinesConfig) -> frozenset[int]:
    """A site's chrome line keys from the content keys of its documents (``content_key``, one
    per document) and its line table: rows of (content key, line key), one per document and
    distinct candidate line (``site_line_keys``). Lines and the site are counted in distinct
    contents, so copies of one article count once."""
    if not len(rows):
        return frozenset()
    site_docs = len(np.unique(contents))
    pairs = np.unique(rows.reshape(-1, 2), axis=0)  # a content with a line once
    keys, documents = np.unique(pairs[:, 1], return_counts=True)
    return frozenset(
        key
        for key, count in zip(keys.tolist(), documents.tolist(), strict=True)
        if is_site_boilerplate(count, site_docs, config)
    )


def is_site_boilerplate(line_docs: int, site_docs: int, config: SiteLinesConfig) -> bool:
    """A line is site chrome iff it is in min_docs documents of a site of min_site_docs or more."""
    return site_docs >= config.min_site_docs and line_docs >= config.min_docs


def strip_site_lines(
    article: Article,
    drop: frozenset[int],
    config: SiteLinesConfig,
    short_keys: Sequence[int] | None = None,
) -> tuple[Article | Reject, tuple[str, ...]]:
    """Remove lead/body lines whose key is in ``drop``; also return the removed lines verbatim.

    ``short_keys`` are the article's ``short_line_keys`` when already computed. The first
    paragraph left becomes the lead; n_words and content_hash are recomputed as the segment
    stage computes them. An article with nothing left becomes an ``empty`` reject. Lines
    longer than ``max_line_words`` are never candidates.
    """
    keys = iter(short_line_keys(article, config) if short_keys is None else short_keys)
    paragraphs: list[str] = []
    removed: list[str] = []
    # The same lines in the same order as article.text.split("\n"): the blank lines between
    # paragraphs are not short, so each short line meets its own key.
    for paragraph in [article.lead, *article.body.split("\n\n")]:
        kept = []
        for line in paragraph.split("\n"):
            if _is_short(line, config) and next(keys) in drop:
                removed.append(line)
            else:
                kept.append(line)
        text = "\n".join(kept).strip("\n")
        if text.strip():
            paragraphs.append(text)
    if not removed:
        return article, ()
    if not paragraphs:
        reject = Reject.of(article, RejectReason.EMPTY, "only site boilerplate lines left")
        return reject, tuple(removed)
    stripped = replace(
        article,
        boilerplate_removed=article.boilerplate_removed + tuple(removed),
        **text_fields(paragraphs),
    )
    return stripped, tuple(removed)


def rank_lines(counts: Iterable[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most frequent lines, most documents first, ties by line: deterministic."""
    return sorted(counts, key=lambda item: (-item[1], item[0]))[:limit]


def strip_corpus(
    articles: Iterable[Article], config: SiteLinesConfig
) -> tuple[list[Article | Reject], dict[str, list[tuple[str, int]]]]:
    """The whole rule on an in-memory corpus: (records in input order, top lines per site).

    The reference the Beam transform must agree with, and the benchmark's pure-Python loop.
    """
    articles = list(articles)
    short_keys = [short_line_keys(article, config) for article in articles]
    site_docs: dict[str, set[int]] = defaultdict(set)
    line_docs: dict[tuple[str, int], set[int]] = defaultdict(set)
    for article, keys in zip(articles, short_keys, strict=True):
        site, content = site_of(article.url, article.source), content_key(article, config)
        site_docs[site].add(content)
        for key in site_line_keys(keys):
            line_docs[site, key].add(content)
    chrome = {
        (site, key)
        for (site, key), contents in line_docs.items()
        if is_site_boilerplate(len(contents), len(site_docs[site]), config)
    }
    records: list[Article | Reject] = []
    shown: dict[tuple[str, int], tuple[str, set[str]]] = {}
    for article, keys in zip(articles, short_keys, strict=True):
        site = site_of(article.url, article.source)
        drops = frozenset(key for key in site_line_keys(keys) if (site, key) in chrome)
        record, removed = strip_site_lines(article, drops, config, keys)
        records.append(record)
        for line in removed:
            site_key = (site, line_key(line))
            first, docs = shown.get(site_key, (line, set()))
            shown[site_key] = (min(first, line), docs | {article.doc_id})
    return records, top_lines_by_site(
        ((site, line, len(docs)) for (site, _), (line, docs) in shown.items()), config.top_lines
    )


def top_lines_by_site(
    entries: Iterable[tuple[str, str, int]], limit: int
) -> dict[str, list[tuple[str, int]]]:
    """Group (site, line, documents) entries into each site's ranked top ``limit`` lines."""
    by_site: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for site, line, count in entries:
        by_site[site].append((line, count))
    return {site: rank_lines(lines, limit) for site, lines in sorted(by_site.items())}


def parse_top_lines(text: str) -> dict[str, list[list[str | int]]]:
    """The text of the file WriteTopLines wrote, as the manifest's {site: [[line, documents],
    ...]} (the file may be on any filesystem: the job reads it)."""
    rows = [json.loads(line) for line in text.splitlines() if line]
    return {row["site"]: row["lines"] for row in sorted(rows, key=lambda row: row["site"])}
