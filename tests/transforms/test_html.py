"""HTML extraction: decoding, metadata, main text and paragraph rules (transforms/html*.py)."""

from __future__ import annotations

import gzip
import pickle
import socket
import subprocess
import sys
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from scrapeclean.transforms.html.config import HtmlConfig
from scrapeclean.transforms.html.extract import extract_document
from scrapeclean.transforms.html.meta import find_byline, parse_date, strip_site_suffix
from scrapeclean.transforms.html.page import PageArticle, extract_page
from scrapeclean.transforms.html.paragraphs import clean_paragraphs, pick_summary
from scrapeclean.transforms.records import Document, Reject, RejectReason
from scrapeclean.transforms.text.decode import decode_html
from scripts.make_bad_inputs import nested_list_page
from scripts.wcxb_data import BENCH

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "html"
CONFIG = HtmlConfig()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extraction must never open a connection: any attempt fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def extract_fixture(name: str, url: str | None = None) -> PageArticle:
    return extract_page(decode_html((FIXTURES / name).read_bytes()), url, CONFIG)


def test_news_page_fields() -> None:
    article = extract_fixture("news_page.html", "https://herald.example/news?id=1")
    assert article.headline == "Harbour bridge reopens after two-year repair"
    assert article.summary == (
        "Commuters get their crossing back, three months ahead of schedule and under budget."
    )
    assert article.published == datetime(2024, 5, 14, 6, 30, tzinfo=UTC)
    assert article.url == "https://herald.example/news/2024/05/harbour-bridge-reopens"
    assert article.language_hint == "en"
    assert article.credits == (
        "By Jane Doe and Tom Weller",
        "Reporting by Jane Doe; Editing by Sam Brook",
    )


def test_news_page_paragraphs_are_the_article_only() -> None:
    article = extract_fixture("news_page.html")
    # 5: the inline "Related: ..." teaser stays since the teaser rules were removed on evidence
    # (they did not help word F1 on wcxb-dev's dev part; docs/html-quality.md).
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("The harbour bridge reopened to traffic on Tuesday")
    assert article.paragraphs[-1].startswith('"We are glad to give people their evenings back,"')
    text = "\n\n".join(article.paragraphs)
    for unwanted in (
        "Harbour bridge reopens",  # headline
        "Commuters get their crossing back",  # dek
        "The Coastal Herald",  # masthead, footer
        "Photo: Maria Lopez",  # caption
        "Share on",  # share UI
        "Jane Doe",  # byline and wire credit
        "More from News",
        "Storm warning",  # related list
        "All rights reserved",
        "08:30",
    ):
        assert unwanted not in text


def test_json_ld_article_body_replaces_an_app_shell() -> None:
    article = extract_fixture("jsonld_app_shell.html")
    assert article.headline == "Stadtwerke senken Strompreis zum Jahreswechsel"
    assert article.published == datetime(2023, 12, 4, 16, 45, tzinfo=UTC)
    assert article.url == "https://rheinblick.example/lokales/strompreis-sinkt"
    assert article.language_hint == "de"
    assert article.summary == "Die Stadtwerke geben gesunkene Einkaufspreise an ihre Kunden weiter."
    assert article.paragraphs == (
        "Die Stadtwerke senken zum 1. Januar den Arbeitspreis für Haushaltsstrom um 4,2 Cent je "
        "Kilowattstunde.",
        "Ein Haushalt mit einem Verbrauch von 3000 Kilowattstunden spart damit rund 126 Euro im "
        "Jahr, teilte das Unternehmen am Montag mit.",
        "Grund seien die deutlich gesunkenen Preise an der Strombörse, zu denen die Stadtwerke "
        "ihren Bedarf für das kommende Jahr bereits eingekauft hätten.",
        # Kept since the teaser rules were removed on evidence (docs/html-quality.md).
        "Lesen Sie auch: Neue Buslinie verbindet Nordstadt und Hafen",
    )


