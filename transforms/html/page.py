"""HTML page to article: charset decoding, and headline/summary/date/paragraph extraction.

The main text comes from trafilatura (its tree cleaning and content scoring are the best we
measured on bench/html-dev, see scripts/bench_html.py); around it we add what it lacks for our
schema: JSON-LD and <meta> metadata, the visible <h1> headline, the dek as summary, and paragraph
rules that move bylines and wire credits to ``credits`` and drop teasers, captions and share UI
(html_meta.py, html_text.py). It does no text repair (repair.py) and never touches the network.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape

import charset_normalizer
import lxml.html
from lxml import etree
from scrapeclean.transforms.html.body import extract_blocks
from scrapeclean.transforms.html.intro import Intro, find_intro
from scrapeclean.transforms.html.meta import PageMeta, norm_space, read_meta
from scrapeclean.transforms.html.paragraphs import clean_paragraphs, pick_summary

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# WHATWG encoding standard: browsers decode these labels with the superset codec, and pages
# labelled so really contain the superset's extra characters (curly quotes, rare hanzi).
_WHATWG_ALIASES = {
    **dict.fromkeys(
        ("iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii", "us-ascii"), "cp1252"
    ),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis"), "cp932"),
    "euc-kr": "cp949",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
}
_SINGLE_BYTE = re.compile(r"^(?:cp|windows-|iso-?8859|latin|koi8|mac)", re.I)


@dataclass(frozen=True, slots=True)
class HtmlConfig:
    """Work caps and extraction switches for one HTML page."""

    # Longest page text parsed. News pages are 50-500 KB; bench/html-dev's largest is ~2 MB.
    max_chars: int = 8_000_000
    # More elements than this and the page is refused (empty article): lxml and trafilatura
    # cost grows with the tree, and real article pages stay under ~30k elements.
    max_elements: int = 150_000
    # Deeper trees are refused. libxml2 stops parsing at depth 256 on its own (without
    # XML_PARSE_HUGE), so a page reaching it is truncated; real pages stay under ~60.
    max_depth: int = 250
    # trafilatura's focus. Balanced (both False) measured best with our rules on bench/html-dev:
    # F1 0.945 vs 0.940 favor_precision, 0.939 favor_recall.
    favor_precision: bool = False
    favor_recall: bool = False
    # trafilatura compares its result with readability/jusText extractions (local, no network);
    # on bench/html-dev: F1 0.945 with vs 0.938 without, at ~1.4x the time.
    fallback: bool = True
    # Tables in articles are usually data the text refers to (results, schedules, recipes);
    # dropping them cost recall on bench/html-dev in trafilatura's own run (F1 0.926 -> 0.922).
    include_tables: bool = True
    # Use JSON-LD articleBody when the extracted text is much shorter: some pages render the
    # body with JavaScript and only ship it in structured data.
    use_json_ld_body: bool = True
    # Below this share of articleBody's length the DOM extraction is deemed to have failed.
    json_ld_body_ratio: float = 0.5
    # Paragraph rules (html_text.py): credits and teasers longer than this many words are prose.
    max_rule_words: int = 40
    # Put back the visible intro paragraph (the one <meta description> repeats) when the content
    # scorer dropped it for its styling; bench/html-dev annotates it as article text.
    recover_lead: bool = True
    # A visible dek (subtitle element under the headline) goes to ``summary`` and is kept out of
    # the paragraphs, as the schema asks. True puts it first in the paragraphs instead:
    # bench/html-dev annotates deks as article text (+0.006 F1 there), our contract does not.
    dek_as_lead: bool = False
    # Site-specific teaser openings (lowercase prefixes, e.g. "jetzt im abo:") a deployment
    # can add without a code change; short blocks starting with one are dropped.
    extra_teaser_prefixes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("max_chars", "max_elements", "max_depth", "max_rule_words"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        if not 0 <= self.json_ld_body_ratio <= 1:
            raise ValueError("json_ld_body_ratio: must be between 0 and 1")


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


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode page bytes as a browser would: HTTP charset, BOM, <meta>, UTF-8, then detection."""
    codec = _codec(http_charset)
    if codec:
        return data.decode(codec, errors="replace")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = _codec(_meta_charset(data[:4096]), from_meta=True)
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    # A page saved again as UTF-8 often keeps its old single-byte declaration; valid multi-byte
    # UTF-8 is near impossible by accident, so then the bytes win over the stale <meta>.
    if declared and not (
        as_utf8 is not None and _SINGLE_BYTE.match(declared) and not data.isascii()
    ):
        return data.decode(declared, errors="replace")
    if as_utf8 is not None:
        return as_utf8
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    codec = _codec(best.encoding) if best is not None else None
    return data.decode(codec or "utf-8", errors="replace")


