"""Site-level repeated lines: what a site is, the line rule, removal, and the corpus reference."""

from __future__ import annotations

import numpy as np
import pytest

from scrapeclean.transforms.corpus.neardup import smallest_shingle
from scrapeclean.transforms.corpus.sitelines import (
    SiteLinesConfig,
    content_key,
    is_site_boilerplate,
    line_key,
    rank_lines,
    short_line_keys,
    site_chrome,
    site_line_keys,
    site_of,
    strip_corpus,
    strip_site_lines,
)
from scrapeclean.transforms.records import Article, Reject, RejectReason
from scrapeclean.transforms.text.words import content_hash

FOOTER = "The Harbor Gazette is owned by the Bayside Media Trust."
CONFIG = SiteLinesConfig(enabled=True)


def make_article(
    doc_id: str,
    paragraphs: list[str],
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """An Article as the segment stage builds it: lead, body, n_words and content_hash."""
    text = "\n\n".join(paragraphs)
    return Article(
        doc_id=doc_id,
        source=source or f"/in/site/{doc_id}.txt",
        url=url,
        headline="A headline",
        summary=None,
        lead=paragraphs[0],
        body="\n\n".join(paragraphs[1:]),
        credits=None,
        published=None,
        language=None,
        n_words=len(text.split()),
        content_hash=content_hash(text),
        fixes=(),
        boilerplate_removed=("Advertisement",),
        input_format="text",
        raw=b"raw bytes",
    )


@pytest.mark.parametrize(
    ("url", "source", "site"),
    [
        ("https://www.Example.COM/news/1", "/x/a.txt", "example.com"),
        ("http://news.example.com:8080/a?b=c", "/x/a.txt", "news.example.com"),
        (None, "/data/harbor/0001.txt", "/data/harbor"),
        (None, "gs://bucket/dumps/site-a/7.txt", "gs://bucket/dumps/site-a"),
        (None, "/data/feed.jsonl#L12", "/data"),
        (None, "/data/crawl.warc.gz#40961", "/data"),
        ("not a url", "/data/b/1.txt", "/data/b"),
        ("http://[::1/broken", "/data/c/1.txt", "/data/c"),
    ],
)
def test_site_of(url: str | None, source: str, site: str) -> None:
    article = make_article("d", ["Text."], source=source, url=url)
    assert site_of(article.url, article.source) == site


def test_line_keys_are_per_short_line_and_table_rows_distinct() -> None:
    long_line = " ".join(["word"] * 31)
    article = make_article("d", ["Short line one.", long_line, "* * *", "short LINE one"])
    keys = short_line_keys(article, SiteLinesConfig(enabled=True))
    assert keys == [line_key("Short line one."), 0, line_key("short LINE one")]  # not the long
    assert keys[0] == keys[2]  # the same line once normalised
    assert site_line_keys(keys) == [line_key("Short line one.")]  # distinct, "* * *" left out


def test_strip_site_lines_with_precomputed_keys_equals_computing_them() -> None:
    article = make_article("d", ["Lead.", "\n\n", f"Body one.\n* * *\n{FOOTER}", "More."])
    drop = frozenset({line_key(FOOTER)})
    keys = short_line_keys(article, CONFIG)
    assert strip_site_lines(article, drop, CONFIG, keys) == strip_site_lines(article, drop, CONFIG)
    assert strip_site_lines(article, drop, CONFIG)[1] == (FOOTER,)


@pytest.mark.parametrize(
    ("line_docs", "site_docs", "expected"),
    [(5, 10, True), (4, 10, False), (5, 9, False), (2, 100, False), (50, 50, True)],
)
def test_is_site_boilerplate(line_docs: int, site_docs: int, expected: bool) -> None:
    assert is_site_boilerplate(line_docs, site_docs, SiteLinesConfig(enabled=True)) is expected


def test_strip_site_lines_promotes_next_paragraph_and_recomputes() -> None:
    article = make_article("d", ["Gazette Radio at seven", "The real lead.", f"Body.\n{FOOTER}"])
    drop = frozenset({line_key("gazette radio at seven"), line_key(FOOTER)})
    stripped, removed = strip_site_lines(article, drop, CONFIG)
    assert isinstance(stripped, Article)
    assert (stripped.lead, stripped.body) == ("The real lead.", "Body.")
    assert stripped.n_words == 4
    assert stripped.content_hash == content_hash("The real lead.\n\nBody.")
    assert stripped.boilerplate_removed == ("Advertisement", "Gazette Radio at seven", FOOTER)
    assert removed == ("Gazette Radio at seven", FOOTER)


def test_strip_site_lines_never_takes_a_line_longer_than_max_line_words() -> None:
    long_line = " ".join(["word"] * (CONFIG.max_line_words + 1))
    article = make_article("a", ["A short lead paragraph here.", long_line])
    assert strip_site_lines(article, frozenset({line_key(long_line)}), CONFIG) == (article, ())


def test_strip_site_lines_nothing_to_drop_and_only_chrome() -> None:
    article = make_article("d", ["Lead.", FOOTER])
    assert strip_site_lines(article, frozenset({line_key("other")}), CONFIG) == (article, ())
    chrome_only = make_article("e", [FOOTER])
    reject, removed = strip_site_lines(chrome_only, frozenset({line_key(FOOTER)}), CONFIG)
    assert isinstance(reject, Reject) and reject.reason == RejectReason.EMPTY
    assert (reject.doc_id, reject.raw, removed) == ("e", b"raw bytes", (FOOTER,))


def site(name: str, count: int, extra: dict[int, list[str]] | None = None) -> list[Article]:
    """A site of ``count`` articles, each with its own text and the site footer."""
    extra = extra or {}
    return [
        make_article(
            f"{name}{i:02d}",
            [f"Story {i} of {name} begins here.", *extra.get(i, []), f"It ends {i}.", FOOTER],
            source=f"/in/{name}/{i}.txt",
        )
        for i in range(count)
    ]


def test_strip_corpus_removes_footer_but_keeps_shared_quote() -> None:
    quote = "“We will not be rushed,” the mayor said."
    articles = site("big", 12, {0: [quote], 1: [quote]})
    records, top = strip_corpus(articles, SiteLinesConfig(enabled=True))
    assert all(isinstance(r, Article) and FOOTER not in r.text for r in records)
    assert quote in records[0].text and quote in records[1].text
    assert top == {"/in/big": [(FOOTER, 12)]}


def test_strip_corpus_threshold_and_small_sites() -> None:
    promo = "Gazette Radio at seven"
    five = {i: [promo] for i in range(5)}
    four = {i: [promo] for i in range(4)}
    config = SiteLinesConfig(enabled=True)
    five_docs, _ = strip_corpus(site("a", 12, five), config)
    four_docs, _ = strip_corpus(site("b", 12, four), config)
    small, top = strip_corpus(site("c", 9, five), config)
    assert all(promo not in r.text for r in five_docs)
    assert all(promo in r.text for r in four_docs[:4])
    assert small == site("c", 9, five) and top == {}


def test_strip_corpus_counts_per_site() -> None:
    shared = "Tide tables on page two"
    first = site("a", 10, {i: [shared] for i in range(3)})
    second = site("b", 10, {i: [shared] for i in range(3)})
    records, _ = strip_corpus(first + second, SiteLinesConfig(enabled=True))
    assert sum(shared in r.text for r in records) == 6  # 3 + 3, never 6 in one site


def test_site_chrome_from_a_packed_line_table() -> None:
    quote = "“We will rebuild,” the mayor said."
    articles = [
        make_article(f"d{n}", [f"Story {n} opens here.", *([quote] if n < 3 else []), FOOTER])
        for n in range(12)
    ]
    contents = np.array([content_key(a, CONFIG) for a in articles], np.uint64)
    rows = np.array(
        [
            (content, key)
            for content, article in zip(contents.tolist(), articles, strict=True)
            for key in site_line_keys(short_line_keys(article, CONFIG))
        ],
        np.uint64,
    )
    assert len(rows) == 12 + 3 + 12  # each story line, the quote three times, each footer
    assert site_chrome(contents, rows, CONFIG) == {line_key(FOOTER)}  # not the quote
    small = contents[: CONFIG.min_site_docs - 1]
    assert site_chrome(small, rows, CONFIG) == frozenset()  # a small site
    assert site_chrome(contents, rows[:0], CONFIG) == frozenset()
    # The same five contents each twice: lines in 10 files but 5 contents, a site of 5
    twice = np.concatenate([contents[:5], contents[:5]])
    assert site_chrome(twice, rows, CONFIG) == frozenset()


def test_content_key_is_shared_by_copies_whatever_their_chrome() -> None:
    first = "Council members argued for hours on Tuesday about the harbour budget and the ferry"
    second = "and in the end the mayor said the vote would wait until after the summer holidays"
    long_line = f"{first}, {second} in July."  # 32 words: never a chrome candidate
    story = [long_line, "A short line of its own.", "The vote is on Friday."]
    key = content_key(make_article("a", [*story, FOOTER]), CONFIG)
    assert key == content_key(make_article("b", [*story, "Another site's footer."]), CONFIG)
    assert key == content_key(make_article("c", [*story[::-1], FOOTER]), CONFIG)  # reordered
    # One word changed: the key moves only when the edit touches the smallest shingle's five
    # words or makes a smaller one (Jaccard ~0.86 for one word of 32 here)
    words = long_line.split()
    edits = [" ".join([*words[:at], "altered", *words[at + 1 :]]) for at in range(len(words))]
    kept = [key == content_key(make_article("d", [edit, *story[1:]]), CONFIG) for edit in edits]
    assert 0.6 * len(edits) <= sum(kept) < len(edits)
    assert key == smallest_shingle(long_line, 5)
    other = make_article("e", ["A different article of short lines.", FOOTER])
    assert content_key(other, CONFIG) == int(other.content_hash[:16], 16)  # no long line


def test_rank_lines_orders_by_count_then_line() -> None:
    counts = [("b", 3), ("a", 3), ("c", 9), ("d", 1)]
    assert rank_lines(counts, 3) == [("c", 9), ("a", 3), ("b", 3)]


def test_config_checks() -> None:
    with pytest.raises(ValueError, match=r"^min_docs:"):
        SiteLinesConfig(min_docs=1)
    with pytest.raises(ValueError, match=r"^min_site_docs:"):
        SiteLinesConfig(min_docs=5, min_site_docs=4)