def test_windows_1251_declared_in_meta() -> None:
    data = (FIXTURES / "cp1251_meta_charset.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    html = decode_html(data)
    assert "Новый мост через реку открыт для движения" in html
    article = extract_page(html, None, CONFIG)
    assert article.headline == "Новый мост через реку открыт для движения"
    assert len(article.paragraphs) == 3
    assert article.paragraphs[2].startswith("Движение общественного транспорта")
    assert "Городские новости" not in "\n".join(article.paragraphs)


@pytest.mark.parametrize(
    ("data", "http_charset", "expected"),
    [
        ("Grüße".encode("cp1252"), "windows-1252", "Grüße"),
        ("Grüße".encode(), None, "Grüße"),
        (b"\xef\xbb\xbf" + "Grüße".encode(), "bogus-charset", "Grüße"),
        ("<meta charset='koi8-r'>мир".encode("koi8_r"), None, "<meta charset='koi8-r'>мир"),
        # A page re-saved as UTF-8 keeps its stale single-byte declaration: the bytes win.
        ('<meta charset="iso-8859-1">Grüße'.encode(), None, '<meta charset="iso-8859-1">Grüße'),
        # WHATWG: latin-1 means windows-1252 (0x93/0x94 are curly quotes).
        (b'<meta charset="latin1">\x93hi\x94', None, '<meta charset="latin1">“hi”'),
        # A label naming a non-text codec is ignored; the bytes are read as UTF-8.
        ('<meta charset="base64">Grüße'.encode(), None, '<meta charset="base64">Grüße'),
        ("Grüße".encode("utf-16"), "utf-16", "Grüße"),
    ],
)
def test_decode_html_precedence(data: bytes, http_charset: str | None, expected: str) -> None:
    assert decode_html(data, http_charset) == expected


def test_decode_html_detects_undeclared_legacy_charset() -> None:
    text = "Во вторник утром в городе открыли новый мост через реку. " * 5
    assert decode_html(text.encode("cp1251")) == text


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 4096,
        bytes(range(256)) * 64,
        b"<<<<>>>><!--",
        b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",
        b'<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": [[[[',
        b"<html><body>" + b"<p>" * 5000 + b"</body></html>",
    ],
)
def test_garbage_gives_an_empty_article(data: bytes) -> None:
    article = extract_page(decode_html(data), None, CONFIG)
    assert article.paragraphs == ()
    assert article.headline is None


def test_xml_declaration_does_not_stop_parsing() -> None:
    data = b'<?xml version="1.0" encoding="utf-8"?><html><body><p>Plain text.</p></body></html>'
    assert extract_page(decode_html(data), None, CONFIG).paragraphs == ("Plain text.",)


def test_deeply_nested_page_is_refused_without_recursion() -> None:
    depth = 200_000
    html = (
        "<html><body>" + "<div>" * depth + "<p>deep text</p>" + "</div>" * depth + "</body></html>"
    )
    assert extract_page(html, "https://x.example/a", CONFIG) == PageArticle(
        None, None, None, "https://x.example/a", None, (), ()
    )


def test_element_cap_refuses_huge_pages() -> None:
    html = (FIXTURES / "news_page.html").read_text(encoding="utf-8")
    assert extract_page(html, None, HtmlConfig(max_elements=20)).paragraphs == ()
    assert extract_page(html, None, HtmlConfig(max_chars=100)).paragraphs == ()


def test_caps_keep_a_page_at_the_limit_and_refuse_one_past_it() -> None:
    # html > body > 10 divs > p: 13 elements, the <p> 13 levels down.
    text = "The harbour board met on Tuesday and agreed to extend the ferry timetable. " * 4
    html = "<html><body>" + "<div>" * 10 + f"<p>{text}</p>" + "</div>" * 10 + "</body></html>"
    for cap in ("max_depth", "max_elements"):
        kept = extract_page(html, None, replace(CONFIG, **{cap: 13}))
        assert kept.paragraphs == (text.strip(),)
        assert extract_page(html, None, replace(CONFIG, **{cap: 12})).paragraphs == ()


