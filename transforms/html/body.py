"""Main-content blocks of a parsed page, via trafilatura's extraction (no metadata, no network).

It returns the blocks trafilatura keeps, tagged by kind, and decides between its balanced and
its recall-oriented run; judging single blocks is paragraphs.py's job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lxml import etree
from trafilatura.core import bare_extraction
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from scrapeclean.transforms.html.config import HtmlConfig

# trafilatura warns per page ("discarding data", readability fallbacks failing on comments):
# expected outcomes here, each already a reject or a fallback; at scale they drown real errors.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

Blocks = list[tuple[str, str]]
# The page's visible words are all body text minus what sits in script, style, noscript and
# template: two plain node-set queries are half the time of one with an ancestor:: test per
# text node (wcxb-dev, dev part: 1.9 -> 0.9 s over 549 pages), for the same count. The hidden
# text as a union of four name steps, not one step testing every element's name: 0.73 -> 0.37
# ms a page there, the same count on every page (a union holds each text node once).
_BODY_TEXT = etree.XPath("//body//text()", smart_strings=False)
_HIDDEN_TEXT = etree.XPath(
    "//body//script//text() | //body//style//text() | //body//noscript//text()"
    " | //body//template//text()",
    smart_strings=False,
)


def extract_blocks(root: etree._Element, url: str | None, config: HtmlConfig) -> Blocks:
    """Return (kind, text) for each block of the main content, in page order.

    trafilatura's balanced run misses whole sections of some pages (a list, a second column
    of the article). Where it kept less than ``recall_retry_share`` of the page's visible
    words, its recall-oriented run is tried too and wins when it finds ``recall_retry_gain``
    times the words: on wcxb-dev's dev part, tried below 0.75, it changed 34 of 549 pages, 31
    for the better; the default 0.6 leaves 10 of those to the balanced run for 11% less CPU.
    """
    blocks = _run(root, url, config, recall=config.favor_recall)
    if config.favor_recall or config.favor_precision or not config.recall_retry_share:
        return blocks  # a focus the user chose is kept as it is
    words = _words(text for _, text in blocks)
    if words >= config.recall_retry_share * _visible_words(root):
        return blocks
    recalled = _run(root, url, config, recall=True)
    return (
        recalled
        if _words(text for _, text in recalled) > config.recall_retry_gain * words
        else blocks
    )


def _run(root: etree._Element, url: str | None, config: HtmlConfig, recall: bool) -> Blocks:
    options = Extractor(
        fast=not config.fallback,
        precision=config.favor_precision,
        recall=recall,
        comments=False,
        tables=config.include_tables,
        url=url,
    )
    try:
        document = bare_extraction(root, options=options)
    except Exception:
        # trafilatura does not document which exceptions hostile markup can raise; a page it
        # cannot handle has no body text, and the caller turns that into an empty article.
        return []
    if document is None or document.body is None:
        return []
    blocks: Blocks = []
    for child in document.body:
        text = xmltotxt(child, False)
        for line in text.splitlines():
            if line.strip():
                blocks.append((str(child.tag), line.strip()))
    return blocks


def _visible_words(root: etree._Element) -> int:
    """Whitespace-separated words of the page's body text outside script, style, noscript and
    template: what a reader could see, the yardstick of the balanced run's share."""
    # A node-set holds each text node once, so nested hidden elements are not subtracted twice;
    # joining with spaces splits into the same words as splitting node by node.
    return len(" ".join(_BODY_TEXT(root)).split()) - len(" ".join(_HIDDEN_TEXT(root)).split())


def _words(texts: Iterable[str]) -> int:
    return sum(len(text.split()) for text in texts)