def _meta_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None, from_meta: bool = False) -> str | None:
    """Return a Python text codec for a charset label, or None when unknown or unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        "a".encode(name)  # rejects bytes/str transforms such as "base64" or "rot13"
    except LookupError:
        return None
    # A page cannot really be UTF-16/32 when its <meta> was readable as ASCII (WHATWG rule).
    if from_meta and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def extract_page(html: str, url: str | None, config: HtmlConfig) -> PageArticle:
    """Extract the article of one page; oversized, too deep or unparsable input gives an empty one.

    It never raises on bad input and never touches the network: the stage can run it on any
    bytes a crawler saved.
    """
    empty = PageArticle(None, None, None, url, None, (), ())
    if not html or len(html) > config.max_chars or html.count("<") > 4 * config.max_elements:
        return empty
    root = _parse(html, config)
    if root is None:
        return empty
    try:
        meta = read_meta(root, url)
        intro = find_intro(root, meta.description)
        blocks = extract_blocks(root, url, config)
    except (ValueError, TypeError, RecursionError, etree.LxmlError):
        return empty  # garbage in: an empty article, never an exception out of the stage
    return _assemble(meta, intro, blocks, config)


def _parse(html: str, config: HtmlConfig) -> etree._Element | None:
    """Parse with lxml, or None when the tree breaks a work cap or is not HTML at all."""
    # lxml rejects str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", html[:200]) + html[200:]
    try:
        root = lxml.html.document_fromstring(text.replace("\x00", ""))
    except (ValueError, etree.LxmlError):
        return None
    count = depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            count, depth = count + 1, depth + 1
            deepest = max(deepest, depth)
            if count > config.max_elements or deepest > config.max_depth:
                return None
        else:
            depth -= 1
    return root


def _assemble(
    meta: PageMeta, intro: Intro | None, blocks: list[tuple[str, str]], config: HtmlConfig
) -> PageArticle:
    ld = meta.json_ld or {}
    headline = meta.h1 or _ld_text(ld.get("headline")) or meta.title
    ld_blocks = _ld_body_blocks(ld.get("articleBody"))
    if config.use_json_ld_body and ld_blocks and _prefer_ld_body(blocks, ld_blocks, config):
        blocks = ld_blocks
    if intro and intro.is_dek and config.dek_as_lead:
        intro = Intro(text=intro.text, is_dek=False)
    dek = intro.text if intro and intro.is_dek else None
    paragraphs, credits = clean_paragraphs(
        blocks, (headline, dek), config.max_rule_words, config.extra_teaser_prefixes
    )
    if (
        intro
        and not intro.is_dek
        and config.recover_lead
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


def _ld_body_blocks(value: object) -> list[tuple[str, str]]:
    """Paragraphs of a JSON-LD articleBody: plain lines, or the <p>s when it carries markup."""
    if not isinstance(value, str) or not value.strip():
        return []
    if "<" in value:
        try:
            fragment = lxml.html.fragment_fromstring(value, create_parent="div")
        except (ValueError, etree.LxmlError):
            return []
        value = "\n".join(block.text_content() for block in fragment.iter("p", "h2", "h3", "li"))
    return [("p", line) for line in unescape(value).splitlines() if line.strip()]