def test_config_is_picklable_and_validated() -> None:
    config = HtmlConfig(max_depth=100, extra_teaser_prefixes=("sponsored:",))
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(ValueError, match="max_elements"):
        HtmlConfig(max_elements=0)
    with pytest.raises(ValueError, match="recall_retry_share"):
        HtmlConfig(recall_retry_share=1.5)
    with pytest.raises(ValueError, match="recall_retry_gain"):
        HtmlConfig(recall_retry_gain=0.9)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("© 2024 The Coastal Herald. All rights reserved.", False),
        ("Foto: Maria Lopez/dpa", False),
        ("23.10.2018", False),
        ("3:59 PM", False),
        ("https://example.org/story/123", False),
        ("Share", False),
        ("Category: Press Releases", False),
        ("The council said the ferry timetable will change in June.", True),
        ("By the end of the year the bridge carried 40,000 vehicles a day.", True),
        # Short prose about newsletters is prose (the call-to-action rule that dropped it is gone).
        ("The Guardian US added 680,000 newsletter subscribers in a single year.", True),
        (
            "The company said its newsletter business grew by a third last year, "
            "driven by paid subscriptions in Germany and France, and that it expects "
            "growth to continue into the next financial year as new titles launch.",
            True,
        ),
    ],
)
def test_paragraph_rules(text: str, kept: bool) -> None:
    paragraphs, _ = clean_paragraphs([("p", text)], (), CONFIG.max_rule_words)
    assert (paragraphs == [text]) is kept


def test_credits_move_out_of_the_body() -> None:
    blocks = [
        ("p", "By Jane Doe"),
        ("p", "The river rose by two metres overnight."),
        ("p", "Reporting by Tom Weller; Editing by Sam Brook"),
        ("p", "The Associated Press contributed to this report."),
        ("p", "aja/PAP"),
    ]
    paragraphs, credits = clean_paragraphs(blocks, (), CONFIG.max_rule_words)
    assert paragraphs == ["The river rose by two metres overnight."]
    assert credits == [
        "By Jane Doe",
        "Reporting by Tom Weller; Editing by Sam Brook",
        "The Associated Press contributed to this report.",
        "aja/PAP",
    ]


def test_a_trailing_heading_without_text_under_it_is_dropped() -> None:
    blocks = [
        ("p", "The river rose by two metres overnight."),
        ("head", "Residents evacuated"),
        ("p", "Residents were told to stay away from the banks until Friday."),
        ("head", "Newsletter"),
    ]
    paragraphs, _ = clean_paragraphs(blocks, ("Headline",), CONFIG.max_rule_words)
    assert paragraphs == [
        "The river rose by two metres overnight.",
        "Residents evacuated",
        "Residents were told to stay away from the banks until Friday.",
    ]


def test_headline_never_in_paragraphs() -> None:
    blocks = [("head", "Harbour bridge reopens"), ("p", "The bridge reopened on Tuesday.")]
    paragraphs, _ = clean_paragraphs(blocks, ("Harbour  bridge reopens",), 40)
    assert paragraphs == ["The bridge reopened on Tuesday."]


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("The bridge reopened on Tuesday morning...", None),  # a truncated copy of the lead
        ("The bridge reopened on Tuesday morning after two years.", None),
        ("Commuters get their crossing back.", "Commuters get their crossing back."),
        (None, None),
    ],
)
def test_pick_summary(description: str | None, expected: str | None) -> None:
    lead = ["The bridge reopened on Tuesday morning after two years.", "More text."]
    assert pick_summary(description, lead) == expected


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        (
            "Harbour bridge reopens | The Coastal Herald",
            "The Coastal Herald",
            "Harbour bridge reopens",
        ),
        ("Harbour bridge reopens - Herald", None, "Harbour bridge reopens"),
        ("Herald » Harbour bridge reopens", "Herald", "Harbour bridge reopens"),
        ("A plain title", "Herald", "A plain title"),
    ],
)
def test_strip_site_suffix(title: str, site: str | None, expected: str) -> None:
    assert strip_site_suffix(title, site) == expected


