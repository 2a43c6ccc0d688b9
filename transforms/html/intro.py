"""The visible intro under a headline: a dek (summary) or a lead paragraph the extractor missed.

Pages repeat their intro in <meta name="description">. Where that text is also shown in the
body it is either a dek (English-style standfirst: a subtitle element, goes to ``summary``) or
the article's first paragraph (German-style "Vorspann": a <p class="lead|intro|teaser">, which
content scorers often drop for its styling). This module only finds and classifies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from scrapeclean.transforms.html.meta import norm_space

_DEK_CLASS = re.compile(
    r"(?:^|[-_])(?:dek|deck|standfirst|sub-?title|subtitle|sub-?head(?:line)?|strap-?line|"
    r"sub-?heading|article-?summary|summary|abstract|description|kicker-?text)(?:$|[-_])",
    re.I,
)
_DEK_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAGS = frozenset({"p", "div", "h2", "h3", "h4", "section", "header", "summary", "span"})
_INLINE_TAGS = frozenset({"strong", "b", "em", "i", "span", "a", "font"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "title", "meta", "head"})
_PROBE_CHARS = 32  # enough to identify the intro, short enough to survive markup splits
_MAX_ELEMENTS = 20_000  # work cap for the scan; intros sit near the top of the page


@dataclass(frozen=True, slots=True)
class Intro:
    """The page's visible intro text and whether it is a dek (else a lead paragraph)."""

    text: str
    is_dek: bool


def find_intro(root: etree._Element, description: str | None) -> Intro | None:
    """Find the body element that shows the page description; None when it is not shown."""
    if not description:
        return None
    wanted = norm_space(description).rstrip(" .…")
    if len(wanted) < 2 * _PROBE_CHARS:
        return None
    probe = wanted[:_PROBE_CHARS]
    body = root.find("body")
    for count, element in enumerate((body if body is not None else root).iter()):
        if count > _MAX_ELEMENTS:
            break
        if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS or not element.text:
            continue
        head = norm_space(element.text)[:_PROBE_CHARS]
        if len(head) < 8 or not probe.startswith(head):
            continue
        block = _block_of(element)
        text = norm_space(block.text_content())
        if text.startswith(probe) and len(text) <= 2 * len(wanted) + 200:
            if _inside(block, _SKIP_TAGS | {"nav", "footer", "aside", "a"}):
                continue
            return Intro(text=text, is_dek=_looks_like_dek(block))
    return None


def _block_of(element: etree._Element) -> etree._Element:
    """Climb from an inline element (<strong>, <span>) to the block that holds its text."""
    node = element
    while node.tag in _INLINE_TAGS and node.getparent() is not None:
        parent = node.getparent()
        if parent.tag in ("body", "html") or (parent.text or "").strip():
            break
        node = parent
    return node


def _inside(element: etree._Element, tags: frozenset[str]) -> bool:
    return any(node.tag in tags for node in element.iterancestors())


def _looks_like_dek(element: etree._Element) -> bool:
    """A dek is a subtitle element: an <h2>-<h6>, or a block whose class names a standfirst."""
    if element.tag in _DEK_TAGS:
        return True
    parent = element.getparent()
    # A wrapper's class counts only when it wraps little more than this block; a body
    # container named "post-content description" is not a dek.
    nodes = [element] if parent is None or len(parent) > 2 else [element, parent]
    return any(
        _DEK_CLASS.search(token) for node in nodes for token in (node.get("class") or "").split()
    )
