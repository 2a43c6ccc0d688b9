"""The extract stage: an HTML page (a file, a JSONL ``html`` field, a WARC response) becomes
plain paragraphs plus what the page states (headline, summary, published time, URL, language).

The extraction itself is html/page.py; this only maps its result onto the Document.
"""

from __future__ import annotations

from dataclasses import replace

from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.page import TextTooLargeError, extract_page
from scrapeclean.transforms.records import Document, Reject, RejectReason

# Dates that reach htmldate's slow path: a Spanish text date its own patterns cannot read goes
# to dateparser, which on its first call in a process loads and compiles every locale (1.8-3.8 s
# here, then 15-30 ms a call), and a day with a month name but no year makes it list every
# locale's month names (0.25 s). wcxb-dev's pages send 41 such strings over 549 pages.
WARM_UP_PAGE = (
    "<html><body><article><p>Publicado el martes, 3 de marzo de 2021</p>"
    "<p>Actualizado el 3 de marzo, 10:30</p>"
    "<p>Un párrafo de texto bastante largo para que el extractor lo guarde como cuerpo.</p>"
    "</article></body></html>"
)


def is_markup(document: Document) -> bool:
    """True for a document whose text is still HTML: only those go through extraction."""
    return document.is_html


def extract_document(document: Document, config: HtmlConfig) -> Document | Reject:
    """Replace a page's markup with its article paragraphs; what the input states wins.

    A JSONL record's own headline/summary/published fields win over the page's; the page's
    canonical URL wins over the fetched one (it names the article, not the request).
    """
    try:
        page = extract_page(document.text, document.url, config)
    except TextTooLargeError as error:
        return Reject.of(document, RejectReason.TOO_LARGE, str(error))
    if not page.paragraphs:
        return Reject.of(document, RejectReason.EMPTY, "no article content found on the page")
    return replace(
        document,
        text="\n\n".join(page.paragraphs),
        is_html=False,
        extracted=True,
        url=page.url or document.url,
        headline=document.headline or page.headline,
        summary=document.summary if document.summary_known else page.summary,
        summary_known=True,  # the extractor decided: a dek, or none
        published=document.published or page.published,
        language=page.language_hint,
        credits=document.credits + page.credits,
    )


def warm_up() -> None:
    """Pay the stage's first-call costs in this process once: every process forked from it
    afterwards (the sandbox's children, text/sandbox_parent.py) starts its first page warm.

    Library caches only: a page's output does not depend on what ran before it.
    """
    page = Document("warm-up", "warm-up", "html", b"", WARM_UP_PAGE, is_html=True)
    extract_document(page, HtmlConfig())