@pytest.mark.parametrize(
    ("classes", "found"),
    [
        ("byline", True),
        ("ByLine article-meta", True),
        ("post__BYLINE-wrap", True),
        ("BYLİNE", True),  # re.I folds the dotted capital I to i
        ("author-names", True),
        ("Article-Authors", True),
        ("bylines-nav", True),
        ("author", False),  # a bare "author" class is often a comment's author
        ("co-author-list", False),
        ("headline", False),
    ],
)
def test_a_byline_is_found_by_its_class_in_any_case(classes: str, found: bool) -> None:
    page = f'<html><body><article><p class="{classes}">By Jane Doe</p></article></body></html>'
    root = lxml.html.document_fromstring(page)
    assert find_byline(root) == ("By Jane Doe" if found else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-14T08:30:00+02:00", datetime(2024, 5, 14, 6, 30, tzinfo=UTC)),
        ("2024-05-14T08:30:00Z", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
        ("2024-05-14 08:30:00", datetime(2024, 5, 14, 8, 30, tzinfo=UTC)),
        ("2024-05-14", datetime(2024, 5, 14, tzinfo=UTC)),
        ("0001-01-01T00:00:00", None),
        ("yesterday", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_html_modules_do_not_import_beam() -> None:
    code = "import sys, scrapeclean.transforms.html.page; print('apache_beam' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_text_past_the_cap_is_too_large_and_never_built_whole() -> None:
    page = Document("p.html", "id", "html", b"", nested_list_page(), is_html=True)
    extract_document(replace(page, text="<p>warm up: first-call imports</p>"), CONFIG)
    tracemalloc.start()
    try:
        result = extract_document(page, CONFIG)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, Reject) and result.reason == RejectReason.TOO_LARGE
    assert peak < 8 * 1024 * 1024  # 2 MB measured; 28 MB building all 9.7 M characters


def test_lone_surrogates_in_json_ld_are_dropped() -> None:
    ld = r'{"@type": "NewsArticle", "headline": "Bridge\ud800 reopens", "description": "D\udfff"}'
    html = f'<html><head><script type="application/ld+json">{ld}</script></head><body></body>'
    article = extract_page(html + "<p>" + "Word " * 60 + "</p></body></html>", None, CONFIG)
    assert article.headline == "Bridge reopens"
    for text in (article.summary or "", *article.paragraphs):
        text.encode("utf-8")


def test_a_card_grid_the_balanced_run_drops_comes_back_from_the_recall_run() -> None:
    # hrsa.gov/oral-health as fetched for WCXB (a U.S. government work, public domain): the
    # topic cards are article text; trafilatura's balanced run keeps 8 blocks of the page, its
    # recall run the cards as well (html/body.py).
    html = decode_html(gzip.decompress((FIXTURES / "hrsa_oral_health.html.gz").read_bytes()))
    card = "Having good oral health early in life sets your child up for good oral health"
    retried = extract_page(html, None, CONFIG).paragraphs
    balanced = extract_page(html, None, HtmlConfig(recall_retry_share=0.0)).paragraphs
    assert any(p.startswith(card) for p in retried) and "Oral health for young children" in retried
    assert not any(card in p for p in balanced)
    assert balanced[0] == retried[0]  # the same article, only more of it


WCXB_PAGES = BENCH / "wcxb-dev" / "pages"


@pytest.mark.skipif(
    not WCXB_PAGES.is_dir(), reason=f"the shared benchmark pages are not at {BENCH}"
)
def test_a_page_whose_balanced_run_kept_two_thirds_of_its_words_gets_no_recall_run() -> None:
    # wcxb-dev page 4249 (robomow.com, CC-BY-4.0 via WCXB): the balanced run keeps 0.67 of the
    # visible words. Tried below 0.75 the recall run won there (40 paragraphs against 23, its
    # intro among them); the default gate, 0.6, keeps the balanced text and spares the run.
    html = decode_html(gzip.decompress((WCXB_PAGES / "4249.html.gz").read_bytes()))
    default = extract_page(html, None, CONFIG).paragraphs
    balanced = extract_page(html, None, HtmlConfig(recall_retry_share=0.0)).paragraphs
    tried = extract_page(html, None, HtmlConfig(recall_retry_share=0.75)).paragraphs
    assert CONFIG.recall_retry_share == 0.6
    assert default == balanced
    assert len(tried) > len(default) and set(default) < set(tried)
