"""html/dates.py: htmldate's day for `published`, with the page's own time where it agrees."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from lxml import etree

from scrapeclean.transforms.html.dates import find_published

PROSE = "<p>" + "The council met on Tuesday to discuss the harbour bridge. " * 12 + "</p>"


def page(head: str = "", body: str = "") -> etree._Element:
    return lxml.html.document_fromstring(
        f"<html><head><title>Bridge</title>{head}</head>"
        f"<body><article><h1>Bridge</h1>{body}{PROSE}</article></body></html>"
    )


PUBLISHED_META = '<meta property="article:published_time" content="2024-05-14T08:30:00+02:00">'
STATED = datetime(2024, 5, 14, 6, 30, tzinfo=UTC)  # what html/meta.py reads from that tag
MAY_14 = datetime(2024, 5, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("root", "stated", "url", "expected"),
    [
        # htmldate names the same day: the stated time of day is kept.
        (page(PUBLISHED_META), STATED, None, STATED),
        # Our fields held another date (a modification, a related story): htmldate's day wins.
        (page(PUBLISHED_META), datetime(2024, 6, 1, 9, tzinfo=UTC), None, MAY_14),
        # A date only in the visible text, or only in the URL: found all the same.
        (page(body="<p class='date'>Published on 14 May 2024</p>"), None, None, MAY_14),
        (page(), None, "https://example.com/2023/03/02/bridge", datetime(2023, 3, 2, tzinfo=UTC)),
        # htmldate finds nothing: our own reading stands, and no date stays no date.
        (page(), STATED, None, STATED),
        (page(), None, None, None),
        # A date after today is not a publication date (htmldate's and trafilatura's rule).
        (page('<meta property="article:published_time" content="2091-05-14">'), None, None, None),
    ],
)  # fmt: skip
def test_find_published(
    root: etree._Element, stated: datetime | None, url: str | None, expected: datetime | None
) -> None:
    assert find_published(root, stated, url) == expected


def test_the_tree_is_left_as_it_was() -> None:
    root = page(PUBLISHED_META, "<script>var x = 1;</script>")
    before = etree.tostring(root)
    find_published(root, None, None)
    assert etree.tostring(root) == before
