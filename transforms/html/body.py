"""Main-content blocks of a parsed page, via trafilatura's extraction (no metadata, no network).

It returns the blocks trafilatura keeps, tagged by kind; judging them is paragraphs.py's job.
"""

from __future__ import annotations

import logging

from lxml import etree
from trafilatura.core import bare_extraction
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from scrapeclean.transforms.html.config import HtmlConfig

# trafilatura warns per page ("discarding data", readability fallbacks failing on comments):
# expected outcomes here, each already a reject or a fallback; at scale they drown real errors.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def extract_blocks(
    root: etree._Element, url: str | None, config: HtmlConfig
) -> list[tuple[str, str]]:
    """Return (kind, text) for each block of the main content, in page order."""
    options = Extractor(
        fast=not config.fallback,
        precision=config.favor_precision,
        recall=config.favor_recall,
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
    blocks: list[tuple[str, str]] = []
    for child in document.body:
        text = xmltotxt(child, False)
        for line in text.splitlines():
            if line.strip():
                blocks.append((str(child.tag), line.strip()))
    return blocks
