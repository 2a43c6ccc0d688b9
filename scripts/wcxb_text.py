"""A real page's visible text as a scraper dumps it, and which of its lines are main content.

Shared by the dump generator (make_wcxb_dumps.py) and the scorer (score_wcxb.py): the text
normalisation behind "exact", the word tokens behind word F1, the visible-text walk and the
token-overlap rule that labels a page line ``content``. It does not assemble dumps or score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from scrapeclean.transforms.text.decode import decode_html
from scrapeclean.transforms.text.words import WORD

# Typographic quotes count as their ASCII forms in "exact" (issue 19's definition).
_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′ʼ`"} | {c: '"' for c in "“”„‟″«»"})
_LIST_MARK = "- "  # main_content writes list items as "- item"; the page shows no dash
_BREAK = "\x0b"  # a forced line break (<br>, a newline inside <pre>) while a block is collected
# Not visible: never part of what a scraper of the rendered page would write.
_INVISIBLE = frozenset({"head", "script", "style", "noscript", "template"})
# Elements that start a new line, as a browser's innerText breaks. A table row is one line with
# its cells apart (innerText puts a tab between cells), as main_content writes rows.
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html "
    "legend li main menu nav ol option p pre section select summary table tbody textarea "
    "tfoot thead tr ul".split()
)
_CELLS = ("td", "th")
_STREAMED = re.compile(r"S:[0-9a-f]+$")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A page line is content when at least this share of its words sit in word trigrams of the main
# text: it tolerates a footnote mark or an inline ad label the ground truth left out of a
# paragraph, while a menu or share line shares no trigram with the article.
CONTENT_SHARE = 0.8
_MIN_OVERLAP_WORDS = 3  # shorter lines count as content only when they equal a main-text line


def normalize(text: str) -> str:
    """NFC, ASCII quotes and single spaces: the form in which two texts are "exact" equal."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


def words(text: str) -> list[str]:
    """Lower-cased ``\\w+`` tokens (WCXB's word F1 unit)."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def main_lines(main_content: str) -> list[tuple[str, bool, bool]]:
    """(line, starts_block, is_list_item) for each non-blank line of a main text."""
    out = []
    for block in main_content.split("\n\n"):
        first = True
        for raw in block.split("\n"):
            line = raw.strip()
            if not line:
                continue
            is_item = line.startswith(_LIST_MARK)
            out.append((line.removeprefix(_LIST_MARK).strip(), first, is_item))
            first = False
    return out


@dataclass(frozen=True, slots=True)
class ContentIndex:
    """What the line rule needs from a page's main text: its lines and its word trigrams."""

    lines: frozenset[str]
    trigrams: frozenset[tuple[str, str, str]]

    @classmethod
    def of(cls, main_content: str) -> ContentIndex:
        """Index one main text (normalised lines, trigrams of its lower-cased words)."""
        tokens = words(main_content)
        return cls(
            frozenset(normalize(line) for line, _, _ in main_lines(main_content)),
            frozenset(zip(tokens, tokens[1:], tokens[2:], strict=False)),
        )

    def share(self, text: str) -> float:
        """The share of ``text``'s words covered by a word trigram of the main text."""
        tokens = words(text)
        if len(tokens) < _MIN_OVERLAP_WORDS:
            return 0.0
        covered = [False] * len(tokens)
        for i in range(len(tokens) - 2):
            if (tokens[i], tokens[i + 1], tokens[i + 2]) in self.trigrams:
                covered[i] = covered[i + 1] = covered[i + 2] = True
        return sum(covered) / len(tokens)

    def is_content(self, text: str) -> bool:
        """The whole-page label rule: equal to a main-text line, or CONTENT_SHARE of its words."""
        return normalize(text) in self.lines or self.share(text) >= CONTENT_SHARE


def label_page_line(text: str, title: str | None, index: ContentIndex) -> str:
    """``headline`` when the line equals the title, ``content`` by the rule, else ``chrome``."""
    if title and normalize(text) == normalize(title):
        return "headline"
    return "content" if index.is_content(text) else "chrome"


@dataclass(frozen=True, slots=True)
class PageText:
    """A page as a scraper sees it: visible lines, meta description, heading texts."""

    lines: tuple[str, ...]
    description: str | None
    headings: frozenset[str]  # normalised texts of the page's h1-h6


def read_page(html: bytes) -> PageText:
    """Decode and parse a page, then read its visible lines, description and headings."""
    text = decode_html(html)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text[:200]) + text[200:]
    try:
        root = lxml.html.document_fromstring(text.replace("\x00", ""))
    except (ValueError, etree.LxmlError):
        return PageText((), None, frozenset())
    description = _description(root)
    headings = frozenset(
        normalize(h.text_content()) for h in root.iter(*_HEADINGS) if h.text_content().strip()
    )
    return PageText(tuple(visible_lines(root)), description, headings)


def _description(root: etree._Element) -> str | None:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if key in ("og:description", "description") and content and key not in found:
            found[key] = content
    return found.get("og:description") or found.get("description")


def visible_lines(root: etree._Element) -> list[str]:
    """The page's visible text, one block element a line, whitespace collapsed per line."""
    for element in [el for el in root.iter() if _is_invisible(el)]:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text, which is visible
    lines: list[str] = []
    pieces: list[str] = []
    in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if tag in _BLOCKS:
            _flush(pieces, lines)
        if event == "start":
            in_pre += tag == "pre"
            if tag == "br":
                pieces.append(_BREAK)
            elif tag in _CELLS:
                pieces.append("\t")
            if element.text:
                pieces.append(_pre_breaks(element.text) if in_pre else element.text)
        else:
            in_pre -= tag == "pre"
            if element.tail:
                pieces.append(_pre_breaks(element.tail) if in_pre else element.tail)
    _flush(pieces, lines)
    return lines


def _is_invisible(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments and processing instructions
    if element.tag in _INVISIBLE:
        return True
    # React's streamed server rendering parks each finished part in <div hidden id="S:n"> and an
    # inline script moves it into place at once: what the reader sees (11 of the first 120
    # wcxb-dev pages' main text sat there, one page's whole article).
    if element.get("hidden") is not None and not _STREAMED.match(element.get("id") or ""):
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _pre_breaks(text: str) -> str:
    return text.replace("\n", _BREAK)


def _flush(pieces: list[str], lines: list[str]) -> None:
    for part in "".join(pieces).split(_BREAK):
        line = " ".join(part.split())
        if line:
            lines.append(line)
    pieces.clear()


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats (by normalised text)."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = normalize(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
