"""HTML page to article: headline, summary, date and paragraph extraction from parsed markup.

The main text comes from trafilatura (its tree cleaning and content scoring are the best we
measured on bench/html-dev, see scripts/bench_html.py); around it we add what it lacks for our
schema: JSON-LD and <meta> metadata, the visible <h1> headline, htmldate's publication day, the
dek as summary, and paragraph rules that move bylines and wire credits to ``credits`` and drop
captions and share UI (meta.py, dates.py, paragraphs.py). Every rule group is measured on
wcxb-dev pages it was not written on (docs/html-quality.md). It does no text repair
(text/repair.py) and never touches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from html import unescape

import lxml.html
from lxml import etree

from scrapeclean.transforms.html.body import extract_blocks
from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.dates import find_published
from scrapeclean.transforms.html.intro import Intro, find_intro
from scrapeclean.transforms.html.meta import PageMeta, norm_space, read_meta
from scrapeclean.transforms.html.paragraphs import clean_paragraphs, pick_summary

# lxml.html picks each element's class in a Python method, called for every element object
# trafilatura, htmldate and we create: 4.9 M calls, 8% of the extract stage's time over
# wcxb-dev's dev pages. A lookup in C with lxml.html's classes does the same for every tag
# but the form controls (a plain HtmlElement then, a subclass's methods we never call).
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


class TextTooLargeError(Exception):
    """The article text of a page runs past ``HtmlConfig.max_text_chars``."""


@dataclass(frozen=True, slots=True)
class PageArticle:
    """The article found on one HTML page; every field may be empty for a non-article page."""

    headline: str | None
    summary: str | None
    published: datetime | None
    url: str | None
    language_hint: str | None
    paragraphs: tuple[str, ...]
    credits: tuple[str, ...]


def extract_page(html: str, url: str | None, config: HtmlConfig) -> PageArticle:
    """Extract the article of one page; oversized, too deep or unparsable input gives an empty one.

    It never touches the network, and on bad input raises only TextTooLargeError (more article
    text than ``max_text_chars``): the stage can run it on any bytes a crawler saved.
    """
    empty = PageArticle(None, None, None, url, None, (), ())
    if not html or len(html) > config.max_chars or html.count("<") > 4 * config.max_elements:
        return empty
    root = _parse(html, config)
    if root is None:
        return empty
    try:
        meta = read_meta(root, url)
        meta = replace(meta, published=find_published(root, meta.published, meta.url))
        intro = find_intro(root, meta.description)
        blocks = extract_blocks(root, url, config)
    except (ValueError, TypeError, RecursionError, etree.LxmlError):
        return empty  # garbage in: an empty article, never an exception out of the stage
    article = _assemble(meta, intro, blocks, config)
    if sum(len(paragraph) for paragraph in article.paragraphs) > config.max_text_chars:
        raise TextTooLargeError(f"more than {config.max_text_chars} characters of article text")
    return article


def _parse(html: str, config: HtmlConfig) -> etree._Element | None:
    """Parse with lxml, or None when the tree breaks a work cap or is not HTML at all."""
    # lxml rejects str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", html[:200]) + html[200:]
    # Without comments and processing instructions, as trafilatura's own load_html parses: with
    # them left in, its extraction drops paragraphs next to a comment (wcxb-dev, dev part: word
    # F1 0.9341 -> 0.9348). A parser per call (5 us): lxml parsers are not for sharing threads.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        root = lxml.html.document_fromstring(text.replace("\x00", ""), parser=parser)
    except (ValueError, etree.LxmlError):
        return None
    # Counted inside libxml2, without a Python object per element: 0.55 -> 0.16 s over
    # wcxb-dev's 549 dev pages against a Python walk. The parser dropped comments and
    # processing instructions, so elements are all the nodes such a walk would count.
    if root.xpath("count(//*)") > config.max_elements:
        return None
    # An element max_depth + 1 levels down (the root is level 1) makes the page too deep.
    return None if root.xpath("boolean(" + "/*" * (config.max_depth + 1) + ")") else root


def _assemble(
    meta: PageMeta, intro: Intro | None, blocks: list[tuple[str, str]], config: HtmlConfig
) -> PageArticle:
    ld = meta.json_ld or {}
    headline = meta.h1 or _ld_text(ld.get("headline")) or meta.title
    ld_blocks = _ld_body_blocks(ld.get("articleBody"), config.max_text_chars)
    if config.use_json_ld_body and ld_blocks and _prefer_ld_body(blocks, ld_blocks, config):
        blocks = ld_blocks
    dek_as_lead = False
    if intro and intro.is_dek and config.dek_as_lead:
        intro, dek_as_lead = Intro(text=intro.text, is_dek=False), True
    dek = intro.text if intro and intro.is_dek else None
    paragraphs, credits = clean_paragraphs(
        blocks, (headline, dek), config.max_rule_words, config.extra_teaser_prefixes
    )
    if (
        intro
        and not intro.is_dek
        and (config.recover_lead or dek_as_lead)
        and _missing(intro.text, paragraphs, headline)
    ):
        paragraphs.insert(0, intro.text)
    if meta.byline and meta.byline not in credits and meta.byline not in paragraphs:
        credits.insert(0, meta.byline)
    return PageArticle(
        headline=headline,
        summary=dek or pick_summary(meta.description, paragraphs),
        published=meta.published,
        url=meta.url,
        language_hint=meta.language,
        paragraphs=tuple(paragraphs),
        credits=tuple(credits),
    )


def _prefer_ld_body(
    blocks: list[tuple[str, str]], ld_blocks: list[tuple[str, str]], config: HtmlConfig
) -> bool:
    """Use articleBody when the DOM gave much less text, or the same text without its breaks.

    trafilatura itself falls back to articleBody on script-rendered pages, as one blob; our
    copy keeps the paragraph breaks.
    """
    extracted = sum(len(text) for _, text in blocks)
    if extracted < config.json_ld_body_ratio * sum(len(text) for _, text in ld_blocks):
        return True
    joined = norm_space(" ".join(text for _, text in blocks))
    return joined == norm_space(" ".join(text for _, text in ld_blocks))


def _missing(text: str, paragraphs: list[str], headline: str | None) -> bool:
    """True when the intro is neither the headline nor already among the first paragraphs."""
    probe = text[:80].casefold()
    if headline and norm_space(headline).casefold() == text.casefold():
        return False
    return not any(probe in p.casefold() or p.casefold() in probe for p in paragraphs[:3])


def _ld_text(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return norm_space(unescape(value)) if isinstance(value, str) and value.strip() else None


def _ld_body_blocks(value: object, max_chars: int) -> list[tuple[str, str]]:
    """Paragraphs of a JSON-LD articleBody: plain lines, or the <p>s when it carries markup.

    Raises TextTooLargeError as soon as they pass ``max_chars``: nested lists repeat their
    text once per level, so the blocks can outgrow the page many times over.
    """
    if not isinstance(value, str) or not value.strip():
        return []
    if "<" in value:
        try:
            fragment = lxml.html.fragment_fromstring(value, create_parent="div")
        except (ValueError, etree.LxmlError):
            return []
        texts, size = [], 0
        for block in fragment.iter("p", "h2", "h3", "li"):
            texts.append(block.text_content())
            size += len(texts[-1])
            if size > max_chars:
                raise TextTooLargeError(f"articleBody passes {max_chars} characters of text")
        value = "\n".join(texts)
    return [("p", line) for line in unescape(value).splitlines() if line.strip()]
